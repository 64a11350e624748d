//! Device authorization (`POST /oauth/device/code`, polling on the token
//! endpoint) with the approval page at `/activate`, and the refresh tokens a
//! sign-in asking for `offline_access` gets (`grant_type=refresh_token`).
//!
//! As on Auth0, only a native (public) application may start the device flow:
//! the tenant's `native_client_id`. A confidential client (the admin app, the
//! portal's M2M keys) gets `unauthorized_client`.

use std::collections::HashMap;

use serde_json::json;

use super::state::random_string;
use super::tokens::{Params, issue, params};
use super::vocab::{Reply, Request, api_error, html_escape, oauth_error};
use super::{Shared, lock, now_millis};

/// How long a device code lives, seconds.
const EXPIRES_IN: u64 = 900;
/// The person who approves on `/activate`: the sandbox's test operator.
pub const SANDBOX_USER: &str = "auth0|sandbox-admin";
/// The test operator's email (in the id_token).
pub const SANDBOX_USER_EMAIL: &str = "admin@sandbox.example";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Pending,
    Approved,
    Denied,
}

#[derive(Debug, Clone)]
struct DeviceAuthorization {
    user_code: String,
    client_id: String,
    scope: String,
    audience: Option<String>,
    expires_at: u64,
    interval: u64,
    last_poll: Option<u64>,
    decision: Decision,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    scope: String,
    audience: Option<String>,
}

/// The device authorizations in flight and the refresh tokens issued (not
/// kept in the state file: a restarted sandbox forgets its sign-ins).
#[derive(Debug, Default)]
pub(crate) struct Devices {
    by_device_code: HashMap<String, DeviceAuthorization>,
    by_user_code: HashMap<String, String>,
    refresh_tokens: HashMap<String, RefreshGrant>,
}

/// `abcd efgh` / `ABCD-EFGH` / `abcdefgh` all name the same code.
fn normalize(user_code: &str) -> String {
    let letters: String = user_code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() == 8 {
        format!("{}-{}", &letters[..4], &letters[4..])
    } else {
        letters
    }
}

impl Devices {
    /// Approves or denies a pending, unexpired code; false when there is none.
    pub fn decide(&mut self, user_code: &str, approve: bool) -> bool {
        let now = now_millis();
        let Some(device_code) = self.by_user_code.get(&normalize(user_code)) else {
            return false;
        };
        match self.by_device_code.get_mut(device_code) {
            Some(auth) if auth.decision == Decision::Pending && now < auth.expires_at => {
                auth.decision = if approve {
                    Decision::Approved
                } else {
                    Decision::Denied
                };
                true
            }
            _ => false,
        }
    }

    /// The user codes still waiting for a decision, oldest first is not promised.
    pub fn pending(&self) -> Vec<String> {
        let now = now_millis();
        self.by_device_code
            .values()
            .filter(|a| a.decision == Decision::Pending && now < a.expires_at)
            .map(|a| a.user_code.clone())
            .collect()
    }

    /// How many refresh tokens are valid.
    pub fn refresh_token_count(&self) -> usize {
        self.refresh_tokens.len()
    }

    /// Forgets every refresh token.
    pub fn revoke_refresh_tokens(&mut self) {
        self.refresh_tokens.clear();
    }

    /// Every code expires now.
    pub fn expire_all(&mut self) {
        for auth in self.by_device_code.values_mut() {
            auth.expires_at = 0;
        }
    }
}

/// `POST /oauth/device/code`.
pub(crate) fn device_code(shared: &Shared, request: &Request) -> Reply {
    // Under the `paths` provider option only discovery's endpoint answers.
    if shared.provider.paths {
        return api_error(404, "Not Found", None);
    }
    device_code_answer(shared, request)
}

/// The device authorization answer, wherever the endpoint is served.
pub(crate) fn device_code_answer(shared: &Shared, request: &Request) -> Reply {
    if request.method != "POST" {
        return api_error(404, "Not Found", None);
    }
    let params = match params(request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let client_id = match device_client(shared, &params) {
        Ok(client_id) => client_id,
        Err(reply) => return reply,
    };
    let device_code = random_string(
        24,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    );
    let user_code = normalize(&random_string(8, b"BCDFGHJKLMNPQRSTVWXZ"));
    let base = &shared.base_url;
    let mut devices = lock(&shared.devices);
    let now = now_millis();
    devices.forget_stale(now);
    devices
        .by_user_code
        .insert(user_code.clone(), device_code.clone());
    devices.by_device_code.insert(
        device_code.clone(),
        DeviceAuthorization {
            user_code: user_code.clone(),
            client_id: client_id.to_owned(),
            scope: params.get("scope").cloned().unwrap_or_default(),
            audience: params.get("audience").filter(|a| !a.is_empty()).cloned(),
            expires_at: now + EXPIRES_IN * 1000,
            interval: shared.device_interval,
            last_poll: None,
            decision: Decision::Pending,
        },
    );
    Reply::json(
        200,
        json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": format!("{base}/activate"),
            "verification_uri_complete": format!("{base}/activate?user_code={user_code}"),
            "expires_in": EXPIRES_IN,
            "interval": shared.device_interval,
        }),
    )
}

/// The client asking for a device code, when it is the tenant's native app and the
/// audience (if any) is one the tenant serves.
fn device_client<'p>(shared: &Shared, params: &'p Params) -> Result<&'p str, Reply> {
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return Err(oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: client_id",
        ));
    };
    let tenant = lock(&shared.tenant);
    if tenant.clients.contains_key(client_id) {
        // Auth0 offers the device flow to native applications only.
        return Err(oauth_error(
            403,
            "unauthorized_client",
            format!("Grant type '{DEVICE_GRANT}' not allowed for the client."),
        ));
    }
    if *client_id != tenant.native_client_id {
        return Err(oauth_error(
            403,
            "unauthorized_client",
            "Unauthorized or unknown client",
        ));
    }
    if let Some(audience) = params.get("audience").filter(|a| !a.is_empty())
        && *audience != management_audience(shared)
        && *audience != tenant.api.identifier
    {
        return Err(oauth_error(
            403,
            "access_denied",
            format!("Service not enabled within domain: {audience}"),
        ));
    }
    Ok(client_id)
}

impl Devices {
    /// Forgets codes long gone so the map does not grow without end.
    fn forget_stale(&mut self, now: u64) {
        let stale: Vec<String> = self
            .by_device_code
            .iter()
            .filter(|(_, a)| a.expires_at + 3_600_000 < now)
            .map(|(code, _)| code.clone())
            .collect();
        for code in stale {
            if let Some(auth) = self.by_device_code.remove(&code) {
                self.by_user_code.remove(&auth.user_code);
            }
        }
    }
}

/// Polling with `grant_type=urn:ietf:params:oauth:grant-type:device_code`.
pub(crate) fn poll(shared: &Shared, params: &Params) -> Reply {
    let Some(device_code) = params.get("device_code").filter(|c| !c.is_empty()) else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: device_code",
        );
    };
    let now = now_millis();
    let mut devices = lock(&shared.devices);
    let Some(auth) = devices.by_device_code.get_mut(device_code) else {
        return oauth_error(403, "invalid_grant", "Invalid or expired device code.");
    };
    if params.get("client_id") != Some(&auth.client_id) {
        return oauth_error(403, "invalid_grant", "Invalid or expired device code.");
    }
    if now >= auth.expires_at {
        return oauth_error(403, "expired_token", "The device code has expired.");
    }
    match auth.decision {
        Decision::Denied => {
            let user_code = auth.user_code.clone();
            devices.by_device_code.remove(device_code);
            devices.by_user_code.remove(&user_code);
            oauth_error(
                403,
                "access_denied",
                "User cancelled the confirmation prompt or consent page; the code is no longer valid.",
            )
        }
        Decision::Pending => {
            let too_fast = auth
                .last_poll
                .is_some_and(|last| now.saturating_sub(last) < auth.interval * 1000);
            auth.last_poll = Some(now);
            if too_fast {
                let interval = auth.interval;
                auth.interval += 5;
                oauth_error(
                    429,
                    "slow_down",
                    format!(
                        "You are polling faster than the specified interval of {interval} seconds."
                    ),
                )
            } else {
                oauth_error(
                    403,
                    "authorization_pending",
                    "User has yet to authorize device code.",
                )
            }
        }
        Decision::Approved => {
            let auth = auth.clone();
            devices.by_device_code.remove(device_code);
            devices.by_user_code.remove(&auth.user_code);
            drop(devices);
            user_tokens(
                shared,
                &auth.client_id,
                &auth.scope,
                auth.audience.as_deref(),
                true,
            )
        }
    }
}

fn management_audience(shared: &Shared) -> String {
    format!("{}/api/v2/", shared.base_url)
}

/// `grant_type=refresh_token`: new tokens for a sign-in that got a refresh token.
/// The refresh token is not rotated (Auth0's default), so the answer has none.
pub(crate) fn refresh(shared: &Shared, params: &Params) -> Reply {
    let Some(refresh_token) = params.get("refresh_token").filter(|t| !t.is_empty()) else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: client_id",
        );
    };
    let grant = lock(&shared.devices)
        .refresh_tokens
        .get(refresh_token)
        .cloned();
    match grant {
        Some(grant) if grant.client_id == *client_id => user_tokens(
            shared,
            &grant.client_id,
            &grant.scope,
            grant.audience.as_deref(),
            false,
        ),
        _ => oauth_error(403, "invalid_grant", "Unknown or invalid refresh token."),
    }
}

/// The scopes Auth0 grants a person's token for the Management API: the
/// "current user" endpoints only. Admin scopes (`read:organizations`, ...) are
/// dropped whatever the person may do in the Dashboard: user-based Management
/// tokens cannot carry them (tests/fixtures/auth0/README.md).
const CURRENT_USER_SCOPES: &[&str] = &[
    "read:current_user",
    "update:current_user_metadata",
    "create:current_user_metadata",
    "delete:current_user_metadata",
    "update:current_user_identities",
    "create:current_user_device_credentials",
    "delete:current_user_device_credentials",
];

/// The tokens a person gets: the OpenID scopes, and for the Management API
/// audience only the [`CURRENT_USER_SCOPES`] asked for.
fn user_tokens(
    shared: &Shared,
    client_id: &str,
    asked: &str,
    audience: Option<&str>,
    may_refresh: bool,
) -> Reply {
    const USER_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
    let management = audience == Some(management_audience(shared).as_str());
    let scope: Vec<&str> = asked
        .split_whitespace()
        .filter(|s| USER_SCOPES.contains(s) || (management && CURRENT_USER_SCOPES.contains(s)))
        .collect();
    let scope = scope.join(" ");
    let audience = audience
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}/userinfo", shared.base_url));
    let claims = json!({
        "sub": SANDBOX_USER,
        "aud": audience,
        "scope": scope,
        "azp": client_id,
    });
    let mut reply = issue(shared, claims, &scope);
    let offline = scope.split_whitespace().any(|s| s == "offline_access");
    if may_refresh
        && offline
        && shared.offline_access
        && reply.status == 200
        && let super::vocab::ReplyBody::Json(body) = &mut reply.body
        && let Some(map) = body.as_object_mut()
    {
        let refresh_token = random_string(
            48,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        );
        lock(&shared.devices).refresh_tokens.insert(
            refresh_token.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                scope: asked.to_owned(),
                audience: Some(audience.clone()).filter(|a| !a.ends_with("/userinfo")),
            },
        );
        map.insert("refresh_token".into(), json!(refresh_token));
    }
    if scope.split_whitespace().any(|s| s == "openid") {
        let id_claims = json!({
            "sub": SANDBOX_USER,
            "aud": client_id,
            "name": "Sandbox Admin",
            "nickname": "sandbox-admin",
            "email": SANDBOX_USER_EMAIL,
            "email_verified": true,
        });
        if let (Some(id_token), super::vocab::ReplyBody::Json(body)) =
            (issue_id_token(shared, id_claims), &mut reply.body)
            && let Some(map) = body.as_object_mut()
        {
            map.insert("id_token".into(), json!(id_token));
        }
    }
    reply
}

fn issue_id_token(shared: &Shared, claims: serde_json::Value) -> Option<String> {
    match issue(shared, claims, "").body {
        super::vocab::ReplyBody::Json(body) => body
            .get("access_token")
            .and_then(|t| t.as_str())
            .map(str::to_owned),
        _ => None,
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}\
input{{font-size:1.4rem;letter-spacing:.2rem;text-transform:uppercase}}button{{font-size:1rem;margin:.5rem .5rem 0 0}}</style>\
</head><body><h1>{title}</h1>{body}<p><small>m2m-portal sandbox tenant</small></p></body></html>\n"
    )
}

/// `GET /activate`: the form where a person confirms a device's code.
pub(crate) fn activate_page(_shared: &Shared, request: &Request) -> Reply {
    let code = request.query.get("user_code").unwrap_or_default();
    let body = format!(
        "<p>Enter the code shown on your device.</p>\
<form method=\"post\" action=\"/activate\">\
<input name=\"user_code\" value=\"{}\" autofocus autocomplete=\"off\" maxlength=\"20\">\
<div><button name=\"action\" value=\"approve\">Confirm</button>\
<button name=\"action\" value=\"deny\">Cancel</button></div></form>",
        html_escape(code)
    );
    Reply::html(200, page("Device Confirmation", &body))
}

/// `POST /activate`: approve or deny.
pub(crate) fn activate_submit(shared: &Shared, request: &Request) -> Reply {
    let form: HashMap<String, String> = request.form().into_iter().collect();
    let code = form
        .get("user_code")
        .map(String::as_str)
        .unwrap_or_default();
    let approve = form.get("action").map(String::as_str) != Some("deny");
    if lock(&shared.devices).decide(code, approve) {
        let message = if approve {
            "<p>Your device is now connected. You can close this window.</p>"
        } else {
            "<p>The request was cancelled. You can close this window.</p>"
        };
        Reply::html(
            200,
            page(
                if approve {
                    "Congratulations, you're all set!"
                } else {
                    "Cancelled"
                },
                message,
            ),
        )
    } else {
        let body = format!(
            "<p>The code <code>{}</code> is unknown, expired or already used.</p><p><a href=\"/activate\">Try again</a></p>",
            html_escape(code)
        );
        Reply::html(400, page("Invalid code", &body))
    }
}

/// `GET /`: what this server is.
pub(crate) fn home_page(shared: &Shared) -> Reply {
    let base = html_escape(&shared.base_url);
    let body = format!(
        "<p>An Auth0-compatible sandbox tenant for m2m-portal.</p><ul>\
<li>Token endpoint: <code>{base}/oauth/token</code></li>\
<li>Management API: <code>{base}/api/v2/</code></li>\
<li>Keys: <a href=\"/.well-known/jwks.json\">/.well-known/jwks.json</a></li>\
<li>Discovery: <a href=\"/.well-known/openid-configuration\">/.well-known/openid-configuration</a></li>\
<li>Device activation: <a href=\"/activate\">/activate</a></li></ul>"
    );
    Reply::html(200, page("m2m-portal sandbox", &body))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn user_codes_are_normalized() {
        assert_eq!(normalize("bcdf ghjk"), "BCDF-GHJK");
        assert_eq!(normalize("BCDF-GHJK"), "BCDF-GHJK");
        assert_eq!(normalize("<x>"), "X");
    }
}
