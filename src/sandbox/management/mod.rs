//! The Management API (`/api/v2/...`): the endpoints the portal uses, with
//! Auth0's scopes, strict bodies, paging, 404s and 409s, and rate-limit
//! headers on every answer. This file routes and authenticates; each
//! resource's endpoints live in their own module.

mod checks;
mod clients;
mod grants;
mod invitations;
mod members;
mod organizations;
mod paging;

use std::sync::atomic::Ordering;

use serde_json::{Map, Value, json};

use super::state::{Client, TenantState};
use super::vocab::{Reply, Request, api_error, percent_decode};
use super::{Shared, lock};
use clients::{
    create_client, delete_client, get_client, get_resource_server, list_clients, rotate_secret,
    update_client,
};
use grants::{
    create_grant, delete_grant, get_grant, link_grant, list_grant_organizations, list_grants,
    list_org_grants, unlink_grant,
};
use invitations::{create_invitation, delete_invitation, get_invitation, list_invitations};
use members::{add_members, list_members, remove_members, users_by_email};
use organizations::{
    create_organization, delete_organization, get_organization, list_organizations,
    update_organization,
};

/// The scopes the admin app gets by default: all the portal needs, never `read:client_keys`.
pub(crate) const ADMIN_SCOPES: &[&str] = &[
    "read:organizations",
    "create:organizations",
    "update:organizations",
    "delete:organizations",
    "read:organization_members",
    "create:organization_members",
    "delete:organization_members",
    "read:organization_invitations",
    "create:organization_invitations",
    "delete:organization_invitations",
    "read:users",
    "read:clients",
    "create:clients",
    "delete:clients",
    "update:client_keys",
    "update:clients",
    "read:client_grants",
    "create:client_grants",
    "delete:client_grants",
    "read:organization_client_grants",
    "create:organization_client_grants",
    "delete:organization_client_grants",
    "read:resource_servers",
];

/// Offset paging stops here for organizations (Auth0's cap).
const OFFSET_CAP: u64 = 1000;
/// Organizations may have this many M2M client grants linked.
const ORG_GRANT_QUOTA: usize = 100;

/// A Management API endpoint the sandbox serves, with its path parameters.
#[derive(Debug)]
enum Endpoint {
    ListOrganizations,
    CreateOrganization,
    GetOrganization(String),
    UpdateOrganization(String),
    DeleteOrganization(String),
    GetOrganizationByName(String),
    ListMembers(String),
    AddMembers(String),
    ListOrganizationGrants(String),
    LinkGrant(String),
    UnlinkGrant(String, String),
    UsersByEmail,
    ListClients,
    CreateClient,
    GetClient(String),
    DeleteClient(String),
    RotateSecret(String),
    ListGrants,
    CreateGrant,
    GetGrant(String),
    ListGrantOrganizations(String),
    UpdateClient(String),
    DeleteGrant(String),
    GetResourceServer(String),
    RemoveMembers(String),
    ListInvitations(String),
    CreateInvitation(String),
    GetInvitation(String, String),
    DeleteInvitation(String, String),
}

/// The endpoint a method and path name, with the scope it needs.
fn endpoint_for(method: &str, segments: &[&str]) -> Option<(Endpoint, &'static str)> {
    match segments {
        ["organizations", rest @ ..] => organization_endpoint(method, rest),
        _ => tenant_endpoint(method, segments),
    }
}

/// `/organizations/...`: organizations, their members, invitations and grant links.
fn organization_endpoint(method: &str, rest: &[&str]) -> Option<(Endpoint, &'static str)> {
    let owned = |s: &str| s.to_owned();
    Some(match (method, rest) {
        ("GET", []) => (Endpoint::ListOrganizations, "read:organizations"),
        ("POST", []) => (Endpoint::CreateOrganization, "create:organizations"),
        ("GET", ["name", name]) => (
            Endpoint::GetOrganizationByName(owned(name)),
            "read:organizations",
        ),
        ("GET", [id]) => (Endpoint::GetOrganization(owned(id)), "read:organizations"),
        ("PATCH", [id]) => (
            Endpoint::UpdateOrganization(owned(id)),
            "update:organizations",
        ),
        ("DELETE", [id]) => (
            Endpoint::DeleteOrganization(owned(id)),
            "delete:organizations",
        ),
        ("GET", [id, "members"]) => (
            Endpoint::ListMembers(owned(id)),
            "read:organization_members",
        ),
        ("POST", [id, "members"]) => (
            Endpoint::AddMembers(owned(id)),
            "create:organization_members",
        ),
        ("DELETE", [id, "members"]) => (
            Endpoint::RemoveMembers(owned(id)),
            "delete:organization_members",
        ),
        ("GET", [id, "invitations"]) => (
            Endpoint::ListInvitations(owned(id)),
            "read:organization_invitations",
        ),
        ("POST", [id, "invitations"]) => (
            Endpoint::CreateInvitation(owned(id)),
            "create:organization_invitations",
        ),
        ("GET", [id, "invitations", invitation]) => (
            Endpoint::GetInvitation(owned(id), owned(invitation)),
            "read:organization_invitations",
        ),
        ("DELETE", [id, "invitations", invitation]) => (
            Endpoint::DeleteInvitation(owned(id), owned(invitation)),
            "delete:organization_invitations",
        ),
        ("GET", [id, "client-grants"]) => (
            Endpoint::ListOrganizationGrants(owned(id)),
            "read:organization_client_grants",
        ),
        ("POST", [id, "client-grants"]) => (
            Endpoint::LinkGrant(owned(id)),
            "create:organization_client_grants",
        ),
        ("DELETE", [id, "client-grants", grant]) => (
            Endpoint::UnlinkGrant(owned(id), owned(grant)),
            "delete:organization_client_grants",
        ),
        _ => return None,
    })
}

/// Users, clients, client grants and resource servers.
fn tenant_endpoint(method: &str, segments: &[&str]) -> Option<(Endpoint, &'static str)> {
    let owned = |s: &str| s.to_owned();
    Some(match (method, segments) {
        ("GET", ["users-by-email"]) => (Endpoint::UsersByEmail, "read:users"),
        ("GET", ["clients"]) => (Endpoint::ListClients, "read:clients"),
        ("POST", ["clients"]) => (Endpoint::CreateClient, "create:clients"),
        ("GET", ["clients", id]) => (Endpoint::GetClient(owned(id)), "read:clients"),
        ("DELETE", ["clients", id]) => (Endpoint::DeleteClient(owned(id)), "delete:clients"),
        ("PATCH", ["clients", id]) => (Endpoint::UpdateClient(owned(id)), "update:clients"),
        ("POST", ["clients", id, "rotate-secret"]) => {
            (Endpoint::RotateSecret(owned(id)), "update:client_keys")
        }
        ("GET", ["client-grants"]) => (Endpoint::ListGrants, "read:client_grants"),
        ("POST", ["client-grants"]) => (Endpoint::CreateGrant, "create:client_grants"),
        ("GET", ["client-grants", id]) => (Endpoint::GetGrant(owned(id)), "read:client_grants"),
        ("GET", ["client-grants", id, "organizations"]) => (
            Endpoint::ListGrantOrganizations(owned(id)),
            "read:organization_client_grants",
        ),
        ("DELETE", ["client-grants", id]) => {
            (Endpoint::DeleteGrant(owned(id)), "delete:client_grants")
        }
        ("GET", ["resource-servers", id]) => (
            Endpoint::GetResourceServer(owned(id)),
            "read:resource_servers",
        ),
        _ => return None,
    })
}

/// Serves one Management API call: rate limit, route, token, scope, endpoint.
pub(crate) fn handle(shared: &Shared, request: &Request) -> Reply {
    let rate = lock(&shared.limiter).take();
    let reply = if rate.allowed {
        dispatch(shared, request)
    } else {
        shared.rate_limited.fetch_add(1, Ordering::Relaxed);
        api_error(
            429,
            "Global limit has been reached",
            Some("too_many_requests"),
        )
    };
    reply
        .with_header("x-ratelimit-limit", rate.limit.to_string())
        .with_header("x-ratelimit-remaining", rate.remaining.to_string())
        .with_header("x-ratelimit-reset", rate.reset.to_string())
}

/// The caller, from its Management API token.
struct Caller {
    scopes: Vec<String>,
}

fn invalid_token() -> Reply {
    Reply::json(
        401,
        json!({
            "statusCode": 401,
            "error": "Unauthorized",
            "message": "Invalid token.",
            "attributes": {"error": "Invalid token."}
        }),
    )
}

fn authenticate(shared: &Shared, request: &Request) -> Result<Caller, Reply> {
    let Some(header) = request.header("authorization") else {
        return Err(api_error(401, "Missing authentication", None));
    };
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(invalid_token)?;
    let issuer = format!("{}/", shared.base_url);
    let audience = format!("{}/api/v2/", shared.base_url);
    let keys = shared
        .keys
        .get()
        .map_err(|e| api_error(500, e.to_string(), None))?;
    let claims = keys
        .verify(token, &issuer, &audience)
        .ok_or_else(invalid_token)?;
    if claims.iat <= shared.tokens_cutoff.load(Ordering::SeqCst) {
        return Err(invalid_token());
    }
    Ok(Caller {
        scopes: claims
            .scope
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    })
}

/// One authenticated Management API call being answered: the request and what the caller may see.
struct Call<'a> {
    shared: &'a Shared,
    request: &'a Request,
    read_keys: bool,
}

impl Call<'_> {
    fn tenant(&self) -> std::sync::MutexGuard<'_, TenantState> {
        lock(&self.shared.tenant)
    }

    fn changed(&self) {
        self.shared.dirty.store(true, Ordering::SeqCst);
    }

    fn client_json(&self, client: &Client, with_secret: bool) -> Map<String, Value> {
        let mut out = client.to_json(with_secret || self.read_keys);
        out.insert(
            "signing_keys".into(),
            json!([{
                "cert": self.shared.keys.get().map(|k| k.certificate_pem()).unwrap_or_default(),
                "pkcs7": "",
                "subject": "deprecated"
            }]),
        );
        out
    }
}

fn dispatch(shared: &Shared, request: &Request) -> Reply {
    let rest = request.path.strip_prefix("/api/v2").unwrap_or_default();
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let Some((endpoint, scope)) = endpoint_for(&request.method, &segments) else {
        return api_error(404, "Not Found", None);
    };
    let caller = match authenticate(shared, request) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    if !caller.scopes.iter().any(|s| s == scope) {
        return api_error(
            403,
            format!("Insufficient scope, expected any of: {scope}"),
            Some("insufficient_scope"),
        );
    }
    let call = Call {
        shared,
        request,
        read_keys: caller.scopes.iter().any(|s| s == "read:client_keys"),
    };
    let result = match endpoint {
        Endpoint::ListOrganizations => list_organizations(&call),
        Endpoint::CreateOrganization => create_organization(&call),
        Endpoint::GetOrganization(id) => get_organization(&call, &id, false),
        Endpoint::GetOrganizationByName(name) => get_organization(&call, &name, true),
        Endpoint::UpdateOrganization(id) => update_organization(&call, &id),
        Endpoint::DeleteOrganization(id) => delete_organization(&call, &id),
        Endpoint::ListMembers(id) => list_members(&call, &id),
        Endpoint::AddMembers(id) => add_members(&call, &id),
        Endpoint::ListOrganizationGrants(id) => {
            entitled(&call).and_then(|()| list_org_grants(&call, &id))
        }
        Endpoint::LinkGrant(id) => entitled(&call).and_then(|()| link_grant(&call, &id)),
        Endpoint::UnlinkGrant(id, grant) => {
            entitled(&call).and_then(|()| unlink_grant(&call, &id, &grant))
        }
        Endpoint::UsersByEmail => users_by_email(&call),
        Endpoint::ListClients => list_clients(&call),
        Endpoint::CreateClient => create_client(&call),
        Endpoint::GetClient(id) => get_client(&call, &id),
        Endpoint::DeleteClient(id) => delete_client(&call, &id),
        Endpoint::RotateSecret(id) => rotate_secret(&call, &id),
        Endpoint::ListGrants => list_grants(&call),
        Endpoint::CreateGrant => create_grant(&call),
        Endpoint::GetGrant(id) => get_grant(&call, &id),
        Endpoint::ListGrantOrganizations(id) => {
            entitled(&call).and_then(|()| list_grant_organizations(&call, &id))
        }
        Endpoint::UpdateClient(id) => update_client(&call, &id),
        Endpoint::DeleteGrant(id) => delete_grant(&call, &id),
        Endpoint::GetResourceServer(id) => get_resource_server(&call, &id),
        Endpoint::RemoveMembers(id) => remove_members(&call, &id),
        Endpoint::ListInvitations(id) => list_invitations(&call, &id),
        Endpoint::CreateInvitation(id) => create_invitation(&call, &id),
        Endpoint::GetInvitation(id, invitation) => get_invitation(&call, &id, &invitation),
        Endpoint::DeleteInvitation(id, invitation) => delete_invitation(&call, &id, &invitation),
    };
    result.unwrap_or_else(|reply| reply)
}

type Answer = Result<Reply, Reply>;

fn organization_not_found() -> Reply {
    api_error(
        404,
        "No organization found by that id or name",
        Some("inexistent_organization"),
    )
}

fn client_not_found() -> Reply {
    api_error(404, "The client does not exist", Some("inexistent_client"))
}

fn grant_not_found() -> Reply {
    api_error(
        404,
        "The client grant does not exist",
        Some("inexistent_client_grant"),
    )
}

fn entitled(call: &Call) -> Result<(), Reply> {
    if call.shared.entitled {
        Ok(())
    } else {
        Err(api_error(
            403,
            "Your account does not have access to this feature.",
            Some("operation_not_supported"),
        ))
    }
}
