//! Shared support for the integration tests: `mod common;` in a test file.
//!
//! - [`TestSandbox`]: a sandbox tenant on an ephemeral loopback port that, when
//!   the test ends, checks every Management API exchange it recorded against
//!   Auth0's schema (and Auth0's error shapes), failing the test if one is off.
//! - Raw-HTTP helpers: one shared [`http`] client, [`admin_token`], [`mgmt_get`],
//!   [`mgmt_post`], [`mgmt_post_empty`], [`mgmt_patch`], [`mgmt_delete`], [`token_request`].
//! - [`fixtures`] (the Auth0 examples), [`schema`] (the validator) and
//!   [`shape`] (same fields, same JSON types).
//! - [`check_exchanges`] for support code that holds a bare `Sandbox` started
//!   with `record: true`.
//!
//! ```ignore
//! mod common;
//!
//! #[tokio::test]
//! async fn organizations_can_be_listed() {
//!     let sandbox = common::TestSandbox::start().await;
//!     let token = common::admin_token(&sandbox).await;
//!     let reply = common::mgmt_get(&sandbox, &token, "/organizations?take=2").await;
//!     assert_eq!(reply.status, 200, "{}", reply.text);
//!     sandbox.finish().await; // fails the test if any exchange broke Auth0's contract
//! }
//! ```
//!
//! Not every test file uses every helper.
#![allow(dead_code)]

pub mod fixtures;
pub mod schema;
pub mod shape;

use m2m_portal::sandbox::{Exchange, Sandbox, SandboxOptions};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::ops::Deref;
use std::sync::OnceLock;

/// A sandbox for one test that checks its recorded Management API traffic
/// against Auth0's contract when the test ends.
///
/// Call [`TestSandbox::finish`] at the end of a test for a clean shutdown; if
/// the test forgets, `Drop` still runs the check (unless the test is already
/// failing, so the first failure stays the one reported).
pub struct TestSandbox {
    sandbox: Option<Sandbox>,
    checked: bool,
}

impl TestSandbox {
    /// A sandbox with the demo seed on `127.0.0.1:0`.
    pub async fn start() -> Self {
        Self::with_options(SandboxOptions::default()).await
    }

    /// A sandbox with these options; recording is always on and the address is
    /// an ephemeral loopback port unless the options name one.
    pub async fn with_options(options: SandboxOptions) -> Self {
        let options = SandboxOptions {
            record: true,
            ..options
        };
        let sandbox = Sandbox::start(options)
            .await
            .unwrap_or_else(|e| panic!("the sandbox did not start: {e}"));
        Self {
            sandbox: Some(sandbox),
            checked: false,
        }
    }

    /// Checks the recorded exchanges, then shuts the sandbox down; panics with
    /// the report if an exchange broke Auth0's contract.
    pub async fn finish(self) {
        if let Err(report) = self.stop().await {
            panic!("{report}");
        }
    }

    /// Like [`TestSandbox::finish`], but hands the report back instead of panicking.
    pub async fn stop(mut self) -> Result<(), String> {
        self.checked = true;
        let report = self.check_contract();
        if let Some(sandbox) = self.sandbox.take() {
            sandbox.shutdown().await;
        }
        report
    }

    /// Every recorded exchange that breaks Auth0's contract, as one report.
    pub fn check_contract(&self) -> Result<(), String> {
        check_exchanges(self)
    }
}

/// Checks every exchange a sandbox recorded (it must run with `record: true`)
/// against Auth0's contract; for test support that holds a bare [`Sandbox`].
pub fn check_exchanges(sandbox: &Sandbox) -> Result<(), String> {
    let exchanges = sandbox.exchanges();
    let failures: Vec<String> = exchanges
        .iter()
        .enumerate()
        .filter_map(|(i, exchange)| {
            contract_violation(exchange).map(|why| format!("exchange #{i}: {why}"))
        })
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the sandbox broke Auth0's contract in {} of {} recorded exchanges:\n{}",
            failures.len(),
            exchanges.len(),
            failures.join("\n")
        ))
    }
}

impl Deref for TestSandbox {
    type Target = Sandbox;

    fn deref(&self) -> &Sandbox {
        self.sandbox
            .as_ref()
            .unwrap_or_else(|| panic!("the test sandbox was already finished"))
    }
}

impl Drop for TestSandbox {
    fn drop(&mut self) {
        if self.checked || self.sandbox.is_none() || std::thread::panicking() {
            return;
        }
        self.checked = true;
        if let Err(report) = self.check_contract() {
            panic!("{report}");
        }
    }
}

/// Why one exchange breaks Auth0's contract, or `None` when it keeps it.
///
/// Management API (`/api/v2/...`): a request the sandbox accepted (2xx) must have
/// a body and query that validate against the operation's request body schema
/// and query parameters; every response body must validate against
/// the schema for its status; an error body must have Auth0's error shape.
/// Token endpoint: an error body must be `{error, error_description}`.
pub fn contract_violation(exchange: &Exchange) -> Option<String> {
    let Exchange {
        method,
        path,
        status,
        request_body,
        response_body,
    } = exchange;
    let success = (200..300).contains(status);
    let failures: Vec<String> = if is_management(path) {
        let request = match request_body {
            Some(body) if success => schema::validate_management_request(method, path, body).err(),
            _ => None,
        };
        let query = if success {
            schema::validate_management_query(method, path).err()
        } else {
            None
        };
        let response =
            schema::validate_management_response(method, path, *status, response_body.as_ref())
                .err();
        let error_shape = match response_body {
            Some(body) if *status >= 400 => management_error_shape(*status, body).err(),
            _ => None,
        };
        [request, query, response, error_shape]
            .into_iter()
            .flatten()
            .collect()
    } else if path.starts_with("/oauth/") && *status >= 400 {
        match response_body {
            Some(body) => oauth_error_shape(body).err().into_iter().collect(),
            None => vec!["an OAuth error without a JSON body".to_owned()],
        }
    } else {
        Vec::new()
    };
    if failures.is_empty() {
        None
    } else {
        Some(format!(
            "{method} {path} → {status}: {}",
            failures.join("; ")
        ))
    }
}

fn is_management(path: &str) -> bool {
    path == "/api/v2" || path.starts_with("/api/v2/") || path.starts_with("/api/v2?")
}

/// Auth0's Management API error: `{statusCode, error, message, errorCode?}`.
pub fn management_error_shape(status: u16, body: &Value) -> Result<(), String> {
    let mut wrong = Vec::new();
    if body["statusCode"].as_u64() != Some(u64::from(status)) {
        wrong.push(format!("statusCode must be {status}"));
    }
    for field in ["error", "message"] {
        if !body[field].is_string() {
            wrong.push(format!("{field} must be a string"));
        }
    }
    if !(body["errorCode"].is_null() || body["errorCode"].is_string()) {
        wrong.push("errorCode must be a string when present".to_owned());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "not Auth0's error shape ({}): {body}",
            wrong.join(", ")
        ))
    }
}

/// The token endpoint's error: `{error, error_description}`, both strings.
pub fn oauth_error_shape(body: &Value) -> Result<(), String> {
    if body["error"].is_string() && body["error_description"].is_string() {
        Ok(())
    } else {
        Err(format!(
            "not the token endpoint's error shape {{error, error_description}}: {body}"
        ))
    }
}

/// One HTTP answer, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as JSON; `Null` when empty or not JSON (see `text`).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Reply {
    /// Reads a response to the end.
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading a {status} body failed: {e}"));
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Panics with the body unless the status is `expected`; returns the body.
    pub fn expect_status(&self, expected: u16) -> &Value {
        assert_eq!(
            self.status, expected,
            "expected {expected}, got {}: {}",
            self.status, self.text
        );
        &self.body
    }
}

/// The one HTTP client of the test process.
///
/// No idle connections are kept: every test has its own runtime and sandbox,
/// and a pooled connection must not outlive the runtime that opened it.
pub fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_else(|e| panic!("cannot build the test HTTP client: {e}"))
    })
}

/// The Management API audience of a sandbox: `{base}/api/v2/`.
pub fn management_audience(sandbox: &Sandbox) -> String {
    format!("{}/api/v2/", sandbox.base_url())
}

/// `POST /oauth/token` with a form body.
pub async fn token_request(sandbox: &Sandbox, form: &[(&str, &str)]) -> Reply {
    let response = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /oauth/token failed: {e}"));
    Reply::read(response).await
}

/// A Management API token for the sandbox's admin app (client credentials).
pub async fn admin_token(sandbox: &Sandbox) -> String {
    let secret = sandbox.admin_client_secret();
    let audience = management_audience(sandbox);
    let reply = token_request(
        sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sandbox.admin_client_id()),
            ("client_secret", secret.expose_secret()),
            ("audience", &audience),
        ],
    )
    .await;
    reply.expect_status(200)["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access_token in {}", reply.text))
        .to_owned()
}

/// `{base}/api/v2{path}`; `path` may also start with `/api/v2` already.
pub fn management_url(sandbox: &Sandbox, path: &str) -> String {
    if path.starts_with("/api/v2") {
        format!("{}{path}", sandbox.base_url())
    } else {
        format!("{}/api/v2{path}", sandbox.base_url())
    }
}

async fn mgmt_send(request: reqwest::RequestBuilder, token: &str, what: String) -> Reply {
    let response = request
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what} failed: {e}"));
    Reply::read(response).await
}

/// `GET /api/v2{path}` with a bearer token.
pub async fn mgmt_get(sandbox: &Sandbox, token: &str, path: &str) -> Reply {
    let request = http().get(management_url(sandbox, path));
    mgmt_send(request, token, format!("GET {path}")).await
}

/// `POST /api/v2{path}` with a JSON body.
pub async fn mgmt_post(sandbox: &Sandbox, token: &str, path: &str, body: &Value) -> Reply {
    let request = http().post(management_url(sandbox, path)).json(body);
    mgmt_send(request, token, format!("POST {path}")).await
}

/// `POST /api/v2{path}` without a body (e.g. `rotate-secret`).
pub async fn mgmt_post_empty(sandbox: &Sandbox, token: &str, path: &str) -> Reply {
    let request = http().post(management_url(sandbox, path));
    mgmt_send(request, token, format!("POST {path}")).await
}

/// `PATCH /api/v2{path}` with a JSON body.
pub async fn mgmt_patch(sandbox: &Sandbox, token: &str, path: &str, body: &Value) -> Reply {
    let request = http().patch(management_url(sandbox, path)).json(body);
    mgmt_send(request, token, format!("PATCH {path}")).await
}

/// `DELETE /api/v2{path}`.
pub async fn mgmt_delete(sandbox: &Sandbox, token: &str, path: &str) -> Reply {
    let request = http().delete(management_url(sandbox, path));
    mgmt_send(request, token, format!("DELETE {path}")).await
}

/// Percent-encodes a query parameter value (ids, audiences, emails, checkpoints).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
