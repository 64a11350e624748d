//! `assets/walkthrough.cast`: an asciicast v2 recording of the real binary in a
//! pseudo-terminal, sign-in → provision → test token, in presenter mode (the secret is
//! masked). The test drives the walk every run and checks the committed recording
//! still shows every step the walk waits for; `UPDATE_ASSETS=1 cargo test --test
//! walkthrough` records it again (with pauses a viewer can follow).
#![allow(clippy::unwrap_used)]

mod common;
mod pty;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::TestSandbox;
use pty::{Terminal, keys};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);
const COLS: u16 = 120;
const ROWS: u16 = 40;
/// Longest pause kept in the recording.
const MAX_GAP: f64 = 2.0;

/// What the walk waits for, in order; the recording must show each.
const STEPS: [&str; 6] = [
    "Enter signs in",
    "Acme Corporation",
    "Keys (",
    "will not be shown again",
    "gateway checks passed",
    "org_id is",
];

fn cast_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/walkthrough.cast")
}

/// Drives the walk; with `pace`, pauses after each step so a viewer can read it.
/// Returns the terminal (for its timed output) and every credential the tenant issued.
fn walk(pace: Duration) -> (Terminal, Vec<String>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(TestSandbox::start());
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("PLUGIN_AUTH0_M2M_DOMAIN", sandbox.base_url()),
        ("PLUGIN_AUTH0_M2M_CLIENT_ID", sandbox.admin_client_id()),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("PLUGIN_AUTH0_M2M_API_AUDIENCE", sandbox.api_audience()),
        ("PLUGIN_AUTH0_M2M_API_SCOPE", sandbox.api_scope()),
        (
            "M2M_PORTAL_CONFIG_DIR",
            home.path().join("config").display().to_string(),
        ),
        (
            "M2M_PORTAL_DATA_DIR",
            home.path().join("data").display().to_string(),
        ),
        (
            "M2M_PORTAL_LOG_DIR",
            home.path().join("logs").display().to_string(),
        ),
    ];
    let mut term = Terminal::spawn_in(
        env!("CARGO_BIN_EXE_m2m-portal"),
        &["--presenter"],
        &env,
        home.path(),
        COLS,
        ROWS,
    );
    let step = |term: &Terminal, text: &str| {
        let screen = term.wait_for(text, WAIT);
        std::thread::sleep(pace);
        screen
    };
    step(&term, STEPS[0]);
    term.send(keys::ENTER);
    step(&term, STEPS[1]);
    term.send(keys::DOWN);
    std::thread::sleep(pace / 2);
    term.send(keys::ENTER);
    step(&term, STEPS[2]);
    term.send("p");
    term.wait_for("Enter", WAIT);
    std::thread::sleep(pace);
    term.send(keys::ENTER);
    let reveal = step(&term, STEPS[3]);
    assert!(reveal.contains("hidden while presenting"), "{reveal}");
    term.send("t");
    step(&term, STEPS[4]);
    term.send(keys::ESC);
    term.wait_for("Have you stored", WAIT);
    std::thread::sleep(pace);
    term.send("y");
    term.wait_until(
        |s| s.contains(STEPS[5]) && !s.contains("shown once"),
        WAIT,
        "the token inspector",
    );
    std::thread::sleep(pace * 2);
    term.send(keys::ESC);
    term.wait_until(
        |s| s.contains("Keys (") && !s.contains(STEPS[5]),
        WAIT,
        "the organization again",
    );
    term.send("q");
    std::thread::sleep(Duration::from_millis(300));
    if term.screen().contains("Quit") {
        term.send("y");
    }
    assert_eq!(term.wait_exit(WAIT), 0);
    let mut issued = vec![sandbox.admin_client_secret().expose_secret().to_owned()];
    for exchange in sandbox.exchanges() {
        let Some(body) = exchange.response_body else {
            continue;
        };
        for key in ["client_secret", "access_token"] {
            if let Some(Value::String(value)) = body.get(key) {
                issued.push(value.clone());
            }
        }
    }
    runtime.block_on(sandbox.finish());
    (term, issued)
}

/// The recording as asciicast v2: a header line, then `[seconds, "o", text]` events,
/// long pauses shortened to [`MAX_GAP`].
fn to_cast(events: &[(Duration, Vec<u8>)]) -> String {
    let header = json!({
        "version": 2,
        "width": COLS,
        "height": ROWS,
        "title": "m2m-portal: sign in, provision a key, prove it with a test token",
        "env": {"TERM": "xterm-256color"},
    });
    let mut out = format!("{header}\n");
    let (mut clock, mut last) = (0.0_f64, 0.0_f64);
    for (at, bytes) in events {
        let at = at.as_secs_f64();
        clock += (at - last).clamp(0.0, MAX_GAP);
        last = at;
        let text = String::from_utf8_lossy(bytes);
        out.push_str(&json!([(clock * 1000.0).round() / 1000.0, "o", text]).to_string());
        out.push('\n');
    }
    out
}

/// Replays a recording; returns the screens it showed, one after each event.
fn replay(cast: &str) -> Vec<String> {
    let mut lines = cast.lines();
    let header: Value = serde_json::from_str(lines.next().expect("a header")).unwrap();
    assert_eq!(header["version"], 2);
    let rows = u16::try_from(header["height"].as_u64().unwrap()).unwrap();
    let cols = u16::try_from(header["width"].as_u64().unwrap()).unwrap();
    let mut parser = vt100::Parser::new(
        std::num::NonZero::new(rows).unwrap(),
        std::num::NonZero::new(cols).unwrap(),
        0,
    );
    let mut screens = Vec::new();
    let mut previous = 0.0;
    for line in lines {
        let event: Value = serde_json::from_str(line).unwrap();
        let at = event[0].as_f64().expect("a time");
        assert!(at >= previous, "times go forward: {line}");
        previous = at;
        assert_eq!(event[1], "o");
        parser.process(event[2].as_str().unwrap().as_bytes());
        screens.push(parser.screen().contents());
    }
    screens
}

/// Every step of the walk, in order, on some screen of the recording.
fn shows_every_step(screens: &[String]) -> Result<(), String> {
    let mut from = 0;
    for step in STEPS {
        match screens[from..].iter().position(|s| s.contains(step)) {
            Some(at) => from += at,
            None => {
                return Err(format!(
                    "the recording never shows {step:?} (after step {from})"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn the_walkthrough_recording_is_current_and_masks_the_secret() {
    let update = std::env::var_os("UPDATE_ASSETS").is_some_and(|v| v == "1");
    let pace = if update {
        Duration::from_millis(1200)
    } else {
        Duration::ZERO
    };
    let (term, issued) = walk(pace);
    let fresh = to_cast(&term.timed_output());
    for credential in &issued {
        assert!(
            !fresh.contains(credential.as_str()),
            "a credential reached the recording"
        );
    }
    shows_every_step(&replay(&fresh)).unwrap();
    if update {
        std::fs::write(cast_path(), &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(cast_path())
        .expect("assets/walkthrough.cast: run `UPDATE_ASSETS=1 cargo test --test walkthrough`");
    let screens = replay(&committed);
    shows_every_step(&screens).unwrap_or_else(|e| {
        panic!("assets/walkthrough.cast is stale ({e}): run `UPDATE_ASSETS=1 cargo test --test walkthrough`")
    });
    assert!(
        screens
            .iter()
            .any(|s| s.contains("hidden while presenting")),
        "the recorded reveal masks the secret"
    );
}
