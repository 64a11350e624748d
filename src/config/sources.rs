//! Where values come from: `config.toml` (top level, then a profile), `.env`,
//! the process environment and the command-line flags, each value with its
//! origin so an error can name the variable to fix.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ClipboardMode, ConfigError, ConfigRequest, FlagValues};

/// The tenant-related settings, by suffix of `PLUGIN_AUTH0_M2M_`.
pub(super) const DOMAIN: &str = "DOMAIN";
pub(super) const CLIENT_ID: &str = "CLIENT_ID";
pub(super) const CLIENT_SECRET: &str = "CLIENT_SECRET";
pub(super) const API_AUDIENCE: &str = "API_AUDIENCE";
pub(super) const API_SCOPE: &str = "API_SCOPE";
pub(super) const TENANT_KEYS: [&str; 5] =
    [DOMAIN, CLIENT_ID, CLIENT_SECRET, API_AUDIENCE, API_SCOPE];
pub(super) const INVITE_CLIENT_ID: &str = "INVITE_CLIENT_ID";
pub(super) const INVITE_SEND_EMAIL: &str = "INVITE_SEND_EMAIL";
pub(super) const LOGIN_CLIENT_ID: &str = "LOGIN_CLIENT_ID";
pub(super) const MANAGEMENT_DOMAIN: &str = "MANAGEMENT_DOMAIN";
pub(super) const TOKEN_SCOPE: &str = "TOKEN_SCOPE";
pub(super) const TOKEN_AUDIENCE_PARAM: &str = "TOKEN_AUDIENCE_PARAM";
pub(super) const TOKEN_AUTH_METHOD: &str = "TOKEN_AUTH_METHOD";
pub(super) const LEEWAY_SECONDS: &str = "LEEWAY_SECONDS";
/// Settings that may be left out; they alone do not configure a tenant.
pub(super) const OPTIONAL_KEYS: [&str; 8] = [
    INVITE_CLIENT_ID,
    INVITE_SEND_EMAIL,
    LOGIN_CLIENT_ID,
    MANAGEMENT_DOMAIN,
    TOKEN_SCOPE,
    TOKEN_AUDIENCE_PARAM,
    TOKEN_AUTH_METHOD,
    LEEWAY_SECONDS,
];

/// The canonical variable name for a setting.
pub(super) fn variable(key: &str) -> String {
    format!("PLUGIN_AUTH0_M2M_{key}")
}

/// Where a value came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    File(PathBuf, Option<String>),
    DotEnv(PathBuf),
    Environment,
    Flag(&'static str),
    /// The OS keyring (or its file fallback), `m2m-portal secret set`.
    Store,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path, None) => write!(f, "from {}", path.display()),
            Source::File(path, Some(profile)) => {
                write!(f, "from profile {profile} in {}", path.display())
            }
            Source::DotEnv(path) => write!(f, "from {}", path.display()),
            Source::Environment => f.write_str("from the environment"),
            Source::Flag(flag) => write!(f, "from {flag}"),
            Source::Store => f.write_str("from the credential store (m2m-portal secret set)"),
        }
    }
}

/// A value with its origin and the name it was given under.
#[derive(Debug, Clone)]
pub(super) struct Sourced {
    pub(super) value: String,
    pub(super) name: String,
    pub(super) source: Source,
}

/// One `config.toml` section (the top level or a profile).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSection {
    pub(super) domain: Option<String>,
    pub(super) client_id: Option<String>,
    pub(super) client_secret: Option<String>,
    /// Name of an environment variable (or `.env` entry) that holds the secret.
    pub(super) client_secret_env: Option<String>,
    pub(super) api_audience: Option<String>,
    pub(super) api_scope: Option<String>,
    pub(super) clipboard: Option<ClipboardMode>,
    pub(super) clipboard_clear_seconds: Option<u64>,
    /// The TUI theme: `default`, `high-contrast` or `mono`.
    pub(super) theme: Option<String>,
    /// Days after which the key inventory calls a key stale.
    pub(super) stale_days: Option<u64>,
    pub(super) invite_client_id: Option<String>,
    pub(super) invite_send_email: Option<bool>,
    pub(super) login_client_id: Option<String>,
    pub(super) management_domain: Option<String>,
    pub(super) token_scope: Option<String>,
    pub(super) token_audience_param: Option<String>,
    pub(super) token_auth_method: Option<String>,
    pub(super) leeway_seconds: Option<u64>,
    /// Refuse every change with this profile (like `--read-only`).
    pub(super) read_only: Option<bool>,
    /// Mask secrets on screen with this profile (like `--presenter`).
    pub(super) presenter: Option<bool>,
}

/// `config.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    #[serde(flatten)]
    pub(super) top: FileSection,
    #[serde(default)]
    pub(super) profiles: BTreeMap<String, FileSection>,
}

/// The values laid over each other so far, by key, and the `client_secret_env`
/// a file section named (resolved once every source is read).
#[derive(Debug, Default)]
pub(super) struct Layers {
    pub(super) values: BTreeMap<&'static str, Sourced>,
    pub(super) secret_env: Option<Sourced>,
}

impl Layers {
    /// Lays one `config.toml` section's tenant values over the ones read before.
    pub(super) fn add_file_section(&mut self, section: &FileSection, source: &Source) {
        let fields = [
            (DOMAIN, "domain", &section.domain),
            (CLIENT_ID, "client_id", &section.client_id),
            (CLIENT_SECRET, "client_secret", &section.client_secret),
            (API_AUDIENCE, "api_audience", &section.api_audience),
            (API_SCOPE, "api_scope", &section.api_scope),
            (
                INVITE_CLIENT_ID,
                "invite_client_id",
                &section.invite_client_id,
            ),
            (
                INVITE_SEND_EMAIL,
                "invite_send_email",
                &section.invite_send_email.map(|b| b.to_string()),
            ),
            (LOGIN_CLIENT_ID, "login_client_id", &section.login_client_id),
            (
                MANAGEMENT_DOMAIN,
                "management_domain",
                &section.management_domain,
            ),
            (TOKEN_SCOPE, "token_scope", &section.token_scope),
            (
                TOKEN_AUDIENCE_PARAM,
                "token_audience_param",
                &section.token_audience_param,
            ),
            (
                TOKEN_AUTH_METHOD,
                "token_auth_method",
                &section.token_auth_method,
            ),
            (
                LEEWAY_SECONDS,
                "leeway_seconds",
                &section.leeway_seconds.map(|n| n.to_string()),
            ),
        ];
        for (key, field, value) in fields {
            if let Some(value) = value {
                self.values.insert(
                    key,
                    Sourced {
                        value: value.clone(),
                        name: field.to_owned(),
                        source: source.clone(),
                    },
                );
            }
        }
        if let Some(name) = &section.client_secret_env {
            self.secret_env = Some(Sourced {
                value: name.clone(),
                name: "client_secret_env".to_owned(),
                source: source.clone(),
            });
        }
    }

    /// Lays the command-line flags over everything else.
    pub(super) fn add_flags(&mut self, flags: &FlagValues) {
        let flags = [
            (DOMAIN, "--domain", &flags.domain),
            (CLIENT_ID, "--client-id", &flags.client_id),
            (API_AUDIENCE, "--audience", &flags.api_audience),
            (API_SCOPE, "--scope", &flags.api_scope),
        ];
        for (key, flag, value) in flags {
            if let Some(value) = value {
                self.values.insert(
                    key,
                    Sourced {
                        value: value.clone(),
                        name: flag.to_owned(),
                        source: Source::Flag(flag),
                    },
                );
            }
        }
    }

    /// Reads the secret a file's `client_secret_env` names, from the environment
    /// or `.env`. A secret named indirectly only applies when nothing later set it
    /// directly.
    pub(super) fn resolve_secret_env(
        &mut self,
        request: &ConfigRequest,
        dotenv: Option<&DotEnv>,
    ) -> Result<(), ConfigError> {
        let secret_is_from_file = self
            .values
            .get(CLIENT_SECRET)
            .is_none_or(|v| matches!(v.source, Source::File(..)));
        let Some(indirect) = self.secret_env.as_ref().filter(|_| secret_is_from_file) else {
            return Ok(());
        };
        let from_dotenv =
            dotenv.and_then(|(path, entries)| entries.get(&indirect.value).map(|v| (v, path)));
        let found = request
            .env
            .get(&indirect.value)
            .map(|v| (v.clone(), Source::Environment))
            .or_else(|| from_dotenv.map(|(v, path)| (v.clone(), Source::DotEnv(path.clone()))));
        match found {
            Some((value, source)) => {
                let name = indirect.value.clone();
                self.values.insert(
                    CLIENT_SECRET,
                    Sourced {
                        value,
                        name,
                        source,
                    },
                );
                Ok(())
            }
            None => Err(ConfigError::Invalid {
                name: indirect.name.clone(),
                origin: indirect.source.to_string(),
                reason: format!("the variable {} it names is not set", indirect.value),
            }),
        }
    }
}

/// Reads `config.toml`; a missing file is an empty configuration.
pub(super) fn read_config_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = match read_small_file(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(err) => {
            return Err(ConfigError::File {
                path: path.to_path_buf(),
                reason: err.to_string(),
            });
        }
    };
    toml::from_str(&text).map_err(|err| ConfigError::File {
        path: path.to_path_buf(),
        reason: err.message().to_owned(),
    })
}

/// A `.env` file's path and entries.
pub(super) type DotEnv = (PathBuf, BTreeMap<String, String>);

/// Reads the `.env` file: the one named by `--env-file` (which must exist), else `./.env` if present.
pub(super) fn read_dotenv(request: &ConfigRequest) -> Result<Option<DotEnv>, ConfigError> {
    let (path, required) = match &request.env_file {
        Some(path) => (request.cwd.join(path), true),
        None => (request.cwd.join(".env"), false),
    };
    if !required && !path.exists() {
        return Ok(None);
    }
    let file_error = |reason: String| ConfigError::File {
        path: path.clone(),
        reason,
    };
    let text = read_small_file(&path).map_err(|err| file_error(err.to_string()))?;
    check_expansion(&text, &request.env).map_err(file_error)?;
    let mut entries = BTreeMap::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        let (key, value) = item.map_err(|err| file_error(describe_dotenv_error(&err, &text)))?;
        entries.insert(key, value);
    }
    Ok(Some((path, entries)))
}

/// The largest configuration file read (`config.toml`, `.env`): far above any real one.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The longest a `.env` value may become once `${VAR}` references are expanded.
pub const MAX_EXPANDED_VALUE: usize = 64 * 1024;

/// Reads a configuration file: a regular file only (a FIFO or device would hang or
/// never end) and at most [`MAX_CONFIG_BYTES`].
fn read_small_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a FIFO, device or directory); give a file",
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} KiB; a configuration file is a few lines",
            MAX_CONFIG_BYTES / 1024
        )));
    }
    Ok(text)
}

/// Refuses a `.env` whose `$VAR`/`${VAR}` references would expand a value past
/// [`MAX_EXPANDED_VALUE`] (nested references double at every line), before the
/// parser expands anything. The bound is conservative: every reference counts
/// as fully expanded, quoted or not.
fn check_expansion(text: &str, env: &BTreeMap<String, String>) -> Result<(), String> {
    let mut bounds: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let mut bound = value.len();
        for name in references(value) {
            let referenced = bounds
                .get(name)
                .copied()
                .or_else(|| env.get(name).map(String::len))
                .unwrap_or(0);
            bound = bound.saturating_add(referenced);
        }
        if bound > MAX_EXPANDED_VALUE {
            return Err(format!(
                "line {}: expanding the $VAR references in {} would make a value longer than {} KiB",
                index + 1,
                key.trim(),
                MAX_EXPANDED_VALUE / 1024
            ));
        }
        bounds.insert(key.trim(), bound);
    }
    Ok(())
}

/// The variable names referenced as `$NAME` or `${NAME}` in a value.
fn references(value: &str) -> impl Iterator<Item = &str> {
    value.match_indices('$').filter_map(move |(at, _)| {
        let rest = &value[at + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

/// A dotenv error without echoing the offending line (it may hold a secret), with
/// its line number.
fn describe_dotenv_error(err: &dotenvy::Error, text: &str) -> String {
    match err {
        dotenvy::Error::LineParse(line, index) => {
            let first = line.lines().next().unwrap_or_default();
            match text.lines().position(|l| l == first) {
                Some(number) => format!("cannot parse line {} at character {index}", number + 1),
                None => format!("cannot parse it at character {index} of a line"),
            }
        }
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::EnvVar(var) => var.to_string(),
        _ => "cannot parse it".to_owned(),
    }
}

/// Lays `PLUGIN_AUTH0_M2M_*` (preferred) or `AUTH0_M2M_*` variables over `values`.
pub(super) fn overlay_variables(
    values: &mut BTreeMap<&'static str, Sourced>,
    variables: &BTreeMap<String, String>,
    source: &Source,
) {
    for key in TENANT_KEYS.into_iter().chain(OPTIONAL_KEYS) {
        let prefixed = variable(key);
        let bare = format!("AUTH0_M2M_{key}");
        let found = variables
            .get(&prefixed)
            .map(|v| (prefixed.clone(), v))
            .or_else(|| variables.get(&bare).map(|v| (bare.clone(), v)));
        if let Some((name, value)) = found {
            values.insert(
                key,
                Sourced {
                    value: value.clone(),
                    name,
                    source: source.clone(),
                },
            );
        }
    }
}
