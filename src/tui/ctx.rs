//! What screens and widgets share with the app: the context they update in
//! (`Ctx`, and the `Outbox` of what they ask for), the context they draw in
//! (`ViewCtx`), and the words both use (`TenantView`, `Permissions`, `Status`, `Nav`,
//! `Overlay`). Screens and widgets import this and `msg`, never `app`.

use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::layout::Rect;

use crate::config::Settings;
use crate::portal::{Action, Organization, PortalError, SignIn, TokenRequest};
use crate::tui::TuiOptions;
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::theme::{Spacing, Theme};
use crate::tui::widgets::confirm::ConfirmOverlay;
use crate::tui::widgets::device::DeviceOverlay;
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::help::HelpOverlay;
use crate::tui::widgets::profiles::ProfilePicker;
use crate::tui::widgets::reveal::RevealOverlay;

/// The tenant as the screens show it: its name, audience and token request (the
/// Auth0 tenant itself, its domain and credentials, is `auth0::Tenant`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantView {
    pub base_url: String,
    pub name: String,
    pub audience: String,
    pub sandbox: bool,
    /// How a customer's service asks for tokens (the reveal's snippets).
    pub token_request: crate::portal::snippets::ServiceConfig,
    /// Days after which the key inventory calls a key stale (`stale_days` in config.toml).
    pub stale_days: u64,
}

impl TenantView {
    /// The tenant as the screens name it, from the settings of a profile.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            base_url: settings.base_url.clone(),
            name: settings.tenant_name().to_owned(),
            audience: settings.api_audience.clone(),
            sandbox: settings.sandbox,
            token_request: crate::portal::snippets::ServiceConfig::from_settings(settings),
            stale_days: settings.stale_days,
        }
    }

    /// The token endpoint, for the copied curl command and `.env` snippet (discovery's
    /// once it has been read, Auth0's path until then).
    pub fn token_endpoint(&self) -> String {
        self.token_request.token_endpoint.clone()
    }
}

/// What the signed-in admin app may do.
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    pub read_only: bool,
    pub sign_in: Option<SignIn>,
}

impl Permissions {
    /// Why an action is not available, in the user's words; `None` when it is.
    pub fn why_not(&self, action: Action) -> Option<String> {
        let reads = [
            Action::ListOrganizations,
            Action::ListKeys,
            Action::Members,
            Action::Invitations,
        ];
        if self.read_only && !reads.contains(&action) {
            return Some("read-only mode: changes are disabled".to_owned());
        }
        let missing = self.sign_in.as_ref()?.missing.get(&action)?;
        Some(format!(
            "{} needs scope {}",
            action.label(),
            missing.join(", ")
        ))
    }
}

/// What onboarding may need: find or create the organization, add or invite
/// the person, provision the key.
pub const ONBOARD_NEEDS: [Action; 7] = [
    Action::ListOrganizations,
    Action::CreateOrganization,
    Action::Members,
    Action::AddMember,
    Action::Invite,
    Action::ListKeys,
    Action::ProvisionKey,
];

impl Permissions {
    /// Why one of these actions is not available (the first that is not).
    pub fn why_not_all(&self, actions: &[Action]) -> Option<String> {
        actions.iter().find_map(|a| self.why_not(*a))
    }
}

/// How a status message reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

/// The last action's result, shown in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

impl Status {
    /// A status message, made safe to draw here (the status line's edge): callers put
    /// tenant text (names, emails, Auth0's messages) in it raw.
    pub fn new(kind: StatusKind, text: impl AsRef<str>) -> Self {
        Self {
            kind,
            text: crate::text::sanitize(text.as_ref()),
        }
    }
}

/// A screen asks the app to go somewhere.
pub enum Nav {
    OpenOrganization(Organization),
    /// The tenant's key inventory.
    OpenKeys,
    Back,
    Quit,
}

/// An overlay on top of the screen; the top one gets the keys.
pub enum Overlay {
    Help(HelpOverlay),
    Error(ErrorOverlay),
    Confirm(ConfirmOverlay),
    Reveal(RevealOverlay),
    Device(DeviceOverlay),
    Profiles(ProfilePicker),
}

/// What a screen's update asks of the app besides changing its own state.
#[derive(Default)]
pub struct Outbox {
    pub cmds: Vec<Cmd>,
    pub status: Option<Status>,
    pub nav: Option<Nav>,
    pub overlays: Vec<Overlay>,
    /// Start a test token request (answered to the app, shown in the inspector).
    pub token: Option<(TokenRequest, Option<Organization>)>,
}

/// What screens may read and ask for while updating.
pub struct Ctx<'a> {
    pub perms: &'a Permissions,
    pub tenant: &'a TenantView,
    /// The area the screen's body is drawn in (for paging and mouse hits).
    pub body: Rect,
    /// How far apart table rows are (paging and mouse hits follow it).
    pub spacing: Spacing,
    /// The wall clock of the last tick (update stays pure).
    pub now: SystemTime,
    next_id: &'a mut u64,
    pub out: Outbox,
}

impl<'a> Ctx<'a> {
    /// A context with an empty outbox; `next_id` is the app's request counter.
    pub(crate) fn new(
        perms: &'a Permissions,
        tenant: &'a TenantView,
        body: Rect,
        spacing: Spacing,
        now: SystemTime,
        next_id: &'a mut u64,
    ) -> Self {
        Self {
            perms,
            tenant,
            body,
            spacing,
            now,
            next_id,
            out: Outbox::default(),
        }
    }

    /// A fresh request id.
    pub fn request_id(&mut self) -> RequestId {
        *self.next_id += 1;
        RequestId(*self.next_id)
    }

    /// Queues a command.
    pub fn cmd(&mut self, cmd: Cmd) {
        self.out.cmds.push(cmd);
    }

    /// Sets the status line; tenant text in it is made safe (see `Status::new`).
    pub fn status(&mut self, kind: StatusKind, text: impl AsRef<str>) {
        let status = Status::new(kind, text);
        if kind == StatusKind::Error {
            // The status line may cut it; the log keeps it whole.
            tracing::warn!(target: "m2m_portal::tui", "{}", status.text);
        }
        self.out.status = Some(status);
    }

    /// Reports an error in the status line (with Auth0's code and the hint).
    pub fn error(&mut self, what: &str, error: &PortalError) {
        self.status(StatusKind::Error, format!("{what}: {}", describe(error)));
    }

    /// True (and says why in the status line) when the action may not be done.
    pub fn refuse(&mut self, action: Action) -> bool {
        match self.perms.why_not(action) {
            Some(reason) => {
                self.status(StatusKind::Error, reason);
                true
            }
            None => false,
        }
    }
}

/// One line for an error: message, Auth0's code, and the hint.
pub fn describe(error: &PortalError) -> String {
    let mut text = crate::text::sanitize(&error.to_string());
    if let Some(hint) = error.hint() {
        text.push_str(" — ");
        text.push_str(&crate::text::sanitize(hint));
    }
    text
}

/// What the views may read.
pub struct ViewCtx<'a> {
    pub theme: &'a Theme,
    /// Presenter mode's roomier tables and panels.
    pub spacing: Spacing,
    pub options: &'a TuiOptions,
    pub perms: &'a Permissions,
    pub tenant: &'a TenantView,
    pub now: SystemTime,
    pub frame: u64,
}

impl ViewCtx<'_> {
    /// The spinner's current frame.
    pub fn spinner(&self) -> &'static str {
        const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        FRAMES[(self.frame % 10) as usize]
    }
}

/// Whole seconds since the epoch.
pub fn whole_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Seconds left until `at`, counted on the wall clock's whole seconds (so every countdown
/// on screen changes on the same beat); `None` once the last second has begun.
pub fn countdown_secs(at: SystemTime, now: SystemTime) -> Option<u64> {
    Some(whole_secs(at).saturating_sub(whole_secs(now))).filter(|&left| left > 0)
}
