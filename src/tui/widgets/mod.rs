//! Overlays drawn over the screens, and small shared widgets.

pub mod confirm;
pub mod error;
pub mod help;
pub mod input;
pub mod reveal;

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
