//! The token inspector's gateway panel (`g`): each failed check in a gateway's
//! words and the configuration for each gateway, cycled with `g`, closed by Esc.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use m2m_portal::gateway::Facts;
use m2m_portal::tui::app::{Cmd, Msg, RequestId, Route};
use tui_support::*;

fn provision_id(cmds: &[Cmd]) -> RequestId {
    only_id(cmds, |c| match c {
        Cmd::ProvisionKey { id, .. } => Some(*id),
        _ => None,
    })
}

fn facts() -> Facts {
    Facts {
        tenant: "127.0.0.1:8787".to_owned(),
        issuer: "http://127.0.0.1:8787/".to_owned(),
        jwks_uri: "http://127.0.0.1:8787/.well-known/jwks.json".to_owned(),
        audience: "https://api.example.com".to_owned(),
        token_endpoint: "http://127.0.0.1:8787/oauth/token".to_owned(),
        algorithms: vec!["RS256".to_owned()],
        leeway: 60,
        keys: Vec::new(),
    }
}

/// The inspector showing a token whose org_id check failed.
fn inspecting(height: u16) -> m2m_portal::tui::app::Model {
    let mut model = in_organization(100, height, 1);
    let id = provision_id(&feed(&mut model, [ch('p'), key(KeyCode::Enter)]));
    feed(
        &mut model,
        [Msg::Provisioned {
            id,
            result: Ok(issued()),
        }],
    );
    let cmds = feed(&mut model, [ch('t')]);
    let [Cmd::TestToken { id, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let mut report = token_report(false);
    report.gateway = Some(facts());
    feed(
        &mut model,
        [Msg::TokenFetched {
            id: *id,
            result: Ok(report),
        }],
    );
    feed(&mut model, [key(KeyCode::Esc), ch('y')]);
    assert_eq!(model.route(), Route::Token);
    model
}

#[test]
fn g_opens_the_gateway_panel_cycles_gateways_and_esc_closes_it() {
    let mut model = inspecting(60);
    let screen = render(&model);
    assert!(
        screen.contains("g gateway"),
        "the footer offers g: {screen}"
    );
    assert!(!screen.contains("Gateway: AWS"), "{screen}");

    feed(&mut model, [ch('g')]);
    let screen = render(&model);
    assert!(
        screen.contains("Gateway: AWS API Gateway (HTTP API), JWT"),
        "{screen}"
    );
    assert!(
        screen.contains("\"Issuer\": \"http://127.0.0.1:8787/\""),
        "{screen}"
    );
    assert!(screen.contains("$request.header.Authorization"), "{screen}");
    // The failed org_id check, in a gateway's words.
    assert!(
        screen.contains("403 Forbidden from your authorizer"),
        "{screen}"
    );

    feed(&mut model, [ch('g')]);
    assert!(render(&model).contains("Gateway: AWS API Gateway, Lambda authorizer"));
    feed(&mut model, [ch('g')]);
    assert!(render(&model).contains("Gateway: Kong Gateway"));
    feed(&mut model, [ch('g'), ch('g'), ch('g')]);
    assert!(
        !render(&model).contains("Gateway: "),
        "cycled back to the token"
    );

    feed(&mut model, [ch('g'), key(KeyCode::Esc)]);
    assert_eq!(model.route(), Route::Token, "Esc closes the panel first");
    assert!(!render(&model).contains("Gateway: "));
    feed(&mut model, [key(KeyCode::Esc)]);
    assert_ne!(model.route(), Route::Token);
}
