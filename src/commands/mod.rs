//! The headless commands (design section 4), each a thin layer over `portal`.
//!
//! Results go to stdout (aligned tables, or one JSON document with `--json`),
//! messages to stderr. Exit codes: 0 ok, 1 failure, 2 usage or configuration,
//! 3 authentication or authorization refused by Auth0.

mod decode;
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

use serde_json::{Value, json};

use crate::args::{
    Cli, ClientsCommand, Command, GatewayArgs, InvitationsCommand, JwtCommand, KeysCommand,
    MembersCommand, OrgsCommand, SecretCommand,
};
use crate::config::Settings;
use crate::credentials::CredentialStore;
use crate::jwt;
use crate::paths::Paths;
use crate::portal::{
    OnboardRequest, Portal, PortalError, PortalOptions, ProvisionProgress, StepState, TokenRequest,
};
use crate::secret::Secret;

use decode::jwt_decode;
use gateway::run_gateway;
use login::{as_signed_in_operator, login, logout, read_client_secret, secret_set};
use members::{run_invitations, run_members};
use onboard::run_onboard;
use orgs::{ListFormat, list_organizations};
use print::{
    ask, confirmed_by_typing, ensure_printable, err_line, out, print_json, print_list,
    report_error, to_json,
};
use token::{describe_step, ensure_organization_key, print_issued, print_token_human, token_json};

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
            ClientsCommand::List { json, .. }
            | ClientsCommand::Provision { json, .. }
            | ClientsCommand::Rotate { json, .. }
            | ClientsCommand::Revoke { json, .. },
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
            KeysCommand::List { json, .. }
            | KeysCommand::Repair { json, .. }
            | KeysCommand::Rotate { json, .. },
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
        Command::Orgs(OrgsCommand::Members(members)) => run_members(members, portal, io).await,
        Command::Orgs(OrgsCommand::Invitations(invitations)) => {
            run_invitations(invitations, portal, io).await
        }
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
        Command::Orgs(OrgsCommand::List {
            search,
            json,
            jsonl,
            csv,
        }) => {
            let format = if *json {
                ListFormat::Json
            } else if *jsonl {
                ListFormat::Jsonl
            } else if *csv {
                ListFormat::Csv
            } else {
                ListFormat::Table
            };
            list_organizations(portal, io, search.as_deref(), format).await
        }
        Command::Orgs(OrgsCommand::Create {
            name,
            display_name,
            json,
        }) => {
            let org = portal
                .create_organization(name, display_name.as_deref())
                .await?;
            if *json {
                let mut doc = to_json(&org)?;
                doc["tenant"] = json!(portal.settings().tenant_name());
                print_json(io, &doc);
            } else {
                out(
                    io,
                    &table(
                        &["ID", "NAME", "DISPLAY NAME"],
                        &[vec![
                            org.id.clone(),
                            org.name.clone(),
                            org.display_name.as_deref().unwrap_or("").to_owned(),
                        ]],
                    ),
                );
                err_line(
                    io,
                    &format!(
                        "Organization created on {}.",
                        portal.settings().tenant_name()
                    ),
                );
            }
            Ok(0)
        }
        Command::Clients(ClientsCommand::List { org, json, csv }) => {
            let org = portal.find_organization(org).await?;
            let keys = portal.list_keys(&org.id).await?;
            if *json {
                print_json(io, &to_json(&keys)?);
                err_line(
                    io,
                    &format!(
                        "{} key(s) for {} on {}",
                        keys.len(),
                        &org.name,
                        portal.settings().tenant_name()
                    ),
                );
            } else {
                let rows = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.client_id.clone(),
                            k.name.clone(),
                            k.grant_id.as_deref().unwrap_or("-").to_owned(),
                            k.scope.join(" "),
                            k.created_at.as_deref().unwrap_or("").to_owned(),
                        ]
                    })
                    .collect::<Vec<_>>();
                print_list(
                    io,
                    *csv,
                    &["CLIENT ID", "NAME", "GRANT", "SCOPE", "CREATED"],
                    &rows,
                )?;
                err_line(
                    io,
                    &format!(
                        "{} key(s) for {} on {}",
                        keys.len(),
                        &org.name,
                        portal.settings().tenant_name()
                    ),
                );
            }
            Ok(0)
        }
        Command::Clients(ClientsCommand::Provision { org, name, json }) => {
            let org = portal.find_organization(org).await?;
            // Progress goes to stderr as it happens; collected here because the
            // callback must be Send + Sync.
            let steps = std::sync::Mutex::new(Vec::new());
            let progress = |p: ProvisionProgress| {
                if let Ok(mut steps) = steps.lock() {
                    steps.push(p);
                }
            };
            let result = portal
                .provision_key(&org.id, name.as_deref(), &progress)
                .await;
            let steps = steps.into_inner().unwrap_or_default();
            for step in steps.iter().filter(|p| p.state != StepState::Running) {
                err_line(io, &describe_step(step));
            }
            let key = result?;
            ensure_printable("client secret", key.client_secret.expose_secret())?;
            print_issued(io, portal, &key, *json, None);
            Ok(0)
        }
        Command::Clients(ClientsCommand::Rotate {
            client_id,
            org,
            any_client,
            verify,
            yes,
            json,
        }) => {
            // Refused before anything else: the guard is in the portal too (the TUI's face).
            portal.refuse_admin_app(client_id, "rotate the secret of")?;
            let client = portal.auth0().client(client_id).await.map_err(|e| {
                if e.is_status(404) {
                    PortalError::failure(format!("No client has the id {}", client_id))
                        .with_code(e.code().unwrap_or("inexistent_client").to_owned())
                } else {
                    PortalError::management("reading the client", &e)
                }
            })?;
            if !*any_client {
                ensure_organization_key(portal, &client, org.as_deref()).await?;
            }
            if !*yes {
                may_ask(io, "rotate", "--yes")?;
                let prompt = format!(
                    "This replaces the secret of the client {} ({}); the old secret stops working \
                     within 30 seconds. Type the client id to confirm: ",
                    client_id, &client.name
                );
                if !confirmed_by_typing(io, &prompt, client_id) {
                    err_line(io, "Not confirmed; nothing was changed.");
                    return Ok(1);
                }
            }
            let key = portal.rotate_secret(client_id).await?;
            ensure_printable("client secret", key.client_secret.expose_secret())?;
            let proof = if *verify {
                err_line(io, "Proving the new secret with a test token...");
                Some(portal.prove_secret(&key).await)
            } else {
                None
            };
            match proof {
                Some(Err(err)) => {
                    // The rotation happened: the new secret must still reach the user.
                    print_issued(io, portal, &key, *json, None);
                    err_line(io, &format!("The new secret could not be proven: {err}"));
                    Ok(1)
                }
                Some(Ok(report)) => {
                    let ok = jwt::all_ok(&report.checks);
                    print_issued(io, portal, &key, *json, Some(&report));
                    Ok(if ok { 0 } else { 1 })
                }
                None => {
                    print_issued(io, portal, &key, *json, None);
                    Ok(0)
                }
            }
        }
        Command::Clients(ClientsCommand::Revoke {
            client_id,
            org,
            yes,
            json,
        }) => {
            portal.refuse_admin_app(client_id, "revoke")?;
            if !*yes {
                may_ask(io, "revoke", "--yes")?;
                let prompt = format!(
                    "This deletes the client {} and its grant. Type the client id to confirm: ",
                    client_id
                );
                if !confirmed_by_typing(io, &prompt, client_id) {
                    err_line(io, "Not confirmed; nothing was changed.");
                    return Ok(1);
                }
            }
            let org = portal.find_organization(org).await?;
            let revoked = portal.revoke_key(&org.id, client_id).await?;
            if *json {
                let mut doc = to_json(&revoked)?;
                doc["tenant"] = json!(portal.settings().tenant_name());
                print_json(io, &doc);
            } else {
                let mut lines = Vec::new();
                if let Some(g) = &revoked.unlinked_grant {
                    lines.push(format!("unlinked grant {g} from {}", &org.name));
                }
                if let Some(g) = &revoked.deleted_grant {
                    lines.push(format!("deleted grant {g}"));
                }
                if let Some(c) = &revoked.deleted_client {
                    lines.push(format!("deleted client {c}"));
                }
                if lines.is_empty() {
                    lines.push("nothing to remove".to_owned());
                }
                out(io, &format!("Revoked: {}\n", lines.join(", ")));
            }
            Ok(0)
        }
        Command::Token {
            client_id,
            org,
            audience,
            json,
        } => {
            let secret = read_client_secret(io)?;
            let report = portal
                .test_token(TokenRequest {
                    client_id: client_id.clone(),
                    client_secret: secret,
                    organization: org.clone(),
                    audience: audience.clone(),
                })
                .await
                .map_err(name_token_inputs)?;
            ensure_printable("access token", report.access_token.expose_secret())?;
            let ok = jwt::all_ok(&report.checks);
            if *json {
                let mut doc = token_json(&report);
                doc["tenant"] = json!(portal.settings().tenant_name());
                print_json(io, &doc);
            } else {
                print_token_human(io, &report);
            }
            Ok(if ok { 0 } else { 1 })
        }
        Command::Doctor { json } => {
            let sign_in = portal.sign_in().await?;
            let api = portal.check_api().await;
            let dangerous: Vec<&String> = sign_in
                .granted_scopes
                .iter()
                .filter(|s| *s == "read:client_keys" || *s == "read:client_credentials")
                .collect();
            if *json {
                let missing: serde_json::Map<String, Value> = sign_in
                    .missing
                    .iter()
                    .map(|(action, scopes)| {
                        (
                            serde_json::to_value(action)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default(),
                            json!(scopes),
                        )
                    })
                    .collect();
                print_json(
                    io,
                    &json!({
                        "tenant": sign_in.tenant,
                        "sandbox": portal.settings().sandbox,
                        "admin_client_id": sign_in.admin_client_id,
                        "granted_scopes": sign_in.granted_scopes,
                        "missing_scopes": missing,
                        "dangerous_scopes": dangerous,
                        "api": api,
                    }),
                );
            } else {
                let mut text = format!(
                    "tenant: {}{}\nadmin app: {}\n",
                    &sign_in.tenant,
                    if portal.settings().sandbox {
                        " (SANDBOX)"
                    } else {
                        ""
                    },
                    &sign_in.admin_client_id
                );
                for action in crate::portal::Action::ALL {
                    match sign_in.missing.get(&action) {
                        None => text.push_str(&format!("  ok       {}\n", action.label())),
                        Some(scopes) => text.push_str(&format!(
                            "  MISSING  {} (needs {})\n",
                            action.label(),
                            scopes.join(" ")
                        )),
                    }
                }
                text.push_str(&api.describe());
                text.push('\n');
                for scope in &dangerous {
                    text.push_str(&format!(
                        "  WARNING  the admin app holds {scope}: secrets could be read back; remove it\n"
                    ));
                }
                out(io, &text);
            }
            Ok(if sign_in.missing.is_empty() && api.passed() {
                0
            } else {
                1
            })
        }
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
fn name_token_inputs(mut error: PortalError) -> PortalError {
    if let Some(hint) = error.hint.take() {
        error.hint = Some(
            hint.replace(
                "client id and secret;",
                &format!("client id (--client-id) and secret ({CLIENT_SECRET_ENV} or stdin);"),
            )
            .replace(
                "(PLUGIN_AUTH0_M2M_API_AUDIENCE)",
                "(PLUGIN_AUTH0_M2M_API_AUDIENCE or --audience)",
            )
            .replace("check the organization.", "check --org."),
        );
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

/// The QR code of `text`, in Unicode half blocks (two rows a line).
fn qr_code(text: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}
