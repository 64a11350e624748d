//! Turning Auth0's answers into messages a person can act on.

use crate::auth0::Auth0Error;

use super::{ErrorKind, PortalError, Setting};

/// The variable that holds the admin app's id.
pub const CLIENT_ID_VAR: &str = "PLUGIN_AUTH0_M2M_CLIENT_ID";
/// The variable that holds the admin app's secret.
pub const CLIENT_SECRET_VAR: &str = "PLUGIN_AUTH0_M2M_CLIENT_SECRET";
/// The variable that holds the tenant's domain.
pub const DOMAIN_VAR: &str = "PLUGIN_AUTH0_M2M_DOMAIN";
/// The variable that holds the customer API's identifier.
pub const AUDIENCE_VAR: &str = "PLUGIN_AUTH0_M2M_API_AUDIENCE";
/// The variable that holds the scopes a key is granted.
pub const SCOPE_VAR: &str = "PLUGIN_AUTH0_M2M_API_SCOPE";

impl PortalError {
    /// An error of the given kind with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            code: None,
            hint: None,
            field: None,
        }
    }

    /// Names the setting at fault.
    pub fn with_field(mut self, field: Setting) -> Self {
        self.field = Some(field);
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds Auth0's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A plain failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failure, message)
    }

    /// Maps an error of a Management API call made while `doing` something
    /// (`"listing organizations"`), naming the setting at fault when there is one.
    pub fn management(doing: &str, err: &Auth0Error) -> Self {
        Self {
            field: setting_at_fault(err),
            ..Self::describe(doing, err)
        }
    }

    /// What failed, Auth0's code and a hint, for each kind of Auth0 error.
    fn describe(doing: &str, err: &Auth0Error) -> Self {
        let sanitized = |s: &str| crate::text::sanitize(s);
        match err {
            Auth0Error::Token {
                status,
                error,
                description,
            } => admin_token_error(*status, error, description),
            Auth0Error::Management {
                endpoint,
                status,
                message,
                error_code,
                ..
            } => {
                let code = error_code.clone().unwrap_or_else(|| status.to_string());
                let base = Self::new(
                    ErrorKind::Failure,
                    format!("{} failed: {}", capitalize(doing), sanitized(message)),
                )
                .with_code(code.clone());
                match (*status, code.as_str()) {
                    (403, "insufficient_scope") => {
                        let scopes = scopes_in(message);
                        let named = if scopes.is_empty() {
                            "the scope this action needs".to_owned()
                        } else {
                            scopes.join(" ")
                        };
                        Self {
                            kind: ErrorKind::Auth,
                            ..base
                        }
                        .with_hint(format!(
                            "Grant {named} to the admin app ({CLIENT_ID_VAR}) in the Auth0 Dashboard: \
                             Applications > APIs > Auth0 Management API > Machine To Machine Applications."
                        ))
                    }
                    (403, _) if endpoint.starts_with("/api/v2/organizations/") && endpoint.contains("/client-grants") => Self {
                        kind: ErrorKind::Auth,
                        ..base
                    }
                    .with_hint(
                        "Linking M2M clients to organizations needs Auth0's Organizations for M2M, \
                         part of the B2B Professional or Enterprise plan; this tenant's plan refuses it.",
                    ),
                    (401 | 403, _) => Self {
                        kind: ErrorKind::Auth,
                        ..base
                    }
                    .with_hint(format!(
                        "Check that {DOMAIN_VAR} is the tenant the admin app ({CLIENT_ID_VAR}) belongs to."
                    )),
                    (404, "inexistent_resource_server") => base.with_hint(format!(
                        "No API has the configured identifier: set {AUDIENCE_VAR} to your API's Identifier \
                         (Dashboard > Applications > APIs); `m2m-portal doctor` checks it."
                    )),
                    (400, "invalid_scope") => base.with_hint(format!(
                        "Set {SCOPE_VAR} to scopes the API defines, or add them to the API \
                         (Dashboard > Applications > APIs > Permissions); `m2m-portal doctor` checks it."
                    )),
                    (404, _) => base.with_hint("It may have been deleted, or the id is mistyped."),
                    (s, _) if s >= 500 => base.with_hint("Auth0 had a problem; try again in a moment."),
                    _ => base,
                }
            }
            Auth0Error::RateLimited { endpoint, .. } => Self::new(
                ErrorKind::Failure,
                format!("{} failed: Auth0 kept rate limiting {endpoint}", capitalize(doing)),
            )
            .with_code("too_many_requests")
            .with_hint(
                "The tenant's Management API budget is used up (free tenants allow 2 requests a second); \
                 wait a minute and try again.",
            ),
            Auth0Error::Network {
                detail,
                refused: true,
                ..
            } => Self::new(
                ErrorKind::Failure,
                format!("{} failed: cannot reach Auth0 ({detail})", capitalize(doing)),
            )
            .with_hint(format!(
                "Nothing accepts connections at that address: check {DOMAIN_VAR} (for a loopback \
                 address, that the sandbox is still running)."
            )),
            Auth0Error::Network { detail, .. } => Self::new(
                ErrorKind::Failure,
                format!("{} failed: cannot reach Auth0 ({detail})", capitalize(doing)),
            )
            .with_hint(format!("Check your network and {DOMAIN_VAR}.")),
            Auth0Error::Timeout { .. } => Self::new(
                ErrorKind::Failure,
                format!("{} failed: Auth0 did not answer in time", capitalize(doing)),
            )
            .with_hint("Try again; if it keeps happening, check your network or Auth0's status page."),
            Auth0Error::Tls { detail, .. } => Self::new(
                ErrorKind::Failure,
                format!("{} failed: secure connection refused ({detail})", capitalize(doing)),
            )
            .with_hint(format!("Check {DOMAIN_VAR} and any proxy that intercepts HTTPS.")),
            Auth0Error::UnexpectedBody { detail, html, .. } => {
                let error = Self::new(
                    ErrorKind::Failure,
                    format!("{} failed: Auth0 answered with {detail}", capitalize(doing)),
                );
                if *html {
                    error.with_hint(format!(
                        "Check {DOMAIN_VAR}: it must be the tenant's domain (tenant.region.auth0.com), \
                         not a web site or a proxy."
                    ))
                } else {
                    error
                }
            }
            Auth0Error::WrongEndpoint { .. } => Self::new(
                ErrorKind::Failure,
                format!("{} failed: {}", capitalize(doing), crate::text::sanitize(&err.to_string())),
            )
            .with_hint(format!(
                "Check {DOMAIN_VAR} and the provider's /.well-known/openid-configuration: its \
                 token_endpoint must be the URL that issues tokens."
            )),
            Auth0Error::InvalidUrl { url, detail } => Self::new(
                ErrorKind::Config,
                format!("The tenant URL {url} is not valid: {detail}"),
            )
            .with_hint(format!("Fix {DOMAIN_VAR}.")),
        }
    }
}

/// The sign-in setting an Auth0 error points at: a refused admin app names its
/// secret (Auth0 says the same for an unknown id), an unreachable or foreign
/// host the domain.
fn setting_at_fault(err: &Auth0Error) -> Option<Setting> {
    match err {
        Auth0Error::Token {
            status,
            error,
            description,
        } => {
            let description = description.to_lowercase();
            if description.contains("client")
                && (description.contains("unknown") || description.contains("not found"))
            {
                Some(Setting::ClientId)
            } else if *status == 401 || error == "invalid_client" || description == "unauthorized" {
                Some(Setting::ClientSecret)
            } else {
                None
            }
        }
        Auth0Error::Network { .. }
        | Auth0Error::Tls { .. }
        | Auth0Error::InvalidUrl { .. }
        | Auth0Error::WrongEndpoint { .. }
        | Auth0Error::UnexpectedBody { html: true, .. } => Some(Setting::Domain),
        _ => None,
    }
}

/// The admin app could not get a Management token.
fn admin_token_error(status: u16, error: &str, description: &str) -> PortalError {
    let description = crate::text::sanitize(description);
    // The operator's own sign-in (device flow) ran out or was revoked.
    if error == "login_required" || error == "invalid_grant" {
        return PortalError::new(ErrorKind::Auth, format!("Sign in again: {description}"))
            .with_code(crate::text::sanitize(error))
            .with_hint("Run m2m-portal login (or press d on the TUI's sign-in screen).");
    }
    let base = PortalError::new(
        ErrorKind::Auth,
        format!("Auth0 refused the admin app's sign-in: {description}"),
    )
    .with_code(crate::text::sanitize(error));
    if status == 401 || description == "Unauthorized" || error == "invalid_client" {
        base.with_hint(format!(
            "Check {CLIENT_SECRET_VAR} (and {CLIENT_ID_VAR}): they must be the admin app's client secret and id \
             from the Auth0 Dashboard (Applications > your M2M app > Settings)."
        ))
    } else if status == 429 {
        PortalError {
            kind: ErrorKind::Failure,
            ..base
        }
        .with_hint("Too many token requests; wait a minute.")
    } else if description.contains("not been granted")
        || description.contains("Service not enabled")
    {
        base.with_hint(format!(
            "Authorize the admin app ({CLIENT_ID_VAR}) for the Auth0 Management API: Applications > APIs > \
             Auth0 Management API > Machine To Machine Applications."
        ))
    } else if error == "unauthorized_client" {
        base.with_hint(format!(
            "Enable the Client Credentials grant for the admin app ({CLIENT_ID_VAR}) in its Advanced Settings."
        ))
    } else {
        base.with_hint(format!(
            "Check {CLIENT_ID_VAR}, {CLIENT_SECRET_VAR} and {DOMAIN_VAR}."
        ))
    }
}

/// The scopes named in "Insufficient scope, expected any of: a,b".
fn scopes_in(message: &str) -> Vec<String> {
    message
        .split_once(':')
        .map(|(_, rest)| {
            rest.split([',', ' '])
                .map(str::trim)
                .filter(|s| s.contains(':'))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insufficient_scope_names_the_scope() {
        let err = Auth0Error::Management {
            method: "POST".into(),
            endpoint: "/api/v2/clients/x/rotate-secret".into(),
            status: 403,
            error: "Forbidden".into(),
            message: "Insufficient scope, expected any of: update:client_keys".into(),
            error_code: Some("insufficient_scope".into()),
        };
        let mapped = PortalError::management("rotating the secret", &err);
        assert_eq!(mapped.exit_code(), 3);
        assert!(
            mapped
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("update:client_keys")
        );
    }

    #[test]
    fn bad_admin_secret_names_the_variable() {
        let err = Auth0Error::Token {
            status: 401,
            error: "access_denied".into(),
            description: "Unauthorized".into(),
        };
        let mapped = PortalError::management("signing in", &err);
        assert_eq!(mapped.exit_code(), 3);
        assert_eq!(mapped.field, Some(Setting::ClientSecret));
        assert!(
            mapped
                .hint
                .as_deref()
                .unwrap_or("")
                .contains(CLIENT_SECRET_VAR)
        );
    }

    #[test]
    fn refused_organization_grants_explain_the_plan() {
        let err = Auth0Error::Management {
            method: "POST".into(),
            endpoint: "/api/v2/organizations/org_1/client-grants".into(),
            status: 403,
            error: "Forbidden".into(),
            message: "Your account does not have access to this feature.".into(),
            error_code: Some("operation_not_supported".into()),
        };
        let mapped = PortalError::management("linking the grant", &err);
        assert!(mapped.hint.as_deref().unwrap_or("").contains("plan"));
        assert_eq!(mapped.field, None);
    }

    #[test]
    fn an_unreachable_tenant_names_the_domain() {
        let err = Auth0Error::Network {
            url: "https://nowhere.invalid/oauth/token".into(),
            detail: "dns error".into(),
            ambiguous: false,
            refused: false,
        };
        let mapped = PortalError::management("signing in", &err);
        assert_eq!(mapped.field, Some(Setting::Domain));
    }

    #[test]
    fn an_unknown_admin_app_names_the_client_id() {
        let err = Auth0Error::Token {
            status: 401,
            error: "invalid_client".into(),
            description: "Unknown client: abc".into(),
        };
        let mapped = PortalError::management("signing in", &err);
        assert_eq!(mapped.field, Some(Setting::ClientId));
    }
}
