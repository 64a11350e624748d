//! What a screen's outbox asks of the app: status, overlays, test tokens, and
//! navigation between screens (opening, going back, quitting).

use crate::tui::app::{Model, Route, Screen};
use crate::tui::ctx::{Nav, Outbox, Overlay, Status, StatusKind};
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::screens::keys::KeysScreen;
use crate::tui::screens::organization::OrganizationScreen;
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};

/// Applies what a screen asked for: status, overlays, navigation, token requests.
pub(super) fn apply(model: &mut Model, mut out: Outbox) -> Vec<Cmd> {
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
            let mut ctx = ctx_of!(model);
            let screen = OrganizationScreen::open(&mut ctx, organization);
            let more = std::mem::take(&mut ctx.out);
            model.screens.push(Screen::Organization(screen));
            out.cmds.extend(apply(model, more));
        }
        // Back closes the top screen (the one under it shows again: an organization
        // opened from the key inventory goes back to it); on the organization list
        // or the sign-in screen it quits.
        Some(Nav::Back) => match model.screens.route() {
            Route::Organizations | Route::SignIn => request_quit(model),
            Route::Organization | Route::Token | Route::Keys => {
                if let Some(screen) = model.screens.pop() {
                    out.cmds.extend(screen.cancel_all());
                }
            }
        },
        Some(Nav::OpenKeys) => {
            let mut ctx = ctx_of!(model);
            let screen = KeysScreen::open(&mut ctx);
            let more = std::mem::take(&mut ctx.out);
            model.screens.push(Screen::Keys(screen));
            out.cmds.extend(apply(model, more));
        }
        Some(Nav::Quit) => request_quit(model),
        None => {}
    }
    out.cmds
}

/// Quits at once unless a secret would be lost or a copied one is still on the
/// clipboard: then asks, saying what happens to each.
pub(super) fn request_quit(model: &mut Model) {
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
