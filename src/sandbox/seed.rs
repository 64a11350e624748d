//! What a fresh tenant holds: `demo` (real-looking organizations and one
//! existing key), `empty`, or `large:N` generated organizations.

use rsa::rand_core::{OsRng, RngCore};
use serde_json::{Map, Value, json};

use super::Seed;
use super::state::{
    self, Api, Client, Grant, Organization, TenantState, User, client_body, grant_id,
    organization_id,
};

/// The largest `large:N`.
pub(crate) const LARGE_MAX: usize = 1_000_000;

/// The customer-facing API every seed has.
fn customer_api() -> Api {
    Api {
        id: state::resource_server_id(),
        identifier: "https://api.example.com".into(),
        name: "Example Customer API".into(),
        scopes: vec![
            "read:reports".into(),
            "write:events".into(),
            "read:usage".into(),
        ],
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Builds the tenant for a seed.
pub(crate) fn build(seed: Seed) -> TenantState {
    let mut tenant = TenantState::new(customer_api());
    let admin = new_client(
        &tenant,
        state::client_id(),
        json!({
            "name": "m2m-portal admin",
            "description": "Management API access for m2m-portal (sandbox)",
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
        }),
    );
    tenant.admin_client_id = admin.client_id.clone();
    tenant.clients.insert(admin.client_id.clone(), admin);
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo(&mut tenant),
        Seed::Large(count) => large(&mut tenant, count),
        Seed::Clients(count) => {
            demo(&mut tenant);
            many_clients(&mut tenant, count);
        }
        Seed::Hostile => {
            demo(&mut tenant);
            hostile(&mut tenant);
        }
        Seed::Keys(count) => {
            demo(&mut tenant);
            keys(&mut tenant, count);
        }
    }
    tenant
}

/// A client with a fresh secret and these fields.
fn new_client(tenant: &TenantState, client_id: String, fields: Value) -> Client {
    Client {
        client_id,
        secret: state::client_secret(),
        previous_secret: None,
        previous_until: 0,
        body: client_body(&tenant.tenant_name, &object(fields)),
    }
}

/// A key provisioned the way the portal does it: client, grant, link.
fn add_linked_key(
    tenant: &mut TenantState,
    org_id: &str,
    name: &str,
    description: &str,
    metadata: Value,
) {
    add_key(tenant, org_id, Some(org_id), name, description, metadata);
}

/// A key made for `org_id` (metadata, default organization) whose grant is linked to
/// `linked_to` (none: unlinked). Returns the client id.
fn add_key(
    tenant: &mut TenantState,
    org_id: &str,
    linked_to: Option<&str>,
    name: &str,
    description: &str,
    metadata: Value,
) -> String {
    let mut client_metadata = object(metadata);
    client_metadata.insert("org_id".into(), json!(org_id));
    let key = new_client(
        tenant,
        state::client_id(),
        json!({
            "name": name,
            "description": description,
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_post",
            "is_first_party": true,
            "client_metadata": client_metadata,
            "default_organization": {"organization_id": org_id, "flows": ["client_credentials"]},
        }),
    );
    let grant = Grant {
        id: grant_id(),
        client_id: key.client_id.clone(),
        audience: tenant.api.identifier.clone(),
        scope: tenant.api.scopes[..2].to_vec(),
        organization_usage: "require".into(),
        allow_any_organization: false,
        subject_type: "client".into(),
        allow_all_scopes: None,
        authorization_details_types: None,
    };
    if let Some(linked_to) = linked_to {
        tenant
            .org_grants
            .entry(linked_to.to_owned())
            .or_default()
            .push(grant.id.clone());
    }
    let client_id = key.client_id.clone();
    tenant.grants.insert(grant.id.clone(), grant);
    tenant.clients.insert(key.client_id.clone(), key);
    client_id
}

/// RFC 3339 (seconds) for `days` days before now: key ages stay right whenever the seed runs.
fn days_ago(days: u64) -> String {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
    humantime::format_rfc3339_seconds(when).to_string()
}

/// The `keys` seed (docs/SANDBOX.md): one key per inventory health state.
fn keys(tenant: &mut TenantState, fleet: usize) {
    health_state_keys(tenant);
    orphan_key(tenant);
    clients_not_ours(tenant);
    fleet_keys(tenant, fleet);
}

/// The id of the organization called `name` (empty when the seed has none).
fn org(tenant: &TenantState, name: &str) -> String {
    tenant
        .find_organization(name)
        .map(|o| o.id.clone())
        .unwrap_or_default()
}

/// The metadata m2m-portal writes on a key made `created` days ago.
fn ours(created: u64) -> Value {
    json!({"created_by": "m2m-portal", "created_at": days_ago(created), "operator": "sandbox"})
}

/// Keys that are ok, rotated, unlinked, stale and mismatched.
fn health_state_keys(tenant: &mut TenantState) {
    // The demo's globex key, made 10 days ago: ok.
    let globex = org(tenant, "globex");
    for client in tenant.clients.values_mut() {
        if let Some(Value::Object(metadata)) = client.body.get_mut("client_metadata")
            && metadata.get("org_id").and_then(Value::as_str) == Some(globex.as_str())
        {
            metadata.insert("created_at".into(), json!(days_ago(10)));
        }
    }
    // ok: made 400 days ago but rotated 3 days ago.
    let initech = org(tenant, "initech");
    let mut rotated = ours(400);
    rotated["rotated_at"] = json!(days_ago(3));
    add_key(
        tenant,
        &initech,
        Some(&initech),
        "initech rotated key",
        "M2M key for Initech",
        rotated,
    );
    // unlinked: made for hooli, its grant linked nowhere.
    let hooli = org(tenant, "hooli");
    add_key(
        tenant,
        &hooli,
        None,
        "hooli unlinked key",
        "M2M key for Hooli XYZ",
        ours(5),
    );
    // stale: made 200 days ago, never rotated.
    let umbrella = org(tenant, "umbrella");
    add_key(
        tenant,
        &umbrella,
        Some(&umbrella),
        "umbrella stale key",
        "M2M key for Umbrella Corporation",
        ours(200),
    );
    // mismatch: made for stark-industries, linked to wayne-enterprises.
    let stark = org(tenant, "stark-industries");
    let wayne = org(tenant, "wayne-enterprises");
    add_key(
        tenant,
        &stark,
        Some(&wayne),
        "stark mismatched key",
        "M2M key for Stark Industries",
        ours(7),
    );
}

/// orphan: a client made by m2m-portal for acme with no grant.
fn orphan_key(tenant: &mut TenantState) {
    // orphan: a client made by m2m-portal for acme with no grant.
    let acme = org(tenant, "acme");
    let orphan = new_client(
        tenant,
        state::client_id(),
        json!({
            "name": "acme orphan key",
            "description": "M2M key for Acme Corporation",
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_post",
            "is_first_party": true,
            "client_metadata": {"org_id": acme, "created_by": "m2m-portal", "created_at": days_ago(2)},
            "default_organization": {"organization_id": acme, "flows": ["client_credentials"]},
        }),
    );
    tenant.clients.insert(orphan.client_id.clone(), orphan);
}

/// Clients m2m-portal did not make: the tenant's own service and a partner's integration.
fn clients_not_ours(tenant: &mut TenantState) {
    // A service of the tenant's own, not an organization's key: never listed or touched.
    let service = new_client(
        tenant,
        state::client_id(),
        json!({
            "name": "billing service",
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
        }),
    );
    tenant.clients.insert(service.client_id.clone(), service);
    // unlinked, and no organization to link it to: a partner's client, not made by m2m-portal.
    let partner = new_client(
        tenant,
        state::client_id(),
        json!({
            "name": "partner integration",
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
        }),
    );
    let partner_grant = grant_id();
    tenant.grants.insert(
        partner_grant.clone(),
        Grant {
            id: partner_grant,
            client_id: partner.client_id.clone(),
            audience: tenant.api.identifier.clone(),
            scope: vec![tenant.api.scopes[0].clone()],
            organization_usage: "allow".into(),
            allow_any_organization: false,
            subject_type: "client".into(),
            allow_all_scopes: None,
            authorization_details_types: None,
        },
    );
    tenant.clients.insert(partner.client_id.clone(), partner);
}

/// `keys:N`: N stale keys, one per organization fleet-NNNN.
fn fleet_keys(tenant: &mut TenantState, fleet: usize) {
    // keys:N: N stale keys, one per organization fleet-NNNN.
    for i in 0..fleet {
        let id = organization_id();
        tenant.insert_organization(Organization {
            id: id.clone(),
            name: format!("fleet-{i:04}"),
            display_name: Some(format!("Fleet {i}")),
            metadata: None,
            branding: None,
            seq: 0,
        });
        add_key(
            tenant,
            &id,
            Some(&id),
            &format!("fleet-{i:04} api key"),
            &format!("M2M key for Fleet {i}"),
            ours(120),
        );
    }
}

/// What a hostile tenant could hold: control sequences (OSC 52, CSI, OSC 8, C1),
/// a bidi override, zero-width characters and 5,000-character strings.
pub const HOSTILE: &str = "evil\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}[2J\u{1b}]8;;http://evil.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{9b}31m\u{202e}txet\u{200b}end";

fn hostile(tenant: &mut TenantState) {
    let long = "W".repeat(5_000);
    let organizations = [
        ("hostile-osc", HOSTILE.to_owned()),
        ("hostile-long", long.clone()),
        // A look-alike: a zero-width space inside a real-looking name.
        ("glo\u{200b}bex", "Globex Corporation".to_owned()),
    ];
    for (name, display_name) in organizations {
        let mut metadata = Map::new();
        metadata.insert("note".into(), json!(HOSTILE));
        tenant.insert_organization(Organization {
            id: organization_id(),
            name: name.into(),
            display_name: Some(display_name),
            metadata: Some(metadata),
            branding: None,
            seq: 0,
        });
    }
    for (org, key_name) in [("hostile-osc", HOSTILE.to_owned()), ("hostile-long", long)] {
        if let Some(id) = tenant.find_organization(org).map(|o| o.id.clone()) {
            add_linked_key(
                tenant,
                &id,
                &key_name,
                HOSTILE,
                json!({"created_by": HOSTILE, "created_at": "2026-11-01T09:30:00Z"}),
            );
        }
    }
}

fn demo(tenant: &mut TenantState) {
    let organizations = [
        ("globex", "Globex Corporation", Some(("plan", "enterprise"))),
        ("initech", "Initech", None),
        ("hooli", "Hooli XYZ", Some(("plan", "business"))),
        ("acme", "Acme Corporation", Some(("region", "eu"))),
        ("umbrella", "Umbrella Corporation", None),
        (
            "stark-industries",
            "Stark Industries",
            Some(("plan", "enterprise")),
        ),
        ("wayne-enterprises", "Wayne Enterprises", None),
        ("soylent", "Soylent Corp", None),
    ];
    for (name, display_name, metadata) in organizations {
        let branding = (name == "globex").then(|| {
            json!({
                "logo_url": "https://globex.example/logo.png",
                "colors": {"primary": "#0059d6", "page_background": "#000000"}
            })
        });
        tenant.insert_organization(Organization {
            id: organization_id(),
            name: name.into(),
            display_name: Some(display_name.into()),
            metadata: metadata.map(|(k, v)| {
                let mut map = Map::new();
                map.insert(k.into(), json!(v));
                map
            }),
            branding,
            seq: 0,
        });
    }
    let users = [
        ("globex", "ops@globex.example", "Globex Ops", 12),
        ("initech", "peter@initech.example", "Peter Gibbons", 3),
        ("hooli", "gavin@hooli.example", "Gavin Belson", 41),
        // A user in no organization yet, to onboard.
        ("", "dev@newco.example", "Nia Newco", 1),
    ];
    for (org, email, name, logins) in users {
        let user_id = format!("auth0|{}", state::random_string(24, b"0123456789abcdef"));
        tenant.users.insert(
            user_id.clone(),
            User {
                user_id: user_id.clone(),
                email: email.into(),
                name: name.into(),
                picture: "https://s.gravatar.com/avatar/sandbox.png".into(),
                created_at: "2025-10-09T08:12:20.311Z".into(),
                logins_count: logins,
            },
        );
        if let Some(org) = tenant.find_organization(org).map(|o| o.id.clone()) {
            tenant.members.entry(org).or_default().push(user_id);
        }
    }
    // The customer portal people sign in to: invitations send them there. It is
    // an application of the tenant's login, not one of the M2M clients listed.
    tenant.login_client_id = Some(state::client_id());
    // One existing key, provisioned the way the portal does it.
    let Some(globex) = tenant.find_organization("globex").map(|o| o.id.clone()) else {
        return;
    };
    let description = format!("M2M key for Globex Corporation ({globex})");
    add_linked_key(
        tenant,
        &globex,
        "globex api key 2026-11-01",
        &description,
        json!({"created_by": "m2m-portal", "created_at": "2026-11-01T09:30:00Z", "operator": "sandbox"}),
    );
}

const ADJECTIVES: &[&str] = &[
    "blue", "bright", "calm", "clever", "global", "golden", "green", "happy", "iron", "lucky",
    "north", "prime", "quick", "rapid", "silver", "smart", "solid", "swift", "united", "vivid",
];
const NOUNS: &[&str] = &[
    "analytics",
    "bank",
    "cloud",
    "data",
    "dynamics",
    "energy",
    "foods",
    "freight",
    "health",
    "labs",
    "logistics",
    "media",
    "motors",
    "networks",
    "pharma",
    "retail",
    "robotics",
    "software",
    "systems",
    "ventures",
];

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `count` unlinked M2M clients whose ids sort before any random id (so a listing
/// reaches a newly created client only after all of them).
fn many_clients(tenant: &mut TenantState, count: usize) {
    for i in 0..count {
        let client_id = format!("{i:032}");
        let client = new_client(
            tenant,
            client_id.clone(),
            json!({
                "name": format!("service {i}"),
                "app_type": "non_interactive",
                "grant_types": ["client_credentials"],
                "token_endpoint_auth_method": "client_secret_post",
                "is_first_party": true,
                "client_metadata": {"created_at": "2025-01-01T00:00:00Z"},
            }),
        );
        tenant.clients.insert(client_id, client);
    }
}

fn large(tenant: &mut TenantState, count: usize) {
    // Thousands of ids from the OS one by one would be slow; seed a fast generator once.
    let mut rng = fastrand::Rng::with_seed(OsRng.next_u64());
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let adjectives: Vec<String> = ADJECTIVES.iter().map(|w| capitalize(w)).collect();
    let nouns: Vec<String> = NOUNS.iter().map(|w| capitalize(w)).collect();
    for i in 0..count {
        let a = i % ADJECTIVES.len();
        let n = (i / ADJECTIVES.len()) % NOUNS.len();
        let mut id = String::with_capacity(20);
        id.push_str("org_");
        id.extend((0..16).map(|_| char::from(ALPHANUMERIC[rng.usize(..ALPHANUMERIC.len())])));
        tenant.insert_organization(Organization {
            id,
            name: format!("{}-{}-{i:06}", ADJECTIVES[a], NOUNS[n]),
            display_name: Some(format!("{} {} {i}", adjectives[a], nouns[n])),
            metadata: None,
            branding: None,
            seq: 0,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_one_key_linked_to_globex() {
        let tenant = build(Seed::Demo);
        assert!(tenant.organizations.len() >= 5);
        let globex = tenant.find_organization("globex").unwrap();
        assert_eq!(tenant.org_grants[&globex.id].len(), 1);
        assert_eq!(tenant.clients.len(), 2);
    }

    #[test]
    fn large_makes_unique_names() {
        let tenant = build(Seed::Large(5000));
        assert_eq!(tenant.organizations.len(), 5000);
        assert_eq!(tenant.org_names.len(), 5000);
    }
}
