//! Output formats shared by the list commands: the one CSV writer behind every
//! `--csv`. RFC 4180 quoting by the `csv` crate, tenant text sanitized like
//! every other terminal output, and cells a spreadsheet would run as a formula
//! defused.

use std::io::Write;

/// How CSV lines end: CRLF as RFC 4180 writes it (`keys list --csv`), or LF
/// (the other lists, which stream page by page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    Crlf,
    Lf,
}

/// Writes rows as CSV.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// A CRLF writer with this header line.
    pub fn new(out: W, headers: &[&str]) -> std::io::Result<Self> {
        let mut writer = Self::bare(out, LineEnd::Crlf);
        writer.inner.write_record(headers).map_err(into_io)?;
        Ok(writer)
    }

    /// A writer with no header line (a later page of a streamed list).
    pub fn bare(out: W, end: LineEnd) -> Self {
        let terminator = match end {
            LineEnd::Crlf => csv::Terminator::CRLF,
            LineEnd::Lf => csv::Terminator::Any(b'\n'),
        };
        let inner = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(terminator)
            .from_writer(out);
        Self { inner }
    }

    /// One row; each cell is sanitized and, if it starts like a formula
    /// (`=`, `+`, `-`, `@`), prefixed with `'` so a spreadsheet shows it as text.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> std::io::Result<()> {
        let cells: Vec<String> = cells.iter().map(|c| cell(c.as_ref())).collect();
        self.inner.write_record(&cells).map_err(into_io)
    }

    /// Flushes and hands the output back.
    pub fn finish(self) -> std::io::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn into_io(err: csv::Error) -> std::io::Error {
    std::io::Error::other(err.to_string())
}

fn cell(text: &str) -> String {
    let clean = crate::text::sanitize(text);
    // A lone "-" is the lists' "none", not a formula.
    if clean.starts_with(['=', '+', '-', '@']) && clean != "-" {
        format!("'{clean}")
    } else {
        clean
    }
}

/// Records as one CSV text, exactly as given (no header added).
pub fn csv_records<S: AsRef<str>>(rows: &[Vec<S>], end: LineEnd) -> std::io::Result<String> {
    let mut writer = CsvWriter::bare(Vec::new(), end);
    for row in rows {
        writer.row(row)?;
    }
    let bytes = writer.finish()?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

/// Rows as one CSV text (header first).
pub fn csv_string<S: AsRef<str>>(headers: &[&str], rows: &[Vec<S>]) -> String {
    let mut writer = match CsvWriter::new(Vec::new(), headers) {
        Ok(writer) => writer,
        Err(_) => return String::new(),
    };
    for row in rows {
        if writer.row(row).is_err() {
            break;
        }
    }
    writer
        .finish()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_sanitized_and_defused() {
        let text = csv_string(
            &["name", "scope"],
            &[
                vec!["a, \"b\"", "read:x write:y"],
                vec!["=HYPERLINK(\"http://evil\")", "-1"],
                vec!["evil\u{1b}[2J", ""],
            ],
        );
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "name,scope");
        assert_eq!(lines[1], "\"a, \"\"b\"\"\",read:x write:y");
        assert_eq!(lines[2], "\"'=HYPERLINK(\"\"http://evil\"\")\",'-1");
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }

    #[test]
    fn records_end_in_lf_and_keep_the_none_dash() {
        let text = csv_records(&[vec!["=1+1", "-", "a, b"]], LineEnd::Lf).unwrap_or_default();
        assert_eq!(text, "'=1+1,-,\"a, b\"\n");
    }
}
