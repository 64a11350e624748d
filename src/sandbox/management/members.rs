//! `/organizations/{id}/members` and `/users-by-email`.

use serde_json::Value;

use crate::sandbox::vocab::{
    Reply, api_error, body_error, body_error_on, json_object, only_properties, query_error,
    type_name,
};

use super::paging::{checkpoint_page, offset, select_fields};
use super::{Answer, Call, organization_not_found};

pub(super) fn list_members(call: &Call, id: &str) -> Answer {
    let query = &call.request.query;
    query.only(&[
        "page",
        "per_page",
        "include_totals",
        "from",
        "take",
        "fields",
        "include_fields",
    ])?;
    let tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let mut members: Vec<(String, Value)> = Vec::new();
    for user_id in tenant.members.get(id).into_iter().flatten() {
        if let Some(user) = tenant.users.get(user_id) {
            let json = match user.to_member_json() {
                Value::Object(map) => Value::Object(select_fields(call, map)?),
                other => other,
            };
            members.push((user_id.clone(), json));
        }
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    if query.has("from") || query.has("take") {
        return checkpoint_page(call, "mem", "members", members);
    }
    let paging = offset(call, 50)?;
    paging.within_cap()?;
    let items = members.into_iter().map(|(_, v)| v).collect();
    Ok(paging.page_of("members", items))
}

/// The `members` array of a members body: 1 or more user id strings.
pub(super) fn member_ids(call: &Call) -> Result<Vec<String>, Reply> {
    let body = json_object(call.request)?;
    only_properties(&body, &["members"])?;
    let Some(members) = body.get("members") else {
        return Err(body_error("Missing required property: members"));
    };
    let Value::Array(members) = members else {
        return Err(body_error_on(
            "members",
            format!("Expected type array but found type {}", type_name(members)),
        ));
    };
    if members.is_empty() {
        return Err(body_error_on(
            "members",
            "Array is too short (0), minimum 1",
        ));
    }
    members
        .iter()
        .map(|member| match member {
            Value::String(s) => Ok(s.clone()),
            other => Err(body_error_on(
                "members",
                format!("Expected type string but found type {}", type_name(other)),
            )),
        })
        .collect()
}

pub(super) fn add_members(call: &Call, id: &str) -> Answer {
    let ids = member_ids(call)?;
    let mut tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    if let Some(unknown) = ids.iter().find(|u| !tenant.users.contains_key(*u)) {
        return Err(api_error(
            400,
            format!("One or more users do not exist: {unknown}"),
            Some("invalid_body"),
        ));
    }
    let list = tenant.members.entry(id.to_owned()).or_default();
    for user in ids {
        if !list.contains(&user) {
            list.push(user);
        }
    }
    call.changed();
    Ok(Reply::empty(204))
}

/// `DELETE /organizations/{id}/members {members}`: users that are not members are ignored.
pub(super) fn remove_members(call: &Call, id: &str) -> Answer {
    let ids = member_ids(call)?;
    let mut tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    if let Some(list) = tenant.members.get_mut(id) {
        list.retain(|member| !ids.contains(member));
    }
    call.changed();
    Ok(Reply::empty(204))
}

pub(super) fn users_by_email(call: &Call) -> Answer {
    let query = &call.request.query;
    query.only(&["email", "fields", "include_fields"])?;
    let Some(email) = query.get("email") else {
        return Err(query_error("Missing required property: email"));
    };
    let email = email.trim().to_lowercase();
    let tenant = call.tenant();
    let mut users = Vec::new();
    for user in tenant
        .users
        .values()
        .filter(|u| u.email.to_lowercase() == email)
    {
        if let Value::Object(map) = user.to_json() {
            users.push(Value::Object(select_fields(call, map)?));
        }
    }
    Ok(Reply::json(200, Value::Array(users)))
}
