//! The key inventory's replies: the listing, and the bulk rotation's progress and end.

use std::collections::BTreeSet;

use super::{BulkLeftovers, BulkRun, KeysScreen};
use crate::portal::{
    BulkRotation, Health, Inventory, InventoryProgress, IssuedKey, Organization, PortalError,
    RotationProgress,
};
use crate::tui::ctx::{Ctx, Overlay, StatusKind, describe};
use crate::tui::msg::{Msg, RequestId};
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::reveal::RevealOverlay;

impl KeysScreen {
    /// A reply for this screen (the stack routes it here; stale ones are dropped below).
    pub fn reply(&mut self, ctx: &mut Ctx<'_>, msg: Msg) {
        match msg {
            Msg::InventoryProgress { id, progress } => self.inventory_progress(id, progress),
            Msg::InventoryListed { id, result } => self.inventory_loaded(ctx, id, result),
            Msg::BulkRotationProgress { id, progress } => self.rotation_progress(id, progress),
            Msg::BulkRotated { id, outcome } => self.rotated(ctx, id, outcome),
            _ => {}
        }
    }

    /// A progress report of the listing.
    fn inventory_progress(&mut self, id: RequestId, progress: InventoryProgress) {
        if self.loading == Some(id) {
            self.progress = Some(progress);
            self.pages += 1;
        }
    }

    /// The listing finished.
    fn inventory_loaded(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Inventory, PortalError>,
    ) {
        if self.loading != Some(id) {
            return; // cancelled or replaced
        }
        self.loading = None;
        self.progress = None;
        match result {
            Ok(inventory) => {
                self.keys = inventory.keys;
                self.stale_days = inventory.stale_days;
                self.requests = inventory.requests;
                self.loaded = true;
                let present: BTreeSet<&str> =
                    self.keys.iter().map(|k| k.client_id.as_str()).collect();
                self.marked.retain(|id| present.contains(id.as_str()));
                self.refilter(ctx);
                let broken = self.keys.iter().filter(|k| k.health != Health::Ok).count();
                ctx.status(
                    StatusKind::Ok,
                    format!(
                        "{} key(s), {broken} need attention · {} request(s)",
                        self.keys.len(),
                        self.requests
                    ),
                );
            }
            Err(error) => {
                self.load_error = Some(describe(&error));
                ctx.error("listing the keys failed", &error);
            }
        }
    }

    /// One key of the bulk rotation finished.
    fn rotation_progress(&mut self, id: RequestId, progress: RotationProgress) {
        if let Some(run) = self.rotation.as_mut()
            && run.id == id
        {
            run.done = progress.done;
        }
    }

    /// The bulk rotation ended: one reveal per new secret, in order (the first on
    /// top), the keys' ages updated, and what failed or was left listed.
    fn rotated(&mut self, ctx: &mut Ctx<'_>, id: RequestId, outcome: BulkRotation) {
        let Some(run) = self.rotation.take_if(|run| run.id == id) else {
            return;
        };
        self.record_rotated(ctx, &outcome);
        ctx.status(
            self.outcome_kind(&outcome),
            self.outcome_text(&run, &outcome),
        );
        let total = outcome.rotated.len();
        self.reveal_rotated(ctx, outcome.rotated);
        if total == 0 && !self.leftovers.failed.is_empty() {
            let (target, reason) = &self.leftovers.failed[0];
            ctx.out.overlays.push(Overlay::Error(ErrorOverlay::message(
                StatusKind::Error,
                &format!("No key was rotated. {} failed: {reason}", target.name),
            )));
        }
    }

    /// The rotated keys are fresh now; what failed or never started is kept to show.
    fn record_rotated(&mut self, ctx: &Ctx<'_>, outcome: &BulkRotation) {
        let now = humantime::format_rfc3339_seconds(ctx.now).to_string();
        for issued in &outcome.rotated {
            self.marked.remove(&issued.client_id);
            if let Some(key) = self
                .keys
                .iter_mut()
                .find(|k| k.client_id == issued.client_id)
            {
                key.rotated_at = Some(now.clone());
                key.age_days = Some(0);
                key.issues.retain(|h| *h != Health::Stale);
                key.health = key.issues.first().copied().unwrap_or(Health::Ok);
            }
        }
        self.leftovers = BulkLeftovers {
            failed: outcome
                .failed
                .iter()
                .map(|(target, error)| (target.clone(), describe(error)))
                .collect(),
            not_started: outcome.not_started.clone(),
        };
        self.refilter(ctx);
    }

    /// How the end of a run reads in the status line: all done, or not.
    fn outcome_kind(&self, outcome: &BulkRotation) -> StatusKind {
        if outcome.failed.is_empty() && outcome.not_started.is_empty() {
            StatusKind::Ok
        } else {
            StatusKind::Error
        }
    }

    /// The status line at the end of a run: rotated, failed, not started, unrecorded.
    fn outcome_text(&self, run: &BulkRun, outcome: &BulkRotation) -> String {
        let total = outcome.rotated.len();
        let mut text = format!("rotated {total} of {} key(s)", run.targets.len());
        if !outcome.failed.is_empty() {
            text.push_str(&format!(" · {} failed", outcome.failed.len()));
        }
        if !outcome.not_started.is_empty() {
            text.push_str(&format!(
                " · {} not started (stopped)",
                outcome.not_started.len()
            ));
        }
        if !self.marked.is_empty() {
            text.push_str(" · still marked: r tries again");
        }
        if !outcome.unrecorded.is_empty() {
            text.push_str(&format!(
                " · rotated_at not recorded for {} (needs update:clients)",
                outcome.unrecorded.len()
            ));
        }
        text
    }

    /// One reveal per new secret, each shown once.
    fn reveal_rotated(&self, ctx: &mut Ctx<'_>, rotated: Vec<IssuedKey>) {
        let total = rotated.len();
        // Overlays stack with the last on top: push in reverse so the first key shows first.
        for (i, issued) in rotated.into_iter().enumerate().rev() {
            let organization = issued.organization_id.clone().map(|id| {
                let known = self.keys.iter().find(|k| k.client_id == issued.client_id);
                Organization {
                    name: known
                        .and_then(|k| k.organization_name.clone())
                        .unwrap_or_else(|| id.clone()),
                    display_name: known.and_then(|k| k.organization_display_name.clone()),
                    id,
                }
            });
            ctx.out.overlays.push(Overlay::Reveal(
                RevealOverlay::new(issued, organization).in_sequence(i + 1, total),
            ));
        }
    }
}
