//! Injected failures (`--faults SPEC`), so clients can be tested against the
//! ways a real tenant misbehaves: 429s, 5xx, slow answers, dropped connections.
//!
//! Grammar (also in docs/SANDBOX.md):
//!
//! ```text
//! SPEC   := RULE (';' RULE)*          (`seed=N` as a rule: probabilities repeat run to run)
//! RULE   := [METHOD ' '] PATH '=' ACTION ('+' ACTION)* ['@' WHEN]
//! METHOD := GET | POST | PATCH | PUT | DELETE | *        (default: any)
//! PATH   := a path, '*' matches any characters ('/' included)
//! ACTION := STATUS (400..=599) | drop | lost | delay:DURATION   (500ms, 2s, 1m)
//!         | hostile        (the error's text is terminal control sequences; 403 unless a STATUS is given)
//!         | huge           (a 10 MiB answer: an error with a STATUS, else a 200 list)
//!         | repeat-cursor  (a checkpoint page answers with the cursor it was asked for)
//!         | forever        (a token answers expires_in and exp of u64::MAX)
//!         | html           (an HTML page, as from a proxy or a web site; 200 unless a STATUS is given)
//!         | empty          (no body at all; 403 unless a STATUS is given)
//! WHEN   := first:K | P% | always                        (default: always)
//! ```
//!
//! Example: `POST /api/v2/clients=503@first:1; GET /api/v2/organizations*=delay:2s@25%`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde_json::json;

use super::seed::HOSTILE;
use super::vocab::{Kind, Reply, api_error, oauth_error, reason};
use super::{SandboxError, Shared, lock, now_secs};

/// A set of fault rules; the default injects nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    rules: Vec<FaultRule>,
    /// Seeds the `P%` draws so a faulty run can be repeated exactly.
    seed: Option<u64>,
}

impl FaultSpec {
    /// No faults.
    pub fn none() -> FaultSpec {
        FaultSpec::default()
    }

    /// True when no rule is set.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The same rules with their `P%` draws seeded.
    pub fn seeded(mut self, seed: u64) -> FaultSpec {
        self.seed = Some(seed);
        self
    }
}

/// One rule: which calls, what happens, how often.
#[derive(Debug, Clone, PartialEq)]
struct FaultRule {
    method: Option<String>,
    path: String,
    status: Option<u16>,
    delay: Option<Duration>,
    drop: bool,
    /// The request is carried out, then the connection is closed: the answer is lost.
    lost: bool,
    hostile: bool,
    huge: bool,
    repeat_cursor: bool,
    forever: bool,
    html: bool,
    empty: bool,
    when: When,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    Always,
    First(u64),
    Probability(f64),
}

impl FromStr for FaultSpec {
    type Err = SandboxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        for rule in text
            .split(';')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
        {
            if let Some(seed) = rule.strip_prefix("seed=") {
                spec.seed = Some(seed.trim().parse().map_err(|_| SandboxError::BadFaults {
                    rule: rule.to_owned(),
                    reason: "seed=N needs a whole number".to_owned(),
                })?);
            } else {
                spec.rules.push(parse_rule(rule)?);
            }
        }
        Ok(spec)
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rules: Vec<String> = self.rules.iter().map(|r| r.text.clone()).collect();
        if let Some(seed) = self.seed {
            rules.insert(0, format!("seed={seed}"));
        }
        f.write_str(&rules.join("; "))
    }
}

fn parse_rule(text: &str) -> Result<FaultRule, SandboxError> {
    let bad = |reason: &str| SandboxError::BadFaults {
        rule: text.to_owned(),
        reason: reason.to_owned(),
    };
    let (target, effect) = text
        .split_once('=')
        .ok_or_else(|| bad("expected [METHOD] PATH=ACTION[@WHEN]"))?;
    let (method, path) = parse_target(target).map_err(bad)?;
    let (actions, when) = match effect.split_once('@') {
        Some((actions, when)) => (
            actions.trim(),
            parse_when(when.trim())
                .ok_or_else(|| bad("WHEN must be first:K, P% (0 to 100) or always"))?,
        ),
        None => (effect.trim(), When::Always),
    };
    let mut rule = FaultRule {
        method,
        path: path.to_owned(),
        status: None,
        delay: None,
        drop: false,
        lost: false,
        hostile: false,
        huge: false,
        repeat_cursor: false,
        forever: false,
        html: false,
        empty: false,
        when,
        text: text.to_owned(),
    };
    for action in actions.split('+').map(str::trim) {
        rule.add_action(action).map_err(bad)?;
    }
    if rule.hostile && rule.status.is_none() {
        rule.status = Some(403);
    }
    if !rule.does_something() {
        return Err(bad("no action given"));
    }
    Ok(rule)
}

/// `[METHOD] PATH`: the method (`None` for any) and the path pattern, or why not.
fn parse_target(target: &str) -> Result<(Option<String>, &str), &'static str> {
    let target = target.trim();
    let (method, path) = match target.split_once(char::is_whitespace) {
        Some((method, path)) => (Some(method.trim()), path.trim()),
        None => (None, target),
    };
    let method = match method {
        None | Some("*") => None,
        Some(m)
            if ["GET", "POST", "PATCH", "PUT", "DELETE"]
                .contains(&m.to_ascii_uppercase().as_str()) =>
        {
            Some(m.to_ascii_uppercase())
        }
        Some(_) => return Err("the method must be GET, POST, PATCH, PUT, DELETE or *"),
    };
    if !path.starts_with('/') && !path.starts_with('*') {
        return Err("the path must start with / or *");
    }
    Ok((method, path))
}

impl FaultRule {
    /// Adds one `+`-separated action, or says why it is not one.
    fn add_action(&mut self, action: &str) -> Result<(), &'static str> {
        match action {
            "drop" => self.drop = true,
            "lost" => self.lost = true,
            "hostile" => self.hostile = true,
            "huge" => self.huge = true,
            "repeat-cursor" => self.repeat_cursor = true,
            "forever" => self.forever = true,
            "html" => self.html = true,
            "empty" => self.empty = true,
            _ => {
                if let Some(duration) = action.strip_prefix("delay:") {
                    let duration = humantime::parse_duration(duration.trim())
                        .map_err(|_| "delay needs a duration such as 500ms or 2s")?;
                    self.delay = Some(duration);
                } else if let Ok(status) = action.parse::<u16>() {
                    if !(400..=599).contains(&status) {
                        return Err("a status must be from 400 to 599");
                    }
                    self.status = Some(status);
                } else {
                    return Err(
                        "ACTION must be a status (400-599), drop, lost, delay:DURATION, hostile, huge, repeat-cursor, forever, html or empty",
                    );
                }
            }
        }
        Ok(())
    }

    /// Whether the rule has any effect (`hostile` alone has set its status by now).
    fn does_something(&self) -> bool {
        self.status.is_some()
            || self.delay.is_some()
            || self.drop
            || self.lost
            || self.huge
            || self.repeat_cursor
            || self.forever
            || self.html
            || self.empty
    }
}

fn parse_when(text: &str) -> Option<When> {
    if text == "always" {
        return Some(When::Always);
    }
    if let Some(count) = text.strip_prefix("first:") {
        return count.trim().parse().ok().map(When::First);
    }
    let percent: f64 = text.strip_suffix('%')?.trim().parse().ok()?;
    (0.0..=100.0)
        .contains(&percent)
        .then_some(When::Probability(percent / 100.0))
}

/// What to do to one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fault {
    pub status: Option<u16>,
    pub delay: Option<Duration>,
    pub drop: bool,
    pub lost: bool,
    pub hostile: bool,
    pub huge: bool,
    pub repeat_cursor: bool,
    pub forever: bool,
    pub html: bool,
    pub empty: bool,
}

/// The rules with how many calls each has matched.
#[derive(Debug)]
pub(crate) struct FaultSet {
    rules: Vec<(FaultRule, u64)>,
    rng: fastrand::Rng,
}

impl FaultSet {
    pub fn new(spec: FaultSpec) -> FaultSet {
        FaultSet {
            rules: spec.rules.into_iter().map(|rule| (rule, 0)).collect(),
            rng: spec
                .seed
                .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed),
        }
    }

    /// The fault for this call, if a rule matches and fires.
    pub fn pick(&mut self, method: &str, path: &str) -> Option<Fault> {
        let rng = &mut self.rng;
        for (rule, seen) in &mut self.rules {
            if rule.method.as_deref().is_some_and(|m| m != method) || !glob(&rule.path, path) {
                continue;
            }
            *seen += 1;
            let fires = match rule.when {
                When::Always => true,
                When::First(k) => *seen <= k,
                When::Probability(p) => rng.f64() < p,
            };
            if fires {
                return Some(Fault {
                    status: rule.status,
                    delay: rule.delay,
                    drop: rule.drop,
                    lost: rule.lost,
                    hostile: rule.hostile,
                    huge: rule.huge,
                    repeat_cursor: rule.repeat_cursor,
                    forever: rule.forever,
                    html: rule.html,
                    empty: rule.empty,
                });
            }
        }
        None
    }
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The size of a `huge` answer.
pub const HUGE_BYTES: usize = 10 * 1024 * 1024;

/// The answer for an injected fault that is not a plain status: hostile text or a
/// huge body.
pub(crate) fn special_reply(shared: &Shared, kind: Kind, fault: &Fault) -> Option<Reply> {
    if fault.huge {
        let filler = "x".repeat(HUGE_BYTES);
        return Some(match (fault.status, kind) {
            (Some(status), Kind::Management) => api_error(status, filler, None),
            (Some(status), _) => oauth_error(status, "server_error", filler),
            (None, _) => {
                let per = 100;
                let rows: Vec<serde_json::Value> = (0..HUGE_BYTES / per)
                    .map(|i| json!({"id": format!("org_huge{i:08}"), "name": format!("huge-{i}"), "display_name": "x".repeat(per - 50)}))
                    .collect();
                Reply::json(200, serde_json::Value::Array(rows))
            }
        });
    }
    if fault.html {
        return Some(Reply::html(
            fault.status.unwrap_or(200),
            "<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>"
                .to_owned(),
        ));
    }
    if fault.empty {
        return Some(Reply::empty(fault.status.unwrap_or(403)));
    }
    if fault.hostile {
        let status = fault.status.unwrap_or(403);
        return Some(match kind {
            Kind::Management => api_error(status, HOSTILE, Some(HOSTILE)),
            _ => oauth_error(status, HOSTILE, HOSTILE),
        });
    }
    fault.status.map(|status| reply(shared, kind, status))
}

/// The answer for an injected status, shaped like the endpoint's real errors.
pub(crate) fn reply(shared: &Shared, kind: Kind, status: u16) -> Reply {
    let reset = (now_secs() + 1).to_string();
    match (kind, status) {
        (Kind::Management, 429) => {
            let limit = lock(&shared.limiter).limit();
            api_error(
                429,
                "Global limit has been reached",
                Some("too_many_requests"),
            )
            .with_header("x-ratelimit-limit", limit.to_string())
            .with_header("x-ratelimit-remaining", "0".into())
            .with_header("x-ratelimit-reset", reset)
        }
        (Kind::Token | Kind::DeviceCode, 429) => {
            oauth_error(429, "too_many_requests", "Global limit has been reached")
                .with_header("x-ratelimit-limit", "30".into())
                .with_header("x-ratelimit-remaining", "0".into())
                .with_header("x-ratelimit-reset", reset)
        }
        (Kind::Token | Kind::DeviceCode, 401 | 403) => {
            oauth_error(status, "access_denied", "Unauthorized")
        }
        (Kind::Token | Kind::DeviceCode, s) if s >= 500 => Reply::json(
            status,
            json!({"error": "server_error", "error_description": format!("{} (sandbox fault)", reason(s))}),
        ),
        (Kind::Token | Kind::DeviceCode, _) => {
            oauth_error(status, "invalid_request", "Bad request (sandbox fault)")
        }
        (_, s) => api_error(s, format!("{} (sandbox fault)", reason(s)), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_match() {
        let spec: FaultSpec = "POST /api/v2/clients=503@first:1; GET /api/v2/organizations*=delay:20ms+429@50%; */oauth/token=drop"
            .parse()
            .unwrap();
        let mut set = FaultSet::new(spec);
        let first = set.pick("POST", "/api/v2/clients").unwrap();
        assert_eq!(first.status, Some(503));
        assert_eq!(set.pick("POST", "/api/v2/clients"), None);
        assert_eq!(set.pick("GET", "/api/v2/clients"), None);
        assert!(set.pick("POST", "/oauth/token").unwrap().drop);
        let mut lost = FaultSet::new("POST /api/v2/clients=lost@first:1".parse().unwrap());
        let fault = lost.pick("POST", "/api/v2/clients").unwrap();
        assert!(fault.lost && !fault.drop && fault.status.is_none());
    }

    #[test]
    fn a_seed_makes_the_draws_repeat() {
        let spec: FaultSpec = "seed=42; /x=500@30%".parse().unwrap();
        assert_eq!(spec.to_string(), "seed=42; /x=500@30%");
        let draws = |spec: &FaultSpec| {
            let mut set = FaultSet::new(spec.clone());
            (0..200)
                .map(|_| set.pick("GET", "/x").is_some())
                .collect::<Vec<_>>()
        };
        let first = draws(&spec);
        assert_eq!(first, draws(&spec));
        assert!(first.iter().any(|f| *f) && first.iter().any(|f| !*f));
        assert!("seed=x; /x=500".parse::<FaultSpec>().is_err());
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        for bad in [
            "/x",
            "/x=600",
            "/x=teapot",
            "FETCH /x=500",
            "/x=500@sometimes",
            "x=500",
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad}");
        }
        assert!("".parse::<FaultSpec>().unwrap().is_empty());
    }

    #[test]
    fn glob_matches_runs() {
        assert!(glob(
            "/api/v2/*",
            "/api/v2/organizations/org_1/client-grants"
        ));
        assert!(glob("*", "/"));
        assert!(glob("/api/v2/organizations", "/api/v2/organizations"));
        assert!(!glob("/api/v2/organizations", "/api/v2/organizations/x"));
        assert!(glob(
            "/api/*/client-grants",
            "/api/v2/organizations/o/client-grants"
        ));
        assert!(!glob("/oauth/*", "/api/v2/x"));
    }
}
