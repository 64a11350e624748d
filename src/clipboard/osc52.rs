//! OSC 52: the escape sequences that set or empty the terminal's clipboard,
//! wrapped for tmux or screen when they must pass through one.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::{ClipboardError, Multiplexer};

/// Largest OSC 52 payload sent, in bytes of base64: the limit of hterm's
/// `osc52.sh` and several terminals (100,000-byte sequences); larger copies are refused.
pub const OSC52_MAX_BASE64: usize = 74_994;

/// GNU screen cuts DCS strings at 256 bytes in old versions (768 in newer):
/// each chunk plus its 4 wrapper bytes stays within the smallest.
const SCREEN_CHUNK: usize = 252;

/// Wraps an escape sequence so it passes through the multiplexer to the outer terminal.
fn wrap_for(sequence: &[u8], wrapped: Option<Multiplexer>) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(sequence.len() + 16));
    match wrapped {
        None => out.extend_from_slice(sequence),
        Some(Multiplexer::Tmux) => {
            // DCS passthrough; every ESC inside is doubled. Needs `allow-passthrough on` (tmux ≥ 3.3).
            out.extend_from_slice(b"\x1bPtmux;");
            for &byte in sequence {
                if byte == 0x1b {
                    out.push(0x1b);
                }
                out.push(byte);
            }
            out.extend_from_slice(b"\x1b\\");
        }
        Some(Multiplexer::Screen) => {
            for chunk in sequence.chunks(SCREEN_CHUNK) {
                out.extend_from_slice(b"\x1bP");
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\x1b\\");
            }
        }
    }
    out
}

/// The bytes that put `text` on the terminal's clipboard (selection `c`, BEL-terminated,
/// which more terminals accept than the ST terminator).
pub fn osc52_copy_sequence(
    text: &str,
    wrapped: Option<Multiplexer>,
) -> Result<Zeroizing<Vec<u8>>, ClipboardError> {
    let encoded = Zeroizing::new(STANDARD.encode(text.as_bytes()));
    if encoded.len() > OSC52_MAX_BASE64 {
        return Err(ClipboardError::TooLarge {
            encoded: encoded.len(),
            max: OSC52_MAX_BASE64,
        });
    }
    let mut sequence = Zeroizing::new(Vec::with_capacity(encoded.len() + 8));
    sequence.extend_from_slice(b"\x1b]52;c;");
    sequence.extend_from_slice(encoded.as_bytes());
    sequence.push(0x07);
    Ok(wrap_for(&sequence, wrapped))
}

/// The bytes that empty the terminal's clipboard.
///
/// An empty payload, not xterm's `!`: terminals decode the payload as base64
/// and set the clipboard to the result, so empty base64 empties it in xterm,
/// kitty, Alacritty, WezTerm, foot and iTerm2, while `!` is an xterm-only
/// convention the others drop as invalid base64.
pub fn osc52_clear_sequence(wrapped: Option<Multiplexer>) -> Vec<u8> {
    wrap_for(b"\x1b]52;c;\x07", wrapped).to_vec()
}
