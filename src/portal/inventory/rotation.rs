//! Bulk rotation of the inventory's keys, paced within the rate limit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::{InventoryKey, Pacer, ROTATED_AT};
use crate::portal::{Action, IssuedKey, Portal, PortalError};

/// A key to rotate in bulk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationTarget {
    pub client_id: String,
    pub name: String,
    pub organization_id: Option<String>,
}

impl From<&InventoryKey> for RotationTarget {
    fn from(key: &InventoryKey) -> Self {
        Self {
            client_id: key.client_id.clone(),
            name: key.name.clone(),
            organization_id: key.organization_id.clone().or_else(|| key.made_for.clone()),
        }
    }
}

/// Where a bulk rotation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationProgress {
    pub done: usize,
    pub total: usize,
    pub client_id: String,
}

/// The outcome of a bulk rotation: the new credentials (held in memory only, to be
/// revealed once each), the failures, and the keys whose `rotated_at` could not be recorded.
#[derive(Debug, Default)]
pub struct BulkRotation {
    pub rotated: Vec<IssuedKey>,
    pub failed: Vec<(RotationTarget, PortalError)>,
    /// Rotated, but `client_metadata.rotated_at` could not be written (needs `update:clients`).
    pub unrecorded: Vec<String>,
    /// Not rotated: the run was stopped before them.
    pub not_started: Vec<RotationTarget>,
    pub requests: u64,
    pub elapsed: Duration,
}

impl Portal {
    /// Rotates each key's secret in turn, `rate` Management requests a second at most
    /// (two per key: the rotation and the `rotated_at` record). A failure does not stop
    /// the rest; every secret issued is in the answer, to be revealed once.
    pub async fn rotate_keys(
        &self,
        targets: &[RotationTarget],
        rate: Option<f64>,
        progress: &(dyn Fn(RotationProgress) + Send + Sync),
    ) -> BulkRotation {
        self.rotate_keys_until(targets, rate, progress, &AtomicBool::new(false))
            .await
    }

    /// [`Portal::rotate_keys`] that stops after the key in hand once `stop` is set
    /// (never in the middle of one: its new secret would be lost). The keys not
    /// started are in `not_started`.
    pub async fn rotate_keys_until(
        &self,
        targets: &[RotationTarget],
        rate: Option<f64>,
        progress: &(dyn Fn(RotationProgress) + Send + Sync),
        stop: &AtomicBool,
    ) -> BulkRotation {
        let started = Instant::now();
        let before = self.auth0.management_requests();
        let mut pacer = Pacer::new(rate);
        let mut outcome = BulkRotation::default();
        let total = targets.len();
        for (i, target) in targets.iter().enumerate() {
            if stop.load(Ordering::Relaxed) {
                outcome.not_started = targets[i..].to_vec();
                break;
            }
            match self.rotate_one(target, &mut pacer).await {
                Ok((key, recorded)) => {
                    if !recorded {
                        outcome.unrecorded.push(key.client_id.clone());
                    }
                    outcome.rotated.push(key);
                }
                Err(err) => outcome.failed.push((target.clone(), err)),
            }
            progress(RotationProgress {
                done: i + 1,
                total,
                client_id: target.client_id.clone(),
            });
        }
        outcome.requests = self.auth0.management_requests() - before;
        outcome.elapsed = started.elapsed();
        outcome
    }

    /// One rotation of a bulk run: rotate, then record `rotated_at` (best effort).
    async fn rotate_one(
        &self,
        target: &RotationTarget,
        pacer: &mut Pacer,
    ) -> Result<(IssuedKey, bool), PortalError> {
        self.refuse_if_read_only(Action::RotateSecret)?;
        self.refuse_admin_app(&target.client_id, "rotate the secret of")?;
        let organization = target.organization_id.as_deref();
        pacer.wait().await;
        let rotated = match self.auth0.rotate_client_secret(&target.client_id).await {
            Ok(rotated) => rotated,
            Err(e) => {
                let unknown = e.is_ambiguous();
                self.audit(
                    Action::RotateSecret,
                    organization,
                    Some(&target.client_id),
                    if unknown { "unknown" } else { "failed" },
                    None,
                );
                return Err(if unknown {
                    crate::portal::provision::rotation_unknown(&target.client_id, &e)
                } else {
                    PortalError::management("rotating the secret", &e)
                });
            }
        };
        let fingerprint = rotated.client_secret.fingerprint();
        self.audit(
            Action::RotateSecret,
            organization,
            Some(&target.client_id),
            "ok",
            Some(&fingerprint),
        );
        pacer.wait().await;
        let recorded = self
            .record_rotation(&target.client_id, rotated.client_metadata.clone())
            .await;
        Ok((
            IssuedKey {
                client_id: rotated.client_id,
                client_name: if rotated.name.is_empty() {
                    target.name.clone()
                } else {
                    rotated.name
                },
                client_secret: rotated.client_secret,
                organization_id: target.organization_id.clone(),
                grant_id: None,
            },
            recorded,
        ))
    }

    /// Writes `client_metadata.rotated_at` = now (the whole map is sent, so it works
    /// whether Auth0 merges or replaces it). False when it could not be written.
    pub(crate) async fn record_rotation(
        &self,
        client_id: &str,
        mut metadata: serde_json::Map<String, serde_json::Value>,
    ) -> bool {
        let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        metadata.insert(ROTATED_AT.into(), now.into());
        match self
            .auth0
            .update_client_metadata(client_id, &metadata)
            .await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(client = %client_id, "could not record rotated_at: {e}");
                false
            }
        }
    }
}
