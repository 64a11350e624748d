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
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::auth0::{Client, ClientGrant, MAX_PAGE};

mod repair;
mod rotation;

pub use repair::{RepairChange, RepairOutcome, RepairPlan, RepairSkip};
pub use rotation::{BulkRotation, RotationProgress, RotationTarget};

use super::{Organization, Portal, PortalError};

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
    /// That organization's display name, when it has one (the TUI's title).
    pub organization_display_name: Option<String>,
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
    organization: Option<&Organization>,
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
    if let (Some(org), Some(client)) = (organization, client)
        && claimed_organizations(client).iter().any(|c| *c != org.id)
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
        organization_id: organization.map(|org| org.id.clone()),
        organization_name: organization.map(|org| org.name.clone()),
        organization_display_name: organization.and_then(|org| org.display_name.clone()),
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

/// What a tenant-wide listing is doing, for its errors.
const TENANT_KEYS: &str = "listing the tenant's keys";

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
        // 1. Every grant for the configured API; 2. every M2M client, without secrets.
        let grants = self.all_grants(pacer, progress).await?;
        let clients = self.all_clients(pacer, progress).await?;
        // 3. The organizations of each grant that can be linked to one.
        let now = SystemTime::now();
        let mut keys = self
            .linked_rows(&grants, &clients, options, pacer, progress, now)
            .await?;
        // 4. Orphans: clients this tool made that have no grant for the API.
        let admin = self.settings.client_id.trim();
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

    /// Every grant for the configured API (checkpoint paging).
    async fn all_grants(
        &self,
        pacer: &mut Pacer,
        progress: &(dyn Fn(InventoryProgress) + Send + Sync),
    ) -> Result<Vec<ClientGrant>, PortalError> {
        let fail = |e| PortalError::management(TENANT_KEYS, &e);
        let audience = self.settings.api_audience.as_str();
        let mut grants: Vec<ClientGrant> = Vec::new();
        let mut from: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            pacer.wait().await;
            let page = self
                .auth0
                .client_grants_page(audience, from.as_deref(), MAX_PAGE)
                .await
                .map_err(fail)?;
            let empty = page.items.is_empty();
            grants.extend(page.items);
            progress(InventoryProgress {
                phase: InventoryPhase::Grants,
                done: grants.len(),
                total: None,
            });
            match page.next {
                Some(next) => {
                    crate::auth0::check_cursor(
                        "GET /api/v2/client-grants",
                        &mut seen,
                        &next,
                        empty,
                    )
                    .map_err(fail)?;
                    from = Some(next);
                }
                None => return Ok(grants),
            }
        }
    }

    /// Every M2M client, without secrets (checkpoint paging), by client id.
    async fn all_clients(
        &self,
        pacer: &mut Pacer,
        progress: &(dyn Fn(InventoryProgress) + Send + Sync),
    ) -> Result<BTreeMap<String, Client>, PortalError> {
        let fail = |e| PortalError::management(TENANT_KEYS, &e);
        let mut clients: BTreeMap<String, Client> = BTreeMap::new();
        let mut from: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            pacer.wait().await;
            let page = self
                .auth0
                .clients_checkpoint_page(from.as_deref(), MAX_PAGE)
                .await
                .map_err(fail)?;
            let empty = page.items.is_empty();
            clients.extend(page.items.into_iter().map(|c| (c.client_id.clone(), c)));
            progress(InventoryProgress {
                phase: InventoryPhase::Clients,
                done: clients.len(),
                total: None,
            });
            match page.next {
                Some(next) => {
                    crate::auth0::check_cursor("GET /api/v2/clients", &mut seen, &next, empty)
                        .map_err(fail)?;
                    from = Some(next);
                }
                None => return Ok(clients),
            }
        }
    }

    /// One row per organization each grant that can be linked is linked to (one
    /// request per grant), and one for a grant linked nowhere.
    async fn linked_rows(
        &self,
        grants: &[ClientGrant],
        clients: &BTreeMap<String, Client>,
        options: &InventoryOptions,
        pacer: &mut Pacer,
        progress: &(dyn Fn(InventoryProgress) + Send + Sync),
        now: SystemTime,
    ) -> Result<Vec<InventoryKey>, PortalError> {
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
                .map_err(|e| PortalError::management(TENANT_KEYS, &e))?
                .into_iter()
                .map(Organization::from)
                .collect::<Vec<_>>();
            let client = clients.get(&grant.client_id);
            let rows: Vec<Option<&Organization>> = if organizations.is_empty() {
                vec![None]
            } else {
                organizations.iter().map(Some).collect()
            };
            for organization in rows {
                keys.push(row(
                    client,
                    &grant.client_id,
                    Some(grant),
                    organization,
                    false,
                    options.stale_days,
                    now,
                ));
            }
            progress(InventoryProgress {
                phase: InventoryPhase::Links,
                done: i + 1,
                total: Some(total),
            });
        }
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
                Some(&org),
                false,
                options.stale_days,
                now,
            ));
        }
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(keys)
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
