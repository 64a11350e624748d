//! Decoding and verifying access tokens exactly as an API gateway would.
//! (Skeleton: the API is the contract; bodies are being filled in.)

use serde::Serialize;

/// One gateway check (`signature`, `issuer`, `audience`, `expiry`, `org_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}
