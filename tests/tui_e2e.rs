//! The real binary in a pseudo-terminal against a sandbox tenant on loopback: sign in,
//! open an organization, provision, see the secret once, prove it with a test token, quit;
//! then the tenant holds exactly one new key, linked to that organization.
#![allow(clippy::unwrap_used)]

mod pty;

use std::time::Duration;

use m2m_portal::config::Settings;
use m2m_portal::portal::Portal;
use m2m_portal::sandbox::{Sandbox, SandboxOptions};
use pty::{Terminal, keys};

/// Generous: only a hang reaches it (debug builds on a shared machine).
const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs cli::run_tui to call tui::run (client branch); remove this line when it does"]
async fn a_new_user_provisions_a_key_and_proves_it_in_the_real_terminal() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let dirs = tempfile::tempdir().unwrap();
    let dir = |name: &str| dirs.path().join(name).to_string_lossy().into_owned();
    let env = [
        ("PLUGIN_AUTH0_M2M_DOMAIN", sandbox.base_url()),
        ("PLUGIN_AUTH0_M2M_CLIENT_ID", sandbox.admin_client_id()),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("PLUGIN_AUTH0_M2M_API_AUDIENCE", sandbox.api_audience()),
        ("PLUGIN_AUTH0_M2M_API_SCOPE", sandbox.api_scope()),
        ("M2M_PORTAL_CONFIG_DIR", dir("config")),
        ("M2M_PORTAL_DATA_DIR", dir("data")),
        ("M2M_PORTAL_LOG_DIR", dir("log")),
    ];
    let settings = Settings::for_tenant(
        &sandbox.base_url(),
        &sandbox.admin_client_id(),
        sandbox.admin_client_secret(),
        &sandbox.api_audience(),
        &sandbox.api_scope(),
    );
    let portal = Portal::new(&settings).unwrap();

    let binary = env!("CARGO_BIN_EXE_m2m-portal");
    let mut term = tokio::task::spawn_blocking(move || Terminal::spawn(binary, &[], &env, 100, 30))
        .await
        .unwrap();

    term.wait_for("Sign in to the tenant", WAIT);
    assert!(
        term.on_alternate_screen(),
        "the TUI draws on the alternate screen"
    );
    term.send(keys::ENTER);
    let screen = term.wait_for("loaded", WAIT);
    assert!(screen.contains("Organizations"), "{screen}");

    // Open the first organization and remember its id from the details.
    term.send(keys::ENTER);
    let screen = term.wait_until(
        |s| s.contains("Keys (") && !s.contains("loading keys"),
        WAIT,
        "the keys",
    );
    let organization_id = screen
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("Id"))
        .map(|rest| rest.trim().to_owned())
        .unwrap();
    let before = portal.list_keys(&organization_id).await.unwrap().len();

    term.send("p");
    let screen = term.wait_for("will not be shown again", WAIT);
    assert!(screen.contains("Client secret"), "{screen}");

    term.send("t");
    term.wait_for("gateway checks passed", WAIT);
    term.send(keys::ESC);
    term.wait_for("Have you stored the secret?", WAIT);
    term.send("y");
    // The inspector was already underneath; wait for the overlay to be gone.
    let screen = term.wait_until(
        |s| s.contains("✓ accepted") && !s.contains("shown once"),
        WAIT,
        "the inspector",
    );
    assert!(screen.contains("✓ org_id"), "{screen}");
    assert!(screen.contains(&organization_id), "{screen}");

    term.send("q");
    let code = tokio::task::spawn_blocking(move || {
        let code = term.wait_exit(WAIT);
        assert!(!term.on_alternate_screen(), "the terminal is restored");
        code
    })
    .await
    .unwrap();
    assert_eq!(code, 0);

    let keys = portal.list_keys(&organization_id).await.unwrap();
    assert_eq!(
        keys.len(),
        before + 1,
        "exactly one new key, linked to the organization"
    );
    sandbox.shutdown().await;
}
