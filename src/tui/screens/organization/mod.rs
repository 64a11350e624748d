//! One organization: its details, its keys (provision, rotate, revoke and
//! test a key) and its people (members and invitations: add, invite, remove).

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use crate::portal::{
    Action, OrgKey, Organization, PortalError, ProvisionStep, StepState, TokenRequest,
    default_key_name,
};
use crate::tui::ctx::{Ctx, Nav, Overlay, StatusKind};
use crate::tui::keymap::{Context, KeyAction};
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel;

mod people;
mod replies;
mod view;

pub use people::{People, Person};
pub use view::keys_area;

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
    /// Adding, inviting or removing a person (or revoking their invitation).
    Person {
        id: RequestId,
        email: String,
    },
}

impl Task {
    fn running(&self, wanted: RequestId) -> bool {
        match self {
            Task::Provision { id, failure, .. } => *id == wanted && failure.is_none(),
            Task::Rotate { id, .. } | Task::Revoke { id, .. } | Task::Person { id, .. } => {
                *id == wanted
            }
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

/// Which pane of the organization screen shows (`Tab` switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Keys,
    People,
}

/// Moves a table's selection to `index` (clamped) and keeps it in view.
fn scroll_to(selected: &mut usize, offset: &mut usize, len: usize, rows: usize, index: usize) {
    *selected = index.min(len.saturating_sub(1));
    if *selected < *offset {
        *offset = *selected;
    } else if *selected >= *offset + rows {
        *offset = *selected + 1 - rows;
    }
}

/// True for something that looks like an email address (Auth0 has the last word).
fn looks_like_email(text: &str) -> bool {
    matches!(text.split_once('@'), Some((user, domain)) if !user.is_empty() && !domain.is_empty())
        && !text.contains(char::is_whitespace)
}

/// The date part of an RFC 3339 timestamp.
fn date(timestamp: Option<&str>) -> &str {
    timestamp.map_or("", |t| t.get(..10).unwrap_or(t))
}

/// The organization screen's state.
#[derive(Debug)]
pub struct OrganizationScreen {
    pub organization: Organization,
    pub keys: Vec<OrgKey>,
    pub keys_loaded: bool,
    pub loading: Option<RequestId>,
    pub load_error: Option<String>,
    pub selected: usize,
    pub offset: usize,
    pub task: Option<Task>,
    pub prompt: Option<SecretPrompt>,
    /// The name of the key `p` is about to provision (prefilled, editable).
    pub naming: Option<TextInput>,
    pub pane: Pane,
    pub people: People,
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
            pane: Pane::Keys,
            people: People::default(),
        };
        screen.reload(ctx);
        screen
    }

    /// The breadcrumb name (raw: the title line makes it safe to draw).
    pub fn title(&self) -> String {
        self.organization
            .display_name
            .as_deref()
            .unwrap_or(&self.organization.name)
            .to_owned()
    }

    /// True while keys or people load or a change runs.
    pub fn busy(&self) -> bool {
        self.loading.is_some()
            || self.people.loading.is_some()
            || self.task.as_ref().is_some_and(Task::in_flight)
    }

    /// True while the secret, key-name or email prompt has the focus.
    pub fn typing(&self) -> bool {
        self.prompt.is_some() || self.naming.is_some() || self.people.adding.is_some()
    }

    /// The keymap context of the pane that shows.
    pub fn context(&self) -> Context {
        match self.pane {
            Pane::Keys => Context::Organization,
            Pane::People => Context::People,
        }
    }

    /// Commands that stop this screen's reads when it is left (changes finish on their own).
    pub fn cancel_all(self) -> Vec<Cmd> {
        self.loading
            .into_iter()
            .chain(self.people.loading)
            .map(|id| Cmd::Cancel { id })
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

    fn selected_key(&self) -> Option<&OrgKey> {
        self.keys.get(self.selected)
    }

    fn page_rows(ctx: &Ctx<'_>) -> usize {
        ctx.spacing
            .rows_fit(keys_area(ctx.body).height.saturating_sub(3))
    }

    /// Moves the selection of the pane that shows.
    fn select(&mut self, ctx: &Ctx<'_>, index: usize) {
        let rows = Self::page_rows(ctx);
        match self.pane {
            Pane::Keys => scroll_to(
                &mut self.selected,
                &mut self.offset,
                self.keys.len(),
                rows,
                index,
            ),
            Pane::People => {
                let len = self.people.len();
                scroll_to(
                    &mut self.people.selected,
                    &mut self.people.offset,
                    len,
                    rows,
                    index,
                );
            }
        }
    }

    /// The selected row of the pane that shows.
    fn selected_row(&self) -> usize {
        match self.pane {
            Pane::Keys => self.selected,
            Pane::People => self.people.selected,
        }
    }

    /// Keeps the selection in view after a resize.
    pub fn resized(&mut self, ctx: &mut Ctx<'_>) {
        self.select(ctx, self.selected_row());
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
            ConfirmKind::RemoveMember { email, .. } => {
                self.start_person(ctx, id, &email, "removing");
                ctx.cmd(Cmd::RemoveMember {
                    id,
                    organization_id: self.organization.id.clone(),
                    email,
                });
            }
            ConfirmKind::RevokeInvitation {
                invitation_id,
                email,
            } => {
                self.start_person(ctx, id, &email, "revoking the invitation for");
                ctx.cmd(Cmd::RevokeInvitation {
                    id,
                    organization_id: self.organization.id.clone(),
                    invitation_id,
                });
            }
            ConfirmKind::Invite { email } => {
                self.start_person(ctx, id, &email, "inviting");
                ctx.cmd(Cmd::Invite {
                    id,
                    organization_id: self.organization.id.clone(),
                    email,
                });
            }
            ConfirmKind::Quit { .. } | ConfirmKind::BulkRotate { .. } => {}
        }
    }
    /// Pasted text goes to the prompt that is open.
    pub fn paste(&mut self, text: &str) {
        if let Some(prompt) = self.prompt.as_mut() {
            prompt.input.paste(text);
        } else if let Some(naming) = self.naming.as_mut() {
            naming.paste(text);
        } else if let Some(adding) = self.people.adding.as_mut() {
            adding.paste(text);
        }
    }

    /// Esc: close a failed provisioning's report, else cancel a read, else go back.
    fn back(&mut self, ctx: &mut Ctx<'_>) {
        if self.task.as_ref().is_some_and(|t| !t.in_flight()) {
            // A failed provisioning's report is closed first.
            self.task = None;
        } else if let Some(id) = self.people.loading.take() {
            ctx.cmd(Cmd::Cancel { id });
            ctx.status(StatusKind::Info, "loading people cancelled");
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

    /// Tab: Keys ⇄ People; people load the first time they show.
    fn switch_pane(&mut self, ctx: &mut Ctx<'_>) {
        self.pane = match self.pane {
            Pane::Keys => Pane::People,
            Pane::People => Pane::Keys,
        };
        if self.pane == Pane::People
            && !self.people.loaded
            && self.people.loading.is_none()
            && self.people.load_error.is_none()
        {
            self.load_people(ctx);
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
                        format!("a key named {} exists: choose another name", name),
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
        // The screen's list already made the name unique. A list that did not load, or
        // is being read again (right after a provision it lacks the new key), leaves the
        // portal to read the names itself.
        let taken = (self.keys_loaded && self.loading.is_none())
            .then(|| self.keys.iter().map(|k| k.name.clone()).collect());
        ctx.cmd(Cmd::ProvisionKey {
            id,
            organization: self.organization.clone(),
            taken,
            name: Some(name),
        });
    }

    /// Handles a key.
    pub fn key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        if self.naming.is_some() {
            self.naming_key(ctx, event, action);
            return;
        }
        if self.people.adding.is_some() {
            self.adding_key(ctx, event, action);
            return;
        }
        if self.prompt.is_some() {
            self.prompt_key(ctx, event, action);
            return;
        }
        if self.pane == Pane::People {
            self.people_key(ctx, action);
            return;
        }
        self.keys_key(ctx, action);
    }

    /// Keys while the secret prompt is open: Enter fetches a test token, Esc cancels.
    fn prompt_key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
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
        }
    }

    /// Keys on the Keys pane.
    fn keys_key(&mut self, ctx: &mut Ctx<'_>, action: Option<KeyAction>) {
        let page = Self::page_rows(ctx);
        if let Some(to) = panel::moved(action, self.selected, page) {
            return self.select(ctx, to);
        }
        match action {
            Some(KeyAction::Reload) => self.reload(ctx),
            Some(KeyAction::Back) => self.back(ctx),
            Some(KeyAction::SwitchPane) => self.switch_pane(ctx),
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
        let at = self.selected_row();
        let (offset, len) = match self.pane {
            Pane::Keys => (self.offset, self.keys.len()),
            Pane::People => (self.people.offset, self.people.len()),
        };
        match event.kind {
            MouseEventKind::ScrollDown => self.select(ctx, at + 3),
            MouseEventKind::ScrollUp => self.select(ctx, at.saturating_sub(3)),
            MouseEventKind::Down(MouseButton::Left) => {
                let table = keys_area(ctx.body);
                let first = table.y + 2;
                if event.row >= first && event.row < table.bottom().saturating_sub(1) {
                    let index = offset + ctx.spacing.row_at(event.row - first);
                    if index < len {
                        self.select(ctx, index);
                    }
                }
            }
            _ => {}
        }
    }
}
