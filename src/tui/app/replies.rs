//! Replies from the effect runner: the app's own (sign-in, test token, clipboard,
//! discovery) and those it hands to the screen that asked.

use crate::portal::Action;
use crate::portal::{PortalError, SignIn, TokenReport};
use crate::tui::app::nav::apply;
use crate::tui::app::{Model, Route, Screen};
use crate::tui::ctx::{Overlay, StatusKind, describe};
use crate::tui::msg::{Cmd, Credentials, Msg, RequestId};
use crate::tui::screens::organizations::OrganizationsScreen;
use crate::tui::screens::token::TokenScreen;
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::reveal::RevealOverlay;

/// The replies the app handles itself.
pub(super) fn app_reply(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut ctx = ctx_of!(model);
    match msg {
        Msg::SignedIn {
            id,
            credentials,
            result,
        } => {
            drop(ctx);
            return signed_in(model, id, credentials, result);
        }
        Msg::TokenFetched { id, result } => {
            drop(ctx);
            return token_fetched(model, id, result);
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
        // Routed elsewhere by `app::update`.
        _ => {}
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}

/// The admin app signed in (or not): the organization list opens above the
/// sign-in screen, and the status line says what the app may do.
fn signed_in(
    model: &mut Model,
    id: RequestId,
    credentials: Credentials,
    result: Result<SignIn, PortalError>,
) -> Vec<Cmd> {
    let mut ctx = ctx_of!(model);
    let Some(sign_in) = model.signin.signed_in(&mut ctx, id, result) else {
        let out = std::mem::take(&mut ctx.out);
        return apply(model, out);
    };
    let out = std::mem::take(&mut ctx.out);
    drop(ctx);
    model.tenant.base_url = credentials.base_url;
    model.tenant.name = sign_in.tenant.clone();
    let scope_check = !sign_in.missing.is_empty();
    let allowed = Action::ALL.len() - sign_in.missing.len();
    model.perms.sign_in = Some(sign_in);
    let mut ctx = ctx_of!(model);
    ctx.out = out;
    let mut screen = OrganizationsScreen::new();
    screen.reload(&mut ctx);
    // Signed in: the organization list opens above the sign-in screen.
    for closed in model.screens.clear() {
        ctx.out.cmds.extend(closed.cancel_all());
    }
    model.screens.push(Screen::Organizations(screen));
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
    apply(model, out)
}

/// A test token came back: the inspector opens (replacing one already open).
fn token_fetched(
    model: &mut Model,
    id: RequestId,
    result: Result<TokenReport, PortalError>,
) -> Vec<Cmd> {
    let organization = match &model.token_pending {
        Some((pending, organization)) if *pending == id => organization.clone(),
        _ => return Vec::new(), // stale or cancelled: dropped
    };
    model.token_pending = None;
    let mut ctx = ctx_of!(model);
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
            let inspector = TokenScreen::new(report, organization, model.now);
            model.screens.push(Screen::Token(inspector));
        }
        Err(error) => {
            ctx.out.overlays.push(Overlay::Error(ErrorOverlay::new(
                "Fetching a test token failed",
                &error,
            )));
            ctx.error("test token", &error);
        }
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}

/// Which screen a reply is for; `None` for the app's own messages.
pub(super) fn addressee(msg: &Msg) -> Option<Route> {
    match msg {
        Msg::OrganizationsPage { .. }
        | Msg::OrganizationFound { .. }
        | Msg::OrganizationCreated { .. }
        | Msg::OnboardProgress { .. }
        | Msg::Onboarded { .. } => Some(Route::Organizations),
        Msg::KeysListed { .. }
        | Msg::ProvisionProgress { .. }
        | Msg::Provisioned { .. }
        | Msg::Rotated { .. }
        | Msg::Revoked { .. }
        | Msg::PeopleListed { .. }
        | Msg::MemberAdded { .. }
        | Msg::MemberRemoved { .. }
        | Msg::Invited { .. }
        | Msg::InvitationRevoked { .. } => Some(Route::Organization),
        Msg::InventoryProgress { .. }
        | Msg::InventoryListed { .. }
        | Msg::BulkRotationProgress { .. }
        | Msg::BulkRotated { .. } => Some(Route::Keys),
        _ => None,
    }
}

/// The replies a screen asked for, handed to the screen of their kind wherever it is
/// in the stack. A late reply to a closed screen is dropped, except a bulk rotation's
/// end: its new secrets are still revealed, once each.
pub(super) fn screen_reply(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let Some(route) = addressee(&msg) else {
        return Vec::new();
    };
    let mut ctx = ctx_of!(model);
    match (model.screens.find_mut(route), msg) {
        (Some(screen), msg) => screen.reply(&mut ctx, msg),
        (None, Msg::BulkRotated { outcome, .. }) => {
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
        (None, _) => {}
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}
