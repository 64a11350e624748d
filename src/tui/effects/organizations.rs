//! The organization list's work: a page, a search, a new organization.

use tokio::sync::mpsc::UnboundedSender;

use super::PortalEffects;
use crate::portal::{Portal, PortalError};
use crate::tui::msg::{Cmd, Msg};

/// Runs one of the organization commands (`perform` sends only these here).
pub(super) fn run(
    effects: &mut PortalEffects,
    portal: Portal,
    cmd: Cmd,
    replies: &UnboundedSender<Msg>,
    on_panic: Option<Msg>,
) {
    match cmd {
        Cmd::LoadOrganizations { id, from, take } => {
            effects.spawn(id, replies, on_panic, async move {
                Msg::OrganizationsPage {
                    id,
                    result: portal.organizations_page(from, take).await,
                }
            })
        }
        Cmd::FindOrganization { id, query } => effects.spawn(id, replies, on_panic, async move {
            Msg::OrganizationFound {
                id,
                result: portal.find_organization(&query).await,
            }
        }),
        Cmd::CreateOrganization {
            id,
            name,
            display_name,
        } => effects.spawn(id, replies, on_panic, async move {
            let result = portal
                .create_organization(&name, display_name.as_deref())
                .await;
            Msg::OrganizationCreated { id, result }
        }),
        _ => {}
    }
}

/// The answer an organization command gets when it fails before or instead of
/// running; `Err` hands the error back for a command that is not one of these.
pub(super) fn failed(cmd: &Cmd, error: PortalError) -> Result<Msg, PortalError> {
    Ok(match *cmd {
        Cmd::LoadOrganizations { id, .. } => Msg::OrganizationsPage {
            id,
            result: Err(error),
        },
        Cmd::FindOrganization { id, .. } => Msg::OrganizationFound {
            id,
            result: Err(error),
        },
        Cmd::CreateOrganization { id, .. } => Msg::OrganizationCreated {
            id,
            result: Err(error),
        },
        _ => return Err(error),
    })
}
