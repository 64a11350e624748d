//! Revoking a key: unlink, delete the grant, delete the client, saying what was
//! removed when it stops half-way.

use crate::auth0::ClientGrant;

use crate::portal::{Action, Portal, PortalError, Revoked, fail};

impl Portal {
    /// Revokes a key: unlink, delete grant, delete client.
    pub async fn revoke_key(
        &self,
        organization_id: &str,
        client_id: &str,
    ) -> Result<Revoked, PortalError> {
        self.refuse_if_read_only(Action::RevokeKey)?;
        self.refuse_admin_app(client_id, "revoke")?;
        let doing = "revoking the key";
        let audience = self.settings.api_audience.as_str();
        let client = match self.auth0.client(client_id).await {
            Ok(client) => Some(client),
            Err(e) if e.is_status(404) => None,
            Err(e) => return Err(PortalError::management(doing, &e)),
        };
        let grants = self
            .auth0
            .client_grants(client_id, audience)
            .await
            .map_err(fail(doing))?;
        let linked = self
            .auth0
            .organization_client_grants(organization_id, audience)
            .await
            .map_err(fail(doing))?;
        let linked_here = linked.iter().any(|g| g.client_id == client_id);
        let made_for_here = client
            .as_ref()
            .and_then(|c| c.organization_id())
            .is_some_and(|org| org == organization_id);
        if client.is_none() && grants.is_empty() {
            return Err(PortalError::failure(format!(
                "No client has the id {}",
                crate::text::sanitize(client_id)
            ))
            .with_code("inexistent_client"));
        }
        // Guard against a mistyped id deleting another organization's key.
        if !linked_here && !made_for_here {
            return Err(PortalError::usage(format!(
                "The client {} is not a key of the organization {organization_id}",
                crate::text::sanitize(client_id)
            ))
            .with_hint("`m2m-portal clients list --org ORG` shows the organization's keys."));
        }
        let mut revoked = Revoked::default();
        let outcome = self
            .revoke_steps(
                organization_id,
                client_id,
                client.is_some(),
                &grants,
                &mut revoked,
            )
            .await;
        let removed = describe(&revoked);
        let result = match &outcome {
            Ok(()) => format!("ok: {removed}"),
            Err(_) => format!("stopped: {removed}"),
        };
        self.audit(
            Action::RevokeKey,
            Some(organization_id),
            Some(client_id),
            &result,
            None,
        );
        match outcome {
            Ok(()) => Ok(revoked),
            Err(err) => Err(stopped_half_way(
                err,
                &removed,
                &revoked,
                grants.first(),
                client.is_some(),
                client_id,
            )),
        }
    }

    async fn revoke_steps(
        &self,
        organization_id: &str,
        client_id: &str,
        client_exists: bool,
        grants: &[ClientGrant],
        revoked: &mut Revoked,
    ) -> Result<(), PortalError> {
        for grant in grants {
            match self
                .auth0
                .unlink_client_grant(organization_id, &grant.id)
                .await
            {
                Ok(()) => revoked.unlinked_grant = Some(grant.id.clone()),
                Err(e) if e.is_status(404) => {}
                Err(e) => return Err(PortalError::management("unlinking the grant", &e)),
            }
            match self.auth0.delete_client_grant(&grant.id).await {
                Ok(()) => revoked.deleted_grant = Some(grant.id.clone()),
                Err(e) if e.is_status(404) => {}
                Err(e) => return Err(PortalError::management("deleting the grant", &e)),
            }
        }
        if client_exists {
            match self.auth0.delete_client(client_id).await {
                Ok(()) => revoked.deleted_client = Some(client_id.to_owned()),
                Err(e) if e.is_status(404) => {}
                Err(e) => return Err(PortalError::management("deleting the client", &e)),
            }
        }
        Ok(())
    }
}

/// A revocation that stopped: what was removed and what is still there, to run again.
fn stopped_half_way(
    err: PortalError,
    removed: &str,
    revoked: &Revoked,
    grant: Option<&ClientGrant>,
    client_exists: bool,
    client_id: &str,
) -> PortalError {
    let mut left = Vec::new();
    if revoked.deleted_grant.is_none()
        && let Some(g) = grant
    {
        left.push(format!("grant {}", g.id));
    }
    if revoked.deleted_client.is_none() && client_exists {
        left.push(format!("client {client_id}"));
    }
    let message = format!(
        "Revoking stopped half-way: {}. Removed so far: {removed}; still there: {}",
        err.message(),
        if left.is_empty() {
            "nothing".to_owned()
        } else {
            left.join(", ")
        }
    );
    err.with_message(message)
        .with_hint("Run the same revoke again to finish.")
}

/// "unlinked grant X, deleted grant X, deleted client Y" (or "nothing").
pub(crate) fn describe(revoked: &Revoked) -> String {
    let mut parts = Vec::new();
    if let Some(g) = &revoked.unlinked_grant {
        parts.push(format!("unlinked grant {g}"));
    }
    if let Some(g) = &revoked.deleted_grant {
        parts.push(format!("deleted grant {g}"));
    }
    if let Some(c) = &revoked.deleted_client {
        parts.push(format!("deleted client {c}"));
    }
    if parts.is_empty() {
        "nothing".to_owned()
    } else {
        parts.join(", ")
    }
}
