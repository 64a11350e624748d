//! `/clients` and `/resource-servers/{id}`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::sandbox::now_millis;
use crate::sandbox::state::{self, Client, TenantState};
use crate::sandbox::vocab::{
    Query, Reply, api_error, body_error, body_error_on, json_object, only_properties, query_error,
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

/// Client properties that are arrays of strings (at most 1024 each).
const STRING_ARRAY_PROPERTIES: &[&str] = &[
    "grant_types",
    "allowed_clients",
    "client_aliases",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "allowed_logout_urls",
];

/// Client properties that are booleans.
const BOOLEAN_PROPERTIES: &[&str] = &[
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
];

/// Client properties that are objects.
const OBJECT_PROPERTIES: &[&str] = &[
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
];

/// Auth0's checks of a client body, in Auth0's order: name, description, enums, types, default organization.
pub(super) fn check_client_body(body: &Map<String, Value>) -> Result<(), Reply> {
    check_client_name(body)?;
    if let Some(description) = expect_string(body, "description", "description")? {
        check_length(description, "description", 0, 140)?;
    }
    check_client_enums(body)?;
    check_client_types(body)?;
    check_metadata(body, "client_metadata", 10, false)?;
    match body.get("default_organization") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(default)) => check_default_organization(default),
        Some(other) => Err(body_error_on(
            "default_organization",
            format!("Expected type object but found type {}", type_name(other)),
        )),
    }
}

/// `name` is required, not empty, without `<` or `>`.
fn check_client_name(body: &Map<String, Value>) -> Result<(), Reply> {
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
    Ok(())
}

/// The properties that take one of a fixed set of strings.
fn check_client_enums(body: &Map<String, Value>) -> Result<(), Reply> {
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
    )
}

/// The array, boolean, object and nullable properties have their JSON types.
fn check_client_types(body: &Map<String, Value>) -> Result<(), Reply> {
    for name in STRING_ARRAY_PROPERTIES {
        check_string_array(body, name, 1024)?;
    }
    for name in BOOLEAN_PROPERTIES {
        check_type(body, name, "boolean")?;
    }
    for name in OBJECT_PROPERTIES {
        check_type(body, name, "object")?;
    }
    check_type(body, "refresh_token", "object|null")?;
    check_type(body, "par_request_expiry", "integer|null")
}

/// `default_organization` is `{organization_id: "org_...", flows: ["client_credentials"]}`.
fn check_default_organization(default: &Map<String, Value>) -> Result<(), Reply> {
    if let Some(key) = default
        .keys()
        .find(|key| *key != "organization_id" && *key != "flows")
    {
        return Err(body_error(format!(
            "Additional properties not allowed: {key}"
        )));
    }
    match default.get("organization_id") {
        Some(Value::String(id)) if id.starts_with("org_") => {}
        Some(Value::String(id)) => {
            return Err(body_error_on(
                "default_organization.organization_id",
                format!("Object didn't pass validation for format organization-id: {id}"),
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
                .all(|f| f.as_str() == Some("client_credentials")) =>
        {
            Ok(())
        }
        Some(_) => Err(body_error_on(
            "default_organization.flows",
            "No enum match for: flows must be [\"client_credentials\"]",
        )),
        None => Err(body_error("Missing required property: flows")),
    }
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
    let filters = ClientFilters::from_query(query)?;
    let tenant = call.tenant();
    let selected: Vec<&Client> = match organization_query(query, &filters)? {
        Some(org) => clients_of_organization(&tenant, &org),
        None => tenant
            .clients
            .values()
            .filter(|c| filters.admit(c))
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

/// `GET /clients`' filters: `is_global`, `is_first_party`, `app_type` (comma separated).
struct ClientFilters<'q> {
    is_global: Option<bool>,
    is_first_party: Option<bool>,
    app_types: Option<Vec<&'q str>>,
}

impl<'q> ClientFilters<'q> {
    fn from_query(query: &'q Query) -> Result<Self, Reply> {
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
        Ok(ClientFilters {
            is_global,
            is_first_party,
            app_types,
        })
    }

    fn is_empty(&self) -> bool {
        self.is_global.is_none() && self.is_first_party.is_none() && self.app_types.is_none()
    }

    /// Whether the client passes every filter given.
    fn admit(&self, client: &Client) -> bool {
        let flag = |name: &str| client.body.get(name).and_then(Value::as_bool);
        self.is_global.is_none_or(|g| flag("global") == Some(g))
            && self
                .is_first_party
                .is_none_or(|f| flag("is_first_party") == Some(f))
            && self
                .app_types
                .as_ref()
                .is_none_or(|types| client.text("app_type").is_some_and(|t| types.contains(&t)))
    }
}

/// The organization `q` asks for (empty: grants that allow any organization), or none.
fn organization_query(query: &Query, filters: &ClientFilters) -> Result<Option<String>, Reply> {
    let Some(q) = query.get("q") else {
        return Ok(None);
    };
    if query.has("page")
        || query.has("per_page")
        || query.has("include_totals")
        || !query.has("take")
    {
        return Err(query_error(
            "The q parameter requires checkpoint pagination: use take (and from for later pages), not page/per_page",
        ));
    }
    if !filters.is_empty() {
        return Err(query_error(
            "The q parameter cannot be combined with other filters",
        ));
    }
    match q.trim().strip_prefix("client_grant.organization_id:") {
        Some(org) => Ok(Some(org.trim().trim_matches('"').to_owned())),
        None if q.trim() == "client_grant.allow_any_organization:true" => Ok(Some(String::new())),
        None => Err(query_error_on(
            "q",
            format!(
                "Unsupported query: {q}. Permitted: client_grant.organization_id:ORG_ID, client_grant.allow_any_organization:true"
            ),
        )),
    }
}

/// The clients whose grants are linked to `org` (empty: whose grants allow any organization).
fn clients_of_organization<'t>(tenant: &'t TenantState, org: &str) -> Vec<&'t Client> {
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
