//! Logging through `tracing` to a file, never to the terminal the TUI draws on.
//!
//! The file is `m2m-portal.log` in the log directory (directory 0700, file
//! 0600). The level comes from `M2M_PORTAL_LOG` (an `EnvFilter` such as
//! `debug` or `m2m_portal=trace`), else from the `-v` count, else `info`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;

/// The log file's name inside the log directory.
pub const LOG_FILE: &str = "m2m-portal.log";

/// The environment variable holding the log filter.
pub const LOG_ENV: &str = "M2M_PORTAL_LOG";

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot create the log directory {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot open the log file {path}: {source}")]
    OpenFile { path: PathBuf, source: io::Error },
    #[error("{LOG_ENV}={value:?} is not a valid log filter ({reason}); try info, debug or trace")]
    Filter { value: String, reason: String },
    #[error("logging was already set up in this process")]
    AlreadyInitialized,
}

/// Keeps logging alive; says where the log file is (`--version` prints it).
#[derive(Debug)]
pub struct LogGuard {
    path: PathBuf,
}

impl LogGuard {
    /// The log file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Starts logging to `log_dir/m2m-portal.log` for the whole process.
///
/// `verbosity` is the number of `-v` flags (0 info, 1 debug, 2+ trace);
/// `M2M_PORTAL_LOG` wins over it.
pub fn init(log_dir: &Path, verbosity: u8) -> Result<LogGuard, LogError> {
    let filter = filter_from(std::env::var(LOG_ENV).ok().as_deref(), verbosity)?;
    let path = log_dir.join(LOG_FILE);
    let file = open_log_file(log_dir)?;
    tracing::subscriber::set_global_default(file_subscriber(file, filter))
        .map_err(|_| LogError::AlreadyInitialized)?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "m2m-portal started");
    Ok(LogGuard { path })
}

/// The filter from `M2M_PORTAL_LOG`'s value, or from the verbosity when unset.
pub fn filter_from(value: Option<&str>, verbosity: u8) -> Result<EnvFilter, LogError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => EnvFilter::try_new(value).map_err(|e| LogError::Filter {
            value: value.to_owned(),
            reason: e.to_string(),
        }),
        None => Ok(EnvFilter::new(match verbosity {
            0 => "info",
            1 => "debug",
            _ => "trace",
        })),
    }
}

/// Creates the directory (0700) and opens the log file for appending (0600).
pub fn open_log_file(log_dir: &Path) -> Result<File, LogError> {
    create_private_dir(log_dir).map_err(|source| LogError::CreateDir {
        path: log_dir.to_owned(),
        source,
    })?;
    let path = log_dir.join(LOG_FILE);
    open_private_append(&path).map_err(|source| LogError::OpenFile { path, source })
}

/// Creates a directory (and its parents) readable by the owner only (0700).
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn open_private_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        // A file left by an older version or another tool may be wider: tighten it.
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// The one formatter the app logs through: plain text lines, no colours,
/// with target and thread names, into `file`.
pub fn file_subscriber(file: File, filter: EnvFilter) -> impl Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(true)
        .with_thread_names(true)
        .with_env_filter(filter)
        .finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::secret::Secret;
    use std::fmt;

    const SECRET: &str = "client-secret-Zq8vX2mN4kLp";

    /// The kind of value that carries a secret through the app.
    #[derive(Debug)]
    struct Credentials {
        client_id: String,
        client_secret: Secret,
    }

    impl fmt::Display for Credentials {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{} / {}", self.client_id, self.client_secret)
        }
    }

    #[derive(Debug)]
    #[allow(dead_code)] // read only through Debug, like the app's messages
    enum Msg {
        SecretRevealed(Credentials),
    }

    #[test]
    fn the_log_file_formatter_cannot_print_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let file = open_log_file(dir.path()).unwrap();
        let subscriber = file_subscriber(file, filter_from(Some("trace"), 0).unwrap());
        let secret = Secret::from(SECRET);
        let creds = Credentials {
            client_id: "cli_123".to_owned(),
            client_secret: secret.clone(),
        };
        let msg = Msg::SecretRevealed(Credentials {
            client_id: "cli_123".to_owned(),
            client_secret: secret.clone(),
        });
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("provision", creds = ?creds);
            let _entered = span.enter();
            tracing::trace!(?creds, "debug of a struct holding a secret");
            tracing::debug!(%creds, "display of a struct holding a secret");
            tracing::info!(?secret, "debug of the secret");
            tracing::warn!(%secret, "display of the secret");
            tracing::error!(?msg, "a message carrying a secret");
            tracing::info!("inline: {secret} {secret:?} {creds} {creds:?} {msg:?}");
        });
        let log = fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
        assert!(!log.contains(SECRET), "secret leaked into the log:\n{log}");
        assert!(log.contains("[REDACTED]"));
        assert!(log.contains("cli_123"), "the rest is logged:\n{log}");
        assert_eq!(log.lines().count(), 6, "every event was written:\n{log}");
    }

    #[cfg(unix)]
    #[test]
    fn log_directory_and_file_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("state").join("logs");
        drop(open_log_file(&dir).unwrap());
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(LOG_FILE)), 0o600);

        // A pre-existing world-readable log is tightened.
        fs::set_permissions(dir.join(LOG_FILE), fs::Permissions::from_mode(0o644)).unwrap();
        drop(open_log_file(&dir).unwrap());
        assert_eq!(mode(&dir.join(LOG_FILE)), 0o600);
    }

    #[test]
    fn the_log_file_is_appended_to_not_truncated() {
        let dir = tempfile::tempdir().unwrap();
        for run in ["first run", "second run"] {
            let file = open_log_file(dir.path()).unwrap();
            let subscriber = file_subscriber(file, filter_from(None, 0).unwrap());
            tracing::subscriber::with_default(subscriber, || tracing::info!("{run}"));
        }
        let log = fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
        assert!(log.contains("first run") && log.contains("second run"));
    }

    #[test]
    fn level_comes_from_the_variable_then_the_verbosity() {
        let dir = tempfile::tempdir().unwrap();
        let logged = |filter: EnvFilter| {
            let file = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
            let subscriber = file_subscriber(file.reopen().unwrap(), filter);
            tracing::subscriber::with_default(subscriber, || {
                tracing::debug!("a debug event");
                tracing::info!("an info event");
            });
            fs::read_to_string(file.path()).unwrap()
        };
        let default = logged(filter_from(None, 0).unwrap());
        assert!(default.contains("an info event") && !default.contains("a debug event"));
        assert!(logged(filter_from(None, 1).unwrap()).contains("a debug event"));
        let warn_only = logged(filter_from(Some("warn"), 2).unwrap());
        assert!(!warn_only.contains("an info event"));
        assert!(logged(filter_from(Some("  "), 1).unwrap()).contains("a debug event"));
    }

    #[test]
    fn an_invalid_filter_is_a_clear_error() {
        let err = filter_from(Some("m2m_portal=loud"), 0).unwrap_err();
        assert!(matches!(err, LogError::Filter { .. }));
        assert!(
            err.to_string()
                .starts_with("M2M_PORTAL_LOG=\"m2m_portal=loud\" is not a valid")
        );
    }
}
