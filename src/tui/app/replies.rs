//! Replies from the effect runner: the app's own (sign-in, test token, clipboard,
//! discovery) and those it hands to the screen that asked.

use crate::portal::Action;
use crate::portal::{PortalError, SignIn, TokenReport};
use crate::tui::app::nav::apply;
use crate::tui::app::{Model, Screen};
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
    model.tenant.name = crate::text::sanitize(&sign_in.tenant);
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

/// The replies a screen asked for, handed to it if it is still open (a late reply
/// to a closed screen is dropped).
pub(super) fn screen_reply(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut ctx = ctx_of!(model);
    match msg {
        Msg::OrganizationsPage { id, result } => {
            if let Some(s) = model.screens.organizations_mut() {
                s.page_loaded(&mut ctx, id, result);
            }
        }
        Msg::OrganizationFound { id, result } => {
            if let Some(s) = model.screens.organizations_mut() {
                s.found(&mut ctx, id, result);
            }
        }
        Msg::OrganizationCreated { id, result } => {
            if let Some(s) = model.screens.organizations_mut() {
                s.created(&mut ctx, id, result);
            }
        }
        Msg::KeysListed { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.keys_listed(&mut ctx, id, result);
            }
        }
        Msg::ProvisionProgress { id, progress } => {
            if let Some(s) = model.screens.organization_mut() {
                s.provision_progress(id, progress);
            }
        }
        Msg::Provisioned { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.provisioned(&mut ctx, id, result);
            }
        }
        Msg::Rotated { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.rotated(&mut ctx, id, result);
            }
        }
        Msg::Revoked { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.revoked(&mut ctx, id, result);
            }
        }
        Msg::PeopleListed { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.people_listed(&mut ctx, id, result);
            }
        }
        Msg::MemberAdded { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.member_added(&mut ctx, id, result);
            }
        }
        Msg::MemberRemoved { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.member_removed(&mut ctx, id, result);
            }
        }
        Msg::Invited { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.invited(&mut ctx, id, result);
            }
        }
        Msg::InvitationRevoked { id, result } => {
            if let Some(s) = model.screens.organization_mut() {
                s.invitation_revoked(&mut ctx, id, result);
            }
        }
        Msg::OnboardProgress { id, step, state } => {
            if let Some(s) = model.screens.organizations_mut() {
                s.onboard_progress(id, step, state);
            }
        }
        Msg::Onboarded { id, result } => {
            if let Some(s) = model.screens.organizations_mut() {
                s.onboarded(&mut ctx, id, result);
            }
        }
        Msg::InventoryProgress { id, progress } => {
            if let Some(s) = model.screens.keys_mut() {
                s.inventory_progress(id, progress);
            }
        }
        Msg::InventoryListed { id, result } => {
            if let Some(s) = model.screens.keys_mut() {
                s.inventory_loaded(&mut ctx, id, result);
            }
        }
        Msg::BulkRotationProgress { id, progress } => {
            if let Some(s) = model.screens.keys_mut() {
                s.rotation_progress(id, progress);
            }
        }
        Msg::BulkRotated { id, outcome } => match model.screens.keys_mut() {
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
        // Routed elsewhere by `app::update`.
        _ => {}
    }
    let out = std::mem::take(&mut ctx.out);
    apply(model, out)
}
