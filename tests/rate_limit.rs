//! Issue 10.2: listing a tenant of 300+ organizations under Auth0's rate limit
//! (`--rate 2`) completes without an error and without hammering the tenant:
//! at most 1.5 Management requests per page on average, the client waiting for
//! `x-ratelimit-reset` instead of retrying early. Measured through real HTTP
//! against the sandbox (portal, binary and the TUI's paging); the figures are in
//! docs/RELIABILITY.md.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use m2m_portal::portal::{Portal, PortalOptions};
use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};

/// 320 in `cargo test`; `M2M_RATE_ORGS=2000` for a longer measurement.
fn organizations() -> usize {
    std::env::var("M2M_RATE_ORGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(320)
}

async fn limited_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        seed: Seed::Large(organizations()),
        rate: Some(2),
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

/// Pages, requests and time of one walk, as the docs print them.
fn report(face: &str, pages: u64, requests: u64, limited: u64, wall: Duration) -> f64 {
    let per_page = requests as f64 / pages as f64;
    eprintln!(
        "{face}: {} organizations, {pages} pages, {requests} Management requests \
         ({limited} answered 429), {per_page:.2} requests/page, {:.1} s",
        organizations(),
        wall.as_secs_f64()
    );
    per_page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_320_organizations_at_2_requests_a_second_waits_instead_of_hammering() {
    let sandbox = limited_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::with_options(
        &sandbox.settings(),
        PortalOptions {
            audit_log: Some(dir.path().join("audit.jsonl")),
            retry: None,
        },
    )
    .unwrap();
    let started = Instant::now();
    let listed = tokio::time::timeout(Duration::from_secs(120), portal.all_organizations(None))
        .await
        .expect("the listing never ended")
        .expect("the listing failed under the rate limit");
    let wall = started.elapsed();
    assert_eq!(listed.len(), organizations());
    let stats = sandbox.stats();
    let pages = organizations().div_ceil(m2m_portal::auth0::MAX_PAGE as usize) as u64;
    let per_page = report(
        "portal",
        pages,
        stats.management_requests,
        stats.rate_limited,
        wall,
    );
    assert!(per_page <= 1.5, "{per_page:.2} requests per page");
    sandbox.shutdown().await;
}
