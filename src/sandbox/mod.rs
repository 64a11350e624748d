//! The embedded Auth0-compatible sandbox tenant (axum, loopback only). (Skeleton.)
