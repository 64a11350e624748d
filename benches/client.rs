//! What a user feels of the portal's use cases, through `m2m_portal::portal::Portal` against
//! the real sandbox on 127.0.0.1:0 holding 100,000 organizations: a page of organizations at
//! the start and deep in, finding one by name or id, signing in, and checking a token.
//!
//! Run with `cargo bench --bench client`; see docs/BENCHMARKS.md for figures.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BatchSize, Criterion};
use m2m_portal::config::Settings;
use m2m_portal::jwt::{self, Expectations};
use m2m_portal::portal::{Portal, PortalOptions};
use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};
use tokio::runtime::Runtime;

/// Organizations in the tenant: the size issue 2 names.
const LARGE: usize = 100_000;
/// The portal's screen page.
const TAKE: u32 = 50;
/// Organizations walked past before the deep page is measured.
const DEEP: usize = 99_900;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The sandbox, and what a portal needs to talk to it (audit log kept out of the data dir).
struct Tenant {
    sandbox: Sandbox,
    settings: Settings,
    audit_dir: tempfile::TempDir,
}

impl Tenant {
    async fn start(seed: Seed) -> Tenant {
        let sandbox = Sandbox::start(SandboxOptions {
            seed,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let settings = Settings::for_tenant(
            &sandbox.base_url(),
            &sandbox.admin_client_id(),
            sandbox.admin_client_secret(),
            &sandbox.api_audience(),
            &sandbox.api_scope(),
        );
        Tenant {
            sandbox,
            settings,
            audit_dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A fresh portal: its own HTTP client and no cached Management token.
    fn portal(&self) -> Portal {
        Portal::with_options(
            &self.settings,
            PortalOptions {
                audit_log: Some(self.audit_dir.path().join("audit.jsonl")),
                retry: None,
            },
        )
        .unwrap()
    }
}

fn bench_organizations(c: &mut Criterion) {
    let rt = runtime();
    let tenant = rt.block_on(Tenant::start(Seed::Large(LARGE)));
    let portal = tenant.portal();
    // Follow `next` to the deep checkpoint, as the TUI does when scrolling far down.
    let (deep, deep_org) = rt.block_on(async {
        let mut from = None;
        let mut walked = 0;
        while walked < DEEP {
            let page = portal.organizations_page(from, 100).await.unwrap();
            walked += page.organizations.len();
            from = Some(page.next.unwrap());
        }
        let deep = from.unwrap();
        let page = portal
            .organizations_page(Some(deep.clone()), TAKE)
            .await
            .unwrap();
        assert_eq!(page.organizations.len(), TAKE as usize);
        (deep, page.organizations[TAKE as usize / 2].clone())
    });

    let mut group = c.benchmark_group("portal_organizations_100000");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("organizations_page_first_take50", |b| {
        b.iter(|| rt.block_on(async { black_box(portal.organizations_page(None, TAKE).await) }))
    });
    group.bench_function("organizations_page_deep_take50_after_99900", |b| {
        b.iter(|| {
            rt.block_on(async {
                black_box(portal.organizations_page(Some(deep.clone()), TAKE).await)
            })
        })
    });
    group.bench_function("find_organization_by_name", |b| {
        b.iter(|| {
            rt.block_on(async {
                let found = portal.find_organization(&deep_org.name).await.unwrap();
                assert_eq!(found.id, deep_org.id);
                black_box(found)
            })
        })
    });
    group.bench_function("find_organization_by_id", |b| {
        b.iter(|| {
            rt.block_on(async {
                let found = portal.find_organization(&deep_org.id).await.unwrap();
                assert_eq!(found.name, deep_org.name);
                black_box(found)
            })
        })
    });
    group.finish();
    rt.block_on(tenant.sandbox.shutdown());
}

fn bench_sign_in(c: &mut Criterion) {
    let rt = runtime();
    let tenant = rt.block_on(Tenant::start(Seed::Demo));
    let mut group = c.benchmark_group("portal_sign_in");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    // A fresh portal each time (built outside the timing): a new connection and a newly
    // signed Management token, as when the app starts.
    group.bench_function("sign_in_fresh_portal", |b| {
        b.iter_batched(
            || tenant.portal(),
            |portal| {
                rt.block_on(async {
                    let signed_in = portal.sign_in().await.unwrap();
                    assert!(signed_in.missing.is_empty());
                    black_box(signed_in)
                })
            },
            BatchSize::SmallInput,
        )
    });
    // Building the portal itself (HTTP client with its TLS configuration).
    group.bench_function("portal_new", |b| b.iter(|| black_box(tenant.portal())));
    group.finish();
    rt.block_on(tenant.sandbox.shutdown());
}

fn bench_jwt(c: &mut Criterion) {
    let rt = runtime();
    let tenant = rt.block_on(Tenant::start(Seed::Demo));
    let portal = tenant.portal();
    let (token, jwks) = rt.block_on(async {
        let token = portal.auth0().management_token().await.unwrap();
        let jwks = portal.auth0().jwks().await.unwrap();
        (token, jwks)
    });
    let token = token.access_token.expose_secret().to_owned();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expect = Expectations {
        issuer: tenant.settings.issuer(),
        audience: tenant.settings.management_audience(),
        organization_id: None,
        now,
    };
    // Measure the path a good token takes: every check passes.
    assert!(jwt::all_ok(&jwt::check(&token, &jwks, &expect)));
    rt.block_on(tenant.sandbox.shutdown());

    let mut group = c.benchmark_group("jwt");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("check_sandbox_token_rs256", |b| {
        b.iter(|| black_box(jwt::check(black_box(&token), &jwks, &expect)))
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_organizations(&mut criterion);
    bench_sign_in(&mut criterion);
    bench_jwt(&mut criterion);
    criterion.final_summary();
}
