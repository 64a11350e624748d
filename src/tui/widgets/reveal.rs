//! The secret reveal overlay: shows a new secret once, offers copies, drops it on close.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::portal::{IssuedKey, Organization, TokenRequest};
use crate::secret::Secret;
use crate::tui::ctx::{TenantView, ViewCtx};
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::widgets::centered;
use crate::tui::widgets::text;

/// The overlay; it owns the only copy of the issued secret.
#[derive(Debug)]
pub struct RevealOverlay {
    key: IssuedKey,
    organization: Option<Organization>,
    asking: bool,
    token_note: Option<(usize, usize)>,
    /// This reveal's place in a bulk rotation's sequence (n of N).
    sequence: Option<(usize, usize)>,
}

/// What a key asks of the app; the overlay itself only changes its question.
#[derive(Debug)]
pub enum RevealOutcome {
    Open,
    /// Put this on the clipboard (the secret, the client id, a snippet).
    Copy {
        what: &'static str,
        text: Secret,
    },
    /// Fetch a test token with these credentials (answered to the inspector).
    TestToken(TokenRequest, Option<Organization>),
    /// Closed after "I have stored it": the secret is dropped with the overlay.
    Closed,
    /// The `?` help, over the reveal (which stays, secret and all, under it).
    Help,
    Quit,
}

impl RevealOverlay {
    /// Takes ownership of freshly issued credentials.
    pub fn new(key: IssuedKey, organization: Option<Organization>) -> Self {
        Self {
            key,
            organization,
            asking: false,
            token_note: None,
            sequence: None,
        }
    }

    /// One of a bulk rotation's reveals: the title says "n of N".
    pub fn in_sequence(mut self, n: usize, total: usize) -> Self {
        self.sequence = Some((n, total));
        self
    }

    /// This reveal's place in a sequence, if it is one of several.
    pub fn sequence(&self) -> Option<(usize, usize)> {
        self.sequence
    }

    /// The client id shown (never the secret).
    pub fn client_id(&self) -> &str {
        &self.key.client_id
    }

    /// True while asking "have you stored it?".
    pub fn asking(&self) -> bool {
        self.asking
    }

    /// A test token was fetched with these credentials.
    pub fn token_fetched(&mut self, passed: usize, total: usize) {
        self.token_note = Some((passed, total));
    }

    fn organization_id(&self) -> Option<String> {
        self.key
            .organization_id
            .clone()
            .or_else(|| self.organization.as_ref().map(|o| o.id.clone()))
    }

    /// The key as the snippets see it: the organization filled in from the screen.
    fn key_for_snippets(&self) -> IssuedKey {
        IssuedKey {
            organization_id: self.organization_id(),
            ..self.key.clone()
        }
    }

    /// A `.env` snippet for the customer's service (built by the portal).
    pub fn env_snippet(&self, tenant: &TenantView) -> Secret {
        crate::portal::snippets::env_snippet(&tenant.token_request, &self.key_for_snippets())
    }

    /// A curl command for the key's token request; the secret is read from
    /// `AUTH0_CLIENT_SECRET` through stdin (built by the portal).
    pub fn curl_command(&self, tenant: &TenantView) -> Secret {
        crate::portal::snippets::curl_command(&tenant.token_request, &self.key_for_snippets())
    }

    /// What a key asks for. Esc asks "have you stored it?"; then Submit (y, Enter)
    /// closes and any other key keeps it open.
    pub fn key(&mut self, action: Option<KeyAction>, tenant: &TenantView) -> RevealOutcome {
        if self.asking {
            if action == Some(KeyAction::Submit) {
                return RevealOutcome::Closed;
            }
            self.asking = false;
            return RevealOutcome::Open;
        }
        match action {
            Some(KeyAction::Copy) => RevealOutcome::Copy {
                what: "the secret",
                text: self.key.client_secret.clone(),
            },
            Some(KeyAction::CopyClientId) => RevealOutcome::Copy {
                what: "the client id",
                text: Secret::from(self.key.client_id.as_str()),
            },
            Some(KeyAction::CopyEnv) => RevealOutcome::Copy {
                what: "the .env snippet",
                text: self.env_snippet(tenant),
            },
            Some(KeyAction::CopyCurl) => RevealOutcome::Copy {
                what: "the curl command",
                text: self.curl_command(tenant),
            },
            Some(KeyAction::TestToken) => {
                let request = TokenRequest {
                    client_id: self.key.client_id.clone(),
                    client_secret: self.key.client_secret.clone(),
                    organization: self.organization_id(),
                    audience: None,
                };
                RevealOutcome::TestToken(request, self.organization.clone())
            }
            Some(KeyAction::Back) => {
                self.asking = true;
                RevealOutcome::Open
            }
            Some(KeyAction::Quit) => RevealOutcome::Quit,
            Some(KeyAction::Help) => RevealOutcome::Help,
            _ => RevealOutcome::Open,
        }
    }

    /// Draws the credentials and the warning.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let mut lines = self.credential_lines(vc, area);
        lines.extend(self.closing_lines(vc));
        let width = area.width.saturating_sub(2).min(96);
        let height = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX);
        let padding = vc.spacing.panel(area, height);
        let rect = centered(area, width, height + padding.top + padding.bottom);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .padding(padding)
            .borders(Borders::ALL)
            .border_style(theme.warn)
            .title(Span::styled(
                match self.sequence {
                    Some((n, total)) => {
                        format!(" New client secret {n} of {total} — shown once ")
                    }
                    None => " New client secret — shown once ".to_owned(),
                },
                theme.title,
            ));
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            rect,
        );
    }

    /// The key, its organization, its id and secret (masked while presenting), and the
    /// gateway claim.
    fn credential_lines(&self, vc: &ViewCtx<'_>, area: Rect) -> Vec<Line<'static>> {
        let theme = vc.theme;
        let secret = if vc.options.presenter {
            "•••••••••••••••• (hidden while presenting; c still copies it)".to_owned()
        } else {
            self.key.client_secret.expose_secret().to_owned()
        };
        let mut lines = vec![
            Line::raw(""),
            Line::from(vec![
                Span::styled("Key            ", theme.muted),
                text::span(&self.key.client_name, theme.title),
            ]),
        ];
        if let Some(o) = &self.organization {
            lines.push(Line::from(vec![
                Span::styled("Organization   ", theme.muted),
                Span::styled(
                    text::clean(o.display_name.as_deref().unwrap_or(&o.name)),
                    theme.text,
                ),
                Span::styled(format!("  {}", text::clean(&o.id)), theme.muted),
            ]));
        }
        lines.extend([Line::from(vec![
            Span::styled("Client id      ", theme.muted),
            text::span(&self.key.client_id, theme.text),
        ])]);
        // The secret goes on its own line when it would wrap beside its label.
        let columns = 2 * vc.spacing.padding;
        let inner = usize::from(
            area.width
                .saturating_sub(2)
                .min(96)
                .saturating_sub(2 + columns),
        );
        if 15 + secret.chars().count() <= inner {
            lines.push(Line::from(vec![
                Span::styled("Client secret  ", theme.muted),
                Span::styled(secret, theme.secret),
            ]));
        } else {
            lines.push(Line::styled("Client secret", theme.muted));
            lines.push(Line::styled(secret, theme.secret));
        }
        // The handoff: which claim of the key's tokens names the customer.
        if let Some(org) = self.organization_id() {
            lines.push(Line::from(vec![
                Span::styled("Gateway claim  ", theme.muted),
                Span::styled(format!("org_id = {}", text::clean(&org)), theme.text),
                Span::styled("  (carries the customer)", theme.muted),
            ]));
        }
        lines
    }

    /// The warning, the test token's note, the keys, and the closing question.
    fn closing_lines(&self, vc: &ViewCtx<'_>) -> Vec<Line<'static>> {
        let theme = vc.theme;
        let mut lines = Vec::new();
        lines.extend([
            Line::raw(""),
            Line::styled(
                " ⚠ This secret will not be shown again. Copy it and store it now. ",
                theme.secret,
            ),
            Line::raw(""),
        ]);
        if let Some((passed, total)) = self.token_note {
            let style = if passed == total {
                theme.ok
            } else {
                theme.error
            };
            lines.push(Line::styled(
                format!(
                    "Test token: {passed}/{total} gateway checks passed; close this to inspect it."
                ),
                style,
            ));
            lines.push(Line::raw(""));
        }
        // The reveal's keys as the table has them (the footer's own hints, no global ones).
        let mut actions = Vec::new();
        for binding in keymap::footer(Context::Reveal, false) {
            actions.push(Span::styled(binding.label, theme.key));
            actions.push(Span::styled(format!(" {}  ", binding.hint), theme.muted));
        }
        lines.push(Line::from(actions));
        if self.asking {
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "Have you stored the secret? Closing drops it from memory for good.",
                theme.warn,
            ));
            lines.push(Line::from(vec![
                Span::styled(
                    keymap::label(Context::Closing, KeyAction::Submit),
                    theme.key,
                ),
                Span::raw(" I have stored it, close   "),
                Span::styled(keymap::label(Context::Closing, KeyAction::Back), theme.key),
                Span::raw(" keep it open"),
            ]));
        }
        lines
    }
}
