//! Unit tests of `keys` (repair and rotate output).

use serde_json::json;

use super::repair::repair_json;
use super::rotate::rotation_plan_text;
use crate::portal::{PortalError, RepairChange, RepairOutcome, RepairPlan, RotationTarget};

#[test]
fn repair_json_gives_each_change_its_own_result() {
    let link = RepairChange::Link {
        grant_id: "cgr_1".to_owned(),
        client_id: "client_1".to_owned(),
        name: "acme api key".to_owned(),
        organization_id: "org_1".to_owned(),
    };
    let delete = RepairChange::DeleteClient {
        client_id: "client_2".to_owned(),
        name: "orphan".to_owned(),
        made_for: None,
    };
    let plan = RepairPlan {
        changes: vec![link.clone(), delete.clone()],
        skipped: Vec::new(),
    };
    let refused = PortalError::failure("Auth0 refused the change");
    let outcomes = [
        RepairOutcome {
            change: link,
            result: Ok(()),
        },
        RepairOutcome {
            change: delete,
            result: Err(refused.clone()),
        },
    ];
    let doc = repair_json(&plan, &outcomes).expect("every change has a JSON form");
    let results = doc["results"].as_array().expect("results is an array");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["change"], json!("link"));
    assert_eq!(results[0]["client_id"], json!("client_1"));
    assert_eq!(results[0]["ok"], json!(true));
    assert!(results[0].get("error").is_none());
    assert_eq!(results[1]["change"], json!("delete_client"));
    assert_eq!(results[1]["ok"], json!(false));
    assert_eq!(results[1]["error"], json!(refused.to_string()));
    assert_eq!(doc["changes"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_rotation_plan_names_each_key_and_the_time_at_the_rate() {
    let targets = [
        RotationTarget {
            client_id: "client_1".to_owned(),
            name: "one".to_owned(),
            organization_id: Some("org_1".to_owned()),
        },
        RotationTarget {
            client_id: "client_2".to_owned(),
            name: "two\x1b[31m".to_owned(),
            organization_id: None,
        },
    ];
    let text = rotation_plan_text(&targets, 2.0);
    assert!(text.starts_with("2 key(s) to rotate:\n"), "{text}");
    assert!(text.contains("  client_1 (one) org_1\n"), "{text}");
    assert!(text.contains("client_2 (two"), "{text}");
    assert!(!text.contains('\x1b'), "tenant text is sanitized: {text:?}");
    // Two requests a key at two a second.
    assert!(text.contains("takes about 2 s"), "{text}");
}
