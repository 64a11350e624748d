//! Measures how long the sandbox tenant takes to start (RSA key included):
//! `cargo run --release --example sandbox_start`.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};

#[tokio::main]
async fn main() {
    for seed in [Seed::Demo, Seed::Demo, Seed::Large(100_000)] {
        let started = Instant::now();
        let sandbox = Sandbox::start(SandboxOptions {
            seed,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let ready = started.elapsed();
        // Ready means answering: one JWKS request over HTTP.
        let jwks = reqwest::get(format!("{}/.well-known/jwks.json", sandbox.base_url()))
            .await
            .unwrap();
        assert!(jwks.status().is_success());
        println!(
            "seed {seed}: started in {ready:?}, first answer after {:?}",
            started.elapsed()
        );
        sandbox.shutdown().await;
    }
}
