//! Auth0's JSON shapes, as the client reads and writes them. Reading ignores
//! unknown fields; lists accept both the bare array and the wrapped object.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// An organization (`GET /organizations/...`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// An API (`GET /resource-servers/{id}`); only what the portal checks (the
/// answer may hold a signing secret: it is never read).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResourceServer {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub identifier: String,
    #[serde(default)]
    pub scopes: Vec<ResourceServerScope>,
}

/// One scope an API defines.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResourceServerScope {
    pub value: String,
}

/// `POST /organizations` body.
#[derive(Debug, Clone, Serialize)]
pub struct NewOrganization<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<&'a str>,
}

/// One page of a checkpoint-paged list: the items and the `next` checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Default organization of a client (`default_organization`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultOrganization {
    pub organization_id: String,
    pub flows: Vec<String>,
}

/// A client as read back with `fields=` (never includes the secret).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Client {
    pub client_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub app_type: Option<String>,
    #[serde(default)]
    pub client_metadata: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub default_organization: Option<DefaultOrganization>,
}

impl Client {
    /// A string value of `client_metadata`.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.client_metadata.get(key).and_then(|v| v.as_str())
    }

    /// The organization the client was made for (default organization, else metadata).
    pub fn organization_id(&self) -> Option<&str> {
        self.default_organization
            .as_ref()
            .map(|d| d.organization_id.as_str())
            .or_else(|| self.metadata("org_id"))
    }
}

/// The fields the app reads of a client: everything it shows, never `client_secret`.
pub const CLIENT_FIELDS: &str =
    "client_id,name,description,app_type,client_metadata,default_organization";

/// `POST /clients` body (design section 1). There is no `client_secret` field on purpose.
#[derive(Debug, Clone, Serialize)]
pub struct NewClient {
    pub name: String,
    pub description: String,
    pub app_type: &'static str,
    pub grant_types: Vec<&'static str>,
    pub token_endpoint_auth_method: &'static str,
    pub is_first_party: bool,
    pub client_metadata: serde_json::Map<String, serde_json::Value>,
    pub default_organization: DefaultOrganization,
}

/// A client with its secret: the answer to creation or rotation.
#[derive(Clone, Deserialize)]
pub struct ClientWithSecret {
    pub client_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub client_metadata: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub default_organization: Option<DefaultOrganization>,
    #[serde(deserialize_with = "deserialize_secret")]
    pub client_secret: Secret,
}

impl std::fmt::Debug for ClientWithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientWithSecret")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("client_secret", &self.client_secret)
            .finish_non_exhaustive()
    }
}

fn deserialize_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

/// A client grant (`/client-grants`, also the linked grants of an organization).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClientGrant {
    pub id: String,
    pub client_id: String,
    pub audience: String,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default)]
    pub organization_usage: Option<String>,
    #[serde(default)]
    pub allow_any_organization: Option<bool>,
}

/// `POST /client-grants` body (design section 1).
#[derive(Debug, Clone, Serialize)]
pub struct NewClientGrant<'a> {
    pub client_id: &'a str,
    pub audience: &'a str,
    pub scope: &'a [String],
    pub organization_usage: &'static str,
    pub allow_any_organization: bool,
    pub subject_type: &'static str,
}

/// `POST /organizations/{id}/client-grants` body.
#[derive(Debug, Clone, Serialize)]
pub struct LinkGrant<'a> {
    pub grant_id: &'a str,
}

/// A member of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Member {
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// An organization invitation (`POST`/`GET /organizations/{id}/invitations`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Invitation {
    pub id: String,
    pub invitee: Invitee,
    #[serde(default)]
    pub inviter: Option<Inviter>,
    #[serde(default)]
    pub invitation_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Who is invited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitee {
    pub email: String,
}

/// Who invites (shown in the email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inviter {
    pub name: String,
}

/// `POST /organizations/{id}/invitations` body.
#[derive(Debug, Clone, Serialize)]
pub struct NewInvitation<'a> {
    pub inviter: Inviter,
    pub invitee: Invitee,
    pub client_id: &'a str,
    pub send_invitation_email: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_sec: Option<u64>,
}

/// A user found by email.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /organizations/{id}/members` body.
#[derive(Debug, Clone, Serialize)]
pub struct NewMembers<'a> {
    pub members: &'a [String],
}

/// A token from `/oauth/token`.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub access_token: Secret,
    pub expires_in: u64,
    /// Granted scopes (from the response, else from the token's claims).
    pub scope: Vec<String>,
}

/// A list answer: a bare array, or an object holding the array under `key`
/// (with `start/limit/total` or `next`).
pub(crate) fn parse_list<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    key: &str,
) -> Result<Page<T>, serde_json::Error> {
    match value {
        serde_json::Value::Array(_) => Ok(Page {
            items: serde_json::from_value(value)?,
            next: None,
        }),
        serde_json::Value::Object(mut map) => {
            let items = map
                .remove(key)
                .unwrap_or(serde_json::Value::Array(Vec::new()));
            let next = map
                .remove("next")
                .and_then(|n| n.as_str().map(str::to_owned))
                .filter(|n| !n.is_empty());
            Ok(Page {
                items: serde_json::from_value(items)?,
                next,
            })
        }
        other => Err(serde::de::Error::custom(format!(
            "expected a list, got {}",
            match other {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                _ => "a string",
            }
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fixture(name: &str) -> serde_json::Value {
        let path = format!("{}/tests/fixtures/auth0/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        doc["body"].clone()
    }

    #[test]
    fn organization_lists_parse_in_every_shape() {
        let bare: Page<Organization> =
            parse_list(fixture("organizations-list.json"), "organizations").unwrap();
        assert!(!bare.items.is_empty());
        assert_eq!(bare.next, None);
        let totals: Page<Organization> =
            parse_list(fixture("organizations-list-totals.json"), "organizations").unwrap();
        assert_eq!(totals.items.len(), 2);
        let checkpoint: Page<Organization> = parse_list(
            fixture("organizations-list-checkpoint.json"),
            "organizations",
        )
        .unwrap();
        assert_eq!(
            checkpoint.next.as_deref(),
            Some("Fe26.2**b2ZmLWNoZWNrcG9pbnQ")
        );
        let last: Page<Organization> = parse_list(
            fixture("organizations-list-checkpoint-last.json"),
            "organizations",
        )
        .unwrap();
        assert_eq!(last.next, None);
        assert_eq!(last.items[0].name, "initech");
    }

    #[test]
    fn clients_and_grants_parse_with_unknown_fields() {
        let created: ClientWithSecret =
            serde_json::from_value(fixture("client-create.json")).unwrap();
        assert_eq!(created.client_id, "Yv3pKq8sVnq2mW1rJt0ZcXb7LhDf4Ae9");
        assert!(!format!("{created:?}").contains("s3cr3t"));
        let rotated: ClientWithSecret =
            serde_json::from_value(fixture("client-rotate-secret.json")).unwrap();
        assert!(rotated.client_secret.expose_secret().starts_with("n3w-"));
        let client: Client = serde_json::from_value(fixture("client-get-fields.json")).unwrap();
        assert_eq!(client.organization_id(), Some("org_vIK75NKFvaozQsFy"));
        let by_org: Page<Client> =
            parse_list(fixture("clients-by-organization.json"), "clients").unwrap();
        assert_eq!(by_org.items.len(), 1);
        let grant: ClientGrant =
            serde_json::from_value(fixture("client-grant-create.json")).unwrap();
        assert_eq!(grant.id, "cgr_4pI9a42haOLLWnwq");
        let grants: Page<ClientGrant> =
            parse_list(fixture("client-grants-list.json"), "client_grants").unwrap();
        assert_eq!(grants.items[0].scope, ["read:reports", "write:events"]);
        let linked: Page<ClientGrant> = parse_list(
            fixture("organization-client-grants-list.json"),
            "client_grants",
        )
        .unwrap();
        assert_eq!(linked.items.len(), 1);
        let link: ClientGrant =
            serde_json::from_value(fixture("organization-client-grant-associate.json")).unwrap();
        assert_eq!(link.client_id, "Yv3pKq8sVnq2mW1rJt0ZcXb7LhDf4Ae9");
        let members: Page<Member> =
            parse_list(fixture("organization-members.json"), "members").unwrap();
        assert_eq!(
            members.items[0].email.as_deref(),
            Some("ops@globex.example")
        );
        let org: Organization = serde_json::from_value(fixture("organization-get.json")).unwrap();
        assert_eq!(org.display_name.as_deref(), Some("Globex Corporation"));
    }

    #[test]
    fn request_bodies_match_auth0_examples() {
        let example = fixture("client-grant-create-request.json");
        let scope = vec!["read:reports".to_owned(), "write:events".to_owned()];
        let body = NewClientGrant {
            client_id: "Yv3pKq8sVnq2mW1rJt0ZcXb7LhDf4Ae9",
            audience: "https://api.example.com",
            scope: &scope,
            organization_usage: "require",
            allow_any_organization: false,
            subject_type: "client",
        };
        assert_eq!(serde_json::to_value(&body).unwrap(), example);
        let link = LinkGrant {
            grant_id: "cgr_4pI9a42haOLLWnwq",
        };
        assert_eq!(
            serde_json::to_value(&link).unwrap(),
            fixture("organization-client-grant-associate-request.json")
        );
    }
}
