//! Builders for the key inventory screen's tests.

use m2m_portal::portal::{Health, Inventory, InventoryKey, IssuedKey, RotationTarget};
use m2m_portal::secret::Secret;
use m2m_portal::tui::app::{Cmd, Model, Msg, RequestId};

use super::{ch, feed, only_id, signed_in};

/// One inventory row; `issues` empty means ok.
pub fn inventory_key(i: usize, name: &str, org: Option<&str>, issues: &[Health]) -> InventoryKey {
    let mut issues = issues.to_vec();
    issues.sort();
    InventoryKey {
        organization_id: org.map(|o| format!("org_{o}")),
        organization_name: org.map(str::to_owned),
        organization_display_name: org.map(|o| format!("{o} Corporation")),
        made_for: org.map(|o| format!("org_{o}")),
        client_id: format!("client{i:020}"),
        name: name.to_owned(),
        grant_id: Some(format!("cgr_{i:016}")),
        created_at: Some("2026-05-01T10:00:00Z".to_owned()),
        rotated_at: None,
        scope: vec!["read:data".to_owned()],
        health: issues.first().copied().unwrap_or(Health::Ok),
        issues,
        age_days: Some(30),
        made_by_portal: true,
    }
}

/// A tenant with a key in every state (two stale ones).
pub fn sample_inventory() -> Inventory {
    Inventory {
        keys: vec![
            inventory_key(1, "acme key", Some("acme"), &[]),
            inventory_key(2, "globex old key", Some("globex"), &[Health::Stale]),
            inventory_key(3, "hooli unlinked key", None, &[Health::Unlinked]),
            inventory_key(4, "initech orphan key", None, &[Health::Orphan]),
            inventory_key(
                5,
                "stark mismatched key",
                Some("wayne"),
                &[Health::Mismatch],
            ),
            inventory_key(6, "umbrella old key", Some("umbrella"), &[Health::Stale]),
        ],
        stale_days: 90,
        requests: 9,
        organization: None,
    }
}

pub fn inventory_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::ListInventory { id, .. } => Some(*id),
        _ => None,
    })
}

pub fn bulk_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::RotateKeys { id, .. } => Some(*id),
        _ => None,
    })
}

/// Signed in, `K` pressed, the sample inventory listed.
pub fn in_keys(width: u16, height: u16) -> Model {
    let mut model = signed_in(width, height, 3, None);
    let cmds = feed(&mut model, [ch('K')]);
    let id = inventory_id(&cmds);
    feed(
        &mut model,
        [Msg::InventoryListed {
            id,
            result: Ok(sample_inventory()),
        }],
    );
    model
}

/// The secret a bulk rotation issues for a target.
pub fn bulk_secret(target: &RotationTarget) -> String {
    format!("NEW-SECRET-FOR-{}", target.client_id)
}

/// The credentials a bulk rotation issues for a target.
pub fn bulk_issued(target: &RotationTarget) -> IssuedKey {
    IssuedKey {
        client_id: target.client_id.clone(),
        client_name: target.name.clone(),
        client_secret: Secret::from(bulk_secret(target).as_str()),
        organization_id: target.organization_id.clone(),
        grant_id: None,
    }
}
