//! Decoding and verifying access tokens exactly as an API gateway would.
//!
//! [`decode_unverified`] shows what a token says; [`check`] says whether a
//! gateway would believe it: a pinned algorithm (RS256 by default; PS256 and
//! ES256 when the provider's discovery document allows them, never `none`), a
//! `kid` from the tenant's JWKS, the signature, `iss`, `aud`, `exp`/`iat` and
//! `org_id`, each reported on its own. [`check_with`] takes a [`Policy`]
//! (allowed algorithms, clock leeway).

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use serde::Serialize;
use serde_json::Value;

mod signature;

use signature::{check_signature, key_fits, typed_keys};

/// Clock skew tolerated between the tenant and this machine, in seconds
/// (the usual gateway default).
pub const LEEWAY_SECS: u64 = 60;

/// The algorithm accepted by default: Auth0 signs access tokens with RS256,
/// and accepting anything else opens the `alg: none` / HS256-with-public-key attacks.
const PINNED_ALG: &str = "RS256";

/// The asymmetric algorithms a gateway can check against a JWKS, and that a
/// [`Policy`] may allow. Symmetric (HS*) and `none` are never among them.
pub const SUPPORTED_ALGS: [&str; 3] = ["RS256", "PS256", "ES256"];

/// How strict the checks are: which algorithms are pinned and the clock leeway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Allowed `alg` values, each one of [`SUPPORTED_ALGS`].
    pub algorithms: Vec<String>,
    /// Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds.
    pub leeway: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            algorithms: vec![PINNED_ALG.to_owned()],
            leeway: LEEWAY_SECS,
        }
    }
}

impl Policy {
    /// The algorithms a provider allows: its discovery document's
    /// `id_token_signing_alg_values_supported` (RS256 when it names none of
    /// [`SUPPORTED_ALGS`]), narrowed to those a key in the JWKS can verify (its
    /// `alg`, else its `kty`), so an Auth0 tenant whose keys are all RS256 stays
    /// pinned to RS256.
    pub fn from_discovery(discovery: Option<&Value>, jwks: Option<&Value>, leeway: u64) -> Self {
        let mut algorithms: Vec<String> = discovery
            .and_then(|d| d.get("id_token_signing_alg_values_supported"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .filter(|alg| SUPPORTED_ALGS.contains(alg))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if algorithms.is_empty() {
            algorithms.push(PINNED_ALG.to_owned());
        }
        let keys: Vec<Jwk> = jwks
            .and_then(|j| typed_keys(j).ok())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, key)| key.ok())
            .collect();
        let usable: Vec<String> = algorithms
            .iter()
            .filter(|alg| keys.iter().any(|k| key_fits(k, alg)))
            .cloned()
            .collect();
        if !usable.is_empty() {
            algorithms = usable;
        }
        Self { algorithms, leeway }
    }

    fn allows(&self, alg: &str) -> bool {
        SUPPORTED_ALGS.contains(&alg) && self.algorithms.iter().any(|a| a == alg)
    }

    fn allowed_text(&self) -> String {
        self.algorithms.join(", ")
    }
}

/// One gateway check (`signature`, `issuer`, `audience`, `expiry`, `org_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn pass(name: &str, detail: String) -> Self {
        Self {
            name: name.to_owned(),
            ok: true,
            detail,
        }
    }

    fn fail(name: &str, detail: String) -> Self {
        Self {
            name: name.to_owned(),
            ok: false,
            detail,
        }
    }
}

/// The names of the checks [`check`] returns, in order.
pub const CHECK_NAMES: [&str; 5] = ["signature", "issuer", "audience", "expiry", "org_id"];

/// True when every check passed: a gateway would accept the token.
pub fn all_ok(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.ok)
}

/// Why a token could not be read. Never carries the token's text (it is a credential).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("not a JWT: expected three base64url parts separated by dots, found {parts} part(s)")]
    NotAJwt { parts: usize },
    #[error("the token's {part} is not valid base64url")]
    Base64 { part: &'static str },
    #[error("the token's {part} is not a JSON object: {reason}")]
    Json { part: &'static str, reason: String },
}

/// A token's header and claims, read without checking anything.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decoded {
    pub header: Value,
    pub claims: Value,
}

impl Decoded {
    /// The header's `alg`, if it is a string.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid`, if it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// A string claim such as `iss`, `sub` or `org_id`.
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric date claim (`exp`, `iat`, `nbf`) in seconds since the UNIX epoch.
    pub fn claim_time(&self, name: &str) -> Option<u64> {
        let value = self.claims.get(name)?;
        value
            .as_u64()
            // NumericDate may be fractional; a gateway truncates it.
            .or_else(|| value.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    }
}

/// Strips what people paste around a token: whitespace and a `Bearer ` prefix.
fn trim_token(token: &str) -> &str {
    let token = token.trim();
    let token = token
        .strip_prefix("Bearer ")
        .or_else(|| token.strip_prefix("bearer "))
        .unwrap_or(token);
    token.trim()
}

fn decode_part(part: &str, name: &'static str) -> Result<Value, JwtError> {
    // Tolerate padding some tools add, although JWTs are unpadded.
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| JwtError::Base64 { part: name })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| JwtError::Json {
        part: name,
        reason: e.to_string(),
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(JwtError::Json {
            part: name,
            reason: "it is JSON, but not an object".to_owned(),
        })
    }
}

/// Splits a token into its three parts (header, payload, signature).
fn split(token: &str) -> Result<[&str; 3], JwtError> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.as_slice() {
        [h, p, s] if !h.is_empty() && !p.is_empty() => Ok([h, p, s]),
        _ => Err(JwtError::NotAJwt { parts: parts.len() }),
    }
}

/// Reads a token's header and claims without verifying anything (for display).
pub fn decode_unverified(token: &str) -> Result<Decoded, JwtError> {
    let [header, payload, _signature] = split(trim_token(token))?;
    Ok(Decoded {
        header: decode_part(header, "header")?,
        claims: decode_part(payload, "payload")?,
    })
}

/// What the gateway expects of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    /// Exact `iss`, e.g. `https://tenant.eu.auth0.com/` (with the trailing slash).
    pub issuer: String,
    /// The API identifier that `aud` must be or contain.
    pub audience: String,
    /// The organization `org_id` must equal; `None` only reports the claim.
    pub organization_id: Option<String>,
    /// The current time in seconds since the UNIX epoch (injected so tests are exact).
    pub now: u64,
}

/// Checks a token as an API gateway would, one [`Check`] per name in [`CHECK_NAMES`].
///
/// Claims are checked even when the signature fails, so a person sees every
/// problem at once; a gateway accepts the token only if [`all_ok`].
pub fn check(token: &str, jwks: &Value, expect: &Expectations) -> Vec<Check> {
    check_with(token, jwks, expect, &Policy::default())
}

/// [`check`] under a [`Policy`]: the algorithms allowed and the clock leeway.
pub fn check_with(token: &str, jwks: &Value, expect: &Expectations, policy: &Policy) -> Vec<Check> {
    let token = trim_token(token);
    let decoded = match decode_unverified(token) {
        Ok(decoded) => decoded,
        Err(e) => {
            return CHECK_NAMES
                .iter()
                .map(|name| Check::fail(name, format!("cannot read the token: {e}")))
                .collect();
        }
    };
    vec![
        check_signature(token, &decoded, jwks, policy),
        check_issuer(&decoded, &expect.issuer),
        check_audience(&decoded, &expect.audience),
        check_expiry(&decoded, expect.now, policy.leeway),
        check_org_id(&decoded, expect.organization_id.as_deref()),
    ]
}

fn check_issuer(decoded: &Decoded, expected: &str) -> Check {
    const NAME: &str = "issuer";
    match decoded.claim_str("iss") {
        Some(iss) if iss == expected => Check::pass(NAME, format!("iss is {iss}")),
        Some(iss) => Check::fail(NAME, format!("iss is {iss}, expected {expected}")),
        None => Check::fail(NAME, format!("no iss claim, expected {expected}")),
    }
}

fn check_audience(decoded: &Decoded, expected: &str) -> Check {
    const NAME: &str = "audience";
    match decoded.claims.get("aud") {
        Some(Value::String(aud)) if aud == expected => Check::pass(NAME, format!("aud is {aud}")),
        Some(Value::String(aud)) => Check::fail(NAME, format!("aud is {aud}, expected {expected}")),
        Some(Value::Array(auds)) => {
            let list: Vec<&str> = auds.iter().filter_map(Value::as_str).collect();
            if list.contains(&expected) {
                Check::pass(NAME, format!("aud includes {expected}"))
            } else {
                Check::fail(
                    NAME,
                    format!(
                        "aud is [{}], expected it to include {expected}",
                        list.join(", ")
                    ),
                )
            }
        }
        Some(other) => Check::fail(
            NAME,
            format!("aud is {other}, expected the string {expected}"),
        ),
        None => Check::fail(NAME, format!("no aud claim, expected {expected}")),
    }
}

/// A readable span, in the app's one duration style.
fn human_span(secs: u64) -> String {
    crate::text::duration(secs)
}

/// The first second RFC 3339 cannot write (year 10000).
const RFC3339_END: u64 = 253_402_300_800;

/// A date claim as RFC 3339, or a plain note when it is past year 9999 or
/// beyond what the system clock can hold (never a panic).
fn rfc3339(secs: u64) -> String {
    if secs >= RFC3339_END {
        return format!("{secs}, out of range: after year 9999");
    }
    match UNIX_EPOCH.checked_add(Duration::from_secs(secs)) {
        Some(time) => humantime::format_rfc3339_seconds(time).to_string(),
        None => format!("{secs}, out of range for this system's clock"),
    }
}

fn check_expiry(decoded: &Decoded, now: u64, leeway: u64) -> Check {
    const NAME: &str = "expiry";
    for claim in ["exp", "iat", "nbf"] {
        if let Some(value) = decoded.claims.get(claim)
            && decoded.claim_time(claim).is_none()
        {
            let shown = crate::text::sanitize(&value.to_string());
            let shown: String = shown.chars().take(80).collect();
            return Check::fail(
                NAME,
                format!("{claim} is not a valid date (seconds since 1970 expected): {shown}"),
            );
        }
    }
    let Some(exp) = decoded.claim_time("exp") else {
        return Check::fail(NAME, "no exp claim: the token never expires".to_owned());
    };
    if exp.saturating_add(leeway) <= now {
        return Check::fail(
            NAME,
            format!(
                "expired {} ago (exp {}, now {}; leeway {leeway} s)",
                human_span(now - exp),
                rfc3339(exp),
                rfc3339(now)
            ),
        );
    }
    for (claim, meaning) in [("iat", "issued"), ("nbf", "valid")] {
        if let Some(t) = decoded.claim_time(claim)
            && t > now.saturating_add(leeway)
        {
            return Check::fail(
                NAME,
                format!(
                    "{claim} is in the future: {meaning} in {} ({claim} {}, now {}; leeway {leeway} s); check the clocks",
                    human_span(t - now),
                    rfc3339(t),
                    rfc3339(now)
                ),
            );
        }
    }
    let detail = if exp > now {
        format!(
            "expires in {} (exp {}; leeway {leeway} s)",
            human_span(exp - now),
            rfc3339(exp)
        )
    } else {
        format!(
            "expired {} ago, within the {leeway} s clock leeway (exp {})",
            human_span(now - exp),
            rfc3339(exp)
        )
    };
    Check::pass(NAME, detail)
}

fn check_org_id(decoded: &Decoded, expected: Option<&str>) -> Check {
    const NAME: &str = "org_id";
    let org_name = decoded
        .claim_str("org_name")
        .map(|name| format!(" ({name})"))
        .unwrap_or_default();
    match (decoded.claims.get("org_id"), expected) {
        (Some(Value::String(org)), Some(want)) if org == want => {
            Check::pass(NAME, format!("org_id is {org}{org_name}"))
        }
        (Some(Value::String(org)), Some(want)) => {
            Check::fail(NAME, format!("org_id is {org}{org_name}, expected {want}"))
        }
        (Some(other), Some(want)) => Check::fail(
            NAME,
            format!("org_id is {other}, expected the string {want}"),
        ),
        (None, Some(want)) => Check::fail(
            NAME,
            format!(
                "no org_id claim, expected {want}: was the token requested with organization={want}?"
            ),
        ),
        (Some(Value::String(org)), None) => Check::pass(
            NAME,
            format!("org_id is {org}{org_name} (no organization expected)"),
        ),
        (Some(other), None) => Check::pass(
            NAME,
            format!("org_id is {other} (no organization expected)"),
        ),
        (None, None) => Check::pass(
            NAME,
            "no org_id claim (no organization expected)".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests;
