//! Process start to first frame (issue 10: ≤ 50 ms median): the release binary, spawned in
//! a pseudo-terminal (120x40) against a loopback sandbox this bench starts, timed from the
//! spawn until the sign-in screen's title has arrived on the pty. Each run is a fresh
//! process in a fresh pty; the process is killed once its first frame is in.
//!
//! Run with `cargo bench --bench startup`; see docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use m2m_portal::sandbox::{Sandbox, SandboxOptions};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// What the first frame holds: the sign-in block's title (drawn as one run of cells).
const FIRST_FRAME: &[u8] = b"Sign in to the tenant";
const BINARY: &str = env!("CARGO_BIN_EXE_m2m-portal");

/// The binary's environment: the sandbox's credentials and private directories.
fn environment(sandbox: &Sandbox, home: &std::path::Path) -> Vec<(String, String)> {
    let dir = |name: &str| {
        let path = home.join(name);
        std::fs::create_dir_all(&path).unwrap();
        path.display().to_string()
    };
    vec![
        ("PLUGIN_AUTH0_M2M_DOMAIN".into(), sandbox.base_url()),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_ID".into(),
            sandbox.admin_client_id(),
        ),
        (
            "PLUGIN_AUTH0_M2M_CLIENT_SECRET".into(),
            sandbox.admin_client_secret().expose_secret().to_owned(),
        ),
        (
            "PLUGIN_AUTH0_M2M_API_AUDIENCE".into(),
            sandbox.api_audience(),
        ),
        ("PLUGIN_AUTH0_M2M_API_SCOPE".into(), sandbox.api_scope()),
        ("M2M_PORTAL_CONFIG_DIR".into(), dir("config")),
        ("M2M_PORTAL_DATA_DIR".into(), dir("data")),
        ("M2M_PORTAL_LOG_DIR".into(), dir("logs")),
        ("HOME".into(), home.display().to_string()),
        ("TERM".into(), "xterm-256color".into()),
    ]
}

/// One cold start: spawn in a new pty, wait for the first frame, kill.
fn start_to_first_frame(env: &[(String, String)], cwd: &std::path::Path) -> Duration {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(BINARY);
    command.cwd(cwd);
    command.env_clear();
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut reader = pair.master.try_clone_reader().unwrap();
    let (seen, arrived) = mpsc::channel();
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(command).unwrap();
    drop(pair.slave);
    // Read on a thread (the pty read blocks); say when the title is in.
    std::thread::spawn(move || {
        let mut output = Vec::new();
        let mut buf = [0u8; 8192];
        let mut said = false;
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            output.extend_from_slice(&buf[..n]);
            if !said && output.windows(FIRST_FRAME.len()).any(|w| w == FIRST_FRAME) {
                let _ = seen.send(started.elapsed());
                said = true;
            }
        }
        if !said {
            let _ = seen.send(Duration::MAX);
        }
    });
    let elapsed = arrived.recv_timeout(Duration::from_secs(20));
    child.kill().unwrap();
    child.wait().unwrap();
    drop(pair.master);
    match elapsed {
        Ok(elapsed) if elapsed != Duration::MAX => elapsed,
        other => panic!("no first frame from {BINARY}: {other:?}"),
    }
}

fn bench_startup(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let env = environment(&sandbox, home.path());
    // The first start also proves the binary reaches its first frame.
    start_to_first_frame(&env, home.path());

    let mut group = c.benchmark_group("startup");
    // Every start costs the same: equal runs per sample.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("process_start_to_first_frame_120x40", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| start_to_first_frame(&env, home.path()))
                .sum()
        })
    });
    group.finish();
    runtime.block_on(sandbox.shutdown());
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_startup(&mut criterion);
    criterion.final_summary();
}
