//! Overlays drawn over the screens, and small shared widgets.

pub mod confirm;
pub mod device;
pub mod error;
pub mod help;
pub mod input;
pub mod panel;
pub mod profiles;
pub mod reveal;
pub mod text;

use ratatui::layout::Rect;

/// A rectangle of at most `width` x `height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// How far `lines` can scroll in `inner` (wrapped at its width) before the last
/// line leaves the bottom: 0 when everything fits.
pub fn max_scroll(lines: &[ratatui::text::Line<'_>], inner: Rect) -> u16 {
    let width = usize::from(inner.width).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    u16::try_from(rows.saturating_sub(usize::from(inner.height))).unwrap_or(u16::MAX)
}
