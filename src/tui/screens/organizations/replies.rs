//! The organizations screen's replies: pages, lookups, creations, onboarding.

use super::OrganizationsScreen;
use crate::portal::{
    OnboardReport, OnboardStep, Organization, OrganizationPage, PortalError, StepState,
};
use crate::tui::ctx::{Ctx, Nav, Overlay, StatusKind};
use crate::tui::msg::{Msg, RequestId};
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::reveal::RevealOverlay;
use crate::tui::widgets::text;

impl OrganizationsScreen {
    /// A reply for this screen (the stack routes it here; stale ones are dropped below).
    pub fn reply(&mut self, ctx: &mut Ctx<'_>, msg: Msg) {
        match msg {
            Msg::OrganizationsPage { id, result } => self.page_loaded(ctx, id, result),
            Msg::OrganizationFound { id, result } => self.found(ctx, id, result),
            Msg::OrganizationCreated { id, result } => self.created(ctx, id, result),
            Msg::OnboardProgress { id, step, state } => self.onboard_progress(id, step, state),
            Msg::Onboarded { id, result } => self.onboarded(ctx, id, result),
            _ => {}
        }
    }

    /// A page arrived (stale replies are dropped).
    fn page_loaded(
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
    fn found(
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
                    format!("found organization {}", organization.name),
                );
                ctx.out.nav = Some(Nav::OpenOrganization(organization));
            }
            // No exact match: search every organization for the text, as
            // `orgs list --search` does, with progress.
            Err(error) if error.code() == Some("not_found") => self.start_search(ctx),
            Err(error) => ctx.error(
                &format!("no organization {:?}", text::clean(self.filter.value())),
                &error,
            ),
        }
    }
    /// A creation answered: open the new organization.
    fn created(
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
                    format!("created organization {}", organization.name),
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
    fn onboard_progress(&mut self, id: RequestId, step: OnboardStep, state: StepState) {
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
    fn onboarded(
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
}

/// One line saying what onboarding found, made and handed out.
pub(super) fn onboard_summary(report: &OnboardReport) -> String {
    let mut parts = vec![format!(
        "onboarded {}: organization {}",
        &report.organization.name,
        if report.organization_created {
            "created"
        } else {
            "found"
        }
    )];
    if let Some(member) = &report.member {
        let who = member
            .member
            .email
            .as_deref()
            .unwrap_or(&member.member.user_id);
        parts.push(if member.added {
            format!("{who} added")
        } else {
            format!("{who} already a member")
        });
    }
    if let Some(sent) = &report.invitation {
        let who = &sent.invitation.email;
        parts.push(if sent.created {
            format!("{who} invited")
        } else {
            format!("{who} already invited")
        });
    }
    match (&report.key, &report.existing_key) {
        (Some(key), _) => parts.push(format!("new key {}", key.client_name)),
        (None, Some(key)) => parts.push(format!(
            "kept the existing key {}: no new secret (r on it rotates)",
            &key.name
        )),
        (None, None) => {}
    }
    parts.join(" · ")
}
