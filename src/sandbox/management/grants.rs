//! `/client-grants` and `/organizations/{id}/client-grants`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::sandbox::state::{self, Grant, TenantState};
use crate::sandbox::vocab::{Reply, api_error, body_error, json_object, only_properties};

use super::checks::{check_enum, check_length, check_string_array, check_type, expect_string};
use super::paging::{checkpoint_page, offset, offset_page};
use super::{
    Answer, Call, ORG_GRANT_QUOTA, client_not_found, grant_not_found, organization_not_found,
};

pub(super) fn create_grant(call: &Call) -> Answer {
    let body = json_object(call.request)?;
    only_properties(
        &body,
        &[
            "client_id",
            "audience",
            "scope",
            "organization_usage",
            "allow_any_organization",
            "subject_type",
            "authorization_details_types",
            "allow_all_scopes",
            "default_for",
        ],
    )?;
    let (client_id, audience) = check_grant_body(&body)?;
    let mut tenant = call.tenant();
    check_grant_fits(&tenant, &body, client_id, audience)?;
    let grant = grant_from_body(&body, client_id, audience);
    let json = grant.to_json();
    tenant.grants.insert(grant.id.clone(), grant);
    call.changed();
    Ok(Reply::json(201, json))
}

/// Auth0's checks of a grant body on its own; the client id and audience it names.
fn check_grant_body(body: &Map<String, Value>) -> Result<(&str, &str), Reply> {
    let Some(audience) = expect_string(body, "audience", "audience")? else {
        return Err(body_error("Missing required property: audience"));
    };
    check_length(audience, "audience", 1, 600)?;
    let Some(client_id) = expect_string(body, "client_id", "client_id")? else {
        return Err(body_error("Missing required property: client_id"));
    };
    check_string_array(body, "scope", 280)?;
    check_string_array(body, "authorization_details_types", 255)?;
    check_enum(body, "organization_usage", &["deny", "allow", "require"])?;
    check_enum(body, "subject_type", &["client", "user"])?;
    check_enum(body, "default_for", &["third_party_clients"])?;
    check_type(body, "allow_any_organization", "boolean")?;
    check_type(body, "allow_all_scopes", "boolean")?;
    Ok((client_id, audience))
}

/// The grant fits the tenant: the client and API exist, the API defines the scopes,
/// and the client holds no grant for the API yet.
fn check_grant_fits(
    tenant: &TenantState,
    body: &Map<String, Value>,
    client_id: &str,
    audience: &str,
) -> Result<(), Reply> {
    if !tenant.clients.contains_key(client_id) {
        return Err(client_not_found());
    }
    if audience != tenant.api.identifier {
        return Err(api_error(
            404,
            "No resource server found by specified audience",
            Some("inexistent_resource_server"),
        ));
    }
    // Auth0 grants only scopes the API defines (the exact wording is unconfirmed).
    let undefined: Vec<&str> = body
        .get("scope")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|scope| !tenant.api.scopes.iter().any(|s| s == scope))
        .collect();
    if !undefined.is_empty() {
        return Err(api_error(
            400,
            format!(
                "The resource server {audience} does not define the scopes: {}",
                undefined.join(", ")
            ),
            Some("invalid_scope"),
        ));
    }
    if tenant
        .grants
        .values()
        .any(|g| g.client_id == client_id && g.audience == audience)
    {
        return Err(api_error(
            409,
            format!("A client grant already exists between {client_id} and {audience}"),
            Some("conflict"),
        ));
    }
    Ok(())
}

/// A new grant from a checked body, with Auth0's defaults for what it leaves out.
fn grant_from_body(body: &Map<String, Value>, client_id: &str, audience: &str) -> Grant {
    let strings = |name: &str| -> Option<Vec<String>> {
        body.get(name).and_then(Value::as_array).map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    Grant {
        id: state::grant_id(),
        client_id: client_id.to_owned(),
        audience: audience.to_owned(),
        scope: strings("scope").unwrap_or_default(),
        organization_usage: body
            .get("organization_usage")
            .and_then(Value::as_str)
            .unwrap_or("deny")
            .to_owned(),
        allow_any_organization: body
            .get("allow_any_organization")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        subject_type: body
            .get("subject_type")
            .and_then(Value::as_str)
            .unwrap_or("client")
            .to_owned(),
        allow_all_scopes: body.get("allow_all_scopes").and_then(Value::as_bool),
        authorization_details_types: strings("authorization_details_types"),
    }
}

pub(super) fn list_grants(call: &Call) -> Answer {
    let query = &call.request.query;
    query.only(&[
        "per_page",
        "page",
        "include_totals",
        "from",
        "take",
        "audience",
        "client_id",
        "allow_any_organization",
        "subject_type",
        "default_for",
    ])?;
    let allow_any = query.boolean("allow_any_organization")?;
    let tenant = call.tenant();
    let items: Vec<(String, Value)> = tenant
        .grants
        .values()
        .filter(|g| query.get("client_id").is_none_or(|c| g.client_id == c))
        .filter(|g| query.get("audience").is_none_or(|a| g.audience == a))
        .filter(|g| {
            query
                .get("subject_type")
                .is_none_or(|s| g.subject_type == s)
        })
        .filter(|g| allow_any.is_none_or(|a| g.allow_any_organization == a))
        .map(|g| (g.id.clone(), g.to_json()))
        .collect();
    drop(tenant);
    if query.has("from") || query.has("take") {
        return checkpoint_page(call, "cgr", "client_grants", items);
    }
    offset_page(call, "client_grants", items)
}

/// `GET /client-grants/{id}/organizations`: the organizations the grant is linked to,
/// in either paging (checkpoint with `take`/`from`, else offset).
pub(super) fn list_grant_organizations(call: &Call, id: &str) -> Answer {
    call.request
        .query
        .only(&["page", "per_page", "include_totals", "from", "take"])?;
    let tenant = call.tenant();
    if !tenant.grants.contains_key(id) {
        return Err(grant_not_found());
    }
    let items: Vec<(String, Value)> = tenant
        .org_grants
        .iter()
        .filter(|(_, grants)| grants.iter().any(|g| g == id))
        .filter_map(|(org, _)| tenant.organizations.get(org))
        .map(|org| (org.id.clone(), org.to_json()))
        .collect();
    drop(tenant);
    if call.request.query.has("from") || call.request.query.has("take") {
        return checkpoint_page(call, "org", "organizations", items);
    }
    let mut items = items;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    offset_page(call, "organizations", items)
}

pub(super) fn get_grant(call: &Call, id: &str) -> Answer {
    let tenant = call.tenant();
    tenant
        .grants
        .get(id)
        .map(|g| Reply::json(200, g.to_json()))
        .ok_or_else(grant_not_found)
}

pub(super) fn delete_grant(call: &Call, id: &str) -> Answer {
    if !call.tenant().remove_grant(id) {
        return Err(grant_not_found());
    }
    call.changed();
    Ok(Reply::empty(204))
}

// --------------------------------------------- organization client grants

pub(super) fn list_org_grants(call: &Call, id: &str) -> Answer {
    let query = &call.request.query;
    query.only(&[
        "audience",
        "client_id",
        "grant_ids",
        "page",
        "per_page",
        "include_totals",
    ])?;
    let grant_ids: Option<BTreeSet<&str>> = query.has("grant_ids").then(|| {
        query
            .pairs
            .iter()
            .filter(|(k, _)| k == "grant_ids")
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .collect()
    });
    let tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let items: Vec<Value> = tenant
        .org_grants
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|gid| tenant.grants.get(gid))
        .filter(|g| query.get("audience").is_none_or(|a| g.audience == a))
        .filter(|g| query.get("client_id").is_none_or(|c| g.client_id == c))
        .filter(|g| {
            grant_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(g.id.as_str()))
        })
        .map(Grant::to_org_json)
        .collect();
    drop(tenant);
    let paging = offset(call, 50)?;
    Ok(paging.page_of("client_grants", items))
}

pub(super) fn link_grant(call: &Call, id: &str) -> Answer {
    let body = json_object(call.request)?;
    only_properties(&body, &["grant_id"])?;
    let Some(grant_id) = expect_string(&body, "grant_id", "grant_id")? else {
        return Err(body_error("Missing required property: grant_id"));
    };
    let mut tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let Some(grant) = tenant.grants.get(grant_id).cloned() else {
        return Err(grant_not_found());
    };
    if grant.organization_usage == "deny" {
        return Err(api_error(
            400,
            "The client grant must have organization_usage set to allow or require to be associated with an organization.",
            Some("invalid_body"),
        ));
    }
    if tenant.is_linked(id, grant_id) {
        return Err(api_error(
            409,
            "The client grant has already been added to this organization.",
            Some("conflict"),
        ));
    }
    let linked = tenant.org_grants.entry(id.to_owned()).or_default();
    if linked.len() >= ORG_GRANT_QUOTA {
        return Err(api_error(
            409,
            "Quota exceeded; cannot add more than 100 client grants to a single organization",
            Some("conflict"),
        ));
    }
    linked.push(grant_id.to_owned());
    call.changed();
    Ok(Reply::json(201, grant.to_org_json()))
}

pub(super) fn unlink_grant(call: &Call, id: &str, grant_id: &str) -> Answer {
    let mut tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    if !tenant.is_linked(id, grant_id) {
        return Err(api_error(
            404,
            "The client grant is not associated with this organization",
            Some("inexistent_client_grant"),
        ));
    }
    if let Some(linked) = tenant.org_grants.get_mut(id) {
        linked.retain(|g| g != grant_id);
    }
    call.changed();
    Ok(Reply::empty(204))
}
