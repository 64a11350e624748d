//! Issue 10's TUI budgets that are counts, not times (so they are tests, not benches):
//! redraws while idle and while a countdown runs (through `app::step`, the decision the
//! loop makes), and the bytes crossterm writes to the terminal for one row move.
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::KeyCode;
use m2m_portal::tui::app::{self, Cmd, CopyReport, Model, Msg, Route};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use tui_support::*;

/// Redraws per whole wall-clock second while `ticks` drive the model, checking on every
/// tick that a screen that changed was redrawn (no countdown second is skipped).
fn run_ticks(model: &mut Model, ticks: impl IntoIterator<Item = SystemTime>) -> BTreeMap<u64, u32> {
    let mut per_second = BTreeMap::new();
    let mut shown = render(model);
    for at in ticks {
        let step = app::step(model, Msg::Tick(at), at);
        assert!(step.cmds.is_empty(), "{:?}", step.cmds);
        let now_shown = render(model);
        if step.redraw {
            let second = at.duration_since(UNIX_EPOCH).unwrap().as_secs();
            *per_second.entry(second).or_insert(0) += 1;
        } else {
            assert_eq!(
                now_shown, shown,
                "a tick changed the screen but did not ask for a redraw"
            );
        }
        shown = now_shown;
    }
    per_second
}

/// Ticks every `every` for `span`, starting `start` after the fixed clock.
fn every(start: Duration, every: Duration, span: Duration) -> Vec<SystemTime> {
    let count = (span.as_nanos() / every.as_nanos()) as u32;
    (1..=count).map(|i| now() + start + every * i).collect()
}

/// Ticks as the loop would ask for them: each after `tick_interval`, for `span`.
fn as_the_loop_asks(model: &mut Model, start: SystemTime, span: Duration) -> BTreeMap<u64, u32> {
    let mut per_second = BTreeMap::new();
    let mut at = start;
    let mut shown = render(model);
    while let Some(interval) = model.tick_interval() {
        at += interval;
        if at > start + span {
            break;
        }
        let step = app::step(model, Msg::Tick(at), at);
        let now_shown = render(model);
        if step.redraw {
            let second = at.duration_since(UNIX_EPOCH).unwrap().as_secs();
            *per_second.entry(second).or_insert(0) += 1;
        } else {
            assert_eq!(now_shown, shown, "a tick changed the screen unasked");
        }
        shown = now_shown;
    }
    per_second
}

/// On the token inspector, the test token (expiring in 299 s) counting down.
fn on_token_inspector() -> Model {
    let mut model = in_organization(120, 40, 1);
    let cmds = feed(&mut model, [ch('t')]);
    assert!(cmds.is_empty(), "{cmds:?}");
    let cmds = feed(
        &mut model,
        [Msg::Paste("pasted-secret".to_owned()), key(KeyCode::Enter)],
    );
    let [Cmd::TestToken { id, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    feed(
        &mut model,
        [Msg::TokenFetched {
            id: *id,
            result: Ok(token_report(true)),
        }],
    );
    assert_eq!(model.route(), Route::Token);
    model
}

#[test]
fn ten_idle_seconds_of_ticks_redraw_nothing_on_any_screen() {
    for (name, mut model) in [
        ("sign-in", model(120, 40)),
        ("organizations", signed_in(120, 40, 1_000, None)),
        ("keys", in_organization(120, 40, 3)),
        ("people", in_people(120, 40, 2, 1)),
    ] {
        assert_eq!(
            model.tick_interval(),
            None,
            "{name}: idle asks for no ticks"
        );
        // Even ticks nobody asked for (100 ms apart, 10 s) draw nothing.
        let redraws = run_ticks(
            &mut model,
            every(
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_secs(10),
            ),
        );
        assert!(redraws.is_empty(), "{name}: idle redraws {redraws:?}");
    }
}

#[test]
fn the_token_countdown_redraws_once_a_second_and_never_skips_a_second() {
    let mut model = on_token_inspector();
    assert!(render(&model).contains("expires in 4 min 59 s"));
    // The loop's own ticks, from a moment that is not on a second's boundary.
    let start = now() + Duration::from_millis(370);
    app::step(&mut model, Msg::Tick(start), start);
    let redraws = as_the_loop_asks(&mut model, start, Duration::from_secs(10));
    assert_eq!(
        redraws.len(),
        10,
        "one redraw in each of 10 seconds: {redraws:?}"
    );
    assert!(redraws.values().all(|&n| n == 1), "{redraws:?}");
    assert!(
        render(&model).contains("expires in 4 min 49 s"),
        "{}",
        render(&model)
    );

    // Ticks far more often than asked (every 100 ms) still draw once a second.
    let redraws = run_ticks(
        &mut model,
        every(
            Duration::from_millis(10_370),
            Duration::from_millis(100),
            Duration::from_secs(10),
        ),
    );
    assert_eq!(redraws.len(), 10, "{redraws:?}");
    assert!(redraws.values().all(|&n| n == 1), "{redraws:?}");
}

#[test]
fn the_clipboard_and_token_countdowns_share_one_redraw_a_second() {
    let mut model = on_token_inspector();
    // A copy at a moment off the second's boundary starts a second countdown.
    let copied_at = now() + Duration::from_millis(640);
    app::step(
        &mut model,
        Msg::Copied {
            what: "the access token".to_owned(),
            result: Ok(CopyReport {
                via: "OSC 52".to_owned(),
                clears_in: Some(Duration::from_secs(5)),
                note: None,
            }),
        },
        copied_at,
    );
    let screen = render(&model);
    assert!(screen.contains("clipboard clears in 5s"), "{screen}");
    let redraws = as_the_loop_asks(&mut model, copied_at, Duration::from_secs(8));
    assert!(redraws.values().all(|&n| n == 1), "{redraws:?}");
    assert_eq!(redraws.len(), 8, "{redraws:?}");
    assert!(!render(&model).contains("clipboard clears in"));
    // Forced 50 ms ticks through the end of a countdown: still once a second.
    let mut model = on_token_inspector();
    app::step(
        &mut model,
        Msg::Copied {
            what: "the access token".to_owned(),
            result: Ok(CopyReport {
                via: "OSC 52".to_owned(),
                clears_in: Some(Duration::from_secs(3)),
                note: None,
            }),
        },
        copied_at,
    );
    let redraws = run_ticks(
        &mut model,
        every(
            Duration::from_millis(640),
            Duration::from_millis(50),
            Duration::from_secs(6),
        ),
    );
    assert!(redraws.values().all(|&n| n == 1), "{redraws:?}");
}

#[test]
fn a_spinner_still_animates_and_other_messages_always_redraw() {
    let mut model = signed_in(120, 40, 5, None);
    let step = app::step(&mut model, ch('R'), now());
    assert!(step.redraw, "a keystroke redraws");
    assert!(model.busy());
    let redraws = run_ticks(
        &mut model,
        every(
            Duration::ZERO,
            Duration::from_millis(100),
            Duration::from_secs(1),
        ),
    );
    assert_eq!(redraws.values().sum::<u32>(), 10, "{redraws:?}");
}

/// What crossterm wrote, kept where the test can read it while the backend owns the writer.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes crossterm writes to a 120x40 terminal, frame by frame, through `ratatui::Terminal`.
struct CountingTerminal {
    terminal: Terminal<CrosstermBackend<Written>>,
    written: Written,
}

impl CountingTerminal {
    fn new() -> Self {
        let written = Written::default();
        let terminal = Terminal::with_options(
            CrosstermBackend::new(written.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
            },
        )
        .unwrap();
        Self { terminal, written }
    }

    /// Draws the model, returning the bytes this frame wrote.
    fn draw(&mut self, model: &Model) -> Vec<u8> {
        self.terminal.draw(|frame| app::view(model, frame)).unwrap();
        std::mem::take(&mut *self.written.0.lock().unwrap())
    }
}

#[test]
fn one_row_move_at_120x40_writes_at_most_600_bytes_to_the_terminal() {
    let mut model = signed_in(120, 40, 100_000, None);
    let mut terminal = CountingTerminal::new();
    let first = terminal.draw(&model);
    assert!(
        String::from_utf8_lossy(&first).contains("customer-00001"),
        "the first frame draws the rows"
    );
    let mut moves = Vec::new();
    for _ in 0..5 {
        feed(&mut model, [key(KeyCode::Down)]);
        moves.push(terminal.draw(&model).len());
    }
    assert_eq!(model.organizations().unwrap().selected, 5);
    let worst = *moves.iter().max().unwrap();
    eprintln!(
        "full frame {} B; row moves (no scrolling) {moves:?} B",
        first.len()
    );
    assert!(worst > 0, "a row move draws something");
    assert!(worst <= 600, "a row move wrote {worst} B: {moves:?}");
    // The figure for docs/BENCHMARKS.md (not this budget's case): a move that scrolls the
    // table shifts every visible row.
    let screen = model.organizations().unwrap();
    let offset = screen.offset;
    let mut scrolled = 0;
    while model.organizations().unwrap().offset == offset {
        feed(&mut model, [key(KeyCode::Down)]);
        scrolled = terminal.draw(&model).len();
    }
    eprintln!("a row move that scrolls the table {scrolled} B");
    // A frame where nothing changed moves the cursor to no cell: only crossterm's colour
    // reset and the hidden cursor (25 B), which is why the loop does not draw on idle ticks.
    let again = terminal.draw(&model);
    let text = String::from_utf8_lossy(&again);
    assert!(
        again.len() <= 32 && !text.contains('H'),
        "an unchanged frame wrote {} B: {text:?}",
        again.len()
    );
}
