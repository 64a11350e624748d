//! `keys repair`: what it would change in the inventory (orphans deleted, grants
//! linked to the organization their client was made for), and carrying it out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Health, Inventory, InventoryKey, Pacer};
use crate::portal::{Portal, PortalError};

/// A change `keys repair` makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum RepairChange {
    /// Delete an orphan client (made by m2m-portal, no grant).
    DeleteClient {
        client_id: String,
        name: String,
        made_for: Option<String>,
    },
    /// Link a grant to the organization its client was made for.
    Link {
        grant_id: String,
        client_id: String,
        name: String,
        organization_id: String,
    },
    /// Unlink a grant from an organization its client was not made for.
    Unlink {
        grant_id: String,
        client_id: String,
        name: String,
        organization_id: String,
    },
}

impl RepairChange {
    /// One line for the confirmation and the report (tenant text sanitized).
    pub fn describe(&self) -> String {
        let s = crate::text::sanitize;
        match self {
            RepairChange::DeleteClient {
                client_id,
                name,
                made_for,
            } => format!(
                "delete orphan client {} ({}){}",
                s(client_id),
                s(name),
                made_for
                    .as_deref()
                    .map(|o| format!(", made for {}", s(o)))
                    .unwrap_or_default()
            ),
            RepairChange::Link {
                grant_id,
                client_id,
                name,
                organization_id,
            } => format!(
                "link grant {} of {} ({}) to {}",
                s(grant_id),
                s(client_id),
                s(name),
                s(organization_id)
            ),
            RepairChange::Unlink {
                grant_id,
                client_id,
                name,
                organization_id,
            } => format!(
                "unlink grant {} of {} ({}) from {}",
                s(grant_id),
                s(client_id),
                s(name),
                s(organization_id)
            ),
        }
    }

    fn client_id(&self) -> &str {
        match self {
            RepairChange::DeleteClient { client_id, .. }
            | RepairChange::Link { client_id, .. }
            | RepairChange::Unlink { client_id, .. } => client_id,
        }
    }

    fn organization(&self) -> Option<&str> {
        match self {
            RepairChange::DeleteClient { made_for, .. } => made_for.as_deref(),
            RepairChange::Link {
                organization_id, ..
            }
            | RepairChange::Unlink {
                organization_id, ..
            } => Some(organization_id),
        }
    }

    fn audit_action(&self) -> &'static str {
        match self {
            RepairChange::DeleteClient { .. } => "repair_delete_orphan",
            RepairChange::Link { .. } => "repair_link_grant",
            RepairChange::Unlink { .. } => "repair_unlink_grant",
        }
    }
}

/// A broken key `keys repair` leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairSkip {
    pub client_id: String,
    pub name: String,
    pub health: Health,
    pub reason: String,
}

/// What `keys repair` would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepairPlan {
    pub changes: Vec<RepairChange>,
    pub skipped: Vec<RepairSkip>,
}

/// One change carried out, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairOutcome {
    pub change: RepairChange,
    pub result: Result<(), PortalError>,
}

impl Portal {
    /// What `keys repair` would change: orphans deleted, unlinked grants linked to the
    /// organization their client was made for, mismatched links moved to it. Checks
    /// that each organization to link to still exists (one request each).
    pub async fn plan_repair(&self, inventory: &Inventory) -> Result<RepairPlan, PortalError> {
        let mut plan = RepairPlan::default();
        let mut exists: BTreeMap<String, bool> = BTreeMap::new();
        // The organizations each grant is linked to, to link only where it is not yet.
        let mut linked: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for key in &inventory.keys {
            if let (Some(grant), Some(org)) = (&key.grant_id, &key.organization_id) {
                linked.entry(grant).or_default().insert(org);
            }
        }
        let mut planned_links: BTreeSet<(String, String)> = BTreeSet::new();
        for key in &inventory.keys {
            if self.settings.client_id.trim() == key.client_id {
                continue;
            }
            if key.has(Health::Orphan) {
                plan.changes.push(RepairChange::DeleteClient {
                    client_id: key.client_id.clone(),
                    name: key.name.clone(),
                    made_for: key.made_for.clone(),
                });
                continue;
            }
            let Some((problem, grant, target)) =
                self.link_target(key, &mut plan, &mut exists).await?
            else {
                continue;
            };
            if let Some(wrong) = &key.organization_id
                && problem == Health::Mismatch
            {
                plan.changes.push(RepairChange::Unlink {
                    grant_id: grant.to_owned(),
                    client_id: key.client_id.clone(),
                    name: key.name.clone(),
                    organization_id: wrong.clone(),
                });
            }
            let already = linked
                .get(grant)
                .is_some_and(|orgs| orgs.contains(target.as_str()));
            if !already && planned_links.insert((grant.to_owned(), target.clone())) {
                plan.changes.push(RepairChange::Link {
                    grant_id: grant.to_owned(),
                    client_id: key.client_id.clone(),
                    name: key.name.clone(),
                    organization_id: target,
                });
            }
        }
        Ok(plan)
    }

    /// For an unlinked or mismatched key: its problem, its grant and the organization
    /// to link it to. `None` when the key is fine or is left alone (then the reason is
    /// in `plan.skipped`). `exists` remembers which organizations were found.
    async fn link_target<'k>(
        &self,
        key: &'k InventoryKey,
        plan: &mut RepairPlan,
        exists: &mut BTreeMap<String, bool>,
    ) -> Result<Option<(Health, &'k str, String)>, PortalError> {
        let mut skip = |health, reason: &str| {
            plan.skipped.push(RepairSkip {
                client_id: key.client_id.clone(),
                name: key.name.clone(),
                health,
                reason: reason.to_owned(),
            });
        };
        let problem = if key.has(Health::Unlinked) {
            Health::Unlinked
        } else if key.has(Health::Mismatch) {
            Health::Mismatch
        } else {
            return Ok(None);
        };
        let Some(grant) = &key.grant_id else {
            return Ok(None);
        };
        let Some(target) = key.made_for.clone() else {
            skip(
                problem,
                "the client names no organization it was made for; link or revoke it by hand",
            );
            return Ok(None);
        };
        // A mismatch whose default organization and metadata disagree with each other too.
        if problem == Health::Mismatch && key.organization_id.as_deref() == Some(target.as_str()) {
            skip(
                problem,
                "its default organization and client_metadata.org_id disagree; fix the client by hand",
            );
            return Ok(None);
        }
        let known = match exists.get(&target) {
            Some(known) => *known,
            None => {
                let found = match self.auth0.organization(&target).await {
                    Ok(_) => true,
                    Err(e) if e.is_status(404) => false,
                    Err(e) => return Err(PortalError::management("planning the repair", &e)),
                };
                exists.insert(target.clone(), found);
                found
            }
        };
        if !known {
            skip(
                problem,
                "the organization it was made for no longer exists; revoke it with `clients revoke`",
            );
            return Ok(None);
        }
        Ok(Some((problem, grant.as_str(), target)))
    }

    /// Carries out a repair plan, change by change, each written to the audit log.
    /// Links come before unlinks, so a moved key is never left linked nowhere.
    pub async fn apply_repair(
        &self,
        plan: &RepairPlan,
        rate: Option<f64>,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Vec<RepairOutcome> {
        if let Err(refused) = self.refuse_if_read_only(crate::portal::Action::RevokeKey) {
            // Nothing is touched: every change answers with the refusal.
            return plan
                .changes
                .iter()
                .map(|change| RepairOutcome {
                    change: change.clone(),
                    result: Err(refused.clone()),
                })
                .collect();
        }
        let mut pacer = Pacer::new(rate);
        let mut ordered: Vec<&RepairChange> = plan.changes.iter().collect();
        ordered.sort_by_key(|c| match c {
            RepairChange::Link { .. } => 0,
            RepairChange::Unlink { .. } => 1,
            RepairChange::DeleteClient { .. } => 2,
        });
        let total = ordered.len();
        let mut outcomes = Vec::with_capacity(total);
        for (i, change) in ordered.into_iter().enumerate() {
            pacer.wait().await;
            let result = match change {
                RepairChange::DeleteClient { client_id, .. } => {
                    match self.auth0.delete_client(client_id).await {
                        Ok(()) => Ok(()),
                        Err(e) if e.is_status(404) => Ok(()),
                        Err(e) => Err(PortalError::management("deleting the orphan client", &e)),
                    }
                }
                RepairChange::Link {
                    grant_id,
                    organization_id,
                    ..
                } => self.link_grant(organization_id, grant_id).await,
                RepairChange::Unlink {
                    grant_id,
                    organization_id,
                    ..
                } => match self
                    .auth0
                    .unlink_client_grant(organization_id, grant_id)
                    .await
                {
                    Ok(()) => Ok(()),
                    Err(e) if e.is_status(404) => Ok(()),
                    Err(e) => Err(PortalError::management("unlinking the grant", &e)),
                },
            };
            self.audit.record(
                self.settings.tenant_name(),
                change.audit_action(),
                change.organization(),
                Some(change.client_id()),
                if result.is_ok() { "ok" } else { "failed" },
                None,
            );
            progress(i + 1, total);
            outcomes.push(RepairOutcome {
                change: change.clone(),
                result,
            });
        }
        outcomes
    }
}
