//! The tenant's key inventory (`K`) and its bulk rotation, both with progress.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::UnboundedSender;

use super::PortalEffects;
use crate::portal::{Portal, PortalError};
use crate::tui::msg::{Cmd, Msg, RequestId};

/// Runs one of the inventory commands (`perform` sends only these here).
pub(super) fn run(
    effects: &mut PortalEffects,
    portal: Portal,
    cmd: Cmd,
    replies: &UnboundedSender<Msg>,
    on_panic: Option<Msg>,
) {
    match cmd {
        Cmd::ListInventory { id, stale_days } => {
            let progress_replies = replies.clone();
            effects.spawn(id, replies, on_panic, async move {
                let report = move |progress| {
                    let _ = progress_replies.send(Msg::InventoryProgress { id, progress });
                };
                let options = crate::portal::InventoryOptions {
                    stale_days,
                    ..crate::portal::InventoryOptions::default()
                };
                let result = portal.inventory(&options, &report).await;
                Msg::InventoryListed { id, result }
            });
        }
        Cmd::RotateKeys { id, targets, rate } => {
            let stop = Arc::new(AtomicBool::new(false));
            effects.stops.retain(|_, s| Arc::strong_count(s) > 1);
            effects.stops.insert(id, stop.clone());
            let progress_replies = replies.clone();
            effects.spawn(id, replies, on_panic, async move {
                let report = move |progress| {
                    let _ = progress_replies.send(Msg::BulkRotationProgress { id, progress });
                };
                let outcome = portal
                    .rotate_keys_until(&targets, Some(rate), &report, &stop)
                    .await;
                Msg::BulkRotated { id, outcome }
            });
        }
        _ => {}
    }
}

impl PortalEffects {
    /// Stops a bulk rotation after the key in hand (never aborted: its secret would be lost).
    pub(super) fn stop_bulk_rotation(&mut self, id: RequestId) {
        if let Some(stop) = self.stops.get(&id) {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

/// The answer an inventory command gets when it fails before or instead of running;
/// `Err` hands the error back for a command that is not one of these.
pub(super) fn failed(cmd: &Cmd, error: PortalError) -> Result<Msg, PortalError> {
    Ok(match *cmd {
        Cmd::ListInventory { id, .. } => Msg::InventoryListed {
            id,
            result: Err(error),
        },
        // Whether any key was rotated is unknown: each is listed as failed with the reason.
        Cmd::RotateKeys {
            id, ref targets, ..
        } => Msg::BulkRotated {
            id,
            outcome: crate::portal::BulkRotation {
                failed: targets.iter().map(|t| (t.clone(), error.clone())).collect(),
                ..crate::portal::BulkRotation::default()
            },
        },
        _ => return Err(error),
    })
}
