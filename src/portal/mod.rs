//! The portal's use cases, shared by the TUI and the headless commands.
//!
//! One function per use case; nothing here knows about terminals. Every
//! change is written to the audit log. The signatures here are the contract
//! the faces code against.

mod audit;
mod error;
mod inventory;
pub mod login;
mod members;
mod onboard;
mod organizations;
mod provision;
pub mod snippets;
mod token;
pub use token::{OAuthEndpoints, Verification};

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::auth0::{Auth0Client, Auth0Error, RetryPolicy, Tenant};
use crate::config::Settings;
use crate::jwt::Check;
use crate::secret::Secret;

pub use audit::{AuditEntry, AuditLog};
pub use error::{
    AUDIENCE_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR, DOMAIN_VAR, Details, ErrorKind, PortalError,
    SCOPE_VAR, Setting,
};
pub use inventory::{
    BulkRotation, DEFAULT_STALE_DAYS, Health, Inventory, InventoryKey, InventoryOptions,
    InventoryPhase, InventoryProgress, Pacer, ROTATED_AT, RepairChange, RepairOutcome, RepairPlan,
    RepairSkip, RotationProgress, RotationTarget,
};
pub use login::{LOGIN_CLIENT_ID_VAR, Operator, SLOW_DOWN_STEP, SignedIn, login_scope};
pub use members::{INVITE_CLIENT_ID_VAR, Invitation, InvitationSent, Member, MemberAdded, NO_USER};
pub use onboard::{OnboardProgress, OnboardReport, OnboardRequest, OnboardStep};
pub use organizations::{
    OrgKey, Organization, OrganizationPage, organization_name_problem, validate_organization_name,
};
pub use provision::{ROTATION_UNKNOWN, default_key_name};

/// What the user wants to do, with the Management API scopes it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ListOrganizations,
    CreateOrganization,
    ListKeys,
    ProvisionKey,
    RotateSecret,
    RevokeKey,
    /// List an organization's members.
    Members,
    AddMember,
    RemoveMember,
    Invitations,
    Invite,
    RevokeInvitation,
}

impl Action {
    /// Every action, in the order they are shown.
    pub const ALL: [Action; 12] = [
        Action::ListOrganizations,
        Action::CreateOrganization,
        Action::ListKeys,
        Action::ProvisionKey,
        Action::RotateSecret,
        Action::RevokeKey,
        Action::Members,
        Action::AddMember,
        Action::RemoveMember,
        Action::Invitations,
        Action::Invite,
        Action::RevokeInvitation,
    ];

    /// The scopes the admin app needs for this action (auth0/README.md).
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Action::ListOrganizations => &["read:organizations"],
            Action::CreateOrganization => &["create:organizations"],
            Action::ListKeys => &["read:organization_client_grants", "read:clients"],
            Action::ProvisionKey => &[
                "create:clients",
                "create:client_grants",
                "read:client_grants",
                "create:organization_client_grants",
                "delete:clients",
            ],
            Action::RotateSecret => &["update:client_keys"],
            Action::RevokeKey => &[
                "delete:organization_client_grants",
                "delete:client_grants",
                "delete:clients",
            ],
            Action::Members => &["read:organization_members"],
            Action::AddMember => &["read:users", "create:organization_members"],
            Action::RemoveMember => &["read:users", "delete:organization_members"],
            Action::Invitations => &["read:organization_invitations"],
            Action::Invite => &[
                "read:organization_invitations",
                "create:organization_invitations",
            ],
            Action::RevokeInvitation => &["delete:organization_invitations"],
        }
    }

    /// A short label in the user's words.
    pub fn label(self) -> &'static str {
        match self {
            Action::ListOrganizations => "list organizations",
            Action::CreateOrganization => "create organizations",
            Action::ListKeys => "list keys",
            Action::ProvisionKey => "provision keys",
            Action::RotateSecret => "rotate secrets",
            Action::RevokeKey => "revoke keys",
            Action::Members => "list members",
            Action::AddMember => "add members",
            Action::RemoveMember => "remove members",
            Action::Invitations => "list invitations",
            Action::Invite => "invite people",
            Action::RevokeInvitation => "revoke invitations",
        }
    }
}

/// Credentials just issued by provisioning or rotation; the only place a client secret lives.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    pub client_id: String,
    pub client_name: String,
    pub client_secret: Secret,
    pub organization_id: Option<String>,
    pub grant_id: Option<String>,
}

/// The result of signing in: who we are and what we may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub tenant: String,
    pub admin_client_id: String,
    pub granted_scopes: Vec<String>,
    /// Actions that cannot be performed, with the scopes they lack.
    pub missing: BTreeMap<Action, Vec<String>>,
}

impl SignIn {
    /// True when every scope the action needs was granted.
    pub fn allows(&self, action: Action) -> bool {
        !self.missing.contains_key(&action)
    }
}

/// What `doctor` found about the configured API (`PLUGIN_AUTH0_M2M_API_AUDIENCE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ApiCheck {
    /// The API exists and defines every configured scope.
    Ok { identifier: String, name: String },
    /// The API exists but does not define these configured scopes.
    UndefinedScopes {
        identifier: String,
        name: String,
        undefined: Vec<String>,
    },
    /// No API has the configured identifier.
    Missing { identifier: String },
    /// The check could not run (the admin app may lack `read:resource_servers`).
    Unknown { identifier: String, reason: String },
}

impl ApiCheck {
    /// False only when the check ran and found a problem.
    pub fn passed(&self) -> bool {
        matches!(self, ApiCheck::Ok { .. } | ApiCheck::Unknown { .. })
    }

    /// One line for the human doctor report.
    pub fn describe(&self) -> String {
        let sanitize = crate::text::sanitize;
        match self {
            ApiCheck::Ok { identifier, name } => format!(
                "  ok       API {} ({}) exists and defines the configured scopes",
                sanitize(identifier),
                sanitize(name)
            ),
            ApiCheck::UndefinedScopes {
                identifier,
                undefined,
                ..
            } => format!(
                "  FAIL     API {} does not define {}: fix PLUGIN_AUTH0_M2M_API_SCOPE or add them to the API \
                 (Dashboard > Applications > APIs > Permissions)",
                sanitize(identifier),
                sanitize(&undefined.join(" "))
            ),
            ApiCheck::Missing { identifier } => format!(
                "  FAIL     no API has the identifier {}: set PLUGIN_AUTH0_M2M_API_AUDIENCE to your API's \
                 Identifier (Dashboard > Applications > APIs)",
                sanitize(identifier)
            ),
            ApiCheck::Unknown { identifier, reason } => format!(
                "  UNKNOWN  API {} not checked: {} (grant read:resource_servers to check it)",
                sanitize(identifier),
                sanitize(reason)
            ),
        }
    }
}

/// A step of provisioning a key (design section 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisionStep {
    CreateClient,
    CreateGrant,
    LinkGrant,
    Rollback,
}

/// Where a step stands, reported as provisioning goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Running,
    Done,
    Failed,
}

/// A progress report from `provision_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvisionProgress {
    pub step: ProvisionStep,
    pub state: StepState,
}

/// What a revocation removed (also when it stopped half-way).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Revoked {
    pub unlinked_grant: Option<String>,
    pub deleted_grant: Option<String>,
    pub deleted_client: Option<String>,
}

/// A test-token request: client credentials for the configured (or given) audience.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub client_id: String,
    pub client_secret: Secret,
    pub organization: Option<String>,
    pub audience: Option<String>,
}

/// A fetched test token, decoded and checked as an API gateway would.
#[derive(Debug, Clone)]
pub struct TokenReport {
    pub access_token: Secret,
    pub expires_in: u64,
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
    pub checks: Vec<Check>,
    /// What a gateway must know to check such tokens (issuer, JWKS, algorithms),
    /// for the inspector's gateway panel; `None` when not gathered.
    pub gateway: Option<crate::gateway::Facts>,
}

/// How a portal is built beyond its settings.
#[derive(Debug, Clone, Default)]
pub struct PortalOptions {
    /// Where the audit log goes; `None` means the data dir's `audit.jsonl`.
    pub audit_log: Option<PathBuf>,
    /// Retry and rate-limit behaviour of the HTTP client.
    pub retry: Option<RetryPolicy>,
}

/// The use cases against one tenant. Cheap to clone (shared inside), Send + Sync.
#[derive(Clone)]
pub struct Portal {
    settings: Arc<Settings>,
    auth0: Auth0Client,
    audit: Arc<AuditLog>,
}

impl fmt::Debug for Portal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Portal")
            .field("tenant", &self.settings.tenant_name())
            .finish_non_exhaustive()
    }
}

impl Portal {
    /// Builds the portal (one HTTP client for the process) for a tenant.
    pub fn new(settings: &Settings) -> Result<Self, PortalError> {
        Self::with_options(settings, PortalOptions::default())
    }

    /// Builds the portal with an explicit audit log and retry policy.
    pub fn with_options(settings: &Settings, options: PortalOptions) -> Result<Self, PortalError> {
        let tenant = Tenant {
            // Management calls (and the admin app's token) go to the canonical
            // domain; test tokens follow the domain's discovery (portal/token.rs).
            base_url: settings.management_base().to_owned(),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            management_audience: settings.management_audience(),
        };
        let auth0 = Auth0Client::with_policy(tenant, options.retry.unwrap_or_default())
            .map_err(|e| PortalError::management("connecting", &e))?;
        let audit_path = options.audit_log.or_else(|| {
            crate::paths::Paths::resolve()
                .ok()
                .map(|paths| paths.audit_log())
        });
        Ok(Self {
            settings: Arc::new(settings.clone()),
            auth0,
            audit: Arc::new(AuditLog::new(audit_path)),
        })
    }

    /// The settings this portal talks to.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The HTTP client (for counters in diagnostics and tests).
    pub fn auth0(&self) -> &Auth0Client {
        &self.auth0
    }

    /// The audit log file, if changes are written to one.
    pub fn audit_log_path(&self) -> Option<&std::path::Path> {
        self.audit.path()
    }

    /// Refuses a change when this profile is read-only (`--read-only`, `read_only = true`):
    /// enforced here, so both faces refuse, not only the TUI's keys.
    pub fn refuse_if_read_only(&self, action: Action) -> Result<(), PortalError> {
        if !self.settings.read_only {
            return Ok(());
        }
        let profile = self.settings.profile.as_deref().unwrap_or("default");
        Err(PortalError::usage(format!(
            "Read-only mode: profile {} may not {}",
            crate::text::sanitize(profile),
            action.label()
        ))
        .with_code("read_only")
        .with_hint(
            "The profile says read_only = true in config.toml (or --read-only was given); \
             use a profile that may make changes.",
        ))
    }

    /// Records a change in the audit log.
    fn audit(
        &self,
        action: Action,
        organization: Option<&str>,
        client_id: Option<&str>,
        result: &str,
        fingerprint: Option<&str>,
    ) {
        let action = serde_json::to_value(action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.audit.record(
            self.settings.tenant_name(),
            &action,
            organization,
            client_id,
            result,
            fingerprint,
        );
    }

    /// Gets a Management token and compares granted scopes with each action's needs.
    pub async fn sign_in(&self) -> Result<SignIn, PortalError> {
        let token = self
            .auth0
            .management_token()
            .await
            .map_err(|e| PortalError::management("signing in", &e))?;
        let granted = token.scope;
        let missing = Action::ALL
            .iter()
            .filter_map(|action| {
                let lacking: Vec<String> = action
                    .scopes()
                    .iter()
                    .filter(|scope| !granted.iter().any(|g| g == *scope))
                    .map(|s| (*s).to_owned())
                    .collect();
                (!lacking.is_empty()).then_some((*action, lacking))
            })
            .collect();
        Ok(SignIn {
            tenant: self.settings.tenant_name().to_owned(),
            admin_client_id: self.settings.client_id.clone(),
            granted_scopes: granted,
            missing,
        })
    }

    /// Checks the configured API (`PLUGIN_AUTH0_M2M_API_AUDIENCE`): that a resource
    /// server has this identifier and that it defines every configured scope.
    pub async fn check_api(&self) -> ApiCheck {
        let identifier = self.settings.api_audience.clone();
        match self.auth0.resource_server(&identifier).await {
            Ok(api) => {
                let undefined: Vec<String> = self
                    .settings
                    .api_scope
                    .iter()
                    .filter(|scope| !api.scopes.iter().any(|s| &s.value == *scope))
                    .cloned()
                    .collect();
                if undefined.is_empty() {
                    ApiCheck::Ok {
                        identifier,
                        name: api.name,
                    }
                } else {
                    ApiCheck::UndefinedScopes {
                        identifier,
                        name: api.name,
                        undefined,
                    }
                }
            }
            Err(e) if e.is_status(404) => ApiCheck::Missing { identifier },
            Err(e) => ApiCheck::Unknown {
                identifier,
                reason: PortalError::management("reading the API", &e)
                    .message()
                    .to_owned(),
            },
        }
    }
}

/// Maps an error that is not worth a special message.
fn fail(doing: &str) -> impl Fn(Auth0Error) -> PortalError + '_ {
    move |e| PortalError::management(doing, &e)
}
