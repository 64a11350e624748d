//! Onboarding a customer in one step: the organization, the person (member or
//! invitation), and the key; on a failure for good, what this run made is
//! undone in reverse order, and the error says exactly what exists now.

use serde::Serialize;

use super::members::{InvitationSent, MemberAdded, NO_USER};
use super::{
    IssuedKey, OrgKey, Organization, Portal, PortalError, ProvisionProgress, StepState, fail,
};
use crate::text::sanitize;

/// What to onboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnboardRequest {
    /// The organization's name (Auth0's rules: lowercase, digits, `-`, `_`).
    pub name: String,
    pub display_name: Option<String>,
    /// The customer's person.
    pub email: String,
    /// Invite the person when the address has no user (else that is an error).
    pub invite: bool,
    /// The key's name (default: the unique default name).
    pub key_name: Option<String>,
}

/// A step of onboarding, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnboardStep {
    Organization,
    Person,
    Key,
}

impl OnboardStep {
    /// The step in the user's words.
    pub fn label(self) -> &'static str {
        match self {
            OnboardStep::Organization => "find or create the organization",
            OnboardStep::Person => "add the member or invite them",
            OnboardStep::Key => "provision the key",
        }
    }
}

/// What an onboarding run found, made and handed out.
#[derive(Debug, Clone)]
pub struct OnboardReport {
    pub organization: Organization,
    /// True when this run created the organization.
    pub organization_created: bool,
    pub member: Option<MemberAdded>,
    pub invitation: Option<InvitationSent>,
    /// The key this run provisioned (its secret shown once).
    pub key: Option<IssuedKey>,
    /// The organization's existing key, adopted instead of a second one.
    pub existing_key: Option<OrgKey>,
}

/// Progress of one step.
pub type OnboardProgress<'a> = &'a (dyn Fn(OnboardStep, StepState) + Send + Sync);

/// What this run made so far, undone in reverse order on failure.
#[derive(Default)]
struct Made {
    organization: Option<String>,
    member: Option<(String, String)>,
    invitation: Option<(String, String)>,
}

impl Portal {
    /// Onboards a customer: finds or creates the organization, adds the person as
    /// a member (or invites them), and provisions a key. Running it again for the
    /// same customer adopts what exists instead of duplicating anything.
    pub async fn onboard(
        &self,
        request: &OnboardRequest,
        progress: OnboardProgress<'_>,
    ) -> Result<OnboardReport, PortalError> {
        // Before any step, so a read-only profile leaves nothing half done.
        self.refuse_if_read_only(super::Action::ProvisionKey)?;
        let mut made = Made::default();
        match self.onboard_steps(request, progress, &mut made).await {
            Ok(report) => Ok(report),
            Err((step, error)) => {
                progress(step, StepState::Failed);
                Err(self.undo_onboarding(request, made, step, error).await)
            }
        }
    }

    async fn onboard_steps(
        &self,
        request: &OnboardRequest,
        progress: OnboardProgress<'_>,
        made: &mut Made,
    ) -> Result<OnboardReport, (OnboardStep, PortalError)> {
        // 1. The organization: adopted when it exists.
        let step = OnboardStep::Organization;
        progress(step, StepState::Running);
        let (organization, organization_created) = self
            .onboard_organization(request, made)
            .await
            .map_err(|e| (step, e))?;
        progress(step, StepState::Done);

        // 2. The person: a member when they have a user, else invited.
        let step = OnboardStep::Person;
        progress(step, StepState::Running);
        let (member, invitation) = self
            .onboard_person(request, &organization.id, made)
            .await
            .map_err(|e| (step, e))?;
        progress(step, StepState::Done);

        // 3. The key: an existing one is adopted, never a second.
        let step = OnboardStep::Key;
        progress(step, StepState::Running);
        let (key, existing_key) = self
            .onboard_key(request, &organization.id)
            .await
            .map_err(|e| (step, e))?;
        progress(step, StepState::Done);
        Ok(OnboardReport {
            organization,
            organization_created,
            member,
            invitation,
            key,
            existing_key,
        })
    }

    /// The organization of the request, created when none has its name; true when created.
    async fn onboard_organization(
        &self,
        request: &OnboardRequest,
        made: &mut Made,
    ) -> Result<(Organization, bool), PortalError> {
        let name = request.name.trim();
        super::validate_organization_name(name)?;
        match self.auth0.organization_by_name(name).await {
            Ok(org) => Ok((Organization::from(org), false)),
            Err(e) if e.is_status(404) => {
                let org = self
                    .create_organization(name, request.display_name.as_deref())
                    .await?;
                made.organization = Some(org.id.clone());
                Ok((org, true))
            }
            Err(e) => Err(PortalError::management("finding the organization", &e)),
        }
    }

    /// The person as a member when they have a user, else invited (with `invite`).
    async fn onboard_person(
        &self,
        request: &OnboardRequest,
        organization_id: &str,
        made: &mut Made,
    ) -> Result<(Option<MemberAdded>, Option<InvitationSent>), PortalError> {
        match self.add_member(organization_id, &request.email).await {
            Ok(added) => {
                if added.added {
                    made.member = Some((organization_id.to_owned(), added.member.user_id.clone()));
                }
                Ok((Some(added), None))
            }
            Err(e) if e.code() == Some(NO_USER) && request.invite => {
                let sent = self.invite(organization_id, &request.email).await?;
                if sent.created {
                    made.invitation =
                        Some((organization_id.to_owned(), sent.invitation.id.clone()));
                }
                Ok((None, Some(sent)))
            }
            Err(e) if e.code() == Some(NO_USER) => Err(e.with_hint(
                "Pass --invite (in the TUI: tick \"invite\") to send them an invitation.",
            )),
            Err(e) => Err(e),
        }
    }

    /// A new key, or the organization's existing one adopted instead of a second.
    async fn onboard_key(
        &self,
        request: &OnboardRequest,
        organization_id: &str,
    ) -> Result<(Option<IssuedKey>, Option<OrgKey>), PortalError> {
        let existing = self.list_keys(organization_id).await?.into_iter().next();
        if existing.is_some() {
            return Ok((None, existing));
        }
        let key = self
            .provision_key(
                organization_id,
                request.key_name.as_deref(),
                &|_: ProvisionProgress| {},
            )
            .await?;
        Ok((Some(key), None))
    }

    /// Undoes what this run made, newest first, and says what exists now.
    async fn undo_onboarding(
        &self,
        request: &OnboardRequest,
        made: Made,
        step: OnboardStep,
        cause: PortalError,
    ) -> PortalError {
        let mut undone = Vec::new();
        let mut left = Vec::new();
        if let Some((org, invitation)) = &made.invitation {
            match self.revoke_invitation(org, invitation).await {
                Ok(()) => undone.push(format!("revoked the invitation {invitation}")),
                Err(e) => left.push(format!("the invitation {invitation} ({})", e.message())),
            }
        }
        if let Some((org, user)) = &made.member {
            match self.remove_member_id(org, user).await {
                Ok(()) => undone.push(format!("removed the member {user}")),
                Err(e) => left.push(format!("the member {user} ({})", e.message())),
            }
        }
        if let Some(org) = &made.organization {
            match self.delete_if_empty(org).await {
                Ok(true) => undone.push(format!("deleted the organization {org} it created")),
                Ok(false) => left.push(format!(
                    "the organization {org} (it is no longer empty, so it was kept)"
                )),
                Err(e) => left.push(format!("the organization {org} ({})", e.message())),
            }
        }
        let name = sanitize(request.name.trim());
        let mut message = format!(
            "Onboarding {name} failed at \"{}\": {}",
            step.label(),
            cause.message()
        );
        let now = if left.is_empty() {
            if undone.is_empty() {
                "Nothing was changed by this run.".to_owned()
            } else {
                format!(
                    "Undone: {}. The tenant is as it was before.",
                    undone.join(", ")
                )
            }
        } else {
            let mut text = format!("Left behind: {}.", left.join("; "));
            if !undone.is_empty() {
                text.push_str(&format!(" Undone: {}.", undone.join(", ")));
            }
            text
        };
        message.push_str(&format!(" — {now}"));
        cause.without_field().with_message(message)
    }

    /// Deletes an organization only when nothing is in it: no member, no
    /// invitation, no linked key.
    async fn delete_if_empty(&self, organization_id: &str) -> Result<bool, PortalError> {
        let busy = !self.members(organization_id).await?.is_empty()
            || !self.invitations(organization_id).await?.is_empty()
            || !self.list_keys(organization_id).await?.is_empty();
        if busy {
            return Ok(false);
        }
        self.auth0
            .delete_organization(organization_id)
            .await
            .map_err(fail("deleting the organization"))?;
        self.audit(
            super::Action::CreateOrganization,
            Some(organization_id),
            None,
            "rolled back: organization deleted",
            None,
        );
        Ok(true)
    }
}
