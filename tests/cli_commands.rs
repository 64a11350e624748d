//! The headless commands, driven through the library (`commands::run_with`) and
//! a few through the real binary, against the sandbox on an ephemeral port.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};

use m2m_portal::commands::{Input, Output, run_with};
use m2m_portal::config::Settings;
use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};
use m2m_portal::secret::Secret;

struct Tenant {
    sandbox: Sandbox,
    settings: Settings,
    dir: tempfile::TempDir,
}

impl Tenant {
    async fn start(options: SandboxOptions) -> Self {
        let sandbox = Sandbox::start(SandboxOptions {
            record: true,
            ..options
        })
        .await
        .unwrap();
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

    fn input(&self) -> Input {
        Input {
            audit_log: Some(self.dir.path().join("audit.jsonl")),
            ..Input::default()
        }
    }

    async fn run(&self, args: &[&str]) -> Output {
        run_with(args, &self.settings, self.input()).await
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

    /// Checks every Management request body against Auth0's schema, then stops.
    async fn finish(self) {
        for exchange in self.sandbox.exchanges() {
            if let Some(body) = exchange
                .request_body
                .as_ref()
                .filter(|_| exchange.path.starts_with("/api/v2/"))
            {
                common::schema::validate_management_request(&exchange.method, &exchange.path, body)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        common::check_exchanges(&self.sandbox).unwrap_or_else(|e| panic!("{e}"));
        self.sandbox.shutdown().await;
    }
}

fn ok(output: &Output) -> serde_json::Value {
    assert_eq!(
        output.code, 0,
        "stderr: {}\nstdout: {}",
        output.stderr, output.stdout
    );
    output.json().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_list_prints_a_table_or_json() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let table = tenant.run(&["orgs", "list"]).await;
    assert_eq!(table.code, 0);
    let first = table.stdout.lines().next().unwrap();
    assert!(first.starts_with("ID") && first.contains("NAME") && first.contains("DISPLAY NAME"));
    assert!(table.stdout.contains("globex"));

    let orgs = ok(&tenant.run(&["orgs", "list", "--json"]).await);
    let orgs = orgs.as_array().unwrap();
    assert!(orgs.len() >= 3);
    for org in orgs {
        assert!(org["id"].as_str().unwrap().starts_with("org_"));
        assert!(org["name"].is_string());
        assert!(org.get("display_name").is_some());
    }
    let found = ok(&tenant
        .run(&["orgs", "list", "--search", "GLOB", "--json"])
        .await);
    assert_eq!(found.as_array().unwrap().len(), 1);
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_list_walks_past_a_thousand_under_a_rate_limit() {
    let tenant = Tenant::start(SandboxOptions {
        seed: Seed::Large(1100),
        rate: Some(10),
        ..SandboxOptions::default()
    })
    .await;
    let orgs = ok(&tenant.run(&["orgs", "list", "--json"]).await);
    assert_eq!(orgs.as_array().unwrap().len(), 1100);
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_create_reports_conflicts_and_bad_names() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let org = ok(&tenant
        .run(&[
            "orgs",
            "create",
            "pied-piper",
            "--display-name",
            "Pied Piper",
            "--json",
        ])
        .await);
    assert_eq!(org["name"], "pied-piper");
    assert_eq!(org["display_name"], "Pied Piper");
    let again = tenant.run(&["orgs", "create", "pied-piper"]).await;
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let bad = tenant.run(&["orgs", "create", "Pied Piper"]).await;
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("hint:"), "{}", bad.stderr);
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_provision_list_rotate_revoke_round_trip() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let key = ok(&tenant
        .run(&["clients", "provision", "--org", "initech", "--json"])
        .await);
    let client_id = key["client_id"].as_str().unwrap().to_owned();
    let secret = key["client_secret"].as_str().unwrap().to_owned();
    assert!(key["organization_id"].as_str().unwrap().starts_with("org_"));
    assert!(key["grant_id"].as_str().unwrap().starts_with("cgr_"));

    let keys = ok(&tenant
        .run(&["clients", "list", "--org", "initech", "--json"])
        .await);
    let listed = &keys.as_array().unwrap()[0];
    assert_eq!(listed["client_id"], client_id.as_str());
    assert_eq!(listed["grant_id"], key["grant_id"]);
    assert!(listed["name"].is_string());
    assert!(listed["scope"].is_array());

    let rotated = ok(&tenant
        .run(&[
            "clients", "rotate", &client_id, "--verify", "--yes", "--json",
        ])
        .await);
    assert_eq!(rotated["client_id"], client_id.as_str());
    assert_ne!(rotated["client_secret"], secret.as_str());
    assert_eq!(rotated["verified"], true);
    assert!(rotated.get("grant_id").is_some());

    // Revoking from a script needs --yes.
    let refused = tenant
        .run(&["clients", "revoke", &client_id, "--org", "initech"])
        .await;
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    // A person at a terminal confirms by typing the id; a wrong answer changes nothing.
    let wrong = tenant
        .run_input(
            &["clients", "revoke", &client_id, "--org", "initech"],
            Input {
                stdin: "nope\n".into(),
                stdin_is_terminal: true,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(wrong.code, 1);
    let revoked = ok(&tenant
        .run(&[
            "clients", "revoke", &client_id, "--org", "initech", "--yes", "--json",
        ])
        .await);
    assert_eq!(revoked["deleted_client"], client_id.as_str());
    assert_eq!(revoked["deleted_grant"], key["grant_id"]);
    let keys = ok(&tenant
        .run(&["clients", "list", "--org", "initech", "--json"])
        .await);
    assert!(keys.as_array().unwrap().is_empty());

    let audit = std::fs::read_to_string(tenant.dir.path().join("audit.jsonl")).unwrap();
    for action in ["provision_key", "rotate_secret", "revoke_key"] {
        assert!(audit.contains(action), "{audit}");
    }
    assert!(!audit.contains(&secret));
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provision_rolls_back_and_exits_1_when_linking_fails() {
    let tenant = Tenant::start(SandboxOptions {
        faults: "POST /api/v2/organizations/*/client-grants=503"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let before = tenant.sandbox.snapshot()["clients"]
        .as_array()
        .unwrap()
        .len();
    let out = tenant
        .run(&["clients", "provision", "--org", "acme", "--json"])
        .await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("FAIL link the grant"), "{}", out.stderr);
    assert!(out.stderr.contains("deleted the client"), "{}", out.stderr);
    let doc = out.json().unwrap();
    assert_eq!(doc["error"]["exit_code"], 1);
    let after = tenant.sandbox.snapshot()["clients"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a client was left behind");
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_reads_the_secret_from_the_environment_or_stdin() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let key = ok(&tenant
        .run(&["clients", "provision", "--org", "globex", "--json"])
        .await);
    let client_id = key["client_id"].as_str().unwrap();
    let secret = key["client_secret"].as_str().unwrap();
    let org_id = key["organization_id"].as_str().unwrap();

    let from_env = ok(&tenant
        .run_input(
            &[
                "token",
                "--client-id",
                client_id,
                "--org",
                "globex",
                "--json",
            ],
            Input {
                client_secret_env: Some(secret.to_owned()),
                ..Input::default()
            },
        )
        .await);
    assert!(from_env["access_token"].as_str().unwrap().starts_with("ey"));
    assert!(from_env["expires_in"].as_u64().unwrap() > 0);
    assert_eq!(from_env["header"]["alg"], "RS256");
    assert_eq!(from_env["claims"]["org_id"], org_id);
    for check in ["signature", "issuer", "audience", "expiry", "org_id"] {
        assert_eq!(from_env["checks"][check]["ok"], true, "{check}: {from_env}");
        assert!(from_env["checks"][check]["detail"].is_string());
    }

    let from_stdin = tenant
        .run_input(
            &["token", "--client-id", client_id, "--org", org_id],
            Input {
                stdin: format!("{secret}\n"),
                ..Input::default()
            },
        )
        .await;
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert!(from_stdin.stdout.contains("access_token: ey"));

    let none = tenant.run(&["token", "--client-id", client_id]).await;
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("M2M_CLIENT_SECRET"), "{}", none.stderr);

    let wrong = tenant
        .run_input(
            &["token", "--client-id", client_id, "--json"],
            Input {
                client_secret_env: Some("wrong".into()),
                ..Input::default()
            },
        )
        .await;
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    // The headless hint names where this command reads the secret from.
    assert!(
        wrong.stderr.contains("M2M_CLIENT_SECRET or stdin"),
        "{}",
        wrong.stderr
    );

    // The token decodes, and verifies against the tenant's keys.
    let token = from_env["access_token"].as_str().unwrap();
    let decoded = ok(&tenant
        .run(&["jwt", "decode", token, "--verify", "--json"])
        .await);
    assert_eq!(decoded["claims"]["org_id"], org_id);
    assert_eq!(decoded["checks"]["signature"]["ok"], true);
    let piped = tenant
        .run_input(
            &["jwt", "decode", "-"],
            Input {
                stdin: token.to_owned(),
                ..Input::default()
            },
        )
        .await;
    assert_eq!(piped.code, 0);
    assert!(piped.stdout.contains("\"org_id\""));
    let garbage = tenant.run(&["jwt", "decode", "not-a-token"]).await;
    assert_eq!(garbage.code, 2);
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_client_old_secret_is_refused_and_new_accepted() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let key = ok(&tenant
        .run(&["clients", "provision", "--org", "hooli", "--json"])
        .await);
    let client_id = key["client_id"].as_str().unwrap();
    let old = key["client_secret"].as_str().unwrap();
    ok(&tenant
        .run(&["clients", "rotate", client_id, "--yes", "--json"])
        .await);
    // Auth0 may honour the previous secret for 30 s: rotate twice so the first is surely gone.
    let newest = ok(&tenant
        .run(&["clients", "rotate", client_id, "--yes", "--json"])
        .await);
    let with = |secret: &str| Input {
        client_secret_env: Some(secret.to_owned()),
        ..Input::default()
    };
    let refused = tenant
        .run_input(
            &["token", "--client-id", client_id, "--org", "hooli"],
            with(old),
        )
        .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("access_denied"),
        "{}",
        refused.stderr
    );
    let accepted = tenant
        .run_input(
            &[
                "token",
                "--client-id",
                client_id,
                "--org",
                "hooli",
                "--json",
            ],
            with(newest["client_secret"].as_str().unwrap()),
        )
        .await;
    assert_eq!(accepted.code, 0, "{}", accepted.stderr);
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_lists_granted_and_missing_scopes() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let doc = ok(&tenant.run(&["doctor", "--json"]).await);
    assert_eq!(doc["tenant"], tenant.settings.tenant_name());
    assert!(doc["granted_scopes"].as_array().unwrap().len() > 5);
    assert!(doc["missing_scopes"].as_object().unwrap().is_empty());
    tenant.finish().await;

    let limited = Tenant::start(SandboxOptions {
        admin_scopes: Some(vec!["read:organizations".into()]),
        ..SandboxOptions::default()
    })
    .await;
    let out = limited.run(&["doctor", "--json"]).await;
    assert_eq!(out.code, 1);
    let doc = out.json().unwrap();
    assert_eq!(
        doc["missing_scopes"]["rotate_secret"][0],
        "update:client_keys"
    );
    assert!(doc["missing_scopes"].get("list_organizations").is_none());
    let human = limited.run(&["doctor"]).await;
    assert!(
        human
            .stdout
            .contains("MISSING  rotate secrets (needs update:client_keys)")
    );
    limited.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_api_audience_and_its_scopes() {
    let mut tenant = Tenant::start(SandboxOptions::default()).await;
    let good = tenant.run(&["doctor"]).await;
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert!(
        good.stdout.contains("ok       API https://api.example.com"),
        "{}",
        good.stdout
    );

    // A wrong audience: doctor fails naming the variable, and so does provisioning.
    tenant.settings.api_audience = "https://wrong.example".into();
    let wrong = tenant.run(&["doctor"]).await;
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stdout
            .contains("no API has the identifier https://wrong.example"),
        "{}",
        wrong.stdout
    );
    assert!(
        wrong.stdout.contains("PLUGIN_AUTH0_M2M_API_AUDIENCE"),
        "{}",
        wrong.stdout
    );
    let doc = tenant.run(&["doctor", "--json"]).await.json().unwrap();
    assert_eq!(doc["api"]["status"], "missing", "{doc}");
    let provision = tenant.run(&["clients", "provision", "--org", "acme"]).await;
    assert_eq!(provision.code, 1);
    assert!(
        provision.stderr.contains("PLUGIN_AUTH0_M2M_API_AUDIENCE"),
        "{}",
        provision.stderr
    );

    // A scope the API does not define: doctor says which, the grant is refused like Auth0 does.
    tenant.settings.api_audience = tenant.sandbox.api_audience();
    tenant.settings.api_scope = vec!["read:reports".into(), "write:orders".into()];
    let scopes = tenant.run(&["doctor", "--json"]).await;
    assert_eq!(scopes.code, 1);
    let doc = scopes.json().unwrap();
    assert_eq!(doc["api"]["status"], "undefined_scopes", "{doc}");
    assert_eq!(doc["api"]["undefined"][0], "write:orders", "{doc}");
    let provision = tenant.run(&["clients", "provision", "--org", "acme"]).await;
    assert_eq!(provision.code, 1);
    assert!(
        provision.stderr.contains("write:orders"),
        "{}",
        provision.stderr
    );
    assert!(
        provision.stderr.contains("PLUGIN_AUTH0_M2M_API_SCOPE"),
        "{}",
        provision.stderr
    );

    // Without read:resource_servers the check says it could not run, and does not fail.
    let limited = Tenant::start(SandboxOptions {
        admin_scopes: Some(vec!["read:organizations".into()]),
        ..SandboxOptions::default()
    })
    .await;
    let doc = limited.run(&["doctor", "--json"]).await.json().unwrap();
    assert_eq!(doc["api"]["status"], "unknown", "{doc}");
    limited.finish().await;
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_admin_secret_exits_3_naming_the_variable() {
    let mut tenant = Tenant::start(SandboxOptions::default()).await;
    tenant.settings.client_secret = Secret::from("wrong");
    let out = tenant.run(&["orgs", "list"]).await;
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.contains("PLUGIN_AUTH0_M2M_CLIENT_SECRET"),
        "{}",
        out.stderr
    );
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_organization_and_client_fail_with_exit_1() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let out = tenant.run(&["clients", "list", "--org", "nobody"]).await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("nobody"));
    let out = tenant.run(&["clients", "rotate", "no-such-client"]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    let out = tenant.run(&["clients", "frobnicate"]).await;
    assert_eq!(out.code, 2);
    tenant.finish().await;
}

// --- the real binary --------------------------------------------------------------------

/// A `.env` in `dirs` that points at the sandbox.
fn write_env_file(sandbox: &Sandbox, dirs: &tempfile::TempDir) {
    // Quoted by hand: the scope holds a space (see the report about env_block).
    let env = format!(
        "PLUGIN_AUTH0_M2M_DOMAIN={}\nPLUGIN_AUTH0_M2M_CLIENT_ID={}\nPLUGIN_AUTH0_M2M_CLIENT_SECRET={}\n\
         PLUGIN_AUTH0_M2M_API_AUDIENCE={}\nPLUGIN_AUTH0_M2M_API_SCOPE=\"{}\"\n",
        sandbox.base_url(),
        sandbox.admin_client_id(),
        sandbox.admin_client_secret().expose_secret(),
        sandbox.api_audience(),
        sandbox.api_scope(),
    );
    std::fs::write(dirs.path().join(".env"), env).unwrap();
}

/// The binary with private config, data and log dirs, and no tenant variables.
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

#[test]
fn binary_version_prints_config_and_log_paths() {
    let dirs = tempfile::tempdir().unwrap();
    let out = binary(&dirs).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("m2m-portal "));
    assert!(
        text.contains(
            &dirs
                .path()
                .join("config")
                .join("config.toml")
                .display()
                .to_string()
        )
    );
    assert!(text.contains(&dirs.path().join("logs").display().to_string()));
}

#[test]
fn binary_refuses_a_secret_on_the_command_line() {
    let dirs = tempfile::tempdir().unwrap();
    let out = binary(&dirs)
        .args(["token", "--client-id", "x", "--client-secret", "s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_uses_the_env_file_and_exits_3_on_a_wrong_admin_secret() {
    let sandbox = Sandbox::start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let dirs = tempfile::tempdir().unwrap();
    write_env_file(&sandbox, &dirs);
    let listed = tokio::task::spawn_blocking({
        let mut command = binary(&dirs);
        command.args(["orgs", "list", "--json"]);
        move || command.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        listed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let orgs: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(
        orgs.as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "globex")
    );
    assert!(dirs.path().join("logs").join("m2m-portal.log").exists());

    let refused = tokio::task::spawn_blocking({
        let mut command = binary(&dirs);
        command
            .env("PLUGIN_AUTH0_M2M_CLIENT_SECRET", "wrong-secret")
            .args(["doctor"]);
        move || command.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(refused.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("PLUGIN_AUTH0_M2M_CLIENT_SECRET"),
        "{stderr}"
    );
    common::check_exchanges(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_audit_names_the_os_user_when_user_is_unset() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let dirs = tempfile::tempdir().unwrap();
    write_env_file(&sandbox, &dirs);
    let mut command = binary(&dirs);
    command
        .args(["orgs", "create", "audited", "--json"])
        .env_remove("USER")
        .env_remove("USERNAME");
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit = std::fs::read_to_string(dirs.path().join("data").join("audit.jsonl")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    let operator = entry["operator"].as_str().unwrap();
    assert!(!operator.starts_with("unknown@"), "{operator}");
    sandbox.shutdown().await;
}

#[test]
fn binary_sandbox_serves_a_tenant_whose_rate_limit_the_commands_honour() {
    use std::io::BufRead;
    let dirs = tempfile::tempdir().unwrap();
    let mut server = binary(&dirs)
        .args([
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--seed",
            "large:250",
            "--rate",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut env = Vec::new();
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.is_empty() {
            break;
        }
        let (key, value) = line.split_once('=').unwrap();
        env.push((key.to_owned(), value.trim_matches('"').to_owned()));
    }
    assert_eq!(env.len(), 5, "{env:?}");
    // After the block: the native app `m2m-portal login` signs operators in with.
    let login = lines
        .by_ref()
        .take(6)
        .map(Result::unwrap)
        .find_map(|l| {
            l.strip_prefix("PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID=")
                .map(str::to_owned)
        })
        .expect("the sandbox names its native login app");
    assert!(!login.is_empty());

    let out = binary(&dirs)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(["orgs", "list", "--json"])
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let orgs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 250);
    let log = std::fs::read_to_string(dirs.path().join("logs").join("m2m-portal.log")).unwrap();
    assert!(
        log.contains("rate limited; waiting"),
        "no 429 was seen:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_decode_on_empty_stdin_says_there_is_no_token() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let out = tenant.run(&["jwt", "decode"]).await;
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("No token on stdin"), "{}", out.stderr);
    assert!(!out.stderr.contains("part(s)"), "{}", out.stderr);
    tenant.finish().await;
}

/// Bytes a terminal would act on: ESC, BEL, C1 controls, bidi overrides, zero-width.
fn raw_controls(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t') || m2m_portal::text::is_invisible_format(c)
        })
        .map(|c| format!("U+{:04X}", c as u32))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_output_never_carries_the_tenants_control_sequences() {
    let sandbox = Sandbox::start(SandboxOptions {
        seed: Seed::Hostile,
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let dirs = tempfile::tempdir().unwrap();
    write_env_file(&sandbox, &dirs);
    let run = |args: &'static [&'static str]| {
        let mut command = binary(&dirs);
        command.args(args);
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    // Hostile names, display names, key names and metadata, in every face.
    let listings: [&[&str]; 6] = [
        &["orgs", "list"],
        &["orgs", "list", "--json"],
        &["clients", "list", "--org", "hostile-osc"],
        &["clients", "list", "--org", "hostile-osc", "--json"],
        &["clients", "list", "--org", "hostile-long"],
        &["orgs", "list", "--search", "bex"],
    ];
    for args in listings {
        let out = run(args).await.unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            raw_controls(&out.stdout),
            Vec::<String>::new(),
            "{args:?} stdout"
        );
        assert_eq!(
            raw_controls(&out.stderr),
            Vec::<String>::new(),
            "{args:?} stderr"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        // The look-alike is shown visibly, never as a plain "globex".
        if args.contains(&"bex") {
            assert!(text.contains("glo\\u{200b}bex"), "{text}");
        }
        // A 5,000-character name does not pad every row of the table.
        if !args.contains(&"--json") {
            let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(widest < 400, "{args:?}: a line of {widest} characters");
        }
    }

    // Hostile error codes and messages from the Management API and the token endpoint.
    let faults: [(&str, &[&str]); 4] = [
        (
            "POST /api/v2/clients=hostile",
            &["clients", "provision", "--org", "acme"],
        ),
        (
            "POST /api/v2/clients=hostile",
            &["clients", "provision", "--org", "acme", "--json"],
        ),
        ("POST /oauth/token=hostile", &["orgs", "list"]),
        ("POST /oauth/token=400+hostile", &["orgs", "list", "--json"]),
    ];
    for (rule, args) in faults {
        sandbox.set_faults(rule.parse().unwrap());
        let out = run(args).await.unwrap();
        assert_ne!(out.status.code(), Some(0), "{rule} {args:?}");
        assert_ne!(out.status.code(), Some(101), "{rule} {args:?} panicked");
        assert_eq!(
            raw_controls(&out.stdout),
            Vec::<String>::new(),
            "{rule} {args:?} stdout"
        );
        assert_eq!(
            raw_controls(&out.stderr),
            Vec::<String>::new(),
            "{rule} {args:?} stderr"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("\\x1b]52"),
            "the hostile text is shown escaped: {stderr}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_survives_tokens_that_never_expire_without_panicking() {
    let sandbox = Sandbox::start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let dirs = tempfile::tempdir().unwrap();
    write_env_file(&sandbox, &dirs);
    let run = |args: Vec<String>, secret: Option<String>, stdin: Option<String>| {
        let mut command = binary(&dirs);
        command.args(&args);
        if let Some(secret) = secret {
            command.env("M2M_CLIENT_SECRET", secret);
        }
        tokio::task::spawn_blocking(move || {
            use std::io::Write as _;
            command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = command.spawn().unwrap();
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(stdin.unwrap_or_default().as_bytes())
                .unwrap();
            drop(pipe);
            child.wait_with_output().unwrap()
        })
    };
    let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let provisioned = run(
        args(&["clients", "provision", "--org", "acme", "--json"]),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(provisioned.status.code(), Some(0));
    let key: serde_json::Value = serde_json::from_slice(&provisioned.stdout).unwrap();
    let client_id = key["client_id"].as_str().unwrap().to_owned();
    let secret = key["client_secret"].as_str().unwrap().to_owned();

    // From now on every token says expires_in = exp = u64::MAX.
    sandbox.set_faults("POST /oauth/token=forever".parse().unwrap());
    let token = run(
        args(&[
            "token",
            "--client-id",
            &client_id,
            "--org",
            "acme",
            "--json",
        ]),
        Some(secret.clone()),
        None,
    )
    .await
    .unwrap();
    assert_ne!(
        token.status.code(),
        Some(101),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&token.stdout).unwrap();
    let access_token = report["access_token"].as_str().unwrap().to_owned();
    assert!(
        report["checks"].to_string().contains("out of range"),
        "{report}"
    );

    let decoded = run(
        args(&["jwt", "decode", "--verify"]),
        None,
        Some(access_token),
    )
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&decoded.stdout);
    assert_ne!(
        decoded.status.code(),
        Some(101),
        "{}",
        String::from_utf8_lossy(&decoded.stderr)
    );
    assert!(stdout.contains("out of range"), "{stdout}");
    assert!(!stdout.contains(&secret));
    sandbox.shutdown().await;
}

/// `completions SHELL` prints a script generated from the clap definition for every
/// shell clap_complete knows; bash's parses (`bash -n`) and completes the subcommands.
#[tokio::test]
async fn completions_generate_for_every_shell() {
    let settings = Settings::for_tenant("http://127.0.0.1", "", "".into(), "", "");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run_with(&["completions", shell], &settings, Input::default()).await;
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for word in ["orgs", "clients", "onboard", "doctor", "no-input"] {
            assert!(out.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let bash = run_with(&["completions", "bash"], &settings, Input::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("m2m-portal.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{checked:?}");
    // Complete `m2m-portal cl<TAB>` with the generated function.
    let probe = format!(
        "source {}; COMP_WORDS=(m2m-portal cl); COMP_CWORD=1; COMP_LINE='m2m-portal cl'; \
         COMP_POINT=${{#COMP_LINE}}; _m2m__portal m2m-portal cl m2m-portal; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let completed = Command::new("bash").arg("-c").arg(&probe).output().unwrap();
    let words = String::from_utf8_lossy(&completed.stdout);
    assert!(
        words.split_whitespace().any(|w| w == "clients"),
        "{words:?} {completed:?}"
    );
    // An unknown shell is refused with the list.
    let unknown = run_with(&["completions", "tcsh"], &settings, Input::default()).await;
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("bash"), "{}", unknown.stderr);
}

/// `--theme` completes to the three theme names (they come from the clap definition too).
#[tokio::test]
async fn completions_offer_the_theme_names() {
    let settings = Settings::for_tenant("http://127.0.0.1", "", "".into(), "", "");
    let bash = run_with(&["completions", "bash"], &settings, Input::default()).await;
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("m2m-portal.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(m2m-portal --theme ''); COMP_CWORD=2; COMP_LINE='m2m-portal --theme '; \
         COMP_POINT=${{#COMP_LINE}}; _m2m__portal m2m-portal '' --theme; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let completed = Command::new("bash").arg("-c").arg(&probe).output().unwrap();
    let words: Vec<String> = String::from_utf8_lossy(&completed.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    for theme in ["default", "high-contrast", "mono"] {
        assert!(words.iter().any(|w| w == theme), "{words:?} {completed:?}");
    }
    assert!(!words.iter().any(|w| w == "clients"), "{words:?}");
}

/// `man` prints a roff page that `man -l` renders with the commands and flags;
/// `man --dir` writes one page per subcommand. Through the real binary, unconfigured.
#[test]
fn man_page_renders_and_dir_writes_a_page_per_subcommand() {
    let dirs = tempfile::tempdir().unwrap();
    let out = binary(&dirs).arg("man").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let roff = String::from_utf8(out.stdout).unwrap();
    assert!(
        roff.contains(".TH m2m-portal"),
        "{}",
        &roff[..200.min(roff.len())]
    );
    let page = dirs.path().join("m2m-portal.1");
    std::fs::write(&page, &roff).unwrap();
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{rendered:?}");
    let text = String::from_utf8_lossy(&rendered.stdout);
    // groff draws bold as "X\bX": drop each overstruck character.
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    for word in [
        "NAME",
        "SYNOPSIS",
        "orgs",
        "clients",
        "no-input",
        "PLUGIN_AUTH0_M2M_DOMAIN",
    ] {
        assert!(plain.contains(word), "man page lacks {word}:\n{plain}");
    }

    let pages = dirs.path().join("man1");
    let out = binary(&dirs)
        .args(["man", "--dir"])
        .arg(&pages)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for name in [
        "m2m-portal.1",
        "m2m-portal-orgs-list.1",
        "m2m-portal-clients-rotate.1",
    ] {
        let body =
            std::fs::read_to_string(pages.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(body.contains(".TH"), "{name}");
    }
}

/// `--no-input`: a command that would ask fails at once with exit 2 and changes nothing,
/// even with a person at the terminal; the answer given in advance still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_input_makes_every_question_fail_fast() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let key = ok(&tenant
        .run(&["clients", "provision", "--org", "initech", "--json"])
        .await);
    let client_id = key["client_id"].as_str().unwrap().to_owned();
    let at_terminal = || Input {
        stdin: format!("{client_id}\n"),
        stdin_is_terminal: true,
        ..Input::default()
    };
    for args in [
        vec!["clients", "rotate", client_id.as_str(), "--no-input"],
        vec![
            "--no-input",
            "clients",
            "revoke",
            client_id.as_str(),
            "--org",
            "initech",
        ],
        vec![
            "orgs",
            "members",
            "remove",
            "--org",
            "initech",
            "--email",
            "x@y.example",
            "--no-input",
        ],
    ] {
        let out = tenant.run_input(&args, at_terminal()).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("--no-input"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // JSON callers get the code.
    let out = tenant
        .run_input(
            &["clients", "rotate", &client_id, "--no-input", "--json"],
            at_terminal(),
        )
        .await;
    assert_eq!(out.code, 2);
    assert_eq!(
        out.json().unwrap()["error"]["code"],
        "input_required",
        "{}",
        out.stdout
    );
    // `token` at a terminal with no M2M_CLIENT_SECRET would ask for the secret.
    let out = tenant
        .run_input(
            &["token", "--client-id", &client_id, "--no-input"],
            at_terminal(),
        )
        .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("M2M_CLIENT_SECRET"), "{}", out.stderr);
    // Nothing was rotated or revoked: the original secret still gets a token.
    let out = tenant
        .run_input(
            &[
                "token",
                "--client-id",
                &client_id,
                "--org",
                "initech",
                "--json",
                "--no-input",
            ],
            Input {
                client_secret_env: Some(key["client_secret"].as_str().unwrap().to_owned()),
                ..Input::default()
            },
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // With the answer given, --no-input does not stand in the way.
    let out = tenant
        .run(&[
            "clients",
            "rotate",
            &client_id,
            "--yes",
            "--no-input",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    tenant.finish().await;
}

/// The TUI is all questions: `--no-input` without a subcommand exits 2 at once.
#[test]
fn binary_no_input_refuses_the_tui() {
    let dirs = tempfile::tempdir().unwrap();
    let out = binary(&dirs).arg("--no-input").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-input"));
}

/// Parses CSV output into rows (the csv crate's reader: RFC 4180).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// `--csv` on every list command: a header row, then the same records `--json` gives,
/// with commas and quotes in tenant text quoted, not splitting cells; nothing on stdout
/// but CSV (counts go to stderr); `--csv` and `--json` together are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_commands_print_csv() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    ok(&tenant
        .run(&[
            "orgs",
            "create",
            "quoted",
            "--display-name",
            "Smith, \"Jones\" & Co",
            "--json",
        ])
        .await);
    let csv = tenant.run(&["orgs", "list", "--csv"]).await;
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let rows = csv_rows(&csv.stdout);
    assert_eq!(rows[0], ["ID", "NAME", "DISPLAY NAME"]);
    let json = ok(&tenant.run(&["orgs", "list", "--json"]).await);
    let json = json.as_array().unwrap();
    assert_eq!(rows.len(), json.len() + 1);
    for (row, org) in rows[1..].iter().zip(json) {
        assert_eq!(row[0], org["id"].as_str().unwrap());
        assert_eq!(row[1], org["name"].as_str().unwrap());
        assert_eq!(row[2], org["display_name"].as_str().unwrap_or(""));
    }
    assert!(
        rows.iter().any(|r| r[2] == "Smith, \"Jones\" & Co"),
        "{}",
        csv.stdout
    );
    assert!(csv.stderr.contains("organization(s)"));
    // No match: the header alone.
    let none = tenant
        .run(&["orgs", "list", "--search", "zzz", "--csv"])
        .await;
    assert_eq!(
        csv_rows(&none.stdout),
        vec![vec!["ID", "NAME", "DISPLAY NAME"]]
    );

    ok(&tenant
        .run(&["clients", "provision", "--org", "initech", "--json"])
        .await);
    let keys = tenant
        .run(&["clients", "list", "--org", "initech", "--csv"])
        .await;
    let rows = csv_rows(&keys.stdout);
    assert_eq!(rows[0], ["CLIENT ID", "NAME", "GRANT", "SCOPE", "CREATED"]);
    let listed = ok(&tenant
        .run(&["clients", "list", "--org", "initech", "--json"])
        .await);
    assert_eq!(rows.len(), listed.as_array().unwrap().len() + 1);
    assert_eq!(rows[1][0], listed[0]["client_id"].as_str().unwrap());

    let members = tenant
        .run(&["orgs", "members", "list", "--org", "acme", "--csv"])
        .await;
    let rows = csv_rows(&members.stdout);
    assert_eq!(rows[0], ["EMAIL", "NAME", "USER ID"]);
    let listed = ok(&tenant
        .run(&["orgs", "members", "list", "--org", "acme", "--json"])
        .await);
    assert_eq!(rows.len(), listed.as_array().unwrap().len() + 1);

    let invitations = tenant
        .run(&["orgs", "invitations", "list", "--org", "acme", "--csv"])
        .await;
    assert_eq!(invitations.code, 0, "{}", invitations.stderr);
    assert_eq!(
        csv_rows(&invitations.stdout)[0],
        ["ID", "EMAIL", "INVITER", "EXPIRES"]
    );

    let both = tenant.run(&["orgs", "list", "--csv", "--json"]).await;
    assert_eq!(both.code, 2);
    tenant.finish().await;
}

/// Ctrl-C (SIGINT) to the real binary during `keys rotate` stops it after the key
/// in hand: it exits on its own with that key's new secret printed, never dying
/// with a rotated secret unprinted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_keys_rotate_stops_cleanly_on_ctrl_c() {
    use std::io::{BufRead, Read};
    let sandbox = Sandbox::start(SandboxOptions {
        seed: Seed::Keys(0),
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let dirs = tempfile::tempdir().unwrap();
    write_env_file(&sandbox, &dirs);
    let mut command = binary(&dirs);
    // Half a request a second: the first key is in hand for two seconds.
    command
        .args([
            "keys", "rotate", "--org", "globex", "initech", "--yes", "--json", "--rate", "0.5",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (mut child, mut stderr, mut seen) = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        // The plan is printed once Ctrl-C is listened to, just before the first key.
        while !seen.contains("request(s) a second") {
            let mut line = String::new();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "the binary ended early: {seen}"
            );
            seen.push_str(&line);
        }
        (child, stderr, seen)
    })
    .await
    .unwrap();
    // Ctrl-C once the first key is in hand (its secret rotated, its record not yet
    // written): waiting for the tenant to see the rotation keeps a busy machine from
    // sending it before the first key starts, when nothing would be rotated at all.
    let rotating = |sandbox: &Sandbox| {
        sandbox
            .exchanges()
            .iter()
            .any(|e| e.path.ends_with("/rotate-secret"))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !rotating(&sandbox) {
        assert!(std::time::Instant::now() < deadline, "no rotation: {seen}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let out = tokio::task::spawn_blocking(move || {
        let pid = child.id().to_string();
        let kill = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(kill.success());
        stderr.read_to_string(&mut seen).unwrap();
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        (child.wait().unwrap(), stdout, seen)
    })
    .await
    .unwrap();
    let (status, stdout, stderr) = out;
    assert_eq!(status.code(), Some(1), "exited on its own: {stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["rotated"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["not_started"].as_array().unwrap().len(), 1, "{doc}");
    assert!(stderr.contains("Stopped by Ctrl-C"), "{stderr}");
    let secret = doc["rotated"][0]["client_secret"].as_str().unwrap();
    assert!(!stderr.contains(secret));
    common::check_exchanges(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    sandbox.shutdown().await;
}
