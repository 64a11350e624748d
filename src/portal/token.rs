//! Test tokens: client credentials for the API, then the checks an API gateway makes.

use std::time::{Duration, Instant};

use crate::auth0::Auth0Error;
use crate::jwt::{self, Expectations};

use super::{ErrorKind, IssuedKey, Portal, PortalError, TokenReport, TokenRequest};

/// Auth0 may keep accepting the old secret (and not yet the new one) this long after rotation.
pub const ROTATION_WINDOW: Duration = Duration::from_secs(30);

impl Portal {
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
        let token = self
            .auth0
            .client_credentials(
                &request.client_id,
                &request.client_secret,
                &audience,
                organization_id.as_deref(),
            )
            .await
            .map_err(|e| client_token_error(&request.client_id, &e))?;
        let jwks = self
            .auth0
            .jwks()
            .await
            .map_err(|e| PortalError::management("reading the tenant's signing keys", &e))?;
        let raw = token.access_token.expose_secret();
        let decoded = jwt::decode_unverified(raw).map_err(|e| {
            PortalError::failure(format!("Auth0 returned a token that is not a JWT: {e}"))
        })?;
        let checks = jwt::check(
            raw,
            &jwks,
            &Expectations {
                issuer: self.settings.issuer(),
                audience,
                organization_id,
                now: super::audit::unix_now(),
            },
        );
        Ok(TokenReport {
            access_token: token.access_token.clone(),
            expires_in: token.expires_in,
            header: decoded.header,
            claims: decoded.claims,
            checks,
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
                Err(err) if err.kind == ErrorKind::Auth && started.elapsed() < ROTATION_WINDOW => {
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
