//! An error (or the scope check) as a readable overlay: what failed, Auth0's code, a hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::portal::{Action, PortalError};
use crate::tui::ctx::{Permissions, ViewCtx};
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::widgets::centered;
use crate::tui::widgets::text;

/// The overlay's content.
#[derive(Debug, Clone)]
pub enum ErrorBody {
    /// Something failed.
    Failure {
        message: String,
        code: Option<String>,
        hint: Option<String>,
    },
    /// After sign-in: each action, and the scopes it lacks.
    ScopeCheck(Vec<(Action, Vec<String>)>),
}

/// What a key did to the error overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorOutcome {
    Open,
    Closed,
}

/// An overlay explaining a failure; Esc (or ? or q, as in help) closes it.
#[derive(Debug, Clone)]
pub struct ErrorOverlay {
    pub title: String,
    pub body: ErrorBody,
}

impl ErrorOverlay {
    /// A failure, as the portal reported it.
    pub fn new(title: &str, error: &PortalError) -> Self {
        Self {
            title: title.to_owned(),
            body: ErrorBody::Failure {
                message: text::clean(error.message()),
                code: error.code().map(text::clean),
                hint: error.hint().map(text::clean),
            },
        }
    }

    /// The whole text of a status message (`!`), wrapped.
    pub fn message(kind: crate::tui::ctx::StatusKind, text: &str) -> Self {
        let title = if kind == crate::tui::ctx::StatusKind::Error {
            "Error"
        } else {
            "Message"
        };
        // "what: message — hint": the hint on its own line.
        let (message, hint) = match text.split_once(" — ") {
            Some((message, hint)) => (message.to_owned(), Some(hint.to_owned())),
            None => (text.to_owned(), None),
        };
        Self {
            title: title.to_owned(),
            body: ErrorBody::Failure {
                message: text::clean(&message),
                code: None,
                hint: hint.as_deref().map(text::clean),
            },
        }
    }

    /// The scope check after signing in.
    pub fn scope_check(perms: &Permissions) -> Self {
        let rows = Action::ALL
            .iter()
            .map(|&action| {
                let missing = perms
                    .sign_in
                    .as_ref()
                    .and_then(|s| s.missing.get(&action))
                    .cloned()
                    .unwrap_or_default();
                (action, missing)
            })
            .collect();
        Self {
            title: "Scope check".to_owned(),
            body: ErrorBody::ScopeCheck(rows),
        }
    }

    /// Closes on Back (Esc, ? and q in the help context it shares) or Submit.
    pub fn key(&self, action: Option<KeyAction>) -> ErrorOutcome {
        match action {
            Some(KeyAction::Back | KeyAction::Submit) => ErrorOutcome::Closed,
            _ => ErrorOutcome::Open,
        }
    }

    /// Draws it.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let mut lines = vec![Line::raw("")];
        let border = match &self.body {
            ErrorBody::Failure {
                message,
                code,
                hint,
            } => {
                lines.push(Line::styled(format!("✗ {message}"), theme.error));
                if let Some(code) = code {
                    lines.push(Line::from(vec![
                        Span::styled("Auth0 error code: ", theme.muted),
                        Span::styled(code.clone(), theme.text),
                    ]));
                }
                if let Some(hint) = hint {
                    lines.push(Line::raw(""));
                    lines.push(Line::styled(hint.clone(), theme.warn));
                }
                theme.error
            }
            ErrorBody::ScopeCheck(rows) => {
                lines.push(Line::styled(
                    "Actions the admin app may not do stay visible but disabled:",
                    theme.text,
                ));
                lines.push(Line::raw(""));
                for (action, missing) in rows {
                    if missing.is_empty() {
                        lines.push(Line::from(vec![
                            Span::styled("  ✓ ", theme.ok),
                            Span::styled(action.label(), theme.text),
                        ]));
                    } else {
                        lines.push(Line::from(vec![
                            Span::styled("  ✗ ", theme.error),
                            Span::styled(format!("{:<22}", action.label()), theme.muted),
                            Span::styled(format!("needs {}", missing.join(", ")), theme.warn),
                        ]));
                    }
                }
                lines.push(Line::raw(""));
                lines.push(Line::styled("Grant the scopes to the admin app in Auth0 (APIs › Management API › Machine to Machine).", theme.muted));
                theme.warn
            }
        };
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{} closes", keymap::label(Context::Help, KeyAction::Back)),
            theme.muted,
        ));
        let width = area.width.saturating_sub(4).min(96);
        let height = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX);
        let rect = centered(area, width, height);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(Span::styled(format!(" {} ", self.title), theme.title));
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}
