//! Whole sessions through the real loop on a `TestBackend`, with scripted terminal
//! events and a fake effect runner that plays a tiny tenant (no sleeps, no network).
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::io;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use m2m_portal::portal::{OrgKey, ProvisionProgress, ProvisionStep, StepState};
use m2m_portal::tui::app::{Cmd, Msg, Route};
use m2m_portal::tui::effects::Effects;
use m2m_portal::tui::run_loop;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedSender;
use tui_support::*;

/// A tenant in memory: three organizations, keys per organization, and the secrets it issued.
#[derive(Default)]
struct FakeTenant {
    keys: Vec<(String, OrgKey)>,
    issued: Vec<String>,
    commands: Vec<String>,
    /// Replies held back until the request is cancelled (to prove late replies are dropped).
    hold_sign_in: bool,
    held: Vec<Msg>,
}

impl Effects for FakeTenant {
    fn perform(&mut self, cmd: Cmd, replies: &UnboundedSender<Msg>) {
        let name = format!("{cmd:?}");
        self.commands
            .push(name.split([' ', '{']).next().unwrap().to_owned());
        let reply = match cmd {
            Cmd::SignIn { id, credentials } => {
                let msg = Msg::SignedIn {
                    id,
                    credentials,
                    result: Ok(sign_in_result(&[])),
                };
                if self.hold_sign_in {
                    self.held.push(msg);
                    return;
                }
                msg
            }
            Cmd::Cancel { .. } => {
                // The task had already finished: its reply arrives after the cancel.
                for msg in self.held.drain(..) {
                    replies.send(msg).unwrap();
                }
                return;
            }
            Cmd::LoadOrganizations { id, .. } => Msg::OrganizationsPage {
                id,
                result: Ok(page(0, 3, None)),
            },
            Cmd::FindOrganization { id, query } => Msg::OrganizationFound {
                id,
                result: (0..3)
                    .map(organization)
                    .find(|o| o.name == query || o.id == query)
                    .ok_or_else(|| {
                        m2m_portal::portal::PortalError::new(
                            m2m_portal::portal::ErrorKind::Failure,
                            "no such organization",
                        )
                        .with_code("not_found")
                    }),
            },
            Cmd::ListKeys {
                id,
                organization_id,
            } => Msg::KeysListed {
                id,
                result: Ok(self
                    .keys
                    .iter()
                    .filter(|(o, _)| *o == organization_id)
                    .map(|(_, k)| k.clone())
                    .collect()),
            },
            Cmd::ProvisionKey {
                id, organization, ..
            } => {
                let organization_id = organization.id;
                for step in [
                    ProvisionStep::CreateClient,
                    ProvisionStep::CreateGrant,
                    ProvisionStep::LinkGrant,
                ] {
                    for state in [StepState::Running, StepState::Done] {
                        replies
                            .send(Msg::ProvisionProgress {
                                id,
                                progress: ProvisionProgress { step, state },
                            })
                            .unwrap();
                    }
                }
                let mut key = issued();
                key.client_id = format!("client-{}", self.keys.len());
                key.organization_id = Some(organization_id.clone());
                self.issued
                    .push(key.client_secret.expose_secret().to_owned());
                self.keys.push((
                    organization_id,
                    OrgKey {
                        client_id: key.client_id.clone(),
                        name: key.client_name.clone(),
                        grant_id: key.grant_id.clone(),
                        scope: vec!["read:data".into()],
                        created_at: None,
                    },
                ));
                Msg::Provisioned {
                    id,
                    result: Ok(key),
                }
            }
            Cmd::TestToken { id, request } => {
                let known = self
                    .issued
                    .iter()
                    .any(|s| s == request.client_secret.expose_secret());
                let org_ok =
                    known && request.organization.as_deref() == Some(organization(1).id.as_str());
                Msg::TokenFetched {
                    id,
                    result: Ok(token_report(org_ok)),
                }
            }
            Cmd::Copy { what, text } => {
                assert!(!text.is_empty());
                Msg::Copied {
                    what,
                    result: Err("no clipboard in tests".into()),
                }
            }
            other => panic!("this session does not expect {other:?}"),
        };
        replies.send(reply).unwrap();
    }
}

fn press(code: KeyCode) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(c: char) -> io::Result<Event> {
    press(KeyCode::Char(c))
}

fn screen(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

#[tokio::test]
async fn a_whole_session_signs_in_provisions_reveals_once_and_proves_the_key() {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut model = model(100, 30);
    let mut tenant = FakeTenant::default();
    let events = futures_util::stream::iter(vec![
        press(KeyCode::Enter), // sign in
        press(KeyCode::Down),  // Customer 1
        press(KeyCode::Enter), // open it
        typed('p'),            // provision…
        press(KeyCode::Enter), // …with the default name
        typed('c'),            // copy the secret
        typed('t'),            // test token straight from the reveal
        press(KeyCode::Esc),   // close the reveal…
        typed('y'),            // …"I have stored it"
    ]);
    run_loop(&mut terminal, &mut model, events, &mut tenant, now)
        .await
        .unwrap();

    assert_eq!(model.route(), Route::Token);
    assert!(!model.secret_on_screen());
    let shown = screen(&terminal);
    assert!(
        shown.contains("✓ accepted: all 5 gateway checks pass"),
        "{shown}"
    );
    assert!(shown.contains("✓ org_id"), "{shown}");
    assert!(
        shown.contains("(Customer 1)"),
        "the org_id check names the organization: {shown}"
    );
    assert!(
        !shown.contains(ISSUED_SECRET),
        "the secret is never drawn again"
    );
    // One new key, linked to the organization that was opened.
    assert_eq!(tenant.keys.len(), 1);
    assert_eq!(tenant.keys[0].0, organization(1).id);
    assert_eq!(
        tenant.commands,
        [
            "SignIn",
            "LoadOrganizations",
            "ListKeys",
            "ProvisionKey",
            "ListKeys",
            "Copy",
            "TestToken"
        ]
    );

    // Back on the organization screen the new key is listed.
    let events = futures_util::stream::iter(vec![press(KeyCode::Esc), typed('R')]);
    run_loop(&mut terminal, &mut model, events, &mut tenant, now)
        .await
        .unwrap();
    let shown = screen(&terminal);
    assert!(shown.contains("Keys (1)"), "{shown}");
    assert!(shown.contains("client-0"), "{shown}");
}

#[tokio::test]
async fn a_cancelled_sign_in_stays_cancelled_when_its_reply_comes_late() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut model = model(80, 24);
    let mut tenant = FakeTenant {
        hold_sign_in: true,
        ..FakeTenant::default()
    };
    let events = futures_util::stream::iter(vec![press(KeyCode::Enter), press(KeyCode::Esc)]);
    run_loop(&mut terminal, &mut model, events, &mut tenant, now)
        .await
        .unwrap();
    assert_eq!(tenant.commands, ["SignIn", "Cancel"]);
    assert_eq!(model.route(), Route::SignIn, "the late reply was dropped");
    assert!(screen(&terminal).contains("signing in cancelled"));
}

#[tokio::test]
async fn paste_and_lookup_by_exact_name_open_the_organization() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut model = model(80, 24);
    let mut tenant = FakeTenant::default();
    let events = futures_util::stream::iter(vec![
        press(KeyCode::Enter),
        typed('/'),
        Ok(Event::Paste("customer-00002".into())),
        press(KeyCode::Enter),
    ]);
    run_loop(&mut terminal, &mut model, events, &mut tenant, now)
        .await
        .unwrap();
    assert_eq!(model.route(), Route::Organization);
    assert!(screen(&terminal).contains("org_0000000000000002"));
}

#[tokio::test]
async fn q_ends_the_loop_and_mouse_moves_are_not_redraws() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut model = model(80, 24);
    let mut tenant = FakeTenant::default();
    let moved = crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::Moved,
        column: 1,
        row: 1,
        modifiers: KeyModifiers::NONE,
    };
    assert!(
        m2m_portal::tui::event_to_msg(Event::Mouse(moved)).is_none(),
        "idle stays idle"
    );
    let events = futures_util::stream::iter(vec![
        press(KeyCode::Enter),
        Ok(Event::Mouse(moved)),
        typed('q'),
        typed('j'),
    ]);
    run_loop(&mut terminal, &mut model, events, &mut tenant, now)
        .await
        .unwrap();
    assert!(model.quit);
    assert_eq!(
        tenant.commands,
        ["SignIn", "LoadOrganizations"],
        "nothing ran after q"
    );
}
