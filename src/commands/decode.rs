//! `jwt decode`: a token's claims and checks.

use serde_json::{Value, json};

use crate::config::Settings;
use crate::jwt::{self, Check};
use crate::portal::{Portal, PortalError};
use crate::secret::Secret;

use super::Io;
use super::gateway::verify_like_a_gateway;
use super::print::{out, pretty, print_json};

pub(super) async fn jwt_decode(
    token: Option<&str>,
    verify: bool,
    as_json: bool,
    settings: &Settings,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let token = match token {
        Some(t) if t != "-" => Secret::new(t.to_owned()),
        _ => {
            let mut text = String::new();
            io.stdin.read_to_string(&mut text).map_err(|e| {
                PortalError::usage(format!("Cannot read the token from stdin: {e}"))
            })?;
            let text = Secret::new(text.trim().to_owned());
            if text.is_empty() {
                return Err(PortalError::usage("No token on stdin").with_hint(
                    "Give the token as an argument, or pipe it: `... | m2m-portal jwt decode`.",
                ));
            }
            text
        }
    };
    let decoded = jwt::decode_unverified(token.expose_secret())
        .map_err(|e| PortalError::usage(format!("Cannot decode the token: {e}")))?;
    let checks = if verify {
        let portal = Portal::with_options(settings, io.portal.clone())?;
        Some(verify_like_a_gateway(&portal, &token, &decoded, false).await?)
    } else {
        None
    };
    if as_json {
        let mut doc = json!({"header": decoded.header, "claims": decoded.claims});
        if let Some(checks) = &checks {
            doc["checks"] = checks_json(checks);
            doc["tenant"] = json!(settings.tenant_name());
        }
        print_json(io, &doc);
    } else {
        let mut text = format!(
            "header:\n{}\nclaims:\n{}\n",
            pretty(&decoded.header),
            pretty(&decoded.claims)
        );
        if let Some(checks) = &checks {
            text.push_str(&checks_human(checks));
        }
        out(io, &text);
    }
    Ok(match &checks {
        Some(checks) if !jwt::all_ok(checks) => 1,
        _ => 0,
    })
}

/// Reads a token from the argument, or stdin for `-` or nothing.
pub(super) fn read_token(
    token: Option<&str>,
    io: &mut Io<'_>,
    command: &str,
) -> Result<Secret, PortalError> {
    if let Some(token) = token.filter(|t| *t != "-") {
        return Ok(Secret::new(token.to_owned()));
    }
    let mut text = String::new();
    io.stdin
        .read_to_string(&mut text)
        .map_err(|e| PortalError::usage(format!("Cannot read the token from stdin: {e}")))?;
    let text = Secret::new(text.trim().to_owned());
    if text.is_empty() {
        return Err(PortalError::usage("No token on stdin").with_hint(format!(
            "Pipe the token: `... | m2m-portal {command}` (an argument is visible to other users)."
        )));
    }
    Ok(text)
}

/// `{name: {ok, detail}}` for each check.
pub(super) fn checks_json(checks: &[Check]) -> Value {
    Value::Object(
        checks
            .iter()
            .map(|c| (c.name.clone(), json!({"ok": c.ok, "detail": c.detail})))
            .collect(),
    )
}

pub(super) fn checks_human(checks: &[Check]) -> String {
    let mut text = String::from("gateway checks:\n");
    for check in checks {
        text.push_str(&format!(
            "  {}  {:<10} {}\n",
            if check.ok { "ok  " } else { "FAIL" },
            check.name,
            &check.detail
        ));
    }
    text
}
