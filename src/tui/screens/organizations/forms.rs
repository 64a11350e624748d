//! The new-organization and onboarding forms: their fields, keys and drawing.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Wrap};

use super::{OrganizationsScreen, validate_name};
use crate::portal::{OnboardRequest, OnboardStep, PortalError, StepState};
use crate::tui::ctx::{Ctx, StatusKind, ViewCtx};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel;
use crate::tui::widgets::text;

/// The form for a new organization.
#[derive(Debug, Default)]
pub struct CreateForm {
    pub name: TextInput,
    pub display_name: TextInput,
    pub on_display_name: bool,
    pub pending: Option<RequestId>,
    pub error: Option<String>,
}

/// The onboarding form: the organization, its display name and the person.
#[derive(Debug, Default)]
pub struct OnboardForm {
    pub name: TextInput,
    pub display_name: TextInput,
    pub email: TextInput,
    /// The focused field: 0 name, 1 display name, 2 email.
    pub field: usize,
    pub pending: Option<RequestId>,
    pub steps: Vec<(OnboardStep, StepState)>,
    /// The failure shown in the progress panel (Esc goes back to the form).
    pub failure: Option<PortalError>,
    pub error: Option<String>,
}

impl OnboardForm {
    pub(super) fn focused(&mut self) -> &mut TextInput {
        match self.field {
            0 => &mut self.name,
            1 => &mut self.display_name,
            _ => &mut self.email,
        }
    }

    /// The request, or what is wrong with the form (checked before any request).
    pub(super) fn request(&self) -> Result<OnboardRequest, (usize, String)> {
        let name = self.name.value().trim();
        validate_name(name).map_err(|e| (0, format!("name: {e}")))?;
        let display = self.display_name.value().trim();
        if display.chars().count() > 255 {
            return Err((1, "display name: at most 255 characters".to_owned()));
        }
        let email = self.email.value().trim();
        let valid = matches!(email.split_once('@'), Some((u, d)) if !u.is_empty() && !d.is_empty())
            && !email.contains(char::is_whitespace);
        if !valid {
            return Err((2, "email: an email address is required".to_owned()));
        }
        Ok(OnboardRequest {
            name: name.to_owned(),
            display_name: (!display.is_empty()).then(|| display.to_owned()),
            email: email.to_owned(),
            // The TUI invites a person who has no user yet (the form says so).
            invite: true,
            key_name: None,
        })
    }
}

impl OrganizationsScreen {
    pub(super) fn onboard_key(
        &mut self,
        ctx: &mut Ctx<'_>,
        event: &KeyEvent,
        action: Option<KeyAction>,
    ) {
        let Some(form) = self.onboard.as_mut() else {
            return;
        };
        if form.pending.is_some() {
            if action == Some(KeyAction::Back) {
                ctx.status(
                    StatusKind::Info,
                    "onboarding is not stopped half-way: wait for it to finish",
                );
            }
            return;
        }
        if form.failure.is_some() {
            // The failure's panel: Esc goes back to the form to fix and retry.
            if action == Some(KeyAction::Back) {
                form.failure = None;
                form.steps.clear();
            }
            return;
        }
        match action {
            Some(KeyAction::Back) => self.onboard = None,
            Some(KeyAction::NextField) => form.field = (form.field + 1) % 3,
            Some(KeyAction::PreviousField) => form.field = (form.field + 2) % 3,
            Some(KeyAction::Submit) => match form.request() {
                Err((field, reason)) => {
                    form.field = field;
                    form.error = Some(reason);
                }
                Ok(request) => {
                    let id = ctx.request_id();
                    form.pending = Some(id);
                    form.error = None;
                    form.steps = vec![(OnboardStep::Organization, StepState::Running)];
                    ctx.status(StatusKind::Info, format!("onboarding {}…", request.name));
                    ctx.cmd(Cmd::Onboard { id, request });
                }
            },
            _ => {
                if form.focused().handle_key(event) && form.field == 0 {
                    // Inline validation as the name is typed.
                    form.error = validate_name(form.name.value())
                        .err()
                        .filter(|_| !form.name.is_empty());
                }
            }
        }
    }

    pub(super) fn create_key(
        &mut self,
        ctx: &mut Ctx<'_>,
        event: &KeyEvent,
        action: Option<KeyAction>,
    ) {
        let Some(form) = self.create.as_mut() else {
            return;
        };
        match action {
            Some(KeyAction::Back) => {
                if let Some(id) = form.pending.take() {
                    ctx.cmd(Cmd::Cancel { id });
                }
                self.create = None;
            }
            _ if form.pending.is_some() => {}
            Some(KeyAction::NextField | KeyAction::PreviousField) => {
                form.on_display_name = !form.on_display_name
            }
            Some(KeyAction::Submit) => {
                let name = form.name.value().trim().to_owned();
                if let Err(reason) = validate_name(&name) {
                    form.error = Some(reason);
                    form.on_display_name = false;
                    return;
                }
                let display = form.display_name.value().trim();
                if display.chars().count() > 255 {
                    form.error = Some("display name: at most 255 characters".to_owned());
                    return;
                }
                let display_name = (!display.is_empty()).then(|| display.to_owned());
                let id = ctx.request_id();
                form.pending = Some(id);
                form.error = None;
                ctx.cmd(Cmd::CreateOrganization {
                    id,
                    name,
                    display_name,
                });
            }
            _ => {
                let field = if form.on_display_name {
                    &mut form.display_name
                } else {
                    &mut form.name
                };
                if field.handle_key(event) {
                    // Inline validation as the name is typed.
                    form.error = validate_name(form.name.value())
                        .err()
                        .filter(|_| !form.name.is_empty());
                }
            }
        }
    }
}

/// A form field: its label (focused or not) and its text.
pub(super) fn field_line(
    vc: &ViewCtx<'_>,
    label: &str,
    input: &TextInput,
    focused: bool,
) -> Line<'static> {
    let theme = vc.theme;
    let style = if focused { theme.focus } else { theme.muted };
    let mut spans = vec![Span::styled(format!("{label:<14}"), style)];
    spans.extend(input.line(theme, focused).spans);
    Line::from(spans)
}

/// The onboarding form, or its progress (and failure) once it runs.
pub(super) fn draw_onboard(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, form: &OnboardForm) {
    let theme = vc.theme;
    if form.pending.is_some() || form.failure.is_some() {
        let steps: Vec<panel::Step> = [
            OnboardStep::Organization,
            OnboardStep::Person,
            OnboardStep::Key,
        ]
        .into_iter()
        .map(|step| {
            let state = form
                .steps
                .iter()
                .find(|(s, _)| *s == step)
                .map(|(_, st)| *st);
            (step.label(), state)
        })
        .collect();
        let title = format!("Onboarding {}", form.name.value().trim());
        panel::steps(
            vc,
            frame,
            area,
            &title,
            &steps,
            form.failure.as_ref().map(|error| (error, Vec::new())),
            "Onboarding… a change is not stopped half-way.",
        );
        return;
    }
    let rules = Line::styled("lowercase letters, digits, _ and -; up to 50", theme.muted);
    let lines = vec![
        field_line(vc, "Name", &form.name, form.field == 0),
        rules,
        field_line(vc, "Display name", &form.display_name, form.field == 1),
        field_line(vc, "Email", &form.email, form.field == 2),
        Line::raw(""),
        Line::styled(
            "Finds or creates the organization, adds the person and",
            theme.muted,
        ),
        Line::styled(
            "provisions a key, shown once. No user yet? They are invited.",
            theme.muted,
        ),
        Line::raw(""),
        Line::styled(
            "Enter onboards · Tab switches field · Esc cancels",
            theme.muted,
        ),
    ];
    draw_form(
        vc,
        frame,
        area,
        "Onboard a customer",
        lines,
        form.error.as_deref(),
    );
}

pub(super) fn draw_create_form(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, form: &CreateForm) {
    let theme = vc.theme;
    let editing = form.pending.is_none();
    let status = if form.pending.is_some() {
        Line::styled(format!("{} creating…", vc.spinner()), theme.warn)
    } else {
        Line::styled("lowercase letters, digits, _ and -; up to 50", theme.muted)
    };
    let lines = vec![
        field_line(vc, "Name", &form.name, !form.on_display_name && editing),
        status,
        field_line(
            vc,
            "Display name",
            &form.display_name,
            form.on_display_name && editing,
        ),
        Line::raw(""),
        Line::styled(
            "Enter creates · Tab switches field · Esc cancels",
            theme.muted,
        ),
    ];
    draw_form(
        vc,
        frame,
        area,
        "New organization",
        lines,
        form.error.as_deref(),
    );
}

/// A form near the top of the body; an error wraps at the bottom, whole: the
/// form grows to hold it.
pub(super) fn draw_form(
    vc: &ViewCtx<'_>,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    mut lines: Vec<Line<'static>>,
    error: Option<&str>,
) {
    let theme = vc.theme;
    let width = area.width.saturating_sub(4).min(64);
    // Measured for its rows, so made safe first.
    let error = error.map(|e| format!("✗ {}", text::clean(e)));
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let error_rows = error
        .as_ref()
        .map_or(0, |e| e.chars().count().div_ceil(inner) + 1);
    let height = u16::try_from(lines.len() + 3 + error_rows).unwrap_or(u16::MAX);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + 2,
        width,
        height.min(area.height.saturating_sub(2)),
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(text::span(format!(" {title} "), theme.title));
    if let Some(error) = error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(error, theme.error));
    }
    frame.render_widget(
        text::paragraph(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}
