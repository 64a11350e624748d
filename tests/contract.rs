//! Contract tests: the sandbox answers like Auth0.
//!
//! For every example in `tests/fixtures/auth0/*.json` that has a status, the
//! table below says how to provoke that answer from a fresh sandbox; the answer
//! must have the same status, the headers the example shows, and a body with at
//! least the example's fields, of the same JSON types, recursively. Every
//! Management API exchange of every case is also checked against Auth0's schema
//! (by `TestSandbox`). Run one case with `CONTRACT_CASE=<file> cargo test --test contract`.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use common::fixtures::{Fixture, all_fixtures, fixture};
use common::shape::shape_mismatches;
use common::{
    Reply, TestSandbox, admin_token, encode, http, management_audience, mgmt_get, mgmt_post,
    mgmt_post_empty, token_request,
};
use m2m_portal::sandbox::{SandboxOptions, Seed};
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;

/// What a case hands back: the answer to compare and the sandbox to check and stop.
type Outcome = (Reply, TestSandbox);
type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// How to provoke one example's answer.
struct Case {
    /// The example's file name.
    fixture: &'static str,
    /// Fields of the example that may be missing, because Auth0's documentation
    /// marks them optional (paths as in `shape_mismatches`).
    optional: &'static [&'static str],
    /// Starts a sandbox, sets the scene, makes the request.
    run: fn() -> CaseFuture,
}

macro_rules! case {
    ($fixture:literal, $run:ident) => {
        case!($fixture, [], $run)
    };
    ($fixture:literal, [$($optional:literal),*], $run:ident) => {
        Case {
            fixture: $fixture,
            optional: &[$($optional),*],
            run: || Box::pin($run()),
        }
    };
}

/// The table: one row per example with a status.
fn cases() -> Vec<Case> {
    vec![
        case!("access-token-claims.json", access_token_claims),
        case!(
            "client-create-unknown-field.json",
            client_create_unknown_field
        ),
        case!("client-create.json", client_create),
        case!("client-get-fields.json", client_get_fields),
        case!("client-grant-conflict.json", client_grant_conflict),
        case!("client-grant-create.json", client_grant_create),
        case!("client-grants-list.json", client_grants_list),
        case!("client-not-found.json", client_not_found),
        case!("client-rotate-secret.json", client_rotate_secret),
        case!("clients-by-organization.json", clients_by_organization),
        case!("device-code.json", device_code),
        case!("device-pending.json", device_pending),
        case!("device-slow-down.json", device_slow_down),
        // README: keys are `{kty, use, alg, kid, n, e, x5c?, x5t?}`.
        case!("jwks.json", ["/keys/*/x5c", "/keys/*/x5t"], jwks),
        case!(
            "management-insufficient-scope.json",
            management_insufficient_scope
        ),
        case!("management-invalid-token.json", management_invalid_token),
        case!(
            "management-m2m-orgs-not-entitled.json",
            management_m2m_orgs_not_entitled
        ),
        case!("management-rate-limited.json", management_rate_limited),
        case!("openid-configuration.json", openid_configuration),
        case!("organization-bad-name.json", organization_bad_name),
        case!(
            "organization-client-grant-already.json",
            organization_client_grant_already
        ),
        case!(
            "organization-client-grant-associate.json",
            organization_client_grant_associate
        ),
        case!(
            "organization-client-grant-quota.json",
            organization_client_grant_quota
        ),
        case!(
            "organization-client-grants-list.json",
            organization_client_grants_list
        ),
        case!("organization-conflict.json", organization_conflict),
        case!("organization-create.json", organization_create),
        case!("organization-get.json", organization_get),
        case!("organization-members.json", organization_members),
        case!(
            "organizations-list-checkpoint-last.json",
            organizations_list_checkpoint_last
        ),
        case!(
            "organizations-list-checkpoint.json",
            organizations_list_checkpoint
        ),
        case!("organizations-list-totals.json", organizations_list_totals),
        case!("organizations-list.json", organizations_list),
        case!(
            "organizations-paging-over-cap.json",
            organizations_paging_over_cap
        ),
        case!("resource-server-get.json", resource_server_get),
        case!("resource-server-not-found.json", resource_server_not_found),
        case!("token-client-credentials.json", token_client_credentials),
        case!("token-error-bad-secret.json", token_error_bad_secret),
        case!("token-error-no-scope.json", token_error_no_scope),
        case!("token-error-rate-limited.json", token_error_rate_limited),
        case!(
            "token-error-unknown-audience.json",
            token_error_unknown_audience
        ),
        case!("users-by-email.json", users_by_email),
    ]
}

#[test]
fn every_example_with_a_status_has_a_contract_case() {
    let cases = cases();
    let covered: Vec<&str> = cases.iter().map(|c| c.fixture).collect();
    let examples = all_fixtures();
    let missing: Vec<&str> = examples
        .iter()
        .filter(|f| f.status.is_some() && !covered.contains(&f.name.as_str()))
        .map(|f| f.name.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "examples without a contract case (add a row to `cases()`): {missing:?}"
    );
    for name in covered {
        let example = examples.iter().find(|f| f.name == name);
        assert!(
            example.is_some_and(|f| f.status.is_some()),
            "the case for {name} names no example with a status"
        );
    }
}

#[test]
fn a_wrong_status_a_missing_header_or_another_shape_is_reported() {
    let example = fixture("management-rate-limited.json");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-ratelimit-limit", "2".parse().unwrap());
    headers.insert("x-ratelimit-reset", "soon".parse().unwrap());
    let body = json!({"statusCode": 429, "error": "Too many requests", "message": "slow down"});
    let reply = Reply {
        status: 503,
        headers,
        text: body.to_string(),
        body,
    };
    let found = compare(&example, &reply, &[]);
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("status: expected 429, got 503")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("header x-ratelimit-remaining: missing")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("header x-ratelimit-reset: expected a number")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("body /errorCode: missing")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("header content-type: expected application/json")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m == r#"body /error: expected "Too Many Requests", got "Too many requests""#),
        "{found:?}"
    );
    assert_eq!(found.len(), 6, "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_answers_every_example_with_its_status_and_shape() {
    let only = std::env::var("CONTRACT_CASE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases() {
        if only.as_deref().is_some_and(|name| name != case.fixture) {
            continue;
        }
        ran += 1;
        let example = fixture(case.fixture);
        let optional = case.optional;
        // Each case in its own task, so one case's panic is reported, not fatal to the rest.
        let outcome = tokio::spawn(async move {
            let (reply, sandbox) = (case.run)().await;
            let mismatches = compare(&example, &reply, optional);
            let contract = sandbox.stop().await.err();
            (mismatches, contract)
        })
        .await;
        match outcome {
            Ok((mismatches, contract)) => {
                let mut lines = mismatches;
                lines.extend(contract);
                if !lines.is_empty() {
                    failures.push(format!("{}:\n  {}", case.fixture, lines.join("\n  ")));
                }
            }
            Err(error) => failures.push(format!(
                "{}: the case panicked: {}",
                case.fixture,
                panic_text(error)
            )),
        }
    }
    assert!(ran > 0, "CONTRACT_CASE={only:?} names no case");
    assert!(
        failures.is_empty(),
        "{} of {ran} contract cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Fields whose value, not only type, must be the example's: clients branch on them.
const SAME_VALUE: &[&str] = &[
    "error",
    "errorCode",
    "statusCode",
    "token_type",
    "gty",
    "app_type",
    "organization_usage",
    "allow_any_organization",
    "subject_type",
];

/// Status, headers, body shape and deciding values of an answer against its example.
fn compare(example: &Fixture, reply: &Reply, optional: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let expected_status = example.status.unwrap_or_default();
    if reply.status != expected_status {
        out.push(format!(
            "status: expected {expected_status}, got {} (body: {})",
            reply.status,
            reply.text.chars().take(300).collect::<String>()
        ));
    }
    for (name, value) in &example.headers {
        match reply.header(name) {
            None => out.push(format!("header {name}: missing (expected like {value:?})")),
            Some(got) => {
                let numeric = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
                if numeric(value) && !numeric(got) {
                    out.push(format!(
                        "header {name}: expected a number like {value:?}, got {got:?}"
                    ));
                }
            }
        }
    }
    let content_type = reply.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/json") {
        out.push(format!(
            "header content-type: expected application/json, got {content_type:?}"
        ));
    }
    if reply.body.is_null() && !example.body.is_null() {
        out.push(format!(
            "body: expected JSON, got {:?}",
            reply.text.chars().take(300).collect::<String>()
        ));
    } else {
        out.extend(
            shape_mismatches(&example.body, &reply.body, optional)
                .into_iter()
                .map(|m| format!("body {m}")),
        );
        for field in SAME_VALUE {
            let (Some(want), Some(got)) = (example.body.get(field), reply.body.get(field)) else {
                continue;
            };
            if want != got {
                out.push(format!("body /{field}: expected {want}, got {got}"));
            }
        }
    }
    out
}

fn panic_text(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "(no message)".to_owned()),
        Err(error) => error.to_string(),
    }
}

// ---- setting the scene ---------------------------------------------------------

/// A tenant with the admin app and the customer API only, and an admin token.
async fn empty_tenant() -> (TestSandbox, String) {
    tenant(SandboxOptions {
        seed: Seed::Empty,
        ..SandboxOptions::default()
    })
    .await
}

async fn tenant(options: SandboxOptions) -> (TestSandbox, String) {
    let sandbox = TestSandbox::with_options(options).await;
    let token = admin_token(&sandbox).await;
    (sandbox, token)
}

/// Replaces `from` by `to` in every string of a JSON value (example ids → real ids).
fn replace_in_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) => *text = text.replace(from, to),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| replace_in_strings(v, from, to)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| replace_in_strings(v, from, to)),
        _ => {}
    }
}

/// `POST /organizations` with the example request body, under another name.
async fn create_organization(sandbox: &TestSandbox, token: &str, name: &str) -> Value {
    let mut body = fixture("organization-create-request.json").body;
    body["name"] = json!(name);
    let reply = mgmt_post(sandbox, token, "/organizations", &body).await;
    reply.expect_status(201).clone()
}

/// An organization with metadata and branding, like the `organization-get.json` example.
async fn create_branded_organization(sandbox: &TestSandbox, token: &str, name: &str) -> Value {
    let mut body = fixture("organization-get.json").body;
    body.as_object_mut().unwrap().remove("id");
    body["name"] = json!(name);
    let reply = mgmt_post(sandbox, token, "/organizations", &body).await;
    reply.expect_status(201).clone()
}

/// `POST /clients` with the example request body, for this organization.
async fn create_client_reply(sandbox: &TestSandbox, token: &str, org_id: &str) -> Reply {
    let mut body = fixture("client-create-request.json").body;
    replace_in_strings(&mut body, "org_vIK75NKFvaozQsFy", org_id);
    mgmt_post(sandbox, token, "/clients", &body).await
}

async fn create_client(sandbox: &TestSandbox, token: &str, org_id: &str) -> Value {
    create_client_reply(sandbox, token, org_id)
        .await
        .expect_status(201)
        .clone()
}

/// `POST /client-grants` with the example request body, for this client and the sandbox's API.
async fn create_grant_reply(sandbox: &TestSandbox, token: &str, client_id: &str) -> Reply {
    let mut body = fixture("client-grant-create-request.json").body;
    body["client_id"] = json!(client_id);
    body["audience"] = json!(sandbox.api_audience());
    body["scope"] = json!(sandbox.api_scope().split_whitespace().collect::<Vec<_>>());
    mgmt_post(sandbox, token, "/client-grants", &body).await
}

async fn create_grant(sandbox: &TestSandbox, token: &str, client_id: &str) -> Value {
    create_grant_reply(sandbox, token, client_id)
        .await
        .expect_status(201)
        .clone()
}

/// `POST /organizations/{id}/client-grants` with the example request body.
async fn link_grant(sandbox: &TestSandbox, token: &str, org_id: &str, grant_id: &str) -> Reply {
    let mut body = fixture("organization-client-grant-associate-request.json").body;
    body["grant_id"] = json!(grant_id);
    mgmt_post(
        sandbox,
        token,
        &format!("/organizations/{org_id}/client-grants"),
        &body,
    )
    .await
}

/// One provisioned key: organization, client (with its secret) and a linked grant.
struct Key {
    org_id: String,
    client_id: String,
    client_secret: String,
    grant_id: String,
}

async fn provision(sandbox: &TestSandbox, token: &str, org_name: &str) -> Key {
    let org = create_organization(sandbox, token, org_name).await;
    let org_id = text(&org["id"]);
    let client = create_client(sandbox, token, &org_id).await;
    let client_id = text(&client["client_id"]);
    let grant = create_grant(sandbox, token, &client_id).await;
    let grant_id = text(&grant["id"]);
    link_grant(sandbox, token, &org_id, &grant_id)
        .await
        .expect_status(201);
    Key {
        org_id,
        client_id,
        client_secret: text(&client["client_secret"]),
        grant_id,
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

async fn get(sandbox: &TestSandbox, path: &str) -> Reply {
    let response = http()
        .get(format!("{}{path}", sandbox.base_url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path} failed: {e}"));
    Reply::read(response).await
}

async fn post_form(sandbox: &TestSandbox, path: &str, form: &[(&str, &str)]) -> Reply {
    let response = http()
        .post(format!("{}{path}", sandbox.base_url()))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path} failed: {e}"));
    Reply::read(response).await
}

/// Decodes one dot-separated part of a JWT.
fn jwt_part(token: &str, index: usize) -> Value {
    let part = token
        .split('.')
        .nth(index)
        .unwrap_or_else(|| panic!("not a JWT: {token}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap_or_else(|e| panic!("JWT part {index} is not base64url: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("JWT part {index} is not JSON: {e}"))
}

// ---- tokens, discovery, device flow -------------------------------------------

async fn access_token_claims() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let key = provision(&sandbox, &token, "globex").await;
    let audience = sandbox.api_audience();
    let reply = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &key.client_id),
            ("client_secret", &key.client_secret),
            ("audience", &audience),
            ("organization", &key.org_id),
        ],
    )
    .await;
    let access_token = text(&reply.expect_status(200)["access_token"]);
    let header = jwt_part(&access_token, 0);
    assert_eq!(header["alg"], "RS256", "token header {header}");
    assert!(
        header["kid"].is_string(),
        "token header without kid: {header}"
    );
    let claims = jwt_part(&access_token, 1);
    assert_eq!(claims["org_id"], json!(key.org_id), "claims {claims}");
    let decoded = Reply {
        body: claims.clone(),
        text: claims.to_string(),
        ..reply
    };
    (decoded, sandbox)
}

async fn token_client_credentials() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let secret = sandbox.admin_client_secret();
    let audience = management_audience(&sandbox);
    let reply = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sandbox.admin_client_id()),
            ("client_secret", secret.expose_secret()),
            ("audience", &audience),
        ],
    )
    .await;
    (reply, sandbox)
}

async fn token_error_bad_secret() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let audience = management_audience(&sandbox);
    let reply = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sandbox.admin_client_id()),
            ("client_secret", "not-the-secret"),
            ("audience", &audience),
        ],
    )
    .await;
    (reply, sandbox)
}

async fn token_error_no_scope() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let secret = sandbox.admin_client_secret();
    let audience = management_audience(&sandbox);
    let reply = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sandbox.admin_client_id()),
            ("client_secret", secret.expose_secret()),
            ("audience", &audience),
            ("scope", "write:invoices"),
        ],
    )
    .await;
    (reply, sandbox)
}

async fn token_error_unknown_audience() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let secret = sandbox.admin_client_secret();
    let reply = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sandbox.admin_client_id()),
            ("client_secret", secret.expose_secret()),
            ("audience", "https://api.unknown.example"),
        ],
    )
    .await;
    (reply, sandbox)
}

async fn token_error_rate_limited() -> Outcome {
    // The sandbox limits the token endpoint only through injected faults.
    let sandbox = TestSandbox::with_options(SandboxOptions {
        seed: Seed::Empty,
        faults: "POST /oauth/token=429@first:1".parse().unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    let secret = sandbox.admin_client_secret();
    let audience = management_audience(&sandbox);
    let reply = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sandbox.admin_client_id()),
            ("client_secret", secret.expose_secret()),
            ("audience", &audience),
        ],
    )
    .await;
    (reply, sandbox)
}

async fn openid_configuration() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let reply = get(&sandbox, "/.well-known/openid-configuration").await;
    (reply, sandbox)
}

async fn jwks() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let reply = get(&sandbox, "/.well-known/jwks.json").await;
    for key in reply.body["keys"].as_array().into_iter().flatten() {
        assert_eq!(
            (&key["kty"], &key["use"], &key["alg"]),
            (&json!("RSA"), &json!("sig"), &json!("RS256")),
            "{key}"
        );
    }
    (reply, sandbox)
}

/// `POST /oauth/device/code` as a human admin's sign-in would start it.
async fn start_device_flow(sandbox: &TestSandbox) -> Reply {
    let client_id = sandbox.native_client_id();
    post_form(
        sandbox,
        "/oauth/device/code",
        &[("client_id", &client_id), ("scope", "openid profile email")],
    )
    .await
}

/// One poll of the token endpoint for a device code.
async fn poll_device(sandbox: &TestSandbox, device_code: &str) -> Reply {
    let client_id = sandbox.native_client_id();
    token_request(
        sandbox,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", &client_id),
            ("device_code", device_code),
        ],
    )
    .await
}

async fn device_code() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let reply = start_device_flow(&sandbox).await;
    (reply, sandbox)
}

async fn device_pending() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let started = start_device_flow(&sandbox).await;
    let reply = poll_device(&sandbox, &text(&started.expect_status(200)["device_code"])).await;
    (reply, sandbox)
}

async fn device_slow_down() -> Outcome {
    let (sandbox, _) = empty_tenant().await;
    let started = start_device_flow(&sandbox).await;
    let device_code = text(&started.expect_status(200)["device_code"]);
    // The interval is 5 s: a second poll straight after the first is too fast.
    let first = poll_device(&sandbox, &device_code).await;
    assert_eq!(first.status, 403, "first poll: {}", first.text);
    let reply = poll_device(&sandbox, &device_code).await;
    (reply, sandbox)
}

// ---- Management API: errors ---------------------------------------------------

async fn management_invalid_token() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let garbage = mgmt_get(&sandbox, "not-a-token", "/organizations").await;
    assert_eq!(garbage.status, 401, "a garbage token: {}", garbage.text);
    sandbox.expire_tokens();
    let reply = mgmt_get(&sandbox, &token, "/organizations").await;
    (reply, sandbox)
}

async fn management_insufficient_scope() -> Outcome {
    let (sandbox, token) = tenant(SandboxOptions {
        seed: Seed::Empty,
        admin_scopes: Some(vec![
            "read:organizations".to_owned(),
            "read:clients".to_owned(),
        ]),
        ..SandboxOptions::default()
    })
    .await;
    let client_id = sandbox.admin_client_id();
    let reply = mgmt_post_empty(
        &sandbox,
        &token,
        &format!("/clients/{client_id}/rotate-secret"),
    )
    .await;
    (reply, sandbox)
}

async fn management_m2m_orgs_not_entitled() -> Outcome {
    let (sandbox, token) = tenant(SandboxOptions {
        seed: Seed::Empty,
        m2m_organizations_entitled: false,
        ..SandboxOptions::default()
    })
    .await;
    let org = create_organization(&sandbox, &token, "globex").await;
    let org_id = text(&org["id"]);
    let client = create_client(&sandbox, &token, &org_id).await;
    let grant = create_grant(&sandbox, &token, &text(&client["client_id"])).await;
    let reply = link_grant(&sandbox, &token, &org_id, &text(&grant["id"])).await;
    (reply, sandbox)
}

async fn management_rate_limited() -> Outcome {
    let (sandbox, token) = tenant(SandboxOptions {
        seed: Seed::Empty,
        rate: Some(1),
        ..SandboxOptions::default()
    })
    .await;
    // A burst well beyond a bucket of one request per second.
    let mut last = None;
    for _ in 0..20 {
        let reply = mgmt_get(&sandbox, &token, "/organizations").await;
        let limited = reply.status == 429;
        last = Some(reply);
        if limited {
            break;
        }
    }
    (last.unwrap(), sandbox)
}

async fn client_create_unknown_field() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let reply = mgmt_post(
        &sandbox,
        &token,
        "/clients",
        &json!({"name": "x", "colour": "red"}),
    )
    .await;
    (reply, sandbox)
}

async fn client_not_found() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let reply = mgmt_get(&sandbox, &token, "/clients/nope").await;
    (reply, sandbox)
}

async fn resource_server_get() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    // By identifier (the audience, percent-encoded), as the portal asks; by id too.
    let reply = mgmt_get(
        &sandbox,
        &token,
        "/resource-servers/https%3A%2F%2Fapi.example.com",
    )
    .await;
    let by_id = mgmt_get(
        &sandbox,
        &token,
        &format!("/resource-servers/{}", text(&reply.body["id"])),
    )
    .await;
    assert_eq!(by_id.body, reply.body);
    (reply, sandbox)
}

async fn resource_server_not_found() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let reply = mgmt_get(
        &sandbox,
        &token,
        "/resource-servers/https%3A%2F%2Fwrong.example",
    )
    .await;
    (reply, sandbox)
}

async fn organization_bad_name() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let reply = mgmt_post(
        &sandbox,
        &token,
        "/organizations",
        &json!({"name": "Hooli Inc"}),
    )
    .await;
    (reply, sandbox)
}

async fn organization_conflict() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    create_organization(&sandbox, &token, "hooli").await;
    let body = fixture("organization-create-request.json").body;
    let reply = mgmt_post(&sandbox, &token, "/organizations", &body).await;
    (reply, sandbox)
}

async fn client_grant_conflict() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let org = create_organization(&sandbox, &token, "globex").await;
    let client = create_client(&sandbox, &token, &text(&org["id"])).await;
    let client_id = text(&client["client_id"]);
    create_grant(&sandbox, &token, &client_id).await;
    let reply = create_grant_reply(&sandbox, &token, &client_id).await;
    (reply, sandbox)
}

async fn organization_client_grant_already() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let key = provision(&sandbox, &token, "globex").await;
    let reply = link_grant(&sandbox, &token, &key.org_id, &key.grant_id).await;
    (reply, sandbox)
}

async fn organization_client_grant_quota() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let org = create_organization(&sandbox, &token, "globex").await;
    let org_id = text(&org["id"]);
    // Auth0's public cloud links at most 100 client grants to one organization.
    for n in 0..=100 {
        let client = create_client(&sandbox, &token, &org_id).await;
        let grant = create_grant(&sandbox, &token, &text(&client["client_id"])).await;
        let reply = link_grant(&sandbox, &token, &org_id, &text(&grant["id"])).await;
        if n == 100 {
            return (reply, sandbox);
        }
        assert_eq!(
            reply.status,
            201,
            "link #{} of 100 refused: {}",
            n + 1,
            reply.text
        );
    }
    unreachable!()
}

async fn organizations_paging_over_cap() -> Outcome {
    let (sandbox, token) = tenant(SandboxOptions {
        seed: Seed::Large(1100),
        ..SandboxOptions::default()
    })
    .await;
    let reply = mgmt_get(&sandbox, &token, "/organizations?page=20&per_page=50").await;
    (reply, sandbox)
}

// ---- Management API: organizations --------------------------------------------

async fn organization_create() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let body = fixture("organization-create-request.json").body;
    let reply = mgmt_post(&sandbox, &token, "/organizations", &body).await;
    (reply, sandbox)
}

async fn organization_get() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let org = create_branded_organization(&sandbox, &token, "globex").await;
    let org_id = text(&org["id"]);
    let by_name = mgmt_get(&sandbox, &token, "/organizations/name/globex").await;
    let by_id = mgmt_get(&sandbox, &token, &format!("/organizations/{org_id}")).await;
    // The same example stands for both ways of reading one organization.
    let example = fixture("organization-get.json");
    let by_name_mismatches = compare(&example, &by_name, &[]);
    assert!(
        by_name_mismatches.is_empty(),
        "GET /organizations/name/globex: {by_name_mismatches:?}"
    );
    (by_id, sandbox)
}

/// Three organizations shaped like the list examples' richest element.
async fn three_organizations(sandbox: &TestSandbox, token: &str) {
    for name in ["globex", "initech", "hooli"] {
        create_branded_organization(sandbox, token, name).await;
    }
}

async fn organizations_list() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    three_organizations(&sandbox, &token).await;
    let reply = mgmt_get(&sandbox, &token, "/organizations?page=0&per_page=50").await;
    (reply, sandbox)
}

async fn organizations_list_totals() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    three_organizations(&sandbox, &token).await;
    let reply = mgmt_get(
        &sandbox,
        &token,
        "/organizations?page=0&per_page=2&include_totals=true",
    )
    .await;
    (reply, sandbox)
}

async fn organizations_list_checkpoint() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    three_organizations(&sandbox, &token).await;
    let reply = mgmt_get(&sandbox, &token, "/organizations?take=2").await;
    assert!(
        reply.body["next"].is_string(),
        "a first page of 2 out of 3 without next: {}",
        reply.text
    );
    (reply, sandbox)
}

async fn organizations_list_checkpoint_last() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    three_organizations(&sandbox, &token).await;
    let first = mgmt_get(&sandbox, &token, "/organizations?take=2").await;
    let next = text(&first.expect_status(200)["next"]);
    let reply = mgmt_get(
        &sandbox,
        &token,
        &format!("/organizations?take=50&from={}", encode(&next)),
    )
    .await;
    assert!(
        reply.body.get("next").is_none(),
        "the last page has a next: {}",
        reply.text
    );
    (reply, sandbox)
}

/// The demo tenant's user, by email (the Management API cannot create users).
async fn demo_user(sandbox: &TestSandbox, token: &str) -> Reply {
    let path = format!("/users-by-email?email={}", encode(DEMO_USER_EMAIL));
    mgmt_get(sandbox, token, &path).await
}

/// A user the demo seed holds (as the `users-by-email.json` example does).
const DEMO_USER_EMAIL: &str = "ops@globex.example";

async fn users_by_email() -> Outcome {
    let (sandbox, token) = tenant(SandboxOptions::default()).await;
    let reply = demo_user(&sandbox, &token).await;
    (reply, sandbox)
}

async fn organization_members() -> Outcome {
    let (sandbox, token) = tenant(SandboxOptions::default()).await;
    let users = demo_user(&sandbox, &token).await;
    let user_id = text(&users.expect_status(200)[0]["user_id"]);
    let org = create_organization(&sandbox, &token, "contract-members").await;
    let org_id = text(&org["id"]);
    let members = format!("/organizations/{org_id}/members");
    let added = mgmt_post(&sandbox, &token, &members, &json!({"members": [user_id]})).await;
    assert_eq!(added.status, 204, "adding a member: {}", added.text);
    let reply = mgmt_get(&sandbox, &token, &members).await;
    (reply, sandbox)
}

// ---- Management API: clients and grants ---------------------------------------

async fn client_create() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let org = create_organization(&sandbox, &token, "globex").await;
    let reply = create_client_reply(&sandbox, &token, &text(&org["id"])).await;
    (reply, sandbox)
}

async fn client_get_fields() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let key = provision(&sandbox, &token, "globex").await;
    let path = format!(
        "/clients/{}?fields=client_id,name,description,app_type,client_metadata,default_organization&include_fields=true",
        key.client_id
    );
    let reply = mgmt_get(&sandbox, &token, &path).await;
    assert!(
        reply.body.get("client_secret").is_none(),
        "fields= without client_secret returned it"
    );
    (reply, sandbox)
}

async fn client_rotate_secret() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let key = provision(&sandbox, &token, "globex").await;
    let reply = mgmt_post_empty(
        &sandbox,
        &token,
        &format!("/clients/{}/rotate-secret", key.client_id),
    )
    .await;
    assert_ne!(
        reply.body["client_secret"],
        json!(key.client_secret),
        "rotation kept the secret"
    );
    (reply, sandbox)
}

async fn clients_by_organization() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let key = provision(&sandbox, &token, "globex").await;
    let path = format!(
        "/clients?q={}&take=50&fields=client_id,name,description,app_type,client_metadata&include_fields=true",
        encode(&format!("client_grant.organization_id:{}", key.org_id))
    );
    let reply = mgmt_get(&sandbox, &token, &path).await;
    (reply, sandbox)
}

async fn client_grant_create() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let org = create_organization(&sandbox, &token, "globex").await;
    let client = create_client(&sandbox, &token, &text(&org["id"])).await;
    let reply = create_grant_reply(&sandbox, &token, &text(&client["client_id"])).await;
    (reply, sandbox)
}

async fn client_grants_list() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let key = provision(&sandbox, &token, "globex").await;
    let path = format!(
        "/client-grants?client_id={}&audience={}",
        encode(&key.client_id),
        encode(&sandbox.api_audience())
    );
    let reply = mgmt_get(&sandbox, &token, &path).await;
    (reply, sandbox)
}

async fn organization_client_grant_associate() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let org = create_organization(&sandbox, &token, "globex").await;
    let org_id = text(&org["id"]);
    let client = create_client(&sandbox, &token, &org_id).await;
    let grant = create_grant(&sandbox, &token, &text(&client["client_id"])).await;
    let reply = link_grant(&sandbox, &token, &org_id, &text(&grant["id"])).await;
    (reply, sandbox)
}

async fn organization_client_grants_list() -> Outcome {
    let (sandbox, token) = empty_tenant().await;
    let key = provision(&sandbox, &token, "globex").await;
    let path = format!(
        "/organizations/{}/client-grants?audience={}",
        key.org_id,
        encode(&sandbox.api_audience())
    );
    let reply = mgmt_get(&sandbox, &token, &path).await;
    (reply, sandbox)
}
