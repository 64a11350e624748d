//! The Auth0 client and the portal's use cases against the real sandbox tenant
//! on an ephemeral loopback port. Every Management request body the client
//! sends is checked against Auth0's schema at the end of each test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use m2m_portal::config::Settings;
use m2m_portal::portal::{
    ErrorKind, Portal, PortalOptions, ProvisionProgress, ProvisionStep, StepState, TokenRequest,
};
use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};
use m2m_portal::secret::Secret;

/// A recording sandbox with these options.
async fn sandbox(options: SandboxOptions) -> Sandbox {
    Sandbox::start(SandboxOptions {
        record: true,
        ..options
    })
    .await
    .unwrap()
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
    settings
}

fn portal_for(settings: &Settings, dir: &tempfile::TempDir) -> Portal {
    Portal::with_options(
        settings,
        PortalOptions {
            audit_log: Some(dir.path().join("audit.jsonl")),
            retry: None,
        },
    )
    .unwrap()
}

/// Every Management API request body sent so far validates against Auth0's schema.
fn assert_requests_match_schema(sandbox: &Sandbox) {
    let mut checked = 0;
    let mut posted = 0;
    for exchange in sandbox.exchanges() {
        if exchange.method == "POST" && !exchange.path.ends_with("/rotate-secret") {
            posted += usize::from(exchange.path.starts_with("/api/v2/"));
        }
        if !exchange.path.starts_with("/api/v2/") {
            continue;
        }
        if let Some(body) = &exchange.request_body {
            common::schema::validate_management_request(&exchange.method, &exchange.path, body)
                .unwrap_or_else(|e| panic!("{e}"));
            checked += 1;
        }
    }
    assert!(
        posted == 0 || checked > 0,
        "no request body was recorded to check"
    );
    // And the contract helper's full check of requests and answers.
    common::check_exchanges(sandbox).unwrap_or_else(|e| panic!("{e}"));
}

/// Clients in the sandbox made by the portal for an organization.
fn portal_clients(sandbox: &Sandbox, org_id: &str) -> Vec<String> {
    sandbox.snapshot()["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["client_metadata"]["org_id"] == org_id)
        .map(|c| c["client_id"].as_str().unwrap().to_owned())
        .collect()
}

fn no_progress() -> impl Fn(ProvisionProgress) + Send + Sync {
    |_| {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioning_finds_an_organization_beyond_the_first_thousand() {
    let sandbox = sandbox(SandboxOptions {
        seed: Seed::Large(1500),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);

    let all = portal.all_organizations(None).await.unwrap();
    assert_eq!(all.len(), 1500);
    let unique: BTreeSet<&str> = all.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        unique.len(),
        1500,
        "checkpoint paging returned an organization twice"
    );

    let far = &all[1234];
    let found = portal.find_organization(&far.name).await.unwrap();
    assert_eq!(found.id, far.id);
    let key = portal
        .provision_key(&found.id, None, &no_progress())
        .await
        .unwrap();
    assert_eq!(key.organization_id.as_deref(), Some(far.id.as_str()));
    let keys = portal.list_keys(&far.id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].client_id, key.client_id);
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_key_gets_a_token_with_the_organizations_id() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("globex").await.unwrap();
    let steps = std::sync::Mutex::new(Vec::new());
    let progress = |p: ProvisionProgress| steps.lock().unwrap().push(p);
    let key = portal
        .provision_key(&org.id, Some("globex ci key"), &progress)
        .await
        .unwrap();
    let done: Vec<ProvisionStep> = steps
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p.state == StepState::Done)
        .map(|p| p.step)
        .collect();
    assert_eq!(
        done,
        [
            ProvisionStep::CreateClient,
            ProvisionStep::CreateGrant,
            ProvisionStep::LinkGrant
        ]
    );
    assert_eq!(key.client_name, "globex ci key");

    let report = portal
        .test_token(TokenRequest {
            client_id: key.client_id.clone(),
            client_secret: key.client_secret.clone(),
            organization: Some(org.id.clone()),
            audience: None,
        })
        .await
        .unwrap();
    assert!(report.checks.iter().all(|c| c.ok), "{:?}", report.checks);
    assert_eq!(report.claims["org_id"], org.id.as_str());
    assert_eq!(report.header["alg"], "RS256");

    // The audit log records the change with a fingerprint, never the secret.
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains(&key.client_id));
    assert!(audit.contains(&key.client_secret.fingerprint()));
    assert!(!audit.contains(key.client_secret.expose_secret()));
    // The client was never asked to return a secret when read back.
    for exchange in sandbox.exchanges() {
        if exchange.method == "GET" && exchange.path.starts_with("/api/v2/clients") {
            assert!(exchange.path.contains("fields="), "{}", exchange.path);
            assert!(
                !exchange.path.contains("client_secret"),
                "{}",
                exchange.path
            );
        }
    }
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioning_rolls_back_when_link_fails() {
    let sandbox = sandbox(SandboxOptions {
        faults: "POST /api/v2/organizations/*/client-grants=500"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("initech").await.unwrap();
    let before = portal_clients(&sandbox, &org.id);
    let steps = std::sync::Mutex::new(Vec::new());
    let progress = |p: ProvisionProgress| steps.lock().unwrap().push(p);

    let err = portal
        .provision_key(&org.id, None, &progress)
        .await
        .unwrap_err();
    assert!(err.message().contains("linking"), "{err}");
    assert!(err.message().contains("deleted the client"), "{err}");
    assert!(err.message().contains("nothing is left behind"), "{err}");
    assert_eq!(
        portal_clients(&sandbox, &org.id),
        before,
        "a client was left behind"
    );
    assert!(steps.lock().unwrap().contains(&ProvisionProgress {
        step: ProvisionStep::Rollback,
        state: StepState::Done
    }));
    // No grant is left without its client.
    let snapshot = sandbox.snapshot();
    let clients: BTreeSet<&str> = snapshot["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    for grant in snapshot["client_grants"].as_array().unwrap() {
        assert!(
            clients.contains(grant["client_id"].as_str().unwrap()),
            "{grant}"
        );
    }
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("rolled back"), "{audit}");
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioning_on_a_plan_without_m2m_organizations_explains_and_rolls_back() {
    let sandbox = sandbox(SandboxOptions {
        m2m_organizations_entitled: false,
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("hooli").await.unwrap();
    let before = portal_clients(&sandbox, &org.id);
    let err = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    assert!(err.hint().unwrap().contains("plan"), "{err:?}");
    assert_eq!(portal_clients(&sandbox, &org.id), before);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_client_creation_is_checked_before_anything_is_retried() {
    let sandbox = sandbox(SandboxOptions {
        faults: "POST /api/v2/clients=drop@first:1".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let before = portal_clients(&sandbox, &org.id);
    let err = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap_err();
    assert!(
        err.hint().unwrap_or("").contains("did not create"),
        "{err:?}"
    );
    // Exactly one creation attempt: the POST was not repeated blindly.
    let posts = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.method == "POST" && e.path == "/api/v2/clients")
        .count();
    assert!(posts <= 1, "POST /clients sent {posts} times");
    assert_eq!(portal_clients(&sandbox, &org.id), before);
    // And it is indeed safe to try again.
    portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_created_but_whose_answer_was_lost_is_found_by_its_nonce_not_created_twice() {
    // The sandbox carries the first POST /clients out, then drops the connection.
    let sandbox = sandbox(SandboxOptions {
        faults: "POST /api/v2/clients=lost@first:1".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let before = portal_clients(&sandbox, &org.id);
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    let posts = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.method == "POST" && e.path == "/api/v2/clients")
        .count();
    assert_eq!(posts, 1, "POST /clients was repeated");
    let rotated = sandbox.exchanges().iter().any(|e| {
        e.method == "POST" && e.path == format!("/api/v2/clients/{}/rotate-secret", key.client_id)
    });
    assert!(
        rotated,
        "the lost secret is replaced by rotating the found client"
    );
    let after = portal_clients(&sandbox, &org.id);
    assert_eq!(after.len(), before.len() + 1, "exactly one new client");
    assert!(after.contains(&key.client_id));
    // The lost secret was replaced (rotated): the one we hold works.
    let report = portal
        .test_token(TokenRequest {
            client_id: key.client_id.clone(),
            client_secret: key.client_secret.clone(),
            organization: Some(org.id.clone()),
            audience: None,
        })
        .await
        .unwrap();
    assert!(report.checks.iter().all(|c| c.ok), "{:?}", report.checks);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_client_creation_is_found_among_2500_clients_not_reported_as_not_created() {
    // 2,500 clients sort before any new one: the search must read past 2,000 (issue 14.1).
    let sandbox = sandbox(SandboxOptions {
        seed: Seed::Clients(2500),
        faults: "POST /api/v2/clients=lost@first:1".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let before = portal_clients(&sandbox, &org.id);
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap_or_else(|e| panic!("the lost client was not found: {e:?}"));
    let after = portal_clients(&sandbox, &org.id);
    assert_eq!(
        after.len(),
        before.len() + 1,
        "exactly one new client, no orphan"
    );
    assert!(after.contains(&key.client_id));
    let posts = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.method == "POST" && e.path == "/api/v2/clients")
        .count();
    assert_eq!(posts, 1, "POST /clients was repeated");
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_search_that_cannot_complete_says_unknown_never_not_created() {
    let sandbox = sandbox(SandboxOptions {
        faults: "POST /api/v2/clients=lost@first:1; GET /api/v2/clients=503"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let err = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap_err();
    let hint = err.hint().unwrap_or_default();
    assert!(
        hint.contains("Unknown whether the client was created"),
        "{err:?}"
    );
    assert!(hint.contains("Check before retrying"), "{err:?}");
    assert!(!hint.contains("did not create"), "{err:?}");
    assert!(!hint.contains("safe to try again"), "{err:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_grant_and_link_are_adopted_on_409() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("umbrella").await.unwrap();
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    let (grant, created) = portal.ensure_grant(&key.client_id).await.unwrap();
    assert!(!created, "a second grant was created");
    assert_eq!(Some(grant.id.clone()), key.grant_id);
    portal.link_grant(&org.id, &grant.id).await.unwrap();
    let conflicts = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.status == 409)
        .count();
    assert_eq!(conflicts, 2, "both 409s were seen and adopted");
    assert_eq!(portal.list_keys(&org.id).await.unwrap().len(), 1);
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_waited_out_until_reset() {
    let sandbox = sandbox(SandboxOptions {
        rate: Some(2),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    // Two clients share the tenant's bucket: one paces itself on the headers it saw,
    // but the other's requests empty the bucket behind its back, so 429s happen.
    let portal = portal_for(&settings(&sandbox), &dir);
    let other = portal_for(&settings(&sandbox), &dir);
    for i in 0..8 {
        let portal = if i % 2 == 0 { &portal } else { &other };
        let page = portal.organizations_page(None, 5).await.unwrap();
        assert_eq!(page.organizations.len(), 5);
    }
    assert!(sandbox.stats().rate_limited > 0, "the limit was never hit");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_request_serves_many_management_calls() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let portal = portal.clone();
        tasks.push(tokio::spawn(async move {
            portal.find_organization("globex").await.unwrap()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    portal.all_organizations(None).await.unwrap();
    let stats = sandbox.stats();
    assert_eq!(stats.token_requests, 1);
    assert!(stats.management_requests >= 13);
    assert_eq!(portal.auth0().token_requests(), 1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_management_token_is_refreshed_once() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    portal.find_organization("globex").await.unwrap();
    sandbox.expire_tokens();
    portal.find_organization("globex").await.unwrap();
    portal.find_organization("acme").await.unwrap();
    assert_eq!(sandbox.stats().token_requests, 2);
    let refused = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.status == 401)
        .count();
    assert_eq!(refused, 1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_admin_secret_names_the_variable() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&sandbox);
    settings.client_secret = Secret::from("not-the-secret");
    let portal = portal_for(&settings, &dir);
    let err = portal.sign_in().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.hint()
            .unwrap()
            .contains("PLUGIN_AUTH0_M2M_CLIENT_SECRET")
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_scope_is_named_in_sign_in_and_errors() {
    let scopes: Vec<String> = [
        "read:organizations",
        "read:clients",
        "read:client_grants",
        "read:organization_client_grants",
    ]
    .map(str::to_owned)
    .to_vec();
    let sandbox = sandbox(SandboxOptions {
        admin_scopes: Some(scopes),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let sign_in = portal.sign_in().await.unwrap();
    assert!(sign_in.allows(m2m_portal::portal::Action::ListOrganizations));
    assert!(!sign_in.allows(m2m_portal::portal::Action::RotateSecret));
    assert_eq!(
        sign_in.missing[&m2m_portal::portal::Action::RotateSecret],
        ["update:client_keys"]
    );
    let keys = portal
        .list_keys(&portal.find_organization("globex").await.unwrap().id)
        .await
        .unwrap();
    let err = portal.rotate_secret(&keys[0].client_id).await.unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert_eq!(err.code(), Some("insufficient_scope"));
    assert!(err.hint().unwrap().contains("update:client_keys"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_secret_replaces_the_old_one() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("soylent").await.unwrap();
    let first = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    let second = portal.rotate_secret(&first.client_id).await.unwrap();
    assert_eq!(second.organization_id.as_deref(), Some(org.id.as_str()));
    assert_eq!(second.grant_id, first.grant_id);
    // Auth0 keeps the previous secret for up to 30 s; a secret two rotations old is gone.
    let third = portal.rotate_secret(&first.client_id).await.unwrap();
    assert_ne!(third.client_secret, second.client_secret);

    let token = |secret: &Secret| TokenRequest {
        client_id: first.client_id.clone(),
        client_secret: secret.clone(),
        organization: Some(org.id.clone()),
        audience: None,
    };
    let refused = portal
        .test_token(token(&first.client_secret))
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 3, "{refused}");
    let accepted = portal
        .test_token(token(&third.client_secret))
        .await
        .unwrap();
    assert!(accepted.checks.iter().all(|c| c.ok));
    let proven = portal.prove_secret(&third).await.unwrap();
    assert_eq!(proven.claims["org_id"], org.id.as_str());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_removes_the_link_the_grant_and_the_client() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    // Another organization's id does not revoke this key.
    let other = portal.find_organization("globex").await.unwrap();
    let refused = portal
        .revoke_key(&other.id, &key.client_id)
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 2);

    let revoked = portal.revoke_key(&org.id, &key.client_id).await.unwrap();
    assert_eq!(revoked.unlinked_grant, key.grant_id);
    assert_eq!(revoked.deleted_grant, key.grant_id);
    assert_eq!(
        revoked.deleted_client.as_deref(),
        Some(key.client_id.as_str())
    );
    assert!(portal_clients(&sandbox, &org.id).is_empty());
    assert!(portal.list_keys(&org.id).await.unwrap().is_empty());
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_reports_what_was_removed_when_it_stops_half_way() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    sandbox.set_faults("DELETE /api/v2/clients/*=500".parse().unwrap());
    let err = portal
        .revoke_key(&org.id, &key.client_id)
        .await
        .unwrap_err();
    let grant = key.grant_id.unwrap();
    assert!(
        err.message().contains(&format!("unlinked grant {grant}")),
        "{err}"
    );
    assert!(
        err.message().contains(&format!("deleted grant {grant}")),
        "{err}"
    );
    assert!(
        err.message()
            .contains(&format!("still there: client {}", key.client_id)),
        "{err}"
    );
    assert_eq!(
        portal_clients(&sandbox, &org.id),
        vec![key.client_id.clone()]
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_retry_after_server_errors() {
    let sandbox = sandbox(SandboxOptions {
        faults: "GET /api/v2/organizations*=503@first:2".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let orgs = portal.all_organizations(Some("glob")).await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].name, "globex");
    assert_eq!(sandbox.stats().faults_injected, 2);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_are_created_with_names_auth0_accepts() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal
        .create_organization("new-customer", Some("New Customer Ltd"))
        .await
        .unwrap();
    assert!(org.id.starts_with("org_"));
    let again = portal
        .create_organization("new-customer", None)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("organization_conflict"));
    let bad = portal
        .create_organization("New Customer", None)
        .await
        .unwrap_err();
    assert_eq!(bad.exit_code(), 2);
    let missing = portal.find_organization("no-such-org").await.unwrap_err();
    assert_eq!(missing.exit_code(), 1);
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_rate_limit_is_waited_out() {
    let sandbox = sandbox(SandboxOptions {
        faults: "POST /oauth/token=429@first:1".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let sign_in = portal.sign_in().await.unwrap();
    assert!(sign_in.missing.is_empty());
    assert_eq!(sandbox.stats().token_requests, 2);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_rate_limiting_ends_in_a_clear_error() {
    let sandbox = sandbox(SandboxOptions {
        faults: "GET /api/v2/organizations*=429".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::with_options(
        &settings(&sandbox),
        PortalOptions {
            audit_log: Some(dir.path().join("audit.jsonl")),
            retry: Some(m2m_portal::auth0::RetryPolicy {
                rate_limit_retries: 2,
                ..m2m_portal::auth0::RetryPolicy::default()
            }),
        },
    )
    .unwrap();
    let err = portal.organizations_page(None, 10).await.unwrap_err();
    assert_eq!(err.code(), Some("too_many_requests"));
    assert_eq!(err.exit_code(), 1);
    assert!(err.hint().is_some());
    // One try and two retries, no more.
    assert_eq!(sandbox.stats().faults_injected, 3);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_and_discovery_and_organization_updates_speak_auth0() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let auth0 = portal.auth0();

    let discovery = auth0.openid_configuration().await.unwrap();
    assert_eq!(discovery["issuer"], format!("{}/", sandbox.base_url()));

    // The device flow is for the native login application (as on Auth0).
    let admin = sandbox.native_client_id();
    let started = auth0
        .device_code(&admin, "openid profile email", None)
        .await
        .unwrap();
    assert!(started.verification_uri.contains("/activate"));
    let first = auth0
        .poll_device(&admin, &started.device_code)
        .await
        .unwrap();
    assert!(
        matches!(first, m2m_portal::auth0::DevicePoll::Pending),
        "{first:?}"
    );
    assert!(sandbox.approve_device(&started.user_code));
    // The sandbox, like Auth0, may say slow_down to a poll that comes too soon.
    let mut approved = None;
    for _ in 0..3 {
        match auth0
            .poll_device(&admin, &started.device_code)
            .await
            .unwrap()
        {
            m2m_portal::auth0::DevicePoll::Approved(tokens) => {
                approved = Some(tokens);
                break;
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(1100)).await,
        }
    }
    let tokens = approved.expect("the approved device got tokens");
    assert!(tokens.id_token.is_some());

    let denied = auth0.device_code(&admin, "openid", None).await.unwrap();
    assert!(sandbox.deny_device(&denied.user_code));
    let mut refused = None;
    for _ in 0..3 {
        match auth0.poll_device(&admin, &denied.device_code).await {
            Err(err) => {
                refused = Some(err);
                break;
            }
            Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(1100)).await,
        }
    }
    assert_eq!(refused.unwrap().code(), Some("access_denied"));

    let org = portal.find_organization("initech").await.unwrap();
    let updated = auth0
        .update_organization(&org.id, "Initech Global")
        .await
        .unwrap();
    assert_eq!(updated.display_name.as_deref(), Some("Initech Global"));
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

/// A web server that answers every request with an HTML page, like a proxy or a
/// captive portal in front of the wrong domain.
async fn html_server(status: u16) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::from_u16(status).unwrap(),
            [("content-type", "text/html; charset=utf-8")],
            "<!DOCTYPE html><html><body><h1>Welcome to our Wi-Fi</h1></body></html>",
        )
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_instead_of_auth0_is_reported_as_such() {
    for status in [200, 502] {
        let (url, server) = html_server(status).await;
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::for_tenant(
            &url,
            "admin",
            Secret::from("secret"),
            "https://api.example.com",
            "read:reports",
        );
        let portal = portal_for(&settings, &dir);
        let err = portal.sign_in().await.unwrap_err();
        assert!(err.message().contains("HTML"), "{status}: {err}");
        assert!(
            err.hint().unwrap_or("").contains("PLUGIN_AUTH0_M2M_DOMAIN"),
            "{status}: {err:?}"
        );
        server.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_management_tokens_are_still_cached() {
    let sandbox = sandbox(SandboxOptions {
        token_ttl: std::time::Duration::from_secs(8),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    for name in ["acme", "globex", "hooli"] {
        portal.find_organization(name).await.unwrap();
    }
    assert_eq!(sandbox.stats().token_requests, 1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_whose_answer_was_lost_is_reported_unknown_not_as_a_network_failure() {
    // The sandbox rotates the secret, then drops the connection: the new secret is lost.
    let sandbox = sandbox(SandboxOptions {
        faults: "POST /api/v2/clients/*/rotate-secret=lost@first:1"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();

    let error = portal.rotate_secret(&key.client_id).await.unwrap_err();
    assert_eq!(error.code(), Some(m2m_portal::portal::ROTATION_UNKNOWN));
    assert!(error.message().contains("Unknown whether"), "{error:?}");
    let hint = error.hint().unwrap_or_default();
    assert!(hint.contains("Rotate again"), "{hint}");
    assert!(hint.contains("30 seconds"), "{hint}");
    assert!(!hint.contains("network"), "{hint}");
    // It really was rotated on the server: the request was carried out once.
    let rotations = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/rotate-secret"))
        .count();
    assert_eq!(
        rotations, 1,
        "an ambiguous rotate is never repeated silently"
    );

    // The audit log says unknown, never failed.
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "rotate_secret", "{last}");
    assert_eq!(last["result"], "unknown", "{last}");

    // Rotating again gives a secret that works.
    let again = portal.rotate_secret(&key.client_id).await.unwrap();
    let report = portal
        .test_token(TokenRequest {
            client_id: again.client_id.clone(),
            client_secret: again.client_secret.clone(),
            organization: Some(org.id.clone()),
            audience: None,
        })
        .await
        .unwrap();
    assert!(report.checks.iter().all(|c| c.ok), "{:?}", report.checks);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeating_cursor_stops_the_listing_with_a_clear_error_instead_of_paging_forever() {
    let sandbox = sandbox(SandboxOptions {
        seed: Seed::Large(250),
        faults: "GET /api/v2/organizations=repeat-cursor".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let listed = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        portal.all_organizations(None),
    )
    .await
    .expect("the listing ends");
    let err = listed.unwrap_err();
    assert!(err.message().contains("cursor that repeats"), "{err:?}");
    let pages = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.path.starts_with("/api/v2/organizations?"))
        .count();
    assert!(pages <= 3, "{pages} pages were asked for");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_search_over_a_repeating_cursor_says_unknown_and_stops() {
    let sandbox = sandbox(SandboxOptions {
        seed: Seed::Clients(250),
        faults: "POST /api/v2/clients=lost@first:1; GET /api/v2/clients=repeat-cursor"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let err = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap_err();
    let hint = err.hint().unwrap_or_default();
    assert!(hint.contains("Unknown whether"), "{err:?}");
    assert!(hint.contains("repeats"), "{err:?}");
    let listings = sandbox
        .exchanges()
        .iter()
        .filter(|e| e.method == "GET" && e.path.starts_with("/api/v2/clients?"))
        .count();
    assert!(listings <= 3, "{listings} pages were asked for");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_answer_is_refused_past_8_mib_with_a_clear_error() {
    for (faults, shape) in [
        ("GET /api/v2/organizations=huge", "a 10 MiB page"),
        ("GET /api/v2/organizations=400+huge", "a 10 MiB error"),
    ] {
        let sandbox = sandbox(SandboxOptions {
            faults: faults.parse().unwrap(),
            ..SandboxOptions::default()
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_for(&settings(&sandbox), &dir);
        let err = portal.organizations_page(None, 50).await.unwrap_err();
        assert!(
            err.message().contains("more than 8 MiB"),
            "{shape}: {err:?}"
        );
        assert!(
            err.message().len() < 500,
            "{shape}: {} bytes",
            err.message().len()
        );
        sandbox.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_that_never_expire_neither_overflow_the_cache_nor_panic_the_checks() {
    // The tenant answers every token with expires_in and exp of u64::MAX.
    let sandbox = sandbox(SandboxOptions {
        faults: "POST /oauth/token=forever".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    // The Management token is cached with a capped lifetime: two calls, one token.
    let org = portal.find_organization("acme").await.unwrap();
    portal.list_keys(&org.id).await.unwrap();
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    let report = portal
        .test_token(TokenRequest {
            client_id: key.client_id.clone(),
            client_secret: key.client_secret.clone(),
            organization: Some(org.id.clone()),
            audience: None,
        })
        .await
        .unwrap();
    let shown = format!("{:?}", report.checks);
    assert!(shown.contains("out of range"), "{shown}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_reported_at_once_not_retried() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings = Settings::for_tenant(
        &format!("http://127.0.0.1:{port}"),
        "admin",
        Secret::new("secret".to_owned()),
        "https://api.example.com",
        "read:reports",
    );
    settings.sandbox = false;
    let dir = tempfile::tempdir().unwrap();
    // With a minute of backoff, any retry of the refusal would blow the timeout below.
    let portal = Portal::with_options(
        &settings,
        PortalOptions {
            audit_log: Some(dir.path().join("audit.jsonl")),
            retry: Some(m2m_portal::auth0::RetryPolicy {
                backoff: std::time::Duration::from_secs(60),
                ..m2m_portal::auth0::RetryPolicy::default()
            }),
        },
    )
    .unwrap();
    let error = tokio::time::timeout(std::time::Duration::from_secs(20), portal.sign_in())
        .await
        .expect("a refusal is not retried")
        .unwrap_err();
    assert!(error.message().contains("cannot reach Auth0"), "{error:?}");
    assert!(error.message().contains("refused"), "{error:?}");
    let hint = error.hint().unwrap_or_default();
    assert!(hint.contains("Nothing accepts connections"), "{hint}");
    assert!(hint.contains("PLUGIN_AUTH0_M2M_DOMAIN"), "{hint}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_secret_hint_names_no_headless_only_variable_or_flag() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let key = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    let error = portal
        .test_token(TokenRequest {
            client_id: key.client_id.clone(),
            client_secret: Secret::new("wrong".to_owned()),
            organization: Some(org.id.clone()),
            audience: None,
        })
        .await
        .unwrap_err();
    let hint = error.hint().unwrap_or_default();
    assert!(hint.contains("client id and secret"), "{hint}");
    // The TUI shows this hint too: no CLI-only variable or flag in it.
    assert!(!hint.contains("M2M_CLIENT_SECRET"), "{hint}");
    assert!(!hint.contains("--"), "{hint}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_demo_key_has_a_creation_time() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("globex").await.unwrap();
    let keys = portal.list_keys(&org.id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].created_at.as_deref(), Some("2026-11-01T09:30:00Z"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_names_are_unique_per_organization() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_for(&settings(&sandbox), &dir);
    let org = portal.find_organization("acme").await.unwrap();
    let first = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    let second = portal
        .provision_key(&org.id, None, &no_progress())
        .await
        .unwrap();
    assert_ne!(first.client_name, second.client_name);
    assert_eq!(second.client_name, format!("{} #2", first.client_name));

    // An explicit name another key has is refused before anything is created.
    let before = portal_clients(&sandbox, &org.id).len();
    let err = portal
        .provision_key(&org.id, Some(&first.client_name), &no_progress())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("name_taken"), "{err:?}");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(portal_clients(&sandbox, &org.id).len(), before);
    assert_requests_match_schema(&sandbox);
    sandbox.shutdown().await;
}

/// `read_only = true` (a profile, or `--read-only`) is a rule of the portal: every
/// change use case refuses before sending anything, so both faces obey it, and
/// reads still work. The tenant is unchanged and the audit log stays empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_profile_refuses_every_change_in_the_portal_and_still_reads() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&sandbox);
    settings.read_only = true;
    settings.profile = Some("prod".to_owned());
    let portal = portal_for(&settings, &dir);
    let before = sandbox.snapshot();

    let orgs = portal.organizations_page(None, 10).await.unwrap();
    let org = orgs.organizations[0].clone();
    let keys = portal.list_keys(&org.id).await.unwrap();
    let refusals = [
        portal
            .provision_key(&org.id, None, &no_progress())
            .await
            .map(|_| ()),
        portal.create_organization("newco", None).await.map(|_| ()),
        portal.rotate_secret("some-client").await.map(|_| ()),
        portal.revoke_key(&org.id, "some-client").await.map(|_| ()),
        portal
            .add_member(&org.id, "someone@example.com")
            .await
            .map(|_| ()),
        portal
            .remove_member(&org.id, "someone@example.com")
            .await
            .map(|_| ()),
        portal
            .invite(&org.id, "someone@example.com")
            .await
            .map(|_| ()),
        portal.revoke_invitation(&org.id, "uinv_x").await,
    ];
    for refusal in refusals {
        let error = refusal.expect_err("a read-only profile changes nothing");
        assert_eq!(error.code(), Some("read_only"), "{error:?}");
        assert!(error.message().contains("profile prod"), "{error:?}");
        assert_eq!(error.exit_code(), 2);
    }
    assert_eq!(sandbox.snapshot(), before, "the tenant is unchanged");
    assert_eq!(portal.list_keys(&org.id).await.unwrap().len(), keys.len());
    assert!(
        std::fs::read_to_string(dir.path().join("audit.jsonl"))
            .unwrap_or_default()
            .is_empty(),
        "nothing was done, so nothing is audited"
    );
    sandbox.shutdown().await;
}
