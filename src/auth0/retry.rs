//! The one retry policy of every Auth0 call (Management API, public JSON,
//! token endpoint): which failures are worth another try, how long to wait,
//! and when to give up.

use std::sync::Arc;
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

/// A request held back by the tenant's rate limit, as the client reports it to
/// whoever watches (the TUI's status line, the headless progress line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitWait {
    /// `/api/v2/organizations`: the endpoint being held back.
    pub endpoint: String,
    /// How long the client waits before sending it.
    pub wait: Duration,
    /// True after a 429; false when the last answer said the bucket is empty
    /// (`x-ratelimit-remaining: 0`) and the client waits before asking at all.
    pub after_429: bool,
}

/// Told about every rate-limit wait before it starts (see [`Auth0Client::set_rate_limit_observer`]).
pub type RateLimitObserver = Arc<dyn Fn(&RateLimitWait) + Send + Sync>;

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

/// How long to wait after a 429: until `x-ratelimit-reset` (UNIX seconds), and
/// never less than `retry-after` or the time the bucket takes to refill one
/// request (`1 / x-ratelimit-limit` s: the reset is a whole second, so it may be
/// due already while the bucket is still empty), plus jitter; without the
/// headers, exponential backoff.
fn rate_limit_wait(headers: &HeaderMap, base: Duration, attempt: u32) -> Duration {
    let reset = reset_wait(headers);
    let retry_after = header_u64(headers, "retry-after").map(Duration::from_secs);
    if reset.is_none() && retry_after.is_none() {
        return backoff(base.max(Duration::from_millis(500)), attempt);
    }
    let wait = reset
        .unwrap_or_default()
        .max(retry_after.unwrap_or_default())
        .max(refill_time(headers))
        .max(Duration::from_millis(50));
    wait + jitter(Duration::from_millis(100))
}

/// When an answer says the bucket is empty (`x-ratelimit-remaining: 0`), how
/// long until the next request may go: until the reset, at least one refill.
pub(crate) fn empty_bucket_wait(headers: &HeaderMap) -> Option<Duration> {
    if header_u64(headers, "x-ratelimit-remaining")? != 0 {
        return None;
    }
    let wait = reset_wait(headers)?.max(refill_time(headers));
    Some(wait + jitter(Duration::from_millis(20)))
}

/// The time until `x-ratelimit-reset` (UNIX seconds; zero when it has passed).
fn reset_wait(headers: &HeaderMap) -> Option<Duration> {
    let reset = header_u64(headers, "x-ratelimit-reset")?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Some(Duration::from_millis(
        reset.saturating_mul(1000).saturating_sub(now_ms),
    ))
}

/// How long the bucket takes to hold one more request: `1 / x-ratelimit-limit` s.
fn refill_time(headers: &HeaderMap) -> Duration {
    match header_u64(headers, "x-ratelimit-limit") {
        Some(limit) if limit > 0 => {
            Duration::from_secs(1) / u32::try_from(limit).unwrap_or(u32::MAX)
        }
        _ => Duration::ZERO,
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
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
        assert!(
            wait >= Duration::from_secs(3) && wait < Duration::from_millis(3200),
            "{wait:?}"
        );
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

    fn rate_headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn a_429_whose_whole_second_reset_is_already_due_still_waits_for_one_refill() {
        // Auth0's reset is whole UNIX seconds: at 12.9 s a reset of "12" is due, yet
        // a bucket of 2 a second holds no request before 13.4 s.
        let headers = rate_headers(&[
            ("x-ratelimit-limit", "2".to_owned()),
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset", now().to_string()),
        ]);
        let wait = rate_limit_wait(&headers, Duration::from_millis(1), 1);
        assert!(wait >= Duration::from_millis(500), "{wait:?}");
        assert!(wait <= Duration::from_millis(600), "{wait:?}");
    }

    #[test]
    fn retry_after_is_honoured_when_it_is_later_than_the_reset() {
        let headers = rate_headers(&[
            ("retry-after", "3".to_owned()),
            ("x-ratelimit-reset", now().to_string()),
        ]);
        let wait = rate_limit_wait(&headers, Duration::from_millis(1), 1);
        assert!(wait >= Duration::from_secs(3), "{wait:?}");
        assert!(wait < Duration::from_millis(3200), "{wait:?}");
    }

    #[test]
    fn an_empty_bucket_holds_the_next_request_until_a_refill() {
        let now = now();
        let empty = rate_headers(&[
            ("x-ratelimit-limit", "2".to_owned()),
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset", (now + 1).to_string()),
        ]);
        let wait = empty_bucket_wait(&empty).unwrap();
        assert!(wait >= Duration::from_millis(500), "{wait:?}");
        assert!(wait <= Duration::from_millis(1100), "{wait:?}");
        let left = rate_headers(&[
            ("x-ratelimit-limit", "2".to_owned()),
            ("x-ratelimit-remaining", "1".to_owned()),
            ("x-ratelimit-reset", (now + 1).to_string()),
        ]);
        assert_eq!(empty_bucket_wait(&left), None);
        assert_eq!(empty_bucket_wait(&HeaderMap::new()), None);
    }
}
