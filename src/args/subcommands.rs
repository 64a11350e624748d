//! The subcommands' own arguments: one enum or struct per command group.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::help::FAULTS_HELP;

/// `secret ...`
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Keep the admin app's client secret for --profile: read from stdin (typed
    /// hidden at a terminal), never from the command line. Used when .env, the
    /// environment and config.toml have none.
    Set,
}

/// `keys` subcommands (docs/CLI.md).
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List every organization's key with its health: ok, unlinked, orphan, stale, mismatch.
    List(KeysListArgs),
    /// Fix broken keys: delete orphans, link unlinked grants to the organization their
    /// client was made for, move mismatched links. Lists each change and asks first.
    Repair(KeysRepairArgs),
    /// Rotate the secrets of every stale key, or of every key of the given organizations;
    /// prints each new secret once, at the end. Each old secret stops working at once.
    Rotate(KeysRotateArgs),
}

/// `keys list` options.
#[derive(Debug, Args)]
pub struct KeysListArgs {
    /// Only the keys linked to this organization (id or exact name).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Days since the last rotation (else creation) after which a key is stale.
    /// (Default: `stale_days` in config.toml, else 90.)
    #[arg(long, value_name = "N")]
    pub stale_days: Option<u64>,
    /// Only keys in this state (ok, unlinked, orphan, stale, mismatch).
    #[arg(long, value_name = "STATE")]
    pub health: Option<String>,
    /// Management API requests per second at most (default: as fast as Auth0 allows).
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Print one JSON document {keys, counts, requests, stale_days}.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (one row per key, a header line first).
    #[arg(long)]
    pub csv: bool,
}

/// `keys repair` options.
#[derive(Debug, Args)]
pub struct KeysRepairArgs {
    /// Days after which a key is stale (stale keys are listed, not changed: rotate them).
    /// (Default: `stale_days` in config.toml, else 90.)
    #[arg(long, value_name = "N")]
    pub stale_days: Option<u64>,
    /// Management API requests per second at most (default: as fast as Auth0 allows).
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON document {changes, skipped, results}.
    #[arg(long)]
    pub json: bool,
}

/// `keys rotate` options.
#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    /// Rotate every stale key.
    #[arg(long, required_unless_present = "org", conflicts_with = "org")]
    pub stale: bool,
    /// Rotate every key linked to these organizations (id or exact name; repeatable).
    #[arg(long, value_name = "ORG", num_args = 1..)]
    pub org: Vec<String>,
    /// Days after which a key is stale.
    /// (Default: `stale_days` in config.toml, else 90.)
    #[arg(long, value_name = "N")]
    pub stale_days: Option<u64>,
    /// Management API requests per second at most (two per key; default 2, Auth0's
    /// free-tier limit).
    #[arg(long, value_name = "N", default_value_t = 2.0)]
    pub rate: f64,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON document (with the new client secrets).
    #[arg(long)]
    pub json: bool,
}

/// `sandbox` options.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Loopback address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub addr: SocketAddr,
    /// demo, empty or large:N.
    #[arg(long, default_value = "demo")]
    pub seed: String,
    /// Injected failures, e.g. 'POST /api/v2/clients=503@first:1' (grammar: --help).
    #[arg(long, value_name = "SPEC", long_help = FAULTS_HELP)]
    pub faults: Option<String>,
    /// Management API requests per second.
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
    /// Keep the tenant in this file across restarts.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Serve the token endpoint at /connect/token and the JWKS at /discovery/keys,
    /// named only by discovery (a provider not laid out like Auth0).
    #[arg(long)]
    pub provider_paths: bool,
    /// Sign customer-API tokens with RS256, PS256 or ES256 (Management tokens stay RS256).
    #[arg(long, value_name = "ALG", default_value = "RS256")]
    pub alg: String,
    /// Accept only client_secret_basic for customer-API tokens (discovery says so).
    #[arg(long)]
    pub basic_only: bool,
    /// Name the API with `resource` (RFC 8707) instead of `audience`.
    #[arg(long)]
    pub resource: bool,
    /// A custom domain (e.g. localhost): requests to it get tokens whose iss names it.
    #[arg(long, value_name = "HOST")]
    pub custom_domain: Option<String>,
}

/// `orgs ...`
#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// List organizations (every page; rows are printed as pages arrive).
    List {
        /// Only those whose name or display name contains TEXT (case-insensitive; reads every page).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Print one JSON array of {id, name, display_name} once every page is read.
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        /// Print one JSON object per line, as pages arrive.
        #[arg(long)]
        jsonl: bool,
        /// Print CSV (header ID,NAME,DISPLAY NAME, then rows as pages arrive; RFC 4180 quoting).
        #[arg(long, conflicts_with_all = ["json", "jsonl"])]
        csv: bool,
    },
    /// Create an organization.
    Create {
        /// The organization's name: lowercase letters, digits, '-' and '_' (1 to 50).
        name: String,
        /// The name people see (any text).
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// Print one JSON document {id, name, display_name, tenant}.
        #[arg(long)]
        json: bool,
    },
    /// An organization's members.
    #[command(subcommand)]
    Members(MembersCommand),
    /// An organization's pending invitations.
    #[command(subcommand)]
    Invitations(InvitationsCommand),
}

/// `orgs members ...`
#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// List the members (every page).
    List {
        /// Organization id or name.
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long)]
        json: bool,
        /// Print CSV (a header row, then one row per member; RFC 4180 quoting).
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Add the user with this email address.
    Add {
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long, value_name = "EMAIL")]
        email: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove the user with this email address.
    Remove {
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
}

/// `orgs invitations ...`
#[derive(Debug, Subcommand)]
pub enum InvitationsCommand {
    /// List pending invitations.
    List {
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long)]
        json: bool,
        /// Print CSV (a header row, then one row per invitation; RFC 4180 quoting).
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Invite someone (through PLUGIN_AUTH0_M2M_INVITE_CLIENT_ID's login).
    Create {
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long, value_name = "EMAIL")]
        email: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a pending invitation.
    Revoke {
        #[arg(long, value_name = "ORG")]
        org: String,
        /// The invitation's id (uinv_...).
        invitation_id: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
}

/// `clients ...`
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List an organization's keys.
    List(ClientsListArgs),
    /// Provision a key for an organization (client, grant, link); prints its secret once.
    Provision(ClientsProvisionArgs),
    /// Rotate a key's secret; the old one stops working within 30 s. Asks to confirm at a
    /// terminal. Refuses the portal's own admin app.
    Rotate(ClientsRotateArgs),
    /// Revoke a key: unlink its grant, delete the grant and the client. Refuses the
    /// portal's own admin app.
    Revoke(ClientsRevokeArgs),
}

/// `clients list` options.
#[derive(Debug, Args)]
pub struct ClientsListArgs {
    /// Organization id (org_...) or exact name.
    #[arg(long, value_name = "ORG")]
    pub org: String,
    /// Print one JSON array of {client_id, name, grant_id, scope, created_at}.
    #[arg(long)]
    pub json: bool,
    /// Print CSV (a header row, then one row per key; RFC 4180 quoting).
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
}

/// `clients provision` options.
#[derive(Debug, Args)]
pub struct ClientsProvisionArgs {
    /// Organization id (org_...) or exact name.
    #[arg(long, value_name = "ORG")]
    pub org: String,
    /// Name of the new client (default: from the organization and the date).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Print one JSON document (with the client secret).
    #[arg(long)]
    pub json: bool,
}

/// `clients rotate` options.
#[derive(Debug, Args)]
pub struct ClientsRotateArgs {
    /// The key's client id (`clients list --org ORG` shows it).
    #[arg(value_name = "CLIENT_ID")]
    pub client_id: String,
    /// The organization the key belongs to (for a key linked only by a client grant).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Rotate a client that is not linked to any organization.
    #[arg(long)]
    pub any_client: bool,
    /// Prove the new secret by fetching a token with it.
    #[arg(long)]
    pub verify: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON document (with the new client secret).
    #[arg(long)]
    pub json: bool,
}

/// `clients revoke` options.
#[derive(Debug, Args)]
pub struct ClientsRevokeArgs {
    /// The key's client id (`clients list --org ORG` shows it).
    #[arg(value_name = "CLIENT_ID")]
    pub client_id: String,
    /// Organization id (org_...) or exact name the key belongs to.
    #[arg(long, value_name = "ORG")]
    pub org: String,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON document {unlinked_grant, deleted_grant, deleted_client, tenant}.
    #[arg(long)]
    pub json: bool,
}

/// `gateway [TARGET] [--json]`, `gateway check TOKEN`.
#[derive(Debug, Args)]
pub struct GatewayArgs {
    #[command(subcommand)]
    pub command: Option<GatewayCommand>,
    /// Print one JSON document.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The gateway guides (none: all of them) and the check.
#[derive(Debug, Subcommand)]
pub enum GatewayCommand {
    /// AWS API Gateway HTTP API, JWT authorizer (create-authorizer JSON).
    AwsJwt,
    /// AWS API Gateway, Lambda authorizer (Node.js) and Moesif identifyCompany.
    AwsLambda,
    /// Kong's jwt plugin, declarative kong.yml.
    Kong,
    /// NGINX Plus auth_jwt (open-source nginx cannot check a JWT).
    Nginx,
    /// The checks any gateway must make, with this tenant's values.
    Generic,
    /// Check a token as a gateway would and say what it would answer.
    /// Prefer stdin (`-` or nothing): a command line is visible to other users.
    Check {
        /// The token; `-` or nothing reads it from stdin.
        #[arg(value_name = "TOKEN")]
        token: Option<String>,
    },
}

impl GatewayCommand {
    /// The guide this subcommand asks for (`None` for `check`).
    pub fn target(&self) -> Option<crate::gateway::Target> {
        use crate::gateway::Target;
        match self {
            GatewayCommand::AwsJwt => Some(Target::AwsJwt),
            GatewayCommand::AwsLambda => Some(Target::AwsLambda),
            GatewayCommand::Kong => Some(Target::Kong),
            GatewayCommand::Nginx => Some(Target::Nginx),
            GatewayCommand::Generic => Some(Target::Generic),
            GatewayCommand::Check { .. } => None,
        }
    }
}

/// `jwt ...`
#[derive(Debug, Subcommand)]
pub enum JwtCommand {
    /// Decode a token (argument, or stdin with `-` or nothing). Needs no tenant
    /// unless --verify.
    Decode {
        /// The token (eyJ...); `-` or nothing reads it from stdin.
        #[arg(value_name = "TOKEN")]
        token: Option<String>,
        /// Check it against the tenant's JWKS, issuer and API audience.
        #[arg(long)]
        verify: bool,
        /// Print one JSON document {header, claims, checks?}.
        #[arg(long)]
        json: bool,
    },
}
