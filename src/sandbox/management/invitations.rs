//! `/organizations/{id}/invitations`.

use serde_json::{Map, Value, json};

use crate::sandbox::now_secs;
use crate::sandbox::state::{self};
use crate::sandbox::vocab::{
    Reply, api_error, body_error, body_error_on, json_object, only_properties, type_name,
};

use super::checks::{check_length, check_type, expect_string};
use super::paging::{offset_page, select_fields};
use super::{Answer, Call, organization_not_found};

/// The longest invitation Auth0 allows (30 days); the default is 7.
pub(super) const MAX_INVITATION_TTL: u64 = 30 * 24 * 3600;

pub(super) fn invitation_not_found() -> Reply {
    api_error(
        404,
        "The invitation does not exist",
        Some("inexistent_invitation"),
    )
}

/// `POST /organizations/{id}/invitations`.
pub(super) fn create_invitation(call: &Call, id: &str) -> Answer {
    let body = json_object(call.request)?;
    only_properties(
        &body,
        &[
            "inviter",
            "invitee",
            "client_id",
            "connection_id",
            "app_metadata",
            "user_metadata",
            "ttl_sec",
            "roles",
            "send_invitation_email",
        ],
    )?;
    let asked = InvitationAsked::from_body(&body)?;
    let mut tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let login_app = tenant.login_client_id.as_deref() == Some(asked.client_id);
    if !tenant.clients.contains_key(asked.client_id) && !login_app {
        return Err(api_error(
            400,
            "The client_id provided does not exist",
            Some("invalid_body"),
        ));
    }
    let organization_name = tenant
        .organizations
        .get(id)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let invitation_id = format!("uinv_{}", state::random_string(16, state::ALPHANUMERIC));
    let invitation = asked.to_json(call, &invitation_id, id, &organization_name, &body);
    let sent = body
        .get("send_invitation_email")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    tenant
        .invitations
        .entry(id.to_owned())
        .or_default()
        .push(state::Invitation {
            id: invitation_id,
            body: invitation.clone(),
            email_sent: sent,
        });
    call.changed();
    Ok(Reply::json(201, invitation))
}

/// What a checked `POST /organizations/{id}/invitations` body asks for.
struct InvitationAsked<'b> {
    inviter_name: &'b str,
    email: &'b str,
    client_id: &'b str,
    /// Seconds the invitation lasts.
    ttl: u64,
}

impl<'b> InvitationAsked<'b> {
    /// Auth0's checks of the body, in its order: inviter, invitee, client, email flag, ttl.
    fn from_body(body: &'b Map<String, Value>) -> Result<Self, Reply> {
        let inviter = required_object(body, "inviter")?;
        let invitee = required_object(body, "invitee")?;
        let Some(inviter_name) = expect_string(inviter, "name", "inviter.name")? else {
            return Err(body_error("Missing required property: inviter.name"));
        };
        check_length(inviter_name, "inviter.name", 1, 300)?;
        let Some(email) = expect_string(invitee, "email", "invitee.email")? else {
            return Err(body_error("Missing required property: invitee.email"));
        };
        if !email.contains('@') || email.contains(char::is_whitespace) {
            return Err(body_error_on(
                "invitee.email",
                "Object didn't pass validation for format email",
            ));
        }
        let Some(client_id) = expect_string(body, "client_id", "client_id")? else {
            return Err(body_error("Missing required property: client_id"));
        };
        check_type(body, "send_invitation_email", "boolean")?;
        check_type(body, "ttl_sec", "integer")?;
        let ttl = match body.get("ttl_sec").and_then(Value::as_u64) {
            Some(0) | None => 7 * 24 * 3600,
            Some(ttl) if ttl <= MAX_INVITATION_TTL => ttl,
            Some(_) => {
                return Err(body_error_on(
                    "ttl_sec",
                    format!("Must be less than or equal to {MAX_INVITATION_TTL}"),
                ));
            }
        };
        Ok(InvitationAsked {
            inviter_name,
            email,
            client_id,
            ttl,
        })
    }

    /// The invitation as Auth0 answers it, with a fresh ticket in its URL.
    fn to_json(
        &self,
        call: &Call,
        invitation_id: &str,
        organization_id: &str,
        organization_name: &str,
        body: &Map<String, Value>,
    ) -> Value {
        let created = now_secs();
        let ticket = state::random_string(32, state::ALPHANUMERIC);
        json!({
            "id": invitation_id,
            "organization_id": organization_id,
            "inviter": {"name": self.inviter_name},
            "invitee": {"email": self.email},
            "invitation_url": format!(
                "{}/login?invitation={ticket}&organization={organization_id}&organization_name={organization_name}",
                call.shared.base_url
            ),
            "created_at": rfc3339(created),
            "expires_at": rfc3339(created + self.ttl),
            "client_id": self.client_id,
            "app_metadata": body.get("app_metadata").cloned().unwrap_or_else(|| json!({})),
            "user_metadata": body.get("user_metadata").cloned().unwrap_or_else(|| json!({})),
            "roles": body.get("roles").cloned().unwrap_or_else(|| json!([])),
            "ticket_id": ticket,
        })
    }
}

/// A required object property of the body.
fn required_object<'b>(
    body: &'b Map<String, Value>,
    name: &str,
) -> Result<&'b Map<String, Value>, Reply> {
    match body.get(name) {
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(body_error_on(
            name,
            format!("Expected type object but found type {}", type_name(other)),
        )),
        None => Err(body_error(format!("Missing required property: {name}"))),
    }
}

/// `GET /organizations/{id}/invitations` (offset paging, newest last).
pub(super) fn list_invitations(call: &Call, id: &str) -> Answer {
    call.request.query.only(&[
        "page",
        "per_page",
        "include_totals",
        "fields",
        "include_fields",
        "sort",
    ])?;
    let tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let mut items = Vec::new();
    for invitation in tenant.invitations.get(id).into_iter().flatten() {
        let json = match invitation.body.clone() {
            Value::Object(map) => Value::Object(select_fields(call, map)?),
            other => other,
        };
        items.push((invitation.id.clone(), json));
    }
    drop(tenant);
    offset_page(call, "invitations", items)
}

/// `GET /organizations/{id}/invitations/{invitation_id}`.
pub(super) fn get_invitation(call: &Call, id: &str, invitation_id: &str) -> Answer {
    call.request.query.only(&["fields", "include_fields"])?;
    let tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let invitation = tenant
        .invitations
        .get(id)
        .into_iter()
        .flatten()
        .find(|i| i.id == invitation_id)
        .ok_or_else(invitation_not_found)?;
    Ok(Reply::json(200, invitation.body.clone()))
}

/// `DELETE /organizations/{id}/invitations/{invitation_id}`.
pub(super) fn delete_invitation(call: &Call, id: &str, invitation_id: &str) -> Answer {
    let mut tenant = call.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let list = tenant.invitations.entry(id.to_owned()).or_default();
    let before = list.len();
    list.retain(|i| i.id != invitation_id);
    if list.len() == before {
        return Err(invitation_not_found());
    }
    call.changed();
    Ok(Reply::empty(204))
}

/// Seconds since the epoch as Auth0 writes times: `2026-12-03T10:00:00.000Z`.
pub(super) fn rfc3339(secs: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    text.replace('Z', ".000Z")
}
