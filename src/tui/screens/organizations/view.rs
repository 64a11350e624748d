//! Drawing the organizations screen: the table, its counts and the forms over it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::OrganizationsScreen;
use super::forms::{draw_create_form, draw_onboard};
use crate::tui::ctx::ViewCtx;
use crate::tui::widgets::panel::{self, Columns};
use crate::tui::widgets::text;

impl OrganizationsScreen {
    /// "1,250 loaded · more" and friends.
    pub fn count_text(&self) -> String {
        let loaded = thousands(self.organizations.len());
        let more = if self.next.is_some() { " · more" } else { "" };
        if self.filter.is_empty() {
            format!("{loaded} loaded{more}")
        } else {
            format!(
                "{} of {loaded} loaded match{more}",
                thousands(self.visible.len())
            )
        }
    }

    /// Draws the screen.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let [info, _] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        frame.render_widget(text::paragraph(self.info_line(vc)), info);
        self.draw_table(vc, frame, area);
        if let Some(form) = &self.create {
            draw_create_form(vc, frame, area, form);
        }
        if let Some(form) = &self.onboard {
            draw_onboard(vc, frame, area, form);
        }
    }

    /// Above the table: the filter, the counts, and what is loading.
    fn info_line(&self, vc: &ViewCtx<'_>) -> Line<'static> {
        let theme = vc.theme;
        let mut spans = Vec::new();
        if self.filtering || !self.filter.is_empty() {
            spans.push(Span::styled("Filter ", theme.muted));
            spans.extend(self.filter.line(theme, self.filtering).spans);
            spans.push(Span::styled(
                format!("  {}", self.count_text()),
                theme.muted,
            ));
        } else {
            spans.push(Span::styled(self.count_text(), theme.muted));
        }
        if self.loading.is_some() {
            spans.push(Span::styled(
                format!("  {} loading", vc.spinner()),
                theme.warn,
            ));
        }
        if self.lookup.is_some() {
            spans.push(Span::styled(
                format!("  {} looking up", vc.spinner()),
                theme.warn,
            ));
        } else if self.filtering {
            spans.push(Span::styled(
                "  Enter: search the whole tenant",
                theme.muted,
            ));
        }
        Line::from(spans)
    }

    /// The organizations table, or why it is empty.
    fn draw_table(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let table_rect = table_area(area);
        let rows_shown = Self::page_rows(area, vc.spacing);
        let rows = self
            .visible
            .iter()
            .skip(self.offset)
            .take(rows_shown)
            .filter_map(|&i| self.organizations.get(i))
            .map(|o| {
                vec![
                    Line::styled(o.display_name.as_deref().unwrap_or(""), theme.text),
                    Line::styled(o.name.as_str(), theme.text),
                    Line::styled(o.id.as_str(), theme.muted),
                ]
            });
        let columns = Columns {
            block: Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Organizations ", theme.title)),
            header: &["Display name", "Name", "Id"],
            widths: &[
                Constraint::Percentage(40),
                Constraint::Percentage(30),
                Constraint::Percentage(30),
            ],
            // Ratatui's default gap between columns.
            spacing: 1,
            row_gap: vc.spacing.row_gap,
        };
        let selection = (!self.visible.is_empty()).then_some((self.selected, self.offset));
        panel::table(frame, table_rect, theme, columns, rows, selection);

        let message = if let Some(error) = &self.load_error {
            Some(Line::styled(format!("✗ {error} (R retries)"), theme.error))
        } else if self.visible.is_empty() && self.loading.is_none() {
            Some(Line::styled(
                if self.filter.is_empty() {
                    "No organizations yet: n creates one."
                } else {
                    "Nothing loaded matches; Enter searches the whole tenant."
                },
                theme.muted,
            ))
        } else {
            None
        };
        if let Some(message) = message {
            panel::table_message(frame, table_rect, message);
        }
    }
}

/// The table's rectangle inside the screen body (shared by drawing and mouse hits).
pub fn table_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas::<2>(body)[1]
}

/// 1250 → "1,250".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
