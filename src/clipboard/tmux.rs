//! tmux: its options that decide whether a copy gets out, and running it (a
//! secret goes on its stdin, never in its arguments).

use std::io::Write;
use std::time::{Duration, Instant};

/// tmux's `set-clipboard` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TmuxSetClipboard {
    /// Applications' OSC 52 sets a tmux buffer and is passed to the terminal.
    On,
    /// tmux sets the terminal's clipboard itself, but ignores applications' OSC 52.
    External,
    Off,
}

/// The tmux options that decide whether a copy can get out of tmux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TmuxOptions {
    pub set_clipboard: TmuxSetClipboard,
    /// `allow-passthrough on|all`: DCS-wrapped sequences reach the terminal.
    pub passthrough: bool,
}

impl TmuxOptions {
    /// From the values `tmux show -gv set-clipboard` and `allow-passthrough` print.
    pub fn parse(set_clipboard: &str, passthrough: &str) -> Self {
        Self {
            set_clipboard: match set_clipboard.trim() {
                "on" => TmuxSetClipboard::On,
                "external" => TmuxSetClipboard::External,
                _ => TmuxSetClipboard::Off,
            },
            passthrough: matches!(passthrough.trim(), "on" | "all"),
        }
    }

    /// Asks tmux (`tmux` plus `base` arguments such as `-L socket`); `None` when
    /// it cannot be asked within a second.
    pub fn read(base: &[&str]) -> Option<Self> {
        let show = |option: &str| {
            let mut args: Vec<&str> = base.to_vec();
            args.extend(["show", "-gv", option]);
            run_tmux(&args, None, Duration::from_secs(1)).ok()
        };
        let set_clipboard = show("set-clipboard")?;
        // tmux before 3.3 has no allow-passthrough: it passes DCS through.
        let passthrough = show("allow-passthrough").unwrap_or_else(|| "on".to_owned());
        Some(Self::parse(&set_clipboard, &passthrough))
    }
}

/// The name of the tmux buffer copies go to.
pub const TMUX_BUFFER: &str = "m2m-portal";

/// Runs `tmux ARGS`, feeding `stdin` (a secret goes there, never in the
/// arguments); its stdout, or why it failed. Gives up after `timeout`.
pub(super) fn run_tmux(
    args: &[&str],
    stdin: Option<&str>,
    timeout: Duration,
) -> Result<String, String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("tmux")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tmux: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| format!("cannot talk to tmux: {e}"))?;
    }
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("tmux did not answer".to_owned());
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// How the clipboard runs `tmux ARGS` with a stdin.
pub type TmuxRunner = fn(&[&str], Option<&str>) -> Result<String, String>;

pub(super) fn real_tmux(args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    run_tmux(args, stdin, Duration::from_secs(2))
}
