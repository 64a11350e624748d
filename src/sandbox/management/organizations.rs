//! `/organizations`: list, get (by id or name), create, update, delete.

use std::ops::Bound;

use serde_json::{Map, Value, json};

use crate::sandbox::state::{self, Organization, TenantState};
use crate::sandbox::vocab::{
    Query, Reply, api_error, body_error, body_error_on, json_object, only_properties,
    query_error_on, type_name,
};

use super::checks::{check_length, check_metadata, check_type, expect_string};
use super::paging::{checkpoint, from_checkpoint, offset};
use super::{Answer, Call, organization_not_found};

pub(super) const ORG_NAME_LABEL: &str = "name (The name of this organization)";

pub(super) fn check_organization_name(name: &str) -> Result<(), Reply> {
    check_length(name, ORG_NAME_LABEL, 1, 50)?;
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(body_error_on(
            ORG_NAME_LABEL,
            format!("String does not match pattern ^[a-z0-9\\-_]+$: {name}"),
        ))
    }
}

pub(super) fn check_branding(body: &Map<String, Value>) -> Result<(), Reply> {
    let Some(value) = body.get("branding") else {
        return Ok(());
    };
    let Value::Object(branding) = value else {
        return Err(body_error_on(
            "branding",
            format!("Expected type object but found type {}", type_name(value)),
        ));
    };
    for key in branding.keys() {
        if key != "logo_url" && key != "colors" {
            return Err(body_error(format!(
                "Additional properties not allowed: {key}"
            )));
        }
    }
    if let Some(logo) = branding.get("logo_url") {
        match logo {
            Value::String(url) if url.starts_with("https://") => {}
            _ => {
                return Err(body_error_on(
                    "branding.logo_url",
                    "Object didn't pass validation for format strict-https-uri-or-null",
                ));
            }
        }
    }
    if let Some(colors) = branding.get("colors") {
        let Value::Object(colors) = colors else {
            return Err(body_error_on("branding.colors", "Expected type object"));
        };
        for key in colors.keys() {
            if key != "primary" && key != "page_background" {
                return Err(body_error(format!(
                    "Additional properties not allowed: {key}"
                )));
            }
        }
        for required in ["primary", "page_background"] {
            match colors.get(required) {
                Some(Value::String(c)) if c.starts_with('#') && (c.len() == 7 || c.len() == 4) => {}
                Some(_) => {
                    return Err(body_error_on(
                        &format!("branding.colors.{required}"),
                        "Object didn't pass validation for format html-color",
                    ));
                }
                None => {
                    return Err(body_error(format!("Missing required property: {required}")));
                }
            }
        }
    }
    Ok(())
}

pub(super) fn check_organization_body(body: &Map<String, Value>) -> Result<(), Reply> {
    if let Some(name) = expect_string(body, "name", ORG_NAME_LABEL)? {
        check_organization_name(name)?;
    }
    if let Some(display) = expect_string(body, "display_name", "display_name")? {
        check_length(display, "display_name", 1, 255)?;
    }
    check_metadata(body, "metadata", 25, true)?;
    check_branding(body)?;
    check_type(body, "enabled_connections", "array")?;
    check_type(body, "token_quota", "object")?;
    Ok(())
}

pub(super) fn organization_conflict() -> Reply {
    api_error(
        409,
        "An organization with the same name already exists.",
        Some("organization_conflict"),
    )
}

pub(super) fn list_organizations(call: &Call) -> Answer {
    let query = &call.request.query;
    query.only(&["page", "per_page", "include_totals", "from", "take", "sort"])?;
    let sort = sort_order(query)?;
    let tenant = call.tenant();
    if query.has("from") || query.has("take") {
        return organizations_from_checkpoint(query, &tenant);
    }
    let paging = offset(call, 50)?;
    paging.within_cap()?;
    let items = sorted_organizations(&tenant, sort.as_ref(), paging.start(), paging.len());
    Ok(paging.wrap("organizations", items, tenant.organizations.len()))
}

/// `sort=FIELD:1|-1` as (field, ascending), for `name`, `display_name` or `created_at`.
fn sort_order(query: &Query) -> Result<Option<(String, bool)>, Reply> {
    let Some(sort) = query.get("sort") else {
        return Ok(None);
    };
    let parsed = sort.split_once(':').and_then(|(field, order)| {
        let ascending = match order {
            "1" => true,
            "-1" => false,
            _ => return None,
        };
        ["name", "display_name", "created_at"]
            .contains(&field)
            .then_some((field.to_owned(), ascending))
    });
    parsed.map(Some).ok_or_else(|| {
        query_error_on(
            "sort",
            format!(
                "String does not match pattern ^((display_name)|(created_at)|(name))\\:(1|-1)$: {sort}"
            ),
        )
    })
}

/// A checkpoint page (`from`, `take`), in name order.
fn organizations_from_checkpoint(query: &Query, tenant: &TenantState) -> Answer {
    let take = query.integer("take", 1, Some(100))?.unwrap_or(50);
    let take = usize::try_from(take).unwrap_or(100);
    let after = match query.get("from") {
        Some(from) if !from.is_empty() => Some(from_checkpoint("org", from)?),
        _ => None,
    };
    // Names are unique and indexed: each page is a range read, O(log N + take).
    let mut names = match &after {
        Some(after) => tenant
            .org_names
            .range::<String, _>((Bound::Excluded(after), Bound::Unbounded)),
        None => tenant.org_names.range::<String, _>(..),
    };
    let page: Vec<(&String, &String)> = names.by_ref().take(take).collect();
    let more = names.next().is_some();
    let mut body = Map::new();
    body.insert(
        "organizations".into(),
        Value::Array(
            page.iter()
                .filter_map(|(_, id)| tenant.organizations.get(*id))
                .map(Organization::to_json)
                .collect(),
        ),
    );
    if more && let Some((last, _)) = page.last() {
        body.insert("next".into(), json!(checkpoint("org", last)));
    }
    Ok(Reply::json(200, Value::Object(body)))
}

/// `len` organizations from `start` in the sort order (name order by default, from the index).
fn sorted_organizations(
    tenant: &TenantState,
    sort: Option<&(String, bool)>,
    start: usize,
    len: usize,
) -> Vec<Value> {
    match sort.map(|(f, a)| (f.as_str(), *a)) {
        None | Some(("name", true)) => tenant
            .org_names
            .values()
            .skip(start)
            .take(len)
            .filter_map(|id| tenant.organizations.get(id))
            .map(Organization::to_json)
            .collect(),
        Some(("name", false)) => tenant
            .org_names
            .values()
            .rev()
            .skip(start)
            .take(len)
            .filter_map(|id| tenant.organizations.get(id))
            .map(Organization::to_json)
            .collect(),
        Some((field, ascending)) => {
            let mut all: Vec<&Organization> = tenant.organizations.values().collect();
            if field == "created_at" {
                all.sort_by_key(|o| o.seq);
            } else {
                all.sort_by(|a, b| {
                    a.display_name
                        .as_deref()
                        .unwrap_or(&a.name)
                        .cmp(b.display_name.as_deref().unwrap_or(&b.name))
                        .then_with(|| a.name.cmp(&b.name))
                });
            }
            if !ascending {
                all.reverse();
            }
            all.into_iter()
                .skip(start)
                .take(len)
                .map(Organization::to_json)
                .collect()
        }
    }
}

pub(super) fn get_organization(call: &Call, key: &str, by_name: bool) -> Answer {
    call.request.query.only(&[])?;
    let tenant = call.tenant();
    let org = if by_name {
        tenant
            .org_names
            .get(key)
            .and_then(|id| tenant.organizations.get(id))
    } else {
        tenant.organizations.get(key)
    };
    org.map(|o| Reply::json(200, o.to_json()))
        .ok_or_else(organization_not_found)
}

pub(super) fn create_organization(call: &Call) -> Answer {
    let body = json_object(call.request)?;
    only_properties(
        &body,
        &[
            "name",
            "display_name",
            "metadata",
            "branding",
            "enabled_connections",
            "token_quota",
        ],
    )?;
    let Some(name) = expect_string(&body, "name", ORG_NAME_LABEL)? else {
        return Err(body_error("Missing required property: name"));
    };
    check_organization_body(&body)?;
    let mut tenant = call.tenant();
    if tenant.org_names.contains_key(name) {
        return Err(organization_conflict());
    }
    let org = Organization {
        id: state::organization_id(),
        name: name.to_owned(),
        display_name: body
            .get("display_name")
            .and_then(Value::as_str)
            .map(str::to_owned),
        metadata: body.get("metadata").and_then(Value::as_object).cloned(),
        branding: body.get("branding").cloned(),
        seq: 0,
    };
    let json = org.to_json();
    tenant.insert_organization(org);
    call.changed();
    Ok(Reply::json(201, json))
}

pub(super) fn update_organization(call: &Call, id: &str) -> Answer {
    let body = json_object(call.request)?;
    only_properties(
        &body,
        &[
            "name",
            "display_name",
            "metadata",
            "branding",
            "token_quota",
        ],
    )?;
    check_organization_body(&body)?;
    let mut tenant = call.tenant();
    let Some(current) = tenant.organizations.get(id).cloned() else {
        return Err(organization_not_found());
    };
    let mut org = current.clone();
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        if name != current.name && tenant.org_names.contains_key(name) {
            return Err(organization_conflict());
        }
        org.name = name.to_owned();
    }
    if let Some(display) = body.get("display_name").and_then(Value::as_str) {
        org.display_name = Some(display.to_owned());
    }
    if let Some(metadata) = body.get("metadata").and_then(Value::as_object) {
        let mut merged = org.metadata.clone().unwrap_or_default();
        for (k, v) in metadata {
            if v.is_null() {
                merged.remove(k);
            } else {
                merged.insert(k.clone(), v.clone());
            }
        }
        org.metadata = Some(merged);
    }
    if let Some(branding) = body.get("branding") {
        org.branding = Some(branding.clone());
    }
    tenant.org_names.remove(&current.name);
    tenant.org_names.insert(org.name.clone(), org.id.clone());
    let json = org.to_json();
    tenant.organizations.insert(org.id.clone(), org);
    call.changed();
    Ok(Reply::json(200, json))
}

pub(super) fn delete_organization(call: &Call, id: &str) -> Answer {
    let mut tenant = call.tenant();
    let Some(org) = tenant.organizations.remove(id) else {
        return Err(organization_not_found());
    };
    tenant.org_names.remove(&org.name);
    tenant.org_grants.remove(id);
    tenant.members.remove(id);
    tenant.invitations.remove(id);
    call.changed();
    Ok(Reply::empty(204))
}
