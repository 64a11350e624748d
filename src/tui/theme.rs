//! Styles named by what they mean; no colour is chosen at a call site.

use ratatui::style::{Color, Modifier, Style};

/// Every style the TUI draws with, by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Ordinary text.
    pub text: Style,
    /// Secondary text: ids, hints, disabled actions.
    pub muted: Style,
    /// Titles and headings.
    pub title: Style,
    /// The selected row of a table.
    pub selected: Style,
    /// Column headers.
    pub header: Style,
    /// Something failed.
    pub error: Style,
    /// Something succeeded (✓).
    pub ok: Style,
    /// A caution the user must read.
    pub warn: Style,
    /// A secret on screen (client secret, token), and the warning around it.
    pub secret: Style,
    /// Badges such as SANDBOX and READ-ONLY.
    pub badge: Style,
    /// Key names in the footer and help.
    pub key: Style,
    /// The focused input field.
    pub focus: Style,
    /// JSON keys in the token inspector.
    pub json_key: Style,
    /// JSON strings.
    pub json_string: Style,
    /// JSON numbers and booleans.
    pub json_number: Style,
    /// Borders of panels and overlays.
    pub border: Style,
}

impl Theme {
    /// The coloured theme.
    pub fn colored() -> Self {
        Self {
            text: Style::new(),
            muted: Style::new().fg(Color::DarkGray),
            title: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            secret: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            badge: Style::new()
                .fg(Color::Black)
                .bg(Color::Magenta)
                .add_modifier(Modifier::BOLD),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            focus: Style::new().fg(Color::Cyan),
            json_key: Style::new().fg(Color::Blue),
            json_string: Style::new().fg(Color::Green),
            json_number: Style::new().fg(Color::Magenta),
            border: Style::new().fg(Color::Gray),
        }
    }

    /// No colours (`--no-color`, `NO_COLOR`): meaning is kept with bold, reverse and underline.
    pub fn plain() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Self {
            text: Style::new(),
            muted: Style::new(),
            title: bold,
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            error: bold,
            ok: Style::new(),
            warn: bold,
            secret: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            badge: Style::new().add_modifier(Modifier::REVERSED),
            key: bold,
            focus: Style::new().add_modifier(Modifier::UNDERLINED),
            json_key: Style::new(),
            json_string: Style::new(),
            json_number: Style::new(),
            border: Style::new(),
        }
    }

    /// The theme for the given options.
    pub fn new(no_color: bool) -> Self {
        if no_color {
            Self::plain()
        } else {
            Self::colored()
        }
    }
}
