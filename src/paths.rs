//! Where config, data (audit log, sandbox state) and logs live.
//!
//! Platform directories come from `directories::ProjectDirs`; each can be
//! overridden by environment (tests, portable setups): `M2M_PORTAL_CONFIG_DIR`,
//! `M2M_PORTAL_DATA_DIR`, `M2M_PORTAL_LOG_DIR`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use directories::ProjectDirs;

/// The directories the app reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Holds `config.toml`.
    pub config_dir: PathBuf,
    /// Holds the audit log.
    pub data_dir: PathBuf,
    /// Holds `m2m-portal.log`.
    pub log_dir: PathBuf,
}

/// No home directory and no override: nowhere to keep files.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot find a home directory for config and logs; set M2M_PORTAL_CONFIG_DIR, M2M_PORTAL_DATA_DIR and M2M_PORTAL_LOG_DIR"
)]
pub struct NoHomeDirectory;

impl Paths {
    /// Resolves the directories from the process environment.
    pub fn resolve() -> Result<Self, NoHomeDirectory> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Self::resolve_with(&env, ProjectDirs::from("", "", "m2m-portal"))
    }

    /// Resolves the directories from a given environment and platform directories.
    pub fn resolve_with(
        env: &BTreeMap<String, String>,
        project: Option<ProjectDirs>,
    ) -> Result<Self, NoHomeDirectory> {
        let from_env = |name: &str| {
            env.get(name)
                .filter(|value| !value.trim().is_empty())
                .map(PathBuf::from)
        };
        let config_dir = from_env("M2M_PORTAL_CONFIG_DIR")
            .or_else(|| project.as_ref().map(|p| p.config_dir().to_path_buf()));
        let data_dir = from_env("M2M_PORTAL_DATA_DIR")
            .or_else(|| project.as_ref().map(|p| p.data_dir().to_path_buf()));
        let log_dir = from_env("M2M_PORTAL_LOG_DIR").or_else(|| {
            project.as_ref().map(|p| {
                p.state_dir().map_or_else(
                    || p.data_local_dir().join("logs"),
                    |state| state.to_path_buf(),
                )
            })
        });
        match (config_dir, data_dir, log_dir) {
            (Some(config_dir), Some(data_dir), Some(log_dir)) => Ok(Self {
                config_dir,
                data_dir,
                log_dir,
            }),
            _ => Err(NoHomeDirectory),
        }
    }

    /// The config file, `config.toml` in the config dir.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The audit log, `audit.jsonl` in the data dir.
    pub fn audit_log(&self) -> PathBuf {
        self.data_dir.join("audit.jsonl")
    }

    /// The log file, `m2m-portal.log` in the log dir.
    pub fn log_file(&self) -> PathBuf {
        self.log_dir.join("m2m-portal.log")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_every_directory() {
        let env = BTreeMap::from([
            ("M2M_PORTAL_CONFIG_DIR".to_owned(), "/c".to_owned()),
            ("M2M_PORTAL_DATA_DIR".to_owned(), "/d".to_owned()),
            ("M2M_PORTAL_LOG_DIR".to_owned(), "/l".to_owned()),
        ]);
        let paths = Paths::resolve_with(&env, None).unwrap();
        assert_eq!(paths.config_file(), PathBuf::from("/c/config.toml"));
        assert_eq!(paths.audit_log(), PathBuf::from("/d/audit.jsonl"));
        assert_eq!(paths.log_file(), PathBuf::from("/l/m2m-portal.log"));
    }

    #[test]
    fn no_home_and_no_override_is_an_error_naming_the_variables() {
        let err = Paths::resolve_with(&BTreeMap::new(), None).unwrap_err();
        assert!(err.to_string().contains("M2M_PORTAL_CONFIG_DIR"));
    }
}
