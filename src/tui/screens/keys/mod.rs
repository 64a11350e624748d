//! The tenant's key inventory (`K`): every organization's key with its health,
//! filtered by health or text, marked for a paced bulk rotation whose new
//! secrets are revealed one by one at the end.

use std::collections::BTreeSet;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::portal::{
    Action, Health, InventoryKey, InventoryProgress, Organization, RotationTarget,
};
use crate::tui::ctx::{Ctx, Nav, Overlay, StatusKind};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::theme::Spacing;
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel;

mod replies;
mod view;

use view::table_area;

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
        self.keep_selection_visible(ctx.body, ctx.spacing);
    }

    /// The rows the table shows (fewer in presenter mode, with its blank line under each).
    fn page_rows(body: Rect, spacing: Spacing) -> usize {
        spacing.rows_fit(table_area(body).height.saturating_sub(3))
    }

    fn keep_selection_visible(&mut self, body: Rect, spacing: Spacing) {
        let rows = Self::page_rows(body, spacing);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }

    fn select(&mut self, ctx: &Ctx<'_>, index: usize) {
        self.selected = index.min(self.visible.len().saturating_sub(1));
        self.keep_selection_visible(ctx.body, ctx.spacing);
    }

    /// The terminal was resized.
    pub fn resized(&mut self, ctx: &Ctx<'_>) {
        self.keep_selection_visible(ctx.body, ctx.spacing);
    }

    /// Handles a key.
    pub fn key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        if self.filtering {
            self.filter_key(ctx, event, action);
            return;
        }
        self.table_key(ctx, action);
    }

    /// Keys while the filter has the focus.
    fn filter_key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
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
    }

    /// Keys on the table.
    fn table_key(&mut self, ctx: &mut Ctx<'_>, action: Option<KeyAction>) {
        let page = Self::page_rows(ctx.body, ctx.spacing);
        if let Some(to) = panel::moved(action, self.selected, page) {
            return self.select(ctx, to);
        }
        match action {
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
            Some(KeyAction::MarkStale) => self.mark_stale(ctx),
            Some(KeyAction::Rotate) => self.ask_bulk_rotation(ctx),
            Some(KeyAction::Open) => self.open_organization(ctx),
            Some(KeyAction::Reload) => {
                if self.rotation.is_some() {
                    ctx.status(StatusKind::Info, "a rotation is running: reload after it");
                } else {
                    self.reload(ctx);
                }
            }
            Some(KeyAction::Back) => self.back(ctx),
            _ => {}
        }
    }

    /// Marks every stale key.
    fn mark_stale(&mut self, ctx: &mut Ctx<'_>) {
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

    /// Esc: stop a bulk rotation after the current key, else cancel the listing, else
    /// clear the filter, else go back.
    fn back(&mut self, ctx: &mut Ctx<'_>) {
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

    fn open_organization(&mut self, ctx: &mut Ctx<'_>) {
        let Some(key) = self.selected_key() else {
            return;
        };
        match &key.organization_id {
            Some(id) => {
                ctx.out.nav = Some(Nav::OpenOrganization(Organization {
                    id: id.clone(),
                    name: key.organization_name.clone().unwrap_or_else(|| id.clone()),
                    display_name: key.organization_display_name.clone(),
                }));
            }
            None => {
                let made_for = key
                    .made_for
                    .as_deref()
                    .map(|o| format!(" (made for {})", o))
                    .unwrap_or_default();
                ctx.status(
                    StatusKind::Error,
                    format!(
                        "{} is linked to no organization{made_for}: `m2m-portal keys repair` fixes it",
                        &key.name
                    ),
                );
            }
        }
    }
}

/// About how long a bulk rotation of `count` keys takes at the TUI's pace.
pub fn bulk_seconds(count: usize) -> u64 {
    (count as f64 * REQUESTS_PER_KEY / f64::from(BULK_ROTATION_RATE)).ceil() as u64
}
