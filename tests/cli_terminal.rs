//! The real binary in a pseudo-terminal: a secret typed at the prompt is never echoed.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use m2m_portal::config::Settings;
use m2m_portal::portal::{Portal, PortalOptions};
use m2m_portal::sandbox::{Sandbox, SandboxOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_reads_the_secret_at_a_terminal_without_echo() {
    let sandbox = Sandbox::start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let dirs = tempfile::tempdir().unwrap();
    let settings = Settings::for_tenant(
        &sandbox.base_url(),
        &sandbox.admin_client_id(),
        sandbox.admin_client_secret(),
        &sandbox.api_audience(),
        &sandbox.api_scope(),
    );
    let portal = Portal::with_options(
        &settings,
        PortalOptions {
            audit_log: Some(dirs.path().join("audit.jsonl")),
            retry: None,
        },
    )
    .unwrap();
    let org = portal.find_organization("globex").await.unwrap();
    let key = portal.provision_key(&org.id, None, &|_| {}).await.unwrap();

    let env = [
        ("PLUGIN_AUTH0_M2M_DOMAIN", sandbox.base_url()),
        ("PLUGIN_AUTH0_M2M_CLIENT_ID", sandbox.admin_client_id()),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("PLUGIN_AUTH0_M2M_API_AUDIENCE", sandbox.api_audience()),
        ("PLUGIN_AUTH0_M2M_API_SCOPE", sandbox.api_scope()),
        (
            "M2M_PORTAL_CONFIG_DIR",
            dirs.path().join("c").display().to_string(),
        ),
        (
            "M2M_PORTAL_DATA_DIR",
            dirs.path().join("d").display().to_string(),
        ),
        (
            "M2M_PORTAL_LOG_DIR",
            dirs.path().join("l").display().to_string(),
        ),
    ];
    let client_id = key.client_id.clone();
    let secret = key.client_secret.expose_secret().to_owned();
    let org_id = org.id.clone();
    let (raw, code) = tokio::task::spawn_blocking(move || {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_m2m-portal"));
        command.args(["token", "--client-id", &client_id, "--org", &org_id]);
        command.env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        command.env("TERM", "xterm-256color");
        for (name, value) in &env {
            command.env(name, value);
        }
        let mut child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let wait_for = |text: &str| {
            let deadline = Instant::now() + Duration::from_secs(30);
            while !String::from_utf8_lossy(&output.lock().unwrap()).contains(text) {
                assert!(Instant::now() < deadline, "timed out waiting for {text:?}");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        wait_for("input hidden");
        let mut writer = pair.master.take_writer().unwrap();
        writer.write_all(secret.as_bytes()).unwrap();
        writer.write_all(b"\r").unwrap();
        wait_for("access_token:");
        let status = child.wait().unwrap();
        let raw = output.lock().unwrap().clone();
        (raw, status.exit_code())
    })
    .await
    .unwrap();
    assert_eq!(code, 0);
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains(key.client_secret.expose_secret()),
        "the secret was echoed"
    );
    assert!(text.contains("org_id"));
    common::check_exchanges(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    sandbox.shutdown().await;
}
