//! The schema validator the whole suite relies on: it accepts every Auth0
//! example and rejects bodies Auth0 would not produce or accept.
#![allow(clippy::unwrap_used)]

mod common;

use common::fixtures::{all_fixtures, fixture};
use common::schema::{
    match_template, validate_management_query, validate_management_request,
    validate_management_response,
};
use serde_json::{Value, json};

#[test]
fn every_management_example_validates_against_the_schema() {
    let mut checked = 0;
    for example in all_fixtures() {
        let Some(method) = example.method() else {
            continue;
        };
        for path in example.management_paths() {
            if let Err(e) = validate_management_query(method, path) {
                panic!("{}: {e}", example.name);
            }
            let result = match example.status {
                None => validate_management_request(method, path, &example.body),
                Some(status) => {
                    validate_management_response(method, path, status, Some(&example.body))
                }
            };
            if let Err(e) = result {
                panic!("{}: {e}", example.name);
            }
            checked += 1;
        }
    }
    // Guards against the loop silently skipping everything (e.g. a changed `request` wording).
    assert!(checked >= 20, "only {checked} examples were checked");
}

#[test]
fn concrete_paths_find_their_templates() {
    let cases = [
        ("/api/v2/organizations", "/organizations"),
        ("/api/v2/organizations?take=2&from=abc", "/organizations"),
        ("/api/v2/organizations/org_1", "/organizations/{id}"),
        (
            "/api/v2/organizations/name/globex",
            "/organizations/name/{name}",
        ),
        (
            "/api/v2/organizations/org_1/members",
            "/organizations/{id}/members",
        ),
        (
            "/api/v2/organizations/org_1/client-grants/cgr_1",
            "/organizations/{id}/client-grants/{grant_id}",
        ),
        (
            "/api/v2/clients/abc/rotate-secret",
            "/clients/{id}/rotate-secret",
        ),
        (
            "/api/v2/client-grants?client_id=a&audience=b",
            "/client-grants",
        ),
        ("/api/v2/users-by-email?email=a@b.c", "/users-by-email"),
        ("/organizations/org_1", "/organizations/{id}"),
    ];
    for (path, template) in cases {
        assert_eq!(match_template(path), Some(template), "{path}");
    }
    assert_eq!(match_template("/api/v2/tenants/settings"), None);
}

#[test]
fn a_response_field_of_the_wrong_type_is_rejected() {
    let mut body = fixture("organization-create.json").body;
    body["name"] = json!(42);
    let err = validate_management_response("POST", "/api/v2/organizations", 201, Some(&body))
        .unwrap_err();
    assert!(
        err.contains("does not match") && err.contains("/name"),
        "{err}"
    );
    assert!(err.contains("POST /api/v2/organizations"), "{err}");

    // A templated path (`/clients/{id}`) bites too.
    let mut client = fixture("client-get-fields.json").body;
    client["grant_types"] = json!("client_credentials");
    let err =
        validate_management_response("GET", "/api/v2/clients/abc?fields=name", 200, Some(&client))
            .unwrap_err();
    assert!(
        err.contains("does not match") && err.contains("/grant_types"),
        "{err}"
    );
}

#[test]
fn a_list_with_items_of_the_wrong_shape_is_rejected() {
    let bad_items = [
        json!([{"id": 7, "name": "globex"}]),
        json!({"organizations": "globex"}),
        json!({"organizations": [{"id": "org_1", "display_name": ""}], "next": 3}),
    ];
    for body in bad_items {
        let err = validate_management_response("GET", "/api/v2/organizations", 200, Some(&body))
            .expect_err(&format!("accepted {body}"));
        assert!(err.contains("does not match"), "{err}");
    }
}

#[test]
fn list_wrappers_that_fit_more_than_one_shape_are_accepted() {
    // An empty checkpoint page and an empty offset page both fit several `oneOf` branches.
    for body in [
        json!([]),
        json!({"organizations": []}),
        json!({"organizations": [], "start": 0, "limit": 50, "total": 0}),
    ] {
        validate_management_response("GET", "/api/v2/organizations", 200, Some(&body)).unwrap();
    }
}

#[test]
fn a_request_with_an_unknown_or_mistyped_field_is_rejected() {
    let unknown = json!({"name": "x", "colour": "red"});
    let err = validate_management_request("POST", "/api/v2/clients", &unknown).unwrap_err();
    assert!(err.contains("colour"), "{err}");

    let mut grant = fixture("client-grant-create-request.json").body;
    grant["scope"] = json!("read:reports write:events");
    assert!(validate_management_request("POST", "/api/v2/client-grants", &grant).is_err());

    let missing = json!({});
    assert!(
        validate_management_request(
            "POST",
            "/api/v2/organizations/org_1/client-grants",
            &missing
        )
        .is_err()
    );
}

#[test]
fn bodiless_answers_and_undescribed_errors_pass() {
    validate_management_response("DELETE", "/api/v2/clients/abc", 204, None).unwrap();
    validate_management_response("POST", "/api/v2/organizations/o/members", 204, None).unwrap();
    // Auth0's description gives no schema for errors; the fixtures pin those down instead.
    let error: Value = fixture("organization-conflict.json").body;
    validate_management_response("POST", "/api/v2/organizations", 409, Some(&error)).unwrap();
    validate_management_response("GET", "/api/v2/organizations/nope", 404, Some(&error)).unwrap();
    validate_management_response("GET", "/api/v2/no-such-thing", 404, Some(&error)).unwrap();
    validate_management_request("POST", "/api/v2/clients/abc/rotate-secret", &Value::Null).unwrap();
}

#[test]
fn a_success_the_spec_does_not_describe_is_rejected() {
    let body = json!({});
    let unknown_path =
        validate_management_response("GET", "/api/v2/no-such-thing", 200, Some(&body));
    assert!(unknown_path.is_err());
    let wrong_status =
        validate_management_response("DELETE", "/api/v2/clients/abc", 200, Some(&body));
    assert!(wrong_status.unwrap_err().contains("lists no 200"));
    let missing_body = validate_management_response("GET", "/api/v2/clients/abc", 200, None);
    assert!(missing_body.is_err());
    let body_on_204 =
        validate_management_response("DELETE", "/api/v2/clients/abc", 204, Some(&body));
    assert!(body_on_204.is_err());
    let body_on_rotate = validate_management_request(
        "POST",
        "/api/v2/clients/abc/rotate-secret",
        &json!({"a": 1}),
    );
    assert!(body_on_rotate.is_err());
}

#[test]
fn queries_the_spec_describes_pass() {
    let fine = [
        "/api/v2/organizations?page=0&per_page=50&include_totals=true",
        "/api/v2/organizations?take=50&from=Fe26.2**b2Z&sort=name%3A1",
        "/api/v2/clients?q=client_grant.organization_id%3Aorg_1&take=50&fields=client_id,name,client_metadata&include_fields=true",
        "/api/v2/clients/abc?fields=client_id%2Cname&include_fields=false",
        "/api/v2/client-grants?client_id=abc&audience=https%3A%2F%2Fapi.example.com",
        "/api/v2/organizations/org_1/client-grants?grant_ids=cgr_1&grant_ids=cgr_2",
        "/api/v2/users-by-email?email=ops%40globex.example",
        "/api/v2/organizations/org_1",
    ];
    for path in fine {
        validate_management_query("GET", path).unwrap();
    }
}

#[test]
fn a_query_the_spec_does_not_describe_is_rejected() {
    let cases = [
        (
            "/api/v2/organizations?colour=red",
            "colour: not a query parameter",
        ),
        (
            "/api/v2/organizations?take=500",
            "greater than the maximum of 100",
        ),
        ("/api/v2/organizations?per_page=fifty", "parameter per_page"),
        (
            "/api/v2/organizations?include_totals=yes",
            "parameter include_totals",
        ),
        ("/api/v2/organizations?sort=id%3A1", "parameter sort"),
        (
            "/api/v2/clients/abc?fields=client_id,colour",
            "parameter fields",
        ),
        ("/api/v2/organizations?take=2&take=3", "parameter take"),
    ];
    for (path, expected) in cases {
        let err = validate_management_query("GET", path).expect_err(path);
        assert!(err.contains(expected), "{path}: {err}");
    }
}

#[test]
fn the_copied_schema_keeps_its_notice() {
    // The schema is MIT-licensed work carried from sergiught/auth0-mock: its NOTICE travels with it.
    let notice =
        std::fs::read_to_string(format!("{}/NOTICE", common::fixtures::FIXTURE_DIR)).unwrap();
    assert!(notice.contains("management-api.openapi.json"), "{notice}");
    assert!(notice.contains("MIT License"), "{notice}");
}
