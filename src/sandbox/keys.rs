//! The tenant's RS256 signing key: made once per process (RSA key generation
//! is slow), or loaded from the state file so tokens survive a restart.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, pkcs8::EncodePublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::SandboxError;

/// The process's key, shared by every sandbox started without a state file.
static PROCESS_KEY: OnceLock<Result<Arc<SigningKey>, String>> = OnceLock::new();

/// The key every sandbox in this process signs with (made on first use).
pub(crate) fn process_key() -> Result<Arc<SigningKey>, SandboxError> {
    PROCESS_KEY
        .get_or_init(|| {
            SigningKey::generate()
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(SandboxError::Key)
}

/// Starts making the process key on another thread, unless it is made or under way.
pub(crate) fn warm_process_key() {
    if PROCESS_KEY.get().is_none() {
        std::thread::spawn(|| {
            let _ = process_key();
        });
    }
}

/// Where a tenant's key comes from: its state file, or the process key, which may
/// still be in the making (RSA key generation takes up to a second). A start does
/// not wait for it; the first request that signs or verifies does.
pub(crate) enum KeySource {
    Ready(Arc<SigningKey>),
    Process,
}

impl KeySource {
    /// The key, waiting for the process key if it is still being made.
    pub(crate) fn get(&self) -> Result<Arc<SigningKey>, SandboxError> {
        match self {
            KeySource::Ready(key) => Ok(key.clone()),
            KeySource::Process => process_key(),
        }
    }
}

/// An RSA key pair with everything the JWKS and the token endpoint need.
pub(crate) struct SigningKey {
    private: RsaPrivateKey,
    encoding: EncodingKey,
    /// The same key parsed once for ring, which signs ~10x faster than jsonwebtoken's
    /// RustCrypto signer (that one re-parses and validates the DER on every token).
    /// `None` if ring refuses the key (the slow signer is used then).
    fast: Option<ring::signature::RsaKeyPair>,
    decoding: DecodingKey,
    pub kid: String,
    pub n: String,
    pub e: String,
    /// A self-signed certificate for the key (base64 DER), as Auth0 publishes in `x5c`.
    pub certificate: String,
    /// `x5t`: base64url SHA-1 thumbprint of the certificate.
    pub thumbprint: String,
}

/// The claims the sandbox reads back from a token it issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: Value,
    pub iat: u64,
    pub exp: u64,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
}

impl SigningKey {
    fn generate() -> Result<SigningKey, SandboxError> {
        let private =
            RsaPrivateKey::new(&mut OsRng, 2048).map_err(|e| SandboxError::Key(e.to_string()))?;
        SigningKey::from_private(private)
    }

    /// A key from the PKCS#1 PEM kept in the state file.
    pub fn from_pem(pem: &str) -> Result<SigningKey, SandboxError> {
        let private =
            RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| SandboxError::Key(e.to_string()))?;
        SigningKey::from_private(private)
    }

    fn from_private(private: RsaPrivateKey) -> Result<SigningKey, SandboxError> {
        let key_error = |e: &dyn std::fmt::Display| SandboxError::Key(e.to_string());
        let der = private.to_pkcs1_der().map_err(|e| key_error(&e))?;
        let encoding = EncodingKey::from_rsa_der(der.as_bytes());
        let fast = ring::signature::RsaKeyPair::from_der(der.as_bytes()).ok();
        let public = private.to_public_key();
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        let decoding = DecodingKey::from_rsa_components(&n, &e).map_err(|e| key_error(&e))?;
        let public_der = public.to_pkcs1_der().map_err(|e| key_error(&e))?;
        let digest = Sha256::digest(public_der.as_bytes());
        let kid = URL_SAFE_NO_PAD.encode(&digest[..12]);
        let spki = public.to_public_key_der().map_err(|e| key_error(&e))?;
        let cert_der = super::cert::self_signed(spki.as_bytes(), &encoding)?;
        let thumbprint = URL_SAFE_NO_PAD.encode(super::cert::sha1(&cert_der));
        Ok(SigningKey {
            private,
            encoding,
            fast,
            decoding,
            kid,
            n,
            e,
            certificate: STANDARD.encode(&cert_der),
            thumbprint,
        })
    }

    /// The private key as PKCS#1 PEM, for the state file.
    pub fn private_pem(&self) -> Result<String, SandboxError> {
        self.private
            .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| SandboxError::Key(e.to_string()))
    }

    /// The certificate as PEM (for `signing_keys` on clients).
    pub fn certificate_pem(&self) -> String {
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        let bytes = self.certificate.as_bytes();
        for line in bytes.chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// The JWKS entry for this key.
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "n": self.n,
            "e": self.e,
            "kid": self.kid,
            "x5t": self.thumbprint,
            "x5c": [self.certificate],
            "alg": "RS256",
        })
    }

    /// The JWKS entry of this RSA key for PS256 (its own `kid`, so a gateway
    /// pinning RS256 to the first entry does not accept PSS signatures for it).
    pub fn jwk_ps256(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "n": self.n,
            "e": self.e,
            "kid": self.ps256_kid(),
            "alg": "PS256",
        })
    }

    fn ps256_kid(&self) -> String {
        format!("{}-ps256", self.kid)
    }

    /// Signs claims as a PS256 JWT (the PS256 entry's `kid`).
    pub fn sign_ps256(&self, claims: &Value) -> Result<String, String> {
        let mut header = Header::new(Algorithm::PS256);
        header.kid = Some(self.ps256_kid());
        header.typ = Some("JWT".into());
        self.encode(&header, claims, &ring::signature::RSA_PSS_SHA256)
    }

    /// Signs claims as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        self.encode(&header, claims, &ring::signature::RSA_PKCS1_SHA256)
    }

    /// A compact JWS, byte for byte what `jsonwebtoken::encode` makes, signed by ring
    /// with the key parsed once.
    fn encode(
        &self,
        header: &Header,
        claims: &Value,
        padding: &'static dyn ring::signature::RsaEncoding,
    ) -> Result<String, String> {
        let Some(fast) = &self.fast else {
            return jsonwebtoken::encode(header, claims, &self.encoding).map_err(|e| e.to_string());
        };
        let mut jws = b64_json(header)?;
        jws.push('.');
        jws.push_str(&b64_json(claims)?);
        let mut signature = vec![0; fast.public().modulus_len()];
        fast.sign(
            padding,
            &ring::rand::SystemRandom::new(),
            jws.as_bytes(),
            &mut signature,
        )
        .map_err(|_| "RSA signing failed".to_owned())?;
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(jws)
    }

    /// Checks a token this tenant issued: signature, issuer, audience, expiry (no leeway).
    pub fn verify(&self, token: &str, issuer: &str, audience: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return None;
        }
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// One JWS part: the value's JSON, base64url without padding.
fn b64_json<T: Serialize>(value: &T) -> Result<String, String> {
    let json = serde_json::to_vec(value).map_err(|e| e.to_string())?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// A P-256 key for ES256 tokens (the `--alg ES256` provider option); made per
/// sandbox, never saved (EC key generation is instant).
pub(crate) struct EcKey {
    encoding: Option<EncodingKey>,
    pub kid: String,
    x: String,
    y: String,
}

impl EcKey {
    pub fn generate() -> EcKey {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        use p256::pkcs8::EncodePrivateKey;
        let secret = p256::SecretKey::random(&mut OsRng);
        let point = secret.public_key().to_encoded_point(false);
        let x = point
            .x()
            .map(|x| URL_SAFE_NO_PAD.encode(x))
            .unwrap_or_default();
        let y = point
            .y()
            .map(|y| URL_SAFE_NO_PAD.encode(y))
            .unwrap_or_default();
        let encoding = secret
            .to_pkcs8_der()
            .ok()
            .map(|der| EncodingKey::from_ec_der(der.as_bytes()));
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(format!("{x}.{y}").as_bytes())[..12]);
        EcKey {
            encoding,
            kid,
            x,
            y,
        }
    }

    /// The JWKS entry.
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "use": "sig",
            "alg": "ES256",
            "kid": self.kid,
            "x": self.x,
            "y": self.y,
        })
    }

    /// Signs claims as an ES256 JWT.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        let encoding = self
            .encoding
            .as_ref()
            .ok_or_else(|| "the EC key could not be encoded".to_owned())?;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, encoding).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Arc<SigningKey> {
        process_key().expect("the process key")
    }

    #[test]
    fn ring_signs_rs256_byte_for_byte_as_jsonwebtoken_does() {
        let key = key();
        assert!(key.fast.is_some(), "ring takes the sandbox's key");
        let claims =
            json!({"iss": "https://t/", "aud": "a", "exp": 4_000_000_000u64, "iat": 1, "sub": "s"});
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        header.typ = Some("JWT".into());
        // PKCS#1 v1.5 is deterministic: the same key and input give the same token.
        let slow = jsonwebtoken::encode(&header, &claims, &key.encoding).expect("jsonwebtoken");
        assert_eq!(key.sign(&claims).expect("ring"), slow);
    }

    #[test]
    fn ps256_tokens_signed_by_ring_verify_with_the_public_key() {
        let key = key();
        let claims = json!({"iss": "https://t/", "aud": "a", "exp": 4_000_000_000u64});
        let token = key.sign_ps256(&claims).expect("ring");
        let header = jsonwebtoken::decode_header(&token).expect("header");
        assert_eq!(header.alg, Algorithm::PS256);
        assert_eq!(header.kid, Some(key.ps256_kid()));
        let mut validation = Validation::new(Algorithm::PS256);
        validation.set_audience(&["a"]);
        let data = jsonwebtoken::decode::<Value>(&token, &key.decoding, &validation)
            .expect("a PS256 signature the public key verifies");
        assert_eq!(data.claims, claims);
    }
}
