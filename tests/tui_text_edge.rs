//! Tenant text is made safe at the TUI's output edge, not at each call site: the
//! drawing helpers of `tui/widgets/text.rs` (with `panel::table`, which uses them) and
//! the status line (`ctx::Status::new`, `ctx::describe`). These read the sources so a
//! file that sanitizes on its own, or a screen that draws around the edge, is named.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, subdirectories included.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn tui() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui")
}

/// The code lines of `file` (comments left out) that contain one of `needles`.
fn lines_with(file: &Path, needles: &[&str]) -> Vec<String> {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| needles.iter().any(|n| line.contains(n)))
        .map(|(at, line)| format!("{}:{}: {}", file.display(), at + 1, line.trim()))
        .collect()
}

#[test]
fn only_the_output_edge_sanitizes_tenant_text_in_the_tui() {
    let root = tui();
    // The edge itself; the status line's edge; and a URL handed to the browser, never drawn.
    let edge = [
        root.join("widgets/text.rs"),
        root.join("ctx.rs"),
        root.join("effects/signin.rs"),
    ];
    let files = sources(&root);
    assert!(
        files.len() >= 30,
        "expected the TUI's source files, found {files:?}"
    );
    let found: Vec<String> = files
        .iter()
        .filter(|f| !edge.contains(f))
        .flat_map(|f| lines_with(f, &["sanitize"]))
        .collect();
    assert!(
        found.is_empty(),
        "draw tenant text through tui::widgets::text (span, line, paragraph, clean), \
         panel::table or the status line instead of sanitizing it here:\n{}",
        found.join("\n")
    );
}

#[test]
fn screens_draw_paragraphs_and_tables_through_the_edge() {
    let files = sources(&tui().join("screens"));
    assert!(
        files.len() >= 12,
        "expected the screens' files, found {files:?}"
    );
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| lines_with(f, &["Paragraph::new(", "Row::new(", "Table::new("]))
        .collect();
    assert!(
        found.is_empty(),
        "screens draw text with text::paragraph and tables with panel::table, which make \
         tenant text safe:\n{}",
        found.join("\n")
    );
}

#[test]
fn files_split_out_of_the_screens_never_import_the_app() {
    let files = sources(&tui().join("screens"));
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| lines_with(f, &["tui::app", "super::app", "super::super::app"]))
        .collect();
    assert!(
        found.is_empty(),
        "screens import from tui::msg and tui::ctx, not tui::app:\n{}",
        found.join("\n")
    );
}

mod behaviour {
    use m2m_portal::tui::ctx::{Status, StatusKind};
    use m2m_portal::tui::theme::Theme;
    use m2m_portal::tui::widgets::{panel, text};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Constraint;
    use ratatui::text::Line;
    use ratatui::widgets::{Block, Borders};

    const HOSTILE: &str = "evil\u{1b}]52;c;eA==\u{7}\u{202e}name";
    const SHOWN: &str = "evil\\x1b]52;c;eA==\\x07\\u{202e}name";

    fn screen_text(terminal: &Terminal<TestBackend>) -> String {
        let buffer = terminal.backend().buffer();
        let mut text = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                text.push_str(buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        text
    }

    #[test]
    fn a_status_message_holds_tenant_text_made_visible() {
        let status = Status::new(StatusKind::Error, format!("revoked {HOSTILE}"));
        assert_eq!(status.text, format!("revoked {SHOWN}"));
        assert_eq!(Status::new(StatusKind::Error, &status.text), status);
    }

    #[test]
    fn a_table_makes_every_raw_cell_safe_before_it_is_laid_out() {
        let mut terminal = Terminal::new(TestBackend::new(80, 6)).expect("a test terminal");
        let theme = Theme::colored();
        terminal
            .draw(|frame| {
                let columns = panel::Columns {
                    block: Block::default().borders(Borders::ALL),
                    header: &["Name", "Id"],
                    widths: &[Constraint::Length(40), Constraint::Fill(1)],
                    spacing: 1,
                    row_gap: 0,
                };
                let rows = vec![vec![Line::raw(HOSTILE), Line::raw("org_\u{0}1")]];
                panel::table(frame, frame.area(), &theme, columns, rows, Some((0, 0)));
            })
            .expect("drawn");
        let shown = screen_text(&terminal);
        assert!(shown.contains(SHOWN), "{shown}");
        assert!(shown.contains("org_\\x001"), "{shown}");
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
    }

    #[test]
    fn a_paragraph_makes_every_raw_line_safe() {
        let mut terminal = Terminal::new(TestBackend::new(60, 3)).expect("a test terminal");
        terminal
            .draw(|frame| {
                let lines = vec![Line::raw("plain"), Line::raw(HOSTILE)];
                frame.render_widget(text::paragraph(lines), frame.area());
            })
            .expect("drawn");
        let shown = screen_text(&terminal);
        assert!(shown.contains("plain"), "{shown}");
        assert!(shown.contains(SHOWN), "{shown}");
    }
}
