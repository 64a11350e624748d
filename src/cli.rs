//! The process's entry: parse the command line (types in [`crate::args`]),
//! resolve paths and settings, then hand over to [`crate::commands`] or the
//! TUI (design section 4). `main.rs` calls [`main`]; tests drive
//! [`crate::commands::run_with`] directly.

use std::process::ExitCode;

pub use crate::args::{
    Cli, ClientsCommand, Command, GatewayArgs, GatewayCommand, InvitationsCommand, JwtCommand,
    KeysCommand, MembersCommand, OrgsCommand, SandboxArgs, SecretCommand, no_color_env,
    write_completions, write_man, write_man_pages,
};
use crate::config::{self, ConfigRequest, Loaded, Settings};
use crate::paths::Paths;
use crate::sandbox::{Sandbox, SandboxOptions};

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = match Cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(match err.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => {
                    // The line did not parse, so `--json` is looked for in the raw words.
                    if std::env::args_os().skip(1).any(|a| a == "--json") {
                        crate::commands::print_json_error(
                            &mut std::io::stdout(),
                            &crate::commands::clap_error(&err),
                        );
                    }
                    2
                }
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
    let json = cli
        .command
        .as_ref()
        .is_some_and(crate::commands::wants_json);
    let credentials = open_credentials(&paths);
    if let Some(Command::Sandbox(args)) = &cli.command {
        return serve_sandbox(args).await;
    }
    if let Some(settings) = tenantless_settings(&cli) {
        return crate::commands::run_process(&cli, &settings, &paths, credentials).await;
    }
    if cli.command.is_none() && cli.no_input {
        return crate::commands::report_process_error(
            &crate::portal::PortalError::usage(
                "The TUI asks for input; --no-input is for subcommands (see --help)",
            )
            .with_code("input_required"),
            false,
        );
    }
    let (mut settings, embedded) =
        match resolve_settings(&cli, &paths, credentials.as_ref(), json).await {
            Ok(resolved) => resolved,
            Err(code) => return code,
        };
    settings.read_only |= cli.read_only;
    settings.presenter |= cli.presenter;
    let code = match &cli.command {
        None => run_tui(&settings, &cli, &paths, credentials).await,
        Some(_) => crate::commands::run_process(&cli, &settings, &paths, credentials).await,
    };
    if let Some(sandbox) = embedded {
        sandbox.shutdown().await;
    }
    code
}

/// The credential store: the OS keyring, or the loud 0600-file fallback.
fn open_credentials(paths: &Paths) -> Option<std::sync::Arc<crate::credentials::CredentialStore>> {
    match crate::credentials::CredentialStore::open(
        &paths.data_dir,
        std::env::var(crate::credentials::BACKEND_VAR)
            .ok()
            .as_deref(),
    ) {
        Ok(store) => Some(std::sync::Arc::new(store)),
        Err(err) => {
            eprintln!("warning: no credential store: {err}");
            None
        }
    }
}

/// Settings for the commands that need no tenant (`None` for the others):
/// `logout` and `secret` only the profile's name.
fn tenantless_settings(cli: &Cli) -> Option<Settings> {
    let placeholder = || Settings::for_tenant("http://127.0.0.1", "", "".into(), "", "");
    match &cli.command {
        Some(Command::Logout | Command::Secret(_)) => {
            let mut settings = placeholder();
            settings.profile.clone_from(&cli.profile);
            Some(settings)
        }
        Some(
            Command::Completions { .. }
            | Command::Man { .. }
            | Command::Jwt(JwtCommand::Decode { verify: false, .. }),
        ) => Some(placeholder()),
        _ => None,
    }
}

/// The tenant's settings (`--sandbox`'s, or the configured ones) and the embedded
/// sandbox serving them, if one was started; `Err` holds the exit code after the
/// error was reported.
async fn resolve_settings(
    cli: &Cli,
    paths: &Paths,
    credentials: Option<&std::sync::Arc<crate::credentials::CredentialStore>>,
    json: bool,
) -> Result<(Settings, Option<Sandbox>), u8> {
    if cli.sandbox {
        let (sandbox, settings) = start_embedded(None).await?;
        return Ok((settings, Some(sandbox)));
    }
    let request = ConfigRequest::from_process(
        cli.profile.clone(),
        cli.env_file.clone(),
        cli.flag_values(),
        paths.config_dir.clone(),
    );
    let stored_secret = |profile: Option<&str>| {
        let store = credentials?;
        let secret = store.client_secret(profile).ok().flatten()?;
        if let Some(warning) = store.take_warning() {
            eprintln!("{warning}");
        }
        Some(secret)
    };
    match config::load_with_store(&request, Some(&stored_secret)) {
        Ok(Loaded::Tenant(settings)) => Ok((settings, None)),
        // Only the TUI falls back to the embedded sandbox (it shows a SANDBOX badge);
        // a headless command would "succeed" against a tenant gone when it exits.
        Ok(Loaded::Unconfigured(preferences)) if cli.command.is_none() => {
            let (sandbox, settings) = start_embedded(Some(&preferences)).await?;
            Ok((settings, Some(sandbox)))
        }
        Ok(Loaded::Unconfigured(_)) => Err(crate::commands::report_process_error(
            &not_configured(paths),
            json,
        )),
        Err(err) => Err(crate::commands::report_process_error(
            &crate::portal::PortalError::usage(err.to_string()),
            json,
        )),
    }
}

/// The refusal of a headless command when nothing names a tenant.
fn not_configured(paths: &Paths) -> crate::portal::PortalError {
    crate::portal::PortalError::usage(
        "No tenant is configured: set PLUGIN_AUTH0_M2M_DOMAIN, PLUGIN_AUTH0_M2M_CLIENT_ID, \
         PLUGIN_AUTH0_M2M_CLIENT_SECRET, PLUGIN_AUTH0_M2M_API_AUDIENCE and \
         PLUGIN_AUTH0_M2M_API_SCOPE (in ./.env, --env-file PATH, the environment, or a \
         profile chosen with --profile NAME)",
    )
    .with_code("not_configured")
    .with_hint(format!(
        "Profiles live in {}. To try a command against a throwaway sandbox tenant, add --sandbox \
         (nothing it makes is kept). See m2m-portal --help.",
        paths.config_file().display()
    ))
}

/// Starts the embedded sandbox and settings that point at it.
async fn start_embedded(
    preferences: Option<&config::Preferences>,
) -> Result<(Sandbox, Settings), u8> {
    match Sandbox::start(SandboxOptions::default()).await {
        Ok(sandbox) => {
            let mut settings = sandbox.settings();
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
    let alg = match args.alg.parse() {
        Ok(alg) => alg,
        Err(err) => {
            eprintln!("error: --alg: {err}");
            return 2;
        }
    };
    let options = SandboxOptions {
        addr: args.addr,
        seed,
        faults,
        rate: args.rate,
        state_file: args.state.clone(),
        provider: crate::sandbox::ProviderOptions {
            paths: args.provider_paths,
            alg,
            basic_only: args.basic_only,
            resource: args.resource,
            custom_domain: args.custom_domain.clone(),
            no_expires_in: false,
        },
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

/// The TUI against these settings; the profile picker reads `config.toml` again
/// for the other profiles (same `.env` and environment, no tenant flags).
async fn run_tui(
    settings: &Settings,
    cli: &Cli,
    paths: &Paths,
    credentials: Option<std::sync::Arc<crate::credentials::CredentialStore>>,
) -> u8 {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "error: the TUI needs a terminal; use a subcommand for scripts (m2m-portal --help)"
        );
        return 2;
    }
    let options = cli.tui_options(settings, no_color_env());
    let launch = crate::tui::Launch {
        credentials,
        profiles: Some(crate::tui::ProfileSource {
            request: ConfigRequest::from_process(
                None,
                cli.env_file.clone(),
                config::FlagValues::default(),
                paths.config_dir.clone(),
            ),
            read_only: cli.read_only,
            presenter: cli.presenter,
        }),
        portal: crate::portal::PortalOptions::default(),
    };
    match crate::tui::run(settings.clone(), options, launch).await {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: {err}");
            1
        }
    }
}
