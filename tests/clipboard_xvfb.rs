//! The system clipboard for real: under a private Xvfb server, a copy through
//! arboard is readable with `xclip` and gone after the configured delay.
//!
//! arboard reads `DISPLAY` from the process environment, so the copying side
//! runs in a child process (this test binary again, running the ignored
//! `xvfb_child_*` test) with `DISPLAY` set only there.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use m2m_portal::clipboard::{ClearOutcome, Clipboard, Environment, Via};
use m2m_portal::config::ClipboardMode;
use m2m_portal::secret::Secret;

const CHILD_FLAG: &str = "M2M_PORTAL_XVFB_CHILD";
const SECRET: &str = "xvfb-secret-9f2c41e7d0a5";

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    })
}

/// Our own Xvfb, killed when the test ends.
struct Xvfb {
    process: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        // -displayfd: Xvfb picks a free display and prints its number once it accepts clients.
        let mut process = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "320x240x24",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let mut line = String::new();
        BufReader::new(process.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number = line.trim();
        assert!(
            !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
            "Xvfb did not report a display number (got {line:?})"
        );
        Self {
            display: format!(":{number}"),
            process,
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[test]
fn system_clipboard_copy_is_readable_with_xclip_and_cleared_under_xvfb() {
    let missing: Vec<&str> = ["Xvfb", "xclip"]
        .into_iter()
        .filter(|tool| on_path(tool).is_none())
        .collect();
    if !missing.is_empty() {
        let note = format!(
            "{} not installed: run .ci/deps.sh (apt-get install xvfb xclip)",
            missing.join(" and ")
        );
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{note}");
        eprintln!("SKIPPED system clipboard test: {note}");
        return;
    }
    let xvfb = Xvfb::start();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "xvfb_child_copies_reads_back_and_clears",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_FLAG, "1")
        .env("DISPLAY", &xvfb.display)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SSH_CONNECTION")
        .env_remove("SSH_TTY")
        .env_remove("TMUX")
        .env_remove("STY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child under Xvfb {} failed:\n{stdout}\n{stderr}",
        xvfb.display
    );
}

/// What `xclip -o -selection clipboard` prints (empty when the clipboard has no owner).
fn xclip_read() -> String {
    let output = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

/// Another program copies `text` (xclip stays in the background as its owner until Xvfb dies).
fn xclip_write(text: &str) {
    use std::io::Write;
    let mut xclip = Command::new("xclip")
        .args(["-i", "-selection", "clipboard"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    xclip
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    // The foreground xclip exits once its daemon owns the selection.
    assert!(xclip.wait().unwrap().success());
}

/// Sleeps until the deadline the service gave: this is the caller's timer, as in the TUI.
fn wait_until(deadline: Instant) {
    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
}

#[test]
#[ignore = "run by system_clipboard_copy_is_readable_with_xclip_and_cleared_under_xvfb with DISPLAY set"]
fn xvfb_child_copies_reads_back_and_clears() {
    if std::env::var_os(CHILD_FLAG).is_none() {
        eprintln!("only runs as the child of the Xvfb test");
        return;
    }
    let delay = Duration::from_millis(300);
    let mut terminal = Vec::new();
    let mut clipboard = Clipboard::new(ClipboardMode::System, delay, Environment::from_process());

    let report = clipboard
        .copy(&Secret::from(SECRET), &mut terminal)
        .unwrap();
    assert_eq!(report.via, Via::System);
    assert_eq!(
        report.status_message(),
        "copied via the system clipboard — clears in 1 s"
    );
    assert!(
        terminal.is_empty(),
        "no OSC 52 when the system clipboard works"
    );
    assert_eq!(xclip_read(), SECRET);

    let clears_at = report.clears_at.unwrap();
    assert_eq!(
        clipboard
            .clear_if_due(Instant::now(), &mut terminal)
            .unwrap(),
        ClearOutcome::NotDue
    );
    assert_eq!(xclip_read(), SECRET, "still there before the deadline");
    wait_until(clears_at);
    assert_eq!(
        clipboard
            .clear_if_due(Instant::now(), &mut terminal)
            .unwrap(),
        ClearOutcome::Cleared(Via::System)
    );
    assert_eq!(xclip_read(), "", "cleared after the delay");

    // Something the user copied after us is not wiped.
    let report = clipboard
        .copy(&Secret::from(SECRET), &mut terminal)
        .unwrap();
    assert_eq!(xclip_read(), SECRET);
    xclip_write("the user's own text");
    wait_until(report.clears_at.unwrap());
    assert_eq!(
        clipboard
            .clear_if_due(Instant::now(), &mut terminal)
            .unwrap(),
        ClearOutcome::NoLongerOurs
    );
    assert_eq!(xclip_read(), "the user's own text");

    // Quitting with our copy still there clears it at once.
    clipboard
        .copy(&Secret::from(SECRET), &mut terminal)
        .unwrap();
    assert_eq!(xclip_read(), SECRET);
    assert_eq!(
        clipboard.clear_now_if_ours(&mut terminal).unwrap(),
        ClearOutcome::Cleared(Via::System)
    );
    assert_eq!(xclip_read(), "");
    assert!(terminal.is_empty());
}
