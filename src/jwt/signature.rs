//! The signature check: the pinned algorithm, the key chosen from the JWKS
//! (by `kid`, or the only one that fits), the key's fitness, then the signature.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::{Check, Decoded, Policy};

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

pub(super) fn typed_keys(jwks: &Value) -> Result<TypedKeys, String> {
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
pub(super) fn key_fits(jwk: &Jwk, alg: &str) -> bool {
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

pub(super) fn check_signature(
    token: &str,
    decoded: &Decoded,
    jwks: &Value,
    policy: &Policy,
) -> Check {
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
    let (alg, algorithm) = pinned_algorithm(decoded, policy)?;
    let keys = typed_keys(jwks)?;
    let (kid, jwk) = chosen_key(decoded, &keys, alg)?;
    check_key_fits(&kid, jwk, alg)?;
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

/// The header's `alg` when the policy allows it (never `none`), or why not.
fn pinned_algorithm<'d>(
    decoded: &'d Decoded,
    policy: &Policy,
) -> Result<(&'d str, Algorithm), String> {
    let allowed = policy.allowed_text();
    match decoded.alg() {
        Some(alg) if policy.allows(alg) => Ok(match alg {
            "PS256" => (alg, Algorithm::PS256),
            "ES256" => (alg, Algorithm::ES256),
            _ => (alg, Algorithm::RS256),
        }),
        Some(alg) if alg.eq_ignore_ascii_case("none") => Err(format!(
            "the token is unsigned (alg {alg}); only {allowed} is accepted"
        )),
        Some(alg) => Err(format!(
            "the token is signed with {alg}; only {allowed} is accepted"
        )),
        None => Err(format!("the header has no alg; expected {allowed}")),
    }
}

/// The key named by the header's `kid`, or without one the JWKS's only key for `alg`;
/// with how the key is named in messages.
fn chosen_key<'k>(
    decoded: &Decoded,
    keys: &'k TypedKeys,
    alg: &str,
) -> Result<(String, &'k Jwk), String> {
    let Some(kid) = decoded.kid() else {
        // Without a kid, a gateway can only pick the key when exactly one fits.
        let fitting: Vec<(&Option<String>, &Jwk)> = keys
            .iter()
            .filter_map(|(kid, key)| key.as_ref().ok().map(|key| (kid, key)))
            .filter(|(_, key)| key_fits(key, alg))
            .collect();
        return match fitting.as_slice() {
            [(kid, only)] => {
                let kid = kid.as_deref().unwrap_or("(no kid)");
                Ok((format!("{kid}, the JWKS's only {alg} key"), *only))
            }
            [] => Err(format!(
                "the header has no kid, and the JWKS has no {alg} key to use"
            )),
            several => Err(format!(
                "the header has no kid, so no key from the JWKS can be chosen ({} {alg} keys)",
                several.len()
            )),
        };
    };
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
    Ok((kid.to_owned(), jwk))
}

/// The chosen key can verify `alg`: its type, its `alg` and `use` if given, its curve.
fn check_key_fits(kid: &str, jwk: &Jwk, alg: &str) -> Result<(), String> {
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
    Ok(())
}
