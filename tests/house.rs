//! The crate stays a house a newcomer can read: no source file over 600 lines,
//! no function over 80 (issue 12.5). Unit-test files (`tests.rs`) are test data,
//! not the house.
//! These read the sources and name the file or function that grew too long.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_FUNCTION_LINES: usize = 80;

/// Every `.rs` file under `path` (or `path` itself when it is a file).
fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path.to_owned());
        }
        return;
    }
    let entries =
        std::fs::read_dir(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    for entry in entries {
        rust_files(&entry.expect("a directory entry").path(), out);
    }
}

/// The crate's sources, without its unit-test files.
fn sources() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| f.file_name().is_none_or(|name| name != "tests.rs"));
    files.sort();
    files
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()))
}

/// `(name, first line, length)` of each `fn` item: from its `fn` line to the first
/// line after it that is a `}` at the same indentation (rustfmt's layout).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(fn_word) = words.iter().position(|w| *w == "fn") else {
            continue;
        };
        let is_item = words[..fn_word]
            .iter()
            .all(|w| *w == "pub" || w.starts_with("pub(") || *w == "async" || *w == "const");
        if !is_item || line.trim_start().starts_with("//") {
            continue;
        }
        let Some(name) = words.get(fn_word + 1) else {
            continue;
        };
        let name: String = name
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{}}}", &line[..indent]);
        if let Some(end) = lines[at + 1..].iter().position(|l| *l == close) {
            found.push((name, at + 1, end + 2));
        }
    }
    found
}

#[test]
fn the_function_finder_measures_from_fn_to_its_closing_brace() {
    let text = "fn short() {\n    body();\n}\n\nimpl X {\n    pub(crate) async fn method(&self) {\n        one();\n        two();\n    }\n}\n";
    assert_eq!(
        functions(text),
        vec![("short".to_owned(), 1, 3), ("method".to_owned(), 6, 4)]
    );
}

#[test]
fn no_source_file_is_over_600_lines() {
    let files = sources();
    assert!(
        files.len() >= 120,
        "expected every source of the crate, found {files:?}"
    );
    let long: Vec<String> = files
        .iter()
        .map(|file| (file, read(file).lines().count()))
        .filter(|(_, lines)| *lines > MAX_FILE_LINES)
        .map(|(file, lines)| format!("{}: {lines} lines", file.display()))
        .collect();
    assert!(
        long.is_empty(),
        "split these by concern (at most {MAX_FILE_LINES} lines): {long:#?}"
    );
}

#[test]
fn no_function_is_over_80_lines() {
    let mut long = Vec::new();
    for file in sources() {
        for (name, line, length) in functions(&read(&file)) {
            if length > MAX_FUNCTION_LINES {
                long.push(format!("{}:{line} {name}: {length} lines", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these into named steps (at most {MAX_FUNCTION_LINES} lines): {long:#?}"
    );
}
