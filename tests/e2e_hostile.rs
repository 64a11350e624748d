//! Issue 10.3 in the TUI, on the raw byte stream: the real binary in a
//! pseudo-terminal browses a hostile tenant (names, display names, key names and
//! metadata holding OSC 52, `ESC[2J`, OSC 8, C1 CSI, U+202E, zero-width
//! characters and 5,000-character strings; sandbox seed `hostile`) and opens its
//! organizations. Everything the program wrote is checked byte by byte: no
//! tenant-originated control sequence, no C1 control, no bidi override or
//! zero-width character, the screen's rows intact, no panic. Then bodies that
//! are not Auth0's JSON (HTML, an empty 200, 10 MiB) give a clear error.
#![allow(clippy::unwrap_used)]

mod pty;

use std::time::Duration;

use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};
use pty::{Terminal, keys};

const WAIT: Duration = Duration::from_secs(20);
const COLS: u16 = 120;
const ROWS: u16 = 40;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn start_tui(sandbox: &Sandbox, home: &tempfile::TempDir) -> Terminal {
    let (config, data, logs) = (
        home.path().join("config"),
        home.path().join("data"),
        home.path().join("logs"),
    );
    std::fs::create_dir_all(&config).unwrap();
    // Nothing may reach the developer's clipboard.
    std::fs::write(config.join("config.toml"), "clipboard = \"off\"\n").unwrap();
    let env = [
        ("PLUGIN_AUTH0_M2M_DOMAIN", sandbox.base_url()),
        ("PLUGIN_AUTH0_M2M_CLIENT_ID", sandbox.admin_client_id()),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("PLUGIN_AUTH0_M2M_API_AUDIENCE", sandbox.api_audience()),
        ("PLUGIN_AUTH0_M2M_API_SCOPE", sandbox.api_scope()),
        ("M2M_PORTAL_CONFIG_DIR", config.display().to_string()),
        ("M2M_PORTAL_DATA_DIR", data.display().to_string()),
        ("M2M_PORTAL_LOG_DIR", logs.display().to_string()),
    ];
    let term = Terminal::spawn_in(
        env!("CARGO_BIN_EXE_m2m-portal"),
        &[],
        &env,
        home.path(),
        COLS,
        ROWS,
    );
    term.wait_for("Enter signs in", WAIT);
    term
}

/// The frame is whole: title on the first row, status and footer on the last two,
/// `ROWS` rows of at most `COLS` columns (nothing wrapped or pushed off).
fn assert_layout_intact(term: &Terminal, what: &str) {
    let screen = term.screen();
    let rows: Vec<&str> = screen.split('\n').collect();
    assert_eq!(rows.len(), usize::from(ROWS), "{what}: rows\n{screen}");
    assert!(
        rows[0].contains("m2m-portal"),
        "{what}: title row\n{screen}"
    );
    let footer = rows[rows.len() - 1];
    assert!(
        footer.contains("help"),
        "{what}: footer row {footer:?}\n{screen}"
    );
    assert!(
        footer.contains("quit"),
        "{what}: footer row {footer:?}\n{screen}"
    );
    for row in &rows {
        assert!(row.chars().count() <= usize::from(COLS), "{what}: {row:?}");
    }
}

/// No tenant-originated control sequence in what the program wrote.
fn assert_clean_stream(raw: &[u8], baseline_clears: usize) {
    let text = std::str::from_utf8(raw).expect("the program writes UTF-8 only");
    // OSC 52 (clipboard write) and OSC 8 (hyperlink): the app writes neither here.
    assert!(!contains(raw, b"\x1b]52"), "OSC 52 reached the terminal");
    assert!(!contains(raw, b"\x1b]8;"), "OSC 8 reached the terminal");
    // The payload's string terminators (BEL, ESC \) never reach it either.
    assert!(!raw.contains(&0x07), "BEL reached the terminal");
    assert!(!contains(raw, b"\x1b\\"), "ST reached the terminal");
    // ESC[2J: only the app's own clears, as many as a session with plain data.
    assert_eq!(
        count(raw, b"\x1b[2J"),
        baseline_clears,
        "a tenant's ESC[2J reached the terminal"
    );
    for c in text.chars() {
        assert!(
            !('\u{80}'..='\u{9f}').contains(&c),
            "C1 control U+{:04X} reached the terminal",
            c as u32
        );
        assert!(
            !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
            "bidi control U+{:04X} reached the terminal",
            c as u32
        );
        assert!(
            !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}'),
            "zero-width U+{:04X} reached the terminal",
            c as u32
        );
    }
    assert!(!text.contains("panicked"), "a panic was printed");
    // Every ESC starts a sequence the app itself writes: CSI (`ESC [`), or the
    // keypad/charset modes crossterm and ratatui use; never an OSC, DCS, PM or APC.
    for (i, _) in text.match_indices('\u{1b}') {
        let next = raw.get(i + 1).copied().unwrap_or(b'[');
        assert!(
            matches!(next, b'[' | b'7' | b'8' | b'=' | b'>' | b'(' | b')'),
            "unexpected ESC {:?} at byte {i}",
            String::from_utf8_lossy(&raw[i..(i + 8).min(raw.len())])
        );
    }
}

/// Opens the organization `name` by filtering for it (Enter opens an exact name).
fn open(term: &mut Terminal, name: &str) -> String {
    term.send("/");
    term.send(name);
    term.send(keys::ENTER);
    term.wait_for("Keys (", WAIT)
}

/// Signs in, moves through the list, opens two organizations and quits.
fn browse(term: &mut Terminal, names: &[&str]) {
    term.send(keys::ENTER);
    term.wait_until(|s| s.contains("acme"), WAIT, "the first page");
    for _ in 0..12 {
        term.send(keys::DOWN);
    }
    for _ in 0..12 {
        term.send(keys::UP);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_layout_intact(term, "the list");
    for name in names {
        let screen = open(term, name);
        assert!(screen.contains(name), "{screen}");
        // Let the keys arrive too, then check the frame.
        std::thread::sleep(Duration::from_millis(500));
        assert_layout_intact(term, name);
        term.send(keys::ESC);
        term.wait_until(|s| !s.contains("Keys ("), WAIT, "back to the list");
        term.send(keys::ESC);
        term.wait_for("filter cleared", WAIT);
    }
    term.send("q");
    assert_eq!(term.wait_exit(WAIT), 0, "{}", term.screen());
}

#[test]
fn browsing_a_hostile_tenant_writes_none_of_its_control_sequences_to_the_terminal() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The same walk over plain data counts the app's own screen clears.
    let plain = runtime
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut term = start_tui(&plain, &home);
    browse(&mut term, &["globex", "initech"]);
    let baseline = term.raw_output();
    let baseline_clears = count(&baseline, b"\x1b[2J");
    assert_clean_stream(&baseline, baseline_clears);
    runtime.block_on(plain.shutdown());

    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            seed: Seed::Hostile,
            ..SandboxOptions::default()
        }))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut term = start_tui(&sandbox, &home);
    browse(&mut term, &["hostile-osc", "hostile-long"]);
    let raw = term.raw_output();
    // The hostile text was drawn (escaped), so the check looked at the real thing.
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("hostile-osc"), "the hostile rows were drawn");
    assert!(text.contains("\\x1b"), "hostile text is shown escaped");
    assert_clean_stream(&raw, baseline_clears);
    runtime.block_on(sandbox.shutdown());
}

#[test]
fn bodies_that_are_not_auth0_json_give_a_clear_error_in_the_tui_not_a_panic() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut term = start_tui(&sandbox, &home);
    term.send(keys::ENTER);
    term.wait_until(|s| s.contains("acme"), WAIT, "the first page");
    let cases = [
        // A web page where JSON was expected (200), a proxy's error page, no body at all,
        // a 10 MiB page and a 10 MiB error.
        ("GET /api/v2/organizations=html", "HTML"),
        ("GET /api/v2/organizations=502+html", "HTML page"),
        ("GET /api/v2/organizations=empty", "empty body"),
        ("GET /api/v2/organizations=huge", "more than 8 MiB"),
        ("GET /api/v2/organizations=500+huge", "more than 8 MiB"),
    ];
    for (fault, says) in cases {
        // A good reload first, so the error below is this fault's.
        sandbox.set_faults(m2m_portal::sandbox::FaultSpec::default());
        term.send("R");
        term.wait_for("reloaded ·", WAIT);
        sandbox.set_faults(fault.parse().unwrap());
        term.send("R");
        term.wait_for("loading organizations failed", Duration::from_secs(40));
        assert_layout_intact(&term, fault);
        // The whole message is one key away, and says what came back.
        term.send("!");
        let screen = term.wait_for(says, WAIT);
        assert!(!screen.contains("panicked"), "{fault}:\n{screen}");
        term.send(keys::ESC);
        std::thread::sleep(Duration::from_millis(300));
    }
    sandbox.set_faults(m2m_portal::sandbox::FaultSpec::default());
    term.send("R");
    term.wait_until(
        |s| s.contains("acme") && !s.contains("failed"),
        WAIT,
        "reloaded",
    );
    term.send("q");
    assert_eq!(term.wait_exit(WAIT), 0, "{}", term.screen());
    let raw = term.raw_output();
    assert!(!String::from_utf8_lossy(&raw).contains("panicked"));
    runtime.block_on(sandbox.shutdown());
}
