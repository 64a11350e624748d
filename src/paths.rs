//! Where config, data (audit log) and logs live: `directories::ProjectDirs`,
//! overridable by environment for tests. (Skeleton.)
