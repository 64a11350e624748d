//! People in organizations: members (existing users) and invitations (people
//! without a user yet). No user is ever created here: a person without one is
//! invited, and Auth0's sign-up through the invitation creates it.

use serde::Serialize;

use super::{Action, Portal, PortalError, fail};
use crate::auth0::{Invitee, Inviter, NewInvitation};
use crate::text::sanitize;

/// The variable that names the login application invitations point to.
pub const INVITE_CLIENT_ID_VAR: &str = "PLUGIN_AUTH0_M2M_INVITE_CLIENT_ID";

/// How long an invitation stays valid (Auth0's default, 7 days).
pub const INVITATION_TTL_SECS: u64 = 7 * 24 * 3600;

/// A member of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// A pending organization invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub inviter: Option<String>,
    pub invitation_url: Option<String>,
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
}

impl From<crate::auth0::Invitation> for Invitation {
    fn from(i: crate::auth0::Invitation) -> Self {
        Self {
            id: i.id,
            email: i.invitee.email,
            inviter: i.inviter.map(|i| i.name),
            invitation_url: i.invitation_url,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

/// A member added (or found already there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberAdded {
    #[serde(flatten)]
    pub member: Member,
    /// False when the user already was a member (nothing changed).
    pub added: bool,
}

/// An invitation sent (or a pending one for the same address, adopted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationSent {
    #[serde(flatten)]
    pub invitation: Invitation,
    /// False when a pending invitation for this address already existed.
    pub created: bool,
    /// Whether Auth0 emails it (`PLUGIN_AUTH0_M2M_INVITE_SEND_EMAIL`).
    pub email_sent: bool,
}

/// The error code when an address has no user (so the person can be invited).
pub const NO_USER: &str = "no_user";

impl Portal {
    /// The members of an organization (every page).
    pub async fn members(&self, organization_id: &str) -> Result<Vec<Member>, PortalError> {
        let members = self
            .auth0
            .organization_members(organization_id)
            .await
            .map_err(fail("listing members"))?;
        Ok(members
            .into_iter()
            .map(|m| Member {
                user_id: m.user_id,
                email: m.email,
                name: m.name,
            })
            .collect())
    }

    /// The user with this email address, if there is one.
    async fn user_by_email(&self, email: &str) -> Result<Option<Member>, PortalError> {
        let email = email.trim();
        if !email.contains('@') || email.contains(char::is_whitespace) {
            return Err(PortalError::usage(format!(
                "{} is not an email address",
                sanitize(email)
            )));
        }
        let users = self
            .auth0
            .users_by_email(email)
            .await
            .map_err(fail("looking the user up"))?;
        Ok(users.into_iter().next().map(|user| Member {
            user_id: user.user_id,
            email: user.email,
            name: user.name,
        }))
    }

    /// Adds the user with this email address to an organization; a user who
    /// already is a member is reported as such, not added twice.
    pub async fn add_member(
        &self,
        organization_id: &str,
        email: &str,
    ) -> Result<MemberAdded, PortalError> {
        self.refuse_if_read_only(Action::AddMember)?;
        let Some(user) = self.user_by_email(email).await? else {
            return Err(PortalError::failure(format!(
                "No user has the email address {}",
                sanitize(email.trim())
            ))
            .with_code(NO_USER)
            .with_hint("Invite them instead: an organization invitation lets them sign up."));
        };
        let already = self
            .members(organization_id)
            .await?
            .iter()
            .any(|m| m.user_id == user.user_id);
        if already {
            return Ok(MemberAdded {
                member: user,
                added: false,
            });
        }
        let ids = [user.user_id.clone()];
        let outcome = self
            .auth0
            .add_organization_members(organization_id, &ids)
            .await;
        let result = if outcome.is_ok() {
            format!("ok: member {} added", user.user_id)
        } else {
            "failed".to_owned()
        };
        self.audit(
            Action::AddMember,
            Some(organization_id),
            None,
            &result,
            None,
        );
        outcome.map_err(fail("adding the member"))?;
        Ok(MemberAdded {
            member: user,
            added: true,
        })
    }

    /// Removes the user with this email address from an organization.
    pub async fn remove_member(
        &self,
        organization_id: &str,
        email: &str,
    ) -> Result<Member, PortalError> {
        self.refuse_if_read_only(Action::RemoveMember)?;
        let not_member = || {
            PortalError::failure(format!(
                "{} is not a member of this organization",
                sanitize(email.trim())
            ))
            .with_code("not_a_member")
        };
        let user = self.user_by_email(email).await?.ok_or_else(not_member)?;
        let is_member = self
            .members(organization_id)
            .await?
            .iter()
            .any(|m| m.user_id == user.user_id);
        if !is_member {
            return Err(not_member());
        }
        self.remove_member_id(organization_id, &user.user_id)
            .await?;
        Ok(user)
    }

    /// Removes a user by id (also the undo of an onboarding's member step).
    pub(crate) async fn remove_member_id(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> Result<(), PortalError> {
        let ids = [user_id.to_owned()];
        let outcome = self
            .auth0
            .remove_organization_members(organization_id, &ids)
            .await;
        let result = if outcome.is_ok() {
            format!("ok: member {user_id} removed")
        } else {
            "failed".to_owned()
        };
        self.audit(
            Action::RemoveMember,
            Some(organization_id),
            None,
            &result,
            None,
        );
        outcome.map_err(fail("removing the member"))
    }

    /// The organization's pending invitations.
    pub async fn invitations(&self, organization_id: &str) -> Result<Vec<Invitation>, PortalError> {
        Ok(self
            .auth0
            .invitations(organization_id)
            .await
            .map_err(fail("listing invitations"))?
            .into_iter()
            .map(Invitation::from)
            .collect())
    }

    /// Invites someone to an organization through the configured login
    /// application; a pending invitation for the same address is adopted.
    pub async fn invite(
        &self,
        organization_id: &str,
        email: &str,
    ) -> Result<InvitationSent, PortalError> {
        self.refuse_if_read_only(Action::Invite)?;
        let email = email.trim();
        let Some(client_id) = self.settings.invite_client_id.as_deref() else {
            return Err(PortalError::usage(
                "Inviting needs the login application invitations send people to",
            )
            .with_code("no_invite_client")
            .with_hint(format!(
                "Set {INVITE_CLIENT_ID_VAR} (or invite_client_id in config.toml) to the client id of \
                 the application your customers sign in to."
            )));
        };
        if !email.contains('@') || email.contains(char::is_whitespace) {
            return Err(PortalError::usage(format!(
                "{} is not an email address",
                sanitize(email)
            )));
        }
        let pending = self.invitations(organization_id).await?;
        if let Some(existing) = pending
            .into_iter()
            .find(|i| i.email.eq_ignore_ascii_case(email))
        {
            return Ok(InvitationSent {
                invitation: existing,
                created: false,
                email_sent: false,
            });
        }
        let body = NewInvitation {
            inviter: Inviter {
                name: self.audit.operator().chars().take(300).collect(),
            },
            invitee: Invitee {
                email: email.to_owned(),
            },
            client_id,
            send_invitation_email: self.settings.invite_send_email,
            ttl_sec: Some(INVITATION_TTL_SECS),
        };
        let outcome = self.auth0.create_invitation(organization_id, &body).await;
        let result = match &outcome {
            Ok(invitation) => format!("ok: invitation {} created", invitation.id),
            Err(_) => "failed".to_owned(),
        };
        self.audit(Action::Invite, Some(organization_id), None, &result, None);
        let invitation = outcome.map_err(fail("inviting"))?;
        Ok(InvitationSent {
            invitation: invitation.into(),
            created: true,
            email_sent: self.settings.invite_send_email,
        })
    }

    /// Revokes a pending invitation.
    pub async fn revoke_invitation(
        &self,
        organization_id: &str,
        invitation_id: &str,
    ) -> Result<(), PortalError> {
        self.refuse_if_read_only(Action::RevokeInvitation)?;
        let outcome = self
            .auth0
            .delete_invitation(organization_id, invitation_id)
            .await;
        let result = if outcome.is_ok() {
            format!("ok: invitation {invitation_id} revoked")
        } else {
            "failed".to_owned()
        };
        self.audit(
            Action::RevokeInvitation,
            Some(organization_id),
            None,
            &result,
            None,
        );
        outcome.map_err(|e| {
            if e.is_status(404) {
                PortalError::failure(format!(
                    "No pending invitation has the id {}",
                    sanitize(invitation_id)
                ))
                .with_code("inexistent_invitation")
            } else {
                PortalError::management("revoking the invitation", &e)
            }
        })
    }
}
