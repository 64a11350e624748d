//! The tenant's key inventory (issue 11): every organization's M2M key with its
//! health, the repair of broken ones, and bulk rotation paced within the rate limit.
//!
//! Requests for a tenant-wide inventory (docs/CLI.md, `keys list`):
//! `ceil(G / 50)` pages of client grants for the configured audience, `ceil(C / 50)`
//! pages of M2M clients, and one `GET /client-grants/{id}/organizations` per grant
//! that can be linked to an organization — about `G + (G + C) / 50`. With 10,000
//! organizations holding one key each that is about 10,400 requests; at the free
//! tier's 2 requests a second, about 87 minutes. Nothing is paged by offset, so the
//! 1,000-record cap of offset paging never applies.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::auth0::{Client, ClientGrant, MAX_PAGE};

use super::{Action, IssuedKey, Portal, PortalError};

/// Keys older than this many days (since rotation, else creation) are stale by default.
pub const DEFAULT_STALE_DAYS: u64 = 90;

/// The `client_metadata` key this tool writes on rotation.
pub const ROTATED_AT: &str = "rotated_at";

/// A key's health, from worst to best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// A client made by m2m-portal without a grant for the configured API.
    Orphan,
    /// A grant linked to no organization.
    Unlinked,
    /// The client's `default_organization` or `client_metadata.org_id` names
    /// another organization than the one its grant is linked to.
    Mismatch,
    /// Not rotated (or, never rotated, not created) for longer than the stale age.
    Stale,
    Ok,
}

impl Health {
    /// Every state, worst first.
    pub const ALL: [Health; 5] = [
        Health::Orphan,
        Health::Unlinked,
        Health::Mismatch,
        Health::Stale,
        Health::Ok,
    ];

    /// The state's name (`ok`, `unlinked`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Unlinked => "unlinked",
            Health::Orphan => "orphan",
            Health::Stale => "stale",
            Health::Mismatch => "mismatch",
        }
    }

    /// Parses a state's name.
    pub fn parse(text: &str) -> Option<Health> {
        Health::ALL
            .into_iter()
            .find(|h| h.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the inventory: a grant linked to one organization, an unlinked grant,
/// or an orphan client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryKey {
    /// The organization the grant is linked to (none: unlinked or orphan).
    pub organization_id: Option<String>,
    pub organization_name: Option<String>,
    /// The organization the client was made for (`default_organization`, else `client_metadata.org_id`).
    pub made_for: Option<String>,
    pub client_id: String,
    pub name: String,
    pub grant_id: Option<String>,
    pub created_at: Option<String>,
    pub rotated_at: Option<String>,
    pub scope: Vec<String>,
    /// The worst of `issues`, or `ok`.
    pub health: Health,
    /// Every problem found (empty when ok).
    pub issues: Vec<Health>,
    /// Days since the last rotation, else creation (unknown when neither is recorded).
    pub age_days: Option<u64>,
    /// Made by m2m-portal (`client_metadata.created_by`).
    pub made_by_portal: bool,
}

impl InventoryKey {
    /// True when the key has this problem (or, for `ok`, none).
    pub fn has(&self, health: Health) -> bool {
        if health == Health::Ok {
            self.issues.is_empty()
        } else {
            self.issues.contains(&health)
        }
    }
}

/// What to list.
#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// Only the keys linked to this organization (id): a few requests instead of a
    /// tenant-wide walk; unlinked and orphan keys are found only tenant-wide.
    pub organization: Option<String>,
    /// Age in days past which a key is stale.
    pub stale_days: u64,
    /// Management API requests per second (`None`: as fast as 429s allow).
    pub rate: Option<f64>,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        Self {
            organization: None,
            stale_days: DEFAULT_STALE_DAYS,
            rate: None,
        }
    }
}

/// Where listing stands, reported as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InventoryProgress {
    pub phase: InventoryPhase,
    pub done: usize,
    /// How many there are in this phase, when known.
    pub total: Option<usize>,
}

/// A phase of listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryPhase {
    Grants,
    Clients,
    Links,
}

/// The inventory and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub keys: Vec<InventoryKey>,
    pub stale_days: u64,
    /// Management API requests made to build it (retries included).
    pub requests: u64,
    /// True when listed for one organization only (no unlinked or orphan keys then).
    pub organization: Option<String>,
}

impl Inventory {
    /// How many keys are in each state (a key with two problems counts in both).
    pub fn counts(&self) -> BTreeMap<Health, usize> {
        let mut counts: BTreeMap<Health, usize> = Health::ALL.iter().map(|h| (*h, 0)).collect();
        for key in &self.keys {
            for health in Health::ALL {
                if key.has(health) {
                    *counts.entry(health).or_default() += 1;
                }
            }
        }
        counts
    }
}

/// Spaces requests out evenly, `rate` a second, without spending the server's burst:
/// Auth0's bucket then stays full, so a request that arrives a little early (network
/// jitter) still finds a token.
#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    next: Option<Instant>,
}

impl Pacer {
    /// A pacer for `rate` requests a second (`None` or ≤ 0: no pacing).
    pub fn new(rate: Option<f64>) -> Self {
        let rate = rate.filter(|r| r.is_finite() && *r > 0.0);
        Self {
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            next: None,
        }
    }

    /// Waits until one more request fits the rate.
    pub async fn wait(&mut self) {
        let Some(interval) = self.interval else {
            return;
        };
        let now = Instant::now();
        let at = self.next.map_or(now, |next| next.max(now));
        if at > now {
            tokio::time::sleep_until(at.into()).await;
        }
        self.next = Some(at + interval);
    }
}

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

/// Days between an RFC 3339 time and now.
fn age_days(time: &str, now: SystemTime) -> Option<u64> {
    let then = humantime::parse_rfc3339_weak(time.trim())
        .or_else(|_| humantime::parse_rfc3339(time.trim()))
        .ok()?;
    Some(now.duration_since(then).unwrap_or_default().as_secs() / 86_400)
}

/// Organization ids a client claims: its default organization and `client_metadata.org_id`.
fn claimed_organizations(client: &Client) -> Vec<&str> {
    let mut claimed = Vec::new();
    if let Some(default) = &client.default_organization {
        claimed.push(default.organization_id.as_str());
    }
    if let Some(org) = client.metadata("org_id") {
        claimed.push(org);
    }
    claimed
}

fn made_by_portal(client: &Client) -> bool {
    client.metadata("created_by") == Some("m2m-portal")
}

/// Builds one row.
fn row(
    client: Option<&Client>,
    client_id: &str,
    grant: Option<&ClientGrant>,
    organization: Option<(&str, &str)>,
    orphan: bool,
    stale_days: u64,
    now: SystemTime,
) -> InventoryKey {
    let mut issues = Vec::new();
    if orphan {
        issues.push(Health::Orphan);
    }
    if grant.is_some() && organization.is_none() {
        issues.push(Health::Unlinked);
    }
    if let (Some((org_id, _)), Some(client)) = (organization, client)
        && claimed_organizations(client).iter().any(|c| *c != org_id)
    {
        issues.push(Health::Mismatch);
    }
    let created_at = client.and_then(|c| c.metadata("created_at").map(str::to_owned));
    let rotated_at = client.and_then(|c| c.metadata(ROTATED_AT).map(str::to_owned));
    let age = rotated_at
        .as_deref()
        .or(created_at.as_deref())
        .and_then(|t| age_days(t, now));
    if age.is_some_and(|days| days > stale_days) {
        issues.push(Health::Stale);
    }
    issues.sort();
    InventoryKey {
        organization_id: organization.map(|(id, _)| id.to_owned()),
        organization_name: organization.map(|(_, name)| name.to_owned()),
        made_for: client.and_then(|c| c.organization_id().map(str::to_owned)),
        client_id: client_id.to_owned(),
        name: client.map_or_else(|| "(client not found)".to_owned(), |c| c.name.clone()),
        grant_id: grant.map(|g| g.id.clone()),
        created_at,
        rotated_at,
        scope: grant.map(|g| g.scope.clone()).unwrap_or_default(),
        health: issues.first().copied().unwrap_or(Health::Ok),
        issues,
        age_days: age,
        made_by_portal: client.is_some_and(made_by_portal),
    }
}

impl Portal {
    /// The key inventory: tenant-wide, or the keys linked to one organization.
    pub async fn inventory(
        &self,
        options: &InventoryOptions,
        progress: &(dyn Fn(InventoryProgress) + Send + Sync),
    ) -> Result<Inventory, PortalError> {
        let before = self.auth0.management_requests();
        let mut pacer = Pacer::new(options.rate);
        let keys = match &options.organization {
            Some(org) => {
                self.organization_inventory(org, options, &mut pacer)
                    .await?
            }
            None => self.tenant_inventory(options, &mut pacer, progress).await?,
        };
        Ok(Inventory {
            keys,
            stale_days: options.stale_days,
            requests: self.auth0.management_requests() - before,
            organization: options.organization.clone(),
        })
    }

    async fn tenant_inventory(
        &self,
        options: &InventoryOptions,
        pacer: &mut Pacer,
        progress: &(dyn Fn(InventoryProgress) + Send + Sync),
    ) -> Result<Vec<InventoryKey>, PortalError> {
        let doing = "listing the tenant's keys";
        let audience = self.settings.api_audience.as_str();
        let report = |phase, done, total| {
            progress(InventoryProgress { phase, done, total });
        };
        // 1. Every grant for the configured API (checkpoint paging).
        let mut grants: Vec<ClientGrant> = Vec::new();
        let mut from: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            pacer.wait().await;
            let page = self
                .auth0
                .client_grants_page(audience, from.as_deref(), MAX_PAGE)
                .await
                .map_err(|e| PortalError::management(doing, &e))?;
            let empty = page.items.is_empty();
            grants.extend(page.items);
            report(InventoryPhase::Grants, grants.len(), None);
            match page.next {
                Some(next) => {
                    crate::auth0::check_cursor(
                        "GET /api/v2/client-grants",
                        &mut seen,
                        &next,
                        empty,
                    )
                    .map_err(|e| PortalError::management(doing, &e))?;
                    from = Some(next);
                }
                None => break,
            }
        }
        // 2. Every M2M client, without secrets (checkpoint paging).
        let mut clients: BTreeMap<String, Client> = BTreeMap::new();
        let mut from: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            pacer.wait().await;
            let page = self
                .auth0
                .clients_checkpoint_page(from.as_deref(), MAX_PAGE)
                .await
                .map_err(|e| PortalError::management(doing, &e))?;
            let empty = page.items.is_empty();
            clients.extend(page.items.into_iter().map(|c| (c.client_id.clone(), c)));
            report(InventoryPhase::Clients, clients.len(), None);
            match page.next {
                Some(next) => {
                    crate::auth0::check_cursor("GET /api/v2/clients", &mut seen, &next, empty)
                        .map_err(|e| PortalError::management(doing, &e))?;
                    from = Some(next);
                }
                None => break,
            }
        }
        // 3. The organizations of each grant that can be linked to one.
        let now = SystemTime::now();
        let admin = self.settings.client_id.trim();
        let relevant: Vec<&ClientGrant> = grants
            .iter()
            .filter(|g| g.client_id != admin)
            .filter(|g| {
                matches!(g.organization_usage.as_deref(), Some("allow" | "require"))
                    || clients.get(&g.client_id).is_some_and(made_by_portal)
            })
            .collect();
        let total = relevant.len();
        let mut keys = Vec::new();
        for (i, grant) in relevant.into_iter().enumerate() {
            pacer.wait().await;
            let organizations = self
                .auth0
                .client_grant_organizations(&grant.id)
                .await
                .map_err(|e| PortalError::management(doing, &e))?;
            let client = clients.get(&grant.client_id);
            if organizations.is_empty() {
                keys.push(row(
                    client,
                    &grant.client_id,
                    Some(grant),
                    None,
                    false,
                    options.stale_days,
                    now,
                ));
            }
            for org in &organizations {
                keys.push(row(
                    client,
                    &grant.client_id,
                    Some(grant),
                    Some((&org.id, &org.name)),
                    false,
                    options.stale_days,
                    now,
                ));
            }
            report(InventoryPhase::Links, i + 1, Some(total));
        }
        // 4. Orphans: clients this tool made that have no grant for the API.
        let granted: BTreeSet<&str> = grants.iter().map(|g| g.client_id.as_str()).collect();
        for client in clients.values() {
            if made_by_portal(client)
                && client.client_id != admin
                && !granted.contains(client.client_id.as_str())
            {
                keys.push(row(
                    Some(client),
                    &client.client_id,
                    None,
                    None,
                    true,
                    options.stale_days,
                    now,
                ));
            }
        }
        keys.sort_by(|a, b| {
            (
                a.organization_name.as_deref(),
                a.name.as_str(),
                a.client_id.as_str(),
            )
                .cmp(&(
                    b.organization_name.as_deref(),
                    b.name.as_str(),
                    b.client_id.as_str(),
                ))
        });
        Ok(keys)
    }

    async fn organization_inventory(
        &self,
        organization: &str,
        options: &InventoryOptions,
        pacer: &mut Pacer,
    ) -> Result<Vec<InventoryKey>, PortalError> {
        let doing = "listing the organization's keys";
        pacer.wait().await;
        let org = self.find_organization(organization).await?;
        pacer.wait().await;
        let grants = self
            .auth0
            .organization_client_grants(&org.id, &self.settings.api_audience)
            .await
            .map_err(|e| PortalError::management(doing, &e))?;
        let mut clients: BTreeMap<String, Client> = BTreeMap::new();
        if !grants.is_empty() {
            pacer.wait().await;
            // Eventually consistent: a client it misses is read on its own below.
            if let Ok(list) = self.auth0.organization_clients(&org.id).await {
                clients.extend(list.into_iter().map(|c| (c.client_id.clone(), c)));
            }
        }
        let now = SystemTime::now();
        let mut keys = Vec::new();
        for grant in &grants {
            if !clients.contains_key(&grant.client_id) {
                pacer.wait().await;
                match self.auth0.client(&grant.client_id).await {
                    Ok(client) => {
                        clients.insert(client.client_id.clone(), client);
                    }
                    Err(e) if e.is_status(404) => {}
                    Err(e) => return Err(PortalError::management(doing, &e)),
                }
            }
            keys.push(row(
                clients.get(&grant.client_id),
                &grant.client_id,
                Some(grant),
                Some((&org.id, &org.name)),
                false,
                options.stale_days,
                now,
            ));
        }
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(keys)
    }

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
            let skip = |plan: &mut RepairPlan, health, reason: &str| {
                plan.skipped.push(RepairSkip {
                    client_id: key.client_id.clone(),
                    name: key.name.clone(),
                    health,
                    reason: reason.to_owned(),
                });
            };
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
            let problem = if key.has(Health::Unlinked) {
                Health::Unlinked
            } else if key.has(Health::Mismatch) {
                Health::Mismatch
            } else {
                continue;
            };
            let Some(grant) = &key.grant_id else { continue };
            let Some(target) = key.made_for.clone() else {
                skip(
                    &mut plan,
                    problem,
                    "the client names no organization it was made for; link or revoke it by hand",
                );
                continue;
            };
            if problem == Health::Mismatch {
                // The default organization and the metadata disagree with each other too.
                if key.organization_id.as_deref() == Some(target.as_str()) {
                    skip(
                        &mut plan,
                        problem,
                        "its default organization and client_metadata.org_id disagree; fix the client by hand",
                    );
                    continue;
                }
            }
            let known = match exists.get(&target) {
                Some(known) => *known,
                None => {
                    let found = match self.auth0.organization(&target).await {
                        Ok(_) => true,
                        Err(e) if e.is_status(404) => false,
                        Err(e) => {
                            return Err(PortalError::management("planning the repair", &e));
                        }
                    };
                    exists.insert(target.clone(), found);
                    found
                }
            };
            if !known {
                skip(
                    &mut plan,
                    problem,
                    "the organization it was made for no longer exists; revoke it with `clients revoke`",
                );
                continue;
            }
            if let Some(wrong) = &key.organization_id
                && problem == Health::Mismatch
            {
                plan.changes.push(RepairChange::Unlink {
                    grant_id: grant.clone(),
                    client_id: key.client_id.clone(),
                    name: key.name.clone(),
                    organization_id: wrong.clone(),
                });
            }
            let already = linked
                .get(grant.as_str())
                .is_some_and(|orgs| orgs.contains(target.as_str()));
            if !already && planned_links.insert((grant.clone(), target.clone())) {
                plan.changes.push(RepairChange::Link {
                    grant_id: grant.clone(),
                    client_id: key.client_id.clone(),
                    name: key.name.clone(),
                    organization_id: target,
                });
            }
        }
        Ok(plan)
    }

    /// Carries out a repair plan, change by change, each written to the audit log.
    /// Links come before unlinks, so a moved key is never left linked nowhere.
    pub async fn apply_repair(
        &self,
        plan: &RepairPlan,
        rate: Option<f64>,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Vec<RepairOutcome> {
        if let Err(refused) = self.refuse_if_read_only(super::Action::RevokeKey) {
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
        self.refuse_if_read_only(super::Action::RotateSecret)?;
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
                    super::provision::rotation_unknown(&target.client_id, &e)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn health_names_round_trip() {
        for health in Health::ALL {
            assert_eq!(Health::parse(health.as_str()), Some(health));
        }
        assert_eq!(Health::parse("STALE"), Some(Health::Stale));
        assert_eq!(Health::parse("broken"), None);
    }

    #[test]
    fn ages_are_counted_in_whole_days() {
        let now = humantime::parse_rfc3339("2026-12-03T12:00:00Z").unwrap();
        assert_eq!(age_days("2026-12-01T12:00:00Z", now), Some(2));
        assert_eq!(age_days("2026-12-01T12:00:00.000Z", now), Some(2));
        assert_eq!(age_days("not a date", now), None);
    }

    #[tokio::test]
    async fn the_pacer_keeps_to_its_rate_after_the_burst() {
        let mut pacer = Pacer::new(Some(20.0));
        let started = Instant::now();
        for _ in 0..11 {
            pacer.wait().await;
        }
        // The first at once, ten more 50 ms apart.
        assert!(
            started.elapsed() >= Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        let mut unpaced = Pacer::new(None);
        let started = Instant::now();
        for _ in 0..1000 {
            unpaced.wait().await;
        }
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
