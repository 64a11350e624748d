//! Rate limits and injected faults, over real HTTP.
#![allow(clippy::unwrap_used)]

mod common;
mod sandbox_support;

use std::time::{Duration, Instant};

use m2m_portal::sandbox::{FaultSpec, SandboxOptions};
use sandbox_support::{start, start_default};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/auth0/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str::<Value>(&std::fs::read_to_string(path).unwrap()).unwrap()["body"].clone()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn every_management_response_carries_rate_limit_headers() {
    let tenant = start_default().await;
    let ok = tenant.get("/organizations").await;
    let missing = tenant.get("/organizations/org_nope").await;
    let unauthorized = tenant.call_with("GET", "/organizations", None, None).await;
    for answer in [&ok, &missing, &unauthorized] {
        assert!(answer.header("x-ratelimit-limit").is_some());
        assert!(answer.header("x-ratelimit-remaining").is_some());
        let reset: u64 = answer.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset >= now());
    }
}

#[tokio::test]
async fn over_the_rate_the_answer_is_auth0s_429() {
    let tenant = start(SandboxOptions {
        rate: Some(2),
        ..SandboxOptions::default()
    })
    .await;
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(tenant.get("/organizations").await);
    }
    let limited: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert!(
        !limited.is_empty(),
        "a burst of 4 against a bucket of 2 is limited"
    );
    let first = limited[0];
    assert_eq!(first.body, fixture("management-rate-limited.json"));
    assert_eq!(first.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("0"));
    let reset: u64 = first.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset >= now() && reset <= now() + 2);
    assert!(tenant.sandbox.stats().rate_limited >= 1);
    // The token endpoint has its own limits: it is not refused by the Management bucket.
    let token = sandbox_support::admin_token(&tenant.http, &tenant.sandbox).await;
    assert!(!token.is_empty());
}

#[tokio::test]
async fn a_status_fault_for_the_first_calls_then_normal_answers() {
    let tenant = start_default().await;
    tenant
        .sandbox
        .set_faults("GET /api/v2/organizations=503@first:2".parse().unwrap());
    assert_eq!(tenant.get("/organizations").await.status, 503);
    let second = tenant.get("/organizations").await;
    assert_eq!(second.status, 503);
    assert_eq!(second.body["statusCode"], 503);
    assert_eq!(tenant.get("/organizations").await.status, 200);
    // Other methods and paths are not touched.
    assert_eq!(tenant.get("/clients").await.status, 200);
    assert_eq!(tenant.sandbox.stats().faults_injected, 2);
}

#[tokio::test]
async fn probability_faults_fire_always_or_never_at_the_extremes() {
    let tenant = start(SandboxOptions {
        faults: "*/api/v2/client-grants*=429@100%; GET /api/v2/clients=500@0%"
            .parse()
            .unwrap(),
        ..SandboxOptions::default()
    })
    .await;
    for _ in 0..5 {
        let answer = tenant.get("/client-grants").await;
        assert_eq!(answer.status, 429);
        assert_eq!(answer.body, fixture("management-rate-limited.json"));
        assert!(answer.header("x-ratelimit-reset").is_some());
        assert_eq!(tenant.get("/clients").await.status, 200);
    }
}

#[tokio::test]
async fn token_endpoint_faults_look_like_its_errors() {
    let tenant = start_default().await;
    tenant
        .sandbox
        .set_faults("POST /oauth/token=429@first:1".parse().unwrap());
    let answer = sandbox_support::token(
        &tenant.http,
        &tenant.base(),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.body, fixture("token-error-rate-limited.json"));
}

#[tokio::test]
async fn a_delay_fault_slows_the_answer() {
    let tenant = start_default().await;
    tenant.sandbox.set_faults(
        "GET /api/v2/organizations/name/*=delay:300ms"
            .parse()
            .unwrap(),
    );
    let started = Instant::now();
    let answer = tenant.get("/organizations/name/globex").await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_an_answer() {
    let tenant = start_default().await;
    tenant
        .sandbox
        .set_faults("POST /api/v2/organizations=drop@first:1".parse().unwrap());
    let result = tenant
        .http
        .post(format!("{}/api/v2/organizations", tenant.base()))
        .bearer_auth(&tenant.token)
        .json(&serde_json::json!({"name": "dropped"}))
        .send()
        .await;
    let error = result.expect_err("the connection is dropped");
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "{error:?}"
    );
    // The dropped call did nothing; the next one goes through.
    assert_eq!(tenant.get("/organizations/name/dropped").await.status, 404);
    let created = tenant
        .post("/organizations", serde_json::json!({"name": "dropped"}))
        .await;
    assert_eq!(created.status, 201);
}

#[tokio::test]
async fn fault_specs_that_make_no_sense_are_refused_with_the_rule() {
    let error = "GET /api/v2/organizations=700"
        .parse::<FaultSpec>()
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("GET /api/v2/organizations=700"),
        "{message}"
    );
    assert!(message.contains("400 to 599"), "{message}");
    assert!("GET /x=delay:soon".parse::<FaultSpec>().is_err());
    assert!("/x=503@first:two".parse::<FaultSpec>().is_err());
    assert!("/x=503@150%".parse::<FaultSpec>().is_err());
}
