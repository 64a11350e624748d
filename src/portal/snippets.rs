//! What a customer's service needs to use a new key: a `.env` snippet and a curl
//! command for its token request. One definition for every face (the TUI copies
//! them), quoted the way the sandbox's own `.env` block is ([`crate::text::dotenv_value`]).

use crate::config::Settings;
use crate::secret::Secret;
use crate::text::{dotenv_value, shell_quote};

use super::IssuedKey;

/// How a customer's service asks the tenant for tokens. `token_endpoint` starts as
/// Auth0's path; the TUI replaces it with discovery's `token_endpoint` once read
/// ([`crate::portal::Portal::oauth_endpoints`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// `https://TENANT.auth0.com` (or a loopback `http://` URL).
    pub base_url: String,
    /// The host name, for `AUTH0_DOMAIN` on https tenants.
    pub domain: String,
    pub token_endpoint: String,
    pub audience: String,
    /// Send `resource` instead of `audience` (RFC 8707 providers).
    pub resource: bool,
    /// Authenticate with HTTP Basic instead of form fields.
    pub basic: bool,
    /// Scopes to ask for, when configured.
    pub scope: Option<String>,
}

impl ServiceConfig {
    /// From the settings the portal runs with.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            base_url: settings.base_url.clone(),
            domain: settings.tenant_name().to_owned(),
            token_endpoint: settings.token_endpoint(),
            audience: settings.api_audience.clone(),
            resource: settings.token.resource,
            basic: settings.token.basic_auth == Some(true),
            scope: settings.token.scope.clone(),
        }
    }
}

/// A `.env` snippet for the customer's service: `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`,
/// `AUTH0_CLIENT_SECRET`, `AUTH0_AUDIENCE` and, for an organization's key,
/// `AUTH0_ORGANIZATION`, and `AUTH0_TOKEN_ENDPOINT` when discovery names another
/// token endpoint than Auth0's path; each value quoted so dotenv parsers and shells
/// read it whole.
pub fn env_snippet(request: &ServiceConfig, key: &IssuedKey) -> Secret {
    // A loopback tenant is only reachable over http://: keep the scheme so the snippet works.
    let domain = if request.base_url.starts_with("https://") {
        request.domain.as_str()
    } else {
        request.base_url.as_str()
    };
    let mut lines = vec![
        ("AUTH0_DOMAIN", domain),
        ("AUTH0_CLIENT_ID", key.client_id.as_str()),
        ("AUTH0_CLIENT_SECRET", key.client_secret.expose_secret()),
        ("AUTH0_AUDIENCE", request.audience.as_str()),
    ];
    if let Some(org) = key.organization_id.as_deref() {
        lines.push(("AUTH0_ORGANIZATION", org));
    }
    // A service that derives `{domain}/oauth/token` would miss a provider laid out otherwise.
    if request.token_endpoint != crate::config::token_endpoint(&request.base_url) {
        lines.push(("AUTH0_TOKEN_ENDPOINT", request.token_endpoint.as_str()));
    }
    let mut text = String::new();
    for (name, value) in lines {
        text.push_str(name);
        text.push('=');
        text.push_str(&dotenv_value(value));
        text.push('\n');
    }
    Secret::new(text)
}

/// A curl command for the key's client-credentials token request. The secret is
/// not in it: it is read from `AUTH0_CLIENT_SECRET` (the `.env` snippet's name)
/// through stdin, so it never lands in shell history or in curl's argv.
pub fn curl_command(request: &ServiceConfig, key: &IssuedKey) -> Secret {
    let api = if request.resource {
        "resource"
    } else {
        "audience"
    };
    let mut text = if request.basic {
        // Basic authentication: the credentials reach curl as a config file on stdin.
        format!(
            "printf 'user = \"%s:%s\"\\n' {} \"$AUTH0_CLIENT_SECRET\" | curl --config - --request POST --url {} \
             --header 'content-type: application/x-www-form-urlencoded' \
             --data grant_type=client_credentials --data-urlencode {api}={}",
            shell_quote(&key.client_id),
            shell_quote(&request.token_endpoint),
            shell_quote(&request.audience),
        )
    } else {
        format!(
            "printf %s \"$AUTH0_CLIENT_SECRET\" | curl --request POST --url {} \
             --header 'content-type: application/x-www-form-urlencoded' \
             --data grant_type=client_credentials --data-urlencode client_id={} \
             --data-urlencode client_secret@- --data-urlencode {api}={}",
            shell_quote(&request.token_endpoint),
            shell_quote(&key.client_id),
            shell_quote(&request.audience),
        )
    };
    if let Some(scope) = request.scope.as_deref() {
        text.push_str(&format!(" --data-urlencode scope={}", shell_quote(scope)));
    }
    if let Some(org) = key.organization_id.as_deref() {
        text.push_str(&format!(
            " --data-urlencode organization={}",
            shell_quote(org)
        ));
    }
    Secret::new(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> IssuedKey {
        IssuedKey {
            client_id: "abc".into(),
            client_name: "k".into(),
            client_secret: Secret::new(secret.to_owned()),
            organization_id: Some("org_1".into()),
            grant_id: None,
        }
    }

    fn request() -> ServiceConfig {
        ServiceConfig {
            base_url: "https://acme.eu.auth0.com".into(),
            domain: "acme.eu.auth0.com".into(),
            token_endpoint: "https://acme.eu.auth0.com/oauth/token".into(),
            audience: "https://api.example/ it's".into(),
            resource: false,
            basic: false,
            scope: None,
        }
    }

    /// The snippet reads back whole through a dotenv parser, whatever the values hold.
    #[test]
    fn the_env_snippet_reads_back_whole() {
        let secret = "s3cr$t \"q\" #x";
        let text = env_snippet(&request(), &key(secret));
        let parsed: Vec<(String, String)> =
            dotenvy::from_read_iter(text.expose_secret().as_bytes())
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{e}"));
        let get = |name: &str| {
            parsed
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("AUTH0_DOMAIN"), Some("acme.eu.auth0.com"));
        assert_eq!(get("AUTH0_CLIENT_SECRET"), Some(secret));
        assert_eq!(get("AUTH0_AUDIENCE"), Some("https://api.example/ it's"));
        assert_eq!(get("AUTH0_ORGANIZATION"), Some("org_1"));
    }

    /// The curl command follows the configured request shape and never holds the secret.
    #[test]
    fn the_curl_command_follows_the_request_shape_and_leaves_the_secret_out() {
        let secret = "very-secret-value";
        let plain = curl_command(&request(), &key(secret));
        let plain = plain.expose_secret();
        assert!(
            plain.contains("--data-urlencode client_secret@-"),
            "{plain}"
        );
        assert!(
            plain.contains("audience='https://api.example/ it'\\''s'"),
            "{plain}"
        );
        assert!(!plain.contains(secret));
        let other = ServiceConfig {
            resource: true,
            basic: true,
            scope: Some("read:data".into()),
            ..request()
        };
        let text = curl_command(&other, &key(secret));
        let text = text.expose_secret();
        assert!(text.contains("curl --config -"), "{text}");
        assert!(text.contains("resource="), "{text}");
        assert!(!text.contains("client_secret@-"), "{text}");
        assert!(text.contains("scope='read:data'"), "{text}");
        assert!(!text.contains(secret));
    }
}
