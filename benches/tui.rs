//! What a user feels of the TUI with many organizations loaded: drawing the organizations
//! screen (120x40, ratatui `TestBackend`) and one filter-as-you-type keystroke.
//!
//! The organizations are real: fetched once through the portal from a sandbox seeded with
//! 100,000, and given to the model through its public messages (sign in, a page arrived),
//! as the effect runner would. Run with `cargo bench --bench tui`; see docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use m2m_portal::config::Settings;
use m2m_portal::portal::{Organization, OrganizationPage, Portal, PortalOptions, SignIn};
use m2m_portal::sandbox::{Sandbox, SandboxOptions, Seed};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{self, Cmd, Model, Msg};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// The most organizations loaded: the size issue 2 names.
const LARGE: usize = 100_000;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// Real organizations from a sandbox, and what signing in to it answered.
struct Loaded {
    settings: Settings,
    sign_in: SignIn,
    organizations: Vec<Organization>,
}

fn load() -> Loaded {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sandbox = Sandbox::start(SandboxOptions {
            seed: Seed::Large(LARGE),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let mut settings = Settings::for_tenant(
            &sandbox.base_url(),
            &sandbox.admin_client_id(),
            sandbox.admin_client_secret(),
            &sandbox.api_audience(),
            &sandbox.api_scope(),
        );
        settings.sandbox = true;
        let audit = tempfile::tempdir().unwrap();
        let portal = Portal::with_options(
            &settings,
            PortalOptions {
                audit_log: Some(audit.path().join("audit.jsonl")),
                retry: None,
            },
        )
        .unwrap();
        let sign_in = portal.sign_in().await.unwrap();
        let organizations = portal.all_organizations(None).await.unwrap();
        assert_eq!(organizations.len(), LARGE);
        sandbox.shutdown().await;
        Loaded {
            settings,
            sign_in,
            organizations,
        }
    })
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A model on the organizations screen holding the first `count` organizations, reached
/// the way the app gets there: Enter on sign-in, the sign-in answer, then one page.
fn loaded_model(loaded: &Loaded, count: usize) -> Model {
    let mut model = Model::new(
        &loaded.settings,
        TuiOptions::default(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        SystemTime::now(),
    );
    let cmds = app::update(&mut model, key(KeyCode::Enter));
    let Some(Cmd::SignIn { id, credentials }) = cmds.into_iter().next() else {
        panic!("Enter on the sign-in screen did not sign in");
    };
    let cmds = app::update(
        &mut model,
        Msg::SignedIn {
            id,
            credentials,
            result: Ok(loaded.sign_in.clone()),
        },
    );
    let id = cmds
        .iter()
        .find_map(|cmd| match cmd {
            Cmd::LoadOrganizations { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    app::update(
        &mut model,
        Msg::OrganizationsPage {
            id,
            result: Ok(OrganizationPage {
                organizations: loaded.organizations[..count].to_vec(),
                next: None,
            }),
        },
    );
    let screen = model.organizations().unwrap();
    assert_eq!(screen.organizations.len(), count);
    assert_eq!(screen.visible.len(), count);
    model
}

fn bench_render(c: &mut Criterion, loaded: &Loaded) {
    let mut group = c.benchmark_group("tui_render_organizations_120x40");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for count in [1_000, LARGE] {
        let model = loaded_model(loaded, count);
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
        group.bench_with_input(BenchmarkId::new("top", count), &model, |b, model| {
            b.iter(|| black_box(terminal.draw(|frame| app::view(model, frame)).is_ok()))
        });
    }
    // The last rows: only the window is drawn, wherever it is.
    let mut model = loaded_model(loaded, LARGE);
    app::update(&mut model, key(KeyCode::End));
    assert_eq!(
        model.organizations().unwrap().selected,
        LARGE - 1,
        "End did not reach the last organization"
    );
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    group.bench_with_input(BenchmarkId::new("end", LARGE), &model, |b, model| {
        b.iter(|| black_box(terminal.draw(|frame| app::view(model, frame)).is_ok()))
    });
    group.finish();
}

fn bench_filter(c: &mut Criterion, loaded: &Loaded) {
    let mut group = c.benchmark_group("tui_filter_keystroke");
    // One keystroke per iteration is milliseconds at 100,000: keep the sample count fixed.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for count in [1_000, 10_000, LARGE] {
        let mut model = loaded_model(loaded, count);
        // "/" opens the filter; "0042" already narrows it, so the keystroke is a typical one.
        for msg in std::iter::once('/')
            .chain("0042".chars())
            .map(|c| key(KeyCode::Char(c)))
        {
            app::update(&mut model, msg);
        }
        let narrowed = model.organizations().unwrap().visible.len();
        assert!(narrowed < count, "the filter did not narrow the rows");
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function(BenchmarkId::new("type_one_char", count), |b| {
            // Time the keystroke only; Backspace (untimed) puts the filter back.
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    black_box(app::update(&mut model, key(KeyCode::Char('7'))));
                    total += started.elapsed();
                    app::update(&mut model, key(KeyCode::Backspace));
                }
                total
            })
        });
        assert_eq!(
            model.organizations().unwrap().visible.len(),
            narrowed,
            "Backspace did not restore the filter"
        );
        // Backspace widens the filter: every loaded organization is looked at again.
        group.bench_function(BenchmarkId::new("backspace_rescan", count), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    app::update(&mut model, key(KeyCode::Char('7')));
                    let started = Instant::now();
                    black_box(app::update(&mut model, key(KeyCode::Backspace)));
                    total += started.elapsed();
                }
                total
            })
        });
        assert_eq!(model.organizations().unwrap().visible.len(), narrowed);
        // The first character of a new filter: nothing to narrow, a full scan.
        for _ in 0.."0042".len() {
            app::update(&mut model, key(KeyCode::Backspace));
        }
        assert_eq!(model.organizations().unwrap().visible.len(), count);
        group.bench_function(BenchmarkId::new("first_char_scan", count), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    black_box(app::update(&mut model, key(KeyCode::Char('7'))));
                    total += started.elapsed();
                    app::update(&mut model, key(KeyCode::Backspace));
                }
                total
            })
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let loaded = load();
    bench_render(&mut criterion, &loaded);
    bench_filter(&mut criterion, &loaded);
    criterion.final_summary();
}
