//! The Management API's token bucket (`--rate N`): N requests a second, burst N.
//! Without `--rate` the headers are still sent (from a generous bucket that
//! never refuses), since clients read them on every response.

use std::time::Instant;

use super::now_secs;

/// What one request saw of the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateState {
    pub limit: u32,
    pub remaining: u32,
    /// UNIX second when the bucket is full again.
    pub reset: u64,
    pub allowed: bool,
}

/// A token bucket.
#[derive(Debug)]
pub(crate) struct Bucket {
    limit: u32,
    enforced: bool,
    tokens: f64,
    last: Instant,
}

/// The advertised limit when none is enforced.
const UNENFORCED_LIMIT: u32 = 1000;

impl Bucket {
    pub fn new(rate: Option<u32>) -> Bucket {
        let limit = rate.map_or(UNENFORCED_LIMIT, |r| r.max(1));
        Bucket {
            limit,
            enforced: rate.is_some(),
            tokens: f64::from(limit),
            last: Instant::now(),
        }
    }

    /// The bucket's size (`x-ratelimit-limit`).
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Takes one token if there is one. A bucket that enforces nothing never runs dry:
    /// headers saying `x-ratelimit-remaining: 0` would make a client that honours them
    /// (as this one does, like any good Auth0 client) wait for a limit that is not there.
    pub fn take(&mut self) -> RateState {
        if !self.enforced {
            return RateState {
                limit: self.limit,
                remaining: self.limit - 1,
                reset: now_secs() + 1,
                allowed: true,
            };
        }
        let now = Instant::now();
        let limit = f64::from(self.limit);
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * limit).min(limit);
        let allowed = self.tokens >= 1.0;
        if allowed {
            self.tokens -= 1.0;
        }
        let missing = limit - self.tokens;
        // Whole seconds until full, rounded up, so a client waiting until `reset` finds tokens.
        let reset = now_secs() + (missing / limit).ceil().max(1.0) as u64;
        RateState {
            limit: self.limit,
            remaining: self.tokens.floor().max(0.0) as u32,
            reset,
            allowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enforced_bucket_refuses_after_its_burst() {
        let mut bucket = Bucket::new(Some(2));
        assert!(bucket.take().allowed);
        let second = bucket.take();
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        let third = bucket.take();
        assert!(!third.allowed);
        assert!(third.reset > now_secs() - 1);
    }

    #[test]
    fn without_a_rate_nothing_is_refused() {
        let mut bucket = Bucket::new(None);
        for _ in 0..2000 {
            assert!(bucket.take().allowed);
        }
    }

    #[test]
    fn without_a_rate_the_headers_never_say_the_bucket_is_empty() {
        let mut bucket = Bucket::new(None);
        for _ in 0..5000 {
            let state = bucket.take();
            assert_eq!(state.limit, UNENFORCED_LIMIT);
            assert!(state.remaining > 0, "{state:?}");
        }
    }
}
