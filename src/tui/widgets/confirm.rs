//! A confirmation: yes/no, or typing a key's name (or a member's email)
//! before revoking (or removing) it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::ctx::ViewCtx;
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::widgets::centered;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::text;

/// What is being confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmKind {
    /// Quit while a secret is on screen or still on the clipboard. `keep`: the
    /// answer keeps the clipboard (else what is still ours is cleared on exit).
    Quit {
        on_screen: bool,
        /// When the clipboard would be cleared, if a copied secret is pending.
        clears_at: Option<std::time::SystemTime>,
        keep: bool,
    },
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
    /// Remove a member: their email address must be typed.
    RemoveMember { email: String, user_id: String },
    /// Revoke a pending invitation.
    RevokeInvitation {
        invitation_id: String,
        email: String,
    },
    /// The address has no user: invite them instead.
    Invite { email: String },
    /// Rotate the marked keys of the inventory, `rate` Management requests a second.
    BulkRotate {
        count: usize,
        /// Management requests a second.
        rate: u32,
        /// About how long it takes.
        seconds: u64,
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

    /// What must be typed to confirm, for a typed confirmation.
    fn expected(&self) -> Option<&str> {
        match &self.kind {
            ConfirmKind::Revoke {
                name,
                client_id,
                by_id,
            } => Some(if *by_id { client_id } else { name }),
            ConfirmKind::RemoveMember { email, .. } => Some(email),
            _ => None,
        }
    }

    /// Pasting the name works too.
    pub fn paste(&mut self, text: &str) {
        if self.expected().is_some() {
            self.typed.paste(text);
        }
    }

    /// Handles a key.
    pub fn key(&mut self, event: &KeyEvent, action: Option<KeyAction>) -> ConfirmOutcome {
        if let Some(expected) = self.expected().map(str::to_owned) {
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
        // A yes/no question: the keys are the `Confirm` context's (y/Enter, n/Esc, k).
        match (&self.kind, action) {
            (
                ConfirmKind::Quit {
                    on_screen,
                    clears_at: Some(at),
                    ..
                },
                Some(KeyAction::KeepClipboard),
            ) => ConfirmOutcome::Confirmed(ConfirmKind::Quit {
                on_screen: *on_screen,
                clears_at: Some(*at),
                keep: true,
            }),
            (_, Some(KeyAction::Submit)) => ConfirmOutcome::Confirmed(self.kind.clone()),
            (_, Some(KeyAction::Back)) => ConfirmOutcome::Cancelled,
            _ => ConfirmOutcome::Pending,
        }
    }

    /// True when the answer is typed (a key's name, a member's email), not yes or no:
    /// the keys then go to the text field.
    pub fn typed_answer(&self) -> bool {
        self.expected().is_some()
    }

    /// Draws the question.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let (title, mut lines) = self.question(vc);
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

    /// The question's title and lines for what is asked.
    fn question(&self, vc: &ViewCtx<'_>) -> (&'static str, Vec<Line<'static>>) {
        let theme = vc.theme;
        match &self.kind {
            ConfirmKind::Quit {
                on_screen,
                clears_at,
                ..
            } => Self::quit(vc, *on_screen, *clears_at),
            ConfirmKind::Rotate {
                name,
                client_id,
                again,
            } => Self::rotate(vc, name, client_id, *again),
            ConfirmKind::BulkRotate {
                count,
                rate,
                seconds,
            } => Self::bulk_rotate(vc, *count, *rate, *seconds),
            ConfirmKind::Revoke {
                name,
                client_id,
                by_id,
            } => self.revoke(vc, name, client_id, *by_id),
            ConfirmKind::RemoveMember { email, user_id } => self.remove_member(vc, email, user_id),
            ConfirmKind::RevokeInvitation {
                invitation_id,
                email,
            } => (
                " Revoke invitation? ",
                vec![
                    Line::from(vec![
                        Span::raw("Invitation for "),
                        text::span(email, theme.title),
                        Span::styled(format!("  {}", text::clean(invitation_id)), theme.muted),
                    ]),
                    Line::raw(""),
                    Line::styled("The link in the invitation stops working.", theme.warn),
                    Line::raw(""),
                    yes_no(vc, "revoke", "cancel"),
                ],
            ),
            ConfirmKind::Invite { email } => (
                " Invite instead? ",
                vec![
                    Line::from(vec![
                        Span::raw("No user has the email address "),
                        text::span(email, theme.title),
                        Span::raw("."),
                    ]),
                    Line::raw(""),
                    Line::styled(
                        "An organization invitation lets them sign up and join; it expires in 7 days.",
                        theme.text,
                    ),
                    Line::raw(""),
                    yes_no(vc, "invite", "cancel"),
                ],
            ),
        }
    }

    /// Quitting while a secret is on screen or on the clipboard.
    fn quit(
        vc: &ViewCtx<'_>,
        on_screen: bool,
        clears_at: Option<std::time::SystemTime>,
    ) -> (&'static str, Vec<Line<'static>>) {
        let theme = vc.theme;
        let mut lines = Vec::new();
        if on_screen {
            lines.push(Line::styled(
                "A secret is on screen and will be gone for good.",
                theme.warn,
            ));
        }
        let option = |key: &'static str, what: &'static str| {
            Line::from(vec![
                Span::styled(format!("{key:<8}"), theme.key),
                Span::raw(what),
            ])
        };
        if let Some(at) = clears_at {
            let left = crate::tui::ctx::countdown_secs(at, vc.now).unwrap_or(0);
            lines.push(Line::styled(
                format!(
                    "The clipboard holds a copied secret; it is cleared in {} or when you quit.",
                    crate::text::duration(left)
                ),
                theme.warn,
            ));
            lines.push(Line::raw(""));
            lines.push(option(yes_keys(), "quit and clear the clipboard"));
            lines.push(option(
                keymap::label(Context::Confirm, KeyAction::KeepClipboard),
                "quit, keep it on the clipboard",
            ));
        } else {
            lines.push(Line::raw(""));
            lines.push(option(yes_keys(), "quit"));
        }
        lines.push(option(no_keys(), "stay"));
        (" Quit? ", lines)
    }

    /// Rotating one key's secret (again, after a lost answer).
    fn rotate(
        vc: &ViewCtx<'_>,
        name: &str,
        client_id: &str,
        again: bool,
    ) -> (&'static str, Vec<Line<'static>>) {
        let theme = vc.theme;
        let mut lines = vec![Line::from(vec![
            Span::raw("Key "),
            text::span(name, theme.title),
            Span::styled(format!("  {}", text::clean(client_id)), theme.muted),
        ])];
        lines.push(Line::raw(""));
        if again {
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
        lines.push(if again {
            yes_no(vc, "rotate again", "not now")
        } else {
            yes_no(vc, "rotate", "cancel")
        });
        let title = if again {
            " Rotation unknown: rotate again? "
        } else {
            " Rotate secret? "
        };
        (title, lines)
    }

    /// Rotating the inventory's marked keys.
    fn bulk_rotate(
        vc: &ViewCtx<'_>,
        count: usize,
        rate: u32,
        seconds: u64,
    ) -> (&'static str, Vec<Line<'static>>) {
        let theme = vc.theme;
        let lines = vec![
            Line::from(vec![
                Span::raw("Rotate the secrets of "),
                Span::styled(format!("{count} marked key(s)"), theme.title),
                Span::raw("."),
            ]),
            Line::raw(""),
            Line::styled(
                format!(
                    "Paced at {rate} Management request(s) a second, 2 per key: about {}.",
                    crate::text::duration(seconds)
                ),
                theme.text,
            ),
            Line::styled(
                "Each old secret stops working when its key is rotated;",
                theme.warn,
            ),
            Line::styled("Auth0 may accept it for up to 30 seconds.", theme.warn),
            Line::styled(
                "The new secrets are shown once each, one after the other, at the end.",
                theme.warn,
            ),
            Line::styled("Esc stops the run after the key in hand.", theme.muted),
            Line::raw(""),
            yes_no(vc, "rotate them", "cancel"),
        ];
        (" Rotate marked keys? ", lines)
    }

    /// Revoking a key: its name (or client id) is typed.
    fn revoke(
        &self,
        vc: &ViewCtx<'_>,
        name: &str,
        client_id: &str,
        by_id: bool,
    ) -> (&'static str, Vec<Line<'static>>) {
        let theme = vc.theme;
        let (what, expected) = if by_id {
            ("client id", client_id)
        } else {
            ("name", name)
        };
        let label = if by_id { "Client id: " } else { "Name: " };
        let mut field = vec![Span::styled(label, theme.focus)];
        field.extend(self.typed.line(theme, true).spans);
        let mut lines = vec![
            Line::from(vec![
                Span::raw("Key "),
                text::span(name, theme.title),
                Span::styled(format!("  {}", text::clean(client_id)), theme.muted),
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
        if by_id {
            lines.push(Line::styled(
                "Another key has the same name, so the client id tells them apart.",
                theme.muted,
            ));
        }
        lines.extend(self.typed_lines(vc, &format!("key's {what}"), expected, field));
        lines.push(typed_keys("revokes", theme.muted));
        (" Revoke key? ", lines)
    }

    /// Removing a member: their email is typed.
    fn remove_member(
        &self,
        vc: &ViewCtx<'_>,
        email: &str,
        user_id: &str,
    ) -> (&'static str, Vec<Line<'static>>) {
        let theme = vc.theme;
        let mut field = vec![Span::styled("Email: ", theme.focus)];
        field.extend(self.typed.line(theme, true).spans);
        let mut lines = vec![
            Line::from(vec![
                Span::raw("Member "),
                text::span(email, theme.title),
                Span::styled(format!("  {}", text::clean(user_id)), theme.muted),
            ]),
            Line::raw(""),
            Line::styled(
                "They leave the organization; their user and the organization's keys stay.",
                theme.warn,
            ),
            Line::raw(""),
        ];
        lines.extend(self.typed_lines(vc, "member's email", email, field));
        lines.push(typed_keys("removes", theme.muted));
        (" Remove member? ", lines)
    }
    /// "Type the {what} to confirm: X", the field, and a mismatch note.
    fn typed_lines(
        &self,
        vc: &ViewCtx<'_>,
        what: &str,
        expected: &str,
        field: Vec<Span<'static>>,
    ) -> Vec<Line<'static>> {
        let mut lines = vec![
            Line::from(vec![
                Span::raw(format!("Type the {what} to confirm: ")),
                text::span(expected, vc.theme.title),
            ]),
            Line::from(field),
        ];
        if self.mismatch {
            lines.push(Line::styled(
                format!("That is not the {what}."),
                vc.theme.error,
            ));
        }
        lines
    }
}

/// How the keymap writes a question's yes ("y/Enter").
fn yes_keys() -> &'static str {
    keymap::label(Context::Confirm, KeyAction::Submit)
}

/// How the keymap writes a question's no ("n/Esc").
fn no_keys() -> &'static str {
    keymap::label(Context::Confirm, KeyAction::Back)
}

/// "y/Enter {yes}   n/Esc {no}", the keys as the keymap writes them.
fn yes_no(vc: &ViewCtx<'_>, yes: &str, no: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(yes_keys(), vc.theme.key),
        Span::raw(format!(" {yes}   ")),
        Span::styled(no_keys(), vc.theme.key),
        Span::raw(format!(" {no}")),
    ])
}

/// "Enter {does} · Esc cancels" under a typed answer, the keys of the text field.
fn typed_keys(does: &str, style: ratatui::style::Style) -> Line<'static> {
    Line::styled(
        format!(
            "{} {does} · {} cancels",
            keymap::label(Context::Input, KeyAction::Submit),
            keymap::label(Context::Input, KeyAction::Back)
        ),
        style,
    )
}
