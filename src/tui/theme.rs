//! Styles named by what they mean; no colour is chosen at a call site. Three named
//! themes (`default`, `high-contrast`, `mono`) and the spacing presenter mode adds.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Padding;

pub use crate::config::ThemeName;

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

    /// For projectors and demos: every emphasis is a bold foreground/background pair that
    /// reads on a light or a dark screen, nothing is dim grey, and the selected row is a bar.
    pub fn high_contrast() -> Self {
        let bold = Modifier::BOLD;
        let pair = |fg, bg| Style::new().fg(fg).bg(bg).add_modifier(bold);
        Self {
            text: Style::new(),
            // The terminal's own foreground: a grey washes out on a projector.
            muted: Style::new(),
            title: Style::new().add_modifier(bold | Modifier::UNDERLINED),
            selected: pair(Color::White, Color::Blue),
            header: Style::new().add_modifier(bold | Modifier::UNDERLINED),
            error: pair(Color::White, Color::Red),
            ok: pair(Color::Black, Color::Green),
            warn: pair(Color::Black, Color::Yellow),
            secret: pair(Color::Black, Color::Yellow),
            badge: pair(Color::White, Color::Magenta),
            key: pair(Color::Black, Color::Cyan),
            focus: Style::new().add_modifier(bold | Modifier::UNDERLINED),
            json_key: Style::new().add_modifier(bold),
            json_string: Style::new(),
            json_number: Style::new().add_modifier(bold),
            border: Style::new().add_modifier(bold),
        }
    }

    /// No colour at all (`mono`, `--no-color`, `NO_COLOR`): meaning is kept with bold,
    /// reverse and underline.
    pub fn mono() -> Self {
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

    /// The theme of that name.
    pub fn named(name: ThemeName) -> Self {
        match name {
            ThemeName::Default => Self::colored(),
            ThemeName::HighContrast => Self::high_contrast(),
            ThemeName::Mono => Self::mono(),
        }
    }
}

/// Which theme the TUI draws with. `chosen` is an explicit choice (`--theme`, else
/// `--no-color` as mono, else config.toml's `theme`); without one, `NO_COLOR` means mono
/// and presenter mode means high-contrast.
pub fn pick(chosen: Option<ThemeName>, no_color: bool, presenter: bool) -> ThemeName {
    match chosen {
        Some(name) => name,
        None if no_color => ThemeName::Mono,
        None if presenter => ThemeName::HighContrast,
        None => ThemeName::Default,
    }
}

/// How roomy the screens are. Presenter mode leaves a blank line between table rows
/// and pads the reveal and panels, so a room can read them from the back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spacing {
    /// Blank lines under each table row.
    pub row_gap: u16,
    /// Extra columns (and half as many rows) inside panels, when they fit.
    pub padding: u16,
}

impl Spacing {
    /// The spacing for presenter mode or not.
    pub fn new(presenter: bool) -> Self {
        if presenter {
            Self {
                row_gap: 1,
                padding: 2,
            }
        } else {
            Self::default()
        }
    }

    /// How many rows a table shows in `height` lines (ratatui needs only a row's own
    /// line to fit, not the gap under it).
    pub fn rows_fit(self, height: u16) -> usize {
        usize::from((height + self.row_gap) / (1 + self.row_gap)).max(1)
    }

    /// The row (from the first shown) a click `line` lines below the first row falls on.
    pub fn row_at(self, line: u16) -> usize {
        usize::from(line / (1 + self.row_gap))
    }

    /// The lines `rows` rows take, gaps included.
    pub fn rows_height(self, rows: usize) -> u16 {
        u16::try_from(rows)
            .unwrap_or(u16::MAX)
            .saturating_mul(1 + self.row_gap)
    }

    /// The padding inside a panel whose unpadded height is `height` in `area`: columns
    /// always, rows only where the taller panel still fits.
    pub fn panel(self, area: Rect, height: u16) -> Padding {
        let rows = self.padding / 2;
        let rows = if height.saturating_add(2 * rows) <= area.height {
            rows
        } else {
            0
        };
        Padding::symmetric(self.padding, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_theme_wins_then_no_color_then_presenter() {
        use ThemeName::*;
        assert_eq!(pick(None, false, false), Default);
        assert_eq!(pick(None, true, false), Mono);
        assert_eq!(pick(None, false, true), HighContrast);
        // NO_COLOR keeps a presenter colour-free.
        assert_eq!(pick(None, true, true), Mono);
        assert_eq!(pick(Some(Default), true, true), Default);
        assert_eq!(pick(Some(HighContrast), true, false), HighContrast);
        assert_eq!(pick(Some(Mono), false, true), Mono);
    }

    #[test]
    fn theme_names_parse_as_typed_and_an_unknown_one_lists_the_choices() {
        for name in ThemeName::ALL {
            assert_eq!(name.as_str().parse::<ThemeName>(), Ok(name));
        }
        let error = "neon".parse::<ThemeName>().unwrap_err();
        assert!(error.contains("\"neon\""), "{error}");
        assert!(error.contains("default, high-contrast, mono"), "{error}");
    }

    #[test]
    fn presenter_spacing_halves_the_rows_a_table_shows() {
        let normal = Spacing::new(false);
        let roomy = Spacing::new(true);
        assert_eq!(normal.rows_fit(17), 17);
        // Rows on lines 0, 2, .., 16: nine of them.
        assert_eq!(roomy.rows_fit(17), 9);
        assert_eq!(roomy.rows_fit(1), 1);
        assert_eq!(roomy.row_at(0), 0);
        assert_eq!(roomy.row_at(1), 0);
        assert_eq!(roomy.row_at(4), 2);
        assert_eq!(normal.row_at(4), 4);
        assert_eq!(roomy.rows_height(3), 6);
    }

    #[test]
    fn panels_are_padded_in_rows_only_where_the_taller_panel_fits() {
        let area = Rect::new(0, 0, 80, 21);
        let roomy = Spacing::new(true);
        assert_eq!(roomy.panel(area, 15), Padding::symmetric(2, 1));
        assert_eq!(roomy.panel(area, 20), Padding::symmetric(2, 0));
        assert_eq!(Spacing::new(false).panel(area, 5), Padding::ZERO);
    }
}
