//! Sending requests: Management API calls (token, pacing, one refresh of a refused
//! token, retries) and public JSON documents (discovery, JWKS).

use std::sync::atomic::Ordering;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};

use super::retry::{Failure, GiveUp, Pause, Retries, empty_bucket_wait};
use super::{AccessToken, Auth0Client, Auth0Error, RateLimitWait, error};

impl Auth0Client {
    /// Sends a Management API request with the cached token, honouring rate
    /// limits, refreshing a rejected token once, and retrying idempotent
    /// requests after 5xx or connection errors. Returns the JSON body (`Null` for 204).
    pub(super) async fn management(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, Auth0Error> {
        let url = self.management_url(segments, query)?;
        let endpoint = format!("/api/v2/{}", segments.join("/"));
        let idempotent = matches!(method, Method::GET | Method::DELETE);
        let mut retries = Retries::new(self.inner.policy, idempotent);
        let mut refreshed = false;
        loop {
            let token = self.management_token().await?;
            self.pace(&endpoint).await;
            let sent = self
                .send_management(&method, &url, &token, body.as_ref(), &endpoint)
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(err) => {
                    let error = Auth0Error::from_reqwest(url.as_str(), &err, !idempotent);
                    let failure = Failure::Transport {
                        refused: error.is_refused(),
                    };
                    let Ok(pause) = retries.after(failure) else {
                        return Err(error);
                    };
                    retries.pause(&endpoint, pause).await;
                    continue;
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            self.note_empty_bucket(status, &headers);
            let bytes = match error::read_body(response, url.as_str(), true).await {
                Ok(bytes) => bytes,
                Err(error @ Auth0Error::UnexpectedBody { .. }) => return Err(error),
                Err(error) => {
                    let Ok(pause) = retries.after(Failure::Transport { refused: false }) else {
                        return Err(error);
                    };
                    retries.pause(&endpoint, pause).await;
                    continue;
                }
            };
            if status.is_success() {
                return json_answer(&url, status, &headers, &bytes);
            }
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                // "Invalid token.": expired or revoked early; fetch a new one once.
                refreshed = true;
                tracing::info!(endpoint = %endpoint, "Management token refused; refreshing once");
                self.forget_token(&token.access_token).await;
                continue;
            }
            let error =
                management_error(&method, &endpoint, url.as_str(), status, &headers, &bytes);
            let Some(failure) = answer_failure(status, &headers) else {
                return Err(error);
            };
            match retries.after(failure) {
                Ok(pause) => self.wait_to_retry(&retries, &endpoint, pause).await,
                Err(give_up) => return Err(given_up(give_up, &endpoint, error)),
            }
        }
    }

    /// `/api/v2/SEGMENTS?QUERY` on the tenant.
    fn management_url(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Url, Auth0Error> {
        let mut all = vec!["api", "v2"];
        all.extend_from_slice(segments);
        let mut url = self.url(&all)?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// Sends one attempt with the token as bearer, counted in `management_requests`.
    async fn send_management(
        &self,
        method: &Method,
        url: &Url,
        token: &AccessToken,
        body: Option<&serde_json::Value>,
        endpoint: &str,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut request = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(token.access_token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        self.inner
            .management_requests
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(method = %method, endpoint = %endpoint, "management request");
        request.send().await
    }

    /// An answer that empties the bucket holds every later request until its reset.
    fn note_empty_bucket(&self, status: StatusCode, headers: &HeaderMap) {
        if status != StatusCode::TOO_MANY_REQUESTS
            && let Some(wait) = empty_bucket_wait(headers)
        {
            // The bucket is empty: the next request would be refused, so it waits.
            self.hold_until(std::time::Instant::now() + wait);
        }
    }

    /// Waits out a pause before retrying; after a 429 every request of this client waits.
    async fn wait_to_retry(&self, retries: &Retries, endpoint: &str, pause: Pause) {
        if pause.rate_limit {
            // Every request of this client waits, not only this one.
            self.hold_until(std::time::Instant::now() + pause.wait);
            self.report_wait(&RateLimitWait {
                endpoint: endpoint.to_owned(),
                wait: pause.wait,
                after_429: true,
            });
        }
        retries.pause(endpoint, pause).await;
    }

    /// GETs a public JSON document of the tenant (discovery, JWKS), retrying like any GET.
    pub async fn public_json(&self, segments: &[&str]) -> Result<serde_json::Value, Auth0Error> {
        let url = self.url(segments)?;
        self.public_json_at(url).await
    }

    /// GETs a public JSON document at an absolute URL (a discovered `jwks_uri`).
    pub async fn public_json_url(&self, url: &str) -> Result<serde_json::Value, Auth0Error> {
        let url = Url::parse(url).map_err(|e| Auth0Error::InvalidUrl {
            url: url.to_owned(),
            detail: e.to_string(),
        })?;
        self.public_json_at(url).await
    }

    async fn public_json_at(&self, url: Url) -> Result<serde_json::Value, Auth0Error> {
        let mut retries = Retries::new(self.inner.policy, true);
        loop {
            let (next, error) = match self.inner.http.get(url.clone()).send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let bytes = error::read_body(response, url.as_str(), false).await?;
                    let error = || {
                        error::unexpected_body(
                            url.as_str(),
                            status.as_u16(),
                            content_type(&headers),
                            &bytes,
                        )
                    };
                    if status.is_success() {
                        return serde_json::from_slice(&bytes).map_err(|_| error());
                    }
                    let Some(failure) = answer_failure(status, &headers) else {
                        return Err(error());
                    };
                    (retries.after(failure), error())
                }
                Err(err) => {
                    let error = Auth0Error::from_reqwest(url.as_str(), &err, false);
                    let refused = error.is_refused();
                    (retries.after(Failure::Transport { refused }), error)
                }
            };
            let Ok(pause) = next else {
                return Err(error);
            };
            retries.pause(url.path(), pause).await;
        }
    }
}

/// A success answer's JSON (`Null` for an empty body).
fn json_answer(
    url: &Url,
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<serde_json::Value, Auth0Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|_| {
        error::unexpected_body(url.as_str(), status.as_u16(), content_type(headers), bytes)
    })
}

/// Which retryable failure an error answer is: a 429 or a 5xx; others are final.
pub(super) fn answer_failure(status: StatusCode, headers: &HeaderMap) -> Option<Failure<'_>> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        Some(Failure::RateLimited(headers))
    } else if status.is_server_error() {
        Some(Failure::Server)
    } else {
        None
    }
}

/// The error to report when the policy stops: a spent rate limit says so; else the last error.
pub(super) fn given_up(give_up: GiveUp, endpoint: &str, error: Auth0Error) -> Auth0Error {
    match give_up {
        GiveUp::RateLimited {
            attempts,
            retry_after,
        } => Auth0Error::RateLimited {
            endpoint: endpoint.to_owned(),
            attempts,
            retry_after: Some(retry_after),
        },
        GiveUp::Failed => error,
    }
}

/// The content type of an answer.
pub(super) fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Auth0's Management error body, or an "unexpected body" error.
fn management_error(
    method: &Method,
    endpoint: &str,
    url: &str,
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Auth0Error {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default, rename = "errorCode")]
        error_code: Option<String>,
    }
    match serde_json::from_slice::<Body>(bytes) {
        Ok(body) if body.message.is_some() || body.error.is_some() => Auth0Error::Management {
            method: method.to_string(),
            endpoint: endpoint.to_owned(),
            status: status.as_u16(),
            error: body.error.unwrap_or_default(),
            message: body
                .message
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_owned()),
            error_code: body.error_code,
        },
        _ => error::unexpected_body(url, status.as_u16(), content_type(headers), bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_are_reported_as_html() {
        let err = management_error(
            &Method::GET,
            "/api/v2/organizations",
            "https://x/api/v2/organizations",
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<!DOCTYPE html><html><body>Bad gateway</body></html>",
        );
        assert!(
            matches!(err, Auth0Error::UnexpectedBody { html: true, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("HTML"));
    }
}
