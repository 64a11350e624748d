//! Credentials kept between runs, per profile: the operator's sign-in (their
//! refresh token) and, optionally, the admin app's client secret.
//!
//! They live in the OS keyring (Linux: the kernel keyutils session keyring;
//! macOS: Keychain; Windows: Credential Manager). When no keyring works
//! (headless Linux, containers, CI, a seccomp profile that blocks keyctl) they
//! go to `credentials.json` (mode 0600) in the data dir, and the store says so
//! loudly, once. `M2M_PORTAL_CREDENTIALS` picks the backend: `auto` (default),
//! `keyring` (fail rather than fall back) or `file`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::auth0::UserSession;
use crate::portal::{Operator, SignedIn};
use crate::secret::Secret;

/// The variable that picks the backend.
pub const BACKEND_VAR: &str = "M2M_PORTAL_CREDENTIALS";
/// The keyring service name.
const SERVICE: &str = "m2m-portal";
/// The fallback file in the data dir.
pub const FILE_NAME: &str = "credentials.json";

/// What is kept for a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The operator's device sign-in.
    Session,
    /// The admin app's client secret (`m2m-portal secret set`).
    ClientSecret,
}

impl Kind {
    const ALL: [Kind; 2] = [Kind::Session, Kind::ClientSecret];

    fn suffix(self) -> &'static str {
        match self {
            Kind::Session => "session",
            Kind::ClientSecret => "client-secret",
        }
    }
}

/// The account name of one credential: `PROFILE/KIND` (`default` without a profile).
fn account(profile: Option<&str>, kind: Kind) -> String {
    format!("{}/{}", profile.unwrap_or("default"), kind.suffix())
}

/// A place secrets can be kept.
pub trait Vault: Send + Sync {
    /// Ok when it can be used at all: an entry can be stored, read back and removed.
    /// A read alone is not enough: a Linux keyring can answer reads while refusing to
    /// store anything ("No matching entry found in secure storage" on every write).
    fn probe(&self) -> Result<(), String> {
        const PROBE: &str = "probe";
        let value = format!("probe-{}", std::process::id());
        self.set(PROBE, &value)?;
        let read = self.get(PROBE);
        let _ = self.delete(PROBE);
        match read? {
            Some(back) if back == value => Ok(()),
            _ => Err("an entry written to it could not be read back".to_owned()),
        }
    }
    fn get(&self, account: &str) -> Result<Option<String>, String>;
    fn set(&self, account: &str, value: &str) -> Result<(), String>;
    /// True when something was removed.
    fn delete(&self, account: &str) -> Result<bool, String>;
}

/// The OS keyring through the `keyring` crate.
#[cfg(any(target_os = "linux", target_os = "macos", windows))]
struct OsKeyring;

#[cfg(any(target_os = "linux", target_os = "macos", windows))]
impl Vault for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<String>, String> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, account: &str, value: &str) -> Result<(), String> {
        keyring::Entry::new(SERVICE, account)
            .and_then(|entry| entry.set_password(value))
            .map_err(|e| e.to_string())
    }

    fn delete(&self, account: &str) -> Result<bool, String> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(|e| e.to_string())?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The fallback: one JSON object in a 0600 file, replaced atomically.
pub struct FileVault {
    path: PathBuf,
}

impl FileVault {
    /// The file `credentials.json` in `data_dir`.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE_NAME),
        }
    }

    fn read(&self) -> Result<BTreeMap<String, String>, String> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|_| format!("{} is not a credentials file", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(format!("cannot read {}: {e}", self.path.display())),
        }
    }

    fn write(&self, entries: &BTreeMap<String, String>) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        if entries.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(fail(e)),
                _ => Ok(()),
            };
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        crate::logging::create_private_dir(dir).map_err(fail)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".credentials");
        // tempfile makes 0600 files already; say so rather than rely on it.
        #[cfg(unix)]
        builder.permissions(private_permissions());
        let mut file = builder.tempfile_in(dir).map_err(fail)?;
        let bytes = serde_json::to_vec(entries).map_err(|e| e.to_string())?;
        file.write_all(&bytes).map_err(fail)?;
        file.as_file().sync_all().map_err(fail)?;
        file.persist(&self.path).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
fn private_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::Permissions::from_mode(0o600)
}

impl Vault for FileVault {
    fn probe(&self) -> Result<(), String> {
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<String>, String> {
        Ok(self.read()?.remove(account))
    }

    fn set(&self, account: &str, value: &str) -> Result<(), String> {
        let mut entries = self.read()?;
        entries.insert(account.to_owned(), value.to_owned());
        self.write(&entries)
    }

    fn delete(&self, account: &str) -> Result<bool, String> {
        let mut entries = self.read()?;
        let removed = entries.remove(account).is_some();
        if removed {
            self.write(&entries)?;
        }
        Ok(removed)
    }
}

/// The backend asked for by `M2M_PORTAL_CREDENTIALS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Keyring,
    File,
}

impl Mode {
    /// Reads the variable's value; `None` for an unknown one.
    pub fn parse(value: Option<&str>) -> Option<Mode> {
        match value.map(str::trim).unwrap_or("") {
            "" | "auto" => Some(Mode::Auto),
            "keyring" => Some(Mode::Keyring),
            "file" => Some(Mode::File),
            _ => None,
        }
    }
}

/// The operator's sign-in as kept: the refresh token (or, when the tenant
/// issued none, the access token until it expires) and who they are.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    /// The tenant it belongs to (`https://...`, no trailing slash).
    tenant: String,
    client_id: String,
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_at: u64,
    #[serde(default)]
    scope: Vec<String>,
}

/// Where credentials are kept, and whether that is the fallback file.
pub struct CredentialStore {
    vault: Box<dyn Vault>,
    /// Set when the fallback file is used; taken once by [`CredentialStore::take_warning`].
    warning: Option<String>,
    warned: AtomicBool,
    /// The fallback file, also cleaned by `forget` when the keyring is used.
    file: FileVault,
    uses_file: bool,
}

impl std::fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialStore")
            .field("file", &self.file.path)
            .field("uses_file", &self.uses_file)
            .finish_non_exhaustive()
    }
}

impl CredentialStore {
    /// The store for this process: `M2M_PORTAL_CREDENTIALS` from `env`, the
    /// fallback file in `data_dir`.
    pub fn open(data_dir: &Path, mode: Option<&str>) -> Result<Self, String> {
        let mode = Mode::parse(mode)
            .ok_or_else(|| format!("{BACKEND_VAR} must be auto, keyring or file"))?;
        Self::with_keyring(data_dir, mode, os_keyring())
    }

    /// The file store only (tests, `M2M_PORTAL_CREDENTIALS=file`).
    pub fn file_only(data_dir: &Path) -> Self {
        Self::with_keyring(data_dir, Mode::File, None).unwrap_or_else(|_| Self {
            vault: Box::new(FileVault::in_dir(data_dir)),
            warning: None,
            warned: AtomicBool::new(false),
            file: FileVault::in_dir(data_dir),
            uses_file: true,
        })
    }

    /// A store over the given keyring (`None`: there is none on this platform).
    pub fn with_keyring(
        data_dir: &Path,
        mode: Mode,
        keyring: Option<Box<dyn Vault>>,
    ) -> Result<Self, String> {
        let file = FileVault::in_dir(data_dir);
        let file_warning = |why: &str| {
            format!(
                "warning: {why}; credentials (refresh tokens, secrets) are kept in the file {} \
                 (mode 0600) instead",
                file.path.display()
            )
        };
        let (vault, warning): (Box<dyn Vault>, Option<String>) = match (mode, keyring) {
            (Mode::File, _) => (
                Box::new(FileVault::in_dir(data_dir)),
                Some(file_warning(&format!("{BACKEND_VAR}=file"))),
            ),
            (Mode::Keyring, None) => {
                return Err("there is no OS keyring on this platform".to_owned());
            }
            (Mode::Keyring, Some(keyring)) => {
                keyring
                    .probe()
                    .map_err(|e| format!("the OS keyring is unavailable: {e}"))?;
                (keyring, None)
            }
            (Mode::Auto, Some(keyring)) => match keyring.probe() {
                Ok(()) => (keyring, None),
                Err(e) => (
                    Box::new(FileVault::in_dir(data_dir)),
                    Some(file_warning(&format!(
                        "no OS keyring is available ({e}); set {BACKEND_VAR}=file to choose the file on purpose"
                    ))),
                ),
            },
            (Mode::Auto, None) => (
                Box::new(FileVault::in_dir(data_dir)),
                Some(file_warning("there is no OS keyring on this platform")),
            ),
        };
        let uses_file = warning.is_some();
        Ok(Self {
            vault,
            warning,
            warned: AtomicBool::new(false),
            file,
            uses_file,
        })
    }

    /// True when credentials go to the 0600 file rather than the OS keyring.
    pub fn uses_file(&self) -> bool {
        self.uses_file
    }

    /// The fallback file's path.
    pub fn file_path(&self) -> &Path {
        &self.file.path
    }

    /// The warning about the fallback file, the first time it is asked for only.
    pub fn take_warning(&self) -> Option<String> {
        if self.warned.swap(true, Ordering::SeqCst) {
            return None;
        }
        self.warning.clone()
    }

    /// Keeps the admin app's client secret for a profile.
    pub fn set_client_secret(&self, profile: Option<&str>, secret: &Secret) -> Result<(), String> {
        self.vault.set(
            &account(profile, Kind::ClientSecret),
            secret.expose_secret(),
        )
    }

    /// The admin app's client secret kept for a profile.
    pub fn client_secret(&self, profile: Option<&str>) -> Result<Option<Secret>, String> {
        Ok(self
            .vault
            .get(&account(profile, Kind::ClientSecret))?
            .filter(|s| !s.is_empty())
            .map(Secret::new))
    }

    /// Keeps the operator's sign-in for a profile and tenant.
    pub fn set_session(
        &self,
        profile: Option<&str>,
        tenant: &str,
        signed_in: &SignedIn,
    ) -> Result<(), String> {
        let session = &signed_in.session;
        let refresh_token = session
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned());
        let stored = StoredSession {
            tenant: tenant.to_owned(),
            client_id: session.client_id.clone(),
            sub: signed_in.operator.sub.clone(),
            email: signed_in.operator.email.clone(),
            // With a refresh token the access token is not kept: it is fetched anew.
            access_token: refresh_token
                .is_none()
                .then(|| session.access_token.expose_secret().to_owned()),
            refresh_token,
            expires_at: session.expires_at,
            scope: session.scope.clone(),
        };
        let text = Secret::new(serde_json::to_string(&stored).map_err(|e| e.to_string())?);
        self.vault
            .set(&account(profile, Kind::Session), text.expose_secret())
    }

    /// The operator's sign-in kept for a profile, if it is for this tenant.
    pub fn session(&self, profile: Option<&str>, tenant: &str) -> Result<Option<SignedIn>, String> {
        let Some(text) = self.vault.get(&account(profile, Kind::Session))? else {
            return Ok(None);
        };
        let text = Secret::new(text);
        let Ok(stored) = serde_json::from_str::<StoredSession>(text.expose_secret()) else {
            return Ok(None);
        };
        if stored.tenant != tenant {
            return Ok(None);
        }
        let refresh_token = stored.refresh_token.map(Secret::new);
        let access_token = stored.access_token.map(Secret::new);
        let (access_token, expires_at) = match access_token {
            Some(token) => (token, stored.expires_at),
            // Only a refresh token: the first Management call refreshes.
            None => (Secret::new(String::new()), 0),
        };
        Ok(Some(SignedIn {
            operator: Operator {
                sub: stored.sub,
                email: stored.email,
            },
            session: UserSession {
                client_id: stored.client_id,
                access_token,
                refresh_token,
                expires_at,
                scope: stored.scope,
            },
        }))
    }

    /// Removes everything kept for a profile, from the keyring and the fallback
    /// file both; returns how many entries went.
    pub fn forget(&self, profile: Option<&str>) -> Result<usize, String> {
        let mut removed = 0;
        for kind in Kind::ALL {
            let account = account(profile, kind);
            removed += usize::from(self.vault.delete(&account)?);
            if !self.uses_file {
                removed += usize::from(self.file.delete(&account)?);
            }
        }
        Ok(removed)
    }
}

/// The OS keyring of this platform, if the build has one.
fn os_keyring() -> Option<Box<dyn Vault>> {
    #[cfg(any(target_os = "linux", target_os = "macos", windows))]
    {
        Some(Box::new(OsKeyring))
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A keyring that is there but refuses to work (seccomp blocking keyctl).
    struct Broken;

    impl Vault for Broken {
        fn probe(&self) -> Result<(), String> {
            Err("Operation not permitted".to_owned())
        }
        fn get(&self, _: &str) -> Result<Option<String>, String> {
            Err("Operation not permitted".to_owned())
        }
        fn set(&self, _: &str, _: &str) -> Result<(), String> {
            Err("Operation not permitted".to_owned())
        }
        fn delete(&self, _: &str) -> Result<bool, String> {
            Err("Operation not permitted".to_owned())
        }
    }

    /// A keyring that answers reads but stores nothing (seen on headless Linux:
    /// keyutils without a usable persistent keyring).
    struct ReadOnly;

    impl Vault for ReadOnly {
        fn get(&self, _: &str) -> Result<Option<String>, String> {
            Ok(None)
        }
        fn set(&self, _: &str, _: &str) -> Result<(), String> {
            Err("No matching entry found in secure storage".to_owned())
        }
        fn delete(&self, _: &str) -> Result<bool, String> {
            Ok(false)
        }
    }

    #[test]
    fn a_keyring_that_reads_but_cannot_store_is_not_used_the_file_is_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::with_keyring(dir.path(), Mode::Auto, Some(Box::new(ReadOnly)))
            .unwrap();
        assert!(
            store.uses_file(),
            "the probe writes, so a keyring that cannot store is found out"
        );
        let warning = store.take_warning().unwrap();
        assert!(warning.contains("No matching entry found"), "{warning}");
        assert!(
            warning.contains(FILE_NAME) && warning.contains("0600"),
            "{warning}"
        );
        assert!(
            CredentialStore::with_keyring(dir.path(), Mode::Keyring, Some(Box::new(ReadOnly)))
                .is_err(),
            "asked for the keyring explicitly, it is refused rather than silently useless"
        );
    }

    #[test]
    fn without_a_working_keyring_the_file_is_used_0600_and_said_loudly_once() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            CredentialStore::with_keyring(dir.path(), Mode::Auto, Some(Box::new(Broken))).unwrap();
        assert!(store.uses_file());
        let warning = store.take_warning().unwrap();
        assert!(
            warning.starts_with("warning: no OS keyring is available"),
            "{warning}"
        );
        assert!(
            warning.contains(FILE_NAME) && warning.contains("0600"),
            "{warning}"
        );
        assert_eq!(store.take_warning(), None, "once");
        store
            .set_client_secret(Some("prod"), &Secret::from("s3cret-value"))
            .unwrap();
        let path = dir.path().join(FILE_NAME);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            store
                .client_secret(Some("prod"))
                .unwrap()
                .unwrap()
                .expose_secret(),
            "s3cret-value"
        );
        assert_eq!(store.client_secret(None).unwrap().map(|_| ()), None);
        assert_eq!(store.forget(Some("prod")).unwrap(), 1);
        assert!(!path.exists(), "an empty store leaves no file behind");
        assert_eq!(store.client_secret(Some("prod")).unwrap().map(|_| ()), None);
    }

    #[test]
    fn asking_for_the_keyring_alone_fails_rather_than_falling_back() {
        let dir = tempfile::tempdir().unwrap();
        let err = CredentialStore::with_keyring(dir.path(), Mode::Keyring, Some(Box::new(Broken)))
            .unwrap_err();
        assert!(err.contains("unavailable"), "{err}");
        assert!(CredentialStore::open(dir.path(), Some("vault")).is_err());
    }

    #[test]
    fn a_session_is_kept_per_profile_and_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::file_only(dir.path());
        assert!(
            store
                .take_warning()
                .unwrap()
                .contains("M2M_PORTAL_CREDENTIALS=file")
        );
        let signed = SignedIn {
            operator: Operator {
                sub: "auth0|me".into(),
                email: Some("me@example.com".into()),
            },
            session: UserSession {
                client_id: "native".into(),
                access_token: Secret::from("at"),
                refresh_token: Some(Secret::from("rt")),
                expires_at: 5,
                scope: vec!["read:clients".into()],
            },
        };
        store
            .set_session(None, "https://t.example", &signed)
            .unwrap();
        assert!(
            store
                .session(None, "https://other.example")
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .session(Some("p"), "https://t.example")
                .unwrap()
                .is_none()
        );
        let back = store.session(None, "https://t.example").unwrap().unwrap();
        assert_eq!(back.operator, signed.operator);
        assert_eq!(back.session.refresh_token.unwrap().expose_secret(), "rt");
        // With a refresh token the access token is not written down.
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(!text.contains("\"at\""), "{text}");
        assert_eq!(back.session.expires_at, 0);
    }
}
