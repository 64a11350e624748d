//! The parts of the process environment that decide how to copy.

use super::{Multiplexer, TmuxOptions};

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
