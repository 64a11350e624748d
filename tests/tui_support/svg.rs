//! A drawn ratatui buffer as an SVG picture (colours and emphasis kept), for `assets/`.
//!
//! Cells are laid on a fixed grid; runs of one style share one `<text>` and one
//! background `<rect>`. Colours are xterm's palette over a dark background.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 18.0;
const FONT_SIZE: f32 = 14.0;
const PAD: f32 = 10.0;
const DEFAULT_FG: &str = "#d0d0d0";
const DEFAULT_BG: &str = "#1c1c1c";

/// The 16 ANSI colours, xterm's values.
const ANSI: [&str; 16] = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
];

fn hex(color: Color, default: &str) -> String {
    match color {
        Color::Reset => default.to_owned(),
        Color::Black => ANSI[0].into(),
        Color::Red => ANSI[1].into(),
        Color::Green => ANSI[2].into(),
        Color::Yellow => ANSI[3].into(),
        Color::Blue => ANSI[4].into(),
        Color::Magenta => ANSI[5].into(),
        Color::Cyan => ANSI[6].into(),
        Color::Gray => ANSI[7].into(),
        Color::DarkGray => ANSI[8].into(),
        Color::LightRed => ANSI[9].into(),
        Color::LightGreen => ANSI[10].into(),
        Color::LightYellow => ANSI[11].into(),
        Color::LightBlue => ANSI[12].into(),
        Color::LightMagenta => ANSI[13].into(),
        Color::LightCyan => ANSI[14].into(),
        Color::White => ANSI[15].into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => indexed(i),
    }
}

/// xterm's 256-colour cube and grey ramp.
fn indexed(i: u8) -> String {
    match i {
        0..=15 => ANSI[usize::from(i)].into(),
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(i / 36),
                level((i / 6) % 6),
                level(i % 6)
            )
        }
        232..=255 => {
            let v = 8 + (i - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One run of cells drawn alike on a row.
#[derive(PartialEq)]
struct Look {
    fg: String,
    bg: String,
    modifier: Modifier,
}

fn look(cell: &ratatui::buffer::Cell) -> Look {
    let (mut fg, mut bg) = (hex(cell.fg, DEFAULT_FG), hex(cell.bg, DEFAULT_BG));
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Look {
        fg,
        bg,
        modifier: cell.modifier,
    }
}

/// The buffer as a standalone SVG document; `title` becomes its accessible name.
pub fn to_svg(buffer: &Buffer, title: &str) -> String {
    let area = buffer.area;
    let width = f32::from(area.width) * CELL_W + 2.0 * PAD;
    let height = f32::from(area.height) * CELL_H + 2.0 * PAD;
    let mut backgrounds = String::new();
    let mut texts = String::new();
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let start = x;
            let first = look(&buffer[(area.x + x, area.y + y)]);
            let mut text = String::new();
            while x < area.width {
                let cell = &buffer[(area.x + x, area.y + y)];
                if look(cell) != first {
                    break;
                }
                text.push_str(if cell.symbol().is_empty() {
                    ""
                } else {
                    cell.symbol()
                });
                x += 1;
            }
            let left = PAD + f32::from(start) * CELL_W;
            let top = PAD + f32::from(y) * CELL_H;
            let cells = f32::from(x - start);
            if first.bg != DEFAULT_BG {
                let _ = writeln!(
                    backgrounds,
                    r#"<rect x="{left:.1}" y="{top:.1}" width="{:.1}" height="{CELL_H:.1}" fill="{}"/>"#,
                    cells * CELL_W,
                    first.bg
                );
            }
            if text.trim().is_empty() {
                continue;
            }
            let mut attrs = format!(r#"fill="{}""#, first.fg);
            if first.modifier.contains(Modifier::BOLD) {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if first.modifier.contains(Modifier::ITALIC) {
                attrs.push_str(r#" font-style="italic""#);
            }
            if first.modifier.contains(Modifier::DIM) {
                attrs.push_str(r#" opacity="0.6""#);
            }
            let mut decorations = Vec::new();
            if first.modifier.contains(Modifier::UNDERLINED) {
                decorations.push("underline");
            }
            if first.modifier.contains(Modifier::CROSSED_OUT) {
                decorations.push("line-through");
            }
            if !decorations.is_empty() {
                let _ = write!(attrs, r#" text-decoration="{}""#, decorations.join(" "));
            }
            let _ = writeln!(
                texts,
                r#"<text x="{left:.1}" y="{:.1}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs" {attrs}>{}</text>"#,
                top + CELL_H * 0.75,
                cells * CELL_W,
                escape(&text)
            );
        }
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.1} {height:.1}" role="img" aria-label="{title}">
<title>{title}</title>
<rect width="100%" height="100%" rx="6" fill="{DEFAULT_BG}"/>
<g font-family="'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace" font-size="{FONT_SIZE}" xml:space="preserve">
{backgrounds}{texts}</g>
</svg>
"#,
        title = escape(title)
    )
}
