//! Shared support for the integration tests: `mod common;` in a test file.
//!
//! Not every test file uses every helper.
#![allow(dead_code)]

pub mod fixtures;
pub mod schema;
