//! `/clients` and `/resource-servers/{id}`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::sandbox::now_millis;
use crate::sandbox::state::{self, Client};
use crate::sandbox::vocab::{
    Reply, api_error, body_error, body_error_on, json_object, only_properties, query_error,
    query_error_on, type_name,
};

use super::checks::{
    check_enum, check_length, check_metadata, check_string_array, check_type, expect_string,
};
use super::paging::{checkpoint_page, offset_page, select_fields};
use super::{Answer, Call, client_not_found};

/// Every property `POST /clients` accepts (Auth0's CreateClientRequestContent).
pub(super) const CLIENT_PROPERTIES: &[&str] = &[
    "addons",
    "allowed_clients",
    "allowed_logout_urls",
    "allowed_origins",
    "app_type",
    "async_approval_notification_channels",
    "callbacks",
    "client_aliases",
    "client_authentication_methods",
    "client_metadata",
    "compliance_level",
    "cross_origin_authentication",
    "cross_origin_loc",
    "custom_login_page",
    "custom_login_page_on",
    "custom_login_page_preview",
    "default_organization",
    "description",
    "encryption_key",
    "express_configuration",
    "form_template",
    "grant_types",
    "initiate_login_uri",
    "is_first_party",
    "is_token_endpoint_ip_header_trusted",
    "jwt_configuration",
    "logo_uri",
    "mobile",
    "my_organization_configuration",
    "name",
    "native_social_login",
    "oidc_backchannel_logout",
    "oidc_conformant",
    "oidc_logout",
    "organization_discovery_methods",
    "organization_require_behavior",
    "organization_usage",
    "par_request_expiry",
    "redirection_policy",
    "refresh_token",
    "require_proof_of_possession",
    "require_pushed_authorization_requests",
    "resource_server_identifier",
    "session_transfer",
    "signed_request_object",
    "skip_non_verifiable_callback_uri_confirmation_prompt",
    "sso",
    "sso_disabled",
    "third_party_security_mode",
    "token_endpoint_auth_method",
    "token_exchange",
    "token_quota",
    "web_origins",
];

pub(super) const APP_TYPES: &[&str] = &[
    "native",
    "spa",
    "regular_web",
    "non_interactive",
    "resource_server",
    "express_configuration",
    "rms",
    "box",
    "cloudbees",
    "concur",
    "dropbox",
    "mscrm",
    "echosign",
    "egnyte",
    "newrelic",
    "office365",
    "salesforce",
    "sentry",
    "sharepoint",
    "slack",
    "springcm",
    "zendesk",
    "zoom",
    "sso_integration",
    "oag",
];

pub(super) fn check_client_body(body: &Map<String, Value>) -> Result<(), Reply> {
    const NAME_LABEL: &str = "name (The name of the client. Must contain at least one character. Does not allow '<' or '>'.)";
    let Some(name) = expect_string(body, "name", NAME_LABEL)? else {
        return Err(body_error("Missing required property: name"));
    };
    if name.is_empty() || name.contains('<') || name.contains('>') {
        return Err(body_error_on(
            NAME_LABEL,
            format!("String does not match pattern ^[^<>]+$: {name}"),
        ));
    }
    if let Some(description) = expect_string(body, "description", "description")? {
        check_length(description, "description", 0, 140)?;
    }
    check_enum(body, "app_type", APP_TYPES)?;
    check_enum(
        body,
        "token_endpoint_auth_method",
        &["none", "client_secret_post", "client_secret_basic"],
    )?;
    check_enum(body, "organization_usage", &["deny", "allow", "require"])?;
    check_enum(
        body,
        "organization_require_behavior",
        &["no_prompt", "pre_login_prompt", "post_login_prompt"],
    )?;
    for name in [
        "grant_types",
        "allowed_clients",
        "client_aliases",
        "callbacks",
        "allowed_origins",
        "web_origins",
        "allowed_logout_urls",
    ] {
        check_string_array(body, name, 1024)?;
    }
    for name in [
        "is_first_party",
        "oidc_conformant",
        "sso",
        "sso_disabled",
        "cross_origin_authentication",
        "custom_login_page_on",
        "is_token_endpoint_ip_header_trusted",
        "require_pushed_authorization_requests",
        "require_proof_of_possession",
        "skip_non_verifiable_callback_uri_confirmation_prompt",
    ] {
        check_type(body, name, "boolean")?;
    }
    for name in [
        "addons",
        "jwt_configuration",
        "encryption_key",
        "mobile",
        "native_social_login",
        "oidc_backchannel_logout",
        "oidc_logout",
        "client_authentication_methods",
        "signed_request_object",
        "token_exchange",
        "token_quota",
        "session_transfer",
        "express_configuration",
        "my_organization_configuration",
        "async_approval_notification_channels",
    ] {
        check_type(body, name, "object")?;
    }
    check_type(body, "refresh_token", "object|null")?;
    check_type(body, "par_request_expiry", "integer|null")?;
    check_metadata(body, "client_metadata", 10, false)?;
    if let Some(default) = body.get("default_organization") {
        match default {
            Value::Null => {}
            Value::Object(default) => {
                for key in default.keys() {
                    if key != "organization_id" && key != "flows" {
                        return Err(body_error(format!(
                            "Additional properties not allowed: {key}"
                        )));
                    }
                }
                match default.get("organization_id") {
                    Some(Value::String(id)) if id.starts_with("org_") => {}
                    Some(Value::String(id)) => {
                        return Err(body_error_on(
                            "default_organization.organization_id",
                            format!(
                                "Object didn't pass validation for format organization-id: {id}"
                            ),
                        ));
                    }
                    Some(other) => {
                        return Err(body_error_on(
                            "default_organization.organization_id",
                            format!("Expected type string but found type {}", type_name(other)),
                        ));
                    }
                    None => return Err(body_error("Missing required property: organization_id")),
                }
                match default.get("flows") {
                    Some(Value::Array(flows))
                        if flows
                            .iter()
                            .all(|f| f.as_str() == Some("client_credentials")) => {}
                    Some(_) => {
                        return Err(body_error_on(
                            "default_organization.flows",
                            "No enum match for: flows must be [\"client_credentials\"]",
                        ));
                    }
                    None => return Err(body_error("Missing required property: flows")),
                }
            }
            other => {
                return Err(body_error_on(
                    "default_organization",
                    format!("Expected type object but found type {}", type_name(other)),
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn create_client(call: &Call) -> Answer {
    let body = json_object(call.request)?;
    only_properties(&body, CLIENT_PROPERTIES)?;
    check_client_body(&body)?;
    let mut tenant = call.tenant();
    let client = Client {
        client_id: state::client_id(),
        secret: state::client_secret(),
        previous_secret: None,
        previous_until: 0,
        body: state::client_body(&tenant.tenant_name, &body),
    };
    let json = call.client_json(&client, true);
    tenant.clients.insert(client.client_id.clone(), client);
    call.changed();
    Ok(Reply::json(201, Value::Object(json)))
}

/// `PATCH /clients/{id}`: the properties given replace the client's; `client_metadata`
/// is merged key by key (a `null` value removes a key), at most 10 keys in all.
pub(super) fn update_client(call: &Call, id: &str) -> Answer {
    let body = json_object(call.request)?;
    only_properties(&body, CLIENT_PROPERTIES)?;
    check_metadata(&body, "client_metadata", 10, true)?;
    let mut tenant = call.tenant();
    if id == tenant.admin_client_id && body.contains_key("app_type") {
        return Err(api_error(
            403,
            "The sandbox's admin app cannot change type",
            Some("operation_not_supported"),
        ));
    }
    let client = tenant.clients.get_mut(id).ok_or_else(client_not_found)?;
    // Validate the rest as a whole client would be (the name is the client's own unless given).
    let mut whole = body.clone();
    whole.remove("client_metadata");
    if !whole.contains_key("name") {
        whole.insert(
            "name".into(),
            json!(client.text("name").unwrap_or("client")),
        );
    }
    check_client_body(&whole)?;
    let mut metadata = client
        .body
        .get("client_metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(Value::Object(changes)) = body.get("client_metadata") {
        for (key, value) in changes {
            if value.is_null() {
                metadata.remove(key);
            } else {
                metadata.insert(key.clone(), value.clone());
            }
        }
    }
    if metadata.len() > 10 {
        return Err(body_error_on(
            "client_metadata",
            format!(
                "Too many properties defined ({}), maximum 10",
                metadata.len()
            ),
        ));
    }
    for (key, value) in body {
        if key != "client_metadata" {
            client.body.insert(key, value);
        }
    }
    client
        .body
        .insert("client_metadata".into(), Value::Object(metadata));
    let client = client.clone();
    drop(tenant);
    call.changed();
    Ok(Reply::json(
        200,
        Value::Object(call.client_json(&client, false)),
    ))
}

pub(super) fn get_client(call: &Call, id: &str) -> Answer {
    call.request.query.only(&["fields", "include_fields"])?;
    let tenant = call.tenant();
    let client = tenant.clients.get(id).ok_or_else(client_not_found)?;
    let json = select_fields(call, call.client_json(client, false))?;
    Ok(Reply::json(200, Value::Object(json)))
}

/// `GET /resource-servers/{id}`: by id or by identifier (audience), as Auth0 allows.
pub(super) fn get_resource_server(call: &Call, id: &str) -> Answer {
    call.request.query.only(&["fields", "include_fields"])?;
    let tenant = call.tenant();
    let api = &tenant.api;
    if id != api.id && id != api.identifier {
        return Err(api_error(
            404,
            "The resource server does not exist",
            Some("inexistent_resource_server"),
        ));
    }
    let scopes: Vec<Value> = api
        .scopes
        .iter()
        .map(|scope| json!({"value": scope, "description": scope_description(scope)}))
        .collect();
    let body = json!({
        "id": api.id,
        "name": api.name,
        "is_system": false,
        "identifier": api.identifier,
        "scopes": scopes,
        "signing_alg": "RS256",
        "allow_offline_access": false,
        "skip_consent_for_verifiable_first_party_clients": true,
        "token_lifetime": call.shared.token_ttl.as_secs(),
        "token_lifetime_for_web": 7200,
        "token_dialect": "access_token",
        "enforce_policies": false,
    });
    let Value::Object(body) = body else {
        return Err(api_error(500, "Internal error", None));
    };
    Ok(Reply::json(200, Value::Object(select_fields(call, body)?)))
}

/// "read:reports" → "Read reports".
pub(super) fn scope_description(scope: &str) -> String {
    let (verb, noun) = scope.split_once(':').unwrap_or((scope, ""));
    let mut text = format!("{verb} {noun}").trim().replace('_', " ");
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    text
}

pub(super) fn delete_client(call: &Call, id: &str) -> Answer {
    let mut tenant = call.tenant();
    if id == tenant.admin_client_id {
        return Err(api_error(
            403,
            "The sandbox's admin app cannot be deleted",
            Some("operation_not_supported"),
        ));
    }
    if !tenant.remove_client(id) {
        return Err(client_not_found());
    }
    call.changed();
    Ok(Reply::empty(204))
}

pub(super) fn rotate_secret(call: &Call, id: &str) -> Answer {
    let mut tenant = call.tenant();
    let client = tenant.clients.get_mut(id).ok_or_else(client_not_found)?;
    let old = std::mem::replace(&mut client.secret, state::client_secret());
    client.previous_secret = Some(old);
    // Auth0 may accept the old secret for a short while after rotation.
    client.previous_until = now_millis() + 30_000;
    let client = client.clone();
    drop(tenant);
    call.changed();
    Ok(Reply::json(
        200,
        Value::Object(call.client_json(&client, true)),
    ))
}

pub(super) fn list_clients(call: &Call) -> Answer {
    let query = &call.request.query;
    query.only(&[
        "fields",
        "include_fields",
        "page",
        "per_page",
        "include_totals",
        "from",
        "take",
        "is_global",
        "is_first_party",
        "app_type",
        "q",
        "external_client_id",
    ])?;
    let is_global = query.boolean("is_global")?;
    let is_first_party = query.boolean("is_first_party")?;
    let app_types: Option<Vec<&str>> = query.get("app_type").map(|t| t.split(',').collect());
    if let Some(types) = &app_types
        && let Some(bad) = types.iter().find(|t| !APP_TYPES.contains(t))
    {
        return Err(query_error_on(
            "app_type",
            format!("String does not match pattern: {bad}"),
        ));
    }
    let tenant = call.tenant();
    let organization = match query.get("q") {
        None => None,
        Some(q) => {
            if query.has("page")
                || query.has("per_page")
                || query.has("include_totals")
                || !query.has("take")
            {
                return Err(query_error(
                    "The q parameter requires checkpoint pagination: use take (and from for later pages), not page/per_page",
                ));
            }
            if is_global.is_some() || is_first_party.is_some() || app_types.is_some() {
                return Err(query_error(
                    "The q parameter cannot be combined with other filters",
                ));
            }
            match q.trim().strip_prefix("client_grant.organization_id:") {
                Some(org) => Some(org.trim().trim_matches('"').to_owned()),
                None if q.trim() == "client_grant.allow_any_organization:true" => {
                    Some(String::new())
                }
                None => {
                    return Err(query_error_on(
                        "q",
                        format!(
                            "Unsupported query: {q}. Permitted: client_grant.organization_id:ORG_ID, client_grant.allow_any_organization:true"
                        ),
                    ));
                }
            }
        }
    };
    let selected: Vec<&Client> = match &organization {
        Some(org) => {
            let client_ids: BTreeSet<&str> = if org.is_empty() {
                tenant
                    .grants
                    .values()
                    .filter(|g| g.allow_any_organization)
                    .map(|g| g.client_id.as_str())
                    .collect()
            } else {
                tenant
                    .org_grants
                    .get(org)
                    .into_iter()
                    .flatten()
                    .filter_map(|gid| tenant.grants.get(gid))
                    .map(|g| g.client_id.as_str())
                    .collect()
            };
            client_ids
                .into_iter()
                .filter_map(|id| tenant.clients.get(id))
                .collect()
        }
        None => tenant
            .clients
            .values()
            .filter(|c| {
                is_global.is_none_or(|g| c.body.get("global").and_then(Value::as_bool) == Some(g))
            })
            .filter(|c| {
                is_first_party.is_none_or(|f| {
                    c.body.get("is_first_party").and_then(Value::as_bool) == Some(f)
                })
            })
            .filter(|c| {
                app_types
                    .as_ref()
                    .is_none_or(|types| c.text("app_type").is_some_and(|t| types.contains(&t)))
            })
            .collect(),
    };
    let mut items = Vec::with_capacity(selected.len());
    for client in selected {
        let json = select_fields(call, call.client_json(client, false))?;
        items.push((client.client_id.clone(), Value::Object(json)));
    }
    drop(tenant);
    if query.has("from") || query.has("take") {
        return checkpoint_page(call, "cli", "clients", items);
    }
    offset_page(call, "clients", items)
}
