//! The Auth0 example bodies in `tests/fixtures/auth0/*.json`, each naming the
//! request it answers, its status (null for request bodies) and the body.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The folder of Auth0 examples copied into the project.
pub const FIXTURE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/auth0");

/// One example file: `{request, status, note?, headers?, body}`.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// File name, e.g. `organization-conflict.json`.
    pub name: String,
    /// The request the example belongs to, in words (`POST /api/v2/clients`).
    pub request: String,
    /// The answer's status; `None` for a request body.
    pub status: Option<u16>,
    /// Response headers the example shows, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The example body.
    pub body: Value,
}

impl Fixture {
    /// The `/api/v2/...` paths the request text names (one example may name two).
    pub fn management_paths(&self) -> Vec<&str> {
        self.request
            .split_whitespace()
            .filter(|word| word.starts_with("/api/v2/"))
            .collect()
    }

    /// The HTTP method the request text starts with, if it starts with one.
    pub fn method(&self) -> Option<&str> {
        let first = self.request.split_whitespace().next()?;
        ["GET", "POST", "PATCH", "PUT", "DELETE"]
            .contains(&first)
            .then_some(first)
    }
}

/// Reads one example by file name; panics with the file's name if it is malformed.
pub fn fixture(name: &str) -> Fixture {
    load(&Path::new(FIXTURE_DIR).join(name))
}

/// Every example file (not the OpenAPI description), sorted by name.
pub fn all_fixtures() -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(FIXTURE_DIR)
        .unwrap_or_else(|e| panic!("cannot list {FIXTURE_DIR}: {e}"))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("cannot list {FIXTURE_DIR}: {e}"))
                .path()
        })
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.ends_with("management-api.openapi.json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

fn load(path: &Path) -> Fixture {
    let shown = path.display();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {shown}: {e}"));
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{shown} is not JSON: {e}"));
    let status = match &value["status"] {
        Value::Null => None,
        Value::Number(n) => Some(
            n.as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .unwrap_or_else(|| panic!("{shown}: status {n} is not an HTTP status")),
        ),
        other => panic!("{shown}: status must be a number or null, got {other}"),
    };
    let headers = value["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    (
                        k.to_ascii_lowercase(),
                        v.as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Fixture {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        request: value["request"]
            .as_str()
            .unwrap_or_else(|| panic!("{shown}: no request"))
            .to_owned(),
        status,
        headers,
        body: value
            .get("body")
            .cloned()
            .unwrap_or_else(|| panic!("{shown}: no body")),
    }
}
