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
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Serialize;
use serde_json::Value;

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

/// The `kty` a JWKS key for `alg` has.
fn key_type(alg: &str) -> &'static str {
    if alg.starts_with("ES") { "EC" } else { "RSA" }
}

/// A typed key's `kty`.
fn kty(jwk: &Jwk) -> &'static str {
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => "RSA",
        AlgorithmParameters::EllipticCurve(_) => "EC",
        AlgorithmParameters::OctetKey(_) => "oct",
        AlgorithmParameters::OctetKeyPair(_) => "OKP",
    }
}

/// The keys of a JWKS, each typed as `jsonwebtoken::jwk::Jwk` with its `kid`, or
/// with why it cannot be read. Read one by one rather than as one `JwkSet`: a key
/// of a kind nobody here uses must not hide the good ones (RFC 7517 §5).
type TypedKeys = Vec<(Option<String>, Result<Jwk, String>)>;

fn typed_keys(jwks: &Value) -> Result<TypedKeys, String> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the JWKS has no \"keys\" array".to_owned())?;
    Ok(keys
        .iter()
        .map(|key| {
            let kid = key.get("kid").and_then(Value::as_str).map(str::to_owned);
            let typed = serde_json::from_value::<Jwk>(key.clone()).map_err(|e| e.to_string());
            (kid, typed)
        })
        .collect())
}

/// True when a JWKS key can verify `alg`: the right key type (and curve), an
/// `alg` (if any) equal to it, and a `use` (if any) of `sig`.
fn key_fits(jwk: &Jwk, alg: &str) -> bool {
    let kind = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => key_type(alg) == "RSA",
        AlgorithmParameters::EllipticCurve(ec) => {
            key_type(alg) == "EC" && ec.curve == EllipticCurve::P256
        }
        _ => false,
    };
    kind && jwk
        .common
        .key_algorithm
        .is_none_or(|a| a.to_string() == alg)
        && jwk
            .common
            .public_key_use
            .as_ref()
            .is_none_or(|u| *u == PublicKeyUse::Signature)
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

fn check_signature(token: &str, decoded: &Decoded, jwks: &Value, policy: &Policy) -> Check {
    const NAME: &str = "signature";
    match verify_signature(token, decoded, jwks, policy) {
        Ok((alg, kid)) => Check::pass(NAME, format!("{alg} signature verified with key {kid}")),
        Err(detail) => Check::fail(NAME, detail),
    }
}

/// Verifies the signature; returns the algorithm and the `kid` that verified it, or why not.
fn verify_signature(
    token: &str,
    decoded: &Decoded,
    jwks: &Value,
    policy: &Policy,
) -> Result<(String, String), String> {
    let allowed = policy.allowed_text();
    let (alg, algorithm) = match decoded.alg() {
        Some(alg) if policy.allows(alg) => match alg {
            "PS256" => (alg, Algorithm::PS256),
            "ES256" => (alg, Algorithm::ES256),
            _ => (alg, Algorithm::RS256),
        },
        Some(alg) if alg.eq_ignore_ascii_case("none") => {
            return Err(format!(
                "the token is unsigned (alg {alg}); only {allowed} is accepted"
            ));
        }
        Some(alg) => {
            return Err(format!(
                "the token is signed with {alg}; only {allowed} is accepted"
            ));
        }
        None => return Err(format!("the header has no alg; expected {allowed}")),
    };
    let keys = typed_keys(jwks)?;
    let (kid, jwk) = match decoded.kid() {
        Some(kid) => {
            let Some((_, jwk)) = keys.iter().find(|(k, _)| k.as_deref() == Some(kid)) else {
                let known: Vec<&str> = keys.iter().filter_map(|(k, _)| k.as_deref()).collect();
                let known = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                return Err(format!(
                    "kid {kid} is not in the tenant's JWKS (known: {known})"
                ));
            };
            let jwk = jwk
                .as_ref()
                .map_err(|err| format!("key {kid} in the JWKS is malformed: {err}"))?;
            (kid.to_owned(), jwk)
        }
        None => {
            // Without a kid, a gateway can only pick the key when exactly one fits.
            let fitting: Vec<(&Option<String>, &Jwk)> = keys
                .iter()
                .filter_map(|(kid, key)| key.as_ref().ok().map(|key| (kid, key)))
                .filter(|(_, key)| key_fits(key, alg))
                .collect();
            match fitting.as_slice() {
                [(kid, only)] => {
                    let kid = kid.as_deref().unwrap_or("(no kid)");
                    (format!("{kid}, the JWKS's only {alg} key"), *only)
                }
                [] => {
                    return Err(format!(
                        "the header has no kid, and the JWKS has no {alg} key to use"
                    ));
                }
                several => {
                    return Err(format!(
                        "the header has no kid, so no key from the JWKS can be chosen ({} {alg} keys)",
                        several.len()
                    ));
                }
            }
        }
    };
    let wanted = key_type(alg);
    if kty(jwk) != wanted {
        return Err(format!(
            "key {kid} in the JWKS is not an {wanted} key (kty {})",
            kty(jwk)
        ));
    }
    if let Some(key_alg) = jwk
        .common
        .key_algorithm
        .map(|a| a.to_string())
        .filter(|key_alg| key_alg != alg)
    {
        return Err(format!("key {kid} in the JWKS is for {key_alg}, not {alg}"));
    }
    if let Some(usage) = jwk
        .common
        .public_key_use
        .as_ref()
        .filter(|usage| **usage != PublicKeyUse::Signature)
    {
        let usage = match usage {
            PublicKeyUse::Encryption => "enc".to_owned(),
            PublicKeyUse::Other(other) => other.clone(),
            PublicKeyUse::Signature => "sig".to_owned(),
        };
        return Err(format!("key {kid} in the JWKS is for use {usage}, not sig"));
    }
    if let AlgorithmParameters::EllipticCurve(ec) = &jwk.algorithm
        && ec.curve != EllipticCurve::P256
    {
        return Err(format!(
            "key {kid} in the JWKS is on curve {:?}, not P-256",
            ec.curve
        ));
    }
    let key = DecodingKey::from_jwk(jwk)
        .map_err(|err| format!("key {kid} in the JWKS is malformed: {err}"))?;
    let (message, signature) = token
        .rsplit_once('.')
        .ok_or_else(|| "the token has no signature part".to_owned())?;
    if signature.is_empty() {
        return Err("the token's signature is empty".to_owned());
    }
    match jsonwebtoken::crypto::verify(signature, message.as_bytes(), &key, algorithm) {
        Ok(true) => Ok((alg.to_owned(), kid)),
        Ok(false) => Err(format!(
            "the signature does not match key {kid}: the token was altered or signed by someone else"
        )),
        Err(err) => Err(format!(
            "the signature cannot be checked with key {kid}: {err}"
        )),
    }
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
