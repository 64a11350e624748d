//! The sandbox's Management API over real HTTP: paging, strict bodies, scopes,
//! names, conflicts, quotas, Auth0's error bodies.
#![allow(clippy::unwrap_used)]

mod common;
mod sandbox_support;

use std::collections::HashSet;

use m2m_portal::sandbox::{SandboxOptions, Seed};
use sandbox_support::{Tenant, start, start_default};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/auth0/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["body"].clone()
}

async fn large(count: usize) -> Tenant {
    start(SandboxOptions {
        seed: Seed::Large(count),
        ..SandboxOptions::default()
    })
    .await
}

#[tokio::test]
async fn offset_paging_stops_at_1000_records() {
    let tenant = large(1100).await;
    let last_allowed = tenant.get("/organizations?page=19&per_page=50").await;
    assert_eq!(last_allowed.status, 200);
    assert_eq!(last_allowed.body.as_array().unwrap().len(), 50);
    let over = tenant.get("/organizations?page=20&per_page=50").await;
    assert_eq!(over.status, 400);
    assert_eq!(over.body, fixture("organizations-paging-over-cap.json"));
    assert_eq!(
        tenant
            .get("/organizations?page=9&per_page=100")
            .await
            .status,
        200
    );
    assert_eq!(
        tenant
            .get("/organizations?page=10&per_page=100")
            .await
            .status,
        400
    );

    let totals = tenant
        .get("/organizations?page=1&per_page=2&include_totals=true")
        .await;
    assert_eq!(totals.status, 200);
    assert_eq!(totals.body["start"], 2);
    assert_eq!(totals.body["limit"], 2);
    assert_eq!(totals.body["total"], 1100);
    assert_eq!(totals.body["organizations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn checkpoint_paging_over_1500_organizations_returns_each_exactly_once() {
    let tenant = large(1500).await;
    for take in [50, 100, 7] {
        let mut seen = HashSet::new();
        let mut from: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &from {
                Some(next) => format!("/organizations?take={take}&from={next}"),
                None => format!("/organizations?take={take}"),
            };
            let page = tenant.get(&path).await;
            assert_eq!(page.status, 200, "{}", page.body);
            pages += 1;
            for org in page.body["organizations"].as_array().unwrap() {
                assert!(
                    seen.insert(org["id"].as_str().unwrap().to_owned()),
                    "seen twice"
                );
            }
            match page.body.get("next").and_then(Value::as_str) {
                Some(next) => from = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 1500);
        assert_eq!(pages, 1500_usize.div_ceil(take));
    }
    let bad = tenant.get("/organizations?take=10&from=garbage!").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["errorCode"], "invalid_query_string");
    assert_eq!(tenant.get("/organizations?take=101").await.status, 400);
}

#[tokio::test]
async fn organizations_sort_and_query_are_validated() {
    let tenant = start_default().await;
    let names = |answer: &sandbox_support::Answer| -> Vec<String> {
        answer
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let ascending = names(&tenant.get("/organizations?sort=name:1").await);
    let mut sorted = ascending.clone();
    sorted.sort();
    assert_eq!(ascending, sorted);
    let descending = names(&tenant.get("/organizations?sort=name:-1").await);
    assert_eq!(descending, sorted.iter().rev().cloned().collect::<Vec<_>>());
    let by_display = tenant.get("/organizations?sort=display_name:1").await;
    assert_eq!(by_display.status, 200);

    let bad_sort = tenant.get("/organizations?sort=colour:1").await;
    assert_eq!(bad_sort.status, 400);
    assert_eq!(bad_sort.body["errorCode"], "invalid_query_string");
    let unknown = tenant.get("/organizations?q=globex").await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["errorCode"], "invalid_query_string");
    let not_a_number = tenant.get("/organizations?per_page=ten").await;
    assert_eq!(not_a_number.status, 400);
}

#[tokio::test]
async fn organization_names_follow_auth0_rules() {
    let tenant = start_default().await;
    let bad = tenant
        .post("/organizations", json!({"name": "Hooli Inc"}))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body, fixture("organization-bad-name.json"));
    for name in ["", "UPPER", "with space", "dots.are.bad", &"a".repeat(51)] {
        let answer = tenant.post("/organizations", json!({"name": name})).await;
        assert_eq!(answer.status, 400, "{name:?}");
        assert_eq!(answer.body["errorCode"], "invalid_body");
    }
    let missing = tenant
        .post("/organizations", json!({"display_name": "No name"}))
        .await;
    assert_eq!(missing.status, 400);

    let request = fixture("organization-create-request.json");
    let created = tenant.post("/organizations", json!({"name": "pied_piper-2", "display_name": "Pied Piper", "metadata": request["metadata"]})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.body["id"].as_str().unwrap().starts_with("org_"));
    assert_eq!(created.body["id"].as_str().unwrap().len(), 20);
    assert_eq!(created.body["metadata"]["customer_id"], "cus_Q1w2E3r4");

    let again = tenant
        .post("/organizations", json!({"name": "pied_piper-2"}))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body, fixture("organization-conflict.json"));

    let by_name = tenant.get("/organizations/name/pied_piper-2").await;
    assert_eq!(by_name.body["id"], created.body["id"]);
    let by_id = tenant
        .get(&format!(
            "/organizations/{}",
            created.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_id.body["display_name"], "Pied Piper");
    let missing = tenant.get("/organizations/org_doesnotexist0000").await;
    assert_eq!(missing.status, 404);
    assert_eq!(tenant.get("/organizations/name/nobody").await.status, 404);

    let long_metadata: serde_json::Map<String, Value> =
        (0..26).map(|i| (format!("k{i}"), json!("v"))).collect();
    let too_much = tenant
        .post(
            "/organizations",
            json!({"name": "meta", "metadata": long_metadata}),
        )
        .await;
    assert_eq!(too_much.status, 400);
    let long_value = tenant
        .post(
            "/organizations",
            json!({"name": "meta", "metadata": {"k": "x".repeat(256)}}),
        )
        .await;
    assert_eq!(long_value.status, 400);
}

#[tokio::test]
async fn request_bodies_are_validated_strictly() {
    let tenant = start_default().await;
    let unknown = tenant
        .post("/clients", json!({"name": "x", "colour": "red"}))
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body, fixture("client-create-unknown-field.json"));

    let secret = tenant
        .post("/clients", json!({"name": "x", "client_secret": "chosen"}))
        .await;
    assert_eq!(secret.status, 400);
    assert!(
        secret.body["message"]
            .as_str()
            .unwrap()
            .contains("client_secret")
    );

    let malformed = tenant
        .http
        .post(format!("{}/api/v2/clients", tenant.base()))
        .bearer_auth(&tenant.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["statusCode"], 400);
    assert_eq!(body["errorCode"], "invalid_body");

    let cases = [
        json!([1, 2]),
        json!({"name": "a<b>"}),
        json!({"name": 42}),
        json!({"name": "x", "description": "d".repeat(141)}),
        json!({"name": "x", "is_first_party": "yes"}),
        json!({"name": "x", "app_type": "mainframe"}),
        json!({"name": "x", "grant_types": "client_credentials"}),
        json!({"name": "x", "client_metadata": {"n": 1}}),
        json!({"name": "x", "client_metadata": (0..11).map(|i| (format!("k{i}"), json!("v"))).collect::<serde_json::Map<_, _>>()}),
        json!({"name": "x", "default_organization": {"organization_id": "globex", "flows": ["client_credentials"]}}),
        json!({"name": "x", "default_organization": {"organization_id": "org_x", "flows": ["authorization_code"]}}),
        json!({"description": "no name"}),
    ];
    for case in cases {
        let answer = tenant.post("/clients", case.clone()).await;
        assert_eq!(answer.status, 400, "{case}");
        assert_eq!(answer.body["errorCode"], "invalid_body", "{case}");
        assert_eq!(answer.body["error"], "Bad Request");
    }
    let empty = tenant.call("POST", "/client-grants", None).await;
    assert_eq!(empty.status, 400);
    let grant_unknown = tenant
        .post(
            "/client-grants",
            json!({"client_id": "x", "audience": "y", "colour": 1}),
        )
        .await;
    assert_eq!(grant_unknown.body["errorCode"], "invalid_body");
    let link_unknown = tenant
        .post(
            "/organizations/org_x/client-grants",
            json!({"grant_id": "cgr_x", "extra": true}),
        )
        .await;
    assert_eq!(link_unknown.body["errorCode"], "invalid_body");
    // Nothing was created by any of the refused calls.
    assert_eq!(
        tenant.sandbox.snapshot()["clients"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn calls_need_a_valid_token_with_the_right_scope() {
    let scopes: Vec<String> = ["read:organizations", "read:clients"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let tenant = start(SandboxOptions {
        admin_scopes: Some(scopes),
        ..SandboxOptions::default()
    })
    .await;
    assert_eq!(tenant.get("/organizations").await.status, 200);
    let rotate = tenant
        .post("/clients/anything/rotate-secret", json!({}))
        .await;
    assert_eq!(rotate.status, 403);
    assert_eq!(rotate.body, fixture("management-insufficient-scope.json"));
    let create = tenant.post("/organizations", json!({"name": "x"})).await;
    assert_eq!(
        create.body["message"],
        "Insufficient scope, expected any of: create:organizations"
    );

    let no_token = tenant.call_with("GET", "/organizations", None, None).await;
    assert_eq!(no_token.status, 401);
    let garbage = tenant
        .call_with("GET", "/organizations", None, Some("not.a.token"))
        .await;
    assert_eq!(garbage.status, 401);
    assert_eq!(garbage.body, fixture("management-invalid-token.json"));

    // A token for the customer API is not a Management API token.
    let admin = start_default().await;
    let globex = admin.org_id("globex").await;
    let (id, secret, _) = admin.provision(&globex).await;
    let api_token = admin.api_token(&id, &secret, None).await;
    let foreign = admin
        .call_with(
            "GET",
            "/organizations",
            None,
            api_token.body["access_token"].as_str(),
        )
        .await;
    assert_eq!(foreign.status, 401);
    // Another tenant's token is foreign too.
    let other = tenant
        .call_with("GET", "/organizations", None, Some(&admin.token))
        .await;
    assert_eq!(other.status, 401);
}

#[tokio::test]
async fn clients_are_read_with_fields_and_listed_by_organization() {
    let tenant = start_default().await;
    let globex = tenant.org_id("globex").await;
    let (client_id, _, _) = tenant.provision(&globex).await;

    let fields = "client_id,name,description,app_type,client_metadata,default_organization";
    let read = tenant
        .get(&format!(
            "/clients/{client_id}?fields={fields}&include_fields=true"
        ))
        .await;
    assert_eq!(read.status, 200);
    let keys: HashSet<&str> = read
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, fields.split(',').collect());
    let without = tenant
        .get(&format!(
            "/clients/{client_id}?fields=client_metadata&include_fields=false"
        ))
        .await;
    assert!(without.body.get("client_metadata").is_none());
    assert!(without.body.get("name").is_some());
    assert!(without.body.get("client_secret").is_none());

    let missing = tenant.get("/clients/nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, fixture("client-not-found.json"));

    let q = format!("client_grant.organization_id:{globex}");
    let needs_checkpoint = tenant.get(&format!("/clients?q={q}")).await;
    assert_eq!(needs_checkpoint.status, 400);
    assert_eq!(needs_checkpoint.body["errorCode"], "invalid_query_string");
    let by_org = tenant
        .get(&format!(
            "/clients?q={q}&take=1&fields=client_id,name&include_fields=true"
        ))
        .await;
    assert_eq!(by_org.status, 200, "{}", by_org.body);
    // Globex has the demo key and the new one: two pages of one.
    assert_eq!(by_org.body["clients"].as_array().unwrap().len(), 1);
    let next = by_org.body["next"].as_str().unwrap();
    let second = tenant
        .get(&format!("/clients?q={q}&take=1&from={next}"))
        .await;
    assert_eq!(second.body["clients"].as_array().unwrap().len(), 1);
    assert!(second.body.get("next").is_none());
    let ids: HashSet<String> = [&by_org, &second]
        .iter()
        .map(|a| {
            a.body["clients"][0]["client_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(ids.contains(&client_id));

    let non_interactive = tenant
        .get("/clients?app_type=non_interactive&include_totals=true")
        .await;
    assert_eq!(non_interactive.body["total"], 3);
    assert_eq!(tenant.get("/clients?app_type=robot").await.status, 400);

    assert_eq!(
        tenant.delete(&format!("/clients/{client_id}")).await.status,
        204
    );
    assert_eq!(
        tenant.delete(&format!("/clients/{client_id}")).await.status,
        404
    );
    let after = tenant.get(&format!("/clients?q={q}&take=50")).await;
    assert_eq!(
        after.body["clients"].as_array().unwrap().len(),
        1,
        "the deleted key's grant is gone too"
    );
}

#[tokio::test]
async fn client_grants_conflict_list_and_delete() {
    let tenant = start_default().await;
    let client = tenant
        .post(
            "/clients",
            json!({"name": "grants", "app_type": "non_interactive"}),
        )
        .await;
    let client_id = client.body["client_id"].as_str().unwrap();
    let audience = tenant.sandbox.api_audience();
    let body = json!({"client_id": client_id, "audience": audience, "scope": ["read:reports"], "organization_usage": "require", "allow_any_organization": false, "subject_type": "client"});
    let created = tenant.post("/client-grants", body.clone()).await;
    assert_eq!(created.status, 201);
    assert!(created.body["id"].as_str().unwrap().starts_with("cgr_"));
    let conflict = tenant.post("/client-grants", body).await;
    assert_eq!(conflict.status, 409);
    assert_eq!(
        conflict.body["message"],
        format!("A client grant already exists between {client_id} and {audience}")
    );

    let listed = tenant
        .get(&format!(
            "/client-grants?client_id={client_id}&audience={audience}"
        ))
        .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["id"], created.body["id"]);
    let none = tenant.get("/client-grants?client_id=nobody").await;
    assert_eq!(none.body, json!([]));

    let unknown_client = tenant
        .post(
            "/client-grants",
            json!({"client_id": "nobody", "audience": audience}),
        )
        .await;
    assert_eq!(unknown_client.status, 404);
    let unknown_api = tenant
        .post(
            "/client-grants",
            json!({"client_id": client_id, "audience": "https://other.example"}),
        )
        .await;
    assert_eq!(unknown_api.status, 404);

    let id = created.body["id"].as_str().unwrap();
    assert_eq!(
        tenant.delete(&format!("/client-grants/{id}")).await.status,
        204
    );
    assert_eq!(
        tenant.delete(&format!("/client-grants/{id}")).await.status,
        404
    );
}

#[tokio::test]
async fn linking_grants_has_two_conflicts_a_quota_and_404s() {
    let tenant = start_default().await;
    let umbrella = tenant.org_id("umbrella").await;
    let (_, _, grant_id) = tenant.provision(&umbrella).await;
    let link = format!("/organizations/{umbrella}/client-grants");
    let again = tenant.post(&link, json!({"grant_id": grant_id})).await;
    assert_eq!(again.status, 409);
    assert_eq!(
        again.body,
        fixture("organization-client-grant-already.json")
    );

    let unknown_grant = tenant
        .post(&link, json!({"grant_id": "cgr_doesnotexist000"}))
        .await;
    assert_eq!(unknown_grant.status, 404);
    let unknown_org = tenant
        .post(
            "/organizations/org_doesnotexist0000/client-grants",
            json!({"grant_id": grant_id}),
        )
        .await;
    assert_eq!(unknown_org.status, 404);

    let listed = tenant.get(&link).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    let keys: HashSet<&str> = listed.body[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected = fixture("organization-client-grants-list.json");
    let expected: HashSet<&str> = expected[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, expected);

    for _ in 1..100 {
        let org = umbrella.clone();
        tenant.provision(&org).await;
    }
    let totals = tenant
        .get(&format!("{link}?include_totals=true&per_page=10"))
        .await;
    assert_eq!(totals.body["total"], 100);
    let client = tenant
        .post("/clients", json!({"name": "one too many"}))
        .await;
    let grant = tenant
        .post("/client-grants", json!({"client_id": client.body["client_id"], "audience": tenant.sandbox.api_audience(), "organization_usage": "require"}))
        .await;
    let over = tenant
        .post(&link, json!({"grant_id": grant.body["id"]}))
        .await;
    assert_eq!(over.status, 409);
    assert_eq!(over.body, fixture("organization-client-grant-quota.json"));

    assert_eq!(
        tenant.delete(&format!("{link}/{grant_id}")).await.status,
        204
    );
    assert_eq!(
        tenant.delete(&format!("{link}/{grant_id}")).await.status,
        404
    );
    assert_eq!(
        tenant
            .post(&link, json!({"grant_id": grant.body["id"]}))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn organization_client_grants_say_when_the_plan_lacks_them() {
    let tenant = start(SandboxOptions {
        m2m_organizations_entitled: false,
        ..SandboxOptions::default()
    })
    .await;
    let globex = tenant.org_id("globex").await;
    let answer = tenant
        .post(
            &format!("/organizations/{globex}/client-grants"),
            json!({"grant_id": "cgr_x"}),
        )
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body,
        fixture("management-m2m-orgs-not-entitled.json")
    );
    assert_eq!(
        tenant
            .get(&format!("/organizations/{globex}/client-grants"))
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn members_and_users_by_email() {
    let tenant = start_default().await;
    let globex = tenant.org_id("globex").await;
    let members = tenant
        .get(&format!("/organizations/{globex}/members"))
        .await;
    assert_eq!(members.status, 200);
    assert_eq!(members.body[0]["email"], "ops@globex.example");
    let user = tenant.get("/users-by-email?email=OPS@globex.example").await;
    assert_eq!(user.body.as_array().unwrap().len(), 1);
    let user_id = user.body[0]["user_id"].as_str().unwrap().to_owned();
    assert_eq!(tenant.get("/users-by-email").await.status, 400);

    let initech = tenant.org_id("initech").await;
    let added = tenant
        .post(
            &format!("/organizations/{initech}/members"),
            json!({"members": [user_id]}),
        )
        .await;
    assert_eq!(added.status, 204);
    let listed = tenant
        .get(&format!(
            "/organizations/{initech}/members?include_totals=true"
        ))
        .await;
    assert_eq!(listed.body["total"], 2);
    let empty = tenant
        .post(
            &format!("/organizations/{initech}/members"),
            json!({"members": []}),
        )
        .await;
    assert_eq!(empty.status, 400);
    let stranger = tenant
        .post(
            &format!("/organizations/{initech}/members"),
            json!({"members": ["auth0|nobody"]}),
        )
        .await;
    assert_eq!(stranger.status, 400);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_404s() {
    let tenant = start_default().await;
    assert_eq!(tenant.get("/tenants/settings").await.status, 404);
    assert_eq!(tenant.call("PUT", "/organizations", None).await.status, 404);
    let raw = tenant
        .http
        .get(format!("{}/nowhere", tenant.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 404);
}

#[tokio::test]
async fn hostile_input_gets_auth0_style_errors_and_the_tenant_keeps_serving() {
    let tenant = start_default().await;
    let base = tenant.base();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"\xff\xfe\x00garbage".to_vec(),
        deep.into_bytes(),
        b"{\"name\": 1e999999}".to_vec(),
        b"{\"name\": \"\\ud800\"}".to_vec(),
        b"null".to_vec(),
        b"\"just a string\"".to_vec(),
        vec![b'{'; 100_000],
    ];
    let paths = [
        "/api/v2/organizations",
        "/api/v2/clients",
        "/api/v2/client-grants",
        "/api/v2/organizations/org_x/client-grants",
        "/api/v2/organizations/org_x/members",
        "/oauth/token",
        "/oauth/device/code",
    ];
    for path in paths {
        for body in &bodies {
            let response = tenant
                .http
                .post(format!("{base}{path}"))
                .bearer_auth(&tenant.token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!((400..500).contains(&status), "{path}: {status}");
            let json: Value = response.json().await.unwrap();
            assert!(json.is_object(), "{path}");
        }
    }
    let weird_paths = [
        "/api/v2/organizations/%ff%fe",
        "/api/v2/organizations/name/%00",
        "/api/v2/clients/%2e%2e%2f%2e%2e",
        "/api/v2/organizations?page=99999999999999999999999",
        "/api/v2/organizations?take=0",
        "/api/v2/organizations?from=%ff",
        "/api/v2//////organizations",
        "/api/v2/organizations/org_x/client-grants?grant_ids=,,,",
    ];
    for path in weird_paths {
        let response = tenant
            .http
            .get(format!("{base}{path}"))
            .bearer_auth(&tenant.token)
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500, "{path}");
    }
    for header in ["Basic !!!", "Basic Og==", "Bearer", "Bearer ", "Digest x"] {
        let response = tenant
            .http
            .post(format!("{base}/oauth/token"))
            .header("authorization", header)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert!((400..500).contains(&response.status().as_u16()), "{header}");
    }
    let too_big = tenant
        .http
        .post(format!("{base}/api/v2/organizations"))
        .bearer_auth(&tenant.token)
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await;
    if let Ok(response) = too_big {
        assert_eq!(response.status(), 413);
    }
    assert_eq!(tenant.get("/organizations").await.status, 200);
}
