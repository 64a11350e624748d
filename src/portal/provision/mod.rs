//! Provisioning, rotating and revoking keys: the three Auth0 objects of design
//! section 1, with 409s adopted and no orphan client left behind.

use std::time::SystemTime;

use crate::auth0::{ClientGrant, ClientWithSecret, DefaultOrganization, NewClient, NewClientGrant};

use super::{
    Action, IssuedKey, Organization, Portal, PortalError, ProvisionProgress, ProvisionStep,
    StepState, fail,
};

mod revoke;
mod rotate;

pub use rotate::ROTATION_UNKNOWN;
pub(crate) use rotate::rotation_unknown;

/// Longest description Auth0 accepts.
const MAX_DESCRIPTION: usize = 140;
/// Longest client name we send.
const MAX_NAME: usize = 128;
/// At most this many pages of clients (50 each: 500,000 clients) are read when looking
/// for a creation attempt's nonce; a longer listing leaves the outcome unknown.
const NONCE_SEARCH_PAGES: u32 = 10_000;

impl Portal {
    /// Provisions a key (client, grant, link), rolling back the client if a later step fails.
    /// The organization is read first, so a wrong id fails before anything is created, and
    /// its keys are listed, so the new key's name is unique in it.
    pub async fn provision_key(
        &self,
        organization_id: &str,
        name: Option<&str>,
        progress: &(dyn Fn(ProvisionProgress) + Send + Sync),
    ) -> Result<IssuedKey, PortalError> {
        self.refuse_if_read_only(Action::ProvisionKey)?;
        check_key_name(name)?;
        // Reading the organization first means a typo fails before anything is created.
        let organization = self
            .auth0
            .organization(organization_id)
            .await
            .map_err(|e| {
                if e.is_status(404) {
                    PortalError::failure(format!("No organization has the id {organization_id}"))
                        .with_code("not_found")
                } else {
                    PortalError::management("reading the organization", &e)
                }
            })?;
        self.provision(&organization, None, name, progress).await
    }

    /// Provisions a key for an organization the caller has on screen, with the names of
    /// its keys when the caller has them listed (the TUI's organization screen, which
    /// loaded both): neither is read again, so a provision is its three calls (client,
    /// grant, link). An organization deleted since is caught by the link, which rolls
    /// the client back; `taken: None` lists the names as `provision_key` does.
    pub async fn provision_key_for(
        &self,
        organization: &Organization,
        taken: Option<&[String]>,
        name: Option<&str>,
        progress: &(dyn Fn(ProvisionProgress) + Send + Sync),
    ) -> Result<IssuedKey, PortalError> {
        self.refuse_if_read_only(Action::ProvisionKey)?;
        check_key_name(name)?;
        let organization = crate::auth0::Organization {
            id: organization.id.clone(),
            name: organization.name.clone(),
            display_name: organization.display_name.clone(),
        };
        self.provision(&organization, taken, name, progress).await
    }

    async fn provision(
        &self,
        organization: &crate::auth0::Organization,
        taken: Option<&[String]>,
        name: Option<&str>,
        progress: &(dyn Fn(ProvisionProgress) + Send + Sync),
    ) -> Result<IssuedKey, PortalError> {
        let report = |step, state| progress(ProvisionProgress { step, state });
        let today = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let listed;
        let taken = match taken {
            Some(names) => Some(names),
            None => {
                listed = self.key_names(organization).await;
                listed.as_deref()
            }
        };
        let client_name = key_name(organization, taken, name, &today)?;
        let nonce = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let body = self.new_client(organization, client_name, today, &nonce);
        self.create_and_link(&organization.id, &body, &nonce, &report)
            .await
    }

    /// The names of the organization's keys (`None` when they cannot be listed).
    /// Names are unique per organization, so a revoke confirmation can name one key.
    /// One query: the clients with a grant linked to this organization.
    async fn key_names(&self, organization: &crate::auth0::Organization) -> Option<Vec<String>> {
        self.auth0
            .organization_clients(&organization.id)
            .await
            .ok()
            .map(|clients| clients.into_iter().map(|c| c.name).collect())
    }

    /// The client of a new key, with the metadata that ties it to its organization
    /// and the nonce that finds this very attempt again.
    fn new_client(
        &self,
        organization: &crate::auth0::Organization,
        client_name: String,
        today: String,
        nonce: &str,
    ) -> NewClient {
        let pretty = organization
            .display_name
            .clone()
            .unwrap_or_else(|| organization.name.clone());
        let description: String = format!("M2M key for {pretty} ({})", organization.id)
            .chars()
            .take(MAX_DESCRIPTION)
            .collect();
        let mut metadata = serde_json::Map::new();
        metadata.insert("org_id".into(), organization.id.clone().into());
        metadata.insert("created_by".into(), "m2m-portal".into());
        metadata.insert("created_at".into(), today.into());
        let operator: String = self.audit.operator().chars().take(255).collect();
        metadata.insert("operator".into(), operator.into());
        // Lets us find this very attempt if the answer to the POST is lost.
        metadata.insert("nonce".into(), nonce.to_owned().into());
        NewClient {
            name: client_name,
            description,
            app_type: "non_interactive",
            grant_types: vec!["client_credentials"],
            token_endpoint_auth_method: "client_secret_post",
            is_first_party: true,
            client_metadata: metadata,
            default_organization: DefaultOrganization {
                organization_id: organization.id.clone(),
                flows: vec!["client_credentials".to_owned()],
            },
        }
    }

    /// The three steps (client, grant, link), each reported, rolled back when a
    /// later one fails; the key on success.
    async fn create_and_link(
        &self,
        organization_id: &str,
        body: &NewClient,
        nonce: &str,
        report: &(dyn Fn(ProvisionStep, StepState) + Send + Sync),
    ) -> Result<IssuedKey, PortalError> {
        report(ProvisionStep::CreateClient, StepState::Running);
        let client = match self.create_client_once(body, nonce).await {
            Ok(client) => client,
            Err(err) => {
                report(ProvisionStep::CreateClient, StepState::Failed);
                self.audit(
                    Action::ProvisionKey,
                    Some(organization_id),
                    None,
                    "failed: create client",
                    None,
                );
                return Err(err);
            }
        };
        report(ProvisionStep::CreateClient, StepState::Done);

        report(ProvisionStep::CreateGrant, StepState::Running);
        let (grant, grant_is_ours) = match self.ensure_grant(&client.client_id).await {
            Ok(found) => found,
            Err(err) => {
                report(ProvisionStep::CreateGrant, StepState::Failed);
                return Err(self
                    .roll_back(
                        organization_id,
                        &client.client_id,
                        None,
                        "creating the client grant",
                        err,
                        report,
                    )
                    .await);
            }
        };
        report(ProvisionStep::CreateGrant, StepState::Done);

        report(ProvisionStep::LinkGrant, StepState::Running);
        if let Err(err) = self.link_grant(organization_id, &grant.id).await {
            report(ProvisionStep::LinkGrant, StepState::Failed);
            let ours = grant_is_ours.then_some(grant.id.as_str());
            return Err(self
                .roll_back(
                    organization_id,
                    &client.client_id,
                    ours,
                    "linking the grant to the organization",
                    err,
                    report,
                )
                .await);
        }
        report(ProvisionStep::LinkGrant, StepState::Done);

        let fingerprint = client.client_secret.fingerprint();
        self.audit(
            Action::ProvisionKey,
            Some(organization_id),
            Some(&client.client_id),
            "ok",
            Some(&fingerprint),
        );
        Ok(IssuedKey {
            client_id: client.client_id,
            client_name: client.name,
            client_secret: client.client_secret,
            organization_id: Some(organization_id.to_owned()),
            grant_id: Some(grant.id),
        })
    }

    /// Creates the client once; after an ambiguous failure, looks for the attempt's
    /// nonce and, if the client exists, rotates its secret (the first one was lost).
    async fn create_client_once(
        &self,
        body: &NewClient,
        nonce: &str,
    ) -> Result<ClientWithSecret, PortalError> {
        let err = match self.auth0.create_client(body).await {
            Ok(client) => return Ok(client),
            Err(err) if err.is_ambiguous() => err,
            Err(err) => return Err(PortalError::management("creating the client", &err)),
        };
        tracing::warn!("client creation ended ambiguously ({err}); looking for the attempt");
        match self.find_client_by_nonce(nonce).await {
            Ok(Some(client_id)) => match self.auth0.rotate_client_secret(&client_id).await {
                Ok(client) => Ok(client),
                Err(rotate) => {
                    let undone = self.auth0.delete_client(&client_id).await;
                    let what = if undone.is_ok() {
                        format!("the client {client_id} it made was deleted again")
                    } else {
                        format!("the client {client_id} is left behind: delete it in the Dashboard")
                    };
                    Err(PortalError::management("creating the client", &rotate)
                        .with_hint(format!("The answer to client creation was lost and {what}.")))
                }
            },
            Ok(None) => Err(PortalError::management("creating the client", &err).with_hint(
                "Auth0 did not create the client (checked); nothing to undo, it is safe to try again.",
            )),
            Err(lookup) => Err(PortalError::management("creating the client", &err).with_hint(format!(
                "Unknown whether the client was created: the search for it could not complete \
                 ({lookup}). Check before retrying: look in the Dashboard for a client whose \
                 metadata has nonce {nonce}."
            ))),
        }
    }

    /// The id of the client whose metadata holds `nonce`, if any, reading the whole
    /// listing with checkpoint paging (offset paging stops at 1,000 records on Auth0).
    /// `Ok(None)` only when the listing was read to its end; an error says why not.
    async fn find_client_by_nonce(&self, nonce: &str) -> Result<Option<String>, String> {
        let mut from: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..NONCE_SEARCH_PAGES {
            let batch = self
                .auth0
                .clients_checkpoint_page(from.as_deref(), crate::auth0::MAX_PAGE)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(client) = batch
                .items
                .iter()
                .find(|c| c.metadata("nonce") == Some(nonce))
            {
                return Ok(Some(client.client_id.clone()));
            }
            match batch.next {
                None => return Ok(None),
                Some(next) => {
                    crate::auth0::check_cursor(
                        "GET /api/v2/clients",
                        &mut seen,
                        &next,
                        batch.items.is_empty(),
                    )
                    .map_err(|e| e.to_string())?;
                    from = Some(next);
                }
            }
        }
        Err(format!(
            "the client listing is longer than {} pages",
            NONCE_SEARCH_PAGES
        ))
    }

    /// The client's grant for the configured audience: created, or adopted after a 409.
    /// Returns the grant and whether this call created it.
    pub async fn ensure_grant(&self, client_id: &str) -> Result<(ClientGrant, bool), PortalError> {
        let doing = "creating the client grant";
        let audience = self.settings.api_audience.as_str();
        let body = NewClientGrant {
            client_id,
            audience,
            scope: &self.settings.api_scope,
            organization_usage: "require",
            allow_any_organization: false,
            subject_type: "client",
        };
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.auth0.create_client_grant(&body).await {
                Ok(grant) => return Ok((grant, true)),
                Err(err) if err.is_status(409) || err.is_ambiguous() => {
                    // Already there (or maybe made by the lost attempt): read it.
                    let existing = self
                        .auth0
                        .client_grants(client_id, audience)
                        .await
                        .map_err(fail(doing))?;
                    if let Some(grant) = existing.into_iter().next() {
                        tracing::info!(grant = %grant.id, "adopting the existing client grant");
                        return Ok((grant, err.is_ambiguous()));
                    }
                    if attempts >= 2 || err.is_status(409) {
                        return Err(PortalError::management(doing, &err));
                    }
                }
                Err(err) => return Err(PortalError::management(doing, &err)),
            }
        }
    }

    /// Links a grant to an organization; "already added" counts as done.
    pub async fn link_grant(
        &self,
        organization_id: &str,
        grant_id: &str,
    ) -> Result<(), PortalError> {
        let doing = "linking the grant to the organization";
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self
                .auth0
                .link_client_grant(organization_id, grant_id)
                .await
            {
                Ok(_) => return Ok(()),
                Err(err) if err.is_status(409) => {
                    let message = err.message().unwrap_or("").to_ascii_lowercase();
                    if message.contains("quota") || message.contains("cannot add more") {
                        return Err(PortalError::management(doing, &err).with_hint(
                            "Auth0 allows at most 100 M2M grants per organization: revoke unused keys first.",
                        ));
                    }
                    return Ok(());
                }
                Err(err) if err.is_ambiguous() && attempts < 2 => {
                    let linked = self
                        .auth0
                        .organization_client_grants(organization_id, &self.settings.api_audience)
                        .await
                        .map_err(fail(doing))?;
                    if linked.iter().any(|g| g.id == grant_id) {
                        return Ok(());
                    }
                }
                Err(err) => return Err(PortalError::management(doing, &err)),
            }
        }
    }

    /// Undoes a half-made key and says exactly what was undone.
    async fn roll_back(
        &self,
        organization_id: &str,
        client_id: &str,
        grant_id: Option<&str>,
        failed_step: &str,
        cause: PortalError,
        report: &(dyn Fn(ProvisionStep, StepState) + Send + Sync),
    ) -> PortalError {
        report(ProvisionStep::Rollback, StepState::Running);
        let mut undone = Vec::new();
        let mut left = Vec::new();
        if let Some(grant_id) = grant_id {
            match self.auth0.delete_client_grant(grant_id).await {
                Ok(()) => undone.push(format!("deleted the client grant {grant_id}")),
                Err(e) if e.is_status(404) => {}
                Err(e) => left.push(format!("the client grant {grant_id} ({e})")),
            }
        }
        match self.auth0.delete_client(client_id).await {
            Ok(()) => undone.push(format!("deleted the client {client_id}")),
            Err(e) if e.is_status(404) => {}
            Err(e) => left.push(format!("the client {client_id} ({e})")),
        }
        let state = if left.is_empty() {
            StepState::Done
        } else {
            StepState::Failed
        };
        report(ProvisionStep::Rollback, state);
        let summary = if left.is_empty() {
            format!("rolled back: {}", undone.join(", "))
        } else {
            format!("rollback incomplete: left {}", left.join(", "))
        };
        self.audit(
            Action::ProvisionKey,
            Some(organization_id),
            Some(client_id),
            &summary,
            None,
        );
        let mut message = format!(
            "Provisioning failed while {failed_step}: {}",
            cause.message()
        );
        if left.is_empty() {
            message.push_str(&format!(
                ". Undone: {}; nothing is left behind",
                undone.join(" and ")
            ));
        } else {
            message.push_str(&format!(
                ". Could not undo everything: still there: {}",
                left.join(", ")
            ));
        }
        let hint = if left.is_empty() {
            cause.hint().map(str::to_owned)
        } else {
            Some(format!(
                "Delete what is left in the Auth0 Dashboard, or run `m2m-portal clients revoke {client_id} --org {organization_id}`."
            ))
        };
        cause
            .without_field()
            .with_message(message)
            .with_optional_hint(hint)
    }
}

/// A key name Auth0 takes: 1 to 128 characters, without '<' or '>'.
fn check_key_name(name: Option<&str>) -> Result<(), PortalError> {
    match name {
        Some(name)
            if name.trim().is_empty()
                || name.contains(['<', '>'])
                || name.chars().count() > MAX_NAME =>
        {
            Err(PortalError::usage(format!(
                "{} is not a valid key name",
                crate::text::sanitize(name)
            ))
            .with_hint("Use 1 to 128 characters, without '<' or '>'."))
        }
        _ => Ok(()),
    }
}

/// The new key's name: the one asked for unless the organization has a key of
/// that name, else the first free default name (`taken`: its keys' names, when known).
fn key_name(
    organization: &crate::auth0::Organization,
    taken: Option<&[String]>,
    name: Option<&str>,
    today: &str,
) -> Result<String, PortalError> {
    Ok(match name.map(str::trim) {
        Some(name) if taken.iter().copied().flatten().any(|t| t == name) => {
            return Err(PortalError::usage(format!(
                "{} already has a key named {}",
                crate::text::sanitize(&organization.name),
                crate::text::sanitize(name)
            ))
            .with_code("name_taken")
            .with_hint("Key names are unique per organization: choose another name."));
        }
        Some(name) => name.to_owned(),
        None => match taken {
            Some(taken) => default_key_name(&organization.name, &today[..10], taken),
            // The keys could not be listed: the time of day keeps the name apart.
            None => format!(
                "{} api key {} {}",
                organization.name,
                &today[..10],
                &today[11..19]
            ),
        },
    })
}

/// The default name of a new key, `{org} api key {YYYY-MM-DD}`, with ` #2`, ` #3`...
/// when that is taken: names are unique per organization.
pub fn default_key_name(organization_name: &str, date: &str, taken: &[String]) -> String {
    let base = format!("{organization_name} api key {date}");
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base} #{n}"))
        .find(|candidate| !taken.iter().any(|t| t == candidate))
        .unwrap_or(base)
}

#[cfg(test)]
mod naming_tests {
    use super::default_key_name;

    #[test]
    fn default_names_are_unique_per_organization() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            default_key_name("acme", "2026-12-02", &none),
            "acme api key 2026-12-02"
        );
        let taken = vec![
            "acme api key 2026-12-02".to_owned(),
            "acme api key 2026-12-02 #2".to_owned(),
        ];
        assert_eq!(
            default_key_name("acme", "2026-12-02", &taken),
            "acme api key 2026-12-02 #3"
        );
    }
}
