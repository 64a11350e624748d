//! How a sandbox tenant is run: its options, seeds and token-side provider layout.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::{FaultSpec, SandboxError, seed};

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
