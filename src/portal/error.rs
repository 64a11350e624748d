//! Turning Auth0's answers into messages a person can act on.

use crate::auth0::Auth0Error;

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

/// How an error should be treated by the faces (and the exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Configuration or usage: exit 2.
    Config,
    /// Authentication or authorization refused by Auth0: exit 3.
    Auth,
    /// Anything else: exit 1.
    Failure,
}

/// The sign-in setting an error is about, so a form can put the cursor on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The tenant's domain (`PLUGIN_AUTH0_M2M_DOMAIN`).
    Domain,
    /// The admin app's client id (`PLUGIN_AUTH0_M2M_CLIENT_ID`).
    ClientId,
    /// The admin app's client secret (`PLUGIN_AUTH0_M2M_CLIENT_SECRET`).
    ClientSecret,
}

/// What every error says: what failed, Auth0's code and a hint.
/// Shown as the message with the code in brackets: `Listing keys failed: … (insufficient_scope)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct Details {
    pub message: String,
    pub code: Option<String>,
    pub hint: Option<String>,
}

/// An error a person can act on. The variant says what went wrong (and so the
/// exit code); each carries the [`Details`] to show, and a sign-in setting at
/// fault carries that [`Setting`] so a form can focus it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// The configuration or the command line is wrong (exit 2).
    #[error("{0}")]
    Usage(Details),
    /// Auth0 refused the authentication or the authorization (exit 3).
    #[error("{0}")]
    Refused(Details),
    /// Anything else failed (exit 1).
    #[error("{0}")]
    Failed(Details),
    /// A sign-in setting is at fault: a refused admin secret or id, an
    /// unreachable or foreign domain. `kind` keeps the exit class (a refused
    /// secret is an Auth0 refusal, an unreachable domain a failure).
    #[error("{details}")]
    SignInSetting {
        setting: Setting,
        kind: ErrorKind,
        details: Details,
    },
}

impl PortalError {
    /// An error of the given kind with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::of_kind(
            kind,
            Details {
                message: message.into(),
                code: None,
                hint: None,
            },
        )
    }

    fn of_kind(kind: ErrorKind, details: Details) -> Self {
        match kind {
            ErrorKind::Config => Self::Usage(details),
            ErrorKind::Auth => Self::Refused(details),
            ErrorKind::Failure => Self::Failed(details),
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A plain failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failure, message)
    }

    /// How the faces treat this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Usage(_) => ErrorKind::Config,
            Self::Refused(_) => ErrorKind::Auth,
            Self::Failed(_) => ErrorKind::Failure,
            Self::SignInSetting { kind, .. } => *kind,
        }
    }

    /// The process exit code for this error (design section 4).
    pub fn exit_code(&self) -> u8 {
        match self.kind() {
            ErrorKind::Failure => 1,
            ErrorKind::Config => 2,
            ErrorKind::Auth => 3,
        }
    }

    /// What is shown, without the code.
    pub fn details(&self) -> &Details {
        match self {
            Self::Usage(details) | Self::Refused(details) | Self::Failed(details) => details,
            Self::SignInSetting { details, .. } => details,
        }
    }

    fn details_mut(&mut self) -> &mut Details {
        match self {
            Self::Usage(details) | Self::Refused(details) | Self::Failed(details) => details,
            Self::SignInSetting { details, .. } => details,
        }
    }

    /// What failed, in a sentence (without Auth0's code).
    pub fn message(&self) -> &str {
        &self.details().message
    }

    /// Auth0's error code (or the portal's own, like `read_only`).
    pub fn code(&self) -> Option<&str> {
        self.details().code.as_deref()
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&str> {
        self.details().hint.as_deref()
    }

    /// The setting to fix, when the error names one (a refused secret, an unreachable domain).
    pub fn field(&self) -> Option<Setting> {
        match self {
            Self::SignInSetting { setting, .. } => Some(*setting),
            _ => None,
        }
    }

    /// Names the setting at fault.
    pub fn with_field(self, field: Setting) -> Self {
        let kind = self.kind();
        Self::SignInSetting {
            setting: field,
            kind,
            details: self.into_details(),
        }
    }

    /// The same error without the setting at fault (a rollback's error is about
    /// what was left behind, not the sign-in).
    pub fn without_field(self) -> Self {
        let kind = self.kind();
        Self::of_kind(kind, self.into_details())
    }

    /// The same error (message, code, hint, field) in another exit class.
    pub fn with_kind(self, kind: ErrorKind) -> Self {
        match self {
            Self::SignInSetting {
                setting, details, ..
            } => Self::SignInSetting {
                setting,
                kind,
                details,
            },
            other => Self::of_kind(kind, other.into_details()),
        }
    }

    fn into_details(self) -> Details {
        match self {
            Self::Usage(details) | Self::Refused(details) | Self::Failed(details) => details,
            Self::SignInSetting { details, .. } => details,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.details_mut().hint = Some(hint.into());
        self
    }

    /// Replaces the hint, or drops it with `None`.
    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        self.details_mut().hint = hint;
        self
    }

    /// Adds Auth0's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.details_mut().code = Some(code.into());
        self
    }

    /// Replaces the message (the code, hint and field stay).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.details_mut().message = message.into();
        self
    }

    /// Maps an error of a Management API call made while `doing` something
    /// (`"listing organizations"`), naming the setting at fault when there is one.
    pub fn management(doing: &str, err: &Auth0Error) -> Self {
        let described = describe(doing, err);
        match setting_at_fault(err) {
            Some(setting) => described.with_field(setting),
            None => described,
        }
    }
}

/// What failed, Auth0's code and a hint, for each kind of Auth0 error.
fn describe(doing: &str, err: &Auth0Error) -> PortalError {
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
        Auth0Error::UnexpectedBody { detail, html, .. } => {
            let error = failed(format!("Auth0 answered with {detail}"));
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
    fn the_variant_says_the_exit_class_and_keeps_it_through_the_builders() {
        let usage = PortalError::usage("bad flag").with_code("usage");
        assert!(matches!(usage, PortalError::Usage(_)));
        assert_eq!((usage.kind(), usage.exit_code()), (ErrorKind::Config, 2));
        let refused = PortalError::new(ErrorKind::Auth, "refused").with_hint("grant it");
        assert!(matches!(refused, PortalError::Refused(_)));
        assert_eq!(refused.exit_code(), 3);
        let failed = PortalError::failure("broke");
        assert!(matches!(failed, PortalError::Failed(_)));
        assert_eq!(failed.exit_code(), 1);

        let at_fault = refused.clone().with_field(Setting::ClientSecret);
        assert!(matches!(
            at_fault,
            PortalError::SignInSetting {
                setting: Setting::ClientSecret,
                kind: ErrorKind::Auth,
                ..
            }
        ));
        assert_eq!(at_fault.exit_code(), 3, "naming the field keeps the class");
        assert_eq!(at_fault.to_string(), refused.to_string());
        assert_eq!(at_fault.hint(), Some("grant it"));
        let moved = at_fault.with_kind(ErrorKind::Failure);
        assert_eq!(
            (moved.kind(), moved.field()),
            (ErrorKind::Failure, Some(Setting::ClientSecret))
        );
        let plain = moved.without_field().with_message("left behind");
        assert!(matches!(plain, PortalError::Failed(_)));
        assert_eq!(plain.field(), None);
        assert_eq!(plain.message(), "left behind");
        assert_eq!(plain.hint(), Some("grant it"), "the hint survives");
        assert_eq!(plain.with_optional_hint(None).hint(), None);
    }

    #[test]
    fn display_is_the_message_then_the_code_in_brackets() {
        let err = PortalError::failure("Listing keys failed: gone").with_code("not_found");
        assert_eq!(err.to_string(), "Listing keys failed: gone (not_found)");
        assert_eq!(PortalError::usage("no code").to_string(), "no code");
        let secret = PortalError::new(
            ErrorKind::Auth,
            "Auth0 refused the admin app's sign-in: Unauthorized",
        )
        .with_code("access_denied")
        .with_field(Setting::ClientSecret);
        assert_eq!(
            secret.to_string(),
            "Auth0 refused the admin app's sign-in: Unauthorized (access_denied)"
        );
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
