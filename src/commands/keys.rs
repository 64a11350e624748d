//! `keys list | repair | rotate`: the tenant's key inventory (docs/CLI.md).

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::Io;
use super::print::{confirmed_by_typing, ensure_printable, err_line, out, print_json, table};
use crate::args::KeysCommand;
use crate::portal::{
    Health, Inventory, InventoryKey, InventoryOptions, InventoryPhase, InventoryProgress, Portal,
    PortalError, RotationTarget,
};
use crate::text::sanitize;

/// The CSV columns of `keys list --csv`.
pub const CSV_HEADERS: [&str; 12] = [
    "organization_id",
    "organization_name",
    "client_id",
    "name",
    "created_at",
    "rotated_at",
    "age_days",
    "scope",
    "health",
    "issues",
    "grant_id",
    "made_for",
];

pub(super) async fn run(
    command: &KeysCommand,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        KeysCommand::List {
            org,
            stale_days,
            health,
            rate,
            json,
            csv,
        } => {
            let wanted = match health.as_deref() {
                None => None,
                Some(text) => Some(Health::parse(text).ok_or_else(|| {
                    PortalError::usage(format!("{} is not a health state", sanitize(text)))
                        .with_hint("Use one of: ok, unlinked, orphan, stale, mismatch.")
                })?),
            };
            let options = InventoryOptions {
                organization: org.clone(),
                stale_days: stale_days.unwrap_or(portal.settings().stale_days),
                rate: *rate,
            };
            let mut inventory = inventory(portal, io, &options).await?;
            let counts = inventory.counts();
            if let Some(wanted) = wanted {
                inventory.keys.retain(|k| k.has(wanted));
            }
            if *json {
                let doc = json!({
                    "tenant": portal.settings().tenant_name(),
                    "organization": inventory.organization,
                    "stale_days": inventory.stale_days,
                    "requests": inventory.requests,
                    "counts": counts_json(&counts),
                    "keys": inventory.keys,
                });
                print_json(io, &doc);
            } else if *csv {
                let rows: Vec<Vec<String>> = inventory.keys.iter().map(csv_row).collect();
                let text = crate::output::csv_string(&CSV_HEADERS, &rows);
                let _ = std::io::Write::write_all(io.stdout, text.as_bytes());
            } else {
                let rows: Vec<Vec<String>> = inventory.keys.iter().map(human_row).collect();
                out(
                    io,
                    &table(
                        &[
                            "ORGANIZATION",
                            "CLIENT ID",
                            "NAME",
                            "CREATED",
                            "ROTATED",
                            "AGE",
                            "SCOPES",
                            "HEALTH",
                        ],
                        &rows,
                    ),
                );
            }
            err_line(io, &summary(&inventory, &counts, portal));
            Ok(0)
        }
        KeysCommand::Repair {
            stale_days,
            rate,
            yes,
            json,
        } => {
            let options = InventoryOptions {
                organization: None,
                stale_days: stale_days.unwrap_or(portal.settings().stale_days),
                rate: *rate,
            };
            // Refused before any request: the answer could not be confirmed anyway.
            if !*yes && !io.stdin_is_terminal {
                return Err(PortalError::usage(
                    "Refusing to repair without --yes: stdin is not a terminal to confirm on",
                )
                .with_hint("Run `m2m-portal keys list` to see what is broken; add --yes to repair from a script."));
            }
            let inventory = inventory(portal, io, &options).await?;
            let plan = portal.plan_repair(&inventory).await?;
            let mut text = String::new();
            if plan.changes.is_empty() {
                text.push_str("Nothing to repair.\n");
            } else {
                text.push_str(&format!("{} change(s):\n", plan.changes.len()));
                for change in &plan.changes {
                    text.push_str(&format!("  {}\n", change.describe()));
                }
            }
            for skip in &plan.skipped {
                text.push_str(&format!(
                    "  left alone ({}): {} ({}): {}\n",
                    skip.health,
                    sanitize(&skip.client_id),
                    sanitize(&skip.name),
                    sanitize(&skip.reason)
                ));
            }
            let stale = inventory
                .keys
                .iter()
                .filter(|k| k.has(Health::Stale))
                .count();
            if stale > 0 {
                text.push_str(&format!(
                    "  {stale} stale key(s) are not changed by repair: `m2m-portal keys rotate --stale` rotates them.\n"
                ));
            }
            // The plan goes to stderr with --json (stdout holds the one document).
            if *json {
                for line in text.lines() {
                    err_line(io, line);
                }
            } else {
                out(io, &text);
            }
            if plan.changes.is_empty() {
                if *json {
                    print_json(
                        io,
                        &json!({"changes": [], "skipped": plan.skipped, "results": []}),
                    );
                }
                return Ok(0);
            }
            if !*yes {
                let prompt = format!(
                    "Apply these {} change(s)? Type yes to confirm: ",
                    plan.changes.len()
                );
                if !confirmed_by_typing(io, &prompt, "yes") {
                    err_line(io, "Not confirmed; nothing was changed.");
                    return Ok(1);
                }
            }
            let live = LiveLine::new(io);
            let outcomes = portal
                .apply_repair(&plan, *rate, &|done, total| {
                    live.show(&format!("repairing {done}/{total}…"));
                })
                .await;
            live.clear();
            let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
            if *json {
                let results: Vec<Value> = outcomes
                    .iter()
                    .map(|o| {
                        let mut doc = serde_json::to_value(&o.change).unwrap_or_default();
                        doc["ok"] = json!(o.result.is_ok());
                        if let Err(e) = &o.result {
                            doc["error"] = json!(e.to_string());
                        }
                        doc
                    })
                    .collect();
                print_json(
                    io,
                    &json!({"changes": plan.changes, "skipped": plan.skipped, "results": results}),
                );
            } else {
                let mut text = String::new();
                for outcome in &outcomes {
                    match &outcome.result {
                        Ok(()) => {
                            text.push_str(&format!("done    {}\n", outcome.change.describe()))
                        }
                        Err(e) => text.push_str(&format!(
                            "FAILED  {}: {}\n",
                            outcome.change.describe(),
                            sanitize(&e.to_string())
                        )),
                    }
                }
                out(io, &text);
            }
            err_line(
                io,
                &format!(
                    "{} change(s) made, {failed} failed; each is in the audit log.",
                    outcomes.len() - failed
                ),
            );
            Ok(if failed == 0 { 0 } else { 1 })
        }
        KeysCommand::Rotate {
            stale,
            org,
            stale_days,
            rate,
            yes,
            json,
        } => {
            if !*yes && !io.stdin_is_terminal {
                return Err(PortalError::usage(
                    "Refusing to rotate without --yes: stdin is not a terminal to confirm on",
                )
                .with_hint("Add --yes to rotate from a script."));
            }
            let mut keys: Vec<InventoryKey> = Vec::new();
            if *stale {
                let options = InventoryOptions {
                    organization: None,
                    stale_days: stale_days.unwrap_or(portal.settings().stale_days),
                    rate: Some(*rate),
                };
                let inventory = inventory(portal, io, &options).await?;
                keys.extend(
                    inventory
                        .keys
                        .into_iter()
                        .filter(|k| k.has(Health::Stale) && k.grant_id.is_some()),
                );
            } else {
                for org in org {
                    let options = InventoryOptions {
                        organization: Some(org.clone()),
                        stale_days: stale_days.unwrap_or(portal.settings().stale_days),
                        rate: Some(*rate),
                    };
                    keys.extend(inventory(portal, io, &options).await?.keys);
                }
            }
            let admin = portal.settings().client_id.trim().to_owned();
            let mut seen = BTreeSet::new();
            let targets: Vec<RotationTarget> = keys
                .iter()
                .filter(|k| k.client_id != admin && seen.insert(k.client_id.clone()))
                .map(RotationTarget::from)
                .collect();
            if targets.is_empty() {
                err_line(io, "No key to rotate.");
                if *json {
                    print_json(io, &json!({"rotated": [], "failed": []}));
                }
                return Ok(0);
            }
            let mut text = format!("{} key(s) to rotate:\n", targets.len());
            for target in &targets {
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
            for line in text.lines() {
                err_line(io, line);
            }
            if !*yes {
                let count = targets.len().to_string();
                let prompt = format!("Type {count} to rotate {count} key(s): ");
                if !confirmed_by_typing(io, &prompt, &count) {
                    err_line(io, "Not confirmed; nothing was changed.");
                    return Ok(1);
                }
            }
            let live = LiveLine::new(io);
            let outcome = portal
                .rotate_keys(&targets, Some(*rate), &|p| {
                    live.show(&format!(
                        "rotated {}/{} ({})…",
                        p.done, p.total, p.client_id
                    ));
                })
                .await;
            live.clear();
            for key in &outcome.rotated {
                ensure_printable("client secret", key.client_secret.expose_secret())?;
            }
            let tenant = portal.settings().tenant_name().to_owned();
            if *json {
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
                print_json(
                    io,
                    &json!({
                        "tenant": tenant,
                        "rotated": rotated,
                        "failed": failed,
                        "rotated_at_not_recorded": outcome.unrecorded,
                        "requests": outcome.requests,
                        "elapsed_ms": outcome.elapsed.as_millis() as u64,
                    }),
                );
            } else {
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
            Ok(if outcome.failed.is_empty() { 0 } else { 1 })
        }
    }
}

/// Lists the inventory with a progress line on a terminal's stderr.
async fn inventory(
    portal: &Portal,
    io: &mut Io<'_>,
    options: &InventoryOptions,
) -> Result<Inventory, PortalError> {
    let live = LiveLine::new(io);
    let result = portal
        .inventory(options, &|p: InventoryProgress| {
            let text = match (p.phase, p.total) {
                (InventoryPhase::Grants, _) => format!("read {} client grants…", p.done),
                (InventoryPhase::Clients, _) => format!("read {} clients…", p.done),
                (InventoryPhase::Links, Some(total)) => {
                    format!("read the organizations of {}/{total} grants…", p.done)
                }
                (InventoryPhase::Links, None) => format!("read {} links…", p.done),
            };
            live.show(&text);
        })
        .await;
    live.clear();
    result
}

/// A progress line on stderr redrawn in place from a portal callback; a no-op unless
/// stderr is a terminal.
struct LiveLine<'a, 'b> {
    stderr: Option<Mutex<&'a mut (dyn std::io::Write + Send + 'b)>>,
}

impl<'a, 'b> LiveLine<'a, 'b> {
    fn new(io: &'a mut Io<'b>) -> Self {
        Self {
            stderr: io.stderr_is_terminal.then(|| Mutex::new(&mut *io.stderr)),
        }
    }

    fn show(&self, text: &str) {
        if let Some(Ok(mut stderr)) = self.stderr.as_ref().map(Mutex::lock) {
            let _ = write!(stderr, "\r{}\x1b[K", sanitize(text));
            let _ = stderr.flush();
        }
    }

    fn clear(self) {
        if let Some(Ok(mut stderr)) = self.stderr.as_ref().map(Mutex::lock) {
            let _ = write!(stderr, "\r\x1b[K");
            let _ = stderr.flush();
        }
    }
}

fn counts_json(counts: &std::collections::BTreeMap<Health, usize>) -> Value {
    let mut doc = serde_json::Map::new();
    for (health, count) in counts {
        doc.insert(health.as_str().into(), json!(count));
    }
    Value::Object(doc)
}

fn summary(
    inventory: &Inventory,
    counts: &std::collections::BTreeMap<Health, usize>,
    portal: &Portal,
) -> String {
    let parts: Vec<String> = Health::ALL
        .iter()
        .map(|h| format!("{} {h}", counts.get(h).copied().unwrap_or(0)))
        .collect();
    format!(
        "{} key(s) on {}: {} (stale after {} days; {} Management API requests)",
        inventory.keys.len(),
        sanitize(portal.settings().tenant_name()),
        parts.join(", "),
        inventory.stale_days,
        inventory.requests
    )
}

fn day(time: Option<&str>) -> String {
    time.map(|t| sanitize(t.get(..10).unwrap_or(t)))
        .unwrap_or_else(|| "-".to_owned())
}

fn health_text(key: &InventoryKey) -> String {
    if key.issues.len() > 1 {
        key.issues
            .iter()
            .map(|h| h.as_str())
            .collect::<Vec<_>>()
            .join("+")
    } else {
        key.health.as_str().to_owned()
    }
}

fn human_row(key: &InventoryKey) -> Vec<String> {
    vec![
        sanitize(
            key.organization_name
                .as_deref()
                .or(key.made_for.as_deref().map(|_| "(none)"))
                .unwrap_or("(none)"),
        ),
        sanitize(&key.client_id),
        sanitize(&key.name),
        day(key.created_at.as_deref()),
        day(key.rotated_at.as_deref()),
        key.age_days
            .map_or_else(|| "-".to_owned(), |d| format!("{d}d")),
        sanitize(&key.scope.join(" ")),
        health_text(key),
    ]
}

fn csv_row(key: &InventoryKey) -> Vec<String> {
    vec![
        key.organization_id.clone().unwrap_or_default(),
        key.organization_name.clone().unwrap_or_default(),
        key.client_id.clone(),
        key.name.clone(),
        key.created_at.clone().unwrap_or_default(),
        key.rotated_at.clone().unwrap_or_default(),
        key.age_days.map(|d| d.to_string()).unwrap_or_default(),
        key.scope.join(" "),
        key.health.as_str().to_owned(),
        key.issues
            .iter()
            .map(|h| h.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        key.grant_id.clone().unwrap_or_default(),
        key.made_for.clone().unwrap_or_default(),
    ]
}
