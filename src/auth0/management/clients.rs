//! Typed Management API calls for clients (the keys) and client grants.

use reqwest::Method;

use super::{MAX_PAGE, json};
use crate::auth0::Auth0Client;
use crate::auth0::error::Auth0Error;
use crate::auth0::models::{
    CLIENT_FIELDS, Client, ClientGrant, ClientWithSecret, LinkGrant, NewClient, NewClientGrant,
    Organization, Page,
};

impl Auth0Client {
    // --- clients -----------------------------------------------------------------------

    /// Creates a client; the answer holds its secret (the only time, with rotation).
    pub async fn create_client(&self, client: &NewClient) -> Result<ClientWithSecret, Auth0Error> {
        self.post(&["clients"], json(client)?).await
    }

    /// A client, without its secret.
    pub async fn client(&self, id: &str) -> Result<Client, Auth0Error> {
        self.get(
            &["clients", id],
            &[
                ("fields", CLIENT_FIELDS.to_owned()),
                ("include_fields", "true".to_owned()),
            ],
        )
        .await
    }

    /// One page of M2M clients (offset paging), without secrets.
    pub async fn clients_page(&self, page: u32, per_page: u32) -> Result<Page<Client>, Auth0Error> {
        self.list(
            &["clients"],
            &[
                ("fields", CLIENT_FIELDS.to_owned()),
                ("include_fields", "true".to_owned()),
                ("app_type", "non_interactive".to_owned()),
                ("page", page.to_string()),
                ("per_page", per_page.clamp(1, MAX_PAGE).to_string()),
            ],
            "clients",
        )
        .await
    }

    /// One page of M2M clients with checkpoint paging (no 1,000-record cap), without secrets.
    pub async fn clients_checkpoint_page(
        &self,
        from: Option<&str>,
        take: u32,
    ) -> Result<Page<Client>, Auth0Error> {
        let mut query = vec![
            ("fields", CLIENT_FIELDS.to_owned()),
            ("include_fields", "true".to_owned()),
            ("app_type", "non_interactive".to_owned()),
            ("take", take.clamp(1, MAX_PAGE).to_string()),
        ];
        if let Some(from) = from {
            query.push(("from", from.to_owned()));
        }
        self.list(&["clients"], &query, "clients").await
    }

    /// One page of the clients with a grant linked to an organization (checkpoint paging;
    /// eventually consistent on Auth0).
    pub async fn organization_clients_page(
        &self,
        organization_id: &str,
        from: Option<&str>,
        take: u32,
    ) -> Result<Page<Client>, Auth0Error> {
        let mut query = vec![
            (
                "q",
                format!("client_grant.organization_id:{organization_id}"),
            ),
            ("take", take.clamp(1, MAX_PAGE).to_string()),
            ("fields", CLIENT_FIELDS.to_owned()),
            ("include_fields", "true".to_owned()),
        ];
        if let Some(from) = from {
            query.push(("from", from.to_owned()));
        }
        self.list(&["clients"], &query, "clients").await
    }

    /// Every client with a grant linked to the organization.
    pub async fn organization_clients(
        &self,
        organization_id: &str,
    ) -> Result<Vec<Client>, Auth0Error> {
        let mut clients = Vec::new();
        let mut from: Option<String> = None;
        for _ in 0..1000 {
            let page = self
                .organization_clients_page(organization_id, from.as_deref(), MAX_PAGE)
                .await?;
            clients.extend(page.items);
            match page.next {
                Some(next) if Some(&next) != from.as_ref() => from = Some(next),
                _ => break,
            }
        }
        Ok(clients)
    }

    /// Deletes a client.
    pub async fn delete_client(&self, id: &str) -> Result<(), Auth0Error> {
        self.delete(&["clients", id]).await
    }

    /// Replaces a client's `client_metadata` (`PATCH /clients/{id}`, needs `update:clients`).
    /// The whole map is sent, so the answer is the same whether Auth0 merges or replaces it.
    pub async fn update_client_metadata(
        &self,
        id: &str,
        metadata: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), Auth0Error> {
        let body = serde_json::json!({ "client_metadata": metadata });
        self.management(Method::PATCH, &["clients", id], &[], Some(body))
            .await
            .map(drop)
    }

    /// Rotates a client's secret; the answer holds the new one.
    pub async fn rotate_client_secret(&self, id: &str) -> Result<ClientWithSecret, Auth0Error> {
        let value = self
            .management(Method::POST, &["clients", id, "rotate-secret"], &[], None)
            .await?;
        self.decode(&["clients", id, "rotate-secret"], value)
    }

    // --- client grants -----------------------------------------------------------------

    /// Creates a client grant.
    pub async fn create_client_grant(
        &self,
        grant: &NewClientGrant<'_>,
    ) -> Result<ClientGrant, Auth0Error> {
        self.post(&["client-grants"], json(grant)?).await
    }

    /// The grants of a client for an audience.
    pub async fn client_grants(
        &self,
        client_id: &str,
        audience: &str,
    ) -> Result<Vec<ClientGrant>, Auth0Error> {
        let grants: Vec<ClientGrant> = self
            .all_offset_pages(
                &["client-grants"],
                &[
                    ("client_id", client_id.to_owned()),
                    ("audience", audience.to_owned()),
                ],
                "client_grants",
            )
            .await?;
        // A server that ignores a filter must not make us touch another client's grant.
        Ok(grants
            .into_iter()
            .filter(|g| g.client_id == client_id && g.audience == audience)
            .collect())
    }

    /// One page of the client grants for an audience (checkpoint paging: no 1,000-record cap).
    pub async fn client_grants_page(
        &self,
        audience: &str,
        from: Option<&str>,
        take: u32,
    ) -> Result<Page<ClientGrant>, Auth0Error> {
        let mut query = vec![
            ("audience", audience.to_owned()),
            ("take", take.clamp(1, MAX_PAGE).to_string()),
        ];
        if let Some(from) = from {
            query.push(("from", from.to_owned()));
        }
        let mut page: Page<ClientGrant> = self
            .list(&["client-grants"], &query, "client_grants")
            .await?;
        // A server that ignores the filter must not pull other APIs' grants in.
        page.items.retain(|g| g.audience == audience);
        Ok(page)
    }

    /// Every organization a client grant is linked to (checkpoint paging).
    pub async fn client_grant_organizations(
        &self,
        grant_id: &str,
    ) -> Result<Vec<Organization>, Auth0Error> {
        self.all_checkpoint_pages(
            &["client-grants", grant_id, "organizations"],
            "organizations",
        )
        .await
    }

    /// Deletes a client grant.
    pub async fn delete_client_grant(&self, id: &str) -> Result<(), Auth0Error> {
        self.delete(&["client-grants", id]).await
    }

    // --- organization client grants ----------------------------------------------------

    /// Links a client grant to an organization.
    pub async fn link_client_grant(
        &self,
        organization_id: &str,
        grant_id: &str,
    ) -> Result<ClientGrant, Auth0Error> {
        self.post(
            &["organizations", organization_id, "client-grants"],
            json(&LinkGrant { grant_id })?,
        )
        .await
    }

    /// The client grants linked to an organization, for an audience.
    pub async fn organization_client_grants(
        &self,
        organization_id: &str,
        audience: &str,
    ) -> Result<Vec<ClientGrant>, Auth0Error> {
        let grants: Vec<ClientGrant> = self
            .all_offset_pages(
                &["organizations", organization_id, "client-grants"],
                &[("audience", audience.to_owned())],
                "client_grants",
            )
            .await?;
        Ok(grants
            .into_iter()
            .filter(|g| g.audience == audience)
            .collect())
    }

    /// Unlinks a client grant from an organization.
    pub async fn unlink_client_grant(
        &self,
        organization_id: &str,
        grant_id: &str,
    ) -> Result<(), Auth0Error> {
        self.delete(&["organizations", organization_id, "client-grants", grant_id])
            .await
    }
}
