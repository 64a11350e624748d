//! What a fresh tenant holds: `demo` (real-looking organizations and one
//! existing key), `empty`, or `large:N` generated organizations.

use rsa::rand_core::{OsRng, RngCore};
use serde_json::{Map, Value, json};

use super::Seed;
use super::state::{
    self, Api, Client, Grant, Organization, Tenant, User, client_body, grant_id, organization_id,
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
pub(crate) fn build(seed: Seed) -> Tenant {
    let mut tenant = Tenant::new(customer_api());
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
    }
    tenant
}

/// A client with a fresh secret and these fields.
fn new_client(tenant: &Tenant, client_id: String, fields: Value) -> Client {
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
    tenant: &mut Tenant,
    org_id: &str,
    name: &str,
    description: &str,
    metadata: Value,
) {
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
    tenant
        .org_grants
        .entry(org_id.to_owned())
        .or_default()
        .push(grant.id.clone());
    tenant.grants.insert(grant.id.clone(), grant);
    tenant.clients.insert(key.client_id.clone(), key);
}

/// What a hostile tenant could hold: control sequences (OSC 52, CSI, OSC 8, C1),
/// a bidi override, zero-width characters and 5,000-character strings.
pub const HOSTILE: &str = "evil\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}[2J\u{1b}]8;;http://evil.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{9b}31m\u{202e}txet\u{200b}end";

fn hostile(tenant: &mut Tenant) {
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

fn demo(tenant: &mut Tenant) {
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
fn many_clients(tenant: &mut Tenant, count: usize) {
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

fn large(tenant: &mut Tenant, count: usize) {
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
