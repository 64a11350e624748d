//! Issue 13: headless commands that must not act on the wrong tenant or the portal's own
//! admin app, JSON errors for configuration and usage, `--help`, and `orgs list` streaming.
//! Against the sandbox on an ephemeral loopback port.
#![allow(clippy::unwrap_used)]

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

use m2m_portal::commands::{Input, Output, run_with};
use m2m_portal::config::Settings;
use m2m_portal::portal::Portal;
use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};
use serde_json::{Value, json};

struct Tenant {
    sandbox: Sandbox,
    settings: Settings,
    dir: tempfile::TempDir,
}

impl Tenant {
    async fn start(options: SandboxOptions) -> Self {
        let sandbox = Sandbox::start(options).await.unwrap();
        let mut settings = Settings::for_tenant(
            &sandbox.base_url(),
            &sandbox.admin_client_id(),
            sandbox.admin_client_secret(),
            &sandbox.api_audience(),
            &sandbox.api_scope(),
        );
        settings.sandbox = true;
        Self {
            sandbox,
            settings,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn run_input(&self, args: &[&str], input: Input) -> Output {
        run_with(
            args,
            &self.settings,
            Input {
                audit_log: Some(self.dir.path().join("audit.jsonl")),
                ..input
            },
        )
        .await
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_input(args, Input::default()).await
    }

    fn portal(&self) -> Portal {
        Portal::with_options(
            &self.settings,
            m2m_portal::portal::PortalOptions {
                audit_log: Some(self.dir.path().join("audit.jsonl")),
                retry: None,
            },
        )
        .unwrap()
    }

    /// A raw Management API call with the admin app's token (to make what the portal never makes).
    async fn management(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let token = self.portal().auth0().management_token().await.unwrap();
        let response = reqwest::Client::new()
            .request(method, format!("{}/api/v2/{path}", self.settings.base_url))
            .bearer_auth(token.access_token.expose_secret())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}: {response:?}");
        response.json().await.unwrap()
    }
}

fn ok(output: &Output) -> Value {
    assert_eq!(
        output.code, 0,
        "stderr: {}\nstdout: {}",
        output.stderr, output.stdout
    );
    output.json().unwrap()
}

/// The binary with private config, data and log dirs, in an empty working directory,
/// and no tenant variables.
fn binary(dirs: &tempfile::TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_m2m-portal"));
    command
        .current_dir(dirs.path())
        .env("M2M_PORTAL_CONFIG_DIR", dirs.path().join("config"))
        .env("M2M_PORTAL_DATA_DIR", dirs.path().join("data"))
        .env("M2M_PORTAL_LOG_DIR", dirs.path().join("logs"))
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.contains("AUTH0_M2M_") || name == "M2M_CLIENT_SECRET" {
            command.env_remove(name);
        }
    }
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_binary(dirs: &tempfile::TempDir, args: &[&str]) -> Run {
    let out = binary(dirs).args(args).output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn error_document(run: &Run) -> Value {
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", run.stdout));
    assert_eq!(doc["error"]["exit_code"], 2, "{doc}");
    assert_eq!(doc["error"]["kind"], "usage", "{doc}");
    assert!(doc["error"]["message"].is_string(), "{doc}");
    doc
}

// --- 13.3: no configuration, no implicit sandbox -------------------------------------

#[test]
fn binary_headless_commands_refuse_without_configuration_unless_sandbox() {
    let dirs = tempfile::tempdir().unwrap();
    for args in [
        &["clients", "provision", "--org", "acme", "--json"][..],
        &["orgs", "create", "pied-piper", "--json"],
        &["orgs", "list"],
        &["doctor"],
    ] {
        let run = run_binary(&dirs, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        for needed in [
            "PLUGIN_AUTH0_M2M_DOMAIN",
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            ".env",
            "--profile",
            "--sandbox",
        ] {
            assert!(
                run.stderr.contains(needed),
                "{args:?}: {needed}: {}",
                run.stderr
            );
        }
        if args.contains(&"--json") {
            let doc = error_document(&run);
            assert_eq!(doc["error"]["code"], "not_configured");
            assert!(!run.stdout.contains("client_secret"), "{}", run.stdout);
        } else {
            assert!(run.stdout.is_empty(), "{}", run.stdout);
        }
    }

    // --sandbox is the explicit way to a throwaway tenant; the output names it.
    let run = run_binary(
        &dirs,
        &[
            "--sandbox",
            "clients",
            "provision",
            "--org",
            "acme",
            "--json",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let key: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        key["tenant"].as_str().unwrap().starts_with("127.0.0.1:"),
        "{key}"
    );

    // Commands that need no tenant keep working.
    let token = format!(
        "{}.{}.c2ln",
        b64(&json!({"alg": "RS256", "typ": "JWT"})),
        b64(&json!({"sub": "x@clients", "org_id": "org_1"}))
    );
    let run = run_binary(&dirs, &["jwt", "decode", &token, "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let decoded: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(decoded["claims"]["org_id"], "org_1");
    let run = run_binary(&dirs, &["--version"]);
    assert_eq!(run.code, Some(0));
}

fn b64(value: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_documents_name_the_tenant_and_lists_name_it_on_stderr() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let name = tenant.settings.tenant_name().to_owned();
    let org = ok(&tenant
        .run(&["orgs", "create", "pied-piper", "--json"])
        .await);
    assert_eq!(org["tenant"], name.as_str());
    let key = ok(&tenant
        .run(&["clients", "provision", "--org", "pied-piper", "--json"])
        .await);
    assert_eq!(key["tenant"], name.as_str());
    let client_id = key["client_id"].as_str().unwrap();
    let rotated = ok(&tenant
        .run(&["clients", "rotate", client_id, "--yes", "--json"])
        .await);
    assert_eq!(rotated["tenant"], name.as_str());
    let token = ok(&tenant
        .run_input(
            &[
                "token",
                "--client-id",
                client_id,
                "--org",
                "pied-piper",
                "--json",
            ],
            Input {
                client_secret_env: Some(rotated["client_secret"].as_str().unwrap().to_owned()),
                ..Input::default()
            },
        )
        .await);
    assert_eq!(token["tenant"], name.as_str());
    // Arrays stay arrays (scripts index them); the tenant is named on stderr.
    for args in [
        &["orgs", "list", "--json"][..],
        &["clients", "list", "--org", "pied-piper", "--json"],
    ] {
        let out = tenant.run(args).await;
        assert!(ok(&out).is_array());
        assert!(out.stderr.contains(&format!("on {name}")), "{}", out.stderr);
    }
    let revoked = ok(&tenant
        .run(&[
            "clients",
            "revoke",
            client_id,
            "--org",
            "pied-piper",
            "--yes",
            "--json",
        ])
        .await);
    assert_eq!(revoked["tenant"], name.as_str());
    tenant.sandbox.shutdown().await;
}

// --- 13.4: the admin app, organization keys, confirmation ----------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_refuses_to_rotate_or_revoke_its_own_admin_app() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let admin = tenant.settings.client_id.clone();
    let portal = tenant.portal();
    let acme = portal.find_organization("acme").await.unwrap();

    // The portal face (what the TUI calls).
    let err = portal.rotate_secret(&admin).await.unwrap_err();
    assert_eq!(err.exit_code(), 2, "{err}");
    assert_eq!(err.code(), Some("admin_app_refused"));
    assert!(err.message().contains("own admin app"), "{err}");
    assert!(
        err.message().contains("PLUGIN_AUTH0_M2M_CLIENT_ID"),
        "{err}"
    );
    let err = portal.revoke_key(&acme.id, &admin).await.unwrap_err();
    assert_eq!(err.code(), Some("admin_app_refused"), "{err}");

    // The command face, even with --yes and --any-client.
    for args in [
        &[
            "clients",
            "rotate",
            admin.as_str(),
            "--yes",
            "--any-client",
            "--json",
        ][..],
        &[
            "clients",
            "revoke",
            admin.as_str(),
            "--org",
            "acme",
            "--yes",
            "--json",
        ],
    ] {
        let out = tenant.run(args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("own admin app"), "{}", out.stderr);
        assert_eq!(out.json().unwrap()["error"]["code"], "admin_app_refused");
    }
    // The admin secret still works: nothing was rotated or deleted.
    portal.auth0().client(&admin).await.unwrap();
    let doctor = ok(&tenant.run(&["doctor", "--json"]).await);
    assert!(doctor["missing_scopes"].as_object().unwrap().is_empty());
    let audit = std::fs::read_to_string(tenant.dir.path().join("audit.jsonl")).unwrap_or_default();
    assert!(!audit.contains(&admin), "{audit}");
    tenant.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_asks_for_confirmation_and_acts_only_on_organization_keys() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let key = ok(&tenant
        .run(&["clients", "provision", "--org", "acme", "--json"])
        .await);
    let client_id = key["client_id"].as_str().unwrap();
    let secret = key["client_secret"].as_str().unwrap();

    // A script must say --yes.
    let refused = tenant
        .run(&["clients", "rotate", client_id, "--json"])
        .await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(refused.json().unwrap()["error"]["exit_code"], 2);
    // At a terminal, a wrong answer changes nothing; typing the id rotates.
    let at_terminal = |answer: &str| Input {
        stdin: format!("{answer}\n"),
        stdin_is_terminal: true,
        ..Input::default()
    };
    let wrong = tenant
        .run_input(&["clients", "rotate", client_id], at_terminal("nope"))
        .await;
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("Type the client id"),
        "{}",
        wrong.stderr
    );
    assert!(
        wrong.stderr.contains("nothing was changed"),
        "{}",
        wrong.stderr
    );
    let proof = |secret: &str| Input {
        client_secret_env: Some(secret.to_owned()),
        ..Input::default()
    };
    ok(&tenant
        .run_input(
            &["token", "--client-id", client_id, "--org", "acme", "--json"],
            proof(secret),
        )
        .await);
    let rotated = ok(&tenant
        .run_input(
            &["clients", "rotate", client_id, "--json"],
            at_terminal(client_id),
        )
        .await);
    assert_ne!(rotated["client_secret"], secret);

    // A client not made for an organization needs --org (linked by a grant) or --any-client.
    let other = tenant
        .management(
            reqwest::Method::POST,
            "clients",
            json!({"name": "billing batch job", "app_type": "non_interactive",
                   "grant_types": ["client_credentials"]}),
        )
        .await;
    let other_id = other["client_id"].as_str().unwrap();
    let unlinked = tenant.run(&["clients", "rotate", other_id, "--yes"]).await;
    assert_eq!(unlinked.code, 2, "{}", unlinked.stderr);
    assert!(
        unlinked.stderr.contains("not an organization's key"),
        "{}",
        unlinked.stderr
    );
    assert!(
        unlinked.stderr.contains("--any-client"),
        "{}",
        unlinked.stderr
    );
    let not_here = tenant
        .run(&["clients", "rotate", other_id, "--org", "globex", "--yes"])
        .await;
    assert_eq!(not_here.code, 2, "{}", not_here.stderr);
    assert!(
        not_here.stderr.contains("not a key of"),
        "{}",
        not_here.stderr
    );

    // Linked to globex by an organization client grant: --org globex is enough.
    let grant = tenant
        .management(
            reqwest::Method::POST,
            "client-grants",
            json!({"client_id": other_id, "audience": tenant.settings.api_audience,
                   "scope": tenant.settings.api_scope, "organization_usage": "require",
                   "allow_any_organization": false, "subject_type": "client"}),
        )
        .await;
    let globex = tenant.portal().find_organization("globex").await.unwrap();
    tenant
        .management(
            reqwest::Method::POST,
            &format!("organizations/{}/client-grants", globex.id),
            json!({"grant_id": grant["id"]}),
        )
        .await;
    let linked = ok(&tenant
        .run(&[
            "clients", "rotate", other_id, "--org", "globex", "--yes", "--json",
        ])
        .await);
    assert_eq!(linked["client_id"], other_id);
    let anyway = ok(&tenant
        .run(&[
            "clients",
            "rotate",
            other_id,
            "--any-client",
            "--yes",
            "--json",
        ])
        .await);
    assert_ne!(anyway["client_secret"], linked["client_secret"]);
    tenant.sandbox.shutdown().await;
}

// --- 13.9: JSON errors before a command runs -------------------------------------------

#[test]
fn binary_json_errors_for_configuration_and_usage() {
    let dirs = tempfile::tempdir().unwrap();
    // An unknown flag and a missing --org: clap refuses, the document still comes.
    let unknown = run_binary(&dirs, &["orgs", "list", "--frobnicate", "--json"]);
    assert_eq!(unknown.code, Some(2));
    let doc = error_document(&unknown);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--frobnicate"),
        "{doc}"
    );
    let missing = run_binary(&dirs, &["clients", "list", "--json"]);
    assert_eq!(missing.code, Some(2));
    let doc = error_document(&missing);
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("--org"),
        "{doc}"
    );
    // Without --json, stdout stays empty.
    let plain = run_binary(&dirs, &["clients", "list"]);
    assert_eq!(plain.code, Some(2));
    assert!(plain.stdout.is_empty(), "{}", plain.stdout);

    // An unknown profile.
    let profile = run_binary(&dirs, &["--profile", "nope", "orgs", "list", "--json"]);
    assert_eq!(profile.code, Some(2));
    let doc = error_document(&profile);
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("nope"),
        "{doc}"
    );
    // A partial .env.
    std::fs::write(dirs.path().join(".env"), "PLUGIN_AUTH0_M2M_CLIENT_ID=abc\n").unwrap();
    let partial = run_binary(&dirs, &["clients", "provision", "--org", "acme", "--json"]);
    assert_eq!(partial.code, Some(2), "{}", partial.stderr);
    let doc = error_document(&partial);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PLUGIN_AUTH0_M2M_DOMAIN"),
        "{doc}"
    );
    assert!(partial.stderr.contains("PLUGIN_AUTH0_M2M_DOMAIN"));
    // A bad flag value: named once.
    let bad = run_binary(
        &dirs,
        &["--domain", "http://tenant.example.com", "doctor", "--json"],
    );
    assert_eq!(bad.code, Some(2));
    error_document(&bad);
    assert!(
        bad.stderr.contains("--domain is not valid"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("(from --domain)"), "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_are_json_documents_through_the_library_too() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let out = tenant.run(&["clients", "provision", "--json"]).await;
    assert_eq!(out.code, 2);
    let doc = out.json().unwrap();
    assert_eq!(doc["error"]["kind"], "usage");
    assert!(doc["error"]["message"].as_str().unwrap().contains("--org"));
    tenant.sandbox.shutdown().await;
}

// --- 13.11: --help ----------------------------------------------------------------------

/// The `-h` line of `flag` in `args --help`'s short form: it must say something.
fn described(dirs: &tempfile::TempDir, args: &[&str], flag: &str) {
    let mut all = args.to_vec();
    all.push("-h");
    let run = run_binary(dirs, &all);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == flag))
        .unwrap_or_else(|| panic!("{args:?}: no {flag} in\n{}", run.stdout));
    let words = line.split_whitespace().count();
    assert!(words >= 3, "{args:?}: {flag} is not described: {line:?}");
}

#[test]
fn binary_help_documents_every_option_configuration_and_examples() {
    let dirs = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (&["orgs", "list"][..], "--json"),
        (&["orgs", "list"], "--jsonl"),
        (&["orgs", "create"], "--json"),
        (&["orgs", "create"], "--display-name"),
        (&["orgs", "create"], "<NAME>"),
        (&["clients", "list"], "--org"),
        (&["clients", "list"], "--json"),
        (&["clients", "provision"], "--org"),
        (&["clients", "provision"], "--json"),
        (&["clients", "rotate"], "<CLIENT_ID>"),
        (&["clients", "rotate"], "--json"),
        (&["clients", "rotate"], "--yes"),
        (&["clients", "rotate"], "--any-client"),
        (&["clients", "revoke"], "<CLIENT_ID>"),
        (&["clients", "revoke"], "--org"),
        (&["clients", "revoke"], "--json"),
        (&["jwt", "decode"], "[TOKEN]"),
        (&["jwt", "decode"], "--json"),
        (&["doctor"], "--json"),
        (&["token"], "--json"),
    ] {
        described(&dirs, args, flag);
    }

    let top = run_binary(&dirs, &["--help"]);
    assert_eq!(top.code, Some(0));
    for needed in [
        ".env",
        "--env-file",
        "config.toml",
        "[profiles.NAME]",
        "PLUGIN_AUTH0_M2M_DOMAIN",
        "PLUGIN_AUTH0_M2M_CLIENT_ID",
        "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
        "PLUGIN_AUTH0_M2M_API_AUDIENCE",
        "PLUGIN_AUTH0_M2M_API_SCOPE",
        "M2M_CLIENT_SECRET",
        "Examples:",
        "m2m-portal clients provision --org",
        "--sandbox",
    ] {
        assert!(top.stdout.contains(needed), "{needed} in\n{}", top.stdout);
    }

    let sandbox = run_binary(&dirs, &["sandbox", "--help"]);
    assert_eq!(sandbox.code, Some(0));
    assert!(
        !sandbox.stdout.contains("docs/SANDBOX.md"),
        "{}",
        sandbox.stdout
    );
    for grammar in [
        "RULE",
        "first:K",
        "delay:D",
        "drop",
        "lost",
        "hostile",
        "repeat-cursor",
        "Examples:",
    ] {
        assert!(
            sandbox.stdout.contains(grammar),
            "{grammar} in\n{}",
            sandbox.stdout
        );
    }
    // Each global flag that does not apply says so.
    for flag in ["--profile", "--env-file", "--sandbox", "--no-color"] {
        let mut lines = sandbox.stdout.lines();
        lines.find(|l| l.trim_start().starts_with(flag)).unwrap();
        let help = lines.next().unwrap();
        assert!(help.contains("ignored by `sandbox`"), "{flag}: {help}");
    }
}

// --- 13.12: orgs list streams ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_list_jsonl_prints_one_object_a_line_and_progress_only_at_a_terminal() {
    let tenant = Tenant::start(SandboxOptions {
        seed: Seed::Large(120),
        ..SandboxOptions::default()
    })
    .await;
    let piped = tenant.run(&["orgs", "list", "--jsonl"]).await;
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    let lines: Vec<Value> = piped
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 120);
    assert!(
        lines
            .iter()
            .all(|o| o["id"].as_str().unwrap().starts_with("org_"))
    );
    assert!(!piped.stderr.contains('\r'), "{:?}", piped.stderr);
    assert!(!piped.stderr.contains("read "), "{:?}", piped.stderr);
    assert!(
        piped.stderr.contains("120 organization(s) on"),
        "{}",
        piped.stderr
    );

    let terminal = tenant
        .run_input(
            &["orgs", "list"],
            Input {
                stderr_is_terminal: true,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(terminal.code, 0);
    assert!(
        terminal.stderr.contains("\rread 50 organizations…"),
        "{:?}",
        terminal.stderr
    );
    assert!(
        terminal.stderr.contains("\rread 120 organizations…"),
        "{:?}",
        terminal.stderr
    );
    // Cleared at the end: the summary starts on a clean line.
    assert!(
        terminal.stderr.contains("\r\x1b[K120 organization(s) on"),
        "{:?}",
        terminal.stderr
    );
    // Rows of every page, the header once.
    assert_eq!(terminal.stdout.lines().count(), 121);
    assert_eq!(terminal.stdout.matches("DISPLAY NAME").count(), 1);
    let search = tenant
        .run_input(
            &["orgs", "list", "--search", "no-such-text", "--json"],
            Input {
                stderr_is_terminal: true,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(ok(&search), json!([]));
    assert!(search.stderr.contains("0 match"), "{:?}", search.stderr);
    tenant.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_orgs_list_jsonl_streams_the_first_page_before_the_rest_arrives() {
    // The first page answers at once, every later one waits 20 s.
    let tenant = Tenant::start(SandboxOptions {
        seed: Seed::Large(120),
        faults: "GET /api/v2/organizations=delay:1ms@first:1; GET /api/v2/organizations=delay:20s"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dirs = tempfile::tempdir().unwrap();
    let env = format!(
        "PLUGIN_AUTH0_M2M_DOMAIN={}\nPLUGIN_AUTH0_M2M_CLIENT_ID={}\nPLUGIN_AUTH0_M2M_CLIENT_SECRET={}\n\
         PLUGIN_AUTH0_M2M_API_AUDIENCE={}\nPLUGIN_AUTH0_M2M_API_SCOPE=\"{}\"\n",
        tenant.sandbox.base_url(),
        tenant.sandbox.admin_client_id(),
        tenant.sandbox.admin_client_secret().expose_secret(),
        tenant.sandbox.api_audience(),
        tenant.sandbox.api_scope(),
    );
    std::fs::write(dirs.path().join(".env"), env).unwrap();
    let mut child = binary(&dirs)
        .args(["orgs", "list", "--jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, mut child) = tokio::time::timeout(
        Duration::from_secs(15),
        tokio::task::spawn_blocking(move || {
            let lines: Vec<String> = std::io::BufReader::new(stdout)
                .lines()
                .take(50)
                .map(Result::unwrap)
                .collect();
            (lines, child)
        }),
    )
    .await
    .expect("the first page was not printed before the second arrived")
    .unwrap();
    assert_eq!(
        child.try_wait().unwrap(),
        None,
        "still waiting for the rest"
    );
    assert_eq!(lines.len(), 50);
    for line in &lines {
        let org: Value = serde_json::from_str(line).unwrap();
        assert!(org["id"].as_str().unwrap().starts_with("org_"), "{line}");
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // stderr is a pipe: no progress line.
    assert!(
        !stderr.contains('\r') && !stderr.contains("read "),
        "{stderr:?}"
    );
}
