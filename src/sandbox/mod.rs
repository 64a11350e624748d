//! The embedded Auth0-compatible sandbox tenant, on loopback only.
//!
//! It speaks JSON the way Auth0 does (shapes, status codes, strict bodies,
//! paging, rate limits, RS256 tokens with `org_id`) and shares no Rust types
//! with `auth0/`, so a wrong field name cannot hide behind one struct used on
//! both sides. It is served by axum, but the handlers take the raw request so
//! that every error, malformed input included, has Auth0's shape.

mod cert;
mod device;
mod discovery;
mod faults;
mod http;
mod keys;
mod management;
mod options;
mod ratelimit;
mod seed;
mod server;
mod state;
mod tokens;
mod vocab;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::FaultSpec;
pub use options::{ProviderOptions, SandboxOptions, Seed, SigningAlg};
pub use seed::HOSTILE;
pub use server::serve;

use crate::secret::Secret;

/// One request and its answer, as seen by the sandbox (with `record: true`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path with its query string.
    pub path: String,
    /// The status code answered.
    pub status: u16,
    /// The request body, when it was JSON (or a form, as an object of strings).
    pub request_body: Option<serde_json::Value>,
    /// The response body, when it was JSON.
    pub response_body: Option<serde_json::Value>,
}

/// Counters of what the sandbox served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SandboxStats {
    /// Calls to `POST /oauth/token`.
    pub token_requests: u64,
    /// Calls to `/api/v2/...`.
    pub management_requests: u64,
    /// Management API calls refused with 429 by the rate limit.
    pub rate_limited: u64,
    /// Calls answered by an injected fault.
    pub faults_injected: u64,
    /// Calls to `POST /oauth/device/code`.
    pub device_code_requests: u64,
}

/// Why the sandbox could not start or keep its state.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The address is not a loopback address.
    #[error(
        "the sandbox listens on loopback only, and {0} is not a loopback address; use --addr 127.0.0.1:PORT (port 0 picks a free one)"
    )]
    NotLoopback(SocketAddr),
    /// The port could not be bound.
    #[error(
        "cannot listen on {addr}: {source}; is another program using that port? --addr 127.0.0.1:0 picks a free one"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// A `--seed` value that is not `demo`, `empty` or `large:N`.
    #[error("unknown seed {0:?}: use demo, empty or large:N (N from 1 to 1000000)")]
    BadSeed(String),
    /// A `--faults` rule that does not parse.
    #[error("bad fault rule {rule:?}: {reason} (see docs/SANDBOX.md for the grammar)")]
    BadFaults { rule: String, reason: String },
    /// The state file exists but cannot be used.
    #[error(
        "cannot use the sandbox state file {path}: {reason}; delete it (or pick another --state) to start afresh"
    )]
    StateRead { path: PathBuf, reason: String },
    /// The state file could not be written.
    #[error("cannot write the sandbox state file {path}: {reason}")]
    StateWrite { path: PathBuf, reason: String },
    /// The signing key could not be made or loaded.
    #[error("the sandbox signing key is unusable: {0}")]
    Key(String),
    /// Waiting for Ctrl-C failed.
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(std::io::Error),
}

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub base_url: String,
    pub token_ttl: Duration,
    pub admin_scopes: Vec<String>,
    pub entitled: bool,
    pub record: bool,
    /// Seconds between device-flow polls handed out.
    pub device_interval: u64,
    pub offline_access: bool,
    pub provider: ProviderOptions,
    /// The ES256 key, when `provider.alg` is ES256.
    pub ec_key: Option<Arc<keys::EcKey>>,
    pub keys: keys::KeySource,
    pub tenant: Mutex<state::TenantState>,
    pub devices: Mutex<device::Devices>,
    pub faults: Mutex<faults::FaultSet>,
    pub limiter: Mutex<ratelimit::Bucket>,
    pub exchanges: Mutex<Vec<Exchange>>,
    /// Tokens issued at or before this UNIX second are refused (see [`Sandbox::expire_tokens`]).
    pub tokens_cutoff: AtomicU64,
    /// Set by every change to the tenant; the saver writes the state file and clears it.
    pub dirty: AtomicBool,
    pub token_requests: AtomicU64,
    pub management_requests: AtomicU64,
    pub rate_limited: AtomicU64,
    pub faults_injected: AtomicU64,
    pub device_code_requests: AtomicU64,
}

/// Locks a mutex, carrying on with the data if a holder panicked (it holds plain data).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Seconds since the UNIX epoch.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the UNIX epoch.
pub(crate) fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The tenant (loaded from the state file or seeded) and where its signing key comes from.
async fn tenant_and_key(
    options: &SandboxOptions,
) -> Result<(state::TenantState, keys::KeySource), SandboxError> {
    let loaded = match &options.state_file {
        Some(path) => state::load(path)?,
        None => None,
    };
    // RSA key generation is the slow part of starting: without a state file
    // the tenant starts at once and the first token request waits for the key.
    let key_pem = loaded.as_ref().and_then(|t| t.signing_key_pem.clone());
    let persist_key = options.state_file.is_some();
    let key_task = tokio::task::spawn_blocking(move || match key_pem {
        Some(pem) => keys::SigningKey::from_pem(&pem).map(|k| Some(Arc::new(k))),
        None if persist_key => keys::process_key().map(Some),
        None => {
            keys::warm_process_key();
            Ok(None)
        }
    });
    let mut tenant = match loaded {
        Some(tenant) => tenant,
        None => seed::build(options.seed),
    };
    // State files from before the native application get one.
    if tenant.native_client_id.is_empty() {
        tenant.native_client_id = state::client_id();
    }
    let keys = match key_task
        .await
        .map_err(|e| SandboxError::Key(e.to_string()))??
    {
        Some(key) => {
            if persist_key {
                tenant.signing_key_pem = Some(key.private_pem()?);
            }
            keys::KeySource::Ready(key)
        }
        None => keys::KeySource::Process,
    };
    Ok((tenant, keys))
}

impl Shared {
    /// What the handlers share for a tenant served at `base_url`.
    fn new(
        options: &SandboxOptions,
        base_url: String,
        tenant: state::TenantState,
        keys: keys::KeySource,
    ) -> Shared {
        let admin_scopes = options.admin_scopes.clone().unwrap_or_else(|| {
            management::ADMIN_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        });
        Shared {
            base_url,
            token_ttl: options.token_ttl,
            admin_scopes,
            entitled: options.m2m_organizations_entitled,
            record: options.record,
            device_interval: options.device_interval.as_secs().max(1),
            offline_access: options.offline_access,
            ec_key: match options.provider.alg {
                SigningAlg::Es256 => Some(Arc::new(keys::EcKey::generate())),
                _ => None,
            },
            provider: options.provider.clone(),
            keys,
            tenant: Mutex::new(tenant),
            devices: Mutex::new(device::Devices::default()),
            faults: Mutex::new(faults::FaultSet::new(options.faults.clone())),
            limiter: Mutex::new(ratelimit::Bucket::new(options.rate)),
            exchanges: Mutex::new(Vec::new()),
            tokens_cutoff: AtomicU64::new(0),
            dirty: AtomicBool::new(options.state_file.is_some()),
            token_requests: AtomicU64::new(0),
            management_requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            faults_injected: AtomicU64::new(0),
            device_code_requests: AtomicU64::new(0),
        }
    }
}

/// A running sandbox tenant. Dropping it stops the server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    state_file: Option<PathBuf>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    saver: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds the address, seeds (or loads) the tenant and starts serving.
    pub async fn start(options: SandboxOptions) -> Result<Sandbox, SandboxError> {
        if !options.addr.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(options.addr));
        }
        let (tenant, keys) = tenant_and_key(&options).await?;
        let (listener, addr) = server::bind(options.addr).await?;
        let shared = Arc::new(Shared::new(&options, server::base_url(addr), tenant, keys));
        // An unwritable state file is an error now, not a surprise at exit.
        if let Some(path) = &options.state_file {
            server::save_now(&shared, path)?;
        }
        let (stop, stop_rx) = watch::channel(false);
        let server = tokio::spawn(server::run_server(
            listener,
            shared.clone(),
            stop_rx.clone(),
        ));
        let saver = options
            .state_file
            .clone()
            .map(|path| tokio::spawn(server::save_loop(shared.clone(), path, stop_rx)));
        tracing::info!(addr = %addr, "sandbox tenant listening");
        Ok(Sandbox {
            shared,
            addr,
            state_file: options.state_file,
            stop,
            server: Some(server),
            saver,
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The address the tenant listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin app's client id.
    pub fn admin_client_id(&self) -> String {
        lock(&self.shared.tenant).admin_client_id.clone()
    }

    /// Settings that point the portal at this tenant: its admin app, the customer
    /// API and its scopes, the login app for invitations, marked as the sandbox.
    pub fn settings(&self) -> crate::config::Settings {
        let mut settings = crate::config::Settings::for_tenant(
            &self.base_url(),
            &self.admin_client_id(),
            self.admin_client_secret(),
            &self.api_audience(),
            &self.api_scope(),
        );
        settings.sandbox = true;
        settings.invite_client_id = self.login_client_id();
        settings.login_client_id = Some(self.native_client_id());
        settings
    }

    /// The login application invitations point to (`demo` seeds have one).
    pub fn login_client_id(&self) -> Option<String> {
        lock(&self.shared.tenant).login_client_id.clone()
    }

    /// The native (public) application operators sign in with (`m2m-portal login`):
    /// the only client the device flow is issued to.
    pub fn native_client_id(&self) -> String {
        lock(&self.shared.tenant).native_client_id.clone()
    }

    /// The user codes of device authorizations waiting for a decision (tests
    /// approve them with [`Sandbox::approve_device`]).
    pub fn pending_user_codes(&self) -> Vec<String> {
        lock(&self.shared.devices).pending()
    }

    /// Refresh tokens issued so far and not revoked.
    pub fn refresh_token_count(&self) -> usize {
        lock(&self.shared.devices).refresh_token_count()
    }

    /// Revokes every refresh token (as an admin revoking the user's sessions would).
    pub fn revoke_refresh_tokens(&self) {
        lock(&self.shared.devices).revoke_refresh_tokens();
    }

    /// The admin app's client secret.
    pub fn admin_client_secret(&self) -> Secret {
        let tenant = lock(&self.shared.tenant);
        let secret = tenant
            .clients
            .get(&tenant.admin_client_id)
            .map(|client| client.secret.clone())
            .unwrap_or_default();
        Secret::new(secret)
    }

    /// The customer-facing API's identifier.
    pub fn api_audience(&self) -> String {
        lock(&self.shared.tenant).api.identifier.clone()
    }

    /// The customer-facing API's scopes, space separated.
    pub fn api_scope(&self) -> String {
        lock(&self.shared.tenant).api.scopes.join(" ")
    }

    /// The `.env` block for this tenant: `PLUGIN_AUTH0_M2M_*=...` lines, then a blank line.
    /// Values with spaces (the scope) are double-quoted so dotenv parsers and shells read them whole.
    pub fn env_block(&self) -> String {
        let secret = self.admin_client_secret();
        let provider = &self.shared.provider;
        let domain = match &provider.custom_domain {
            Some(custom) => {
                let port = self.addr.port();
                format!("http://{custom}:{port}")
            }
            None => self.base_url(),
        };
        let mut lines = vec![
            ("PLUGIN_AUTH0_M2M_DOMAIN", domain),
            ("PLUGIN_AUTH0_M2M_CLIENT_ID", self.admin_client_id()),
            (
                "PLUGIN_AUTH0_M2M_CLIENT_SECRET",
                secret.expose_secret().to_owned(),
            ),
            ("PLUGIN_AUTH0_M2M_API_AUDIENCE", self.api_audience()),
            ("PLUGIN_AUTH0_M2M_API_SCOPE", self.api_scope()),
        ];
        // The provider options need settings of their own (docs/CLI.md).
        if provider.custom_domain.is_some() {
            lines.push(("PLUGIN_AUTH0_M2M_MANAGEMENT_DOMAIN", self.base_url()));
        }
        if provider.resource {
            lines.push((
                "PLUGIN_AUTH0_M2M_TOKEN_AUDIENCE_PARAM",
                "resource".to_owned(),
            ));
        }
        let mut block = String::new();
        for (key, value) in lines {
            block.push_str(key);
            block.push('=');
            block.push_str(&crate::text::dotenv_value(&value));
            block.push('\n');
        }
        block.push('\n');
        block
    }

    /// The tenant's state, for tests: organizations, clients, grants, links, members, users.
    pub fn snapshot(&self) -> serde_json::Value {
        lock(&self.shared.tenant).snapshot()
    }

    /// Approves a pending device authorization, as the user would on `/activate`.
    pub fn approve_device(&self, user_code: &str) -> bool {
        lock(&self.shared.devices).decide(user_code, true)
    }

    /// Denies a pending device authorization.
    pub fn deny_device(&self, user_code: &str) -> bool {
        lock(&self.shared.devices).decide(user_code, false)
    }

    /// Makes every device code issued so far expire now.
    pub fn expire_device_codes(&self) {
        lock(&self.shared.devices).expire_all();
    }

    /// Every token issued so far is refused from now on, as if it had expired.
    pub fn expire_tokens(&self) {
        self.shared
            .tokens_cutoff
            .store(now_secs(), Ordering::SeqCst);
    }

    /// Ends the 30-second grace of secrets replaced by rotation: only current secrets work.
    pub fn expire_previous_secrets(&self) {
        for client in lock(&self.shared.tenant).clients.values_mut() {
            client.previous_until = 0;
        }
    }

    /// Replaces the injected faults (and their counters).
    pub fn set_faults(&self, faults: FaultSpec) {
        *lock(&self.shared.faults) = faults::FaultSet::new(faults);
    }

    /// The recorded exchanges (only with `record: true`).
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.exchanges).clone()
    }

    /// Counters of what was served.
    pub fn stats(&self) -> SandboxStats {
        let s = &self.shared;
        SandboxStats {
            token_requests: s.token_requests.load(Ordering::Relaxed),
            management_requests: s.management_requests.load(Ordering::Relaxed),
            rate_limited: s.rate_limited.load(Ordering::Relaxed),
            faults_injected: s.faults_injected.load(Ordering::Relaxed),
            device_code_requests: s.device_code_requests.load(Ordering::Relaxed),
        }
    }

    /// Writes the state file now (when there is one).
    pub fn save(&self) -> Result<(), SandboxError> {
        match &self.state_file {
            Some(path) => server::save_now(&self.shared, path),
            None => Ok(()),
        }
    }

    /// Stops accepting, lets open exchanges finish (briefly), saves the state.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut server) = self.server.take() {
            // Open exchanges get a moment to finish; a slow one (a delay fault) is cut.
            if tokio::time::timeout(Duration::from_secs(2), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
        if let Some(saver) = self.saver.take() {
            let _ = saver.await;
        }
        if let Err(error) = self.save() {
            tracing::warn!(%error, "sandbox state not saved");
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

#[cfg(test)]
mod tests {}
