//! `keys list | repair | rotate`: the tenant's key inventory (docs/CLI.md).

use std::sync::Mutex;

use serde_json::{Value, json};

use super::Io;
use super::print::{err_line, out, print_json, table};
use crate::args::{KeysCommand, KeysListArgs};
use crate::portal::{
    Health, Inventory, InventoryKey, InventoryOptions, InventoryPhase, InventoryProgress, Portal,
    PortalError,
};
use crate::text::sanitize;

mod repair;
mod rotate;

use repair::repair;
use rotate::rotate;

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
        KeysCommand::List(args) => list(args, portal, io).await,
        KeysCommand::Repair(args) => repair(args, portal, io).await,
        KeysCommand::Rotate(args) => rotate(args, portal, io).await,
    }
}

/// `keys list`: the inventory as a table, CSV or JSON, and a summary on stderr.
async fn list(args: &KeysListArgs, portal: &Portal, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let wanted = match args.health.as_deref() {
        None => None,
        Some(text) => Some(Health::parse(text).ok_or_else(|| {
            PortalError::usage(format!("{} is not a health state", sanitize(text)))
                .with_hint("Use one of: ok, unlinked, orphan, stale, mismatch.")
        })?),
    };
    let options = InventoryOptions {
        organization: args.org.clone(),
        stale_days: args.stale_days.unwrap_or(portal.settings().stale_days),
        rate: args.rate,
    };
    let mut inventory = inventory(portal, io, &options).await?;
    let counts = inventory.counts();
    if let Some(wanted) = wanted {
        inventory.keys.retain(|k| k.has(wanted));
    }
    if args.json {
        let doc = json!({
            "tenant": portal.settings().tenant_name(),
            "organization": inventory.organization,
            "stale_days": inventory.stale_days,
            "requests": inventory.requests,
            "counts": counts_json(&counts),
            "keys": inventory.keys,
        });
        print_json(io, &doc);
    } else if args.csv {
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

#[cfg(test)]
mod tests;
