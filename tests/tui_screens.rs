//! Every screen and overlay, drawn at 80x24 and 120x40 and compared with the accepted snapshots;
//! colour-critical parts are asserted on the buffer (a text snapshot does not see colours).
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use m2m_portal::portal::{Action, ErrorKind, PortalError, ProvisionStep, StepState};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{Cmd, Model, Msg, Overlay, RequestId};
use m2m_portal::tui::theme::{Theme, ThemeName};
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
    PortalError::new(ErrorKind::Failure, message)
        .with_code(code)
        .with_hint(hint)
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
        let error = PortalError::new(ErrorKind::Auth, "Auth0 refused the admin app's credentials")
            .with_code("access_denied")
            .with_hint("check PLUGIN_AUTH0_M2M_CLIENT_ID and the client secret");
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

/// The key inventory with the stale keys marked.
fn keys_marked(width: u16, height: u16) -> Model {
    let mut model = tui_support::keys::in_keys(width, height);
    feed(&mut model, [ch('S')]);
    model
}

#[test]
fn key_inventory() {
    snapshot("key_inventory", keys_marked);
}

#[test]
fn key_inventory_bulk_rotation_confirmation() {
    snapshot("key_inventory_bulk_confirm", |w, h| {
        let mut model = keys_marked(w, h);
        feed(&mut model, [ch('r')]);
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

fn profile_picker_scene(width: u16, height: u16) -> Model {
    let mut model = signed_in(width, height, 3, None);
    let profiles = vec![
        m2m_portal::config::ProfileSummary {
            name: "prod".to_owned(),
            domain: Some("acme.eu.auth0.com".to_owned()),
            read_only: true,
            presenter: false,
        },
        m2m_portal::config::ProfileSummary {
            name: "staging".to_owned(),
            domain: Some("acme-staging.eu.auth0.com".to_owned()),
            read_only: false,
            presenter: false,
        },
        m2m_portal::config::ProfileSummary {
            name: "demo".to_owned(),
            domain: Some("acme-demo.us.auth0.com".to_owned()),
            read_only: false,
            presenter: true,
        },
    ];
    feed(&mut model, [ch('P'), Msg::ProfilesListed(Ok(profiles))]);
    model
}

fn device_failed_scene(width: u16, height: u16) -> Model {
    let (mut model, id) = device_waiting(width, height);
    feed(
        &mut model,
        [Msg::OperatorSignedIn {
            id,
            result: Err(PortalError::new(
                ErrorKind::Auth,
                "The sign-in code expired before it was approved.",
            )
            .with_code("expired_token")
            .with_hint("Run m2m-portal login again and approve the new code within its time.")),
        }],
    );
    model
}

#[test]
fn device_sign_in_overlay() {
    snapshot("device_sign_in", |w, h| device_waiting(w, h).0);
}

#[test]
fn device_sign_in_failed() {
    snapshot("device_sign_in_failed", device_failed_scene);
}

#[test]
fn profile_picker() {
    snapshot("profile_picker", profile_picker_scene);
}

#[test]
fn the_qr_code_is_drawn_light_on_dark_whatever_the_theme() {
    let (model, _) = device_waiting(120, 40);
    let buffer = buffer(&model);
    let blocks: Vec<_> = buffer
        .content()
        .iter()
        .filter(|c| c.symbol() == "▀" || c.symbol() == "▄")
        .collect();
    assert!(blocks.len() > 50, "a QR code is drawn");
    assert!(
        blocks
            .iter()
            .all(|c| c.fg == Color::White && c.bg == Color::Black),
        "every module cell is white on black"
    );
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
        (
            "keys",
            "The key inventory: health per key, stale keys marked for rotation",
            keys_marked(120, 40),
        ),
        ("help", "Help: every key of the screen", help_scene(120, 40)),
        (
            "device-sign-in",
            "Device sign-in: the code, its QR code and the time left",
            device_waiting(120, 40).0,
        ),
        (
            "profiles",
            "Profiles: switching signs out of this tenant",
            profile_picker_scene(120, 40),
        ),
        ("error", "An error with its hint", error_scene(120, 40)),
        (
            "theme-default",
            "The default theme",
            themed(120, 40, Some(ThemeName::Default), false),
        ),
        (
            "theme-high-contrast",
            "The high-contrast theme (--theme high-contrast), for projectors",
            themed(120, 40, Some(ThemeName::HighContrast), false),
        ),
        (
            "theme-mono",
            "The mono theme (NO_COLOR): no colour, only bold, reverse and underline",
            themed(120, 40, None, true),
        ),
        (
            "theme-presenter",
            "Presenter mode at 80x24: high-contrast, a blank line between rows",
            themed(80, 24, None, false).presenting(),
        ),
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

/// The organizations screen, a few rows down, in a theme (`None`: let the options pick).
fn themed(width: u16, height: u16, theme: Option<ThemeName>, no_color: bool) -> Model {
    themed_with(
        width,
        height,
        TuiOptions {
            theme,
            no_color,
            ..TuiOptions::default()
        },
    )
}

fn themed_with(width: u16, height: u16, options: TuiOptions) -> Model {
    let mut model = signed_in_with(width, height, 100, Some("more"), options, &[]);
    feed(&mut model, [key(KeyCode::Down), key(KeyCode::Down)]);
    model
}

/// Turns a scene into its presenter-mode twin (only the options differ).
trait Presenting {
    fn presenting(self) -> Model;
}

impl Presenting for Model {
    fn presenting(self) -> Model {
        let size = self.size;
        let options = TuiOptions {
            presenter: true,
            ..self.options
        };
        themed_with(size.width, size.height, options)
    }
}

/// The row a text is drawn on (its first hit).
fn row_of(buffer: &Buffer, text: &str) -> u16 {
    find(buffer, text)
        .first()
        .unwrap_or_else(|| panic!("{text:?} not on screen"))
        .1
}

/// Every cell of a row, beside the table's borders.
fn row_cells(buffer: &Buffer, y: u16) -> Vec<&ratatui::buffer::Cell> {
    (1..buffer.area.width - 1)
        .map(|x| &buffer[(x, y)])
        .collect()
}

fn presenter() -> TuiOptions {
    TuiOptions {
        presenter: true,
        ..TuiOptions::default()
    }
}

#[test]
fn organizations_in_presenter_mode() {
    snapshot("organizations_presenter", |w, h| {
        themed_with(w, h, presenter())
    });
}

#[test]
fn the_mono_theme_draws_no_colour_on_any_cell() {
    for model in [
        themed(120, 40, Some(ThemeName::Mono), false),
        themed(80, 24, None, true),
        themed(80, 24, Some(ThemeName::Mono), false).presenting(),
    ] {
        assert_eq!(model.theme, Theme::mono());
        let buffer = buffer(&model);
        for cell in buffer.content() {
            assert_eq!(cell.fg, Color::Reset, "fg at {:?}", cell.symbol());
            assert_eq!(cell.bg, Color::Reset, "bg at {:?}", cell.symbol());
        }
        // Meaning survives without colour: the selected row is reversed.
        let selected = row_of(&buffer, "customer-00002");
        assert!(
            buffer[(2, selected)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
        );
    }
}

#[test]
fn no_color_picks_mono_unless_a_theme_is_chosen() {
    assert_eq!(themed(80, 24, None, true).theme, Theme::mono());
    assert_eq!(themed(80, 24, None, false).theme, Theme::colored());
    assert_eq!(
        themed(80, 24, Some(ThemeName::HighContrast), true).theme,
        Theme::high_contrast()
    );
    // A presenter under NO_COLOR stays colour-free; without it, high-contrast.
    assert_eq!(themed(80, 24, None, true).presenting().theme, Theme::mono());
    assert_eq!(
        themed(80, 24, None, false).presenting().theme,
        Theme::high_contrast()
    );
    assert_eq!(
        themed(80, 24, Some(ThemeName::Default), false)
            .presenting()
            .theme,
        Theme::colored()
    );
}

#[test]
fn the_high_contrast_theme_has_no_dim_grey_and_an_unmistakable_selected_row() {
    let scenes = [
        themed(120, 40, Some(ThemeName::HighContrast), false),
        themed(80, 24, None, false).presenting(),
        model_with(80, 24, presenter()),
        in_organization_with(120, 40, 3, presenter()),
        revealed(120, 40, presenter()),
        {
            let mut model = in_organization_with(80, 24, 1, presenter());
            feed(&mut model, [ch('?')]);
            model
        },
    ];
    for model in &scenes {
        assert_eq!(model.theme, Theme::high_contrast());
        let buffer = buffer(model);
        for cell in buffer.content() {
            for colour in [cell.fg, cell.bg] {
                assert!(
                    !matches!(colour, Color::DarkGray | Color::Gray),
                    "{colour:?} at {:?}",
                    cell.symbol()
                );
            }
        }
    }
    let buffer = buffer(&scenes[0]);
    let selected = row_cells(&buffer, row_of(&buffer, "customer-00002"));
    let other = row_cells(&buffer, row_of(&buffer, "customer-00003"));
    // The whole selected row is one bold bar of its own colours; the others have none.
    for cell in &selected {
        assert_eq!((cell.fg, cell.bg), (Color::White, Color::Blue));
        assert!(cell.modifier.contains(ratatui::style::Modifier::BOLD));
    }
    for cell in &other {
        assert_eq!(cell.bg, Color::Reset, "{:?}", cell.symbol());
    }
}

#[test]
fn presenter_mode_leaves_a_blank_line_between_table_rows() {
    for (width, height) in [(80, 24), (60, 16), (120, 40)] {
        let buffer = buffer(&themed_with(width, height, presenter()));
        let first = row_of(&buffer, "customer-00000");
        let second = row_of(&buffer, "customer-00001");
        assert_eq!(second, first + 2, "{width}x{height}");
        let gap: String = row_cells(&buffer, first + 1)
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(gap.trim().is_empty(), "{gap:?}");
        // The normal spacing keeps rows on consecutive lines.
        let normal = buffer_of_normal(width, height);
        assert_eq!(
            row_of(&normal, "customer-00001"),
            row_of(&normal, "customer-00000") + 1
        );
    }
    // The keys table too.
    let buffer = buffer(&in_organization_with(80, 24, 3, presenter()));
    let first = row_of(&buffer, "acme-key-0");
    assert_eq!(row_of(&buffer, "acme-key-1"), first + 2);
}

fn buffer_of_normal(width: u16, height: u16) -> Buffer {
    buffer(&themed_with(width, height, TuiOptions::default()))
}

#[test]
fn in_presenter_mode_paging_keeps_the_selection_on_screen_and_clicks_hit_their_row() {
    let mut model = themed_with(80, 24, presenter());
    for _ in 0..3 {
        feed(&mut model, [key(KeyCode::PageDown)]);
        let selected = model.organizations().unwrap().selected;
        let name = format!("customer-{selected:05}");
        let buffer = buffer(&model);
        let y = row_of(&buffer, &name);
        assert_eq!(buffer[(2, y)].bg, Color::Blue, "{name} is drawn selected");
    }
    // A click on a drawn row (not on the gap above it) selects that organization.
    let buffer = buffer(&model);
    let selected = model.organizations().unwrap().selected;
    let target = format!("customer-{:05}", selected - 2);
    let y = row_of(&buffer, &target);
    feed(
        &mut model,
        [Msg::Mouse(crossterm::event::MouseEvent {
            kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
            column: 5,
            row: y,
            modifiers: crossterm::event::KeyModifiers::NONE,
        })],
    );
    assert_eq!(model.organizations().unwrap().selected, selected - 2);
}

#[test]
fn every_scene_fits_in_presenter_mode_at_80x24_and_the_smallest_size() {
    for (width, height) in [(80, 24), (60, 16)] {
        let reveal = revealed(width, height, presenter());
        let screen = render(&reveal);
        if (width, height) == (80, 24) {
            // The whole reveal shows, warning and keys included.
            for text in [
                "This secret will not be shown again",
                "Esc close",
                "Client id",
            ] {
                assert!(screen.contains(text), "{text}:\n{screen}");
            }
        }
        let scenes = [
            themed_with(width, height, presenter()),
            in_organization_with(width, height, 30, presenter()),
            reveal,
            {
                let mut model = in_organization_with(width, height, 2, presenter());
                feed(&mut model, [ch('p')]);
                model
            },
        ];
        for model in &scenes {
            // The body ends above the status line and footer: nothing was pushed off screen.
            let buffer = buffer(model);
            let screen = render(model);
            assert_eq!(
                buffer[(0, height - 3)].symbol(),
                "└",
                "{width}x{height}:\n{screen}"
            );
            assert!(screen.contains("m2m-portal"), "{width}x{height}:\n{screen}");
            let footer: String = (0..width)
                .map(|x| buffer[(x, height - 1)].symbol())
                .collect();
            assert!(!footer.trim().is_empty(), "{width}x{height}:\n{screen}");
        }
    }
}

#[test]
fn in_presenter_mode_a_click_on_a_key_row_selects_that_key() {
    let mut model = in_organization_with(80, 24, 5, presenter());
    let drawn = buffer(&model);
    let y = row_of(&drawn, "acme-key-3");
    let click = |row| {
        Msg::Mouse(crossterm::event::MouseEvent {
            kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
            column: 5,
            row,
            modifiers: crossterm::event::KeyModifiers::NONE,
        })
    };
    feed(&mut model, [click(y)]);
    let drawn = buffer(&model);
    assert_eq!(drawn[(2, row_of(&drawn, "acme-key-3"))].bg, Color::Blue);
    // The blank line under a row belongs to that row, not to the next one.
    feed(&mut model, [click(row_of(&drawn, "acme-key-1") + 1)]);
    let drawn = buffer(&model);
    assert_eq!(drawn[(2, row_of(&drawn, "acme-key-1"))].bg, Color::Blue);
    assert_eq!(drawn[(2, row_of(&drawn, "acme-key-2"))].bg, Color::Reset);
}

#[test]
fn the_title_keeps_its_badges_on_a_narrow_terminal() {
    let options = || TuiOptions {
        presenter: true,
        read_only: true,
        ..TuiOptions::default()
    };
    for (width, height) in [(60, 16), (70, 20), (80, 24), (120, 40)] {
        for model in [
            model_with(width, height, options()),
            in_organization_with(width, height, 2, options()),
        ] {
            let screen = render(&model);
            let title = screen.lines().next().unwrap().trim_matches('"');
            for badge in ["SANDBOX", "READ-ONLY", "PRESENTER"] {
                assert!(
                    title.contains(badge),
                    "{badge} at {width}x{height}: {title:?}"
                );
            }
            assert!(title.starts_with(" m2m-portal "), "{title:?}");
        }
    }
    // Where everything fits the row is as it always was, the tenant's name included.
    let wide = render(&in_organization_with(120, 40, 2, TuiOptions::default()));
    let title = wide.lines().next().unwrap().trim_matches('"');
    assert!(
        title.contains("127.0.0.1:8787 › Organizations › "),
        "{title:?}"
    );
    assert!(title.trim_end().ends_with("SANDBOX"), "{title:?}");
}

#[test]
fn help_over_the_reveal_lists_the_reveals_keys_first_and_closes_back_to_it() {
    let mut model = revealed(120, 40, TuiOptions::default());
    let footer = render(&model).lines().last().unwrap().to_owned();
    assert!(footer.contains("? help"), "{footer}");
    feed(&mut model, [ch('?')]);
    assert!(matches!(model.overlays.last(), Some(Overlay::Help(_))));
    let screen = render(&model);
    let first = screen
        .lines()
        .find(|l| l.contains("Everywhere") || l.contains("Secret reveal"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        first.contains("Secret reveal"),
        "the reveal's keys first:\n{screen}"
    );
    // Esc closes the help, not the reveal: the secret is still there, still once.
    feed(&mut model, [key(KeyCode::Esc)]);
    assert!(matches!(model.overlays.last(), Some(Overlay::Reveal(_))));
    assert!(model.secret_on_screen());
    assert!(render(&model).contains(ISSUED_SECRET));
    // And `?` on the screen itself still lists the screen's keys first.
    let mut model = in_organization(120, 40, 1);
    feed(&mut model, [ch('?')]);
    let screen = render(&model);
    let first = screen
        .lines()
        .find(|l| l.contains("Everywhere") || l.contains("Organization · Keys"))
        .unwrap();
    assert!(first.contains("Organization · Keys"), "{screen}");
}
