//! The sandbox's token endpoint, JWKS, discovery and device flow, over real HTTP.
#![allow(clippy::unwrap_used)]

mod common;
mod sandbox_support;

use base64::Engine;
use m2m_portal::sandbox::{SandboxOptions, Seed};
use sandbox_support::{Tenant, start, start_default, token};
use serde_json::{Value, json};

#[tokio::test]
async fn three_provisioning_calls_give_a_key_whose_token_carries_the_org_and_verifies() {
    let tenant = start_default().await;
    let org = tenant.org_id("initech").await;
    let (client_id, secret, _) = tenant.provision(&org).await;

    let answer = tenant.api_token(&client_id, &secret, Some(&org)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 86400);
    let access_token = answer.body["access_token"].as_str().unwrap();
    let claims = tenant
        .verify(access_token, &tenant.sandbox.api_audience())
        .await;
    assert_eq!(claims["org_id"], org.as_str());
    assert_eq!(claims["sub"], format!("{client_id}@clients"));
    assert_eq!(claims["azp"], client_id.as_str());
    assert_eq!(claims["gty"], "client-credentials");
    assert_eq!(claims["iss"], format!("{}/", tenant.base()));
    assert_eq!(claims["scope"], tenant.sandbox.api_scope().as_str());
    assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());

    // Without the organization parameter the client's default organization is used.
    let by_default = tenant.api_token(&client_id, &secret, None).await;
    assert_eq!(by_default.status, 200, "{}", by_default.body);
    let claims = tenant
        .verify(
            by_default.body["access_token"].as_str().unwrap(),
            &tenant.sandbox.api_audience(),
        )
        .await;
    assert_eq!(claims["org_id"], org.as_str());

    // The organization may be named instead of given by id.
    let by_name = tenant.api_token(&client_id, &secret, Some("initech")).await;
    assert_eq!(by_name.status, 200, "{}", by_name.body);
}

async fn grant(
    tenant: &Tenant,
    usage: &str,
    default_org: Option<&str>,
) -> (String, String, String) {
    let mut body = json!({"name": format!("key {usage}"), "app_type": "non_interactive", "grant_types": ["client_credentials"]});
    if let Some(org) = default_org {
        body["default_organization"] =
            json!({"organization_id": org, "flows": ["client_credentials"]});
    }
    let client = tenant.post("/clients", body).await;
    assert_eq!(client.status, 201, "{}", client.body);
    let client_id = client.body["client_id"].as_str().unwrap().to_owned();
    let secret = client.body["client_secret"].as_str().unwrap().to_owned();
    let grant = tenant
        .post(
            "/client-grants",
            json!({"client_id": client_id, "audience": tenant.sandbox.api_audience(), "scope": ["read:reports"], "organization_usage": usage}),
        )
        .await;
    assert_eq!(grant.status, 201, "{}", grant.body);
    (
        client_id,
        secret,
        grant.body["id"].as_str().unwrap().to_owned(),
    )
}

async fn claims_of(tenant: &Tenant, answer: &sandbox_support::Answer) -> Value {
    assert_eq!(answer.status, 200, "{}", answer.body);
    tenant
        .verify(
            answer.body["access_token"].as_str().unwrap(),
            &tenant.sandbox.api_audience(),
        )
        .await
}

#[tokio::test]
async fn org_id_is_present_exactly_when_the_grant_and_link_allow_it() {
    let tenant = start_default().await;
    let hooli = tenant.org_id("hooli").await;
    let acme = tenant.org_id("acme").await;

    // deny: never an org_id; asking for one is refused.
    let (id, secret, _) = grant(&tenant, "deny", None).await;
    let claims = claims_of(&tenant, &tenant.api_token(&id, &secret, None).await).await;
    assert!(claims.get("org_id").is_none());
    let refused = tenant.api_token(&id, &secret, Some(&hooli)).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["error"], "invalid_request");

    // allow: no org_id without an organization, org_id with a linked one, refused with an unlinked one.
    let (id, secret, grant_id) = grant(&tenant, "allow", None).await;
    let link = tenant
        .post(
            &format!("/organizations/{hooli}/client-grants"),
            json!({"grant_id": grant_id}),
        )
        .await;
    assert_eq!(link.status, 201);
    let claims = claims_of(&tenant, &tenant.api_token(&id, &secret, None).await).await;
    assert!(claims.get("org_id").is_none());
    let claims = claims_of(&tenant, &tenant.api_token(&id, &secret, Some(&hooli)).await).await;
    assert_eq!(claims["org_id"], hooli.as_str());
    let unlinked = tenant.api_token(&id, &secret, Some(&acme)).await;
    assert_eq!(unlinked.status, 403);
    assert_eq!(unlinked.body["error"], "access_denied");

    // require: no usable organization is refused, Auth0 style.
    let (id, secret, grant_id) = grant(&tenant, "require", None).await;
    let none = tenant.api_token(&id, &secret, None).await;
    assert_eq!(none.status, 400, "{}", none.body);
    assert_eq!(none.body["error"], "invalid_request");
    assert!(
        none.body["error_description"]
            .as_str()
            .unwrap()
            .contains("organization")
    );
    let not_linked = tenant.api_token(&id, &secret, Some(&acme)).await;
    assert_eq!(not_linked.status, 403);
    tenant
        .post(
            &format!("/organizations/{acme}/client-grants"),
            json!({"grant_id": grant_id}),
        )
        .await;
    let claims = claims_of(&tenant, &tenant.api_token(&id, &secret, Some("acme")).await).await;
    assert_eq!(claims["org_id"], acme.as_str());

    // An unknown organization is refused.
    let unknown = tenant
        .api_token(&id, &secret, Some("org_doesnotexist00"))
        .await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn token_endpoint_errors_look_like_auth0() {
    let tenant = start_default().await;
    let base = tenant.base();
    let admin = tenant.sandbox.admin_client_id();
    let audience = tenant.sandbox.api_audience();

    let bad_secret = token(
        &tenant.http,
        &base,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &admin),
            ("client_secret", "nope"),
            ("audience", &audience),
        ],
    )
    .await;
    assert_eq!(bad_secret.status, 401);
    assert_eq!(
        bad_secret.body,
        json!({"error": "access_denied", "error_description": "Unauthorized"})
    );

    let secret = tenant.sandbox.admin_client_secret();
    let unknown_api = token(
        &tenant.http,
        &base,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &admin),
            ("client_secret", secret.expose_secret()),
            ("audience", "https://api.unknown.example"),
        ],
    )
    .await;
    assert_eq!(unknown_api.status, 403);
    assert_eq!(
        unknown_api.body["error_description"],
        "Service not enabled within domain: https://api.unknown.example"
    );

    let management = format!("{base}/api/v2/");
    let no_scope = token(
        &tenant.http,
        &base,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &admin),
            ("client_secret", secret.expose_secret()),
            ("audience", &management),
            ("scope", "read:organizations read:client_keys"),
        ],
    )
    .await;
    assert_eq!(no_scope.status, 403);
    assert_eq!(
        no_scope.body["error_description"],
        "Client has not been granted scopes: read:client_keys"
    );

    let no_grant_type = token(&tenant.http, &base, &[("client_id", &admin)]).await;
    assert_eq!(no_grant_type.status, 400);
    assert_eq!(no_grant_type.body["error"], "invalid_request");

    let password = token(&tenant.http, &base, &[("grant_type", "password")]).await;
    assert_eq!(password.body["error"], "unsupported_grant_type");

    let garbage = tenant
        .http
        .post(format!("{base}/oauth/token"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    let body: Value = garbage.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn json_bodies_and_basic_authentication_are_accepted() {
    let tenant = start_default().await;
    let base = tenant.base();
    let admin = tenant.sandbox.admin_client_id();
    let secret = tenant.sandbox.admin_client_secret();
    let json_body = tenant
        .http
        .post(format!("{base}/oauth/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": admin, "client_secret": secret.expose_secret(), "audience": format!("{base}/api/v2/")}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), 200);

    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{admin}:{}", secret.expose_secret()));
    let answer = tenant
        .http
        .post(format!("{base}/oauth/token"))
        .header("authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("audience", &format!("{base}/api/v2/")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    let claims = tenant
        .verify(
            body["access_token"].as_str().unwrap(),
            &format!("{base}/api/v2/"),
        )
        .await;
    assert!(claims["scope"].as_str().unwrap().contains("create:clients"));
    assert!(
        !claims["scope"]
            .as_str()
            .unwrap()
            .contains("read:client_keys")
    );
}

#[tokio::test]
async fn after_rotation_old_and_new_secrets_both_work_for_a_while() {
    let tenant = start_default().await;
    let org = tenant.org_id("globex").await;
    let (client_id, old_secret, _) = tenant.provision(&org).await;
    let rotated = tenant
        .post(&format!("/clients/{client_id}/rotate-secret"), json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = rotated.body["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, old_secret);
    assert_eq!(rotated.body["client_id"], client_id.as_str());
    assert_eq!(
        tenant.api_token(&client_id, new_secret, None).await.status,
        200
    );
    assert_eq!(
        tenant.api_token(&client_id, &old_secret, None).await.status,
        200
    );
    assert_eq!(
        tenant.api_token(&client_id, "wrong", None).await.status,
        401
    );
    // Once the grace period is over only the new secret works.
    tenant.sandbox.expire_previous_secrets();
    assert_eq!(
        tenant.api_token(&client_id, &old_secret, None).await.status,
        401
    );
    assert_eq!(
        tenant.api_token(&client_id, new_secret, None).await.status,
        200
    );
    // The secret is never readable afterwards without read:client_keys.
    let read = tenant.get(&format!("/clients/{client_id}")).await;
    assert!(read.body.get("client_secret").is_none());
}

#[tokio::test]
async fn expired_tokens_are_refused_and_fresh_ones_accepted() {
    let mut tenant = start_default().await;
    assert_eq!(tenant.get("/organizations").await.status, 200);
    tenant.sandbox.expire_tokens();
    let refused = tenant.get("/organizations").await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body["message"], "Invalid token.");
    tenant.token = sandbox_support::admin_token(&tenant.http, &tenant.sandbox).await;
    assert_eq!(tenant.get("/organizations").await.status, 200);
}

#[tokio::test]
async fn jwks_and_discovery_describe_the_tenant() {
    let tenant = start_default().await;
    let base = tenant.base();
    let jwks: Value = tenant
        .http
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    assert!(key["x5c"][0].as_str().unwrap().len() > 500);
    assert!(!key["x5t"].as_str().unwrap().is_empty());
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key["n"].as_str().unwrap())
        .unwrap();
    assert_eq!(n.len(), 256, "a 2048-bit modulus");

    let config: Value = tenant
        .http
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["issuer"], format!("{base}/"));
    assert_eq!(config["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(config["jwks_uri"], format!("{base}/.well-known/jwks.json"));
    assert_eq!(
        config["device_authorization_endpoint"],
        format!("{base}/oauth/device/code")
    );
}

async fn device_code(tenant: &Tenant) -> Value {
    let response = tenant
        .http
        .post(format!("{}/oauth/device/code", tenant.base()))
        .form(&[
            // The device flow is for the native login application (as on Auth0).
            ("client_id", tenant.sandbox.native_client_id().as_str()),
            ("scope", "openid profile email"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn poll(tenant: &Tenant, device: &Value) -> sandbox_support::Answer {
    token(
        &tenant.http,
        &tenant.base(),
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device["device_code"].as_str().unwrap()),
            ("client_id", &tenant.sandbox.native_client_id()),
        ],
    )
    .await
}

#[tokio::test]
async fn device_flow_goes_pending_slow_down_then_approved() {
    let tenant = start_default().await;
    let device = device_code(&tenant).await;
    assert_eq!(device["interval"], 5);
    assert_eq!(device["expires_in"], 900);
    assert_eq!(
        device["verification_uri"],
        format!("{}/activate", tenant.base())
    );
    let user_code = device["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);

    let pending = poll(&tenant, &device).await;
    assert_eq!(pending.status, 403);
    assert_eq!(pending.body["error"], "authorization_pending");
    let fast = poll(&tenant, &device).await;
    assert_eq!(fast.status, 429);
    assert_eq!(fast.body["error"], "slow_down");

    // The approval page shows the code and approving through it works.
    let page = tenant
        .http
        .get(device["verification_uri_complete"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(user_code));
    let approved = tenant
        .http
        .post(format!("{}/activate", tenant.base()))
        .form(&[("user_code", user_code), ("action", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);

    let done = poll(&tenant, &device).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body["id_token"].is_string());
    let scope = done.body["scope"].as_str().unwrap();
    assert!(
        !scope.contains("create:clients"),
        "a person's token never has admin scopes"
    );
    // A device code is used once.
    assert_eq!(poll(&tenant, &device).await.body["error"], "invalid_grant");
}

#[tokio::test]
async fn device_flow_denied_and_expired() {
    let tenant = start_default().await;
    let denied = device_code(&tenant).await;
    assert!(
        tenant
            .sandbox
            .deny_device(denied["user_code"].as_str().unwrap())
    );
    let answer = poll(&tenant, &denied).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body["error"], "access_denied");

    let expired = device_code(&tenant).await;
    tenant.sandbox.expire_device_codes();
    let answer = poll(&tenant, &expired).await;
    assert_eq!(answer.body["error"], "expired_token");
    assert!(
        !tenant
            .sandbox
            .approve_device(expired["user_code"].as_str().unwrap())
    );
    assert!(!tenant.sandbox.approve_device("NOPE-NOPE"));
}

#[tokio::test]
async fn tokens_from_a_restarted_tenant_with_state_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant.json");
    let options = SandboxOptions {
        state_file: Some(path.clone()),
        seed: Seed::Empty,
        ..SandboxOptions::default()
    };
    let first = start(options.clone()).await;
    let jwks_before: Value = first
        .http
        .get(format!("{}/.well-known/jwks.json", first.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let Tenant { sandbox, .. } = first;
    // Checks the first run's exchanges against Auth0's schema, then stops it.
    sandbox.finish().await;
    let second = common::TestSandbox::with_options(options).await;
    let jwks_after: Value = reqwest::get(format!("{}/.well-known/jwks.json", second.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks_before["keys"][0]["n"], jwks_after["keys"][0]["n"]);
}
