//! Unit tests of [`crate::jwt`].

#![allow(clippy::unwrap_used)]

use super::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, rand_core::OsRng};
use serde_json::json;
use std::sync::OnceLock;

const NOW: u64 = 1_800_000_000;
const ISS: &str = "https://tenant.example.auth0.com/";
const AUD: &str = "https://api.example.com";
const ORG: &str = "org_abc123";

/// Two tenant keys and one stranger's key, generated once per test process
/// (RSA generation is the slow part).
struct Keys {
    tenant: Vec<(String, RsaPrivateKey)>,
    stranger: RsaPrivateKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let generate = || RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
        Keys {
            tenant: vec![
                ("key-1".to_owned(), generate()),
                ("key-2".to_owned(), generate()),
            ],
            stranger: generate(),
        }
    })
}

fn jwk(kid: &str, key: &RsaPrivateKey) -> Value {
    let public = key.to_public_key();
    json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    })
}

fn jwks() -> Value {
    let keys: Vec<Value> = keys()
        .tenant
        .iter()
        .map(|(kid, key)| jwk(kid, key))
        .collect();
    json!({ "keys": keys })
}

fn claims() -> Value {
    json!({
        "iss": ISS, "sub": "abc@clients", "aud": AUD,
        "iat": NOW - 10, "exp": NOW + 86_390,
        "scope": "read:things", "gty": "client-credentials", "azp": "abc",
        "org_id": ORG, "org_name": "acme",
    })
}

fn sign_rs256(kid: &str, key: &RsaPrivateKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let der = key.to_pkcs1_der().unwrap();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes())).unwrap()
}

/// A token signed by the tenant's second key (several keys are listed during rotation).
fn tenant_token(claims: &Value) -> String {
    let (kid, key) = &keys().tenant[1];
    sign_rs256(kid, key, claims)
}

fn expect() -> Expectations {
    Expectations {
        issuer: ISS.to_owned(),
        audience: AUD.to_owned(),
        organization_id: Some(ORG.to_owned()),
        now: NOW,
    }
}

fn failing(checks: &[Check]) -> Vec<&str> {
    checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect()
}

fn detail<'a>(checks: &'a [Check], name: &str) -> &'a str {
    &checks.iter().find(|c| c.name == name).unwrap().detail
}

#[test]
fn a_valid_tenant_token_passes_every_check() {
    let checks = check(&tenant_token(&claims()), &jwks(), &expect());
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, CHECK_NAMES);
    assert!(all_ok(&checks), "{checks:#?}");
    assert_eq!(detail(&checks, "org_id"), "org_id is org_abc123 (acme)");
    assert_eq!(
        detail(&checks, "signature"),
        "RS256 signature verified with key key-2"
    );
    assert!(detail(&checks, "expiry").starts_with("expires in 23 h 59 min"));
}

#[test]
fn a_token_signed_by_another_key_fails_only_the_signature() {
    // Same kid as the tenant's key, but signed by a stranger.
    let token = sign_rs256("key-1", &keys().stranger, &claims());
    let checks = check(&token, &jwks(), &expect());
    assert_eq!(failing(&checks), ["signature"]);
    assert!(detail(&checks, "signature").contains("does not match key key-1"));
}

#[test]
fn a_tampered_payload_fails_only_the_signature() {
    let token = tenant_token(&claims());
    let [header, _, signature] = split(&token).unwrap();
    let mut forged = claims();
    forged["scope"] = json!("admin:everything");
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
    let checks = check(
        &format!("{header}.{payload}.{signature}"),
        &jwks(),
        &expect(),
    );
    assert_eq!(failing(&checks), ["signature"]);
}

#[test]
fn an_unknown_kid_fails_only_the_signature() {
    let token = sign_rs256("key-9", &keys().tenant[0].1, &claims());
    let checks = check(&token, &jwks(), &expect());
    assert_eq!(failing(&checks), ["signature"]);
    assert_eq!(
        detail(&checks, "signature"),
        "kid key-9 is not in the tenant's JWKS (known: key-1, key-2)"
    );
}

#[test]
fn an_hs256_token_is_refused_even_when_the_jwks_holds_its_key() {
    let secret = b"shared-secret-the-attacker-knows";
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("hmac".to_owned());
    let token =
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret)).unwrap();
    let mut jwks = jwks();
    jwks["keys"].as_array_mut().unwrap().push(json!({
        "kty": "oct", "kid": "hmac", "alg": "HS256", "k": URL_SAFE_NO_PAD.encode(secret),
    }));
    let checks = check(&token, &jwks, &expect());
    assert_eq!(failing(&checks), ["signature"]);
    assert_eq!(
        detail(&checks, "signature"),
        "the token is signed with HS256; only RS256 is accepted"
    );
}

/// Keys are typed one by one: an unreadable or foreign key beside the tenant's
/// does not hide it, and a key meant for encryption is named as such.
#[test]
fn odd_keys_in_the_jwks_are_named_and_do_not_hide_the_good_one() {
    let mut odd = jwks();
    let keys = odd["keys"].as_array_mut().unwrap();
    keys.insert(0, json!({"kty": "XYZ", "kid": "strange"}));
    keys.insert(0, json!({"kty": "RSA", "kid": "broken"}));
    assert!(all_ok(&check(&tenant_token(&claims()), &odd, &expect())));

    // The tenant's tokens are signed with key-2.
    let signing = |jwks: &mut Value| -> usize {
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .position(|k| k["kid"] == "key-2")
            .unwrap()
    };
    let mut enc = jwks();
    let at = signing(&mut enc);
    enc["keys"][at]["use"] = json!("enc");
    let checks = check(&tenant_token(&claims()), &enc, &expect());
    assert!(
        detail(&checks, "signature").contains("is for use enc, not sig"),
        "{checks:?}"
    );
    let mut broken = jwks();
    let at = signing(&mut broken);
    broken["keys"][at] = json!({"kty": "RSA", "kid": "key-2", "n": 5});
    let checks = check(&tenant_token(&claims()), &broken, &expect());
    assert!(
        detail(&checks, "signature").starts_with("key key-2 in the JWKS is malformed"),
        "{checks:?}"
    );
}

#[test]
fn an_unsigned_alg_none_token_is_refused() {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"key-1"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    let checks = check(&format!("{header}.{payload}."), &jwks(), &expect());
    assert_eq!(failing(&checks), ["signature"]);
    assert!(detail(&checks, "signature").contains("unsigned"));
}

#[test]
fn a_wrong_issuer_fails_only_the_issuer() {
    let mut claims = claims();
    claims["iss"] = json!("https://tenant.example.auth0.com"); // no trailing slash
    let checks = check(&tenant_token(&claims), &jwks(), &expect());
    assert_eq!(failing(&checks), ["issuer"]);
    assert_eq!(
        detail(&checks, "issuer"),
        "iss is https://tenant.example.auth0.com, expected https://tenant.example.auth0.com/"
    );
}

#[test]
fn a_wrong_audience_fails_only_the_audience() {
    let mut claims = claims();
    claims["aud"] = json!("https://other-api.example.com");
    let checks = check(&tenant_token(&claims), &jwks(), &expect());
    assert_eq!(failing(&checks), ["audience"]);
    assert_eq!(
        detail(&checks, "audience"),
        "aud is https://other-api.example.com, expected https://api.example.com"
    );
}

#[test]
fn an_audience_array_must_contain_the_api() {
    let mut claims = claims();
    claims["aud"] = json!([AUD, "https://tenant.example.auth0.com/userinfo"]);
    assert!(all_ok(&check(&tenant_token(&claims), &jwks(), &expect())));
    claims["aud"] = json!(["https://a.example", "https://b.example"]);
    let checks = check(&tenant_token(&claims), &jwks(), &expect());
    assert_eq!(failing(&checks), ["audience"]);
    assert!(detail(&checks, "audience").contains("[https://a.example, https://b.example]"));
}

#[test]
fn an_expired_token_fails_only_the_expiry() {
    let mut claims = claims();
    claims["iat"] = json!(NOW - 90_000);
    claims["exp"] = json!(NOW - 3_600);
    let checks = check(&tenant_token(&claims), &jwks(), &expect());
    assert_eq!(failing(&checks), ["expiry"]);
    assert!(detail(&checks, "expiry").starts_with("expired 1 h 0 min ago"));
}

#[test]
fn huge_negative_float_and_non_numeric_dates_never_panic() {
    // Year 10000 and later: RFC 3339 cannot write it; shown as out of range.
    for exp in [json!(253_402_300_800_u64), json!(u64::MAX), json!(1e300)] {
        let mut c = claims();
        c["exp"] = exp.clone();
        let checks = check(&tenant_token(&c), &jwks(), &expect());
        let text = detail(&checks, "expiry");
        assert!(text.contains("out of range"), "{exp}: {text}");
        assert!(text.starts_with("expires in "), "{exp}: {text}");
    }
    // iat far in the future: fails, but readable.
    let mut c = claims();
    c["iat"] = json!(u64::MAX);
    let checks = check(&tenant_token(&c), &jwks(), &expect());
    assert_eq!(failing(&checks), ["expiry"]);
    assert!(detail(&checks, "expiry").contains("out of range"));
    // A fractional date is truncated.
    let mut c = claims();
    c["exp"] = json!((NOW + 3_600) as f64 + 0.75);
    let checks = check(&tenant_token(&c), &jwks(), &expect());
    assert!(detail(&checks, "expiry").starts_with("expires in 1 h 0 min"));
    // Negative and non-numeric dates are named, not taken as "no exp".
    for (claim, value) in [
        ("exp", json!(-1)),
        ("exp", json!("tomorrow")),
        ("nbf", json!(-5.5)),
        ("iat", json!({"a": 1})),
    ] {
        let mut c = claims();
        c[claim] = value.clone();
        let checks = check(&tenant_token(&c), &jwks(), &expect());
        let text = detail(&checks, "expiry");
        assert!(
            text.starts_with(&format!("{claim} is not a valid date")),
            "{claim}={value}: {text}"
        );
    }
    // The formatter itself, at the edges.
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(RFC3339_END - 1), "9999-12-31T23:59:59Z");
    assert!(rfc3339(RFC3339_END).contains("out of range"));
    assert!(rfc3339(u64::MAX).contains("out of range"));
}

#[test]
fn expiry_tolerates_small_clock_skew_only() {
    let mut claims = claims();
    claims["exp"] = json!(NOW - 5);
    assert!(all_ok(&check(&tenant_token(&claims), &jwks(), &expect())));
    claims["exp"] = json!(NOW + 3_600);
    claims["iat"] = json!(NOW + 600);
    let checks = check(&tenant_token(&claims), &jwks(), &expect());
    assert_eq!(failing(&checks), ["expiry"]);
    assert!(detail(&checks, "expiry").contains("iat is in the future"));
}

#[test]
fn a_missing_org_id_fails_only_the_org_id() {
    let mut claims = claims();
    claims.as_object_mut().unwrap().remove("org_id");
    let checks = check(&tenant_token(&claims), &jwks(), &expect());
    assert_eq!(failing(&checks), ["org_id"]);
    assert!(detail(&checks, "org_id").starts_with("no org_id claim, expected org_abc123"));
}

#[test]
fn another_organizations_token_fails_only_the_org_id() {
    let mut claims = claims();
    claims["org_id"] = json!("org_other");
    claims["org_name"] = json!("globex");
    let checks = check(&tenant_token(&claims), &jwks(), &expect());
    assert_eq!(failing(&checks), ["org_id"]);
    assert_eq!(
        detail(&checks, "org_id"),
        "org_id is org_other (globex), expected org_abc123"
    );
}

#[test]
fn without_an_expected_organization_org_id_is_reported() {
    let expect = Expectations {
        organization_id: None,
        ..expect()
    };
    let checks = check(&tenant_token(&claims()), &jwks(), &expect);
    assert!(all_ok(&checks));
    assert_eq!(
        detail(&checks, "org_id"),
        "org_id is org_abc123 (acme) (no organization expected)"
    );
    let mut claims = claims();
    claims.as_object_mut().unwrap().remove("org_id");
    let checks = check(&tenant_token(&claims), &jwks(), &expect);
    assert!(all_ok(&checks));
    assert_eq!(
        detail(&checks, "org_id"),
        "no org_id claim (no organization expected)"
    );
}

fn es256_key() -> (p256::SecretKey, Value) {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let secret = p256::SecretKey::random(&mut OsRng);
    let point = secret.public_key().to_encoded_point(false);
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "ec-1",
        "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
        "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
    });
    (secret, jwk)
}

fn sign_es256(kid: Option<&str>, key: &p256::SecretKey, claims: &Value) -> String {
    use p256::pkcs8::EncodePrivateKey;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    let der = key.to_pkcs8_der().unwrap();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(der.as_bytes())).unwrap()
}

fn policy(algs: &[&str], leeway: u64) -> Policy {
    Policy {
        algorithms: algs.iter().map(|a| (*a).to_owned()).collect(),
        leeway,
    }
}

#[test]
fn es256_and_ps256_verify_when_the_policy_allows_them() {
    let (ec, ec_jwk) = es256_key();
    let mut jwks = jwks();
    jwks["keys"].as_array_mut().unwrap().push(ec_jwk);
    let token = sign_es256(Some("ec-1"), &ec, &claims());
    // Pinned RS256 by default: an ES256 token is refused.
    let checks = check(&token, &jwks, &expect());
    assert_eq!(failing(&checks), ["signature"]);
    assert_eq!(
        detail(&checks, "signature"),
        "the token is signed with ES256; only RS256 is accepted"
    );
    let allowed = policy(&["RS256", "ES256"], 60);
    let checks = check_with(&token, &jwks, &expect(), &allowed);
    assert!(all_ok(&checks), "{checks:#?}");
    assert_eq!(
        detail(&checks, "signature"),
        "ES256 signature verified with key ec-1"
    );

    // PS256 with the tenant's RSA key, published with alg PS256.
    let (_, rsa) = &keys().tenant[0];
    let mut ps_jwk = jwk("ps-1", rsa);
    ps_jwk["alg"] = json!("PS256");
    jwks["keys"].as_array_mut().unwrap().push(ps_jwk);
    let mut header = Header::new(Algorithm::PS256);
    header.kid = Some("ps-1".to_owned());
    let der = rsa.to_pkcs1_der().unwrap();
    let ps = jsonwebtoken::encode(
        &header,
        &claims(),
        &EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap();
    let checks = check_with(&ps, &jwks, &expect(), &policy(&["RS256", "PS256"], 60));
    assert!(all_ok(&checks), "{checks:#?}");
    // A PSS token presented with the RS256 key's kid is refused (key alg mismatch).
    let mut header = Header::new(Algorithm::PS256);
    header.kid = Some("key-1".to_owned());
    let mixed = jsonwebtoken::encode(
        &header,
        &claims(),
        &EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap();
    let checks = check_with(&mixed, &jwks, &expect(), &policy(&["RS256", "PS256"], 60));
    assert_eq!(
        detail(&checks, "signature"),
        "key key-1 in the JWKS is for RS256, not PS256"
    );
    // none is never allowed, whatever the policy says.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    let checks = check_with(
        &format!("{header}.{payload}."),
        &jwks,
        &expect(),
        &policy(&["none", "RS256"], 60),
    );
    assert!(detail(&checks, "signature").contains("unsigned"));
}

#[test]
fn a_token_without_kid_verifies_only_when_one_key_fits() {
    let (ec, ec_jwk) = es256_key();
    let token = sign_es256(None, &ec, &claims());
    let allowed = policy(&["RS256", "ES256"], 60);
    // Two RSA keys and one EC key: exactly one ES256 key fits.
    let mut jwks = jwks();
    jwks["keys"].as_array_mut().unwrap().push(ec_jwk.clone());
    let checks = check_with(&token, &jwks, &expect(), &allowed);
    assert!(all_ok(&checks), "{checks:#?}");
    assert!(detail(&checks, "signature").contains("the JWKS's only ES256 key"));
    // A second EC key: no way to choose.
    let mut other = ec_jwk;
    other["kid"] = json!("ec-2");
    jwks["keys"].as_array_mut().unwrap().push(other);
    let checks = check_with(&token, &jwks, &expect(), &allowed);
    assert_eq!(failing(&checks), ["signature"]);
    assert!(
        detail(&checks, "signature").contains("no kid"),
        "{checks:#?}"
    );
    // An RS256 token without kid against two RSA keys: refused, as before.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = None;
    let der = keys().tenant[0].1.to_pkcs1_der().unwrap();
    let rs = jsonwebtoken::encode(
        &header,
        &claims(),
        &EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        failing(&check(&rs, &self::jwks(), &expect())),
        ["signature"]
    );
    // ...and accepted against a JWKS holding only that key.
    let single = json!({"keys": [jwk("key-1", &keys().tenant[0].1)]});
    assert!(all_ok(&check(&rs, &single, &expect())));
}

#[test]
fn the_leeway_is_configurable_and_shown() {
    let mut claims = claims();
    claims["exp"] = json!(NOW - 30);
    let token = tenant_token(&claims);
    let checks = check_with(&token, &jwks(), &expect(), &policy(&["RS256"], 60));
    assert!(all_ok(&checks));
    assert!(detail(&checks, "expiry").contains("within the 60 s clock leeway"));
    let checks = check_with(&token, &jwks(), &expect(), &policy(&["RS256"], 10));
    assert_eq!(failing(&checks), ["expiry"]);
    assert!(
        detail(&checks, "expiry").contains("leeway 10 s"),
        "{checks:#?}"
    );
    let fresh = check(&tenant_token(&self::claims()), &jwks(), &expect());
    assert!(detail(&fresh, "expiry").ends_with("leeway 60 s)"));
}

#[test]
fn discovery_and_the_jwks_decide_the_algorithms() {
    let auth0 = json!({"id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"]});
    // Auth0 lists PS256, but a JWKS of RS256 keys keeps it pinned to RS256; HS256 never.
    let policy = Policy::from_discovery(Some(&auth0), Some(&jwks()), 60);
    assert_eq!(policy.algorithms, ["RS256"]);
    let (_, ec_jwk) = es256_key();
    let es = json!({"id_token_signing_alg_values_supported": ["RS256", "ES256", "none"]});
    let mut keys = jwks();
    keys["keys"].as_array_mut().unwrap().push(ec_jwk);
    let policy = Policy::from_discovery(Some(&es), Some(&keys), 30);
    assert_eq!(policy.algorithms, ["RS256", "ES256"]);
    assert_eq!(policy.leeway, 30);
    assert_eq!(Policy::from_discovery(None, None, 60), Policy::default());
}

#[test]
fn decode_unverified_reads_header_and_claims() {
    let token = tenant_token(&claims());
    let decoded = decode_unverified(&format!("  Bearer {token}\n")).unwrap();
    assert_eq!(decoded.alg(), Some("RS256"));
    assert_eq!(decoded.kid(), Some("key-2"));
    assert_eq!(decoded.claims, claims());
    assert_eq!(decoded.claim_time("exp"), Some(NOW + 86_390));
}

#[test]
fn decode_unverified_explains_what_is_wrong() {
    assert_eq!(
        decode_unverified("hello"),
        Err(JwtError::NotAJwt { parts: 1 })
    );
    assert_eq!(
        decode_unverified("a.b.c.d.e"),
        Err(JwtError::NotAJwt { parts: 5 })
    );
    assert_eq!(
        decode_unverified("!!!.e30.sig"),
        Err(JwtError::Base64 { part: "header" })
    );
    let not_json = URL_SAFE_NO_PAD.encode("not json");
    assert!(matches!(
        decode_unverified(&format!("e30.{not_json}.sig")),
        Err(JwtError::Json {
            part: "payload",
            ..
        })
    ));
    let array = URL_SAFE_NO_PAD.encode("[1]");
    assert!(matches!(
        decode_unverified(&format!("{array}.e30.sig")),
        Err(JwtError::Json { part: "header", .. })
    ));
}

#[test]
fn an_unreadable_token_fails_every_check_with_the_reason() {
    let checks = check("not-a-token", &jwks(), &expect());
    assert_eq!(failing(&checks), CHECK_NAMES);
    assert!(
        checks[0]
            .detail
            .starts_with("cannot read the token: not a JWT")
    );
}
