//! Drawing the key inventory: the table, the info line, a bulk rotation's progress.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Wrap};

use super::KeysScreen;
use crate::portal::{Health, InventoryKey, InventoryPhase};
use crate::tui::ctx::ViewCtx;
use crate::tui::theme::Theme;
use crate::tui::widgets::panel::{self, Columns};
use crate::tui::widgets::text;

impl KeysScreen {
    /// Draws the screen.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let leftover_lines = self.leftover_lines(theme);
        let extra = u16::try_from(leftover_lines.len()).unwrap_or(0).min(6);
        let [info, table_rect, leftovers] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(extra),
        ])
        .areas(area);
        frame.render_widget(text::paragraph(self.info_line(vc)), info);

        let rows_shown = vc.spacing.rows_fit(table_rect.height.saturating_sub(3));
        let wide = table_rect.width >= 110;
        let rows = self
            .visible
            .iter()
            .skip(self.offset)
            .take(rows_shown)
            .filter_map(|&i| self.keys.get(i))
            .map(|k| self.cells(theme, k, wide));
        let (widths, header) = columns(wide);
        let columns = Columns {
            block: Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Keys ", theme.title)),
            header: &header,
            widths: &widths,
            // Ratatui's default gap between columns.
            spacing: 1,
            row_gap: vc.spacing.row_gap,
        };
        let selection = (!self.visible.is_empty()).then_some((self.selected, self.offset));
        panel::table(frame, table_rect, theme, columns, rows, selection);
        if let Some(message) = self.table_message(theme) {
            panel::table_message(frame, table_rect, message);
        }
        if extra > 0 {
            frame.render_widget(
                text::paragraph(leftover_lines).wrap(Wrap { trim: true }),
                leftovers,
            );
        }
    }

    /// One key's row (raw: the table makes it safe).
    fn cells<'a>(&self, theme: &Theme, k: &'a InventoryKey, wide: bool) -> Vec<Line<'a>> {
        let mark = if self.marked.contains(&k.client_id) {
            "●"
        } else {
            " "
        };
        // Not linked: the organization it was made for, said as such.
        let organization = match (&k.organization_name, &k.made_for) {
            (Some(name), _) => name.clone(),
            (None, Some(made_for)) => format!("for {made_for}"),
            (None, None) => "—".to_owned(),
        };
        let mut cells = vec![
            Line::styled(mark, theme.key),
            Line::styled(health_words(k), health_style(theme, k.health)),
            Line::styled(organization, theme.text),
            Line::styled(k.name.as_str(), theme.text),
            Line::styled(k.client_id.as_str(), theme.muted),
        ];
        if wide {
            cells.push(Line::styled(day(k.created_at.as_deref()), theme.muted));
        }
        cells.push(Line::styled(day(k.rotated_at.as_deref()), theme.muted));
        if wide {
            cells.push(Line::styled(k.scope.join(" "), theme.muted));
        }
        cells
    }

    /// The line inside the table when it has no rows to show (or failed).
    fn table_message(&self, theme: &Theme) -> Option<Line<'static>> {
        if let Some(error) = &self.load_error {
            Some(Line::styled(format!("✗ {error} (R retries)"), theme.error))
        } else if self.loading.is_some() && self.keys.is_empty() {
            Some(Line::styled(self.progress_text(), theme.warn))
        } else if self.loaded && self.visible.is_empty() {
            Some(Line::styled(
                if self.keys.is_empty() {
                    "No organization keys in this tenant yet."
                } else {
                    "No key matches the filter (h: next health, Esc clears the text)."
                },
                theme.muted,
            ))
        } else {
            None
        }
    }

    /// "reading grants · 3 page(s), 150 read" while listing.
    pub fn progress_text(&self) -> String {
        match self.progress {
            None => "listing the keys…".to_owned(),
            Some(p) => {
                let what = match p.phase {
                    InventoryPhase::Grants => "reading client grants",
                    InventoryPhase::Clients => "reading clients",
                    InventoryPhase::Links => "reading each grant's organizations",
                };
                let count = match p.total {
                    Some(total) => format!("{}/{total}", p.done),
                    None => format!("{} read", p.done),
                };
                format!(
                    "{what} · {count} · {} request(s) so far (Esc cancels)",
                    self.pages
                )
            }
        }
    }

    pub(super) fn info_line(&self, vc: &ViewCtx<'_>) -> Line<'static> {
        let theme = vc.theme;
        let mut spans = Vec::new();
        // What is running comes first: it must survive a narrow terminal.
        if let Some(run) = &self.rotation {
            let current = run
                .current()
                .map(|t| format!(" · now {}", t.name))
                .unwrap_or_default();
            let stopping = if run.stopping { " · stopping" } else { "" };
            spans.push(Span::styled(
                format!(
                    "{} rotating {}/{}{current}{stopping}  ",
                    vc.spinner(),
                    run.done,
                    run.targets.len()
                ),
                theme.warn,
            ));
        } else if self.loading.is_some() {
            spans.push(Span::styled(
                format!("{} {}  ", vc.spinner(), self.progress_text()),
                theme.warn,
            ));
        }
        spans.push(Span::styled(
            format!(
                "{} of {} key(s) · health: {} · stale after {} days",
                self.visible.len(),
                self.keys.len(),
                self.filter_label(),
                self.stale_days
            ),
            theme.muted,
        ));
        if self.filtering || !self.filter.is_empty() {
            spans.push(Span::styled("  Filter ", theme.muted));
            spans.extend(self.filter.line(theme, self.filtering).spans);
        }
        if !self.marked.is_empty() {
            spans.push(Span::styled(
                format!("  {} marked", self.marked.len()),
                theme.key,
            ));
        }
        Line::from(spans)
    }

    pub(super) fn leftover_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for (target, reason) in &self.leftovers.failed {
            lines.push(Line::styled(
                format!(
                    "✗ not rotated: {} ({}) — {reason}",
                    &target.name, &target.client_id
                ),
                theme.error,
            ));
        }
        if !self.leftovers.not_started.is_empty() {
            let names: Vec<String> = self
                .leftovers
                .not_started
                .iter()
                .map(|t| t.name.clone())
                .collect();
            lines.push(Line::styled(
                format!(
                    "stopped before {} key(s), still marked: {}",
                    names.len(),
                    names.join(", ")
                ),
                theme.warn,
            ));
        }
        lines
    }
}

/// The key's health as words (a colour alone would be lost without one): the
/// worst state, and `+N` more problems.
pub(super) fn health_words(key: &InventoryKey) -> String {
    let mark = match key.health {
        Health::Ok => "✓",
        Health::Stale => "!",
        _ => "✗",
    };
    let more = key.issues.len().saturating_sub(1);
    if more > 0 {
        format!("{mark} {} +{more}", key.health)
    } else {
        format!("{mark} {}", key.health)
    }
}

pub(super) fn health_style(theme: &Theme, health: Health) -> Style {
    match health {
        Health::Ok => theme.ok,
        Health::Stale => theme.warn,
        Health::Orphan | Health::Unlinked | Health::Mismatch => theme.error,
    }
}

/// The date part of an RFC 3339 time, or a dash.
pub(super) fn day(time: Option<&str>) -> String {
    time.map(|t| t.get(..10).unwrap_or(t).to_owned())
        .unwrap_or_else(|| "—".to_owned())
}

/// The table's area within the body.
pub(super) fn table_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas::<2>(body)[1]
}

/// The table's columns and headers; narrow terminals keep what tells keys apart and
/// how old they are.
fn columns(wide: bool) -> (Vec<Constraint>, Vec<&'static str>) {
    if wide {
        (
            vec![
                Constraint::Length(1),
                Constraint::Length(13),
                Constraint::Fill(2),
                Constraint::Fill(3),
                Constraint::Max(32),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Fill(2),
            ],
            vec![
                "",
                "Health",
                "Org",
                "Name",
                "Client id",
                "Created",
                "Rotated",
                "Scopes",
            ],
        )
    } else {
        (
            vec![
                Constraint::Length(1),
                Constraint::Length(13),
                Constraint::Fill(2),
                Constraint::Fill(3),
                Constraint::Fill(3),
                Constraint::Length(10),
            ],
            vec!["", "Health", "Org", "Name", "Client id", "Rotated"],
        )
    }
}
