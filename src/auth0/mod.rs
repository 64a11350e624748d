//! The Auth0 HTTP client: one `reqwest::Client`, token cache, Management API,
//! typed models, errors, rate-limit aware retries.
//!
//! This module knows HTTP and JSON only. Every call goes through [`Auth0Client`],
//! which is cheap to clone and shares one connection pool and one Management
//! token for the whole process.

mod device;
pub(crate) mod error;
mod management;
pub mod models;
mod request;
mod retry;
mod token;

/// The longest Management token lifetime trusted (30 days); Auth0 issues 24 h.
const MAX_TOKEN_LIFETIME_SECS: u64 = 30 * 24 * 3600;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};

pub use device::{DeviceAuthorization, DeviceEndpoints, DevicePoll, DeviceTokens, UserSession};
pub use error::{Auth0Error, MAX_RESPONSE_BYTES};
pub use management::{MAX_PAGE, check_cursor};
pub use models::*;
use request::{answer_failure, content_type, given_up};
pub use retry::{RateLimitObserver, RateLimitWait, RetryPolicy};
pub use token::{TokenEndpoint, TokenParams};

use crate::secret::Secret;

/// Connect timeout for every request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request timeout for every request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Refresh the Management token this long before it expires (Auth0's SDKs use 10 s).
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(10);

/// Where to reach a tenant and the admin app's credentials.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// `https://tenant.eu.auth0.com` (no trailing slash).
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// `https://{domain}/api/v2/`.
    pub management_audience: String,
}

/// A Management token in the cache.
#[derive(Debug, Clone)]
struct CachedToken {
    token: AccessToken,
    refresh_at: std::time::Instant,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    tenant: Tenant,
    policy: RetryPolicy,
    cache: tokio::sync::Mutex<Option<CachedToken>>,
    /// The operator's own token (device sign-in); when set, Management calls use it.
    session: std::sync::Mutex<Option<UserSession>>,
    /// The device flow's endpoints, read once from discovery.
    device_endpoints: std::sync::Mutex<Option<device::DeviceEndpoints>>,
    token_requests: AtomicU64,
    management_requests: AtomicU64,
    /// No Management request leaves before this instant: the bucket was empty
    /// (a 429, or `x-ratelimit-remaining: 0`) and refills at its reset.
    not_before: std::sync::Mutex<Option<std::time::Instant>>,
    rate_observer: std::sync::Mutex<Option<RateLimitObserver>>,
}

/// The one client for a tenant. Clone it freely: clones share the connection pool and token.
#[derive(Clone)]
pub struct Auth0Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Auth0Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth0Client")
            .field("base", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

/// Status and headers of an answer, kept for rate-limit handling.
#[derive(Debug, Clone)]
struct ResponseMeta {
    status: StatusCode,
    headers: HeaderMap,
    /// True when the body was empty (or only whitespace).
    empty: bool,
}

/// The one `reqwest::Client` of the process: every tenant client (a new one per
/// sign-in in the TUI, say) shares its connection pool and TLS setup.
fn process_http_client() -> Result<&'static reqwest::Client, String> {
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    if let Some(http) = HTTP.get() {
        return Ok(http);
    }
    let http = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // A redirect from a token endpoint could carry credentials elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("m2m-portal/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(HTTP.get_or_init(|| http))
}

impl Auth0Client {
    /// Builds a client for a tenant on the process's HTTP client.
    pub fn new(tenant: Tenant) -> Result<Self, Auth0Error> {
        Self::with_policy(tenant, RetryPolicy::default())
    }

    /// Builds a client with a given retry policy (tests shorten waits).
    pub fn with_policy(tenant: Tenant, policy: RetryPolicy) -> Result<Self, Auth0Error> {
        let base =
            Url::parse(&format!("{}/", tenant.base_url.trim_end_matches('/'))).map_err(|e| {
                Auth0Error::InvalidUrl {
                    url: tenant.base_url.clone(),
                    detail: e.to_string(),
                }
            })?;
        let http = process_http_client()
            .map_err(|detail| Auth0Error::Tls {
                url: tenant.base_url.clone(),
                detail,
            })?
            .clone();
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                tenant,
                policy,
                cache: tokio::sync::Mutex::new(None),
                device_endpoints: std::sync::Mutex::new(None),
                session: std::sync::Mutex::new(None),
                token_requests: AtomicU64::new(0),
                management_requests: AtomicU64::new(0),
                not_before: std::sync::Mutex::new(None),
                rate_observer: std::sync::Mutex::new(None),
            }),
        })
    }

    /// The tenant this client talks to.
    pub fn tenant(&self) -> &Tenant {
        &self.inner.tenant
    }

    /// How many token requests this client has made (all kinds).
    pub fn token_requests(&self) -> u64 {
        self.inner.token_requests.load(Ordering::Relaxed)
    }

    /// How many Management API requests this client has sent (retries included).
    pub fn management_requests(&self) -> u64 {
        self.inner.management_requests.load(Ordering::Relaxed)
    }

    /// Who is told when a request waits for the rate limit (`None`: nobody). One
    /// observer per client; the TUI sets it at sign-in, `orgs list` for its run.
    pub fn set_rate_limit_observer(&self, observer: Option<RateLimitObserver>) {
        *lock_unpoisoned(&self.inner.rate_observer) = observer;
    }

    fn report_wait(&self, wait: &RateLimitWait) {
        let observer = lock_unpoisoned(&self.inner.rate_observer).clone();
        if let Some(observer) = observer {
            observer(wait);
        }
    }

    /// Holds every Management request until `until` (the bucket's refill).
    fn hold_until(&self, until: std::time::Instant) {
        let mut not_before = lock_unpoisoned(&self.inner.not_before);
        if not_before.is_none_or(|at| at < until) {
            *not_before = Some(until);
        }
    }

    /// Waits while the bucket is known to be empty, saying so first.
    async fn pace(&self, endpoint: &str) {
        let until = *lock_unpoisoned(&self.inner.not_before);
        let Some(until) = until else { return };
        let now = std::time::Instant::now();
        if until <= now {
            return;
        }
        let wait = until - now;
        tracing::info!(
            endpoint = %endpoint,
            wait_ms = wait.as_millis() as u64,
            "rate limited; waiting for the bucket to refill (x-ratelimit-remaining was 0, no 429)"
        );
        self.report_wait(&RateLimitWait {
            endpoint: endpoint.to_owned(),
            wait,
            after_429: false,
        });
        tokio::time::sleep_until(until.into()).await;
    }

    /// A URL under the tenant's base, path segments percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, Auth0Error> {
        let mut url = self.inner.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| Auth0Error::InvalidUrl {
                    url: self.inner.base.to_string(),
                    detail: "cannot hold a path".to_owned(),
                })?;
            path.pop_if_empty();
            path.extend(segments);
        }
        Ok(url)
    }

    /// Keeps the operator's sign-in (`None`: nobody). It names who acts; it is
    /// never the Management token: Auth0 gives a person's token for the Management
    /// API only the `current_user` scopes, so Management calls always use the
    /// admin app's client credentials.
    pub fn set_user_session(&self, session: Option<UserSession>) {
        *lock_session(&self.inner.session) = session;
    }

    /// The operator's session as it stands (refreshed tokens included), if any.
    pub fn user_session(&self) -> Option<UserSession> {
        lock_session(&self.inner.session).clone()
    }

    /// Proves the operator's sign-in still holds: a session about to expire is
    /// renewed with its refresh token (a blocked person or a revoked grant is refused
    /// here); one without a refresh token that has expired asks to sign in again.
    /// `Ok(None)`: nobody signed in.
    pub async fn renew_user_session(&self) -> Result<Option<UserSession>, Auth0Error> {
        let Some(session) = self.user_session() else {
            return Ok(None);
        };
        if session.expires_in() > TOKEN_REFRESH_MARGIN.as_secs() {
            return Ok(Some(session));
        }
        let Some(refresh_token) = &session.refresh_token else {
            return Err(Auth0Error::Token {
                status: 401,
                error: "login_required".to_owned(),
                description: "your sign-in has expired and the tenant issued no refresh token; \
                              sign in again (m2m-portal login)"
                    .to_owned(),
            });
        };
        let tokens = self
            .refresh_user_token(&session.client_id, refresh_token)
            .await?;
        let mut renewed = UserSession::from_tokens(&session.client_id, &tokens);
        // Without rotation the answer has no refresh token: keep the one we have.
        if renewed.refresh_token.is_none() {
            renewed.refresh_token = session.refresh_token.clone();
        }
        self.set_user_session(Some(renewed.clone()));
        Ok(Some(renewed))
    }

    /// The Management token (the admin app's client credentials), from the cache or
    /// fetched once (concurrent callers wait for it).
    pub async fn management_token(&self) -> Result<AccessToken, Auth0Error> {
        let mut cache = self.inner.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && std::time::Instant::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        let tenant = &self.inner.tenant;
        let token = self
            .client_credentials(
                &tenant.client_id,
                &tenant.client_secret,
                &tenant.management_audience,
                None,
            )
            .await?;
        let refresh_at = refresh_deadline(std::time::Instant::now(), token.expires_in);
        *cache = Some(CachedToken {
            token: token.clone(),
            refresh_at,
        });
        Ok(token)
    }

    /// Drops the cached Management token unless it was already replaced.
    async fn forget_token(&self, used: &Secret) {
        let mut cache = self.inner.cache.lock().await;
        if cache
            .as_ref()
            .is_some_and(|c| c.token.access_token == *used)
        {
            *cache = None;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_tenant_client_shares_the_process_http_client() {
        let first = super::process_http_client().unwrap();
        let second = super::process_http_client().unwrap();
        assert!(std::ptr::eq(first, second));
    }

    #[test]
    fn urls_encode_path_segments() {
        let client = Auth0Client::new(Tenant {
            base_url: "https://acme.eu.auth0.com".to_owned(),
            client_id: "id".to_owned(),
            client_secret: Secret::from("s"),
            management_audience: "https://acme.eu.auth0.com/api/v2/".to_owned(),
        })
        .unwrap();
        let url = client.url(&["api", "v2", "clients", "a/b?c"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://acme.eu.auth0.com/api/v2/clients/a%2Fb%3Fc"
        );
    }
}

/// Seconds since the UNIX epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn lock_unpoisoned<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn lock_session(
    mutex: &std::sync::Mutex<Option<UserSession>>,
) -> std::sync::MutexGuard<'_, Option<UserSession>> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// When a cached Management token is refreshed: shortly before it expires, for any
/// `expires_in` a tenant answers (u64::MAX seen), without overflowing the Instant.
fn refresh_deadline(now: std::time::Instant, expires_in: u64) -> std::time::Instant {
    let lifetime = Duration::from_secs(expires_in.min(MAX_TOKEN_LIFETIME_SECS));
    // Short-lived tokens (tests, odd tenants) keep half their life rather than none.
    let margin = TOKEN_REFRESH_MARGIN.min(lifetime / 2);
    now.checked_add(lifetime.saturating_sub(margin))
        .unwrap_or(now)
}

#[cfg(test)]
mod refresh_tests {
    use super::*;

    #[test]
    fn a_huge_expires_in_does_not_panic_and_is_capped() {
        let now = std::time::Instant::now();
        let at = refresh_deadline(now, u64::MAX);
        assert!(at > now);
        assert!(at <= now + Duration::from_secs(MAX_TOKEN_LIFETIME_SECS));
        assert!(refresh_deadline(now, 86_400) < now + Duration::from_secs(86_400));
        assert_eq!(refresh_deadline(now, 0), now);
    }
}
