//! Unit tests of [`crate::clipboard`].

#![allow(clippy::unwrap_used)]

use super::system::{Request, WAIT_TIMED_OUT};
use super::tmux::run_tmux;
use super::*;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

fn env(vars: &[(&str, &str)]) -> Environment {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Environment::from_lookup(|name| vars.get(name).cloned())
}

const SECRET: &str = "s3cr3t-Value";
// base64("s3cr3t-Value")
const SECRET_B64: &str = "czNjcjN0LVZhbHVl";

#[test]
fn osc52_plain_sequence_is_exact() {
    let bytes = osc52_copy_sequence(SECRET, None).unwrap();
    assert_eq!(
        bytes.as_slice(),
        format!("\x1b]52;c;{SECRET_B64}\x07").as_bytes()
    );
}

#[test]
fn osc52_inside_tmux_uses_passthrough_with_doubled_escapes() {
    let bytes = osc52_copy_sequence(SECRET, Some(Multiplexer::Tmux)).unwrap();
    assert_eq!(
        bytes.as_slice(),
        format!("\x1bPtmux;\x1b\x1b]52;c;{SECRET_B64}\x07\x1b\\").as_bytes()
    );
}

#[test]
fn osc52_inside_screen_is_sent_in_dcs_chunks() {
    let bytes = osc52_copy_sequence(SECRET, Some(Multiplexer::Screen)).unwrap();
    assert_eq!(
        bytes.as_slice(),
        format!("\x1bP\x1b]52;c;{SECRET_B64}\x07\x1b\\").as_bytes()
    );
    // A long value is split so that no DCS string exceeds 256 bytes.
    let long = "x".repeat(1_000);
    let bytes = osc52_copy_sequence(&long, Some(Multiplexer::Screen)).unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let chunks: Vec<&str> = text.split("\x1b\\").filter(|c| !c.is_empty()).collect();
    assert!(chunks.len() > 1);
    assert!(
        chunks
            .iter()
            .all(|c| c.starts_with("\x1bP") && c.len() + 2 <= 256)
    );
    let inner: String = chunks.iter().map(|c| &c[2..]).collect();
    assert_eq!(
        inner,
        format!("\x1b]52;c;{}\x07", STANDARD.encode(long.as_bytes()))
    );
}

#[test]
fn osc52_clear_sequences_are_exact() {
    assert_eq!(osc52_clear_sequence(None), b"\x1b]52;c;\x07");
    assert_eq!(
        osc52_clear_sequence(Some(Multiplexer::Tmux)),
        b"\x1bPtmux;\x1b\x1b]52;c;\x07\x1b\\"
    );
    assert_eq!(
        osc52_clear_sequence(Some(Multiplexer::Screen)),
        b"\x1bP\x1b]52;c;\x07\x1b\\"
    );
}

#[test]
fn osc52_payload_over_the_cap_is_refused() {
    // 56,244 bytes encode to 74,992 bytes of base64: the largest that fits.
    assert!(osc52_copy_sequence(&"a".repeat(56_244), None).is_ok());
    let err = osc52_copy_sequence(&"a".repeat(56_247), None).unwrap_err();
    assert!(matches!(
        err,
        ClipboardError::TooLarge {
            encoded: 74_996,
            max: OSC52_MAX_BASE64
        }
    ));
    assert!(err.to_string().contains("limit is 74994"));
}

#[test]
fn environment_is_read_from_the_injected_variables() {
    let plain = env(&[("DISPLAY", ":0")]);
    assert_eq!(
        plain,
        Environment {
            display: true,
            ssh: false,
            multiplexer: None,
            tmux: None,
            tmux_unreadable: false,
        }
    );
    assert!(env(&[("SSH_TTY", "/dev/pts/1")]).ssh);
    assert!(env(&[("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")]).ssh);
    assert!(!env(&[("SSH_CONNECTION", "")]).ssh);
    assert_eq!(
        env(&[("TMUX", "/tmp/tmux-1000/default,1,0")]).multiplexer,
        Some(Multiplexer::Tmux)
    );
    assert_eq!(
        env(&[("STY", "1234.pts-0.host")]).multiplexer,
        Some(Multiplexer::Screen)
    );
    #[cfg(target_os = "linux")]
    {
        assert!(!env(&[]).display);
        assert!(env(&[("WAYLAND_DISPLAY", "wayland-0")]).display);
    }
}

#[test]
fn auto_mode_prefers_the_system_clipboard_only_on_a_local_display() {
    let auto = ClipboardMode::Auto;
    assert_eq!(
        choose_channel(auto, &env(&[("DISPLAY", ":0")])).unwrap(),
        Channel::System { fallback: true }
    );
    assert_eq!(
        choose_channel(auto, &env(&[("DISPLAY", ":0"), ("SSH_TTY", "/dev/pts/3")])).unwrap(),
        Channel::Osc52(Osc52Reason::Ssh)
    );
    #[cfg(target_os = "linux")]
    assert_eq!(
        choose_channel(auto, &env(&[])).unwrap(),
        Channel::Osc52(Osc52Reason::NoDisplay)
    );
}

#[test]
fn configured_modes_override_the_environment() {
    let local = env(&[("DISPLAY", ":0")]);
    assert_eq!(
        choose_channel(ClipboardMode::Osc52, &local).unwrap(),
        Channel::Osc52(Osc52Reason::Configured)
    );
    assert_eq!(
        choose_channel(ClipboardMode::System, &env(&[("SSH_TTY", "x")])).unwrap(),
        Channel::System { fallback: false }
    );
    assert!(matches!(
        choose_channel(ClipboardMode::Off, &local),
        Err(ClipboardError::Off)
    ));
}

/// A fake desktop clipboard shared with the test, so it can "copy something else".
#[derive(Clone, Default)]
struct FakeBoard(Arc<Mutex<Option<String>>>);

impl SystemBackend for FakeBoard {
    fn set_text(&mut self, text: &str) -> Result<(), String> {
        *self.0.lock().unwrap() = Some(text.to_owned());
        Ok(())
    }
    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String> {
        Ok(self.0.lock().unwrap().clone().map(Zeroizing::new))
    }
    fn clear(&mut self) -> Result<(), String> {
        *self.0.lock().unwrap() = None;
        Ok(())
    }
}

fn fake_board() -> &'static FakeBoard {
    static BOARD: std::sync::OnceLock<FakeBoard> = std::sync::OnceLock::new();
    BOARD.get_or_init(FakeBoard::default)
}

fn failing_factory() -> Result<Box<dyn SystemBackend>, String> {
    Err("X11 server connection timed out because it was unreachable".to_owned())
}

#[test]
fn osc52_copy_over_ssh_writes_the_sequence_and_clears_when_due() {
    let mut clipboard = Clipboard::with_backend(
        ClipboardMode::Auto,
        Duration::from_secs(30),
        env(&[("SSH_TTY", "/dev/pts/1"), ("TMUX", "x")]),
        failing_factory,
    );
    let start = Instant::now();
    let mut terminal = Vec::new();
    let report = clipboard
        .copy_at(&Secret::from(SECRET), &mut terminal, start)
        .unwrap();
    assert_eq!(
        report.via,
        Via::Osc52 {
            wrapped: Some(Multiplexer::Tmux)
        }
    );
    assert_eq!(
        report.status_message(),
        "copied via the terminal (OSC 52 through tmux) — clears in 30 s"
    );
    assert_eq!(
        terminal,
        format!("\x1bPtmux;\x1b\x1b]52;c;{SECRET_B64}\x07\x1b\\").as_bytes()
    );
    assert_eq!(
        clipboard.remaining(start + Duration::from_secs(12)),
        Some(Duration::from_secs(18))
    );

    terminal.clear();
    let early = clipboard
        .clear_if_due(start + Duration::from_secs(29), &mut terminal)
        .unwrap();
    assert_eq!(early, ClearOutcome::NotDue);
    assert!(terminal.is_empty());

    let due = clipboard
        .clear_if_due(start + Duration::from_secs(30), &mut terminal)
        .unwrap();
    assert_eq!(due, ClearOutcome::Cleared(report.via));
    assert_eq!(terminal, b"\x1bPtmux;\x1b\x1b]52;c;\x07\x1b\\");
    assert!(!clipboard.has_pending());
    assert_eq!(clipboard.remaining(start), None);
}

#[test]
fn zero_delay_disables_the_auto_clear() {
    let mut clipboard = Clipboard::with_backend(
        ClipboardMode::Osc52,
        Duration::ZERO,
        env(&[]),
        failing_factory,
    );
    let report = clipboard
        .copy(&Secret::from(SECRET), &mut Vec::new())
        .unwrap();
    assert_eq!(report.clears_at, None);
    assert_eq!(
        report.status_message(),
        "copied via the terminal (OSC 52) — not cleared automatically"
    );
    // Quitting still clears it.
    let mut terminal = Vec::new();
    assert_eq!(
        clipboard.clear_now_if_ours(&mut terminal).unwrap(),
        ClearOutcome::Cleared(report.via)
    );
    assert_eq!(terminal, b"\x1b]52;c;\x07");
}

fn in_tmux(options: Option<TmuxOptions>) -> Environment {
    Environment {
        tmux: options,
        tmux_unreadable: options.is_none(),
        ..env(&[
            ("SSH_TTY", "/dev/pts/1"),
            ("TMUX", "/tmp/tmux-0/default,1,0"),
        ])
    }
}

static TMUX_CALLS: std::sync::Mutex<Vec<(String, Option<String>)>> =
    std::sync::Mutex::new(Vec::new());

fn fake_tmux(args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    TMUX_CALLS
        .lock()
        .unwrap()
        .push((args.join(" "), stdin.map(str::to_owned)));
    // Two buffers: tmux's copy of ours, and one of the user's.
    Ok(match args {
        ["list-buffers", ..] => "buffer0\nbuffer1\n".to_owned(),
        ["show-buffer", "-b", "buffer0"] => SECRET.to_owned(),
        ["show-buffer", ..] => "the user's own".to_owned(),
        _ => String::new(),
    })
}

#[test]
fn inside_tmux_the_copy_takes_the_way_tmux_lets_through() {
    let copy = |options| {
        let mut clipboard = Clipboard::with_backend(
            ClipboardMode::Auto,
            Duration::from_secs(30),
            in_tmux(options),
            failing_factory,
        )
        .with_tmux_runner(fake_tmux);
        let mut terminal = Vec::new();
        let report = clipboard
            .copy(&Secret::from(SECRET), &mut terminal)
            .unwrap();
        (report, terminal, clipboard)
    };
    // set-clipboard on: plain OSC 52, tmux passes it on.
    let (report, terminal, _) = copy(Some(TmuxOptions::parse("on", "off")));
    assert_eq!(report.via, Via::Osc52 { wrapped: None });
    assert!(terminal.starts_with(b"\x1b]52;c;"));
    // ...and clearing deletes the tmux buffer that kept our copy, not others.
    TMUX_CALLS.lock().unwrap().clear();
    let (_, _, mut on) = copy(Some(TmuxOptions::parse("on", "off")));
    on.clear_now_if_ours(&mut Vec::new()).unwrap();
    let calls = TMUX_CALLS.lock().unwrap().clone();
    assert!(
        calls
            .iter()
            .any(|(args, _)| args.starts_with("list-buffers")),
        "{calls:?}"
    );
    // Passthrough allowed: the DCS-wrapped sequence.
    let (report, terminal, _) = copy(Some(TmuxOptions::parse("off", "on")));
    assert_eq!(
        report.via,
        Via::Osc52 {
            wrapped: Some(Multiplexer::Tmux)
        }
    );
    assert!(terminal.starts_with(b"\x1bPtmux;"));
    // tmux's defaults (external, passthrough off) swallow both: tmux's buffer,
    // the secret on stdin, never in the arguments; nothing claims OSC 52.
    TMUX_CALLS.lock().unwrap().clear();
    let (report, terminal, mut clipboard) = copy(Some(TmuxOptions::parse("external", "off")));
    assert_eq!(report.via, Via::TmuxBuffer);
    assert!(terminal.is_empty(), "no sequence tmux would swallow");
    assert!(!report.status_message().contains("OSC 52 through tmux"));
    let calls = TMUX_CALLS.lock().unwrap().clone();
    assert_eq!(calls[0].0, "load-buffer -w -b m2m-portal -");
    assert_eq!(calls[0].1.as_deref(), Some(SECRET));
    assert!(calls.iter().all(|(args, _)| !args.contains(SECRET)));
    // Clearing empties and deletes the buffer.
    let mut terminal = Vec::new();
    assert_eq!(
        clipboard.clear_now_if_ours(&mut terminal).unwrap(),
        ClearOutcome::Cleared(Via::TmuxBuffer)
    );
    let calls = TMUX_CALLS.lock().unwrap().clone();
    assert!(
        calls
            .iter()
            .any(|(args, _)| args == "delete-buffer -b m2m-portal")
    );
    // tmux could not be asked: the copy says it may not have arrived.
    let (report, _, _) = copy(None);
    assert!(
        report.status_message().contains("could not be read"),
        "{}",
        report.status_message()
    );
}

#[test]
fn tmux_options_parse_like_tmux_prints_them() {
    assert_eq!(
        TmuxOptions::parse("external\n", "off\n"),
        TmuxOptions {
            set_clipboard: TmuxSetClipboard::External,
            passthrough: false
        }
    );
    assert!(TmuxOptions::parse("off", "all").passthrough);
    assert_eq!(
        TmuxOptions::parse("on", "on").set_clipboard,
        TmuxSetClipboard::On
    );
}

/// The real tmux, on a private server: its options are read, and a copy
/// lands in (and leaves) its buffer. Skipped where tmux is not installed.
#[test]
fn the_real_tmux_is_asked_and_its_buffer_used() {
    let socket = format!("m2m-portal-test-{}", std::process::id());
    let base = ["-L", socket.as_str()];
    let started = std::process::Command::new("tmux")
        .args(base)
        .args(["-f", "/dev/null", "new", "-d", "-s", "t", "sleep 30"])
        .status();
    if !started.is_ok_and(|s| s.success()) {
        eprintln!("tmux is not installed: skipped");
        return;
    }
    let run = |args: &[&str]| {
        let mut all = base.to_vec();
        all.extend_from_slice(args);
        run_tmux(&all, None, Duration::from_secs(2))
    };
    run(&["set", "-g", "set-clipboard", "off"]).unwrap();
    let options = TmuxOptions::read(&base).expect("tmux answers");
    assert_eq!(options.set_clipboard, TmuxSetClipboard::Off);
    run(&["set", "-g", "set-clipboard", "on"]).unwrap();
    assert_eq!(
        TmuxOptions::read(&base).unwrap().set_clipboard,
        TmuxSetClipboard::On
    );
    let mut args = base.to_vec();
    args.extend(["load-buffer", "-w", "-b", TMUX_BUFFER, "-"]);
    run_tmux(&args, Some(SECRET), Duration::from_secs(2)).unwrap();
    assert_eq!(run(&["show-buffer", "-b", TMUX_BUFFER]).unwrap(), SECRET);
    run(&["delete-buffer", "-b", TMUX_BUFFER]).unwrap();
    assert!(run(&["show-buffer", "-b", TMUX_BUFFER]).is_err());
    let _ = run(&["kill-server"]);
}

/// A clipboard owner that never answers: the wait ends, and the next copy
/// does not wait again.
#[test]
fn a_hung_clipboard_owner_cannot_freeze_the_ui() {
    let (requests, inbox) = mpsc::channel::<Request>();
    // Holds every request and never answers.
    let worker = std::thread::spawn(move || {
        let held: Vec<Request> = inbox.iter().collect();
        drop(held);
    });
    let owner = ArboardOwner {
        requests: Some(requests),
        worker: Some(worker),
        hung: std::sync::atomic::AtomicBool::new(false),
    };
    let mut boxed: Box<dyn SystemBackend> = Box::new(owner);
    let started = Instant::now();
    let error = boxed.set_text(SECRET).unwrap_err();
    assert_eq!(error, WAIT_TIMED_OUT);
    let first = started.elapsed();
    assert!(first < SYSTEM_CLIPBOARD_TIMEOUT * 4, "{first:?}");
    // Marked hung: the next request fails at once, and dropping does not wait.
    let again = Instant::now();
    assert!(boxed.get_text().is_err());
    drop(boxed);
    assert!(
        again.elapsed() < SYSTEM_CLIPBOARD_TIMEOUT,
        "{:?}",
        again.elapsed()
    );
}

#[test]
fn a_kept_copy_is_not_cleared_on_quit() {
    let mut clipboard = Clipboard::with_backend(
        ClipboardMode::Osc52,
        Duration::from_secs(30),
        env(&[]),
        failing_factory,
    );
    clipboard
        .copy(&Secret::from(SECRET), &mut Vec::new())
        .unwrap();
    clipboard.forget();
    let mut terminal = Vec::new();
    assert_eq!(
        clipboard.clear_now_if_ours(&mut terminal).unwrap(),
        ClearOutcome::NothingPending
    );
    assert!(terminal.is_empty(), "no empty OSC 52 write on quit");
}

#[test]
fn a_failing_system_clipboard_falls_back_to_osc52_in_auto_mode_only() {
    let local = env(&[("DISPLAY", ":0")]);
    let mut auto =
        Clipboard::with_backend(ClipboardMode::Auto, Duration::ZERO, local, failing_factory);
    let mut terminal = Vec::new();
    let report = auto.copy(&Secret::from(SECRET), &mut terminal).unwrap();
    assert_eq!(report.via, Via::Osc52 { wrapped: None });
    assert!(report.note.unwrap().contains("unreachable"));
    assert!(!terminal.is_empty());

    let mut system = Clipboard::with_backend(
        ClipboardMode::System,
        Duration::ZERO,
        local,
        failing_factory,
    );
    let mut terminal = Vec::new();
    let err = system
        .copy(&Secret::from(SECRET), &mut terminal)
        .unwrap_err();
    assert!(matches!(err, ClipboardError::System(_)));
    assert!(terminal.is_empty(), "nothing may reach the terminal");
}

#[test]
fn off_mode_copies_nothing() {
    let mut clipboard = Clipboard::with_backend(
        ClipboardMode::Off,
        Duration::ZERO,
        env(&[]),
        failing_factory,
    );
    let mut terminal = Vec::new();
    let err = clipboard
        .copy(&Secret::from(SECRET), &mut terminal)
        .unwrap_err();
    assert!(matches!(err, ClipboardError::Off));
    assert!(terminal.is_empty());
}

#[test]
fn system_copy_is_cleared_only_while_it_is_still_ours() {
    fn factory() -> Result<Box<dyn SystemBackend>, String> {
        Ok(Box::new(fake_board().clone()))
    }
    let board = fake_board();
    let local = env(&[("DISPLAY", ":0")]);
    let delay = Duration::from_secs(5);
    let mut clipboard = Clipboard::with_backend(ClipboardMode::Auto, delay, local, factory);
    let start = Instant::now();
    let mut terminal = Vec::new();

    let report = clipboard
        .copy_at(&Secret::from(SECRET), &mut terminal, start)
        .unwrap();
    assert_eq!(report.via, Via::System);
    assert_eq!(
        report.status_message(),
        "copied via the system clipboard — clears in 5 s"
    );
    assert_eq!(board.0.lock().unwrap().as_deref(), Some(SECRET));
    assert!(terminal.is_empty());
    let outcome = clipboard
        .clear_if_due(start + delay, &mut terminal)
        .unwrap();
    assert_eq!(outcome, ClearOutcome::Cleared(Via::System));
    assert_eq!(board.0.lock().unwrap().as_deref(), None);

    // The user copies something else before the deadline: it is left alone.
    clipboard
        .copy_at(&Secret::from(SECRET), &mut terminal, start)
        .unwrap();
    *board.0.lock().unwrap() = Some("the user's own text".to_owned());
    let outcome = clipboard
        .clear_if_due(start + delay, &mut terminal)
        .unwrap();
    assert_eq!(outcome, ClearOutcome::NoLongerOurs);
    assert_eq!(
        board.0.lock().unwrap().as_deref(),
        Some("the user's own text")
    );

    // Dropping the service (quitting) clears a pending copy.
    clipboard
        .copy_at(&Secret::from(SECRET), &mut terminal, start)
        .unwrap();
    drop(clipboard);
    assert_eq!(board.0.lock().unwrap().as_deref(), None);
    assert!(terminal.is_empty());
}

#[test]
fn a_copy_that_goes_another_way_clears_the_earlier_one() {
    fn flaky() -> Result<Box<dyn SystemBackend>, String> {
        Ok(Box::new(FlakyBoard::default()))
    }
    #[derive(Default)]
    struct FlakyBoard {
        text: Option<String>,
        copies: usize,
    }
    impl SystemBackend for FlakyBoard {
        fn set_text(&mut self, text: &str) -> Result<(), String> {
            self.copies += 1;
            // The first copy and clearing work; the second copy fails.
            if self.copies == 2 {
                return Err("the display went away".to_owned());
            }
            self.text = Some(text.to_owned());
            Ok(())
        }
        fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String> {
            Ok(self.text.clone().map(Zeroizing::new))
        }
        fn clear(&mut self) -> Result<(), String> {
            self.text = None;
            Ok(())
        }
    }
    let local = env(&[("DISPLAY", ":0")]);
    let mut clipboard =
        Clipboard::with_backend(ClipboardMode::Auto, Duration::from_secs(30), local, flaky);
    let mut terminal = Vec::new();
    let first = clipboard
        .copy(&Secret::from("first"), &mut terminal)
        .unwrap();
    assert_eq!(first.via, Via::System);
    let second = clipboard
        .copy(&Secret::from(SECRET), &mut terminal)
        .unwrap();
    assert_eq!(second.via, Via::Osc52 { wrapped: None });
    // The first secret did not stay behind on the system clipboard.
    let system = clipboard.system.as_mut().unwrap();
    assert!(system.get_text().unwrap().is_none());
}

#[test]
fn the_countdown_says_how_long_is_left() {
    let mut clipboard = Clipboard::with_backend(
        ClipboardMode::Osc52,
        Duration::from_secs(30),
        env(&[]),
        failing_factory,
    );
    let start = Instant::now();
    assert_eq!(clipboard.countdown_message(start), None);
    clipboard
        .copy_at(&Secret::from(SECRET), &mut Vec::new(), start)
        .unwrap();
    assert_eq!(
        clipboard
            .countdown_message(start + Duration::from_millis(17_500))
            .as_deref(),
        Some("clipboard clears in 13 s")
    );
}

#[test]
fn the_service_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Clipboard>();
}

#[test]
fn debug_output_never_shows_the_copy() {
    let mut clipboard = Clipboard::with_backend(
        ClipboardMode::Osc52,
        Duration::from_secs(30),
        env(&[]),
        failing_factory,
    );
    clipboard
        .copy(&Secret::from(SECRET), &mut Vec::new())
        .unwrap();
    let debug = format!("{clipboard:?}");
    assert!(!debug.contains(SECRET) && !debug.contains(SECRET_B64));
}
