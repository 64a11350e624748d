//! The operator signs in as themselves: the device authorization grant
//! (RFC 8628) with the tenant's native application, for a Management token of
//! their own. Their `sub`/email then go into every audit record.

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;

use crate::auth0::{Auth0Error, DeviceAuthorization, DevicePoll, DeviceTokens, UserSession};
use crate::secret::Secret;

use super::{Action, ErrorKind, Portal, PortalError};

/// The variable that names the native application operators sign in with.
pub const LOGIN_CLIENT_ID_VAR: &str = "PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID";

/// RFC 8628 §3.5: after `slow_down`, poll this much less often (for good).
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// Who signed in, from the id_token (else the access token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub sub: String,
    pub email: Option<String>,
}

impl Operator {
    /// The name written in audit records: the email, else the `sub`.
    pub fn label(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.sub)
    }

    /// The identity in freshly issued tokens; `None` when neither names a subject.
    pub fn from_tokens(tokens: &DeviceTokens) -> Option<Operator> {
        let id = tokens.id_token.as_ref().and_then(claims);
        let access = claims(&tokens.access_token);
        let text = |claims: &Option<serde_json::Value>, name: &str| {
            claims
                .as_ref()
                .and_then(|c| c.get(name))
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(crate::text::sanitize)
        };
        let sub = text(&id, "sub").or_else(|| text(&access, "sub"))?;
        let email = text(&id, "email").or_else(|| text(&access, "email"));
        Some(Operator { sub, email })
    }
}

/// A finished device sign-in: who, and their session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub operator: Operator,
    pub session: UserSession,
}

/// The claims of a JWT, read without verification: the tokens came straight
/// from the tenant's token endpoint over TLS (OpenID Connect §3.1.3.7).
fn claims(token: &Secret) -> Option<serde_json::Value> {
    let payload = token.expose_secret().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The scopes a sign-in asks for: OpenID, a refresh token, and every
/// Management scope the portal's actions need.
pub fn login_scope() -> String {
    let mut scopes = vec!["openid", "profile", "email", "offline_access"];
    for action in Action::ALL {
        for scope in action.scopes() {
            if !scopes.contains(scope) {
                scopes.push(scope);
            }
        }
    }
    scopes.join(" ")
}

/// An error of the device flow, in the operator's words.
fn login_error(err: &Auth0Error) -> PortalError {
    let sanitize = crate::text::sanitize;
    match err {
        Auth0Error::Token {
            error, description, ..
        } => {
            let base = |message: &str| {
                PortalError::new(ErrorKind::Auth, message).with_code(sanitize(error))
            };
            match error.as_str() {
                "expired_token" => base("The sign-in code expired before it was approved.")
                    .with_hint("Run m2m-portal login again and approve the new code within its time."),
                "access_denied" => base("The sign-in was refused on the approval page.")
                    .with_hint("If that was not you, tell your tenant's administrators; otherwise run m2m-portal login again."),
                "unauthorized_client" => base(&format!(
                    "The login application may not use the device flow: {}",
                    sanitize(description)
                ))
                .with_hint(format!(
                    "{LOGIN_CLIENT_ID_VAR} must be a Native application with the Device Code grant enabled \
                     (Applications > your app > Settings > Advanced > Grant Types)."
                )),
                "invalid_grant" => base("Your saved sign-in is no longer valid.")
                    .with_hint("Run m2m-portal login again."),
                _ => base(&format!("Auth0 refused the sign-in: {}", sanitize(description)))
                    .with_hint(format!(
                        "Check {LOGIN_CLIENT_ID_VAR} and that the application may call the Management API."
                    )),
            }
        }
        other => PortalError::management("signing in", other),
    }
}

impl Portal {
    /// The native application configured for device sign-in, or why there is none.
    fn login_client_id(&self) -> Result<&str, PortalError> {
        self.settings
            .login_client_id
            .as_deref()
            .ok_or_else(|| {
                PortalError::usage(format!(
                    "No login application is configured: set {LOGIN_CLIENT_ID_VAR} (or login_client_id in config.toml)"
                ))
                .with_code("not_configured")
                .with_hint(
                    "Create a Native application in the Auth0 Dashboard, enable its Device Code grant, \
                     and authorize it for the Management API; put its client id there.",
                )
            })
    }

    /// Starts a device sign-in: the code and where to enter it.
    pub async fn start_login(&self) -> Result<DeviceAuthorization, PortalError> {
        let client_id = self.login_client_id()?;
        let audience = self.settings.management_audience();
        self.auth0
            .device_code(client_id, &login_scope(), Some(&audience))
            .await
            .map_err(|e| login_error(&e))
    }

    /// Polls until the operator approves (or denies, or the code expires).
    /// `sleep` waits between polls: the interval, plus 5 s after each
    /// `slow_down`; tests hand in a fake clock.
    pub async fn finish_login<S, F>(
        &self,
        started: &DeviceAuthorization,
        mut sleep: S,
    ) -> Result<SignedIn, PortalError>
    where
        S: FnMut(Duration) -> F,
        F: Future<Output = ()>,
    {
        let client_id = self.login_client_id()?.to_owned();
        let mut interval = Duration::from_secs(started.interval.max(1));
        let lifetime = Duration::from_secs(started.expires_in);
        let mut waited = Duration::ZERO;
        loop {
            if waited >= lifetime {
                return Err(login_error(&Auth0Error::Token {
                    status: 403,
                    error: "expired_token".to_owned(),
                    description: String::new(),
                }));
            }
            sleep(interval).await;
            waited += interval;
            match self
                .auth0
                .poll_device(&client_id, &started.device_code)
                .await
            {
                Ok(DevicePoll::Pending) => {}
                Ok(DevicePoll::SlowDown) => {
                    interval += SLOW_DOWN_STEP;
                    tracing::info!(
                        interval_s = interval.as_secs(),
                        "device sign-in: slow_down, polling less often"
                    );
                }
                Ok(DevicePoll::Approved(tokens)) => {
                    let operator = Operator::from_tokens(&tokens).ok_or_else(|| {
                        PortalError::failure("The sign-in's tokens name nobody (no sub claim).")
                    })?;
                    return Ok(SignedIn {
                        operator,
                        session: UserSession::from_tokens(&client_id, &tokens),
                    });
                }
                Err(err) => return Err(login_error(&err)),
            }
        }
    }

    /// This portal, acting as the signed-in operator: Management calls use
    /// their token and the audit log names them.
    pub fn as_operator(&self, signed: &SignedIn) -> Portal {
        let auth0 = crate::auth0::Auth0Client::clone(&self.auth0);
        auth0.set_user_session(Some(signed.session.clone()));
        Portal {
            settings: self.settings.clone(),
            auth0,
            audit: std::sync::Arc::new(super::AuditLog::for_operator(
                self.audit.path().map(std::path::Path::to_path_buf),
                &signed.operator,
            )),
        }
    }

    /// The operator's session as it stands now (a refresh may have replaced the
    /// access token), to keep for the next run.
    pub fn operator_session(&self) -> Option<UserSession> {
        self.auth0.user_session()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_asks_for_every_scope_the_actions_need_and_a_refresh_token() {
        let scope = login_scope();
        let scopes: Vec<&str> = scope.split_whitespace().collect();
        assert!(scopes.contains(&"offline_access") && scopes.contains(&"openid"));
        for action in Action::ALL {
            for needed in action.scopes() {
                assert!(scopes.contains(needed), "{needed}");
            }
        }
        let mut unique = scopes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), scopes.len(), "no scope twice");
    }
}
