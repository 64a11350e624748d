//! The headless commands (design section 4), each a thin layer over `portal`.
//!
//! Results go to stdout (aligned tables, or one JSON document with `--json`),
//! messages to stderr. Exit codes: 0 ok, 1 failure, 2 usage or configuration,
//! 3 authentication or authorization refused by Auth0.

mod clients;
mod decode;
mod doctor;
mod gateway;
mod keys;
mod login;
mod members;
mod onboard;
mod orgs;
mod print;
mod token;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use doctor::run_doctor;
use serde_json::Value;

use crate::args::{
    Cli, ClientsCommand, ClientsListArgs, ClientsProvisionArgs, ClientsRevokeArgs,
    ClientsRotateArgs, Command, GatewayArgs, InvitationsCommand, JwtCommand, KeysCommand,
    KeysListArgs, KeysRepairArgs, KeysRotateArgs, MembersCommand, OrgsCommand, SecretCommand,
};
use crate::config::Settings;
use crate::credentials::CredentialStore;
use crate::paths::Paths;
use crate::portal::{OnboardRequest, Portal, PortalError, PortalOptions};
use crate::secret::Secret;

use clients::run_clients;
use decode::jwt_decode;
use gateway::run_gateway;
use login::{as_signed_in_operator, login, logout, secret_set};
use onboard::run_onboard;
use orgs::run_orgs;
use print::{ask, err_line, report_error};
use token::run_token;

pub use gateway::gateway_facts;
pub use login::EXPIRY_WARNING;
pub use print::{clap_error, csv_text, print_json_error, report_process_error, table};

/// The variable `token` reads the key's client secret from.
pub const CLIENT_SECRET_ENV: &str = "M2M_CLIENT_SECRET";

/// Where a command reads and writes.
pub struct Io<'a> {
    pub stdout: &'a mut (dyn Write + Send),
    pub stderr: &'a mut (dyn Write + Send),
    pub stdin: &'a mut (dyn BufRead + Send),
    /// True when a person can answer prompts.
    pub stdin_is_terminal: bool,
    /// True when stderr is a terminal: progress is shown there (never in a pipe or file).
    pub stderr_is_terminal: bool,
    /// `--no-input`: anything that would ask fails at once (exit 2).
    pub no_input: bool,
    /// The value of `M2M_CLIENT_SECRET`, if set.
    pub client_secret_env: Option<String>,
    /// How to build the portal (audit log location, retries).
    pub portal: PortalOptions,
    /// Where the operator's sign-in and the admin secret are kept.
    pub credentials: Option<std::sync::Arc<CredentialStore>>,
    /// How a long change learns of Ctrl-C.
    pub interrupt: Interrupt,
}

/// How a command that stops cleanly (`keys rotate`: never in the middle of a
/// key, whose new secret would be lost) learns that the person pressed Ctrl-C.
/// Only such a command listens; every other one still dies on Ctrl-C.
#[derive(Debug, Clone, Default)]
pub enum Interrupt {
    /// The process's Ctrl-C (SIGINT), listened to from [`Interrupt::listen`] on.
    #[default]
    Signal,
    /// A flag the caller sets (tests).
    Flag(std::sync::Arc<std::sync::atomic::AtomicBool>),
}

impl Interrupt {
    /// A flag that turns true on Ctrl-C. From this call on, Ctrl-C no longer ends
    /// the process: the command ends itself at the next safe point.
    pub fn listen(&self) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
        match self {
            Self::Flag(flag) => flag.clone(),
            Self::Signal => {
                let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let set = flag.clone();
                let raise = move || set.store(true, std::sync::atomic::Ordering::SeqCst);
                // Registered here, before the caller goes on: `tokio::signal::ctrl_c()`
                // registers on its first poll, so a Ctrl-C just after this call (the
                // plan printed, the first key about to start) would still have ended the
                // process. When it cannot be registered, Ctrl-C ends the process as usual.
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{SignalKind, signal};
                    if let Ok(mut interrupt) = signal(SignalKind::interrupt()) {
                        tokio::spawn(async move {
                            if interrupt.recv().await.is_some() {
                                raise();
                            }
                        });
                    }
                }
                #[cfg(not(unix))]
                tokio::spawn(async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        raise();
                    }
                });
                flag
            }
        }
    }
}

/// What a test feeds a command.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub stdin: String,
    pub stdin_is_terminal: bool,
    pub stderr_is_terminal: bool,
    pub client_secret_env: Option<String>,
    pub audit_log: Option<PathBuf>,
    /// A credential store in this directory (the 0600 file; never the user's keyring).
    pub credentials_dir: Option<PathBuf>,
    /// Stands for Ctrl-C: a long change that stops cleanly reads it (default: no flag, never set).
    pub interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// What a command printed and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout parsed as JSON (tests of `--json`).
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.stdout)
    }
}

/// Parses `args` (without the program name) and runs the command against `settings`,
/// capturing its output. The library face of the binary, for tests and scripts.
pub async fn run_with(args: &[&str], settings: &Settings, input: Input) -> Output {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let cli = match Cli::parse_args(std::iter::once("m2m-portal").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(err) => {
            let mut stdout = Vec::new();
            if args.contains(&"--json") {
                print_json_error(&mut stdout, &clap_error(&err));
            }
            return Output {
                code: 2,
                stdout: String::from_utf8_lossy(&stdout).into_owned(),
                stderr: err.to_string(),
            };
        }
    };
    let Some(command) = &cli.command else {
        return Output {
            code: 2,
            stdout: String::new(),
            stderr: "a subcommand is needed".to_owned(),
        };
    };
    let mut stdin = std::io::Cursor::new(input.stdin.into_bytes());
    let mut io = Io {
        stdout: &mut stdout,
        stderr: &mut stderr,
        stdin: &mut stdin,
        stdin_is_terminal: input.stdin_is_terminal,
        stderr_is_terminal: input.stderr_is_terminal,
        no_input: cli.no_input,
        client_secret_env: input.client_secret_env,
        portal: PortalOptions {
            audit_log: input.audit_log,
            retry: None,
        },
        credentials: input
            .credentials_dir
            .as_deref()
            .map(|dir| std::sync::Arc::new(CredentialStore::file_only(dir))),
        interrupt: Interrupt::Flag(input.interrupt.unwrap_or_default()),
    };
    let code = execute(command, settings, &mut io).await;
    Output {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs the parsed command with the process's stdin, stdout and stderr.
pub async fn run_process(
    cli: &Cli,
    settings: &Settings,
    paths: &Paths,
    credentials: Option<std::sync::Arc<CredentialStore>>,
) -> u8 {
    let Some(command) = &cli.command else {
        return 2;
    };
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let stdin = std::io::stdin();
    let stdin_is_terminal = stdin.is_terminal();
    // `secret set` at a terminal: typed without echo, then read like piped input.
    let hidden = if matches!(command, Command::Secret(SecretCommand::Set)) && stdin_is_terminal {
        match read_hidden_line("Admin app client secret (input hidden): ") {
            Ok(secret) => Some(Secret::new(secret)),
            Err(err) => {
                let _ = writeln!(stderr, "error: cannot read the client secret: {err}");
                return 2;
            }
        }
    } else {
        None
    };
    let mut typed;
    let mut piped;
    let stdin: &mut (dyn BufRead + Send) = match &hidden {
        Some(secret) => {
            typed = std::io::Cursor::new(secret.expose_secret().as_bytes().to_vec());
            &mut typed
        }
        None => {
            piped = std::io::BufReader::new(stdin);
            &mut piped
        }
    };
    let mut client_secret_env = std::env::var(CLIENT_SECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty());
    // At a terminal, the secret is typed without echo, so it lands in no scrollback.
    if matches!(command, Command::Token { .. })
        && client_secret_env.is_none()
        && stdin_is_terminal
        && !cli.no_input
    {
        match read_hidden_line("Client secret (input hidden): ") {
            Ok(secret) => client_secret_env = Some(secret),
            Err(err) => {
                let _ = writeln!(stderr, "error: cannot read the client secret: {err}");
                return 2;
            }
        }
    }
    let mut io = Io {
        stdout: &mut stdout,
        stderr: &mut stderr,
        stdin,
        stdin_is_terminal: stdin_is_terminal && hidden.is_none(),
        stderr_is_terminal: std::io::stderr().is_terminal(),
        no_input: cli.no_input,
        client_secret_env,
        portal: PortalOptions {
            audit_log: Some(paths.audit_log()),
            retry: None,
        },
        credentials,
        interrupt: Interrupt::Signal,
    };
    execute(command, settings, &mut io).await
}

/// Reads one line from the terminal without echoing it.
fn read_hidden_line(prompt: &str) -> std::io::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
    let mut stderr = std::io::stderr();
    write!(stderr, "{prompt}")?;
    stderr.flush()?;
    crossterm::terminal::enable_raw_mode()?;
    let read = (|| {
        let mut line = String::new();
        loop {
            match crossterm::event::read()? {
                Event::Key(key) if key.kind == KeyEventKind::Press => match key.code {
                    KeyCode::Enter => return Ok(line),
                    KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::Interrupted,
                            "cancelled",
                        ));
                    }
                    KeyCode::Char(c) => line.push(c),
                    KeyCode::Backspace => {
                        line.pop();
                    }
                    _ => {}
                },
                Event::Paste(text) => line.push_str(&text),
                _ => {}
            }
        }
    })();
    let restored = crossterm::terminal::disable_raw_mode();
    writeln!(stderr)?;
    restored?;
    read
}

/// Runs one command; returns its exit code.
pub async fn execute(command: &Command, settings: &Settings, io: &mut Io<'_>) -> u8 {
    let json = wants_json(command);
    let outcome = match command {
        Command::Jwt(JwtCommand::Decode {
            token,
            verify,
            json,
        }) => jwt_decode(token.as_deref(), *verify, *json, settings, io).await,
        Command::Sandbox(_) => Err(PortalError::usage(
            "`sandbox` runs from the command line only",
        )),
        Command::Completions { shell } => crate::args::write_completions(*shell, io.stdout)
            .map(|()| 0)
            .map_err(|e| PortalError::failure(format!("Cannot write the completions: {e}"))),
        Command::Man { dir } => match dir {
            Some(dir) => crate::args::write_man_pages(dir),
            None => crate::args::write_man(io.stdout),
        }
        .map(|()| 0)
        .map_err(|e| PortalError::failure(format!("Cannot write the manual page: {e}"))),
        Command::Logout => logout(settings, io),
        Command::Secret(SecretCommand::Set) => secret_set(settings, io),
        Command::Login => match Portal::with_options(settings, io.portal.clone()) {
            Ok(portal) => login(&portal, io).await,
            Err(err) => Err(err),
        },
        _ => match Portal::with_options(settings, io.portal.clone()) {
            Ok(portal) => {
                let portal = as_signed_in_operator(portal, io);
                match portal.renew_operator().await {
                    Ok(()) => run_portal_command(command, &portal, io).await,
                    Err(err) => Err(err),
                }
            }
            Err(err) => Err(err),
        },
    };
    match outcome {
        Ok(code) => code,
        Err(err) => report_error(io, &err, json),
    }
}

/// True when the command was asked for JSON (`--json` or `--jsonl`): its errors are
/// then also printed as an `{"error": ...}` document on stdout.
pub fn wants_json(command: &Command) -> bool {
    match command {
        Command::Orgs(OrgsCommand::List { json, jsonl, .. }) => *json || *jsonl,
        Command::Orgs(OrgsCommand::Create { json, .. })
        | Command::Clients(
            ClientsCommand::List(ClientsListArgs { json, .. })
            | ClientsCommand::Provision(ClientsProvisionArgs { json, .. })
            | ClientsCommand::Rotate(ClientsRotateArgs { json, .. })
            | ClientsCommand::Revoke(ClientsRevokeArgs { json, .. }),
        )
        | Command::Orgs(
            OrgsCommand::Members(
                MembersCommand::List { json, .. }
                | MembersCommand::Add { json, .. }
                | MembersCommand::Remove { json, .. },
            )
            | OrgsCommand::Invitations(
                InvitationsCommand::List { json, .. }
                | InvitationsCommand::Create { json, .. }
                | InvitationsCommand::Revoke { json, .. },
            ),
        )
        | Command::Keys(
            KeysCommand::List(KeysListArgs { json, .. })
            | KeysCommand::Repair(KeysRepairArgs { json, .. })
            | KeysCommand::Rotate(KeysRotateArgs { json, .. }),
        )
        | Command::Onboard { json, .. }
        | Command::Token { json, .. }
        | Command::Jwt(JwtCommand::Decode { json, .. })
        | Command::Doctor { json }
        | Command::Gateway(GatewayArgs { json, .. }) => *json,
        Command::Sandbox(_)
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Login
        | Command::Logout
        | Command::Secret(_) => false,
    }
}

async fn run_portal_command(
    command: &Command,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        Command::Keys(keys) => keys::run(keys, portal, io).await,
        Command::Onboard {
            org,
            display_name,
            email,
            invite,
            json,
        } => {
            let request = OnboardRequest {
                name: org.clone(),
                display_name: display_name.clone(),
                email: email.clone(),
                invite: *invite,
                key_name: None,
            };
            run_onboard(&request, *json, portal, io).await
        }
        Command::Orgs(orgs) => run_orgs(orgs, portal, io).await,
        Command::Clients(clients) => run_clients(clients, portal, io).await,
        Command::Token {
            client_id,
            org,
            audience,
            json,
        } => {
            let request = (client_id.as_str(), org.as_deref(), audience.as_deref());
            run_token(request, *json, portal, io).await
        }
        Command::Doctor { json } => run_doctor(*json, portal, io).await,
        Command::Gateway(args) => run_gateway(args, portal, io).await,
        Command::Jwt(_)
        | Command::Sandbox(_)
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Login
        | Command::Logout
        | Command::Secret(_) => Err(PortalError::usage("not a portal command")),
    }
}

/// The portal's test-token hints speak of "the secret", "the audience", "the
/// organization"; here they can name where the command reads each from.
fn name_token_inputs(error: PortalError) -> PortalError {
    if let Some(hint) = error.hint() {
        let hint = hint
            .replace(
                "client id and secret;",
                &format!("client id (--client-id) and secret ({CLIENT_SECRET_ENV} or stdin);"),
            )
            .replace(
                "(PLUGIN_AUTH0_M2M_API_AUDIENCE)",
                "(PLUGIN_AUTH0_M2M_API_AUDIENCE or --audience)",
            )
            .replace("check the organization.", "check --org.");
        return error.with_hint(hint);
    }
    error
}

/// Refuses a question that cannot be asked: under `--no-input`, or when stdin is not a
/// terminal. `what` names the action ("rotate"), `flag` what answers it in advance.
fn may_ask(io: &Io<'_>, what: &str, flag: &str) -> Result<(), PortalError> {
    let action = if what.is_empty() {
        String::new()
    } else {
        format!(" to {what}")
    };
    let doing = if what.is_empty() { "do it" } else { what };
    if io.no_input {
        return Err(PortalError::usage(format!(
            "Refusing{action} without {flag}: --no-input forbids asking for confirmation"
        ))
        .with_code("input_required")
        .with_hint(format!("Add {flag} to {doing} without a question.")));
    }
    if !io.stdin_is_terminal {
        return Err(PortalError::usage(format!(
            "Refusing{action} without {flag}: stdin is not a terminal to confirm on"
        ))
        .with_hint(format!("Add {flag} to {doing} from a script.")));
    }
    Ok(())
}

/// Asks at the terminal for `expected` to be typed; refuses without a terminal
/// unless `--yes` was given. `Ok(false)`: not confirmed, nothing to do.
fn confirm_typed(
    io: &mut Io<'_>,
    yes: bool,
    question: &str,
    expected: &str,
) -> Result<bool, PortalError> {
    if yes {
        return Ok(true);
    }
    may_ask(io, "", "--yes")?;
    ask(io, &format!("{question} Type {expected} to confirm: "));
    let mut answer = String::new();
    let _ = io.stdin.read_line(&mut answer);
    if answer.trim() == expected {
        Ok(true)
    } else {
        err_line(io, "Not confirmed; nothing was changed.");
        Ok(false)
    }
}
