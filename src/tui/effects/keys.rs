//! One organization's keys: listing, provisioning, rotating and revoking them, and
//! the test token.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::PortalEffects;
use crate::portal::{Portal, PortalError};
use crate::tui::msg::{Cmd, Msg};

/// Runs one of the key commands (`perform` sends only these here).
pub(super) fn run(
    effects: &mut PortalEffects,
    portal: Portal,
    cmd: Cmd,
    replies: &UnboundedSender<Msg>,
    on_panic: Option<Msg>,
) {
    match cmd {
        Cmd::ListKeys {
            id,
            organization_id,
        } => effects.spawn(id, replies, on_panic, async move {
            Msg::KeysListed {
                id,
                result: portal.list_keys(&organization_id).await,
            }
        }),
        Cmd::ProvisionKey {
            id,
            organization,
            taken,
            name,
        } => {
            let progress_replies = Arc::new(replies.clone());
            effects.spawn(id, replies, on_panic, async move {
                let report = move |progress| {
                    let _ = progress_replies.send(Msg::ProvisionProgress { id, progress });
                };
                let result = portal
                    .provision_key_for(&organization, taken.as_deref(), name.as_deref(), &report)
                    .await;
                Msg::Provisioned { id, result }
            });
        }
        Cmd::RotateSecret { id, client_id } => effects.spawn(id, replies, on_panic, async move {
            Msg::Rotated {
                id,
                result: portal.rotate_secret(&client_id).await,
            }
        }),
        Cmd::RevokeKey {
            id,
            organization_id,
            client_id,
        } => effects.spawn(id, replies, on_panic, async move {
            Msg::Revoked {
                id,
                result: portal.revoke_key(&organization_id, &client_id).await,
            }
        }),
        Cmd::TestToken { id, request } => effects.spawn(id, replies, on_panic, async move {
            Msg::TokenFetched {
                id,
                result: portal.test_token(request).await,
            }
        }),
        _ => {}
    }
}

/// The answer a key command gets when it fails before or instead of running;
/// `Err` hands the error back for a command that is not one of these.
pub(super) fn failed(cmd: &Cmd, error: PortalError) -> Result<Msg, PortalError> {
    Ok(match *cmd {
        Cmd::ListKeys { id, .. } => Msg::KeysListed {
            id,
            result: Err(error),
        },
        Cmd::ProvisionKey { id, .. } => Msg::Provisioned {
            id,
            result: Err(error),
        },
        Cmd::RotateSecret { id, .. } => Msg::Rotated {
            id,
            result: Err(error),
        },
        Cmd::RevokeKey { id, .. } => Msg::Revoked {
            id,
            result: Err(error),
        },
        Cmd::TestToken { id, .. } => Msg::TokenFetched {
            id,
            result: Err(error),
        },
        _ => return Err(error),
    })
}
