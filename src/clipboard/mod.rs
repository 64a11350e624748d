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
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::config::ClipboardMode;
use crate::secret::Secret;

mod environment;
mod osc52;
mod system;
mod tmux;

pub use environment::Environment;
pub use osc52::{OSC52_MAX_BASE64, osc52_clear_sequence, osc52_copy_sequence};
pub use system::SYSTEM_CLIPBOARD_TIMEOUT;
pub use tmux::{TMUX_BUFFER, TmuxOptions, TmuxRunner, TmuxSetClipboard};

use system::{ArboardOwner, BackendFactory, SystemBackend};
use tmux::real_tmux;
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

/// The channel a copy is attempted through first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
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
pub fn choose_channel(mode: ClipboardMode, env: &Environment) -> Result<Channel, ClipboardError> {
    match mode {
        ClipboardMode::Off => Err(ClipboardError::Off),
        ClipboardMode::System => Ok(Channel::System { fallback: false }),
        ClipboardMode::Osc52 => Ok(Channel::Osc52(Osc52Reason::Configured)),
        // Over SSH a display may be forwarded, but the user's own clipboard is the terminal's.
        ClipboardMode::Auto if env.ssh => Ok(Channel::Osc52(Osc52Reason::Ssh)),
        ClipboardMode::Auto if !env.display => Ok(Channel::Osc52(Osc52Reason::NoDisplay)),
        ClipboardMode::Auto => Ok(Channel::System { fallback: true }),
    }
}

/// "30 s", "2 min": a wait in the app's one duration style, rounded up to the second.
fn short_span(delay: Duration) -> String {
    crate::text::duration(delay.as_secs_f64().ceil() as u64)
}

type Hash = [u8; 32];

fn hash(text: &str) -> Hash {
    Sha256::digest(text.as_bytes()).into()
}

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
        let (via, note) = match choose_channel(self.mode, &self.env)? {
            Channel::Osc52(_) => self.write_osc52(text, terminal)?,
            Channel::System { fallback } => match self.set_system(text) {
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

#[cfg(test)]
mod tests;
