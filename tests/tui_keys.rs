//! The key inventory screen (`K`) through the pure `update`: listing with progress,
//! filters, marks, Enter to the organization, and the bulk rotation with one reveal per key.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use m2m_portal::portal::{
    Action, BulkRotation, ErrorKind, Health, InventoryPhase, InventoryProgress, PortalError,
    RotationProgress, RotationTarget,
};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{Cmd, Model, Msg, Overlay, RequestId, Route, update};
use tui_support::keys::*;
use tui_support::*;

fn status_text(model: &Model) -> String {
    model
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn visible_names(model: &Model) -> Vec<String> {
    let screen = model.keys().unwrap();
    screen
        .visible
        .iter()
        .map(|&i| screen.keys[i].name.clone())
        .collect()
}

fn reveals(model: &Model) -> Vec<(String, Option<(usize, usize)>)> {
    model
        .overlays
        .iter()
        .filter_map(|o| match o {
            Overlay::Reveal(r) => Some((r.client_id().to_owned(), r.sequence())),
            _ => None,
        })
        .collect()
}

#[test]
fn k_opens_the_inventory_and_shows_progress_while_it_lists() {
    let mut model = signed_in(120, 40, 3, None);
    let cmds = feed(&mut model, [ch('K')]);
    assert_eq!(model.route(), Route::Keys);
    let id = inventory_id(&cmds);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::ListInventory { stale_days: 90, .. }]
    ));
    assert!(model.busy(), "a spinner shows while listing");
    feed(
        &mut model,
        [
            Msg::InventoryProgress {
                id,
                progress: InventoryProgress {
                    phase: InventoryPhase::Grants,
                    done: 50,
                    total: None,
                },
            },
            Msg::InventoryProgress {
                id,
                progress: InventoryProgress {
                    phase: InventoryPhase::Links,
                    done: 7,
                    total: Some(40),
                },
            },
        ],
    );
    let screen = render(&model);
    assert!(
        screen.contains("reading each grant's organizations · 7/40 · 2 request(s) so far"),
        "{screen}"
    );
    assert!(screen.contains("Esc cancels"), "{screen}");
    assert!(screen.contains("Organizations › Keys"), "{screen}");

    feed(
        &mut model,
        [Msg::InventoryListed {
            id,
            result: Ok(sample_inventory()),
        }],
    );
    assert!(!model.busy());
    assert_eq!(visible_names(&model).len(), 6);
    assert!(status_text(&model).contains("6 key(s), 5 need attention"));
}

#[test]
fn esc_cancels_the_listing_and_drops_its_late_reply() {
    let mut model = signed_in(120, 40, 3, None);
    let cmds = feed(&mut model, [ch('K')]);
    let id = inventory_id(&cmds);
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Cancel { id: cancelled } if *cancelled == id)),
        "{cmds:?}"
    );
    // Nothing was listed yet: back to the organizations.
    assert_eq!(model.route(), Route::Organizations);
    assert!(model.keys().is_none());
    assert!(!model.busy());
    feed(
        &mut model,
        [Msg::InventoryListed {
            id,
            result: Ok(sample_inventory()),
        }],
    );
    assert_eq!(
        model.route(),
        Route::Organizations,
        "the late reply is dropped"
    );
}

#[test]
fn every_health_state_is_drawn_as_a_word_not_only_a_colour() {
    let model = in_keys(120, 40);
    let screen = render(&model);
    for word in ["✓ ok", "! stale", "✗ unlinked", "✗ orphan", "✗ mismatch"] {
        assert!(screen.contains(word), "{word} missing:\n{screen}");
    }
    for column in [
        "Health",
        "Org",
        "Name",
        "Client id",
        "Created",
        "Rotated",
        "Scopes",
    ] {
        assert!(screen.contains(column), "{column} missing:\n{screen}");
    }
    assert!(screen.contains("2026-05-01"), "{screen}");
    assert!(screen.contains("h health"), "{screen}");
}

#[test]
fn h_cycles_the_health_filter_and_slash_filters_by_text() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [ch('h')]);
    assert_eq!(visible_names(&model), ["acme key"]);
    feed(&mut model, [ch('h')]);
    assert_eq!(visible_names(&model), ["hooli unlinked key"]);
    feed(&mut model, [ch('h')]);
    assert_eq!(visible_names(&model), ["initech orphan key"]);
    feed(&mut model, [ch('h')]);
    assert_eq!(
        visible_names(&model),
        ["globex old key", "umbrella old key"]
    );
    assert!(render(&model).contains("health: stale"));
    feed(&mut model, [ch('h')]);
    assert_eq!(visible_names(&model), ["stark mismatched key"]);
    feed(&mut model, [ch('h')]);
    assert_eq!(visible_names(&model).len(), 6, "back to all");

    feed(&mut model, [ch('/')]);
    type_text(&mut model, "umbr");
    assert_eq!(visible_names(&model), ["umbrella old key"]);
    // Typing in the filter does not trigger the screen's keys (h, S, r are letters).
    type_text(&mut model, "h");
    assert!(visible_names(&model).is_empty());
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(visible_names(&model).len(), 6, "Esc clears the filter");
}

#[test]
fn enter_opens_the_keys_organization_and_esc_comes_back_to_the_inventory() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [key(KeyCode::Down)]); // globex
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    assert_eq!(model.route(), Route::Organization);
    feed(
        &mut model,
        [Msg::KeysListed {
            id: keys_id(&cmds),
            result: Ok(vec![key_row(1)]),
        }],
    );
    let organization = model.organization().unwrap();
    assert_eq!(organization.organization.id, "org_globex");
    assert!(
        render(&model).contains("globex Corporation"),
        "the organization's display name, as on the list:\n{}",
        render(&model)
    );
    assert!(
        cmds.iter().any(
            |c| matches!(c, Cmd::ListKeys { organization_id, .. } if organization_id == "org_globex")
        ),
        "{cmds:?}"
    );
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Keys, "back to the inventory");
    assert_eq!(model.keys().unwrap().selected, 1, "selection kept");
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Organizations);
    assert!(model.keys().is_none());
}

#[test]
fn enter_on_an_unlinked_key_says_why_there_is_no_organization() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [key(KeyCode::Down), key(KeyCode::Down)]); // hooli unlinked
    feed(&mut model, [key(KeyCode::Enter)]);
    assert_eq!(model.route(), Route::Keys);
    assert!(
        status_text(&model).contains("linked to no organization"),
        "{}",
        status_text(&model)
    );
}

#[test]
fn space_marks_keys_and_capital_s_marks_every_stale_one() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [ch(' ')]);
    let screen = model.keys().unwrap();
    assert_eq!(screen.marked.len(), 1);
    assert!(
        screen
            .marked
            .contains(&inventory_key(1, "", None, &[]).client_id)
    );
    assert_eq!(screen.selected, 1, "Space moves down, like a file manager");
    // Space again on a marked key unmarks it.
    feed(&mut model, [key(KeyCode::Up), ch(' ')]);
    assert!(model.keys().unwrap().marked.is_empty());
    feed(&mut model, [ch('S')]);
    let marked: Vec<String> = model
        .keys()
        .unwrap()
        .marked_targets()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(marked, ["globex old key", "umbrella old key"]);
    assert!(status_text(&model).contains("2 stale key(s) marked"));
    assert!(render(&model).contains("2 marked"));
}

#[test]
fn r_asks_naming_the_count_and_the_pacing_then_rotates_the_marked_keys() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [ch('S')]);
    let cmds = feed(&mut model, [ch('r')]);
    assert!(cmds.is_empty(), "nothing rotates before the confirmation");
    let screen = render(&model);
    assert!(screen.contains("2 marked key(s)"), "{screen}");
    assert!(
        screen.contains("2 Management request(s) a second"),
        "{screen}"
    );
    assert!(screen.contains("30 seconds"), "{screen}");
    // n cancels.
    let cmds = feed(&mut model, [ch('n')]);
    assert!(cmds.is_empty());
    assert!(model.overlays.is_empty());

    feed(&mut model, [ch('r')]);
    let cmds = feed(&mut model, [ch('y')]);
    let Cmd::RotateKeys { targets, rate, .. } = &cmds[0] else {
        panic!("{cmds:?}")
    };
    assert_eq!(*rate, 2.0);
    let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["globex old key", "umbrella old key"]);
    assert_eq!(targets[0].organization_id.as_deref(), Some("org_globex"));
    assert!(model.busy());
}

#[test]
fn a_bulk_rotation_shows_each_key_in_turn_and_ends_with_one_reveal_per_key() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [ch('S'), ch('r')]);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = bulk_id(&cmds);
    let Cmd::RotateKeys { targets, .. } = &cmds[0] else {
        unreachable!()
    };
    let targets = targets.clone();
    assert!(render(&model).contains("rotating 0/2 · now globex old key"));
    feed(
        &mut model,
        [Msg::BulkRotationProgress {
            id,
            progress: RotationProgress {
                done: 1,
                total: 2,
                client_id: targets[0].client_id.clone(),
            },
        }],
    );
    assert!(
        render(&model).contains("rotating 1/2 · now umbrella old key"),
        "{}",
        render(&model)
    );
    feed(
        &mut model,
        [Msg::BulkRotated {
            id,
            outcome: BulkRotation {
                rotated: targets.iter().map(bulk_issued).collect(),
                ..BulkRotation::default()
            },
        }],
    );
    assert!(!model.busy());
    // One reveal per key, the first key on top.
    assert_eq!(
        reveals(&model),
        [
            (targets[1].client_id.clone(), Some((2, 2))),
            (targets[0].client_id.clone(), Some((1, 2))),
        ]
    );
    let screen = render(&model);
    assert!(screen.contains(&bulk_secret(&targets[0])), "{screen}");
    assert!(screen.contains("New client secret 1 of 2"), "{screen}");
    assert!(status_text(&model).contains("rotated 2 of 2"));
    // The rotated keys are no longer stale, and no longer marked.
    let keys = model.keys().unwrap();
    assert!(keys.marked.is_empty());
    assert_eq!(keys.keys.iter().filter(|k| k.has(Health::Stale)).count(), 0);

    // Each reveal closes with the usual "I have stored it", then the next one shows.
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    assert_eq!(reveals(&model).len(), 1);
    let screen = render(&model);
    assert!(screen.contains(&bulk_secret(&targets[1])), "{screen}");
    assert!(!screen.contains(&bulk_secret(&targets[0])), "{screen}");
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    assert!(reveals(&model).is_empty());
    assert!(!model.secret_on_screen());
}

#[test]
fn esc_stops_a_bulk_rotation_after_the_current_key_and_lists_failures_and_what_remains() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [ch(' '), ch('S'), ch('r'), ch('y')]);
    let cmds_before = model.keys().unwrap().rotation.clone().unwrap();
    let id = cmds_before.id;
    let targets = cmds_before.targets;
    assert_eq!(targets.len(), 3);
    // q does not quit mid-run: the new secrets would be lost unseen.
    feed(&mut model, [ch('q')]);
    assert!(!model.quit);
    assert!(status_text(&model).contains("bulk rotation is running"));
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    // Asked to stop, never aborted (its new secret would be lost).
    assert!(
        matches!(cmds.as_slice(), [Cmd::StopBulkRotation { id: stop }] if *stop == id),
        "{cmds:?}"
    );
    assert_eq!(model.route(), Route::Keys, "Esc stops, it does not leave");
    assert!(render(&model).contains("stopping"));
    let failure = PortalError::new(ErrorKind::Auth, "Auth0 refused rotating the secret (429)")
        .with_code("too_many_requests");
    feed(
        &mut model,
        [Msg::BulkRotated {
            id,
            outcome: BulkRotation {
                rotated: vec![bulk_issued(&targets[0])],
                failed: vec![(targets[1].clone(), failure)],
                not_started: vec![targets[2].clone()],
                ..BulkRotation::default()
            },
        }],
    );
    assert_eq!(reveals(&model).len(), 1);
    let status = status_text(&model);
    assert!(
        status.contains("rotated 1 of 3 key(s) · 1 failed · 1 not started (stopped)"),
        "{status}"
    );
    // The failed and the untouched stay marked for another try.
    let marked = &model.keys().unwrap().marked;
    assert!(!marked.contains(&targets[0].client_id));
    assert!(marked.contains(&targets[1].client_id));
    assert!(marked.contains(&targets[2].client_id));
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    let screen = render(&model);
    assert!(
        screen.contains(&format!("✗ not rotated: {}", targets[1].name)),
        "{screen}"
    );
    assert!(screen.contains("429"), "{screen}");
    assert!(
        screen.contains(&format!(
            "stopped before 1 key(s), still marked: {}",
            targets[2].name
        )),
        "{screen}"
    );
}

#[test]
fn read_only_and_a_missing_scope_disable_the_bulk_rotation_with_the_reason() {
    let options = TuiOptions {
        read_only: true,
        ..TuiOptions::default()
    };
    let mut model = signed_in_with(120, 40, 3, None, options, &[]);
    let cmds = feed(&mut model, [ch('K')]);
    let id = inventory_id(&cmds);
    feed(
        &mut model,
        [Msg::InventoryListed {
            id,
            result: Ok(sample_inventory()),
        }],
    );
    let cmds = feed(&mut model, [ch('S'), ch('r')]);
    assert!(cmds.is_empty());
    assert!(model.overlays.is_empty(), "no confirmation");
    assert!(
        status_text(&model).contains("read-only"),
        "{}",
        status_text(&model)
    );

    let mut model = signed_in_with(
        120,
        40,
        3,
        None,
        TuiOptions::default(),
        &[Action::RotateSecret],
    );
    // Dismiss the scope-check overlay the sign-in showed.
    model.overlays.clear();
    let cmds = feed(&mut model, [ch('K')]);
    let id = inventory_id(&cmds);
    feed(
        &mut model,
        [Msg::InventoryListed {
            id,
            result: Ok(sample_inventory()),
        }],
    );
    let cmds = feed(&mut model, [ch('S'), ch('r')]);
    assert!(cmds.is_empty());
    assert!(
        status_text(&model) == "rotate secrets needs scope update:client_keys",
        "{}",
        status_text(&model)
    );
    // The footer greys it out and help says why.
    assert!(
        model
            .disabled(m2m_portal::tui::keymap::KeyAction::Rotate)
            .is_some()
    );
}

#[test]
fn a_failed_listing_says_why_and_r_reloads() {
    let mut model = signed_in(120, 40, 3, None);
    let cmds = feed(&mut model, [ch('K')]);
    let id = inventory_id(&cmds);
    feed(
        &mut model,
        [Msg::InventoryListed {
            id,
            result: Err(PortalError::new(
                ErrorKind::Auth,
                "Auth0 refused listing the tenant's keys (403)",
            )
            .with_code("insufficient_scope")
            .with_hint("grant read:client_grants")),
        }],
    );
    let screen = render(&model);
    assert!(screen.contains("✗ Auth0 refused listing"), "{screen}");
    assert!(screen.contains("R retries"), "{screen}");
    let cmds = update(&mut model, ch('R'));
    inventory_id(&cmds);
}

#[test]
fn switching_profiles_is_refused_while_a_bulk_rotation_runs() {
    let mut model = in_keys(120, 40);
    feed(&mut model, [ch('S'), ch('r')]);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    bulk_id(&cmds);
    let cmds = feed(&mut model, [ch('P')]);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::ListProfiles)),
        "the picker would sign out and drop the new secrets: {cmds:?}"
    );
    assert!(
        status_text(&model).contains("bulk rotation is running"),
        "{}",
        status_text(&model)
    );
    assert_eq!(model.route(), Route::Keys);
}

#[test]
fn the_inventory_uses_the_configured_stale_age() {
    let mut settings = tui_support::settings();
    settings.stale_days = 30;
    let tenant = m2m_portal::tui::ctx::TenantView::from_settings(&settings);
    assert_eq!(
        tenant.stale_days, 30,
        "stale_days in config.toml reaches the TUI"
    );
    let mut model = signed_in(120, 40, 3, None);
    model.tenant = tenant;
    let cmds = feed(&mut model, [ch('K')]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::ListInventory { stale_days: 30, .. })),
        "{cmds:?}"
    );
    assert!(
        render(&model).contains("stale after 30 days"),
        "{}",
        render(&model)
    );
}

#[test]
fn a_bulk_rotation_that_ends_after_its_screen_closed_still_reveals_every_secret_once() {
    // No key closes the inventory while a run is in flight; this is the app's safety net
    // for an answer that arrives when the screen is gone anyway: the secrets must not be lost.
    let mut model = signed_in(120, 40, 3, None);
    assert_eq!(model.route(), Route::Organizations);
    assert!(model.keys().is_none());
    let targets: Vec<RotationTarget> = (0..2)
        .map(|i| RotationTarget {
            client_id: format!("client{i:020}"),
            name: format!("late key {i}"),
            organization_id: Some("org_acme".to_owned()),
        })
        .collect();
    feed(
        &mut model,
        [Msg::BulkRotated {
            id: RequestId(9_999),
            outcome: BulkRotation {
                rotated: targets.iter().map(bulk_issued).collect(),
                ..BulkRotation::default()
            },
        }],
    );
    assert_eq!(
        reveals(&model),
        [
            (targets[1].client_id.clone(), Some((2, 2))),
            (targets[0].client_id.clone(), Some((1, 2))),
        ]
    );
    assert!(status_text(&model).contains("bulk rotation ended: 2 rotated"));
    for target in &targets {
        let screen = render(&model);
        assert!(screen.contains(&bulk_secret(target)), "{screen}");
        feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    }
    assert!(reveals(&model).is_empty());
    assert_eq!(model.route(), Route::Organizations);
}

#[test]
fn in_presenter_mode_the_inventory_leaves_a_blank_line_between_rows_and_pages_by_them() {
    let presenter = TuiOptions {
        presenter: true,
        ..TuiOptions::default()
    };
    let mut model = signed_in_with(80, 24, 3, None, presenter, &[]);
    let cmds = feed(&mut model, [ch('K')]);
    let id = inventory_id(&cmds);
    let mut inventory = sample_inventory();
    for i in 7..40 {
        inventory.keys.push(inventory_key(
            i,
            &format!("fleet key {i:02}"),
            Some("fleet"),
            &[],
        ));
    }
    feed(
        &mut model,
        [Msg::InventoryListed {
            id,
            result: Ok(inventory),
        }],
    );
    let screen = render(&model);
    let row = |screen: &str, name: &str| {
        screen
            .lines()
            .position(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name}:\n{screen}"))
    };
    let first = row(&screen, "acme key");
    assert_eq!(row(&screen, "globex old key"), first + 2, "{screen}");
    assert!(
        screen
            .lines()
            .nth(first + 1)
            .unwrap()
            .trim_matches(['│', ' ', '"'])
            .is_empty()
    );
    // Paging moves by the rows shown, and the selection stays on screen.
    for _ in 0..3 {
        feed(&mut model, [key(KeyCode::PageDown)]);
        let keys = model.keys().unwrap();
        let selected = &keys.keys[keys.visible[keys.selected]].name;
        let screen = render(&model);
        assert!(screen.contains(selected.as_str()), "{selected}:\n{screen}");
    }
}
