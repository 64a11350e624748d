//! The organizations screen: a table paged in as the user scrolls, a filter,
//! lookup, create, and onboarding a customer in one step.

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::portal::{Action, Organization};
use crate::tui::ctx::{Ctx, Nav, ONBOARD_NEEDS, StatusKind};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::theme::Spacing;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel;
use crate::tui::widgets::text;

mod forms;
mod replies;
mod view;

pub use forms::{CreateForm, OnboardForm};
pub use view::{table_area, thousands};

/// How many organizations one request asks for (Auth0's checkpoint paging allows up to 100).
pub const PAGE_SIZE: u32 = 100;

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
                text::clean(self.filter.value()),
                thousands(self.organizations.len()),
                thousands(self.visible.len())
            ),
        );
    }

    fn search_finished(&mut self, ctx: &mut Ctx<'_>) {
        self.searching = false;
        let query = self.filter.value();
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
            self.filter_key(ctx, event, action);
            return;
        }
        self.table_key(ctx, action);
    }

    /// Keys while the filter has the focus: Enter looks the text up on the server.
    fn filter_key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
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
                        format!("looking up {:?} on the server…", text::clean(&query)),
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
    }

    /// Keys on the table.
    fn table_key(&mut self, ctx: &mut Ctx<'_>, action: Option<KeyAction>) {
        let page = Self::page_rows(ctx.body, ctx.spacing);
        if let Some(to) = panel::moved(action, self.selected, page) {
            return self.select(ctx, to);
        }
        match action {
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
            Some(KeyAction::Back) => self.back(ctx),
            _ => {}
        }
    }

    /// Esc: stop a search, else cancel a load, else clear the filter or an error.
    fn back(&mut self, ctx: &mut Ctx<'_>) {
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
