//! Configuration: defaults < config file < `.env` < process environment < flags
//! (design section 3). (Skeleton: `Settings` is the contract; loading is being filled in.)

use std::time::Duration;

use crate::secret::Secret;

/// How copying reaches the user's clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    #[default]
    Auto,
    System,
    Osc52,
    Off,
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
            api_scope: api_scope.split_whitespace().map(str::to_owned).collect(),
            clipboard: ClipboardMode::Auto,
            clipboard_clear: Duration::from_secs(30),
            sandbox: false,
            profile: None,
        }
    }

    /// The token issuer, `https://{domain}/`.
    pub fn issuer(&self) -> String {
        format!("{}/", self.base_url)
    }

    /// The Management API audience, `https://{domain}/api/v2/`.
    pub fn management_audience(&self) -> String {
        format!("{}/api/v2/", self.base_url)
    }

    /// The host (and port) shown to the user as the tenant's name.
    pub fn tenant_name(&self) -> &str {
        self.base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, host)| host)
    }
}
