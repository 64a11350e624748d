//! Configuration (design section 3).
//!
//! Later sources win: built-in defaults < `config.toml` (top level, then the
//! `--profile`'s `[profiles.NAME]`) < `.env` (working directory or
//! `--env-file`) < process environment < command-line flags. Every name is
//! read as `PLUGIN_AUTH0_M2M_X` and, as the Moesif developer portal does, as
//! `AUTH0_M2M_X`; the `PLUGIN_` name wins within one source. Each value keeps
//! where it came from, so an error can name the variable to fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::secret::Secret;

mod domain;
mod settings;
mod sources;

pub use domain::{is_safe_endpoint, normalize_domain};
pub use settings::{
    ClipboardMode, DEFAULT_CLIPBOARD_CLEAR_SECONDS, Preferences, Settings, ThemeName,
    TokenSettings, token_endpoint,
};
pub use sources::{MAX_CONFIG_BYTES, MAX_EXPANDED_VALUE};

use sources::{CLIENT_SECRET, Layers, Source, Sourced, TENANT_KEYS, variable};

/// Values given on the command line (they win over every other source).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagValues {
    pub domain: Option<String>,
    pub client_id: Option<String>,
    pub api_audience: Option<String>,
    pub api_scope: Option<String>,
}

/// Everything `load` reads, gathered up front so loading is a pure function.
#[derive(Debug, Clone)]
pub struct ConfigRequest {
    pub profile: Option<String>,
    pub env_file: Option<PathBuf>,
    pub flags: FlagValues,
    /// Where `.env` is looked for when no `--env-file` is given.
    pub cwd: PathBuf,
    /// The process environment.
    pub env: BTreeMap<String, String>,
    /// Where `config.toml` is looked for.
    pub config_dir: PathBuf,
}

impl ConfigRequest {
    /// A request over the real process: its environment, working directory and config dir.
    pub fn from_process(
        profile: Option<String>,
        env_file: Option<PathBuf>,
        flags: FlagValues,
        config_dir: PathBuf,
    ) -> Self {
        Self {
            profile,
            env_file,
            flags,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            env: std::env::vars().collect(),
            config_dir,
        }
    }
}

/// What configuration amounts to.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // made once per process; boxing would buy nothing
pub enum Loaded {
    /// A real (or explicitly configured) tenant.
    Tenant(Settings),
    /// Nothing names a tenant: run against the embedded sandbox with these preferences.
    Unconfigured(Preferences),
}

/// A configuration that cannot be used; always names what to fix (exit code 2).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "{name} is not set: put it in .env, the environment, or a profile in {config_file}",
        config_file = .config_file.display()
    )]
    Missing { name: String, config_file: PathBuf },
    #[error("{} is empty", described(.name, .origin))]
    Empty { name: String, origin: String },
    #[error("{} is not valid: {reason}", described(.name, .origin))]
    Invalid {
        name: String,
        origin: String,
        reason: String,
    },
    #[error("cannot read {path}: {reason}", path = .path.display())]
    File { path: PathBuf, reason: String },
    #[error(
        "profile {name:?} is not in {path} (profiles there: {available})",
        path = .path.display()
    )]
    UnknownProfile {
        name: String,
        path: PathBuf,
        available: String,
    },
}

/// "NAME (from ORIGIN)", or just "--flag" when the value came from that flag
/// ("--domain (from --domain)" says the same thing twice).
fn described(name: &str, origin: &str) -> String {
    if origin == format!("from {name}") {
        name.to_owned()
    } else {
        format!("{name} ({origin})")
    }
}

/// Looks up the admin app's client secret kept in the credential store for a
/// profile (`None`: the default profile); called only when no other source has it.
pub type StoredSecret<'a> = &'a (dyn Fn(Option<&str>) -> Option<Secret> + Sync);

/// Reads configuration from every source and decides what it amounts to.
pub fn load(request: &ConfigRequest) -> Result<Loaded, ConfigError> {
    load_with_store(request, None)
}

/// [`load`], reading the client secret from the credential store when no file,
/// `.env` or variable holds it.
pub fn load_with_store(
    request: &ConfigRequest,
    stored_secret: Option<StoredSecret<'_>>,
) -> Result<Loaded, ConfigError> {
    let config_file = request.config_dir.join("config.toml");
    let file = sources::read_config_file(&config_file)?;
    let mut layers = Layers::default();
    let mut preferences = Preferences::defaults(request.profile.clone());
    for (section, profile) in selected_sections(&file, request.profile.as_ref(), &config_file)? {
        let source = Source::File(config_file.clone(), profile);
        layers.add_file_section(section, &source);
        preferences.add_file_section(section, &source)?;
    }
    let dotenv = sources::read_dotenv(request)?;
    if let Some((path, entries)) = &dotenv {
        sources::overlay_variables(&mut layers.values, entries, &Source::DotEnv(path.clone()));
    }
    sources::overlay_variables(&mut layers.values, &request.env, &Source::Environment);
    layers.add_flags(&request.flags);
    layers.resolve_secret_env(request, dotenv.as_ref())?;

    let mut values = layers.values;
    if !TENANT_KEYS.iter().any(|key| values.contains_key(key)) {
        return Ok(Loaded::Unconfigured(preferences));
    }
    if !values.contains_key(CLIENT_SECRET)
        && let Some(secret) = stored_secret.and_then(|lookup| lookup(request.profile.as_deref()))
    {
        values.insert(
            CLIENT_SECRET,
            Sourced {
                value: secret.expose_secret().to_owned(),
                name: variable(CLIENT_SECRET),
                source: Source::Store,
            },
        );
    }
    let mut settings = settings::tenant_settings(&values, &config_file)?;
    preferences.apply(&mut settings);
    Ok(Loaded::Tenant(settings))
}

/// The sections of `config.toml` that apply, in order: the top level, then the
/// `--profile`'s (which must exist), each with the profile's name.
fn selected_sections<'f>(
    file: &'f sources::FileConfig,
    profile: Option<&String>,
    config_file: &Path,
) -> Result<Vec<(&'f sources::FileSection, Option<String>)>, ConfigError> {
    let mut sections = vec![(&file.top, None)];
    if let Some(profile) = profile {
        let section = file
            .profiles
            .get(profile)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: profile.clone(),
                path: config_file.to_path_buf(),
                available: if file.profiles.is_empty() {
                    "none".to_owned()
                } else {
                    file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                },
            })?;
        sections.push((section, Some(profile.clone())));
    }
    Ok(sections)
}

/// One `[profiles.NAME]` of `config.toml`, as the TUI's profile picker lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    pub name: String,
    /// The profile's tenant (its `domain`, else the top level's), if either names one.
    pub domain: Option<String>,
    pub read_only: bool,
    pub presenter: bool,
}

/// The profiles of `config.toml` in `config_dir`, by name (none when there is no file).
pub fn profiles(config_dir: &Path) -> Result<Vec<ProfileSummary>, ConfigError> {
    let file = sources::read_config_file(&config_dir.join("config.toml"))?;
    Ok(file
        .profiles
        .iter()
        .map(|(name, section)| ProfileSummary {
            name: name.clone(),
            domain: section
                .domain
                .clone()
                .or_else(|| file.top.domain.clone())
                .map(|d| d.trim().to_owned()),
            read_only: section.read_only.or(file.top.read_only).unwrap_or(false),
            presenter: section.presenter.or(file.top.presenter).unwrap_or(false),
        })
        .collect())
}

#[cfg(test)]
mod tests;
