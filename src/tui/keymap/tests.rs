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

const ALL: [(Context, bool); 15] = [
    (Context::Confirm, false),
    (Context::Closing, false),
    (Context::TooSmall, false),
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
        Context::Confirm,
        Context::Closing,
    ] {
        assert_eq!(
            resolve(context, false, &press(KeyCode::Esc)),
            Some(KeyAction::Back),
            "{context:?}"
        );
    }
}

/// The chord a label's part names ("y", "Enter", "Esc").
fn named(part: &str) -> Chord {
    match part {
        "Enter" => Chord {
            code: KeyCode::Enter,
            ctrl: false,
        },
        "Esc" => Chord {
            code: KeyCode::Esc,
            ctrl: false,
        },
        other => match other.chars().collect::<Vec<_>>()[..] {
            [c] => Chord {
                code: KeyCode::Char(c),
                ctrl: false,
            },
            _ => panic!("a label part that names no key: {other}"),
        },
    }
}

/// What the overlays write in their own key hints: (context, action) pairs.
const OVERLAY_HINTS: [(Context, KeyAction); 12] = [
    (Context::Confirm, KeyAction::Submit),
    (Context::Confirm, KeyAction::Back),
    (Context::Confirm, KeyAction::KeepClipboard),
    (Context::Closing, KeyAction::Submit),
    (Context::Closing, KeyAction::Back),
    (Context::Input, KeyAction::Submit),
    (Context::Input, KeyAction::Back),
    (Context::Help, KeyAction::Back),
    (Context::Device, KeyAction::OpenBrowser),
    (Context::Device, KeyAction::Submit),
    (Context::Device, KeyAction::Back),
    (Context::Profiles, KeyAction::Open),
];

#[test]
fn every_key_an_overlay_names_in_its_hints_does_that_there() {
    for (context, action) in OVERLAY_HINTS {
        let text = label(context, action);
        assert!(!text.is_empty(), "{context:?} has no key for {action:?}");
        for part in text.split('/') {
            assert_eq!(
                resolve(context, false, &event(&named(part))),
                Some(action),
                "{context:?}: the hint says {part} does {action:?}"
            );
        }
    }
}

#[test]
fn a_question_takes_y_and_n_in_both_cases_k_to_keep_and_nothing_else() {
    let shifted = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT);
    for context in [Context::Confirm, Context::Closing] {
        for yes in [
            press(KeyCode::Char('y')),
            shifted('Y'),
            press(KeyCode::Enter),
        ] {
            assert_eq!(
                resolve(context, false, &yes),
                Some(KeyAction::Submit),
                "{context:?} {yes:?}"
            );
        }
        for no in [press(KeyCode::Char('n')), shifted('N'), press(KeyCode::Esc)] {
            assert_eq!(
                resolve(context, false, &no),
                Some(KeyAction::Back),
                "{context:?} {no:?}"
            );
        }
        // No global keys while a question is asked: q neither quits nor answers.
        for other in ['q', '?', 'x', 'P'] {
            assert_eq!(
                resolve(context, false, &press(KeyCode::Char(other))),
                None,
                "{context:?} {other}"
            );
        }
    }
    assert_eq!(
        resolve(Context::Confirm, false, &press(KeyCode::Char('k'))),
        Some(KeyAction::KeepClipboard)
    );
    assert_eq!(
        resolve(Context::Closing, false, &press(KeyCode::Char('k'))),
        None
    );
    // The hint rows write the question's keys; the footer keeps the text field's.
    assert_eq!(label(Context::Confirm, KeyAction::Submit), "y/Enter");
    assert_eq!(label(Context::Confirm, KeyAction::Back), "n/Esc");
    assert_eq!(label(Context::Closing, KeyAction::Submit), "y");
    let footer_of = |context| -> Vec<(&str, &str)> {
        footer(context, false).map(|b| (b.label, b.hint)).collect()
    };
    for context in [Context::Confirm, Context::Closing] {
        assert_eq!(footer_of(context), footer_of(Context::Input), "{context:?}");
    }
}

#[test]
fn a_too_small_terminal_only_quits_with_q() {
    assert_eq!(
        resolve(Context::TooSmall, false, &press(KeyCode::Char('q'))),
        Some(KeyAction::Quit)
    );
    for other in [KeyCode::Esc, KeyCode::Enter, KeyCode::Char('y')] {
        assert_ne!(
            resolve(Context::TooSmall, false, &press(other)),
            Some(KeyAction::Quit),
            "{other:?}"
        );
    }
    let hints: Vec<(&str, &str)> = footer(Context::TooSmall, false)
        .map(|b| (b.label, b.hint))
        .collect();
    assert_eq!(hints, [("q", "quits")]);
}
