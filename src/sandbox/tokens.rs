//! `POST /oauth/token`: client credentials, device-code polling, refresh; signing
//! the tokens it answers.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::state::{Client, Grant, TenantState};
use super::vocab::{Reply, ReplyBody, Request, api_error, oauth_error};
use super::{Shared, SigningAlg, device, lock, now_millis, now_secs};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The token endpoint's parameters, from a form or a JSON body.
pub(crate) type Params = BTreeMap<String, String>;

/// Reads the parameters; JSON values must be strings (numbers and booleans are taken as text).
pub(crate) fn params(request: &Request) -> Result<Params, Reply> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::new());
    }
    if request.is_form() {
        return Ok(request.form().into_iter().collect());
    }
    let is_json = request
        .header("content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if !is_json {
        // Auth0 reads a body without a content type as a form too.
        return Ok(request.form().into_iter().collect());
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Number(n) => Some((k, n.to_string())),
                Value::Bool(b) => Some((k, b.to_string())),
                _ => None,
            })
            .collect()),
        _ => Err(oauth_error(
            400,
            "invalid_request",
            "Invalid request body: expected a JSON object or a form",
        )),
    }
}

fn non_empty<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// `POST /oauth/token`. Every answer, errors included, carries
/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 section 5.1).
pub(crate) fn token_endpoint(shared: &Shared, request: &Request) -> Reply {
    no_store(answer_token(shared, request, false))
}

/// `POST /connect/token`: the token endpoint of the `paths` provider option
/// (404 without it, like any unknown path).
pub(crate) fn provider_token_endpoint(shared: &Shared, request: &Request) -> Reply {
    if !shared.provider.paths {
        return api_error(404, "Not Found", None);
    }
    no_store(answer_token(shared, request, true))
}

/// `POST /connect/device`: device authorization under the `paths` provider option
/// (404 without it; with it, `/oauth/device/code` answers 404 instead).
pub(crate) fn provider_device_code(shared: &Shared, request: &Request) -> Reply {
    if !shared.provider.paths {
        return api_error(404, "Not Found", None);
    }
    device::device_code_answer(shared, request)
}

fn no_store(reply: Reply) -> Reply {
    reply
        .with_header("cache-control", "no-store".to_owned())
        .with_header("pragma", "no-cache".to_owned())
}

/// The base URL a request reached: the custom domain's when its `Host` names it.
pub(crate) fn base_for(shared: &Shared, request: &Request) -> String {
    if let (Some(custom), Some(host)) = (&shared.provider.custom_domain, request.header("host")) {
        let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
        if name.eq_ignore_ascii_case(custom) {
            let port = shared
                .base_url
                .rsplit_once(':')
                .map_or("", |(_, port)| port);
            return format!("http://{custom}:{port}");
        }
    }
    shared.base_url.clone()
}

fn answer_token(shared: &Shared, request: &Request, at_provider_path: bool) -> Reply {
    if request.method != "POST" {
        return api_error(404, "Not Found", None);
    }
    let params = match params(request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    match non_empty(&params, "grant_type") {
        None => oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: grant_type",
        ),
        Some("client_credentials") => {
            client_credentials(shared, request, &params, at_provider_path)
        }
        // Under the `paths` option the device flow lives only where discovery says.
        Some(DEVICE_GRANT | "refresh_token") if shared.provider.paths && !at_provider_path => {
            api_error(404, "Not Found", None)
        }
        Some(DEVICE_GRANT) => device::poll(shared, &params),
        Some("refresh_token") => device::refresh(shared, &params),
        Some(other) => oauth_error(
            400,
            "unsupported_grant_type",
            format!("Unsupported grant type: {other}"),
        ),
    }
}

/// The client's id and secret from the body (client_secret_post) or Basic auth,
/// and whether Basic was used.
fn credentials(request: &Request, params: &Params) -> Result<(String, String, bool), Reply> {
    if let Some(basic) = request.header("authorization").and_then(|h| {
        h.strip_prefix("Basic ")
            .or_else(|| h.strip_prefix("basic "))
    }) {
        let bad = || oauth_error(400, "invalid_request", "Invalid Basic authorization header");
        let decoded = STANDARD.decode(basic.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        let (id, secret) = text.split_once(':').ok_or_else(bad)?;
        // RFC 6749 2.3.1: both parts are form-urlencoded.
        let decode = |s: &str| -> String {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return Ok((decode(id), decode(secret), true));
    }
    let id = non_empty(params, "client_id").ok_or_else(|| {
        oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: client_id",
        )
    })?;
    let secret = params.get("client_secret").cloned().unwrap_or_default();
    Ok((id.to_owned(), secret, false))
}

fn not_authorized(audience: &str) -> Reply {
    oauth_error(
        403,
        "access_denied",
        format!(
            "Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
        ),
    )
}

fn client_credentials(
    shared: &Shared,
    request: &Request,
    params: &Params,
    at_provider_path: bool,
) -> Reply {
    let (client_id, secret, basic) = match credentials(request, params) {
        Ok(credentials) => credentials,
        Err(reply) => return reply,
    };
    let tenant = lock(&shared.tenant);
    let management = format!("{}/api/v2/", shared.base_url);
    let checked = authenticated_client(&tenant, &client_id, &secret).and_then(|client| {
        let is_admin = client_id == tenant.admin_client_id;
        let audience = asked_audience(shared, params, is_admin)?;
        if audience != management {
            // The provider options govern the customer API's tokens only.
            provider_checks(shared, at_provider_path, basic)?;
        }
        let (granted, org_id) =
            granted_for(shared, &tenant, client, audience, &management, params)?;
        let scope = narrowed_scope(params, &granted)?;
        Ok((audience.to_owned(), scope, org_id))
    });
    drop(tenant);
    match checked {
        Ok((audience, scope, org_id)) => {
            let for_management = audience == management;
            client_credentials_token(
                shared,
                request,
                &client_id,
                audience,
                &scope,
                org_id,
                for_management,
            )
        }
        Err(reply) => reply,
    }
}

/// The client, when its secret (current, or previous within its grace) matches and
/// it may use the client-credentials grant.
fn authenticated_client<'t>(
    tenant: &'t TenantState,
    client_id: &str,
    secret: &str,
) -> Result<&'t Client, Reply> {
    let Some(client) = tenant.clients.get(client_id) else {
        return Err(oauth_error(401, "access_denied", "Unauthorized"));
    };
    let current = !secret.is_empty() && secret == client.secret;
    let previous = client.previous_secret.as_deref() == Some(secret)
        && !secret.is_empty()
        && now_millis() < client.previous_until;
    if !current && !previous {
        return Err(oauth_error(401, "access_denied", "Unauthorized"));
    }
    if !client.allows_grant("client_credentials") {
        return Err(oauth_error(
            403,
            "unauthorized_client",
            "Grant type 'client_credentials' not allowed for the client.",
        ));
    }
    Ok(client)
}

/// The API the token is for: `audience`, or `resource` under the provider option.
fn asked_audience<'p>(
    shared: &Shared,
    params: &'p Params,
    is_admin: bool,
) -> Result<&'p str, Reply> {
    let by_resource = shared.provider.resource && !is_admin;
    match (non_empty(params, "audience"), non_empty(params, "resource")) {
        // The `resource` provider option: the API is named by `resource` (RFC 8707).
        (None, Some(resource)) if by_resource => Ok(resource),
        (Some(_), _) if by_resource => Err(oauth_error(
            400,
            "invalid_target",
            "This provider names the API with the resource parameter (RFC 8707), not audience",
        )),
        (Some(audience), _) => Ok(audience),
        (None, _) => Err(oauth_error(
            403,
            "access_denied",
            "No audience parameter was provided, and no default audience has been configured",
        )),
    }
}

/// The provider options' path and client-authentication rules for customer-API tokens.
fn provider_checks(shared: &Shared, at_provider_path: bool, basic: bool) -> Result<(), Reply> {
    let provider = &shared.provider;
    if provider.paths && !at_provider_path {
        return Err(api_error(404, "Not Found", None));
    }
    if provider.basic_only && !basic {
        return Err(oauth_error(
            401,
            "invalid_client",
            "Client authentication failed: this endpoint accepts client_secret_basic only",
        ));
    }
    Ok(())
}

/// The scopes the client holds for the audience, and the organization for the token.
fn granted_for(
    shared: &Shared,
    tenant: &TenantState,
    client: &Client,
    audience: &str,
    management: &str,
    params: &Params,
) -> Result<(Vec<String>, Option<String>), Reply> {
    let asked_org = non_empty(params, "organization");
    if audience == management {
        if client.client_id != tenant.admin_client_id {
            return Err(not_authorized(audience));
        }
        if asked_org.is_some() {
            return Err(oauth_error(
                400,
                "invalid_request",
                "The organization parameter is not allowed for the Management API",
            ));
        }
        Ok((shared.admin_scopes.clone(), None))
    } else if audience == tenant.api.identifier {
        let Some(grant) = tenant
            .grants
            .values()
            .find(|g| g.client_id == client.client_id && g.audience == audience)
        else {
            return Err(not_authorized(audience));
        };
        let org_id = organization_for(tenant, grant, client.default_organization(), asked_org)?;
        Ok((grant.scope.clone(), org_id))
    } else {
        Err(oauth_error(
            403,
            "access_denied",
            format!("Service not enabled within domain: {audience}"),
        ))
    }
}

/// The `scope` asked for (every one of them granted), or all that is granted.
fn narrowed_scope(params: &Params, granted: &[String]) -> Result<String, Reply> {
    let Some(asked) = non_empty(params, "scope") else {
        return Ok(granted.join(" "));
    };
    let missing: Vec<&str> = asked
        .split_whitespace()
        .filter(|s| !granted.iter().any(|g| g == s))
        .collect();
    if !missing.is_empty() {
        return Err(oauth_error(
            403,
            "access_denied",
            format!("Client has not been granted scopes: {}", missing.join(" ")),
        ));
    }
    Ok(asked.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Signs a client-credentials token: Management tokens RS256, customer-API tokens
/// with the provider's algorithm (and without `expires_in` when the provider says so).
fn client_credentials_token(
    shared: &Shared,
    request: &Request,
    client_id: &str,
    audience: String,
    scope: &str,
    org_id: Option<String>,
    for_management: bool,
) -> Reply {
    let mut claims = json!({
        "iss": format!("{}/", base_for(shared, request)),
        "sub": format!("{client_id}@clients"),
        "aud": audience,
        "scope": scope,
        "gty": "client-credentials",
        "azp": client_id,
    });
    if let (Some(org_id), Some(map)) = (org_id, claims.as_object_mut()) {
        map.insert("org_id".into(), json!(org_id));
    }
    if for_management {
        // Auth0 signs Management tokens with the tenant's RS256 key whatever the API uses.
        return issue(shared, claims, scope);
    }
    let mut reply = issue_as(shared, claims, scope, shared.provider.alg);
    if shared.provider.no_expires_in
        && let ReplyBody::Json(Value::Object(body)) = &mut reply.body
    {
        body.remove("expires_in");
    }
    reply
}

/// Which organization goes into the token, or Auth0's refusal.
fn organization_for(
    tenant: &TenantState,
    grant: &Grant,
    default_org: Option<&str>,
    asked: Option<&str>,
) -> Result<Option<String>, Reply> {
    let require = grant.organization_usage == "require";
    if grant.organization_usage == "deny" {
        if let Some(asked) = asked {
            return Err(oauth_error(
                400,
                "invalid_request",
                format!(
                    "The client grant for this audience does not allow organizations (organization_usage is deny), so organization {asked} cannot be used"
                ),
            ));
        }
        return Ok(None);
    }
    let org = match asked {
        Some(asked) => match tenant.find_organization(asked) {
            Some(org) => Some(org),
            None => {
                return Err(oauth_error(
                    400,
                    "invalid_request",
                    format!("Invalid organization: no organization found by id or name {asked}"),
                ));
            }
        },
        None => default_org.and_then(|id| tenant.find_organization(id)),
    };
    match org {
        Some(org) if grant.allow_any_organization || tenant.is_linked(&org.id, &grant.id) => {
            Ok(Some(org.id.clone()))
        }
        Some(org) if asked.is_some() || require => Err(oauth_error(
            403,
            "access_denied",
            format!(
                "Client is not authorized to access organization {}: its client grant for this API is not associated with the organization",
                org.id
            ),
        )),
        Some(_) => Ok(None),
        None if require => Err(oauth_error(
            400,
            "invalid_request",
            "This client grant requires an organization: pass the organization parameter or set the client's default_organization for client_credentials",
        )),
        None => Ok(None),
    }
}

/// Signs the claims (adding `iss` unless given, `iat`, `exp`) with RS256 and answers like Auth0.
pub(crate) fn issue(shared: &Shared, claims: Value, scope: &str) -> Reply {
    issue_as(shared, claims, scope, SigningAlg::Rs256)
}

/// [`issue`] with the given algorithm.
fn issue_as(shared: &Shared, mut claims: Value, scope: &str, alg: SigningAlg) -> Reply {
    let ttl = shared.token_ttl.as_secs().max(1);
    // Tokens issued before `expire_tokens` are refused by their iat; later ones must not be.
    let iat = now_secs().max(shared.tokens_cutoff.load(Ordering::SeqCst) + 1);
    if let Some(map) = claims.as_object_mut() {
        map.entry("iss")
            .or_insert_with(|| json!(format!("{}/", shared.base_url)));
        map.insert("iat".into(), json!(iat));
        map.insert("exp".into(), json!(iat + ttl));
    }
    let signed = match (alg, &shared.ec_key) {
        (SigningAlg::Es256, Some(ec)) => ec.sign(&claims),
        (SigningAlg::Es256, None) => Err("no ES256 key".to_owned()),
        (SigningAlg::Ps256, _) => shared
            .keys
            .get()
            .map_err(|e| e.to_string())
            .and_then(|keys| keys.sign_ps256(&claims)),
        (SigningAlg::Rs256, _) => shared
            .keys
            .get()
            .map_err(|e| e.to_string())
            .and_then(|keys| keys.sign(&claims)),
    };
    let token = match signed {
        Ok(token) => token,
        Err(error) => {
            tracing::error!(%error, "sandbox could not sign a token");
            return oauth_error(500, "server_error", "The token could not be signed");
        }
    };
    let mut body = json!({
        "access_token": token,
        "expires_in": ttl,
        "token_type": "Bearer",
    });
    if !scope.is_empty()
        && let Some(map) = body.as_object_mut()
    {
        map.insert("scope".into(), json!(scope));
    }
    Reply::json(200, body)
}

/// The `forever` fault: a token answer whose `expires_in` and `exp` are
/// u64::MAX (seen from a hostile stand-in), re-signed so it still verifies.
pub(crate) fn never_expiring(shared: &Shared, reply: &mut Reply) {
    let ReplyBody::Json(Value::Object(body)) = &mut reply.body else {
        return;
    };
    let Some(Value::String(token)) = body.get("access_token") else {
        return;
    };
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|payload| engine.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    let Some(mut claims) = claims else {
        return;
    };
    claims["exp"] = json!(u64::MAX);
    if let Ok(token) = shared
        .keys
        .get()
        .map_err(|e| e.to_string())
        .and_then(|keys| keys.sign(&claims))
    {
        body.insert("access_token".into(), Value::String(token));
        body.insert("expires_in".into(), json!(u64::MAX));
    }
}
