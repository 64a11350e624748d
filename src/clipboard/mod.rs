//! Copying secrets to the user's clipboard: the system clipboard (arboard)
//! where a display exists, OSC 52 through the terminal otherwise (SSH, tmux,
//! screen), and clearing it again after a delay if it still holds our copy.
//!
//! The service never sleeps: [`Clipboard::copy`] returns when the clear is
//! due ([`CopyReport::clears_at`]); the caller schedules a wake-up and calls
//! [`Clipboard::clear_if_due`], and [`Clipboard::clear_now_if_ours`] on quit.
//! Contents are never logged; only a SHA-256 of the copy is kept to recognise it.

use std::fmt;
use std::io::Write;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::ClipboardMode;
use crate::secret::Secret;

/// Largest OSC 52 payload sent, in bytes of base64: the limit of hterm's
/// `osc52.sh` and several terminals (100,000-byte sequences); larger copies are refused.
pub const OSC52_MAX_BASE64: usize = 74_994;

/// GNU screen cuts DCS strings at 256 bytes in old versions (768 in newer):
/// each chunk plus its 4 wrapper bytes stays within the smallest.
const SCREEN_CHUNK: usize = 252;

/// The terminal multiplexer an OSC 52 sequence must pass through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multiplexer {
    Tmux,
    Screen,
}

impl fmt::Display for Multiplexer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tmux => "tmux",
            Self::Screen => "screen",
        })
    }
}

/// Which way a copy reached the clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The desktop's clipboard (X11, Wayland through XWayland, macOS, Windows).
    System,
    /// An OSC 52 escape sequence written to the terminal, wrapped for a multiplexer if any.
    Osc52 { wrapped: Option<Multiplexer> },
    /// tmux's own paste buffer (`tmux load-buffer -w`), when tmux blocks OSC 52
    /// from applications; tmux passes it on to the terminal when it can.
    TmuxBuffer,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("the system clipboard"),
            Self::Osc52 { wrapped: None } => f.write_str("the terminal (OSC 52)"),
            Self::Osc52 { wrapped: Some(m) } => write!(f, "the terminal (OSC 52 through {m})"),
            Self::TmuxBuffer => f.write_str("tmux's paste buffer"),
        }
    }
}

/// What a copy did, for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub via: Via,
    /// How long until the copy is cleared; `None` when auto-clear is off.
    pub clears_in: Option<Duration>,
    /// When to call [`Clipboard::clear_if_due`].
    pub clears_at: Option<Instant>,
    /// Why the system clipboard was not used although it was tried (a fallback).
    pub note: Option<String>,
}

impl CopyReport {
    /// "copied via the terminal (OSC 52) — clears in 30 s".
    pub fn status_message(&self) -> String {
        let mut message = format!("copied via {}", self.via);
        match self.clears_in {
            Some(delay) => message.push_str(&format!(" — clears in {}", short_span(delay))),
            None => message.push_str(" — not cleared automatically"),
        }
        if let Some(note) = &self.note {
            message.push_str(&format!(" ({note})"));
        }
        message
    }
}

impl fmt::Display for CopyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.status_message())
    }
}

/// What a clear did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearOutcome {
    /// Our copy was removed.
    Cleared(Via),
    /// The clipboard no longer held our copy (the user copied something else): left alone.
    NoLongerOurs,
    /// Nothing of ours was pending.
    NothingPending,
    /// The clear is not due yet.
    NotDue,
}

impl fmt::Display for ClearOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cleared(via) => write!(f, "clipboard cleared: {via}"),
            Self::NoLongerOurs => f.write_str("clipboard holds something else now; left alone"),
            Self::NothingPending => f.write_str("nothing to clear"),
            Self::NotDue => f.write_str("not due yet"),
        }
    }
}

/// Why copying or clearing failed.
#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    #[error("copying is turned off (clipboard = \"off\" in the configuration)")]
    Off,
    #[error(
        "too large for the terminal clipboard (OSC 52): {encoded} bytes of base64, the limit is {max}"
    )]
    TooLarge { encoded: usize, max: usize },
    #[error("could not write to the terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("the system clipboard is not available: {0}")]
    System(String),
}

/// The parts of the environment that decide how to copy (injected so tests
/// never touch the process environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Environment {
    /// A graphical session exists (`DISPLAY`/`WAYLAND_DISPLAY`; always on macOS and Windows).
    pub display: bool,
    /// Running over SSH (`SSH_CONNECTION`/`SSH_TTY`): the local display, if any, is not the user's.
    pub ssh: bool,
    /// Inside tmux (`TMUX`) or screen (`STY`).
    pub multiplexer: Option<Multiplexer>,
    /// What tmux does with an application's OSC 52 (read from tmux; `None`
    /// outside tmux or when it was not asked).
    pub tmux: Option<TmuxOptions>,
    /// Inside tmux, tmux was asked and did not answer.
    pub tmux_unreadable: bool,
}

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
fn run_tmux(args: &[&str], stdin: Option<&str>, timeout: Duration) -> Result<String, String> {
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

impl Environment {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok()).with_tmux_options()
    }

    /// Reads variables through `lookup` (empty values count as unset).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| lookup(name).is_some_and(|v| !v.is_empty());
        // Only X11/Wayland systems need a display server for the clipboard.
        let needs_display_server = cfg!(all(
            unix,
            not(any(
                target_os = "macos",
                target_os = "ios",
                target_os = "android"
            ))
        ));
        let multiplexer = if set("TMUX") {
            Some(Multiplexer::Tmux)
        } else if set("STY") {
            Some(Multiplexer::Screen)
        } else {
            None
        };
        Self {
            display: !needs_display_server || set("DISPLAY") || set("WAYLAND_DISPLAY"),
            ssh: set("SSH_CONNECTION") || set("SSH_TTY"),
            multiplexer,
            tmux: None,
            tmux_unreadable: false,
        }
    }

    /// The same environment, with tmux's options (read from tmux when inside it).
    pub fn with_tmux_options(mut self) -> Self {
        if self.multiplexer == Some(Multiplexer::Tmux) {
            self.tmux = TmuxOptions::read(&[]);
            self.tmux_unreadable = self.tmux.is_none();
        }
        self
    }
}

/// The way a copy is attempted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The system clipboard; on failure, OSC 52 if `fallback`.
    System { fallback: bool },
    /// OSC 52, for the reason given.
    Osc52(Osc52Reason),
}

/// Why OSC 52 is used without trying the system clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Osc52Reason {
    Configured,
    Ssh,
    NoDisplay,
}

/// Chooses how to copy from the configured mode and the environment.
pub fn choose_route(mode: ClipboardMode, env: &Environment) -> Result<Route, ClipboardError> {
    match mode {
        ClipboardMode::Off => Err(ClipboardError::Off),
        ClipboardMode::System => Ok(Route::System { fallback: false }),
        ClipboardMode::Osc52 => Ok(Route::Osc52(Osc52Reason::Configured)),
        // Over SSH a display may be forwarded, but the user's own clipboard is the terminal's.
        ClipboardMode::Auto if env.ssh => Ok(Route::Osc52(Osc52Reason::Ssh)),
        ClipboardMode::Auto if !env.display => Ok(Route::Osc52(Osc52Reason::NoDisplay)),
        ClipboardMode::Auto => Ok(Route::System { fallback: true }),
    }
}

/// Wraps an escape sequence so it passes through the multiplexer to the outer terminal.
fn wrap_for(sequence: &[u8], wrapped: Option<Multiplexer>) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(sequence.len() + 16));
    match wrapped {
        None => out.extend_from_slice(sequence),
        Some(Multiplexer::Tmux) => {
            // DCS passthrough; every ESC inside is doubled. Needs `allow-passthrough on` (tmux ≥ 3.3).
            out.extend_from_slice(b"\x1bPtmux;");
            for &byte in sequence {
                if byte == 0x1b {
                    out.push(0x1b);
                }
                out.push(byte);
            }
            out.extend_from_slice(b"\x1b\\");
        }
        Some(Multiplexer::Screen) => {
            for chunk in sequence.chunks(SCREEN_CHUNK) {
                out.extend_from_slice(b"\x1bP");
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\x1b\\");
            }
        }
    }
    out
}

/// The bytes that put `text` on the terminal's clipboard (selection `c`, BEL-terminated,
/// which more terminals accept than the ST terminator).
pub fn osc52_copy_sequence(
    text: &str,
    wrapped: Option<Multiplexer>,
) -> Result<Zeroizing<Vec<u8>>, ClipboardError> {
    let encoded = Zeroizing::new(STANDARD.encode(text.as_bytes()));
    if encoded.len() > OSC52_MAX_BASE64 {
        return Err(ClipboardError::TooLarge {
            encoded: encoded.len(),
            max: OSC52_MAX_BASE64,
        });
    }
    let mut sequence = Zeroizing::new(Vec::with_capacity(encoded.len() + 8));
    sequence.extend_from_slice(b"\x1b]52;c;");
    sequence.extend_from_slice(encoded.as_bytes());
    sequence.push(0x07);
    Ok(wrap_for(&sequence, wrapped))
}

/// The bytes that empty the terminal's clipboard.
///
/// An empty payload, not xterm's `!`: terminals decode the payload as base64
/// and set the clipboard to the result, so empty base64 empties it in xterm,
/// kitty, Alacritty, WezTerm, foot and iTerm2, while `!` is an xterm-only
/// convention the others drop as invalid base64.
pub fn osc52_clear_sequence(wrapped: Option<Multiplexer>) -> Vec<u8> {
    wrap_for(b"\x1b]52;c;\x07", wrapped).to_vec()
}

/// "30 s", "2 min": a wait in the app's one duration style, rounded up to the second.
fn short_span(delay: Duration) -> String {
    crate::text::duration(delay.as_secs_f64().ceil() as u64)
}

type Hash = [u8; 32];

fn hash(text: &str) -> Hash {
    Sha256::digest(text.as_bytes()).into()
}

/// The desktop clipboard, behind a trait so the clear-if-ours logic can be tested without X.
trait SystemBackend: Send {
    fn set_text(&mut self, text: &str) -> Result<(), String>;
    /// The current text, `None` when the clipboard is empty or not text.
    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String>;
    fn clear(&mut self) -> Result<(), String>;
}

type BackendFactory = fn() -> Result<Box<dyn SystemBackend>, String>;

/// A copy we made that has not been cleared yet.
#[derive(Debug)]
struct Pending {
    via: Via,
    hash: Hash,
    clears_at: Option<Instant>,
}

/// The clipboard service: one per app, alive for the app's lifetime (on X11
/// the clipboard's content lives only as long as its owner).
pub struct Clipboard {
    mode: ClipboardMode,
    clear_after: Duration,
    env: Environment,
    factory: BackendFactory,
    system: Option<Box<dyn SystemBackend>>,
    pending: Option<Pending>,
    /// Runs tmux (injected in tests): arguments and stdin.
    tmux: TmuxRunner,
}

/// How the clipboard runs `tmux ARGS` with a stdin.
pub type TmuxRunner = fn(&[&str], Option<&str>) -> Result<String, String>;

fn real_tmux(args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    run_tmux(args, stdin, Duration::from_secs(2))
}

impl fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clipboard")
            .field("mode", &self.mode)
            .field("clear_after", &self.clear_after)
            .field("env", &self.env)
            .field("system_started", &self.system.is_some())
            .field("pending", &self.pending.as_ref().map(|p| p.via))
            .finish()
    }
}

impl Clipboard {
    /// A service with the configured mode and auto-clear delay (zero disables
    /// clearing), deciding by `env` (normally [`Environment::from_process`]).
    pub fn new(mode: ClipboardMode, clear_after: Duration, env: Environment) -> Self {
        Self::with_backend(mode, clear_after, env, ArboardOwner::start_boxed)
    }

    /// A service for the configured mode and delay, deciding by the process environment.
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self::new(
            settings.clipboard,
            settings.clipboard_clear,
            Environment::from_process(),
        )
    }

    fn with_backend(
        mode: ClipboardMode,
        clear_after: Duration,
        env: Environment,
        factory: BackendFactory,
    ) -> Self {
        Self {
            mode,
            clear_after,
            env,
            factory,
            system: None,
            pending: None,
            tmux: real_tmux,
        }
    }

    /// The same service running tmux through `runner` (tests).
    pub fn with_tmux_runner(mut self, runner: TmuxRunner) -> Self {
        self.tmux = runner;
        self
    }

    /// Copies `content`; `terminal` receives the OSC 52 sequence if that way is used.
    pub fn copy<W: Write>(
        &mut self,
        content: &Secret,
        terminal: &mut W,
    ) -> Result<CopyReport, ClipboardError> {
        self.copy_at(content, terminal, Instant::now())
    }

    fn copy_at<W: Write>(
        &mut self,
        content: &Secret,
        terminal: &mut W,
        now: Instant,
    ) -> Result<CopyReport, ClipboardError> {
        let text = content.expose_secret();
        let (via, note) = match choose_route(self.mode, &self.env)? {
            Route::Osc52(_) => self.write_osc52(text, terminal)?,
            Route::System { fallback } => match self.set_system(text) {
                Ok(()) => (Via::System, None),
                Err(reason) if fallback => {
                    tracing::warn!(%reason, "system clipboard failed; copying through the terminal");
                    let (via, note) = self.write_osc52(text, terminal)?;
                    let mut text = format!("system clipboard unavailable: {reason}");
                    if let Some(note) = note {
                        text.push_str(&format!("; {note}"));
                    }
                    (via, Some(text))
                }
                Err(reason) => return Err(ClipboardError::System(reason)),
            },
        };
        let clears_in = (!self.clear_after.is_zero()).then_some(self.clear_after);
        let clears_at = clears_in.map(|delay| now + delay);
        if let Some(previous) = self.pending.take()
            && previous.via != via
        {
            self.retire(previous, terminal);
        }
        self.pending = Some(Pending {
            via,
            hash: hash(text),
            clears_at,
        });
        tracing::info!(?via, ?clears_in, "copied to the clipboard");
        Ok(CopyReport {
            via,
            clears_in,
            clears_at,
            note,
        })
    }

    /// Copies through the terminal, the way that gets through the multiplexer:
    /// inside tmux that depends on its options (plain OSC 52 when tmux handles
    /// it, DCS passthrough when allowed, else tmux's own buffer), and the note
    /// says what the user should know.
    fn write_osc52<W: Write>(
        &self,
        text: &str,
        terminal: &mut W,
    ) -> Result<(Via, Option<String>), ClipboardError> {
        let (wrapped, note) = match (self.env.multiplexer, self.env.tmux) {
            (Some(Multiplexer::Tmux), Some(options)) => {
                if options.set_clipboard == TmuxSetClipboard::On {
                    (
                        None,
                        Some("tmux set-clipboard on passes it to the terminal".to_owned()),
                    )
                } else if options.passthrough {
                    (Some(Multiplexer::Tmux), None)
                } else {
                    return self.load_tmux_buffer(text, options);
                }
            }
            (Some(Multiplexer::Tmux), None) if self.env.tmux_unreadable => (
                Some(Multiplexer::Tmux),
                Some(
                    "tmux's settings could not be read: if nothing was copied, \
                     `set -g set-clipboard on` in tmux"
                        .to_owned(),
                ),
            ),
            (other, _) => (other, None),
        };
        let sequence = osc52_copy_sequence(text, wrapped)?;
        terminal.write_all(&sequence)?;
        terminal.flush()?;
        Ok((Via::Osc52 { wrapped }, note))
    }

    /// tmux blocks applications' OSC 52 here: put the copy in tmux's own buffer
    /// (`load-buffer -w` also sets the terminal's clipboard where tmux can).
    fn load_tmux_buffer(
        &self,
        text: &str,
        options: TmuxOptions,
    ) -> Result<(Via, Option<String>), ClipboardError> {
        (self.tmux)(&["load-buffer", "-w", "-b", TMUX_BUFFER, "-"], Some(text)).map_err(
            |reason| {
                ClipboardError::System(format!(
                    "not copied: tmux blocks OSC 52 (set-clipboard off, allow-passthrough off) \
                     and its buffer failed ({reason}); `set -g set-clipboard on` in tmux"
                ))
            },
        )?;
        let note = if options.set_clipboard == TmuxSetClipboard::External {
            "tmux ignores applications' OSC 52; its buffer passes it to the terminal"
        } else {
            "tmux blocks OSC 52 (set -g set-clipboard on lets it out): paste with prefix ]"
        };
        Ok((Via::TmuxBuffer, Some(note.to_owned())))
    }

    fn set_system(&mut self, text: &str) -> Result<(), String> {
        if self.system.is_none() {
            self.system = Some((self.factory)()?);
        }
        let Some(system) = self.system.as_mut() else {
            return Err("the system clipboard could not be opened".to_owned());
        };
        // On failure the owner is kept: dropping it would hand an earlier copy to the clipboard manager.
        system.set_text(text)
    }

    /// Removes an earlier copy that the new one did not overwrite (it went another way).
    fn retire<W: Write>(&mut self, previous: Pending, terminal: &mut W) {
        let result = match previous.via {
            Via::Osc52 { wrapped } => {
                self.delete_tmux_copies(&previous.hash);
                terminal
                    .write_all(&osc52_clear_sequence(wrapped))
                    .and_then(|()| terminal.flush())
                    .map_err(|e| e.to_string())
            }
            Via::System => self.clear_system_if(&previous.hash).map(|_| ()),
            Via::TmuxBuffer => self.delete_tmux_buffer(),
        };
        if let Err(reason) = result {
            tracing::warn!(%reason, via = ?previous.via, "could not clear an earlier copy");
        }
    }

    /// "clipboard clears in 12 s" while a copy is waiting to be cleared, for the status line.
    pub fn countdown_message(&self, now: Instant) -> Option<String> {
        let left = self.remaining(now)?;
        Some(format!("clipboard clears in {}", short_span(left)))
    }

    /// Time left before our copy is cleared, for the status line's countdown.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        let clears_at = self.pending.as_ref()?.clears_at?;
        Some(clears_at.saturating_duration_since(now))
    }

    /// When the next clear is due, if any (for the caller's timer).
    pub fn clears_at(&self) -> Option<Instant> {
        self.pending.as_ref()?.clears_at
    }

    /// True while a copy of ours may still be on the clipboard.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Clears our copy if its time has come (call when the timer from [`CopyReport::clears_at`] fires).
    pub fn clear_if_due<W: Write>(
        &mut self,
        now: Instant,
        terminal: &mut W,
    ) -> Result<ClearOutcome, ClipboardError> {
        match self.pending.as_ref().map(|p| p.clears_at) {
            None => Ok(ClearOutcome::NothingPending),
            Some(Some(at)) if at <= now => self.clear_now_if_ours(terminal),
            Some(_) => Ok(ClearOutcome::NotDue),
        }
    }

    /// Clears our copy now if the clipboard still holds it (on quit, or when a secret is closed).
    ///
    /// The system clipboard is read back and compared; the terminal's cannot
    /// be read, so OSC 52 copies are always cleared: losing a later copy is
    /// better than leaving a secret behind.
    /// Forgets the pending clear: what was copied stays on the clipboard after
    /// exit (the user chose to keep it).
    pub fn forget(&mut self) {
        if self.pending.take().is_some() {
            tracing::info!("the copied secret is kept on the clipboard at the user's request");
        }
    }

    pub fn clear_now_if_ours<W: Write>(
        &mut self,
        terminal: &mut W,
    ) -> Result<ClearOutcome, ClipboardError> {
        let Some(pending) = self.pending.take() else {
            return Ok(ClearOutcome::NothingPending);
        };
        let outcome = match pending.via {
            Via::Osc52 { wrapped } => {
                terminal.write_all(&osc52_clear_sequence(wrapped))?;
                terminal.flush()?;
                self.delete_tmux_copies(&pending.hash);
                ClearOutcome::Cleared(pending.via)
            }
            Via::System => self
                .clear_system_if(&pending.hash)
                .map_err(ClipboardError::System)?,
            Via::TmuxBuffer => {
                self.delete_tmux_buffer().map_err(ClipboardError::System)?;
                ClearOutcome::Cleared(pending.via)
            }
        };
        tracing::info!(%outcome, "clipboard auto-clear");
        Ok(outcome)
    }

    /// With `set-clipboard on`, tmux kept our OSC 52 copy as one of its paste
    /// buffers (and ignores an empty OSC 52): delete the buffers holding it,
    /// matched by hash, leaving the user's other buffers alone.
    fn delete_tmux_copies(&self, ours: &Hash) {
        let tmux_kept_it = self.env.multiplexer == Some(Multiplexer::Tmux)
            && self
                .env
                .tmux
                .is_some_and(|o| o.set_clipboard == TmuxSetClipboard::On);
        if !tmux_kept_it {
            return;
        }
        let names = match (self.tmux)(&["list-buffers", "-F", "#{buffer_name}"], None) {
            Ok(names) => names,
            Err(reason) => {
                tracing::warn!(%reason, "could not list tmux's buffers to remove our copy");
                return;
            }
        };
        for name in names.lines().map(str::trim).filter(|n| !n.is_empty()) {
            let holds_ours = (self.tmux)(&["show-buffer", "-b", name], None)
                .is_ok_and(|text| &hash(&text) == ours);
            if holds_ours && let Err(reason) = (self.tmux)(&["delete-buffer", "-b", name], None) {
                tracing::warn!(%reason, "could not delete tmux's copy of the secret");
            }
        }
    }

    /// Empties and deletes our tmux buffer (emptied first, so the terminal's
    /// clipboard that `-w` set does not keep the secret).
    fn delete_tmux_buffer(&self) -> Result<(), String> {
        (self.tmux)(&["load-buffer", "-w", "-b", TMUX_BUFFER, "-"], Some(""))?;
        (self.tmux)(&["delete-buffer", "-b", TMUX_BUFFER], None).map(drop)
    }

    fn clear_system_if(&mut self, ours: &Hash) -> Result<ClearOutcome, String> {
        let Some(system) = self.system.as_mut() else {
            // The owner is gone, and with it (on X11) the content.
            return Ok(ClearOutcome::NoLongerOurs);
        };
        let still_ours = system
            .get_text()?
            .is_some_and(|current| &hash(&current) == ours);
        if !still_ours {
            return Ok(ClearOutcome::NoLongerOurs);
        }
        // Overwrite first so a clipboard manager that took a copy gets nothing, then release.
        system.set_text("")?;
        system.clear()?;
        Ok(ClearOutcome::Cleared(Via::System))
    }
}

impl Drop for Clipboard {
    fn drop(&mut self) {
        // arboard hands the content to the clipboard manager when its owner goes away:
        // never let that be our secret. (OSC 52 needs the terminal: the app clears it on quit.)
        if self.pending.as_ref().is_some_and(|p| p.via == Via::System)
            && let Some(pending) = self.pending.take()
            && let Err(reason) = self.clear_system_if(&pending.hash)
        {
            tracing::warn!(%reason, "could not clear the system clipboard on exit");
        }
    }
}

/// Requests to the thread that owns the arboard clipboard.
enum Request {
    Set(Zeroizing<String>, mpsc::Sender<Result<(), String>>),
    Get(mpsc::Sender<Result<Option<Zeroizing<String>>, String>>),
    Clear(mpsc::Sender<Result<(), String>>),
}

/// The arboard clipboard, owned by a dedicated thread for the service's lifetime:
/// on X11 that owner serves paste requests, and some platforms require one thread.
struct ArboardOwner {
    requests: Option<mpsc::Sender<Request>>,
    worker: Option<JoinHandle<()>>,
    /// The owner stopped answering: never wait for it again (not even on drop).
    hung: std::sync::atomic::AtomicBool,
}

/// The longest the UI waits for the desktop clipboard; a clipboard owner that
/// hangs (a stuck X server or clipboard manager) must not freeze the input.
pub const SYSTEM_CLIPBOARD_TIMEOUT: Duration = Duration::from_millis(750);

impl ArboardOwner {
    fn start_boxed() -> Result<Box<dyn SystemBackend>, String> {
        Ok(Box::new(Self::start()?))
    }

    fn start() -> Result<Self, String> {
        let (requests, inbox) = mpsc::channel::<Request>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        let worker = std::thread::Builder::new()
            .name("clipboard-owner".to_owned())
            .spawn(move || {
                let mut board = match arboard::Clipboard::new() {
                    Ok(board) => {
                        let _ = ready_tx.send(Ok(()));
                        board
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                for request in inbox {
                    match request {
                        Request::Set(text, reply) => {
                            let _ = reply.send(set_text(&mut board, &text));
                        }
                        Request::Get(reply) => {
                            let result = match board.get_text() {
                                Ok(text) => Ok(Some(Zeroizing::new(text))),
                                Err(
                                    arboard::Error::ContentNotAvailable
                                    | arboard::Error::ConversionFailure,
                                ) => Ok(None),
                                Err(e) => Err(e.to_string()),
                            };
                            let _ = reply.send(result);
                        }
                        Request::Clear(reply) => {
                            let _ = reply.send(board.clear().map_err(|e| e.to_string()));
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the clipboard thread: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                requests: Some(requests),
                worker: Some(worker),
                hung: std::sync::atomic::AtomicBool::new(false),
            }),
            Ok(Err(reason)) => Err(reason),
            Err(_) => Err("the clipboard thread stopped while starting".to_owned()),
        }
    }

    fn ask<T>(
        &self,
        make: impl FnOnce(mpsc::Sender<Result<T, String>>) -> Request,
    ) -> Result<T, String> {
        use std::sync::atomic::Ordering;
        let stopped = || "the clipboard thread has stopped".to_owned();
        if self.hung.load(Ordering::Relaxed) {
            return Err("the system clipboard stopped answering".to_owned());
        }
        let (reply, answer) = mpsc::channel();
        self.requests
            .as_ref()
            .ok_or_else(stopped)?
            .send(make(reply))
            .map_err(|_| stopped())?;
        wait_for(&answer, SYSTEM_CLIPBOARD_TIMEOUT).map_err(|reason| {
            if reason == WAIT_TIMED_OUT {
                self.hung.store(true, Ordering::Relaxed);
            }
            reason
        })
    }
}

fn set_text(board: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    {
        use arboard::SetExtLinux as _;
        // Ask clipboard managers (KDE, GNOME extensions) not to keep it in their history.
        board
            .set()
            .exclude_from_history()
            .text(text)
            .map_err(|e| e.to_string())
    }
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    )))]
    {
        board.set_text(text).map_err(|e| e.to_string())
    }
}

impl SystemBackend for ArboardOwner {
    fn set_text(&mut self, text: &str) -> Result<(), String> {
        let text = Zeroizing::new(text.to_owned());
        self.ask(|reply| Request::Set(text, reply))
    }

    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String> {
        self.ask(Request::Get)
    }

    fn clear(&mut self) -> Result<(), String> {
        self.ask(Request::Clear)
    }
}

impl Drop for ArboardOwner {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; wait so the owner is really gone
        // (unless it hung: then waiting would hang the exit too).
        self.requests = None;
        if let Some(worker) = self.worker.take()
            && !self.hung.load(std::sync::atomic::Ordering::Relaxed)
        {
            let _ = worker.join();
        }
    }
}

const WAIT_TIMED_OUT: &str = "the system clipboard did not answer in time";

/// An answer from the clipboard thread, or an error after `timeout`.
fn wait_for<T>(answer: &mpsc::Receiver<Result<T, String>>, timeout: Duration) -> Result<T, String> {
    match answer.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(WAIT_TIMED_OUT.to_owned()),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("the clipboard thread has stopped".to_owned())
        }
    }
}

#[cfg(test)]
mod tests;
