//! End to end: the real binary in a pseudo-terminal against the sandbox, keys
//! in and screen text out, as a person would use it. Then the session is
//! searched for leaks: every secret and access token the tenant issued must be
//! absent from every file the app wrote, from the primary screen after exit,
//! and from the audit log (which holds fingerprints only).
#![allow(clippy::unwrap_used)]

mod common;
mod pty;

use std::path::Path;
use std::time::Duration;

use common::TestSandbox;
use pty::{Terminal, keys};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);

/// The identifier after `label` on the screen (the first such word of at least 16 characters).
fn field(screen: &str, label: &str) -> String {
    screen
        .lines()
        .filter_map(|line| line.split_once(label).map(|(_, rest)| rest))
        .filter_map(|rest| rest.split_whitespace().next())
        .find(|word| word.len() >= 16)
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no {label:?} on screen:\n{screen}"))
}

/// Every file under `dir`, recursively, with its bytes.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// Every client secret and access token the sandbox handed out (recorded exchanges).
fn issued_credentials(sandbox: &TestSandbox) -> Vec<String> {
    let mut found = vec![sandbox.admin_client_secret().expose_secret().to_owned()];
    for exchange in sandbox.exchanges() {
        let Some(body) = exchange.response_body else {
            continue;
        };
        for key in ["client_secret", "access_token"] {
            if let Some(Value::String(value)) = body.get(key) {
                found.push(value.clone());
            }
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn a_support_engineer_provisions_tests_and_rotates_a_key_and_nothing_leaks() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(TestSandbox::start());
    let before = sandbox.snapshot();
    let home = tempfile::tempdir().unwrap();
    let (config, data, logs, work) = (
        home.path().join("config"),
        home.path().join("data"),
        home.path().join("logs"),
        home.path().join("work"),
    );
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "clipboard = \"osc52\"\n").unwrap();
    let env = [
        ("PLUGIN_AUTH0_M2M_DOMAIN", sandbox.base_url()),
        ("PLUGIN_AUTH0_M2M_CLIENT_ID", sandbox.admin_client_id()),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("PLUGIN_AUTH0_M2M_API_AUDIENCE", sandbox.api_audience()),
        ("PLUGIN_AUTH0_M2M_API_SCOPE", sandbox.api_scope()),
        ("M2M_PORTAL_CONFIG_DIR", config.display().to_string()),
        ("M2M_PORTAL_DATA_DIR", data.display().to_string()),
        ("M2M_PORTAL_LOG_DIR", logs.display().to_string()),
        ("M2M_PORTAL_LOG", "trace".to_owned()),
    ];
    let mut term = Terminal::spawn_in(env!("CARGO_BIN_EXE_m2m-portal"), &[], &env, &work, 120, 40);

    // Sign in: the tenant is named before anything can change.
    let screen = term.wait_for("Enter signs in", WAIT);
    assert!(screen.contains(sandbox.base_url().trim_start_matches("http://")));
    term.send(keys::ENTER);

    // Organizations, then the first one.
    term.wait_for("Acme Corporation", WAIT);
    term.send(keys::ENTER);
    let screen = term.wait_for("Keys (", WAIT);
    let organization_id = field(&screen, "Id ");
    assert!(organization_id.starts_with("org_"), "{organization_id}");

    // Provision: the secret is shown once, with the warning.
    term.send("p");
    term.wait_for("New key", WAIT);
    term.send(keys::ENTER);
    let screen = term.wait_for("will not be shown again", WAIT);
    assert!(screen.contains("will not be shown again"), "{screen}");
    let client_id = field(&screen, "Client id ");
    let first_secret = field(&screen, "Client secret ");
    assert!(first_secret.len() >= 32, "{screen}");

    // Copy it (OSC 52 in this terminal) and prove it with a test token.
    term.send("c");
    term.wait_for("copied", WAIT);
    term.send("t");
    let screen = term.wait_for("gateway checks passed", WAIT);
    term.send(keys::ESC);
    let screen_after = term.wait_for("Have you stored", WAIT);
    term.send("y");
    let inspector = term.wait_until(
        |s| s.contains("org_id is") && !s.contains("shown once"),
        WAIT,
        "the token inspector without the reveal",
    );
    assert!(
        inspector.contains(&format!("✓ org_id     org_id is {organization_id}")),
        "{inspector}\n(before: {screen}\n{screen_after})"
    );
    assert!(!inspector.contains('✗'), "{inspector}");
    assert!(
        !inspector.contains(&first_secret),
        "the secret is gone once the reveal closes"
    );

    // Back to the organization; rotate the key.
    term.send(keys::ESC);
    term.wait_for("Keys (1)", WAIT);
    term.send("r");
    term.wait_for("Rotate secret?", WAIT);
    term.send("y");
    let screen = term.wait_for("will not be shown again", WAIT);
    let second_secret = field(&screen, "Client secret ");
    assert_ne!(first_secret, second_secret);
    term.send(keys::ESC);
    term.wait_for("Have you stored", WAIT);
    term.send("y");
    let screen = term.wait_until(|s| !s.contains("shown once"), WAIT, "the reveal to close");
    assert!(!screen.contains(&second_secret));

    // Quit: the copied secret is still on the clipboard, so it asks; y clears it.
    term.send("q");
    term.wait_for("The clipboard holds a copied secret", WAIT);
    term.send("y");
    assert_eq!(term.wait_exit(WAIT), 0, "exit code");
    assert!(!term.on_alternate_screen(), "the alternate screen is left");

    // The tenant holds exactly one new key, linked to the organization.
    let after = sandbox.snapshot();
    let count = |snapshot: &Value, key: &str| snapshot[key].as_array().unwrap().len();
    assert_eq!(count(&after, "clients"), count(&before, "clients") + 1);
    assert_eq!(
        count(&after, "client_grants"),
        count(&before, "client_grants") + 1
    );
    let grant = after["client_grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["client_id"] == client_id.as_str())
        .expect("a grant for the new client");
    let linked = after["organization_client_grants"][&organization_id]
        .as_array()
        .unwrap();
    assert!(
        linked.contains(&grant["id"]),
        "grant linked to {organization_id}"
    );

    // Nothing the tenant issued leaks: files, primary screen, audit log.
    let credentials = issued_credentials(&sandbox);
    assert!(credentials.contains(&first_secret) && credentials.contains(&second_secret));
    assert!(
        credentials.len() >= 5,
        "admin secret, secrets and tokens: {}",
        credentials.len()
    );
    let primary_screen = term.screen();
    let files = files_under(home.path());
    assert!(
        files
            .iter()
            .any(|(name, _)| name.ends_with("m2m-portal.log")),
        "the session wrote its log: {:?}",
        files.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for credential in &credentials {
        for (name, bytes) in &files {
            assert!(
                !contains(bytes, credential),
                "a credential leaked into {name}"
            );
        }
        assert!(
            !primary_screen.contains(credential.as_str()),
            "a credential is on the screen after exit:\n{primary_screen}"
        );
    }
    let audit = std::fs::read_to_string(data.join("audit.jsonl")).unwrap();
    let actions: Vec<Value> = audit
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let names: Vec<&str> = actions
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"provision_key") && names.contains(&"rotate_secret"),
        "{names:?}"
    );
    assert!(actions.iter().all(|a| a["client_id"] == client_id.as_str()));

    runtime.block_on(sandbox.finish());
}

#[test]
fn a_support_engineer_onboards_a_customer_and_its_token_carries_the_new_org_id() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(TestSandbox::start());
    let home = tempfile::tempdir().unwrap();
    let (data, logs) = (home.path().join("data"), home.path().join("logs"));
    let env = [
        ("PLUGIN_AUTH0_M2M_DOMAIN", sandbox.base_url()),
        ("PLUGIN_AUTH0_M2M_CLIENT_ID", sandbox.admin_client_id()),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("PLUGIN_AUTH0_M2M_API_AUDIENCE", sandbox.api_audience()),
        ("PLUGIN_AUTH0_M2M_API_SCOPE", sandbox.api_scope()),
        (
            "PLUGIN_AUTH0_M2M_INVITE_CLIENT_ID",
            sandbox.login_client_id().unwrap(),
        ),
        (
            "M2M_PORTAL_CONFIG_DIR",
            home.path().join("config").display().to_string(),
        ),
        ("M2M_PORTAL_DATA_DIR", data.display().to_string()),
        ("M2M_PORTAL_LOG_DIR", logs.display().to_string()),
        ("M2M_PORTAL_LOG", "trace".to_owned()),
    ];
    let mut term = Terminal::spawn_in(
        env!("CARGO_BIN_EXE_m2m-portal"),
        &[],
        &env,
        home.path(),
        120,
        40,
    );
    term.wait_for("Enter signs in", WAIT);
    term.send(keys::ENTER);
    term.wait_for("Acme Corporation", WAIT);

    // o: the form; a person who exists in no organization yet.
    term.send("o");
    term.wait_for("Onboard a customer", WAIT);
    term.send("newco");
    term.send(keys::TAB);
    term.send("NewCo Ltd");
    term.send(keys::TAB);
    term.send("dev@newco.example");
    term.send(keys::ENTER);

    // The new organization opens under the reveal, which names the claim.
    let screen = term.wait_for("will not be shown again", WAIT);
    let organization_id = field(&screen, "org_id = ");
    let secret = field(&screen, "Client secret ");
    assert!(secret.len() >= 32, "{screen}");
    let after = sandbox.snapshot();
    let created = after["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "newco")
        .expect("the organization was created");
    assert_eq!(created["id"], organization_id.as_str(), "{screen}");
    assert_eq!(created["display_name"], "NewCo Ltd");

    // t: a test token for the new key; the inspector shows its org_id.
    term.send("t");
    term.wait_for("gateway checks passed", WAIT);
    term.send(keys::ESC);
    term.wait_for("Have you stored", WAIT);
    term.send("y");
    let inspector = term.wait_until(
        |s| s.contains("org_id is") && !s.contains("shown once"),
        WAIT,
        "the token inspector without the reveal",
    );
    assert!(
        inspector.contains(&format!("✓ org_id     org_id is {organization_id}")),
        "{inspector}"
    );
    assert!(!inspector.contains(&secret), "{inspector}");

    // Back to the organization; Tab: the person is a member.
    term.send(keys::ESC);
    term.wait_for("Keys (1)", WAIT);
    term.send(keys::TAB);
    term.wait_for("dev@newco.example", WAIT);
    let user = after["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "dev@newco.example")
        .expect("the demo user");
    let members = after["members"][&organization_id].to_string();
    assert!(
        members.contains(user["user_id"].as_str().unwrap()),
        "{members}"
    );

    term.send("q");
    assert_eq!(term.wait_exit(WAIT), 0, "exit code");
    assert!(!term.on_alternate_screen(), "the alternate screen is left");

    // Nothing secret outside the reveal: not in the scrollback, the screen
    // after exit, the log or the audit log.
    let scrollback = term.scrollback();
    let primary = term.screen();
    let files = files_under(home.path());
    let credentials = issued_credentials(&sandbox);
    assert!(
        credentials.contains(&secret),
        "the revealed secret is checked too"
    );
    for credential in credentials {
        assert!(
            !scrollback.contains(&credential),
            "a credential in the scrollback"
        );
        assert!(
            !primary.contains(&credential),
            "a credential on screen after exit"
        );
        for (name, bytes) in &files {
            assert!(
                !contains(bytes, &credential),
                "a credential leaked into {name}"
            );
        }
    }
    let audit = std::fs::read_to_string(data.join("audit.jsonl")).unwrap();
    for action in ["create_organization", "add_member", "provision_key"] {
        assert!(audit.contains(action), "{action} not audited:\n{audit}");
    }

    runtime.block_on(sandbox.finish());
}

#[test]
fn the_embedded_sandbox_can_invite_someone_without_a_user() {
    let home = tempfile::tempdir().unwrap();
    let env = [
        (
            "M2M_PORTAL_CONFIG_DIR",
            home.path().join("config").display().to_string(),
        ),
        (
            "M2M_PORTAL_DATA_DIR",
            home.path().join("data").display().to_string(),
        ),
        (
            "M2M_PORTAL_LOG_DIR",
            home.path().join("logs").display().to_string(),
        ),
    ];
    let mut term = Terminal::spawn_in(
        env!("CARGO_BIN_EXE_m2m-portal"),
        &["--sandbox"],
        &env,
        home.path(),
        120,
        40,
    );
    term.wait_for("Enter signs in", WAIT);
    term.send(keys::ENTER);
    term.wait_for("Acme Corporation", WAIT);
    term.send(keys::ENTER);
    term.wait_for("Keys (", WAIT);
    term.send(keys::TAB);
    term.wait_for("People (", WAIT);
    term.send("a");
    term.wait_for("Add a member", WAIT);
    term.send("nobody-yet@customer.example");
    term.send(keys::ENTER);
    term.wait_for("Invite instead?", WAIT);
    term.send("y");
    // Invitations go to the embedded tenant's login app: no configuration needed.
    let screen = term.wait_for("invited nobody-yet@customer.example", WAIT);
    assert!(!screen.contains("Inviting needs"), "{screen}");
    term.wait_for("expires ", WAIT);
    term.send("q");
    assert_eq!(term.wait_exit(WAIT), 0, "exit code");
}

/// Issue 9.3 in the real binary: two profiles in config.toml, each its own
/// tenant. A key is provisioned and tested on the first; `P` switches to the
/// second, whose sign-in screen and header name it, and nothing of the first
/// tenant (its secret, its token) is on screen any more.
#[test]
fn switching_profiles_in_the_tui_signs_out_and_leaves_no_secret_of_the_old_tenant() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let alpha = runtime.block_on(TestSandbox::start());
    let beta = runtime.block_on(TestSandbox::start());
    let home = tempfile::tempdir().unwrap();
    let (config, data, logs, work) = (
        home.path().join("config"),
        home.path().join("data"),
        home.path().join("logs"),
        home.path().join("work"),
    );
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&config).unwrap();
    let profile = |name: &str, sandbox: &TestSandbox| {
        format!(
            "[profiles.{name}]\ndomain = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n\
             api_audience = \"{}\"\napi_scope = \"{}\"\n",
            sandbox.base_url(),
            sandbox.admin_client_id(),
            sandbox.admin_client_secret().expose_secret(),
            sandbox.api_audience(),
            sandbox.api_scope(),
        )
    };
    std::fs::write(
        config.join("config.toml"),
        format!(
            "clipboard = \"off\"\n{}{}",
            profile("alpha", &alpha),
            profile("beta", &beta)
        ),
    )
    .unwrap();
    let env = [
        ("M2M_PORTAL_CONFIG_DIR", config.display().to_string()),
        ("M2M_PORTAL_DATA_DIR", data.display().to_string()),
        ("M2M_PORTAL_LOG_DIR", logs.display().to_string()),
        ("M2M_PORTAL_CREDENTIALS", "file".to_owned()),
    ];
    let mut term = Terminal::spawn_in(
        env!("CARGO_BIN_EXE_m2m-portal"),
        &["--profile", "alpha"],
        &env,
        &work,
        120,
        40,
    );
    let host = |sandbox: &TestSandbox| sandbox.base_url().trim_start_matches("http://").to_owned();

    // The whole first frame: a read can land mid-frame, before the footer is written.
    let screen = term.wait_until(
        |s| s.contains("Enter signs in") && s.contains("^P profiles"),
        WAIT,
        "the sign-in screen with its footer",
    );
    let header = screen.lines().next().unwrap().to_owned();
    assert!(header.contains("[alpha]"), "{header}");
    assert!(header.contains(&host(&alpha)), "{header}");
    assert!(screen.contains("^P profiles"), "{screen}");
    term.send(keys::ENTER);
    term.wait_for("Acme Corporation", WAIT);
    term.send(keys::ENTER);
    term.wait_for("Keys (", WAIT);
    term.send("p");
    term.wait_for("New key", WAIT);
    term.send(keys::ENTER);
    let screen = term.wait_for("will not be shown again", WAIT);
    let secret = field(&screen, "Client secret ");
    term.send("t");
    term.wait_for("gateway checks passed", WAIT);
    term.send(keys::ESC);
    term.wait_for("Have you stored", WAIT);
    term.send("y");
    term.wait_until(
        |s| s.contains("org_id is") && !s.contains("shown once"),
        WAIT,
        "the token inspector",
    );

    // P lists both profiles with their tenants; the second one is chosen.
    term.send("P");
    let picker = term.wait_until(
        |s| {
            s.contains("Profiles (config.toml)") && s.contains("in use") && s.contains(&host(&beta))
        },
        WAIT,
        "the profile picker with both profiles",
    );
    assert!(picker.contains(&host(&beta)), "{picker}");
    assert!(picker.contains("in use"), "{picker}");
    term.send(keys::DOWN);
    term.send(keys::ENTER);
    let screen = term.wait_until(
        |s| {
            s.contains("Enter signs in")
                && s.contains("signed out of")
                && s.lines().next().is_some_and(|h| h.contains("[beta]"))
        },
        WAIT,
        "the second profile's sign-in screen",
    );
    let header = screen.lines().next().unwrap();
    assert!(header.contains(&host(&beta)), "{header}");
    assert!(!header.contains(&host(&alpha)), "{header}");
    assert!(screen.contains("signed out of"), "{screen}");
    for issued in issued_credentials(&alpha) {
        assert!(
            !screen.contains(issued.as_str()),
            "a credential of the old tenant is on screen:\n{screen}"
        );
    }
    assert!(!screen.contains(&secret), "{screen}");

    // The second tenant works.
    term.send(keys::ENTER);
    let screen = term.wait_for("Acme Corporation", WAIT);
    assert!(screen.lines().next().unwrap().contains("[beta]"));
    term.send("q");
    assert_eq!(term.wait_exit(WAIT), 0, "exit code");

    runtime.block_on(alpha.finish());
    runtime.block_on(beta.finish());
}
