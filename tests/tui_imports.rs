//! The TUI's import graph runs one way: app → screens/widgets → vocabulary
//! (`tui::msg`, `tui::ctx`). A screen, widget or vocabulary file that reaches back
//! into `tui::app` brings the circle back, so these read the sources and say which
//! file does.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
}

/// The lines of `file` that name the app module.
fn app_references(file: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| {
            line.contains("tui::app")
                || line.contains("super::app")
                || line.contains("super::super::app")
        })
        .map(|line| format!("{}: {}", file.display(), line.trim()))
        .collect()
}

#[test]
fn screens_and_widgets_never_import_the_app() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut files = sources(&root.join("screens"));
    files.extend(sources(&root.join("widgets")));
    assert!(
        files.len() >= 10,
        "expected the screen and widget files, found {files:?}"
    );
    let found: Vec<String> = files.iter().flat_map(|f| app_references(f)).collect();
    assert!(
        found.is_empty(),
        "screens and widgets import from tui::msg and tui::ctx, not tui::app:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_vocabulary_modules_are_leaves_of_the_app() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let found: Vec<String> = ["msg.rs", "ctx.rs"]
        .iter()
        .flat_map(|name| app_references(&root.join(name)))
        .collect();
    assert!(
        found.is_empty(),
        "tui::msg and tui::ctx must not import tui::app:\n{}",
        found.join("\n")
    );
}
