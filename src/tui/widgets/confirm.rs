//! A confirmation: yes/no, or typing a key's name before revoking it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::text::sanitize;
use crate::tui::app::ViewCtx;
use crate::tui::keymap::KeyAction;
use crate::tui::widgets::centered;
use crate::tui::widgets::input::TextInput;

/// What is being confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmKind {
    /// Quit while a secret is on screen.
    Quit,
    /// Rotate a key's secret; `again` after a rotation whose answer was lost.
    Rotate {
        client_id: String,
        name: String,
        again: bool,
    },
    /// Revoke a key: its name must be typed, or its client id when another key
    /// shares the name (`by_id`), so the confirmation names exactly one key.
    Revoke {
        client_id: String,
        name: String,
        by_id: bool,
    },
}

/// What the user answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    Pending,
    Cancelled,
    Confirmed(ConfirmKind),
}

/// The confirmation overlay.
#[derive(Debug)]
pub struct ConfirmOverlay {
    pub kind: ConfirmKind,
    pub typed: TextInput,
    pub mismatch: bool,
}

impl ConfirmOverlay {
    /// Asks about something.
    pub fn new(kind: ConfirmKind) -> Self {
        Self {
            kind,
            typed: TextInput::default(),
            mismatch: false,
        }
    }

    /// Pasting the name works too.
    pub fn paste(&mut self, text: &str) {
        if matches!(self.kind, ConfirmKind::Revoke { .. }) {
            self.typed.paste(text);
        }
    }

    /// Handles a key.
    pub fn key(&mut self, event: &KeyEvent, action: Option<KeyAction>) -> ConfirmOutcome {
        if let ConfirmKind::Revoke {
            name,
            client_id,
            by_id,
        } = &self.kind
        {
            let expected = if *by_id { client_id } else { name };
            return match action {
                Some(KeyAction::Back) => ConfirmOutcome::Cancelled,
                Some(KeyAction::Submit) if self.typed.value() == expected => {
                    ConfirmOutcome::Confirmed(self.kind.clone())
                }
                Some(KeyAction::Submit) => {
                    self.mismatch = true;
                    ConfirmOutcome::Pending
                }
                _ => {
                    self.typed.handle_key(event);
                    self.mismatch = false;
                    ConfirmOutcome::Pending
                }
            };
        }
        match (event.code, action) {
            (KeyCode::Char('y' | 'Y'), _) | (_, Some(KeyAction::Submit)) => {
                ConfirmOutcome::Confirmed(self.kind.clone())
            }
            (KeyCode::Char('n' | 'N'), _) | (_, Some(KeyAction::Back)) => ConfirmOutcome::Cancelled,
            _ => ConfirmOutcome::Pending,
        }
    }

    /// Draws the question.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let (title, mut lines) = match &self.kind {
            ConfirmKind::Quit => (
                " Quit? ",
                vec![
                    Line::styled(
                        "A secret is on screen and will be gone for good.",
                        theme.warn,
                    ),
                    Line::raw(""),
                    Line::from(vec![
                        Span::styled("y", theme.key),
                        Span::raw(" quit   "),
                        Span::styled("n", theme.key),
                        Span::raw(" stay"),
                    ]),
                ],
            ),
            ConfirmKind::Rotate {
                name,
                client_id,
                again,
            } => {
                let mut lines = vec![Line::from(vec![
                    Span::raw("Key "),
                    Span::styled(sanitize(name), theme.title),
                    Span::styled(format!("  {}", sanitize(client_id)), theme.muted),
                ])];
                lines.push(Line::raw(""));
                if *again {
                    lines.extend([
                        Line::styled(
                            "The answer to the rotation was lost: Auth0 may have rotated the secret.",
                            theme.error,
                        ),
                        Line::styled(
                            "If it did, the old secret stops working within 30 seconds and the new one was never received.",
                            theme.warn,
                        ),
                        Line::styled(
                            "Rotate again now to get a secret that works; it is shown once.",
                            theme.warn,
                        ),
                    ]);
                } else {
                    lines.extend([
                        Line::styled(
                            "The old secret stops working: Auth0 may accept it for up to 30 seconds, then every",
                            theme.warn,
                        ),
                        Line::styled(
                            "service still using it is refused. The new secret is shown once.",
                            theme.warn,
                        ),
                    ]);
                }
                lines.push(Line::raw(""));
                lines.push(Line::from(vec![
                    Span::styled("y/Enter", theme.key),
                    Span::raw(if *again {
                        " rotate again   "
                    } else {
                        " rotate   "
                    }),
                    Span::styled("n/Esc", theme.key),
                    Span::raw(if *again { " not now" } else { " cancel" }),
                ]));
                let title = if *again {
                    " Rotation unknown: rotate again? "
                } else {
                    " Rotate secret? "
                };
                (title, lines)
            }
            ConfirmKind::Revoke {
                name,
                client_id,
                by_id,
            } => {
                let (what, expected) = if *by_id {
                    ("client id", client_id)
                } else {
                    ("name", name)
                };
                let label = if *by_id { "Client id: " } else { "Name: " };
                let mut field = vec![Span::styled(label, theme.focus)];
                field.extend(self.typed.line(theme, true).spans);
                let mut lines = vec![
                    Line::from(vec![
                        Span::raw("Key "),
                        Span::styled(sanitize(name), theme.title),
                        Span::styled(format!("  {}", sanitize(client_id)), theme.muted),
                    ]),
                    Line::raw(""),
                    Line::styled(
                        "Revoking unlinks the grant, deletes it and deletes the client.",
                        theme.warn,
                    ),
                    Line::styled(
                        "Anything using this key stops working. This cannot be undone.",
                        theme.warn,
                    ),
                    Line::raw(""),
                ];
                if *by_id {
                    lines.push(Line::styled(
                        "Another key has the same name, so the client id tells them apart.",
                        theme.muted,
                    ));
                }
                lines.push(Line::from(vec![
                    Span::raw(format!("Type the key's {what} to confirm: ")),
                    Span::styled(sanitize(expected), theme.title),
                ]));
                lines.push(Line::from(field));
                if self.mismatch {
                    lines.push(Line::styled(
                        format!("That is not the key's {what}."),
                        theme.error,
                    ));
                }
                lines.push(Line::styled("Enter revokes · Esc cancels", theme.muted));
                (" Revoke key? ", lines)
            }
        };
        let width = area.width.saturating_sub(4).min(92);
        let height = u16::try_from(lines.len() + 2)
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let rect = centered(area, width, height);
        lines.insert(0, Line::raw(""));
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.warn)
            .title(Span::styled(title, theme.title));
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}
