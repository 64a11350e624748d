//! The organizations screen: a table paged in as the user scrolls, a filter,
//! lookup, create, and onboarding a customer in one step.

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Wrap};

use crate::portal::{
    Action, OnboardReport, OnboardRequest, OnboardStep, Organization, OrganizationPage,
    PortalError, StepState,
};
use crate::text::sanitize;
use crate::tui::ctx::{Ctx, Nav, ONBOARD_NEEDS, Overlay, StatusKind, ViewCtx};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::theme::Spacing;
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel;
use crate::tui::widgets::reveal::RevealOverlay;

/// How many organizations one request asks for (Auth0's checkpoint paging allows up to 100).
pub const PAGE_SIZE: u32 = 100;

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
    fn focused(&mut self) -> &mut TextInput {
        match self.field {
            0 => &mut self.name,
            1 => &mut self.display_name,
            _ => &mut self.email,
        }
    }

    /// The request, or what is wrong with the form (checked before any request).
    fn request(&self) -> Result<OnboardRequest, (usize, String)> {
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

/// Checks Auth0's rules for an organization name before any request is made
/// (the portal's one definition, [`crate::portal::organization_name_problem`]).
pub fn validate_name(name: &str) -> Result<(), String> {
    crate::portal::organization_name_problem(name).map_or(Ok(()), Err)
}

/// The organizations table and what is loading.
#[derive(Debug, Default)]
pub struct OrganizationsScreen {
    pub organizations: Vec<Organization>,
    /// Checkpoint of the next page; `None` once everything is loaded.
    pub next: Option<String>,
    /// Indexes into `organizations` that match the filter.
    pub visible: Vec<usize>,
    /// Lowercased name, display name and id of each loaded organization, for the filter.
    search: Vec<String>,
    /// The filter `visible` was computed for.
    applied: String,
    pub filter: TextInput,
    pub filtering: bool,
    pub selected: usize,
    pub offset: usize,
    pub loading: Option<RequestId>,
    pub lookup: Option<RequestId>,
    pub create: Option<CreateForm>,
    pub onboard: Option<OnboardForm>,
    pub load_error: Option<String>,
    /// `R` was pressed and its first page has not arrived yet.
    reloading: bool,
    /// The filter found no exact match: every page is being read to search the
    /// whole tenant (Esc stops).
    pub searching: bool,
}

impl OrganizationsScreen {
    /// An empty screen; call `reload` to fetch the first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// True while a page, a lookup or a creation is in flight.
    pub fn busy(&self) -> bool {
        self.loading.is_some()
            || self.lookup.is_some()
            || self.create.as_ref().is_some_and(|f| f.pending.is_some())
            || self.onboard.as_ref().is_some_and(|f| f.pending.is_some())
    }

    /// True while a text field has the focus (not while onboarding runs or
    /// shows its failure: the panel takes only Esc).
    pub fn typing(&self) -> bool {
        self.filtering
            || self.create.is_some()
            || self
                .onboard
                .as_ref()
                .is_some_and(|f| f.pending.is_none() && f.failure.is_none())
    }

    /// Forgets what is loaded and fetches the first page.
    pub fn reload(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(id) = self.loading.take() {
            ctx.cmd(Cmd::Cancel { id });
        }
        self.searching = false;
        self.organizations.clear();
        self.search.clear();
        self.visible.clear();
        self.next = None;
        self.selected = 0;
        self.offset = 0;
        self.load_error = None;
        if ctx.refuse(Action::ListOrganizations) {
            return;
        }
        self.request_page(ctx, None);
    }

    fn request_page(&mut self, ctx: &mut Ctx<'_>, from: Option<String>) {
        let id = ctx.request_id();
        self.loading = Some(id);
        ctx.cmd(Cmd::LoadOrganizations {
            id,
            from,
            take: PAGE_SIZE,
        });
    }

    /// Rows that fit in the table.
    fn page_rows(body: Rect, spacing: Spacing) -> usize {
        spacing.rows_fit(table_area(body).height.saturating_sub(3))
    }

    /// Loads the next page when the selection comes near the end of what is loaded.
    fn maybe_load_more(&mut self, ctx: &mut Ctx<'_>) {
        let near_end =
            self.selected + 2 * Self::page_rows(ctx.body, ctx.spacing) >= self.visible.len();
        if near_end
            && self.loading.is_none()
            && self.load_error.is_none()
            && let Some(from) = self.next.clone()
        {
            self.request_page(ctx, Some(from));
        }
    }

    fn keep_selection_visible(&mut self, body: Rect, spacing: Spacing) {
        let rows = Self::page_rows(body, spacing);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }

    fn select(&mut self, ctx: &mut Ctx<'_>, index: usize) {
        self.selected = index.min(self.visible.len().saturating_sub(1));
        self.keep_selection_visible(ctx.body, ctx.spacing);
        self.maybe_load_more(ctx);
    }

    /// The terminal was resized: keep the selection in view, maybe fetch more to fill it.
    pub fn resized(&mut self, ctx: &mut Ctx<'_>) {
        self.keep_selection_visible(ctx.body, ctx.spacing);
        self.maybe_load_more(ctx);
    }

    /// The selected organization.
    pub fn selected_organization(&self) -> Option<&Organization> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.organizations.get(i))
    }

    /// What the filter searches, lowercased once when the organization arrives
    /// (a keystroke over 100,000 rows must not allocate 300,000 strings).
    fn search_key(organization: &Organization) -> String {
        let display = organization.display_name.as_deref().unwrap_or("");
        format!("{}\n{}\n{}", organization.name, display, organization.id).to_lowercase()
    }

    fn push_organization(&mut self, organization: Organization) {
        let key = Self::search_key(&organization);
        if self.applied.is_empty() || key.contains(self.applied.as_str()) {
            self.visible.push(self.organizations.len());
        }
        self.search.push(key);
        self.organizations.push(organization);
    }

    fn refilter(&mut self, ctx: &mut Ctx<'_>) {
        let filter = self.filter.value().to_lowercase();
        // A longer filter only narrows what already matched: no need to look at every row again.
        let narrowing = filter.contains(&self.applied);
        let candidates: Vec<usize> = if narrowing {
            std::mem::take(&mut self.visible)
        } else {
            (0..self.organizations.len()).collect()
        };
        // One SIMD substring searcher per keystroke, not one per row: a rescan of 100,000
        // rows (first character, Backspace) stays well inside the 5 ms budget.
        let finder = memchr::memmem::Finder::new(filter.as_bytes());
        self.visible = candidates
            .into_iter()
            .filter(|&i| filter.is_empty() || finder.find(self.search[i].as_bytes()).is_some())
            .collect();
        self.applied = filter;
        self.selected = 0;
        self.offset = 0;
        // Typing does not page through the whole tenant; Enter asks the server, scrolling loads more.
        if self.filter.is_empty() {
            self.maybe_load_more(ctx);
        }
    }

    /// A page arrived (stale replies are dropped).
    pub fn page_loaded(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<OrganizationPage, PortalError>,
    ) {
        if self.loading != Some(id) {
            return;
        }
        self.loading = None;
        match result {
            Ok(page) => {
                let first = self.organizations.is_empty();
                for organization in page.organizations {
                    self.push_organization(organization);
                }
                self.next = page.next;
                if self.searching {
                    match self.next.clone() {
                        Some(from) => {
                            self.request_page(ctx, Some(from));
                            self.search_progress(ctx);
                        }
                        None => self.search_finished(ctx),
                    }
                    return;
                }
                if first && self.reloading {
                    // "reloading organizations…" is answered once the first page is in.
                    self.reloading = false;
                    ctx.status(StatusKind::Ok, format!("reloaded · {}", self.count_text()));
                }
                if self.filter.is_empty() {
                    self.maybe_load_more(ctx);
                }
            }
            Err(error) => {
                self.searching = false;
                self.load_error = Some(crate::tui::ctx::describe(&error));
                ctx.error("loading organizations failed", &error);
            }
        }
    }

    /// An exact lookup answered.
    pub fn found(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Organization, PortalError>,
    ) {
        if self.lookup != Some(id) {
            return;
        }
        self.lookup = None;
        match result {
            Ok(organization) => {
                self.filtering = false;
                // The "looking up …" message is answered: say what opened instead of leaving it stale.
                ctx.status(
                    StatusKind::Ok,
                    format!(
                        "found organization {}",
                        crate::text::sanitize(&organization.name)
                    ),
                );
                ctx.out.nav = Some(Nav::OpenOrganization(organization));
            }
            // No exact match: search every organization for the text, as
            // `orgs list --search` does, with progress.
            Err(error) if error.code() == Some("not_found") => self.start_search(ctx),
            Err(error) => ctx.error(
                &format!(
                    "no organization {:?}",
                    crate::text::sanitize(self.filter.value())
                ),
                &error,
            ),
        }
    }

    /// Reads the remaining pages, the filter narrowing them as they arrive.
    fn start_search(&mut self, ctx: &mut Ctx<'_>) {
        self.filtering = false;
        if self.next.is_none() && self.loading.is_none() {
            self.search_finished(ctx);
            return;
        }
        self.searching = true;
        if self.loading.is_none()
            && let Some(from) = self.next.clone()
        {
            self.request_page(ctx, Some(from));
        }
        self.search_progress(ctx);
    }

    fn search_progress(&self, ctx: &mut Ctx<'_>) {
        ctx.status(
            StatusKind::Info,
            format!(
                "searching the whole tenant for {:?}: {} read · {} match (Esc stops)",
                crate::text::sanitize(self.filter.value()),
                thousands(self.organizations.len()),
                thousands(self.visible.len())
            ),
        );
    }

    fn search_finished(&mut self, ctx: &mut Ctx<'_>) {
        self.searching = false;
        let query = crate::text::sanitize(self.filter.value());
        let read = thousands(self.organizations.len());
        if self.visible.is_empty() {
            ctx.status(
                StatusKind::Error,
                format!("no organization matches {query:?} (all {read} searched)"),
            );
        } else {
            ctx.status(
                StatusKind::Ok,
                format!(
                    "{} of {read} match {query:?} · Enter opens",
                    thousands(self.visible.len())
                ),
            );
        }
    }

    /// A creation answered: open the new organization.
    pub fn created(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Organization, PortalError>,
    ) {
        let Some(form) = self.create.as_mut() else {
            return;
        };
        if form.pending != Some(id) {
            return;
        }
        form.pending = None;
        match result {
            Ok(organization) => {
                self.create = None;
                ctx.status(
                    StatusKind::Ok,
                    format!(
                        "created organization {}",
                        crate::text::sanitize(&organization.name)
                    ),
                );
                self.push_organization(organization.clone());
                ctx.out.nav = Some(Nav::OpenOrganization(organization));
            }
            Err(error) => {
                form.error = Some(crate::tui::ctx::describe(&error));
                ctx.error("creating the organization failed", &error);
            }
        }
    }

    /// An onboarding step moved on.
    pub fn onboard_progress(&mut self, id: RequestId, step: OnboardStep, state: StepState) {
        if let Some(form) = self.onboard.as_mut()
            && form.pending == Some(id)
        {
            match form.steps.iter_mut().find(|(s, _)| *s == step) {
                Some(entry) => entry.1 = state,
                None => form.steps.push((step, state)),
            }
        }
    }

    /// Onboarding finished: open the organization and show the new key once,
    /// or show what failed and what was undone.
    pub fn onboarded(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Box<OnboardReport>, PortalError>,
    ) {
        let Some(form) = self.onboard.as_mut() else {
            return;
        };
        if form.pending != Some(id) {
            return;
        }
        form.pending = None;
        match result {
            Ok(report) => {
                self.onboard = None;
                let organization = report.organization.clone();
                if report.organization_created {
                    self.push_organization(organization.clone());
                }
                ctx.status(StatusKind::Ok, onboard_summary(&report));
                if let Some(key) = report.key {
                    ctx.out.overlays.push(Overlay::Reveal(RevealOverlay::new(
                        key,
                        Some(organization.clone()),
                    )));
                }
                ctx.out.nav = Some(Nav::OpenOrganization(organization));
            }
            Err(error) => {
                ctx.error("onboarding failed", &error);
                ctx.out.overlays.push(Overlay::Error(ErrorOverlay::new(
                    "Onboarding failed",
                    &error,
                )));
                form.failure = Some(error);
            }
        }
    }

    /// Pasted text goes to the focused field.
    pub fn paste(&mut self, text: &str) {
        if let Some(form) = self.onboard.as_mut() {
            if form.pending.is_none() && form.failure.is_none() {
                form.focused().paste(text);
                form.error = None;
            }
        } else if let Some(form) = self.create.as_mut() {
            if form.on_display_name {
                form.display_name.paste(text)
            } else {
                form.name.paste(text)
            }
            form.error = None;
        } else if self.filtering {
            self.filter.paste(text);
        }
    }

    /// Handles a key.
    pub fn key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        if self.create.is_some() {
            self.create_key(ctx, event, action);
            return;
        }
        if self.onboard.is_some() {
            self.onboard_key(ctx, event, action);
            return;
        }
        if self.filtering {
            match action {
                Some(KeyAction::Back) => {
                    if let Some(id) = self.lookup.take() {
                        ctx.cmd(Cmd::Cancel { id });
                        ctx.status(StatusKind::Info, "lookup cancelled");
                    } else {
                        self.filtering = false;
                        self.filter.clear();
                        self.refilter(ctx);
                        // A lookup error about the cleared filter would be stale now.
                        ctx.status(StatusKind::Info, "filter cleared");
                    }
                }
                Some(KeyAction::Submit) => {
                    let query = self.filter.value().trim().to_owned();
                    if !query.is_empty() {
                        let id = ctx.request_id();
                        self.lookup = Some(id);
                        ctx.status(
                            StatusKind::Info,
                            format!(
                                "looking up {:?} on the server…",
                                crate::text::sanitize(&query)
                            ),
                        );
                        ctx.cmd(Cmd::FindOrganization { id, query });
                    }
                }
                Some(KeyAction::NextField) => self.select(ctx, self.selected + 1),
                Some(KeyAction::PreviousField) => self.select(ctx, self.selected.saturating_sub(1)),
                _ => {
                    if self.filter.handle_key(event) {
                        self.refilter(ctx);
                    }
                }
            }
            return;
        }
        let page = Self::page_rows(ctx.body, ctx.spacing);
        match action {
            Some(KeyAction::Up) => self.select(ctx, self.selected.saturating_sub(1)),
            Some(KeyAction::Down) => self.select(ctx, self.selected + 1),
            Some(KeyAction::PageUp) => self.select(ctx, self.selected.saturating_sub(page)),
            Some(KeyAction::PageDown) => self.select(ctx, self.selected + page),
            Some(KeyAction::Home) => self.select(ctx, 0),
            Some(KeyAction::End) => self.select(ctx, usize::MAX),
            Some(KeyAction::Open) => {
                if let Some(organization) = self.selected_organization() {
                    ctx.out.nav = Some(Nav::OpenOrganization(organization.clone()));
                }
            }
            Some(KeyAction::Filter) => {
                self.filtering = true;
            }
            Some(KeyAction::NewOrganization) if !ctx.refuse(Action::CreateOrganization) => {
                self.create = Some(CreateForm::default());
            }
            Some(KeyAction::Onboard) if !ONBOARD_NEEDS.iter().any(|a| ctx.refuse(*a)) => {
                self.onboard = Some(OnboardForm::default());
            }
            Some(KeyAction::Reload) => {
                self.reload(ctx);
                self.reloading = self.loading.is_some();
                ctx.status(StatusKind::Info, "reloading organizations…");
            }
            Some(KeyAction::Back) => {
                if self.searching {
                    if let Some(id) = self.loading.take() {
                        ctx.cmd(Cmd::Cancel { id });
                    }
                    self.searching = false;
                    ctx.status(
                        StatusKind::Info,
                        format!(
                            "search stopped: {} match in the {} read so far",
                            thousands(self.visible.len()),
                            thousands(self.organizations.len())
                        ),
                    );
                } else if let Some(id) = self.loading.take() {
                    ctx.cmd(Cmd::Cancel { id });
                    ctx.status(StatusKind::Info, "loading cancelled");
                } else if !self.filter.is_empty() {
                    self.filter.clear();
                    self.refilter(ctx);
                    ctx.status(StatusKind::Info, "filter cleared");
                } else if self.load_error.is_some() {
                    self.load_error = None;
                }
            }
            _ => {}
        }
    }

    fn onboard_key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
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
                    ctx.status(
                        StatusKind::Info,
                        format!("onboarding {}…", sanitize(&request.name)),
                    );
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

    fn create_key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
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

    /// Mouse: a click selects a row (a click on the selected row opens it), the wheel scrolls.
    pub fn mouse(&mut self, ctx: &mut Ctx<'_>, event: MouseEvent) {
        match event.kind {
            MouseEventKind::ScrollDown => self.select(ctx, self.selected + 3),
            MouseEventKind::ScrollUp => self.select(ctx, self.selected.saturating_sub(3)),
            MouseEventKind::Down(MouseButton::Left) => {
                let table = table_area(ctx.body);
                let first = table.y + 2;
                if event.row >= first && event.row < table.bottom().saturating_sub(1) {
                    let index = self.offset + ctx.spacing.row_at(event.row - first);
                    if index < self.visible.len() {
                        if index == self.selected {
                            self.key(
                                ctx,
                                &KeyEvent::from(crossterm::event::KeyCode::Enter),
                                Some(KeyAction::Open),
                            );
                        } else {
                            self.select(ctx, index);
                        }
                    }
                }
            }
            _ => {}
        }
    }

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
        let theme = vc.theme;
        let [info, _] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
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
        frame.render_widget(Paragraph::new(Line::from(spans)), info);

        let table_rect = table_area(area);
        let rows_shown = Self::page_rows(area, vc.spacing);
        let rows = self
            .visible
            .iter()
            .skip(self.offset)
            .take(rows_shown)
            .filter_map(|&i| self.organizations.get(i))
            .map(|o| {
                Row::new(vec![
                    Line::styled(
                        crate::text::sanitize(o.display_name.as_deref().unwrap_or("")),
                        theme.text,
                    ),
                    Line::styled(crate::text::sanitize(&o.name), theme.text),
                    Line::styled(crate::text::sanitize(&o.id), theme.muted),
                ])
                .bottom_margin(vc.spacing.row_gap)
            });
        let table = Table::new(
            rows,
            [
                Constraint::Percentage(40),
                Constraint::Percentage(30),
                Constraint::Percentage(30),
            ],
        )
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Organizations ", theme.title)),
        );
        let selection = (!self.visible.is_empty()).then_some((self.selected, self.offset));
        let header = Row::new(vec!["Display name", "Name", "Id"]);
        panel::table(frame, table_rect, theme, table, header, selection);

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
        if let Some(form) = &self.create {
            draw_create_form(vc, frame, area, form);
        }
        if let Some(form) = &self.onboard {
            draw_onboard(vc, frame, area, form);
        }
    }
}

/// One line saying what onboarding found, made and handed out.
fn onboard_summary(report: &OnboardReport) -> String {
    let mut parts = vec![format!(
        "onboarded {}: organization {}",
        sanitize(&report.organization.name),
        if report.organization_created {
            "created"
        } else {
            "found"
        }
    )];
    if let Some(member) = &report.member {
        let who = sanitize(
            member
                .member
                .email
                .as_deref()
                .unwrap_or(&member.member.user_id),
        );
        parts.push(if member.added {
            format!("{who} added")
        } else {
            format!("{who} already a member")
        });
    }
    if let Some(sent) = &report.invitation {
        let who = sanitize(&sent.invitation.email);
        parts.push(if sent.created {
            format!("{who} invited")
        } else {
            format!("{who} already invited")
        });
    }
    match (&report.key, &report.existing_key) {
        (Some(key), _) => parts.push(format!("new key {}", sanitize(&key.client_name))),
        (None, Some(key)) => parts.push(format!(
            "kept the existing key {}: no new secret (r on it rotates)",
            sanitize(&key.name)
        )),
        (None, None) => {}
    }
    parts.join(" · ")
}

/// A form field: its label (focused or not) and its text.
fn field_line(vc: &ViewCtx<'_>, label: &str, input: &TextInput, focused: bool) -> Line<'static> {
    let theme = vc.theme;
    let style = if focused { theme.focus } else { theme.muted };
    let mut spans = vec![Span::styled(format!("{label:<14}"), style)];
    spans.extend(input.line(theme, focused).spans);
    Line::from(spans)
}

/// The onboarding form, or its progress (and failure) once it runs.
fn draw_onboard(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, form: &OnboardForm) {
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
        let title = format!("Onboarding {}", sanitize(form.name.value().trim()));
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

fn draw_create_form(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, form: &CreateForm) {
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
fn draw_form(
    vc: &ViewCtx<'_>,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    mut lines: Vec<Line<'static>>,
    error: Option<&str>,
) {
    let theme = vc.theme;
    let width = area.width.saturating_sub(4).min(64);
    let error = error.map(|e| format!("✗ {e}"));
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
        .title(Span::styled(format!(" {title} "), theme.title));
    if let Some(error) = error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(error, theme.error));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1250), "1,250");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn organization_names_follow_auth0_rules() {
        assert!(validate_name("acme-corp_2").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("Acme").is_err());
        assert!(validate_name("acme corp").is_err());
        assert!(validate_name(&"a".repeat(51)).is_err());
    }
}
