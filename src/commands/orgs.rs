//! `orgs`: list (streamed pages with progress, as a table, JSON, JSON lines or
//! CSV), create, and the members and invitations subcommands.

use serde_json::json;

use crate::args::OrgsCommand;
use crate::portal::{Organization, Portal, PortalError};
use crate::text::sanitize;

use super::Io;
use super::members::run_invitations;
use super::members::run_members;
use super::print::{
    column_widths, csv_text, err_line, escape_c1, format_rows, out, print_json, table, to_json,
};

/// Runs an `orgs` subcommand.
pub(super) async fn run_orgs(
    command: &OrgsCommand,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match command {
        OrgsCommand::Members(members) => run_members(members, portal, io).await,
        OrgsCommand::Invitations(invitations) => run_invitations(invitations, portal, io).await,
        OrgsCommand::List {
            search,
            json,
            jsonl,
            csv,
        } => {
            let format = if *json {
                ListFormat::Json
            } else if *jsonl {
                ListFormat::Jsonl
            } else if *csv {
                ListFormat::Csv
            } else {
                ListFormat::Table
            };
            list_organizations(portal, io, search.as_deref(), format).await
        }
        OrgsCommand::Create {
            name,
            display_name,
            json,
        } => {
            let org = portal
                .create_organization(name, display_name.as_deref())
                .await?;
            if *json {
                let mut doc = to_json(&org)?;
                doc["tenant"] = json!(portal.settings().tenant_name());
                print_json(io, &doc);
            } else {
                out(
                    io,
                    &table(
                        &["ID", "NAME", "DISPLAY NAME"],
                        &[vec![
                            org.id.clone(),
                            org.name.clone(),
                            org.display_name.as_deref().unwrap_or("").to_owned(),
                        ]],
                    ),
                );
                err_line(
                    io,
                    &format!(
                        "Organization created on {}.",
                        portal.settings().tenant_name()
                    ),
                );
            }
            Ok(0)
        }
    }
}

/// `orgs list`: rows (or JSON lines) are printed page by page as they arrive, with a
/// progress line on stderr when it is a terminal; `--json` prints one array at the end.
pub(super) async fn list_organizations(
    portal: &Portal,
    io: &mut Io<'_>,
    search: Option<&str>,
    format: ListFormat,
) -> Result<u8, PortalError> {
    let needle = search.map(str::to_lowercase);
    let matches = |org: &Organization| needle.as_deref().is_none_or(|n| org.matches(n));
    let mut progress = Progress::new(io.stderr_is_terminal);
    let mut listing = Listing::new(format);
    let (mut read, mut found) = (0usize, 0usize);
    // A request held back by the rate limit says so on the progress line (a terminal only).
    let (waits_tx, mut waits) = tokio::sync::mpsc::unbounded_channel::<std::time::Duration>();
    if io.stderr_is_terminal {
        portal
            .auth0()
            .set_rate_limit_observer(Some(std::sync::Arc::new(move |w| {
                let _ = waits_tx.send(w.wait);
            })));
    }
    let mut pages = std::pin::pin!(portal.auth0().organization_pages(crate::auth0::MAX_PAGE));
    loop {
        let next = next_page(&mut pages, &mut waits, &mut progress, io, read).await;
        let page = match next {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(e) => {
                portal.auth0().set_rate_limit_observer(None);
                progress.clear(io);
                return Err(PortalError::management("listing organizations", &e));
            }
        };
        read += page.items.len();
        let orgs: Vec<Organization> = page
            .items
            .into_iter()
            .map(Organization::from)
            .filter(|o| matches(o))
            .collect();
        found += orgs.len();
        progress.clear(io);
        listing.write_page(io, orgs)?;
        let _ = io.stdout.flush();
        progress.show(
            io,
            &match needle {
                Some(_) => format!(
                    "read {} organizations, {} match…",
                    thousands(read),
                    thousands(found)
                ),
                None => format!("read {} organizations…", thousands(read)),
            },
        );
    }
    portal.auth0().set_rate_limit_observer(None);
    progress.clear(io);
    let tenant = portal.settings().tenant_name();
    listing.finish(io)?;
    err_line(io, &format!("{found} organization(s) on {tenant}"));
    Ok(0)
}

/// The next page of organizations; while it is held back by the rate limit, the
/// progress line says how long.
async fn next_page<S, T, E>(
    pages: &mut S,
    waits: &mut tokio::sync::mpsc::UnboundedReceiver<std::time::Duration>,
    progress: &mut Progress,
    io: &mut Io<'_>,
    read: usize,
) -> Result<Option<T>, E>
where
    S: futures_util::Stream<Item = Result<T, E>> + Unpin,
{
    use futures_util::TryStreamExt as _;
    let mut next = std::pin::pin!(pages.try_next());
    loop {
        tokio::select! {
            result = &mut next => break result,
            Some(wait) = waits.recv() => progress.show(
                io,
                &format!(
                    "read {} organizations · Auth0 rate limit: waiting {:.1} s…",
                    thousands(read),
                    wait.as_secs_f64()
                ),
            ),
        }
    }
}

/// The columns of `orgs list`.
const ORG_HEADERS: [&str; 3] = ["ID", "NAME", "DISPLAY NAME"];

/// What `orgs list` has written so far: each page as it arrives (a table whose
/// widths the first page fixes, CSV, JSON lines), or every match kept for the
/// one JSON document at the end.
struct Listing {
    format: ListFormat,
    collected: Vec<Organization>,
    /// Set once the header is out (the table's column widths; empty for CSV).
    widths: Option<Vec<usize>>,
}

impl Listing {
    fn new(format: ListFormat) -> Self {
        Self {
            format,
            collected: Vec::new(),
            widths: None,
        }
    }

    fn header() -> Vec<String> {
        ORG_HEADERS.iter().map(|h| (*h).to_owned()).collect()
    }

    /// Writes one page's matches (or keeps them, for `--json`).
    fn write_page(&mut self, io: &mut Io<'_>, orgs: Vec<Organization>) -> Result<(), PortalError> {
        match self.format {
            ListFormat::Json => self.collected.extend(orgs),
            ListFormat::Jsonl => {
                for org in &orgs {
                    let line = to_json(org)?.to_string();
                    let _ = writeln!(io.stdout, "{}", escape_c1(&line));
                }
            }
            ListFormat::Csv => {
                let mut rows: Vec<Vec<String>> = Vec::new();
                if self.widths.is_none() {
                    // The header once, before the first page (also when nothing matches).
                    self.widths = Some(Vec::new());
                    rows.push(Self::header());
                }
                rows.extend(orgs.iter().map(org_row));
                out(io, &csv_text(&rows)?);
            }
            ListFormat::Table if !orgs.is_empty() => {
                let rows: Vec<Vec<String>> = orgs.iter().map(org_row).collect();
                let mut text = String::new();
                let widths = self.widths.get_or_insert_with(|| {
                    let mut all = vec![Self::header()];
                    all.extend(rows.iter().cloned());
                    let widths = column_widths(&all);
                    text.push_str(&format_rows(&widths, &all[..1]));
                    widths
                });
                text.push_str(&format_rows(widths, &rows));
                out(io, &text);
            }
            ListFormat::Table => {}
        }
        Ok(())
    }

    /// The JSON document, or the header alone when no page had a match.
    fn finish(self, io: &mut Io<'_>) -> Result<(), PortalError> {
        match self.format {
            ListFormat::Json => print_json(io, &to_json(&self.collected)?),
            ListFormat::Csv if self.widths.is_none() => out(io, &csv_text(&[Self::header()])?),
            ListFormat::Table if self.widths.is_none() => out(io, &table(&ORG_HEADERS, &[])),
            _ => {}
        }
        Ok(())
    }
}

pub(super) fn org_row(org: &Organization) -> Vec<String> {
    vec![
        org.id.clone(),
        org.name.clone(),
        org.display_name.as_deref().unwrap_or("").to_owned(),
    ]
}

/// "1,200": a count as people read it.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut text = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(c);
    }
    text
}

/// A progress line on stderr, redrawn in place; a no-op unless stderr is a terminal, so
/// piped or redirected output never holds it.
pub(super) struct Progress {
    enabled: bool,
    shown: bool,
}

impl Progress {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            shown: false,
        }
    }

    fn show(&mut self, io: &mut Io<'_>, text: &str) {
        if self.enabled {
            let _ = write!(io.stderr, "\r{}\x1b[K", sanitize(text));
            let _ = io.stderr.flush();
            self.shown = true;
        }
    }

    fn clear(&mut self, io: &mut Io<'_>) {
        if self.shown {
            let _ = write!(io.stderr, "\r\x1b[K");
            let _ = io.stderr.flush();
            self.shown = false;
        }
    }
}

/// How `orgs list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}
