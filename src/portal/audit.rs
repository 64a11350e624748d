//! The append-only audit log: one JSON line per change, never a secret.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// One line of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry<'a> {
    /// RFC 3339 UTC time.
    pub time: String,
    /// Who made the change: the signed-in operator's email (else their `sub`),
    /// or `user@host` of the person at the keyboard when the admin app's
    /// credentials were used.
    pub operator: &'a str,
    /// The signed-in operator's Auth0 `sub` (device sign-in only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_sub: Option<&'a str>,
    pub tenant: &'a str,
    pub action: &'a str,
    pub organization: Option<&'a str>,
    pub client_id: Option<&'a str>,
    /// `ok`, `failed: ...`, `rolled back: ...`.
    pub result: &'a str,
    /// Fingerprint of a secret that was issued (never the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_fingerprint: Option<&'a str>,
}

/// Where changes are recorded. Writes are serialised so lines never interleave.
#[derive(Debug)]
pub struct AuditLog {
    path: Option<PathBuf>,
    operator: String,
    operator_sub: Option<String>,
    lock: Mutex<()>,
}

impl AuditLog {
    /// An audit log at `path` (`None`: changes are only traced).
    pub fn new(path: Option<PathBuf>) -> Self {
        Self {
            path,
            operator: operator(),
            operator_sub: None,
            lock: Mutex::new(()),
        }
    }

    /// An audit log naming a signed-in operator in every entry.
    pub fn for_operator(path: Option<PathBuf>, signed_in: &super::login::Operator) -> Self {
        Self {
            path,
            operator: signed_in.label().to_owned(),
            operator_sub: Some(signed_in.sub.clone()),
            lock: Mutex::new(()),
        }
    }

    /// The file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The operator recorded in each entry.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Appends one entry; a failure to write is logged, not fatal (the change already happened).
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        tenant: &str,
        action: &str,
        organization: Option<&str>,
        client_id: Option<&str>,
        result: &str,
        secret_fingerprint: Option<&str>,
    ) {
        let entry = AuditEntry {
            time: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            operator: &self.operator,
            operator_sub: self.operator_sub.as_deref(),
            tenant,
            action,
            organization,
            client_id,
            result,
            secret_fingerprint,
        };
        tracing::info!(action, organization, client_id, result, "audit");
        let Some(path) = &self.path else {
            return;
        };
        let _guard = self.lock.lock();
        if let Err(err) = append(path, &entry) {
            tracing::warn!(path = %path.display(), "cannot write the audit log: {err}");
        }
    }
}

fn append(path: &Path, entry: &AuditEntry<'_>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        // The app's own data directory is private (0700), like the file inside it.
        crate::logging::create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    file.write_all(&line)
}

/// `user@host` from the OS.
fn operator() -> String {
    let user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| std::env::var("USERNAME").ok().filter(|u| !u.is_empty()))
        .or_else(os_user_name)
        .unwrap_or_else(|| "unknown".to_owned());
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
        })
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{user}@{host}")
}

/// The name of the process's user id, when `$USER` is unset (cron, containers,
/// `env -i`): the owner of `/proc/self` looked up in `/etc/passwd`, else `uid<N>`.
#[cfg(unix)]
fn os_user_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    Some(name_for_uid(&passwd, uid).unwrap_or_else(|| format!("uid{uid}")))
}

#[cfg(not(unix))]
fn os_user_name() -> Option<String> {
    None
}

/// The user name of `uid` in an `/etc/passwd` text (`name:x:uid:gid:...`).
#[cfg_attr(not(unix), allow(dead_code))]
fn name_for_uid(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

/// Seconds since the epoch (for tests and ids).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_operator_without_user_comes_from_the_os_user_id() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n#comment\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        assert_eq!(name_for_uid(passwd, 1000).as_deref(), Some("alice"));
        assert_eq!(name_for_uid(passwd, 0).as_deref(), Some("root"));
        assert_eq!(name_for_uid(passwd, 42), None);
        #[cfg(unix)]
        {
            let name = os_user_name().unwrap();
            assert!(!name.is_empty() && name != "unknown", "{name}");
        }
    }

    #[test]
    fn entries_are_json_lines_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("audit.jsonl");
        let log = AuditLog::new(Some(path.clone()));
        log.record(
            "t.example",
            "provision_key",
            Some("org_1"),
            Some("c1"),
            "ok",
            Some("abcd1234"),
        );
        log.record(
            "t.example",
            "revoke_key",
            Some("org_1"),
            Some("c1"),
            "ok",
            None,
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["action"], "provision_key");
        assert_eq!(lines[0]["secret_fingerprint"], "abcd1234");
        assert!(lines[0]["operator"].as_str().unwrap().contains('@'));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700, "the data directory is private");
        }
    }
}
