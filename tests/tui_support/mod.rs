//! Builders shared by the TUI tests: settings, portal values, keys, and a rendered screen.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use m2m_portal::config::Settings;
use m2m_portal::jwt::Check;
use m2m_portal::portal::{
    Action, Invitation, IssuedKey, Member, OrgKey, Organization, OrganizationPage, SignIn,
    TokenReport,
};
use m2m_portal::secret::Secret;
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{self, Cmd, Model, Msg, RequestId};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// A fixed wall clock: 2027-01-15T08:00:00Z.
pub const NOW_SECS: u64 = 1_800_000_000;

pub mod keys;
pub mod svg;

pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

pub fn settings() -> Settings {
    let mut settings = Settings::for_tenant(
        "http://127.0.0.1:8787",
        "admin-app-client-id",
        Secret::from("admin-secret-value"),
        "https://api.example.com",
        "read:data write:data",
    );
    settings.sandbox = true;
    settings
}

pub fn model(width: u16, height: u16) -> Model {
    model_with(width, height, TuiOptions::default())
}

pub fn model_with(width: u16, height: u16, options: TuiOptions) -> Model {
    Model::new(&settings(), options, Rect::new(0, 0, width, height), now())
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

/// Feeds messages, returning every command they produced.
pub fn feed(model: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter()
        .flat_map(|msg| app::update(model, msg))
        .collect()
}

pub fn type_text(model: &mut Model, text: &str) -> Vec<Cmd> {
    feed(model, text.chars().map(ch).collect::<Vec<_>>())
}

pub fn sign_in_result(missing: &[Action]) -> SignIn {
    let mut map = BTreeMap::new();
    for action in missing {
        map.insert(
            *action,
            action.scopes().iter().map(|s| (*s).to_owned()).collect(),
        );
    }
    SignIn {
        tenant: "127.0.0.1:8787".to_owned(),
        admin_client_id: "admin-app-client-id".to_owned(),
        granted_scopes: vec!["read:organizations".to_owned()],
        missing: map,
    }
}

pub fn organization(i: usize) -> Organization {
    Organization {
        id: format!("org_{i:016}"),
        name: format!("customer-{i:05}"),
        display_name: Some(format!("Customer {i}")),
    }
}

pub fn page(start: usize, count: usize, next: Option<&str>) -> OrganizationPage {
    OrganizationPage {
        organizations: (start..start + count).map(organization).collect(),
        next: next.map(str::to_owned),
    }
}

pub fn key_row(i: usize) -> OrgKey {
    OrgKey {
        client_id: format!("client{i:020}"),
        name: format!("acme-key-{i}"),
        grant_id: Some(format!("cgr_{i:016}")),
        scope: vec!["read:data".to_owned(), "write:data".to_owned()],
        created_at: Some("2027-01-14T10:00:00.000Z".to_owned()),
    }
}

pub const ISSUED_SECRET: &str = "NEW-SECRET-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

pub fn issued() -> IssuedKey {
    IssuedKey {
        client_id: "newclient000000000000001".to_owned(),
        client_name: "customer-00001 key".to_owned(),
        client_secret: Secret::from(ISSUED_SECRET),
        organization_id: Some(organization(1).id),
        grant_id: Some("cgr_new".to_owned()),
    }
}

pub fn token_report(org_ok: bool) -> TokenReport {
    let check = |name: &str, ok: bool, detail: &str| Check {
        name: name.to_owned(),
        ok,
        detail: detail.to_owned(),
    };
    TokenReport {
        access_token: Secret::from(
            "eyJhbGciOiJSUzI1NiIsImtpZCI6InNhbmRib3gtMSJ9.eyJvcmdfaWQiOiJvcmdfMSJ9.c2lnbmF0dXJl",
        ),
        expires_in: 86_400,
        header: serde_json::json!({"alg": "RS256", "kid": "sandbox-1", "typ": "JWT"}),
        claims: serde_json::json!({
            "iss": "http://127.0.0.1:8787/",
            "sub": "newclient000000000000001@clients",
            "aud": "https://api.example.com",
            "iat": NOW_SECS - 10,
            "exp": NOW_SECS + 299,
            "gty": "client-credentials",
            "org_id": organization(1).id,
        }),
        checks: vec![
            check("signature", true, "RS256, kid sandbox-1 found in JWKS"),
            check("issuer", true, "http://127.0.0.1:8787/"),
            check("audience", true, "https://api.example.com"),
            check("expiry", true, "valid for 299 s"),
            check(
                "org_id",
                org_ok,
                if org_ok {
                    "org_0000000000000001"
                } else {
                    "missing"
                },
            ),
        ],
        gateway: None,
    }
}

/// The id of the only command of the wanted kind.
pub fn only_id(cmds: &[Cmd], pick: impl Fn(&Cmd) -> Option<RequestId>) -> RequestId {
    let ids: Vec<RequestId> = cmds.iter().filter_map(pick).collect();
    assert_eq!(
        ids.len(),
        1,
        "expected exactly one matching command in {cmds:?}"
    );
    ids[0]
}

pub fn sign_in_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::SignIn { id, .. } => Some(*id),
        _ => None,
    })
}

pub fn page_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::LoadOrganizations { id, .. } => Some(*id),
        _ => None,
    })
}

pub fn keys_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::ListKeys { id, .. } => Some(*id),
        _ => None,
    })
}

/// Signs in and loads a first page of `count` organizations (with more to come if `next`).
pub fn signed_in(width: u16, height: u16, count: usize, next: Option<&str>) -> Model {
    signed_in_with(width, height, count, next, TuiOptions::default(), &[])
}

pub fn signed_in_with(
    width: u16,
    height: u16,
    count: usize,
    next: Option<&str>,
    options: TuiOptions,
    missing: &[Action],
) -> Model {
    let mut model = model_with(width, height, options);
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let id = sign_in_id(&cmds);
    let credentials = match &cmds[0] {
        Cmd::SignIn { credentials, .. } => credentials.clone(),
        _ => unreachable!(),
    };
    let cmds = feed(
        &mut model,
        [Msg::SignedIn {
            id,
            credentials,
            result: Ok(sign_in_result(missing)),
        }],
    );
    let id = page_id(&cmds);
    feed(
        &mut model,
        [Msg::OrganizationsPage {
            id,
            result: Ok(page(0, count, next)),
        }],
    );
    model
}

/// Signs in and opens the first organization with `keys` keys listed.
pub fn in_organization(width: u16, height: u16, keys: usize) -> Model {
    in_organization_with(width, height, keys, TuiOptions::default())
}

/// Opens the second organization of the list (customer 1): the id of its keys' listing.
pub fn open_second_organization(model: &mut Model) -> RequestId {
    // Close the scope-check overlay if any, then open the second row.
    let cmds = feed(model, [key(KeyCode::Down), key(KeyCode::Enter)]);
    keys_id(&cmds)
}

pub fn in_organization_with(width: u16, height: u16, keys: usize, options: TuiOptions) -> Model {
    let mut model = signed_in_with(width, height, 5, None, options, &[]);
    let id = open_second_organization(&mut model);
    feed(
        &mut model,
        [Msg::KeysListed {
            id,
            result: Ok((0..keys).map(key_row).collect()),
        }],
    );
    model
}

pub fn member(i: usize) -> Member {
    Member {
        user_id: format!("auth0|user{i:016}"),
        email: Some(format!("person{i}@customer.example")),
        name: Some(format!("Person {i}")),
    }
}

pub fn invitation(i: usize) -> Invitation {
    Invitation {
        id: format!("uinv_{i:016}"),
        email: format!("invitee{i}@customer.example"),
        inviter: Some("support".to_owned()),
        invitation_url: Some(format!("http://127.0.0.1:8787/login?invitation=ticket{i}")),
        created_at: Some("2027-01-15T08:00:00.000Z".to_owned()),
        expires_at: Some("2027-01-22T08:00:00.000Z".to_owned()),
    }
}

pub fn people_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::ListPeople { id, .. } => Some(*id),
        _ => None,
    })
}

/// In the first organization's People pane with `members` members and `invitations` invitations.
pub fn in_people(width: u16, height: u16, members: usize, invitations: usize) -> Model {
    let mut model = in_organization(width, height, 1);
    let id = people_id(&feed(&mut model, [key(KeyCode::Tab)]));
    feed(
        &mut model,
        [Msg::PeopleListed {
            id,
            result: Ok((
                (0..members).map(member).collect(),
                (0..invitations).map(invitation).collect(),
            )),
        }],
    );
    model
}

/// The screen as text.
pub fn render(model: &Model) -> String {
    let mut terminal =
        Terminal::new(TestBackend::new(model.size.width, model.size.height)).unwrap();
    terminal.draw(|frame| app::view(model, frame)).unwrap();
    terminal.backend().to_string()
}

/// The drawn buffer, for colour assertions.
pub fn buffer(model: &Model) -> ratatui::buffer::Buffer {
    let mut terminal =
        Terminal::new(TestBackend::new(model.size.width, model.size.height)).unwrap();
    terminal.draw(|frame| app::view(model, frame)).unwrap();
    terminal.backend().buffer().clone()
}

/// A device sign-in code as the sandbox would give it (10 minutes, every 5 s).
pub fn device_code() -> m2m_portal::tui::widgets::device::DeviceCode {
    m2m_portal::tui::widgets::device::DeviceCode {
        user_code: "BDWP-HQPK".to_owned(),
        verification_uri: "https://tenant.eu.auth0.com/activate".to_owned(),
        verification_uri_complete: Some(
            "https://tenant.eu.auth0.com/activate?user_code=BDWP-HQPK".to_owned(),
        ),
        expires_in: Duration::from_secs(600),
        interval: Duration::from_secs(5),
    }
}

/// The operator alice, signed in until `expires_at`.
pub fn operator_session(expires_at: SystemTime, refreshable: bool) -> app::OperatorSession {
    app::OperatorSession {
        operator: m2m_portal::portal::Operator {
            sub: "auth0|alice".to_owned(),
            email: Some("alice@support.example".to_owned()),
        },
        expires_at,
        refreshable,
    }
}

/// Ctrl and a letter.
pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn device_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::DeviceSignIn { id } => Some(*id),
        _ => None,
    })
}

/// On the sign-in screen with the device overlay showing its code.
pub fn device_waiting(width: u16, height: u16) -> (Model, RequestId) {
    let mut model = model(width, height);
    let id = device_id(&feed(&mut model, [ctrl('d')]));
    feed(
        &mut model,
        [Msg::DeviceCode {
            id,
            result: Ok(device_code()),
        }],
    );
    (model, id)
}
