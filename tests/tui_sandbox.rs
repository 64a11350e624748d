//! The TUI's real effect runner against the real sandbox tenant over HTTP on loopback:
//! sign in, open an organization, provision, reveal once, prove the key with a test token.
#![allow(clippy::unwrap_used)]

mod common;
mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use m2m_portal::config::{ClipboardMode, Settings};
use m2m_portal::portal::Portal;
use m2m_portal::sandbox::{Sandbox, SandboxOptions};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{self, Model, Msg, Route};
use m2m_portal::tui::effects::{Effects, PortalEffects};
use ratatui::layout::Rect;
use tokio::sync::mpsc;
use tui_support::{ch, key, render};

/// Drives the model with the real runner, waiting for replies the way the loop does.
struct Driver {
    model: Model,
    effects: PortalEffects,
    replies: mpsc::UnboundedSender<Msg>,
    results: mpsc::UnboundedReceiver<Msg>,
}

impl Driver {
    /// A 120x40 model on these settings, its commands run by `effects`.
    fn new(settings: &Settings, effects: PortalEffects) -> Driver {
        let (replies, results) = mpsc::unbounded_channel();
        Driver {
            model: Model::new(
                settings,
                TuiOptions::default(),
                Rect::new(0, 0, 120, 40),
                std::time::SystemTime::now(),
            ),
            effects,
            replies,
            results,
        }
    }

    /// Enter on the sign-in form, until the first page of organizations is in.
    async fn sign_in(&mut self) {
        self.send(key(KeyCode::Enter));
        self.settle("sign-in and the first page", |m| {
            m.route() == Route::Organizations && !m.busy()
        })
        .await;
    }

    /// Enter on the selected organization, until its keys are in.
    async fn open_organization(&mut self) {
        self.send(key(KeyCode::Enter));
        self.settle("the keys", |m| {
            m.organization().is_some_and(|o| o.keys_loaded) && !m.busy()
        })
        .await;
    }

    fn send(&mut self, msg: Msg) {
        for cmd in app::update(&mut self.model, msg) {
            self.effects.perform(cmd, &self.replies);
        }
    }

    /// Applies replies until the condition holds (the timeout only guards against a hang).
    async fn settle(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        while !done(&self.model) {
            let msg = tokio::time::timeout(Duration::from_secs(60), self.results.recv())
                .await
                .unwrap_or_else(|_| panic!("waiting for {what}; screen:\n{}", render(&self.model)))
                .unwrap();
            self.send(msg);
        }
    }
}

fn settings(sandbox: &Sandbox) -> Settings {
    let mut settings = Settings::for_tenant(
        &sandbox.base_url(),
        &sandbox.admin_client_id(),
        sandbox.admin_client_secret(),
        &sandbox.api_audience(),
        &sandbox.api_scope(),
    );
    settings.sandbox = true;
    // No copies in this test: nothing may reach the developer's clipboard or terminal.
    settings.clipboard = ClipboardMode::Off;
    settings
}

#[tokio::test]
async fn provisioning_in_the_tui_creates_one_linked_key_whose_token_carries_the_org_id() {
    let sandbox = Sandbox::start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let settings = settings(&sandbox);
    let mut driver = Driver::new(&settings, PortalEffects::new(settings.clone()));

    driver.sign_in().await;
    let organizations = driver.model.organizations().unwrap();
    assert!(
        !organizations.organizations.is_empty(),
        "{}",
        render(&driver.model)
    );
    let organization = organizations.organizations[0].clone();

    driver.open_organization().await;
    let before = driver.model.organization().unwrap().keys.len();

    driver.send(ch('p'));
    // The name dialog opens prefilled with a unique default; Enter provisions.
    driver.send(key(KeyCode::Enter));
    driver
        .settle("provisioning", |m| {
            m.secret_on_screen() || m.status.as_ref().is_some_and(|s| s.text.contains("failed"))
        })
        .await;
    assert!(driver.model.secret_on_screen(), "{}", render(&driver.model));
    assert!(render(&driver.model).contains("will not be shown again"));

    driver.send(ch('t'));
    driver
        .settle("the test token", |m| {
            m.token_pending.is_none() && m.route() == Route::Token
        })
        .await;
    driver.send(key(KeyCode::Esc));
    driver.send(ch('y'));
    let screen = render(&driver.model);
    assert!(screen.contains("✓ accepted"), "{screen}");
    assert!(screen.contains("✓ org_id"), "{screen}");
    assert!(!driver.model.secret_on_screen());

    driver.send(key(KeyCode::Esc));
    driver
        .settle("the keys again", |m| {
            m.organization().is_some_and(|o| o.keys_loaded) && !m.busy()
        })
        .await;
    assert_eq!(
        driver.model.organization().unwrap().keys.len(),
        before + 1,
        "{}",
        render(&driver.model)
    );

    // The tenant agrees: one more key, linked to the organization.
    let keys = Portal::new(&settings)
        .unwrap()
        .list_keys(&organization.id)
        .await
        .unwrap();
    assert_eq!(keys.len(), before + 1);
    driver.effects.shutdown();
    common::check_exchanges(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    sandbox.shutdown().await;
}

/// Issue 9 in the TUI through real HTTP: Ctrl-D on the sign-in screen shows the
/// sandbox's code, the operator approves it "on their phone", the TUI signs in
/// with the admin app, and a key provisioned next is audited in the operator's
/// name. The sign-in is kept, and the next start picks it up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_sign_in_in_the_tui_names_the_operator_in_the_audit_record_of_a_provision() {
    use m2m_portal::credentials::CredentialStore;
    use m2m_portal::portal::PortalOptions;
    use m2m_portal::tui::Launch;
    use m2m_portal::tui::app::Overlay;
    use m2m_portal::tui::widgets::device::DeviceState;

    let sandbox = Sandbox::start(SandboxOptions {
        device_interval: Duration::from_secs(1),
        offline_access: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let data = dir.path().join("data");
    let launch = || Launch {
        credentials: Some(std::sync::Arc::new(CredentialStore::file_only(&data))),
        profiles: None,
        portal: PortalOptions {
            audit_log: Some(audit.clone()),
            retry: None,
        },
    };
    let mut settings = settings(&sandbox);
    settings.login_client_id = Some(sandbox.native_client_id());
    let mut driver = Driver::new(
        &settings,
        PortalEffects::with_launch(settings.clone(), launch()),
    );
    assert!(
        driver.effects.restore_operator().is_none(),
        "nobody signed in yet"
    );

    driver.send(tui_support::ctrl('d'));
    driver
        .settle("the device code", |m| {
            m.overlays.iter().any(
                |o| matches!(o, Overlay::Device(d) if !matches!(d.state, DeviceState::Starting)),
            )
        })
        .await;
    let code = sandbox.pending_user_codes().first().cloned().unwrap();
    let screen = render(&driver.model);
    assert!(
        screen.contains(&code),
        "the tenant's code is shown: {screen}"
    );
    assert!(screen.contains("/activate"), "{screen}");
    assert!(sandbox.approve_device(&code));

    // Approved: the overlay closes and the admin app signs in by itself.
    driver
        .settle("the operator and the organizations", |m| {
            m.operator.is_some() && m.route() == Route::Organizations && !m.busy()
        })
        .await;
    let header = render(&driver.model).lines().next().unwrap().to_owned();
    assert!(header.contains("as admin@sandbox.example"), "{header}");

    driver.open_organization().await;
    driver.send(ch('p'));
    driver.send(key(KeyCode::Enter));
    driver
        .settle("provisioning", |m| {
            m.secret_on_screen() || m.status.as_ref().is_some_and(|s| s.text.contains("failed"))
        })
        .await;
    assert!(driver.model.secret_on_screen(), "{}", render(&driver.model));

    let records: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let provision = records
        .iter()
        .rfind(|r| r["action"] == "provision_key")
        .unwrap_or_else(|| panic!("no provision record: {records:?}"));
    assert_eq!(
        provision["operator"], "admin@sandbox.example",
        "{provision}"
    );
    assert_eq!(
        provision["operator_sub"], "auth0|sandbox-admin",
        "{provision}"
    );
    driver.effects.shutdown();

    // The sign-in was kept (refresh token in the 0600 file): the next start shows
    // the operator at once, and it is renewed with the refresh token.
    let mut next = PortalEffects::with_launch(settings.clone(), launch());
    let restored = next.restore_operator().expect("the sign-in is kept");
    assert_eq!(
        restored.operator.email.as_deref(),
        Some("admin@sandbox.example")
    );
    assert!(restored.refreshable);
    let (replies, results) = mpsc::unbounded_channel();
    let mut driver = Driver {
        model: Model::new(
            &settings,
            TuiOptions::default(),
            Rect::new(0, 0, 120, 40),
            std::time::SystemTime::now(),
        ),
        effects: next,
        replies,
        results,
    };
    driver.model.operator_restored(restored);
    // Kept without its access token: renewed at the first tick.
    driver.send(Msg::Tick(std::time::SystemTime::now()));
    driver
        .settle("the renewal", |m| {
            m.operator.as_ref().is_some_and(|o| {
                o.renewing.is_none()
                    && o.session.expires_at > std::time::SystemTime::now() + Duration::from_secs(60)
            })
        })
        .await;
    driver.effects.shutdown();
    sandbox.shutdown().await;
}

/// Issue 10's budget of 3 Management calls per provision, met where the organization
/// and its keys are on screen: from Enter on the name to the reveal, only the client,
/// the grant and the link go to the tenant.
#[tokio::test]
async fn a_provision_from_the_organization_screen_makes_three_management_calls() {
    let sandbox = Sandbox::start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let settings = settings(&sandbox);
    let mut driver = Driver::new(&settings, PortalEffects::new(settings.clone()));
    driver.sign_in().await;
    driver.open_organization().await;
    let organization = driver.model.organization().unwrap().organization.clone();
    driver.send(ch('p'));
    let client_ids = |snapshot: &serde_json::Value| -> Vec<String> {
        snapshot["clients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["client_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let old = client_ids(&sandbox.snapshot());
    let before = sandbox.exchanges().len();
    driver.send(key(KeyCode::Enter));
    driver
        .settle("provisioning", |m| {
            m.secret_on_screen() || m.status.as_ref().is_some_and(|s| s.text.contains("failed"))
        })
        .await;
    assert!(driver.model.secret_on_screen(), "{}", render(&driver.model));
    let calls: Vec<String> = sandbox
        .exchanges()
        .into_iter()
        .skip(before)
        .filter(|e| e.path.starts_with("/api/v2/"))
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /api/v2/clients".to_owned(),
            "POST /api/v2/client-grants".to_owned(),
            format!(
                "POST /api/v2/organizations/{}/client-grants",
                organization.id
            ),
        ]
    );
    // The description still names the organization as the tenant knows it.
    let snapshot = sandbox.snapshot();
    let client = snapshot["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !old.contains(&c["client_id"].as_str().unwrap().to_owned()))
        .unwrap();
    assert_eq!(
        client["client_metadata"]["org_id"],
        organization.id.as_str()
    );
    let shown = organization
        .display_name
        .clone()
        .unwrap_or(organization.name.clone());
    assert_eq!(
        client["description"],
        format!("M2M key for {shown} ({})", organization.id).as_str()
    );
    driver.effects.shutdown();
    common::check_exchanges(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    sandbox.shutdown().await;
}
