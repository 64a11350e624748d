//! The tenant's data: organizations (indexed by name, so paging is cheap at
//! 100,000 of them), clients, grants and their links, members, users; plus
//! Auth0-looking random ids and the state file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use rsa::rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::SandboxError;

pub(crate) const ALPHANUMERIC: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `len` random characters from `alphabet` (OS randomness).
pub(crate) fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect()
}

/// A client id: 32 alphanumerics, like Auth0's.
pub(crate) fn client_id() -> String {
    random_string(32, ALPHANUMERIC)
}

/// A client secret: 64 URL-safe characters, like Auth0's.
pub(crate) fn client_secret() -> String {
    random_string(64, SECRET_CHARS)
}

/// `org_` and 16 alphanumerics.
pub(crate) fn organization_id() -> String {
    format!("org_{}", random_string(16, ALPHANUMERIC))
}

/// `cgr_` and 16 alphanumerics.
/// A resource server id: 24 lowercase hex digits, like Auth0's.
pub(crate) fn resource_server_id() -> String {
    random_string(24, b"0123456789abcdef")
}

pub(crate) fn grant_id() -> String {
    format!("cgr_{}", random_string(16, ALPHANUMERIC))
}

/// An organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Organization {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Value>,
    /// Creation order, for `sort=created_at:1`.
    #[serde(default)]
    pub seq: u64,
}

impl Organization {
    /// The organization as Auth0 returns it.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        out.insert("name".into(), json!(self.name));
        if let Some(display_name) = &self.display_name {
            out.insert("display_name".into(), json!(display_name));
        }
        if let Some(metadata) = &self.metadata {
            out.insert("metadata".into(), Value::Object(metadata.clone()));
        }
        if let Some(branding) = &self.branding {
            out.insert("branding".into(), branding.clone());
        }
        Value::Object(out)
    }
}

/// An application (client).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Client {
    pub client_id: String,
    pub secret: String,
    /// The secret before the last rotation, accepted until `previous_until` (UNIX ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<String>,
    #[serde(default)]
    pub previous_until: u64,
    /// Every other property, as Auth0 returns it (without `client_id`/`client_secret`).
    pub body: Map<String, Value>,
}

impl Client {
    /// The client as Auth0 returns it; the secret only when asked.
    pub fn to_json(&self, with_secret: bool) -> Map<String, Value> {
        let mut out = self.body.clone();
        out.insert("client_id".into(), json!(self.client_id));
        if with_secret {
            out.insert("client_secret".into(), json!(self.secret));
        }
        out
    }

    /// A string property of the client.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// True when the client may use this grant type.
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.body
            .get("grant_types")
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(grant_type)))
    }

    /// The organization used for client credentials when none is asked for.
    pub fn default_organization(&self) -> Option<&str> {
        let default = self.body.get("default_organization")?;
        let flows = default.get("flows")?.as_array()?;
        if flows
            .iter()
            .any(|f| f.as_str() == Some("client_credentials"))
        {
            default.get("organization_id")?.as_str()
        } else {
            None
        }
    }
}

/// A client grant: a client's access to an API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Grant {
    pub id: String,
    pub client_id: String,
    pub audience: String,
    pub scope: Vec<String>,
    pub organization_usage: String,
    pub allow_any_organization: bool,
    pub subject_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_all_scopes: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_details_types: Option<Vec<String>>,
}

impl Grant {
    /// The grant as `/client-grants` returns it.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        out.insert("client_id".into(), json!(self.client_id));
        out.insert("audience".into(), json!(self.audience));
        out.insert("scope".into(), json!(self.scope));
        out.insert("organization_usage".into(), json!(self.organization_usage));
        out.insert(
            "allow_any_organization".into(),
            json!(self.allow_any_organization),
        );
        out.insert("is_system".into(), json!(false));
        out.insert("subject_type".into(), json!(self.subject_type));
        if let Some(all) = self.allow_all_scopes {
            out.insert("allow_all_scopes".into(), json!(all));
        }
        if let Some(types) = &self.authorization_details_types {
            out.insert("authorization_details_types".into(), json!(types));
        }
        Value::Object(out)
    }

    /// The grant as `/organizations/{id}/client-grants` returns it (fewer fields).
    pub fn to_org_json(&self) -> Value {
        json!({
            "id": self.id,
            "client_id": self.client_id,
            "audience": self.audience,
            "scope": self.scope,
            "organization_usage": self.organization_usage,
            "allow_any_organization": self.allow_any_organization,
        })
    }
}

/// The customer-facing API (a resource server).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Api {
    /// The resource server's id (Auth0: 24 hex digits); older state files lack it.
    #[serde(default = "resource_server_id")]
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub scopes: Vec<String>,
}

/// A user (for members and `users-by-email`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct User {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub picture: String,
    pub created_at: String,
    pub logins_count: u64,
}

impl User {
    /// The user as `/users-by-email` returns it.
    pub fn to_json(&self) -> Value {
        let local_id = self.user_id.split_once('|').map_or("", |(_, id)| id);
        json!({
            "user_id": self.user_id,
            "email": self.email,
            "email_verified": true,
            "name": self.name,
            "picture": self.picture,
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "identities": [{
                "provider": "auth0",
                "user_id": local_id,
                "connection": "Username-Password-Authentication",
                "isSocial": false,
            }],
            "logins_count": self.logins_count,
        })
    }

    /// The user as an organization member.
    pub fn to_member_json(&self) -> Value {
        json!({
            "user_id": self.user_id,
            "email": self.email,
            "picture": self.picture,
            "name": self.name,
        })
    }
}

/// An organization invitation as Auth0 answers it, and whether an email went out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Invitation {
    pub id: String,
    pub body: Value,
    pub email_sent: bool,
}

/// Everything the tenant holds; this is what the state file stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TenantState {
    pub tenant_name: String,
    pub organizations: BTreeMap<String, Organization>,
    /// name → id; the listing order.
    #[serde(skip)]
    pub org_names: BTreeMap<String, String>,
    pub next_seq: u64,
    pub clients: BTreeMap<String, Client>,
    pub grants: BTreeMap<String, Grant>,
    /// organization id → linked grant ids, in linking order.
    pub org_grants: BTreeMap<String, Vec<String>>,
    /// organization id → member user ids.
    pub members: BTreeMap<String, Vec<String>>,
    /// organization id → pending invitations, oldest first.
    #[serde(default)]
    pub invitations: BTreeMap<String, Vec<Invitation>>,
    pub users: BTreeMap<String, User>,
    pub api: Api,
    pub admin_client_id: String,
    /// The login application invitations send people to (demo seeds only).
    #[serde(default)]
    pub login_client_id: Option<String>,
    /// The native (public) application operators sign in with through the
    /// device flow (`m2m-portal login`); every seed has one.
    #[serde(default)]
    pub native_client_id: String,
    /// The signing key (PKCS#1 PEM), kept only with a state file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key_pem: Option<String>,
}

impl TenantState {
    /// An empty tenant with just the customer API and no clients.
    pub fn new(api: Api) -> TenantState {
        TenantState {
            tenant_name: "sandbox".into(),
            organizations: BTreeMap::new(),
            org_names: BTreeMap::new(),
            next_seq: 0,
            clients: BTreeMap::new(),
            grants: BTreeMap::new(),
            org_grants: BTreeMap::new(),
            members: BTreeMap::new(),
            invitations: BTreeMap::new(),
            users: BTreeMap::new(),
            api,
            admin_client_id: String::new(),
            login_client_id: None,
            native_client_id: client_id(),
            signing_key_pem: None,
        }
    }

    /// Adds an organization (the caller checked the name is free).
    pub fn insert_organization(&mut self, mut org: Organization) {
        org.seq = self.next_seq;
        self.next_seq += 1;
        self.org_names.insert(org.name.clone(), org.id.clone());
        self.organizations.insert(org.id.clone(), org);
    }

    /// Finds an organization by id or by name.
    pub fn find_organization(&self, id_or_name: &str) -> Option<&Organization> {
        self.organizations.get(id_or_name).or_else(|| {
            self.org_names
                .get(id_or_name)
                .and_then(|id| self.organizations.get(id))
        })
    }

    /// Removes a client with its grants and their organization links.
    pub fn remove_client(&mut self, client_id: &str) -> bool {
        if self.clients.remove(client_id).is_none() {
            return false;
        }
        let grant_ids: Vec<String> = self
            .grants
            .values()
            .filter(|g| g.client_id == client_id)
            .map(|g| g.id.clone())
            .collect();
        for id in grant_ids {
            self.remove_grant(&id);
        }
        true
    }

    /// Removes a grant and its organization links.
    pub fn remove_grant(&mut self, grant_id: &str) -> bool {
        if self.grants.remove(grant_id).is_none() {
            return false;
        }
        for linked in self.org_grants.values_mut() {
            linked.retain(|id| id != grant_id);
        }
        true
    }

    /// True when the grant is linked to the organization.
    pub fn is_linked(&self, org_id: &str, grant_id: &str) -> bool {
        self.org_grants
            .get(org_id)
            .is_some_and(|ids| ids.iter().any(|id| id == grant_id))
    }

    /// The state for tests, without secrets.
    pub fn snapshot(&self) -> Value {
        let organizations: Vec<Value> = self
            .org_names
            .values()
            .filter_map(|id| self.organizations.get(id))
            .map(Organization::to_json)
            .collect();
        let clients: Vec<Value> = self
            .clients
            .values()
            .map(|c| Value::Object(c.to_json(false)))
            .collect();
        let grants: Vec<Value> = self.grants.values().map(Grant::to_json).collect();
        let users: Vec<Value> = self.users.values().map(User::to_json).collect();
        json!({
            "tenant": self.tenant_name,
            "admin_client_id": self.admin_client_id,
            "api": {"id": self.api.id, "identifier": self.api.identifier, "name": self.api.name, "scopes": self.api.scopes},
            "organizations": organizations,
            "clients": clients,
            "client_grants": grants,
            "organization_client_grants": self.org_grants,
            "members": self.members,
            "invitations": self.invitations.iter().map(|(org, list)| {
                (org.clone(), list.iter().map(|i| {
                    let mut body = i.body.clone();
                    body["email_sent"] = json!(i.email_sent);
                    body
                }).collect::<Vec<Value>>())
            }).collect::<BTreeMap<String, Vec<Value>>>(),
            "users": users,
        })
    }

    /// Rebuilds the indexes a loaded state does not store.
    fn reindex(&mut self) {
        self.org_names = self
            .organizations
            .values()
            .map(|o| (o.name.clone(), o.id.clone()))
            .collect();
    }
}

/// A new client's properties: Auth0's defaults, then what the request set.
pub(crate) fn client_body(tenant_name: &str, request: &Map<String, Value>) -> Map<String, Value> {
    let app_type = request.get("app_type").and_then(Value::as_str);
    let grant_types = if app_type == Some("non_interactive") {
        json!(["client_credentials"])
    } else {
        json!([
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials"
        ])
    };
    let mut body = Map::new();
    body.insert("tenant".into(), json!(tenant_name));
    body.insert("global".into(), json!(false));
    body.insert("is_token_endpoint_ip_header_trusted".into(), json!(false));
    body.insert("is_first_party".into(), json!(true));
    body.insert("oidc_conformant".into(), json!(true));
    body.insert("sso_disabled".into(), json!(false));
    body.insert("cross_origin_authentication".into(), json!(false));
    body.insert(
        "refresh_token".into(),
        json!({
            "expiration_type": "non-expiring",
            "leeway": 0,
            "infinite_token_lifetime": true,
            "infinite_idle_token_lifetime": true,
            "token_lifetime": 31557600,
            "idle_token_lifetime": 2592000,
            "rotation_type": "non-rotating"
        }),
    );
    body.insert("callback_url_template".into(), json!(false));
    body.insert(
        "jwt_configuration".into(),
        json!({"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false}),
    );
    body.insert(
        "token_endpoint_auth_method".into(),
        json!("client_secret_post"),
    );
    body.insert("grant_types".into(), grant_types);
    body.insert("custom_login_page_on".into(), json!(true));
    body.insert("client_metadata".into(), json!({}));
    for (key, value) in request {
        body.insert(key.clone(), value.clone());
    }
    body
}

/// Reads the state file; `None` when it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<TenantState>, SandboxError> {
    let bad = |reason: String| SandboxError::StateRead {
        path: path.to_owned(),
        reason,
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    let mut tenant: TenantState = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("not a sandbox state file ({e})")))?;
    tenant.reindex();
    if !tenant.clients.contains_key(&tenant.admin_client_id) {
        return Err(bad("it has no admin app".into()));
    }
    Ok(Some(tenant))
}

/// Writes `bytes` to `path` through a temporary file in the same folder, mode 0600.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    let bad = |reason: String| SandboxError::StateWrite {
        path: path.to_owned(),
        reason,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    // tempfile creates the file 0600 on Unix.
    let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(|e| bad(e.to_string()))?;
    file.write_all(bytes).map_err(|e| bad(e.to_string()))?;
    file.as_file().sync_all().map_err(|e| bad(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600))
            .map_err(|e| bad(e.to_string()))?;
    }
    file.persist(path).map_err(|e| bad(e.error.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_auth0_ids() {
        let id = client_id();
        assert_eq!(id.len(), 32);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(organization_id().starts_with("org_"));
        assert_eq!(organization_id().len(), 20);
        assert_eq!(grant_id().len(), 20);
        assert_ne!(client_secret(), client_secret());
    }
}
