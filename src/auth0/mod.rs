//! The Auth0 HTTP client: one `reqwest::Client`, token cache, Management API,
//! typed models, errors, rate-limit aware retries. (Skeleton.)
