//! The device sign-in overlay: the verification URL, the user code and a QR
//! code to scan, a countdown to the code's expiry, and what Auth0 said.
//! Polling runs in the effect runner; this only shows its progress.

use std::time::{Duration, SystemTime};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::portal::PortalError;
use crate::tui::ctx::ViewCtx;
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::msg::RequestId;
use crate::tui::widgets::centered;
use crate::tui::widgets::text;

pub use crate::tui::msg::DeviceCode;

/// Where the sign-in stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    /// Asking the tenant for a code.
    Starting,
    /// Showing the code; the runner polls until the operator approves.
    Waiting {
        code: DeviceCode,
        /// When the code was shown (its expiry counts from here).
        shown_at: SystemTime,
        /// How often the runner polls now (grows by 5 s after each `slow_down`).
        interval: Duration,
        slowed_down: bool,
    },
    /// Refused, expired or unreachable: the message says which; Enter tries again.
    Failed {
        message: String,
        hint: Option<String>,
    },
}

/// What a key asks of the app for the device sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceOutcome {
    /// Nothing to do.
    Open,
    /// Esc: close; `running` is the runner's task to stop, if it still works.
    Cancelled { running: Option<RequestId> },
    /// Open the verification page in a browser (the app knows whether there is one).
    OpenBrowser(String),
    /// Ask for a new code (after a failure or once the code expired); `running` is the
    /// old task to stop, if any.
    Retry { running: Option<RequestId> },
}

/// The overlay; Esc cancels (the runner's polling task is stopped).
#[derive(Debug, Clone)]
pub struct DeviceOverlay {
    pub id: RequestId,
    pub state: DeviceState,
}

impl DeviceOverlay {
    /// A sign-in just asked for.
    pub fn starting(id: RequestId) -> Self {
        Self {
            id,
            state: DeviceState::Starting,
        }
    }

    /// True while the runner is still working for it (Esc must cancel the task).
    pub fn in_flight(&self) -> bool {
        !matches!(self.state, DeviceState::Failed { .. })
    }

    /// What a key asks for: Esc cancels, `o` opens the page, Enter tries again once the
    /// sign-in failed or its code expired.
    pub fn key(&self, action: Option<KeyAction>, now: SystemTime) -> DeviceOutcome {
        let running = self.in_flight().then_some(self.id);
        match action {
            Some(KeyAction::Back) => DeviceOutcome::Cancelled { running },
            Some(KeyAction::OpenBrowser) => self.url().map_or(DeviceOutcome::Open, |url| {
                DeviceOutcome::OpenBrowser(url.to_owned())
            }),
            Some(KeyAction::Submit)
                if !self.in_flight() || self.time_left(now).is_some_and(|d| d.is_zero()) =>
            {
                DeviceOutcome::Retry { running }
            }
            _ => DeviceOutcome::Open,
        }
    }

    /// The tenant gave a code: show it.
    pub fn code_shown(&mut self, code: DeviceCode, now: SystemTime) {
        let interval = code.interval;
        self.state = DeviceState::Waiting {
            code,
            shown_at: now,
            interval,
            slowed_down: false,
        };
    }

    /// Auth0 asked to poll less often; the runner now waits `interval`.
    pub fn slowed_down(&mut self, to: Duration) {
        if let DeviceState::Waiting {
            interval,
            slowed_down,
            ..
        } = &mut self.state
        {
            *interval = to;
            *slowed_down = true;
        }
    }

    /// The sign-in failed: the overlay stays open with the reason.
    pub fn failed(&mut self, error: &PortalError) {
        self.state = DeviceState::Failed {
            message: crate::tui::ctx::describe(&error.clone().with_optional_hint(None)),
            hint: error.hint().map(text::clean),
        };
    }

    /// The page to open in a browser, while a code is shown.
    pub fn url(&self) -> Option<&str> {
        match &self.state {
            DeviceState::Waiting { code, .. } => Some(code.url()),
            _ => None,
        }
    }

    /// Time left before the code expires (zero once it has).
    pub fn time_left(&self, now: SystemTime) -> Option<Duration> {
        match &self.state {
            DeviceState::Waiting { code, shown_at, .. } => {
                let gone = now.duration_since(*shown_at).unwrap_or_default();
                Some(code.expires_in.saturating_sub(gone))
            }
            _ => None,
        }
    }

    /// Draws the overlay: the QR code on the left when it fits, the words on the right.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, can_open_browser: bool) {
        let theme = vc.theme;
        let qr = match &self.state {
            DeviceState::Waiting { code, .. } => crate::qr::lines(code.url()),
            _ => None,
        };
        let qr_size = qr.as_ref().map(|lines| {
            let width = lines.first().map(|l| l.chars().count()).unwrap_or(0);
            (u16::try_from(width).unwrap_or(u16::MAX), lines.len() as u16)
        });
        // The code fits beside the words, or above them, or not at all.
        let text_width = 38u16;
        let (width, height, beside) = match qr_size {
            Some((w, h)) if w + text_width + 3 <= area.width && h + 2 <= area.height => {
                (w + text_width + 3, h + 2, true)
            }
            _ => (area.width.min(text_width + 24), area.height.min(16), false),
        };
        let rect = centered(area, width, height);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(" Sign in as yourself ", theme.title));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let words_area = if beside && let (Some(lines), Some((w, _))) = (&qr, qr_size) {
            let [code_area, _, words] = Layout::horizontal([
                Constraint::Length(w),
                Constraint::Length(1),
                Constraint::Min(1),
            ])
            .areas(inner);
            // A QR code needs light modules on a dark ground whatever the theme's colours.
            let style = if vc.options.no_color {
                Style::new()
            } else {
                Style::new().fg(Color::White).bg(Color::Black)
            };
            let qr_lines: Vec<Line> = lines
                .iter()
                .map(|l| Line::styled(l.clone(), style))
                .collect();
            frame.render_widget(Paragraph::new(qr_lines), code_area);
            words
        } else {
            inner
        };
        let lines = self.words(vc, beside, qr.is_some(), can_open_browser);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), words_area);
    }

    /// The words beside (or under) the QR code: what to open, the code, the time left,
    /// what Auth0 said, and the keys.
    fn words(
        &self,
        vc: &ViewCtx<'_>,
        beside: bool,
        has_qr: bool,
        can_open_browser: bool,
    ) -> Vec<Line<'static>> {
        let theme = vc.theme;
        let mut lines = Vec::new();
        match &self.state {
            DeviceState::Starting => lines.push(Line::from(vec![
                Span::styled(format!("{} ", vc.spinner()), theme.warn),
                Span::styled("Asking the tenant for a sign-in code…", theme.text),
            ])),
            DeviceState::Waiting {
                code,
                interval,
                slowed_down,
                ..
            } => self.waiting_words(
                vc,
                (code, *interval, *slowed_down),
                (beside, has_qr, can_open_browser),
                &mut lines,
            ),
            DeviceState::Failed { message, hint } => {
                lines.push(Line::styled(format!("✗ {message}"), theme.error));
                if let Some(hint) = hint {
                    lines.push(Line::styled(hint.clone(), theme.warn));
                }
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    format!(
                        "{} tries again · {} closes",
                        keymap::label(Context::Device, KeyAction::Submit),
                        keymap::label(Context::Device, KeyAction::Back)
                    ),
                    theme.muted,
                ));
            }
        }
        lines
    }

    /// What the overlay says while it waits for approval: where to go, the code,
    /// the time left, and the keys.
    fn waiting_words(
        &self,
        vc: &ViewCtx<'_>,
        (code, interval, slowed_down): (&DeviceCode, Duration, bool),
        (beside, has_qr, can_open_browser): (bool, bool, bool),
        lines: &mut Vec<Line<'static>>,
    ) {
        let theme = vc.theme;
        lines.push(Line::styled(
            "On your phone or any computer, open",
            theme.muted,
        ));
        lines.push(text::line(&code.verification_uri, theme.title));
        lines.push(Line::styled("and enter the code", theme.muted));
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("    {}", text::clean(&code.user_code)),
            theme.title,
        ));
        lines.push(Line::raw(""));
        if beside {
            lines.push(Line::styled("or scan the QR code.", theme.muted));
        } else if has_qr {
            lines.push(Line::styled(
                "(a larger terminal shows a QR code to scan)",
                theme.muted,
            ));
        }
        lines.push(Line::raw(""));
        let left = self.time_left(vc.now).unwrap_or_default();
        if left.is_zero() {
            lines.push(Line::styled(
                "The code has expired: Enter asks for a new one.",
                theme.error,
            ));
        } else {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", vc.spinner()), theme.warn),
                Span::styled("Waiting for your approval…", theme.text),
            ]));
            lines.push(Line::from(vec![
                Span::styled("The code expires in ", theme.muted),
                Span::styled(crate::text::duration(left.as_secs()), theme.warn),
                Span::styled(".", theme.muted),
            ]));
        }
        if slowed_down {
            lines.push(Line::styled(
                format!(
                    "slow_down: now polling every {}",
                    crate::text::duration(interval.as_secs())
                ),
                theme.warn,
            ));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            if can_open_browser {
                format!(
                    "{} opens it in this machine's browser.",
                    keymap::label(Context::Device, KeyAction::OpenBrowser)
                )
            } else {
                "No display here: open it elsewhere.".to_owned()
            },
            theme.muted,
        ));
        lines.push(Line::styled(
            format!(
                "{} cancels.",
                keymap::label(Context::Device, KeyAction::Back)
            ),
            theme.muted,
        ));
    }
}
