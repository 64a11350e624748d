//! OIDC discovery and the JWKS, at Auth0's paths or the `paths` provider option's.

use serde_json::{Value, json};

use super::tokens::base_for;
use super::vocab::{Reply, Request, api_error};
use super::{Shared, SigningAlg};

/// `GET /.well-known/openid-configuration`, naming the provider options' paths,
/// algorithms and client authentication when they are set.
pub(crate) fn discovery(shared: &Shared, request: &Request) -> Reply {
    let base = &base_for(shared, request);
    let mut document = auth0_discovery(base);
    let provider = &shared.provider;
    if provider.paths {
        document["token_endpoint"] = json!(format!("{base}/connect/token"));
        document["jwks_uri"] = json!(format!("{base}/discovery/keys"));
        document["device_authorization_endpoint"] = json!(format!("{base}/connect/device"));
    }
    if provider.alg != SigningAlg::Rs256 {
        document["id_token_signing_alg_values_supported"] = json!(["RS256", provider.alg.name()]);
    }
    if provider.basic_only {
        document["token_endpoint_auth_methods_supported"] = json!(["client_secret_basic"]);
    }
    Reply::json(200, document)
}

fn auth0_discovery(base: &str) -> Value {
    {
        json!({
            "issuer": format!("{base}/"),
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/oauth/token"),
            "device_authorization_endpoint": format!("{base}/oauth/device/code"),
            "userinfo_endpoint": format!("{base}/userinfo"),
            "mfa_challenge_endpoint": format!("{base}/mfa/challenge"),
            "jwks_uri": format!("{base}/.well-known/jwks.json"),
            "registration_endpoint": format!("{base}/oidc/register"),
            "revocation_endpoint": format!("{base}/oauth/revoke"),
            "scopes_supported": ["openid", "profile", "offline_access", "name", "email"],
            "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"],
            "request_uri_parameter_supported": false,
            "request_parameter_supported": false,
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "PS256"],
        })
    }
}

/// `GET /.well-known/jwks.json` (404 under the `paths` provider option: only
/// discovery's `jwks_uri` holds the keys then).
pub(crate) fn jwks(shared: &Shared) -> Reply {
    if shared.provider.paths {
        return api_error(404, "Not Found", None);
    }
    jwks_reply(shared)
}

/// The tenant's keys: the RS256 key, and the key of the provider's algorithm.
fn jwks_reply(shared: &Shared) -> Reply {
    match shared.keys.get() {
        Ok(keys) => {
            let mut list = vec![keys.jwk()];
            match (shared.provider.alg, &shared.ec_key) {
                (SigningAlg::Ps256, _) => list.push(keys.jwk_ps256()),
                (SigningAlg::Es256, Some(ec)) => list.push(ec.jwk()),
                _ => {}
            }
            Reply::json(200, json!({ "keys": list }))
        }
        Err(error) => api_error(500, error.to_string(), None),
    }
}

/// `GET /discovery/keys`: the JWKS of the `paths` provider option.
pub(crate) fn provider_jwks(shared: &Shared, _request: &Request) -> Reply {
    if !shared.provider.paths {
        return api_error(404, "Not Found", None);
    }
    jwks_reply(shared)
}
