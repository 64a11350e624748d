//! m2m-portal: a terminal portal for Auth0 machine-to-machine credentials.
//!
//! The binary is a thin shell over this library (see `docs/ARCHITECTURE.md`):
//! `cli` parses and dispatches, `tui` and `commands` are the two faces,
//! `portal` holds the use cases, `auth0` speaks HTTP to the tenant and
//! `sandbox` is the embedded Auth0-compatible tenant.

pub mod args;
pub mod auth0;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod config;
pub mod credentials;
pub mod gateway;
pub mod jwt;
pub mod logging;
pub mod output;
pub mod paths;
pub mod portal;
pub mod qr;
pub mod sandbox;
pub mod secret;
pub mod text;
pub mod tui;
