//! Turning Auth0's answers into messages a person can act on, by kind of error:
//! the admin app's token, the Management API, the connection, a host that is no tenant.

use crate::auth0::Auth0Error;

use super::{
    AUDIENCE_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR, DOMAIN_VAR, ErrorKind, PortalError, SCOPE_VAR,
    Setting,
};

/// What failed, Auth0's code and a hint, for each kind of Auth0 error.
pub(super) fn describe(doing: &str, err: &Auth0Error) -> PortalError {
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
        } => management_error(doing, endpoint, *status, message, error_code.as_deref()),
        Auth0Error::RateLimited { .. }
        | Auth0Error::Network { .. }
        | Auth0Error::Timeout { .. }
        | Auth0Error::Tls { .. } => connection_error(doing, err),
        Auth0Error::UnexpectedBody { .. }
        | Auth0Error::WrongEndpoint { .. }
        | Auth0Error::InvalidUrl { .. } => tenant_error(doing, err),
    }
}

/// The Management API answered with an error status.
fn management_error(
    doing: &str,
    endpoint: &str,
    status: u16,
    message: &str,
    error_code: Option<&str>,
) -> PortalError {
    let code = error_code.map_or_else(|| status.to_string(), str::to_owned);
    let base = PortalError::failure(format!(
        "{} failed: {}",
        capitalize(doing),
        crate::text::sanitize(message)
    ))
    .with_code(code.clone());
    match (status, code.as_str()) {
        (403, "insufficient_scope") => {
            let scopes = scopes_in(message);
            let named = if scopes.is_empty() {
                "the scope this action needs".to_owned()
            } else {
                scopes.join(" ")
            };
            base.with_kind(ErrorKind::Auth).with_hint(format!(
                "Grant {named} to the admin app ({CLIENT_ID_VAR}) in the Auth0 Dashboard: \
                 Applications > APIs > Auth0 Management API > Machine To Machine Applications."
            ))
        }
        (403, _)
            if endpoint.starts_with("/api/v2/organizations/")
                && endpoint.contains("/client-grants") =>
        {
            base.with_kind(ErrorKind::Auth).with_hint(
                "Linking M2M clients to organizations needs Auth0's Organizations for M2M, \
                 part of the B2B Professional or Enterprise plan; this tenant's plan refuses it.",
            )
        }
        (401 | 403, _) => base.with_kind(ErrorKind::Auth).with_hint(format!(
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

/// Auth0 could not be reached, or not in time, or kept refusing for the rate limit.
fn connection_error(doing: &str, err: &Auth0Error) -> PortalError {
    let failed =
        |what: String| PortalError::failure(format!("{} failed: {what}", capitalize(doing)));
    match err {
        Auth0Error::RateLimited { endpoint, .. } => {
            failed(format!("Auth0 kept rate limiting {endpoint}"))
                .with_code("too_many_requests")
                .with_hint(
                    "The tenant's Management API budget is used up (free tenants allow 2 requests a second); \
                     wait a minute and try again.",
                )
        }
        Auth0Error::Network {
            detail,
            refused: true,
            ..
        } => failed(format!("cannot reach Auth0 ({detail})")).with_hint(format!(
            "Nothing accepts connections at that address: check {DOMAIN_VAR} (for a loopback \
             address, that the sandbox is still running)."
        )),
        Auth0Error::Network { detail, .. } => failed(format!("cannot reach Auth0 ({detail})"))
            .with_hint(format!("Check your network and {DOMAIN_VAR}.")),
        Auth0Error::Timeout { .. } => failed("Auth0 did not answer in time".to_owned()).with_hint(
            "Try again; if it keeps happening, check your network or Auth0's status page.",
        ),
        Auth0Error::Tls { detail, .. } => {
            failed(format!("secure connection refused ({detail})"))
                .with_hint(format!("Check {DOMAIN_VAR} and any proxy that intercepts HTTPS."))
        }
        other => failed(crate::text::sanitize(&other.to_string())),
    }
}

/// Something answered, but not as a tenant does: the domain is likely wrong.
fn tenant_error(doing: &str, err: &Auth0Error) -> PortalError {
    let failed =
        |what: String| PortalError::failure(format!("{} failed: {what}", capitalize(doing)));
    match err {
        Auth0Error::UnexpectedBody {
            detail,
            html,
            status,
            ..
        } => {
            // The status says whose page it is: a 502 is a proxy's, a 200 a web site's.
            let error = failed(format!(
                "Auth0 answered {} with {detail}",
                status_text(*status)
            ));
            if *html {
                error.with_hint(format!(
                    "Check {DOMAIN_VAR}: it must be the tenant's domain (tenant.region.auth0.com), \
                     not a web site or a proxy."
                ))
            } else {
                error
            }
        }
        Auth0Error::WrongEndpoint { .. } => failed(crate::text::sanitize(&err.to_string()))
            .with_hint(format!(
                "Check {DOMAIN_VAR} and the provider's /.well-known/openid-configuration: its \
                 token_endpoint must be the URL that issues tokens."
            )),
        Auth0Error::InvalidUrl { url, detail } => {
            PortalError::usage(format!("The tenant URL {url} is not valid: {detail}"))
                .with_hint(format!("Fix {DOMAIN_VAR}."))
        }
        other => failed(crate::text::sanitize(&other.to_string())),
    }
}

/// The sign-in setting an Auth0 error points at: a refused admin app names its
/// secret (Auth0 says the same for an unknown id), an unreachable or foreign
/// host the domain.
pub(super) fn setting_at_fault(err: &Auth0Error) -> Option<Setting> {
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

/// An HTTP status with its reason, `502 Bad Gateway`.
fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
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
        base.with_kind(ErrorKind::Failure)
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
    fn a_page_instead_of_json_says_the_status_that_came_with_it() {
        let err = crate::auth0::error::unexpected_body(
            "https://x.example/api/v2/organizations",
            502,
            "text/html",
            b"<html><body>Bad gateway</body></html>",
        );
        let mapped = PortalError::management("listing organizations", &err);
        assert!(
            mapped
                .message()
                .contains("502 Bad Gateway with an HTML page"),
            "{mapped}"
        );
        assert_eq!(mapped.field(), Some(Setting::Domain));
    }

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
        assert!(mapped.hint().unwrap_or("").contains("update:client_keys"));
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
        assert_eq!(mapped.field(), Some(Setting::ClientSecret));
        assert!(mapped.hint().unwrap_or("").contains(CLIENT_SECRET_VAR));
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
        assert!(mapped.hint().unwrap_or("").contains("plan"));
        assert_eq!(mapped.field(), None);
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
        assert_eq!(mapped.field(), Some(Setting::Domain));
    }

    #[test]
    fn an_unknown_admin_app_names_the_client_id() {
        let err = Auth0Error::Token {
            status: 401,
            error: "invalid_client".into(),
            description: "Unknown client: abc".into(),
        };
        let mapped = PortalError::management("signing in", &err);
        assert_eq!(mapped.field(), Some(Setting::ClientId));
    }

    #[test]
    fn a_refused_admin_secret_is_a_sign_in_setting_error_of_the_auth_class() {
        let err = Auth0Error::Token {
            status: 401,
            error: "access_denied".into(),
            description: "Unauthorized".into(),
        };
        let mapped = PortalError::management("signing in", &err);
        assert!(matches!(
            mapped,
            PortalError::SignInSetting {
                setting: Setting::ClientSecret,
                kind: ErrorKind::Auth,
                ..
            }
        ));
        let bad_url = Auth0Error::InvalidUrl {
            url: "ftp://x".into(),
            detail: "scheme".into(),
        };
        let mapped = PortalError::management("connecting", &bad_url);
        assert_eq!(
            (mapped.field(), mapped.exit_code()),
            (Some(Setting::Domain), 2)
        );
    }
}
