//! The token endpoint, through the `oauth2` crate's client-credentials flow
//! over the process's one `reqwest::Client`.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RequestTokenError,
    TokenResponse, TokenUrl,
};

use super::error::{self, Auth0Error};
use super::retry::{Failure, Retries};
use super::{AccessToken, Auth0Client, ResponseMeta, answer_failure, given_up};
use crate::secret::Secret;

/// A token endpoint and how to talk to it (from discovery, or Auth0's defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEndpoint {
    /// The absolute URL, e.g. `https://tenant.eu.auth0.com/oauth/token`.
    pub url: String,
    /// Authenticate with `client_secret_basic` (an Authorization header) instead of
    /// `client_secret_post` (the secret in the form).
    pub basic_auth: bool,
    /// Name the API with `resource` (RFC 8707) instead of Auth0's `audience`.
    pub resource: bool,
}

/// What a client-credentials request asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenParams<'a> {
    pub audience: &'a str,
    /// An organization id or name (Auth0's `organization` parameter).
    pub organization: Option<&'a str>,
    /// Scopes to ask for; none: whatever the grant gives.
    pub scope: Option<&'a str>,
}

impl Auth0Client {
    /// Client credentials: a token for `audience` (and `organization`, an id or name)
    /// from the tenant's `/oauth/token`, as Auth0 clients made by the portal do
    /// (client_secret_post).
    pub async fn client_credentials(
        &self,
        client_id: &str,
        client_secret: &Secret,
        audience: &str,
        organization: Option<&str>,
    ) -> Result<AccessToken, Auth0Error> {
        let endpoint = TokenEndpoint {
            url: self.url(&["oauth", "token"])?.to_string(),
            basic_auth: false,
            resource: false,
        };
        let params = TokenParams {
            audience,
            organization,
            scope: None,
        };
        self.client_credentials_at(&endpoint, client_id, client_secret, params)
            .await
    }

    /// Client credentials at any token endpoint. Rate limits are waited out and
    /// connection failures retried: issuing a token has no side effect worth guarding.
    pub async fn client_credentials_at(
        &self,
        endpoint: &TokenEndpoint,
        client_id: &str,
        client_secret: &Secret,
        params: TokenParams<'_>,
    ) -> Result<AccessToken, Auth0Error> {
        let TokenParams {
            audience,
            organization,
            scope,
        } = params;
        let url = reqwest::Url::parse(&endpoint.url).map_err(|e| Auth0Error::InvalidUrl {
            url: endpoint.url.clone(),
            detail: e.to_string(),
        })?;
        let endpoint_path = url.path().to_owned();
        let oauth = oauth_client(endpoint, &url, client_id, client_secret);
        let audience_param = if endpoint.resource {
            "resource"
        } else {
            "audience"
        };
        // A client-credentials exchange changes nothing on the tenant: safe to retry.
        let mut retries = Retries::new(self.inner.policy, true);
        loop {
            let meta: Arc<Mutex<Option<ResponseMeta>>> = Arc::new(Mutex::new(None));
            let http = self.inner.http.clone();
            let slot = Arc::clone(&meta);
            let send = move |request: oauth2::HttpRequest| {
                send_recorded(http.clone(), Arc::clone(&slot), request)
            };
            let mut request = oauth
                .exchange_client_credentials()
                .add_extra_param(audience_param, audience.to_owned());
            if let Some(organization) = organization {
                request = request.add_extra_param("organization", organization.to_owned());
            }
            if let Some(scope) = scope.map(str::trim).filter(|s| !s.is_empty()) {
                request = request.add_extra_param("scope", scope.to_owned());
            }
            self.inner.token_requests.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(audience, "token request");
            let outcome = request.request_async(&send).await;
            let meta = meta.lock().ok().and_then(|mut m| m.take());
            let error = match outcome {
                Ok(response) => return Ok(issued_token(&response)),
                Err(err) => match wrong_endpoint(url.as_str(), &err, meta.as_ref()) {
                    Some(wrong) => return Err(wrong),
                    None => token_error(url.as_str(), err, meta.as_ref()),
                },
            };
            let Some(failure) = retryable_failure(&error, meta.as_ref()) else {
                return Err(error);
            };
            match retries.after(failure) {
                Ok(pause) => retries.pause(&endpoint_path, pause).await,
                Err(give_up) => return Err(given_up(give_up, &endpoint_path, error)),
            }
        }
    }
}

/// The `oauth2` client for the endpoint, authenticating in the form or with Basic.
fn oauth_client(
    endpoint: &TokenEndpoint,
    url: &reqwest::Url,
    client_id: &str,
    client_secret: &Secret,
) -> BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet> {
    BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_client_secret(ClientSecret::new(client_secret.expose_secret().to_owned()))
        .set_token_uri(TokenUrl::from_url(url.clone()))
        .set_auth_type(if endpoint.basic_auth {
            AuthType::BasicAuth
        } else {
            AuthType::RequestBody
        })
}

/// Sends `oauth2`'s request on the process's client, keeping the answer's status and
/// headers in `meta` (the crate's errors drop them; retries and messages need them).
async fn send_recorded(
    http: reqwest::Client,
    meta: Arc<Mutex<Option<ResponseMeta>>>,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, Auth0Error> {
    let (parts, body) = request.into_parts();
    let target = parts.uri.to_string();
    let response = http
        .request(parts.method, &target)
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| Auth0Error::from_reqwest(&target, &e, false))?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = super::error::read_body(response, &target, false).await?;
    if let Ok(mut slot) = meta.lock() {
        *slot = Some(ResponseMeta {
            status,
            headers: headers.clone(),
            empty: bytes.iter().all(u8::is_ascii_whitespace),
        });
    }
    let mut builder = oauth2::http::Response::builder().status(status);
    if let Some(map) = builder.headers_mut() {
        *map = headers;
    }
    builder
        .body(bytes.to_vec())
        .map_err(|e| Auth0Error::UnexpectedBody {
            url: target.clone(),
            status: status.as_u16(),
            detail: e.to_string(),
            html: false,
        })
}

/// The token answered, its scopes and lifetime read from the token when the answer leaves them out.
fn issued_token(response: &oauth2::basic::BasicTokenResponse) -> AccessToken {
    let access_token = Secret::new(response.access_token().secret().to_owned());
    let scope = match response.scopes() {
        Some(scopes) => scopes.iter().map(|s| s.to_string()).collect(),
        None => scopes_from_claims(&access_token),
    };
    // Without expires_in, the token's own exp says how long it lives.
    let expires_in = response
        .expires_in()
        .map(|d| d.as_secs())
        .unwrap_or_else(|| lifetime_from_claims(&access_token));
    AccessToken {
        expires_in,
        access_token,
        scope,
    }
}

/// Which retryable failure a token-endpoint error is (an answer's 429 or 5xx, a
/// connection error or timeout); none for the rest.
fn retryable_failure<'m>(
    error: &Auth0Error,
    meta: Option<&'m ResponseMeta>,
) -> Option<Failure<'m>> {
    match (error, meta) {
        (_, Some(meta)) => answer_failure(meta.status, &meta.headers),
        (Auth0Error::Network { refused, .. }, None) => {
            Some(Failure::Transport { refused: *refused })
        }
        (Auth0Error::Timeout { .. }, None) => Some(Failure::Transport { refused: false }),
        _ => None,
    }
}

/// A token endpoint answers a refusal with OAuth's JSON `{error, ...}` and a 400,
/// 401 or 403. A 404 (JSON or not), a 403 with no body, or an HTML page means the
/// request reached something else: a wrong path, a proxy, a web site.
fn wrong_endpoint(
    url: &str,
    err: &RequestTokenError<Auth0Error, oauth2::basic::BasicErrorResponse>,
    meta: Option<&ResponseMeta>,
) -> Option<Auth0Error> {
    let meta = meta?;
    if matches!(err, RequestTokenError::Request(_)) {
        return None;
    }
    let status = meta.status.as_u16();
    let content_type = meta
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let html = content_type.contains("html")
        || matches!(err, RequestTokenError::Parse(_, body) if looks_like_html(body));
    let detail = if html {
        "an HTML page".to_owned()
    } else if status == 404 {
        if meta.empty {
            "an empty body".to_owned()
        } else {
            "Not Found".to_owned()
        }
    } else if status == 403 && meta.empty {
        "an empty body".to_owned()
    } else {
        return None;
    };
    Some(Auth0Error::WrongEndpoint {
        url: url.to_owned(),
        status,
        detail,
    })
}

fn looks_like_html(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(256)]);
    let text = text.trim_start().to_ascii_lowercase();
    text.starts_with("<!") || text.starts_with("<html")
}

/// Seconds until the token's `exp` (read without verification), 0 when it has none.
fn lifetime_from_claims(token: &Secret) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    claims(token)
        .and_then(|claims| claims.get("exp").and_then(serde_json::Value::as_u64))
        .map_or(0, |exp| exp.saturating_sub(now))
}

fn claims(token: &Secret) -> Option<serde_json::Value> {
    let payload = token.expose_secret().split('.').nth(1).unwrap_or("");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
}

/// Maps the oauth2 crate's error to ours, keeping the HTTP status.
fn token_error(
    url: &str,
    err: RequestTokenError<Auth0Error, oauth2::basic::BasicErrorResponse>,
    meta: Option<&ResponseMeta>,
) -> Auth0Error {
    let status = meta.map_or(0, |m| m.status.as_u16());
    match err {
        RequestTokenError::ServerResponse(response) => Auth0Error::Token {
            status,
            error: response.error().as_ref().to_owned(),
            description: response.error_description().cloned().unwrap_or_default(),
        },
        RequestTokenError::Request(inner) => inner,
        RequestTokenError::Parse(_, body) => {
            let content_type = meta
                .and_then(|m| m.headers.get(reqwest::header::CONTENT_TYPE))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            error::unexpected_body(url, status, content_type, &body)
        }
        RequestTokenError::Other(detail) => {
            let content_type = meta
                .and_then(|m| m.headers.get(reqwest::header::CONTENT_TYPE))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if content_type.contains("html") {
                // A 200 HTML page (captive portal, wrong domain) instead of a token.
                error::unexpected_body(url, status, content_type, b"<html>")
            } else {
                Auth0Error::UnexpectedBody {
                    url: url.to_owned(),
                    status,
                    detail,
                    html: false,
                }
            }
        }
    }
}

/// The `scope` claim of a JWT access token, read without verification (only to
/// show what was granted when the response omits `scope`).
pub(super) fn scopes_from_claims(token: &Secret) -> Vec<String> {
    claims(token)
        .and_then(|claims| {
            claims
                .get("scope")
                .and_then(|s| s.as_str())
                .map(str::to_owned)
        })
        .map(|scope| scope.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}
