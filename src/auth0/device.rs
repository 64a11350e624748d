//! Device authorization (discovery's `device_authorization_endpoint`, Auth0's
//! `/oauth/device/code` without one, and polling discovery's `token_endpoint`)
//! and `grant_type=refresh_token`: the operator signs in as themselves
//! (`m2m-portal login`) and the Management token becomes theirs (see
//! [`UserSession`]).

use reqwest::Url;
use serde::Deserialize;

use super::error::{self, Auth0Error};
use super::{Auth0Client, content_type};
use crate::secret::Secret;

/// What the user must do to approve this device.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    /// Seconds between polls.
    pub interval: u64,
}

/// Where the device flow goes: the domain's `/.well-known/openid-configuration`
/// (`device_authorization_endpoint`, `token_endpoint`), else Auth0's paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEndpoints {
    pub device_authorization: Url,
    pub token: Url,
}

/// Tokens a person got through the device flow.
#[derive(Debug, Clone)]
pub struct DeviceTokens {
    pub access_token: Secret,
    pub id_token: Option<Secret>,
    pub expires_in: u64,
    /// Issued when `offline_access` was asked and the API allows it.
    pub refresh_token: Option<Secret>,
    /// Granted scopes (from the answer, else the token's claims).
    pub scope: Vec<String>,
}

/// The operator's own Management token, used instead of the admin app's
/// client credentials once they signed in with the device flow.
#[derive(Debug, Clone)]
pub struct UserSession {
    /// The native application the operator signed in with.
    pub client_id: String,
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// When the access token expires, UNIX seconds.
    pub expires_at: u64,
    pub scope: Vec<String>,
}

impl UserSession {
    /// A session from freshly issued tokens.
    pub fn from_tokens(client_id: &str, tokens: &DeviceTokens) -> Self {
        Self {
            client_id: client_id.to_owned(),
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: super::unix_now().saturating_add(tokens.expires_in),
            scope: tokens.scope.clone(),
        }
    }

    /// Seconds until the access token expires (0 once it has).
    pub fn expires_in(&self) -> u64 {
        self.expires_at.saturating_sub(super::unix_now())
    }
}

/// One poll's answer.
#[derive(Debug, Clone)]
pub enum DevicePoll {
    /// Not approved yet: poll again after the interval.
    Pending,
    /// Polled too fast: add 5 s to the interval.
    SlowDown,
    /// Approved.
    Approved(DeviceTokens),
}

#[derive(Deserialize)]
struct CodeBody {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    #[serde(default = "default_expires")]
    expires_in: u64,
    #[serde(default = "default_interval")]
    interval: u64,
}

fn default_expires() -> u64 {
    900
}

fn default_interval() -> u64 {
    5
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

impl TokenBody {
    fn into_tokens(self) -> DeviceTokens {
        let access_token = Secret::new(self.access_token);
        let scope = match self.scope {
            Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
            None => super::token::scopes_from_claims(&access_token),
        };
        DeviceTokens {
            access_token,
            id_token: self.id_token.map(Secret::new),
            expires_in: self
                .expires_in
                .unwrap_or(0)
                .min(super::MAX_TOKEN_LIFETIME_SECS),
            refresh_token: self
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            scope,
        }
    }
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl Auth0Client {
    /// The device flow's endpoints, from discovery (read once; Auth0's paths when the
    /// domain serves no discovery document). A discovered endpoint must be https://
    /// (plain http only on loopback): a refresh token goes there.
    pub async fn device_endpoints(&self) -> Result<DeviceEndpoints, Auth0Error> {
        if let Some(known) = lock(&self.inner.device_endpoints).clone() {
            return Ok(known);
        }
        let discovery = match self.openid_configuration().await {
            Ok(document) if document.is_object() => Some(document),
            Ok(_) => None,
            Err(err) if err.is_status(404) => None,
            Err(err) => return Err(err),
        };
        let pick = |name: &str, fallback: &[&str]| -> Result<Url, Auth0Error> {
            let discovered = discovery
                .as_ref()
                .and_then(|d| d.get(name))
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty());
            let Some(url) = discovered else {
                return self.url(fallback);
            };
            if !crate::config::is_safe_endpoint(url) {
                return Err(Auth0Error::InvalidUrl {
                    url: url.to_owned(),
                    detail: format!(
                        "the discovery document's {name} is not https:// (plain http only for loopback)"
                    ),
                });
            }
            Url::parse(url).map_err(|e| Auth0Error::InvalidUrl {
                url: url.to_owned(),
                detail: e.to_string(),
            })
        };
        let endpoints = DeviceEndpoints {
            device_authorization: pick(
                "device_authorization_endpoint",
                &["oauth", "device", "code"],
            )?,
            token: pick("token_endpoint", &["oauth", "token"])?,
        };
        *lock(&self.inner.device_endpoints) = Some(endpoints.clone());
        Ok(endpoints)
    }

    /// Starts a device authorization for a (native) application.
    pub async fn device_code(
        &self,
        client_id: &str,
        scope: &str,
        audience: Option<&str>,
    ) -> Result<DeviceAuthorization, Auth0Error> {
        let mut form = vec![("client_id", client_id), ("scope", scope)];
        if let Some(audience) = audience {
            form.push(("audience", audience));
        }
        let url = self.device_endpoints().await?.device_authorization;
        let (status, value) = self.oauth_form(url.clone(), &form).await?;
        if !(200..300).contains(&status) {
            return Err(oauth_error(status, value));
        }
        let body: CodeBody =
            serde_json::from_value(value).map_err(|_| Auth0Error::UnexpectedBody {
                url: url.to_string(),
                status,
                detail: "JSON without the fields Auth0 sends".to_owned(),
                html: false,
            })?;
        Ok(DeviceAuthorization {
            device_code: Secret::new(body.device_code),
            user_code: body.user_code,
            verification_uri: body.verification_uri,
            verification_uri_complete: body.verification_uri_complete,
            expires_in: body.expires_in,
            interval: body.interval.max(1),
        })
    }

    /// Polls the token endpoint once for a device authorization.
    pub async fn poll_device(
        &self,
        client_id: &str,
        device_code: &Secret,
    ) -> Result<DevicePoll, Auth0Error> {
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", client_id),
            ("device_code", device_code.expose_secret()),
        ];
        let url = self.device_endpoints().await?.token;
        self.inner
            .token_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (status, value) = self.oauth_form(url.clone(), &form).await?;
        if (200..300).contains(&status) {
            let body: TokenBody =
                serde_json::from_value(value).map_err(|_| Auth0Error::UnexpectedBody {
                    url: url.to_string(),
                    status,
                    detail: "JSON without the fields Auth0 sends".to_owned(),
                    html: false,
                })?;
            return Ok(DevicePoll::Approved(body.into_tokens()));
        }
        match value.get("error").and_then(|e| e.as_str()) {
            Some("authorization_pending") => Ok(DevicePoll::Pending),
            Some("slow_down") => Ok(DevicePoll::SlowDown),
            _ => Err(oauth_error(status, value)),
        }
    }

    /// New tokens from a refresh token (`grant_type=refresh_token`, public client).
    pub async fn refresh_user_token(
        &self,
        client_id: &str,
        refresh_token: &Secret,
    ) -> Result<DeviceTokens, Auth0Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        let url = self.device_endpoints().await?.token;
        self.inner
            .token_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!("refresh token request");
        let (status, value) = self.oauth_form(url.clone(), &form).await?;
        if !(200..300).contains(&status) {
            return Err(oauth_error(status, value));
        }
        let body: TokenBody =
            serde_json::from_value(value).map_err(|_| Auth0Error::UnexpectedBody {
                url: url.to_string(),
                status,
                detail: "JSON without the fields Auth0 sends".to_owned(),
                html: false,
            })?;
        Ok(body.into_tokens())
    }

    /// The tenant's OpenID discovery document.
    pub async fn openid_configuration(&self) -> Result<serde_json::Value, Auth0Error> {
        self.public_json(&[".well-known", "openid-configuration"])
            .await
    }

    /// POSTs a form to an OAuth endpoint; returns the status and JSON body.
    async fn oauth_form(
        &self,
        url: Url,
        form: &[(&str, &str)],
    ) -> Result<(u16, serde_json::Value), Auth0Error> {
        let response = self
            .inner
            .http
            .post(url.clone())
            .form(form)
            .send()
            .await
            .map_err(|e| Auth0Error::from_reqwest(url.as_str(), &e, false))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = super::error::read_body(response, url.as_str(), false).await?;
        let value = serde_json::from_slice(&bytes).map_err(|_| {
            error::unexpected_body(url.as_str(), status, content_type(&headers), &bytes)
        })?;
        Ok((status, value))
    }
}

/// `{error, error_description}` as a token error.
fn oauth_error(status: u16, value: serde_json::Value) -> Auth0Error {
    match serde_json::from_value::<OAuthErrorBody>(value) {
        Ok(body) => Auth0Error::Token {
            status,
            error: body.error,
            description: body.error_description.unwrap_or_default(),
        },
        Err(_) => Auth0Error::UnexpectedBody {
            url: "/oauth".to_owned(),
            status,
            detail: "an error without Auth0's error fields".to_owned(),
            html: false,
        },
    }
}

fn lock(
    mutex: &std::sync::Mutex<Option<DeviceEndpoints>>,
) -> std::sync::MutexGuard<'_, Option<DeviceEndpoints>> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
