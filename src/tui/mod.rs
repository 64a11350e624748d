//! The terminal UI, Elm style: a model, messages, a pure `update` that returns
//! commands, a pure `view`, one effect runner on tokio, and a loop generic over
//! the ratatui backend so whole sessions run headless in tests.

pub mod app;
pub mod ctx;
pub mod effects;
pub mod keymap;
pub mod msg;
pub mod screens;
pub mod theme;
pub mod view;
pub mod widgets;

use std::io;
use std::time::SystemTime;

use crossterm::event::{Event, MouseEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use tokio::sync::mpsc;

use crate::config::Settings;
use app::{Model, Msg};
use effects::{Effects, PortalEffects};

/// How the TUI was asked to behave (command-line flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TuiOptions {
    /// Mask secrets on screen (copying still works), for demos and screen sharing.
    pub presenter: bool,
    /// Disable every change (provision, rotate, revoke, create).
    pub read_only: bool,
    /// No colours (`--no-color`, `NO_COLOR`): the mono theme unless `theme` says otherwise.
    pub no_color: bool,
    /// The theme chosen explicitly (`--theme`, config.toml); `None` lets `no_color` and
    /// `presenter` decide (see [`theme::pick`]).
    pub theme: Option<theme::ThemeName>,
}

/// What the TUI is started with besides the tenant's settings.
#[derive(Default)]
pub struct Launch {
    /// Where sign-ins are kept (the OS keyring or the 0600 file).
    pub credentials: Option<std::sync::Arc<crate::credentials::CredentialStore>>,
    /// Where the profile picker reads profiles; `None`: no picker.
    pub profiles: Option<ProfileSource>,
    /// How portals are built (audit log, retries).
    pub portal: crate::portal::PortalOptions,
}

/// How another profile is read: the command line's request without a profile or
/// tenant flags, and the command line's `--read-only`/`--presenter`, which stay.
#[derive(Debug, Clone)]
pub struct ProfileSource {
    pub request: crate::config::ConfigRequest,
    pub read_only: bool,
    pub presenter: bool,
}

/// Why the TUI could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The terminal could not be set up, drawn on or read from.
    #[error("terminal: {0}")]
    Terminal(String),
}

impl From<io::Error> for TuiError {
    fn from(error: io::Error) -> Self {
        TuiError::Terminal(error.to_string())
    }
}

/// Runs the TUI on the real terminal until the user quits.
pub async fn run(settings: Settings, options: TuiOptions, launch: Launch) -> Result<(), TuiError> {
    // ratatui's hook restores raw mode and the alternate screen; ours wraps it, so a
    // panic on a worker task is logged and answered as an error instead.
    let mut terminal = ratatui::try_init()?;
    install_panic_hook();
    let mut stdout = io::stdout();
    let setup = crossterm::execute!(
        stdout,
        crossterm::event::EnableBracketedPaste,
        crossterm::event::EnableMouseCapture
    );
    let result = match setup {
        Ok(()) => {
            let size = terminal.size()?;
            let mut model = Model::new(
                &settings,
                options,
                Rect::new(0, 0, size.width, size.height),
                SystemTime::now(),
            );
            model.can_open_browser = effects::display_available();
            let mut effects = PortalEffects::with_launch(settings, launch);
            if let Some(session) = effects.restore_operator() {
                model.operator_restored(session);
            }
            if let Some(warning) = effects.take_store_warning() {
                tracing::warn!("{warning}");
                model.status = Some(app::Status::new(app::StatusKind::Error, &warning));
            }
            let events = crossterm::event::EventStream::new();
            let result = run_loop(
                &mut terminal,
                &mut model,
                events,
                &mut effects,
                SystemTime::now,
            )
            .await;
            effects.shutdown();
            result
        }
        Err(error) => Err(error.into()),
    };
    leave_terminal_modes();
    ratatui::restore();
    result
}

fn leave_terminal_modes() {
    // Best effort: the terminal is going back to the shell either way.
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::event::DisableMouseCapture,
        crossterm::event::DisableBracketedPaste
    );
}

/// A panic on a worker task is contained: the task's answer becomes an error
/// (see `effects::spawn_caught`), the panic goes to the log, and the screen is
/// left alone. Any other panic ends the TUI: it leaves mouse capture and
/// bracketed paste, then ratatui's hook restores the screen before the message.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if panic_is_contained(std::thread::current().name()) {
                tracing::error!("a task panicked (answered as an internal error): {info}");
                return;
            }
            leave_terminal_modes();
            previous(info);
        }));
    });
}

/// Panics on tokio's worker threads are caught by the task that ran them; the
/// UI loop runs on the main thread, whose panic ends the process.
pub(crate) fn panic_is_contained(thread: Option<&str>) -> bool {
    thread == Some(WORKER_THREAD)
}

/// The name of the runtime's worker threads (set in `cli::main`).
pub const WORKER_THREAD: &str = "m2m-portal-worker";

/// Turns a terminal event into a message; events that change nothing give none (idle stays idle).
pub fn event_to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind == crossterm::event::KeyEventKind::Press => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(_) | MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                Some(Msg::Mouse(mouse))
            }
            _ => None,
        },
        Event::Resize(width, height) => Some(Msg::Resize(width, height)),
        _ => None,
    }
}

/// The loop: events, effect replies and (only while something animates) ticks.
/// Redraws only after a message that may change the screen (a tick only when the
/// spinner or a countdown's second moved); ends when the model quits or the events end.
/// `clock` is read before each message, so countdowns are right even after a long idle.
pub async fn run_loop<B, S, E>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    mut events: S,
    effects: &mut E,
    clock: impl Fn() -> SystemTime,
) -> Result<(), TuiError>
where
    B: Backend,
    B::Error: std::fmt::Display,
    S: Stream<Item = io::Result<Event>> + Unpin,
    E: Effects,
{
    let (replies, mut results) = mpsc::unbounded_channel::<Msg>();
    let draw = |terminal: &mut Terminal<B>, model: &Model| {
        terminal
            .draw(|frame| app::view(model, frame))
            .map(|_| ())
            .map_err(|error| TuiError::Terminal(error.to_string()))
    };
    draw(terminal, model)?;
    loop {
        let tick = model.tick_interval();
        let msg = tokio::select! {
            // Replies first, so a scripted session is deterministic.
            biased;
            Some(msg) = results.recv() => msg,
            event = events.next() => match event {
                Some(Ok(event)) => match event_to_msg(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(error)) => return Err(error.into()),
                None => break,
            },
            () = async {
                match tick {
                    Some(interval) => tokio::time::sleep(interval).await,
                    None => std::future::pending().await,
                }
            } => Msg::Tick(clock()),
        };
        let step = app::step(model, msg, clock());
        for cmd in step.cmds {
            effects.perform(cmd, &replies);
        }
        if model.quit {
            break;
        }
        if step.redraw {
            draw(terminal, model)?;
        }
    }
    // Replies already delivered are applied so the final screen is the true one.
    while let Ok(msg) = results.try_recv() {
        for cmd in app::update(model, msg) {
            effects.perform(cmd, &replies);
        }
    }
    if !model.quit {
        draw(terminal, model)?;
    }
    Ok(())
}
