//! `clients`: list, provision, rotate and revoke an organization's keys.

use serde_json::json;

use crate::args::{
    ClientsCommand, ClientsListArgs, ClientsProvisionArgs, ClientsRevokeArgs, ClientsRotateArgs,
};
use crate::jwt;
use crate::portal::Portal;
use crate::portal::PortalError;
use crate::portal::ProvisionProgress;
use crate::portal::StepState;

use super::Io;
use super::may_ask;
use super::print::confirmed_by_typing;
use super::print::ensure_printable;
use super::print::err_line;
use super::print::out;
use super::print::print_json;
use super::print::print_list;
use super::print::to_json;
use super::token::describe_step;
use super::token::ensure_organization_key;
use super::token::print_issued;

/// Runs a `clients` subcommand.
pub(super) async fn run_clients(
    command: &ClientsCommand,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        ClientsCommand::List(args) => list(args, portal, io).await,
        ClientsCommand::Provision(args) => provision(args, portal, io).await,
        ClientsCommand::Rotate(args) => rotate(args, portal, io).await,
        ClientsCommand::Revoke(args) => revoke(args, portal, io).await,
    }
}

/// `clients list`: an organization's keys as a table, CSV or JSON.
async fn list(args: &ClientsListArgs, portal: &Portal, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let ClientsListArgs { org, .. } = args;
    let org = portal.find_organization(org).await?;
    let keys = portal.list_keys(&org.id).await?;
    if args.json {
        print_json(io, &to_json(&keys)?);
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
            args.csv,
            &["CLIENT ID", "NAME", "GRANT", "SCOPE", "CREATED"],
            &rows,
        )?;
    }
    err_line(
        io,
        &format!(
            "{} key(s) for {} on {}",
            keys.len(),
            &org.name,
            portal.settings().tenant_name()
        ),
    );
    Ok(0)
}

/// `clients provision`: a new key, its steps on stderr, its secret once.
async fn provision(
    args: &ClientsProvisionArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let ClientsProvisionArgs { org, name, .. } = args;
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
    print_issued(io, portal, &key, args.json, None);
    Ok(0)
}

/// `clients rotate`: a new secret for one key after confirmation, proven with a test token on `--verify`.
async fn rotate(
    args: &ClientsRotateArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let ClientsRotateArgs { client_id, org, .. } = args;
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
    if !args.any_client {
        ensure_organization_key(portal, &client, org.as_deref()).await?;
    }
    if !args.yes {
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
    let proof = if args.verify {
        err_line(io, "Proving the new secret with a test token...");
        Some(portal.prove_secret(&key).await)
    } else {
        None
    };
    match proof {
        Some(Err(err)) => {
            // The rotation happened: the new secret must still reach the user.
            print_issued(io, portal, &key, args.json, None);
            err_line(io, &format!("The new secret could not be proven: {err}"));
            Ok(1)
        }
        Some(Ok(report)) => {
            let ok = jwt::all_ok(&report.checks);
            print_issued(io, portal, &key, args.json, Some(&report));
            Ok(if ok { 0 } else { 1 })
        }
        None => {
            print_issued(io, portal, &key, args.json, None);
            Ok(0)
        }
    }
}

/// `clients revoke`: unlink, delete the grant and the client, after confirmation.
async fn revoke(
    args: &ClientsRevokeArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let ClientsRevokeArgs { client_id, org, .. } = args;
    portal.refuse_admin_app(client_id, "revoke")?;
    if !args.yes {
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
    if args.json {
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
