//! The headless face's import graph runs one way: `cli → commands → args`
//! (issue 12.5). `cli` parses and hands over; `commands` runs a parsed command and
//! never reaches back into `cli`; `args` (the clap types) is a leaf that knows
//! neither. These read the sources and name the line that brings a circle back.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code lines (not comments) of `files` that name one of `modules` as a path.
fn references(files: &[PathBuf], modules: &[&str]) -> Vec<String> {
    files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file)
                .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            text.lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .filter(|line| modules.iter().any(|module| names(line, module)))
                .map(|line| format!("{}: {}", file.display(), line.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// True when `line` names `crate::MODULE` itself (`crate::cli` is not `crate::clipboard`).
fn names(line: &str, module: &str) -> bool {
    let path = format!("crate::{module}");
    line.match_indices(&path).any(|(at, _)| {
        !line[at + path.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn a_module_is_named_only_by_its_own_path() {
    assert!(names("use crate::cli::Cli;", "cli"));
    assert!(names("crate::cli", "cli"));
    assert!(!names("use crate::clipboard::Clipboard;", "cli"));
}

fn src(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(path)
}

#[test]
fn commands_never_import_cli() {
    let files = sources(&src("commands"));
    assert!(
        files.len() >= 10,
        "expected the command files, found {files:?}"
    );
    let found = references(&files, &["cli"]);
    assert!(
        found.is_empty(),
        "commands take parsed types from crate::args, never crate::cli:\n{}",
        found.join("\n")
    );
}

#[test]
fn args_is_a_leaf_of_cli_and_commands() {
    let files = sources(&src("args"));
    assert!(
        files.len() >= 3,
        "expected the args module's files, found {files:?}"
    );
    let found = references(&files, &["cli", "commands"]);
    assert!(
        found.is_empty(),
        "the clap types import neither crate::cli nor crate::commands:\n{}",
        found.join("\n")
    );
}
