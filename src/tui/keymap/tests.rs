//! The keymap's promises: what the footer and help say is what the keys do.

use super::*;

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn context_bindings_win_and_globals_apply_only_without_focus() {
    assert_eq!(
        resolve(Context::Organizations, true, &press(KeyCode::Char('q'))),
        Some(KeyAction::Quit)
    );
    assert_eq!(
        resolve(Context::Input, false, &press(KeyCode::Char('q'))),
        None
    );
    assert_eq!(
        resolve(Context::Reveal, true, &press(KeyCode::Char('c'))),
        Some(KeyAction::Copy)
    );
    let shifted = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
    assert_eq!(
        resolve(Context::Organization, true, &shifted),
        Some(KeyAction::Reload)
    );
}

/// The event a binding's key makes.
fn event(key: &Chord) -> KeyEvent {
    let modifiers = if key.ctrl {
        KeyModifiers::CONTROL
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(key.code, modifiers)
}

const ALL: [(Context, bool); 12] = [
    (Context::Device, false),
    (Context::Profiles, false),
    (Context::SignIn, false),
    (Context::Organizations, true),
    (Context::Organization, true),
    (Context::People, true),
    (Context::Keys, true),
    (Context::Token, true),
    (Context::Reveal, true),
    (Context::Input, false),
    (Context::Help, true),
    (Context::Global, true),
];

#[test]
fn every_key_the_footer_shows_does_what_the_footer_says() {
    for (context, global) in ALL {
        for binding in footer(context, global) {
            for key in binding.keys {
                assert_eq!(
                    resolve(context, global, &event(key)),
                    Some(binding.action),
                    "{context:?}: footer says {} {} but it does something else",
                    binding.label,
                    binding.hint
                );
            }
        }
    }
}

#[test]
fn every_key_help_lists_for_a_context_resolves_to_its_action_there() {
    for (context, global) in ALL {
        for binding in BINDINGS.iter().filter(|b| b.contexts.contains(&context)) {
            for key in binding.keys {
                assert_eq!(
                    resolve(context, global, &event(key)),
                    Some(binding.action),
                    "{context:?}: help lists {} for {:?}",
                    binding.label,
                    binding.action
                );
            }
        }
    }
}

#[test]
fn help_does_not_offer_q_quit_where_q_closes_it() {
    let hints: Vec<&str> = footer(Context::Help, true).map(|b| b.hint).collect();
    assert!(!hints.contains(&"quit"), "{hints:?}");
    let organizations: Vec<&str> = footer(Context::Organizations, true)
        .map(|b| b.hint)
        .collect();
    assert!(!organizations.contains(&"back"), "{organizations:?}");
}

#[test]
fn tab_switches_panes_and_each_pane_offers_only_its_own_actions() {
    let tab = press(KeyCode::Tab);
    for (context, to) in [(Context::Organization, "people"), (Context::People, "keys")] {
        assert_eq!(
            resolve(context, true, &tab),
            Some(KeyAction::SwitchPane),
            "{context:?}"
        );
        let hints: Vec<&str> = footer(context, true).map(|b| b.hint).collect();
        assert!(hints.contains(&to), "{context:?}: {hints:?}");
    }
    let people: Vec<KeyAction> = footer(Context::People, true).map(|b| b.action).collect();
    assert!(people.contains(&KeyAction::AddPerson), "{people:?}");
    assert!(people.contains(&KeyAction::RemovePerson), "{people:?}");
    assert!(people.contains(&KeyAction::Reload), "{people:?}");
    assert!(!people.contains(&KeyAction::Provision), "{people:?}");
    let keys: Vec<KeyAction> = footer(Context::Organization, true)
        .map(|b| b.action)
        .collect();
    assert!(!keys.contains(&KeyAction::AddPerson), "{keys:?}");
    assert_eq!(
        resolve(Context::People, true, &press(KeyCode::Char('p'))),
        None,
        "p provisions on the Keys pane only"
    );
    assert_eq!(
        resolve(Context::Organizations, true, &press(KeyCode::Char('o'))),
        Some(KeyAction::Onboard)
    );
    // In a text field Tab still moves between fields.
    assert_eq!(
        resolve(Context::Input, false, &tab),
        Some(KeyAction::NextField)
    );
}

#[test]
fn device_sign_in_and_profiles_have_keys_on_the_sign_in_screen_and_p_elsewhere() {
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    assert_eq!(
        resolve(Context::SignIn, false, &ctrl('d')),
        Some(KeyAction::DeviceSignIn)
    );
    assert_eq!(
        resolve(Context::SignIn, false, &ctrl('p')),
        Some(KeyAction::Profiles)
    );
    // Plain letters still type into the form.
    assert_eq!(
        resolve(Context::SignIn, false, &press(KeyCode::Char('d'))),
        None
    );
    let shifted = KeyEvent::new(KeyCode::Char('P'), KeyModifiers::SHIFT);
    for context in [
        Context::Organizations,
        Context::Organization,
        Context::Token,
    ] {
        assert_eq!(
            resolve(context, true, &shifted),
            Some(KeyAction::Profiles),
            "{context:?}"
        );
    }
    assert_eq!(resolve(Context::Input, false, &shifted), None);
    let hints: Vec<&str> = footer(Context::SignIn, false).map(|b| b.hint).collect();
    assert!(hints.contains(&"device sign-in"), "{hints:?}");
    assert!(hints.contains(&"profiles"), "{hints:?}");
    assert_eq!(
        resolve(Context::Device, false, &press(KeyCode::Char('o'))),
        Some(KeyAction::OpenBrowser)
    );
}

#[test]
fn every_context_has_a_way_out() {
    for context in [
        Context::SignIn,
        Context::Organizations,
        Context::Organization,
        Context::People,
        Context::Keys,
        Context::Token,
        Context::Reveal,
        Context::Input,
        Context::Help,
        Context::Device,
        Context::Profiles,
    ] {
        assert_eq!(
            resolve(context, false, &press(KeyCode::Esc)),
            Some(KeyAction::Back),
            "{context:?}"
        );
    }
}
