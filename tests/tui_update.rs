//! The TUI's flows through the pure `update`: messages in, model and commands out.
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use m2m_portal::portal::{
    Action, ErrorKind, PortalError, ProvisionProgress, ProvisionStep, Revoked, StepState,
};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{Cmd, CopyReport, Msg, Overlay, Route, StatusKind, update};
use tui_support::*;

fn error(message: &str, code: &str, hint: &str) -> PortalError {
    PortalError::new(ErrorKind::Auth, message)
        .with_code(code)
        .with_hint(hint)
}

fn status_text(model: &m2m_portal::tui::app::Model) -> String {
    model
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[test]
fn signing_in_sends_the_prefilled_credentials_and_opens_the_organizations() {
    let mut model = model(80, 24);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let Cmd::SignIn { id, credentials } = &cmds[0] else {
        panic!("expected a sign-in, got {cmds:?}")
    };
    assert_eq!(credentials.base_url, "http://127.0.0.1:8787");
    assert_eq!(credentials.client_id, "admin-app-client-id");
    assert_eq!(
        credentials.client_secret.expose_secret(),
        "admin-secret-value"
    );
    assert!(model.busy(), "a spinner shows while signing in");

    let cmds = feed(
        &mut model,
        [Msg::SignedIn {
            id: *id,
            credentials: credentials.clone(),
            result: Ok(sign_in_result(&[])),
        }],
    );
    assert_eq!(model.route(), Route::Organizations);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::LoadOrganizations {
            from: None,
            take: 100,
            ..
        }]
    ));
    assert_eq!(model.status.as_ref().unwrap().kind, StatusKind::Ok);
}

#[test]
fn a_failed_sign_in_shows_the_reason_and_lets_the_user_fix_the_secret() {
    let mut model = model(80, 24);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = sign_in_id(&cmds);
    let Cmd::SignIn { credentials, .. } = &cmds[0] else {
        unreachable!()
    };
    feed(
        &mut model,
        [Msg::SignedIn {
            id,
            credentials: credentials.clone(),
            // The portal names the field at fault; the screen no longer reads it from the text.
            result: Err(error(
                "wrong client secret",
                "access_denied",
                "check PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            )
            .with_field(m2m_portal::portal::Setting::ClientSecret)),
        }],
    );
    assert_eq!(model.route(), Route::SignIn);
    assert!(!model.busy());
    let screen = render(&model);
    assert!(
        screen.contains("wrong client secret (access_denied)"),
        "{screen}"
    );
    assert!(
        screen.contains("check PLUGIN_AUTH0_M2M_CLIENT_SECRET"),
        "{screen}"
    );
    assert!(
        !screen.contains("admin-secret-value"),
        "the secret field stays masked"
    );

    // The cursor is on the secret: clear it, paste the right one (a trailing newline is dropped), retry.
    let clear = Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    let cmds = feed(
        &mut model,
        [
            clear,
            Msg::Paste("right-secret\n".to_owned()),
            key(KeyCode::Enter),
        ],
    );
    let Cmd::SignIn { credentials, .. } = &cmds[0] else {
        panic!("expected a retry, got {cmds:?}")
    };
    assert_eq!(credentials.client_secret.expose_secret(), "right-secret");
}

#[test]
fn an_invalid_domain_is_refused_before_any_request() {
    let mut model = model(80, 24);
    let clear = Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    let mut cmds = feed(&mut model, [clear]);
    cmds.extend(type_text(&mut model, "http://tenant.example.com"));
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(render(&model).contains("plain http:// is only allowed for loopback"));
}

#[test]
fn missing_scopes_leave_actions_visible_but_disabled_with_the_scope_named() {
    let model = signed_in_with(
        80,
        24,
        3,
        None,
        TuiOptions::default(),
        &[Action::ProvisionKey],
    );
    assert!(
        matches!(model.overlays.last(), Some(Overlay::Error(_))),
        "the scope check is shown"
    );
    let screen = render(&model);
    assert!(screen.contains("needs create:clients"), "{screen}");

    let mut model = model;
    feed(&mut model, [key(KeyCode::Esc), key(KeyCode::Enter)]);
    let cmds = feed(&mut model, [ch('p')]);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::ProvisionKey { .. })));
    assert!(
        status_text(&model).contains("provision keys needs scope create:clients"),
        "{}",
        status_text(&model)
    );
}

#[test]
fn the_first_page_paints_at_once_and_says_more_are_coming() {
    let model = signed_in(80, 24, 100, Some("checkpoint-1"));
    let screen = render(&model);
    assert!(screen.contains("100 loaded · more"), "{screen}");
    assert!(screen.contains("Customer 0"), "{screen}");
}

#[test]
fn scrolling_near_the_end_loads_the_next_page_once() {
    let mut model = signed_in(80, 24, 100, Some("checkpoint-1"));
    // Moving a little does not fetch yet.
    assert!(feed(&mut model, [key(KeyCode::Down)]).is_empty());
    let cmds = feed(&mut model, [key(KeyCode::End)]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadOrganizations { from: Some(from), take: 100, .. }] if from == "checkpoint-1"),
        "{cmds:?}"
    );
    // While it loads, more scrolling does not ask again.
    assert!(feed(&mut model, [key(KeyCode::Up), key(KeyCode::End)]).is_empty());
    let id = page_id(&cmds);
    let cmds = feed(
        &mut model,
        [Msg::OrganizationsPage {
            id,
            result: Ok(page(100, 100, None)),
        }],
    );
    assert!(cmds.is_empty());
    let screen = render(&model);
    assert!(screen.contains("200 loaded"), "{screen}");
    assert!(!screen.contains("· more"), "{screen}");
}

#[test]
fn a_thousand_loaded_rows_are_counted_with_separators() {
    let mut model = signed_in(80, 24, 100, Some("c"));
    for n in 1..13 {
        let cmds = feed(&mut model, [key(KeyCode::End)]);
        let id = page_id(&cmds);
        feed(
            &mut model,
            [Msg::OrganizationsPage {
                id,
                result: Ok(page(n * 100, 100, if n < 12 { Some("c") } else { None })),
            }],
        );
    }
    assert!(render(&model).contains("1,300 loaded"));
}

#[test]
fn the_filter_narrows_loaded_rows_as_you_type_and_enter_looks_up_on_the_server() {
    let mut model = signed_in(80, 24, 100, None);
    let cmds = feed(&mut model, [ch('/')]);
    assert!(cmds.is_empty());
    type_text(&mut model, "customer-0004");
    let screen = render(&model);
    assert!(screen.contains("10 of 100 loaded match"), "{screen}");
    assert!(screen.contains("customer-00042"), "{screen}");
    assert!(!screen.contains("customer-00001"), "{screen}");

    let cmds = feed(&mut model, [ch('2'), key(KeyCode::Enter)]);
    let [Cmd::FindOrganization { id, query }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(query, "customer-00042");
    let cmds = feed(
        &mut model,
        [Msg::OrganizationFound {
            id: *id,
            result: Ok(organization(42)),
        }],
    );
    assert_eq!(model.route(), Route::Organization);
    assert!(
        matches!(cmds.as_slice(), [Cmd::ListKeys { organization_id, .. }] if organization_id == &organization(42).id)
    );
}

#[test]
fn escape_cancels_loading_and_the_late_reply_is_dropped() {
    let mut model = model(80, 24);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = sign_in_id(&cmds);
    let Cmd::SignIn { credentials, .. } = &cmds[0] else {
        unreachable!()
    };
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    assert!(matches!(cmds.as_slice(), [Cmd::Cancel { id: cancelled }] if *cancelled == id));
    assert!(!model.busy());
    assert!(!model.quit, "Esc cancelled, it did not quit");
    let cmds = feed(
        &mut model,
        [Msg::SignedIn {
            id,
            credentials: credentials.clone(),
            result: Ok(sign_in_result(&[])),
        }],
    );
    assert!(cmds.is_empty());
    assert_eq!(model.route(), Route::SignIn, "the late reply was dropped");
}

#[test]
fn a_stale_page_from_before_a_reload_is_dropped() {
    let mut model = signed_in(80, 24, 100, Some("c1"));
    let stale = page_id(&feed(&mut model, [key(KeyCode::End)]));
    let cmds = feed(&mut model, [ch('R')]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Cancel { id } if *id == stale))
    );
    let fresh = page_id(&cmds);
    feed(
        &mut model,
        [Msg::OrganizationsPage {
            id: stale,
            result: Ok(page(500, 100, None)),
        }],
    );
    assert!(
        render(&model).contains("0 loaded"),
        "the stale page was dropped"
    );
    feed(
        &mut model,
        [Msg::OrganizationsPage {
            id: fresh,
            result: Ok(page(0, 10, None)),
        }],
    );
    assert!(render(&model).contains("10 loaded"));
}

#[test]
fn creating_an_organization_checks_auth0_name_rules_before_any_request() {
    let mut model = signed_in(80, 24, 3, None);
    let mut cmds = feed(&mut model, [ch('n')]);
    cmds.extend(type_text(&mut model, "Acme Corp"));
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(render(&model).contains("not allowed"), "{}", render(&model));

    let clear = Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    feed(&mut model, [clear]);
    type_text(&mut model, "acme-corp");
    feed(&mut model, [key(KeyCode::Tab)]);
    type_text(&mut model, "Acme Corp");
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let [
        Cmd::CreateOrganization {
            id,
            name,
            display_name,
        },
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(name, "acme-corp");
    assert_eq!(display_name.as_deref(), Some("Acme Corp"));
    let created = m2m_portal::portal::Organization {
        id: "org_new".into(),
        name: "acme-corp".into(),
        display_name: Some("Acme Corp".into()),
    };
    feed(
        &mut model,
        [Msg::OrganizationCreated {
            id: *id,
            result: Ok(created),
        }],
    );
    assert_eq!(model.route(), Route::Organization);
}

fn provision_id(cmds: &[Cmd]) -> m2m_portal::tui::app::RequestId {
    only_id(cmds, |c| match c {
        Cmd::ProvisionKey { id, .. } => Some(*id),
        _ => None,
    })
}

fn progress(id: m2m_portal::tui::app::RequestId, step: ProvisionStep, state: StepState) -> Msg {
    Msg::ProvisionProgress {
        id,
        progress: ProvisionProgress { step, state },
    }
}

#[test]
fn provisioning_shows_each_step_then_reveals_the_secret_once() {
    let mut model = in_organization(80, 24, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [
            progress(id, ProvisionStep::CreateClient, StepState::Done),
            progress(id, ProvisionStep::CreateGrant, StepState::Done),
            progress(id, ProvisionStep::LinkGrant, StepState::Running),
        ],
    );
    let screen = render(&model);
    assert!(screen.contains("✓ create the client"), "{screen}");
    assert!(screen.contains("✓ grant it the API"), "{screen}");
    assert!(
        screen.contains("link the grant to the organization"),
        "{screen}"
    );

    let cmds = feed(
        &mut model,
        [
            progress(id, ProvisionStep::LinkGrant, StepState::Done),
            Msg::Provisioned {
                id,
                result: Ok(issued()),
            },
        ],
    );
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::ListKeys { .. })),
        "the keys reload: {cmds:?}"
    );
    assert!(model.secret_on_screen());
    let screen = render(&model);
    assert!(screen.contains(ISSUED_SECRET), "{screen}");
    assert!(screen.contains("will not be shown again"), "{screen}");
}

#[test]
fn provisioning_that_fails_shows_the_rollback() {
    let mut model = in_organization(80, 24, 0);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [
            progress(id, ProvisionStep::CreateClient, StepState::Done),
            progress(id, ProvisionStep::CreateGrant, StepState::Done),
            progress(id, ProvisionStep::LinkGrant, StepState::Failed),
            progress(id, ProvisionStep::Rollback, StepState::Running),
            progress(id, ProvisionStep::Rollback, StepState::Done),
            Msg::Provisioned {
                id,
                result: Err(error(
                    "the organization already has 100 client grants",
                    "too_many_entities",
                    "revoke an unused key first",
                )),
            },
        ],
    );
    assert!(!model.secret_on_screen());
    let screen = render(&model);
    assert!(
        screen.contains("✗ link the grant to the organization"),
        "{screen}"
    );
    assert!(
        screen.contains("✓ roll back: delete the client"),
        "{screen}"
    );
    assert!(screen.contains("Rolled back"), "{screen}");
    assert!(screen.contains("revoke an unused key first"), "{screen}");
    // Esc closes the report; another Esc goes back.
    feed(&mut model, [key(KeyCode::Esc)]);
    assert!(!render(&model).contains("Rolled back"));
    assert_eq!(model.route(), Route::Organization);
}

#[test]
fn rotating_asks_first_then_reveals_the_new_secret() {
    let mut model = in_organization(80, 24, 2);
    let cmds = feed(&mut model, [ch('r')]);
    assert!(cmds.is_empty(), "nothing happens before the confirmation");
    let screen = render(&model);
    assert!(screen.contains("old secret stops working"), "{screen}");
    assert!(screen.contains("30 seconds"), "{screen}");
    // n cancels
    assert!(feed(&mut model, [ch('n')]).is_empty());
    assert!(model.overlays.is_empty());

    let cmds = feed(&mut model, [ch('r'), ch('y')]);
    let [Cmd::RotateSecret { id, client_id }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(client_id, &key_row(0).client_id);
    feed(
        &mut model,
        [Msg::Rotated {
            id: *id,
            result: Ok(issued()),
        }],
    );
    assert!(model.secret_on_screen());
}

#[test]
fn a_rotation_whose_answer_was_lost_says_unknown_and_offers_to_rotate_again() {
    let mut model = in_organization(80, 24, 2);
    let cmds = feed(&mut model, [ch('r'), ch('y')]);
    let [Cmd::RotateSecret { id, client_id }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let lost = m2m_portal::portal::PortalError::failure("Unknown whether the secret was rotated")
        .with_code(m2m_portal::portal::ROTATION_UNKNOWN);
    let cmds = feed(
        &mut model,
        [Msg::Rotated {
            id: *id,
            result: Err(lost),
        }],
    );
    assert!(
        cmds.is_empty(),
        "nothing is rotated without asking: {cmds:?}"
    );
    let screen = render(&model);
    assert!(
        screen.contains("answer to the rotation was lost"),
        "{screen}"
    );
    assert!(screen.contains("rotate again"), "{screen}");
    assert!(!screen.contains("check your network"), "{screen}");
    // y rotates the same key again at once.
    let again = feed(&mut model, [ch('y')]);
    let [
        Cmd::RotateSecret {
            client_id: again_id,
            ..
        },
    ] = again.as_slice()
    else {
        panic!("{again:?}")
    };
    assert_eq!(again_id, client_id);
}

#[test]
fn p_asks_for_a_unique_key_name_before_provisioning() {
    let mut model = in_organization(80, 24, 2);
    // Today's default name is taken by an existing key.
    model.organization_mut().unwrap().keys[0].name = "customer-00001 api key 2027-01-15".to_owned();
    let cmds = feed(&mut model, [ch('p')]);
    assert!(
        cmds.is_empty(),
        "nothing is created before the name is confirmed: {cmds:?}"
    );
    let screen = render(&model);
    assert!(screen.contains("New key"), "{screen}");
    assert!(
        screen.contains("customer-00001 api key 2027-01-15 #2"),
        "{screen}"
    );
    // q is typed into the name, it does not quit.
    feed(&mut model, [ch('q')]);
    assert!(!model.quit);

    // A name another key has is refused on the spot.
    let clear = || Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    feed(&mut model, [clear()]);
    let mut cmds = type_text(&mut model, "acme-key-1");
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(status_text(&model).contains("a key named acme-key-1 exists"));

    // A new name provisions a key with that name.
    feed(&mut model, [clear()]);
    let mut cmds = type_text(&mut model, "billing service");
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    let [Cmd::ProvisionKey { name, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(name.as_deref(), Some("billing service"));

    // Esc closes the dialog without provisioning.
    let mut model = in_organization(80, 24, 0);
    feed(&mut model, [ch('p')]);
    assert!(feed(&mut model, [key(KeyCode::Esc)]).is_empty());
    assert!(!render(&model).contains("New key"));
}

#[test]
fn revoking_one_of_two_keys_with_the_same_name_asks_for_its_client_id() {
    let mut model = in_organization(120, 40, 2);
    for key in &mut model.organization_mut().unwrap().keys {
        key.name = "acme api key 2026-12-02".to_owned();
    }
    feed(&mut model, [key(KeyCode::Down), ch('x')]);
    let screen = render(&model);
    assert!(screen.contains("Type the key's client id"), "{screen}");
    // The shared name does not confirm.
    let mut cmds = type_text(&mut model, "acme api key 2026-12-02");
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    assert!(cmds.is_empty(), "{cmds:?}");
    let clear = Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    feed(&mut model, [clear, Msg::Paste(key_row(1).client_id)]);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let [Cmd::RevokeKey { client_id, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(client_id, &key_row(1).client_id);
}

#[test]
fn revoking_needs_the_key_name_typed() {
    let mut model = in_organization(80, 24, 2);
    feed(&mut model, [key(KeyCode::Down)]);
    let mut cmds = feed(&mut model, [ch('x')]);
    cmds.extend(type_text(&mut model, "acme-key-0"));
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    assert!(cmds.is_empty(), "the wrong name does not revoke: {cmds:?}");
    assert!(render(&model).contains("not the key's name"));

    let clear = Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    feed(&mut model, [clear, Msg::Paste("acme-key-1".to_owned())]);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let [
        Cmd::RevokeKey {
            id,
            organization_id,
            client_id,
        },
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(organization_id, &organization(1).id);
    assert_eq!(client_id, &key_row(1).client_id);
    let revoked = Revoked {
        unlinked_grant: Some("g".into()),
        deleted_grant: Some("g".into()),
        deleted_client: Some("c".into()),
    };
    let cmds = feed(
        &mut model,
        [Msg::Revoked {
            id: *id,
            result: Ok(revoked),
        }],
    );
    assert!(cmds.iter().any(|c| matches!(c, Cmd::ListKeys { .. })));
    assert!(
        status_text(&model).contains(
            "revoked acme-key-1: unlinked the grant, deleted the grant, deleted the client"
        )
    );
}

#[test]
fn closing_the_reveal_asks_once_then_drops_the_secret() {
    let mut model = in_organization(80, 24, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    feed(&mut model, [key(KeyCode::Esc)]);
    assert!(model.secret_on_screen(), "the first Esc only asks");
    assert!(render(&model).contains("Have you stored the secret?"));
    feed(&mut model, [ch('n')]);
    assert!(model.secret_on_screen(), "n keeps it open");
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    assert!(!model.secret_on_screen());
    assert!(
        model.overlays.is_empty(),
        "the overlay, the only owner of the secret, is gone"
    );
    assert!(
        !render(&model).contains(ISSUED_SECRET),
        "never rendered again"
    );
    // Nothing else kept a copy: the model's debug form of every screen is free of it.
    assert!(!format!("{:?}", model.organization()).contains(ISSUED_SECRET));
}

#[test]
fn copy_actions_send_one_copy_command_each_and_show_the_countdown() {
    let mut model = in_organization(80, 24, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    let cmds = feed(&mut model, [ch('c'), ch('i'), ch('e'), ch('u')]);
    let copies: Vec<(&str, &str)> = cmds
        .iter()
        .map(|c| match c {
            Cmd::Copy { what, text } => (what.as_str(), text.expose_secret()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(copies[0], ("the secret", ISSUED_SECRET));
    assert_eq!(copies[1], ("the client id", "newclient000000000000001"));
    assert!(
        copies[2]
            .1
            .contains(&format!("AUTH0_CLIENT_SECRET={ISSUED_SECRET}"))
    );
    assert!(
        copies[2]
            .1
            .contains("AUTH0_ORGANIZATION=org_0000000000000001")
    );
    assert!(
        copies[3]
            .1
            .starts_with("printf %s \"$AUTH0_CLIENT_SECRET\" | curl --request POST --url 'http://127.0.0.1:8787/oauth/token'")
    );
    assert!(
        !copies[3].1.contains(ISSUED_SECRET),
        "the curl command reads the secret from the environment, never from its arguments"
    );
    assert!(copies[3].1.contains("organization='org_0000000000000001'"));

    feed(
        &mut model,
        [Msg::Copied {
            what: "the secret".to_owned(),
            result: Ok(CopyReport {
                via: "OSC 52".to_owned(),
                clears_in: Some(Duration::from_secs(30)),
                note: None,
            }),
        }],
    );
    assert!(render(&model).contains("clipboard clears in 30s"));
    assert!(model.tick_interval().is_some(), "the countdown ticks");
    feed(&mut model, [Msg::Tick(now() + Duration::from_secs(12))]);
    assert!(
        render(&model).contains("clipboard clears in 18s"),
        "the countdown runs"
    );
    // When the clear is due, the runner is asked to clear; its report ends the countdown.
    let cmds = feed(&mut model, [Msg::ClipboardDue]);
    assert!(matches!(cmds.as_slice(), [Cmd::ClearClipboard]), "{cmds:?}");
    feed(
        &mut model,
        [Msg::ClipboardCleared(Ok(
            "clipboard cleared (the terminal (OSC 52))".to_owned(),
        ))],
    );
    let screen = render(&model);
    assert!(!screen.contains("clipboard clears in"), "{screen}");
    assert!(screen.contains("clipboard cleared"), "{screen}");
}

#[test]
fn a_test_token_from_the_reveal_opens_the_inspector_with_the_checks() {
    let mut model = in_organization(80, 24, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    let cmds = feed(&mut model, [ch('t')]);
    let [Cmd::TestToken { id, request }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(request.client_secret.expose_secret(), ISSUED_SECRET);
    assert_eq!(
        request.organization.as_deref(),
        Some(organization(1).id.as_str())
    );
    feed(
        &mut model,
        [Msg::TokenFetched {
            id: *id,
            result: Ok(token_report(true)),
        }],
    );
    assert_eq!(model.route(), Route::Token);
    assert!(render(&model).contains("5/5 gateway checks passed"));
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    let screen = render(&model);
    assert!(screen.contains("✓ org_id"), "{screen}");
    // One duration style across the app (issue 13.14): was "4m 59s".
    assert!(screen.contains("expires in 4 min 59 s"), "{screen}");
}

#[test]
fn a_test_token_for_a_listed_key_asks_for_its_secret() {
    let mut model = in_organization(80, 24, 1);
    assert!(feed(&mut model, [ch('t')]).is_empty());
    assert!(render(&model).contains("paste or type it"));
    let cmds = feed(
        &mut model,
        [
            Msg::Paste("pasted-secret\n".to_owned()),
            key(KeyCode::Enter),
        ],
    );
    let [Cmd::TestToken { id, request }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(request.client_secret.expose_secret(), "pasted-secret");
    assert_eq!(request.client_id, key_row(0).client_id);
    assert!(model.busy());
    // Esc cancels the request; its late reply is dropped.
    let id = *id;
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Cancel { id: cancelled }] if *cancelled == id),
        "{cmds:?}"
    );
    assert_eq!(
        model.route(),
        Route::Organization,
        "Esc cancelled, it did not go back"
    );
    feed(
        &mut model,
        [Msg::TokenFetched {
            id,
            result: Ok(token_report(true)),
        }],
    );
    assert_eq!(model.route(), Route::Organization);
}

#[test]
fn read_only_mode_refuses_every_change_and_says_so() {
    let options = TuiOptions {
        read_only: true,
        ..TuiOptions::default()
    };
    let mut model = in_organization_with(80, 24, 1, options);
    for c in ['p', 'r', 'x'] {
        let cmds = feed(&mut model, [ch(c)]);
        assert!(cmds.is_empty(), "{c}: {cmds:?}");
        assert!(model.overlays.is_empty());
        assert!(
            status_text(&model).contains("read-only"),
            "{c}: {}",
            status_text(&model)
        );
    }
    assert!(render(&model).contains("read-only"));
}

#[test]
fn quitting_with_a_secret_on_screen_asks_first() {
    let mut model = in_organization(80, 24, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    feed(&mut model, [ch('q')]);
    assert!(!model.quit);
    assert!(render(&model).contains("Quit?"));
    feed(&mut model, [ch('n')]);
    assert!(
        !model.quit && model.secret_on_screen(),
        "n stays with the secret"
    );
    feed(&mut model, [ch('q'), ch('y')]);
    assert!(model.quit);
}

#[test]
fn q_quits_at_once_without_a_secret_and_ctrl_c_always() {
    let mut model = signed_in(80, 24, 3, None);
    feed(&mut model, [ch('q')]);
    assert!(model.quit);
    let mut model = model_on_sign_in();
    feed(
        &mut model,
        [Msg::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        ))],
    );
    assert!(model.quit);
}

fn model_on_sign_in() -> m2m_portal::tui::app::Model {
    tui_support::model(80, 24)
}

#[test]
fn key_releases_are_ignored() {
    let mut model = model(80, 24);
    let mut release = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert!(update(&mut model, Msg::Key(release)).is_empty());
    assert!(!model.busy());
}

#[test]
fn errors_are_shown_never_a_crash() {
    let mut model = signed_in(80, 24, 3, None);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = keys_id(&cmds);
    feed(
        &mut model,
        [Msg::KeysListed {
            id,
            result: Err(error(
                "Too many requests",
                "too_many_requests",
                "wait a moment and press R",
            )),
        }],
    );
    let screen = render(&model);
    assert!(
        screen.contains("Too many requests (too_many_requests)"),
        "{screen}"
    );
}

#[test]
fn tenant_text_cannot_drive_the_terminal() {
    let mut model = signed_in(80, 24, 0, None);
    feed(&mut model, [ch('R')]);
    let id = page_id(&feed(&mut model, [ch('R')]));
    let evil = m2m_portal::portal::Organization {
        id: "org_evil".into(),
        name: "evil".into(),
        display_name: Some("\x1b]52;c;AAAA\x07pwned".into()),
    };
    feed(
        &mut model,
        [Msg::OrganizationsPage {
            id,
            result: Ok(m2m_portal::portal::OrganizationPage {
                organizations: vec![evil],
                next: None,
            }),
        }],
    );
    let screen = render(&model);
    assert!(!screen.contains('\x1b'));
    assert!(screen.contains("\\x1b]52;c;AAAA\\x07pwned"), "{screen}");
}

#[test]
fn clicking_a_row_selects_it_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut model = signed_in(80, 24, 50, None);
    let mouse = |kind, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 10,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Title row 0, count row 1, table border row 2, header row 3: the first organization is on row 4.
    feed(
        &mut model,
        [mouse(MouseEventKind::Down(MouseButton::Left), 7)],
    );
    assert_eq!(model.organizations().unwrap().selected, 3);
    feed(&mut model, [mouse(MouseEventKind::ScrollDown, 7)]);
    assert_eq!(model.organizations().unwrap().selected, 6);
    // A click on the selected row opens it.
    let cmds = feed(
        &mut model,
        [mouse(MouseEventKind::Down(MouseButton::Left), 10)],
    );
    assert!(
        matches!(cmds.as_slice(), [Cmd::ListKeys { organization_id, .. }] if organization_id == &organization(6).id),
        "{cmds:?}"
    );
}

#[test]
fn idle_means_no_ticks() {
    let model = signed_in(80, 24, 3, None);
    assert_eq!(model.tick_interval(), None);
    let mut model = model;
    feed(&mut model, [ch('R')]);
    assert!(
        model.tick_interval().is_some(),
        "a spinner ticks while loading"
    );
}

#[test]
fn the_filter_widens_again_when_characters_are_deleted() {
    let mut model = signed_in(80, 24, 100, None);
    feed(&mut model, [ch('/')]);
    type_text(&mut model, "customer-00042");
    assert!(render(&model).contains("1 of 100 loaded match"));
    feed(
        &mut model,
        [key(KeyCode::Backspace), key(KeyCode::Backspace)],
    );
    assert!(
        render(&model).contains("100 of 100 loaded match"),
        "{}",
        render(&model)
    );
    // Display names and ids are searched too, case-insensitively.
    let clear = Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    feed(&mut model, [clear]);
    type_text(&mut model, "CUSTOMER 7");
    assert!(
        render(&model).contains("11 of 100 loaded match"),
        "{}",
        render(&model)
    );
}

#[test]
fn presenter_mode_hides_the_secret_on_screen_but_copy_still_sends_it() {
    let mut model = in_organization_with(
        120,
        40,
        1,
        TuiOptions {
            presenter: true,
            ..TuiOptions::default()
        },
    );
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    let screen = render(&model);
    assert!(screen.contains("newclient000000000000001"), "{screen}");
    assert!(
        !screen.contains(ISSUED_SECRET),
        "masked while presenting:\n{screen}"
    );
    let cmds = feed(&mut model, [ch('c')]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Copy { text, .. }] if text.expose_secret() == ISSUED_SECRET),
        "copy still carries the real secret"
    );
}

fn find_id(cmds: &[Cmd]) -> m2m_portal::tui::app::RequestId {
    only_id(cmds, |c| match c {
        Cmd::FindOrganization { id, .. } => Some(*id),
        _ => None,
    })
}

#[test]
fn the_lookup_message_goes_once_the_organization_opened() {
    let mut model = signed_in(80, 24, 5, None);
    feed(&mut model, [ch('/')]);
    type_text(&mut model, "customer-00003");
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = find_id(&cmds);
    assert!(status_text(&model).contains("looking up"));
    feed(
        &mut model,
        [Msg::OrganizationFound {
            id,
            result: Ok(tui_support::organization(3)),
        }],
    );
    assert_eq!(model.route(), Route::Organization);
    assert!(
        !status_text(&model).contains("looking up"),
        "{}",
        status_text(&model)
    );
}

#[test]
fn the_reload_message_goes_once_the_first_page_arrived() {
    let mut model = signed_in(80, 24, 5, None);
    let cmds = feed(&mut model, [ch('R')]);
    let id = page_id(&cmds);
    assert!(status_text(&model).contains("reloading"));
    feed(
        &mut model,
        [Msg::OrganizationsPage {
            id,
            result: Ok(page(0, 5, None)),
        }],
    );
    assert!(
        !status_text(&model).contains("reloading"),
        "{}",
        status_text(&model)
    );
}

#[test]
fn a_lookup_error_goes_when_esc_clears_the_filter() {
    let mut model = signed_in(80, 24, 5, None);
    feed(&mut model, [ch('/')]);
    type_text(&mut model, "nope");
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = find_id(&cmds);
    feed(
        &mut model,
        [Msg::OrganizationFound {
            id,
            result: Err(error(
                "No organization has the id or name nope",
                "not_found",
                "",
            )),
        }],
    );
    assert!(status_text(&model).contains("nope"));
    feed(&mut model, [key(KeyCode::Esc)]);
    assert!(
        !status_text(&model).contains("nope"),
        "{}",
        status_text(&model)
    );
}

#[test]
fn the_env_snippet_keeps_the_http_scheme_a_loopback_tenant_needs() {
    let model = model(80, 24);
    let reveal = m2m_portal::tui::widgets::reveal::RevealOverlay::new(issued(), None);
    let snippet = reveal.env_snippet(&model.tenant);
    assert!(
        snippet
            .expose_secret()
            .contains("AUTH0_DOMAIN=http://127.0.0.1:8787\n"),
        "{}",
        snippet.expose_secret()
    );
}

#[test]
fn a_failed_sign_in_says_so_once() {
    let mut model = model(80, 24);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = sign_in_id(&cmds);
    let Cmd::SignIn { credentials, .. } = &cmds[0] else {
        unreachable!()
    };
    feed(
        &mut model,
        [Msg::SignedIn {
            id,
            credentials: credentials.clone(),
            result: Err(error(
                "Signing in failed: cannot reach Auth0",
                "connect",
                "check PLUGIN_AUTH0_M2M_DOMAIN",
            )),
        }],
    );
    let text = status_text(&model).to_lowercase();
    assert_eq!(
        text.matches("sign in failed").count() + text.matches("signing in failed").count(),
        1,
        "{text}"
    );
}

#[test]
fn read_only_mode_does_not_offer_p_on_an_empty_key_table() {
    let options = TuiOptions {
        read_only: true,
        ..TuiOptions::default()
    };
    let model = tui_support::in_organization_with(120, 40, 0, options);
    let screen = render(&model);
    assert!(screen.contains("No keys yet"), "{screen}");
    assert!(!screen.contains("p provisions"), "{screen}");
}

#[test]
fn an_empty_key_table_lays_its_header_out_like_a_full_one() {
    for width in [80, 120, 200] {
        let model = tui_support::in_organization(width, 24, 0);
        let screen = render(&model);
        let header = screen
            .lines()
            .find(|l| l.contains("Client id"))
            .unwrap_or_else(|| panic!("{screen}"));
        let gap = |a: &str, b: &str| {
            let end = header.find(a).unwrap() + a.len();
            header[end..].find(b).unwrap()
        };
        // Room for a 32-character client id, and columns apart.
        assert!(gap("Client id", "Scopes") >= 25, "{width}: {header}");
        assert!(gap("Name", "Client id") >= 2, "{width}: {header}");
    }
}

/// A long error whose end must stay readable somewhere.
fn long_error() -> PortalError {
    PortalError::new(
        ErrorKind::Failure,
        "Signing in failed: cannot reach Auth0 (error sending request for url \
                  (https://tenant.eu.auth0.com/oauth/token): client error (Connect): tcp connect \
                  error: Connection refused (os error 111)) LAST-WORDS",
    )
    .with_code("organization_conflict_with_a_long_code")
    .with_hint("Check PLUGIN_AUTH0_M2M_DOMAIN and your network HINT-END")
}

#[test]
fn a_long_error_is_cut_in_the_status_line_and_shown_whole_with_bang() {
    for width in [80, 200] {
        let mut model = in_organization(width, 24, 2);
        let cmds = feed(&mut model, [ch('r'), ch('y')]);
        let [Cmd::RotateSecret { id, .. }] = cmds.as_slice() else {
            panic!("{cmds:?}")
        };
        feed(
            &mut model,
            [Msg::Rotated {
                id: *id,
                result: Err(long_error()),
            }],
        );
        // Close the error overlay the rotation opened; the status line keeps the message.
        feed(&mut model, [key(KeyCode::Esc)]);
        let screen = render(&model);
        assert!(screen.contains("(! shows all)"), "{width}: {screen}");
        feed(&mut model, [ch('!')]);
        let screen = render(&model);
        assert!(screen.contains("LAST-WORDS"), "{width}: {screen}");
        assert!(screen.contains("HINT-END"), "{width}: {screen}");
    }
}

#[test]
fn the_whole_error_goes_to_the_log() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let mut model = in_organization(80, 24, 2);
        let cmds = feed(&mut model, [ch('r'), ch('y')]);
        let [Cmd::RotateSecret { id, .. }] = cmds.as_slice() else {
            panic!("{cmds:?}")
        };
        feed(
            &mut model,
            [Msg::Rotated {
                id: *id,
                result: Err(long_error()),
            }],
        );
    });
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("LAST-WORDS"), "{log}");
    assert!(log.contains("HINT-END"), "{log}");
}

#[test]
fn a_long_sign_in_error_wraps_below_the_form_whole() {
    let mut model = model(80, 24);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = sign_in_id(&cmds);
    let Cmd::SignIn { credentials, .. } = &cmds[0] else {
        unreachable!()
    };
    feed(
        &mut model,
        [Msg::SignedIn {
            id,
            credentials: credentials.clone(),
            result: Err(long_error()),
        }],
    );
    let screen = render(&model);
    assert!(screen.contains("LAST-WORDS"), "{screen}");
    assert!(screen.contains("HINT-END"), "{screen}");
    // "sign in failed" is said once.
    assert!(
        !status_text(&model)
            .to_lowercase()
            .contains("sign in failed: signing in failed")
    );
}

#[test]
fn a_long_create_organization_error_wraps_in_the_dialog() {
    let mut model = signed_in(80, 24, 3, None);
    let mut cmds = feed(&mut model, [ch('n')]);
    cmds.extend(type_text(&mut model, "acme-corp"));
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    let [Cmd::CreateOrganization { id, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    feed(
        &mut model,
        [Msg::OrganizationCreated {
            id: *id,
            result: Err(long_error()),
        }],
    );
    let screen = render(&model);
    assert!(screen.contains("LAST-WORDS"), "{screen}");
}

/// The footer row (last line of the screen).
fn footer(model: &m2m_portal::tui::app::Model) -> String {
    render(model).lines().last().unwrap_or_default().to_owned()
}

#[test]
fn the_footer_and_dialogs_offer_only_keys_that_act() {
    // The top list has nowhere to go back to.
    let mut model = signed_in(120, 40, 3, None);
    assert!(!footer(&model).contains("Esc back"), "{}", footer(&model));
    let before = model.route();
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), before);

    // Help: q closes it (so the footer does not say "q quit").
    feed(&mut model, [ch('?')]);
    assert!(!footer(&model).contains("q quit"), "{}", footer(&model));
    feed(&mut model, [ch('q')]);
    assert!(model.overlays.is_empty() && !model.quit);

    // The rotate dialog names the keys the footer names.
    let mut model = in_organization(120, 40, 1);
    feed(&mut model, [ch('r')]);
    let screen = render(&model);
    assert!(screen.contains("y/Enter rotate"), "{screen}");
    assert!(screen.contains("n/Esc cancel"), "{screen}");
    assert!(feed(&mut model, [key(KeyCode::Esc)]).is_empty());
    assert!(model.overlays.is_empty());
    let cmds = feed(&mut model, [ch('r'), key(KeyCode::Enter)]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::RotateSecret { .. }]),
        "{cmds:?}"
    );
}

#[test]
fn the_reveal_over_reloading_keys_does_not_say_esc_cancels() {
    let mut model = in_organization(120, 40, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    assert!(model.secret_on_screen());
    let screen = render(&model);
    assert!(!screen.contains("(Esc cancels)"), "{screen}");
}

#[test]
fn the_token_inspector_scrolls_to_its_end_and_never_into_blank() {
    let mut model = in_organization(80, 24, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    let cmds = feed(&mut model, [ch('t')]);
    let [Cmd::TestToken { id, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    feed(
        &mut model,
        [Msg::TokenFetched {
            id: *id,
            result: Ok(token_report(true)),
        }],
    );
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    assert_eq!(model.route(), Route::Token);
    let top = render(&model);
    assert!(
        !top.contains("Raw token"),
        "the end is below at 80x24: {top}"
    );
    // End shows the last lines.
    feed(&mut model, [key(KeyCode::End)]);
    assert!(render(&model).contains("Raw token"), "{}", render(&model));
    // Scrolling on and on stays on the last page, and Up moves at once.
    render(&model);
    for _ in 0..200 {
        feed(&mut model, [ch('j')]);
    }
    let bottom = render(&model);
    assert!(bottom.contains("Raw token"), "{bottom}");
    feed(&mut model, [ch('k')]);
    assert_ne!(render(&model), bottom, "Up scrolls back at once");
}

#[test]
fn enter_without_an_exact_match_searches_every_organization_with_progress_and_esc_stops() {
    // 100 loaded of a bigger tenant; "Customer 3" is a display name, not a name.
    let mut model = signed_in(120, 40, 100, Some("checkpoint-1"));
    feed(&mut model, [ch('/')]);
    type_text(&mut model, "Customer 15");
    let id = find_id(&feed(&mut model, [key(KeyCode::Enter)]));
    let cmds = feed(
        &mut model,
        [Msg::OrganizationFound {
            id,
            result: Err(error(
                "No organization has the id or name Customer 15",
                "not_found",
                "",
            )),
        }],
    );
    // Not an error: the search goes on through the next pages.
    let next = page_id(&cmds);
    assert!(
        matches!(cmds.as_slice(), [Cmd::LoadOrganizations { from: Some(f), .. }] if f == "checkpoint-1"),
        "{cmds:?}"
    );
    let status = status_text(&model);
    assert!(status.contains("searching the whole tenant"), "{status}");
    assert!(status.contains("100 read"), "{status}");
    assert!(status.contains("Esc stops"), "{status}");

    // A page arrives: matches add up, the next page is asked for.
    let cmds = feed(
        &mut model,
        [Msg::OrganizationsPage {
            id: next,
            result: Ok(page(100, 100, Some("checkpoint-2"))),
        }],
    );
    let third = page_id(&cmds);
    let status = status_text(&model);
    assert!(status.contains("200 read"), "{status}");
    // "Customer 15" and "Customer 150".."Customer 159".
    assert!(status.contains("11 match"), "{status}");

    // Esc stops it and keeps what matched; the late page is dropped.
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Cancel { id }] if *id == third),
        "{cmds:?}"
    );
    assert!(
        status_text(&model).contains("search stopped"),
        "{}",
        status_text(&model)
    );
    let cmds = feed(
        &mut model,
        [Msg::OrganizationsPage {
            id: third,
            result: Ok(page(200, 100, None)),
        }],
    );
    assert!(cmds.is_empty());
    // Enter opens the selected match.
    feed(&mut model, [key(KeyCode::Enter)]);
    assert_eq!(model.route(), Route::Organization);
}

#[test]
fn a_search_to_the_end_says_how_many_match_of_how_many() {
    let mut model = signed_in(120, 40, 100, Some("checkpoint-1"));
    feed(&mut model, [ch('/')]);
    type_text(&mut model, "Customer 1234");
    let id = find_id(&feed(&mut model, [key(KeyCode::Enter)]));
    let cmds = feed(
        &mut model,
        [Msg::OrganizationFound {
            id,
            result: Err(error("No organization has the id or name", "not_found", "")),
        }],
    );
    let next = page_id(&cmds);
    feed(
        &mut model,
        [Msg::OrganizationsPage {
            id: next,
            result: Ok(page(100, 1200, None)),
        }],
    );
    let status = status_text(&model);
    assert!(status.contains("1 of 1,300 match"), "{status}");
    assert!(
        render(&model).contains("customer-01234"),
        "{}",
        render(&model)
    );
}

/// Provisions, copies the secret (cleared in 30 s) and returns the model.
fn copied_secret() -> m2m_portal::tui::app::Model {
    let mut model = in_organization(120, 40, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    let cmds = feed(&mut model, [ch('c')]);
    assert!(matches!(cmds.as_slice(), [Cmd::Copy { .. }]), "{cmds:?}");
    feed(
        &mut model,
        [Msg::Copied {
            what: "the secret".to_owned(),
            result: Ok(CopyReport {
                via: "the terminal (OSC 52)".to_owned(),
                clears_in: Some(Duration::from_secs(30)),
                note: None,
            }),
        }],
    );
    model
}

#[test]
fn quitting_says_the_clipboard_holds_the_secret_and_k_keeps_it() {
    let mut model = copied_secret();
    feed(&mut model, [ch('q')]);
    let screen = render(&model);
    assert!(
        screen.contains("The clipboard holds a copied secret"),
        "{screen}"
    );
    assert!(screen.contains("cleared in 30 s"), "{screen}");
    assert!(
        screen.contains("k       quit, keep it on the clipboard"),
        "{screen}"
    );
    let cmds = feed(&mut model, [ch('k')]);
    assert!(model.quit);
    assert!(
        matches!(cmds.as_slice(), [Cmd::KeepClipboard]),
        "keeping tells the effects not to clear: {cmds:?}"
    );

    // y quits and lets the clipboard be cleared (the safe default).
    let mut model = copied_secret();
    let cmds = feed(&mut model, [ch('q'), ch('y')]);
    assert!(model.quit);
    assert!(cmds.is_empty(), "{cmds:?}");
}

#[test]
fn a_copied_secret_still_on_the_clipboard_asks_before_quitting_even_when_not_on_screen() {
    let mut model = copied_secret();
    // Close the reveal ("I have stored it").
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    assert!(!model.secret_on_screen());
    feed(&mut model, [ch('q')]);
    assert!(!model.quit, "asked first");
    let screen = render(&model);
    assert!(
        screen.contains("The clipboard holds a copied secret"),
        "{screen}"
    );
    assert!(!screen.contains("A secret is on screen"), "{screen}");
    feed(&mut model, [ch('n')]);
    assert!(!model.quit && model.overlays.is_empty());
}

#[test]
fn a_second_test_token_replaces_the_inspector_and_back_walks_down_the_screens() {
    let mut model = in_organization(80, 24, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    // Two test tokens from the reveal (it stays over the inspector): the second
    // inspector takes the first one's place instead of stacking on it.
    for passed in [false, true] {
        let cmds = feed(&mut model, [ch('t')]);
        let [Cmd::TestToken { id, .. }] = cmds.as_slice() else {
            panic!("{cmds:?}")
        };
        feed(
            &mut model,
            [Msg::TokenFetched {
                id: *id,
                result: Ok(token_report(passed)),
            }],
        );
        assert_eq!(model.route(), Route::Token);
    }
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    assert!(model.overlays.is_empty(), "the reveal is closed");
    assert!(render(&model).contains("✓ org_id"));
    // Back closes the inspector, then the organization, down to the list.
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Organization, "one inspector only");
    assert!(model.token().is_none());
    // The organization's provisioning report closes first, then the screen.
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Organization);
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Organizations);
    assert!(model.organization().is_none());
    assert!(model.organizations().is_some());
    assert!(!model.quit);
}

#[test]
fn a_provision_hands_the_portal_the_organization_and_its_listed_key_names() {
    // Listed: the portal neither reads the organization nor lists its keys again.
    let mut model = in_organization(120, 40, 2);
    let organization = model.organization().unwrap().organization.clone();
    let cmds = feed(&mut model, [ch('p'), key(KeyCode::Enter)]);
    let [
        Cmd::ProvisionKey {
            organization: asked,
            taken,
            ..
        },
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(asked, &organization);
    assert_eq!(
        taken.as_deref(),
        Some(&["acme-key-0".to_owned(), "acme-key-1".to_owned()][..])
    );

    // Not listed (the listing failed): the portal reads the names itself.
    let mut model = signed_in(120, 40, 5, None);
    let id = open_second_organization(&mut model);
    feed(
        &mut model,
        [Msg::KeysListed {
            id,
            result: Err(PortalError::new(ErrorKind::Failure, "connection reset")),
        }],
    );
    let cmds = feed(&mut model, [ch('p'), key(KeyCode::Enter)]);
    let [Cmd::ProvisionKey { taken, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}\n{}", render(&model))
    };
    assert_eq!(taken, &None);

    // Being read again (as right after a provision, when the list lacks the new key):
    // the portal reads the names itself.
    let mut model = in_organization(120, 40, 2);
    feed(&mut model, [ch('R')]);
    assert!(model.organization().unwrap().loading.is_some());
    let cmds = feed(&mut model, [ch('p'), key(KeyCode::Enter)]);
    let [Cmd::ProvisionKey { taken, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}\n{}", render(&model))
    };
    assert_eq!(taken, &None);
}
