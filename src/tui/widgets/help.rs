//! The `?` help, generated from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::ctx::ViewCtx;
use crate::tui::keymap::{BINDINGS, Context, KeyAction};
use crate::tui::widgets::centered;

/// The help overlay (scrollable).
#[derive(Debug)]
pub struct HelpOverlay {
    pub scroll: u16,
    /// The furthest scroll that still shows content (set when drawn).
    pub max_scroll: std::cell::Cell<u16>,
}

impl Default for HelpOverlay {
    fn default() -> Self {
        Self {
            scroll: 0,
            max_scroll: std::cell::Cell::new(u16::MAX),
        }
    }
}

/// What a key did to the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpOutcome {
    /// Still open (maybe scrolled).
    Open,
    Closed,
    /// Quit was asked for.
    Quit,
}

impl HelpOverlay {
    /// Scrolls, closes (Esc, ? or q) or asks to quit.
    pub fn key(&mut self, action: KeyAction) -> HelpOutcome {
        match action {
            KeyAction::Back | KeyAction::Help => return HelpOutcome::Closed,
            KeyAction::Quit => return HelpOutcome::Quit,
            KeyAction::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyAction::Down => self.scroll = self.scroll.saturating_add(1),
            KeyAction::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyAction::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyAction::Home => self.scroll = 0,
            KeyAction::End => self.scroll = u16::MAX,
            _ => {}
        }
        // Never past the last line (the bound comes from the last drawing).
        self.scroll = self.scroll.min(self.max_scroll.get());
        HelpOutcome::Open
    }

    /// Draws every binding by context; the screen's context (`below`) comes first,
    /// disabled ones say why (`disabled`).
    pub fn view(
        &self,
        vc: &ViewCtx<'_>,
        frame: &mut Frame,
        area: Rect,
        below: Context,
        disabled: impl Fn(KeyAction) -> Option<String>,
    ) {
        let theme = vc.theme;
        let mut order = vec![below];
        for context in [
            Context::Global,
            Context::SignIn,
            Context::Organizations,
            Context::Organization,
            Context::People,
            Context::Keys,
            Context::Reveal,
            Context::Token,
            Context::Input,
            Context::Device,
            Context::Profiles,
            Context::Help,
            Context::Confirm,
            Context::Closing,
            Context::TooSmall,
        ] {
            if !order.contains(&context) {
                order.push(context);
            }
        }
        let mut lines = Vec::new();
        for context in order {
            lines.push(Line::styled(context.title(), theme.title));
            for binding in BINDINGS.iter().filter(|b| b.contexts.contains(&context)) {
                let mut spans = vec![
                    Span::styled(format!("  {:<10}", binding.label), theme.key),
                    Span::styled(binding.description, theme.text),
                ];
                if let Some(reason) = disabled(binding.action) {
                    spans[0].style = theme.muted;
                    spans[1].style = theme.muted;
                    spans.push(Span::styled(format!("  (disabled: {reason})"), theme.warn));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::raw(""));
        }
        let width = area.width.saturating_sub(4).min(100);
        let rect = centered(area, width, area.height);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(
                " Help · Esc closes · ↑/↓ scroll ",
                theme.title,
            ));
        let max = crate::tui::widgets::max_scroll(&lines, block.inner(rect));
        self.max_scroll.set(max);
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .scroll((self.scroll.min(max), 0)),
            rect,
        );
    }
}
