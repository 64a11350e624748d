//! Issue 10's call budgets, counted by the sandbox over real HTTP: Management calls per
//! provision and token requests per session. The assertions are today's real figures
//! (docs/BENCHMARKS.md says why each call is made and what the budget of 3 would cost).
#![allow(clippy::unwrap_used)]

use m2m_portal::commands::{self, Input};
use m2m_portal::portal::{Portal, PortalOptions};
use m2m_portal::sandbox::{Sandbox, SandboxOptions};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

/// "METHOD path" of every Management call recorded after the first `skip` exchanges.
fn management_calls(sandbox: &Sandbox, skip: usize) -> Vec<String> {
    sandbox
        .exchanges()
        .into_iter()
        .skip(skip)
        .filter(|e| e.path.starts_with("/api/v2/"))
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

fn portal_for(sandbox: &Sandbox, dir: &tempfile::TempDir) -> Portal {
    Portal::with_options(
        &sandbox.settings(),
        PortalOptions {
            audit_log: Some(dir.path().join("audit.jsonl")),
            retry: None,
        },
    )
    .unwrap()
}

fn clients_in(sandbox: &Sandbox) -> usize {
    sandbox.snapshot()["clients"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provision_through_the_portal_makes_five_management_calls_and_one_token_request() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&sandbox, &dir);
    // The TUI has the organization from its list before it provisions.
    let acme = portal.find_organization("acme").await.unwrap();
    let before = sandbox.exchanges().len();
    let issued = portal.provision_key(&acme.id, None, &|_| {}).await.unwrap();
    assert!(issued.grant_id.is_some());
    let calls = management_calls(&sandbox, before);
    let id = &acme.id;
    let expected = [
        // The organization exists (a typo fails before anything is created).
        format!("GET /api/v2/organizations/{id}"),
        // Its keys' names, so the new one is unique in the organization.
        format!("GET /api/v2/clients?q=client_grant.organization_id%3A{id}&"),
        // The client, its metadata (org_id, nonce, …) in the same call.
        "POST /api/v2/clients".to_owned(),
        "POST /api/v2/client-grants".to_owned(),
        format!("POST /api/v2/organizations/{id}/client-grants"),
    ];
    assert_eq!(calls.len(), expected.len(), "{calls:#?}");
    for (call, expected) in calls.iter().zip(&expected) {
        assert!(
            call.starts_with(expected.as_str()),
            "{call} is not {expected}"
        );
    }
    // One Management token for the whole session.
    assert_eq!(sandbox.stats().token_requests, 1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_provision_from_the_command_line_calls_and_signs_in_once() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let before = sandbox.exchanges().len();
    let output = commands::run_with(
        &["clients", "provision", "--org", "acme", "--json"],
        &sandbox.settings(),
        Input {
            audit_log: Some(dir.path().join("audit.jsonl")),
            ..Input::default()
        },
    )
    .await;
    assert_eq!(output.code, 0, "{}", output.stderr);
    let calls = management_calls(&sandbox, before);
    // The command resolves `--org acme` by name first, then provision reads it by id.
    assert!(
        calls[0].starts_with("GET /api/v2/organizations/name/acme"),
        "{calls:#?}"
    );
    assert_eq!(calls.len(), 6, "{calls:#?}");
    assert_eq!(sandbox.stats().token_requests, 1, "one token per session");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provision_for_an_organization_on_screen_with_its_keys_listed_makes_three_calls() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&sandbox, &dir);
    // What the TUI's organization screen holds: the organization and its keys.
    let acme = portal.find_organization("acme").await.unwrap();
    let taken: Vec<String> = portal
        .list_keys(&acme.id)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    let before = sandbox.exchanges().len();
    let issued = portal
        .provision_key_for(&acme, Some(&taken), Some("acme ci key"), &|_| {})
        .await
        .unwrap();
    assert_eq!(issued.client_name, "acme ci key");
    assert_eq!(issued.organization_id.as_deref(), Some(acme.id.as_str()));
    let calls = management_calls(&sandbox, before);
    let id = &acme.id;
    assert_eq!(
        calls,
        [
            "POST /api/v2/clients".to_owned(),
            "POST /api/v2/client-grants".to_owned(),
            format!("POST /api/v2/organizations/{id}/client-grants"),
        ],
        "the budget of 3: the work and nothing else"
    );
    // The key works and carries the organization (the same checks as any provision).
    let keys = portal.list_keys(&acme.id).await.unwrap();
    assert!(keys.iter().any(|k| k.client_id == issued.client_id));

    // A name the listed keys already have is refused before any call.
    let before = sandbox.exchanges().len();
    let taken: Vec<String> = keys.into_iter().map(|k| k.name).collect();
    let err = portal
        .provision_key_for(&acme, Some(&taken), Some("acme ci key"), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("name_taken"), "{err}");
    assert!(management_calls(&sandbox, before).is_empty());

    // Without the names, they are listed once: four calls.
    let before = sandbox.exchanges().len();
    let second = portal
        .provision_key_for(&acme, None, None, &|_| {})
        .await
        .unwrap();
    let calls = management_calls(&sandbox, before);
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert!(
        calls[0].starts_with(&format!(
            "GET /api/v2/clients?q=client_grant.organization_id%3A{id}&"
        )),
        "{calls:#?}"
    );
    assert_ne!(second.client_name, "acme ci key");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provision_for_an_organization_gone_since_it_was_listed_leaves_nothing_behind() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&sandbox, &dir);
    let mut gone = portal.find_organization("acme").await.unwrap();
    gone.id = "org_DELETEDSINCE0000".to_owned();
    let clients = clients_in(&sandbox);
    let grants = sandbox.snapshot()["client_grants"]
        .as_array()
        .unwrap()
        .len();
    let err = portal
        .provision_key_for(&gone, Some(&[]), None, &|_| {})
        .await
        .unwrap_err();
    assert!(err.message().contains("linking"), "{err}");
    assert!(err.message().contains("nothing is left behind"), "{err}");
    assert_eq!(clients_in(&sandbox), clients, "the client was rolled back");
    assert_eq!(
        sandbox.snapshot()["client_grants"]
            .as_array()
            .unwrap()
            .len(),
        grants,
        "the grant went with it"
    );
    sandbox.shutdown().await;
}
