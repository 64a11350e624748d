//! The TUI's real effect runner against the real sandbox tenant over HTTP on loopback:
//! sign in, open an organization, provision, reveal once, prove the key with a test token.
#![allow(clippy::unwrap_used)]

mod common;
mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use m2m_portal::config::{ClipboardMode, Settings};
use m2m_portal::portal::Portal;
use m2m_portal::sandbox::{Sandbox, SandboxOptions};
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{self, Model, Msg, Route};
use m2m_portal::tui::effects::{Effects, PortalEffects};
use ratatui::layout::Rect;
use tokio::sync::mpsc;
use tui_support::{ch, key, render};

/// Drives the model with the real runner, waiting for replies the way the loop does.
struct Driver {
    model: Model,
    effects: PortalEffects,
    replies: mpsc::UnboundedSender<Msg>,
    results: mpsc::UnboundedReceiver<Msg>,
}

impl Driver {
    fn send(&mut self, msg: Msg) {
        for cmd in app::update(&mut self.model, msg) {
            self.effects.perform(cmd, &self.replies);
        }
    }

    /// Applies replies until the condition holds (the timeout only guards against a hang).
    async fn settle(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        while !done(&self.model) {
            let msg = tokio::time::timeout(Duration::from_secs(60), self.results.recv())
                .await
                .unwrap_or_else(|_| panic!("waiting for {what}; screen:\n{}", render(&self.model)))
                .unwrap();
            self.send(msg);
        }
    }
}

fn settings(sandbox: &Sandbox) -> Settings {
    let mut settings = Settings::for_tenant(
        &sandbox.base_url(),
        &sandbox.admin_client_id(),
        sandbox.admin_client_secret(),
        &sandbox.api_audience(),
        &sandbox.api_scope(),
    );
    settings.sandbox = true;
    // No copies in this test: nothing may reach the developer's clipboard or terminal.
    settings.clipboard = ClipboardMode::Off;
    settings
}

#[tokio::test]
async fn provisioning_in_the_tui_creates_one_linked_key_whose_token_carries_the_org_id() {
    let sandbox = Sandbox::start(SandboxOptions {
        record: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let settings = settings(&sandbox);
    let (replies, results) = mpsc::unbounded_channel();
    let mut driver = Driver {
        model: Model::new(
            &settings,
            TuiOptions::default(),
            Rect::new(0, 0, 120, 40),
            std::time::SystemTime::now(),
        ),
        effects: PortalEffects::new(settings.clone()),
        replies,
        results,
    };

    driver.send(key(KeyCode::Enter));
    driver
        .settle("sign-in and the first page", |m| {
            m.route == Route::Organizations && !m.busy()
        })
        .await;
    let organizations = driver.model.organizations.as_ref().unwrap();
    assert!(
        !organizations.organizations.is_empty(),
        "{}",
        render(&driver.model)
    );
    let organization = organizations.organizations[0].clone();

    driver.send(key(KeyCode::Enter));
    driver
        .settle("the keys", |m| {
            m.organization.as_ref().is_some_and(|o| o.keys_loaded) && !m.busy()
        })
        .await;
    let before = driver.model.organization.as_ref().unwrap().keys.len();

    driver.send(ch('p'));
    // The name dialog opens prefilled with a unique default; Enter provisions.
    driver.send(key(KeyCode::Enter));
    driver
        .settle("provisioning", |m| {
            m.secret_on_screen() || m.status.as_ref().is_some_and(|s| s.text.contains("failed"))
        })
        .await;
    assert!(driver.model.secret_on_screen(), "{}", render(&driver.model));
    assert!(render(&driver.model).contains("will not be shown again"));

    driver.send(ch('t'));
    driver
        .settle("the test token", |m| {
            m.token_pending.is_none() && m.route == Route::Token
        })
        .await;
    driver.send(key(KeyCode::Esc));
    driver.send(ch('y'));
    let screen = render(&driver.model);
    assert!(screen.contains("✓ accepted"), "{screen}");
    assert!(screen.contains("✓ org_id"), "{screen}");
    assert!(!driver.model.secret_on_screen());

    driver.send(key(KeyCode::Esc));
    driver
        .settle("the keys again", |m| {
            m.organization.as_ref().is_some_and(|o| o.keys_loaded) && !m.busy()
        })
        .await;
    assert_eq!(
        driver.model.organization.as_ref().unwrap().keys.len(),
        before + 1,
        "{}",
        render(&driver.model)
    );

    // The tenant agrees: one more key, linked to the organization.
    let keys = Portal::new(&settings)
        .unwrap()
        .list_keys(&organization.id)
        .await
        .unwrap();
    assert_eq!(keys.len(), before + 1);
    driver.effects.shutdown();
    common::check_exchanges(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    sandbox.shutdown().await;
}
