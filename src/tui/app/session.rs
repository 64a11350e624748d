//! The operator's own sign-in (device flow, renewal, expiry) and profile switching.

use std::time::SystemTime;

use crate::portal::PortalError;
use crate::tui::app::nav::apply;
use crate::tui::app::{Model, OperatorState, RENEW_AHEAD, Route, options_for};
use crate::tui::ctx::{Ctx, Overlay, Permissions, Status, StatusKind, TenantView};
use crate::tui::msg::{Cmd, Msg, OperatorSession, ProfileLoad, RequestId};
use crate::tui::screens::signin::SignInScreen;
use crate::tui::widgets::device::DeviceOverlay;
use crate::tui::widgets::profiles::ProfilePicker;

/// The device sign-in's replies and the operator's renewal.
pub(super) fn login(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut ctx = ctx_of!(model);
    match msg {
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
            drop(ctx);
            return operator_signed_in(model, id, result);
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
        // Routed elsewhere by `app::update`.
        _ => {}
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}

/// The device sign-in ended: approved (the operator shows in the header and the
/// admin app signs in, if it was waiting) or refused, expired, unreachable.
fn operator_signed_in(
    model: &mut Model,
    id: RequestId,
    result: Result<OperatorSession, PortalError>,
) -> Vec<Cmd> {
    let Some(at) = model
        .overlays
        .iter()
        .position(|o| matches!(o, Overlay::Device(d) if d.id == id))
    else {
        return Vec::new(); // cancelled: dropped
    };
    let mut ctx = ctx_of!(model);
    match result {
        Ok(session) => {
            // The overlay goes; the operator shows in the header from now on.
            model.overlays.remove(at);
            let who = session.operator.label().to_owned();
            model.operator = Some(OperatorState::new(session));
            if model.screens.route() == Route::SignIn && !model.signin.busy() {
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
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}

/// The profiles listed, and another profile read.
pub(super) fn profiles(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut ctx = ctx_of!(model);
    match msg {
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
                format!("cannot read the profiles: {}", reason),
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
                Ok(_) if model.screens.rotating() => ctx.status(
                    StatusKind::Error,
                    format!(
                        "did not switch to profile {}: a bulk rotation is running (its secrets are shown first)",
                        &name
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
                        &name,
                        &reason
                    ),
                ),
            }
        }
        // Routed elsewhere by `app::update`.
        _ => {}
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
pub(super) fn operator_due(state: &mut OperatorState, ctx: &mut Ctx<'_>, now: SystemTime) {
    if state.renewing.is_some() || state.ended {
        return;
    }
    let left = state
        .session
        .expires_at
        .duration_since(now)
        .unwrap_or_default();
    let who = state.session.operator.label().to_owned();
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
    for screen in model.screens.clear() {
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
    model.overlays.clear();
    let old = model.tenant.name.clone();
    model.options = options_for(model.launch_options, &settings);
    model.perms = Permissions {
        read_only: model.options.read_only,
        sign_in: None,
    };
    model.tenant = TenantView::from_settings(&settings);
    model.signin = SignInScreen::new(&settings);
    model.profile = settings.profile.clone();
    model.operator = operator.map(OperatorState::new);
    let profile = model.profile.as_deref().unwrap_or("default");
    let who = model
        .operator
        .as_ref()
        .map(|o| format!(" as {}", o.session.operator.label()))
        .unwrap_or_default();
    model.status = Some(Status::new(
        StatusKind::Ok,
        format!(
            "signed out of {old} · profile {profile} ({}){who}: Enter signs in",
            model.tenant.name
        ),
    ));
    cmds
}
