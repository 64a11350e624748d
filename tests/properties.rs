//! Property tests: arbitrary input to every parser a user or a tenant can feed
//! (the `.env` and `config.toml` loaders, the fault grammar, `jwt` decoding and
//! checking, the sanitiser, the JSON models). Nothing panics, and every error
//! names what was wrong. A small case count keeps `cargo test` quick;
//! `PROPTEST_CASES=5000` runs more.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use m2m_portal::config::{ConfigRequest, FlagValues, load};
use m2m_portal::jwt::{self, Expectations};
use m2m_portal::sandbox::FaultSpec;
use m2m_portal::text::sanitize;
use proptest::prelude::*;
use serde_json::{Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64),
        ..ProptestConfig::default()
    }
}

/// Lines that look like `.env` content: keys, quotes, `$VAR` references, junk.
fn dotenv_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "[A-Z_]{1,12}=[a-z0-9 ]{0,12}",
        "[A-Z_]{1,8}=\"[^\"\n]{0,12}\"?",
        "[A-Z_]{1,8}='[^'\n]{0,12}'?",
        "[A-Z]{1,4}=\\$\\{[A-Z]{1,4}\\}\\$[A-Z]{1,4}",
        "PLUGIN_AUTH0_M2M_(DOMAIN|CLIENT_ID|CLIENT_SECRET|API_AUDIENCE|API_SCOPE)=[ -~]{0,20}",
        "export [A-Z]{1,6}=[a-z]{0,6}",
        "#[ -~]{0,20}",
        "[ -~]{0,30}",
    ];
    prop::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
}

fn request(dir: &tempfile::TempDir) -> ConfigRequest {
    ConfigRequest {
        profile: None,
        env_file: None,
        flags: FlagValues::default(),
        cwd: dir.path().join("work"),
        env: BTreeMap::new(),
        config_dir: dir.path().join("config"),
    }
}

/// A token of three base64url parts.
fn token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    format!(
        "{}.{}.{}",
        part(header),
        part(claims),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Arbitrary JSON, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[ -~\u{80}-\u{2fff}]{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("name".to_owned()),
                    Just("display_name".to_owned()),
                    Just("client_id".to_owned()),
                    Just("next".to_owned()),
                    Just("organizations".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn expectations() -> Expectations {
    Expectations {
        issuer: "https://tenant.example/".to_owned(),
        audience: "https://api.example.com".to_owned(),
        organization_id: Some("org_1".to_owned()),
        now: 1_800_000_000,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_dotenv_loader_never_panics_and_errors_name_the_file(text in dotenv_text()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        std::fs::write(dir.path().join("work/.env"), &text).unwrap();
        if let Err(error) = load(&request(&dir)) {
            let message = error.to_string();
            prop_assert!(!message.is_empty());
            // A file error names the file; the others name the variable.
            prop_assert!(
                message.contains(".env") || message.contains("PLUGIN_AUTH0_M2M_")
                    || message.contains("is not set") || message.contains("is empty"),
                "{message}"
            );
        }
    }

    #[test]
    fn the_config_toml_loader_never_panics_and_errors_name_the_file(
        text in "[ -~\n]{0,200}",
        key in prop_oneof![Just("domain"), Just("client_id"), Just("clipboard"), Just("profiles.x.domain"), Just("nope")],
        value in prop_oneof![Just("\"a\"".to_owned()), Just("1".to_owned()), Just("[".to_owned()), "[ -~]{0,10}"],
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let file = format!("{text}\n{key} = {value}\n");
        std::fs::write(dir.path().join("config/config.toml"), file).unwrap();
        if let Err(error) = load(&request(&dir)) {
            let message = error.to_string();
            prop_assert!(
                message.contains("config.toml") || message.contains("PLUGIN_AUTH0_M2M_")
                    || message.contains("domain") || message.contains("client"),
                "{message}"
            );
        }
    }

    #[test]
    fn the_fault_grammar_never_panics_and_round_trips(text in "[ -~]{0,60}") {
        match text.parse::<FaultSpec>() {
            Ok(spec) => {
                // What parses prints back to something that parses the same.
                let again: FaultSpec = spec.to_string().parse().unwrap();
                prop_assert_eq!(again, spec);
            }
            Err(error) => prop_assert!(error.to_string().contains("fault rule"), "{error}"),
        }
    }

    #[test]
    fn jwt_decoding_and_checking_never_panic_on_garbage(text in "[ -~]{0,300}") {
        let _ = jwt::decode_unverified(&text);
        let checks = jwt::check(&text, &json!({"keys": []}), &expectations());
        prop_assert!(!checks.is_empty());
        prop_assert!(checks.iter().all(|c| !c.ok || c.name == "org_id" || c.name == "issuer"
            || c.name == "audience" || c.name == "expiry"));
        prop_assert!(!jwt::all_ok(&checks), "garbage is never accepted");
    }

    #[test]
    fn tokens_of_arbitrary_json_are_never_accepted_without_a_real_signature(
        header in any_json(),
        claims in any_json(),
        signature in prop::collection::vec(any::<u8>(), 0..64),
        alg in prop_oneof![Just("none"), Just("HS256"), Just("RS256"), Just("ES256"), Just("nOnE")],
        kid in prop_oneof![Just(None), Just(Some("unknown-kid")), Just(Some("k1"))],
    ) {
        let mut header = match header { Value::Object(map) => Value::Object(map), _ => json!({}) };
        let claims = match claims { Value::Object(map) => Value::Object(map), other => json!({"data": other}) };
        header["alg"] = json!(alg);
        if let Some(kid) = kid {
            header["kid"] = json!(kid);
        }
        let text = token(&header, &claims, &signature);
        let jwks = json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
            "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
            "e": "AQAB"}]});
        let checks = jwt::check(&text, &jwks, &expectations());
        let signature_check = checks.iter().find(|c| c.name == "signature").unwrap();
        prop_assert!(!signature_check.ok, "{alg}: {}", signature_check.detail);
        prop_assert!(!signature_check.detail.is_empty());
        if alg.eq_ignore_ascii_case("none") || alg == "HS256" {
            prop_assert!(signature_check.detail.to_lowercase().contains(&alg.to_lowercase())
                || signature_check.detail.contains("RS256"), "{}", signature_check.detail);
        }
    }

    #[test]
    fn the_sanitiser_leaves_nothing_a_terminal_acts_on(text in "\\PC{0,40}|[\u{0}-\u{9f}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}]{0,40}") {
        let clean = sanitize(&text);
        prop_assert!(clean.chars().all(|c| !c.is_control() && !m2m_portal::text::is_invisible_format(c)), "{clean:?}");
        // Printable text passes unchanged.
        if text.chars().all(|c| !c.is_control() && !m2m_portal::text::is_invisible_format(c) && c != '\\') {
            prop_assert_eq!(clean, text);
        }
    }

    #[test]
    fn the_json_models_take_any_auth0_like_body_without_panicking(body in any_json()) {
        use m2m_portal::auth0::{Client, ClientGrant, Invitation, Member, Organization, ResourceServer};
        let _ = serde_json::from_value::<Organization>(body.clone());
        let _ = serde_json::from_value::<Client>(body.clone());
        let _ = serde_json::from_value::<ClientGrant>(body.clone());
        let _ = serde_json::from_value::<Member>(body.clone());
        let _ = serde_json::from_value::<Invitation>(body.clone());
        let _ = serde_json::from_value::<ResourceServer>(body.clone());
        let _ = serde_json::from_value::<Vec<Organization>>(body);
    }
}
