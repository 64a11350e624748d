//! Device-flow sign-in (issue 9.1) and the credential store (9.2), through real
//! HTTP against the sandbox. The store is always the 0600 file in a temp dir:
//! no test touches the user's keyring.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use m2m_portal::commands::{Input, run_with};
use m2m_portal::credentials::CredentialStore;
use m2m_portal::portal::{Portal, PortalOptions};
use m2m_portal::sandbox::{Sandbox, SandboxOptions};

const OPERATOR_EMAIL: &str = "admin@sandbox.example";
const OPERATOR_SUB: &str = "auth0|sandbox-admin";

async fn sandbox(offline_access: bool) -> Sandbox {
    Sandbox::start(SandboxOptions {
        device_interval: Duration::from_secs(1),
        offline_access,
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

/// Approves the first code that shows up, as the operator would on their phone.
async fn approve_when_asked(sandbox: &Sandbox) {
    for _ in 0..200 {
        if let Some(code) = sandbox.pending_user_codes().first() {
            assert!(sandbox.approve_device(code));
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no device code was asked for");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_end_to_end_keeps_the_refresh_token_and_the_next_command_acts_as_the_operator() {
    let sandbox = Arc::new(sandbox(true).await);
    let dir = tempfile::tempdir().unwrap();
    let input = Input {
        audit_log: Some(dir.path().join("audit.jsonl")),
        credentials_dir: Some(dir.path().join("data")),
        ..Input::default()
    };
    let settings = sandbox.settings();
    let login = tokio::spawn({
        let (settings, input) = (settings.clone(), input.clone());
        async move { run_with(&["login"], &settings, input).await }
    });
    approve_when_asked(&sandbox).await;
    let out = login.await.unwrap();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("/activate"), "{}", out.stderr);
    assert!(
        out.stderr.contains('█') || out.stderr.contains('▀'),
        "a QR code is drawn"
    );
    assert!(
        out.stderr.contains("warning:") && out.stderr.contains("0600"),
        "the file fallback is said loudly: {}",
        out.stderr
    );
    assert!(out.stdout.contains(OPERATOR_EMAIL), "{}", out.stdout);

    // The refresh token is kept, in the 0600 file.
    let store = CredentialStore::file_only(&dir.path().join("data"));
    let signed = store
        .session(None, &settings.base_url)
        .unwrap()
        .expect("the sign-in is kept");
    let refresh = signed
        .session
        .refresh_token
        .clone()
        .expect("a refresh token");
    assert_eq!(sandbox.refresh_token_count(), 1);
    assert_eq!(signed.operator.email.as_deref(), Some(OPERATOR_EMAIL));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(store.file_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The next command names the operator in the audit log; the Management calls
    // are still the admin app's (Auth0 gives a person's token no admin scopes).
    let created = run_with(
        &["orgs", "create", "operator-made"],
        &settings,
        input.clone(),
    )
    .await;
    assert_eq!(created.code, 0, "{created:?}");
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(entry["operator"], OPERATOR_EMAIL, "{entry}");
    assert_eq!(entry["operator_sub"], OPERATOR_SUB, "{entry}");
    // Nothing secret in the audit log or the output.
    for text in [
        &audit,
        &out.stdout,
        &out.stderr,
        &created.stdout,
        &created.stderr,
    ] {
        assert!(
            !text.contains(refresh.expose_secret()),
            "refresh token leaked"
        );
    }

    // logout removes it from the file.
    let gone = run_with(&["logout"], &settings, input.clone()).await;
    assert_eq!(gone.code, 0, "{gone:?}");
    assert!(store.session(None, &settings.base_url).unwrap().is_none());
    assert!(!store.file_path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_down_adds_five_seconds_to_the_interval_on_the_injected_clock() {
    let sandbox = Arc::new(sandbox(true).await);
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let started = portal.start_login().await.unwrap();
    assert_eq!(started.interval, 1);
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sleep = {
        let (waits, sandbox, code) = (waits.clone(), sandbox.clone(), started.user_code.clone());
        move |wait: Duration| {
            let mut waits = waits.lock().unwrap();
            waits.push(wait);
            // The fake clock never sleeps, so the sandbox sees every poll as too fast.
            if waits.len() == 4 {
                assert!(sandbox.approve_device(&code));
            }
            std::future::ready(())
        }
    };
    let signed = portal.finish_login(&started, sleep).await.unwrap();
    assert_eq!(signed.operator.sub, OPERATOR_SUB);
    let secs: Vec<u64> = waits
        .lock()
        .unwrap()
        .iter()
        .map(Duration::as_secs)
        .collect();
    // pending, slow_down (+5), slow_down (+5), approved.
    assert_eq!(secs, [1, 1, 6, 11]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_denied_codes_and_a_confidential_client_are_clear_errors() {
    let sandbox = Arc::new(sandbox(true).await);
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let no_wait = |_: Duration| std::future::ready(());

    let started = portal.start_login().await.unwrap();
    sandbox.expire_device_codes();
    let err = portal.finish_login(&started, no_wait).await.unwrap_err();
    assert_eq!(err.code(), Some("expired_token"), "{err}");
    assert!(err.message().contains("expired"), "{err}");

    let started = portal.start_login().await.unwrap();
    assert!(sandbox.deny_device(&started.user_code));
    let err = portal.finish_login(&started, no_wait).await.unwrap_err();
    assert_eq!(err.code(), Some("access_denied"), "{err}");
    assert!(err.message().contains("refused"), "{err}");
    assert_eq!(err.exit_code(), 3);

    // Auth0 gives the device flow to native applications only.
    let err = portal
        .auth0()
        .device_code(&sandbox.admin_client_id(), "openid", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("unauthorized_client"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_sign_in_is_renewed_with_the_refresh_token() {
    // Tokens that live 5 s: always inside the renewal margin.
    let sandbox = Arc::new(
        Sandbox::start(SandboxOptions {
            device_interval: Duration::from_secs(1),
            token_ttl: Duration::from_secs(5),
            ..SandboxOptions::default()
        })
        .await
        .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let started = portal.start_login().await.unwrap();
    assert!(sandbox.approve_device(&started.user_code));
    let signed = portal
        .finish_login(&started, |_| std::future::ready(()))
        .await
        .unwrap();
    let first = signed.session.access_token.clone();
    let operator = portal.as_operator(&signed);
    let before = sandbox.stats().token_requests;
    // A second later (tokens of one second are alike), before acting in their
    // name: renewed once, with the refresh token.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    operator.renew_operator().await.unwrap();
    assert_eq!(sandbox.stats().token_requests, before + 1, "one refresh");
    let now = operator.operator_session().unwrap();
    assert_ne!(now.access_token.expose_secret(), first.expose_secret());
    assert!(now.refresh_token.is_some(), "the refresh token is kept");
    // Management calls are the admin app's, never the person's token.
    operator.organizations_page(None, 5).await.unwrap();

    // A revoked refresh token: sign in again, said plainly.
    sandbox.revoke_refresh_tokens();
    let err = operator.renew_operator().await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_grant"), "{err}");
    assert!(err.hint().unwrap_or_default().contains("m2m-portal login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_refresh_token_an_expired_sign_in_asks_to_sign_in_again() {
    let sandbox = Arc::new(
        Sandbox::start(SandboxOptions {
            device_interval: Duration::from_secs(1),
            offline_access: false,
            token_ttl: Duration::from_secs(5),
            ..SandboxOptions::default()
        })
        .await
        .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let started = portal.start_login().await.unwrap();
    assert!(sandbox.approve_device(&started.user_code));
    let signed = portal
        .finish_login(&started, |_| std::future::ready(()))
        .await
        .unwrap();
    assert!(signed.session.refresh_token.is_none());
    let operator = portal.as_operator(&signed);
    let err = operator.renew_operator().await.unwrap_err();
    assert_eq!(err.code(), Some("login_required"), "{err}");
    assert!(err.message().starts_with("Sign in again"), "{err}");
}

/// As on Auth0: a person's device-flow token for the Management API carries only
/// the current-user scopes, however many admin scopes it asks for, and the
/// Management API refuses it for admin work. This is why the admin app stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_management_token_carries_no_admin_scopes() {
    let sandbox = sandbox(true).await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let audience = format!("{base}/api/v2/");
    let code: serde_json::Value = http
        .post(format!("{base}/oauth/device/code"))
        .form(&[
            ("client_id", sandbox.native_client_id()),
            (
                "scope",
                "openid read:organizations read:current_user".to_owned(),
            ),
            ("audience", audience.clone()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(sandbox.approve_device(code["user_code"].as_str().unwrap()));
    let tokens: serde_json::Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", &sandbox.native_client_id()),
            ("device_code", code["device_code"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scope = tokens["scope"].as_str().unwrap_or_default();
    assert!(scope.contains("read:current_user"), "{tokens}");
    assert!(!scope.contains("read:organizations"), "{tokens}");
    let refused = http
        .get(format!("{base}/api/v2/organizations"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_set_reads_stdin_keeps_it_for_the_profile_and_never_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings =
        m2m_portal::config::Settings::for_tenant("http://127.0.0.1", "", "".into(), "", "");
    let secret = "admin-secret-VALUE-123";
    let input = Input {
        stdin: format!("{secret}\n"),
        audit_log: Some(dir.path().join("audit.jsonl")),
        credentials_dir: Some(dir.path().to_path_buf()),
        ..Input::default()
    };
    let out = run_with(
        &["--profile", "prod", "secret", "set"],
        &settings,
        input.clone(),
    )
    .await;
    // `--profile` is applied by the CLI to settings; run_with gets them as given.
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
    assert!(
        out.stderr.contains("warning:"),
        "loud about the file: {}",
        out.stderr
    );
    let store = CredentialStore::file_only(dir.path());
    assert_eq!(
        store.client_secret(None).unwrap().unwrap().expose_secret(),
        secret
    );
    assert!(
        !dir.path().join("audit.jsonl").exists() || {
            let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
            !audit.contains(secret)
        }
    );
    // Never from the command line.
    let argv = run_with(&["secret", "set", secret], &settings, input.clone()).await;
    assert_eq!(argv.code, 2, "{argv:?}");
    // An empty line is refused.
    let empty = run_with(
        &["secret", "set"],
        &settings,
        Input {
            stdin: "\n".into(),
            ..input.clone()
        },
    )
    .await;
    assert_eq!(empty.code, 2, "{empty:?}");
    // Logout removes it.
    assert_eq!(run_with(&["logout"], &settings, input).await.code, 0);
    assert!(store.client_secret(None).unwrap().is_none());
}
