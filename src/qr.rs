//! QR codes drawn with Unicode half blocks, for the device sign-in's
//! verification URL: one module a column, two a line. Both faces use it
//! (`m2m-portal login` on stderr, the TUI's sign-in overlay).

use qrcode::{Color, QrCode};

/// Light modules around the code: two, where the standard asks four, so the
/// code of a verification URL fits beside its words in an 80x24 terminal
/// (phone scanners read it).
const QUIET_ZONE: usize = 2;

/// The QR code of `text` with a quiet zone, as lines of text. Light modules
/// are drawn (a terminal's foreground is usually the light colour), so the
/// code reads right on a dark background; `None` when `text` is too long.
pub fn lines(text: &str) -> Option<Vec<String>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    // Outside the code is the quiet zone: light.
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET_ZONE || y < QUIET_ZONE || x >= width + QUIET_ZONE || y >= width + QUIET_ZONE {
            return true;
        }
        colors[(y - QUIET_ZONE) * width + (x - QUIET_ZONE)] == Color::Light
    };
    Some(
        (0..size)
            .step_by(2)
            .map(|y| {
                (0..size)
                    .map(|x| {
                        let top = light(x, y);
                        let bottom = y + 1 < size && light(x, y + 1);
                        match (top, bottom) {
                            (true, true) => '█',
                            (true, false) => '▀',
                            (false, true) => '▄',
                            (false, false) => ' ',
                        }
                    })
                    .collect()
            })
            .collect(),
    )
}

/// [`lines`] joined with newlines, for a plain terminal.
pub fn text(text: &str) -> Option<String> {
    lines(text).map(|lines| lines.join("\n"))
}

/// The code's size in terminal cells (columns, lines), without drawing it.
pub fn size(text: &str) -> Option<(u16, u16)> {
    let lines = lines(text)?;
    let width = lines.first().map(|l| l.chars().count()).unwrap_or(0);
    Some((u16::try_from(width).ok()?, u16::try_from(lines.len()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verification_url_draws_a_square_code_in_half_blocks() {
        let url = "https://tenant.eu.auth0.com/activate?user_code=ABCD-EFGH";
        let lines = lines(url).expect("a URL fits a QR code");
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // Two modules a line: about half as many lines as columns.
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(lines.iter().any(|l| l.contains('█') || l.contains('▀')));
        // Distinct inputs, distinct codes.
        assert_ne!(
            lines,
            super::lines("https://other.example/activate").unwrap()
        );
        assert_eq!(size(url), Some((width as u16, lines.len() as u16)));
    }

    #[test]
    fn text_too_long_for_any_qr_code_gives_none() {
        assert!(lines(&"x".repeat(8000)).is_none());
    }
}
