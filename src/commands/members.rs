//! `orgs members` and `orgs invitations`.

use serde_json::{Value, json};

use crate::args::{InvitationsCommand, MembersCommand};
use crate::portal::{InvitationSent, Portal, PortalError};

use super::print::{err_line, out, print_json, print_list, to_json};
use super::{Io, confirm_typed};

pub(super) async fn run_members(
    command: &MembersCommand,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        MembersCommand::List { org, json, csv } => {
            let org = portal.find_organization(org).await?;
            let members = portal.members(&org.id).await?;
            if *json {
                print_json(io, &to_json(&members)?);
            } else {
                let rows: Vec<Vec<String>> = members
                    .iter()
                    .map(|m| {
                        vec![
                            m.email.as_deref().unwrap_or("").to_owned(),
                            m.name.as_deref().unwrap_or("").to_owned(),
                            m.user_id.clone(),
                        ]
                    })
                    .collect();
                print_list(io, *csv, &["EMAIL", "NAME", "USER ID"], &rows)?;
                err_line(io, &format!("{} member(s) of {}", members.len(), &org.name));
            }
            Ok(0)
        }
        MembersCommand::Add { org, email, json } => {
            let org = portal.find_organization(org).await?;
            let added = portal.add_member(&org.id, email).await.map_err(|e| {
                if e.code() == Some(crate::portal::NO_USER) {
                    e.with_hint(format!(
                        "Invite them: m2m-portal orgs invitations create --org {} --email {}",
                        &org.name,
                        email.trim()
                    ))
                } else {
                    e
                }
            })?;
            if *json {
                print_json(io, &with_tenant(portal, to_json(&added)?));
            } else if added.added {
                out(io, &format!("Added {} to {}\n", email.trim(), &org.name));
            } else {
                out(
                    io,
                    &format!(
                        "{} already is a member of {}; nothing changed\n",
                        email.trim(),
                        &org.name
                    ),
                );
            }
            Ok(0)
        }
        MembersCommand::Remove {
            org,
            email,
            yes,
            json,
        } => {
            let org = portal.find_organization(org).await?;
            let question = format!("This removes {} from {}.", email.trim(), &org.name);
            if !confirm_typed(io, *yes, &question, email.trim())? {
                return Ok(1);
            }
            let removed = portal.remove_member(&org.id, email).await?;
            if *json {
                print_json(io, &with_tenant(portal, json!({"removed": removed})));
            } else {
                out(
                    io,
                    &format!("Removed {} from {}\n", email.trim(), &org.name),
                );
            }
            Ok(0)
        }
    }
}

pub(super) async fn run_invitations(
    command: &InvitationsCommand,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        InvitationsCommand::List { org, json, csv } => {
            let org = portal.find_organization(org).await?;
            let invitations = portal.invitations(&org.id).await?;
            if *json {
                print_json(io, &to_json(&invitations)?);
            } else {
                let rows: Vec<Vec<String>> = invitations
                    .iter()
                    .map(|i| {
                        vec![
                            i.id.clone(),
                            i.email.clone(),
                            i.inviter.as_deref().unwrap_or("").to_owned(),
                            i.expires_at.as_deref().unwrap_or("").to_owned(),
                        ]
                    })
                    .collect();
                print_list(io, *csv, &["ID", "EMAIL", "INVITER", "EXPIRES"], &rows)?;
                err_line(
                    io,
                    &format!(
                        "{} pending invitation(s) to {}",
                        invitations.len(),
                        &org.name
                    ),
                );
            }
            Ok(0)
        }
        InvitationsCommand::Create { org, email, json } => {
            let org = portal.find_organization(org).await?;
            let sent = portal.invite(&org.id, email).await?;
            if *json {
                print_json(io, &with_tenant(portal, to_json(&sent)?));
            } else {
                print_invitation(io, &sent, &org.name);
            }
            Ok(0)
        }
        InvitationsCommand::Revoke {
            org,
            invitation_id,
            yes,
            json,
        } => {
            let org = portal.find_organization(org).await?;
            let question = format!(
                "This revokes the invitation {} to {}.",
                invitation_id, &org.name
            );
            if !confirm_typed(io, *yes, &question, invitation_id)? {
                return Ok(1);
            }
            portal.revoke_invitation(&org.id, invitation_id).await?;
            if *json {
                print_json(io, &with_tenant(portal, json!({"revoked": invitation_id})));
            } else {
                out(io, &format!("Revoked the invitation {}\n", invitation_id));
            }
            Ok(0)
        }
    }
}

/// A JSON object document with the tenant it ran against.
pub(super) fn with_tenant(portal: &Portal, mut doc: Value) -> Value {
    if let Some(map) = doc.as_object_mut() {
        map.insert("tenant".into(), json!(portal.settings().tenant_name()));
    }
    doc
}

pub(super) fn print_invitation(io: &mut Io<'_>, sent: &InvitationSent, org_name: &str) {
    let what = if sent.created {
        "Invited"
    } else {
        "Already invited (pending)"
    };
    let mut text = format!(
        "{what}: {} to {} (invitation {}, expires {})\n",
        &sent.invitation.email,
        org_name,
        &sent.invitation.id,
        sent.invitation.expires_at.as_deref().unwrap_or("?")
    );
    if let Some(url) = &sent.invitation.invitation_url {
        text.push_str(&format!("link: {}\n", url));
    }
    out(io, &text);
    if sent.created && !sent.email_sent {
        err_line(
            io,
            "No email was sent (PLUGIN_AUTH0_M2M_INVITE_SEND_EMAIL=false): send them the link.",
        );
    }
}
