//! `keys rotate`: the stale keys' (or some organizations') secrets, rotated in
//! bulk at a pace, each new secret shown once at the end.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use super::super::Io;
use super::super::print::{
    confirmed_by_typing, ensure_printable, err_line, out, print_json, table,
};
use super::{LiveLine, inventory};
use crate::args::KeysRotateArgs;
use crate::portal::{
    BulkRotation, Health, InventoryKey, InventoryOptions, Portal, PortalError, RotationTarget,
};
use crate::text::sanitize;

/// `keys rotate`: finds the keys, shows them and the time it takes, asks, rotates
/// with progress, then prints each new secret once.
pub(super) async fn rotate(
    args: &KeysRotateArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    if !args.yes && !io.stdin_is_terminal {
        return Err(PortalError::usage(
            "Refusing to rotate without --yes: stdin is not a terminal to confirm on",
        )
        .with_hint("Add --yes to rotate from a script."));
    }
    let targets = rotation_targets(args, portal, io).await?;
    if targets.is_empty() {
        err_line(io, "No key to rotate.");
        if args.json {
            print_json(io, &json!({"rotated": [], "failed": []}));
        }
        return Ok(0);
    }
    // Ctrl-C stops after the key in hand, never in the middle of one (its new
    // secret would be lost). Listened to from here with --yes; after the typed
    // confirmation otherwise, so Ctrl-C at the prompt still ends the command.
    let early_stop = args.yes.then(|| io.interrupt.listen());
    for line in rotation_plan_text(&targets, args.rate).lines() {
        err_line(io, line);
    }
    if !args.yes {
        let count = targets.len().to_string();
        let prompt = format!("Type {count} to rotate {count} key(s): ");
        if !confirmed_by_typing(io, &prompt, &count) {
            err_line(io, "Not confirmed; nothing was changed.");
            return Ok(1);
        }
    }
    let stop = early_stop.unwrap_or_else(|| io.interrupt.listen());
    let outcome = rotate_with_progress(portal, &targets, args.rate, io, &stop).await;
    for key in &outcome.rotated {
        ensure_printable("client secret", key.client_secret.expose_secret())?;
    }
    let tenant = portal.settings().tenant_name().to_owned();
    if args.json {
        print_json(io, &rotation_json(&outcome, &tenant));
    } else {
        print_rotation(io, &outcome);
    }
    if !outcome.unrecorded.is_empty() {
        err_line(
            io,
            &format!(
                "{} key(s) were rotated but their rotated_at could not be recorded \
                 (grant update:clients to the admin app): the inventory still counts \
                 their age from creation.",
                outcome.unrecorded.len()
            ),
        );
    }
    print_not_started(io, &outcome);
    err_line(
        io,
        &format!(
            "{} rotated, {} failed, {} Management API requests in {:.1} s on {}",
            outcome.rotated.len(),
            outcome.failed.len(),
            outcome.requests,
            outcome.elapsed.as_secs_f64(),
            sanitize(&tenant)
        ),
    );
    Ok(
        if outcome.failed.is_empty() && outcome.not_started.is_empty() {
            0
        } else {
            1
        },
    )
}

/// Rotates the keys at `rate` with progress on a terminal's stderr, stopping
/// after the key in hand once `stop` is set.
async fn rotate_with_progress(
    portal: &Portal,
    targets: &[RotationTarget],
    rate: f64,
    io: &mut Io<'_>,
    stop: &AtomicBool,
) -> BulkRotation {
    let live = LiveLine::new(io);
    let outcome = portal
        .rotate_keys_until(
            targets,
            Some(rate),
            &|p| {
                let stopping = if stop.load(Ordering::SeqCst) {
                    " Ctrl-C: stopping after this key"
                } else {
                    ""
                };
                live.show(&format!(
                    "rotated {}/{} ({})…{stopping}",
                    p.done, p.total, p.client_id
                ));
            },
            stop,
        )
        .await;
    live.clear();
    outcome
}

/// The keys a Ctrl-C left untouched, on stderr.
fn print_not_started(io: &mut Io<'_>, outcome: &BulkRotation) {
    if outcome.not_started.is_empty() {
        return;
    }
    err_line(
        io,
        &format!(
            "Stopped by Ctrl-C: {} key(s) not started keep their secrets:",
            outcome.not_started.len()
        ),
    );
    for target in &outcome.not_started {
        err_line(
            io,
            &format!(
                "  {} ({})",
                sanitize(&target.client_id),
                sanitize(&target.name)
            ),
        );
    }
}

/// The keys `keys rotate` would rotate: the stale ones, or every key of the given
/// organizations; never the admin app, each client once.
async fn rotation_targets(
    args: &KeysRotateArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<Vec<RotationTarget>, PortalError> {
    let stale_days = args.stale_days.unwrap_or(portal.settings().stale_days);
    let mut keys: Vec<InventoryKey> = Vec::new();
    if args.stale {
        let options = InventoryOptions {
            organization: None,
            stale_days,
            rate: Some(args.rate),
        };
        let inventory = inventory(portal, io, &options).await?;
        keys.extend(
            inventory
                .keys
                .into_iter()
                .filter(|k| k.has(Health::Stale) && k.grant_id.is_some()),
        );
    } else {
        for org in &args.org {
            let options = InventoryOptions {
                organization: Some(org.clone()),
                stale_days,
                rate: Some(args.rate),
            };
            keys.extend(inventory(portal, io, &options).await?.keys);
        }
    }
    let admin = portal.settings().client_id.trim().to_owned();
    let mut seen = BTreeSet::new();
    Ok(keys
        .iter()
        .filter(|k| k.client_id != admin && seen.insert(k.client_id.clone()))
        .map(RotationTarget::from)
        .collect())
}

/// The keys to rotate and how long it takes at `rate`.
pub(super) fn rotation_plan_text(targets: &[RotationTarget], rate: f64) -> String {
    let mut text = format!("{} key(s) to rotate:\n", targets.len());
    for target in targets {
        text.push_str(&format!(
            "  {} ({}) {}\n",
            sanitize(&target.client_id),
            sanitize(&target.name),
            sanitize(target.organization_id.as_deref().unwrap_or("-"))
        ));
    }
    let seconds = (targets.len() as f64 * 2.0 / rate.max(0.01)).ceil();
    text.push_str(&format!(
        "At {rate} request(s) a second this takes about {seconds} s. Each old secret stops \
         working when its key is rotated: the new secrets are shown once, at the end.\n"
    ));
    text
}

/// `keys rotate --json`: the new secrets, the failures and the figures.
fn rotation_json(outcome: &BulkRotation, tenant: &str) -> Value {
    let rotated: Vec<Value> = outcome
        .rotated
        .iter()
        .map(|k| {
            json!({
                "client_id": k.client_id,
                "client_name": k.client_name,
                "client_secret": k.client_secret.expose_secret(),
                "organization_id": k.organization_id,
            })
        })
        .collect();
    let failed: Vec<Value> = outcome
        .failed
        .iter()
        .map(|(t, e)| json!({"client_id": t.client_id, "name": t.name, "error": e.to_string(), "code": e.code()}))
        .collect();
    json!({
        "tenant": tenant,
        "rotated": rotated,
        "failed": failed,
        "not_started": outcome
            .not_started
            .iter()
            .map(|t| json!({"client_id": t.client_id, "name": t.name}))
            .collect::<Vec<_>>(),
        "rotated_at_not_recorded": outcome.unrecorded,
        "requests": outcome.requests,
        "elapsed_ms": outcome.elapsed.as_millis() as u64,
    })
}

/// The new secrets as a table, each failure on stderr, and the warning to store them.
fn print_rotation(io: &mut Io<'_>, outcome: &BulkRotation) {
    let rows: Vec<Vec<String>> = outcome
        .rotated
        .iter()
        .map(|k| {
            vec![
                sanitize(k.organization_id.as_deref().unwrap_or("-")),
                sanitize(&k.client_id),
                sanitize(&k.client_name),
                k.client_secret.expose_secret().to_owned(),
            ]
        })
        .collect();
    out(
        io,
        &table(
            &["ORGANIZATION", "CLIENT ID", "NAME", "CLIENT SECRET"],
            &rows,
        ),
    );
    for (target, err) in &outcome.failed {
        err_line(
            io,
            &format!("FAILED {} ({}): {err}", target.client_id, target.name),
        );
    }
    err_line(
        io,
        "Store each client secret now: it is shown once and cannot be read back.",
    );
}
