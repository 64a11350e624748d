//! The Management API (`/api/v2/...`): the endpoints the portal uses, with
//! Auth0's scopes, strict bodies, paging, 404s and 409s, and rate-limit
//! headers on every answer.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::atomic::Ordering;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::http::{
    Reply, Request, api_error, body_error, body_error_on, json_object, only_properties,
    percent_decode, query_error, query_error_on, type_name,
};
use super::state::{self, Client, Grant, Organization, Tenant};
use super::{Shared, lock, now_millis, now_secs};

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

#[derive(Debug)]
enum Route {
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

fn route(method: &str, segments: &[&str]) -> Option<(Route, &'static str)> {
    let owned = |s: &str| s.to_owned();
    Some(match (method, segments) {
        ("GET", ["organizations"]) => (Route::ListOrganizations, "read:organizations"),
        ("POST", ["organizations"]) => (Route::CreateOrganization, "create:organizations"),
        ("GET", ["organizations", "name", name]) => (
            Route::GetOrganizationByName(owned(name)),
            "read:organizations",
        ),
        ("GET", ["organizations", id]) => (Route::GetOrganization(owned(id)), "read:organizations"),
        ("PATCH", ["organizations", id]) => {
            (Route::UpdateOrganization(owned(id)), "update:organizations")
        }
        ("DELETE", ["organizations", id]) => {
            (Route::DeleteOrganization(owned(id)), "delete:organizations")
        }
        ("GET", ["organizations", id, "members"]) => {
            (Route::ListMembers(owned(id)), "read:organization_members")
        }
        ("POST", ["organizations", id, "members"]) => {
            (Route::AddMembers(owned(id)), "create:organization_members")
        }
        ("DELETE", ["organizations", id, "members"]) => (
            Route::RemoveMembers(owned(id)),
            "delete:organization_members",
        ),
        ("GET", ["organizations", id, "invitations"]) => (
            Route::ListInvitations(owned(id)),
            "read:organization_invitations",
        ),
        ("POST", ["organizations", id, "invitations"]) => (
            Route::CreateInvitation(owned(id)),
            "create:organization_invitations",
        ),
        ("GET", ["organizations", id, "invitations", invitation]) => (
            Route::GetInvitation(owned(id), owned(invitation)),
            "read:organization_invitations",
        ),
        ("DELETE", ["organizations", id, "invitations", invitation]) => (
            Route::DeleteInvitation(owned(id), owned(invitation)),
            "delete:organization_invitations",
        ),
        ("GET", ["organizations", id, "client-grants"]) => (
            Route::ListOrganizationGrants(owned(id)),
            "read:organization_client_grants",
        ),
        ("POST", ["organizations", id, "client-grants"]) => (
            Route::LinkGrant(owned(id)),
            "create:organization_client_grants",
        ),
        ("DELETE", ["organizations", id, "client-grants", grant]) => (
            Route::UnlinkGrant(owned(id), owned(grant)),
            "delete:organization_client_grants",
        ),
        ("GET", ["users-by-email"]) => (Route::UsersByEmail, "read:users"),
        ("GET", ["clients"]) => (Route::ListClients, "read:clients"),
        ("POST", ["clients"]) => (Route::CreateClient, "create:clients"),
        ("GET", ["clients", id]) => (Route::GetClient(owned(id)), "read:clients"),
        ("DELETE", ["clients", id]) => (Route::DeleteClient(owned(id)), "delete:clients"),
        ("PATCH", ["clients", id]) => (Route::UpdateClient(owned(id)), "update:clients"),
        ("POST", ["clients", id, "rotate-secret"]) => {
            (Route::RotateSecret(owned(id)), "update:client_keys")
        }
        ("GET", ["client-grants"]) => (Route::ListGrants, "read:client_grants"),
        ("POST", ["client-grants"]) => (Route::CreateGrant, "create:client_grants"),
        ("GET", ["client-grants", id]) => (Route::GetGrant(owned(id)), "read:client_grants"),
        ("GET", ["client-grants", id, "organizations"]) => (
            Route::ListGrantOrganizations(owned(id)),
            "read:organization_client_grants",
        ),
        ("DELETE", ["client-grants", id]) => {
            (Route::DeleteGrant(owned(id)), "delete:client_grants")
        }
        ("GET", ["resource-servers", id]) => {
            (Route::GetResourceServer(owned(id)), "read:resource_servers")
        }
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

struct Ctx<'a> {
    shared: &'a Shared,
    request: &'a Request,
    read_keys: bool,
}

impl Ctx<'_> {
    fn tenant(&self) -> std::sync::MutexGuard<'_, Tenant> {
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
    let Some((route, scope)) = route(&request.method, &segments) else {
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
    let ctx = Ctx {
        shared,
        request,
        read_keys: caller.scopes.iter().any(|s| s == "read:client_keys"),
    };
    let result = match route {
        Route::ListOrganizations => list_organizations(&ctx),
        Route::CreateOrganization => create_organization(&ctx),
        Route::GetOrganization(id) => get_organization(&ctx, &id, false),
        Route::GetOrganizationByName(name) => get_organization(&ctx, &name, true),
        Route::UpdateOrganization(id) => update_organization(&ctx, &id),
        Route::DeleteOrganization(id) => delete_organization(&ctx, &id),
        Route::ListMembers(id) => list_members(&ctx, &id),
        Route::AddMembers(id) => add_members(&ctx, &id),
        Route::ListOrganizationGrants(id) => {
            entitled(&ctx).and_then(|()| list_org_grants(&ctx, &id))
        }
        Route::LinkGrant(id) => entitled(&ctx).and_then(|()| link_grant(&ctx, &id)),
        Route::UnlinkGrant(id, grant) => {
            entitled(&ctx).and_then(|()| unlink_grant(&ctx, &id, &grant))
        }
        Route::UsersByEmail => users_by_email(&ctx),
        Route::ListClients => list_clients(&ctx),
        Route::CreateClient => create_client(&ctx),
        Route::GetClient(id) => get_client(&ctx, &id),
        Route::DeleteClient(id) => delete_client(&ctx, &id),
        Route::RotateSecret(id) => rotate_secret(&ctx, &id),
        Route::ListGrants => list_grants(&ctx),
        Route::CreateGrant => create_grant(&ctx),
        Route::GetGrant(id) => get_grant(&ctx, &id),
        Route::ListGrantOrganizations(id) => {
            entitled(&ctx).and_then(|()| list_grant_organizations(&ctx, &id))
        }
        Route::UpdateClient(id) => update_client(&ctx, &id),
        Route::DeleteGrant(id) => delete_grant(&ctx, &id),
        Route::GetResourceServer(id) => get_resource_server(&ctx, &id),
        Route::RemoveMembers(id) => remove_members(&ctx, &id),
        Route::ListInvitations(id) => list_invitations(&ctx, &id),
        Route::CreateInvitation(id) => create_invitation(&ctx, &id),
        Route::GetInvitation(id, invitation) => get_invitation(&ctx, &id, &invitation),
        Route::DeleteInvitation(id, invitation) => delete_invitation(&ctx, &id, &invitation),
    };
    result.unwrap_or_else(|reply| reply)
}

type Answer = Result<Reply, Reply>;

// ---------------------------------------------------------------- helpers

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

fn entitled(ctx: &Ctx) -> Result<(), Reply> {
    if ctx.shared.entitled {
        Ok(())
    } else {
        Err(api_error(
            403,
            "Your account does not have access to this feature.",
            Some("operation_not_supported"),
        ))
    }
}

/// An opaque checkpoint (`next`/`from`) that names the last item returned.
fn checkpoint(kind: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

fn from_checkpoint(kind: &str, text: &str) -> Result<String, Reply> {
    let bad = || query_error_on("from", "Invalid checkpoint".to_owned());
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .map(str::to_owned)
        .ok_or_else(bad)
}

/// Offset paging parameters.
struct Offset {
    page: u64,
    per_page: u64,
    include_totals: bool,
}

fn offset(ctx: &Ctx, default_per_page: u64) -> Result<Offset, Reply> {
    let query = &ctx.request.query;
    Ok(Offset {
        page: query.integer("page", 0, None)?.unwrap_or(0),
        per_page: query
            .integer("per_page", 1, Some(100))?
            .unwrap_or(default_per_page),
        include_totals: query.boolean("include_totals")?.unwrap_or(false),
    })
}

impl Offset {
    fn start(&self) -> usize {
        usize::try_from(self.page.saturating_mul(self.per_page)).unwrap_or(usize::MAX)
    }

    fn len(&self) -> usize {
        usize::try_from(self.per_page).unwrap_or(usize::MAX)
    }

    /// A bare array, or `{<items>, start, limit, total}` with include_totals.
    fn wrap(&self, name: &str, items: Vec<Value>, total: usize) -> Reply {
        if self.include_totals {
            let mut body = Map::new();
            body.insert(name.into(), Value::Array(items));
            body.insert("start".into(), json!(self.start()));
            body.insert("limit".into(), json!(self.per_page));
            body.insert("total".into(), json!(total));
            Reply::json(200, Value::Object(body))
        } else {
            Reply::json(200, Value::Array(items))
        }
    }
}

/// Checkpoint paging over items sorted by a unique key.
/// One offset page (`page`, `per_page`, `include_totals`) of keyed items.
fn offset_page(ctx: &Ctx, name: &str, items: Vec<(String, Value)>) -> Answer {
    let paging = offset(ctx, 50)?;
    let total = items.len();
    let page = items
        .into_iter()
        .skip(paging.start())
        .take(paging.len())
        .map(|(_, v)| v)
        .collect();
    Ok(paging.wrap(name, page, total))
}

fn checkpoint_page(ctx: &Ctx, kind: &str, name: &str, mut items: Vec<(String, Value)>) -> Answer {
    let query = &ctx.request.query;
    let take = query.integer("take", 1, Some(100))?.unwrap_or(50);
    let take = usize::try_from(take).unwrap_or(100);
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let after = match query.get("from") {
        Some(from) if !from.is_empty() => Some(from_checkpoint(kind, from)?),
        _ => None,
    };
    let start = match &after {
        Some(after) => items.partition_point(|(key, _)| key <= after),
        None => 0,
    };
    let rest = items.get(start..).unwrap_or_default();
    let page: Vec<&(String, Value)> = rest.iter().take(take).collect();
    let mut body = Map::new();
    if rest.len() > take
        && let Some((last, _)) = page.last()
    {
        body.insert("next".into(), json!(checkpoint(kind, last)));
    }
    body.insert(
        name.into(),
        Value::Array(page.into_iter().map(|(_, v)| v.clone()).collect()),
    );
    Ok(Reply::json(200, Value::Object(body)))
}

/// Keeps (or, with include_fields=false, drops) the listed fields.
fn select_fields(ctx: &Ctx, object: Map<String, Value>) -> Result<Map<String, Value>, Reply> {
    let query = &ctx.request.query;
    let include = query.boolean("include_fields")?.unwrap_or(true);
    let Some(fields) = query.get("fields").filter(|f| !f.is_empty()) else {
        return Ok(object);
    };
    let fields: BTreeSet<&str> = fields.split(',').map(str::trim).collect();
    Ok(object
        .into_iter()
        .filter(|(k, _)| fields.contains(k.as_str()) == include)
        .collect())
}

fn expect_string<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    label: &str,
) -> Result<Option<&'a str>, Reply> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(body_error_on(
            label,
            format!("Expected type string but found type {}", type_name(other)),
        )),
    }
}

fn check_length(value: &str, label: &str, min: usize, max: usize) -> Result<(), Reply> {
    let len = value.chars().count();
    if len < min {
        return Err(body_error_on(
            label,
            format!("String is too short ({len} chars), minimum {min}"),
        ));
    }
    if len > max {
        return Err(body_error_on(
            label,
            format!("String is too long ({len} chars), maximum {max}"),
        ));
    }
    Ok(())
}

fn check_type(body: &Map<String, Value>, name: &str, expected: &str) -> Result<(), Reply> {
    let Some(value) = body.get(name) else {
        return Ok(());
    };
    let found = type_name(value);
    let ok = match expected {
        "number" => matches!(found, "number" | "integer"),
        "object|null" => matches!(found, "object" | "null"),
        "integer|null" => matches!(found, "integer" | "null"),
        other => found == other,
    };
    if ok {
        Ok(())
    } else {
        Err(body_error_on(
            name,
            format!("Expected type {expected} but found type {found}"),
        ))
    }
}

fn check_enum(body: &Map<String, Value>, name: &str, allowed: &[&str]) -> Result<(), Reply> {
    match body.get(name) {
        None => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(Value::String(s)) => Err(body_error_on(name, format!("No enum match for: \"{s}\""))),
        Some(other) => Err(body_error_on(
            name,
            format!("Expected type string but found type {}", type_name(other)),
        )),
    }
}

fn check_string_array(body: &Map<String, Value>, name: &str, max_len: usize) -> Result<(), Reply> {
    let Some(value) = body.get(name) else {
        return Ok(());
    };
    let Value::Array(items) = value else {
        return Err(body_error_on(
            name,
            format!("Expected type array but found type {}", type_name(value)),
        ));
    };
    for item in items {
        match item {
            Value::String(s) => check_length(s, name, 1, max_len)?,
            other => {
                return Err(body_error_on(
                    name,
                    format!("Expected type string but found type {}", type_name(other)),
                ));
            }
        }
    }
    Ok(())
}

/// `{key: string ≤255}` with at most `max` keys (organization and client metadata).
fn check_metadata(
    body: &Map<String, Value>,
    name: &str,
    max: usize,
    allow_null_values: bool,
) -> Result<(), Reply> {
    let Some(value) = body.get(name) else {
        return Ok(());
    };
    let Value::Object(map) = value else {
        return Err(body_error_on(
            name,
            format!("Expected type object but found type {}", type_name(value)),
        ));
    };
    if map.len() > max {
        return Err(body_error_on(
            name,
            format!("Too many properties defined ({}), maximum {max}", map.len()),
        ));
    }
    for (key, value) in map {
        let label = format!("{name}.{key}");
        match value {
            Value::String(s) => check_length(s, &label, 0, 255)?,
            Value::Null if allow_null_values => {}
            other => {
                return Err(body_error_on(
                    &label,
                    format!("Expected type string but found type {}", type_name(other)),
                ));
            }
        }
        check_length(key, &label, 1, 255)?;
    }
    Ok(())
}

// ---------------------------------------------------------- organizations

const ORG_NAME_LABEL: &str = "name (The name of this organization)";

fn check_organization_name(name: &str) -> Result<(), Reply> {
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

fn check_branding(body: &Map<String, Value>) -> Result<(), Reply> {
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

fn check_organization_body(body: &Map<String, Value>) -> Result<(), Reply> {
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

fn organization_conflict() -> Reply {
    api_error(
        409,
        "An organization with the same name already exists.",
        Some("organization_conflict"),
    )
}

fn list_organizations(ctx: &Ctx) -> Answer {
    let query = &ctx.request.query;
    query.only(&["page", "per_page", "include_totals", "from", "take", "sort"])?;
    let sort = match query.get("sort") {
        None => None,
        Some(sort) => {
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
            Some(parsed.ok_or_else(|| {
                query_error_on(
                    "sort",
                    format!(
                        "String does not match pattern ^((display_name)|(created_at)|(name))\\:(1|-1)$: {sort}"
                    ),
                )
            })?)
        }
    };
    let tenant = ctx.tenant();
    if query.has("from") || query.has("take") {
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
        return Ok(Reply::json(200, Value::Object(body)));
    }
    let paging = offset(ctx, 50)?;
    if (paging.page + 1).saturating_mul(paging.per_page) > OFFSET_CAP {
        return Err(api_error(
            400,
            "Requesting page exceeds the allowed maximum of 1000 records",
            Some("invalid_paging"),
        ));
    }
    let (start, len) = (paging.start(), paging.len());
    let items: Vec<Value> = match sort.as_ref().map(|(f, a)| (f.as_str(), *a)) {
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
    };
    Ok(paging.wrap("organizations", items, tenant.organizations.len()))
}

fn get_organization(ctx: &Ctx, key: &str, by_name: bool) -> Answer {
    ctx.request.query.only(&[])?;
    let tenant = ctx.tenant();
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

fn create_organization(ctx: &Ctx) -> Answer {
    let body = json_object(ctx.request)?;
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
    let mut tenant = ctx.tenant();
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
    ctx.changed();
    Ok(Reply::json(201, json))
}

fn update_organization(ctx: &Ctx, id: &str) -> Answer {
    let body = json_object(ctx.request)?;
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
    let mut tenant = ctx.tenant();
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
    ctx.changed();
    Ok(Reply::json(200, json))
}

fn delete_organization(ctx: &Ctx, id: &str) -> Answer {
    let mut tenant = ctx.tenant();
    let Some(org) = tenant.organizations.remove(id) else {
        return Err(organization_not_found());
    };
    tenant.org_names.remove(&org.name);
    tenant.org_grants.remove(id);
    tenant.members.remove(id);
    tenant.invitations.remove(id);
    ctx.changed();
    Ok(Reply::empty(204))
}

fn list_members(ctx: &Ctx, id: &str) -> Answer {
    let query = &ctx.request.query;
    query.only(&[
        "page",
        "per_page",
        "include_totals",
        "from",
        "take",
        "fields",
        "include_fields",
    ])?;
    let tenant = ctx.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let mut members: Vec<(String, Value)> = Vec::new();
    for user_id in tenant.members.get(id).into_iter().flatten() {
        if let Some(user) = tenant.users.get(user_id) {
            let json = match user.to_member_json() {
                Value::Object(map) => Value::Object(select_fields(ctx, map)?),
                other => other,
            };
            members.push((user_id.clone(), json));
        }
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    if query.has("from") || query.has("take") {
        return checkpoint_page(ctx, "mem", "members", members);
    }
    let paging = offset(ctx, 50)?;
    if (paging.page + 1).saturating_mul(paging.per_page) > OFFSET_CAP {
        return Err(api_error(
            400,
            "Requesting page exceeds the allowed maximum of 1000 records",
            Some("invalid_paging"),
        ));
    }
    let total = members.len();
    let items = members
        .into_iter()
        .skip(paging.start())
        .take(paging.len())
        .map(|(_, v)| v)
        .collect();
    Ok(paging.wrap("members", items, total))
}

/// The `members` array of a members body: 1 or more user id strings.
fn member_ids(ctx: &Ctx) -> Result<Vec<String>, Reply> {
    let body = json_object(ctx.request)?;
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

fn add_members(ctx: &Ctx, id: &str) -> Answer {
    let ids = member_ids(ctx)?;
    let mut tenant = ctx.tenant();
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
    ctx.changed();
    Ok(Reply::empty(204))
}

/// `DELETE /organizations/{id}/members {members}`: users that are not members are ignored.
fn remove_members(ctx: &Ctx, id: &str) -> Answer {
    let ids = member_ids(ctx)?;
    let mut tenant = ctx.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    if let Some(list) = tenant.members.get_mut(id) {
        list.retain(|member| !ids.contains(member));
    }
    ctx.changed();
    Ok(Reply::empty(204))
}

// ---------------------------------------------------------------- invitations

/// The longest invitation Auth0 allows (30 days); the default is 7.
const MAX_INVITATION_TTL: u64 = 30 * 24 * 3600;

fn invitation_not_found() -> Reply {
    api_error(
        404,
        "The invitation does not exist",
        Some("inexistent_invitation"),
    )
}

/// `POST /organizations/{id}/invitations`.
fn create_invitation(ctx: &Ctx, id: &str) -> Answer {
    let body = json_object(ctx.request)?;
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
    let object = |name: &str| -> Result<Map<String, Value>, Reply> {
        match body.get(name) {
            Some(Value::Object(map)) => Ok(map.clone()),
            Some(other) => Err(body_error_on(
                name,
                format!("Expected type object but found type {}", type_name(other)),
            )),
            None => Err(body_error(format!("Missing required property: {name}"))),
        }
    };
    let inviter = object("inviter")?;
    let invitee = object("invitee")?;
    let Some(inviter_name) = expect_string(&inviter, "name", "inviter.name")? else {
        return Err(body_error("Missing required property: inviter.name"));
    };
    check_length(inviter_name, "inviter.name", 1, 300)?;
    let Some(email) = expect_string(&invitee, "email", "invitee.email")? else {
        return Err(body_error("Missing required property: invitee.email"));
    };
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(body_error_on(
            "invitee.email",
            "Object didn't pass validation for format email",
        ));
    }
    let Some(client_id) = expect_string(&body, "client_id", "client_id")? else {
        return Err(body_error("Missing required property: client_id"));
    };
    check_type(&body, "send_invitation_email", "boolean")?;
    check_type(&body, "ttl_sec", "integer")?;
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
    let mut tenant = ctx.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let login_app = tenant.login_client_id.as_deref() == Some(client_id);
    if !tenant.clients.contains_key(client_id) && !login_app {
        return Err(api_error(
            400,
            "The client_id provided does not exist",
            Some("invalid_body"),
        ));
    }
    let created = now_secs();
    let invitation_id = format!("uinv_{}", state::random_string(16, state::ALPHANUMERIC));
    let ticket = state::random_string(32, state::ALPHANUMERIC);
    let organization_name = tenant
        .organizations
        .get(id)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let invitation = json!({
        "id": invitation_id,
        "organization_id": id,
        "inviter": {"name": inviter_name},
        "invitee": {"email": email},
        "invitation_url": format!(
            "{}/login?invitation={ticket}&organization={id}&organization_name={organization_name}",
            ctx.shared.base_url
        ),
        "created_at": rfc3339(created),
        "expires_at": rfc3339(created + ttl),
        "client_id": client_id,
        "app_metadata": body.get("app_metadata").cloned().unwrap_or_else(|| json!({})),
        "user_metadata": body.get("user_metadata").cloned().unwrap_or_else(|| json!({})),
        "roles": body.get("roles").cloned().unwrap_or_else(|| json!([])),
        "ticket_id": ticket,
    });
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
    ctx.changed();
    Ok(Reply::json(201, invitation))
}

/// `GET /organizations/{id}/invitations` (offset paging, newest last).
fn list_invitations(ctx: &Ctx, id: &str) -> Answer {
    ctx.request.query.only(&[
        "page",
        "per_page",
        "include_totals",
        "fields",
        "include_fields",
        "sort",
    ])?;
    let tenant = ctx.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let mut items = Vec::new();
    for invitation in tenant.invitations.get(id).into_iter().flatten() {
        let json = match invitation.body.clone() {
            Value::Object(map) => Value::Object(select_fields(ctx, map)?),
            other => other,
        };
        items.push((invitation.id.clone(), json));
    }
    drop(tenant);
    offset_page(ctx, "invitations", items)
}

/// `GET /organizations/{id}/invitations/{invitation_id}`.
fn get_invitation(ctx: &Ctx, id: &str, invitation_id: &str) -> Answer {
    ctx.request.query.only(&["fields", "include_fields"])?;
    let tenant = ctx.tenant();
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
fn delete_invitation(ctx: &Ctx, id: &str, invitation_id: &str) -> Answer {
    let mut tenant = ctx.tenant();
    if !tenant.organizations.contains_key(id) {
        return Err(organization_not_found());
    }
    let list = tenant.invitations.entry(id.to_owned()).or_default();
    let before = list.len();
    list.retain(|i| i.id != invitation_id);
    if list.len() == before {
        return Err(invitation_not_found());
    }
    ctx.changed();
    Ok(Reply::empty(204))
}

/// Seconds since the epoch as Auth0 writes times: `2026-12-03T10:00:00.000Z`.
fn rfc3339(secs: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    text.replace('Z', ".000Z")
}

fn users_by_email(ctx: &Ctx) -> Answer {
    let query = &ctx.request.query;
    query.only(&["email", "fields", "include_fields"])?;
    let Some(email) = query.get("email") else {
        return Err(query_error("Missing required property: email"));
    };
    let email = email.trim().to_lowercase();
    let tenant = ctx.tenant();
    let mut users = Vec::new();
    for user in tenant
        .users
        .values()
        .filter(|u| u.email.to_lowercase() == email)
    {
        if let Value::Object(map) = user.to_json() {
            users.push(Value::Object(select_fields(ctx, map)?));
        }
    }
    Ok(Reply::json(200, Value::Array(users)))
}

// ---------------------------------------------------------------- clients

/// Every property `POST /clients` accepts (Auth0's CreateClientRequestContent).
const CLIENT_PROPERTIES: &[&str] = &[
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

const APP_TYPES: &[&str] = &[
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

fn check_client_body(body: &Map<String, Value>) -> Result<(), Reply> {
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

fn create_client(ctx: &Ctx) -> Answer {
    let body = json_object(ctx.request)?;
    only_properties(&body, CLIENT_PROPERTIES)?;
    check_client_body(&body)?;
    let mut tenant = ctx.tenant();
    let client = Client {
        client_id: state::client_id(),
        secret: state::client_secret(),
        previous_secret: None,
        previous_until: 0,
        body: state::client_body(&tenant.tenant_name, &body),
    };
    let json = ctx.client_json(&client, true);
    tenant.clients.insert(client.client_id.clone(), client);
    ctx.changed();
    Ok(Reply::json(201, Value::Object(json)))
}

/// `PATCH /clients/{id}`: the properties given replace the client's; `client_metadata`
/// is merged key by key (a `null` value removes a key), at most 10 keys in all.
fn update_client(ctx: &Ctx, id: &str) -> Answer {
    let body = json_object(ctx.request)?;
    only_properties(&body, CLIENT_PROPERTIES)?;
    check_metadata(&body, "client_metadata", 10, true)?;
    let mut tenant = ctx.tenant();
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
    ctx.changed();
    Ok(Reply::json(
        200,
        Value::Object(ctx.client_json(&client, false)),
    ))
}

fn get_client(ctx: &Ctx, id: &str) -> Answer {
    ctx.request.query.only(&["fields", "include_fields"])?;
    let tenant = ctx.tenant();
    let client = tenant.clients.get(id).ok_or_else(client_not_found)?;
    let json = select_fields(ctx, ctx.client_json(client, false))?;
    Ok(Reply::json(200, Value::Object(json)))
}

/// `GET /resource-servers/{id}`: by id or by identifier (audience), as Auth0 allows.
fn get_resource_server(ctx: &Ctx, id: &str) -> Answer {
    ctx.request.query.only(&["fields", "include_fields"])?;
    let tenant = ctx.tenant();
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
        "token_lifetime": ctx.shared.token_ttl.as_secs(),
        "token_lifetime_for_web": 7200,
        "token_dialect": "access_token",
        "enforce_policies": false,
    });
    let Value::Object(body) = body else {
        return Err(api_error(500, "Internal error", None));
    };
    Ok(Reply::json(200, Value::Object(select_fields(ctx, body)?)))
}

/// "read:reports" → "Read reports".
fn scope_description(scope: &str) -> String {
    let (verb, noun) = scope.split_once(':').unwrap_or((scope, ""));
    let mut text = format!("{verb} {noun}").trim().replace('_', " ");
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    text
}

fn delete_client(ctx: &Ctx, id: &str) -> Answer {
    let mut tenant = ctx.tenant();
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
    ctx.changed();
    Ok(Reply::empty(204))
}

fn rotate_secret(ctx: &Ctx, id: &str) -> Answer {
    let mut tenant = ctx.tenant();
    let client = tenant.clients.get_mut(id).ok_or_else(client_not_found)?;
    let old = std::mem::replace(&mut client.secret, state::client_secret());
    client.previous_secret = Some(old);
    // Auth0 may accept the old secret for a short while after rotation.
    client.previous_until = now_millis() + 30_000;
    let client = client.clone();
    drop(tenant);
    ctx.changed();
    Ok(Reply::json(
        200,
        Value::Object(ctx.client_json(&client, true)),
    ))
}

fn list_clients(ctx: &Ctx) -> Answer {
    let query = &ctx.request.query;
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
    let tenant = ctx.tenant();
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
        let json = select_fields(ctx, ctx.client_json(client, false))?;
        items.push((client.client_id.clone(), Value::Object(json)));
    }
    drop(tenant);
    if query.has("from") || query.has("take") {
        return checkpoint_page(ctx, "cli", "clients", items);
    }
    offset_page(ctx, "clients", items)
}

// ---------------------------------------------------------- client grants

fn create_grant(ctx: &Ctx) -> Answer {
    let body = json_object(ctx.request)?;
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
    let Some(audience) = expect_string(&body, "audience", "audience")? else {
        return Err(body_error("Missing required property: audience"));
    };
    check_length(audience, "audience", 1, 600)?;
    let Some(client_id) = expect_string(&body, "client_id", "client_id")? else {
        return Err(body_error("Missing required property: client_id"));
    };
    check_string_array(&body, "scope", 280)?;
    check_string_array(&body, "authorization_details_types", 255)?;
    check_enum(&body, "organization_usage", &["deny", "allow", "require"])?;
    check_enum(&body, "subject_type", &["client", "user"])?;
    check_enum(&body, "default_for", &["third_party_clients"])?;
    check_type(&body, "allow_any_organization", "boolean")?;
    check_type(&body, "allow_all_scopes", "boolean")?;
    let mut tenant = ctx.tenant();
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
    let strings = |name: &str| -> Option<Vec<String>> {
        body.get(name).and_then(Value::as_array).map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    let grant = Grant {
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
    };
    let json = grant.to_json();
    tenant.grants.insert(grant.id.clone(), grant);
    ctx.changed();
    Ok(Reply::json(201, json))
}

fn list_grants(ctx: &Ctx) -> Answer {
    let query = &ctx.request.query;
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
    let tenant = ctx.tenant();
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
        return checkpoint_page(ctx, "cgr", "client_grants", items);
    }
    offset_page(ctx, "client_grants", items)
}

/// `GET /client-grants/{id}/organizations`: the organizations the grant is linked to,
/// in either paging (checkpoint with `take`/`from`, else offset).
fn list_grant_organizations(ctx: &Ctx, id: &str) -> Answer {
    ctx.request
        .query
        .only(&["page", "per_page", "include_totals", "from", "take"])?;
    let tenant = ctx.tenant();
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
    if ctx.request.query.has("from") || ctx.request.query.has("take") {
        return checkpoint_page(ctx, "org", "organizations", items);
    }
    let mut items = items;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    offset_page(ctx, "organizations", items)
}

fn get_grant(ctx: &Ctx, id: &str) -> Answer {
    let tenant = ctx.tenant();
    tenant
        .grants
        .get(id)
        .map(|g| Reply::json(200, g.to_json()))
        .ok_or_else(grant_not_found)
}

fn delete_grant(ctx: &Ctx, id: &str) -> Answer {
    if !ctx.tenant().remove_grant(id) {
        return Err(grant_not_found());
    }
    ctx.changed();
    Ok(Reply::empty(204))
}

// --------------------------------------------- organization client grants

fn list_org_grants(ctx: &Ctx, id: &str) -> Answer {
    let query = &ctx.request.query;
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
    let tenant = ctx.tenant();
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
    let paging = offset(ctx, 50)?;
    let total = items.len();
    let page = items
        .into_iter()
        .skip(paging.start())
        .take(paging.len())
        .collect();
    Ok(paging.wrap("client_grants", page, total))
}

fn link_grant(ctx: &Ctx, id: &str) -> Answer {
    let body = json_object(ctx.request)?;
    only_properties(&body, &["grant_id"])?;
    let Some(grant_id) = expect_string(&body, "grant_id", "grant_id")? else {
        return Err(body_error("Missing required property: grant_id"));
    };
    let mut tenant = ctx.tenant();
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
    ctx.changed();
    Ok(Reply::json(201, grant.to_org_json()))
}

fn unlink_grant(ctx: &Ctx, id: &str, grant_id: &str) -> Answer {
    let mut tenant = ctx.tenant();
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
    ctx.changed();
    Ok(Reply::empty(204))
}
