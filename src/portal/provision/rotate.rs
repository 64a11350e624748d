//! Rotating a key's secret, and the refusal to touch the portal's own admin app.

use crate::portal::{Action, IssuedKey, Portal, PortalError};

impl Portal {
    /// Rotates a client's secret.
    pub async fn rotate_secret(&self, client_id: &str) -> Result<IssuedKey, PortalError> {
        self.refuse_if_read_only(Action::RotateSecret)?;
        self.refuse_admin_app(client_id, "rotate the secret of")?;
        let doing = "rotating the secret";
        let client = self.auth0.client(client_id).await.map_err(|e| {
            if e.is_status(404) {
                PortalError::failure(format!(
                    "No client has the id {}",
                    crate::text::sanitize(client_id)
                ))
                .with_code(e.code().unwrap_or("inexistent_client").to_owned())
            } else {
                PortalError::management(doing, &e)
            }
        })?;
        let organization_id = client.organization_id().map(str::to_owned);
        let rotated = match self.auth0.rotate_client_secret(client_id).await {
            Ok(rotated) => rotated,
            Err(e) if e.is_ambiguous() => {
                // The request may have been carried out: the old secret may be dead
                // and the new one was never received. Say exactly that.
                tracing::warn!("rotation of {client_id} ended ambiguously ({e})");
                self.audit(
                    Action::RotateSecret,
                    organization_id.as_deref(),
                    Some(client_id),
                    "unknown",
                    None,
                );
                return Err(rotation_unknown(client_id, &e));
            }
            Err(e) => {
                self.audit(
                    Action::RotateSecret,
                    organization_id.as_deref(),
                    Some(client_id),
                    "failed",
                    None,
                );
                return Err(PortalError::management(doing, &e));
            }
        };
        let fingerprint = rotated.client_secret.fingerprint();
        self.audit(
            Action::RotateSecret,
            organization_id.as_deref(),
            Some(client_id),
            "ok",
            Some(&fingerprint),
        );
        // The inventory reads the age of a key from this; the rotation stands either way.
        let mut metadata = rotated.client_metadata.clone();
        if metadata.is_empty() {
            metadata = client.client_metadata.clone();
        }
        self.record_rotation(client_id, metadata).await;
        // Nice to show, not worth failing over: the secret is already rotated.
        let grant_id = self
            .auth0
            .client_grants(client_id, &self.settings.api_audience)
            .await
            .ok()
            .and_then(|grants| grants.into_iter().next().map(|g| g.id));
        Ok(IssuedKey {
            client_id: rotated.client_id,
            client_name: if rotated.name.is_empty() {
                client.name
            } else {
                rotated.name
            },
            client_secret: rotated.client_secret,
            organization_id,
            grant_id,
        })
    }

    /// Refuses to act on the portal's own admin app (the configured
    /// `PLUGIN_AUTH0_M2M_CLIENT_ID`): rotating it would lock the portal out within
    /// 30 seconds, revoking it for good. Exit code 2 (usage).
    pub fn refuse_admin_app(&self, client_id: &str, what: &str) -> Result<(), PortalError> {
        if client_id.trim() != self.settings.client_id.trim() {
            return Ok(());
        }
        Err(PortalError::usage(format!(
            "Refusing to {what} {}: it is m2m-portal's own admin app \
             (PLUGIN_AUTH0_M2M_CLIENT_ID), not a key; without it the portal cannot \
             reach the Management API",
            crate::text::sanitize(client_id)
        ))
        .with_code(ADMIN_APP_REFUSED)
        .with_hint(
            "Rotate the admin app's secret in the Auth0 dashboard (Applications), \
             then update PLUGIN_AUTH0_M2M_CLIENT_SECRET.",
        ))
    }
}

/// The error code of a refusal to rotate or revoke the portal's own admin app.
pub const ADMIN_APP_REFUSED: &str = "admin_app_refused";

/// The error code of a rotation whose answer was lost (the secret may or may not
/// have been rotated).
pub const ROTATION_UNKNOWN: &str = "rotation_unknown";

/// A rotation whose answer was lost: unknown, never "failed, check your network".
pub(crate) fn rotation_unknown(client_id: &str, cause: &crate::auth0::Auth0Error) -> PortalError {
    let client_id = crate::text::sanitize(client_id);
    PortalError::failure(format!(
        "Unknown whether the secret of {client_id} was rotated: the request reached Auth0 but \
         its answer was lost ({cause})"
    ))
    .with_code(ROTATION_UNKNOWN)
    .with_hint(format!(
        "The secret may have been rotated: if so the old one stops working within 30 seconds \
         and the new one was never received. Rotate again to get a usable secret: \
         `m2m-portal clients rotate {client_id}`."
    ))
}
