//! Command-line parsing and dispatch (design section 4). `main.rs` calls [`main`];
//! tests drive [`Cli`] and [`crate::commands::run_with`] directly.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, ConfigRequest, FlagValues, Loaded, Settings};
use crate::paths::Paths;
use crate::sandbox::{Sandbox, SandboxOptions};

/// m2m-portal: hand out Auth0 machine-to-machine credentials from a terminal.
#[derive(Debug, Parser)]
#[command(
    name = "m2m-portal",
    disable_version_flag = true,
    about = "A terminal portal for Auth0 machine-to-machine credentials",
    after_help = "Without a subcommand, opens the TUI. With no configuration, runs against an embedded sandbox tenant."
)]
pub struct Cli {
    /// Use the named profile of config.toml.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Read this .env file instead of ./.env.
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
    /// Run against a fresh embedded sandbox tenant.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More detail in the log file (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print the version and where config and logs live.
    #[arg(short = 'V', long)]
    pub version: bool,
    /// TUI: mask secrets on screen (copying still works), for demos and screen sharing.
    #[arg(long)]
    pub presenter: bool,
    /// TUI: browse only; no changes.
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
    Sandbox(SandboxArgs),
    /// Organizations.
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// An organization's M2M keys.
    #[command(subcommand)]
    Clients(ClientsCommand),
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
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// JSON Web Tokens.
    #[command(subcommand)]
    Jwt(JwtCommand),
    /// Sign in, list granted vs needed scopes.
    Doctor {
        /// Print one JSON document.
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
    /// Injected failures (see docs/SANDBOX.md).
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Management API requests per second.
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
    /// Keep the tenant in this file across restarts.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// `orgs ...`
#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// List organizations (every page).
    List {
        /// Only those whose name or display name contains TEXT.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Create an organization.
    Create {
        /// Lowercase letters, digits, '-' and '_'.
        name: String,
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// `clients ...`
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List an organization's keys.
    List {
        /// Organization id or name.
        #[arg(long, value_name = "ORG")]
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Provision a key for an organization (client, grant, link).
    Provision {
        #[arg(long, value_name = "ORG")]
        org: String,
        /// Name of the new client.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Rotate a client's secret.
    Rotate {
        client_id: String,
        /// Prove the new secret by fetching a token with it.
        #[arg(long)]
        verify: bool,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key: unlink its grant, delete the grant and the client.
    Revoke {
        client_id: String,
        #[arg(long, value_name = "ORG")]
        org: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
}

/// `jwt ...`
#[derive(Debug, Subcommand)]
pub enum JwtCommand {
    /// Decode a token (argument, or stdin with `-` or nothing).
    Decode {
        token: Option<String>,
        /// Check it against the tenant's JWKS, issuer and API audience.
        #[arg(long)]
        verify: bool,
        #[arg(long)]
        json: bool,
    },
}

impl Cli {
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
        self.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(match err.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => 2,
            });
        }
    };
    let paths = match Paths::resolve() {
        Ok(paths) => paths,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if cli.version {
        print!("{}", version_text(&paths));
        return ExitCode::SUCCESS;
    }
    let _log = match crate::logging::init(&paths.log_dir, cli.verbose) {
        Ok(guard) => Some(guard),
        Err(err) => {
            eprintln!("warning: no log file: {err}");
            None
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_name(crate::tui::WORKER_THREAD)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    ExitCode::from(runtime.block_on(run(cli, paths)))
}

/// `--version`: the version, then where config, data and logs live.
pub fn version_text(paths: &Paths) -> String {
    format!(
        "m2m-portal {}\nconfig: {}\naudit log: {}\nlog: {}\n",
        env!("CARGO_PKG_VERSION"),
        paths.config_file().display(),
        paths.audit_log().display(),
        paths.log_file().display(),
    )
}

/// Runs a parsed command line; returns the exit code.
pub async fn run(cli: Cli, paths: Paths) -> u8 {
    let mut stderr = std::io::stderr();
    // Commands that need no tenant.
    match &cli.command {
        Some(Command::Sandbox(args)) => return serve_sandbox(args).await,
        Some(Command::Jwt(JwtCommand::Decode { verify: false, .. })) => {
            let settings = Settings::for_tenant("http://127.0.0.1", "", "".into(), "", "");
            return crate::commands::run_process(&cli, &settings, &paths).await;
        }
        _ => {}
    }
    let mut embedded: Option<Sandbox> = None;
    let settings = if cli.sandbox {
        match start_embedded(None).await {
            Ok((sandbox, settings)) => {
                embedded = Some(sandbox);
                settings
            }
            Err(code) => return code,
        }
    } else {
        let request = ConfigRequest::from_process(
            cli.profile.clone(),
            cli.env_file.clone(),
            cli.flag_values(),
            paths.config_dir.clone(),
        );
        match config::load(&request) {
            Ok(Loaded::Tenant(settings)) => settings,
            Ok(Loaded::Unconfigured(preferences)) => match start_embedded(Some(&preferences)).await
            {
                Ok((sandbox, settings)) => {
                    let _ = writeln!(
                        stderr,
                        "No tenant configured: using an embedded sandbox tenant at {}.\n\
                         To use a real tenant, set PLUGIN_AUTH0_M2M_DOMAIN, _CLIENT_ID, _CLIENT_SECRET, \
                         _API_AUDIENCE and _API_SCOPE in .env (see README).",
                        settings.base_url
                    );
                    embedded = Some(sandbox);
                    settings
                }
                Err(code) => return code,
            },
            Err(err) => {
                let _ = writeln!(stderr, "error: {err}");
                return 2;
            }
        }
    };
    let code = match &cli.command {
        None => run_tui(&settings, &cli).await,
        Some(_) => crate::commands::run_process(&cli, &settings, &paths).await,
    };
    if let Some(sandbox) = embedded {
        sandbox.shutdown().await;
    }
    code
}

/// Starts the embedded sandbox and settings that point at it.
async fn start_embedded(
    preferences: Option<&config::Preferences>,
) -> Result<(Sandbox, Settings), u8> {
    match Sandbox::start(SandboxOptions::default()).await {
        Ok(sandbox) => {
            let mut settings = Settings::for_tenant(
                &sandbox.base_url(),
                &sandbox.admin_client_id(),
                sandbox.admin_client_secret(),
                &sandbox.api_audience(),
                &sandbox.api_scope(),
            );
            settings.sandbox = true;
            settings.invite_client_id = sandbox.login_client_id();
            if let Some(preferences) = preferences {
                preferences.apply(&mut settings);
            }
            Ok((sandbox, settings))
        }
        Err(err) => {
            eprintln!("error: cannot start the embedded sandbox: {err}");
            Err(1)
        }
    }
}

/// `m2m-portal sandbox ...`
async fn serve_sandbox(args: &SandboxArgs) -> u8 {
    let seed = match args.seed.parse() {
        Ok(seed) => seed,
        Err(err) => {
            eprintln!("error: {err}");
            return 2;
        }
    };
    let faults = match args.faults.as_deref().map(str::parse).transpose() {
        Ok(faults) => faults.unwrap_or_default(),
        Err(err) => {
            eprintln!("error: {err}");
            return 2;
        }
    };
    let options = SandboxOptions {
        addr: args.addr,
        seed,
        faults,
        rate: args.rate,
        state_file: args.state.clone(),
        ..SandboxOptions::default()
    };
    match crate::sandbox::serve(options).await {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {err}");
            match err {
                crate::sandbox::SandboxError::NotLoopback(_) => 2,
                _ => 1,
            }
        }
    }
}

/// The TUI against these settings.
async fn run_tui(settings: &Settings, cli: &Cli) -> u8 {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "error: the TUI needs a terminal; use a subcommand for scripts (m2m-portal --help)"
        );
        return 2;
    }
    let options = crate::tui::TuiOptions {
        presenter: cli.presenter,
        read_only: cli.read_only,
        no_color: cli.no_color(),
    };
    match crate::tui::run(settings.clone(), options).await {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {err}");
            1
        }
    }
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
