//! What can go wrong talking to Auth0, as types (the portal maps them to messages).

use std::time::Duration;

/// An error from the token endpoint or the Management API.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Auth0Error {
    /// The Management API refused: `{statusCode, error, message, errorCode}`.
    #[error("{method} {endpoint}: {status} {message}")]
    Management {
        method: String,
        endpoint: String,
        status: u16,
        error: String,
        message: String,
        error_code: Option<String>,
    },
    /// The token endpoint refused: `{error, error_description}`.
    #[error("token request refused: {status} {error}: {description}")]
    Token {
        status: u16,
        error: String,
        description: String,
    },
    /// Still rate limited after the retries we allow ourselves.
    #[error("rate limited by Auth0 ({endpoint}) after {attempts} attempts")]
    RateLimited {
        endpoint: String,
        attempts: u32,
        /// How long Auth0 said to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The request did not complete (connection refused, reset, DNS...).
    #[error("cannot reach {url}: {detail}")]
    Network {
        url: String,
        detail: String,
        /// True when the request may have reached Auth0 (a POST may have taken effect).
        ambiguous: bool,
        /// The host answered that nothing listens there: retrying will not help.
        refused: bool,
    },
    /// No answer in time.
    #[error("no answer from {url} in time")]
    Timeout { url: String, ambiguous: bool },
    /// TLS could not be established.
    #[error("TLS with {url} failed: {detail}")]
    Tls { url: String, detail: String },
    /// A body that is not what Auth0 sends (an HTML page from a proxy, truncated JSON...).
    #[error("unexpected answer from {url} ({status}): {detail}")]
    UnexpectedBody {
        url: String,
        status: u16,
        detail: String,
        html: bool,
    },
    /// The tenant's URL cannot be used.
    #[error("invalid URL {url}: {detail}")]
    InvalidUrl { url: String, detail: String },
    /// A token endpoint that answered like no token endpoint does (a 404, an
    /// empty 403, an HTML page): the URL is wrong, not the credentials.
    #[error("{url} answered {status} with {detail}: this is not the endpoint you think")]
    WrongEndpoint {
        url: String,
        status: u16,
        detail: String,
    },
}

impl Auth0Error {
    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Auth0Error::Management { status, .. }
            | Auth0Error::Token { status, .. }
            | Auth0Error::UnexpectedBody { status, .. }
            | Auth0Error::WrongEndpoint { status, .. } => Some(*status),
            Auth0Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Auth0's `errorCode` (Management API) or `error` (token endpoint).
    pub fn code(&self) -> Option<&str> {
        match self {
            Auth0Error::Management {
                error_code: Some(code),
                ..
            } => Some(code),
            Auth0Error::Token { error, .. } => Some(error),
            Auth0Error::RateLimited { .. } => Some("too_many_requests"),
            _ => None,
        }
    }

    /// True when the request may or may not have taken effect (the answer was lost or was a 5xx).
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Auth0Error::Network { ambiguous, .. } | Auth0Error::Timeout { ambiguous, .. } => {
                *ambiguous
            }
            Auth0Error::Management { status, .. } | Auth0Error::UnexpectedBody { status, .. } => {
                *status >= 500
            }
            _ => false,
        }
    }

    /// True for a Management API answer with this status.
    pub fn is_status(&self, wanted: u16) -> bool {
        self.status() == Some(wanted)
    }

    /// The Management API message, if any.
    pub fn message(&self) -> Option<&str> {
        match self {
            Auth0Error::Management { message, .. } => Some(message),
            Auth0Error::Token { description, .. } => Some(description),
            _ => None,
        }
    }

    /// Classifies a reqwest failure.
    pub(crate) fn from_reqwest(url: &str, err: &reqwest::Error, may_have_arrived: bool) -> Self {
        let url = url.to_owned();
        if err.is_timeout() {
            return Auth0Error::Timeout {
                url,
                ambiguous: may_have_arrived,
            };
        }
        let detail = error_chain(err);
        let lower = detail.to_ascii_lowercase();
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            return Auth0Error::Tls { url, detail };
        }
        // A connect error means the request never left; anything later may have arrived.
        let ambiguous = may_have_arrived && !err.is_connect();
        Auth0Error::Network {
            url,
            detail,
            ambiguous,
            refused: err.is_connect() && caused_by_refusal(err),
        }
    }

    /// True for a refused connection (nothing listens at the address): retrying
    /// only delays the error, so the client reports it at once.
    pub fn is_refused(&self) -> bool {
        matches!(self, Auth0Error::Network { refused: true, .. })
    }
}

/// True when an `io::Error` of kind `ConnectionRefused` is among the causes.
fn caused_by_refusal(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The error and its causes, one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Describes a body that is not the JSON we expected.
pub(crate) fn unexpected_body(
    url: &str,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Auth0Error {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let html = content_type.contains("html")
        || trimmed.starts_with("<!")
        || trimmed.to_ascii_lowercase().starts_with("<html");
    let detail = if html {
        "an HTML page instead of JSON (a proxy, captive portal or wrong domain?)".to_owned()
    } else if body.is_empty() {
        "an empty body".to_owned()
    } else {
        let parsed = serde_json::from_slice::<serde_json::Value>(body).is_ok();
        if parsed {
            // Valid JSON of the wrong shape may hold a secret: never quote it.
            "JSON without the fields Auth0 sends".to_owned()
        } else {
            let snippet: String = trimmed.chars().take(60).collect();
            format!("not JSON: {}", crate::text::sanitize(&snippet))
        }
    };
    Auth0Error::UnexpectedBody {
        url: url.to_owned(),
        status,
        detail,
        html,
    }
}

/// The most of one answer the client reads: a page of 100 records is tens of
/// kilobytes, so anything near this is a broken or hostile server.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Reads a response body, stopping with a clear error past [`MAX_RESPONSE_BYTES`]
/// so a hostile answer cannot exhaust memory. `may_have_arrived` marks a failure
/// to read as ambiguous (the request was carried out, the answer lost).
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    url: &str,
    may_have_arrived: bool,
) -> Result<Vec<u8>, Auth0Error> {
    let status = response.status().as_u16();
    let too_large = || Auth0Error::UnexpectedBody {
        url: url.to_owned(),
        status,
        detail: format!(
            "more than {} MiB (stopped reading)",
            MAX_RESPONSE_BYTES / (1024 * 1024)
        ),
        html: false,
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(err) => return Err(Auth0Error::from_reqwest(url, &err, may_have_arrived)),
        }
    }
}
