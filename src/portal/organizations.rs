//! Organizations (list, find, create, the name rule) and an organization's keys.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Action, Portal, PortalError};

/// An Auth0 organization, as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub display_name: Option<String>,
}

/// One page of organizations; `next` is the checkpoint for the following page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationPage {
    pub organizations: Vec<Organization>,
    pub next: Option<String>,
}

/// One M2M key of an organization: a client and its grant linked to the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgKey {
    pub client_id: String,
    pub name: String,
    pub grant_id: Option<String>,
    pub scope: Vec<String>,
    pub created_at: Option<String>,
}

impl Portal {
    /// One page of organizations (checkpoint paging; `from` is the previous page's `next`).
    pub async fn organizations_page(
        &self,
        from: Option<String>,
        take: u32,
    ) -> Result<OrganizationPage, PortalError> {
        let page = self
            .auth0
            .organizations_page(from.as_deref(), take)
            .await
            .map_err(|e| PortalError::management("listing organizations", &e))?;
        Ok(OrganizationPage {
            organizations: page.items.into_iter().map(Organization::from).collect(),
            next: page.next,
        })
    }

    /// Every organization whose name or display name contains `search` (all when `None`),
    /// walking every page.
    pub async fn all_organizations(
        &self,
        search: Option<&str>,
    ) -> Result<Vec<Organization>, PortalError> {
        use futures_util::TryStreamExt as _;
        let needle = search.map(str::to_lowercase);
        let mut found = Vec::new();
        let mut pages = std::pin::pin!(self.auth0.organization_pages(crate::auth0::MAX_PAGE));
        while let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| PortalError::management("listing organizations", &e))?
        {
            found.extend(
                page.items
                    .into_iter()
                    .map(Organization::from)
                    .filter(|org| needle.as_deref().is_none_or(|n| org.matches(n))),
            );
        }
        Ok(found)
    }

    /// Finds an organization by id (`org_...`) or exact name.
    pub async fn find_organization(&self, id_or_name: &str) -> Result<Organization, PortalError> {
        let wanted = id_or_name.trim();
        if wanted.is_empty() {
            return Err(PortalError::usage("An organization id or name is needed"));
        }
        if wanted.starts_with("org_") {
            match self.auth0.organization(wanted).await {
                Ok(org) => return Ok(org.into()),
                // "org_x" is also a valid name: try it as one.
                Err(e) if e.is_status(404) => {}
                Err(e) => return Err(PortalError::management("finding the organization", &e)),
            }
        }
        match self.auth0.organization_by_name(wanted).await {
            Ok(org) => Ok(org.into()),
            Err(e) if e.is_status(404) || e.is_status(400) => Err(PortalError::failure(format!(
                "No organization has the id or name {}",
                crate::text::sanitize(wanted)
            ))
            .with_code("not_found")
            .with_hint("`m2m-portal orgs list --search TEXT` shows the organizations there are.")),
            Err(e) => Err(PortalError::management("finding the organization", &e)),
        }
    }

    /// Creates an organization.
    pub async fn create_organization(
        &self,
        name: &str,
        display_name: Option<&str>,
    ) -> Result<Organization, PortalError> {
        self.refuse_if_read_only(Action::CreateOrganization)?;
        validate_organization_name(name)?;
        if let Some(display) = display_name
            && (display.is_empty() || display.chars().count() > 255)
        {
            return Err(PortalError::usage("A display name has 1 to 255 characters"));
        }
        let body = crate::auth0::NewOrganization { name, display_name };
        match self.auth0.create_organization(&body).await {
            Ok(org) => {
                self.audit(Action::CreateOrganization, Some(&org.id), None, "ok", None);
                Ok(org.into())
            }
            Err(e) => {
                self.audit(Action::CreateOrganization, Some(name), None, "failed", None);
                if e.is_status(409) {
                    Err(PortalError::failure(format!(
                        "An organization named {name} already exists"
                    ))
                    .with_code(e.code().unwrap_or("organization_conflict").to_owned())
                    .with_hint("Pick another name, or use the existing organization."))
                } else {
                    Err(PortalError::management("creating the organization", &e))
                }
            }
        }
    }

    /// The organization's keys: its linked grants for the configured audience, joined with the clients.
    pub async fn list_keys(&self, organization_id: &str) -> Result<Vec<OrgKey>, PortalError> {
        let doing = "listing the organization's keys";
        let grants = self
            .auth0
            .organization_client_grants(organization_id, &self.settings.api_audience)
            .await
            .map_err(|e| PortalError::management(doing, &e))?;
        if grants.is_empty() {
            return Ok(Vec::new());
        }
        // One paged query for all clients; it is eventually consistent, so any
        // client it misses is read on its own.
        let mut clients: BTreeMap<String, crate::auth0::Client> =
            match self.auth0.organization_clients(organization_id).await {
                Ok(list) => list.into_iter().map(|c| (c.client_id.clone(), c)).collect(),
                Err(e) if e.is_status(400) => BTreeMap::new(),
                Err(e) => return Err(PortalError::management(doing, &e)),
            };
        let mut keys = Vec::with_capacity(grants.len());
        for grant in grants {
            let client = match clients.remove(&grant.client_id) {
                Some(client) => Some(client),
                None => match self.auth0.client(&grant.client_id).await {
                    Ok(client) => Some(client),
                    Err(e) if e.is_status(404) => None,
                    Err(e) => return Err(PortalError::management(doing, &e)),
                },
            };
            keys.push(OrgKey {
                name: client
                    .as_ref()
                    .map_or_else(|| "(deleted client)".to_owned(), |c| c.name.clone()),
                created_at: client
                    .as_ref()
                    .and_then(|c| c.metadata("created_at").map(str::to_owned)),
                client_id: grant.client_id,
                grant_id: Some(grant.id),
                scope: grant.scope,
            });
        }
        Ok(keys)
    }
}

impl Organization {
    /// True when the name or display name contains `needle` (already lowercased):
    /// what `--search` and the TUI's server-wide search mean by a match.
    pub fn matches(&self, needle: &str) -> bool {
        self.name.to_lowercase().contains(needle)
            || self
                .display_name
                .as_deref()
                .is_some_and(|d| d.to_lowercase().contains(needle))
    }
}

impl From<crate::auth0::Organization> for Organization {
    fn from(org: crate::auth0::Organization) -> Self {
        Self {
            id: org.id,
            name: org.name,
            display_name: org.display_name,
        }
    }
}

/// What breaks Auth0's rule for organization names (lowercase letters, digits,
/// `_`, `-`; 1 to 50 characters), in a few words; `None` when the name is good.
/// The one definition: the TUI's forms and the portal's checks both use it.
pub fn organization_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a name is required".to_owned());
    }
    if name.chars().count() > 50 {
        return Some("at most 50 characters".to_owned());
    }
    name.chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
        .map(|bad| {
            let shown = crate::text::sanitize(&bad.to_string());
            format!("{shown:?} not allowed: use lowercase letters, digits, _ and -")
        })
}

/// Auth0's rule for organization names, as a usage error naming the name.
pub fn validate_organization_name(name: &str) -> Result<(), PortalError> {
    match organization_name_problem(name) {
        None => Ok(()),
        Some(_) => Err(PortalError::usage(format!(
            "{} is not a valid organization name",
            crate::text::sanitize(name)
        ))
        .with_hint("Use 1 to 50 lowercase letters, digits, '-' or '_' (e.g. acme-corp); put the pretty name in --display-name.")),
    }
}
