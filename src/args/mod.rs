//! The command line's vocabulary: clap types, their help texts, completions
//! and the manual page. [`crate::cli`] parses with them and
//! [`crate::commands`] runs what they say; neither imports the other's types.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{self, FlagValues, Settings};

mod help;
mod subcommands;

pub use subcommands::{
    ClientsCommand, ClientsListArgs, ClientsProvisionArgs, ClientsRevokeArgs, ClientsRotateArgs,
    GatewayArgs, GatewayCommand, InvitationsCommand, JwtCommand, KeysCommand, KeysListArgs,
    KeysRepairArgs, KeysRotateArgs, MembersCommand, OrgsCommand, SandboxArgs, SecretCommand,
};

use help::{SANDBOX_AFTER_HELP, TOP_AFTER_HELP};

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
mod tests;
