//! The output edges of the headless face: tables, CSV, JSON, errors and
//! prompts, each sanitizing what it writes.

use std::io::Write;

use serde_json::{Value, json};

use crate::portal::{ErrorKind, PortalError};
use crate::text::sanitize;

use super::Io;

/// Prints an error (stderr; also stdout as JSON with --json) and returns its exit code.
pub(super) fn report_error(io: &mut Io<'_>, err: &PortalError, as_json: bool) -> u8 {
    write_error(&mut *io.stdout, &mut *io.stderr, err, as_json)
}

/// Reports an error met before a command could run (configuration, no tenant) on the
/// process's stderr, and as an `{"error": ...}` document on stdout with `--json`.
pub fn report_process_error(err: &PortalError, as_json: bool) -> u8 {
    write_error(&mut std::io::stdout(), &mut std::io::stderr(), err, as_json)
}

pub(super) fn write_error(
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    err: &PortalError,
    as_json: bool,
) -> u8 {
    let _ = writeln!(
        stderr,
        "{}",
        truncate_message(&sanitize_multiline(&format!("error: {err}")))
    );
    if let Some(hint) = err.hint() {
        let _ = writeln!(
            stderr,
            "{}",
            truncate_message(&sanitize_multiline(&format!("hint: {hint}")))
        );
    }
    if as_json {
        print_json_error(stdout, err);
    }
    err.exit_code()
}

/// Writes the `{"error": {message, code, hint, exit_code, kind}}` document of `--json`.
pub fn print_json_error(stdout: &mut dyn Write, err: &PortalError) {
    let doc = json!({"error": {
        "message": truncate_message(err.message()),
        "code": err.code().map(sanitize),
        "hint": err.hint(),
        "exit_code": err.exit_code(),
        "kind": match err.kind() {
            ErrorKind::Config => "usage",
            ErrorKind::Auth => "auth",
            ErrorKind::Failure => "failure",
        },
    }});
    let text = escape_c1(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    let _ = writeln!(stdout, "{text}");
}

/// A command line clap refused (unknown flag, missing `--org`), as a usage error.
pub fn clap_error(err: &clap::Error) -> PortalError {
    let text = err.render().to_string();
    // Paragraphs: the message (which may go on over indented lines), tips, usage, "try --help".
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    let message = paragraphs
        .first()
        .map(|p| p.strip_prefix("error: ").unwrap_or(p).to_owned())
        .unwrap_or_else(|| "the command line is not valid".to_owned());
    let mut hint: Vec<&str> = paragraphs
        .iter()
        .skip(1)
        .filter(|p| p.starts_with("tip:") || p.starts_with("Usage:"))
        .map(String::as_str)
        .collect();
    hint.push("See --help.");
    PortalError::usage(message)
        .with_code("usage")
        .with_hint(hint.join("; "))
}

/// Asks at the terminal (stderr) and reads one line: true when it is `expected`.
pub(super) fn confirmed_by_typing(io: &mut Io<'_>, prompt: &str, expected: &str) -> bool {
    ask(io, prompt);
    let mut answer = String::new();
    let _ = io.stdin.read_line(&mut answer);
    answer.trim() == expected
}

/// A value as a JSON document; a value serde cannot write is an error, never a `null`.
pub(super) fn to_json(value: &impl serde::Serialize) -> Result<Value, PortalError> {
    serde_json::to_value(value)
        .map_err(|e| PortalError::failure(format!("Cannot write the JSON document: {e}")))
}

pub(super) fn print_json(io: &mut Io<'_>, value: &Value) {
    let text = escape_c1(&serde_json::to_string_pretty(value).unwrap_or_default());
    let _ = writeln!(io.stdout, "{text}");
}

/// The human stdout edge: tenant text never reaches the terminal as a control sequence.
pub(super) fn out(io: &mut Io<'_>, text: &str) {
    let _ = io
        .stdout
        .write_all(sanitize_keeping_newlines(text).as_bytes());
}

/// The question edge: a prompt on stderr, sanitized, no line end (the answer follows).
pub(super) fn ask(io: &mut Io<'_>, prompt: &str) {
    let _ = write!(io.stderr, "{}", sanitize(prompt));
    let _ = io.stderr.flush();
}

/// The stderr edge: one line, sanitized and cut to a readable length.
pub(super) fn err_line(io: &mut Io<'_>, text: &str) {
    let _ = writeln!(io.stderr, "{}", truncate_message(&sanitize_multiline(text)));
}

/// Longest message echoed to stderr; the whole text goes to the log.
pub(super) const MAX_MESSAGE_CHARS: usize = 500;

/// Cuts a very long message (a 10 MB `error_description`) with a note; the log keeps it whole.
pub(super) fn truncate_message(text: &str) -> String {
    let total = text.chars().count();
    if total <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    tracing::warn!(message = %text, "message cut on stderr");
    let head: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    format!(
        "{head}… ({} more characters; the whole text is in the log)",
        total - MAX_MESSAGE_CHARS
    )
}

/// Sanitizes each line, keeping line ends (a trailing newline included).
pub(super) fn sanitize_keeping_newlines(text: &str) -> String {
    text.split('\n')
        .map(sanitize)
        .collect::<Vec<_>>()
        .join("\n")
}

/// serde_json escapes C0 controls but writes C1 controls (U+0080..U+009F), bidi overrides and
/// zero-width characters raw; escape them too (JSON `\u` escapes lose nothing).
pub(super) fn escape_c1(json: &str) -> String {
    let escaped =
        |c: char| ('\u{80}'..='\u{9f}').contains(&c) || crate::text::is_invisible_format(c);
    // Nearly every document has nothing to escape: one scan, one copy, no per-character work.
    if json.is_ascii() || !json.chars().any(escaped) {
        return json.to_owned();
    }
    let mut text = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if escaped(c) {
            use std::fmt::Write as _;
            let _ = write!(text, "\\u{:04x}", c as u32);
        } else {
            text.push(c);
        }
    }
    text
}

/// A secret or token from the tenant is printed only when it holds no control character.
pub(super) fn ensure_printable(what: &str, value: &str) -> Result<(), PortalError> {
    if value.chars().any(char::is_control) {
        return Err(PortalError::failure(format!(
            "The {what} Auth0 returned contains control characters; it was not printed"
        ))
        .with_hint(
            "This is not what Auth0 sends: check that the domain points at your real tenant.",
        ));
    }
    Ok(())
}

pub(super) fn pretty(value: &Value) -> String {
    sanitize_multiline(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// Sanitizes each line (keeping the newlines of pretty JSON).
pub(super) fn sanitize_multiline(text: &str) -> String {
    text.lines().map(sanitize).collect::<Vec<_>>().join("\n")
}

/// A list as an aligned table, or as CSV with `--csv` (cells whole, never cut).
pub(super) fn print_list(
    io: &mut Io<'_>,
    csv: bool,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<(), PortalError> {
    if csv {
        let mut all = vec![headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
        all.extend(rows.iter().cloned());
        out(io, &csv_text(&all)?);
    } else {
        out(io, &table(headers, rows));
    }
    Ok(())
}

/// Rows as CSV (RFC 4180: quoted when a cell holds a comma, quote or line break).
/// Through the one CSV writer ([`crate::output`]): cells sanitized, formulas defused, LF.
pub fn csv_text(rows: &[Vec<String>]) -> Result<String, PortalError> {
    crate::output::csv_records(rows, crate::output::LineEnd::Lf)
        .map_err(|e| PortalError::failure(format!("Cannot write CSV: {e}")))
}

/// An aligned table with a header row.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut all = vec![headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
    all.extend(rows.iter().cloned());
    table_rows(&all)
}

/// The widest a table cell is printed; longer text ends in an ellipsis (`--json`
/// has it whole). Ids (at most 32 characters on Auth0) are never cut.
pub(super) const MAX_CELL: usize = 80;

/// A cell cut to [`MAX_CELL`] characters.
/// The table edge: tenant text is sanitized here (before widths are measured, so an
/// escaped control character takes the room it is drawn in), then cut.
pub(super) fn fit_cell(cell: &str) -> String {
    let cell = sanitize(cell);
    if cell.chars().count() <= MAX_CELL {
        return cell;
    }
    let mut cut: String = cell.chars().take(MAX_CELL - 1).collect();
    cut.push('…');
    cut
}

/// Aligned columns, two spaces apart, no trailing spaces; long cells are cut.
pub(super) fn table_rows(rows: &[Vec<String>]) -> String {
    format_rows(&column_widths(rows), rows)
}

/// The width of each column (cells cut to [`MAX_CELL`]).
pub(super) fn column_widths(rows: &[Vec<String>]) -> Vec<usize> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| fit_cell(cell).chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Rows laid out in columns of these widths (a wider cell pushes its row's next
/// column along, two spaces after it), no trailing spaces; long cells are cut.
pub(super) fn format_rows(widths: &[usize], rows: &[Vec<String>]) -> String {
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let cell = fit_cell(cell);
            line.push_str(&cell);
            if c + 1 < row.len() {
                let width = widths.get(c).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.chars().count()) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::PortalOptions;

    #[test]
    fn a_value_json_cannot_hold_is_an_error_not_a_null() {
        let unwritable: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = to_json(&unwritable).expect_err("a map with tuple keys has no JSON form");
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.message().contains("Cannot write the JSON document"),
            "{err}"
        );
        assert_eq!(to_json(&[1, 2]).unwrap(), json!([1, 2]));
    }

    /// Tenant text is made visible at the edges (table cells, CSV cells, prompts), not
    /// by each caller: a raw control character handed to them never comes out raw.
    #[test]
    fn the_output_edges_sanitize_what_callers_hand_them() {
        let text = table(
            &["NAME", "ID"],
            &[
                vec!["evil\x1b[2J".to_owned(), "a".to_owned()],
                vec!["ok".to_owned(), "b".to_owned()],
            ],
        );
        assert!(!text.contains('\x1b'), "{text:?}");
        let lines: Vec<&str> = text.lines().collect();
        // Widths are measured on the escaped text: the ids stay in one column.
        assert_eq!(lines[1].rfind('a'), lines[2].rfind('b'));
        let csv = csv_text(&[vec!["a\u{202e}b".to_owned(), "c\x07".to_owned()]]).unwrap();
        assert_eq!(csv, "a\\u{202e}b,c\\x07\n");
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut stdin: &[u8] = b"";
        let mut io = Io {
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdin: &mut stdin,
            stdin_is_terminal: true,
            stderr_is_terminal: false,
            no_input: false,
            client_secret_env: None,
            credentials: None,
            portal: PortalOptions::default(),
            interrupt: crate::commands::Interrupt::default(),
        };
        assert!(!confirmed_by_typing(
            &mut io,
            "Delete \x1b]52;c;AAAA\x07? ",
            "x"
        ));
        assert_eq!(
            String::from_utf8(stderr).unwrap(),
            "Delete \\x1b]52;c;AAAA\\x07? "
        );
    }

    #[test]
    fn tables_align_columns() {
        let text = table(
            &["ID", "NAME"],
            &[
                vec!["org_1".into(), "acme".into()],
                vec!["org_22".into(), "globex".into()],
            ],
        );
        assert_eq!(text, "ID      NAME\norg_1   acme\norg_22  globex\n");
    }

    #[test]
    fn a_huge_cell_is_cut_with_an_ellipsis_instead_of_padding_every_row() {
        let long = "W".repeat(5_000);
        let text = table(
            &["ID", "NAME", "CREATED"],
            &[
                vec!["org_1".into(), long, "today".into()],
                vec!["org_2".into(), "acme".into(), "today".into()],
            ],
        );
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest < MAX_CELL + 30, "{widest}");
        assert!(text.contains(&format!("{}…", "W".repeat(MAX_CELL - 1))));
    }

    /// Runs `report_error` on buffers and returns (stdout, stderr) as raw bytes.
    fn report(err: &PortalError, as_json: bool) -> (Vec<u8>, Vec<u8>) {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut stdin: &[u8] = b"";
        let mut io = Io {
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdin: &mut stdin,
            stdin_is_terminal: false,
            stderr_is_terminal: false,
            no_input: false,
            client_secret_env: None,
            portal: PortalOptions::default(),
            credentials: None,
            interrupt: crate::commands::Interrupt::default(),
        };
        report_error(&mut io, err, as_json);
        (stdout, stderr)
    }

    fn has_control(bytes: &[u8]) -> bool {
        let text = String::from_utf8_lossy(bytes);
        text.chars().any(|c| c.is_control() && c != '\n')
    }

    #[test]
    fn a_hostile_error_code_never_reaches_the_terminal_raw() {
        let err = PortalError::new(ErrorKind::Auth, "Auth0 refused: \x1b[2Jgone\u{9b}31m")
            .with_code("\x1b]52;c;AAAA\x07\x1b[2J")
            .with_hint("\u{85}next");
        for as_json in [false, true] {
            let (stdout, stderr) = report(&err, as_json);
            assert!(!has_control(&stderr), "stderr: {stderr:?}");
            assert!(!has_control(&stdout), "stdout: {stdout:?}");
            assert!(String::from_utf8_lossy(&stderr).contains("\\x1b]52"));
        }
        let (stdout, _) = report(&err, true);
        let doc: Value = serde_json::from_slice(&stdout).expect("the error document is JSON");
        assert!(
            doc["error"]["code"]
                .as_str()
                .is_some_and(|c| c.contains("\\x1b"))
        );
    }

    #[test]
    fn json_output_escapes_c1_controls_that_serde_json_leaves_raw() {
        let text = escape_c1(&serde_json::to_string(&json!({"name": "a\u{9b}b"})).expect("json"));
        assert_eq!(text, r#"{"name":"a\u009bb"}"#);
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back["name"], "a\u{9b}b");
    }

    #[test]
    fn a_huge_error_description_is_cut_with_a_note() {
        let err = PortalError::failure("x".repeat(10_000_000));
        let (_, stderr) = report(&err, false);
        assert!(stderr.len() < 2_000, "{} bytes on stderr", stderr.len());
        assert!(
            String::from_utf8_lossy(&stderr)
                .contains("more characters; the whole text is in the log")
        );
    }

    #[test]
    fn a_secret_with_control_characters_is_refused_not_printed() {
        let err = ensure_printable("client secret", "abc\x1b]52;c;AAAA\x07").expect_err("refused");
        assert!(err.message().contains("control characters"));
        assert!(!err.message().contains("AAAA"));
        assert!(ensure_printable("client secret", "plain-secret_123").is_ok());
    }
}
