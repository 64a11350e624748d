//! Typed Management API calls, one per endpoint the portal uses (auth0/README.md):
//! organizations, members and invitations here; clients and grants in `clients.rs`.

use futures_util::Stream;
use reqwest::Method;
use serde::de::DeserializeOwned;

mod clients;

use super::Auth0Client;
use super::error::Auth0Error;
use super::models::{
    Invitation, Member, NewInvitation, NewMembers, NewOrganization, Organization, Page,
    ResourceServer, User, parse_list,
};

/// The most items a list page may hold on Auth0's public cloud.
pub const MAX_PAGE: u32 = 50;

impl Auth0Client {
    async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, Auth0Error> {
        let value = self.management(Method::GET, segments, query, None).await?;
        self.decode(segments, value)
    }

    async fn post<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: serde_json::Value,
    ) -> Result<T, Auth0Error> {
        let value = self
            .management(Method::POST, segments, &[], Some(body))
            .await?;
        self.decode(segments, value)
    }

    async fn delete(&self, segments: &[&str]) -> Result<(), Auth0Error> {
        self.management(Method::DELETE, segments, &[], None)
            .await
            .map(drop)
    }

    async fn list<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        key: &str,
    ) -> Result<Page<T>, Auth0Error> {
        let value = self.management(Method::GET, segments, query, None).await?;
        parse_list(value, key).map_err(|e| self.shape_error(segments, &e))
    }

    fn decode<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        value: serde_json::Value,
    ) -> Result<T, Auth0Error> {
        serde_json::from_value(value).map_err(|e| self.shape_error(segments, &e))
    }

    fn shape_error(&self, segments: &[&str], err: &serde_json::Error) -> Auth0Error {
        // The serde message names a field or type, never a value we could leak... except
        // "invalid type: string \"...\"": keep only the category.
        let detail = match err.classify() {
            serde_json::error::Category::Data => "JSON without the fields Auth0 sends",
            _ => "malformed JSON",
        };
        Auth0Error::UnexpectedBody {
            url: format!("/api/v2/{}", segments.join("/")),
            status: 200,
            detail: detail.to_owned(),
            html: false,
        }
    }

    /// Every page of an offset-paged list (`page`/`per_page`/`include_totals`).
    async fn all_offset_pages<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        key: &str,
    ) -> Result<Vec<T>, Auth0Error> {
        let mut items = Vec::new();
        for page in 0u32.. {
            let mut q = query.to_vec();
            q.push(("page", page.to_string()));
            q.push(("per_page", MAX_PAGE.to_string()));
            q.push(("include_totals", "true".to_owned()));
            let value = self.management(Method::GET, segments, &q, None).await?;
            let total = value.get("total").and_then(serde_json::Value::as_u64);
            let batch: Page<T> =
                parse_list(value, key).map_err(|e| self.shape_error(segments, &e))?;
            let got = batch.items.len();
            items.extend(batch.items);
            let done = got < MAX_PAGE as usize
                || total.is_some_and(|t| items.len() as u64 >= t)
                // A bare array ignores paging: it was everything.
                || total.is_none() && got == 0;
            if done || page >= 200 {
                break;
            }
        }
        Ok(items)
    }

    /// Every page of a list with checkpoint paging (`from`/`take`), stopping at a
    /// cursor that repeats or an empty page that still names a next one.
    pub(super) async fn all_checkpoint_pages<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        key: &str,
    ) -> Result<Vec<T>, Auth0Error> {
        let endpoint = format!("GET /api/v2/{}", segments.join("/"));
        let mut items = Vec::new();
        let mut from: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut query = vec![("take", MAX_PAGE.to_string())];
            if let Some(from) = &from {
                query.push(("from", from.clone()));
            }
            let page: Page<T> = self.list(segments, &query, key).await?;
            let empty = page.items.is_empty();
            items.extend(page.items);
            match page.next {
                Some(next) => {
                    check_cursor(&endpoint, &mut seen, &next, empty)?;
                    from = Some(next);
                }
                None => return Ok(items),
            }
        }
    }

    // --- organizations ---------------------------------------------------------------

    /// One page of organizations with checkpoint paging (works beyond 1,000).
    pub async fn organizations_page(
        &self,
        from: Option<&str>,
        take: u32,
    ) -> Result<Page<Organization>, Auth0Error> {
        let mut query = vec![("take", take.clamp(1, MAX_PAGE).to_string())];
        if let Some(from) = from {
            query.push(("from", from.to_owned()));
        }
        self.list(&["organizations"], &query, "organizations").await
    }

    /// Every organization, page by page (checkpoint paging), as a stream of pages.
    pub fn organization_pages(
        &self,
        take: u32,
    ) -> impl Stream<Item = Result<Page<Organization>, Auth0Error>> + Send + 'static {
        let client = self.clone();
        let start = (
            Some(None::<String>),
            std::collections::HashSet::<String>::new(),
        );
        futures_util::stream::try_unfold(start, move |(state, mut seen)| {
            let client = client.clone();
            async move {
                let Some(from) = state else {
                    return Ok(None);
                };
                let page = client.organizations_page(from.as_deref(), take).await?;
                if let Some(next) = &page.next {
                    check_cursor(
                        "GET /api/v2/organizations",
                        &mut seen,
                        next,
                        page.items.is_empty(),
                    )?;
                }
                let next = page.next.clone().map(Some);
                Ok(Some((page, (next, seen))))
            }
        })
    }

    /// An API by its id or identifier (audience); only the fields the portal reads.
    pub async fn resource_server(
        &self,
        id_or_audience: &str,
    ) -> Result<ResourceServer, Auth0Error> {
        self.get(
            &["resource-servers", id_or_audience],
            &[
                ("fields", "id,name,identifier,scopes".to_owned()),
                ("include_fields", "true".to_owned()),
            ],
        )
        .await
    }

    /// An organization by id.
    pub async fn organization(&self, id: &str) -> Result<Organization, Auth0Error> {
        self.get(&["organizations", id], &[]).await
    }

    /// An organization by its exact name.
    pub async fn organization_by_name(&self, name: &str) -> Result<Organization, Auth0Error> {
        self.get(&["organizations", "name", name], &[]).await
    }

    /// Creates an organization.
    pub async fn create_organization(
        &self,
        organization: &NewOrganization<'_>,
    ) -> Result<Organization, Auth0Error> {
        self.post(&["organizations"], json(organization)?).await
    }

    /// Deletes an organization.
    pub async fn delete_organization(&self, id: &str) -> Result<(), Auth0Error> {
        self.delete(&["organizations", id]).await
    }

    /// Changes an organization's display name.
    pub async fn update_organization(
        &self,
        id: &str,
        display_name: &str,
    ) -> Result<Organization, Auth0Error> {
        let body = serde_json::json!({ "display_name": display_name });
        let value = self
            .management(Method::PATCH, &["organizations", id], &[], Some(body))
            .await?;
        self.decode(&["organizations", id], value)
    }

    /// The members of an organization (every page, checkpoint paging: offset
    /// paging stops at 1,000 members on Auth0).
    pub async fn organization_members(&self, id: &str) -> Result<Vec<Member>, Auth0Error> {
        self.all_checkpoint_pages(&["organizations", id, "members"], "members")
            .await
    }

    /// Removes users from an organization (users that are not members are ignored).
    pub async fn remove_organization_members(
        &self,
        id: &str,
        user_ids: &[String],
    ) -> Result<(), Auth0Error> {
        let body = json(&NewMembers { members: user_ids })?;
        self.management(
            Method::DELETE,
            &["organizations", id, "members"],
            &[],
            Some(body),
        )
        .await
        .map(drop)
    }

    /// Invites someone to an organization.
    pub async fn create_invitation(
        &self,
        id: &str,
        invitation: &NewInvitation<'_>,
    ) -> Result<Invitation, Auth0Error> {
        self.post(&["organizations", id, "invitations"], json(invitation)?)
            .await
    }

    /// An organization's pending invitations (every page).
    pub async fn invitations(&self, id: &str) -> Result<Vec<Invitation>, Auth0Error> {
        self.all_offset_pages(&["organizations", id, "invitations"], &[], "invitations")
            .await
    }

    /// Revokes an invitation.
    pub async fn delete_invitation(&self, id: &str, invitation_id: &str) -> Result<(), Auth0Error> {
        self.delete(&["organizations", id, "invitations", invitation_id])
            .await
    }

    /// Adds users to an organization.
    pub async fn add_organization_members(
        &self,
        id: &str,
        user_ids: &[String],
    ) -> Result<(), Auth0Error> {
        let body = json(&NewMembers { members: user_ids })?;
        self.management(
            Method::POST,
            &["organizations", id, "members"],
            &[],
            Some(body),
        )
        .await
        .map(drop)
    }

    /// Users with this email address.
    pub async fn users_by_email(&self, email: &str) -> Result<Vec<User>, Auth0Error> {
        self.get(&["users-by-email"], &[("email", email.to_owned())])
            .await
    }

    /// The tenant's signing keys.
    pub async fn jwks(&self) -> Result<serde_json::Value, Auth0Error> {
        self.public_json(&[".well-known", "jwks.json"]).await
    }
}

/// Serialises a request body.
pub(super) fn json<T: serde::Serialize>(body: &T) -> Result<serde_json::Value, Auth0Error> {
    serde_json::to_value(body).map_err(|e| Auth0Error::UnexpectedBody {
        url: String::new(),
        status: 0,
        detail: format!("cannot encode the request: {e}"),
        html: false,
    })
}

/// A checkpoint cursor must move on: a repeated `next`, or an empty page that still has one,
/// would page forever.
pub fn check_cursor(
    endpoint: &str,
    seen: &mut std::collections::HashSet<String>,
    next: &str,
    page_was_empty: bool,
) -> Result<(), Auth0Error> {
    let detail = if page_was_empty {
        "an empty page that still names a next page (stopped instead of paging forever)"
    } else if !seen.insert(next.to_owned()) {
        "a `next` cursor that repeats an earlier one (stopped instead of paging forever)"
    } else {
        return Ok(());
    };
    Err(Auth0Error::UnexpectedBody {
        url: endpoint.to_owned(),
        status: 200,
        detail: detail.to_owned(),
        html: false,
    })
}

#[cfg(test)]
mod cursor_tests {
    use super::check_cursor;

    #[test]
    fn a_repeated_cursor_stops_paging_with_a_clear_error() {
        let mut seen = std::collections::HashSet::new();
        assert!(check_cursor("x", &mut seen, "c1", false).is_ok());
        assert!(check_cursor("x", &mut seen, "c2", false).is_ok());
        let err = check_cursor("x", &mut seen, "c1", false).expect_err("a repeat stops");
        assert!(err.to_string().contains("repeats"), "{err}");
    }

    #[test]
    fn an_empty_page_with_a_next_stops_paging() {
        let mut seen = std::collections::HashSet::new();
        let err = check_cursor("x", &mut seen, "c9", true).expect_err("empty page stops");
        assert!(err.to_string().contains("empty page"), "{err}");
    }
}
