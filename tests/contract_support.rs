//! The test support itself: the shape comparison and the exchange check that
//! every integration test relies on must catch what they claim to catch.
#![allow(clippy::unwrap_used)]

mod common;

use common::fixtures::fixture;
use common::shape::shape_mismatches;
use common::{TestSandbox, admin_token, contract_violation, mgmt_get, mgmt_post};
use m2m_portal::sandbox::Exchange;
use serde_json::{Value, json};

#[test]
fn an_answer_with_the_example_shape_matches_even_with_extra_fields() {
    let example = fixture("organizations-list-checkpoint.json").body;
    assert!(shape_mismatches(&example, &example, &[]).is_empty());
    let mut richer = example.clone();
    richer["organizations"][0]["token_quota"] = json!({"client_credentials": {}});
    richer["extra"] = json!(true);
    assert!(shape_mismatches(&example, &richer, &[]).is_empty());
    // Values differ, types do not: placeholders stay strings.
    let other_values = json!({"organizations": [{"id": "x", "name": "y", "display_name": "z",
        "metadata": {"plan": "free"}, "branding": {"logo_url": "u", "colors": {"primary": "#000", "page_background": "#fff"}}}],
        "next": "abc"});
    assert!(shape_mismatches(&example, &other_values, &[]).is_empty());
}

#[test]
fn a_missing_or_retyped_field_is_reported_with_its_path() {
    let example = fixture("organizations-list-checkpoint.json").body;

    let mut no_next = example.clone();
    no_next.as_object_mut().unwrap().remove("next");
    assert_eq!(
        shape_mismatches(&example, &no_next, &[]),
        vec![r#"/next: missing (expected string, e.g. "Fe26.2**b2ZmLWNoZWNrcG9pbnQ")"#]
    );

    let mut deep = example.clone();
    for org in deep["organizations"].as_array_mut().unwrap() {
        org["branding"]["colors"] = json!("#0059d6");
    }
    let found = shape_mismatches(&example, &deep, &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("/organizations/*/branding/colors: expected object"),
        "{found:?}"
    );

    let numbers =
        json!({"organizations": [{"id": 1, "name": "n", "display_name": "d"}], "next": "x"});
    let found = shape_mismatches(&example, &numbers, &[]);
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("/organizations/*/id: expected string")),
        "{found:?}"
    );
}

#[test]
fn every_example_element_needs_a_matching_element() {
    let example = fixture("organizations-list.json").body;
    // Only plain organizations: the example's first element (with metadata, branding) has no match.
    let plain = json!([{"id": "a", "name": "a", "display_name": "A"}]);
    let found = shape_mismatches(&example, &plain, &[]);
    assert!(
        found.iter().any(|m| m.starts_with("/*/metadata: missing")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|m| m.starts_with("/*/branding: missing")),
        "{found:?}"
    );

    let empty = json!([]);
    let found = shape_mismatches(&example, &empty, &[]);
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("/: empty array"), "{found:?}");

    let not_a_list = json!({"organizations": []});
    assert!(shape_mismatches(&example, &not_a_list, &[])[0].starts_with("/: expected array"));
}

#[test]
fn optional_fields_may_be_missing_but_not_mistyped() {
    let example = fixture("jwks.json").body;
    let bare = json!({"keys": [{"kty": "RSA", "use": "sig", "n": "n", "e": "AQAB", "kid": "k", "alg": "RS256"}]});
    let optional = ["/keys/*/x5c", "/keys/*/x5t"];
    assert!(shape_mismatches(&example, &bare, &optional).is_empty());
    assert_eq!(shape_mismatches(&example, &bare, &[]).len(), 2);
    let mut wrong = bare.clone();
    wrong["keys"][0]["x5c"] = json!("not a list");
    assert_eq!(shape_mismatches(&example, &wrong, &optional).len(), 1);
}

fn exchange(
    method: &str,
    path: &str,
    status: u16,
    request: Option<Value>,
    response: Option<Value>,
) -> Exchange {
    Exchange {
        method: method.to_owned(),
        path: path.to_owned(),
        status,
        request_body: request,
        response_body: response,
    }
}

#[test]
fn exchanges_that_keep_auth0s_contract_pass() {
    let created = fixture("organization-create.json").body;
    let request = fixture("organization-create-request.json").body;
    let conflict = fixture("organization-conflict.json").body;
    let token_error = fixture("token-error-bad-secret.json").body;
    let fine = [
        exchange(
            "POST",
            "/api/v2/organizations",
            201,
            Some(request.clone()),
            Some(created),
        ),
        // A refused request body is not Auth0's to have accepted: only its answer is checked.
        exchange(
            "POST",
            "/api/v2/organizations",
            400,
            Some(json!({"name": 5})),
            Some(fixture("organization-bad-name.json").body),
        ),
        exchange(
            "POST",
            "/api/v2/organizations",
            409,
            Some(request),
            Some(conflict),
        ),
        exchange("DELETE", "/api/v2/clients/abc", 204, None, None),
        exchange(
            "POST",
            "/oauth/token",
            401,
            Some(json!({"grant_type": "client_credentials"})),
            Some(token_error),
        ),
        exchange(
            "POST",
            "/oauth/token",
            200,
            None,
            Some(fixture("token-client-credentials.json").body),
        ),
    ];
    for e in &fine {
        assert_eq!(contract_violation(e), None, "{e:?}");
    }
}

#[test]
fn exchanges_that_break_auth0s_contract_are_named() {
    let accepted_bad_request = exchange(
        "POST",
        "/api/v2/organizations",
        201,
        Some(json!({"name": "x", "colour": "red"})),
        Some(fixture("organization-create.json").body),
    );
    let why = contract_violation(&accepted_bad_request).unwrap();
    assert!(
        why.starts_with("POST /api/v2/organizations → 201: request body"),
        "{why}"
    );
    assert!(why.contains("colour"), "{why}");

    let mut bad_grant = fixture("client-grant-create.json").body;
    bad_grant["allow_any_organization"] = json!("false");
    let bad_response = exchange("POST", "/api/v2/client-grants", 201, None, Some(bad_grant));
    let why = contract_violation(&bad_response).unwrap();
    assert!(
        why.contains("response body") && why.contains("/allow_any_organization"),
        "{why}"
    );

    let wrong_error = exchange(
        "GET",
        "/api/v2/clients/x",
        404,
        None,
        Some(json!({"error": "not found"})),
    );
    let why = contract_violation(&wrong_error).unwrap();
    assert!(
        why.contains("statusCode must be 404") && why.contains("message must be a string"),
        "{why}"
    );

    let wrong_status_code = exchange(
        "GET",
        "/api/v2/clients/x",
        404,
        None,
        Some(json!({"statusCode": 400, "error": "Not Found", "message": "m"})),
    );
    assert!(
        contract_violation(&wrong_status_code)
            .unwrap()
            .contains("statusCode must be 404")
    );

    let oauth_without_description = exchange(
        "POST",
        "/oauth/token",
        403,
        None,
        Some(json!({"error": "access_denied"})),
    );
    assert!(
        contract_violation(&oauth_without_description)
            .unwrap()
            .contains("error_description")
    );

    let accepted_bad_query = exchange(
        "GET",
        "/api/v2/organizations?per_page=500",
        200,
        None,
        Some(json!([])),
    );
    let why = contract_violation(&accepted_bad_query).unwrap();
    assert!(why.contains("parameter per_page"), "{why}");

    let undescribed_success = exchange(
        "GET",
        "/api/v2/tenants/settings",
        200,
        None,
        Some(json!({})),
    );
    assert!(contract_violation(&undescribed_success).is_some());
}

#[tokio::test]
async fn test_sandbox_records_and_checks_management_traffic() {
    let sandbox = TestSandbox::start().await;
    let token = admin_token(&sandbox).await;
    let listed = mgmt_get(&sandbox, &token, "/organizations?take=2").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let refused = mgmt_post(
        &sandbox,
        &token,
        "/organizations",
        &json!({"name": "Not Valid"}),
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.text);

    let exchanges = sandbox.exchanges();
    let paths: Vec<(&str, &str, u16)> = exchanges
        .iter()
        .map(|e| (e.method.as_str(), e.path.as_str(), e.status))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("POST", "/oauth/token", 200),
            ("GET", "/api/v2/organizations?take=2", 200),
            ("POST", "/api/v2/organizations", 400),
        ]
    );
    sandbox.check_contract().unwrap();
    sandbox.finish().await;
}
