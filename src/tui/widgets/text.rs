//! The TUI's output edge for text. Tenant text (names, ids, metadata, Auth0's
//! messages) reaches the terminal through these helpers, which make it safe
//! (`crate::text::sanitize`: control characters shown as `\x1b`, invisible
//! formatting characters as `\u{202e}`) before ratatui lays it out, so screens and
//! widgets hand them raw text. The status line (`ctx::Status`) and the tables
//! (`panel::table`) go through here too; `tests/tui_text_edge.rs` keeps every other
//! TUI file from sanitizing on its own. App-authored text passes unchanged (its
//! characters are all printable), so a whole line may go through.

use std::borrow::Cow;

use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Row};

use crate::text::{is_invisible_format, sanitize};

/// True when drawing `text` as it is could drive the terminal or hide a character.
fn unsafe_to_draw(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() || is_invisible_format(c))
}

/// `text` made safe to draw, borrowed when it already is.
fn safe(text: Cow<'_, str>) -> Cow<'_, str> {
    if unsafe_to_draw(&text) {
        Cow::Owned(sanitize(&text))
    } else {
        text
    }
}

/// Tenant text as it will be drawn, for text measured or formatted before it is
/// drawn (padded to a column, cut to a width, quoted): the escapes count as the
/// characters they are shown as.
pub fn clean(text: &str) -> String {
    sanitize(text)
}

/// A span of tenant text.
pub fn span(text: impl AsRef<str>, style: Style) -> Span<'static> {
    Span::styled(clean(text.as_ref()), style)
}

/// A line of tenant text in one style.
pub fn line(text: impl AsRef<str>, style: Style) -> Line<'static> {
    Line::styled(clean(text.as_ref()), style)
}

/// Every span of a line made safe (its styles kept).
pub fn safe_line<'a>(line: impl Into<Line<'a>>) -> Line<'a> {
    let mut line = line.into();
    for span in &mut line.spans {
        let content = std::mem::take(&mut span.content);
        span.content = safe(content);
    }
    line
}

/// Every line of a text made safe.
pub fn safe_text<'a>(text: impl Into<Text<'a>>) -> Text<'a> {
    let mut text = text.into();
    text.lines = text.lines.into_iter().map(safe_line).collect();
    text
}

/// A paragraph whose every line is made safe (wrap, block and scroll as usual).
pub fn paragraph<'a>(text: impl Into<Text<'a>>) -> Paragraph<'a> {
    Paragraph::new(safe_text(text))
}

/// A table row whose every cell is made safe.
pub fn row<'a, C: Into<Line<'a>>>(cells: impl IntoIterator<Item = C>) -> Row<'a> {
    Row::new(cells.into_iter().map(safe_line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_text_is_made_visible_and_styles_are_kept() {
        let style = Style::new().bold();
        let line = safe_line(Line::from(vec![
            Span::raw("org "),
            Span::styled("evil\u{1b}]52;c;x\u{7}\u{202e}", style),
        ]));
        assert_eq!(line.spans[0].content, "org ");
        assert_eq!(line.spans[1].content, "evil\\x1b]52;c;x\\x07\\u{202e}");
        assert_eq!(line.spans[1].style, style);
        assert_eq!(span("a\u{9b}b", style).content, "a\\x9bb");
        assert_eq!(line_text(&line), "org evil\\x1b]52;c;x\\x07\\u{202e}");
    }

    #[test]
    fn safe_text_is_borrowed_as_it_is_and_sanitizing_twice_changes_nothing() {
        let plain = "Acme · ✓ 東京 — ⠋";
        assert!(matches!(safe(Cow::Borrowed(plain)), Cow::Borrowed(_)));
        let once = clean("a\u{1b}[2Jb\u{200b}");
        assert_eq!(clean(&once), once);
    }

    #[test]
    fn every_line_of_a_paragraph_is_made_safe() {
        let text = safe_text(vec![Line::raw("one\u{1b}"), Line::raw("two\u{0}")]);
        let lines: Vec<String> = text.lines.iter().map(line_text).collect();
        assert_eq!(lines, ["one\\x1b", "two\\x00"]);
    }

    fn line_text(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }
}
