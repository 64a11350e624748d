//! Text that comes from the tenant (names, metadata, error messages) is drawn
//! as text: control characters are made visible so a crafted organization
//! name cannot drive the terminal.

/// Replaces control characters (C0, DEL, C1) with visible escapes (`\u{1b}` → `␛`-style `\x1b`).
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escape_sequences_are_made_visible() {
        assert_eq!(
            sanitize("acme\x1b]52;c;AAAA\x07"),
            "acme\\x1b]52;c;AAAA\\x07"
        );
        assert_eq!(sanitize("new\nline"), "new\\x0aline");
        assert_eq!(sanitize("Café ünïcode"), "Café ünïcode");
    }
}
