//! What configuration produces: the tenant's [`Settings`], the tenant-free
//! [`Preferences`], and the rules that turn sourced values into them.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::sources::{
    API_AUDIENCE, API_SCOPE, CLIENT_ID, CLIENT_SECRET, DOMAIN, FileSection, INVITE_CLIENT_ID,
    INVITE_SEND_EMAIL, LEEWAY_SECONDS, LOGIN_CLIENT_ID, MANAGEMENT_DOMAIN, Source, Sourced,
    TOKEN_AUDIENCE_PARAM, TOKEN_AUTH_METHOD, TOKEN_SCOPE, variable,
};
use super::{ConfigError, normalize_domain};
use crate::secret::Secret;

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

    /// The defaults, before any file is read.
    pub(super) fn defaults(profile: Option<String>) -> Self {
        Self {
            clipboard: ClipboardMode::default(),
            clipboard_clear: Duration::from_secs(DEFAULT_CLIPBOARD_CLEAR_SECONDS),
            profile,
            theme: None,
            stale_days: crate::portal::DEFAULT_STALE_DAYS,
            read_only: false,
            presenter: false,
        }
    }

    /// Lays one `config.toml` section's preferences over the ones read before.
    pub(super) fn add_file_section(
        &mut self,
        section: &FileSection,
        source: &Source,
    ) -> Result<(), ConfigError> {
        if let Some(mode) = section.clipboard {
            self.clipboard = mode;
        }
        self.read_only = section.read_only.unwrap_or(self.read_only);
        self.presenter = section.presenter.unwrap_or(self.presenter);
        if let Some(seconds) = section.clipboard_clear_seconds {
            self.clipboard_clear = Duration::from_secs(seconds);
        }
        if let Some(days) = section.stale_days {
            if days == 0 {
                return Err(ConfigError::Invalid {
                    name: "stale_days".to_owned(),
                    origin: source.to_string(),
                    reason: "it must be at least 1 (days)".to_owned(),
                });
            }
            self.stale_days = days;
        }
        if let Some(name) = &section.theme {
            // Like clipboard, a preference of the file only: NO_COLOR is the variable that
            // speaks about colour, and the file outranks it (no-color.org).
            self.theme = Some(name.parse().map_err(|reason| ConfigError::Invalid {
                name: "theme".to_owned(),
                origin: source.to_string(),
                reason,
            })?);
        }
        Ok(())
    }
}

/// The tenant's settings from the layered values: the required ones must be
/// there and not empty, the optional ones valid when given.
pub(super) fn tenant_settings(
    values: &BTreeMap<&str, Sourced>,
    config_file: &Path,
) -> Result<Settings, ConfigError> {
    let required = |key: &'static str| -> Result<Sourced, ConfigError> {
        let value = values.get(key).ok_or_else(|| ConfigError::Missing {
            name: variable(key),
            config_file: config_file.to_path_buf(),
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
    settings.login_client_id = non_empty(values, LOGIN_CLIENT_ID);
    settings.invite_client_id = non_empty(values, INVITE_CLIENT_ID);
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
    apply_token_settings(values, &mut settings)?;
    Ok(settings)
}

/// The trimmed value of an optional setting; an empty one counts as unset.
fn non_empty(values: &BTreeMap<&str, Sourced>, key: &str) -> Option<String> {
    values
        .get(key)
        .map(|v| v.value.trim().to_owned())
        .filter(|v| !v.is_empty())
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
pub(super) fn split_scope(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(str::to_owned).collect()
}
