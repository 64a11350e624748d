//! Drawing the organization screen: details, the keys table, the panels over it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::people::draw_adding;
use super::{OrganizationScreen, Pane, SecretPrompt, Task, date};
use crate::portal::{Action, PortalError, ProvisionStep, StepState};
use crate::tui::ctx::ViewCtx;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel::{self, Columns, Prompt};
use crate::tui::widgets::text;

impl OrganizationScreen {
    /// Draws the screen.
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let [details, _] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(1)]).areas(area);
        let o = &self.organization;
        let lines = vec![
            Line::from(vec![
                Span::styled("Organization  ", theme.muted),
                Span::styled(o.display_name.as_deref().unwrap_or("—"), theme.title),
            ]),
            Line::from(vec![
                Span::styled("Name          ", theme.muted),
                Span::styled(&o.name, theme.text),
            ]),
            Line::from(vec![
                Span::styled("Id            ", theme.muted),
                Span::styled(&o.id, theme.text),
            ]),
            Line::from(vec![
                Span::styled("Audience      ", theme.muted),
                Span::styled(&vc.tenant.audience, theme.text),
            ]),
        ];
        frame.render_widget(text::paragraph(lines), details);

        let table_rect = keys_area(area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(self.tabs(vc));
        let (shown, message) = match self.pane {
            Pane::Keys => self.draw_keys(vc, frame, table_rect, block),
            Pane::People => self.draw_people(vc, frame, table_rect, block),
        };
        // Below the rows shown (a reload keeps the old rows), never over one.
        let row = (table_rect.y + 2).saturating_add(vc.spacing.rows_height(shown));
        if let Some(message) = message
            && row + 1 < table_rect.bottom()
        {
            let rect = Rect::new(table_rect.x + 2, row, table_rect.width.saturating_sub(4), 1);
            frame.render_widget(text::paragraph(message), rect);
        }
        if let Some(Task::Provision { steps, failure, .. }) = &self.task {
            draw_provision(vc, frame, area, steps, failure.as_ref());
        }
        if let Some(naming) = &self.naming {
            draw_naming(vc, frame, area, naming);
        }
        if let Some(prompt) = &self.prompt {
            draw_prompt(vc, frame, area, prompt);
        }
        if let Some(adding) = &self.people.adding {
            draw_adding(vc, frame, area, adding);
        }
    }

    /// The table's title: the two panes as tabs, the one showing highlighted.
    pub(super) fn tabs(&self, vc: &ViewCtx<'_>) -> Line<'static> {
        let theme = vc.theme;
        let keys = if self.keys_loaded {
            format!(" Keys ({}) ", self.keys.len())
        } else {
            " Keys ".to_owned()
        };
        let people = if self.people.loaded {
            format!(" People ({}) ", self.people.len())
        } else {
            " People ".to_owned()
        };
        let style = |pane| {
            if self.pane == pane {
                theme.title
            } else {
                theme.muted
            }
        };
        Line::from(vec![
            Span::styled(keys, style(Pane::Keys)),
            Span::styled("│", theme.border),
            Span::styled(people, style(Pane::People)),
        ])
    }

    /// The keys table; returns the rows drawn and the line to show under them.
    pub(super) fn draw_keys(
        &self,
        vc: &ViewCtx<'_>,
        frame: &mut Frame,
        table_rect: Rect,
        block: Block<'static>,
    ) -> (usize, Option<Line<'static>>) {
        let theme = vc.theme;
        let area_rows = vc.spacing.rows_fit(table_rect.height.saturating_sub(3));
        let rows = self.keys.iter().skip(self.offset).take(area_rows).map(|k| {
            vec![
                Line::styled(k.name.as_str(), theme.text),
                Line::styled(k.client_id.as_str(), theme.muted),
                Line::styled(k.scope.join(" "), theme.text),
                Line::styled(date(k.created_at.as_deref()), theme.muted),
            ]
        });
        // Client ids are read and compared whole; the other columns share what is left.
        let longest = self
            .keys
            .iter()
            .map(|k| k.client_id.chars().count())
            .max()
            // No keys yet: lay the header out for the 32-character ids keys will have.
            .unwrap_or(32);
        let client_width = u16::try_from(longest.clamp(9, 32)).unwrap_or(32);
        let columns = Columns {
            block,
            header: &["Name", "Client id", "Scopes", "Created"],
            widths: &[
                Constraint::Fill(1),
                Constraint::Length(client_width),
                Constraint::Fill(1),
                Constraint::Length(10),
            ],
            spacing: 2,
            row_gap: vc.spacing.row_gap,
        };
        let selection = (!self.keys.is_empty()).then_some((self.selected, self.offset));
        panel::table(frame, table_rect, theme, columns, rows, selection);
        let message = if self.task.is_some() {
            None
        } else if self.loading.is_some() {
            Some(Line::styled(
                format!("{} loading keys…", vc.spinner()),
                theme.warn,
            ))
        } else if let Some(error) = &self.load_error {
            Some(Line::styled(format!("✗ {error} (R retries)"), theme.error))
        } else if self.keys_loaded && self.keys.is_empty() {
            // Only offer p where p acts (not read-only, not lacking the scope).
            let text = if vc.perms.why_not(Action::ProvisionKey).is_some() {
                "No keys yet."
            } else {
                "No keys yet: p provisions one."
            };
            Some(Line::styled(text, theme.muted))
        } else {
            None
        };
        let shown = self.keys.len().saturating_sub(self.offset).min(area_rows);
        (shown, message)
    }
}

pub(super) fn step_label(step: ProvisionStep) -> &'static str {
    match step {
        ProvisionStep::CreateClient => "create the client",
        ProvisionStep::CreateGrant => "grant it the API",
        ProvisionStep::LinkGrant => "link the grant to the organization",
        ProvisionStep::Rollback => "roll back: delete the client",
    }
}

pub(super) fn draw_provision(
    vc: &ViewCtx<'_>,
    frame: &mut Frame,
    area: Rect,
    steps: &[(ProvisionStep, StepState)],
    failure: Option<&PortalError>,
) {
    let state = |step| steps.iter().find(|(s, _)| *s == step).map(|(_, st)| *st);
    let shown: Vec<panel::Step> = [
        ProvisionStep::CreateClient,
        ProvisionStep::CreateGrant,
        ProvisionStep::LinkGrant,
        ProvisionStep::Rollback,
    ]
    .into_iter()
    .filter(|step| *step != ProvisionStep::Rollback || state(*step).is_some())
    .map(|step| (step_label(step), state(step)))
    .collect();
    let failure = failure.map(|error| {
        let mut extra = Vec::new();
        if state(ProvisionStep::Rollback) == Some(StepState::Done) {
            extra.push(Line::styled(
                "Rolled back: the new client was deleted, nothing is left over.",
                vc.theme.ok,
            ));
        }
        (error, extra)
    });
    panel::steps(
        vc,
        frame,
        area,
        "Provisioning a key",
        &shown,
        failure,
        "Provisioning… a change is not stopped half-way.",
    );
}

pub(super) fn draw_prompt(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, prompt: &SecretPrompt) {
    let theme = vc.theme;
    let intro = vec![
        Line::from(vec![
            Span::styled("Key ", theme.muted),
            text::span(&prompt.name, theme.text),
            text::span(format!("  {}", prompt.client_id), theme.muted),
        ]),
        Line::styled(
            "The secret is not kept after it was shown; paste or type it.",
            theme.muted,
        ),
    ];
    panel::prompt(
        vc,
        frame,
        area,
        Prompt {
            title: "Test token",
            intro,
            label: "Client secret",
            input: &prompt.input,
            hint: "Enter fetches a test token · Esc cancels",
            error: None,
            padding: 1,
        },
    );
}

pub(super) fn draw_naming(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, naming: &TextInput) {
    let theme = vc.theme;
    let intro = vec![
        Line::styled(
            "A new client, its grant and the link to this organization.",
            theme.muted,
        ),
        Line::styled("Key names are unique in an organization.", theme.muted),
    ];
    panel::prompt(
        vc,
        frame,
        area,
        Prompt {
            title: "New key",
            intro,
            label: "Name",
            input: naming,
            hint: "Enter provisions · Esc cancels",
            error: None,
            padding: 0,
        },
    );
}

/// The keys table's rectangle inside the body (shared by drawing and mouse hits).
pub fn keys_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(4), Constraint::Min(1)]).areas::<2>(body)[1]
}
