//! The model and the pure `update` (the messages and commands are in `msg`, what
//! screens share with the app in `ctx`, the drawing in `view`).
//!
//! `update` does no I/O: it changes the model and returns commands; the
//! effect runner (`effects.rs`) performs them and answers with messages. It hands
//! each message to one of its parts by concern: `input` (keys, paste, mouse,
//! resize, ticks), `replies` (the effect runner's answers, the app's own and the
//! screens'), `session` (the operator's sign-in, profiles); `nav` applies what a
//! screen's outbox asks for.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ratatui::layout::{Constraint, Layout, Rect};

use crate::config::Settings;
use crate::portal::{Action, Organization};
use crate::tui::TuiOptions;
use crate::tui::ctx::whole_secs;
use crate::tui::keymap::{Context, KeyAction};
use crate::tui::screens::keys::KeysScreen;
use crate::tui::screens::organization::OrganizationScreen;
use crate::tui::screens::organizations::OrganizationsScreen;
use crate::tui::screens::signin::SignInScreen;
use crate::tui::screens::token::TokenScreen;
use crate::tui::theme::{Spacing, Theme};

// The vocabulary lives in `msg` and `ctx`; these names stay reachable from `app`
// for the app's users (the loop, the effect runner's callers, the tests).
pub use crate::tui::ctx::{
    Ctx, Nav, ONBOARD_NEEDS, Outbox, Overlay, Permissions, Status, StatusKind, TenantView, ViewCtx,
    countdown_secs, describe,
};
pub use crate::tui::msg::{
    Cmd, CopyReport, Credentials, DeviceCode, Msg, OperatorSession, ProfileLoad, RequestId,
};
pub use crate::tui::view::view;

/// A `Ctx` for a screen or overlay of `model` to update in. It borrows the model's
/// fields one by one, so the screens and overlays stay free to change next to it.
macro_rules! ctx_of {
    ($model:expr) => {
        $crate::tui::ctx::Ctx::new(
            &$model.perms,
            &$model.tenant,
            $model.body_area(),
            $model.spacing,
            $model.now,
            &mut $model.next_id,
        )
    };
}

mod input;
mod nav;
mod overlay;
mod replies;
mod session;
mod stack;

pub use stack::Screen;
use stack::Stack;

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
    pub tenant: TenantView,
    pub perms: Permissions,
    /// The bottom screen, always there (see `screens` for the ones above it).
    pub signin: SignInScreen,
    /// The screens opened above the sign-in screen; the top one shows. Read through
    /// `route()`, `organizations()`, `organization()`, `token()`, `keys()`.
    screens: Stack,
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
            tenant: TenantView::from_settings(settings),
            signin: SignInScreen::new(settings),
            screens: Stack::default(),
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
            || self.screens.busy()
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
            || matches!(self.screens.top(), Some(Screen::Token(t)) if t.expires_after(self.now))
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
        let counting = self.route() == Route::Token || self.device_counting();
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
            Some(overlay) => overlay.context(),
            None => self
                .screens
                .top()
                .map_or((Context::SignIn, false), Screen::context),
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
        self.screens
            .top()
            .map_or(Context::SignIn, Screen::help_context)
    }

    /// Which screen shows.
    pub fn route(&self) -> Route {
        self.screens.route()
    }

    /// The screen that shows, unless it is the sign-in screen.
    pub fn screen(&self) -> Option<&Screen> {
        self.screens.top()
    }

    /// The organization list, once signed in.
    pub fn organizations(&self) -> Option<&OrganizationsScreen> {
        self.screens.organizations()
    }

    pub fn organizations_mut(&mut self) -> Option<&mut OrganizationsScreen> {
        self.screens.organizations_mut()
    }

    /// The organization open (its keys and people), if one is.
    pub fn organization(&self) -> Option<&OrganizationScreen> {
        self.screens.organization()
    }

    pub fn organization_mut(&mut self) -> Option<&mut OrganizationScreen> {
        self.screens.organization_mut()
    }

    /// The test token's inspector, while it is open.
    pub fn token(&self) -> Option<&TokenScreen> {
        self.screens.token()
    }

    /// The key inventory, while it is open (organizations opened from it go back to it).
    pub fn keys(&self) -> Option<&KeysScreen> {
        self.screens.keys()
    }

    pub fn keys_mut(&mut self) -> Option<&mut KeysScreen> {
        self.screens.keys_mut()
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
/// The one place state changes. No I/O: returns the commands to run; the
/// message's concern decides which of `input`, `replies`, `session` handles it.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(_)
        | Msg::Paste(_)
        | Msg::Mouse(_)
        | Msg::Resize(..)
        | Msg::Tick(_)
        | Msg::RateLimited { .. } => input::input(model, msg),
        Msg::SignedIn { .. }
        | Msg::TokenFetched { .. }
        | Msg::Copied { .. }
        | Msg::ClipboardDue
        | Msg::ClipboardCleared(_)
        | Msg::Discovered { .. } => replies::app_reply(model, msg),
        Msg::OrganizationsPage { .. }
        | Msg::OrganizationFound { .. }
        | Msg::OrganizationCreated { .. }
        | Msg::KeysListed { .. }
        | Msg::ProvisionProgress { .. }
        | Msg::Provisioned { .. }
        | Msg::Rotated { .. }
        | Msg::Revoked { .. }
        | Msg::PeopleListed { .. }
        | Msg::MemberAdded { .. }
        | Msg::MemberRemoved { .. }
        | Msg::Invited { .. }
        | Msg::InvitationRevoked { .. }
        | Msg::OnboardProgress { .. }
        | Msg::Onboarded { .. }
        | Msg::InventoryProgress { .. }
        | Msg::InventoryListed { .. }
        | Msg::BulkRotationProgress { .. }
        | Msg::BulkRotated { .. } => replies::screen_reply(model, msg),
        Msg::DeviceCode { .. }
        | Msg::DeviceSlowDown { .. }
        | Msg::OperatorSignedIn { .. }
        | Msg::OperatorRenewed { .. } => session::login(model, msg),
        Msg::ProfilesListed(_) | Msg::ProfileLoaded { .. } => session::profiles(model, msg),
    }
}
