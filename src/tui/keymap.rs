//! The one keymap table: key, message, description and where it applies.
//! It feeds the footer hints, the `?` help and key resolution alike.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere no text field has the focus.
    Global,
    /// The sign-in form.
    SignIn,
    /// The organizations table.
    Organizations,
    /// One organization and its keys.
    Organization,
    /// One organization's people: members and pending invitations.
    People,
    /// The tenant's key inventory (`K`).
    Keys,
    /// The token inspector.
    Token,
    /// The secret reveal overlay.
    Reveal,
    /// A form or prompt with a focused text field (filter, new organization, typed confirmation).
    Input,
    /// The help overlay.
    Help,
    /// The device sign-in overlay (code, QR, waiting for approval).
    Device,
    /// The profile picker.
    Profiles,
}

impl Context {
    /// The heading of this context in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::SignIn => "Sign in",
            Context::Organizations => "Organizations",
            Context::Organization => "Organization · Keys",
            Context::People => "Organization · People",
            Context::Keys => "Key inventory",
            Context::Token => "Token inspector",
            Context::Reveal => "Secret reveal",
            Context::Input => "Text fields",
            Context::Help => "Help",
            Context::Device => "Device sign-in",
            Context::Profiles => "Profiles",
        }
    }
}

/// What a key asks for; screens turn it into changes and commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Open,
    Back,
    Quit,
    Help,
    Filter,
    NewOrganization,
    Provision,
    Rotate,
    Revoke,
    TestToken,
    /// Switch the organization screen between Keys and People.
    SwitchPane,
    /// Add a member by email (offers an invitation when there is no user).
    AddPerson,
    /// Remove the selected member or revoke the selected invitation.
    RemovePerson,
    /// Onboard a customer: organization, person and key in one step.
    Onboard,
    Copy,
    CopyClientId,
    CopyEnv,
    CopyCurl,
    Reload,
    NextField,
    PreviousField,
    Submit,
    /// Open the whole status message (a long error is cut in the status line).
    ShowStatus,
    /// The token inspector's gateway panel: how a gateway checks this token (again: next gateway).
    Gateway,
    /// Open the tenant's key inventory.
    KeyInventory,
    /// Show the next health state only (all, ok, unlinked, orphan, stale, mismatch).
    CycleHealth,
    /// Mark or unmark the selected key for a bulk rotation.
    Mark,
    /// Mark every stale key.
    MarkStale,
    /// Sign the operator in with the device flow (code, QR, approval elsewhere).
    DeviceSignIn,
    /// Open the verification page in this machine's browser (only with a display).
    OpenBrowser,
    /// Open the profile picker (switching signs out of this tenant).
    Profiles,
}

/// A key as the table names it: a key code, with or without Ctrl (not `portal::Key`,
/// the Auth0 client that is a customer's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(code: KeyCode) -> Chord {
    Chord { code, ctrl: false }
}

const fn ch(c: char) -> Chord {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Chord {
    Chord {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Chord],
    /// How the keys are written in the footer and help.
    pub label: &'static str,
    pub action: KeyAction,
    /// The long description for the help overlay.
    pub description: &'static str,
    /// The short word for the footer; empty keeps it out of the footer.
    pub hint: &'static str,
    pub contexts: &'static [Context],
}

use Context as C;
use KeyAction as A;

const TABLES: &[Context] = &[
    C::Organizations,
    C::Organization,
    C::People,
    C::Keys,
    C::Token,
    C::Help,
    C::Profiles,
];

/// The keymap: the single source of keys, footer hints and help.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[key(KeyCode::Up), ch('k')],
        label: "↑/k",
        action: A::Up,
        description: "move up",
        hint: "",
        contexts: TABLES,
    },
    Binding {
        keys: &[key(KeyCode::Down), ch('j')],
        label: "↓/j",
        action: A::Down,
        description: "move down",
        hint: "",
        contexts: TABLES,
    },
    Binding {
        keys: &[key(KeyCode::PageUp)],
        label: "PgUp",
        action: A::PageUp,
        description: "page up",
        hint: "",
        contexts: TABLES,
    },
    Binding {
        keys: &[key(KeyCode::PageDown)],
        label: "PgDn",
        action: A::PageDown,
        description: "page down",
        hint: "",
        contexts: TABLES,
    },
    Binding {
        keys: &[key(KeyCode::Home)],
        label: "Home",
        action: A::Home,
        description: "first row",
        hint: "",
        contexts: TABLES,
    },
    Binding {
        keys: &[key(KeyCode::End)],
        label: "End",
        action: A::End,
        description: "last row (loads more)",
        hint: "",
        contexts: TABLES,
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        label: "Enter",
        action: A::Submit,
        description: "sign in with these credentials",
        hint: "sign in",
        contexts: &[C::SignIn],
    },
    Binding {
        keys: &[key(KeyCode::Tab), key(KeyCode::Down)],
        label: "Tab/↓",
        action: A::NextField,
        description: "next field",
        hint: "next field",
        contexts: &[C::SignIn],
    },
    Binding {
        keys: &[key(KeyCode::Tab), key(KeyCode::Down)],
        label: "Tab/↓",
        action: A::NextField,
        description: "next field (in the filter: next row)",
        hint: "",
        contexts: &[C::Input],
    },
    Binding {
        keys: &[key(KeyCode::BackTab), key(KeyCode::Up)],
        label: "S-Tab/↑",
        action: A::PreviousField,
        description: "previous field",
        hint: "",
        contexts: &[C::SignIn, C::Input],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        description: "cancel signing in, or quit",
        hint: "quit",
        contexts: &[C::SignIn],
    },
    Binding {
        keys: &[key(KeyCode::F(1))],
        label: "F1",
        action: A::Help,
        description: "help (? types into the field here)",
        hint: "help",
        contexts: &[C::SignIn],
    },
    Binding {
        // Ctrl: the form's fields take every plain letter.
        keys: &[ctrl('d')],
        label: "^D",
        action: A::DeviceSignIn,
        description: "sign yourself in with a code (device flow): the audit log then names you",
        hint: "device sign-in",
        contexts: &[C::SignIn],
    },
    Binding {
        keys: &[ctrl('p')],
        label: "^P",
        action: A::Profiles,
        description: "profiles of config.toml: switch tenant",
        hint: "profiles",
        contexts: &[C::SignIn],
    },
    Binding {
        keys: &[ch('o')],
        label: "o",
        action: A::OpenBrowser,
        description: "open the page in this machine's browser (only with a display)",
        hint: "open browser",
        contexts: &[C::Device],
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        label: "Enter",
        action: A::Submit,
        description: "try again (after a failed or expired code)",
        hint: "",
        contexts: &[C::Device],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        description: "cancel the sign-in",
        hint: "cancel",
        contexts: &[C::Device],
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        label: "Enter",
        action: A::Open,
        description: "sign out and switch to the selected profile",
        hint: "switch",
        contexts: &[C::Profiles],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        description: "close, staying on this profile",
        hint: "close",
        contexts: &[C::Profiles],
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        label: "Enter",
        action: A::Submit,
        description: "confirm",
        hint: "confirm",
        contexts: &[C::Input],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        description: "cancel",
        hint: "cancel",
        contexts: &[C::Input],
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        label: "Enter",
        action: A::Open,
        description: "open the selected row",
        hint: "open",
        contexts: &[C::Organizations],
    },
    Binding {
        keys: &[ch('/')],
        label: "/",
        action: A::Filter,
        description: "filter as you type; Enter opens an exact id or name, else searches every organization (Esc stops)",
        hint: "filter",
        contexts: &[C::Organizations],
    },
    Binding {
        keys: &[ch('n')],
        label: "n",
        action: A::NewOrganization,
        description: "create an organization",
        hint: "new",
        contexts: &[C::Organizations],
    },
    Binding {
        keys: &[ch('o')],
        label: "o",
        action: A::Onboard,
        description: "onboard a customer: organization, person (member or invited) and key in one step",
        hint: "onboard",
        contexts: &[C::Organizations],
    },
    Binding {
        keys: &[ch('K')],
        label: "K",
        action: A::KeyInventory,
        description: "key inventory: every organization's key with its health; bulk rotation",
        hint: "keys",
        contexts: &[C::Organizations],
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        label: "Enter",
        action: A::Open,
        description: "open the selected key's organization",
        hint: "org",
        contexts: &[C::Keys],
    },
    Binding {
        keys: &[ch(' ')],
        label: "Space",
        action: A::Mark,
        description: "mark or unmark the selected key for rotation",
        hint: "mark",
        contexts: &[C::Keys],
    },
    Binding {
        keys: &[ch('S')],
        label: "S",
        action: A::MarkStale,
        description: "mark every stale key",
        hint: "stale",
        contexts: &[C::Keys],
    },
    Binding {
        keys: &[ch('r')],
        label: "r",
        action: A::Rotate,
        description: "rotate the marked keys' secrets, paced, after a confirmation; one reveal per key at the end",
        hint: "rotate",
        contexts: &[C::Keys],
    },
    Binding {
        keys: &[ch('h')],
        label: "h",
        action: A::CycleHealth,
        description: "show one health state: all → ok → unlinked → orphan → stale → mismatch",
        hint: "health",
        contexts: &[C::Keys],
    },
    Binding {
        keys: &[ch('/')],
        label: "/",
        action: A::Filter,
        description: "filter by organization, name or client id as you type",
        hint: "filter",
        contexts: &[C::Keys],
    },
    Binding {
        keys: &[ch('p')],
        label: "p",
        action: A::Provision,
        description: "provision a key for this organization",
        hint: "provision",
        contexts: &[C::Organization],
    },
    Binding {
        keys: &[ch('r')],
        label: "r",
        action: A::Rotate,
        description: "rotate the selected key's secret",
        hint: "rotate",
        contexts: &[C::Organization],
    },
    Binding {
        keys: &[ch('x')],
        label: "x",
        action: A::Revoke,
        description: "revoke the selected key (type its name to confirm)",
        hint: "revoke",
        contexts: &[C::Organization],
    },
    Binding {
        keys: &[ch('t')],
        label: "t",
        action: A::TestToken,
        description: "fetch a test token for the selected key",
        hint: "test token",
        contexts: &[C::Organization],
    },
    Binding {
        keys: &[key(KeyCode::Tab)],
        label: "Tab",
        action: A::SwitchPane,
        description: "switch to People: members and pending invitations",
        hint: "people",
        contexts: &[C::Organization],
    },
    Binding {
        keys: &[key(KeyCode::Tab)],
        label: "Tab",
        action: A::SwitchPane,
        description: "switch back to Keys",
        hint: "keys",
        contexts: &[C::People],
    },
    Binding {
        keys: &[ch('a')],
        label: "a",
        action: A::AddPerson,
        description: "add a member by email (no user: offers an invitation)",
        hint: "add",
        contexts: &[C::People],
    },
    Binding {
        keys: &[ch('d')],
        label: "d",
        action: A::RemovePerson,
        description: "remove the selected member (type the email) or revoke the invitation",
        hint: "remove",
        contexts: &[C::People],
    },
    Binding {
        keys: &[ch('R')],
        label: "R",
        action: A::Reload,
        description: "reload",
        hint: "reload",
        contexts: &[C::Organizations, C::Organization, C::People, C::Keys],
    },
    Binding {
        keys: &[ch('c')],
        label: "c",
        action: A::Copy,
        description: "copy the token",
        hint: "copy token",
        contexts: &[C::Token],
    },
    Binding {
        keys: &[ch('g')],
        label: "g",
        action: A::Gateway,
        description: "gateway guide: each check in a gateway's words and its configuration (again: next gateway)",
        hint: "gateway",
        contexts: &[C::Token],
    },
    Binding {
        keys: &[ch('c')],
        label: "c",
        action: A::Copy,
        description: "copy the secret",
        hint: "copy secret",
        contexts: &[C::Reveal],
    },
    Binding {
        keys: &[ch('i')],
        label: "i",
        action: A::CopyClientId,
        description: "copy the client id",
        hint: "client id",
        contexts: &[C::Reveal],
    },
    Binding {
        keys: &[ch('e')],
        label: "e",
        action: A::CopyEnv,
        description: "copy a .env snippet",
        hint: ".env",
        contexts: &[C::Reveal],
    },
    Binding {
        keys: &[ch('u')],
        label: "u",
        action: A::CopyCurl,
        description: "copy a curl command for the token request",
        hint: "curl",
        contexts: &[C::Reveal],
    },
    Binding {
        keys: &[ch('t')],
        label: "t",
        action: A::TestToken,
        description: "fetch a test token now",
        hint: "test token",
        contexts: &[C::Reveal],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        description: "close (asks once: have you stored it?)",
        hint: "close",
        contexts: &[C::Reveal],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        description: "back, or cancel what is loading",
        hint: "back",
        contexts: &[C::Organization, C::People, C::Token],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        description: "back; cancels the listing, or stops a rotation after the current key",
        hint: "back",
        contexts: &[C::Keys],
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        label: "Esc",
        action: A::Back,
        // The top list has nowhere to go back to: no footer hint.
        description: "cancel what is loading",
        hint: "",
        contexts: &[C::Organizations],
    },
    Binding {
        keys: &[key(KeyCode::Esc), ch('?'), ch('q')],
        label: "Esc",
        action: A::Back,
        description: "close help",
        hint: "close",
        contexts: &[C::Help],
    },
    Binding {
        keys: &[ch('?'), key(KeyCode::F(1))],
        label: "?",
        action: A::Help,
        description: "help: every key",
        hint: "help",
        contexts: &[C::Global],
    },
    Binding {
        keys: &[ch('P')],
        label: "P",
        action: A::Profiles,
        description: "profiles: sign out and switch to another profile of config.toml",
        hint: "",
        contexts: &[C::Global],
    },
    Binding {
        keys: &[ch('!')],
        label: "!",
        action: A::ShowStatus,
        description: "show the whole status message",
        hint: "",
        contexts: &[C::Global],
    },
    Binding {
        keys: &[ch('q')],
        label: "q",
        action: A::Quit,
        description: "quit (asks if a secret is on screen)",
        hint: "quit",
        contexts: &[C::Global],
    },
    Binding {
        keys: &[ctrl('c')],
        label: "Ctrl-C",
        action: A::Quit,
        description: "quit now",
        hint: "",
        contexts: &[C::Global],
    },
];

impl Chord {
    /// True when a terminal key event is this key (Shift is part of the character).
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        if event.modifiers.contains(KeyModifiers::ALT) || ctrl != self.ctrl {
            return false;
        }
        match (self.code, event.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b,
        }
    }
}

/// The action a key asks for in a context (context bindings win over global ones).
/// `global` says whether the global bindings apply (not while a text field has the focus).
pub fn resolve(context: Context, global: bool, event: &KeyEvent) -> Option<KeyAction> {
    let typing =
        matches!(event.code, KeyCode::Char(_)) && !event.modifiers.contains(KeyModifiers::CONTROL);
    let find = |wanted: Context| {
        BINDINGS
            .iter()
            .find(|b| b.contexts.contains(&wanted) && b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.action)
    };
    // While a field has the focus, characters are typed; F1 and Ctrl-C still work.
    find(context).or_else(|| {
        if global || !typing {
            find(Context::Global)
        } else {
            None
        }
    })
}

/// True for Ctrl-C, which quits from anywhere.
pub fn is_interrupt(event: &KeyEvent) -> bool {
    event.modifiers.contains(KeyModifiers::CONTROL) && event.code == KeyCode::Char('c')
}

/// The bindings shown in the footer of a context, in table order. A global
/// binding whose key the context takes over (q and ? close help) is left out.
pub fn footer(context: Context, global: bool) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| {
        !b.hint.is_empty()
            && (b.contexts.contains(&context)
                || (global && b.contexts.contains(&Context::Global) && !shadowed(b, context)))
    })
}

/// True when a binding of `context` uses one of this (global) binding's keys.
fn shadowed(global: &Binding, context: Context) -> bool {
    BINDINGS
        .iter()
        .filter(|b| b.contexts.contains(&context))
        .any(|b| b.keys.iter().any(|k| global.keys.contains(k)))
}

#[cfg(test)]
mod tests {
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
}
