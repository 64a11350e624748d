//! The organization screen's replies: keys and people listed, changes answered.

use super::{OrganizationScreen, Task, date, scroll_to};
use crate::portal::{
    Action, Invitation, InvitationSent, IssuedKey, Member, MemberAdded, NO_USER, OrgKey,
    PortalError, ProvisionProgress, ROTATION_UNKNOWN, Revoked,
};
use crate::tui::ctx::{Ctx, Overlay, StatusKind, describe};
use crate::tui::msg::{Msg, RequestId};
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};
use crate::tui::widgets::error::ErrorOverlay;
use crate::tui::widgets::reveal::RevealOverlay;

impl OrganizationScreen {
    /// A reply for this screen (the stack routes it here; stale ones are dropped below).
    pub fn reply(&mut self, ctx: &mut Ctx<'_>, msg: Msg) {
        match msg {
            Msg::KeysListed { id, result } => self.keys_listed(ctx, id, result),
            Msg::ProvisionProgress { id, progress } => self.provision_progress(id, progress),
            Msg::Provisioned { id, result } => self.provisioned(ctx, id, result),
            Msg::Rotated { id, result } => self.rotated(ctx, id, result),
            Msg::Revoked { id, result } => self.revoked(ctx, id, result),
            Msg::PeopleListed { id, result } => self.people_listed(ctx, id, result),
            Msg::MemberAdded { id, result } => self.member_added(ctx, id, result),
            Msg::MemberRemoved { id, result } => self.member_removed(ctx, id, result),
            Msg::Invited { id, result } => self.invited(ctx, id, result),
            Msg::InvitationRevoked { id, result } => self.invitation_revoked(ctx, id, result),
            _ => {}
        }
    }

    /// The members and invitations arrived.
    fn people_listed(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<(Vec<Member>, Vec<Invitation>), PortalError>,
    ) {
        if self.people.loading != Some(id) {
            return;
        }
        self.people.loading = None;
        match result {
            Ok((members, invitations)) => {
                let people = &mut self.people;
                people.members = members;
                people.invitations = invitations;
                people.loaded = true;
                let (len, index) = (people.len(), people.selected);
                scroll_to(
                    &mut people.selected,
                    &mut people.offset,
                    len,
                    Self::page_rows(ctx),
                    index,
                );
            }
            Err(error) => {
                self.people.load_error = Some(describe(&error));
                ctx.error("loading people failed", &error);
            }
        }
    }
    /// The keys arrived.
    fn keys_listed(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Vec<OrgKey>, PortalError>,
    ) {
        if self.loading != Some(id) {
            return;
        }
        self.loading = None;
        match result {
            Ok(keys) => {
                self.keys = keys;
                self.keys_loaded = true;
                let (len, index) = (self.keys.len(), self.selected);
                scroll_to(
                    &mut self.selected,
                    &mut self.offset,
                    len,
                    Self::page_rows(ctx),
                    index,
                );
            }
            Err(error) => {
                self.load_error = Some(describe(&error));
                ctx.error("loading keys failed", &error);
            }
        }
    }

    /// A provisioning step moved on.
    fn provision_progress(&mut self, id: RequestId, progress: ProvisionProgress) {
        if let Some(Task::Provision {
            id: running,
            steps,
            failure: None,
        }) = &mut self.task
            && *running == id
        {
            match steps.iter_mut().find(|(step, _)| *step == progress.step) {
                Some(entry) => entry.1 = progress.state,
                None => steps.push((progress.step, progress.state)),
            }
        }
    }

    /// Provisioning finished: show the secret once, or what failed and whether it was rolled back.
    fn provisioned(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<IssuedKey, PortalError>,
    ) {
        if !self.task.as_ref().is_some_and(|t| t.running(id)) {
            return;
        }
        match result {
            Ok(issued) => {
                self.task = None;
                ctx.status(
                    StatusKind::Ok,
                    format!("provisioned key {}", issued.client_name),
                );
                ctx.out.overlays.push(Overlay::Reveal(RevealOverlay::new(
                    issued,
                    Some(self.organization.clone()),
                )));
                self.reload(ctx);
            }
            Err(error) => {
                ctx.error("provisioning failed", &error);
                if let Some(Task::Provision { failure, .. }) = &mut self.task {
                    *failure = Some(error);
                }
                self.reload(ctx);
            }
        }
    }

    /// Rotation finished: show the new secret once.
    fn rotated(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<IssuedKey, PortalError>,
    ) {
        let (client_id, name) = match self.task.take() {
            Some(Task::Rotate {
                id: running,
                client_id,
                name,
            }) if running == id => (client_id, name),
            other => {
                self.task = other;
                return;
            }
        };
        match result {
            Err(error) if error.code() == Some(ROTATION_UNKNOWN) => {
                // The old secret may be dead and the new one lost: offer the way out at once.
                ctx.error("rotation unknown", &error);
                ctx.out
                    .overlays
                    .push(Overlay::Confirm(ConfirmOverlay::new(ConfirmKind::Rotate {
                        client_id,
                        name,
                        again: true,
                    })));
            }
            Ok(issued) => {
                ctx.status(
                    StatusKind::Ok,
                    format!("rotated the secret of {}", issued.client_name),
                );
                ctx.out.overlays.push(Overlay::Reveal(RevealOverlay::new(
                    issued,
                    Some(self.organization.clone()),
                )));
            }
            Err(error) => {
                ctx.error("rotation failed", &error);
                ctx.out.overlays.push(Overlay::Error(ErrorOverlay::new(
                    "Rotating the secret failed",
                    &error,
                )));
            }
        }
    }

    /// Revocation finished: say what was removed and reload.
    fn revoked(&mut self, ctx: &mut Ctx<'_>, id: RequestId, result: Result<Revoked, PortalError>) {
        let name = match &self.task {
            Some(Task::Revoke { id: running, name }) if *running == id => name.clone(),
            _ => return,
        };
        self.task = None;
        match result {
            Ok(revoked) => {
                let mut parts = Vec::new();
                if revoked.unlinked_grant.is_some() {
                    parts.push("unlinked the grant");
                }
                if revoked.deleted_grant.is_some() {
                    parts.push("deleted the grant");
                }
                if revoked.deleted_client.is_some() {
                    parts.push("deleted the client");
                }
                ctx.status(
                    StatusKind::Ok,
                    format!("revoked {}: {}", name, parts.join(", ")),
                );
            }
            Err(error) => {
                ctx.error("revocation failed", &error);
                ctx.out.overlays.push(Overlay::Error(ErrorOverlay::new(
                    "Revoking the key failed",
                    &error,
                )));
            }
        }
        self.reload(ctx);
    }

    /// Ends the person change `id`, returning its email; `None` for a stale reply.
    fn person_done(&mut self, id: RequestId) -> Option<String> {
        match self.task.take() {
            Some(Task::Person { id: running, email }) if running == id => Some(email),
            other => {
                self.task = other;
                None
            }
        }
    }

    /// Adding a member answered; an address without a user is offered an invitation.
    fn member_added(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<MemberAdded, PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        let org = &self.organization.name;
        match result {
            Ok(added) => {
                let who = added.member.email.as_deref().unwrap_or(&email);
                if added.added {
                    ctx.status(StatusKind::Ok, format!("added {who} to {org}"));
                } else {
                    ctx.status(
                        StatusKind::Info,
                        format!("{who} already is a member of {org}"),
                    );
                }
                self.load_people(ctx);
            }
            Err(error) if error.code() == Some(NO_USER) => {
                if let Some(reason) = ctx.perms.why_not(Action::Invite) {
                    ctx.error(&format!("adding the member failed ({reason})"), &error);
                } else {
                    ctx.status(
                        StatusKind::Info,
                        format!("no user has {}: invite them? (y/n)", email),
                    );
                    ctx.out.overlays.push(Overlay::Confirm(ConfirmOverlay::new(
                        ConfirmKind::Invite { email },
                    )));
                }
            }
            Err(error) => ctx.error("adding the member failed", &error),
        }
    }

    /// An invitation was sent (or a pending one found).
    fn invited(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<InvitationSent, PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        let who = &email;
        match result {
            Ok(sent) => {
                let expires = date(sent.invitation.expires_at.as_deref());
                if !sent.created {
                    ctx.status(
                        StatusKind::Info,
                        format!("{who} already has a pending invitation (expires {expires})"),
                    );
                } else {
                    let how = if sent.email_sent {
                        "Auth0 emailed it"
                    } else {
                        "no email sent: share the invitation link"
                    };
                    ctx.status(
                        StatusKind::Ok,
                        format!("invited {who}: expires {expires} ({how})"),
                    );
                }
                self.load_people(ctx);
            }
            Err(error) => ctx.error("inviting failed", &error),
        }
    }

    /// Removing a member answered.
    fn member_removed(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<Member, PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        match result {
            Ok(_) => {
                ctx.status(
                    StatusKind::Ok,
                    format!("removed {} from {}", email, self.organization.name),
                );
                self.load_people(ctx);
            }
            Err(error) => ctx.error("removing the member failed", &error),
        }
    }

    /// Revoking an invitation answered.
    fn invitation_revoked(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        result: Result<(), PortalError>,
    ) {
        let Some(email) = self.person_done(id) else {
            return;
        };
        match result {
            Ok(()) => {
                ctx.status(
                    StatusKind::Ok,
                    format!("revoked the invitation for {}", email),
                );
                self.load_people(ctx);
            }
            Err(error) => ctx.error("revoking the invitation failed", &error),
        }
    }
}
