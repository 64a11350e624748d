//! `keys repair`: the broken keys' changes, planned, confirmed and applied.

use serde_json::{Value, json};

use super::super::Io;
use super::super::print::{confirmed_by_typing, err_line, out, print_json, to_json};
use super::{LiveLine, inventory};
use crate::args::KeysRepairArgs;
use crate::portal::{
    Health, Inventory, InventoryOptions, Portal, PortalError, RepairOutcome, RepairPlan,
};
use crate::text::sanitize;

/// `keys repair`: plans the changes, shows them, asks, applies them with progress.
pub(super) async fn repair(
    args: &KeysRepairArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let options = InventoryOptions {
        organization: None,
        stale_days: args.stale_days.unwrap_or(portal.settings().stale_days),
        rate: args.rate,
    };
    // Refused before any request: the answer could not be confirmed anyway.
    if !args.yes && !io.stdin_is_terminal {
        return Err(PortalError::usage(
            "Refusing to repair without --yes: stdin is not a terminal to confirm on",
        )
        .with_hint(
            "Run `m2m-portal keys list` to see what is broken; add --yes to repair from a script.",
        ));
    }
    let inventory = inventory(portal, io, &options).await?;
    let plan = portal.plan_repair(&inventory).await?;
    let text = repair_plan_text(&plan, &inventory);
    // The plan goes to stderr with --json (stdout holds the one document).
    if args.json {
        for line in text.lines() {
            err_line(io, line);
        }
    } else {
        out(io, &text);
    }
    if plan.changes.is_empty() {
        if args.json {
            print_json(
                io,
                &json!({"changes": [], "skipped": plan.skipped, "results": []}),
            );
        }
        return Ok(0);
    }
    if !args.yes {
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
        .apply_repair(&plan, args.rate, &|done, total| {
            live.show(&format!("repairing {done}/{total}…"));
        })
        .await;
    live.clear();
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    if args.json {
        print_json(io, &repair_json(&plan, &outcomes)?);
    } else {
        out(io, &repair_results_text(&outcomes));
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

/// The planned changes, what is left alone and why, and the stale keys repair leaves.
fn repair_plan_text(plan: &RepairPlan, inventory: &Inventory) -> String {
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
    text
}

/// `keys repair --json`: the plan and each change's result. A change serde cannot
/// write is an error, never a `null` in the document.
pub(super) fn repair_json(
    plan: &RepairPlan,
    outcomes: &[RepairOutcome],
) -> Result<Value, PortalError> {
    let results = outcomes
        .iter()
        .map(|o| {
            let mut doc = to_json(&o.change)?;
            doc["ok"] = json!(o.result.is_ok());
            if let Err(e) = &o.result {
                doc["error"] = json!(e.to_string());
            }
            Ok(doc)
        })
        .collect::<Result<Vec<Value>, PortalError>>()?;
    Ok(json!({"changes": plan.changes, "skipped": plan.skipped, "results": results}))
}

/// One line per applied change: done, or FAILED with the reason.
fn repair_results_text(outcomes: &[RepairOutcome]) -> String {
    let mut text = String::new();
    for outcome in outcomes {
        match &outcome.result {
            Ok(()) => text.push_str(&format!("done    {}\n", outcome.change.describe())),
            Err(e) => text.push_str(&format!(
                "FAILED  {}: {}\n",
                outcome.change.describe(),
                sanitize(&e.to_string())
            )),
        }
    }
    text
}
