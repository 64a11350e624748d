//! The key inventory screen with the real effect runner against the sandbox's `keys`
//! seed over HTTP on loopback: every health state on screen, then a bulk rotation of
//! the stale keys that ends with one reveal per key whose new secret the tenant accepts.
#![allow(clippy::unwrap_used)]

mod common;
mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use m2m_portal::config::ClipboardMode;
use m2m_portal::portal::{Health, Portal, TokenRequest};
use m2m_portal::sandbox::{SandboxOptions, Seed};
use m2m_portal::secret::Secret;
use m2m_portal::tui::TuiOptions;
use m2m_portal::tui::app::{self, Cmd, Model, Msg, Overlay, Route};
use m2m_portal::tui::effects::{Effects, PortalEffects};
use ratatui::layout::Rect;
use tokio::sync::mpsc;
use tui_support::{ch, key, render};

/// Drives the model with the real runner, waiting for replies the way the loop does.
/// Copies are kept here instead of reaching a clipboard.
struct Driver {
    model: Model,
    effects: PortalEffects,
    replies: mpsc::UnboundedSender<Msg>,
    results: mpsc::UnboundedReceiver<Msg>,
    copied: Vec<(String, Secret)>,
}

impl Driver {
    fn send(&mut self, msg: Msg) {
        for cmd in app::update(&mut self.model, msg) {
            match cmd {
                Cmd::Copy { what, text } => self.copied.push((what, text)),
                cmd => self.effects.perform(cmd, &self.replies),
            }
        }
    }

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

fn top_reveal(model: &Model) -> Option<(String, Option<(usize, usize)>)> {
    match model.overlays.last() {
        Some(Overlay::Reveal(r)) => Some((r.client_id().to_owned(), r.sequence())),
        _ => None,
    }
}

#[tokio::test]
async fn the_inventory_shows_every_health_state_and_rotates_the_stale_keys_with_one_reveal_each() {
    // The keys seed plus three more stale keys: four stale in all.
    let sandbox = common::TestSandbox::with_options(SandboxOptions {
        seed: Seed::Keys(3),
        ..SandboxOptions::default()
    })
    .await;
    let mut settings = sandbox.settings();
    settings.clipboard = ClipboardMode::Off;
    let (replies, results) = mpsc::unbounded_channel();
    let mut driver = Driver {
        model: Model::new(
            &settings,
            TuiOptions::default(),
            Rect::new(0, 0, 140, 40),
            std::time::SystemTime::now(),
        ),
        effects: PortalEffects::new(settings.clone()),
        replies,
        results,
        copied: Vec::new(),
    };
    driver.send(key(KeyCode::Enter));
    driver
        .settle("sign-in and the first page", |m| {
            m.route() == Route::Organizations && !m.busy()
        })
        .await;

    driver.send(ch('K'));
    assert_eq!(driver.model.route(), Route::Keys);
    driver
        .settle("the inventory", |m| {
            m.keys().is_some_and(|k| k.loaded) && !m.busy()
        })
        .await;
    let screen = render(&driver.model);
    for (name, word) in [
        ("globex api key 2026-11-01", "✓ ok"),
        ("hooli unlinked key", "✗ unlinked"),
        ("acme orphan key", "✗ orphan"),
        ("umbrella stale key", "! stale"),
        ("stark mismatched key", "✗ mismatch"),
    ] {
        let line = screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} not on screen:\n{screen}"));
        assert!(line.contains(word), "{name} should read {word}: {line}");
    }

    // Mark every stale key and rotate them.
    driver.send(ch('S'));
    let stale: Vec<(String, Option<String>)> = driver
        .model
        .keys()
        .unwrap()
        .keys
        .iter()
        .filter(|k| k.has(Health::Stale))
        .map(|k| (k.client_id.clone(), k.organization_id.clone()))
        .collect();
    assert_eq!(stale.len(), 4, "{screen}");
    driver.send(ch('r'));
    assert!(render(&driver.model).contains("4 marked key(s)"));
    driver.send(ch('y'));
    driver
        .settle("the bulk rotation", |m| {
            m.keys().is_some_and(|k| k.rotation.is_none())
        })
        .await;
    let status = driver.model.status.as_ref().unwrap().text.clone();
    assert!(status.contains("rotated 4 of 4"), "{status}");

    // One reveal per key, in order; each copied, then closed with "I have stored it".
    let mut revealed = Vec::new();
    for n in 1..=4 {
        let (client_id, sequence) = top_reveal(&driver.model)
            .unwrap_or_else(|| panic!("reveal {n} missing:\n{}", render(&driver.model)));
        assert_eq!(sequence, Some((n, 4)));
        driver.send(ch('c'));
        let (what, secret) = driver.copied.pop().unwrap();
        assert_eq!(what, "the secret");
        assert!(render(&driver.model).contains(secret.expose_secret()));
        revealed.push((client_id, secret));
        driver.send(key(KeyCode::Esc));
        driver.send(ch('y'));
    }
    assert!(!driver.model.secret_on_screen());
    let ids: Vec<&str> = revealed.iter().map(|(id, _)| id.as_str()).collect();
    let expected: Vec<&str> = stale.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, expected, "one reveal per stale key, in table order");
    let screen = render(&driver.model);
    assert!(
        !screen.contains("! stale"),
        "no key is stale now:\n{screen}"
    );

    // The tenant holds the new secrets: each gets a token once the old ones are gone.
    sandbox.expire_previous_secrets();
    let portal = Portal::new(&settings).unwrap();
    for ((client_id, secret), (_, organization)) in revealed.into_iter().zip(stale) {
        let report = portal
            .test_token(TokenRequest {
                client_id: client_id.clone(),
                client_secret: secret,
                organization,
                audience: None,
            })
            .await
            .unwrap_or_else(|e| panic!("{client_id}'s new secret was refused: {e}"));
        assert!(!report.access_token.expose_secret().is_empty());
    }
    let inventory = portal
        .inventory(&Default::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(
        inventory
            .keys
            .iter()
            .filter(|k| k.has(Health::Stale))
            .count(),
        0,
        "rotated_at was recorded for each"
    );
    driver.effects.shutdown();
    sandbox.finish().await;
}

#[tokio::test]
async fn esc_stops_a_real_bulk_rotation_between_keys_and_reveals_only_what_was_rotated() {
    let sandbox = common::TestSandbox::with_options(SandboxOptions {
        seed: Seed::Keys(3),
        ..SandboxOptions::default()
    })
    .await;
    let mut settings = sandbox.settings();
    settings.clipboard = ClipboardMode::Off;
    let (replies, results) = mpsc::unbounded_channel();
    let mut driver = Driver {
        model: Model::new(
            &settings,
            TuiOptions::default(),
            Rect::new(0, 0, 140, 40),
            std::time::SystemTime::now(),
        ),
        effects: PortalEffects::new(settings.clone()),
        replies,
        results,
        copied: Vec::new(),
    };
    driver.send(key(KeyCode::Enter));
    driver
        .settle("sign-in", |m| {
            m.route() == Route::Organizations && !m.busy()
        })
        .await;
    driver.send(ch('K'));
    driver
        .settle("the inventory", |m| {
            m.keys().is_some_and(|k| k.loaded) && !m.busy()
        })
        .await;
    driver.send(ch('S'));
    driver.send(ch('r'));
    driver.send(ch('y'));
    driver
        .settle("the first key rotated", |m| {
            m.keys()
                .and_then(|k| k.rotation.as_ref())
                .is_some_and(|r| r.done >= 1)
        })
        .await;
    driver.send(key(KeyCode::Esc));
    driver
        .settle("the run to stop", |m| {
            m.keys().is_some_and(|k| k.rotation.is_none())
        })
        .await;
    let keys = driver.model.keys().unwrap();
    let left = keys.leftovers.not_started.len();
    let reveals = driver
        .model
        .overlays
        .iter()
        .filter(|o| matches!(o, Overlay::Reveal(_)))
        .count();
    assert!(left >= 1, "stopped before the end: {:?}", keys.leftovers);
    assert!(reveals >= 1);
    assert_eq!(reveals + left, 4, "every key rotated or left, none lost");
    assert!(keys.leftovers.failed.is_empty(), "{:?}", keys.leftovers);
    // What was left stays marked for another try, and is still stale in the tenant.
    assert_eq!(keys.marked.len(), left);
    let inventory = Portal::new(&settings)
        .unwrap()
        .inventory(&Default::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(
        inventory
            .keys
            .iter()
            .filter(|k| k.has(Health::Stale))
            .count(),
        left
    );
    driver.effects.shutdown();
    sandbox.finish().await;
}
