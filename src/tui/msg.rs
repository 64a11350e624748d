//! The app's vocabulary with the effect runner: the messages `update` receives
//! (input, time, replies) and the commands it returns, with their payloads.
//! A leaf: it names portal types and nothing of the app, screens or widgets.

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyEvent, MouseEvent};

use crate::config::{ProfileSummary, Settings};
use crate::portal::{
    BulkRotation, Inventory, InventoryProgress, Invitation, InvitationSent, IssuedKey, Member,
    MemberAdded, OnboardReport, OnboardRequest, OnboardStep, Operator, OrgKey, Organization,
    OrganizationPage, PortalError, ProvisionProgress, Revoked, RotationProgress, RotationTarget,
    SignIn, StepState, TokenReport, TokenRequest,
};
use crate::secret::Secret;

/// Tags a request so that a late or cancelled reply can be recognised and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// The admin credentials a sign-in uses (the form may have changed them).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// The operator's own sign-in (device flow), as the screens know it: who and
/// until when. The tokens stay in the effect runner and the credential store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    pub operator: Operator,
    /// When the sign-in's access token runs out.
    pub expires_at: SystemTime,
    /// The tenant issued a refresh token: the runner renews the sign-in itself.
    pub refreshable: bool,
}

/// Another profile's settings, read by the runner, and its saved sign-in.
pub struct ProfileLoad {
    pub settings: Settings,
    pub operator: Option<OperatorSession>,
}

/// What the clipboard did with a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// How it was copied ("the system clipboard", "the terminal (OSC 52)").
    pub via: String,
    /// When the clipboard will be cleared, if it will.
    pub clears_in: Option<Duration>,
    /// Why the preferred way was not used, if it was not.
    pub note: Option<String>,
}

/// What the tenant answered to "start a device sign-in", without the device
/// code itself (that stays in the effect runner, which polls with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    pub user_code: String,
    pub verification_uri: String,
    /// The URL with the code filled in (what the QR code holds), if the tenant gave one.
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    pub interval: Duration,
}

impl DeviceCode {
    /// The address to open or scan: the one with the code in it, else the plain one.
    pub fn url(&self) -> &str {
        self.verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri)
    }
}

/// Everything that can happen to the app: input, time, and replies to commands.
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Time passed (spinners, countdowns); carries the wall clock so `update` stays pure.
    Tick(SystemTime),
    SignedIn {
        id: RequestId,
        credentials: Credentials,
        result: Result<SignIn, PortalError>,
    },
    OrganizationsPage {
        id: RequestId,
        result: Result<OrganizationPage, PortalError>,
    },
    OrganizationFound {
        id: RequestId,
        result: Result<Organization, PortalError>,
    },
    OrganizationCreated {
        id: RequestId,
        result: Result<Organization, PortalError>,
    },
    KeysListed {
        id: RequestId,
        result: Result<Vec<OrgKey>, PortalError>,
    },
    ProvisionProgress {
        id: RequestId,
        progress: ProvisionProgress,
    },
    Provisioned {
        id: RequestId,
        result: Result<IssuedKey, PortalError>,
    },
    Rotated {
        id: RequestId,
        result: Result<IssuedKey, PortalError>,
    },
    Revoked {
        id: RequestId,
        result: Result<Revoked, PortalError>,
    },
    TokenFetched {
        id: RequestId,
        result: Result<TokenReport, PortalError>,
    },
    /// An organization's members and pending invitations.
    PeopleListed {
        id: RequestId,
        result: Result<(Vec<Member>, Vec<Invitation>), PortalError>,
    },
    MemberAdded {
        id: RequestId,
        result: Result<MemberAdded, PortalError>,
    },
    MemberRemoved {
        id: RequestId,
        result: Result<Member, PortalError>,
    },
    Invited {
        id: RequestId,
        result: Result<InvitationSent, PortalError>,
    },
    InvitationRevoked {
        id: RequestId,
        result: Result<(), PortalError>,
    },
    OnboardProgress {
        id: RequestId,
        step: OnboardStep,
        state: StepState,
    },
    Onboarded {
        id: RequestId,
        /// Boxed: a report is large next to the other messages.
        result: Result<Box<OnboardReport>, PortalError>,
    },
    Copied {
        what: String,
        result: Result<CopyReport, String>,
    },
    /// The clipboard's auto-clear is due.
    ClipboardDue,
    /// The clipboard was cleared (or left alone because it holds something else now).
    ClipboardCleared(Result<String, String>),
    /// The key inventory's listing moved on (a page or a grant read).
    InventoryProgress {
        id: RequestId,
        progress: InventoryProgress,
    },
    /// The key inventory.
    InventoryListed {
        id: RequestId,
        result: Result<Inventory, PortalError>,
    },
    /// One key of a bulk rotation finished.
    BulkRotationProgress {
        id: RequestId,
        progress: RotationProgress,
    },
    /// A bulk rotation ended: the new secrets (each revealed once), failures, what was left.
    BulkRotated {
        id: RequestId,
        outcome: BulkRotation,
    },
    /// The token endpoint the tenant's discovery document names (for the reveal's snippets).
    Discovered {
        token_endpoint: Result<String, PortalError>,
    },
    /// The tenant gave a device sign-in code (or could not).
    DeviceCode {
        id: RequestId,
        result: Result<DeviceCode, PortalError>,
    },
    /// Auth0 answered `slow_down`: the runner now polls every `interval`.
    DeviceSlowDown {
        id: RequestId,
        interval: Duration,
    },
    /// The device sign-in ended: approved (who), refused or expired.
    OperatorSignedIn {
        id: RequestId,
        result: Result<OperatorSession, PortalError>,
    },
    /// The operator's sign-in was renewed with its refresh token (or could not be).
    OperatorRenewed {
        id: RequestId,
        result: Result<OperatorSession, PortalError>,
    },
    /// The profiles of `config.toml`.
    ProfilesListed(Result<Vec<ProfileSummary>, String>),
    /// Another profile was read; the runner has already signed out of this one.
    ProfileLoaded {
        id: RequestId,
        name: String,
        /// Boxed: settings are large next to the other messages.
        result: Result<Box<ProfileLoad>, String>,
    },
    /// A request is held back by Auth0's rate limit for this long (the status line says so).
    RateLimited {
        wait: Duration,
    },
}

/// Work for the effect runner; each command becomes one task whose result comes back as a `Msg`.
#[derive(Debug)]
pub enum Cmd {
    SignIn {
        id: RequestId,
        credentials: Credentials,
    },
    LoadOrganizations {
        id: RequestId,
        from: Option<String>,
        take: u32,
    },
    FindOrganization {
        id: RequestId,
        query: String,
    },
    CreateOrganization {
        id: RequestId,
        name: String,
        display_name: Option<String>,
    },
    ListKeys {
        id: RequestId,
        organization_id: String,
    },
    /// Provisions a key for the organization on screen; `taken` holds its keys' names
    /// when the screen has them listed, so the portal neither reads the organization nor
    /// lists its keys again.
    ProvisionKey {
        id: RequestId,
        organization: Organization,
        taken: Option<Vec<String>>,
        name: Option<String>,
    },
    RotateSecret {
        id: RequestId,
        client_id: String,
    },
    RevokeKey {
        id: RequestId,
        organization_id: String,
        client_id: String,
    },
    TestToken {
        id: RequestId,
        request: TokenRequest,
    },
    /// List the members and (when `invitations`) the pending invitations.
    ListPeople {
        id: RequestId,
        organization_id: String,
        invitations: bool,
    },
    AddMember {
        id: RequestId,
        organization_id: String,
        email: String,
    },
    RemoveMember {
        id: RequestId,
        organization_id: String,
        email: String,
    },
    Invite {
        id: RequestId,
        organization_id: String,
        email: String,
    },
    RevokeInvitation {
        id: RequestId,
        organization_id: String,
        invitation_id: String,
    },
    /// Onboard a customer (organization, person, key), with progress.
    Onboard {
        id: RequestId,
        request: OnboardRequest,
    },
    /// Copy to the clipboard (the one place the clipboard is reached).
    Copy {
        what: String,
        text: Secret,
    },
    /// Clear the clipboard if our copy is due to go and still there.
    ClearClipboard,
    /// Quitting keeps a copied secret on the clipboard: do not clear it on exit.
    KeepClipboard,
    /// Stop a task whose reply is no longer wanted.
    Cancel {
        id: RequestId,
    },
    /// List every organization's key with its health, with progress.
    ListInventory {
        id: RequestId,
        stale_days: u64,
    },
    /// Rotate these keys one after the other, `rate` Management requests a second.
    RotateKeys {
        id: RequestId,
        targets: Vec<RotationTarget>,
        rate: f64,
    },
    /// Stop a bulk rotation after the key in hand (never aborted: its secret would be lost).
    StopBulkRotation {
        id: RequestId,
    },
    /// Sign the operator in with the device flow; replies `DeviceCode`, then `OperatorSignedIn`.
    DeviceSignIn {
        id: RequestId,
    },
    /// Open the verification page in the local browser (never automatic).
    OpenBrowser {
        url: String,
    },
    /// Renew the operator's sign-in with its refresh token.
    RenewOperator {
        id: RequestId,
    },
    /// Read the profiles of `config.toml`.
    ListProfiles,
    /// Read another profile; if it loads, drop this tenant's Management token and sign-in.
    SwitchProfile {
        id: RequestId,
        name: String,
    },
}
