//! Starting, configuring, recording and persisting the sandbox tenant.
#![allow(clippy::unwrap_used)]

mod common;
mod sandbox_support;

use std::time::Instant;

use m2m_portal::sandbox::{Sandbox, SandboxError, SandboxOptions, Seed};
use sandbox_support::{start, start_default};
use serde_json::json;

#[tokio::test]
async fn non_loopback_addresses_are_refused_with_a_clear_message() {
    for addr in ["0.0.0.0:0", "192.0.2.1:8787", "[::]:0"] {
        let options = SandboxOptions {
            addr: addr.parse().unwrap(),
            ..SandboxOptions::default()
        };
        let error = Sandbox::start(options).await.unwrap_err();
        assert!(matches!(error, SandboxError::NotLoopback(_)));
        let message = error.to_string();
        assert!(
            message.contains("loopback") && message.contains("127.0.0.1"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_busy_port_is_a_clear_error() {
    let first = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let error = Sandbox::start(SandboxOptions {
        addr: first.local_addr(),
        ..SandboxOptions::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(error, SandboxError::Bind { .. }), "{error}");
}

#[tokio::test]
async fn env_block_is_a_working_dotenv() {
    let tenant = start_default().await;
    let block = tenant.sandbox.env_block();
    assert!(block.ends_with("\n\n"));
    let lines: Vec<&str> = block.trim_end().lines().collect();
    let keys: Vec<&str> = lines.iter().map(|l| l.split_once('=').unwrap().0).collect();
    assert_eq!(
        keys,
        [
            "PLUGIN_AUTH0_M2M_DOMAIN",
            "PLUGIN_AUTH0_M2M_CLIENT_ID",
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            "PLUGIN_AUTH0_M2M_API_AUDIENCE",
            "PLUGIN_AUTH0_M2M_API_SCOPE"
        ]
    );
    // What a dotenv parser reads (the one the app's configuration uses).
    let parsed: std::collections::HashMap<String, String> =
        dotenvy::from_read_iter(block.as_bytes())
            .map(Result::unwrap)
            .collect();
    let value = |key: &str| -> String { parsed[key].clone() };
    let domain = value("PLUGIN_AUTH0_M2M_DOMAIN");
    assert_eq!(domain, tenant.base());
    assert!(domain.starts_with("http://127.0.0.1:"));
    assert!(!domain.ends_with('/'));
    assert_eq!(value("PLUGIN_AUTH0_M2M_CLIENT_ID").len(), 32);
    assert_eq!(
        value("PLUGIN_AUTH0_M2M_API_SCOPE"),
        "read:reports write:events read:usage"
    );
    assert!(lines.contains(&"PLUGIN_AUTH0_M2M_API_SCOPE=\"read:reports write:events read:usage\""));
    // A real .env parser (the app's own configuration) reads the block as it is.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), &block).unwrap();
    let request = m2m_portal::config::ConfigRequest {
        profile: None,
        env_file: None,
        flags: Default::default(),
        cwd: dir.path().to_owned(),
        env: Default::default(),
        config_dir: dir.path().join("config"),
    };
    let Ok(m2m_portal::config::Loaded::Tenant(settings)) = m2m_portal::config::load(&request)
    else {
        panic!("the env block is not a working configuration");
    };
    assert_eq!(settings.base_url, domain);
    assert_eq!(
        settings.api_scope,
        ["read:reports", "write:events", "read:usage"]
    );
    // The values work as they are.
    let answer = sandbox_support::token(
        &tenant.http,
        &domain,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &value("PLUGIN_AUTH0_M2M_CLIENT_ID")),
            ("client_secret", &value("PLUGIN_AUTH0_M2M_CLIENT_SECRET")),
            ("audience", &format!("{domain}/api/v2/")),
        ],
    )
    .await;
    assert_eq!(answer.status, 200);
}

#[test]
fn seeds_parse_from_the_command_line_form() {
    assert_eq!("demo".parse::<Seed>().unwrap(), Seed::Demo);
    assert_eq!("empty".parse::<Seed>().unwrap(), Seed::Empty);
    assert_eq!(
        "large:100000".parse::<Seed>().unwrap(),
        Seed::Large(100_000)
    );
    for bad in ["large", "large:", "large:0", "large:-1", "huge", "large:x"] {
        let error = bad.parse::<Seed>().unwrap_err();
        assert!(error.to_string().contains("large:N"), "{bad}");
    }
    assert_eq!(Seed::Large(5).to_string(), "large:5");
}

#[tokio::test]
async fn the_state_file_keeps_the_tenant_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let options = SandboxOptions {
        state_file: Some(path.clone()),
        ..SandboxOptions::default()
    };
    let tenant = start(options.clone()).await;
    let created = tenant.post("/organizations", json!({"name": "kept"})).await;
    assert_eq!(created.status, 201);
    let org = created.body["id"].as_str().unwrap().to_owned();
    let (client_id, secret, _) = tenant.provision(&org).await;
    let admin_id = tenant.sandbox.admin_client_id();
    let admin_secret = tenant.sandbox.admin_client_secret();
    // Checks the first run's exchanges against Auth0's schema, then stops it.
    tenant.sandbox.finish().await;

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Only the state file is left: the write went through a temporary file and a rename.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let again = start(options).await;
    assert_eq!(again.sandbox.admin_client_id(), admin_id);
    assert_eq!(again.sandbox.admin_client_secret(), admin_secret);
    assert_eq!(again.org_id("kept").await, org);
    let answer = again.api_token(&client_id, &secret, Some("kept")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let claims = again
        .verify(
            answer.body["access_token"].as_str().unwrap(),
            &again.sandbox.api_audience(),
        )
        .await;
    assert_eq!(claims["org_id"], org.as_str());
}

#[tokio::test]
async fn a_broken_state_file_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{ not json").unwrap();
    let error = Sandbox::start(SandboxOptions {
        state_file: Some(path.clone()),
        ..SandboxOptions::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(error, SandboxError::StateRead { .. }));
    assert!(error.to_string().contains("broken.json"));
}

#[tokio::test]
async fn recorded_exchanges_hold_bodies_and_statuses() {
    let tenant = start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await;
    tenant
        .post("/organizations", json!({"name": "recorded"}))
        .await;
    tenant.get("/organizations?take=2").await;
    let exchanges = tenant.sandbox.exchanges();
    assert_eq!(exchanges[0].path, "/oauth/token");
    assert_eq!(exchanges[0].status, 200);
    let token_request = exchanges[0].request_body.as_ref().unwrap();
    assert_eq!(token_request["grant_type"], "client_credentials");
    assert_eq!(token_request["client_secret"], "[REDACTED]");
    let create = &exchanges[1];
    assert_eq!(create.method, "POST");
    assert_eq!(create.path, "/api/v2/organizations");
    assert_eq!(create.status, 201);
    assert_eq!(create.request_body, Some(json!({"name": "recorded"})));
    assert_eq!(create.response_body.as_ref().unwrap()["name"], "recorded");
    assert_eq!(exchanges[2].path, "/api/v2/organizations?take=2");
    let stats = tenant.sandbox.stats();
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.management_requests, 2);
}

#[tokio::test]
async fn snapshot_shows_the_tenant() {
    let tenant = start_default().await;
    let snapshot = tenant.sandbox.snapshot();
    let orgs = snapshot["organizations"].as_array().unwrap();
    assert!(orgs.len() >= 5);
    let globex = orgs.iter().find(|o| o["name"] == "globex").unwrap();
    let links = &snapshot["organization_client_grants"][globex["id"].as_str().unwrap()];
    assert_eq!(links.as_array().unwrap().len(), 1);
    assert_eq!(snapshot["client_grants"].as_array().unwrap().len(), 1);
    assert!(
        !snapshot
            .to_string()
            .contains(tenant.sandbox.admin_client_secret().expose_secret())
    );
}

#[tokio::test]
async fn a_large_tenant_starts_and_pages_quickly_enough_to_measure() {
    let started = Instant::now();
    let tenant = start(SandboxOptions {
        seed: Seed::Large(100_000),
        ..SandboxOptions::default()
    })
    .await;
    let start_time = started.elapsed();
    let paged = Instant::now();
    let mut from: Option<String> = None;
    for _ in 0..20 {
        let path = match &from {
            Some(next) => format!("/organizations?take=100&from={next}"),
            None => "/organizations?take=100".to_owned(),
        };
        let page = tenant.get(&path).await;
        from = Some(page.body["next"].as_str().unwrap().to_owned());
    }
    let totals = tenant
        .get("/organizations?per_page=1&include_totals=true")
        .await;
    assert_eq!(totals.body["total"], 100_000);
    eprintln!(
        "large:100000 started in {start_time:?}; 20 checkpoint pages of 100 in {:?}",
        paged.elapsed()
    );
}

#[tokio::test]
async fn an_unwritable_state_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("state.json");
    let error = Sandbox::start(SandboxOptions {
        state_file: Some(path),
        ..SandboxOptions::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(error, SandboxError::StateWrite { .. }), "{error}");
    assert!(error.to_string().contains("no-such-folder"));
}
