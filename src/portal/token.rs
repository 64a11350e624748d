//! Test tokens: client credentials for the API, then the checks an API gateway makes.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::auth0::{Auth0Error, TokenEndpoint, TokenParams};
use crate::jwt::{self, Expectations, Policy};

use super::{ErrorKind, IssuedKey, Portal, PortalError, TokenReport, TokenRequest};

/// Auth0 may keep accepting the old secret (and not yet the new one) this long after rotation.
pub const ROTATION_WINDOW: Duration = Duration::from_secs(30);

/// Where a tenant's tokens come from and how a gateway checks them, from the
/// domain's `/.well-known/openid-configuration` (Auth0's paths when it has none).
#[derive(Debug, Clone)]
pub struct Verification {
    /// The `iss` tokens carry (discovery's `issuer`, else `https://{domain}/`).
    pub issuer: String,
    /// Discovery's `jwks_uri`, else `https://{domain}/.well-known/jwks.json`.
    pub jwks_uri: String,
    /// The token endpoint and how to authenticate there.
    pub token_endpoint: TokenEndpoint,
    /// Allowed algorithms (from discovery and the JWKS) and the configured leeway.
    pub policy: Policy,
    /// The signing keys at `jwks_uri`.
    pub jwks: Value,
    /// The discovery document, when the domain serves one.
    pub discovery: Option<Value>,
}

impl Verification {
    /// What a gateway must know of this tenant and API.
    pub fn facts(&self, settings: &crate::config::Settings) -> crate::gateway::Facts {
        crate::gateway::Facts {
            tenant: settings.tenant_name().to_owned(),
            issuer: self.issuer.clone(),
            jwks_uri: self.jwks_uri.clone(),
            audience: settings.api_audience.clone(),
            token_endpoint: self.token_endpoint.url.clone(),
            algorithms: self.policy.algorithms.clone(),
            leeway: self.policy.leeway,
            keys: self
                .jwks
                .get("keys")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// Where the tenant's OAuth endpoints are: discovery's `token_endpoint` and
/// `device_authorization_endpoint`, else Auth0's `/oauth/token` and `/oauth/device/code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthEndpoints {
    pub token: String,
    pub device_authorization: String,
}

impl Portal {
    /// The domain's discovery document and its URL (`None` when there is none: a 404
    /// or not a JSON object, as on a server laid out like Auth0 without discovery).
    async fn discovery_document(&self) -> Result<(String, Option<Value>), PortalError> {
        let base = self.settings.base_url.trim_end_matches('/');
        let url = format!("{base}/.well-known/openid-configuration");
        let discovery = match self.auth0.public_json_url(&url).await {
            Ok(document) if document.is_object() => Some(document),
            Ok(_) => None,
            Err(err) if err.is_status(404) => None,
            Err(err) => {
                return Err(PortalError::management(
                    "reading the provider's discovery document",
                    &err,
                ));
            }
        };
        Ok((url, discovery))
    }

    /// The token and device authorization endpoints, from discovery (Auth0's paths
    /// without it). A discovered endpoint must be https:// (plain http only on loopback).
    pub async fn oauth_endpoints(&self) -> Result<OAuthEndpoints, PortalError> {
        let base = self.settings.base_url.trim_end_matches('/');
        let (url, discovery) = self.discovery_document().await?;
        let text = |name: &str| discovered(discovery.as_ref(), name);
        let endpoints = OAuthEndpoints {
            token: text("token_endpoint").unwrap_or_else(|| crate::config::token_endpoint(base)),
            device_authorization: text("device_authorization_endpoint")
                .unwrap_or_else(|| format!("{base}/oauth/device/code")),
        };
        for (name, endpoint) in [
            ("token_endpoint", &endpoints.token),
            (
                "device_authorization_endpoint",
                &endpoints.device_authorization,
            ),
        ] {
            if !crate::config::is_safe_endpoint(endpoint) {
                return Err(PortalError::failure(format!(
                    "The discovery document at {document} names {name} {shown}, which is not https:// (plain http only for loopback)",
                    document = crate::text::sanitize(&url),
                    shown = crate::text::sanitize(endpoint),
                ))
                .with_hint("Check the domain: a provider serves its endpoints over HTTPS."));
            }
        }
        Ok(endpoints)
    }

    /// Reads the domain's discovery document: the token endpoint, the JWKS URL,
    /// the issuer and the algorithms, instead of assuming Auth0's layout.
    pub async fn verification(&self) -> Result<Verification, PortalError> {
        let base = self.settings.base_url.trim_end_matches('/');
        // No discovery (404) or not a document: Auth0's paths.
        let (url, discovery) = self.discovery_document().await?;
        let text = |name: &str| discovered(discovery.as_ref(), name);
        let token = &self.settings.token;
        let basic_auth = token.basic_auth.unwrap_or_else(|| {
            // RFC 8414: without the list, client_secret_basic is the default; Auth0
            // clients made by this tool use client_secret_post, which Auth0 lists.
            discovery
                .as_ref()
                .and_then(|d| d.get("token_endpoint_auth_methods_supported"))
                .and_then(Value::as_array)
                .is_some_and(|methods| {
                    let has = |m: &str| methods.iter().any(|v| v.as_str() == Some(m));
                    !has("client_secret_post") && has("client_secret_basic")
                })
        });
        let jwks_uri = text("jwks_uri").unwrap_or_else(|| format!("{base}/.well-known/jwks.json"));
        let token_url =
            text("token_endpoint").unwrap_or_else(|| crate::config::token_endpoint(base));
        // A client secret goes to the token endpoint: never over plain http to another host.
        for (name, endpoint) in [("token_endpoint", &token_url), ("jwks_uri", &jwks_uri)] {
            if !crate::config::is_safe_endpoint(endpoint) {
                return Err(PortalError::failure(format!(
                    "The discovery document at {document} names {name} {shown}, which is not https:// (plain http only for loopback)",
                    document = crate::text::sanitize(&url),
                    shown = crate::text::sanitize(endpoint),
                ))
                .with_hint("Check the domain: a provider serves its endpoints over HTTPS."));
            }
        }
        let jwks = self
            .auth0
            .public_json_url(&jwks_uri)
            .await
            .map_err(|e| PortalError::management("reading the tenant's signing keys", &e))?;
        Ok(Verification {
            issuer: text("issuer").unwrap_or_else(|| self.settings.issuer()),
            jwks_uri,
            token_endpoint: TokenEndpoint {
                url: token_url,
                basic_auth,
                resource: token.resource,
            },
            policy: Policy::from_discovery(discovery.as_ref(), Some(&jwks), token.leeway),
            jwks,
            discovery,
        })
    }

    /// Fetches a test token and checks it as a gateway would.
    pub async fn test_token(&self, request: TokenRequest) -> Result<TokenReport, PortalError> {
        let audience = request
            .audience
            .clone()
            .unwrap_or_else(|| self.settings.api_audience.clone());
        // The org_id claim is an id: resolve a name so the check compares like with like.
        let organization_id = match request.organization.as_deref().map(str::trim) {
            Some(org) if !org.is_empty() && !org.starts_with("org_") => {
                Some(self.find_organization(org).await?.id)
            }
            Some(org) if !org.is_empty() => Some(org.to_owned()),
            _ => None,
        };
        let verification = self.verification().await?;
        let token = self
            .auth0
            .client_credentials_at(
                &verification.token_endpoint,
                &request.client_id,
                &request.client_secret,
                TokenParams {
                    audience: &audience,
                    organization: organization_id.as_deref(),
                    scope: self.settings.token.scope.as_deref(),
                },
            )
            .await
            .map_err(|e| client_token_error(&request.client_id, &e))?;
        let raw = token.access_token.expose_secret();
        let decoded = jwt::decode_unverified(raw).map_err(|e| {
            PortalError::failure(format!("Auth0 returned a token that is not a JWT: {e}"))
        })?;
        let checks = jwt::check_with(
            raw,
            &verification.jwks,
            &Expectations {
                issuer: verification.issuer.clone(),
                audience,
                organization_id,
                now: super::audit::unix_now(),
            },
            &verification.policy,
        );
        Ok(TokenReport {
            access_token: token.access_token.clone(),
            expires_in: token.expires_in,
            header: decoded.header,
            claims: decoded.claims,
            checks,
            gateway: Some(verification.facts(&self.settings)),
        })
    }

    /// Proves a just-issued secret by fetching a test token with it, retrying through
    /// Auth0's rotation window (the new secret may take a moment to be accepted).
    pub async fn prove_secret(&self, key: &IssuedKey) -> Result<TokenReport, PortalError> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(500);
        loop {
            let request = TokenRequest {
                client_id: key.client_id.clone(),
                client_secret: key.client_secret.clone(),
                organization: key.organization_id.clone(),
                audience: None,
            };
            match self.test_token(request).await {
                Ok(report) => return Ok(report),
                Err(err)
                    if err.kind() == ErrorKind::Auth && started.elapsed() < ROTATION_WINDOW =>
                {
                    tracing::info!("new secret not accepted yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                Err(err) => return Err(err),
            }
        }
    }
}

/// A test-token request refused: about the key's credentials, not the admin app's.
fn client_token_error(client_id: &str, err: &Auth0Error) -> PortalError {
    match err {
        Auth0Error::Token {
            status,
            error,
            description,
        } => {
            let description = crate::text::sanitize(description);
            let base = PortalError::new(
                if *status == 429 {
                    ErrorKind::Failure
                } else {
                    ErrorKind::Auth
                },
                format!("Auth0 refused a token for {client_id}: {description}"),
            )
            .with_code(error.clone());
            if *status == 401 || description == "Unauthorized" {
                base.with_hint(
                    "Check the key's client id and secret; after a rotation only the new secret works (the old one for at most 30 s).",
                )
            } else if description.contains("Service not enabled") {
                base.with_hint("Check the audience: it must be an API identifier of this tenant (PLUGIN_AUTH0_M2M_API_AUDIENCE).")
            } else if description.contains("not been granted")
                || description.contains("organization")
            {
                base.with_hint("The client needs a grant for this audience linked to the organization: provision the key again, or check the organization.")
            } else {
                base
            }
        }
        other => PortalError::management("fetching a test token", other),
    }
}

/// A non-empty text member of a discovery document, if it has one.
fn discovered(discovery: Option<&Value>, name: &str) -> Option<String> {
    discovery?
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
}
