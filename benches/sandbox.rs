//! What a user feels of the embedded sandbox tenant, measured against the real server on
//! 127.0.0.1:0: how long until it is ready, how long a 100,000-organization seed takes,
//! whether a deep checkpoint page costs the same as the first one, and the token endpoint.
//!
//! Run with `cargo bench --bench sandbox`; see docs/BENCHMARKS.md for figures.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use futures_util::StreamExt;
use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};
use tokio::runtime::Runtime;

/// Organizations in the large tenant: the size issue 2 names.
const LARGE: usize = 100_000;
/// Page size of the checkpoint pages measured (the portal's screen page).
const TAKE: u32 = 50;
/// Organizations walked past before the deep page is measured.
const DEEP: usize = 99_900;
/// Set in the environment of a child copy of this binary that serves a sandbox.
const CHILD_VAR: &str = "M2M_BENCH_SANDBOX_CHILD";

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The child: exactly what `m2m-portal sandbox --addr 127.0.0.1:0 --seed demo` runs
/// (print the env block, serve until killed), so the parent sees what a user sees.
fn serve_as_child() {
    let options = SandboxOptions {
        seed: Seed::Demo,
        ..SandboxOptions::default()
    };
    let _ = runtime().block_on(m2m_portal::sandbox::serve(options));
}

/// Starts a child process serving a sandbox and returns the time until its env block
/// (which ends with a blank line) is on stdout: process start, RSA key, seed, bind.
fn cold_start_once() -> Duration {
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut child = Command::new(exe)
        .env(CHILD_VAR, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut saw_domain = false;
    loop {
        line.clear();
        let read = out.read_line(&mut line).unwrap();
        assert!(read > 0, "the sandbox child exited before its env block");
        saw_domain |= line.starts_with("PLUGIN_AUTH0_M2M_DOMAIN=");
        if saw_domain && line.trim().is_empty() {
            break;
        }
    }
    let ready = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    ready
}

async fn start(seed: Seed) -> Sandbox {
    Sandbox::start(SandboxOptions {
        seed,
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

fn bench_start(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("sandbox_start");
    // One start per sample: the linear mode would run up to 55 starts per bench.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));

    // What a user waits for: a fresh process, including its one RSA key generation.
    group.bench_function("cold_process_to_env_block_demo", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| cold_start_once()).sum())
    });

    // The key is made once per process, so later starts show the rest of the cost.
    rt.block_on(async { start(Seed::Demo).await.shutdown().await });
    group.bench_function("warm_start_shutdown_demo", |b| {
        b.iter(|| rt.block_on(async { start(Seed::Demo).await.shutdown().await }))
    });

    group.bench_function("warm_start_shutdown_large_100000", |b| {
        b.iter(|| rt.block_on(async { start(Seed::Large(LARGE)).await.shutdown().await }))
    });
    group.finish();
}

/// A management token and an HTTP client for a running sandbox.
struct Caller {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Caller {
    async fn new(sandbox: &Sandbox) -> Caller {
        let http = reqwest::Client::new();
        let base = sandbox.base_url();
        let reply: serde_json::Value = http
            .post(format!("{base}/oauth/token"))
            .form(&token_form(sandbox))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = reply["access_token"].as_str().unwrap().to_owned();
        Caller { http, base, token }
    }

    /// One checkpoint page: its organization count and the next checkpoint.
    async fn page(&self, from: Option<&str>, take: u32) -> (usize, Option<String>) {
        let mut query = vec![("take", take.to_string())];
        if let Some(from) = from {
            query.push(("from", from.to_owned()));
        }
        let body: serde_json::Value = self
            .http
            .get(format!("{}/api/v2/organizations", self.base))
            .query(&query)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let count = body["organizations"].as_array().map_or(0, Vec::len);
        (count, body["next"].as_str().map(str::to_owned))
    }
}

/// The admin app's client-credentials form for the Management API.
fn token_form(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", sandbox.admin_client_id()),
        (
            "client_secret",
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        ("audience", format!("{}/api/v2/", sandbox.base_url())),
    ]
}

fn bench_paging(c: &mut Criterion) {
    let rt = runtime();
    let sandbox = rt.block_on(start(Seed::Large(LARGE)));
    let caller = rt.block_on(Caller::new(&sandbox));
    // Walk to the deep checkpoint the way a client must: following `next`.
    let deep = rt.block_on(async {
        let mut from = None;
        let mut walked = 0;
        while walked < DEEP {
            let (count, next) = caller.page(from.as_deref(), 100).await;
            walked += count;
            from = Some(next.unwrap());
        }
        from.unwrap()
    });
    // Both pages are full: the comparison is like for like.
    assert_eq!(rt.block_on(caller.page(Some(&deep), TAKE)).0, TAKE as usize);

    let mut group = c.benchmark_group("sandbox_paging_100000");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("first_page_take50", |b| {
        b.iter(|| rt.block_on(async { black_box(caller.page(None, TAKE).await) }))
    });
    group.bench_function("deep_page_take50_after_99900", |b| {
        b.iter(|| rt.block_on(async { black_box(caller.page(Some(&deep), TAKE).await) }))
    });
    group.finish();
    rt.block_on(sandbox.shutdown());
}

fn bench_token(c: &mut Criterion) {
    let rt = runtime();
    let sandbox = rt.block_on(start(Seed::Demo));
    let http = reqwest::Client::new();
    let url = format!("{}/oauth/token", sandbox.base_url());
    let form = token_form(&sandbox);

    let mut group = c.benchmark_group("sandbox_token");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    // Each request signs a fresh RS256 token (2048-bit key): the signature dominates.
    group.bench_function("client_credentials_rs256", |b| {
        b.iter(|| {
            rt.block_on(async {
                let reply = http.post(&url).form(&form).send().await.unwrap();
                assert!(reply.status().is_success());
                black_box(reply.bytes().await.unwrap())
            })
        })
    });
    // Throughput with 8 requests in flight (what a busy gateway test or many CLIs do):
    // the budget is 2,000 tokens/s on 2 cores.
    const BATCH: u64 = 64;
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("client_credentials_rs256_8_in_flight_x64", |b| {
        b.iter(|| {
            rt.block_on(async {
                let replies = futures_util::stream::iter(0..BATCH)
                    .map(|_| async {
                        let reply = http.post(&url).form(&form).send().await.unwrap();
                        assert!(reply.status().is_success());
                        reply.bytes().await.unwrap().len()
                    })
                    .buffer_unordered(8)
                    .collect::<Vec<_>>()
                    .await;
                black_box(replies)
            })
        })
    });
    group.finish();
    // What 2 idle cores would give: the CPU this process spends per token (client, HTTP and
    // signing together, so pessimistic), independent of what other builds take from us.
    if let (Some(cpu_before), started) = (process_cpu(), Instant::now()) {
        let tokens = 1_000u32;
        rt.block_on(async {
            futures_util::stream::iter(0..tokens)
                .map(|_| async {
                    let reply = http.post(&url).form(&form).send().await.unwrap();
                    assert!(reply.status().is_success());
                    reply.bytes().await.unwrap().len()
                })
                .buffer_unordered(8)
                .collect::<Vec<_>>()
                .await
        });
        let wall = started.elapsed();
        if let Some(cpu_after) = process_cpu() {
            let per_token = (cpu_after - cpu_before) / tokens;
            println!(
                "sandbox_token: {tokens} tokens, 8 in flight: {:.0}/s wall-clock; {:.3} ms CPU per \
                 token (client + server) -> {:.0}/s on 2 idle cores",
                f64::from(tokens) / wall.as_secs_f64(),
                per_token.as_secs_f64() * 1e3,
                2.0 / per_token.as_secs_f64()
            );
        }
    }
    rt.block_on(sandbox.shutdown());
}

/// CPU time (user + system) of this process so far, on Linux.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name's closing parenthesis; utime and stime are 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux configuration Rust supports.
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    if std::env::var_os(CHILD_VAR).is_some() {
        serve_as_child();
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench_start(&mut criterion);
    bench_paging(&mut criterion);
    bench_token(&mut criterion);
    criterion.final_summary();
}
