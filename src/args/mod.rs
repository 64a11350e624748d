//! The command line's vocabulary: clap types, their help texts, completions
//! and the manual page. [`crate::cli`] parses with them and
//! [`crate::commands`] runs what they say; neither imports the other's types.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, FlagValues, Settings};

/// m2m-portal: hand out Auth0 machine-to-machine credentials from a terminal.
#[derive(Debug, Parser)]
#[command(
    name = "m2m-portal",
    disable_version_flag = true,
    about = "A terminal portal for Auth0 machine-to-machine credentials",
    after_help = TOP_AFTER_HELP
)]
pub struct Cli {
    /// Use the named profile of config.toml (ignored by `sandbox`).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Read this .env file instead of ./.env (ignored by `sandbox`).
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
    /// Run against a fresh embedded sandbox tenant (throwaway: nothing is kept; ignored by `sandbox`).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// No colours (also when NO_COLOR is set; ignored by `sandbox`). The TUI draws with
    /// the mono theme unless --theme names another.
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Never ask anything: a command that would prompt (a confirmation, a secret typed at
    /// the terminal) fails at once with exit 2, and the TUI does not start.
    #[arg(long, global = true)]
    pub no_input: bool,
    /// More detail in the log file (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print the version and where config and logs live.
    #[arg(short = 'V', long)]
    pub version: bool,
    /// TUI: mask secrets on screen (copying still works), for demos and screen sharing
    /// (`presenter = true` in a profile does the same); draws with the high-contrast
    /// theme and roomier tables unless a theme is chosen.
    #[arg(long)]
    pub presenter: bool,
    /// TUI: the theme (over config.toml's `theme`; default: mono under NO_COLOR,
    /// high-contrast with --presenter).
    #[arg(long, value_enum, value_name = "NAME")]
    pub theme: Option<config::ThemeName>,
    /// Browse only: every change is refused (TUI and subcommands; `read_only = true` in a profile does the same).
    #[arg(long)]
    pub read_only: bool,
    /// Tenant domain (overrides PLUGIN_AUTH0_M2M_DOMAIN).
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Admin app's client id (overrides PLUGIN_AUTH0_M2M_CLIENT_ID).
    #[arg(long = "client-id", value_name = "ID")]
    pub client_id: Option<String>,
    /// Customer API audience (overrides PLUGIN_AUTH0_M2M_API_AUDIENCE).
    #[arg(long, value_name = "AUDIENCE")]
    pub audience: Option<String>,
    /// Scopes for new keys, space separated (overrides PLUGIN_AUTH0_M2M_API_SCOPE).
    #[arg(long, value_name = "SCOPES")]
    pub scope: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `m2m-portal --help`: configuration, then examples.
const TOP_AFTER_HELP: &str = "\
Without a subcommand, opens the TUI; with no configuration the TUI runs against an \
embedded sandbox tenant (SANDBOX badge). Subcommands need a configured tenant, or \
--sandbox for a throwaway one; without either they refuse (exit 2).

Configuration (later sources win):
  1. config.toml in the config directory (see --version): top-level keys domain,
     client_id, client_secret (or client_secret_env = \"VAR\"), api_audience, api_scope,
     clipboard, clipboard_clear_seconds, theme (TUI: default, high-contrast or mono),
     stale_days (key inventory, default 90);
     [profiles.NAME] sections, picked with --profile NAME
  2. .env in the working directory (or --env-file PATH)
  3. the environment
  4. --domain, --client-id, --audience, --scope (before the subcommand)

Variables (.env or environment):
  PLUGIN_AUTH0_M2M_DOMAIN         tenant domain, e.g. acme.eu.auth0.com
  PLUGIN_AUTH0_M2M_CLIENT_ID      the portal's admin app (Machine to Machine, Management API)
  PLUGIN_AUTH0_M2M_CLIENT_SECRET  its client secret
  PLUGIN_AUTH0_M2M_API_AUDIENCE   identifier of the API the keys are for
  PLUGIN_AUTH0_M2M_API_SCOPE      scopes granted to new keys, space separated
  PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID  native app for `login` (device flow); then the admin
                                  app's id and secret may be left out
  M2M_PORTAL_CREDENTIALS          where `login`/`secret set` keep credentials: auto
                                  (OS keyring, else a 0600 file), keyring or file
  M2M_CLIENT_SECRET               `token` only: the key's secret (else stdin, typed hidden)
  NO_COLOR                        any non-empty value: no colours; the TUI uses the mono
                                  theme unless --theme or config.toml's theme says otherwise

Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 refused by Auth0.

Examples:
  m2m-portal                                    open the TUI
  m2m-portal --presenter                        demo on a projector (high-contrast, secrets masked)
  m2m-portal doctor                             check sign-in and the admin app's scopes
  m2m-portal login --profile prod               sign in as yourself (URL, code, QR code)
  m2m-portal orgs list --search acme            organizations whose name contains acme
  m2m-portal orgs create acme --display-name \"Acme Inc\"
  m2m-portal clients provision --org acme --json
  m2m-portal clients rotate CLIENT_ID --verify  asks to confirm at a terminal (--yes in scripts)
  m2m-portal clients revoke CLIENT_ID --org acme --yes
  M2M_CLIENT_SECRET=... m2m-portal token --client-id CLIENT_ID --org acme
  m2m-portal jwt decode eyJ...                  (or pipe the token on stdin)
  m2m-portal --sandbox clients provision --org acme   try it against a throwaway tenant
  m2m-portal sandbox --addr 127.0.0.1:8787      serve a sandbox tenant; prints its .env block";

/// `m2m-portal sandbox --help`: which global flags apply, and examples.
const SANDBOX_AFTER_HELP: &str = "\
Of the global flags only -v/--verbose applies here; --profile, --env-file, --sandbox and \
--no-color are ignored (the sandbox reads no configuration).

Prints the .env block (PLUGIN_AUTH0_M2M_*) that points at it, then serves until Ctrl-C.

Examples:
  m2m-portal sandbox --addr 127.0.0.1:0 --seed large:20000 --rate 2
  m2m-portal sandbox --faults 'POST /api/v2/clients=503@first:1'
  m2m-portal sandbox --state tenant.json
  m2m-portal sandbox --provider-paths --alg ES256 --basic-only   (an OIDC provider unlike Auth0)";

/// `--faults` grammar (docs/SANDBOX.md is not shipped with the binary).
const FAULTS_HELP: &str = "\
Injected failures. SPEC is RULE[;RULE...], each RULE is
  [METHOD ] PATH=ACTION[+ACTION...][@WHEN]
METHOD: GET, POST, PATCH, PUT, DELETE or * (default: any)
PATH:   a request path; * matches any characters, / included
ACTION: a STATUS 400..599 (the endpoint's own error shape; 429 with rate-limit headers)
        drop            close the connection without carrying the request out
        lost            carry the request out, then close without answering
        delay:D         wait D (250ms, 2s, 1m) first; alone or with a status or drop
        hostile         an error whose message and code are terminal control sequences
        huge            10 MiB: an error message that long, or 100,000 organizations
        repeat-cursor   a checkpoint page answers with the cursor it was asked for
        forever         a token answers expires_in and exp of u64::MAX
        html            an HTML page (200 unless a STATUS is given), as from a proxy
        empty           no body at all (403 unless a STATUS is given)
WHEN:   first:K (the first K matching calls), P% (that probability) or always (default)
Rules are tried in order; the first that fires wins. Examples:
  'POST /api/v2/clients=503@first:1'
  'GET /api/v2/organizations*=delay:1500ms@30%'
  '*/api/v2/*=429@10%; POST /oauth/token=drop@first:1'";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sandbox tenant only; print its .env block.
    #[command(after_help = SANDBOX_AFTER_HELP)]
    Sandbox(SandboxArgs),
    /// Organizations.
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// An organization's M2M keys.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// Every organization's M2M key in the tenant, with its health; repair and bulk rotation.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Fetch a test token with client credentials and check it as a gateway would.
    /// The secret comes from M2M_CLIENT_SECRET or stdin, never from the command line.
    Token {
        /// The key's client id.
        #[arg(long = "client-id", value_name = "ID")]
        client_id: String,
        /// Organization id or name (sets `organization`, and the expected org_id).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// Audience (default: the configured API audience).
        #[arg(long, value_name = "AUD")]
        audience: Option<String>,
        /// Print one JSON document (the token, its claims and the checks).
        #[arg(long)]
        json: bool,
    },
    /// Onboard a customer in one step: find or create the organization, add the
    /// person as a member (or invite them), provision a key. Undone on failure;
    /// a second run adopts what exists.
    Onboard {
        /// The organization's name (lowercase letters, digits, '-' and '_').
        #[arg(long, value_name = "NAME")]
        org: String,
        /// The organization's display name, when it is created.
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// The customer's person.
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// Invite the person when the address has no user yet.
        #[arg(long)]
        invite: bool,
        /// Print one JSON document (holds the new key's secret).
        #[arg(long)]
        json: bool,
    },
    /// JSON Web Tokens.
    #[command(subcommand)]
    Jwt(JwtCommand),
    /// Print a shell completion script (e.g. `m2m-portal completions bash > ~/.local/share/bash-completion/completions/m2m-portal`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (e.g. `m2m-portal man | man -l -`).
    Man {
        /// Instead, write m2m-portal.1 and a page per subcommand into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// How an API gateway checks this tenant's tokens: the exact configuration
    /// for AWS (JWT or Lambda authorizer), Kong, NGINX Plus or any gateway, and
    /// `gateway check` to explain why a gateway would refuse a token.
    Gateway(GatewayArgs),
    /// Sign in, list granted vs needed scopes.
    Doctor {
        /// Print one JSON document {tenant, sandbox, admin_client_id, granted_scopes, ...}.
        #[arg(long)]
        json: bool,
    },
    /// Sign in as yourself (device flow, RFC 8628) with the login application
    /// (PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID): shows a URL, a code and a QR code to
    /// open on any device; then Management calls and audit records are yours.
    /// The sign-in is kept in the OS keyring for --profile.
    Login,
    /// Remove the sign-in and the admin secret kept for --profile (keyring and file).
    Logout,
    /// The admin app's client secret kept in the OS keyring.
    #[command(subcommand)]
    Secret(SecretCommand),
}

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
    List {
        /// Only the keys linked to this organization (id or exact name).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// Days since the last rotation (else creation) after which a key is stale.
        /// (Default: `stale_days` in config.toml, else 90.)
        #[arg(long, value_name = "N")]
        stale_days: Option<u64>,
        /// Only keys in this state (ok, unlinked, orphan, stale, mismatch).
        #[arg(long, value_name = "STATE")]
        health: Option<String>,
        /// Management API requests per second at most (default: as fast as Auth0 allows).
        #[arg(long, value_name = "N")]
        rate: Option<f64>,
        /// Print one JSON document {keys, counts, requests, stale_days}.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (one row per key, a header line first).
        #[arg(long)]
        csv: bool,
    },
    /// Fix broken keys: delete orphans, link unlinked grants to the organization their
    /// client was made for, move mismatched links. Lists each change and asks first.
    Repair {
        /// Days after which a key is stale (stale keys are listed, not changed: rotate them).
        /// (Default: `stale_days` in config.toml, else 90.)
        #[arg(long, value_name = "N")]
        stale_days: Option<u64>,
        /// Management API requests per second at most (default: as fast as Auth0 allows).
        #[arg(long, value_name = "N")]
        rate: Option<f64>,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Print one JSON document {changes, skipped, results}.
        #[arg(long)]
        json: bool,
    },
    /// Rotate the secrets of every stale key, or of every key of the given organizations;
    /// prints each new secret once, at the end. Each old secret stops working at once.
    Rotate {
        /// Rotate every stale key.
        #[arg(long, required_unless_present = "org", conflicts_with = "org")]
        stale: bool,
        /// Rotate every key linked to these organizations (id or exact name; repeatable).
        #[arg(long, value_name = "ORG", num_args = 1..)]
        org: Vec<String>,
        /// Days after which a key is stale.
        /// (Default: `stale_days` in config.toml, else 90.)
        #[arg(long, value_name = "N")]
        stale_days: Option<u64>,
        /// Management API requests per second at most (two per key; default 2, Auth0's
        /// free-tier limit).
        #[arg(long, value_name = "N", default_value_t = 2.0)]
        rate: f64,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Print one JSON document (with the new client secrets).
        #[arg(long)]
        json: bool,
    },
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
    List {
        /// Organization id (org_...) or exact name.
        #[arg(long, value_name = "ORG")]
        org: String,
        /// Print one JSON array of {client_id, name, grant_id, scope, created_at}.
        #[arg(long)]
        json: bool,
        /// Print CSV (a header row, then one row per key; RFC 4180 quoting).
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Provision a key for an organization (client, grant, link); prints its secret once.
    Provision {
        /// Organization id (org_...) or exact name.
        #[arg(long, value_name = "ORG")]
        org: String,
        /// Name of the new client (default: from the organization and the date).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Print one JSON document (with the client secret).
        #[arg(long)]
        json: bool,
    },
    /// Rotate a key's secret; the old one stops working within 30 s. Asks to confirm at a
    /// terminal. Refuses the portal's own admin app.
    Rotate {
        /// The key's client id (`clients list --org ORG` shows it).
        #[arg(value_name = "CLIENT_ID")]
        client_id: String,
        /// The organization the key belongs to (for a key linked only by a client grant).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// Rotate a client that is not linked to any organization.
        #[arg(long)]
        any_client: bool,
        /// Prove the new secret by fetching a token with it.
        #[arg(long)]
        verify: bool,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Print one JSON document (with the new client secret).
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key: unlink its grant, delete the grant and the client. Refuses the
    /// portal's own admin app.
    Revoke {
        /// The key's client id (`clients list --org ORG` shows it).
        #[arg(value_name = "CLIENT_ID")]
        client_id: String,
        /// Organization id (org_...) or exact name the key belongs to.
        #[arg(long, value_name = "ORG")]
        org: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Print one JSON document {unlinked_grant, deleted_grant, deleted_client, tenant}.
        #[arg(long)]
        json: bool,
    },
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

impl Cli {
    /// Parses a command line (the program name first).
    pub fn parse_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Self::try_parse_from(args)
    }

    /// The flags that override configuration.
    pub fn flag_values(&self) -> FlagValues {
        FlagValues {
            domain: self.domain.clone(),
            client_id: self.client_id.clone(),
            api_audience: self.audience.clone(),
            api_scope: self.scope.clone(),
        }
    }

    /// Colour is off with --no-color or a non-empty NO_COLOR.
    pub fn no_color(&self) -> bool {
        self.no_color || no_color_env()
    }

    /// How the TUI should behave. The theme: `--theme`, else `--no-color` (mono), else
    /// config.toml's `theme`; only then NO_COLOR (`no_color_env`) and `--presenter`
    /// decide, as no-color.org asks (flags and the user's file outrank the variable).
    pub fn tui_options(&self, settings: &Settings, no_color_env: bool) -> crate::tui::TuiOptions {
        let flag_theme = self
            .theme
            .or(self.no_color.then_some(config::ThemeName::Mono));
        crate::tui::TuiOptions {
            presenter: self.presenter || settings.presenter,
            read_only: self.read_only || settings.read_only,
            no_color: self.no_color || no_color_env,
            theme: flag_theme.or(settings.theme),
        }
    }
}

/// NO_COLOR is set to something (no-color.org: an empty value does not count).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Writes the completion script for `shell` (the library face of `completions`).
/// Generated into memory first: clap_complete panics on a failed write (a closed pipe).
pub fn write_completions(
    shell: clap_complete::Shell,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "m2m-portal", &mut script);
    out.write_all(&script)?;
    out.flush()
}

/// Writes the manual page (`m2m-portal.1`) in roff (the library face of `man`).
pub fn write_man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory;
    clap_mangen::Man::new(Cli::command()).render(out)?;
    out.flush()
}

/// `man --dir DIR`: `m2m-portal.1` and one page per subcommand (`m2m-portal-orgs-list.1`, ...).
pub fn write_man_pages(dir: &std::path::Path) -> std::io::Result<()> {
    use clap::CommandFactory;
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn override_flags_go_before_the_subcommand() {
        let cli = Cli::try_parse_from([
            "m2m-portal",
            "--client-id",
            "admin",
            "token",
            "--client-id",
            "key",
        ])
        .unwrap();
        assert_eq!(cli.client_id.as_deref(), Some("admin"));
        assert!(
            matches!(cli.command, Some(Command::Token { ref client_id, .. }) if client_id == "key")
        );
    }

    fn theme_of(
        args: &[&str],
        file: Option<config::ThemeName>,
        no_color_env: bool,
    ) -> config::ThemeName {
        let cli =
            Cli::try_parse_from(std::iter::once("m2m-portal").chain(args.iter().copied())).unwrap();
        let mut settings = Settings::for_tenant(
            "https://a.auth0.com",
            "id",
            crate::secret::Secret::new("s".to_owned()),
            "aud",
            "",
        );
        settings.theme = file;
        let options = cli.tui_options(&settings, no_color_env);
        crate::tui::theme::pick(options.theme, options.no_color, options.presenter)
    }

    #[test]
    fn the_theme_comes_from_the_flag_then_the_file_then_no_color_then_presenter() {
        use config::ThemeName::*;
        assert_eq!(theme_of(&[], None, false), Default);
        assert_eq!(theme_of(&[], None, true), Mono, "NO_COLOR picks mono");
        assert_eq!(theme_of(&["--no-color"], None, false), Mono);
        assert_eq!(theme_of(&["--presenter"], None, false), HighContrast);
        assert_eq!(theme_of(&["--presenter"], None, true), Mono);
        assert_eq!(
            theme_of(&["--theme", "high-contrast"], None, true),
            HighContrast
        );
        assert_eq!(theme_of(&["--theme", "default"], None, true), Default);
        assert_eq!(
            theme_of(&["--theme", "mono", "--presenter"], None, false),
            Mono
        );
        // The user's file outranks NO_COLOR and presenter; --theme and --no-color outrank the file.
        assert_eq!(theme_of(&[], Some(HighContrast), true), HighContrast);
        assert_eq!(theme_of(&["--presenter"], Some(Default), false), Default);
        assert_eq!(theme_of(&["--no-color"], Some(HighContrast), false), Mono);
        assert_eq!(
            theme_of(&["--theme", "default"], Some(Mono), false),
            Default
        );
    }

    #[test]
    fn an_unknown_theme_is_a_usage_error_listing_the_themes() {
        let err = Cli::try_parse_from(["m2m-portal", "--theme", "neon"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.contains("default, high-contrast, mono"), "{text}");
        let help = Cli::command().render_long_help().to_string();
        for name in ["default", "high-contrast", "mono"] {
            assert!(help.contains(name), "{name} missing from --help:\n{help}");
        }
    }

    #[test]
    fn the_client_secret_is_not_an_argument_of_token() {
        let err = Cli::try_parse_from([
            "m2m-portal",
            "token",
            "--client-id",
            "key",
            "--client-secret",
            "s",
        ])
        .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
    }
}
