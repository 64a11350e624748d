//! The embedded Auth0-compatible sandbox tenant, on loopback only.
//!
//! It speaks JSON the way Auth0 does (shapes, status codes, strict bodies,
//! paging, rate limits, RS256 tokens with `org_id`) and shares no Rust types
//! with `auth0/`, so a wrong field name cannot hide behind one struct used on
//! both sides. It is served by axum, but the handlers take the raw request so
//! that every error, malformed input included, has Auth0's shape.

mod cert;
mod device;
mod faults;
mod http;
mod keys;
mod management;
mod ratelimit;
mod seed;
mod state;
mod tokens;
mod vocab;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::serve::ListenerExt;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::FaultSpec;
pub use seed::HOSTILE;

use crate::secret::Secret;

/// How to run a sandbox tenant.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Where to listen; loopback only. Port 0 picks a free port.
    pub addr: SocketAddr,
    /// What the tenant holds when it starts without a state file.
    pub seed: Seed,
    /// Injected failures.
    pub faults: FaultSpec,
    /// Management API token bucket, requests per second (`None`: not enforced).
    pub rate: Option<u32>,
    /// Keep the tenant across restarts in this file (written atomically, 0600).
    pub state_file: Option<PathBuf>,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    /// The admin app's Management API scopes (`None`: all the portal needs, never `read:client_keys`).
    pub admin_scopes: Option<Vec<String>>,
    /// False: organization client-grant endpoints answer like a plan without Organizations for M2M.
    pub m2m_organizations_entitled: bool,
    /// Keep a log of Management API and token endpoint exchanges (see [`Sandbox::exchanges`]).
    pub record: bool,
    /// The device flow's polling interval handed out (whole seconds, at least 1; Auth0: 5 s).
    pub device_interval: Duration,
    /// Issue a refresh token to a device sign-in that asks for `offline_access`
    /// (an API with "Allow Offline Access"); false: never.
    pub offline_access: bool,
    /// How the token side looks to a client that follows discovery (default: Auth0's).
    pub provider: ProviderOptions,
}

/// The token side of a tenant that is not laid out like Auth0's, so clients that
/// follow `/.well-known/openid-configuration` can be tested (docs/SANDBOX.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderOptions {
    /// Serve the token endpoint at `/connect/token` and the JWKS at `/discovery/keys`
    /// (only discovery names them; Auth0's paths answer 404 for the customer API).
    pub paths: bool,
    /// Sign customer-API tokens with this algorithm (Management tokens stay RS256).
    pub alg: SigningAlg,
    /// Only `client_secret_basic` is accepted at the token endpoint, and discovery says so.
    pub basic_only: bool,
    /// The token endpoint takes `resource` (RFC 8707) for the API instead of `audience`.
    pub resource: bool,
    /// A custom domain: requests whose `Host` is this name (any port) get tokens
    /// whose `iss` names it, as Auth0 does for a custom domain. Management tokens
    /// are for the canonical `http://127.0.0.1:PORT/api/v2/` only.
    pub custom_domain: Option<String>,
    /// Customer-API token answers leave out `expires_in` (it is only RECOMMENDED
    /// by RFC 6749): a client must read the lifetime from the token's `exp`.
    pub no_expires_in: bool,
}

/// The algorithm customer-API tokens are signed with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SigningAlg {
    #[default]
    Rs256,
    Ps256,
    Es256,
}

impl SigningAlg {
    /// `RS256`, `PS256` or `ES256`.
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Ps256 => "PS256",
            SigningAlg::Es256 => "ES256",
        }
    }
}

impl FromStr for SigningAlg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_uppercase().as_str() {
            "RS256" => Ok(SigningAlg::Rs256),
            "PS256" => Ok(SigningAlg::Ps256),
            "ES256" => Ok(SigningAlg::Es256),
            other => Err(format!(
                "unknown algorithm {other:?}: use RS256, PS256 or ES256"
            )),
        }
    }
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::Demo,
            faults: FaultSpec::default(),
            rate: None,
            state_file: None,
            token_ttl: Duration::from_secs(86_400),
            admin_scopes: None,
            m2m_organizations_entitled: true,
            record: false,
            device_interval: Duration::from_secs(5),
            offline_access: true,
            provider: ProviderOptions::default(),
        }
    }
}

/// What a fresh tenant holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// A handful of organizations, the admin app, one customer API and one existing key.
    #[default]
    Demo,
    /// The admin app and the customer API only.
    Empty,
    /// The admin app, the customer API and N generated organizations.
    Large(usize),
    /// The demo tenant plus N unlinked M2M clients (a tenant with many applications).
    Clients(usize),
    /// The demo tenant plus organizations and keys whose names, display names and
    /// metadata hold control sequences, bidi overrides, zero-width and 5,000-character text.
    Hostile,
    /// The demo tenant plus one key in each inventory health state (`keys`), and
    /// with `keys:N` N more stale keys, one per generated organization `fleet-NNNN`.
    Keys(usize),
}

impl FromStr for Seed {
    type Err = SandboxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || SandboxError::BadSeed(text.to_owned());
        match text.trim() {
            "demo" => Ok(Seed::Demo),
            "empty" => Ok(Seed::Empty),
            "hostile" => Ok(Seed::Hostile),
            "keys" => Ok(Seed::Keys(0)),
            other => {
                let (make, count): (fn(usize) -> Seed, &str) =
                    if let Some(count) = other.strip_prefix("large:") {
                        (Seed::Large, count)
                    } else if let Some(count) = other.strip_prefix("clients:") {
                        (Seed::Clients, count)
                    } else if let Some(count) = other.strip_prefix("keys:") {
                        (Seed::Keys, count)
                    } else {
                        return Err(bad());
                    };
                let count: usize = count.trim().parse().map_err(|_| bad())?;
                if count == 0 || count > seed::LARGE_MAX {
                    return Err(bad());
                }
                Ok(make(count))
            }
        }
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seed::Demo => f.write_str("demo"),
            Seed::Empty => f.write_str("empty"),
            Seed::Large(count) => write!(f, "large:{count}"),
            Seed::Clients(count) => write!(f, "clients:{count}"),
            Seed::Hostile => f.write_str("hostile"),
            Seed::Keys(0) => f.write_str("keys"),
            Seed::Keys(count) => write!(f, "keys:{count}"),
        }
    }
}

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
        let listener =
            TcpListener::bind(options.addr)
                .await
                .map_err(|source| SandboxError::Bind {
                    addr: options.addr,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: options.addr,
            source,
        })?;
        let base_url = match addr {
            SocketAddr::V4(v4) => format!("http://{}:{}", v4.ip(), v4.port()),
            SocketAddr::V6(v6) => format!("http://[{}]:{}", v6.ip(), v6.port()),
        };
        let admin_scopes = options.admin_scopes.clone().unwrap_or_else(|| {
            management::ADMIN_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        });
        let shared = Arc::new(Shared {
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
        });
        // An unwritable state file is an error now, not a surprise at exit.
        if let Some(path) = &options.state_file {
            save_now(&shared, path)?;
        }
        let (stop, stop_rx) = watch::channel(false);
        let server = tokio::spawn(run_server(listener, shared.clone(), stop_rx.clone()));
        let saver = options
            .state_file
            .clone()
            .map(|path| tokio::spawn(save_loop(shared.clone(), path, stop_rx)));
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
            Some(path) => save_now(&self.shared, path),
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

/// `m2m-portal sandbox`: starts the tenant, prints its `.env` block to stdout
/// (then, after a blank line, the optional invitation login app and the native app
/// operators sign in with), serves until
/// Ctrl-C, then saves the state.
pub async fn serve(options: SandboxOptions) -> Result<(), SandboxError> {
    use std::io::Write;
    let sandbox = Sandbox::start(options).await?;
    {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(sandbox.env_block().as_bytes());
        // Optional, so after the block: the login app invitations send people to.
        if let Some(login) = sandbox.login_client_id() {
            let _ = writeln!(
                out,
                "# organization invitations send people to this login app\nPLUGIN_AUTH0_M2M_INVITE_CLIENT_ID={login}"
            );
        }
        // The native app operators sign in with (`m2m-portal login`, Ctrl-D in the TUI).
        let _ = writeln!(
            out,
            "# operators sign in as themselves (m2m-portal login) through this native app\nPLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID={}",
            sandbox.native_client_id()
        );
        let _ = out.flush();
    }
    eprintln!(
        "m2m-portal sandbox tenant at {} (admin app {}); Ctrl-C to stop",
        sandbox.base_url(),
        sandbox.admin_client_id()
    );
    let waited = tokio::signal::ctrl_c().await;
    eprintln!("stopping the sandbox tenant");
    sandbox.shutdown().await;
    waited.map_err(SandboxError::Signal)
}

fn save_now(shared: &Shared, path: &std::path::Path) -> Result<(), SandboxError> {
    shared.dirty.store(false, Ordering::SeqCst);
    let text = {
        let tenant = lock(&shared.tenant);
        serde_json::to_vec(&*tenant)
    }
    .map_err(|e| SandboxError::StateWrite {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    state::write_atomically(path, &text)
}

async fn save_loop(shared: Arc<Shared>, path: PathBuf, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        if shared.dirty.load(Ordering::SeqCst) {
            let shared = shared.clone();
            let path = path.clone();
            let saved = tokio::task::spawn_blocking(move || save_now(&shared, &path)).await;
            if let Ok(Err(error)) = saved {
                tracing::warn!(%error, "sandbox state not saved");
            }
        }
    }
}

/// Serves until the stop signal, then lets open exchanges finish.
async fn run_server(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let stopped = async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    let served = axum::serve(listener, http::router(shared))
        .with_graceful_shutdown(stopped)
        .await;
    if let Err(error) = served {
        tracing::warn!(%error, "sandbox server stopped");
    }
}

#[cfg(test)]
mod tests {}
