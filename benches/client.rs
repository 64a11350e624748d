//! What a user feels of the portal's use cases, through `m2m_portal::portal::Portal` against
//! the real sandbox on 127.0.0.1:0 holding 100,000 organizations: a page of organizations at
//! the start and deep in, finding one by name or id, signing in, and checking a token.
//!
//! Run with `cargo bench --bench client`; see docs/BENCHMARKS.md for figures.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode};
use m2m_portal::commands::{self, Input};
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

/// The pages `orgs list` reads: the most Auth0 serves per checkpoint page.
const LIST_TAKE: u32 = m2m_portal::auth0::MAX_PAGE;

/// What a script would write instead of `orgs list --json`: one token, then the same
/// checkpoint pages with a bare reqwest client, each body parsed, the organizations kept.
async fn raw_http_loop(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let form = [
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", sandbox.admin_client_id()),
        (
            "client_secret",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("audience", format!("{base}/api/v2/")),
    ];
    let token: serde_json::Value = http
        .post(format!("{base}/oauth/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let mut organizations = Vec::new();
    let mut from: Option<String> = None;
    loop {
        let mut query = vec![("take", LIST_TAKE.to_string())];
        if let Some(from) = &from {
            query.push(("from", from.clone()));
        }
        let mut body: serde_json::Value = http
            .get(format!("{base}/api/v2/organizations"))
            .query(&query)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(serde_json::Value::Array(page)) =
            body.get_mut("organizations").map(std::mem::take)
        {
            organizations.extend(page);
        }
        match body["next"].as_str() {
            Some(next) => from = Some(next.to_owned()),
            None => break,
        }
    }
    organizations
}

/// `orgs list --json` (the library face of the binary: parsing, portal, paging, JSON
/// output) against the raw loop over the same pages; issue 10's budget is ≤ 1.3x.
fn bench_orgs_list(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("orgs_list_json");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for count in [1_000, 20_000] {
        let tenant = rt.block_on(Tenant::start(Seed::Large(count)));
        let settings = tenant.sandbox.settings();
        let audit = tenant.audit_dir.path().join("audit.jsonl");
        let listed = rt.block_on(raw_http_loop(&tenant.sandbox)).len();
        assert!(listed >= count, "{listed} of {count}");
        let run = || {
            rt.block_on(commands::run_with(
                &["orgs", "list", "--json"],
                &settings,
                Input {
                    audit_log: Some(audit.clone()),
                    ..Input::default()
                },
            ))
        };
        let output = run();
        assert_eq!(output.code, 0, "{}", output.stderr);
        assert_eq!(output.json().unwrap().as_array().unwrap().len(), listed);
        group.bench_function(BenchmarkId::new("m2m_portal_orgs_list_json", count), |b| {
            b.iter(|| black_box(run().stdout.len()))
        });
        // The library's page stream alone (no command, no output): where the difference is.
        group.bench_function(
            BenchmarkId::new("auth0_organization_pages_only", count),
            |b| {
                b.iter(|| {
                    rt.block_on(async {
                        use futures_util::TryStreamExt as _;
                        let portal = tenant.portal();
                        let pages = portal.auth0().organization_pages(LIST_TAKE);
                        let pages: Vec<_> = pages.try_collect().await.unwrap();
                        black_box(pages.iter().map(|p| p.items.len()).sum::<usize>())
                    })
                })
            },
        );
        group.bench_function(
            BenchmarkId::new("raw_reqwest_loop_same_pages", count),
            |b| b.iter(|| black_box(rt.block_on(raw_http_loop(&tenant.sandbox)).len())),
        );
        rt.block_on(tenant.sandbox.shutdown());
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_orgs_list(&mut criterion);
    bench_organizations(&mut criterion);
    bench_sign_in(&mut criterion);
    bench_jwt(&mut criterion);
    criterion.final_summary();
}
