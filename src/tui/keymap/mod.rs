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
    /// A yes/no question (rotate, revoke an invitation, invite, quit with a secret out).
    Confirm,
    /// The reveal's last question: "have you stored the secret?".
    Closing,
    /// A terminal too small for the screens: only quitting works.
    TooSmall,
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
            Context::Confirm => "Questions",
            Context::Closing => "Secret reveal · closing",
            Context::TooSmall => "Terminal too small",
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
    /// Quit, keeping the copied secret on the clipboard (the quit question's third answer).
    KeepClipboard,
    /// Empty the focused text field.
    ClearField,
    /// Delete the text field's last character.
    DeleteBack,
}

/// A key as the table names it: a key code, with or without Ctrl (not `portal::Key`,
/// the Auth0 client that is a customer's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
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

mod table;

pub use table::BINDINGS;

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

/// How the keys of an action are written in a context: the label of its first binding
/// there (the question's own keys, "y/Enter", come before the footer's "Enter").
/// Overlays draw their key hints with it, so what they say is what the table does.
pub fn label(context: Context, action: KeyAction) -> &'static str {
    BINDINGS
        .iter()
        .find(|b| b.action == action && b.contexts.contains(&context))
        .map_or("", |b| b.label)
}

/// True when a binding of `context` uses one of this (global) binding's keys.
fn shadowed(global: &Binding, context: Context) -> bool {
    BINDINGS
        .iter()
        .filter(|b| b.contexts.contains(&context))
        .any(|b| b.keys.iter().any(|k| global.keys.contains(k)))
}

#[cfg(test)]
mod tests;
