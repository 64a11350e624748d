//! One organization: its details and keys; provision, rotate, revoke and test a key.

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};

use crate::portal::{
    Action, IssuedKey, Key, Organization, PortalError, ProvisionProgress, ProvisionStep,
    ROTATION_UNKNOWN, Revoked, StepState, TokenRequest, default_key_name,
};
use crate::text::sanitize;
use crate::tui::app::{Cmd, Ctx, Nav, Overlay, RequestId, StatusKind, ViewCtx, describe};
use crate::tui::keymap::KeyAction;
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::reveal::RevealOverlay;

/// A change in flight (or a provisioning that failed and is still being shown).
#[derive(Debug)]
pub enum Task {
    Provision {
        id: RequestId,
        steps: Vec<(ProvisionStep, StepState)>,
        failure: Option<PortalError>,
    },
    Rotate {
        id: RequestId,
        client_id: String,
        name: String,
    },
    Revoke {
        id: RequestId,
        name: String,
    },
}

impl Task {
    fn running(&self, wanted: RequestId) -> bool {
        match self {
            Task::Provision { id, failure, .. } => *id == wanted && failure.is_none(),
            Task::Rotate { id, .. } | Task::Revoke { id, .. } => *id == wanted,
        }
    }

    fn in_flight(&self) -> bool {
        !matches!(
            self,
            Task::Provision {
                failure: Some(_),
                ..
            }
        )
    }
}

/// The prompt for a key's secret before fetching a test token.
#[derive(Debug)]
pub struct SecretPrompt {
    pub client_id: String,
    pub name: String,
    pub input: TextInput,
}

/// The organization screen's state.
#[derive(Debug)]
pub struct OrganizationScreen {
    pub organization: Organization,
    pub keys: Vec<Key>,
    pub keys_loaded: bool,
    pub loading: Option<RequestId>,
    pub load_error: Option<String>,
    pub selected: usize,
    pub offset: usize,
    pub task: Option<Task>,
    pub prompt: Option<SecretPrompt>,
    /// The name of the key `p` is about to provision (prefilled, editable).
    pub naming: Option<TextInput>,
}

impl OrganizationScreen {
    /// Opens an organization and starts loading its keys.
    pub fn open(ctx: &mut Ctx<'_>, organization: Organization) -> Self {
        let mut screen = Self {
            organization,
            keys: Vec::new(),
            keys_loaded: false,
            loading: None,
            load_error: None,
            selected: 0,
            offset: 0,
            task: None,
            prompt: None,
            naming: None,
        };
        screen.reload(ctx);
        screen
    }

    /// The breadcrumb name.
    pub fn title(&self) -> String {
        sanitize(
            self.organization
                .display_name
                .as_deref()
                .unwrap_or(&self.organization.name),
        )
    }

    /// True while keys load or a change runs.
    pub fn busy(&self) -> bool {
        self.loading.is_some() || self.task.as_ref().is_some_and(Task::in_flight)
    }

    /// True while the secret or key-name prompt has the focus.
    pub fn typing(&self) -> bool {
        self.prompt.is_some() || self.naming.is_some()
    }

    /// Commands that stop this screen's reads when it is left (changes finish on their own).
    pub fn cancel_all(self) -> Vec<Cmd> {
        self.loading
            .map(|id| Cmd::Cancel { id })
            .into_iter()
            .collect()
    }

    fn reload(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(id) = self.loading.take() {
            ctx.cmd(Cmd::Cancel { id });
        }
        self.load_error = None;
        if ctx.refuse(Action::ListKeys) {
            return;
        }
        let id = ctx.request_id();
        self.loading = Some(id);
        ctx.cmd(Cmd::ListKeys {
            id,
            organization_id: self.organization.id.clone(),
        });
    }

    fn selected_key(&self) -> Option<&Key> {
        self.keys.get(self.selected)
    }

    fn page_rows(body: Rect) -> usize {
        usize::from(keys_area(body).height.saturating_sub(3)).max(1)
    }

    fn select(&mut self, body: Rect, index: usize) {
        self.selected = index.min(self.keys.len().saturating_sub(1));
        let rows = Self::page_rows(body);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }

    /// Keeps the selection in view after a resize.
    pub fn resized(&mut self, ctx: &mut Ctx<'_>) {
        self.select(ctx.body, self.selected);
    }

    /// The keys arrived.
    pub fn keys_listed(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Vec<Key>, PortalError>,
    ) {
        if self.loading != Some(id) {
            return;
        }
        self.loading = None;
        match result {
            Ok(keys) => {
                self.keys = keys;
                self.keys_loaded = true;
                self.select(ctx.body, self.selected);
            }
            Err(error) => {
                self.load_error = Some(describe(&error));
                ctx.error("loading keys failed", &error);
            }
        }
    }

    /// A provisioning step moved on.
    pub fn provision_progress(&mut self, id: RequestId, progress: ProvisionProgress) {
        if let Some(Task::Provision {
            id: running,
            steps,
            failure: None,
        }) = &mut self.task
            && *running == id
        {
            match steps.iter_mut().find(|(step, _)| *step == progress.step) {
                Some(entry) => entry.1 = progress.state,
                None => steps.push((progress.step, progress.state)),
            }
        }
    }

    /// Provisioning finished: show the secret once, or what failed and whether it was rolled back.
    pub fn provisioned(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<IssuedKey, PortalError>,
    ) {
        if !self.task.as_ref().is_some_and(|t| t.running(id)) {
            return;
        }
        match result {
            Ok(issued) => {
                self.task = None;
                ctx.status(
                    StatusKind::Ok,
                    format!("provisioned key {}", sanitize(&issued.client_name)),
                );
                ctx.out.overlays.push(Overlay::Reveal(RevealOverlay::new(
                    issued,
                    Some(self.organization.clone()),
                )));
                self.reload(ctx);
            }
            Err(error) => {
                ctx.error("provisioning failed", &error);
                if let Some(Task::Provision { failure, .. }) = &mut self.task {
                    *failure = Some(error);
                }
                self.reload(ctx);
            }
        }
    }

    /// Rotation finished: show the new secret once.
    pub fn rotated(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<IssuedKey, PortalError>,
    ) {
        let (client_id, name) = match self.task.take() {
            Some(Task::Rotate {
                id: running,
                client_id,
                name,
            }) if running == id => (client_id, name),
            other => {
                self.task = other;
                return;
            }
        };
        match result {
            Err(error) if error.code.as_deref() == Some(ROTATION_UNKNOWN) => {
                // The old secret may be dead and the new one lost: offer the way out at once.
                ctx.error("rotation unknown", &error);
                ctx.out
                    .overlays
                    .push(Overlay::Confirm(ConfirmOverlay::new(ConfirmKind::Rotate {
                        client_id,
                        name,
                        again: true,
                    })));
            }
            Ok(issued) => {
                ctx.status(
                    StatusKind::Ok,
                    format!("rotated the secret of {}", sanitize(&issued.client_name)),
                );
                ctx.out.overlays.push(Overlay::Reveal(RevealOverlay::new(
                    issued,
                    Some(self.organization.clone()),
                )));
            }
            Err(error) => {
                ctx.error("rotation failed", &error);
                ctx.out.overlays.push(Overlay::Error(ErrorOverlay::new(
                    "Rotating the secret failed",
                    &error,
                )));
            }
        }
    }

    /// Revocation finished: say what was removed and reload.
    pub fn revoked(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Revoked, PortalError>,
    ) {
        let name = match &self.task {
            Some(Task::Revoke { id: running, name }) if *running == id => name.clone(),
            _ => return,
        };
        self.task = None;
        match result {
            Ok(revoked) => {
                let mut parts = Vec::new();
                if revoked.unlinked_grant.is_some() {
                    parts.push("unlinked the grant");
                }
                if revoked.deleted_grant.is_some() {
                    parts.push("deleted the grant");
                }
                if revoked.deleted_client.is_some() {
                    parts.push("deleted the client");
                }
                ctx.status(
                    StatusKind::Ok,
                    format!("revoked {}: {}", sanitize(&name), parts.join(", ")),
                );
            }
            Err(error) => {
                ctx.error("revocation failed", &error);
                ctx.out.overlays.push(Overlay::Error(ErrorOverlay::new(
                    "Revoking the key failed",
                    &error,
                )));
            }
        }
        self.reload(ctx);
    }

    /// A confirmation overlay said yes.
    pub fn confirmed(&mut self, ctx: &mut Ctx<'_>, kind: ConfirmKind) {
        if self.task.as_ref().is_some_and(Task::in_flight) {
            ctx.status(StatusKind::Error, "another change is still running");
            return;
        }
        let id = ctx.request_id();
        match kind {
            ConfirmKind::Rotate {
                client_id, name, ..
            } => {
                self.task = Some(Task::Rotate {
                    id,
                    client_id: client_id.clone(),
                    name,
                });
                ctx.status(StatusKind::Info, "rotating the secret…");
                ctx.cmd(Cmd::RotateSecret { id, client_id });
            }
            ConfirmKind::Revoke {
                client_id, name, ..
            } => {
                self.task = Some(Task::Revoke { id, name });
                ctx.status(StatusKind::Info, "revoking…");
                ctx.cmd(Cmd::RevokeKey {
                    id,
                    organization_id: self.organization.id.clone(),
                    client_id,
                });
            }
            ConfirmKind::Quit => {}
        }
    }

    /// Pasted text goes to the prompt that is open.
    pub fn paste(&mut self, text: &str) {
        if let Some(prompt) = self.prompt.as_mut() {
            prompt.input.paste(text);
        } else if let Some(naming) = self.naming.as_mut() {
            naming.paste(text);
        }
    }

    /// Keys while the key-name prompt is open: Enter provisions, Esc cancels.
    fn naming_key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        let Some(naming) = self.naming.as_mut() else {
            return;
        };
        match action {
            Some(KeyAction::Back) => self.naming = None,
            Some(KeyAction::Submit) => {
                let name = naming.value().trim().to_owned();
                if name.is_empty() {
                    ctx.status(StatusKind::Error, "a key needs a name");
                } else if self.keys.iter().any(|k| k.name == name) {
                    ctx.status(
                        StatusKind::Error,
                        format!(
                            "a key named {} exists: choose another name",
                            sanitize(&name)
                        ),
                    );
                } else {
                    self.naming = None;
                    self.start_provisioning(ctx, name);
                }
            }
            _ => {
                naming.handle_key(event);
            }
        }
    }

    fn start_provisioning(&mut self, ctx: &mut Ctx<'_>, name: String) {
        let id = ctx.request_id();
        self.task = Some(Task::Provision {
            id,
            steps: vec![(ProvisionStep::CreateClient, StepState::Running)],
            failure: None,
        });
        ctx.status(StatusKind::Info, "provisioning a key…");
        ctx.cmd(Cmd::ProvisionKey {
            id,
            organization_id: self.organization.id.clone(),
            name: Some(name),
        });
    }

    /// Handles a key.
    pub fn key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        if self.naming.is_some() {
            self.naming_key(ctx, event, action);
            return;
        }
        if let Some(prompt) = self.prompt.as_mut() {
            match action {
                Some(KeyAction::Back) => self.prompt = None,
                Some(KeyAction::Submit) if !prompt.input.is_empty() => {
                    // The prompt (and its copy of the secret) goes; the request carries it to the token endpoint.
                    if let Some(prompt) = self.prompt.take() {
                        let request = TokenRequest {
                            client_id: prompt.client_id,
                            client_secret: prompt.input.secret(),
                            organization: Some(self.organization.id.clone()),
                            audience: None,
                        };
                        ctx.out.token = Some((request, Some(self.organization.clone())));
                    }
                }
                _ => {
                    prompt.input.handle_key(event);
                }
            }
            return;
        }
        let page = Self::page_rows(ctx.body);
        match action {
            Some(KeyAction::Up) => self.select(ctx.body, self.selected.saturating_sub(1)),
            Some(KeyAction::Down) => self.select(ctx.body, self.selected + 1),
            Some(KeyAction::PageUp) => self.select(ctx.body, self.selected.saturating_sub(page)),
            Some(KeyAction::PageDown) => self.select(ctx.body, self.selected + page),
            Some(KeyAction::Home) => self.select(ctx.body, 0),
            Some(KeyAction::End) => self.select(ctx.body, usize::MAX),
            Some(KeyAction::Reload) => self.reload(ctx),
            Some(KeyAction::Back) => {
                if self.task.as_ref().is_some_and(|t| !t.in_flight()) {
                    // A failed provisioning's report is closed first.
                    self.task = None;
                } else if let Some(id) = self.loading.take() {
                    ctx.cmd(Cmd::Cancel { id });
                    ctx.status(StatusKind::Info, "loading keys cancelled");
                } else if self.task.is_some() {
                    // Stopping a change half-way could leave an orphan client behind.
                    ctx.status(
                        StatusKind::Info,
                        "a change is not stopped half-way: wait for it to finish",
                    );
                } else {
                    ctx.out.nav = Some(Nav::Back);
                }
            }
            Some(KeyAction::Provision) => {
                if self.task.as_ref().is_some_and(Task::in_flight) {
                    ctx.status(StatusKind::Error, "another change is still running");
                } else if !ctx.refuse(Action::ProvisionKey) {
                    let date = humantime::format_rfc3339_seconds(ctx.now).to_string();
                    let taken: Vec<String> = self.keys.iter().map(|k| k.name.clone()).collect();
                    let name = default_key_name(&self.organization.name, &date[..10], &taken);
                    self.naming = Some(TextInput::new(&name));
                }
            }
            Some(KeyAction::Rotate) => {
                if let Some(key) = self.selected_key()
                    && !ctx.refuse(Action::RotateSecret)
                {
                    let kind = ConfirmKind::Rotate {
                        client_id: key.client_id.clone(),
                        name: key.name.clone(),
                        again: false,
                    };
                    ctx.out
                        .overlays
                        .push(Overlay::Confirm(ConfirmOverlay::new(kind)));
                } else if self.keys.is_empty() {
                    ctx.status(StatusKind::Info, "no key selected");
                }
            }
            Some(KeyAction::Revoke) => {
                if let Some(key) = self.selected_key()
                    && !ctx.refuse(Action::RevokeKey)
                {
                    let shared_name = self.keys.iter().filter(|k| k.name == key.name).count() > 1;
                    let kind = ConfirmKind::Revoke {
                        client_id: key.client_id.clone(),
                        name: key.name.clone(),
                        by_id: shared_name,
                    };
                    ctx.out
                        .overlays
                        .push(Overlay::Confirm(ConfirmOverlay::new(kind)));
                } else if self.keys.is_empty() {
                    ctx.status(StatusKind::Info, "no key selected");
                }
            }
            Some(KeyAction::TestToken) => match self.selected_key() {
                Some(key) => {
                    self.prompt = Some(SecretPrompt {
                        client_id: key.client_id.clone(),
                        name: key.name.clone(),
                        input: TextInput::masked(&crate::secret::Secret::from("")),
                    });
                }
                None => ctx.status(StatusKind::Info, "no key selected"),
            },
            _ => {}
        }
    }

    /// Mouse: a click selects a key, the wheel scrolls.
    pub fn mouse(&mut self, ctx: &mut Ctx<'_>, event: MouseEvent) {
        match event.kind {
            MouseEventKind::ScrollDown => self.select(ctx.body, self.selected + 3),
            MouseEventKind::ScrollUp => self.select(ctx.body, self.selected.saturating_sub(3)),
            MouseEventKind::Down(MouseButton::Left) => {
                let table = keys_area(ctx.body);
                let first = table.y + 2;
                if event.row >= first && event.row < table.bottom().saturating_sub(1) {
                    let index = self.offset + usize::from(event.row - first);
                    if index < self.keys.len() {
                        self.select(ctx.body, index);
                    }
                }
            }
            _ => {}
        }
    }

    /// Draws the screen.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let [details, _] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(1)]).areas(area);
        let o = &self.organization;
        let lines = vec![
            Line::from(vec![
                Span::styled("Organization  ", theme.muted),
                Span::styled(
                    sanitize(o.display_name.as_deref().unwrap_or("—")),
                    theme.title,
                ),
            ]),
            Line::from(vec![
                Span::styled("Name          ", theme.muted),
                Span::styled(sanitize(&o.name), theme.text),
            ]),
            Line::from(vec![
                Span::styled("Id            ", theme.muted),
                Span::styled(sanitize(&o.id), theme.text),
            ]),
            Line::from(vec![
                Span::styled("Audience      ", theme.muted),
                Span::styled(sanitize(&vc.tenant.audience), theme.text),
            ]),
        ];
        frame.render_widget(Paragraph::new(lines), details);

        let table_rect = keys_area(area);
        let title = if self.keys_loaded {
            format!(" Keys ({}) ", self.keys.len())
        } else {
            " Keys ".to_owned()
        };
        let rows = self
            .keys
            .iter()
            .skip(self.offset)
            .take(Self::page_rows(area))
            .map(|k| {
                Row::new(vec![
                    Line::styled(sanitize(&k.name), theme.text),
                    Line::styled(sanitize(&k.client_id), theme.muted),
                    Line::styled(sanitize(&k.scope.join(" ")), theme.text),
                    Line::styled(
                        sanitize(
                            k.created_at
                                .as_deref()
                                .map_or("", |c| c.get(..10).unwrap_or(c)),
                        ),
                        theme.muted,
                    ),
                ])
            });
        // Client ids are read and compared whole; the other columns share what is left.
        let longest = self
            .keys
            .iter()
            .map(|k| k.client_id.chars().count())
            .max()
            // No keys yet: lay the header out for the 32-character ids keys will have.
            .unwrap_or(32);
        let client_width = u16::try_from(longest.clamp(9, 32)).unwrap_or(32);
        let table = Table::new(
            rows,
            [
                Constraint::Fill(1),
                Constraint::Length(client_width),
                Constraint::Fill(1),
                Constraint::Length(10),
            ],
        )
        .column_spacing(2)
        .header(Row::new(vec!["Name", "Client id", "Scopes", "Created"]).style(theme.header))
        .row_highlight_style(theme.selected)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(title, theme.title)),
        );
        let mut state = TableState::default();
        if !self.keys.is_empty() {
            state.select(Some(self.selected - self.offset.min(self.selected)));
        }
        frame.render_stateful_widget(table, table_rect, &mut state);
        let message = if self.task.is_some() {
            None
        } else if self.loading.is_some() {
            Some(Line::styled(
                format!("{} loading keys…", vc.spinner()),
                theme.warn,
            ))
        } else if let Some(error) = &self.load_error {
            Some(Line::styled(format!("✗ {error} (R retries)"), theme.error))
        } else if self.keys_loaded && self.keys.is_empty() {
            // Only offer p where p acts (not read-only, not lacking the scope).
            let text = if vc.perms.why_not(Action::ProvisionKey).is_some() {
                "No keys yet."
            } else {
                "No keys yet: p provisions one."
            };
            Some(Line::styled(text, theme.muted))
        } else {
            None
        };
        // Below the rows shown (a reload keeps the old rows), never over one.
        let shown = self
            .keys
            .len()
            .saturating_sub(self.offset)
            .min(Self::page_rows(area));
        let row = table_rect.y + 2 + u16::try_from(shown).unwrap_or(u16::MAX);
        if let Some(message) = message
            && row + 1 < table_rect.bottom()
        {
            let rect = Rect::new(table_rect.x + 2, row, table_rect.width.saturating_sub(4), 1);
            frame.render_widget(Paragraph::new(message), rect);
        }
        if let Some(Task::Provision { steps, failure, .. }) = &self.task {
            draw_provision(vc, frame, area, steps, failure.as_ref());
        }
        if let Some(naming) = &self.naming {
            draw_naming(vc, frame, area, naming);
        }
        if let Some(prompt) = &self.prompt {
            draw_prompt(vc, frame, area, prompt);
        }
    }
}

fn step_label(step: ProvisionStep) -> &'static str {
    match step {
        ProvisionStep::CreateClient => "create the client",
        ProvisionStep::CreateGrant => "grant it the API",
        ProvisionStep::LinkGrant => "link the grant to the organization",
        ProvisionStep::Rollback => "roll back: delete the client",
    }
}

fn draw_provision(
    vc: &ViewCtx<'_>,
    frame: &mut Frame,
    area: Rect,
    steps: &[(ProvisionStep, StepState)],
    failure: Option<&PortalError>,
) {
    let theme = vc.theme;
    let width = area.width.saturating_sub(4).min(70);
    let height = 11.min(area.height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, rect);
    let mut lines = Vec::new();
    for step in [
        ProvisionStep::CreateClient,
        ProvisionStep::CreateGrant,
        ProvisionStep::LinkGrant,
        ProvisionStep::Rollback,
    ] {
        let state = steps
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, state)| *state);
        let (mark, style) = match state {
            Some(StepState::Done) => ("✓".to_owned(), theme.ok),
            Some(StepState::Failed) => ("✗".to_owned(), theme.error),
            Some(StepState::Running) => (vc.spinner().to_owned(), theme.warn),
            None if step == ProvisionStep::Rollback => continue,
            None => ("·".to_owned(), theme.muted),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::styled(step_label(step), theme.text),
        ]));
    }
    lines.push(Line::raw(""));
    match failure {
        Some(error) => {
            lines.push(Line::styled(
                format!("✗ {}", sanitize(&error.to_string())),
                theme.error,
            ));
            if let Some(hint) = &error.hint {
                lines.push(Line::styled(sanitize(hint), theme.warn));
            }
            let rolled_back = steps
                .iter()
                .any(|(s, st)| *s == ProvisionStep::Rollback && *st == StepState::Done);
            if rolled_back {
                lines.push(Line::styled(
                    "Rolled back: the new client was deleted, nothing is left over.",
                    theme.ok,
                ));
            }
            lines.push(Line::styled("Esc closes", theme.muted));
        }
        None => lines.push(Line::styled(
            "Provisioning… a change is not stopped half-way.",
            theme.muted,
        )),
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" Provisioning a key ", theme.title));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

fn draw_prompt(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, prompt: &SecretPrompt) {
    let theme = vc.theme;
    let width = area.width.saturating_sub(4).min(70);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + 3,
        width,
        7.min(area.height),
    );
    frame.render_widget(Clear, rect);
    let mut field = vec![Span::styled("Client secret ", theme.focus)];
    field.extend(prompt.input.line(theme, true).spans);
    let lines = vec![
        Line::from(vec![
            Span::styled("Key ", theme.muted),
            Span::styled(sanitize(&prompt.name), theme.text),
            Span::styled(format!("  {}", sanitize(&prompt.client_id)), theme.muted),
        ]),
        Line::styled(
            "The secret is not kept after it was shown; paste or type it.",
            theme.muted,
        ),
        Line::from(field),
        Line::styled("Enter fetches a test token · Esc cancels", theme.muted),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(Span::styled(" Test token ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn draw_naming(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, naming: &TextInput) {
    let theme = vc.theme;
    let width = area.width.saturating_sub(4).min(70);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + 3,
        width,
        6.min(area.height),
    );
    frame.render_widget(Clear, rect);
    let mut field = vec![Span::styled("Name ", theme.focus)];
    field.extend(naming.line(theme, true).spans);
    let lines = vec![
        Line::styled(
            "A new client, its grant and the link to this organization.",
            theme.muted,
        ),
        Line::styled("Key names are unique in an organization.", theme.muted),
        Line::from(field),
        Line::styled("Enter provisions · Esc cancels", theme.muted),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(Span::styled(" New key ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The keys table's rectangle inside the body (shared by drawing and mouse hits).
pub fn keys_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(4), Constraint::Min(1)]).areas::<2>(body)[1]
}
