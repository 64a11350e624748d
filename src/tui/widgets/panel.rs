//! Panels drawn over a screen's body: a one-field prompt (key name, secret,
//! email) and a list of steps with their progress (provisioning, onboarding).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Table, TableState, Wrap};

use crate::portal::{PortalError, StepState};
use crate::tui::ctx::ViewCtx;
use crate::tui::keymap::KeyAction;
use crate::tui::theme::Theme;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::text;

/// What a prompt says and holds.
pub struct Prompt<'a> {
    pub title: &'a str,
    /// Lines above the field.
    pub intro: Vec<Line<'static>>,
    pub label: &'a str,
    pub input: &'a TextInput,
    /// The keys, under the field ("Enter provisions · Esc cancels").
    pub hint: &'a str,
    /// An error under the hint (the prompt grows to hold it).
    pub error: Option<&'a str>,
    /// Rows kept free below the text.
    pub padding: u16,
}

/// How a list screen's table is laid out: its frame, columns and spacing.
pub struct Columns<'a> {
    pub block: Block<'a>,
    pub header: &'a [&'a str],
    pub widths: &'a [Constraint],
    /// Blank columns between two columns.
    pub spacing: u16,
    /// Blank rows under each row (presenter mode's roomier tables).
    pub row_gap: u16,
}

/// Where a list's selection moves for a movement key (a row, a page of `page`
/// rows, the first or the last row: `usize::MAX`, which the list clamps), or
/// `None` when the key does not move it. Every list screen moves the same way.
pub fn moved(action: Option<KeyAction>, at: usize, page: usize) -> Option<usize> {
    Some(match action? {
        KeyAction::Up => at.saturating_sub(1),
        KeyAction::Down => at + 1,
        KeyAction::PageUp => at.saturating_sub(page),
        KeyAction::PageDown => at + page,
        KeyAction::Home => 0,
        KeyAction::End => usize::MAX,
        _ => return None,
    })
}

/// Draws a list screen's table with the theme's header and selection styles; every
/// cell is tenant text made safe here (`text::row`), so callers hand it raw.
/// `selection` is the selected row and the first row shown, both indexes into the
/// whole list (`None`: nothing to select).
pub fn table<'a>(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    columns: Columns<'a>,
    rows: impl IntoIterator<Item = Vec<Line<'a>>>,
    selection: Option<(usize, usize)>,
) {
    let rows = rows
        .into_iter()
        .map(|cells| text::row(cells).bottom_margin(columns.row_gap));
    let header = text::row(columns.header.iter().copied());
    let table = Table::new(rows, columns.widths.iter().copied())
        .column_spacing(columns.spacing)
        .block(columns.block)
        .header(header.style(theme.header))
        .row_highlight_style(theme.selected);
    let mut state = TableState::default();
    if let Some((selected, offset)) = selection {
        state.select(Some(selected - offset.min(selected)));
    }
    frame.render_stateful_widget(table, area, &mut state);
}

/// A one-line message inside an empty (or failed) table, under its header row.
pub fn table_message(frame: &mut Frame, table_rect: Rect, message: Line<'_>) {
    let rect = Rect::new(
        table_rect.x + 2,
        table_rect.y + 2,
        table_rect.width.saturating_sub(4),
        1,
    );
    frame.render_widget(text::paragraph(message), rect);
}

/// Draws a prompt near the top of `area`.
pub fn prompt(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, prompt: Prompt<'_>) {
    let theme = vc.theme;
    let width = area.width.saturating_sub(4).min(70);
    let mut field = vec![Span::styled(format!("{} ", prompt.label), theme.focus)];
    field.extend(prompt.input.line(theme, true).spans);
    let mut lines = prompt.intro;
    lines.push(Line::from(field));
    lines.push(Line::styled(prompt.hint.to_owned(), theme.muted));
    if let Some(error) = prompt.error {
        lines.push(Line::styled(format!("✗ {error}"), theme.error));
    }
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .saturating_add(prompt.padding);
    // The prompt sits 3 rows down; padding rows only where it still fits below that.
    let below = Rect {
        height: area.height.saturating_sub(3),
        ..area
    };
    let padding = vc.spacing.panel(below, height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + 3,
        width,
        (height + padding.top + padding.bottom).min(area.height),
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .padding(padding)
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(text::span(format!(" {} ", prompt.title), theme.title));
    frame.render_widget(
        text::paragraph(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

/// One step of a change: its label and how far it got (`None`: not yet).
pub type Step = (&'static str, Option<StepState>);

/// Draws the steps of a change in a centred panel: a mark per step, then the
/// failure (message, hint, `extra` lines, "Esc closes") or `running`.
pub fn steps(
    vc: &ViewCtx<'_>,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    steps: &[Step],
    failure: Option<(&PortalError, Vec<Line<'static>>)>,
    running: &str,
) {
    let theme = vc.theme;
    let width = area.width.saturating_sub(4).min(70);
    let padding = vc.spacing.panel(area, 11);
    let height = (11 + padding.top + padding.bottom).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, rect);
    let mut lines = Vec::new();
    for (label, state) in steps {
        let (mark, style) = match state {
            Some(StepState::Done) => ("✓".to_owned(), theme.ok),
            Some(StepState::Failed) => ("✗".to_owned(), theme.error),
            Some(StepState::Running) => (vc.spinner().to_owned(), theme.warn),
            None => ("·".to_owned(), theme.muted),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::styled(*label, theme.text),
        ]));
    }
    lines.push(Line::raw(""));
    match failure {
        Some((error, extra)) => {
            lines.push(Line::styled(format!("✗ {error}"), theme.error));
            if let Some(hint) = error.hint() {
                lines.push(Line::styled(hint.to_owned(), theme.warn));
            }
            lines.extend(extra);
            lines.push(Line::styled("Esc closes", theme.muted));
        }
        None => lines.push(Line::styled(running.to_owned(), theme.muted)),
    }
    let block = Block::default()
        .padding(padding)
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(text::span(format!(" {title} "), theme.title));
    frame.render_widget(
        text::paragraph(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::moved;
    use crate::tui::keymap::KeyAction;

    #[test]
    fn movement_keys_move_the_selection_and_other_keys_do_not() {
        assert_eq!(moved(Some(KeyAction::Up), 0, 10), Some(0));
        assert_eq!(moved(Some(KeyAction::Up), 5, 10), Some(4));
        assert_eq!(moved(Some(KeyAction::Down), 5, 10), Some(6));
        assert_eq!(moved(Some(KeyAction::PageUp), 5, 10), Some(0));
        assert_eq!(moved(Some(KeyAction::PageDown), 5, 10), Some(15));
        assert_eq!(moved(Some(KeyAction::Home), 5, 10), Some(0));
        assert_eq!(moved(Some(KeyAction::End), 5, 10), Some(usize::MAX));
        assert_eq!(moved(Some(KeyAction::Reload), 5, 10), None);
        assert_eq!(moved(None, 5, 10), None);
    }
}
