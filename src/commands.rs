//! The headless commands (design section 4), each a thin layer over `portal`.
//!
//! Results go to stdout (aligned tables, or one JSON document with `--json`),
//! messages to stderr. Exit codes: 0 ok, 1 failure, 2 usage or configuration,
//! 3 authentication or authorization refused by Auth0.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::cli::{
    Cli, ClientsCommand, Command, GatewayArgs, GatewayCommand, InvitationsCommand, JwtCommand,
    KeysCommand, MembersCommand, OrgsCommand, SecretCommand,
};
use crate::config::Settings;
use crate::credentials::CredentialStore;
use crate::jwt::{self, Check, Expectations};
use crate::paths::Paths;
use crate::portal::{
    ErrorKind, InvitationSent, IssuedKey, OnboardRequest, OnboardStep, Organization, Portal,
    PortalError, PortalOptions, ProvisionProgress, ProvisionStep, StepState, TokenReport,
    TokenRequest,
};
use crate::secret::Secret;
use crate::text::sanitize;

mod keys;

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
        Command::Completions { shell } => crate::cli::write_completions(*shell, io.stdout)
            .map(|()| 0)
            .map_err(|e| PortalError::failure(format!("Cannot write the completions: {e}"))),
        Command::Man { dir } => match dir {
            Some(dir) => crate::cli::write_man_pages(dir),
            None => crate::cli::write_man(io.stdout),
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

async fn run_members(
    command: &MembersCommand,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        MembersCommand::List { org, json, csv } => {
            let org = portal.find_organization(org).await?;
            let members = portal.members(&org.id).await?;
            if *json {
                print_json(io, &to_json(&members)?);
            } else {
                let rows: Vec<Vec<String>> = members
                    .iter()
                    .map(|m| {
                        vec![
                            m.email.as_deref().unwrap_or("").to_owned(),
                            m.name.as_deref().unwrap_or("").to_owned(),
                            m.user_id.clone(),
                        ]
                    })
                    .collect();
                print_list(io, *csv, &["EMAIL", "NAME", "USER ID"], &rows)?;
                err_line(io, &format!("{} member(s) of {}", members.len(), &org.name));
            }
            Ok(0)
        }
        MembersCommand::Add { org, email, json } => {
            let org = portal.find_organization(org).await?;
            let added = portal.add_member(&org.id, email).await.map_err(|e| {
                if e.code.as_deref() == Some(crate::portal::NO_USER) {
                    e.with_hint(format!(
                        "Invite them: m2m-portal orgs invitations create --org {} --email {}",
                        &org.name,
                        email.trim()
                    ))
                } else {
                    e
                }
            })?;
            if *json {
                print_json(io, &with_tenant(portal, to_json(&added)?));
            } else if added.added {
                out(io, &format!("Added {} to {}\n", email.trim(), &org.name));
            } else {
                out(
                    io,
                    &format!(
                        "{} already is a member of {}; nothing changed\n",
                        email.trim(),
                        &org.name
                    ),
                );
            }
            Ok(0)
        }
        MembersCommand::Remove {
            org,
            email,
            yes,
            json,
        } => {
            let org = portal.find_organization(org).await?;
            let question = format!("This removes {} from {}.", email.trim(), &org.name);
            if !confirm_typed(io, *yes, &question, email.trim())? {
                return Ok(1);
            }
            let removed = portal.remove_member(&org.id, email).await?;
            if *json {
                print_json(io, &with_tenant(portal, json!({"removed": removed})));
            } else {
                out(
                    io,
                    &format!("Removed {} from {}\n", email.trim(), &org.name),
                );
            }
            Ok(0)
        }
    }
}

async fn run_invitations(
    command: &InvitationsCommand,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        InvitationsCommand::List { org, json, csv } => {
            let org = portal.find_organization(org).await?;
            let invitations = portal.invitations(&org.id).await?;
            if *json {
                print_json(io, &to_json(&invitations)?);
            } else {
                let rows: Vec<Vec<String>> = invitations
                    .iter()
                    .map(|i| {
                        vec![
                            i.id.clone(),
                            i.email.clone(),
                            i.inviter.as_deref().unwrap_or("").to_owned(),
                            i.expires_at.as_deref().unwrap_or("").to_owned(),
                        ]
                    })
                    .collect();
                print_list(io, *csv, &["ID", "EMAIL", "INVITER", "EXPIRES"], &rows)?;
                err_line(
                    io,
                    &format!(
                        "{} pending invitation(s) to {}",
                        invitations.len(),
                        &org.name
                    ),
                );
            }
            Ok(0)
        }
        InvitationsCommand::Create { org, email, json } => {
            let org = portal.find_organization(org).await?;
            let sent = portal.invite(&org.id, email).await?;
            if *json {
                print_json(io, &with_tenant(portal, to_json(&sent)?));
            } else {
                print_invitation(io, &sent, &org.name);
            }
            Ok(0)
        }
        InvitationsCommand::Revoke {
            org,
            invitation_id,
            yes,
            json,
        } => {
            let org = portal.find_organization(org).await?;
            let question = format!(
                "This revokes the invitation {} to {}.",
                invitation_id, &org.name
            );
            if !confirm_typed(io, *yes, &question, invitation_id)? {
                return Ok(1);
            }
            portal.revoke_invitation(&org.id, invitation_id).await?;
            if *json {
                print_json(io, &with_tenant(portal, json!({"revoked": invitation_id})));
            } else {
                out(io, &format!("Revoked the invitation {}\n", invitation_id));
            }
            Ok(0)
        }
    }
}

/// A JSON object document with the tenant it ran against.
fn with_tenant(portal: &Portal, mut doc: Value) -> Value {
    if let Some(map) = doc.as_object_mut() {
        map.insert("tenant".into(), json!(portal.settings().tenant_name()));
    }
    doc
}

fn print_invitation(io: &mut Io<'_>, sent: &InvitationSent, org_name: &str) {
    let what = if sent.created {
        "Invited"
    } else {
        "Already invited (pending)"
    };
    let mut text = format!(
        "{what}: {} to {} (invitation {}, expires {})\n",
        &sent.invitation.email,
        org_name,
        &sent.invitation.id,
        sent.invitation.expires_at.as_deref().unwrap_or("?")
    );
    if let Some(url) = &sent.invitation.invitation_url {
        text.push_str(&format!("link: {}\n", url));
    }
    out(io, &text);
    if sent.created && !sent.email_sent {
        err_line(
            io,
            "No email was sent (PLUGIN_AUTH0_M2M_INVITE_SEND_EMAIL=false): send them the link.",
        );
    }
}

async fn run_onboard(
    request: &OnboardRequest,
    json: bool,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    // Progress is collected (the callback must be Send + Sync) and printed after.
    let steps = std::sync::Mutex::new(Vec::new());
    let progress = |step: OnboardStep, state: StepState| {
        if let Ok(mut steps) = steps.lock() {
            steps.push((step, state));
        }
    };
    let result = portal.onboard(request, &progress).await;
    for (step, state) in steps.into_inner().unwrap_or_default() {
        let mark = match state {
            StepState::Running => continue,
            StepState::Done => "done",
            StepState::Failed => "FAILED",
        };
        err_line(io, &format!("  {mark:<7}{}", step.label()));
    }
    let report = result?;
    if let Some(key) = &report.key {
        ensure_printable("client secret", key.client_secret.expose_secret())?;
    }
    if json {
        let doc = json!({
            "organization": {
                "id": report.organization.id,
                "name": report.organization.name,
                "display_name": report.organization.display_name,
                "created": report.organization_created,
            },
            "member": report.member.as_ref().map(|m| json!({
                "user_id": m.member.user_id,
                "email": m.member.email,
                "added": m.added,
            })),
            "invitation": report.invitation,
            "key": report.key.as_ref().map(|k| json!({
                "client_id": k.client_id,
                "client_name": k.client_name,
                "client_secret": k.client_secret.expose_secret(),
                "organization_id": k.organization_id,
                "grant_id": k.grant_id,
            })),
            "existing_key": report.existing_key,
            "gateway_claim": {"org_id": report.organization.id},
            "tenant": portal.settings().tenant_name(),
        });
        print_json(io, &doc);
        return Ok(0);
    }
    let org = &report.organization;
    let mut text = format!(
        "organization  {} ({}){}\n",
        &org.name,
        &org.id,
        if report.organization_created {
            " created"
        } else {
            " existed"
        }
    );
    if let Some(member) = &report.member {
        text.push_str(&format!(
            "member        {}{}\n",
            member
                .member
                .email
                .as_deref()
                .unwrap_or(&member.member.user_id),
            if member.added {
                " added"
            } else {
                " was already a member"
            }
        ));
    }
    out(io, &text);
    if let Some(sent) = &report.invitation {
        print_invitation(io, sent, &org.name);
    }
    match (&report.key, &report.existing_key) {
        (Some(key), _) => {
            print_issued(io, portal, key, false, None);
            err_line(
                io,
                &format!(
                    "The gateway identifies this customer by the token's org_id claim: {}",
                    &org.id
                ),
            );
        }
        (None, Some(existing)) => out(
            io,
            &format!(
                "key           {} ({}) existed: no new secret; `m2m-portal clients rotate {}` issues one\n",
                &existing.name, &existing.client_id, &existing.client_id
            ),
        ),
        (None, None) => {}
    }
    Ok(0)
}

/// Warns (once) that credentials are in the fallback file rather than the keyring.
fn store_warning(io: &mut Io<'_>, store: &CredentialStore) {
    if let Some(warning) = store.take_warning() {
        err_line(io, &warning);
    }
}

/// The credential store, or why there is none.
fn store(io: &Io<'_>) -> Result<std::sync::Arc<CredentialStore>, PortalError> {
    io.credentials.clone().ok_or_else(|| {
        PortalError::failure("No credential store is available (see the warning above)").with_hint(
            format!(
                "Set {}=file to keep credentials in a 0600 file in the data directory.",
                crate::credentials::BACKEND_VAR
            ),
        )
    })
}

/// The portal as the operator signed in for this profile and tenant, if any;
/// warns when their sign-in is about to run out and cannot be refreshed.
fn as_signed_in_operator(portal: Portal, io: &mut Io<'_>) -> Portal {
    let Some(store) = io.credentials.clone() else {
        return portal;
    };
    let settings = portal.settings();
    let signed = match store.session(settings.profile.as_deref(), &settings.base_url) {
        Ok(Some(signed)) => signed,
        Ok(None) => return portal,
        Err(err) => {
            err_line(
                io,
                &format!("warning: cannot read the saved sign-in: {}", sanitize(&err)),
            );
            return portal;
        }
    };
    store_warning(io, &store);
    if signed.session.refresh_token.is_none() {
        let left = signed.session.expires_in();
        if left <= EXPIRY_WARNING.as_secs() {
            err_line(
                io,
                &format!(
                    "warning: your sign-in {}; run m2m-portal login",
                    if left == 0 {
                        "has expired".to_owned()
                    } else {
                        format!("expires in {} min", left.div_ceil(60))
                    }
                ),
            );
        }
    }
    portal.as_operator(&signed)
}

/// Warn this long before a sign-in without a refresh token runs out.
pub const EXPIRY_WARNING: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// `login`: the device flow, then the sign-in is kept for the profile.
async fn login(portal: &Portal, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let store = store(io)?;
    let started = portal.start_login().await?;
    let url = sanitize(&started.verification_uri);
    let code = sanitize(&started.user_code);
    let complete = started
        .verification_uri_complete
        .as_deref()
        .map(sanitize)
        .unwrap_or_else(|| url.clone());
    let mut text = format!(
        "To sign in to {}, open {url} on any device and enter the code\n\n    {code}\n\nor scan:\n\n",
        sanitize(portal.settings().tenant_name())
    );
    if let Some(qr) = qr_code(&complete) {
        text.push_str(&qr);
    }
    text.push_str(&format!(
        "\n{complete}\nWaiting for approval (the code expires in {} min)...",
        started.expires_in.div_ceil(60)
    ));
    for line in text.lines() {
        let _ = writeln!(io.stderr, "{line}");
    }
    let _ = io.stderr.flush();
    let signed = portal.finish_login(&started, tokio::time::sleep).await?;
    let settings = portal.settings();
    store
        .set_session(settings.profile.as_deref(), &settings.base_url, &signed)
        .map_err(|e| PortalError::failure(format!("Cannot keep the sign-in: {}", sanitize(&e))))?;
    store_warning(io, &store);
    let place = if store.uses_file() {
        format!("the file {}", store.file_path().display())
    } else {
        "the OS keyring".to_owned()
    };
    out(
        io,
        &format!(
            "Signed in to {} as {} ({}); kept in {place}.",
            sanitize(settings.tenant_name()),
            sanitize(signed.operator.label()),
            sanitize(&signed.operator.sub),
        ),
    );
    if signed.session.refresh_token.is_none() {
        err_line(
            io,
            &format!(
                "warning: the tenant issued no refresh token: sign in again in {} min",
                signed.session.expires_in().div_ceil(60)
            ),
        );
    }
    Ok(0)
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

/// `logout`: removes the sign-in and the admin secret kept for the profile.
fn logout(settings: &Settings, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let store = store(io)?;
    let profile = settings.profile.as_deref();
    let removed = store.forget(profile).map_err(|e| {
        PortalError::failure(format!("Cannot remove the credentials: {}", sanitize(&e)))
    })?;
    store_warning(io, &store);
    let name = sanitize(profile.unwrap_or("default"));
    out(
        io,
        &if removed == 0 {
            format!("Nothing was kept for profile {name}.")
        } else {
            format!("Removed the credentials kept for profile {name}.")
        },
    );
    Ok(0)
}

/// `secret set`: the admin app's client secret from stdin into the store.
fn secret_set(settings: &Settings, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let store = store(io)?;
    let mut line = String::new();
    io.stdin.read_line(&mut line).map_err(|e| {
        PortalError::usage(format!("Cannot read the client secret from stdin: {e}"))
    })?;
    let secret = Secret::new(line.trim().to_owned());
    drop(line);
    if secret.is_empty() {
        return Err(PortalError::usage("No client secret given").with_hint(
            "Pipe the admin app's client secret on stdin; it is never taken from the command line.",
        ));
    }
    let profile = settings.profile.as_deref();
    store
        .set_client_secret(profile, &secret)
        .map_err(|e| PortalError::failure(format!("Cannot keep the secret: {}", sanitize(&e))))?;
    store_warning(io, &store);
    out(
        io,
        &format!(
            "Kept the admin app's client secret for profile {} (fingerprint {}).",
            sanitize(profile.unwrap_or("default")),
            secret.fingerprint()
        ),
    );
    Ok(0)
}

/// The key's client secret: `M2M_CLIENT_SECRET`, else the first line of stdin.
fn read_client_secret(io: &mut Io<'_>) -> Result<Secret, PortalError> {
    if let Some(secret) = io.client_secret_env.take() {
        return Ok(Secret::new(secret));
    }
    if io.stdin_is_terminal && io.no_input {
        return Err(PortalError::usage(format!(
            "No client secret: {CLIENT_SECRET_ENV} is not set and --no-input forbids asking for it"
        ))
        .with_code("input_required")
        .with_hint(format!(
            "Set {CLIENT_SECRET_ENV} or pipe the secret on stdin; it is never taken from the command line."
        )));
    }
    if io.stdin_is_terminal {
        let _ = write!(io.stderr, "Client secret (then Enter): ");
        let _ = io.stderr.flush();
    }
    let mut line = String::new();
    io.stdin.read_line(&mut line).map_err(|e| {
        PortalError::usage(format!("Cannot read the client secret from stdin: {e}"))
    })?;
    let secret = Secret::new(line.trim_end_matches(['\r', '\n']).trim().to_owned());
    drop(line);
    if secret.is_empty() {
        return Err(PortalError::usage("No client secret given").with_hint(format!(
            "Set {CLIENT_SECRET_ENV} or pipe the secret on stdin; it is never taken from the command line."
        )));
    }
    Ok(secret)
}

async fn jwt_decode(
    token: Option<&str>,
    verify: bool,
    as_json: bool,
    settings: &Settings,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let token = match token {
        Some(t) if t != "-" => Secret::new(t.to_owned()),
        _ => {
            let mut text = String::new();
            io.stdin.read_to_string(&mut text).map_err(|e| {
                PortalError::usage(format!("Cannot read the token from stdin: {e}"))
            })?;
            let text = Secret::new(text.trim().to_owned());
            if text.is_empty() {
                return Err(PortalError::usage("No token on stdin").with_hint(
                    "Give the token as an argument, or pipe it: `... | m2m-portal jwt decode`.",
                ));
            }
            text
        }
    };
    let decoded = jwt::decode_unverified(token.expose_secret())
        .map_err(|e| PortalError::usage(format!("Cannot decode the token: {e}")))?;
    let checks = if verify {
        let portal = Portal::with_options(settings, io.portal.clone())?;
        Some(verify_like_a_gateway(&portal, &token, &decoded, false).await?)
    } else {
        None
    };
    if as_json {
        let mut doc = json!({"header": decoded.header, "claims": decoded.claims});
        if let Some(checks) = &checks {
            doc["checks"] = checks_json(checks);
            doc["tenant"] = json!(settings.tenant_name());
        }
        print_json(io, &doc);
    } else {
        let mut text = format!(
            "header:\n{}\nclaims:\n{}\n",
            pretty(&decoded.header),
            pretty(&decoded.claims)
        );
        if let Some(checks) = &checks {
            text.push_str(&checks_human(checks));
        }
        out(io, &text);
    }
    Ok(match &checks {
        Some(checks) if !jwt::all_ok(checks) => 1,
        _ => 0,
    })
}

/// Reads a token from the argument, or stdin for `-` or nothing.
fn read_token(token: Option<&str>, io: &mut Io<'_>, command: &str) -> Result<Secret, PortalError> {
    if let Some(token) = token.filter(|t| *t != "-") {
        return Ok(Secret::new(token.to_owned()));
    }
    let mut text = String::new();
    io.stdin
        .read_to_string(&mut text)
        .map_err(|e| PortalError::usage(format!("Cannot read the token from stdin: {e}")))?;
    let text = Secret::new(text.trim().to_owned());
    if text.is_empty() {
        return Err(PortalError::usage("No token on stdin").with_hint(format!(
            "Pipe the token: `... | m2m-portal {command}` (an argument is visible to other users)."
        )));
    }
    Ok(text)
}

/// What a gateway needs to know of this tenant, from its discovery document and JWKS.
pub async fn gateway_facts(portal: &Portal) -> Result<crate::gateway::Facts, PortalError> {
    let verification = portal.verification().await?;
    Ok(verification.facts(portal.settings()))
}

/// `gateway [TARGET]` and `gateway check`.
async fn run_gateway(
    args: &GatewayArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    use crate::gateway::{self, Target};
    if let Some(GatewayCommand::Check { token }) = &args.command {
        let token = read_token(token.as_deref(), io, "gateway check -")?;
        let decoded = jwt::decode_unverified(token.expose_secret())
            .map_err(|e| PortalError::usage(format!("Cannot decode the token: {e}")))?;
        let facts = gateway_facts(portal).await?;
        let checks = verify_like_a_gateway(portal, &token, &decoded, true).await?;
        let ok = jwt::all_ok(&checks);
        if args.json {
            let list: Vec<Value> = checks
                .iter()
                .map(|c| {
                    json!({
                        "name": c.name,
                        "ok": c.ok,
                        "detail": c.detail,
                        "gateway": (!c.ok).then(|| gateway::explain(c, &facts, Some(&decoded))),
                    })
                })
                .collect();
            print_json(
                io,
                &json!({
                    "accepted": ok,
                    "issuer": facts.issuer,
                    "jwks_uri": facts.jwks_uri,
                    "audience": facts.audience,
                    "algorithms": facts.algorithms,
                    "leeway": facts.leeway,
                    "checks": list,
                }),
            );
        } else {
            let mut text = format!(
                "gateway check against {} (issuer {}, audience {}, {}, leeway {} s):\n",
                facts.tenant,
                facts.issuer,
                facts.audience,
                facts.algorithms.join("/"),
                facts.leeway
            );
            for check in &checks {
                text.push_str(&format!(
                    "  {}  {:<10} {}\n",
                    if check.ok { "ok  " } else { "FAIL" },
                    check.name,
                    check.detail
                ));
                if !check.ok {
                    text.push_str(&format!(
                        "        gateway: {}\n",
                        gateway::explain(check, &facts, Some(&decoded))
                    ));
                }
            }
            text.push_str(if ok {
                "A gateway configured as `m2m-portal gateway` shows would accept this token.\n"
            } else {
                "A gateway would refuse this token.\n"
            });
            out(io, &text);
        }
        return Ok(if ok { 0 } else { 1 });
    }
    let facts = gateway_facts(portal).await?;
    let targets: Vec<Target> = match args.command.as_ref().and_then(GatewayCommand::target) {
        Some(target) => vec![target],
        None => Target::ALL.to_vec(),
    };
    let guides: Vec<gateway::Guide> = targets.iter().map(|t| gateway::guide(*t, &facts)).collect();
    if args.json {
        let mut doc = json!({
            "tenant": facts.tenant,
            "issuer": facts.issuer,
            "jwks_uri": facts.jwks_uri,
            "audience": facts.audience,
            "token_endpoint": facts.token_endpoint,
            "algorithms": facts.algorithms,
            "leeway": facts.leeway,
            "guides": guides,
        });
        if let [only] = guides.as_slice() {
            doc["guide"] = json!(only);
        }
        print_json(io, &doc);
    } else {
        let mut text = String::new();
        for guide in &guides {
            text.push_str(&format!("== {} ({}) ==\n", guide.title, guide.target));
            for snippet in &guide.snippets {
                text.push_str(&format!("\n--- {} ---\n{}", snippet.name, snippet.text));
                if !snippet.text.ends_with('\n') {
                    text.push('\n');
                }
            }
            if !guide.notes.is_empty() {
                text.push('\n');
            }
            for note in &guide.notes {
                text.push_str(&format!("note: {note}\n"));
            }
            text.push('\n');
        }
        out(io, &text);
    }
    Ok(0)
}

/// Checks a token against the tenant's discovery (issuer, JWKS, algorithms),
/// the configured audience (or the one in `aud` that is it) and the leeway.
/// `require_org_id`: a gateway that identifies customers by `org_id` refuses a
/// token without one.
pub(crate) async fn verify_like_a_gateway(
    portal: &Portal,
    token: &Secret,
    decoded: &jwt::Decoded,
    require_org_id: bool,
) -> Result<Vec<Check>, PortalError> {
    let settings = portal.settings();
    let verification = portal.verification().await?;
    let jwks = &verification.jwks;
    let audience = decoded
        .claims
        .get("aud")
        .map(|aud| match aud {
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_str)
                .find(|a| *a == settings.api_audience)
                .unwrap_or(&settings.api_audience)
                .to_owned(),
            _ => settings.api_audience.clone(),
        })
        .unwrap_or_else(|| settings.api_audience.clone());
    let mut checks = jwt::check_with(
        token.expose_secret(),
        jwks,
        &Expectations {
            issuer: verification.issuer.clone(),
            audience,
            organization_id: decoded.claim_str("org_id").map(str::to_owned),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        },
        &verification.policy,
    );
    if require_org_id && decoded.claims.get("org_id").is_none() {
        for check in checks.iter_mut().filter(|c| c.name == "org_id") {
            check.ok = false;
            check.detail =
                "no org_id claim: the gateway cannot tell which customer calls".to_owned();
        }
    }
    Ok(checks)
}

/// `{name: {ok, detail}}` for each check.
fn checks_json(checks: &[Check]) -> Value {
    Value::Object(
        checks
            .iter()
            .map(|c| (c.name.clone(), json!({"ok": c.ok, "detail": c.detail})))
            .collect(),
    )
}

fn checks_human(checks: &[Check]) -> String {
    let mut text = String::from("gateway checks:\n");
    for check in checks {
        text.push_str(&format!(
            "  {}  {:<10} {}\n",
            if check.ok { "ok  " } else { "FAIL" },
            check.name,
            &check.detail
        ));
    }
    text
}

fn token_json(report: &TokenReport) -> Value {
    json!({
        "access_token": report.access_token.expose_secret(),
        "expires_in": report.expires_in,
        "header": report.header,
        "claims": report.claims,
        "checks": checks_json(&report.checks),
    })
}

fn print_token_human(io: &mut Io<'_>, report: &TokenReport) {
    let text = format!(
        "header:\n{}\nclaims:\n{}\n{}expires in: {} s\naccess_token: {}\n",
        pretty(&report.header),
        pretty(&report.claims),
        checks_human(&report.checks),
        report.expires_in,
        report.access_token.expose_secret()
    );
    out(io, &text);
}

/// Prints credentials just issued (provision or rotate): shown once.
fn print_issued(
    io: &mut Io<'_>,
    portal: &Portal,
    key: &IssuedKey,
    as_json: bool,
    proof: Option<&TokenReport>,
) {
    if as_json {
        let mut doc = json!({
            "client_id": key.client_id,
            "client_name": key.client_name,
            "client_secret": key.client_secret.expose_secret(),
            "organization_id": key.organization_id,
            "grant_id": key.grant_id,
            "tenant": portal.settings().tenant_name(),
        });
        if let Some(report) = proof {
            doc["verified"] = json!(jwt::all_ok(&report.checks));
            doc["checks"] = checks_json(&report.checks);
        }
        print_json(io, &doc);
    } else {
        let rows = vec![
            vec!["client_id".to_owned(), key.client_id.clone()],
            vec!["name".to_owned(), key.client_name.clone()],
            vec![
                "client_secret".to_owned(),
                key.client_secret.expose_secret().to_owned(),
            ],
            vec![
                "organization_id".to_owned(),
                key.organization_id.as_deref().unwrap_or("-").to_owned(),
            ],
            vec![
                "grant_id".to_owned(),
                key.grant_id.as_deref().unwrap_or("-").to_owned(),
            ],
        ];
        let mut text = table_rows(&rows);
        text.push_str(&format!(
            "tenant           {}\n",
            portal.settings().tenant_name()
        ));
        if let Some(report) = proof {
            text.push_str(&checks_human(&report.checks));
        }
        out(io, &text);
        err_line(
            io,
            "Store the client secret now: it is shown once and cannot be read back.",
        );
    }
}

fn describe_step(progress: &ProvisionProgress) -> String {
    let what = match progress.step {
        ProvisionStep::CreateClient => "create the client",
        ProvisionStep::CreateGrant => "create the client grant",
        ProvisionStep::LinkGrant => "link the grant to the organization",
        ProvisionStep::Rollback => "roll back",
    };
    match progress.state {
        StepState::Running => format!("...  {what}"),
        StepState::Done => format!("ok   {what}"),
        StepState::Failed => format!("FAIL {what}"),
    }
}

/// Prints an error (stderr; also stdout as JSON with --json) and returns its exit code.
fn report_error(io: &mut Io<'_>, err: &PortalError, as_json: bool) -> u8 {
    write_error(&mut *io.stdout, &mut *io.stderr, err, as_json)
}

/// Reports an error met before a command could run (configuration, no tenant) on the
/// process's stderr, and as an `{"error": ...}` document on stdout with `--json`.
pub fn report_process_error(err: &PortalError, as_json: bool) -> u8 {
    write_error(&mut std::io::stdout(), &mut std::io::stderr(), err, as_json)
}

fn write_error(
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    err: &PortalError,
    as_json: bool,
) -> u8 {
    let _ = writeln!(
        stderr,
        "{}",
        truncate_message(&sanitize_multiline(&format!("error: {err}")))
    );
    if let Some(hint) = &err.hint {
        let _ = writeln!(
            stderr,
            "{}",
            truncate_message(&sanitize_multiline(&format!("hint: {hint}")))
        );
    }
    if as_json {
        print_json_error(stdout, err);
    }
    err.exit_code()
}

/// Writes the `{"error": {message, code, hint, exit_code, kind}}` document of `--json`.
pub fn print_json_error(stdout: &mut dyn Write, err: &PortalError) {
    let doc = json!({"error": {
        "message": truncate_message(&err.message),
        "code": err.code.as_deref().map(sanitize),
        "hint": err.hint,
        "exit_code": err.exit_code(),
        "kind": match err.kind {
            ErrorKind::Config => "usage",
            ErrorKind::Auth => "auth",
            ErrorKind::Failure => "failure",
        },
    }});
    let text = escape_c1(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    let _ = writeln!(stdout, "{text}");
}

/// A command line clap refused (unknown flag, missing `--org`), as a usage error.
pub fn clap_error(err: &clap::Error) -> PortalError {
    let text = err.render().to_string();
    // Paragraphs: the message (which may go on over indented lines), tips, usage, "try --help".
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    let message = paragraphs
        .first()
        .map(|p| p.strip_prefix("error: ").unwrap_or(p).to_owned())
        .unwrap_or_else(|| "the command line is not valid".to_owned());
    let mut hint: Vec<&str> = paragraphs
        .iter()
        .skip(1)
        .filter(|p| p.starts_with("tip:") || p.starts_with("Usage:"))
        .map(String::as_str)
        .collect();
    hint.push("See --help.");
    PortalError::usage(message)
        .with_code("usage")
        .with_hint(hint.join("; "))
}

/// Asks at the terminal (stderr) and reads one line: true when it is `expected`.
fn confirmed_by_typing(io: &mut Io<'_>, prompt: &str, expected: &str) -> bool {
    ask(io, prompt);
    let mut answer = String::new();
    let _ = io.stdin.read_line(&mut answer);
    answer.trim() == expected
}

/// By default `clients rotate` acts only on an organization's key: a client made for
/// one (`client_metadata.org_id` / `default_organization`), or, with `--org`, one whose
/// grant is linked to that organization. Anything else needs `--any-client`.
async fn ensure_organization_key(
    portal: &Portal,
    client: &crate::auth0::Client,
    org: Option<&str>,
) -> Result<(), PortalError> {
    let client_id = &client.client_id;
    let made_for = client.organization_id().map(str::to_owned);
    let Some(org) = org else {
        if made_for.is_some() {
            return Ok(());
        }
        return Err(PortalError::usage(format!(
            "The client {client_id} ({}) is not an organization's key: clients rotate acts only \
             on keys made for an organization unless told otherwise",
            &client.name
        ))
        .with_code("not_an_organization_key")
        .with_hint(
            "If a client grant links it to an organization, name it with --org ORG; \
             to rotate it anyway, add --any-client.",
        ));
    };
    let org = portal.find_organization(org).await?;
    if made_for.as_deref() == Some(org.id.as_str()) {
        return Ok(());
    }
    let linked = portal
        .auth0()
        .organization_client_grants(&org.id, &portal.settings().api_audience)
        .await
        .map_err(|e| PortalError::management("reading the organization's client grants", &e))?;
    if linked.iter().any(|g| g.client_id == client.client_id) {
        return Ok(());
    }
    Err(PortalError::usage(format!(
        "The client {client_id} is not a key of the organization {}",
        &org.name
    ))
    .with_code("not_an_organization_key")
    .with_hint(
        "`m2m-portal clients list --org ORG` shows the organization's keys; \
         to rotate it anyway, add --any-client.",
    ))
}

/// `orgs list`: rows (or JSON lines) are printed page by page as they arrive, with a
/// progress line on stderr when it is a terminal; `--json` prints one array at the end.
async fn list_organizations(
    portal: &Portal,
    io: &mut Io<'_>,
    search: Option<&str>,
    format: ListFormat,
) -> Result<u8, PortalError> {
    let (as_json, as_jsonl) = (format == ListFormat::Json, format == ListFormat::Jsonl);
    use futures_util::TryStreamExt as _;
    let needle = search.map(str::to_lowercase);
    let matches = |org: &Organization| needle.as_deref().is_none_or(|n| org.matches(n));
    let headers = ["ID", "NAME", "DISPLAY NAME"];
    let mut progress = Progress::new(io.stderr_is_terminal);
    let mut collected: Vec<Organization> = Vec::new();
    let mut widths: Option<Vec<usize>> = None;
    let (mut read, mut found) = (0usize, 0usize);
    // A request held back by the rate limit says so on the progress line (a terminal only).
    let (waits_tx, mut waits) = tokio::sync::mpsc::unbounded_channel::<std::time::Duration>();
    if io.stderr_is_terminal {
        portal
            .auth0()
            .set_rate_limit_observer(Some(std::sync::Arc::new(move |w| {
                let _ = waits_tx.send(w.wait);
            })));
    }
    let mut pages = std::pin::pin!(portal.auth0().organization_pages(crate::auth0::MAX_PAGE));
    loop {
        let next = {
            let mut next = std::pin::pin!(pages.try_next());
            loop {
                tokio::select! {
                    result = &mut next => break result,
                    Some(wait) = waits.recv() => progress.show(
                        io,
                        &format!(
                            "read {} organizations · Auth0 rate limit: waiting {:.1} s…",
                            thousands(read),
                            wait.as_secs_f64()
                        ),
                    ),
                }
            }
        };
        let page = match next {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(e) => {
                portal.auth0().set_rate_limit_observer(None);
                progress.clear(io);
                return Err(PortalError::management("listing organizations", &e));
            }
        };
        read += page.items.len();
        let orgs: Vec<Organization> = page
            .items
            .into_iter()
            .map(Organization::from)
            .filter(|o| matches(o))
            .collect();
        found += orgs.len();
        progress.clear(io);
        if as_json {
            collected.extend(orgs);
        } else if as_jsonl {
            for org in &orgs {
                let line = to_json(org)?.to_string();
                let _ = writeln!(io.stdout, "{}", escape_c1(&line));
            }
        } else if format == ListFormat::Csv {
            let mut rows: Vec<Vec<String>> = Vec::new();
            if widths.is_none() {
                // The header once, before the first page (also when nothing matches).
                widths = Some(Vec::new());
                rows.push(headers.iter().map(|h| (*h).to_owned()).collect());
            }
            rows.extend(orgs.iter().map(org_row));
            out(io, &csv_text(&rows)?);
        } else if !orgs.is_empty() {
            let rows: Vec<Vec<String>> = orgs.iter().map(org_row).collect();
            let mut text = String::new();
            let widths = widths.get_or_insert_with(|| {
                let mut all = vec![headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
                all.extend(rows.iter().cloned());
                let widths = column_widths(&all);
                text.push_str(&format_rows(&widths, &all[..1]));
                widths
            });
            text.push_str(&format_rows(widths, &rows));
            out(io, &text);
        }
        let _ = io.stdout.flush();
        progress.show(
            io,
            &match needle {
                Some(_) => format!(
                    "read {} organizations, {} match…",
                    thousands(read),
                    thousands(found)
                ),
                None => format!("read {} organizations…", thousands(read)),
            },
        );
    }
    portal.auth0().set_rate_limit_observer(None);
    progress.clear(io);
    let tenant = portal.settings().tenant_name();
    if as_json {
        print_json(io, &to_json(&collected)?);
    } else if format == ListFormat::Csv && widths.is_none() {
        out(
            io,
            &csv_text(&[headers.iter().map(|h| (*h).to_owned()).collect()])?,
        );
    } else if !as_jsonl && widths.is_none() {
        out(io, &table(&headers, &[]));
    }
    err_line(io, &format!("{found} organization(s) on {tenant}"));
    Ok(0)
}

fn org_row(org: &Organization) -> Vec<String> {
    vec![
        org.id.clone(),
        org.name.clone(),
        org.display_name.as_deref().unwrap_or("").to_owned(),
    ]
}

/// "1,200": a count as people read it.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut text = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(c);
    }
    text
}

/// A progress line on stderr, redrawn in place; a no-op unless stderr is a terminal, so
/// piped or redirected output never holds it.
struct Progress {
    enabled: bool,
    shown: bool,
}

impl Progress {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            shown: false,
        }
    }

    fn show(&mut self, io: &mut Io<'_>, text: &str) {
        if self.enabled {
            let _ = write!(io.stderr, "\r{}\x1b[K", sanitize(text));
            let _ = io.stderr.flush();
            self.shown = true;
        }
    }

    fn clear(&mut self, io: &mut Io<'_>) {
        if self.shown {
            let _ = write!(io.stderr, "\r\x1b[K");
            let _ = io.stderr.flush();
            self.shown = false;
        }
    }
}

/// A value as a JSON document; a value serde cannot write is an error, never a `null`.
fn to_json(value: &impl serde::Serialize) -> Result<Value, PortalError> {
    serde_json::to_value(value)
        .map_err(|e| PortalError::failure(format!("Cannot write the JSON document: {e}")))
}

fn print_json(io: &mut Io<'_>, value: &Value) {
    let text = escape_c1(&serde_json::to_string_pretty(value).unwrap_or_default());
    let _ = writeln!(io.stdout, "{text}");
}

/// The human stdout edge: tenant text never reaches the terminal as a control sequence.
fn out(io: &mut Io<'_>, text: &str) {
    let _ = io
        .stdout
        .write_all(sanitize_keeping_newlines(text).as_bytes());
}

/// The question edge: a prompt on stderr, sanitized, no line end (the answer follows).
fn ask(io: &mut Io<'_>, prompt: &str) {
    let _ = write!(io.stderr, "{}", sanitize(prompt));
    let _ = io.stderr.flush();
}

/// The stderr edge: one line, sanitized and cut to a readable length.
fn err_line(io: &mut Io<'_>, text: &str) {
    let _ = writeln!(io.stderr, "{}", truncate_message(&sanitize_multiline(text)));
}

/// Longest message echoed to stderr; the whole text goes to the log.
const MAX_MESSAGE_CHARS: usize = 500;

/// Cuts a very long message (a 10 MB `error_description`) with a note; the log keeps it whole.
fn truncate_message(text: &str) -> String {
    let total = text.chars().count();
    if total <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    tracing::warn!(message = %text, "message cut on stderr");
    let head: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    format!(
        "{head}… ({} more characters; the whole text is in the log)",
        total - MAX_MESSAGE_CHARS
    )
}

/// Sanitizes each line, keeping line ends (a trailing newline included).
fn sanitize_keeping_newlines(text: &str) -> String {
    text.split('\n')
        .map(sanitize)
        .collect::<Vec<_>>()
        .join("\n")
}

/// serde_json escapes C0 controls but writes C1 controls (U+0080..U+009F), bidi overrides and
/// zero-width characters raw; escape them too (JSON `\u` escapes lose nothing).
fn escape_c1(json: &str) -> String {
    json.chars()
        .map(|c| {
            if ('\u{80}'..='\u{9f}').contains(&c) || crate::text::is_invisible_format(c) {
                format!("\\u{:04x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A secret or token from the tenant is printed only when it holds no control character.
fn ensure_printable(what: &str, value: &str) -> Result<(), PortalError> {
    if value.chars().any(char::is_control) {
        return Err(PortalError::failure(format!(
            "The {what} Auth0 returned contains control characters; it was not printed"
        ))
        .with_hint(
            "This is not what Auth0 sends: check that the domain points at your real tenant.",
        ));
    }
    Ok(())
}

fn pretty(value: &Value) -> String {
    sanitize_multiline(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// Sanitizes each line (keeping the newlines of pretty JSON).
fn sanitize_multiline(text: &str) -> String {
    text.lines().map(sanitize).collect::<Vec<_>>().join("\n")
}

/// How `orgs list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

/// A list as an aligned table, or as CSV with `--csv` (cells whole, never cut).
fn print_list(
    io: &mut Io<'_>,
    csv: bool,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<(), PortalError> {
    if csv {
        let mut all = vec![headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
        all.extend(rows.iter().cloned());
        out(io, &csv_text(&all)?);
    } else {
        out(io, &table(headers, rows));
    }
    Ok(())
}

/// Rows as CSV (RFC 4180: quoted when a cell holds a comma, quote or line break).
/// The CSV edge: each cell is sanitized, so tenant text reaches no terminal raw.
pub fn csv_text(rows: &[Vec<String>]) -> Result<String, PortalError> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| sanitize(cell)))
            .map_err(|e| PortalError::failure(format!("Cannot write CSV: {e}")))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| PortalError::failure(format!("Cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| PortalError::failure(format!("Cannot write CSV: {e}")))
}

/// An aligned table with a header row.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut all = vec![headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
    all.extend(rows.iter().cloned());
    table_rows(&all)
}

/// The widest a table cell is printed; longer text ends in an ellipsis (`--json`
/// has it whole). Ids (at most 32 characters on Auth0) are never cut.
const MAX_CELL: usize = 80;

/// A cell cut to [`MAX_CELL`] characters.
/// The table edge: tenant text is sanitized here (before widths are measured, so an
/// escaped control character takes the room it is drawn in), then cut.
fn fit_cell(cell: &str) -> String {
    let cell = sanitize(cell);
    if cell.chars().count() <= MAX_CELL {
        return cell;
    }
    let mut cut: String = cell.chars().take(MAX_CELL - 1).collect();
    cut.push('…');
    cut
}

/// Aligned columns, two spaces apart, no trailing spaces; long cells are cut.
fn table_rows(rows: &[Vec<String>]) -> String {
    format_rows(&column_widths(rows), rows)
}

/// The width of each column (cells cut to [`MAX_CELL`]).
fn column_widths(rows: &[Vec<String>]) -> Vec<usize> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| fit_cell(cell).chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Rows laid out in columns of these widths (a wider cell pushes its row's next
/// column along, two spaces after it), no trailing spaces; long cells are cut.
fn format_rows(widths: &[usize], rows: &[Vec<String>]) -> String {
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let cell = fit_cell(cell);
            line.push_str(&cell);
            if c + 1 < row.len() {
                let width = widths.get(c).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.chars().count()) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_json_cannot_hold_is_an_error_not_a_null() {
        let unwritable: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = to_json(&unwritable).expect_err("a map with tuple keys has no JSON form");
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.message.contains("Cannot write the JSON document"),
            "{err}"
        );
        assert_eq!(to_json(&[1, 2]).unwrap(), json!([1, 2]));
    }

    /// Tenant text is made visible at the edges (table cells, CSV cells, prompts), not
    /// by each caller: a raw control character handed to them never comes out raw.
    #[test]
    fn the_output_edges_sanitize_what_callers_hand_them() {
        let text = table(
            &["NAME", "ID"],
            &[
                vec!["evil\x1b[2J".to_owned(), "a".to_owned()],
                vec!["ok".to_owned(), "b".to_owned()],
            ],
        );
        assert!(!text.contains('\x1b'), "{text:?}");
        let lines: Vec<&str> = text.lines().collect();
        // Widths are measured on the escaped text: the ids stay in one column.
        assert_eq!(lines[1].rfind('a'), lines[2].rfind('b'));
        let csv = csv_text(&[vec!["a\u{202e}b".to_owned(), "c\x07".to_owned()]]).unwrap();
        assert_eq!(csv, "a\\u{202e}b,c\\x07\n");
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut stdin: &[u8] = b"";
        let mut io = Io {
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdin: &mut stdin,
            stdin_is_terminal: true,
            stderr_is_terminal: false,
            no_input: false,
            client_secret_env: None,
            credentials: None,
            portal: PortalOptions::default(),
        };
        assert!(!confirmed_by_typing(
            &mut io,
            "Delete \x1b]52;c;AAAA\x07? ",
            "x"
        ));
        assert_eq!(
            String::from_utf8(stderr).unwrap(),
            "Delete \\x1b]52;c;AAAA\\x07? "
        );
    }

    #[test]
    fn tables_align_columns() {
        let text = table(
            &["ID", "NAME"],
            &[
                vec!["org_1".into(), "acme".into()],
                vec!["org_22".into(), "globex".into()],
            ],
        );
        assert_eq!(text, "ID      NAME\norg_1   acme\norg_22  globex\n");
    }

    #[test]
    fn a_huge_cell_is_cut_with_an_ellipsis_instead_of_padding_every_row() {
        let long = "W".repeat(5_000);
        let text = table(
            &["ID", "NAME", "CREATED"],
            &[
                vec!["org_1".into(), long, "today".into()],
                vec!["org_2".into(), "acme".into(), "today".into()],
            ],
        );
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest < MAX_CELL + 30, "{widest}");
        assert!(text.contains(&format!("{}…", "W".repeat(MAX_CELL - 1))));
    }

    /// Runs `report_error` on buffers and returns (stdout, stderr) as raw bytes.
    fn report(err: &PortalError, as_json: bool) -> (Vec<u8>, Vec<u8>) {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut stdin: &[u8] = b"";
        let mut io = Io {
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdin: &mut stdin,
            stdin_is_terminal: false,
            stderr_is_terminal: false,
            no_input: false,
            client_secret_env: None,
            portal: PortalOptions::default(),
            credentials: None,
        };
        report_error(&mut io, err, as_json);
        (stdout, stderr)
    }

    fn has_control(bytes: &[u8]) -> bool {
        let text = String::from_utf8_lossy(bytes);
        text.chars().any(|c| c.is_control() && c != '\n')
    }

    #[test]
    fn a_hostile_error_code_never_reaches_the_terminal_raw() {
        let err = PortalError::new(ErrorKind::Auth, "Auth0 refused: \x1b[2Jgone\u{9b}31m")
            .with_code("\x1b]52;c;AAAA\x07\x1b[2J")
            .with_hint("\u{85}next");
        for as_json in [false, true] {
            let (stdout, stderr) = report(&err, as_json);
            assert!(!has_control(&stderr), "stderr: {stderr:?}");
            assert!(!has_control(&stdout), "stdout: {stdout:?}");
            assert!(String::from_utf8_lossy(&stderr).contains("\\x1b]52"));
        }
        let (stdout, _) = report(&err, true);
        let doc: Value = serde_json::from_slice(&stdout).expect("the error document is JSON");
        assert!(
            doc["error"]["code"]
                .as_str()
                .is_some_and(|c| c.contains("\\x1b"))
        );
    }

    #[test]
    fn json_output_escapes_c1_controls_that_serde_json_leaves_raw() {
        let text = escape_c1(&serde_json::to_string(&json!({"name": "a\u{9b}b"})).expect("json"));
        assert_eq!(text, r#"{"name":"a\u009bb"}"#);
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back["name"], "a\u{9b}b");
    }

    #[test]
    fn a_huge_error_description_is_cut_with_a_note() {
        let err = PortalError::failure("x".repeat(10_000_000));
        let (_, stderr) = report(&err, false);
        assert!(stderr.len() < 2_000, "{} bytes on stderr", stderr.len());
        assert!(
            String::from_utf8_lossy(&stderr)
                .contains("more characters; the whole text is in the log")
        );
    }

    #[test]
    fn a_secret_with_control_characters_is_refused_not_printed() {
        let err = ensure_printable("client secret", "abc\x1b]52;c;AAAA\x07").expect_err("refused");
        assert!(err.message.contains("control characters"));
        assert!(!err.message.contains("AAAA"));
        assert!(ensure_printable("client secret", "plain-secret_123").is_ok());
    }
}
