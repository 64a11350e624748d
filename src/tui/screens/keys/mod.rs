//! The tenant's key inventory (`K`): every organization's key with its health,
//! filtered by health or text, marked for a paced bulk rotation whose new
//! secrets are revealed one by one at the end.

use std::collections::BTreeSet;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

use crate::portal::{
    Action, BulkRotation, Health, Inventory, InventoryKey, InventoryPhase, InventoryProgress,
    Organization, PortalError, RotationProgress, RotationTarget,
};
use crate::text::sanitize;
use crate::tui::ctx::{Ctx, Nav, Overlay, StatusKind, ViewCtx, describe};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::theme::Theme;
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::reveal::RevealOverlay;

/// Management API requests a second a bulk rotation from the TUI keeps to: the
/// lowest tier's sustained limit, so the rest of the tenant's tools keep working.
pub const BULK_ROTATION_RATE: u32 = 2;

/// Management API requests per rotated key (the rotation and the `rotated_at` record).
const REQUESTS_PER_KEY: f64 = 2.0;

/// The health filter `h` cycles through: everything, then each state.
pub const HEALTH_FILTERS: [Option<Health>; 6] = [
    None,
    Some(Health::Ok),
    Some(Health::Unlinked),
    Some(Health::Orphan),
    Some(Health::Stale),
    Some(Health::Mismatch),
];

/// A bulk rotation in flight.
#[derive(Debug, Clone)]
pub struct BulkRun {
    pub id: RequestId,
    pub targets: Vec<RotationTarget>,
    /// Keys finished (rotated or failed).
    pub done: usize,
    /// Esc was pressed: the runner stops after the key in hand.
    pub stopping: bool,
}

impl BulkRun {
    /// The key being rotated now.
    pub fn current(&self) -> Option<&RotationTarget> {
        self.targets.get(self.done)
    }
}

/// What the last bulk rotation left to do: failures with their reason, and the
/// keys a stop left untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkLeftovers {
    pub failed: Vec<(RotationTarget, String)>,
    pub not_started: Vec<RotationTarget>,
}

/// The key inventory screen.
#[derive(Debug)]
pub struct KeysScreen {
    pub keys: Vec<InventoryKey>,
    /// Indexes into `keys` that pass the filters, in order.
    pub visible: Vec<usize>,
    pub selected: usize,
    offset: usize,
    /// Only keys in this state (`h` cycles).
    pub health: Option<Health>,
    pub filter: TextInput,
    pub filtering: bool,
    /// Marked keys (client ids) for a bulk rotation.
    pub marked: BTreeSet<String>,
    /// The inventory request in flight.
    pub loading: Option<RequestId>,
    /// Where listing stands, and how many progress reports (pages) arrived.
    pub progress: Option<InventoryProgress>,
    pub pages: usize,
    pub loaded: bool,
    pub load_error: Option<String>,
    pub stale_days: u64,
    /// Management requests the last complete listing took.
    pub requests: u64,
    pub rotation: Option<BulkRun>,
    pub leftovers: BulkLeftovers,
}

impl KeysScreen {
    /// Opens the screen and starts listing the tenant's keys.
    pub fn open(ctx: &mut Ctx<'_>) -> Self {
        let mut screen = Self {
            keys: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            health: None,
            filter: TextInput::default(),
            filtering: false,
            marked: BTreeSet::new(),
            loading: None,
            progress: None,
            pages: 0,
            loaded: false,
            load_error: None,
            stale_days: ctx.tenant.stale_days,
            requests: 0,
            rotation: None,
            leftovers: BulkLeftovers::default(),
        };
        screen.reload(ctx);
        screen
    }

    /// (Re)lists the inventory.
    pub fn reload(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(id) = self.loading.take() {
            ctx.cmd(Cmd::Cancel { id });
        }
        let id = ctx.request_id();
        self.loading = Some(id);
        self.progress = None;
        self.pages = 0;
        self.load_error = None;
        ctx.status(
            StatusKind::Info,
            "listing every organization's keys… (Esc cancels)",
        );
        ctx.cmd(Cmd::ListInventory {
            id,
            stale_days: self.stale_days,
        });
    }

    /// True while the inventory loads or a rotation runs.
    pub fn busy(&self) -> bool {
        self.loading.is_some() || self.rotation.is_some()
    }

    /// True while the text filter has the focus.
    pub fn typing(&self) -> bool {
        self.filtering
    }

    /// Stops what this screen has in flight when it is closed. A bulk rotation is
    /// never aborted (its issued secrets would be lost): it is asked to stop.
    pub fn cancel_all(&self) -> Vec<Cmd> {
        let mut cmds: Vec<Cmd> = self
            .loading
            .map(|id| Cmd::Cancel { id })
            .into_iter()
            .collect();
        if let Some(run) = &self.rotation {
            cmds.push(Cmd::StopBulkRotation { id: run.id });
        }
        cmds
    }

    /// The selected key.
    pub fn selected_key(&self) -> Option<&InventoryKey> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.keys.get(i))
    }

    /// The filters' description for the info line.
    pub fn filter_label(&self) -> String {
        self.health.map_or("all", Health::as_str).to_owned()
    }

    fn matches(&self, key: &InventoryKey) -> bool {
        if let Some(health) = self.health
            && !key.has(health)
        {
            return false;
        }
        let needle = self.filter.value().trim().to_lowercase();
        if needle.is_empty() {
            return true;
        }
        [
            Some(key.name.as_str()),
            Some(key.client_id.as_str()),
            key.organization_name.as_deref(),
            key.organization_id.as_deref(),
            key.made_for.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(&needle))
    }

    fn refilter(&mut self, ctx: &Ctx<'_>) {
        let keep = self.selected_key().map(|k| k.client_id.clone());
        self.visible = (0..self.keys.len())
            .filter(|&i| self.matches(&self.keys[i]))
            .collect();
        self.selected = keep
            .and_then(|id| {
                self.visible
                    .iter()
                    .position(|&i| self.keys[i].client_id == id)
            })
            .unwrap_or(0);
        self.keep_selection_visible(ctx.body);
    }

    fn page_rows(body: Rect) -> usize {
        usize::from(table_area(body).height.saturating_sub(3)).max(1)
    }

    fn keep_selection_visible(&mut self, body: Rect) {
        let rows = Self::page_rows(body);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }

    fn select(&mut self, ctx: &Ctx<'_>, index: usize) {
        self.selected = index.min(self.visible.len().saturating_sub(1));
        self.keep_selection_visible(ctx.body);
    }

    /// The terminal was resized.
    pub fn resized(&mut self, ctx: &Ctx<'_>) {
        self.keep_selection_visible(ctx.body);
    }

    /// A progress report of the listing.
    pub fn inventory_progress(&mut self, id: RequestId, progress: InventoryProgress) {
        if self.loading == Some(id) {
            self.progress = Some(progress);
            self.pages += 1;
        }
    }

    /// The listing finished.
    pub fn inventory_loaded(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Inventory, PortalError>,
    ) {
        if self.loading != Some(id) {
            return; // cancelled or replaced
        }
        self.loading = None;
        self.progress = None;
        match result {
            Ok(inventory) => {
                self.keys = inventory.keys;
                self.stale_days = inventory.stale_days;
                self.requests = inventory.requests;
                self.loaded = true;
                let present: BTreeSet<&str> =
                    self.keys.iter().map(|k| k.client_id.as_str()).collect();
                self.marked.retain(|id| present.contains(id.as_str()));
                self.refilter(ctx);
                let broken = self.keys.iter().filter(|k| k.health != Health::Ok).count();
                ctx.status(
                    StatusKind::Ok,
                    format!(
                        "{} key(s), {broken} need attention · {} request(s)",
                        self.keys.len(),
                        self.requests
                    ),
                );
            }
            Err(error) => {
                self.load_error = Some(describe(&error));
                ctx.error("listing the keys failed", &error);
            }
        }
    }

    /// Handles a key.
    pub fn key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        if self.filtering {
            match action {
                Some(KeyAction::Back) => {
                    self.filtering = false;
                    self.filter.clear();
                    self.refilter(ctx);
                    ctx.status(StatusKind::Info, "filter cleared");
                }
                Some(KeyAction::Submit) => self.filtering = false,
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
        let page = Self::page_rows(ctx.body);
        match action {
            Some(KeyAction::Up) => self.select(ctx, self.selected.saturating_sub(1)),
            Some(KeyAction::Down) => self.select(ctx, self.selected + 1),
            Some(KeyAction::PageUp) => self.select(ctx, self.selected.saturating_sub(page)),
            Some(KeyAction::PageDown) => self.select(ctx, self.selected + page),
            Some(KeyAction::Home) => self.select(ctx, 0),
            Some(KeyAction::End) => self.select(ctx, usize::MAX),
            Some(KeyAction::Filter) => self.filtering = true,
            Some(KeyAction::CycleHealth) => {
                let at = HEALTH_FILTERS
                    .iter()
                    .position(|h| *h == self.health)
                    .unwrap_or(0);
                self.health = HEALTH_FILTERS[(at + 1) % HEALTH_FILTERS.len()];
                self.refilter(ctx);
                ctx.status(
                    StatusKind::Info,
                    format!(
                        "showing {} key(s): {}",
                        self.filter_label(),
                        self.visible.len()
                    ),
                );
            }
            Some(KeyAction::Mark) => {
                if let Some(key) = self.selected_key() {
                    let id = key.client_id.clone();
                    if !self.marked.remove(&id) {
                        self.marked.insert(id);
                    }
                    self.select(ctx, self.selected + 1);
                }
            }
            Some(KeyAction::MarkStale) => {
                let stale: Vec<String> = self
                    .keys
                    .iter()
                    .filter(|k| k.has(Health::Stale))
                    .map(|k| k.client_id.clone())
                    .collect();
                let count = stale.len();
                self.marked.extend(stale);
                ctx.status(
                    StatusKind::Info,
                    format!(
                        "{count} stale key(s) marked ({} in all): r rotates them",
                        self.marked.len()
                    ),
                );
            }
            Some(KeyAction::Rotate) => self.ask_bulk_rotation(ctx),
            Some(KeyAction::Open) => self.open_organization(ctx),
            Some(KeyAction::Reload) => {
                if self.rotation.is_some() {
                    ctx.status(StatusKind::Info, "a rotation is running: reload after it");
                } else {
                    self.reload(ctx);
                }
            }
            Some(KeyAction::Back) => {
                if let Some(run) = self.rotation.as_mut() {
                    if !run.stopping {
                        run.stopping = true;
                        ctx.cmd(Cmd::StopBulkRotation { id: run.id });
                        ctx.status(
                            StatusKind::Info,
                            "stopping after the key being rotated now…",
                        );
                    }
                } else if let Some(id) = self.loading.take() {
                    self.progress = None;
                    ctx.cmd(Cmd::Cancel { id });
                    ctx.status(StatusKind::Info, "listing cancelled");
                    if !self.loaded {
                        ctx.out.nav = Some(Nav::Back);
                    }
                } else if !self.filter.is_empty() {
                    self.filter.clear();
                    self.refilter(ctx);
                    ctx.status(StatusKind::Info, "filter cleared");
                } else {
                    ctx.out.nav = Some(Nav::Back);
                }
            }
            _ => {}
        }
    }

    /// The keys a rotation would take: the marked ones, in table order.
    pub fn marked_targets(&self) -> Vec<RotationTarget> {
        self.keys
            .iter()
            .filter(|k| self.marked.contains(&k.client_id))
            .map(RotationTarget::from)
            .collect()
    }

    fn ask_bulk_rotation(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.refuse(Action::RotateSecret) {
            return;
        }
        if self.rotation.is_some() {
            ctx.status(StatusKind::Info, "a rotation is already running");
            return;
        }
        let targets = self.marked_targets();
        if targets.is_empty() {
            ctx.status(
                StatusKind::Error,
                "no key marked: Space marks the selected key, S marks every stale one",
            );
            return;
        }
        let admin = ctx
            .perms
            .sign_in
            .as_ref()
            .map(|s| s.admin_client_id.clone());
        if let Some(admin) = admin
            && targets.iter().any(|t| t.client_id == admin)
        {
            ctx.status(
                StatusKind::Error,
                "the admin app signed in here is marked: unmark it (its secret is rotated in the dashboard)",
            );
            return;
        }
        ctx.out.overlays.push(Overlay::Confirm(ConfirmOverlay::new(
            ConfirmKind::BulkRotate {
                count: targets.len(),
                rate: BULK_ROTATION_RATE,
                seconds: bulk_seconds(targets.len()),
            },
        )));
    }

    /// The bulk rotation was confirmed: start it.
    pub fn confirmed_bulk_rotation(&mut self, ctx: &mut Ctx<'_>) {
        let targets = self.marked_targets();
        if targets.is_empty() || self.rotation.is_some() {
            return;
        }
        let id = ctx.request_id();
        ctx.status(
            StatusKind::Info,
            format!(
                "rotating {} key(s) at {BULK_ROTATION_RATE} request(s)/s… (Esc stops after the current one)",
                targets.len()
            ),
        );
        ctx.cmd(Cmd::RotateKeys {
            id,
            targets: targets.clone(),
            rate: f64::from(BULK_ROTATION_RATE),
        });
        self.leftovers = BulkLeftovers::default();
        self.rotation = Some(BulkRun {
            id,
            targets,
            done: 0,
            stopping: false,
        });
    }

    /// One key of the bulk rotation finished.
    pub fn rotation_progress(&mut self, id: RequestId, progress: RotationProgress) {
        if let Some(run) = self.rotation.as_mut()
            && run.id == id
        {
            run.done = progress.done;
        }
    }

    /// The bulk rotation ended: one reveal per new secret, in order (the first on
    /// top), the keys' ages updated, and what failed or was left listed.
    pub fn rotated(&mut self, ctx: &mut Ctx<'_>, id: RequestId, outcome: BulkRotation) {
        let Some(run) = self.rotation.take_if(|run| run.id == id) else {
            return;
        };
        let now = humantime::format_rfc3339_seconds(ctx.now).to_string();
        for issued in &outcome.rotated {
            self.marked.remove(&issued.client_id);
            if let Some(key) = self
                .keys
                .iter_mut()
                .find(|k| k.client_id == issued.client_id)
            {
                key.rotated_at = Some(now.clone());
                key.age_days = Some(0);
                key.issues.retain(|h| *h != Health::Stale);
                key.health = key.issues.first().copied().unwrap_or(Health::Ok);
            }
        }
        self.leftovers = BulkLeftovers {
            failed: outcome
                .failed
                .iter()
                .map(|(target, error)| (target.clone(), describe(error)))
                .collect(),
            not_started: outcome.not_started.clone(),
        };
        self.refilter(ctx);
        let total = outcome.rotated.len();
        let mut text = format!("rotated {total} of {} key(s)", run.targets.len());
        if !outcome.failed.is_empty() {
            text.push_str(&format!(" · {} failed", outcome.failed.len()));
        }
        if !outcome.not_started.is_empty() {
            text.push_str(&format!(
                " · {} not started (stopped)",
                outcome.not_started.len()
            ));
        }
        if !self.marked.is_empty() {
            text.push_str(" · still marked: r tries again");
        }
        if !outcome.unrecorded.is_empty() {
            text.push_str(&format!(
                " · rotated_at not recorded for {} (needs update:clients)",
                outcome.unrecorded.len()
            ));
        }
        let kind = if outcome.failed.is_empty() && outcome.not_started.is_empty() {
            StatusKind::Ok
        } else {
            StatusKind::Error
        };
        ctx.status(kind, text);
        // Overlays stack with the last on top: push in reverse so the first key shows first.
        for (i, issued) in outcome.rotated.into_iter().enumerate().rev() {
            let organization = issued.organization_id.clone().map(|id| {
                let name = self
                    .keys
                    .iter()
                    .find(|k| k.client_id == issued.client_id)
                    .and_then(|k| k.organization_name.clone())
                    .unwrap_or_else(|| id.clone());
                Organization {
                    id,
                    name,
                    display_name: None,
                }
            });
            ctx.out.overlays.push(Overlay::Reveal(
                RevealOverlay::new(issued, organization).in_sequence(i + 1, total),
            ));
        }
        if total == 0 && !self.leftovers.failed.is_empty() {
            let (target, reason) = &self.leftovers.failed[0];
            ctx.out.overlays.push(Overlay::Error(ErrorOverlay::message(
                StatusKind::Error,
                &format!(
                    "No key was rotated. {} failed: {reason}",
                    sanitize(&target.name)
                ),
            )));
        }
    }

    fn open_organization(&mut self, ctx: &mut Ctx<'_>) {
        let Some(key) = self.selected_key() else {
            return;
        };
        match (&key.organization_id, &key.organization_name) {
            (Some(id), name) => {
                ctx.out.nav = Some(Nav::OpenOrganization(Organization {
                    id: id.clone(),
                    name: name.clone().unwrap_or_else(|| id.clone()),
                    display_name: None,
                }));
            }
            (None, _) => {
                let made_for = key
                    .made_for
                    .as_deref()
                    .map(|o| format!(" (made for {})", sanitize(o)))
                    .unwrap_or_default();
                ctx.status(
                    StatusKind::Error,
                    format!(
                        "{} is linked to no organization{made_for}: `m2m-portal keys repair` fixes it",
                        sanitize(&key.name)
                    ),
                );
            }
        }
    }

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
        frame.render_widget(Paragraph::new(self.info_line(vc)), info);

        let rows_shown = usize::from(table_rect.height.saturating_sub(3)).max(1);
        let wide = table_rect.width >= 110;
        let rows = self
            .visible
            .iter()
            .skip(self.offset)
            .take(rows_shown)
            .filter_map(|&i| self.keys.get(i))
            .map(|k| {
                let mark = if self.marked.contains(&k.client_id) {
                    "●"
                } else {
                    " "
                };
                // Not linked: the organization it was made for, said as such.
                let organization = match (&k.organization_name, &k.made_for) {
                    (Some(name), _) => sanitize(name),
                    (None, Some(made_for)) => format!("for {}", sanitize(made_for)),
                    (None, None) => "—".to_owned(),
                };
                let mut cells = vec![
                    Line::styled(mark, theme.key),
                    Line::styled(health_words(k), health_style(theme, k.health)),
                    Line::styled(organization, theme.text),
                    Line::styled(sanitize(&k.name), theme.text),
                    Line::styled(sanitize(&k.client_id), theme.muted),
                ];
                if wide {
                    cells.push(Line::styled(day(k.created_at.as_deref()), theme.muted));
                }
                cells.push(Line::styled(day(k.rotated_at.as_deref()), theme.muted));
                if wide {
                    cells.push(Line::styled(sanitize(&k.scope.join(" ")), theme.muted));
                }
                Row::new(cells)
            });
        // Narrow terminals keep what tells keys apart and how old they are.
        let (widths, header) = if wide {
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
        };
        let table = Table::new(rows, widths).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Keys ", theme.title)),
        );
        let selection = (!self.visible.is_empty()).then_some((self.selected, self.offset));
        crate::tui::widgets::panel::table(
            frame,
            table_rect,
            theme,
            table,
            Row::new(header),
            selection,
        );

        let message = if let Some(error) = &self.load_error {
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
        };
        if let Some(message) = message {
            crate::tui::widgets::panel::table_message(frame, table_rect, message);
        }
        if extra > 0 {
            frame.render_widget(
                Paragraph::new(leftover_lines).wrap(Wrap { trim: true }),
                leftovers,
            );
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

    fn info_line(&self, vc: &ViewCtx<'_>) -> Line<'static> {
        let theme = vc.theme;
        let mut spans = Vec::new();
        // What is running comes first: it must survive a narrow terminal.
        if let Some(run) = &self.rotation {
            let current = run
                .current()
                .map(|t| format!(" · now {}", sanitize(&t.name)))
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

    fn leftover_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for (target, reason) in &self.leftovers.failed {
            lines.push(Line::styled(
                format!(
                    "✗ not rotated: {} ({}) — {reason}",
                    sanitize(&target.name),
                    sanitize(&target.client_id)
                ),
                theme.error,
            ));
        }
        if !self.leftovers.not_started.is_empty() {
            let names: Vec<String> = self
                .leftovers
                .not_started
                .iter()
                .map(|t| sanitize(&t.name))
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

/// About how long a bulk rotation of `count` keys takes at the TUI's pace.
pub fn bulk_seconds(count: usize) -> u64 {
    (count as f64 * REQUESTS_PER_KEY / f64::from(BULK_ROTATION_RATE)).ceil() as u64
}

/// The key's health as words (a colour alone would be lost without one): the
/// worst state, and `+N` more problems.
fn health_words(key: &InventoryKey) -> String {
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

fn health_style(theme: &Theme, health: Health) -> Style {
    match health {
        Health::Ok => theme.ok,
        Health::Stale => theme.warn,
        Health::Orphan | Health::Unlinked | Health::Mismatch => theme.error,
    }
}

/// The date part of an RFC 3339 time, or a dash.
fn day(time: Option<&str>) -> String {
    time.map(|t| sanitize(t.get(..10).unwrap_or(t)))
        .unwrap_or_else(|| "—".to_owned())
}

/// The table's area within the body.
fn table_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas::<2>(body)[1]
}
