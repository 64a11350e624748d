//! The key inventory, its repair and bulk rotation (issue 11) through real HTTP
//! against the sandbox's `keys` seed; every exchange is checked against Auth0's schema.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use m2m_portal::portal::{
    Health, Inventory, InventoryOptions, Portal, PortalOptions, RepairChange, RotationTarget,
};
use m2m_portal::sandbox::{SandboxOptions, Seed};

fn portal(sandbox: &common::TestSandbox, dir: &tempfile::TempDir) -> Portal {
    Portal::with_options(
        &sandbox.settings(),
        PortalOptions {
            audit_log: Some(dir.path().join("audit.jsonl")),
            retry: None,
        },
    )
    .unwrap()
}

async fn keys_sandbox(seed: Seed, rate: Option<u32>) -> common::TestSandbox {
    common::TestSandbox::with_options(SandboxOptions {
        seed,
        rate,
        ..SandboxOptions::default()
    })
    .await
}

/// name → (health, issues, linked organization name)
fn by_name(inventory: &Inventory) -> BTreeMap<String, (Health, Vec<Health>, Option<String>)> {
    inventory
        .keys
        .iter()
        .map(|k| {
            (
                k.name.clone(),
                (k.health, k.issues.clone(), k.organization_name.clone()),
            )
        })
        .collect()
}

async fn list(portal: &Portal) -> Inventory {
    portal
        .inventory(&InventoryOptions::default(), &|_| {})
        .await
        .unwrap()
}

/// The `--org` inventory: one organization's keys.
async fn list_organization(portal: &Portal, organization: &str) -> Inventory {
    portal
        .inventory(
            &InventoryOptions {
                organization: Some(organization.into()),
                ..InventoryOptions::default()
            },
            &|_| {},
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_inventory_reports_each_health_state() {
    let sandbox = keys_sandbox(Seed::Keys(0), None).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let inventory = list(&portal).await;
    let keys = by_name(&inventory);
    let health = |name: &str| {
        keys.get(name)
            .unwrap_or_else(|| panic!("{name} listed: {keys:?}"))
    };
    assert_eq!(health("globex api key 2026-11-01").0, Health::Ok);
    assert_eq!(
        health("globex api key 2026-11-01").2.as_deref(),
        Some("globex")
    );
    // Made 400 days ago, rotated 3 days ago: the rotation counts.
    assert_eq!(health("initech rotated key").0, Health::Ok);
    assert_eq!(health("hooli unlinked key").0, Health::Unlinked);
    assert_eq!(health("hooli unlinked key").2, None);
    assert_eq!(health("partner integration").0, Health::Unlinked);
    assert_eq!(health("umbrella stale key").0, Health::Stale);
    assert_eq!(health("stark mismatched key").0, Health::Mismatch);
    assert_eq!(
        health("stark mismatched key").2.as_deref(),
        Some("wayne-enterprises")
    );
    assert_eq!(health("acme orphan key").0, Health::Orphan);
    // Not an organization's key: the admin app and a service without a grant.
    assert!(!keys.contains_key("billing service"), "{keys:?}");
    assert!(!keys.contains_key("m2m-portal admin"), "{keys:?}");
    assert_eq!(inventory.keys.len(), 7, "{keys:?}");
    let stale = inventory
        .keys
        .iter()
        .find(|k| k.name == "umbrella stale key")
        .unwrap();
    assert_eq!(stale.age_days, Some(200));
    assert_eq!(stale.scope, ["read:reports", "write:events"]);
    assert!(stale.created_at.is_some() && stale.made_by_portal);
    // A shorter stale age makes the 10-day-old globex key stale too.
    let strict = portal
        .inventory(
            &InventoryOptions {
                stale_days: 5,
                ..InventoryOptions::default()
            },
            &|_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        by_name(&strict)["globex api key 2026-11-01"].0,
        Health::Stale
    );
    // grant pages + client pages + one per grant that can be linked (6).
    assert_eq!(inventory.requests, 1 + 1 + 6, "requests counted");
    sandbox.finish().await;
}

#[tokio::test]
async fn one_organization_is_listed_without_walking_the_tenant() {
    let sandbox = keys_sandbox(Seed::Keys(0), None).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let inventory = list_organization(&portal, "wayne-enterprises").await;
    let keys = by_name(&inventory);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys["stark mismatched key"].0, Health::Mismatch);
    assert!(inventory.requests <= 4, "{} requests", inventory.requests);
    sandbox.finish().await;
}

#[tokio::test]
async fn linked_keys_carry_their_organizations_display_name() {
    let sandbox = keys_sandbox(Seed::Keys(0), None).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let display: BTreeMap<String, Option<String>> = portal
        .all_organizations(None)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.id, o.display_name))
        .collect();
    let whole = list(&portal).await;
    let one = list_organization(&portal, "wayne-enterprises").await;
    let mut linked = 0;
    for key in whole.keys.iter().chain(&one.keys) {
        match &key.organization_id {
            Some(id) => {
                linked += 1;
                assert!(key.organization_display_name.is_some(), "{key:?}");
                assert_eq!(key.organization_display_name, display[id], "{key:?}");
            }
            None => assert_eq!(key.organization_display_name, None, "{key:?}"),
        }
    }
    assert!(linked >= 4, "{linked} linked keys");
    sandbox.finish().await;
}

#[tokio::test]
async fn repair_fixes_exactly_the_broken_keys() {
    let sandbox = keys_sandbox(Seed::Keys(0), None).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let before = list(&portal).await;
    let plan = portal.plan_repair(&before).await.unwrap();
    let names: Vec<(String, &str)> = plan
        .changes
        .iter()
        .map(|c| match c {
            RepairChange::DeleteClient { name, .. } => ("delete".to_owned(), name.as_str()),
            RepairChange::Link {
                name,
                organization_id,
                ..
            } => (format!("link {organization_id}"), name.as_str()),
            RepairChange::Unlink {
                name,
                organization_id,
                ..
            } => (format!("unlink {organization_id}"), name.as_str()),
        })
        .collect();
    let org = |name: &str| {
        sandbox.snapshot()["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut expected = vec![
        ("delete".to_owned(), "acme orphan key"),
        (format!("link {}", org("hooli")), "hooli unlinked key"),
        (
            format!("unlink {}", org("wayne-enterprises")),
            "stark mismatched key",
        ),
        (
            format!("link {}", org("stark-industries")),
            "stark mismatched key",
        ),
    ];
    expected.sort();
    let mut got = names.clone();
    got.sort();
    assert_eq!(got, expected);
    // The partner's unlinked grant names no organization: left alone, with a reason.
    assert_eq!(plan.skipped.len(), 1, "{:?}", plan.skipped);
    assert_eq!(plan.skipped[0].name, "partner integration");
    assert!(plan.skipped[0].reason.contains("no organization"));

    let outcomes = portal.apply_repair(&plan, None, &|_, _| {}).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    let after = by_name(&list(&portal).await);
    assert!(!after.contains_key("acme orphan key"));
    assert_eq!(after["hooli unlinked key"].0, Health::Ok);
    assert_eq!(after["hooli unlinked key"].2.as_deref(), Some("hooli"));
    assert_eq!(after["stark mismatched key"].0, Health::Ok);
    assert_eq!(
        after["stark mismatched key"].2.as_deref(),
        Some("stark-industries")
    );
    // Untouched: healthy, stale (rotation fixes that) and the unfixable one.
    assert_eq!(after["globex api key 2026-11-01"].0, Health::Ok);
    assert_eq!(after["umbrella stale key"].0, Health::Stale);
    assert_eq!(after["partner integration"].0, Health::Unlinked);
    assert_eq!(after.len(), 6, "{after:?}");
    // Nothing more to do.
    let again = portal.plan_repair(&list(&portal).await).await.unwrap();
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    // Each change is in the audit log.
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert_eq!(audit.matches("repair_").count(), 4, "{audit}");
    sandbox.finish().await;
}

#[tokio::test]
async fn bulk_rotation_of_fifty_keys_keeps_within_the_rate_limit() {
    let sandbox = keys_sandbox(Seed::Keys(50), Some(2)).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    // The targets come from the sandbox's state (listing them is tested above).
    let snapshot = sandbox.snapshot();
    let targets: Vec<RotationTarget> = snapshot["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"].as_str().unwrap_or("").starts_with("fleet-"))
        .map(|c| RotationTarget {
            client_id: c["client_id"].as_str().unwrap().to_owned(),
            name: c["name"].as_str().unwrap().to_owned(),
            organization_id: c["client_metadata"]["org_id"].as_str().map(str::to_owned),
        })
        .collect();
    assert_eq!(targets.len(), 50);
    let seen = std::sync::Mutex::new(Vec::new());
    let outcome = portal
        .rotate_keys(&targets, Some(2.0), &|p| seen.lock().unwrap().push(p.done))
        .await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(outcome.rotated.len(), 50);
    assert!(outcome.unrecorded.is_empty());
    assert_eq!(*seen.lock().unwrap(), (1..=50).collect::<Vec<_>>());
    // Paced: not one request refused by the rate limit.
    assert_eq!(sandbox.stats().rate_limited, 0);
    assert_eq!(
        outcome.requests, 100,
        "a rotation and a rotated_at record per key"
    );
    assert!(
        outcome.elapsed >= Duration::from_secs(45),
        "{:?}",
        outcome.elapsed
    );
    // Every new secret is distinct, and each key is fresh now.
    let secrets: std::collections::BTreeSet<String> = outcome
        .rotated
        .iter()
        .map(|k| k.client_secret.expose_secret().to_owned())
        .collect();
    assert_eq!(secrets.len(), 50);
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    for key in &outcome.rotated {
        assert!(!audit.contains(key.client_secret.expose_secret()));
    }
    sandbox.finish().await;
}

#[tokio::test]
async fn a_rotated_key_is_no_longer_stale() {
    let sandbox = keys_sandbox(Seed::Keys(0), None).await;
    let dir = tempfile::tempdir().unwrap();
    let portal = portal(&sandbox, &dir);
    let before = list(&portal).await;
    let stale: Vec<RotationTarget> = before
        .keys
        .iter()
        .filter(|k| k.has(Health::Stale))
        .map(RotationTarget::from)
        .collect();
    assert_eq!(stale.len(), 1);
    // The single-key rotation records it too.
    portal.rotate_secret(&stale[0].client_id).await.unwrap();
    let after = by_name(&list(&portal).await);
    assert_eq!(after["umbrella stale key"].0, Health::Ok);
    let key = list(&portal)
        .await
        .keys
        .into_iter()
        .find(|k| k.name == "umbrella stale key")
        .unwrap();
    assert_eq!(key.age_days, Some(0));
    assert!(key.rotated_at.is_some());
    // The other metadata survives.
    assert_eq!(key.created_at, stale_created(&before));
    sandbox.finish().await;
}

fn stale_created(inventory: &Inventory) -> Option<String> {
    inventory
        .keys
        .iter()
        .find(|k| k.name == "umbrella stale key")
        .and_then(|k| k.created_at.clone())
}
