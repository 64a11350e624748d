//! Input and time: keys (the top overlay first, then the screen), paste, mouse,
//! resize and ticks.

use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui::layout::Rect;

use crate::portal::Action;
use crate::tui::app::nav::{apply, request_quit};
use crate::tui::app::overlay::OverlayOutcome;
use crate::tui::app::session::operator_due;
use crate::tui::app::stack::Stack;
use crate::tui::app::{MIN_HEIGHT, MIN_WIDTH, Model, Route, layout};
use crate::tui::ctx::{Ctx, Nav, Overlay, StatusKind};
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::msg::{Cmd, Msg};
use crate::tui::widgets::confirm::ConfirmKind;
use crate::tui::widgets::device::DeviceOverlay;
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::help::HelpOverlay;

/// Keys, paste, mouse, resize, ticks and the rate limit's wait.
pub(super) fn input(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut ctx = ctx_of!(model);
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
            if let Some(screen) = model.screens.top_mut() {
                screen.mouse(&mut ctx, event);
            }
        }
        Msg::Resize(width, height) => {
            model.size = Rect::new(0, 0, width, height);
            ctx.body = layout(model.size)[1];
            for screen in model.screens.iter_mut() {
                screen.resized(&mut ctx);
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
        // Routed elsewhere by `app::update`.
        _ => {}
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}

fn on_paste(model: &mut Model, text: &str) -> Vec<Cmd> {
    if let Some(Overlay::Confirm(confirm)) = model.overlays.last_mut() {
        confirm.paste(text);
        return Vec::new();
    }
    if !model.overlays.is_empty() {
        return Vec::new();
    }
    match model.screens.top_mut() {
        Some(screen) => screen.paste(text),
        None => model.signin.paste(text),
    }
    Vec::new()
}

fn on_key(model: &mut Model, event: KeyEvent) -> Vec<Cmd> {
    if model.size.width < MIN_WIDTH || model.size.height < MIN_HEIGHT {
        // Too small to show anything useful: only quitting works.
        if keymap::resolve(Context::TooSmall, false, &event) == Some(KeyAction::Quit) {
            request_quit(model);
        }
        return Vec::new();
    }
    let (context, global) = model.context();
    let action = keymap::resolve(context, global, &event);
    // Overlays first: the top one has the keys.
    if model.overlays.is_empty() {
        screen_key(model, &event, action, context)
    } else {
        overlay_key(model, &event, action)
    }
}

/// A key for the top overlay: one match on what its answer asks of the app.
fn overlay_key(model: &mut Model, event: &KeyEvent, action: Option<KeyAction>) -> Vec<Cmd> {
    let Some(top) = model.overlays.last_mut() else {
        return Vec::new();
    };
    let outcome = top.key(event, action, &model.tenant, model.now);
    let mut ctx = ctx_of!(model);
    match outcome {
        OverlayOutcome::Stay => {}
        // Dropping the overlay drops whatever it owned (a revealed secret included).
        OverlayOutcome::Close => drop(model.overlays.pop()),
        OverlayOutcome::Quit => ctx.out.nav = Some(Nav::Quit),
        OverlayOutcome::Help => ctx.out.overlays.push(Overlay::Help(HelpOverlay::default())),
        OverlayOutcome::Confirmed(kind) => {
            model.overlays.pop();
            confirmed(kind, &mut ctx, &mut model.screens, &mut model.quit);
        }
        OverlayOutcome::Copy { what, text } => ctx.cmd(Cmd::Copy {
            what: what.to_owned(),
            text,
        }),
        OverlayOutcome::TestToken(request, organization) => {
            ctx.out.token = Some((request, organization));
        }
        OverlayOutcome::SecretDropped => {
            model.overlays.pop();
            ctx.status(StatusKind::Info, "secret closed and dropped from memory");
        }
        OverlayOutcome::DeviceCancelled { running } => {
            model.overlays.pop();
            if let Some(id) = running {
                ctx.cmd(Cmd::Cancel { id });
                ctx.status(StatusKind::Info, "device sign-in cancelled");
            }
        }
        OverlayOutcome::OpenBrowser(url) if model.can_open_browser => {
            ctx.cmd(Cmd::OpenBrowser { url });
            ctx.status(StatusKind::Info, "opening the sign-in page in the browser…");
        }
        OverlayOutcome::OpenBrowser(_) => ctx.status(
            StatusKind::Info,
            "no display here: open the address on another device",
        ),
        OverlayOutcome::DeviceRetry { running } => {
            if let Some(id) = running {
                ctx.cmd(Cmd::Cancel { id });
            }
            let id = ctx.request_id();
            if let Some(Overlay::Device(device)) = model.overlays.last_mut() {
                *device = DeviceOverlay::starting(id);
            }
            ctx.cmd(Cmd::DeviceSignIn { id });
        }
        OverlayOutcome::SwitchProfile(name) => {
            model.overlays.pop();
            let id = ctx.request_id();
            ctx.status(StatusKind::Info, format!("switching to profile {name}…"));
            model.switching = Some((id, name.clone()));
            ctx.cmd(Cmd::SwitchProfile { id, name });
        }
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}

/// A confirmed change goes to the screen that asked for it; a confirmed quit quits.
fn confirmed(kind: ConfirmKind, ctx: &mut Ctx<'_>, screens: &mut Stack, quit: &mut bool) {
    match kind {
        ConfirmKind::Quit { keep, .. } => {
            if keep {
                ctx.cmd(Cmd::KeepClipboard);
            }
            *quit = true;
        }
        ConfirmKind::Rotate { .. }
        | ConfirmKind::Revoke { .. }
        | ConfirmKind::RemoveMember { .. }
        | ConfirmKind::RevokeInvitation { .. }
        | ConfirmKind::Invite { .. } => {
            if let Some(s) = screens.organization_mut() {
                s.confirmed(ctx, kind);
            }
        }
        ConfirmKind::BulkRotate { .. } => {
            if let Some(s) = screens.keys_mut() {
                s.confirmed_bulk_rotation(ctx);
            }
        }
    }
}

/// A key for the screen (no overlay is open): the app's own keys, then the screen's.
fn screen_key(
    model: &mut Model,
    event: &KeyEvent,
    action: Option<KeyAction>,
    context: Context,
) -> Vec<Cmd> {
    let mut ctx = ctx_of!(model);
    match action {
        Some(KeyAction::Help) => {
            ctx.out.overlays.push(Overlay::Help(HelpOverlay::default()));
        }
        // Quitting mid-run would drop the new secrets before they are shown.
        Some(KeyAction::Quit) if model.screens.rotating() => {
            ctx.status(
                StatusKind::Error,
                "a bulk rotation is running: Esc stops it after the current key, then its secrets are shown",
            );
        }
        Some(KeyAction::Quit) => ctx.out.nav = Some(Nav::Quit),
        Some(KeyAction::KeyInventory)
            if model.screens.route() == Route::Organizations
                && context == Context::Organizations
                && !ctx.refuse(Action::ListKeys) =>
        {
            ctx.out.nav = Some(Nav::OpenKeys);
        }
        Some(KeyAction::DeviceSignIn) if model.screens.route() == Route::SignIn => {
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
        Some(KeyAction::Profiles) if model.screens.rotating() => {
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
        _ => match model.screens.top_mut() {
            Some(screen) => screen.key(&mut ctx, event, action),
            None => model.signin.key(&mut ctx, event, action),
        },
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}
