//! Issue 9 in the TUI, as pure `update` tests: the device sign-in overlay
//! (code, QR, countdown, slow_down, denied, expired, Esc, the browser key),
//! the operator's sign-in over time (renewal, the warning before it ends), and
//! profiles (the picker; switching drops every token and secret of the old one).
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::time::{Duration, UNIX_EPOCH};

use crossterm::event::KeyCode;
use m2m_portal::config::{ProfileSummary, Settings};
use m2m_portal::portal::{ErrorKind, PortalError};
use m2m_portal::secret::Secret;
use m2m_portal::tui::app::{Cmd, Msg, Overlay, ProfileLoad, RequestId, Route};
use m2m_portal::tui::widgets::device::DeviceState;
use tui_support::*;

fn refused(code: &str, message: &str, hint: &str) -> PortalError {
    PortalError::new(ErrorKind::Auth, message)
        .with_code(code)
        .with_hint(hint)
}

fn device_state(model: &m2m_portal::tui::app::Model) -> Option<&DeviceState> {
    model.overlays.iter().find_map(|o| match o {
        Overlay::Device(d) => Some(&d.state),
        _ => None,
    })
}

fn status_text(model: &m2m_portal::tui::app::Model) -> String {
    model
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[test]
fn ctrl_d_on_the_sign_in_screen_asks_the_runner_for_a_code_and_shows_progress() {
    let mut model = model(100, 30);
    let cmds = feed(&mut model, [ctrl('d')]);
    device_id(&cmds);
    assert_eq!(device_state(&model), Some(&DeviceState::Starting));
    assert!(render(&model).contains("Asking the tenant for a sign-in code"));
    // The form did not take the letter.
    assert_eq!(model.signin.domain.value(), "http://127.0.0.1:8787");
    assert!(model.tick_interval().is_some(), "the spinner turns");
}

#[test]
fn the_overlay_shows_the_url_the_code_a_qr_code_and_counts_down_to_expiry() {
    let (mut model, _) = device_waiting(120, 40);
    let screen = render(&model);
    assert!(
        screen.contains("https://tenant.eu.auth0.com/activate"),
        "{screen}"
    );
    assert!(screen.contains("BDWP-HQPK"), "{screen}");
    assert!(screen.contains("expires in 10 min"), "{screen}");
    assert!(
        screen.contains('█') || screen.contains('▀') || screen.contains('▄'),
        "a QR code is drawn:\n{screen}"
    );
    assert!(
        model
            .tick_interval()
            .is_some_and(|t| t <= Duration::from_millis(1005)),
        "the countdown ticks at least once a second: {:?}",
        model.tick_interval()
    );
    feed(&mut model, [Msg::Tick(now() + Duration::from_secs(61))]);
    assert!(render(&model).contains("expires in 8 min 59 s"));
    feed(&mut model, [Msg::Tick(now() + Duration::from_secs(600))]);
    assert!(render(&model).contains("The code has expired"));
}

#[test]
fn a_small_terminal_still_shows_the_code_and_says_a_larger_one_shows_the_qr() {
    let (model, _) = device_waiting(60, 16);
    let screen = render(&model);
    assert!(screen.contains("BDWP-HQPK"), "{screen}");
    assert!(screen.contains("larger terminal"), "{screen}");
}

#[test]
fn esc_cancels_the_sign_in_and_a_late_approval_is_dropped() {
    let (mut model, id) = device_waiting(120, 40);
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Cancel { id: cancelled } if *cancelled == id)),
        "{cmds:?}"
    );
    assert!(device_state(&model).is_none());
    assert!(status_text(&model).contains("cancelled"));
    feed(
        &mut model,
        [Msg::OperatorSignedIn {
            id,
            result: Ok(operator_session(now() + Duration::from_secs(3600), true)),
        }],
    );
    assert!(
        model.operator.is_none(),
        "a cancelled sign-in signs nobody in"
    );
    assert_eq!(model.route(), Route::SignIn);
}

#[test]
fn slow_down_denied_and_expired_codes_are_said_clearly_and_enter_tries_again() {
    let (mut model, id) = device_waiting(120, 40);
    feed(
        &mut model,
        [Msg::DeviceSlowDown {
            id,
            interval: Duration::from_secs(10),
        }],
    );
    assert!(
        render(&model).contains("now polling every 10 s"),
        "{}",
        render(&model)
    );
    assert!(status_text(&model).contains("slow_down"));

    feed(
        &mut model,
        [Msg::OperatorSignedIn {
            id,
            result: Err(refused(
                "access_denied",
                "The sign-in was refused on the approval page.",
                "If that was not you, tell your tenant's administrators.",
            )),
        }],
    );
    let screen = render(&model);
    assert!(screen.contains("refused on the approval page"), "{screen}");
    assert!(screen.contains("access_denied"), "{screen}");
    assert!(screen.contains("Enter tries again"), "{screen}");
    assert!(model.operator.is_none());

    // Enter asks for a new code; its expiry is said the same way.
    let again = device_id(&feed(&mut model, [key(KeyCode::Enter)]));
    assert_ne!(again, id);
    feed(
        &mut model,
        [Msg::OperatorSignedIn {
            id: again,
            result: Err(refused(
                "expired_token",
                "The sign-in code expired before it was approved.",
                "Run m2m-portal login again.",
            )),
        }],
    );
    assert!(render(&model).contains("expired before it was approved"));
    // Esc closes a failed overlay without cancelling anything.
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(device_state(&model).is_none());
}

#[test]
fn approval_shows_the_operator_in_the_header_and_signs_in_with_the_admin_app() {
    let (mut model, id) = device_waiting(120, 40);
    let cmds = feed(
        &mut model,
        [Msg::OperatorSignedIn {
            id,
            result: Ok(operator_session(now() + Duration::from_secs(3600), true)),
        }],
    );
    sign_in_id(&cmds);
    assert!(device_state(&model).is_none(), "the overlay closes");
    let first_line = render(&model).lines().next().unwrap().to_owned();
    assert!(
        first_line.contains("as alice@support.example"),
        "{first_line}"
    );
    assert!(status_text(&model).contains("audited in your name"));
}

#[test]
fn o_opens_the_browser_only_when_a_display_exists() {
    let (mut model, _) = device_waiting(120, 40);
    let cmds = feed(&mut model, [ch('o')]);
    assert!(cmds.is_empty(), "no display, no browser: {cmds:?}");
    assert!(status_text(&model).contains("no display"));
    assert!(render(&model).contains("No display here"));

    let (mut model, _) = device_waiting(120, 40);
    model.can_open_browser = true;
    assert!(render(&model).contains("o opens it in this machine's browser"));
    let cmds = feed(&mut model, [ch('o')]);
    assert!(
        matches!(&cmds[..], [Cmd::OpenBrowser { url }]
            if url == "https://tenant.eu.auth0.com/activate?user_code=BDWP-HQPK"),
        "{cmds:?}"
    );
}

#[test]
fn a_sign_in_without_refresh_warns_five_minutes_before_it_ends_then_says_it_ended() {
    let mut model = model(120, 40);
    model.operator_restored(operator_session(now() + Duration::from_secs(600), false));
    // Idle, but the warning is due in five minutes: one tick then, no polling.
    assert_eq!(model.tick_interval(), Some(Duration::from_secs(300)));
    feed(&mut model, [Msg::Tick(now() + Duration::from_secs(299))]);
    assert!(status_text(&model).is_empty());
    let cmds = feed(&mut model, [Msg::Tick(now() + Duration::from_secs(301))]);
    assert!(cmds.is_empty(), "nothing to renew with: {cmds:?}");
    assert!(
        status_text(&model).contains("ends in 4 min 59 s"),
        "{}",
        status_text(&model)
    );
    assert!(status_text(&model).contains("cannot be renewed"));
    feed(&mut model, [Msg::Tick(now() + Duration::from_secs(600))]);
    assert!(status_text(&model).contains("has ended"));
    assert!(render(&model).lines().next().unwrap().contains("(ended)"));
    assert_eq!(model.tick_interval(), None, "nothing more to say: idle");
}

#[test]
fn a_saved_sign_in_with_a_refresh_token_is_renewed_when_it_runs_out() {
    let mut model = model(120, 40);
    // A kept refresh token without its access token: renewed at once.
    model.operator_restored(operator_session(UNIX_EPOCH, true));
    assert!(render(&model).lines().next().unwrap().contains("as alice"));
    assert_eq!(model.tick_interval(), Some(Duration::ZERO));
    let cmds = feed(&mut model, [Msg::Tick(now())]);
    let id = only_id(&cmds, |c| match c {
        Cmd::RenewOperator { id } => Some(*id),
        _ => None,
    });
    // In flight: no second request, no busy spinner.
    assert!(feed(&mut model, [Msg::Tick(now())]).is_empty());
    assert_eq!(model.tick_interval(), None);
    let fresh = now() + Duration::from_secs(3600);
    feed(
        &mut model,
        [Msg::OperatorRenewed {
            id,
            result: Ok(operator_session(fresh, true)),
        }],
    );
    let state = model.operator.as_ref().unwrap();
    assert_eq!(state.session.expires_at, fresh);
    assert_eq!(state.renewing, None);
    assert_eq!(
        model.tick_interval(),
        Some(Duration::from_secs(3600 - 5)),
        "renewed again just before it runs out"
    );

    // A renewal refused (the person was blocked): said, and not retried in a loop.
    let cmds = feed(&mut model, [Msg::Tick(fresh)]);
    let id = only_id(&cmds, |c| match c {
        Cmd::RenewOperator { id } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [Msg::OperatorRenewed {
            id,
            result: Err(refused(
                "invalid_grant",
                "Your saved sign-in is no longer valid.",
                "Run m2m-portal login again.",
            )),
        }],
    );
    assert!(status_text(&model).contains("no longer valid"));
    let cmds = feed(&mut model, [Msg::Tick(fresh + Duration::from_secs(1))]);
    assert!(cmds.is_empty(), "{cmds:?}");
}

fn staging() -> Settings {
    let mut settings = Settings::for_tenant(
        "https://staging.eu.auth0.com",
        "staging-admin-id",
        Secret::from("STAGING-ADMIN-SECRET"),
        "https://api.staging.example",
        "read:data",
    );
    settings.profile = Some("staging".to_owned());
    settings
}

fn profiles() -> Vec<ProfileSummary> {
    vec![
        ProfileSummary {
            name: "prod".to_owned(),
            domain: Some("prod.eu.auth0.com".to_owned()),
            read_only: true,
            presenter: false,
        },
        ProfileSummary {
            name: "staging".to_owned(),
            domain: Some("staging.eu.auth0.com".to_owned()),
            read_only: false,
            presenter: false,
        },
    ]
}

/// Opens the picker with `P`, moves to `down` rows below the first and chooses.
fn choose_profile(model: &mut m2m_portal::tui::app::Model, down: usize) -> (RequestId, String) {
    let cmds = feed(model, [ch('P')]);
    assert!(
        matches!(&cmds[..], [Cmd::ListProfiles]),
        "P lists the profiles: {cmds:?}"
    );
    feed(model, [Msg::ProfilesListed(Ok(profiles()))]);
    let screen = render(model);
    assert!(screen.contains("prod.eu.auth0.com"), "{screen}");
    assert!(screen.contains("read-only"), "{screen}");
    let mut keys: Vec<Msg> = (0..down).map(|_| key(KeyCode::Down)).collect();
    keys.push(key(KeyCode::Enter));
    let cmds = feed(model, keys);
    match &cmds[..] {
        [Cmd::SwitchProfile { id, name }] => (*id, name.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn switching_profiles_drops_every_token_and_secret_of_the_old_one() {
    // Inspecting a test token, with the key's secret copied (the clipboard clears later).
    let mut model = in_organization(120, 40, 2);
    let cmds = feed(&mut model, [ch('p'), key(KeyCode::Enter)]);
    let provision = only_id(&cmds, |c| match c {
        Cmd::ProvisionKey { id, .. } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [Msg::Provisioned {
            id: provision,
            result: Ok(issued()),
        }],
    );
    let cmds = feed(&mut model, [ch('t')]);
    let token = only_id(&cmds, |c| match c {
        Cmd::TestToken { id, .. } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [
            Msg::TokenFetched {
                id: token,
                result: Ok(token_report(true)),
            },
            key(KeyCode::Esc),
            ch('y'),
        ],
    );
    assert_eq!(model.route(), Route::Token);
    assert!(model.token().is_some());
    let clears_at = now() + Duration::from_secs(30);
    model.clipboard_clears_at = Some(clears_at);
    let access_token = token_report(true).access_token.expose_secret().to_owned();

    let (id, name) = choose_profile(&mut model, 1);
    assert_eq!(name, "staging");
    assert!(model.busy(), "switching shows progress");
    // A key issued while the switch was on its way is revealed on the old tenant...
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Organization);
    let cmds = feed(&mut model, [ch('p'), key(KeyCode::Enter)]);
    let late = only_id(&cmds, |c| match c {
        Cmd::ProvisionKey { id, .. } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [Msg::Provisioned {
            id: late,
            result: Ok(issued()),
        }],
    );
    assert!(model.secret_on_screen());

    // ...and the switch answers: everything of the old tenant goes.
    let cmds = feed(
        &mut model,
        [Msg::ProfileLoaded {
            id,
            name,
            result: Ok(Box::new(ProfileLoad {
                settings: staging(),
                operator: None,
            })),
        }],
    );
    assert!(
        cmds.iter().all(|c| matches!(c, Cmd::Cancel { .. })),
        "only cancellations: {cmds:?}"
    );
    assert_eq!(model.route(), Route::SignIn);
    assert!(
        !model.secret_on_screen(),
        "the reveal and its secret are gone"
    );
    assert!(model.overlays.is_empty());
    assert!(model.token().is_none(), "the inspected token is gone");
    assert!(model.token_pending.is_none());
    assert!(model.organization().is_none());
    assert!(model.organizations().is_none());
    assert!(
        model.perms.sign_in.is_none(),
        "signed out of the old tenant"
    );
    assert!(model.operator.is_none());
    assert!(!model.busy());
    // The only secret left is the new profile's own admin secret, in its form.
    assert_eq!(
        model.signin.secret.secret().expose_secret(),
        "STAGING-ADMIN-SECRET"
    );
    assert_eq!(
        model.clipboard_clears_at,
        Some(clears_at),
        "the clipboard's auto-clear stays"
    );
    let screen = render(&model);
    assert!(!screen.contains(ISSUED_SECRET), "{screen}");
    assert!(!screen.contains(&access_token[..20]), "{screen}");
    assert!(!screen.contains("admin-secret-value"), "{screen}");
    let header = screen.lines().next().unwrap();
    assert!(header.contains("staging.eu.auth0.com"), "{header}");
    assert!(header.contains("[staging]"), "{header}");
    assert_eq!(model.profile.as_deref(), Some("staging"));
    assert!(status_text(&model).contains("signed out of"));
}

#[test]
fn a_read_only_or_presenter_profile_takes_effect_like_the_flags() {
    let mut model = signed_in(120, 40, 3, None);
    assert!(!model.options.read_only);
    let (id, name) = choose_profile(&mut model, 0);
    assert_eq!(name, "prod");
    let mut prod = staging();
    prod.profile = Some("prod".to_owned());
    prod.read_only = true;
    prod.presenter = true;
    feed(
        &mut model,
        [Msg::ProfileLoaded {
            id,
            name,
            result: Ok(Box::new(ProfileLoad {
                settings: prod,
                operator: Some(operator_session(now() + Duration::from_secs(3600), true)),
            })),
        }],
    );
    assert!(model.options.read_only && model.perms.read_only);
    assert!(model.options.presenter);
    let header = render(&model).lines().next().unwrap().to_owned();
    assert!(header.contains("READ-ONLY"), "{header}");
    assert!(header.contains("PRESENTER"), "{header}");
    assert!(
        header.contains("as alice@support.example"),
        "the profile's saved sign-in shows: {header}"
    );

    // From the command line too, at start.
    let mut settings = settings();
    settings.read_only = true;
    let model = m2m_portal::tui::app::Model::new(
        &settings,
        Default::default(),
        ratatui::layout::Rect::new(0, 0, 120, 40),
        now(),
    );
    assert!(model.options.read_only && model.perms.read_only);
}

#[test]
fn a_profile_that_does_not_load_leaves_the_session_as_it_was() {
    let mut model = signed_in(120, 40, 3, None);
    let (id, name) = choose_profile(&mut model, 1);
    feed(
        &mut model,
        [Msg::ProfileLoaded {
            id,
            name,
            result: Err("PLUGIN_AUTH0_M2M_CLIENT_SECRET is not set".to_owned()),
        }],
    );
    assert_eq!(model.route(), Route::Organizations);
    assert!(model.perms.sign_in.is_some());
    let status = status_text(&model);
    assert!(
        status.contains("cannot switch to profile staging"),
        "{status}"
    );
    assert!(status.contains("CLIENT_SECRET"), "{status}");
    assert!(!model.busy());
}

#[test]
fn the_picker_closes_with_esc_and_says_when_there_are_no_profiles() {
    let mut model = signed_in(120, 40, 3, None);
    feed(&mut model, [ch('P'), Msg::ProfilesListed(Ok(profiles()))]);
    assert!(matches!(model.overlays.last(), Some(Overlay::Profiles(_))));
    assert!(feed(&mut model, [key(KeyCode::Esc)]).is_empty());
    assert!(model.overlays.is_empty());
    assert_eq!(model.route(), Route::Organizations);
    feed(&mut model, [ch('P'), Msg::ProfilesListed(Ok(Vec::new()))]);
    assert!(model.overlays.is_empty());
    assert!(status_text(&model).contains("no profiles"));
    // On the sign-in screen the letters type: Ctrl-P opens it.
    let mut signing_in = tui_support::model(120, 40);
    let cmds = feed(&mut signing_in, [ctrl('p')]);
    assert!(matches!(&cmds[..], [Cmd::ListProfiles]), "{cmds:?}");
}
