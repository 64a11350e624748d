//! The model, the messages, the commands and the pure `update`/`view`.
//!
//! `update` does no I/O: it changes the model and returns commands; the
//! effect runner (`effects.rs`) performs them and answers with messages.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyEvent, KeyEventKind, MouseEventKind};
use ratatui::layout::{Constraint, Layout, Rect};

use crate::config::Settings;
use crate::portal::{Action, Organization};
use crate::tui::TuiOptions;
use crate::tui::ctx::whole_secs;
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::screens::keys::KeysScreen;
use crate::tui::screens::organization::OrganizationScreen;
use crate::tui::screens::organizations::OrganizationsScreen;
use crate::tui::screens::signin::SignInScreen;
use crate::tui::screens::token::TokenScreen;
use crate::tui::theme::{Spacing, Theme};
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOutcome, ConfirmOverlay};
use crate::tui::widgets::device::DeviceOverlay;
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::help::HelpOverlay;
use crate::tui::widgets::profiles::ProfilePicker;
use crate::tui::widgets::reveal::{RevealOutcome, RevealOverlay};

// The vocabulary lives in `msg` and `ctx`; these names stay reachable from `app`
// for the app's users (the loop, the effect runner's callers, the tests).
pub use crate::tui::ctx::{
    Ctx, Nav, ONBOARD_NEEDS, Outbox, Overlay, Permissions, Status, StatusKind, Tenant, ViewCtx,
    countdown_secs, describe,
};
pub use crate::tui::msg::{
    Cmd, CopyReport, Credentials, DeviceCode, Msg, OperatorSession, ProfileLoad, RequestId,
};
pub use crate::tui::view::view;

/// The smallest terminal the screens are laid out for.
pub const MIN_WIDTH: u16 = 60;
/// The smallest terminal height the screens are laid out for.
pub const MIN_HEIGHT: u16 = 16;

/// The operator's sign-in and what the app has done about its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorState {
    pub session: OperatorSession,
    /// A renewal in flight.
    pub renewing: Option<RequestId>,
    /// The "ends soon" warning was shown.
    pub warned: bool,
    /// The "has ended" message was shown.
    pub ended: bool,
}

impl OperatorState {
    fn new(session: OperatorSession) -> Self {
        Self {
            session,
            renewing: None,
            warned: false,
            ended: false,
        }
    }
}

/// Renew a refreshable sign-in this long before it runs out (the runner renews
/// within its own, wider, margin).
pub const RENEW_AHEAD: Duration = Duration::from_secs(5);

/// Which screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    SignIn,
    Organizations,
    Organization,
    Token,
    /// The tenant's key inventory.
    Keys,
}

/// The whole state of the app.
pub struct Model {
    pub options: TuiOptions,
    pub theme: Theme,
    /// Presenter mode's roomier tables and panels.
    pub spacing: Spacing,
    pub tenant: Tenant,
    pub perms: Permissions,
    pub route: Route,
    pub signin: SignInScreen,
    pub organizations: Option<OrganizationsScreen>,
    pub organization: Option<OrganizationScreen>,
    pub token: Option<TokenScreen>,
    /// The key inventory, while it is open (organizations opened from it go back to it).
    pub keys: Option<KeysScreen>,
    pub overlays: Vec<Overlay>,
    pub status: Option<Status>,
    /// The pending test token request, if any (answered to the inspector).
    pub token_pending: Option<(RequestId, Option<Organization>)>,
    pub clipboard_clears_at: Option<SystemTime>,
    /// Until when a request waits for Auth0's rate limit (the status line counts down).
    pub rate_limited_until: Option<SystemTime>,
    pub size: Rect,
    pub now: SystemTime,
    pub frame: u64,
    pub quit: bool,
    /// The operator signed in as themselves (device flow or a saved sign-in).
    pub operator: Option<OperatorState>,
    /// The profile in use (`None`: the top level of `config.toml` and `.env`).
    pub profile: Option<String>,
    /// The command line's flags; a profile's own flags add to them.
    pub launch_options: TuiOptions,
    /// A display exists, so `o` may open the sign-in page in a browser.
    pub can_open_browser: bool,
    /// A profile switch asked for and not answered yet.
    pub switching: Option<(RequestId, String)>,
    next_id: u64,
}

/// The command line's options with a profile's `read_only`/`presenter` added.
fn options_for(launch: TuiOptions, settings: &Settings) -> TuiOptions {
    TuiOptions {
        read_only: launch.read_only || settings.read_only,
        presenter: launch.presenter || settings.presenter,
        ..launch
    }
}

impl Model {
    /// A fresh app on the sign-in screen.
    pub fn new(settings: &Settings, launch: TuiOptions, size: Rect, now: SystemTime) -> Self {
        let options = options_for(launch, settings);
        Self {
            theme: Theme::named(crate::tui::theme::pick(
                options.theme,
                options.no_color,
                options.presenter,
            )),
            spacing: Spacing::new(options.presenter),
            perms: Permissions {
                read_only: options.read_only,
                sign_in: None,
            },
            tenant: Tenant::from_settings(settings),
            route: Route::SignIn,
            signin: SignInScreen::new(settings),
            organizations: None,
            organization: None,
            token: None,
            keys: None,
            overlays: Vec::new(),
            status: None,
            token_pending: None,
            clipboard_clears_at: None,
            rate_limited_until: None,
            size,
            now,
            frame: 0,
            quit: false,
            operator: None,
            profile: settings.profile.clone(),
            launch_options: launch,
            can_open_browser: false,
            switching: None,
            next_id: 0,
            options,
        }
    }

    /// A sign-in saved by an earlier run (`m2m-portal login` or the TUI) was found.
    pub fn operator_restored(&mut self, session: OperatorSession) {
        self.operator = Some(OperatorState::new(session));
    }

    /// When the operator's sign-in next needs attention (renewal, warning, end).
    fn operator_due(&self) -> Option<Duration> {
        let state = self.operator.as_ref()?;
        if state.renewing.is_some() || state.ended {
            return None;
        }
        let at = state.session.expires_at;
        let ahead = if state.session.refreshable {
            RENEW_AHEAD
        } else if !state.warned {
            crate::portal::login::EXPIRY_WARNING
        } else {
            Duration::ZERO
        };
        let when = at.checked_sub(ahead).unwrap_or(at);
        Some(when.duration_since(self.now).unwrap_or(Duration::ZERO))
    }

    /// True while a request is in flight (a spinner shows).
    pub fn busy(&self) -> bool {
        self.signin.busy()
            || self
                .organizations
                .as_ref()
                .is_some_and(OrganizationsScreen::busy)
            || self
                .organization
                .as_ref()
                .is_some_and(OrganizationScreen::busy)
            || self.keys.as_ref().is_some_and(KeysScreen::busy)
            || self.token_pending.is_some()
            || self.switching.is_some()
    }

    /// How long a request still waits for Auth0's rate limit, if one does.
    pub fn rate_limit_wait(&self) -> Option<Duration> {
        self.rate_limited_until
            .and_then(|until| until.duration_since(self.now).ok())
            .filter(|left| !left.is_zero())
    }

    /// How often to tick, if anything animates; `None` means idle (no redraws).
    pub fn tick_interval(&self) -> Option<Duration> {
        if self.busy() || self.rate_limit_wait().is_some() {
            return Some(Duration::from_millis(100));
        }
        let counting = self.clipboard_clears_at.is_some_and(|at| at > self.now)
            || (self.route == Route::Token
                && self
                    .token
                    .as_ref()
                    .is_some_and(|t| t.expires_after(self.now)))
            || self.device_counting();
        // Every countdown shows whole seconds of the wall clock: wake just after the next
        // one starts (a few ms late, so the clock read on waking is surely past it).
        let animation = counting.then(|| {
            let into_second = self
                .now
                .duration_since(UNIX_EPOCH)
                .map_or(Duration::ZERO, |d| {
                    Duration::from_nanos(u64::from(d.subsec_nanos()))
                });
            Duration::from_secs(1) - into_second + Duration::from_millis(5)
        });
        match (animation, self.operator_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A device sign-in overlay is counting down to its code's expiry.
    fn device_counting(&self) -> bool {
        self.overlays
            .iter()
            .any(|o| matches!(o, Overlay::Device(d) if d.in_flight()))
    }

    /// What the passing of time alone can change on screen: the spinner's frame while
    /// something is in flight, the tenth of a second of a rate-limit wait, and the
    /// wall-clock second while a countdown is shown (the clipboard's, the token
    /// inspector's, the device code's, the quit dialog's; all in whole seconds of the wall
    /// clock, see `countdown_secs`), plus what a tick may say (the status line, the
    /// operator's sign-in ending). A tick that leaves it alone draws nothing.
    pub fn clock_face(&self) -> ClockFace {
        let counting =
            (self.route == Route::Token && self.token.is_some()) || self.device_counting();
        ClockFace {
            spinner: self.busy().then_some(self.frame % 10),
            clipboard: self
                .clipboard_clears_at
                .and_then(|at| countdown_secs(at, self.now)),
            second: counting.then(|| whole_secs(self.now)),
            rate_wait: self.rate_limit_wait().map(|w| w.as_millis() / 100),
            status: self.status.clone(),
            operator: self.operator.as_ref().map(|o| (o.warned, o.ended)),
        }
    }

    /// True when a client secret is on screen (quitting asks first).
    pub fn secret_on_screen(&self) -> bool {
        self.overlays
            .iter()
            .any(|o| matches!(o, Overlay::Reveal(_)))
    }

    /// The keymap context that has the keys now, and whether global keys apply.
    pub fn context(&self) -> (Context, bool) {
        match self.overlays.last() {
            Some(Overlay::Help(_)) => (Context::Help, true),
            Some(Overlay::Reveal(reveal)) if !reveal.asking() => (Context::Reveal, true),
            Some(Overlay::Error(_)) => (Context::Help, true),
            Some(Overlay::Device(_)) => (Context::Device, false),
            Some(Overlay::Profiles(_)) => (Context::Profiles, false),
            Some(_) => (Context::Input, false),
            None => match self.route {
                Route::SignIn => (Context::SignIn, false),
                Route::Organizations => match &self.organizations {
                    Some(screen) if screen.typing() => (Context::Input, false),
                    _ => (Context::Organizations, true),
                },
                Route::Organization => match &self.organization {
                    Some(screen) if screen.typing() => (Context::Input, false),
                    Some(screen) => (screen.context(), true),
                    None => (Context::Organization, true),
                },
                Route::Token => (Context::Token, true),
                Route::Keys => match &self.keys {
                    Some(screen) if screen.typing() => (Context::Input, false),
                    _ => (Context::Keys, true),
                },
            },
        }
    }

    /// Whether an action is disabled here, and why (for the footer and help).
    pub fn disabled(&self, action: KeyAction) -> Option<String> {
        let needs = match action {
            KeyAction::NewOrganization => Action::CreateOrganization,
            KeyAction::Provision => Action::ProvisionKey,
            KeyAction::Rotate => Action::RotateSecret,
            KeyAction::Revoke => Action::RevokeKey,
            KeyAction::AddPerson => Action::AddMember,
            KeyAction::KeyInventory => Action::ListKeys,
            KeyAction::Onboard => return self.perms.why_not_all(&ONBOARD_NEEDS),
            KeyAction::OpenBrowser if !self.can_open_browser => {
                return Some("no display here: open the page on another device".to_owned());
            }
            // `d` removes a member or revokes an invitation: off only when neither works.
            KeyAction::RemovePerson => {
                return self
                    .perms
                    .why_not(Action::RevokeInvitation)
                    .and(self.perms.why_not(Action::RemoveMember));
            }
            _ => return None,
        };
        self.perms.why_not(needs)
    }

    /// The screen's keymap context, under any overlay and whether or not a field
    /// has the keys (the help lists it first).
    pub fn screen_context(&self) -> Context {
        match self.route {
            Route::SignIn => Context::SignIn,
            Route::Organizations => Context::Organizations,
            Route::Organization => self
                .organization
                .as_ref()
                .map_or(Context::Organization, |s| s.context()),
            Route::Token => Context::Token,
            Route::Keys => Context::Keys,
        }
    }

    fn body_area(&self) -> Rect {
        layout(self.size)[1]
    }
}

/// Splits the terminal into title, body, status line and footer.
pub fn layout(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// What one message did: the commands for the effect runner, and whether the screen
/// must be drawn again.
#[derive(Debug)]
pub struct Step {
    pub cmds: Vec<Cmd>,
    pub redraw: bool,
}

/// What the passing of time alone can change on screen (see [`Model::clock_face`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFace {
    spinner: Option<u64>,
    clipboard: Option<u64>,
    second: Option<u64>,
    rate_wait: Option<u128>,
    status: Option<Status>,
    operator: Option<(bool, bool)>,
}

/// The loop's view of `update`: sets the clock to `now`, applies `msg`, and says whether
/// anything visible may have changed. Every message but a tick may change the screen; a
/// tick only when the clock face does (`Model::clock_face`), so an idle screen is never
/// redrawn and a countdown at most once a second, however often ticks come.
pub fn step(model: &mut Model, msg: Msg, now: SystemTime) -> Step {
    let tick = matches!(msg, Msg::Tick(_));
    let before = model.clock_face();
    model.now = now;
    let cmds = update(model, msg);
    let redraw = !tick || model.clock_face() != before;
    Step { cmds, redraw }
}

/// The one place state changes. No I/O: returns the commands to run.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let body = model.body_area();
    let mut ctx = Ctx::new(
        &model.perms,
        &model.tenant,
        body,
        model.spacing,
        model.now,
        &mut model.next_id,
    );
    match msg {
        Msg::Key(event) => {
            if event.kind != KeyEventKind::Press {
                return Vec::new();
            }
            if keymap::is_interrupt(&event) {
                model.quit = true;
                return Vec::new();
            }
            drop(ctx);
            return on_key(model, event);
        }
        Msg::Paste(text) => {
            drop(ctx);
            return on_paste(model, &text);
        }
        Msg::Mouse(event) => {
            if !model.overlays.is_empty() {
                return Vec::new();
            }
            match model.route {
                Route::Organizations => {
                    if let Some(s) = model.organizations.as_mut() {
                        s.mouse(&mut ctx, event);
                    }
                }
                Route::Organization => {
                    if let Some(s) = model.organization.as_mut() {
                        s.mouse(&mut ctx, event);
                    }
                }
                Route::Token => {
                    if let Some(s) = model.token.as_mut() {
                        match event.kind {
                            MouseEventKind::ScrollDown => s.scroll_by(3),
                            MouseEventKind::ScrollUp => s.scroll_by(-3),
                            _ => {}
                        }
                    }
                }
                Route::SignIn | Route::Keys => {}
            }
        }
        Msg::Resize(width, height) => {
            model.size = Rect::new(0, 0, width, height);
            ctx.body = layout(model.size)[1];
            if let Some(s) = model.organizations.as_mut() {
                s.resized(&mut ctx);
            }
            if let Some(s) = model.organization.as_mut() {
                s.resized(&mut ctx);
            }
            if let Some(s) = model.keys.as_mut() {
                s.resized(&ctx);
            }
        }
        Msg::Tick(now) => {
            model.now = now;
            model.frame = model.frame.wrapping_add(1);
            if model.clipboard_clears_at.is_some_and(|at| at <= now) {
                model.clipboard_clears_at = None;
            }
            if let Some(state) = model.operator.as_mut() {
                operator_due(state, &mut ctx, now);
            }
            if model.rate_limited_until.is_some_and(|at| at <= now) {
                model.rate_limited_until = None;
            }
        }
        Msg::RateLimited { wait } => model.rate_limited_until = Some(model.now + wait),
        Msg::SignedIn {
            id,
            credentials,
            result,
        } => {
            if let Some(sign_in) = model.signin.signed_in(&mut ctx, id, result) {
                let out = std::mem::take(&mut ctx.out);
                drop(ctx);
                model.tenant.base_url = credentials.base_url;
                model.tenant.name = crate::text::sanitize(&sign_in.tenant);
                let scope_check = !sign_in.missing.is_empty();
                let allowed = Action::ALL.len() - sign_in.missing.len();
                model.perms.sign_in = Some(sign_in);
                let mut ctx = Ctx::new(
                    &model.perms,
                    &model.tenant,
                    body,
                    model.spacing,
                    model.now,
                    &mut model.next_id,
                );
                ctx.out = out;
                let mut screen = OrganizationsScreen::new();
                screen.reload(&mut ctx);
                model.organizations = Some(screen);
                model.route = Route::Organizations;
                if scope_check {
                    ctx.status(
                        StatusKind::Info,
                        format!(
                            "signed in · {allowed} of {} actions allowed (see ?)",
                            Action::ALL.len()
                        ),
                    );
                    ctx.out
                        .overlays
                        .push(Overlay::Error(ErrorOverlay::scope_check(&model.perms)));
                } else if model.options.read_only {
                    ctx.status(
                        StatusKind::Ok,
                        "signed in · read-only: browsing and test tokens only",
                    );
                } else {
                    ctx.status(StatusKind::Ok, "signed in · every action allowed");
                }
                let out = std::mem::take(&mut ctx.out);
                return apply(model, out);
            }
        }
        Msg::OrganizationsPage { id, result } => {
            if let Some(s) = model.organizations.as_mut() {
                s.page_loaded(&mut ctx, id, result);
            }
        }
        Msg::OrganizationFound { id, result } => {
            if let Some(s) = model.organizations.as_mut() {
                s.found(&mut ctx, id, result);
            }
        }
        Msg::OrganizationCreated { id, result } => {
            if let Some(s) = model.organizations.as_mut() {
                s.created(&mut ctx, id, result);
            }
        }
        Msg::KeysListed { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.keys_listed(&mut ctx, id, result);
            }
        }
        Msg::ProvisionProgress { id, progress } => {
            if let Some(s) = model.organization.as_mut() {
                s.provision_progress(id, progress);
            }
        }
        Msg::Provisioned { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.provisioned(&mut ctx, id, result);
            }
        }
        Msg::Rotated { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.rotated(&mut ctx, id, result);
            }
        }
        Msg::Revoked { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.revoked(&mut ctx, id, result);
            }
        }
        Msg::PeopleListed { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.people_listed(&mut ctx, id, result);
            }
        }
        Msg::MemberAdded { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.member_added(&mut ctx, id, result);
            }
        }
        Msg::MemberRemoved { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.member_removed(&mut ctx, id, result);
            }
        }
        Msg::Invited { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.invited(&mut ctx, id, result);
            }
        }
        Msg::InvitationRevoked { id, result } => {
            if let Some(s) = model.organization.as_mut() {
                s.invitation_revoked(&mut ctx, id, result);
            }
        }
        Msg::OnboardProgress { id, step, state } => {
            if let Some(s) = model.organizations.as_mut() {
                s.onboard_progress(id, step, state);
            }
        }
        Msg::Onboarded { id, result } => {
            if let Some(s) = model.organizations.as_mut() {
                s.onboarded(&mut ctx, id, result);
            }
        }
        Msg::TokenFetched { id, result } => {
            let organization = match &model.token_pending {
                Some((pending, organization)) if *pending == id => organization.clone(),
                _ => return Vec::new(), // stale or cancelled: dropped
            };
            model.token_pending = None;
            match result {
                Ok(report) => {
                    let passed = report.checks.iter().filter(|c| c.ok).count();
                    let total = report.checks.len();
                    let kind = if passed == total {
                        StatusKind::Ok
                    } else {
                        StatusKind::Error
                    };
                    ctx.status(
                        kind,
                        format!("test token fetched · {passed}/{total} gateway checks passed"),
                    );
                    for overlay in model.overlays.iter_mut() {
                        if let Overlay::Reveal(reveal) = overlay {
                            reveal.token_fetched(passed, total);
                        }
                    }
                    model.token = Some(TokenScreen::new(report, organization, model.now));
                    model.route = Route::Token;
                }
                Err(error) => {
                    ctx.out.overlays.push(Overlay::Error(ErrorOverlay::new(
                        "Fetching a test token failed",
                        &error,
                    )));
                    ctx.error("test token", &error);
                }
            }
        }
        Msg::Copied { what, result } => match result {
            Ok(report) => {
                let then = report.clears_in.map(|d| model.now + d);
                model.clipboard_clears_at = then;
                let mut text = format!("copied {what} via {}", report.via);
                if let Some(note) = report.note {
                    text.push_str(&format!(" ({note})"));
                }
                ctx.status(StatusKind::Ok, text);
            }
            Err(reason) => ctx.status(
                StatusKind::Error,
                format!("could not copy {what}: {reason}"),
            ),
        },
        Msg::InventoryProgress { id, progress } => {
            if let Some(s) = model.keys.as_mut() {
                s.inventory_progress(id, progress);
            }
        }
        Msg::InventoryListed { id, result } => {
            if let Some(s) = model.keys.as_mut() {
                s.inventory_loaded(&mut ctx, id, result);
            }
        }
        Msg::BulkRotationProgress { id, progress } => {
            if let Some(s) = model.keys.as_mut() {
                s.rotation_progress(id, progress);
            }
        }
        Msg::BulkRotated { id, outcome } => match model.keys.as_mut() {
            Some(s) => s.rotated(&mut ctx, id, outcome),
            // The screen was closed while it ran: the secrets are still revealed, once each.
            None => {
                let total = outcome.rotated.len();
                for (i, issued) in outcome.rotated.into_iter().enumerate().rev() {
                    ctx.out.overlays.push(Overlay::Reveal(
                        RevealOverlay::new(issued, None).in_sequence(i + 1, total),
                    ));
                }
                ctx.status(
                    StatusKind::Info,
                    format!("bulk rotation ended: {total} rotated"),
                );
            }
        },
        Msg::Discovered { token_endpoint } => {
            drop(ctx);
            match token_endpoint {
                Ok(url) => model.tenant.token_request.token_endpoint = url,
                // Auth0's path stays; the snippets still work on a tenant laid out like Auth0.
                Err(error) => {
                    tracing::warn!(target: "m2m_portal::tui", "discovery: {}", describe(&error));
                }
            }
            return Vec::new();
        }
        Msg::ClipboardDue => ctx.cmd(Cmd::ClearClipboard),
        Msg::ClipboardCleared(result) => {
            model.clipboard_clears_at = None;
            match result {
                Ok(outcome) => ctx.status(StatusKind::Info, outcome),
                Err(reason) => ctx.status(
                    StatusKind::Error,
                    format!("could not clear the clipboard: {reason}"),
                ),
            }
        }
        Msg::DeviceCode { id, result } => {
            let now = model.now;
            let Some(device) = device_overlay(&mut model.overlays, id) else {
                return Vec::new(); // cancelled: dropped
            };
            match result {
                Ok(code) => {
                    device.code_shown(code, now);
                    ctx.status(StatusKind::Info, "waiting for you to approve the sign-in…");
                }
                Err(error) => {
                    device.failed(&error);
                    ctx.error("device sign-in", &error);
                }
            }
        }
        Msg::DeviceSlowDown { id, interval } => {
            if let Some(device) = device_overlay(&mut model.overlays, id) {
                device.slowed_down(interval);
                ctx.status(
                    StatusKind::Info,
                    format!(
                        "Auth0 asked to poll less often (slow_down): every {}",
                        crate::text::duration(interval.as_secs())
                    ),
                );
            }
        }
        Msg::OperatorSignedIn { id, result } => {
            let Some(at) = model
                .overlays
                .iter()
                .position(|o| matches!(o, Overlay::Device(d) if d.id == id))
            else {
                return Vec::new(); // cancelled: dropped
            };
            match result {
                Ok(session) => {
                    // The overlay goes; the operator shows in the header from now on.
                    model.overlays.remove(at);
                    let who = crate::text::sanitize(session.operator.label());
                    model.operator = Some(OperatorState::new(session));
                    if model.route == Route::SignIn && !model.signin.busy() {
                        model.signin.submit(&mut ctx);
                    }
                    let next = if model.signin.busy() {
                        " · signing in to the tenant with the admin app…"
                    } else {
                        ""
                    };
                    ctx.status(
                        StatusKind::Ok,
                        format!("signed in as {who}: changes are audited in your name{next}"),
                    );
                }
                Err(error) => {
                    if let Some(Overlay::Device(device)) = model.overlays.get_mut(at) {
                        device.failed(&error);
                    }
                    ctx.error("device sign-in", &error);
                }
            }
        }
        Msg::OperatorRenewed { id, result } => {
            if let Some(state) = model.operator.as_mut()
                && state.renewing == Some(id)
            {
                state.renewing = None;
                match result {
                    Ok(session) => *state = OperatorState::new(session),
                    Err(error) => {
                        // No retry loop: the warning and the end are said as for a sign-in without refresh.
                        state.session.refreshable = false;
                        ctx.error("renewing your sign-in", &error);
                    }
                }
            }
        }
        Msg::ProfilesListed(result) => match result {
            Ok(profiles) if profiles.is_empty() => ctx.status(
                StatusKind::Info,
                "config.toml has no profiles: add [profiles.NAME] sections (see the README)",
            ),
            Ok(profiles) => {
                if !model
                    .overlays
                    .iter()
                    .any(|o| matches!(o, Overlay::Profiles(_)))
                {
                    ctx.out.overlays.push(Overlay::Profiles(ProfilePicker::new(
                        profiles,
                        model.profile.clone(),
                    )));
                }
            }
            Err(reason) => ctx.status(
                StatusKind::Error,
                format!(
                    "cannot read the profiles: {}",
                    crate::text::sanitize(&reason)
                ),
            ),
        },
        Msg::ProfileLoaded { id, name, result } => {
            if model.switching.as_ref().map(|(pending, _)| *pending) != Some(id) {
                return Vec::new();
            }
            model.switching = None;
            match result {
                // A bulk rotation started while the profile loaded: its new secrets
                // must be shown first, so this session stays.
                Ok(_) if model.keys.as_ref().is_some_and(|k| k.rotation.is_some()) => ctx.status(
                    StatusKind::Error,
                    format!(
                        "did not switch to profile {}: a bulk rotation is running (its secrets are shown first)",
                        crate::text::sanitize(&name)
                    ),
                ),
                Ok(load) => {
                    drop(ctx);
                    return switch_profile(model, *load);
                }
                Err(reason) => ctx.status(
                    StatusKind::Error,
                    format!(
                        "cannot switch to profile {}: {} (still on this one)",
                        crate::text::sanitize(&name),
                        crate::text::sanitize(&reason)
                    ),
                ),
            }
        }
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}

/// The device overlay answering to `id`, if it is still open.
fn device_overlay(overlays: &mut [Overlay], id: RequestId) -> Option<&mut DeviceOverlay> {
    overlays.iter_mut().find_map(|o| match o {
        Overlay::Device(d) if d.id == id => Some(d),
        _ => None,
    })
}

/// On a tick: renews a refreshable sign-in before it runs out; otherwise warns a
/// few minutes before it ends, and says when it has.
fn operator_due(state: &mut OperatorState, ctx: &mut Ctx<'_>, now: SystemTime) {
    if state.renewing.is_some() || state.ended {
        return;
    }
    let left = state
        .session
        .expires_at
        .duration_since(now)
        .unwrap_or_default();
    let who = crate::text::sanitize(state.session.operator.label());
    if state.session.refreshable {
        if left <= RENEW_AHEAD {
            let id = ctx.request_id();
            state.renewing = Some(id);
            ctx.cmd(Cmd::RenewOperator { id });
        }
    } else if left.is_zero() {
        state.ended = true;
        state.warned = true;
        ctx.status(
            StatusKind::Error,
            format!(
                "your sign-in as {who} has ended and cannot be renewed: sign in again \
                 (P, Enter on this profile, then ^D)"
            ),
        );
    } else if left <= crate::portal::login::EXPIRY_WARNING && !state.warned {
        state.warned = true;
        ctx.status(
            StatusKind::Error,
            format!(
                "warning: your sign-in as {who} ends in {} and cannot be renewed \
                 (the tenant issued no refresh token)",
                crate::text::duration(left.as_secs())
            ),
        );
    }
}

/// Signs out of this profile cleanly and shows the other's sign-in screen: every
/// screen, overlay (a revealed secret included), inspected token and request of
/// the old tenant goes; the clipboard's auto-clear stays.
fn switch_profile(model: &mut Model, load: ProfileLoad) -> Vec<Cmd> {
    let ProfileLoad { settings, operator } = load;
    let mut cmds = Vec::new();
    if let Some(screen) = model.organization.take() {
        cmds.extend(screen.cancel_all());
    }
    model.organizations = None;
    if let Some(screen) = model.keys.take() {
        cmds.extend(screen.cancel_all());
    }
    if let Some((id, _)) = model.token_pending.take() {
        cmds.push(Cmd::Cancel { id });
    }
    if let Some(id) = model.signin.pending.take() {
        cmds.push(Cmd::Cancel { id });
    }
    for overlay in &model.overlays {
        if let Overlay::Device(device) = overlay
            && device.in_flight()
        {
            cmds.push(Cmd::Cancel { id: device.id });
        }
    }
    model.token = None;
    model.overlays.clear();
    let old = model.tenant.name.clone();
    model.options = options_for(model.launch_options, &settings);
    model.perms = Permissions {
        read_only: model.options.read_only,
        sign_in: None,
    };
    model.tenant = Tenant::from_settings(&settings);
    model.signin = SignInScreen::new(&settings);
    model.profile = settings.profile.clone();
    model.operator = operator.map(OperatorState::new);
    model.route = Route::SignIn;
    let profile = crate::text::sanitize(model.profile.as_deref().unwrap_or("default"));
    let who = model
        .operator
        .as_ref()
        .map(|o| format!(" as {}", crate::text::sanitize(o.session.operator.label())))
        .unwrap_or_default();
    model.status = Some(Status {
        kind: StatusKind::Ok,
        text: format!(
            "signed out of {} · profile {profile} ({}){who}: Enter signs in",
            crate::text::sanitize(&old),
            crate::text::sanitize(&model.tenant.name)
        ),
    });
    cmds
}

/// Applies what a screen asked for: status, overlays, navigation, token requests.
fn apply(model: &mut Model, mut out: Outbox) -> Vec<Cmd> {
    if let Some(status) = out.status.take() {
        model.status = Some(status);
    }
    model.overlays.append(&mut out.overlays);
    if let Some((request, organization)) = out.token.take() {
        if let Some((old, _)) = model.token_pending.take() {
            out.cmds.push(Cmd::Cancel { id: old });
        }
        model.next_id += 1;
        let id = RequestId(model.next_id);
        model.token_pending = Some((id, organization));
        model.status = Some(Status {
            kind: StatusKind::Info,
            text: "fetching a test token…".to_owned(),
        });
        out.cmds.push(Cmd::TestToken { id, request });
    }
    match out.nav.take() {
        Some(Nav::OpenOrganization(organization)) => {
            let mut ctx = Ctx::new(
                &model.perms,
                &model.tenant,
                layout(model.size)[1],
                model.spacing,
                model.now,
                &mut model.next_id,
            );
            let screen = OrganizationScreen::open(&mut ctx, organization);
            let more = std::mem::take(&mut ctx.out);
            model.organization = Some(screen);
            model.route = Route::Organization;
            out.cmds.extend(apply(model, more));
        }
        Some(Nav::Back) => match model.route {
            Route::Token => {
                model.token = None;
                model.route = if model.organization.is_some() {
                    Route::Organization
                } else if model.keys.is_some() {
                    Route::Keys
                } else {
                    Route::Organizations
                };
            }
            Route::Organization => {
                if let Some(screen) = model.organization.take() {
                    out.cmds.extend(screen.cancel_all());
                }
                // Opened from the key inventory: back to it.
                model.route = if model.keys.is_some() {
                    Route::Keys
                } else {
                    Route::Organizations
                };
            }
            Route::Keys => {
                if let Some(screen) = model.keys.take() {
                    out.cmds.extend(screen.cancel_all());
                }
                model.route = Route::Organizations;
            }
            Route::Organizations | Route::SignIn => request_quit(model),
        },
        Some(Nav::OpenKeys) => {
            let mut ctx = Ctx::new(
                &model.perms,
                &model.tenant,
                layout(model.size)[1],
                model.spacing,
                model.now,
                &mut model.next_id,
            );
            let screen = KeysScreen::open(&mut ctx);
            let more = std::mem::take(&mut ctx.out);
            model.keys = Some(screen);
            model.route = Route::Keys;
            out.cmds.extend(apply(model, more));
        }
        Some(Nav::Quit) => request_quit(model),
        None => {}
    }
    out.cmds
}

/// Quits at once unless a secret would be lost or a copied one is still on the
/// clipboard: then asks, saying what happens to each.
fn request_quit(model: &mut Model) {
    let on_screen = model.secret_on_screen();
    let clears_at = model.clipboard_clears_at.filter(|at| *at > model.now);
    if on_screen || clears_at.is_some() {
        model
            .overlays
            .push(Overlay::Confirm(ConfirmOverlay::new(ConfirmKind::Quit {
                on_screen,
                clears_at,
                keep: false,
            })));
    } else {
        model.quit = true;
    }
}

fn on_paste(model: &mut Model, text: &str) -> Vec<Cmd> {
    if let Some(Overlay::Confirm(confirm)) = model.overlays.last_mut() {
        confirm.paste(text);
        return Vec::new();
    }
    if !model.overlays.is_empty() {
        return Vec::new();
    }
    match model.route {
        Route::SignIn => model.signin.paste(text),
        Route::Organizations => {
            if let Some(s) = model.organizations.as_mut() {
                s.paste(text);
            }
        }
        Route::Organization => {
            if let Some(s) = model.organization.as_mut() {
                s.paste(text);
            }
        }
        Route::Keys => {
            if let Some(s) = model.keys.as_mut()
                && s.filtering
            {
                s.filter.paste(text);
            }
        }
        Route::Token => {}
    }
    Vec::new()
}

fn on_key(model: &mut Model, event: KeyEvent) -> Vec<Cmd> {
    if model.size.width < MIN_WIDTH || model.size.height < MIN_HEIGHT {
        // Too small to show anything useful: only quitting works.
        if event.code == crossterm::event::KeyCode::Char('q') {
            request_quit(model);
        }
        return Vec::new();
    }
    let (context, global) = model.context();
    let action = keymap::resolve(context, global, &event);
    let body = model.body_area();
    let mut ctx = Ctx::new(
        &model.perms,
        &model.tenant,
        body,
        model.spacing,
        model.now,
        &mut model.next_id,
    );
    // Overlays first: the top one has the keys.
    if let Some(top) = model.overlays.last_mut() {
        let mut close = false;
        match top {
            Overlay::Help(help) => match action {
                Some(KeyAction::Back) | Some(KeyAction::Help) => close = true,
                Some(KeyAction::Quit) => ctx.out.nav = Some(Nav::Quit),
                Some(action) => help.key(action),
                None => {}
            },
            Overlay::Error(_) => {
                close = matches!(action, Some(KeyAction::Back | KeyAction::Submit))
                    || event.code == crossterm::event::KeyCode::Char('q')
            }
            Overlay::Confirm(confirm) => match confirm.key(&event, action) {
                ConfirmOutcome::Pending => {}
                ConfirmOutcome::Cancelled => close = true,
                ConfirmOutcome::Confirmed(kind) => {
                    close = true;
                    match kind {
                        ConfirmKind::Quit { keep, .. } => {
                            if keep {
                                ctx.cmd(Cmd::KeepClipboard);
                            }
                            model.quit = true;
                        }
                        ConfirmKind::Rotate { .. }
                        | ConfirmKind::Revoke { .. }
                        | ConfirmKind::RemoveMember { .. }
                        | ConfirmKind::RevokeInvitation { .. }
                        | ConfirmKind::Invite { .. } => {
                            if let Some(s) = model.organization.as_mut() {
                                s.confirmed(&mut ctx, kind);
                            }
                        }
                        ConfirmKind::BulkRotate { .. } => {
                            if let Some(s) = model.keys.as_mut() {
                                s.confirmed_bulk_rotation(&mut ctx);
                            }
                        }
                    }
                }
            },
            Overlay::Reveal(reveal) => match reveal.key(&mut ctx, &event, action) {
                RevealOutcome::Open => {}
                RevealOutcome::Closed => close = true,
                RevealOutcome::Quit => ctx.out.nav = Some(Nav::Quit),
            },
            Overlay::Device(device) => match action {
                Some(KeyAction::Back) => {
                    if device.in_flight() {
                        ctx.cmd(Cmd::Cancel { id: device.id });
                        ctx.status(StatusKind::Info, "device sign-in cancelled");
                    }
                    close = true;
                }
                Some(KeyAction::OpenBrowser) => match device.url() {
                    Some(url) if model.can_open_browser => {
                        ctx.cmd(Cmd::OpenBrowser {
                            url: url.to_owned(),
                        });
                        ctx.status(StatusKind::Info, "opening the sign-in page in the browser…");
                    }
                    Some(_) => ctx.status(
                        StatusKind::Info,
                        "no display here: open the address on another device",
                    ),
                    None => {}
                },
                Some(KeyAction::Submit)
                    if !device.in_flight()
                        || device.time_left(model.now).is_some_and(|d| d.is_zero()) =>
                {
                    if device.in_flight() {
                        ctx.cmd(Cmd::Cancel { id: device.id });
                    }
                    let id = ctx.request_id();
                    *device = DeviceOverlay::starting(id);
                    ctx.cmd(Cmd::DeviceSignIn { id });
                }
                _ => {}
            },
            Overlay::Profiles(picker) => match action {
                Some(KeyAction::Back) => close = true,
                Some(KeyAction::Open | KeyAction::Submit) => {
                    close = true;
                    if let Some(chosen) = picker.chosen() {
                        let id = ctx.request_id();
                        let name = chosen.name.clone();
                        ctx.status(
                            StatusKind::Info,
                            format!("switching to profile {}…", crate::text::sanitize(&name)),
                        );
                        model.switching = Some((id, name.clone()));
                        ctx.cmd(Cmd::SwitchProfile { id, name });
                    }
                }
                Some(action) => picker.key(action),
                None => {}
            },
        }
        if close {
            // Dropping the overlay drops whatever it owned (a revealed secret included).
            model.overlays.pop();
        }
        let out = std::mem::take(&mut ctx.out);
        return apply(model, out);
    }
    match action {
        Some(KeyAction::Help) => {
            ctx.out.overlays.push(Overlay::Help(HelpOverlay::default()));
        }
        // Quitting mid-run would drop the new secrets before they are shown.
        Some(KeyAction::Quit) if model.keys.as_ref().is_some_and(|k| k.rotation.is_some()) => {
            ctx.status(
                StatusKind::Error,
                "a bulk rotation is running: Esc stops it after the current key, then its secrets are shown",
            );
        }
        Some(KeyAction::Quit) => ctx.out.nav = Some(Nav::Quit),
        Some(KeyAction::KeyInventory)
            if model.route == Route::Organizations
                && context == Context::Organizations
                && !ctx.refuse(Action::ListKeys) =>
        {
            ctx.out.nav = Some(Nav::OpenKeys);
        }
        Some(KeyAction::DeviceSignIn) if model.route == Route::SignIn => {
            if model.signin.busy() {
                ctx.status(StatusKind::Info, "signing in already: Esc cancels it first");
            } else {
                let id = ctx.request_id();
                ctx.out
                    .overlays
                    .push(Overlay::Device(DeviceOverlay::starting(id)));
                ctx.status(StatusKind::Info, "asking the tenant for a sign-in code…");
                ctx.cmd(Cmd::DeviceSignIn { id });
            }
        }
        // Switching signs out: mid-run, the new secrets would be dropped unseen.
        Some(KeyAction::Profiles) if model.keys.as_ref().is_some_and(|k| k.rotation.is_some()) => {
            ctx.status(
                StatusKind::Error,
                "a bulk rotation is running: Esc stops it after the current key, then its secrets are shown",
            );
        }
        Some(KeyAction::Profiles) => {
            if model.switching.is_none() {
                ctx.cmd(Cmd::ListProfiles);
            }
        }
        Some(KeyAction::ShowStatus) => match &model.status {
            Some(status) => ctx.out.overlays.push(Overlay::Error(ErrorOverlay::message(
                status.kind,
                &status.text,
            ))),
            None => ctx.status(StatusKind::Info, "no message to show"),
        },
        // Esc first cancels a test token in flight (its late reply is then dropped).
        Some(KeyAction::Back) if model.token_pending.is_some() && context != Context::Input => {
            if let Some((id, _)) = model.token_pending.take() {
                ctx.cmd(Cmd::Cancel { id });
                ctx.status(StatusKind::Info, "test token cancelled");
            }
        }
        _ => match model.route {
            Route::SignIn => model.signin.key(&mut ctx, &event, action),
            Route::Organizations => {
                if let Some(s) = model.organizations.as_mut() {
                    s.key(&mut ctx, &event, action);
                }
            }
            Route::Organization => {
                if let Some(s) = model.organization.as_mut() {
                    s.key(&mut ctx, &event, action);
                }
            }
            Route::Token => {
                if let Some(s) = model.token.as_mut() {
                    s.key(&mut ctx, action);
                }
            }
            Route::Keys => {
                if let Some(s) = model.keys.as_mut() {
                    s.key(&mut ctx, &event, action);
                }
            }
        },
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}
