//! One organization: its details, its keys (provision, rotate, revoke and
//! test a key) and its people (members and invitations: add, invite, remove).

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};

use crate::portal::{
    Action, Invitation, InvitationSent, IssuedKey, Member, MemberAdded, NO_USER, OrgKey,
    Organization, PortalError, ProvisionProgress, ProvisionStep, ROTATION_UNKNOWN, Revoked,
    StepState, TokenRequest, default_key_name,
};
use crate::text::sanitize;
use crate::tui::ctx::{Ctx, Nav, Overlay, StatusKind, ViewCtx, describe};
use crate::tui::keymap::{Context, KeyAction};
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel::{self, Prompt};
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

/// The People pane: members, then pending invitations.
#[derive(Debug, Default)]
pub struct People {
    pub members: Vec<Member>,
    pub invitations: Vec<Invitation>,
    pub loaded: bool,
    pub loading: Option<RequestId>,
    pub load_error: Option<String>,
    /// Why invitations are not listed (a missing scope), when they are not.
    pub invitations_hidden: Option<String>,
    pub selected: usize,
    pub offset: usize,
    /// The email address `a` is about to add.
    pub adding: Option<TextInput>,
}

/// One row of the People pane.
#[derive(Debug, Clone, Copy)]
pub enum Person<'a> {
    Member(&'a Member),
    Invitation(&'a Invitation),
}

impl People {
    fn len(&self) -> usize {
        self.members.len() + self.invitations.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, index: usize) -> Option<Person<'_>> {
        match self.members.get(index) {
            Some(member) => Some(Person::Member(member)),
            None => self
                .invitations
                .get(index - self.members.len())
                .map(Person::Invitation),
        }
    }
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

    /// The breadcrumb name.
    pub fn title(&self) -> String {
        sanitize(
            self.organization
                .display_name
                .as_deref()
                .unwrap_or(&self.organization.name),
        )
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

    /// Loads the members and, when the admin app may read them, the invitations.
    fn load_people(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(id) = self.people.loading.take() {
            ctx.cmd(Cmd::Cancel { id });
        }
        self.people.load_error = None;
        if ctx.refuse(Action::Members) {
            return;
        }
        self.people.invitations_hidden = ctx.perms.why_not(Action::Invitations);
        let id = ctx.request_id();
        self.people.loading = Some(id);
        ctx.cmd(Cmd::ListPeople {
            id,
            organization_id: self.organization.id.clone(),
            invitations: self.people.invitations_hidden.is_none(),
        });
    }

    /// The members and invitations arrived.
    pub fn people_listed(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<(Vec<Member>, Vec<Invitation>), PortalError>,
    ) {
        if self.people.loading != Some(id) {
            return;
        }
        self.people.loading = None;
        match result {
            Ok((members, invitations)) => {
                let people = &mut self.people;
                people.members = members;
                people.invitations = invitations;
                people.loaded = true;
                let (len, index) = (people.len(), people.selected);
                scroll_to(
                    &mut people.selected,
                    &mut people.offset,
                    len,
                    Self::page_rows(ctx),
                    index,
                );
            }
            Err(error) => {
                self.people.load_error = Some(describe(&error));
                ctx.error("loading people failed", &error);
            }
        }
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

    /// The keys arrived.
    pub fn keys_listed(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Vec<OrgKey>, PortalError>,
    ) {
        if self.loading != Some(id) {
            return;
        }
        self.loading = None;
        match result {
            Ok(keys) => {
                self.keys = keys;
                self.keys_loaded = true;
                let (len, index) = (self.keys.len(), self.selected);
                scroll_to(
                    &mut self.selected,
                    &mut self.offset,
                    len,
                    Self::page_rows(ctx),
                    index,
                );
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
            Err(error) if error.code() == Some(ROTATION_UNKNOWN) => {
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

    fn start_person(&mut self, ctx: &mut Ctx<'_>, id: RequestId, email: &str, doing: &str) {
        self.task = Some(Task::Person {
            id,
            email: email.to_owned(),
        });
        ctx.status(StatusKind::Info, format!("{doing} {}…", sanitize(email)));
    }

    /// Ends the person change `id`, returning its email; `None` for a stale reply.
    fn person_done(&mut self, id: RequestId) -> Option<String> {
        match self.task.take() {
            Some(Task::Person { id: running, email }) if running == id => Some(email),
            other => {
                self.task = other;
                None
            }
        }
    }

    /// Adding a member answered; an address without a user is offered an invitation.
    pub fn member_added(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<MemberAdded, PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        let org = sanitize(&self.organization.name);
        match result {
            Ok(added) => {
                let who = sanitize(added.member.email.as_deref().unwrap_or(&email));
                if added.added {
                    ctx.status(StatusKind::Ok, format!("added {who} to {org}"));
                } else {
                    ctx.status(
                        StatusKind::Info,
                        format!("{who} already is a member of {org}"),
                    );
                }
                self.load_people(ctx);
            }
            Err(error) if error.code() == Some(NO_USER) => {
                if let Some(reason) = ctx.perms.why_not(Action::Invite) {
                    ctx.error(&format!("adding the member failed ({reason})"), &error);
                } else {
                    ctx.status(
                        StatusKind::Info,
                        format!("no user has {}: invite them? (y/n)", sanitize(&email)),
                    );
                    ctx.out.overlays.push(Overlay::Confirm(ConfirmOverlay::new(
                        ConfirmKind::Invite { email },
                    )));
                }
            }
            Err(error) => ctx.error("adding the member failed", &error),
        }
    }

    /// An invitation was sent (or a pending one found).
    pub fn invited(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<InvitationSent, PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        let who = sanitize(&email);
        match result {
            Ok(sent) => {
                let expires = sanitize(date(sent.invitation.expires_at.as_deref()));
                if !sent.created {
                    ctx.status(
                        StatusKind::Info,
                        format!("{who} already has a pending invitation (expires {expires})"),
                    );
                } else {
                    let how = if sent.email_sent {
                        "Auth0 emailed it"
                    } else {
                        "no email sent: share the invitation link"
                    };
                    ctx.status(
                        StatusKind::Ok,
                        format!("invited {who}: expires {expires} ({how})"),
                    );
                }
                self.load_people(ctx);
            }
            Err(error) => ctx.error("inviting failed", &error),
        }
    }

    /// Removing a member answered.
    pub fn member_removed(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Member, PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        match result {
            Ok(_) => {
                ctx.status(
                    StatusKind::Ok,
                    format!(
                        "removed {} from {}",
                        sanitize(&email),
                        sanitize(&self.organization.name)
                    ),
                );
                self.load_people(ctx);
            }
            Err(error) => ctx.error("removing the member failed", &error),
        }
    }

    /// Revoking an invitation answered.
    pub fn invitation_revoked(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<(), PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        match result {
            Ok(()) => {
                ctx.status(
                    StatusKind::Ok,
                    format!("revoked the invitation for {}", sanitize(&email)),
                );
                self.load_people(ctx);
            }
            Err(error) => ctx.error("revoking the invitation failed", &error),
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

    /// Keys while the email prompt is open: Enter adds, Esc cancels.
    fn adding_key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        let Some(adding) = self.people.adding.as_mut() else {
            return;
        };
        match action {
            Some(KeyAction::Back) => self.people.adding = None,
            Some(KeyAction::Submit) => {
                let email = adding.value().trim().to_owned();
                if !looks_like_email(&email) {
                    ctx.status(
                        StatusKind::Error,
                        format!("{:?} is not an email address", sanitize(&email)),
                    );
                } else if self.task.as_ref().is_some_and(Task::in_flight) {
                    ctx.status(StatusKind::Error, "another change is still running");
                } else {
                    self.people.adding = None;
                    let id = ctx.request_id();
                    self.start_person(ctx, id, &email, "adding");
                    ctx.cmd(Cmd::AddMember {
                        id,
                        organization_id: self.organization.id.clone(),
                        email,
                    });
                }
            }
            _ => {
                adding.handle_key(event);
            }
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

    /// Keys on the People pane.
    fn people_key(&mut self, ctx: &mut Ctx<'_>, action: Option<KeyAction>) {
        let page = Self::page_rows(ctx);
        let at = self.people.selected;
        match action {
            Some(KeyAction::Up) => self.select(ctx, at.saturating_sub(1)),
            Some(KeyAction::Down) => self.select(ctx, at + 1),
            Some(KeyAction::PageUp) => self.select(ctx, at.saturating_sub(page)),
            Some(KeyAction::PageDown) => self.select(ctx, at + page),
            Some(KeyAction::Home) => self.select(ctx, 0),
            Some(KeyAction::End) => self.select(ctx, usize::MAX),
            Some(KeyAction::Reload) => self.load_people(ctx),
            Some(KeyAction::Back) => self.back(ctx),
            Some(KeyAction::SwitchPane) => self.switch_pane(ctx),
            Some(KeyAction::AddPerson) => {
                if self.task.as_ref().is_some_and(Task::in_flight) {
                    ctx.status(StatusKind::Error, "another change is still running");
                } else if !ctx.refuse(Action::AddMember) {
                    self.people.adding = Some(TextInput::default());
                }
            }
            Some(KeyAction::RemovePerson) => {
                let kind = match self.people.get(self.people.selected) {
                    None => {
                        ctx.status(StatusKind::Info, "no one selected");
                        return;
                    }
                    Some(Person::Member(member)) => {
                        if ctx.refuse(Action::RemoveMember) {
                            return;
                        }
                        let Some(email) = member.email.clone() else {
                            ctx.status(
                                StatusKind::Error,
                                "this member has no email address: remove them in the Auth0 Dashboard",
                            );
                            return;
                        };
                        ConfirmKind::RemoveMember {
                            email,
                            user_id: member.user_id.clone(),
                        }
                    }
                    Some(Person::Invitation(invitation)) => {
                        if ctx.refuse(Action::RevokeInvitation) {
                            return;
                        }
                        ConfirmKind::RevokeInvitation {
                            invitation_id: invitation.id.clone(),
                            email: invitation.email.clone(),
                        }
                    }
                };
                ctx.out
                    .overlays
                    .push(Overlay::Confirm(ConfirmOverlay::new(kind)));
            }
            _ => {}
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
        if self.people.adding.is_some() {
            self.adding_key(ctx, event, action);
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
        if self.pane == Pane::People {
            self.people_key(ctx, action);
            return;
        }
        let page = Self::page_rows(ctx);
        match action {
            Some(KeyAction::Up) => self.select(ctx, self.selected.saturating_sub(1)),
            Some(KeyAction::Down) => self.select(ctx, self.selected + 1),
            Some(KeyAction::PageUp) => self.select(ctx, self.selected.saturating_sub(page)),
            Some(KeyAction::PageDown) => self.select(ctx, self.selected + page),
            Some(KeyAction::Home) => self.select(ctx, 0),
            Some(KeyAction::End) => self.select(ctx, usize::MAX),
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
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(self.tabs(vc));
        let (shown, message) = match self.pane {
            Pane::Keys => self.draw_keys(vc, frame, table_rect, block),
            Pane::People => self.draw_people(vc, frame, table_rect, block),
        };
        // Below the rows shown (a reload keeps the old rows), never over one.
        let row = (table_rect.y + 2).saturating_add(vc.spacing.rows_height(shown));
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
        if let Some(adding) = &self.people.adding {
            draw_adding(vc, frame, area, adding);
        }
    }

    /// The table's title: the two panes as tabs, the one showing highlighted.
    fn tabs(&self, vc: &ViewCtx<'_>) -> Line<'static> {
        let theme = vc.theme;
        let keys = if self.keys_loaded {
            format!(" Keys ({}) ", self.keys.len())
        } else {
            " Keys ".to_owned()
        };
        let people = if self.people.loaded {
            format!(" People ({}) ", self.people.len())
        } else {
            " People ".to_owned()
        };
        let style = |pane| {
            if self.pane == pane {
                theme.title
            } else {
                theme.muted
            }
        };
        Line::from(vec![
            Span::styled(keys, style(Pane::Keys)),
            Span::styled("│", theme.border),
            Span::styled(people, style(Pane::People)),
        ])
    }

    /// The keys table; returns the rows drawn and the line to show under them.
    fn draw_keys(
        &self,
        vc: &ViewCtx<'_>,
        frame: &mut Frame,
        table_rect: Rect,
        block: Block<'static>,
    ) -> (usize, Option<Line<'static>>) {
        let theme = vc.theme;
        let area_rows = vc.spacing.rows_fit(table_rect.height.saturating_sub(3));
        let rows = self.keys.iter().skip(self.offset).take(area_rows).map(|k| {
            Row::new(vec![
                Line::styled(sanitize(&k.name), theme.text),
                Line::styled(sanitize(&k.client_id), theme.muted),
                Line::styled(sanitize(&k.scope.join(" ")), theme.text),
                Line::styled(sanitize(date(k.created_at.as_deref())), theme.muted),
            ])
            .bottom_margin(vc.spacing.row_gap)
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
        .block(block);
        let selection = (!self.keys.is_empty()).then_some((self.selected, self.offset));
        let header = Row::new(vec!["Name", "Client id", "Scopes", "Created"]);
        panel::table(frame, table_rect, theme, table, header, selection);
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
        let shown = self.keys.len().saturating_sub(self.offset).min(area_rows);
        (shown, message)
    }

    /// The people table: members, then pending invitations.
    fn draw_people(
        &self,
        vc: &ViewCtx<'_>,
        frame: &mut Frame,
        table_rect: Rect,
        block: Block<'static>,
    ) -> (usize, Option<Line<'static>>) {
        let theme = vc.theme;
        let people = &self.people;
        let area_rows = vc.spacing.rows_fit(table_rect.height.saturating_sub(3));
        let rows = (people.offset..people.len())
            .take(area_rows)
            .filter_map(|i| people.get(i))
            .map(|person| {
                match person {
                    Person::Member(m) => Row::new(vec![
                        Line::styled(sanitize(m.email.as_deref().unwrap_or("—")), theme.text),
                        Line::styled(sanitize(m.name.as_deref().unwrap_or("")), theme.text),
                        Line::styled(sanitize(&m.user_id), theme.muted),
                    ]),
                    Person::Invitation(i) => Row::new(vec![
                        Line::styled(sanitize(&i.email), theme.text),
                        Line::styled("invited", theme.warn),
                        Line::styled(
                            format!("expires {}", sanitize(date(i.expires_at.as_deref()))),
                            theme.muted,
                        ),
                    ]),
                }
                .bottom_margin(vc.spacing.row_gap)
            });
        let table = Table::new(
            rows,
            [
                Constraint::Fill(2),
                Constraint::Fill(1),
                Constraint::Length(30),
            ],
        )
        .column_spacing(2)
        .block(block);
        let selection = (!people.is_empty()).then_some((people.selected, people.offset));
        let header = Row::new(vec!["Email", "Name", "User id / invitation"]);
        panel::table(frame, table_rect, theme, table, header, selection);
        let message = if people.loading.is_some() {
            Some(Line::styled(
                format!("{} loading people…", vc.spinner()),
                theme.warn,
            ))
        } else if let Some(error) = &people.load_error {
            Some(Line::styled(format!("✗ {error} (R retries)"), theme.error))
        } else if people.loaded && people.is_empty() {
            let text = if vc.perms.why_not(Action::AddMember).is_some() {
                "No members or invitations yet."
            } else {
                "No members or invitations yet: a adds someone by email."
            };
            Some(Line::styled(text, theme.muted))
        } else {
            people
                .invitations_hidden
                .as_ref()
                .filter(|_| people.loaded)
                .map(|reason| {
                    Line::styled(format!("Invitations not listed: {reason}"), theme.muted)
                })
        };
        let shown = people.len().saturating_sub(people.offset).min(area_rows);
        (shown, message)
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
    let state = |step| steps.iter().find(|(s, _)| *s == step).map(|(_, st)| *st);
    let shown: Vec<panel::Step> = [
        ProvisionStep::CreateClient,
        ProvisionStep::CreateGrant,
        ProvisionStep::LinkGrant,
        ProvisionStep::Rollback,
    ]
    .into_iter()
    .filter(|step| *step != ProvisionStep::Rollback || state(*step).is_some())
    .map(|step| (step_label(step), state(step)))
    .collect();
    let failure = failure.map(|error| {
        let mut extra = Vec::new();
        if state(ProvisionStep::Rollback) == Some(StepState::Done) {
            extra.push(Line::styled(
                "Rolled back: the new client was deleted, nothing is left over.",
                vc.theme.ok,
            ));
        }
        (error, extra)
    });
    panel::steps(
        vc,
        frame,
        area,
        "Provisioning a key",
        &shown,
        failure,
        "Provisioning… a change is not stopped half-way.",
    );
}

fn draw_prompt(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, prompt: &SecretPrompt) {
    let theme = vc.theme;
    let intro = vec![
        Line::from(vec![
            Span::styled("Key ", theme.muted),
            Span::styled(sanitize(&prompt.name), theme.text),
            Span::styled(format!("  {}", sanitize(&prompt.client_id)), theme.muted),
        ]),
        Line::styled(
            "The secret is not kept after it was shown; paste or type it.",
            theme.muted,
        ),
    ];
    panel::prompt(
        vc,
        frame,
        area,
        Prompt {
            title: "Test token",
            intro,
            label: "Client secret",
            input: &prompt.input,
            hint: "Enter fetches a test token · Esc cancels",
            error: None,
            padding: 1,
        },
    );
}

fn draw_naming(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, naming: &TextInput) {
    let theme = vc.theme;
    let intro = vec![
        Line::styled(
            "A new client, its grant and the link to this organization.",
            theme.muted,
        ),
        Line::styled("Key names are unique in an organization.", theme.muted),
    ];
    panel::prompt(
        vc,
        frame,
        area,
        Prompt {
            title: "New key",
            intro,
            label: "Name",
            input: naming,
            hint: "Enter provisions · Esc cancels",
            error: None,
            padding: 0,
        },
    );
}

fn draw_adding(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, adding: &TextInput) {
    let theme = vc.theme;
    let intro = vec![
        Line::styled(
            "The user with this email address joins the organization.",
            theme.muted,
        ),
        Line::styled(
            "No user has it? You are offered an invitation instead.",
            theme.muted,
        ),
    ];
    let value = adding.value().trim();
    let error = (!value.is_empty() && value.contains(char::is_whitespace))
        .then_some("an email address has no spaces");
    panel::prompt(
        vc,
        frame,
        area,
        Prompt {
            title: "Add a member",
            intro,
            label: "Email",
            input: adding,
            hint: "Enter adds · Esc cancels",
            error,
            padding: 0,
        },
    );
}

/// The keys table's rectangle inside the body (shared by drawing and mouse hits).
pub fn keys_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(4), Constraint::Min(1)]).areas::<2>(body)[1]
}
