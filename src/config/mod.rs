//! Configuration (design section 3).
//!
//! Later sources win: built-in defaults < `config.toml` (top level, then the
//! `--profile`'s `[profiles.NAME]`) < `.env` (working directory or
//! `--env-file`) < process environment < command-line flags. Every name is
//! read as `PLUGIN_AUTH0_M2M_X` and, as the Moesif developer portal does, as
//! `AUTH0_M2M_X`; the `PLUGIN_` name wins within one source. Each value keeps
//! where it came from, so an error can name the variable to fix.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;

mod domain;

pub use domain::{is_safe_endpoint, normalize_domain};

/// How copying reaches the user's clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    #[default]
    Auto,
    System,
    Osc52,
    Off,
}

/// The TUI's named themes, by what they are for (`--theme`, `theme = "..."` in config.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThemeName {
    /// Colours for an everyday terminal.
    #[default]
    Default,
    /// Bold, high-contrast colour pairs and no dim greys: for projectors and demos.
    HighContrast,
    /// No colour at all, only bold, reverse and underline (the theme under NO_COLOR).
    Mono,
}

impl ThemeName {
    /// Every theme, in the order they are listed to the user.
    pub const ALL: [ThemeName; 3] = [ThemeName::Default, ThemeName::HighContrast, ThemeName::Mono];

    /// The name the user types.
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Default => "default",
            ThemeName::HighContrast => "high-contrast",
            ThemeName::Mono => "mono",
        }
    }

    /// "default, high-contrast, mono", for messages.
    pub fn choices() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl std::str::FromStr for ThemeName {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|theme| theme.as_str() == name.trim())
            .ok_or_else(|| {
                format!(
                    "there is no theme {:?}; the themes are {}",
                    crate::text::sanitize(name),
                    Self::choices()
                )
            })
    }
}

/// Everything the app needs to talk to one tenant.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base URL without a trailing slash: `https://tenant.eu.auth0.com` or `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The admin app's client id.
    pub client_id: String,
    /// The admin app's client secret.
    pub client_secret: Secret,
    /// The customer-facing API's identifier (audience of test tokens).
    pub api_audience: String,
    /// Scopes granted to provisioned keys.
    pub api_scope: Vec<String>,
    /// How to copy.
    pub clipboard: ClipboardMode,
    /// How long a copied secret stays on the clipboard (zero: never cleared).
    pub clipboard_clear: Duration,
    /// True when talking to the embedded sandbox tenant.
    pub sandbox: bool,
    /// The selected profile, if any.
    pub profile: Option<String>,
    /// The login application organization invitations send people to
    /// (`PLUGIN_AUTH0_M2M_INVITE_CLIENT_ID`); without it nobody can be invited.
    pub invite_client_id: Option<String>,
    /// Whether Auth0 emails an invitation (`PLUGIN_AUTH0_M2M_INVITE_SEND_EMAIL`,
    /// default true); false leaves sending the link to the operator.
    pub invite_send_email: bool,
    /// The native application operators sign in with through the device flow
    /// (`PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID`, `login_client_id`). It names who acts
    /// in the audit log; the admin app still makes the Management calls.
    pub login_client_id: Option<String>,
    /// The Management API's base URL when tokens are issued on a custom domain
    /// (`PLUGIN_AUTH0_M2M_MANAGEMENT_DOMAIN`, the canonical `TENANT.REGION.auth0.com`);
    /// `None`: the domain.
    pub management_base_url: Option<String>,
    /// How test tokens are requested and checked.
    pub token: TokenSettings,
    /// The TUI theme config.toml chose (`theme`), if any; `--theme` wins over it.
    pub theme: Option<ThemeName>,
    /// Days after which a key is stale in the inventory (`stale_days`; `--stale-days` wins).
    pub stale_days: u64,
    /// Every change is refused (`--read-only`, or `read_only = true` in config):
    /// the portal's change use cases refuse, not only the TUI's keys.
    pub read_only: bool,
    /// Secrets are masked on screen (`--presenter`, or `presenter = true` in config).
    pub presenter: bool,
}

/// How test tokens are requested and checked (`token`, `jwt decode --verify`, `gateway`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// Scopes asked for (`PLUGIN_AUTH0_M2M_TOKEN_SCOPE`); none: what the grant gives.
    pub scope: Option<String>,
    /// The parameter naming the API (`PLUGIN_AUTH0_M2M_TOKEN_AUDIENCE_PARAM`):
    /// `audience` (Auth0) or `resource` (RFC 8707 providers).
    pub resource: bool,
    /// Client authentication (`PLUGIN_AUTH0_M2M_TOKEN_AUTH_METHOD`): `None` follows
    /// discovery (Basic when it lacks client_secret_post), `Some(true)` Basic, `Some(false)` post.
    pub basic_auth: Option<bool>,
    /// Clock leeway of the expiry checks in seconds (`PLUGIN_AUTH0_M2M_LEEWAY_SECONDS`, default 60).
    pub leeway: u64,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            scope: None,
            resource: false,
            basic_auth: None,
            leeway: crate::jwt::LEEWAY_SECS,
        }
    }
}

impl Settings {
    /// Settings for a tenant given directly (tests, the embedded sandbox).
    pub fn for_tenant(
        base_url: &str,
        client_id: &str,
        client_secret: Secret,
        api_audience: &str,
        api_scope: &str,
    ) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            api_audience: api_audience.to_owned(),
            api_scope: split_scope(api_scope),
            clipboard: ClipboardMode::Auto,
            clipboard_clear: Duration::from_secs(DEFAULT_CLIPBOARD_CLEAR_SECONDS),
            sandbox: false,
            profile: None,
            invite_client_id: None,
            invite_send_email: true,
            login_client_id: None,
            management_base_url: None,
            token: TokenSettings::default(),
            theme: None,
            stale_days: crate::portal::DEFAULT_STALE_DAYS,
            read_only: false,
            presenter: false,
        }
    }

    /// The token issuer, `https://{domain}/`.
    pub fn issuer(&self) -> String {
        format!("{}/", self.base_url)
    }

    /// The token endpoint, `https://{domain}/oauth/token`.
    pub fn token_endpoint(&self) -> String {
        token_endpoint(&self.base_url)
    }

    /// The Management API audience, `https://{management domain}/api/v2/`.
    pub fn management_audience(&self) -> String {
        format!("{}/api/v2/", self.management_base())
    }

    /// The Management API's base URL: the management domain, else the domain.
    pub fn management_base(&self) -> &str {
        self.management_base_url
            .as_deref()
            .unwrap_or(&self.base_url)
    }

    /// The host (and port) shown to the user as the tenant's name.
    pub fn tenant_name(&self) -> &str {
        self.base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, host)| host)
    }
}

/// The token endpoint of the tenant at `base_url` (no trailing slash).
pub fn token_endpoint(base_url: &str) -> String {
    format!("{}/oauth/token", base_url.trim_end_matches('/'))
}

/// Seconds a copied secret stays on the clipboard unless configured otherwise.
pub const DEFAULT_CLIPBOARD_CLEAR_SECONDS: u64 = 30;

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

/// Settings that do not depend on a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub clipboard: ClipboardMode,
    pub clipboard_clear: Duration,
    pub profile: Option<String>,
    /// The TUI theme config.toml chose.
    pub theme: Option<ThemeName>,
    /// `stale_days` in the file (top level or the profile).
    pub stale_days: u64,
    /// `read_only = true` in the file (top level or the profile).
    pub read_only: bool,
    /// `presenter = true` in the file (top level or the profile).
    pub presenter: bool,
}

impl Preferences {
    /// Applies these preferences to settings made for a tenant (e.g. the sandbox).
    pub fn apply(&self, settings: &mut Settings) {
        settings.clipboard = self.clipboard;
        settings.clipboard_clear = self.clipboard_clear;
        settings.profile.clone_from(&self.profile);
        settings.theme = self.theme;
        settings.stale_days = self.stale_days;
        settings.read_only = self.read_only;
        settings.presenter = self.presenter;
    }
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

/// The tenant-related settings, by suffix of `PLUGIN_AUTH0_M2M_`.
const DOMAIN: &str = "DOMAIN";
const CLIENT_ID: &str = "CLIENT_ID";
const CLIENT_SECRET: &str = "CLIENT_SECRET";
const API_AUDIENCE: &str = "API_AUDIENCE";
const API_SCOPE: &str = "API_SCOPE";
const TENANT_KEYS: [&str; 5] = [DOMAIN, CLIENT_ID, CLIENT_SECRET, API_AUDIENCE, API_SCOPE];
const INVITE_CLIENT_ID: &str = "INVITE_CLIENT_ID";
const INVITE_SEND_EMAIL: &str = "INVITE_SEND_EMAIL";
const LOGIN_CLIENT_ID: &str = "LOGIN_CLIENT_ID";
const MANAGEMENT_DOMAIN: &str = "MANAGEMENT_DOMAIN";
const TOKEN_SCOPE: &str = "TOKEN_SCOPE";
const TOKEN_AUDIENCE_PARAM: &str = "TOKEN_AUDIENCE_PARAM";
const TOKEN_AUTH_METHOD: &str = "TOKEN_AUTH_METHOD";
const LEEWAY_SECONDS: &str = "LEEWAY_SECONDS";
/// Settings that may be left out; they alone do not configure a tenant.
const OPTIONAL_KEYS: [&str; 8] = [
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
fn variable(key: &str) -> String {
    format!("PLUGIN_AUTH0_M2M_{key}")
}

/// Where a value came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
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
struct Sourced {
    value: String,
    name: String,
    source: Source,
}

/// One `config.toml` section (the top level or a profile).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    domain: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// Name of an environment variable (or `.env` entry) that holds the secret.
    client_secret_env: Option<String>,
    api_audience: Option<String>,
    api_scope: Option<String>,
    clipboard: Option<ClipboardMode>,
    clipboard_clear_seconds: Option<u64>,
    /// The TUI theme: `default`, `high-contrast` or `mono`.
    theme: Option<String>,
    /// Days after which the key inventory calls a key stale.
    stale_days: Option<u64>,
    invite_client_id: Option<String>,
    invite_send_email: Option<bool>,
    login_client_id: Option<String>,
    management_domain: Option<String>,
    token_scope: Option<String>,
    token_audience_param: Option<String>,
    token_auth_method: Option<String>,
    leeway_seconds: Option<u64>,
    /// Refuse every change with this profile (like `--read-only`).
    read_only: Option<bool>,
    /// Mask secrets on screen with this profile (like `--presenter`).
    presenter: Option<bool>,
}

/// `config.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(flatten)]
    top: FileSection,
    #[serde(default)]
    profiles: BTreeMap<String, FileSection>,
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
    let file = read_config_file(&config_file)?;
    let mut values: BTreeMap<&str, Sourced> = BTreeMap::new();
    let mut secret_env: Option<Sourced> = None;
    let mut clipboard = ClipboardMode::default();
    let mut clipboard_clear = Duration::from_secs(DEFAULT_CLIPBOARD_CLEAR_SECONDS);
    let mut theme = None;
    let mut stale_days = crate::portal::DEFAULT_STALE_DAYS;
    let (mut read_only, mut presenter) = (false, false);

    let mut sections: Vec<(&FileSection, Option<String>)> = vec![(&file.top, None)];
    if let Some(profile) = &request.profile {
        let section = file
            .profiles
            .get(profile)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: profile.clone(),
                path: config_file.clone(),
                available: if file.profiles.is_empty() {
                    "none".to_owned()
                } else {
                    file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                },
            })?;
        sections.push((section, Some(profile.clone())));
    }
    for (section, profile) in sections {
        let source = Source::File(config_file.clone(), profile);
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
                values.insert(
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
            secret_env = Some(Sourced {
                value: name.clone(),
                name: "client_secret_env".to_owned(),
                source: source.clone(),
            });
        }
        if let Some(mode) = section.clipboard {
            clipboard = mode;
        }
        read_only = section.read_only.unwrap_or(read_only);
        presenter = section.presenter.unwrap_or(presenter);
        if let Some(seconds) = section.clipboard_clear_seconds {
            clipboard_clear = Duration::from_secs(seconds);
        }
        if let Some(days) = section.stale_days {
            if days == 0 {
                return Err(ConfigError::Invalid {
                    name: "stale_days".to_owned(),
                    origin: source.to_string(),
                    reason: "it must be at least 1 (days)".to_owned(),
                });
            }
            stale_days = days;
        }
        if let Some(name) = &section.theme {
            // Like clipboard, a preference of the file only: NO_COLOR is the variable that
            // speaks about colour, and the file outranks it (no-color.org).
            theme = Some(name.parse().map_err(|reason| ConfigError::Invalid {
                name: "theme".to_owned(),
                origin: source.to_string(),
                reason,
            })?);
        }
    }

    let dotenv = read_dotenv(request)?;
    if let Some((path, entries)) = &dotenv {
        overlay_variables(&mut values, entries, &Source::DotEnv(path.clone()));
    }
    overlay_variables(&mut values, &request.env, &Source::Environment);
    let flags = [
        (DOMAIN, "--domain", &request.flags.domain),
        (CLIENT_ID, "--client-id", &request.flags.client_id),
        (API_AUDIENCE, "--audience", &request.flags.api_audience),
        (API_SCOPE, "--scope", &request.flags.api_scope),
    ];
    for (key, flag, value) in flags {
        if let Some(value) = value {
            values.insert(
                key,
                Sourced {
                    value: value.clone(),
                    name: flag.to_owned(),
                    source: Source::Flag(flag),
                },
            );
        }
    }

    // A secret named indirectly only applies when nothing later set it directly.
    let secret_is_from_file = values
        .get(CLIENT_SECRET)
        .is_none_or(|v| matches!(v.source, Source::File(..)));
    if let (Some(indirect), true) = (&secret_env, secret_is_from_file) {
        let from_dotenv = dotenv
            .as_ref()
            .and_then(|(path, entries)| entries.get(&indirect.value).map(|v| (v, path)));
        let found = request
            .env
            .get(&indirect.value)
            .map(|v| (v.clone(), Source::Environment))
            .or_else(|| from_dotenv.map(|(v, path)| (v.clone(), Source::DotEnv(path.clone()))));
        match found {
            Some((value, source)) => {
                values.insert(
                    CLIENT_SECRET,
                    Sourced {
                        value,
                        name: indirect.value.clone(),
                        source,
                    },
                );
            }
            None => {
                return Err(ConfigError::Invalid {
                    name: indirect.name.clone(),
                    origin: indirect.source.to_string(),
                    reason: format!("the variable {} it names is not set", indirect.value),
                });
            }
        }
    }

    let preferences = Preferences {
        clipboard,
        clipboard_clear,
        profile: request.profile.clone(),
        theme,
        stale_days,
        read_only,
        presenter,
    };
    if !TENANT_KEYS.iter().any(|key| values.contains_key(key)) {
        return Ok(Loaded::Unconfigured(preferences));
    }

    let login_client_id = values
        .get(LOGIN_CLIENT_ID)
        .map(|v| v.value.trim().to_owned())
        .filter(|v| !v.is_empty());
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
    let required = |key: &'static str| -> Result<Sourced, ConfigError> {
        let value = values.get(key).ok_or_else(|| ConfigError::Missing {
            name: variable(key),
            config_file: config_file.clone(),
        })?;
        if value.value.trim().is_empty() {
            return Err(ConfigError::Empty {
                name: value.name.clone(),
                origin: value.source.to_string(),
            });
        }
        Ok(value.clone())
    };
    let domain = required(DOMAIN)?;
    let base_url = normalize_domain(&domain.value).map_err(|reason| ConfigError::Invalid {
        name: domain.name.clone(),
        origin: domain.source.to_string(),
        reason,
    })?;
    // The admin app is needed even when operators sign in themselves: Auth0 gives a
    // person's token no admin scopes for the Management API.
    let client_id = required(CLIENT_ID)?;
    let client_secret = required(CLIENT_SECRET)?;
    let api_audience = required(API_AUDIENCE)?;
    let api_scope = values
        .get(API_SCOPE)
        .map(|v| split_scope(&v.value))
        .unwrap_or_default();

    let mut settings = Settings::for_tenant(
        &base_url,
        client_id.value.trim(),
        Secret::new(client_secret.value),
        api_audience.value.trim(),
        "",
    );
    settings.api_scope = api_scope;
    settings.login_client_id = login_client_id;
    settings.invite_client_id = values
        .get(INVITE_CLIENT_ID)
        .map(|v| v.value.trim().to_owned())
        .filter(|v| !v.is_empty());
    if let Some(send) = values.get(INVITE_SEND_EMAIL) {
        settings.invite_send_email = match send.value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => {
                return Err(ConfigError::Invalid {
                    name: send.name.clone(),
                    origin: send.source.to_string(),
                    reason: "use true or false".to_owned(),
                });
            }
        };
    }
    apply_token_settings(&values, &mut settings)?;
    preferences.apply(&mut settings);
    Ok(Loaded::Tenant(settings))
}

/// The management domain and the test-token settings (all optional).
fn apply_token_settings(
    values: &BTreeMap<&str, Sourced>,
    settings: &mut Settings,
) -> Result<(), ConfigError> {
    let invalid = |v: &Sourced, reason: String| ConfigError::Invalid {
        name: v.name.clone(),
        origin: v.source.to_string(),
        reason,
    };
    let present = |key: &str| values.get(key).filter(|v| !v.value.trim().is_empty());
    if let Some(v) = present(MANAGEMENT_DOMAIN) {
        settings.management_base_url =
            Some(normalize_domain(&v.value).map_err(|reason| invalid(v, reason))?);
    }
    if let Some(v) = present(TOKEN_SCOPE) {
        settings.token.scope = Some(split_scope(&v.value).join(" "));
    }
    if let Some(v) = present(TOKEN_AUDIENCE_PARAM) {
        settings.token.resource = match v.value.trim() {
            "audience" => false,
            "resource" => true,
            _ => return Err(invalid(v, "use audience or resource".to_owned())),
        };
    }
    if let Some(v) = present(TOKEN_AUTH_METHOD) {
        settings.token.basic_auth = match v.value.trim() {
            "auto" => None,
            "client_secret_basic" | "basic" => Some(true),
            "client_secret_post" | "post" => Some(false),
            _ => {
                return Err(invalid(
                    v,
                    "use client_secret_post, client_secret_basic or auto".to_owned(),
                ));
            }
        };
    }
    if let Some(v) = present(LEEWAY_SECONDS) {
        settings.token.leeway = v
            .value
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= 3600)
            .ok_or_else(|| invalid(v, "use a number of seconds from 0 to 3600".to_owned()))?;
    }
    Ok(())
}

/// Splits a space-separated scope list.
fn split_scope(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(str::to_owned).collect()
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
    let file = read_config_file(&config_dir.join("config.toml"))?;
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

/// Reads `config.toml`; a missing file is an empty configuration.
fn read_config_file(path: &Path) -> Result<FileConfig, ConfigError> {
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
type DotEnv = (PathBuf, BTreeMap<String, String>);

/// Reads the `.env` file: the one named by `--env-file` (which must exist), else `./.env` if present.
fn read_dotenv(request: &ConfigRequest) -> Result<Option<DotEnv>, ConfigError> {
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
fn overlay_variables(
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

#[cfg(test)]
mod tests;
