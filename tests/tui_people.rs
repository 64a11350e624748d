//! People and onboarding through the pure `update`: the People pane (members,
//! invitations; add, invite, remove, revoke) and one-step onboarding from the
//! Organizations screen. Messages in, model, commands and screen text out.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use m2m_portal::portal::{
    Action, ErrorKind, InvitationSent, MemberAdded, NO_USER, OnboardReport, OnboardStep,
    PortalError, StepState,
};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{Cmd, Model, Msg, Overlay, RequestId, Route, StatusKind};
use m2m_portal::tui::keymap::KeyAction;
use tui_support::*;

fn status(model: &Model) -> String {
    model
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn footer(model: &Model) -> String {
    render(model).lines().last().unwrap_or_default().to_owned()
}

fn failure(message: &str, code: &str) -> PortalError {
    PortalError::new(ErrorKind::Failure, message).with_code(code)
}

fn clear_field() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL))
}

fn pick<T>(cmds: &[Cmd], f: impl Fn(&Cmd) -> Option<T>) -> T {
    let mut found: Vec<T> = cmds.iter().filter_map(f).collect();
    assert_eq!(found.len(), 1, "expected one matching command in {cmds:?}");
    found.remove(0)
}

const ORG_ID: &str = "org_0000000000000001";

#[test]
fn tab_shows_people_loading_them_once_and_r_reloads_them() {
    let mut model = in_organization(120, 40, 1);
    assert!(footer(&model).contains("Tab people"), "{}", footer(&model));
    let cmds = feed(&mut model, [key(KeyCode::Tab)]);
    let (organization_id, invitations) = pick(&cmds, |c| match c {
        Cmd::ListPeople {
            organization_id,
            invitations,
            ..
        } => Some((organization_id.clone(), *invitations)),
        _ => None,
    });
    assert_eq!(organization_id, ORG_ID);
    assert!(
        invitations,
        "every scope granted: invitations are listed too"
    );
    assert!(model.busy());
    assert!(render(&model).contains("loading people…"));
    let id = people_id(&cmds);
    feed(
        &mut model,
        [Msg::PeopleListed {
            id,
            result: Ok((vec![member(0), member(1)], vec![invitation(0)])),
        }],
    );
    let screen = render(&model);
    for text in [
        "People (3)",
        "person0@customer.example",
        "Person 1",
        "auth0|user0000000000000001",
        "invitee0@customer.example",
        "invited",
        "expires 2027-01-22",
    ] {
        assert!(screen.contains(text), "{text:?} missing:\n{screen}");
    }
    let footer_text = footer(&model);
    for hint in ["a add", "d remove", "Tab keys", "R reload", "Esc back"] {
        assert!(footer_text.contains(hint), "{hint:?}: {footer_text}");
    }
    assert!(!footer_text.contains("p provision"), "{footer_text}");

    // Back to Keys and again to People: nothing is fetched twice.
    assert!(feed(&mut model, [key(KeyCode::Tab), key(KeyCode::Tab)]).is_empty());
    assert!(render(&model).contains("person0@customer.example"));
    // R reloads the pane that shows.
    let cmds = feed(&mut model, [ch('R')]);
    people_id(&cmds);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::ListKeys { .. })));
    // Esc cancels that load (its late reply is dropped), then goes back.
    let cmds = feed(&mut model, [key(KeyCode::Esc)]);
    assert!(matches!(cmds.as_slice(), [Cmd::Cancel { .. }]), "{cmds:?}");
    assert_eq!(status(&model), "loading people cancelled");
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Organizations);
}

#[test]
fn a_adds_a_member_by_email_and_reloads_the_people() {
    let mut model = in_people(120, 40, 1, 0);
    feed(&mut model, [ch('a')]);
    assert!(
        render(&model).contains("Add a member"),
        "{}",
        render(&model)
    );
    // Not an address: nothing is sent, the prompt stays.
    let mut cmds = type_text(&mut model, "nobody");
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(status(&model).contains("is not an email address"));
    assert!(render(&model).contains("Add a member"));

    feed(&mut model, [clear_field()]);
    let mut cmds = type_text(&mut model, "dev@newco.example");
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    let (id, email) = pick(&cmds, |c| match c {
        Cmd::AddMember {
            id,
            organization_id,
            email,
        } if organization_id == ORG_ID => Some((*id, email.clone())),
        _ => None,
    });
    assert_eq!(email, "dev@newco.example");
    assert!(
        !render(&model).contains("Add a member"),
        "the prompt closed"
    );
    assert!(model.busy());

    let mut added = member(7);
    added.email = Some("dev@newco.example".to_owned());
    let cmds = feed(
        &mut model,
        [Msg::MemberAdded {
            id,
            result: Ok(MemberAdded {
                member: added.clone(),
                added: true,
            }),
        }],
    );
    assert_eq!(status(&model), "added dev@newco.example to customer-00001");
    people_id(&cmds);

    // A second time: already a member, said so.
    let mut cmds = feed(&mut model, [ch('a')]);
    cmds.extend(type_text(&mut model, "dev@newco.example"));
    let id = pick(&feed(&mut model, [key(KeyCode::Enter)]), |c| match c {
        Cmd::AddMember { id, .. } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [Msg::MemberAdded {
            id,
            result: Ok(MemberAdded {
                member: added,
                added: false,
            }),
        }],
    );
    assert_eq!(
        status(&model),
        "dev@newco.example already is a member of customer-00001"
    );
}

fn add(model: &mut Model, email: &str) -> RequestId {
    feed(model, [ch('a')]);
    type_text(model, email);
    pick(&feed(model, [key(KeyCode::Enter)]), |c| match c {
        Cmd::AddMember { id, .. } => Some(*id),
        _ => None,
    })
}

#[test]
fn an_address_without_a_user_is_offered_an_invitation_at_once() {
    let mut model = in_people(120, 40, 0, 0);
    let id = add(&mut model, "new@customer.example");
    feed(
        &mut model,
        [Msg::MemberAdded {
            id,
            result: Err(failure(
                "No user has the email address new@customer.example",
                NO_USER,
            )),
        }],
    );
    assert!(matches!(model.overlays.last(), Some(Overlay::Confirm(_))));
    let screen = render(&model);
    assert!(screen.contains("Invite instead?"), "{screen}");
    assert!(screen.contains("y/Enter invite"), "{screen}");
    assert!(status(&model).contains("invite them? (y/n)"));

    // n: nothing is sent.
    assert!(feed(&mut model, [ch('n')]).is_empty());
    assert!(model.overlays.is_empty());

    // Again, and y invites.
    let id = add(&mut model, "new@customer.example");
    feed(
        &mut model,
        [Msg::MemberAdded {
            id,
            result: Err(failure("No user", NO_USER)),
        }],
    );
    let cmds = feed(&mut model, [ch('y')]);
    let (id, email) = pick(&cmds, |c| match c {
        Cmd::Invite {
            id,
            organization_id,
            email,
        } if organization_id == ORG_ID => Some((*id, email.clone())),
        _ => None,
    });
    assert_eq!(email, "new@customer.example");
    let mut sent = invitation(3);
    sent.email = email;
    let cmds = feed(
        &mut model,
        [Msg::Invited {
            id,
            result: Ok(InvitationSent {
                invitation: sent.clone(),
                created: true,
                email_sent: false,
            }),
        }],
    );
    assert_eq!(
        status(&model),
        "invited new@customer.example: expires 2027-01-22 (no email sent: share the invitation link)"
    );
    assert_eq!(model.status.as_ref().unwrap().kind, StatusKind::Ok);
    people_id(&cmds);
    assert!(
        !render(&model).contains("ticket3"),
        "the invitation link is not drawn"
    );

    // Inviting someone already invited adopts the pending invitation and says so.
    let id = add(&mut model, "new@customer.example");
    feed(
        &mut model,
        [Msg::MemberAdded {
            id,
            result: Err(failure("No user", NO_USER)),
        }],
    );
    let id = pick(&feed(&mut model, [key(KeyCode::Enter)]), |c| match c {
        Cmd::Invite { id, .. } => Some(*id),
        _ => None,
    });
    feed(
        &mut model,
        [Msg::Invited {
            id,
            result: Ok(InvitationSent {
                invitation: sent,
                created: false,
                email_sent: false,
            }),
        }],
    );
    assert_eq!(
        status(&model),
        "new@customer.example already has a pending invitation (expires 2027-01-22)"
    );
}

#[test]
fn without_the_invite_scope_no_invitation_is_offered() {
    let mut model = signed_in_with(120, 40, 3, None, TuiOptions::default(), &[Action::Invite]);
    feed(
        &mut model,
        [key(KeyCode::Esc), key(KeyCode::Down), key(KeyCode::Enter)],
    );
    let id = people_id(&feed(&mut model, [key(KeyCode::Tab)]));
    feed(
        &mut model,
        [Msg::PeopleListed {
            id,
            result: Ok((Vec::new(), Vec::new())),
        }],
    );
    let id = add(&mut model, "new@customer.example");
    feed(
        &mut model,
        [Msg::MemberAdded {
            id,
            result: Err(failure("No user has the email address", NO_USER)),
        }],
    );
    assert!(model.overlays.is_empty());
    let text = status(&model);
    assert!(
        text.contains("adding the member failed (invite people needs scope"),
        "{text}"
    );
    assert_eq!(model.status.as_ref().unwrap().kind, StatusKind::Error);
}

#[test]
fn d_on_a_member_asks_for_the_email_typed_then_removes() {
    let mut model = in_people(120, 40, 2, 1);
    feed(&mut model, [key(KeyCode::Down), ch('d')]);
    let screen = render(&model);
    assert!(screen.contains("Remove member?"), "{screen}");
    assert!(
        screen.contains("Type the member's email to confirm: person1@customer.example"),
        "{screen}"
    );
    // A wrong address does nothing.
    let mut cmds = type_text(&mut model, "person0@customer.example");
    cmds.extend(feed(&mut model, [key(KeyCode::Enter)]));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(render(&model).contains("That is not the member's email."));
    feed(&mut model, [clear_field()]);
    feed(
        &mut model,
        [Msg::Paste("person1@customer.example".to_owned())],
    );
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    let (id, email) = pick(&cmds, |c| match c {
        Cmd::RemoveMember {
            id,
            organization_id,
            email,
        } if organization_id == ORG_ID => Some((*id, email.clone())),
        _ => None,
    });
    assert_eq!(email, "person1@customer.example");
    assert!(model.overlays.is_empty());
    assert!(status(&model).contains("removing person1@customer.example"));
    let cmds = feed(
        &mut model,
        [Msg::MemberRemoved {
            id,
            result: Ok(member(1)),
        }],
    );
    assert_eq!(
        status(&model),
        "removed person1@customer.example from customer-00001"
    );
    people_id(&cmds);
}

#[test]
fn d_on_an_invitation_asks_yes_or_no_then_revokes() {
    let mut model = in_people(120, 40, 1, 1);
    feed(&mut model, [key(KeyCode::End), ch('d')]);
    let screen = render(&model);
    assert!(screen.contains("Revoke invitation?"), "{screen}");
    assert!(screen.contains("invitee0@customer.example"), "{screen}");
    assert!(feed(&mut model, [key(KeyCode::Esc)]).is_empty());
    assert!(model.overlays.is_empty());

    let cmds = feed(&mut model, [ch('d'), ch('y')]);
    let (id, invitation_id) = pick(&cmds, |c| match c {
        Cmd::RevokeInvitation {
            id,
            organization_id,
            invitation_id,
        } if organization_id == ORG_ID => Some((*id, invitation_id.clone())),
        _ => None,
    });
    assert_eq!(invitation_id, "uinv_0000000000000000");
    let cmds = feed(&mut model, [Msg::InvitationRevoked { id, result: Ok(()) }]);
    assert_eq!(
        status(&model),
        "revoked the invitation for invitee0@customer.example"
    );
    people_id(&cmds);
}

#[test]
fn people_errors_go_to_the_status_line_and_stale_replies_are_dropped() {
    let mut model = in_people(120, 40, 1, 0);
    feed(&mut model, [ch('d')]);
    type_text(&mut model, "person0@customer.example");
    let id = pick(&feed(&mut model, [key(KeyCode::Enter)]), |c| match c {
        Cmd::RemoveMember { id, .. } => Some(*id),
        _ => None,
    });
    // A reply to something else is ignored.
    assert!(
        feed(
            &mut model,
            [Msg::MemberRemoved {
                id: RequestId(id.0 + 100),
                result: Ok(member(0)),
            }],
        )
        .is_empty()
    );
    assert!(model.busy(), "still waiting for the real answer");
    feed(
        &mut model,
        [Msg::MemberRemoved {
            id,
            result: Err(failure("The Management API refused", "insufficient_scope")),
        }],
    );
    assert_eq!(model.status.as_ref().unwrap().kind, StatusKind::Error);
    assert_eq!(
        status(&model),
        "removing the member failed: The Management API refused (insufficient_scope)"
    );
    assert!(!model.busy());

    // Loading people can fail too: R retries.
    let id = people_id(&feed(&mut model, [ch('R')]));
    feed(
        &mut model,
        [Msg::PeopleListed {
            id,
            result: Err(failure("tenant unreachable", "network")),
        }],
    );
    assert!(render(&model).contains("(R retries)"), "{}", render(&model));
    assert!(status(&model).starts_with("loading people failed"));
}

#[test]
fn people_actions_the_admin_app_may_not_do_are_refused_and_say_why() {
    // Read-only: people are listed, nothing changes.
    let mut model = in_organization_with(
        120,
        40,
        0,
        TuiOptions {
            read_only: true,
            ..TuiOptions::default()
        },
    );
    let id = people_id(&feed(&mut model, [key(KeyCode::Tab)]));
    feed(
        &mut model,
        [Msg::PeopleListed {
            id,
            result: Ok((vec![member(0)], vec![invitation(0)])),
        }],
    );
    assert!(model.disabled(KeyAction::AddPerson).is_some());
    assert!(model.disabled(KeyAction::RemovePerson).is_some());
    for k in ['a', 'd'] {
        assert!(feed(&mut model, [ch(k)]).is_empty());
        assert!(model.overlays.is_empty());
        assert!(status(&model).contains("read-only"), "{}", status(&model));
    }
    assert!(!render(&model).contains("a adds someone"));

    // Without the members scope the pane says why instead of loading.
    let mut model = signed_in_with(120, 40, 3, None, TuiOptions::default(), &[Action::Members]);
    feed(
        &mut model,
        [key(KeyCode::Esc), key(KeyCode::Down), key(KeyCode::Enter)],
    );
    let cmds = feed(&mut model, [key(KeyCode::Tab)]);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::ListPeople { .. })));
    assert!(
        status(&model).contains("list members needs scope read:organization_members"),
        "{}",
        status(&model)
    );

    // Without the invitations scope members still list, and the pane says invitations are not.
    let mut model = signed_in_with(
        120,
        40,
        3,
        None,
        TuiOptions::default(),
        &[Action::Invitations],
    );
    feed(
        &mut model,
        [key(KeyCode::Esc), key(KeyCode::Down), key(KeyCode::Enter)],
    );
    let cmds = feed(&mut model, [key(KeyCode::Tab)]);
    let invitations = pick(&cmds, |c| match c {
        Cmd::ListPeople { invitations, .. } => Some(*invitations),
        _ => None,
    });
    assert!(!invitations);
    feed(
        &mut model,
        [Msg::PeopleListed {
            id: people_id(&cmds),
            result: Ok((vec![member(0)], Vec::new())),
        }],
    );
    let screen = render(&model);
    assert!(
        screen.contains("Invitations not listed: list invitations needs scope"),
        "{screen}"
    );
}

#[test]
fn help_on_the_people_pane_lists_its_keys_first() {
    let mut model = in_people(120, 40, 1, 0);
    feed(&mut model, [ch('?')]);
    let screen = render(&model);
    let people = screen.find("Organization · People").expect(&screen);
    let keys = screen.find("Organization · Keys").unwrap_or(usize::MAX);
    assert!(people < keys, "{screen}");
    assert!(screen.contains("add a member by email"), "{screen}");
}

#[test]
fn the_organization_footer_fits_80_columns_with_help_and_quit() {
    let model = in_organization(80, 24, 1);
    let text = footer(&model);
    for hint in ["Tab people", "Esc back", "? help", "q quit"] {
        assert!(text.contains(hint), "{hint:?}: {text}");
    }
}

// ---------------------------------------------------------------- onboarding

fn onboarding_form(model: &mut Model, name: &str, display: &str, email: &str) -> Vec<Cmd> {
    let mut cmds = feed(model, [ch('o')]);
    cmds.extend(type_text(model, name));
    cmds.extend(feed(model, [key(KeyCode::Tab)]));
    cmds.extend(type_text(model, display));
    cmds.extend(feed(model, [key(KeyCode::Tab)]));
    cmds.extend(type_text(model, email));
    cmds.extend(feed(model, [key(KeyCode::Enter)]));
    cmds
}

fn onboard_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::Onboard { id, .. } => Some(*id),
        _ => None,
    })
}

fn newco() -> m2m_portal::portal::Organization {
    m2m_portal::portal::Organization {
        id: "org_newco0000000001".to_owned(),
        name: "newco".to_owned(),
        display_name: Some("NewCo Ltd".to_owned()),
    }
}

fn report(key: bool) -> OnboardReport {
    let mut person = member(9);
    person.email = Some("dev@newco.example".to_owned());
    let mut issued = issued();
    issued.organization_id = Some(newco().id);
    issued.client_name = "newco api key".to_owned();
    OnboardReport {
        organization: newco(),
        organization_created: key,
        member: Some(MemberAdded {
            member: person,
            added: true,
        }),
        invitation: None,
        key: key.then_some(issued),
        existing_key: (!key).then(|| key_row(4)),
    }
}

#[test]
fn o_checks_the_form_before_any_request() {
    let mut model = signed_in(120, 40, 3, None);
    assert!(footer(&model).contains("o onboard"), "{}", footer(&model));
    let cmds = onboarding_form(&mut model, "NewCo", "", "dev@newco.example");
    assert!(cmds.is_empty(), "{cmds:?}");
    let screen = render(&model);
    assert!(screen.contains("Onboard a customer"), "{screen}");
    assert!(screen.contains("name: \"N\" not allowed"), "{screen}");
    assert!(
        screen.contains("No user yet? They are invited."),
        "{screen}"
    );

    // The name is fixed; the email is missing.
    feed(&mut model, [clear_field()]);
    type_text(&mut model, "newco");
    feed(
        &mut model,
        [key(KeyCode::Tab), key(KeyCode::Tab), clear_field()],
    );
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(render(&model).contains("email: an email address is required"));

    // Esc closes the form without a request.
    assert!(feed(&mut model, [key(KeyCode::Esc)]).is_empty());
    assert!(!render(&model).contains("Onboard a customer"));
}

#[test]
fn onboarding_shows_each_step_then_opens_the_organization_and_reveals_the_key_once() {
    let mut model = signed_in(120, 40, 3, None);
    let cmds = onboarding_form(&mut model, "newco", "NewCo Ltd", "dev@newco.example");
    let request = pick(&cmds, |c| match c {
        Cmd::Onboard { request, .. } => Some(request.clone()),
        _ => None,
    });
    assert_eq!(request.name, "newco");
    assert_eq!(request.display_name.as_deref(), Some("NewCo Ltd"));
    assert_eq!(request.email, "dev@newco.example");
    assert!(request.invite, "the TUI invites a person without a user");
    assert_eq!(request.key_name, None);
    let id = onboard_id(&cmds);
    assert!(model.busy());

    feed(
        &mut model,
        [
            Msg::OnboardProgress {
                id,
                step: OnboardStep::Organization,
                state: StepState::Done,
            },
            Msg::OnboardProgress {
                id,
                step: OnboardStep::Person,
                state: StepState::Running,
            },
        ],
    );
    let screen = render(&model);
    assert!(screen.contains("Onboarding newco"), "{screen}");
    assert!(
        screen.contains("✓ find or create the organization"),
        "{screen}"
    );
    assert!(screen.contains("· provision the key"), "{screen}");
    // Esc does not stop a change half-way.
    assert!(feed(&mut model, [key(KeyCode::Esc)]).is_empty());
    assert!(status(&model).contains("not stopped half-way"));

    let cmds = feed(
        &mut model,
        [Msg::Onboarded {
            id,
            result: Ok(Box::new(report(true))),
        }],
    );
    assert_eq!(model.route(), Route::Organization);
    assert_eq!(
        model.organization().unwrap().organization.id,
        "org_newco0000000001"
    );
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::ListKeys { organization_id, .. }] if organization_id == "org_newco0000000001"
    ));
    assert!(matches!(model.overlays.last(), Some(Overlay::Reveal(_))));
    let screen = render(&model);
    assert!(screen.contains(ISSUED_SECRET), "{screen}");
    assert!(
        screen.contains("Gateway claim  org_id = org_newco0000000001"),
        "{screen}"
    );
    assert_eq!(
        status(&model),
        "onboarded newco: organization created · dev@newco.example added · new key newco api key"
    );
    // The new organization is in the list behind it.
    let organizations = model.organizations().unwrap();
    assert!(
        organizations
            .organizations
            .iter()
            .any(|o| o.name == "newco")
    );

    // t from the reveal tests the new key against the new organization.
    let cmds = feed(&mut model, [ch('t')]);
    let request = pick(&cmds, |c| match c {
        Cmd::TestToken { request, .. } => Some(request.organization.clone()),
        _ => None,
    });
    assert_eq!(request.as_deref(), Some("org_newco0000000001"));
}

#[test]
fn onboarding_that_adopts_an_existing_key_says_so_instead_of_a_reveal() {
    let mut model = signed_in(120, 40, 3, None);
    let id = onboard_id(&onboarding_form(
        &mut model,
        "newco",
        "",
        "dev@newco.example",
    ));
    feed(
        &mut model,
        [Msg::Onboarded {
            id,
            result: Ok(Box::new(report(false))),
        }],
    );
    assert_eq!(model.route(), Route::Organization);
    assert!(model.overlays.is_empty(), "no secret to show");
    let text = status(&model);
    assert!(text.contains("organization found"), "{text}");
    assert!(
        text.contains("kept the existing key acme-key-4: no new secret"),
        "{text}"
    );
}

#[test]
fn onboarding_that_fails_shows_the_whole_message_and_goes_back_to_the_form() {
    let mut model = signed_in(120, 40, 3, None);
    let id = onboard_id(&onboarding_form(
        &mut model,
        "newco",
        "NewCo Ltd",
        "dev@newco.example",
    ));
    let message = "Onboarding newco failed at \"provision the key\": the API refused the grant — \
                   Undone: removed the member auth0|user9, deleted the organization org_newco it \
                   created. The tenant is as it was before.";
    feed(
        &mut model,
        [
            Msg::OnboardProgress {
                id,
                step: OnboardStep::Key,
                state: StepState::Failed,
            },
            Msg::Onboarded {
                id,
                result: Err(failure(message, "access_denied")),
            },
        ],
    );
    assert_eq!(model.route(), Route::Organizations);
    assert!(matches!(model.overlays.last(), Some(Overlay::Error(_))));
    let screen = render(&model);
    assert!(screen.contains("Onboarding failed"), "{screen}");
    assert!(
        screen.contains("The tenant is as it was"),
        "the whole message: {screen}"
    );
    assert_eq!(model.status.as_ref().unwrap().kind, StatusKind::Error);
    assert!(status(&model).starts_with("onboarding failed: Onboarding newco failed"));

    // Esc closes the overlay; the panel shows the failed step; Esc again: the form, filled in.
    feed(&mut model, [key(KeyCode::Esc)]);
    let screen = render(&model);
    assert!(screen.contains("✗ provision the key"), "{screen}");
    assert!(screen.contains("Esc closes"), "{screen}");
    feed(&mut model, [key(KeyCode::Esc)]);
    let screen = render(&model);
    assert!(screen.contains("Onboard a customer"), "{screen}");
    assert!(screen.contains("dev@newco.example"), "{screen}");
    // Enter retries with the same values.
    let cmds = feed(&mut model, [key(KeyCode::Enter)]);
    onboard_id(&cmds);
}

#[test]
fn onboarding_is_refused_without_the_scopes_it_needs() {
    let mut model = signed_in_with(
        120,
        40,
        3,
        None,
        TuiOptions::default(),
        &[Action::AddMember],
    );
    feed(&mut model, [key(KeyCode::Esc)]);
    assert!(model.disabled(KeyAction::Onboard).is_some());
    assert!(feed(&mut model, [ch('o')]).is_empty());
    assert!(!render(&model).contains("Onboard a customer"));
    assert!(
        status(&model).contains("add members needs scope"),
        "{}",
        status(&model)
    );
}
