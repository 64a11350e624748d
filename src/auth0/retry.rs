//! The one retry policy of every Auth0 call (Management API, public JSON,
//! token endpoint): which failures are worth another try, how long to wait,
//! and when to give up.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// How hard to try before giving up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after a 429 (each waits until `x-ratelimit-reset`).
    pub rate_limit_retries: u32,
    /// The longest single wait for a rate limit; a later reset is an error at once.
    pub max_rate_limit_wait: Duration,
    /// Retries of an idempotent request after a 5xx or a connection error.
    pub idempotent_retries: u32,
    /// First backoff delay (doubles each time, plus jitter).
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            rate_limit_retries: 4,
            max_rate_limit_wait: Duration::from_secs(30),
            idempotent_retries: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

/// One failed attempt, as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Failure<'a> {
    /// No answer: a connection error, a timeout or a body cut short.
    /// `refused` (nothing listens there) is never retried.
    Transport { refused: bool },
    /// A 5xx answer.
    Server,
    /// A 429, with its headers (`x-ratelimit-reset`, `retry-after`).
    RateLimited(&'a HeaderMap),
}

/// A wait before the next try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pause {
    /// How long to wait.
    pub wait: Duration,
    /// Waiting for a rate limit window (not backing off from an error).
    pub rate_limit: bool,
}

/// Why the policy stopped retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// The failure is not worth another try, or its budget is spent.
    Failed,
    /// Still rate limited after `attempts` tries; the next window opens in `retry_after`.
    RateLimited {
        attempts: u32,
        retry_after: Duration,
    },
}

/// One request's retry budget under a [`RetryPolicy`]. A request that is not
/// idempotent is retried only after a 429 (Auth0 refused it before doing anything).
#[derive(Debug, Clone)]
pub(crate) struct Retries {
    policy: RetryPolicy,
    idempotent: bool,
    failures: u32,
    rate_limited: u32,
}

impl Retries {
    pub(crate) fn new(policy: RetryPolicy, idempotent: bool) -> Self {
        Self {
            policy,
            idempotent,
            failures: 0,
            rate_limited: 0,
        }
    }

    /// How long to wait before the next try after `failure`, or why not to try again.
    pub(crate) fn after(&mut self, failure: Failure<'_>) -> Result<Pause, GiveUp> {
        match failure {
            Failure::Transport { refused: true } => Err(GiveUp::Failed),
            Failure::Transport { .. } | Failure::Server => {
                if !self.idempotent || self.failures >= self.policy.idempotent_retries {
                    return Err(GiveUp::Failed);
                }
                self.failures += 1;
                Ok(Pause {
                    wait: backoff(self.policy.backoff, self.failures),
                    rate_limit: false,
                })
            }
            Failure::RateLimited(headers) => {
                let wait = rate_limit_wait(headers, self.policy.backoff, self.rate_limited + 1);
                if self.rate_limited >= self.policy.rate_limit_retries
                    || wait > self.policy.max_rate_limit_wait
                {
                    return Err(GiveUp::RateLimited {
                        attempts: self.rate_limited + 1,
                        retry_after: wait,
                    });
                }
                self.rate_limited += 1;
                Ok(Pause {
                    wait,
                    rate_limit: true,
                })
            }
        }
    }

    /// Waits before the next try: the one place every retry pauses (and is logged).
    pub(crate) async fn pause(&self, endpoint: &str, pause: Pause) {
        let wait_ms = u64::try_from(pause.wait.as_millis()).unwrap_or(u64::MAX);
        if pause.rate_limit {
            tracing::info!(endpoint, wait_ms, "rate limited; waiting");
        } else {
            tracing::warn!(endpoint, wait_ms, "retrying after a failed attempt");
        }
        tokio::time::sleep(pause.wait).await;
    }
}

/// Exponential backoff with jitter: base * 2^(attempt-1) + up to base.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(6);
    base * factor + jitter(base)
}

/// Up to `max` of random delay, so many clients do not retry in lockstep.
fn jitter(max: Duration) -> Duration {
    let millis = u64::try_from(max.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(fastrand::u64(0..millis))
}

/// How long to wait after a 429: until `x-ratelimit-reset` (UNIX seconds) plus
/// jitter, else `retry-after` (seconds), else exponential backoff.
fn rate_limit_wait(headers: &HeaderMap, base: Duration, attempt: u32) -> Duration {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(reset) = header("x-ratelimit-reset") {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let wait_ms = reset.saturating_mul(1000).saturating_sub(now_ms);
        return Duration::from_millis(wait_ms.max(50)) + jitter(Duration::from_millis(250));
    }
    match header("retry-after") {
        Some(secs) => Duration::from_secs(secs).max(Duration::from_millis(50)),
        None => backoff(base.max(Duration::from_millis(500)), attempt),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn rate_limit_wait_follows_the_reset_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ratelimit-reset",
            (now() + 2).to_string().parse().unwrap(),
        );
        let wait = rate_limit_wait(&headers, Duration::from_millis(100), 1);
        assert!(
            wait >= Duration::from_millis(900) && wait <= Duration::from_millis(2300),
            "{wait:?}"
        );
        headers.insert(
            "x-ratelimit-reset",
            (now() - 5).to_string().parse().unwrap(),
        );
        let wait = rate_limit_wait(&headers, Duration::from_millis(100), 1);
        assert!(wait < Duration::from_millis(400), "{wait:?}");
    }

    #[test]
    fn rate_limit_wait_falls_back_to_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        let wait = rate_limit_wait(&headers, Duration::from_millis(100), 1);
        assert_eq!(wait, Duration::from_secs(3));
    }

    #[test]
    fn only_idempotent_requests_retry_server_and_network_errors() {
        let policy = RetryPolicy::default();
        let mut post = Retries::new(policy, false);
        assert_eq!(post.after(Failure::Server), Err(GiveUp::Failed));
        assert_eq!(
            post.after(Failure::Transport { refused: false }),
            Err(GiveUp::Failed)
        );
        let mut get = Retries::new(policy, true);
        for _ in 0..policy.idempotent_retries {
            assert!(get.after(Failure::Server).is_ok());
        }
        assert_eq!(get.after(Failure::Server), Err(GiveUp::Failed));
    }

    #[test]
    fn a_refused_connection_is_never_retried() {
        let mut get = Retries::new(RetryPolicy::default(), true);
        assert_eq!(
            get.after(Failure::Transport { refused: true }),
            Err(GiveUp::Failed)
        );
    }

    #[test]
    fn rate_limits_have_their_own_budget_and_a_longest_wait() {
        let policy = RetryPolicy {
            rate_limit_retries: 2,
            ..RetryPolicy::default()
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", now().to_string().parse().unwrap());
        // Even a POST waits out a 429: Auth0 did nothing with it.
        let mut post = Retries::new(policy, false);
        assert!(post.after(Failure::RateLimited(&headers)).is_ok());
        assert!(post.after(Failure::RateLimited(&headers)).is_ok());
        assert!(matches!(
            post.after(Failure::RateLimited(&headers)),
            Err(GiveUp::RateLimited { attempts: 3, .. })
        ));
        let mut far = HeaderMap::new();
        far.insert(
            "x-ratelimit-reset",
            (now() + 3600).to_string().parse().unwrap(),
        );
        let mut get = Retries::new(policy, true);
        assert!(matches!(
            get.after(Failure::RateLimited(&far)),
            Err(GiveUp::RateLimited { attempts: 1, retry_after }) if retry_after > policy.max_rate_limit_wait
        ));
    }
}
