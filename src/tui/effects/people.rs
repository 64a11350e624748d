//! An organization's people (members and invitations), and onboarding a customer.

use tokio::sync::mpsc::UnboundedSender;

use super::PortalEffects;
use crate::portal::{Portal, PortalError};
use crate::tui::msg::{Cmd, Msg};

/// Runs one of the people commands (`perform` sends only these here).
pub(super) fn run(
    effects: &mut PortalEffects,
    portal: Portal,
    cmd: Cmd,
    replies: &UnboundedSender<Msg>,
    on_panic: Option<Msg>,
) {
    match cmd {
        Cmd::ListPeople {
            id,
            organization_id,
            invitations,
        } => effects.spawn(id, replies, on_panic, async move {
            let members = portal.members(&organization_id);
            let pending = async {
                if invitations {
                    portal.invitations(&organization_id).await
                } else {
                    Ok(Vec::new())
                }
            };
            let result = tokio::try_join!(members, pending);
            Msg::PeopleListed { id, result }
        }),
        Cmd::AddMember {
            id,
            organization_id,
            email,
        } => effects.spawn(id, replies, on_panic, async move {
            Msg::MemberAdded {
                id,
                result: portal.add_member(&organization_id, &email).await,
            }
        }),
        Cmd::RemoveMember {
            id,
            organization_id,
            email,
        } => effects.spawn(id, replies, on_panic, async move {
            Msg::MemberRemoved {
                id,
                result: portal.remove_member(&organization_id, &email).await,
            }
        }),
        Cmd::Invite {
            id,
            organization_id,
            email,
        } => effects.spawn(id, replies, on_panic, async move {
            Msg::Invited {
                id,
                result: portal.invite(&organization_id, &email).await,
            }
        }),
        Cmd::RevokeInvitation {
            id,
            organization_id,
            invitation_id,
        } => effects.spawn(id, replies, on_panic, async move {
            Msg::InvitationRevoked {
                id,
                result: portal
                    .revoke_invitation(&organization_id, &invitation_id)
                    .await,
            }
        }),
        Cmd::Onboard { id, request } => {
            let progress_replies = replies.clone();
            effects.spawn(id, replies, on_panic, async move {
                let report = move |step, state| {
                    let _ = progress_replies.send(Msg::OnboardProgress { id, step, state });
                };
                let result = portal.onboard(&request, &report).await.map(Box::new);
                Msg::Onboarded { id, result }
            });
        }
        _ => {}
    }
}

/// The answer a people command gets when it fails before or instead of running;
/// `Err` hands the error back for a command that is not one of these.
pub(super) fn failed(cmd: &Cmd, error: PortalError) -> Result<Msg, PortalError> {
    Ok(match *cmd {
        Cmd::ListPeople { id, .. } => Msg::PeopleListed {
            id,
            result: Err(error),
        },
        Cmd::AddMember { id, .. } => Msg::MemberAdded {
            id,
            result: Err(error),
        },
        Cmd::RemoveMember { id, .. } => Msg::MemberRemoved {
            id,
            result: Err(error),
        },
        Cmd::Invite { id, .. } => Msg::Invited {
            id,
            result: Err(error),
        },
        Cmd::RevokeInvitation { id, .. } => Msg::InvitationRevoked {
            id,
            result: Err(error),
        },
        Cmd::Onboard { id, .. } => Msg::Onboarded {
            id,
            result: Err(error),
        },
        _ => return Err(error),
    })
}
