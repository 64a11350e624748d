//! The profile picker: the profiles of `config.toml` with their tenant.
//! Choosing another one signs out of this tenant (see `switch_profile` in `tui/app/session.rs`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::config::ProfileSummary;
use crate::tui::ctx::ViewCtx;
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::widgets::centered;
use crate::tui::widgets::text;

/// The picker's state.
#[derive(Debug, Clone)]
pub struct ProfilePicker {
    pub profiles: Vec<ProfileSummary>,
    pub selected: usize,
    /// The profile in use now (`None`: the top level of the file and `.env`).
    pub current: Option<String>,
}

/// What a key did to the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfilesOutcome {
    /// Still open (maybe moved).
    Open,
    /// Closed, staying on this profile.
    Closed,
    /// Closed: switch to this profile (signs out of this tenant).
    Switch(String),
}

impl ProfilePicker {
    /// The picker, with the current profile selected.
    pub fn new(profiles: Vec<ProfileSummary>, current: Option<String>) -> Self {
        let selected = profiles
            .iter()
            .position(|p| Some(&p.name) == current.as_ref())
            .unwrap_or(0);
        Self {
            profiles,
            selected,
            current,
        }
    }

    /// Moves the selection, closes, or picks the selected profile.
    pub fn key(&mut self, action: KeyAction) -> ProfilesOutcome {
        match action {
            KeyAction::Back => return ProfilesOutcome::Closed,
            KeyAction::Open | KeyAction::Submit => {
                return self.chosen().map_or(ProfilesOutcome::Closed, |p| {
                    ProfilesOutcome::Switch(p.name.clone())
                });
            }
            _ => {}
        }
        let last = self.profiles.len().saturating_sub(1);
        self.selected = match action {
            KeyAction::Up => self.selected.saturating_sub(1),
            KeyAction::Down => (self.selected + 1).min(last),
            KeyAction::Home | KeyAction::PageUp => 0,
            KeyAction::End | KeyAction::PageDown => last,
            _ => self.selected,
        };
        ProfilesOutcome::Open
    }

    /// The selected profile.
    pub fn chosen(&self) -> Option<&ProfileSummary> {
        self.profiles.get(self.selected)
    }

    /// Draws the list: name, tenant, and the profile's flags.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let height = u16::try_from(self.profiles.len())
            .unwrap_or(u16::MAX)
            .saturating_add(5);
        let rect = centered(area, 72, height);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(" Profiles (config.toml) ", theme.title));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let name_width = self
            .profiles
            .iter()
            .map(|p| p.name.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(8, 20);
        let mut lines = Vec::new();
        // Keep the selection in view on a short terminal.
        let rows = usize::from(inner.height.saturating_sub(3)).max(1);
        let first = self.selected.saturating_sub(rows - 1);
        for (i, profile) in self.profiles.iter().enumerate().skip(first).take(rows) {
            let current = Some(&profile.name) == self.current.as_ref();
            let mut flags = Vec::new();
            if profile.read_only {
                flags.push("read-only");
            }
            if profile.presenter {
                flags.push("presenter");
            }
            if current {
                flags.push("in use");
            }
            let name: String = text::clean(&profile.name)
                .chars()
                .take(name_width)
                .collect();
            let style = if i == self.selected {
                theme.selected
            } else {
                theme.text
            };
            lines.push(Line::from(vec![
                Span::styled(if i == self.selected { "› " } else { "  " }, style),
                Span::styled(format!("{name:<name_width$}  "), style),
                Span::styled(
                    text::clean(profile.domain.as_deref().unwrap_or("(no domain)")),
                    theme.muted,
                ),
                Span::styled(
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", flags.join(", "))
                    },
                    theme.warn,
                ),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Switching signs out here: the Management token, any secret or token on",
            theme.muted,
        ));
        lines.push(Line::styled(
            format!(
                "screen are dropped. {} switches · {} stays.",
                keymap::label(Context::Profiles, KeyAction::Open),
                keymap::label(Context::Profiles, KeyAction::Back)
            ),
            theme.muted,
        ));
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
