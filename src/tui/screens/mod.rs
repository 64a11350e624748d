//! The screens; each owns its state, its part of `update` and its view.

pub mod keys;
pub mod organization;
pub mod organizations;
pub mod signin;
pub mod token;
