//! Discovery everywhere (issue 11.4): the device flow and the reveal's snippets follow
//! `/.well-known/openid-configuration` (`device_authorization_endpoint`,
//! `token_endpoint`), falling back to Auth0's paths without a discovery document;
//! through real HTTP against the sandbox, whose `paths` option serves them elsewhere.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use m2m_portal::config::ClipboardMode;
use m2m_portal::portal::{IssuedKey, Portal, PortalOptions};
use m2m_portal::sandbox::{FaultSpec, ProviderOptions, Sandbox, SandboxOptions};
use m2m_portal::secret::Secret;
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{self, Model, Msg};
use m2m_portal::tui::effects::{Effects, PortalEffects};
use m2m_portal::tui::widgets::reveal::RevealOverlay;
use ratatui::layout::Rect;
use tokio::sync::mpsc;

async fn start(paths: bool, faults: &str) -> Sandbox {
    Sandbox::start(SandboxOptions {
        device_interval: Duration::from_secs(1),
        token_ttl: Duration::from_secs(5),
        offline_access: true,
        record: true,
        faults: faults.parse::<FaultSpec>().unwrap(),
        provider: ProviderOptions {
            paths,
            ..ProviderOptions::default()
        },
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

fn portal(sandbox: &Sandbox, dir: &tempfile::TempDir) -> Portal {
    Portal::with_options(
        &sandbox.settings(),
        PortalOptions {
            audit_log: Some(dir.path().join("audit.jsonl")),
            retry: None,
        },
    )
    .unwrap()
}

/// Signs in with the device flow, approves it, and renews the session once.
async fn sign_in_and_renew(sandbox: &Sandbox) {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(sandbox, &dir);
    let started = portal.start_login().await.unwrap();
    assert!(sandbox.approve_device(&started.user_code));
    let signed = portal
        .finish_login(&started, |_| std::future::ready(()))
        .await
        .unwrap();
    assert!(signed.session.refresh_token.is_some());
    let operator = portal.as_operator(&signed);
    // Tokens of 5 s are always inside the renewal margin: renewed with the refresh token.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    operator.renew_operator().await.unwrap();
    assert_ne!(
        operator
            .operator_session()
            .unwrap()
            .access_token
            .expose_secret(),
        signed.session.access_token.expose_secret()
    );
}

/// (method, path without query, grant_type) of each device-flow and token exchange.
fn oauth_exchanges(sandbox: &Sandbox) -> Vec<(String, String, Option<String>, u16)> {
    sandbox
        .exchanges()
        .into_iter()
        .filter(|e| !e.path.starts_with("/api/v2"))
        .map(|e| {
            let grant = e
                .request_body
                .as_ref()
                .and_then(|b| b.get("grant_type"))
                .and_then(|g| g.as_str())
                .map(str::to_owned);
            let path = e.path.split('?').next().unwrap_or_default().to_owned();
            (e.method, path, grant, e.status)
        })
        .collect()
}

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_flow_follows_discovery_to_endpoints_that_are_not_auth0s() {
    let sandbox = start(true, "").await;
    // Under this option Auth0's device path is not served: only discovery's is.
    let refused = reqwest::Client::new()
        .post(format!("{}/oauth/device/code", sandbox.base_url()))
        .form(&[("client_id", sandbox.native_client_id())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 404);

    sign_in_and_renew(&sandbox).await;
    let exchanges = oauth_exchanges(&sandbox);
    let at = |path: &str, grant: Option<&str>| {
        exchanges
            .iter()
            .filter(|(m, p, g, s)| m == "POST" && p == path && g.as_deref() == grant && *s == 200)
            .count()
    };
    assert_eq!(at("/connect/device", None), 1, "{exchanges:?}");
    assert_eq!(at("/connect/token", Some(DEVICE_GRANT)), 1, "{exchanges:?}");
    assert_eq!(
        at("/connect/token", Some("refresh_token")),
        1,
        "{exchanges:?}"
    );
    assert!(
        !exchanges
            .iter()
            .any(|(_, p, g, _)| p == "/oauth/token" && g.as_deref() != Some("client_credentials")),
        "no device or refresh grant went to Auth0's path: {exchanges:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_discovery_document_the_device_flow_uses_auth0s_paths() {
    let sandbox = start(false, "GET /.well-known/openid-configuration=404").await;
    sign_in_and_renew(&sandbox).await;
    let exchanges = oauth_exchanges(&sandbox);
    let at = |path: &str, grant: Option<&str>| {
        exchanges
            .iter()
            .filter(|(m, p, g, s)| m == "POST" && p == path && g.as_deref() == grant && *s == 200)
            .count()
    };
    assert_eq!(at("/oauth/device/code", None), 1, "{exchanges:?}");
    assert_eq!(at("/oauth/token", Some(DEVICE_GRANT)), 1, "{exchanges:?}");
    assert_eq!(
        at("/oauth/token", Some("refresh_token")),
        1,
        "{exchanges:?}"
    );
    assert!(
        sandbox.stats().faults_injected >= 1,
        "discovery answered 404"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_portal_reads_both_endpoints_from_discovery() {
    let sandbox = start(true, "").await;
    let dir = tempfile::tempdir().unwrap();
    let endpoints = portal(&sandbox, &dir).oauth_endpoints().await.unwrap();
    let base = sandbox.base_url();
    assert_eq!(
        endpoints.device_authorization,
        format!("{base}/connect/device")
    );
    assert_eq!(endpoints.token, format!("{base}/connect/token"));
    sandbox.shutdown().await;
}

fn key_for(organization: &str) -> IssuedKey {
    IssuedKey {
        client_id: "newclient000000000000001".to_owned(),
        client_name: "acme key".to_owned(),
        client_secret: Secret::from("NEW-SECRET"),
        organization_id: Some(organization.to_owned()),
        grant_id: None,
    }
}

/// Signs the TUI in with the real runner and waits for the discovered token endpoint.
async fn tui_token_endpoint(sandbox: &Sandbox, wanted: &str) -> Model {
    let mut settings = sandbox.settings();
    settings.clipboard = ClipboardMode::Off;
    let (replies, mut results) = mpsc::unbounded_channel();
    let mut model = Model::new(
        &settings,
        TuiOptions::default(),
        Rect::new(0, 0, 120, 40),
        std::time::SystemTime::now(),
    );
    let mut effects = PortalEffects::new(settings.clone());
    let enter = Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    for cmd in app::update(&mut model, enter) {
        effects.perform(cmd, &replies);
    }
    while !model.tenant.token_request.token_endpoint.ends_with(wanted) || model.busy() {
        let msg = tokio::time::timeout(Duration::from_secs(30), results.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no discovered endpoint; still {}",
                    model.tenant.token_request.token_endpoint
                )
            })
            .unwrap();
        for cmd in app::update(&mut model, msg) {
            effects.perform(cmd, &replies);
        }
    }
    effects.shutdown();
    model
}

#[tokio::test]
async fn the_reveals_curl_command_and_env_snippet_name_the_discovered_token_endpoint() {
    let sandbox = start(true, "").await;
    let model = tui_token_endpoint(&sandbox, "/connect/token").await;
    assert_eq!(
        model.tenant.token_endpoint(),
        format!("{}/connect/token", sandbox.base_url())
    );
    let reveal = RevealOverlay::new(key_for("org_acme"), None);
    let curl = reveal.curl_command(&model.tenant);
    assert!(
        curl.expose_secret()
            .contains(&format!("--url '{}/connect/token'", sandbox.base_url())),
        "{}",
        curl.expose_secret()
    );
    assert!(!curl.expose_secret().contains("/oauth/token"));
    let env = reveal.env_snippet(&model.tenant);
    let line = format!(
        "AUTH0_TOKEN_ENDPOINT={}\n",
        m2m_portal::text::dotenv_value(&format!("{}/connect/token", sandbox.base_url()))
    );
    assert!(
        env.expose_secret().contains(&line),
        "{}",
        env.expose_secret()
    );
    // The command the snippet names really issues a token there.
    let answer = reqwest::Client::new()
        .post(format!("{}/connect/token", sandbox.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "no-such-client"),
            ("client_secret", "x"),
            ("audience", &sandbox.api_audience()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status().as_u16(),
        401,
        "served, and refuses a stranger"
    );
    sandbox.shutdown().await;

    // Laid out like Auth0: Auth0's path, and no extra line in the .env snippet.
    let sandbox = start(false, "").await;
    let model = tui_token_endpoint(&sandbox, "/oauth/token").await;
    let reveal = RevealOverlay::new(key_for("org_acme"), None);
    assert!(
        reveal
            .curl_command(&model.tenant)
            .expose_secret()
            .contains("/oauth/token")
    );
    assert!(
        !reveal
            .env_snippet(&model.tenant)
            .expose_secret()
            .contains("AUTH0_TOKEN_ENDPOINT")
    );
    sandbox.shutdown().await;
}
