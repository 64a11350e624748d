//! The sign-in screen: names the tenant, edits the admin credentials, signs in.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Wrap};

use crate::config::Settings;
use crate::portal::{PortalError, Setting, SignIn};
use crate::tui::ctx::{Ctx, Nav, StatusKind, ViewCtx};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::{Cmd, Credentials, RequestId};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::text;

/// The fields of the form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Domain,
    ClientId,
    Secret,
}

impl Field {
    fn next(self) -> Self {
        match self {
            Field::Domain => Field::ClientId,
            Field::ClientId => Field::Secret,
            Field::Secret => Field::Domain,
        }
    }

    fn previous(self) -> Self {
        self.next().next()
    }

    /// The form's field for the setting an error names.
    fn of(setting: Setting) -> Self {
        match setting {
            Setting::Domain => Field::Domain,
            Setting::ClientId => Field::ClientId,
            Setting::ClientSecret => Field::Secret,
        }
    }
}

/// The sign-in form and the state of signing in.
#[derive(Debug)]
pub struct SignInScreen {
    pub domain: TextInput,
    pub client_id: TextInput,
    pub secret: TextInput,
    pub focus: Field,
    pub pending: Option<RequestId>,
    /// Why the last attempt failed, with the field to fix if the form knows it.
    pub failure: Option<(Option<Field>, String, Option<String>)>,
    unchanged_domain: String,
    base_url: String,
}

impl SignInScreen {
    /// The form prefilled from configuration.
    pub fn new(settings: &Settings) -> Self {
        // A plain host reads best; a loopback sandbox needs its http:// scheme kept.
        let domain = if settings.base_url.starts_with("https://") {
            settings.tenant_name().to_owned()
        } else {
            settings.base_url.clone()
        };
        Self {
            domain: TextInput::new(&domain),
            client_id: TextInput::new(&settings.client_id),
            secret: TextInput::masked(&settings.client_secret),
            focus: Field::Domain,
            pending: None,
            failure: None,
            unchanged_domain: domain,
            base_url: settings.base_url.clone(),
        }
    }

    /// True while signing in.
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    fn field_mut(&mut self) -> &mut TextInput {
        match self.focus {
            Field::Domain => &mut self.domain,
            Field::ClientId => &mut self.client_id,
            Field::Secret => &mut self.secret,
        }
    }

    /// Pastes into the focused field.
    pub fn paste(&mut self, text: &str) {
        if self.pending.is_none() {
            self.field_mut().paste(text);
        }
    }

    /// Handles a key.
    pub fn key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        match action {
            Some(KeyAction::Back) => match self.pending.take() {
                Some(id) => {
                    ctx.cmd(Cmd::Cancel { id });
                    ctx.status(StatusKind::Info, "signing in cancelled");
                }
                None => ctx.out.nav = Some(Nav::Quit),
            },
            _ if self.pending.is_some() => {}
            Some(KeyAction::NextField) => self.focus = self.focus.next(),
            Some(KeyAction::PreviousField) => self.focus = self.focus.previous(),
            Some(KeyAction::Submit) => self.submit(ctx),
            _ => {
                self.field_mut().handle_key(event);
            }
        }
    }

    /// Signs in with the form's credentials (Enter, or after a device sign-in).
    pub fn submit(&mut self, ctx: &mut Ctx<'_>) {
        let domain = self.domain.value().trim().to_owned();
        let base_url = if domain == self.unchanged_domain {
            self.base_url.clone()
        } else {
            match crate::config::normalize_domain(&domain) {
                Ok(url) => url,
                Err(reason) => {
                    self.failure = Some((Some(Field::Domain), reason, None));
                    self.focus = Field::Domain;
                    return;
                }
            }
        };
        if self.client_id.value().trim().is_empty() {
            self.failure = Some((
                Some(Field::ClientId),
                "the client id is empty".to_owned(),
                None,
            ));
            self.focus = Field::ClientId;
            return;
        }
        if self.secret.is_empty() {
            self.failure = Some((
                Some(Field::Secret),
                "the client secret is empty".to_owned(),
                None,
            ));
            self.focus = Field::Secret;
            return;
        }
        self.failure = None;
        let id = ctx.request_id();
        self.pending = Some(id);
        ctx.status(StatusKind::Info, "signing in…");
        ctx.cmd(Cmd::SignIn {
            id,
            credentials: Credentials {
                base_url,
                client_id: self.client_id.value().trim().to_owned(),
                client_secret: self.secret.secret(),
            },
        });
    }

    /// A sign-in reply; returns the session when it succeeded (stale replies are dropped).
    pub fn signed_in(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<SignIn, PortalError>,
    ) -> Option<SignIn> {
        if self.pending != Some(id) {
            return None;
        }
        self.pending = None;
        match result {
            Ok(sign_in) => {
                self.failure = None;
                Some(sign_in)
            }
            Err(error) => {
                let field = error.field().map(Field::of);
                if let Some(field) = field {
                    self.focus = field;
                }
                // Say "sign in failed" once: the portal's message may already open with it.
                let text = crate::tui::ctx::describe(&error);
                let lower = text.to_lowercase();
                if lower.starts_with("signing in failed") || lower.starts_with("sign in failed") {
                    ctx.status(StatusKind::Error, text);
                } else {
                    ctx.error("sign in failed", &error);
                }
                self.failure = Some((
                    field,
                    crate::tui::ctx::describe(&error.clone().with_optional_hint(None)),
                    error.hint().map(str::to_owned),
                ));
                None
            }
        }
    }

    /// Draws the form.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let width = area.width.min(76);
        let panel = Rect::new(
            area.x + (area.width - width) / 2,
            area.y,
            width,
            area.height,
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(" Sign in to the tenant ", theme.title));
        let inner = block.inner(panel);
        frame.render_widget(block, panel);
        let [intro, fields, result] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(7),
            Constraint::Min(1),
        ])
        .areas(inner);
        let lines = self.intro_lines(vc);
        frame.render_widget(text::paragraph(lines).wrap(Wrap { trim: true }), intro);
        frame.render_widget(text::paragraph(self.field_rows(vc)), fields);
        let lines = self.result_lines(vc);
        frame.render_widget(text::paragraph(lines).wrap(Wrap { trim: true }), result);
    }

    /// The tenant signed in to, and how real it is.
    fn intro_lines<'a>(&self, vc: &'a ViewCtx<'_>) -> Vec<Line<'a>> {
        let theme = vc.theme;
        let mut lines = vec![Line::from(vec![
            Span::styled("Tenant ", theme.muted),
            Span::styled(&vc.tenant.name, theme.title),
            if vc.tenant.sandbox {
                Span::styled("  SANDBOX ", theme.badge)
            } else {
                Span::raw("")
            },
        ])];
        if vc.tenant.sandbox {
            lines.push(Line::styled(
                "The embedded sandbox tenant: nothing here touches a real Auth0 tenant.",
                theme.muted,
            ));
            lines.push(Line::styled(
                "For a real tenant set PLUGIN_AUTH0_M2M_DOMAIN (see --help).",
                theme.muted,
            ));
        } else {
            lines.push(Line::styled(
                "Changes made here are real: check the tenant name.",
                theme.warn,
            ));
        }
        lines
    }

    /// The three fields, the one at fault marked.
    fn field_rows(&self, vc: &ViewCtx<'_>) -> Vec<Line<'static>> {
        let theme = vc.theme;
        let label = |field: Field, text: &'static str| {
            let style = if self.focus == field {
                theme.focus
            } else {
                theme.muted
            };
            Span::styled(format!("{text:<15}"), style)
        };
        let row = |field: Field, text: &'static str, input: &TextInput| {
            let mut spans = vec![label(field, text)];
            spans.extend(
                input
                    .line(theme, self.focus == field && self.pending.is_none())
                    .spans,
            );
            Line::from(spans)
        };
        let mut rows = vec![
            row(Field::Domain, "Domain", &self.domain),
            Line::raw(""),
            row(Field::ClientId, "Client id", &self.client_id),
            Line::raw(""),
            row(Field::Secret, "Client secret", &self.secret),
        ];
        if let Some((Some(field), _, _)) = &self.failure {
            let at = match field {
                Field::Domain => 1,
                Field::ClientId => 3,
                Field::Secret => 5,
            };
            // The field says which; the whole reason wraps below the form.
            rows.insert(
                at,
                Line::styled(format!("{:15}✗ this field (see below)", ""), theme.error),
            );
            if at < rows.len() - 1 {
                rows.remove(at + 1);
            }
        }
        rows
    }

    /// Under the form: the sign-in running, or why it failed.
    fn result_lines(&self, vc: &ViewCtx<'_>) -> Vec<Line<'static>> {
        let theme = vc.theme;
        if let Some(_id) = self.pending {
            vec![Line::from(vec![
                Span::styled(format!("{} ", vc.spinner()), theme.warn),
                Span::styled("Signing in… (Esc cancels)", theme.text),
            ])]
        } else if let Some((_, reason, hint)) = &self.failure {
            let mut lines = vec![Line::styled(format!("✗ {reason}"), theme.error)];
            if let Some(hint) = hint {
                lines.push(Line::styled(hint.clone(), theme.warn));
            }
            lines.push(Line::styled(
                "Fix a field and press Enter to try again.",
                theme.muted,
            ));
            lines
        } else {
            vec![Line::styled(
                "Enter signs in with the admin app's credentials and checks its scopes.",
                theme.muted,
            )]
        }
    }
}
