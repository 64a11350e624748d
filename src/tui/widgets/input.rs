//! A one-line text field; a masked one holds a secret and draws bullets.

use std::fmt;

use ratatui::text::{Line, Span};
use zeroize::Zeroizing;

use crate::secret::Secret;
use crate::tui::keymap::{self, Context, KeyAction};
use crate::tui::theme::Theme;

/// A one-line editable text field (cursor at the end; paste appends).
#[derive(Clone, Default)]
pub struct TextInput {
    value: Zeroizing<String>,
    masked: bool,
}

impl fmt::Debug for TextInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.masked {
            f.write_str("TextInput([REDACTED])")
        } else {
            write!(f, "TextInput({:?})", self.value.as_str())
        }
    }
}

impl TextInput {
    /// A plain field with a value.
    pub fn new(value: &str) -> Self {
        Self {
            value: Zeroizing::new(value.to_owned()),
            masked: false,
        }
    }

    /// A masked field holding a secret (zeroized when dropped or replaced).
    pub fn masked(secret: &Secret) -> Self {
        // Room up front so typing does not leave reallocated copies behind.
        let mut value = String::with_capacity(secret.expose_secret().len().max(128));
        value.push_str(secret.expose_secret());
        Self {
            value: Zeroizing::new(value),
            masked: true,
        }
    }

    /// The text of a plain field.
    pub fn value(&self) -> &str {
        if self.masked { "" } else { self.value.as_str() }
    }

    /// The content of a masked field as a secret.
    pub fn secret(&self) -> Secret {
        Secret::new(self.value.as_str().to_owned())
    }

    /// True when nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Types a character.
    pub fn push(&mut self, c: char) {
        if !c.is_control() {
            self.value.push(c);
        }
    }

    /// Pastes text; line breaks and other control characters are dropped (a pasted secret often ends in a newline).
    pub fn paste(&mut self, text: &str) {
        self.value.extend(text.chars().filter(|c| !c.is_control()));
    }

    /// Deletes the last character.
    pub fn backspace(&mut self) {
        self.value.pop();
    }

    /// Deletes everything.
    pub fn clear(&mut self) {
        self.value.clear();
    }

    /// Applies an editing key; returns true when the key was an edit. The editing keys
    /// (^U, Backspace) are the keymap's `Input` ones; any other plain character is typed.
    pub fn handle_key(&mut self, event: &crossterm::event::KeyEvent) -> bool {
        use crossterm::event::{KeyCode, KeyModifiers};
        match keymap::resolve(Context::Input, false, event) {
            Some(KeyAction::ClearField) => self.clear(),
            Some(KeyAction::DeleteBack) => self.backspace(),
            _ => match event.code {
                KeyCode::Char(c)
                    if !event
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    self.push(c)
                }
                _ => return false,
            },
        }
        true
    }

    /// The field drawn for the screen: bullets when masked (or when presenting), a cursor when focused.
    pub fn line(&self, theme: &Theme, focused: bool) -> Line<'static> {
        let shown = if self.masked {
            "•".repeat(self.value.chars().count().min(40))
        } else {
            super::text::clean(&self.value)
        };
        let style = if focused { theme.focus } else { theme.text };
        let mut spans = vec![Span::styled(shown, style)];
        if focused {
            spans.push(Span::styled("▏", theme.focus));
        }
        Line::from(spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn the_fields_editing_keys_are_the_keymaps_and_plain_characters_are_typed() {
        let mut field = TextInput::default();
        let press = |code, modifiers| KeyEvent::new(code, modifiers);
        for c in "yn q".chars() {
            assert!(field.handle_key(&press(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        assert!(field.handle_key(&press(KeyCode::Char('Y'), KeyModifiers::SHIFT)));
        assert_eq!(field.value(), "yn qY");
        // Ctrl and Alt letters are not typed.
        for modifiers in [KeyModifiers::CONTROL, KeyModifiers::ALT] {
            assert!(!field.handle_key(&press(KeyCode::Char('x'), modifiers)));
        }
        let backspace = press(KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(
            keymap::resolve(Context::Input, false, &backspace),
            Some(KeyAction::DeleteBack)
        );
        assert!(field.handle_key(&backspace));
        assert!(field.handle_key(&backspace));
        assert_eq!(field.value(), "yn ");
        let clear = press(KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap::resolve(Context::Input, false, &clear),
            Some(KeyAction::ClearField)
        );
        assert!(field.handle_key(&clear));
        assert_eq!(field.value(), "");
        assert!(!field.handle_key(&press(KeyCode::Enter, KeyModifiers::NONE)));
    }

    #[test]
    fn masked_field_never_shows_or_debugs_its_value() {
        let mut field = TextInput::masked(&Secret::from("s3cr3t"));
        field.paste("-more\n");
        assert_eq!(field.secret().expose_secret(), "s3cr3t-more");
        assert_eq!(field.value(), "");
        assert!(!format!("{field:?}").contains("s3cr3t"));
        let line = field.line(&Theme::mono(), false);
        assert!(!line.to_string().contains("s3cr3t"));
    }
}
