//! Text that comes from the tenant (names, metadata, error messages) is drawn
//! as text: control characters are made visible so a crafted organization
//! name cannot drive the terminal, and invisible formatting characters
//! (bidi overrides, zero-width characters) are shown so a look-alike name
//! cannot pass for another one. Also the one way durations are written.

use std::fmt::Write as _;

/// True for the characters that change how text around them is shown without
/// showing themselves: bidi embeddings, overrides, isolates and marks, and the
/// zero-width characters.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
            | '\u{202A}'..='\u{202E}' // LRE, RLE, PDF, LRO, RLO
            | '\u{2060}' // word joiner
            | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
            | '\u{061C}' // Arabic letter mark
            | '\u{FEFF}' // zero-width no-break space (BOM)
    )
}

/// Replaces control characters (C0, DEL, C1) with visible escapes (`\u{1b}` → `\x1b`)
/// and invisible formatting characters with `\u{200b}`-style escapes; everything
/// else (accents, CJK, emoji) is kept as is. One pass, linear in the input.
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_control() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else if is_invisible_format(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// A value as a `.env` line holds it, read the same by dotenv parsers and shells:
/// bare when safe, else in double quotes, else in single quotes.
pub fn dotenv_value(value: &str) -> String {
    let special = |c: char| matches!(c, '"' | '\'' | '#' | '$' | '\\' | '`');
    if !value.chars().any(|c| c.is_whitespace() || special(c)) {
        return value.to_owned();
    }
    if !value.chars().any(|c| matches!(c, '"' | '$' | '\\' | '`')) {
        return format!("\"{value}\"");
    }
    if !value.contains('\'') {
        return format!("'{value}'");
    }
    // Both quote kinds and more: escape inside double quotes (\\, \", \$).
    let mut quoted = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// A value as one POSIX shell word: single-quoted, `'` written as `'\''`.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The one duration style of the app: "45 s", "4 min 59 s", "15 min",
/// "23 h 59 min", "3 d 4 h", "56 y 349 d" (a year is 365 days); two units at
/// most, and whole minutes without "0 s".
pub fn duration(secs: u64) -> String {
    const MIN: u64 = 60;
    const HOUR: u64 = 60 * MIN;
    const DAY: u64 = 24 * HOUR;
    const YEAR: u64 = 365 * DAY;
    match secs {
        s if s < MIN => format!("{s} s"),
        s if s < HOUR && s % MIN == 0 => format!("{} min", s / MIN),
        s if s < HOUR => format!("{} min {} s", s / MIN, s % MIN),
        s if s < DAY => format!("{} h {} min", s / HOUR, s % HOUR / MIN),
        s if s < YEAR => format!("{} d {} h", s / DAY, s % DAY / HOUR),
        s => format!("{} y {} d", s / YEAR, s % YEAR / DAY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_values_read_back_whole() {
        for value in [
            "plain",
            "read:reports write:events",
            "has $dollar and \"quotes\"",
            "it's `odd` $x \"y\" \\z",
            "http://127.0.0.1:8787",
        ] {
            let line = format!("K={}\n", dotenv_value(value));
            let parsed: Vec<(String, String)> = dotenvy::from_read_iter(line.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(parsed, vec![("K".to_owned(), value.to_owned())], "{line}");
        }
        assert_eq!(dotenv_value("a b"), "\"a b\"");
    }

    #[test]
    fn escape_sequences_are_made_visible() {
        assert_eq!(
            sanitize("acme\x1b]52;c;AAAA\x07"),
            "acme\\x1b]52;c;AAAA\\x07"
        );
        assert_eq!(sanitize("new\nline"), "new\\x0aline");
        assert_eq!(sanitize("Café ünïcode"), "Café ünïcode");
    }

    #[test]
    fn bidi_and_zero_width_characters_are_made_visible() {
        assert_eq!(sanitize("glo\u{200b}bex"), "glo\\u{200b}bex");
        assert_eq!(sanitize("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(sanitize("\u{feff}x\u{2060}"), "\\u{feff}x\\u{2060}");
        assert_eq!(sanitize("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        assert_eq!(
            sanitize("\u{200e}\u{200f}\u{061c}"),
            "\\u{200e}\\u{200f}\\u{61c}"
        );
        // Ordinary Unicode is kept.
        assert_eq!(sanitize("東京 🚀 Zürich ña"), "東京 🚀 Zürich ña");
    }

    #[test]
    fn every_code_point_in_the_relevant_ranges_is_handled() {
        // Exhaustive over C0, C1, the general punctuation block, Arabic and the specials.
        let ranges = [
            0x0000..=0x00FF,
            0x0600..=0x06FF,
            0x2000..=0x206F,
            0xFE00..=0xFFFF,
        ];
        let must_escape: Vec<u32> = [0x200B, 0x200C, 0x200D, 0x200E, 0x200F]
            .into_iter()
            .chain(0x202A..=0x202E)
            .chain([0x2060, 0x061C, 0xFEFF])
            .chain(0x2066..=0x2069)
            .collect();
        for range in ranges {
            for code in range {
                let Some(c) = char::from_u32(code) else {
                    continue;
                };
                let input = format!("a{c}b");
                let out = sanitize(&input);
                let escaped = c.is_control() || must_escape.contains(&code);
                if escaped {
                    assert!(!out.contains(c), "U+{code:04X} passed through raw");
                    assert!(
                        out.starts_with("a\\") && out.ends_with('b'),
                        "U+{code:04X}: {out}"
                    );
                    assert!(
                        out.chars()
                            .all(|o| !o.is_control() && !is_invisible_format(o))
                    );
                } else {
                    assert_eq!(out, input, "U+{code:04X} was changed");
                }
            }
        }
    }

    #[test]
    fn sanitize_is_linear_on_huge_input() {
        let input = "\u{202e}\x1bé".repeat(200_000);
        let start = std::time::Instant::now();
        let out = sanitize(&input);
        assert_eq!(out.len(), 200_000 * ("\\u{202e}\\x1bé".len()));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn durations_have_one_style_and_stay_sane_when_huge() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(299), "4 min 59 s");
        assert_eq!(duration(86_399), "23 h 59 min");
        assert_eq!(duration(86_400), "1 d 0 h");
        assert_eq!(duration(120), "2 min");
        assert_eq!(duration(900), "15 min");
        // 498948 h 11 min, as a person reads it.
        assert_eq!(duration(498_948 * 3600 + 660), "56 y 349 d");
        assert_eq!(duration(u64::MAX), "584942417355 y 26 d");
    }
}
