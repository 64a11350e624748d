//! Every screen and overlay, drawn at 80x24 and 120x40 and compared with the accepted snapshots;
//! colour-critical parts are asserted on the buffer (a text snapshot does not see colours).
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use m2m_portal::portal::{Action, ErrorKind, PortalError, ProvisionStep, StepState};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{Cmd, Model, Msg, RequestId};
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Snapshots a scene at both sizes.
fn snapshot(name: &str, scene: impl Fn(u16, u16) -> Model) {
    for (width, height) in SIZES {
        let model = scene(width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), render(&model));
    }
}

fn failure(message: &str, code: &str, hint: &str) -> PortalError {
    PortalError {
        kind: ErrorKind::Failure,
        message: message.into(),
        code: Some(code.into()),
        hint: Some(hint.into()),
        field: None,
    }
}

fn provision_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::ProvisionKey { id, .. } => Some(*id),
        _ => None,
    })
}

fn revealed(width: u16, height: u16, options: TuiOptions) -> Model {
    let mut model = in_organization_with(width, height, 2, options);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    model
}

fn inspecting(width: u16, height: u16, org_ok: bool) -> Model {
    let mut model = revealed(width, height, TuiOptions::default());
    let cmds = feed(&mut model, [ch('t')]);
    let id = only_id(&cmds, |c| match c {
        Cmd::TestToken { id, .. } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [
            Msg::TokenFetched {
                id,
                result: Ok(token_report(org_ok)),
            },
            key(KeyCode::Esc),
            ch('y'),
        ],
    );
    model
}

#[test]
fn sign_in_screen() {
    snapshot("sign_in", model);
}

#[test]
fn sign_in_while_signing_in() {
    snapshot("sign_in_busy", |w, h| {
        let mut model = model(w, h);
        feed(&mut model, [key(KeyCode::Enter)]);
        model
    });
}

#[test]
fn sign_in_failed() {
    snapshot("sign_in_failed", |w, h| {
        let mut model = model(w, h);
        let cmds = feed(&mut model, [key(KeyCode::Enter)]);
        let Cmd::SignIn { id, credentials } = &cmds[0] else {
            unreachable!()
        };
        let error = PortalError {
            kind: ErrorKind::Auth,
            message: "Auth0 refused the admin app's credentials".into(),
            code: Some("access_denied".into()),
            hint: Some("check PLUGIN_AUTH0_M2M_CLIENT_ID and the client secret".into()),
            field: None,
        };
        feed(
            &mut model,
            [Msg::SignedIn {
                id: *id,
                credentials: credentials.clone(),
                result: Err(error),
            }],
        );
        model
    });
}

#[test]
fn scope_check_overlay() {
    snapshot("scope_check", |w, h| {
        signed_in_with(
            w,
            h,
            20,
            None,
            TuiOptions::default(),
            &[Action::RotateSecret, Action::Members],
        )
    });
}

#[test]
fn organizations_screen() {
    snapshot("organizations", |w, h| signed_in(w, h, 100, Some("more")));
}

#[test]
fn organizations_filtered() {
    snapshot("organizations_filter", |w, h| {
        let mut model = signed_in(w, h, 100, Some("more"));
        feed(&mut model, [ch('/')]);
        type_text(&mut model, "customer-0001");
        model
    });
}

#[test]
fn organizations_empty() {
    snapshot("organizations_empty", |w, h| signed_in(w, h, 0, None));
}

#[test]
fn new_organization_form() {
    snapshot("new_organization", |w, h| {
        let mut model = signed_in(w, h, 10, None);
        feed(&mut model, [ch('n')]);
        type_text(&mut model, "Acme");
        model
    });
}

#[test]
fn organization_screen() {
    snapshot("organization", |w, h| in_organization(w, h, 3));
}

#[test]
fn organization_loading_keys() {
    snapshot("organization_loading", |w, h| {
        let mut model = signed_in(w, h, 3, None);
        feed(&mut model, [key(KeyCode::Enter)]);
        model
    });
}

#[test]
fn provisioning_progress() {
    snapshot("provisioning", |w, h| {
        let mut model = in_organization(w, h, 1);
        let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
        feed(
            &mut model,
            [
                Msg::ProvisionProgress {
                    id,
                    progress: m2m_portal::portal::ProvisionProgress {
                        step: ProvisionStep::CreateClient,
                        state: StepState::Done,
                    },
                },
                Msg::ProvisionProgress {
                    id,
                    progress: m2m_portal::portal::ProvisionProgress {
                        step: ProvisionStep::CreateGrant,
                        state: StepState::Running,
                    },
                },
            ],
        );
        model
    });
}

#[test]
fn provisioning_rolled_back() {
    snapshot("provisioning_rolled_back", |w, h| {
        let mut model = in_organization(w, h, 1);
        let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
        let step = |step, state| Msg::ProvisionProgress {
            id,
            progress: m2m_portal::portal::ProvisionProgress { step, state },
        };
        feed(
            &mut model,
            [
                step(ProvisionStep::CreateClient, StepState::Done),
                step(ProvisionStep::CreateGrant, StepState::Done),
                step(ProvisionStep::LinkGrant, StepState::Failed),
                step(ProvisionStep::Rollback, StepState::Done),
                Msg::Provisioned {
                    id,
                    result: Err(failure(
                        "the organization already has 100 client grants",
                        "too_many_entities",
                        "revoke an unused key, then try again",
                    )),
                },
            ],
        );
        // The key list reload that follows is answered, so only the report is in flight on screen.
        model
    });
}

#[test]
fn people_pane() {
    snapshot("people", |w, h| in_people(w, h, 2, 1));
}

#[test]
fn people_pane_empty() {
    snapshot("people_empty", |w, h| in_people(w, h, 0, 0));
}

#[test]
fn add_member_prompt() {
    snapshot("add_member", |w, h| {
        let mut model = in_people(w, h, 1, 0);
        feed(&mut model, [ch('a')]);
        type_text(&mut model, "dev@newco.example");
        model
    });
}

#[test]
fn remove_member_confirmation() {
    snapshot("confirm_remove_member", |w, h| {
        let mut model = in_people(w, h, 1, 1);
        feed(&mut model, [ch('d')]);
        type_text(&mut model, "person0@");
        model
    });
}

#[test]
fn revoke_invitation_confirmation() {
    snapshot("confirm_revoke_invitation", |w, h| {
        let mut model = in_people(w, h, 1, 1);
        feed(&mut model, [key(KeyCode::End), ch('d')]);
        model
    });
}

#[test]
fn invite_instead_confirmation() {
    snapshot("confirm_invite", |w, h| {
        let mut model = in_people(w, h, 0, 0);
        feed(&mut model, [ch('a')]);
        type_text(&mut model, "new@customer.example");
        let cmds = feed(&mut model, [key(KeyCode::Enter)]);
        let id = only_id(&cmds, |c| match c {
            Cmd::AddMember { id, .. } => Some(*id),
            _ => None,
        });
        feed(
            &mut model,
            [Msg::MemberAdded {
                id,
                result: Err(failure("No user", "no_user", "invite them")),
            }],
        );
        model
    });
}

fn onboarding(width: u16, height: u16) -> (Model, RequestId) {
    let mut model = signed_in(width, height, 3, None);
    feed(&mut model, [ch('o')]);
    type_text(&mut model, "newco");
    feed(&mut model, [key(KeyCode::Tab)]);
    type_text(&mut model, "NewCo Ltd");
    feed(&mut model, [key(KeyCode::Tab)]);
    type_text(&mut model, "dev@newco.example");
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = only_id(&cmds, |c| match c {
        Cmd::Onboard { id, .. } => Some(*id),
        _ => None,
    });
    (model, id)
}

#[test]
fn onboard_form() {
    snapshot("onboard_form", |w, h| {
        let mut model = signed_in(w, h, 3, None);
        feed(&mut model, [ch('o')]);
        type_text(&mut model, "NewCo");
        model
    });
}

#[test]
fn onboarding_progress() {
    snapshot("onboarding", |w, h| {
        let (mut model, id) = onboarding(w, h);
        feed(
            &mut model,
            [
                Msg::OnboardProgress {
                    id,
                    step: m2m_portal::portal::OnboardStep::Organization,
                    state: StepState::Done,
                },
                Msg::OnboardProgress {
                    id,
                    step: m2m_portal::portal::OnboardStep::Person,
                    state: StepState::Running,
                },
            ],
        );
        model
    });
}

#[test]
fn onboarding_failed() {
    snapshot("onboarding_failed", |w, h| {
        let (mut model, id) = onboarding(w, h);
        feed(
            &mut model,
            [
                Msg::OnboardProgress {
                    id,
                    step: m2m_portal::portal::OnboardStep::Organization,
                    state: StepState::Done,
                },
                Msg::OnboardProgress {
                    id,
                    step: m2m_portal::portal::OnboardStep::Person,
                    state: StepState::Failed,
                },
                Msg::Onboarded {
                    id,
                    result: Err(failure(
                        "Onboarding newco failed at \"add the member or invite them\": the \
                         Management API refused — Undone: deleted the organization org_1 it \
                         created. The tenant is as it was before.",
                        "insufficient_scope",
                        "grant create:organization_members to the admin app",
                    )),
                },
                // The overlay closed: the panel with the failed step shows.
                key(KeyCode::Esc),
            ],
        );
        model
    });
}

#[test]
fn rotate_confirmation() {
    snapshot("confirm_rotate", |w, h| {
        let mut model = in_organization(w, h, 2);
        feed(&mut model, [ch('r')]);
        model
    });
}

#[test]
fn revoke_confirmation() {
    snapshot("confirm_revoke", |w, h| {
        let mut model = in_organization(w, h, 2);
        feed(&mut model, [ch('x')]);
        type_text(&mut model, "acme-key");
        model
    });
}

#[test]
fn secret_prompt_for_a_test_token() {
    snapshot("secret_prompt", |w, h| {
        let mut model = in_organization(w, h, 2);
        feed(&mut model, [ch('t'), Msg::Paste("typed".into())]);
        model
    });
}

#[test]
fn secret_reveal_overlay() {
    snapshot("reveal", |w, h| revealed(w, h, TuiOptions::default()));
}

#[test]
fn secret_reveal_asking_before_close() {
    snapshot("reveal_closing", |w, h| {
        let mut model = revealed(w, h, TuiOptions::default());
        feed(&mut model, [key(KeyCode::Esc)]);
        model
    });
}

#[test]
fn secret_reveal_while_presenting() {
    snapshot("reveal_presenter", |w, h| {
        revealed(
            w,
            h,
            TuiOptions {
                presenter: true,
                ..TuiOptions::default()
            },
        )
    });
}

#[test]
fn quit_confirmation() {
    snapshot("confirm_quit", |w, h| {
        let mut model = revealed(w, h, TuiOptions::default());
        feed(&mut model, [ch('q')]);
        model
    });
}

#[test]
fn token_inspector() {
    snapshot("token", |w, h| inspecting(w, h, true));
}

#[test]
fn token_inspector_with_a_failed_check() {
    snapshot("token_rejected", |w, h| inspecting(w, h, false));
}

fn help_scene(w: u16, h: u16) -> Model {
    let mut model = in_organization(w, h, 1);
    feed(&mut model, [ch('?')]);
    model
}

#[test]
fn help_overlay() {
    snapshot("help", help_scene);
}

fn error_scene(w: u16, h: u16) -> Model {
    let mut model = in_organization(w, h, 1);
    let cmds = feed(&mut model, [ch('r'), ch('y')]);
    let id = only_id(&cmds, |c| match c {
        Cmd::RotateSecret { id, .. } => Some(*id),
        _ => None,
    });
    let error = failure(
        "Insufficient scope, expected any of: update:client_keys",
        "insufficient_scope",
        "grant update:client_keys to the admin app",
    );
    feed(
        &mut model,
        [Msg::Rotated {
            id,
            result: Err(error),
        }],
    );
    model
}

#[test]
fn error_overlay() {
    snapshot("error", error_scene);
}

#[test]
fn read_only_mode() {
    snapshot("read_only", |w, h| {
        in_organization_with(
            w,
            h,
            2,
            TuiOptions {
                read_only: true,
                ..TuiOptions::default()
            },
        )
    });
}

#[test]
fn terminal_too_small() {
    let mut model = in_organization(80, 24, 1);
    feed(&mut model, [Msg::Resize(59, 15)]);
    insta::assert_snapshot!("too_small_59x15", render(&model));
    // Growing back draws the screen again.
    feed(&mut model, [Msg::Resize(80, 24)]);
    assert!(render(&model).contains("Keys (1)"));
}

/// Cells whose symbol starts the text, on any row.
fn find(buffer: &Buffer, text: &str) -> Vec<(u16, u16)> {
    let area = buffer.area;
    let mut hits = Vec::new();
    for y in 0..area.height {
        let row: String = (0..area.width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        if let Some(byte) = row.find(text) {
            let x = row[..byte].chars().count();
            hits.push((u16::try_from(x).unwrap(), y));
        }
    }
    hits
}

#[test]
fn the_secret_and_its_warning_are_drawn_in_the_secret_style() {
    let model = revealed(80, 24, TuiOptions::default());
    let buffer = buffer(&model);
    let theme = model.theme;
    let (x, y) = find(&buffer, "⚠ This secret will not be shown again")[0];
    assert_eq!(buffer[(x, y)].bg, theme.secret.bg.unwrap());
    assert_eq!(buffer[(x, y)].bg, Color::Yellow);
    let (x, y) = find(&buffer, &ISSUED_SECRET[..20])[0];
    assert_eq!(buffer[(x, y)].bg, Color::Yellow);
}

#[test]
fn passed_checks_are_green_and_failed_checks_red() {
    let model = inspecting(120, 40, false);
    let buffer = buffer(&model);
    let row_of = |name: &str| {
        find(&buffer, &format!("{name} "))
            .into_iter()
            .find(|&(x, _)| x > 3)
            .unwrap()
            .1
    };
    let mark = |y: u16| {
        let x = (0..buffer.area.width)
            .find(|&x| matches!(buffer[(x, y)].symbol(), "✓" | "✗"))
            .unwrap();
        (buffer[(x, y)].symbol().to_owned(), buffer[(x, y)].fg)
    };
    assert_eq!(mark(row_of("issuer")), ("✓".to_owned(), Color::Green));
    assert_eq!(mark(row_of("org_id")), ("✗".to_owned(), Color::Red));
}

#[test]
fn no_color_draws_without_any_colour() {
    let model = revealed(
        80,
        24,
        TuiOptions {
            no_color: true,
            ..TuiOptions::default()
        },
    );
    let buffer = buffer(&model);
    for cell in buffer.content() {
        assert!(
            matches!(cell.fg, Color::Reset),
            "fg {:?} at {:?}",
            cell.fg,
            cell.symbol()
        );
        assert!(matches!(cell.bg, Color::Reset), "bg {:?}", cell.bg);
    }
}

#[test]
fn every_scene_draws_at_the_smallest_and_odd_sizes_without_panicking() {
    for (width, height) in [(60, 16), (61, 17), (75, 19), (200, 50), (300, 100)] {
        let scenes: Vec<Model> = vec![
            model(width, height),
            signed_in(width, height, 100, Some("more")),
            signed_in_with(
                width,
                height,
                3,
                None,
                TuiOptions::default(),
                &[Action::ProvisionKey, Action::RevokeKey],
            ),
            in_organization(width, height, 30),
            revealed(width, height, TuiOptions::default()),
            inspecting(width, height, false),
            {
                let mut model = in_organization(width, height, 2);
                feed(&mut model, [ch('x'), ch('?')]);
                model
            },
        ];
        for model in &scenes {
            let screen = render(model);
            assert!(screen.contains("m2m-portal"), "{width}x{height}:\n{screen}");
        }
    }
}

/// The pictures in `assets/screens/`: every main screen and overlay at 120x40, drawn by
/// the app's own `view` into a buffer and written as SVG with its colours. The test fails
/// when a committed picture differs from what the code draws now;
/// `UPDATE_ASSETS=1 cargo test --test tui_screens assets` regenerates them.
#[test]
fn assets_pictures_are_current() {
    let presenting = TuiOptions {
        presenter: true,
        ..TuiOptions::default()
    };
    let scenes: Vec<(&str, &str, Model)> = vec![
        ("sign-in", "The sign-in screen", model(120, 40)),
        (
            "organizations",
            "Organizations, paged as you scroll",
            signed_in(120, 40, 100, Some("more")),
        ),
        (
            "organization",
            "An organization and its M2M keys",
            in_organization(120, 40, 3),
        ),
        (
            "people",
            "An organization's people",
            in_people(120, 40, 2, 1),
        ),
        (
            "reveal",
            "A new key revealed once (presenter mode masks the secret)",
            revealed(120, 40, presenting),
        ),
        (
            "token",
            "The token inspector with the gateway checks",
            inspecting(120, 40, true),
        ),
        ("help", "Help: every key of the screen", help_scene(120, 40)),
        ("error", "An error with its hint", error_scene(120, 40)),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/screens");
    let update = std::env::var_os("UPDATE_ASSETS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    let mut names = Vec::new();
    for (name, title, model) in scenes {
        let svg = svg::to_svg(&buffer(&model), &format!("m2m-portal: {title}"));
        let path = dir.join(format!("{name}.svg"));
        names.push(format!("{name}.svg"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &svg).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "assets/screens is stale for {stale:?}: run `UPDATE_ASSETS=1 cargo test --test tui_screens assets`"
    );
    // No picture is left over from a screen that no longer exists.
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    on_disk.sort();
    names.sort();
    assert_eq!(
        on_disk, names,
        "pictures in assets/screens that no test draws"
    );
}

/// The SVG writer keeps what a text snapshot loses: colours, emphasis, escaping.
#[test]
fn svg_pictures_keep_colours_and_escape_text() {
    use ratatui::style::{Modifier, Style};
    let mut buffer = Buffer::empty(ratatui::layout::Rect::new(0, 0, 12, 2));
    buffer.set_string(0, 0, "a<b&c", Style::default().fg(Color::Red));
    buffer.set_string(
        0,
        1,
        "sel",
        Style::default()
            .bg(Color::Rgb(1, 2, 3))
            .add_modifier(Modifier::BOLD),
    );
    let svg = svg::to_svg(&buffer, "t");
    assert!(
        svg.contains(r##"fill="#cd0000">a&lt;b&amp;c</text>"##),
        "{svg}"
    );
    assert!(svg.contains(r##"fill="#010203""##), "{svg}");
    assert!(svg.contains(r#"font-weight="bold""#), "{svg}");
    assert!(svg.starts_with("<svg xmlns="), "{svg}");
}
