//! The portal's error: what went wrong (the variant, and so the exit code), what
//! to show, and the sign-in setting at fault. `describe` turns Auth0's answers
//! into such errors.

use crate::auth0::Auth0Error;

mod describe;

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
        let described = describe::describe(doing, err);
        match describe::setting_at_fault(err) {
            Some(setting) => described.with_field(setting),
            None => described,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
