//! The operator signs in as themselves: the device authorization grant
//! (RFC 8628) with the tenant's native application. Their `sub`/email then go
//! into every audit record.
//!
//! The sign-in names who acts; it does not replace the admin app. Auth0 gives a
//! person's token for the Management API only the `current_user` scopes
//! (`tests/fixtures/auth0/README.md`), so Management calls keep using the admin
//! app's client credentials, whose secret can live in the OS keyring
//! (`m2m-portal secret set`) instead of a `.env` on every laptop.

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;

use crate::auth0::{Auth0Error, DeviceAuthorization, DevicePoll, DeviceTokens, UserSession};
use crate::secret::Secret;

use super::{ErrorKind, Portal, PortalError};

/// The variable that names the native application operators sign in with.
pub const LOGIN_CLIENT_ID_VAR: &str = "PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID";

/// RFC 8628 §3.5: after `slow_down`, poll this much less often (for good).
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// Warn this long before a sign-in without a refresh token runs out (both faces).
pub const EXPIRY_WARNING: Duration = Duration::from_secs(5 * 60);

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

/// The scopes a sign-in asks for: who the person is (OpenID, email) and a
/// refresh token to prove later runs that the sign-in still holds. No
/// Management scope: Auth0 would not grant a person the admin ones.
pub fn login_scope() -> String {
    ["openid", "profile", "email", "offline_access"].join(" ")
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
                "login_required" => base(&format!("Sign in again: {}", sanitize(description)))
                    .with_hint("Run m2m-portal login."),
                _ => base(&format!("Auth0 refused the sign-in: {}", sanitize(description)))
                    .with_hint(format!(
                        "Check {LOGIN_CLIENT_ID_VAR}: a Native application with the Device Code grant."
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
                    "Create a Native application in the Auth0 Dashboard, enable its Device Code grant \
                     (and Refresh Token rotation if you like), and put its client id there.",
                )
            })
    }

    /// Starts a device sign-in: the code and where to enter it.
    pub async fn start_login(&self) -> Result<DeviceAuthorization, PortalError> {
        let client_id = self.login_client_id()?;
        self.auth0
            .device_code(client_id, &login_scope(), None)
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

    /// This portal, acting for the signed-in operator: the audit log names them.
    /// Management calls still use the admin app (see the module's note); call
    /// [`Portal::renew_operator`] before acting so an ended sign-in is refused.
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

    /// Proves the operator's sign-in still holds before anything is done in their
    /// name: renews it with the refresh token when it is about to expire, and asks
    /// to sign in again when it has ended. Nobody signed in: nothing to do.
    pub async fn renew_operator(&self) -> Result<(), PortalError> {
        self.auth0
            .renew_user_session()
            .await
            .map(|_| ())
            .map_err(|e| login_error(&e))
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
    use crate::portal::Action;

    #[test]
    fn the_login_asks_who_the_person_is_and_for_a_refresh_token_not_for_admin_scopes() {
        let scope = login_scope();
        let scopes: Vec<&str> = scope.split_whitespace().collect();
        for wanted in ["openid", "email", "offline_access"] {
            assert!(scopes.contains(&wanted), "{wanted}");
        }
        for action in Action::ALL {
            for admin in action.scopes() {
                assert!(!scopes.contains(admin), "{admin}: Auth0 gives people none");
            }
        }
    }
}
