//! A minimal self-signed X.509 certificate for the signing key, so the JWKS
//! carries `x5c` and `x5t` like Auth0's (some gateways pin on them).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use rsa::rand_core::{OsRng, RngCore};
use sha1::{Digest, Sha1};

use super::SandboxError;

/// sha256WithRSAEncryption, 1.2.840.113549.1.1.11.
const SHA256_WITH_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];
/// commonName, 2.5.4.3.
const COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];

/// SHA-1 of bytes (the `x5t` thumbprint).
pub(crate) fn sha1(bytes: &[u8]) -> Vec<u8> {
    Sha1::digest(bytes).to_vec()
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, (len & 0xff) as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn name(common_name: &str) -> Vec<u8> {
    let attribute = sequence(&[COMMON_NAME, &tlv(0x0c, common_name.as_bytes())]);
    sequence(&[&tlv(0x31, &attribute)])
}

/// A DER certificate for `spki` (SubjectPublicKeyInfo DER), signed by `key`.
pub(crate) fn self_signed(spki: &[u8], key: &EncodingKey) -> Result<Vec<u8>, SandboxError> {
    let mut serial = [0u8; 9];
    OsRng.fill_bytes(&mut serial[1..]);
    serial[1] = (serial[1] & 0x7f).max(1);
    let algorithm = sequence(&[SHA256_WITH_RSA, &[0x05, 0x00]]);
    let subject = name("m2m-portal sandbox");
    let validity = sequence(&[&tlv(0x17, b"250101000000Z"), &tlv(0x17, b"491231235959Z")]);
    let tbs = sequence(&[
        &[0xa0, 0x03, 0x02, 0x01, 0x02],
        &tlv(0x02, &serial[1..]),
        &algorithm,
        &subject,
        &validity,
        &subject,
        spki,
    ]);
    let signature = jsonwebtoken::crypto::sign(&tbs, key, Algorithm::RS256)
        .map_err(|e| SandboxError::Key(e.to_string()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| SandboxError::Key(e.to_string()))?;
    let mut bits = vec![0u8];
    bits.extend(signature);
    Ok(sequence(&[&tbs, &algorithm, &tlv(0x03, &bits)]))
}
