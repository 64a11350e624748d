//! Replies from the effect runner reach the screen that asked, wherever it is in the
//! stack; one for a screen that has closed is dropped.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use m2m_portal::tui::app::{Cmd, Msg, Route};
use tui_support::*;

#[test]
fn a_reply_reaches_its_screen_under_the_top_one() {
    let mut model = in_organization(120, 40, 2);
    // Reload the keys, and open the token inspector on top before they come.
    let cmds = feed(&mut model, [ch('R')]);
    let reload = keys_id(&cmds);
    feed(&mut model, [ch('t')]);
    type_text(&mut model, "the-secret");
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let token = only_id(&cmds, |c| match c {
        Cmd::TestToken { id, .. } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [Msg::TokenFetched {
            id: token,
            result: Ok(token_report(true)),
        }],
    );
    assert_eq!(model.route(), Route::Token);
    let cmds = feed(
        &mut model,
        [Msg::KeysListed {
            id: reload,
            result: Ok((0..3).map(key_row).collect()),
        }],
    );
    assert_eq!(
        model.route(),
        Route::Token,
        "the reply does not change screens"
    );
    let organization = model
        .organization()
        .expect("the organization is still open");
    assert_eq!(organization.keys.len(), 3);
    assert!(organization.loading.is_none());
    assert!(cmds.is_empty(), "{cmds:?}");
}

#[test]
fn a_reply_for_a_closed_screen_is_dropped() {
    let mut model = signed_in(120, 40, 5, None);
    let cmds = feed(&mut model, [key(KeyCode::Down), key(KeyCode::Enter)]);
    let id = keys_id(&cmds);
    // Esc cancels the listing, a second Esc goes back to the organizations.
    feed(&mut model, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Organizations);
    let status = model.status.clone();
    let cmds = feed(
        &mut model,
        [
            Msg::KeysListed {
                id,
                result: Ok((0..3).map(key_row).collect()),
            },
            Msg::Provisioned {
                id,
                result: Ok(issued()),
            },
        ],
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(model.route(), Route::Organizations);
    assert!(model.organization().is_none());
    assert!(
        model.overlays.is_empty(),
        "no secret is shown for a closed screen"
    );
    assert_eq!(model.status, status);
}
