//! Helpers for the sandbox's own integration tests: a started tenant, a
//! Management API token, raw HTTP calls, and JWT checks against the JWKS.
//!
//! A test file using this also declares `mod common;`: the tenant's sandbox is a
//! [`crate::common::TestSandbox`], so every exchange a test makes is checked
//! against Auth0's schema when the tenant drops (or at `sandbox.finish()`).
#![allow(clippy::unwrap_used, dead_code)]

use crate::common::TestSandbox;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use m2m_portal::sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

/// A running sandbox with an HTTP client and an admin Management API token.
pub struct Tenant {
    /// Recording, and checked against Auth0's contract when dropped.
    pub sandbox: TestSandbox,
    pub http: reqwest::Client,
    pub token: String,
}

/// What came back from one call.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A tenant with these options; recording is always on (see [`TestSandbox`]).
pub async fn start(options: SandboxOptions) -> Tenant {
    let sandbox = TestSandbox::with_options(options).await;
    let http = reqwest::Client::new();
    let token = admin_token(&http, &sandbox).await;
    Tenant {
        sandbox,
        http,
        token,
    }
}

pub async fn start_default() -> Tenant {
    start(SandboxOptions::default()).await
}

pub async fn admin_token(http: &reqwest::Client, sandbox: &Sandbox) -> String {
    let base = sandbox.base_url();
    let answer = token(
        http,
        &base,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sandbox.admin_client_id()),
            (
                "client_secret",
                sandbox.admin_client_secret().expose_secret(),
            ),
            ("audience", &format!("{base}/api/v2/")),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_owned()
}

/// `POST /oauth/token` with a form body.
pub async fn token(http: &reqwest::Client, base: &str, form: &[(&str, &str)]) -> Answer {
    let response = http
        .post(format!("{base}/oauth/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    into_answer(response).await
}

pub async fn into_answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

impl Tenant {
    pub fn base(&self) -> String {
        self.sandbox.base_url()
    }

    /// A Management API call with the admin token.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call_with(method, path, body, Some(&self.token)).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Answer {
        let url = format!("{}/api/v2{path}", self.base());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        into_answer(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call("DELETE", path, None).await
    }

    /// The id of an organization by name.
    pub async fn org_id(&self, name: &str) -> String {
        let answer = self.get(&format!("/organizations/name/{name}")).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["id"].as_str().unwrap().to_owned()
    }

    /// The three provisioning calls of design section 1; returns (client_id, secret, grant_id).
    pub async fn provision(&self, org_id: &str) -> (String, String, String) {
        let client = self
            .post(
                "/clients",
                json!({
                    "name": "test key",
                    "description": format!("M2M key for {org_id}"),
                    "app_type": "non_interactive",
                    "grant_types": ["client_credentials"],
                    "token_endpoint_auth_method": "client_secret_post",
                    "is_first_party": true,
                    "client_metadata": {"org_id": org_id, "created_by": "m2m-portal"},
                    "default_organization": {"organization_id": org_id, "flows": ["client_credentials"]},
                }),
            )
            .await;
        assert_eq!(client.status, 201, "{}", client.body);
        let client_id = client.body["client_id"].as_str().unwrap().to_owned();
        let secret = client.body["client_secret"].as_str().unwrap().to_owned();
        let scope: Vec<String> = self
            .sandbox
            .api_scope()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let grant = self
            .post(
                "/client-grants",
                json!({
                    "client_id": client_id,
                    "audience": self.sandbox.api_audience(),
                    "scope": scope,
                    "organization_usage": "require",
                    "allow_any_organization": false,
                    "subject_type": "client",
                }),
            )
            .await;
        assert_eq!(grant.status, 201, "{}", grant.body);
        let grant_id = grant.body["id"].as_str().unwrap().to_owned();
        let link = self
            .post(
                &format!("/organizations/{org_id}/client-grants"),
                json!({"grant_id": grant_id}),
            )
            .await;
        assert_eq!(link.status, 201, "{}", link.body);
        (client_id, secret, grant_id)
    }

    /// A client-credentials token for the customer API.
    pub async fn api_token(
        &self,
        client_id: &str,
        secret: &str,
        organization: Option<&str>,
    ) -> Answer {
        let audience = self.sandbox.api_audience();
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("audience", audience.as_str()),
        ];
        if let Some(org) = organization {
            form.push(("organization", org));
        }
        token(&self.http, &self.base(), &form).await
    }

    /// Verifies a token against the sandbox's JWKS, as a gateway would; returns its claims.
    pub async fn verify(&self, token: &str, audience: &str) -> Value {
        let jwks: Value = self
            .http
            .get(format!("{}/.well-known/jwks.json", self.base()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        verify_with(&jwks, token, &format!("{}/", self.base()), audience)
    }
}

/// Pinned RS256, known kid, iss, aud, exp.
pub fn verify_with(jwks: &Value, token: &str, issuer: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("a kid in the header");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the kid is in the JWKS");
    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .unwrap()
        .claims
}
