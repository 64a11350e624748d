//! The portal's use cases, shared by the TUI and the headless commands.
//!
//! One function per use case; nothing here knows about terminals. Every
//! change is written to the audit log. (Skeleton: signatures are the contract
//! the faces code against; bodies are being filled in.)

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::config::Settings;
use crate::jwt::Check;
use crate::secret::Secret;

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
    Members,
}

impl Action {
    /// Every action, in the order they are shown.
    pub const ALL: [Action; 7] = [
        Action::ListOrganizations,
        Action::CreateOrganization,
        Action::ListKeys,
        Action::ProvisionKey,
        Action::RotateSecret,
        Action::RevokeKey,
        Action::Members,
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
            Action::Members => &[
                "read:organization_members",
                "create:organization_members",
                "read:users",
            ],
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
            Action::Members => "manage members",
        }
    }
}

/// An Auth0 organization, as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub display_name: Option<String>,
}

/// One page of organizations; `next` is the checkpoint for the following page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationPage {
    pub organizations: Vec<Organization>,
    pub next: Option<String>,
}

/// One M2M key of an organization: a client and its grant linked to the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Key {
    pub client_id: String,
    pub name: String,
    pub grant_id: Option<String>,
    pub scope: Vec<String>,
    pub created_at: Option<String>,
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
}

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

/// An error a person can act on: what failed, Auth0's code, and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalError {
    pub kind: ErrorKind,
    pub message: String,
    pub code: Option<String>,
    pub hint: Option<String>,
}

impl PortalError {
    /// The process exit code for this error (design section 4).
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::Failure => 1,
            ErrorKind::Config => 2,
            ErrorKind::Auth => 3,
        }
    }
}

impl fmt::Display for PortalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for PortalError {}

impl PortalError {
    /// Placeholder while the use case is being written.
    fn not_yet(what: &str) -> Self {
        Self {
            kind: ErrorKind::Failure,
            message: format!("{what} is not implemented yet"),
            code: None,
            hint: None,
        }
    }
}

/// The use cases against one tenant. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct Portal {
    settings: std::sync::Arc<Settings>,
}

// Skeleton signatures: the contract the TUI and the commands code against.
impl Portal {
    /// Builds the portal (one HTTP client for the process) for a tenant.
    pub fn new(settings: &Settings) -> Result<Self, PortalError> {
        Ok(Self {
            settings: std::sync::Arc::new(settings.clone()),
        })
    }

    /// The settings this portal talks to.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Gets a Management token and compares granted scopes with each action's needs.
    pub async fn sign_in(&self) -> Result<SignIn, PortalError> {
        Err(PortalError::not_yet("sign in"))
    }

    /// One page of organizations (checkpoint paging; `from` is the previous page's `next`).
    pub async fn organizations_page(
        &self,
        _from: Option<String>,
        _take: u32,
    ) -> Result<OrganizationPage, PortalError> {
        Err(PortalError::not_yet("listing organizations"))
    }

    /// Finds an organization by id (`org_...`) or exact name.
    pub async fn find_organization(&self, _id_or_name: &str) -> Result<Organization, PortalError> {
        Err(PortalError::not_yet("finding an organization"))
    }

    /// Creates an organization.
    pub async fn create_organization(
        &self,
        _name: &str,
        _display_name: Option<&str>,
    ) -> Result<Organization, PortalError> {
        Err(PortalError::not_yet("creating an organization"))
    }

    /// The organization's keys: its linked grants for the configured audience, joined with the clients.
    pub async fn list_keys(&self, _organization_id: &str) -> Result<Vec<Key>, PortalError> {
        Err(PortalError::not_yet("listing keys"))
    }

    /// Provisions a key (client, grant, link), rolling back the client if a later step fails.
    pub async fn provision_key(
        &self,
        _organization_id: &str,
        _name: Option<&str>,
        _progress: &(dyn Fn(ProvisionProgress) + Send + Sync),
    ) -> Result<IssuedKey, PortalError> {
        Err(PortalError::not_yet("provisioning"))
    }

    /// Rotates a client's secret.
    pub async fn rotate_secret(&self, _client_id: &str) -> Result<IssuedKey, PortalError> {
        Err(PortalError::not_yet("rotating"))
    }

    /// Revokes a key: unlink, delete grant, delete client.
    pub async fn revoke_key(
        &self,
        _organization_id: &str,
        _client_id: &str,
    ) -> Result<Revoked, PortalError> {
        Err(PortalError::not_yet("revoking"))
    }

    /// Fetches a test token and checks it as a gateway would.
    pub async fn test_token(&self, _request: TokenRequest) -> Result<TokenReport, PortalError> {
        Err(PortalError::not_yet("test tokens"))
    }
}
