//! The one secret wrapper used from the HTTP body to the screen.
//!
//! `Debug` and `Display` are redacted and the value is zeroized on drop
//! (secrecy). The only way to read it is [`Secret::expose_secret`], so every
//! exposure can be found with `grep expose_secret`.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;

/// A client secret, access token or other credential.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value; the `String` is moved, not copied.
    pub fn new(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// The one place a secret's text is exposed.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// A short, non-reversible fingerprint (first 8 hex digits of SHA-256) that
    /// support can log to tell which secret someone holds.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.expose_secret().as_bytes());
        digest[..4].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// True when the secret is empty (a missing value).
    pub fn is_empty(&self) -> bool {
        self.expose_secret().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::from("hunter2-very-secret");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
        assert_eq!(secret.expose_secret(), "hunter2-very-secret");
    }

    #[test]
    fn fingerprint_is_eight_hex_digits_of_sha256() {
        let secret = Secret::from("abc");
        // sha256("abc") = ba7816bf...
        assert_eq!(secret.fingerprint(), "ba7816bf");
    }
}
