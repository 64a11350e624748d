//! `keys list | repair | rotate` through `commands::run_with` against the sandbox's
//! `keys` seed; every exchange is checked against Auth0's schema at the end.
#![allow(clippy::unwrap_used)]

mod common;

use m2m_portal::commands::{Input, Output, run_with};
use m2m_portal::sandbox::{SandboxOptions, Seed};

struct Tenant {
    sandbox: common::TestSandbox,
    dir: tempfile::TempDir,
}

impl Tenant {
    async fn start() -> Self {
        Self {
            sandbox: common::TestSandbox::with_options(SandboxOptions {
                seed: Seed::Keys(0),
                ..SandboxOptions::default()
            })
            .await,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn run_input(&self, args: &[&str], input: Input) -> Output {
        run_with(
            args,
            &self.sandbox.settings(),
            Input {
                audit_log: Some(self.dir.path().join("audit.jsonl")),
                ..input
            },
        )
        .await
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_input(args, Input::default()).await
    }

    fn audit(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("audit.jsonl")).unwrap_or_default()
    }
}

fn health_of(doc: &serde_json::Value, name: &str) -> String {
    doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {doc}"))["health"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn keys_list_reports_health_as_json_csv_and_a_table() {
    let tenant = Tenant::start().await;
    let out = tenant.run(&["keys", "list", "--json"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json().unwrap();
    assert_eq!(health_of(&doc, "acme orphan key"), "orphan");
    assert_eq!(health_of(&doc, "hooli unlinked key"), "unlinked");
    assert_eq!(health_of(&doc, "umbrella stale key"), "stale");
    assert_eq!(health_of(&doc, "stark mismatched key"), "mismatch");
    assert_eq!(health_of(&doc, "initech rotated key"), "ok");
    assert_eq!(doc["counts"]["ok"], 2);
    assert_eq!(doc["counts"]["unlinked"], 2);
    assert_eq!(doc["requests"], 8);
    // --stale-days and --health filter.
    let out = tenant
        .run(&[
            "keys",
            "list",
            "--stale-days",
            "5",
            "--health",
            "stale",
            "--json",
        ])
        .await;
    let doc = out.json().unwrap();
    let names: Vec<&str> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"globex api key 2026-11-01"), "{names:?}");
    assert!(names.contains(&"umbrella stale key"), "{names:?}");
    assert!(!names.contains(&"initech rotated key"), "{names:?}");
    // CSV: a header and one line per key.
    let out = tenant.run(&["keys", "list", "--csv"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.trim_end().split("\r\n").collect();
    assert!(lines[0].starts_with("organization_id,organization_name,client_id,name"));
    assert_eq!(lines.len(), 1 + 7, "{}", out.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",acme orphan key,") && l.contains(",orphan,"))
    );
    // The table, and the summary on stderr.
    let out = tenant.run(&["keys", "list", "--org", "umbrella"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("umbrella stale key"), "{}", out.stdout);
    assert!(out.stdout.contains("HEALTH"));
    assert!(out.stderr.contains("1 key(s)"), "{}", out.stderr);
    // A health state that does not exist is a usage error.
    let out = tenant.run(&["keys", "list", "--health", "broken"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    tenant.sandbox.finish().await;
}

#[tokio::test]
async fn keys_repair_confirms_refuses_without_a_terminal_and_fixes_the_broken_keys() {
    let tenant = Tenant::start().await;
    let before = tenant.sandbox.stats().management_requests;
    let out = tenant.run(&["keys", "repair"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert_eq!(
        tenant.sandbox.stats().management_requests,
        before,
        "nothing read or changed"
    );
    // At a terminal, the plan is listed and a "no" changes nothing.
    let out = tenant
        .run_input(
            &["keys", "repair"],
            Input {
                stdin: "no\n".into(),
                stdin_is_terminal: true,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("4 change(s)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("delete orphan client"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("left alone (unlinked)"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("Not confirmed"), "{}", out.stderr);
    assert!(!tenant.audit().contains("repair_"));
    // "yes" applies them.
    let out = tenant
        .run_input(
            &["keys", "repair"],
            Input {
                stdin: "yes\n".into(),
                stdin_is_terminal: true,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.matches("done    ").count(), 4, "{}", out.stdout);
    assert_eq!(tenant.audit().matches("repair_").count(), 4);
    let doc = tenant
        .run(&["keys", "list", "--json"])
        .await
        .json()
        .unwrap();
    assert_eq!(doc["counts"]["orphan"], 0);
    assert_eq!(doc["counts"]["mismatch"], 0);
    assert_eq!(
        doc["counts"]["unlinked"], 1,
        "the partner's, which names no organization"
    );
    // Nothing left to do, also from a script.
    let out = tenant.run(&["keys", "repair", "--yes", "--json"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json().unwrap()["changes"], serde_json::json!([]));
    tenant.sandbox.finish().await;
}

#[tokio::test]
async fn keys_rotate_stale_shows_each_new_secret_once_and_never_logs_it() {
    let tenant = Tenant::start().await;
    let out = tenant.run(&["keys", "rotate", "--stale"]).await;
    assert_eq!(out.code, 2, "refused without a terminal: {}", out.stderr);
    let out = tenant
        .run(&[
            "keys", "rotate", "--stale", "--yes", "--json", "--rate", "50",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json().unwrap();
    let rotated = doc["rotated"].as_array().unwrap();
    assert_eq!(rotated.len(), 1, "{doc}");
    assert_eq!(rotated[0]["client_name"], "umbrella stale key");
    let secret = rotated[0]["client_secret"].as_str().unwrap();
    assert!(!secret.is_empty());
    assert!(!out.stderr.contains(secret));
    assert!(!tenant.audit().contains(secret));
    assert!(tenant.audit().contains("rotate_secret"));
    // Rotated keys are no longer stale.
    let doc = tenant
        .run(&["keys", "list", "--json"])
        .await
        .json()
        .unwrap();
    assert_eq!(health_of(&doc, "umbrella stale key"), "ok");
    // By organization, confirmed by typing the count at a terminal.
    let out = tenant
        .run_input(
            &[
                "keys", "rotate", "--org", "globex", "initech", "--rate", "50",
            ],
            Input {
                stdin: "2\n".into(),
                stdin_is_terminal: true,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("CLIENT SECRET"), "{}", out.stdout);
    assert!(out.stdout.contains("globex api key 2026-11-01"));
    assert!(out.stdout.contains("initech rotated key"));
    assert!(out.stderr.contains("2 rotated, 0 failed"), "{}", out.stderr);
    tenant.sandbox.finish().await;
}

/// Ctrl-C during `keys rotate` stops after the key in hand: that key's new secret
/// is printed, the keys not started are named and keep their secrets, exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_a_bulk_rotation_after_the_key_in_hand_and_prints_its_secret() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let tenant = Arc::new(Tenant::start().await);
    let ctrl_c = Arc::new(AtomicBool::new(false));
    let rotations = |tenant: &Tenant| {
        tenant
            .sandbox
            .exchanges()
            .iter()
            .filter(|e| e.method == "POST" && e.path.contains("/rotate-secret"))
            .count()
    };
    let run = tokio::spawn({
        let (tenant, ctrl_c) = (tenant.clone(), ctrl_c.clone());
        async move {
            // One request a second: the first key's second request comes a second
            // after its rotation, time enough to press Ctrl-C while it is in hand.
            tenant
                .run_input(
                    &[
                        "keys", "rotate", "--org", "globex", "initech", "--yes", "--json",
                        "--rate", "1",
                    ],
                    Input {
                        interrupt: Some(ctrl_c),
                        ..Input::default()
                    },
                )
                .await
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while rotations(&tenant) == 0 {
        assert!(std::time::Instant::now() < deadline, "no rotation began");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    ctrl_c.store(true, Ordering::SeqCst);
    let out = run.await.unwrap();
    assert_eq!(
        out.code, 1,
        "stopped early is not a success: {}",
        out.stderr
    );
    let doc = out.json().unwrap();
    let rotated = doc["rotated"].as_array().unwrap();
    let not_started = doc["not_started"].as_array().unwrap();
    assert_eq!(rotated.len(), 1, "{doc}");
    assert_eq!(not_started.len(), 1, "{doc}");
    assert!(!rotated[0]["client_secret"].as_str().unwrap().is_empty());
    assert_ne!(rotated[0]["client_id"], not_started[0]["client_id"]);
    assert_eq!(rotations(&tenant), 1, "the second key was never touched");
    assert!(
        out.stderr
            .contains("Stopped by Ctrl-C: 1 key(s) not started keep their secrets"),
        "{}",
        out.stderr
    );
    let name = not_started[0]["name"].as_str().unwrap();
    assert!(out.stderr.contains(name), "{}", out.stderr);
    Arc::into_inner(tenant)
        .expect("the run is over")
        .sandbox
        .finish()
        .await;
}
