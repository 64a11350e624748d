//! `gateway`: configuration for API gateways, and checking a token as one would.

use serde_json::{Value, json};

use crate::args::{GatewayArgs, GatewayCommand};
use crate::gateway::{self, Target};
use crate::jwt::{self, Check, Expectations};
use crate::portal::{Portal, PortalError};
use crate::secret::Secret;

use super::Io;
use super::decode::read_token;
use super::print::{out, print_json};

/// What a gateway needs to know of this tenant, from its discovery document and JWKS.
pub async fn gateway_facts(portal: &Portal) -> Result<crate::gateway::Facts, PortalError> {
    let verification = portal.verification().await?;
    Ok(verification.facts(portal.settings()))
}

/// `gateway [TARGET]` and `gateway check`.
pub(super) async fn run_gateway(
    args: &GatewayArgs,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    match &args.command {
        Some(GatewayCommand::Check { token }) => {
            check_token(token.as_deref(), args.json, portal, io).await
        }
        target => print_guides(target.as_ref(), args.json, portal, io).await,
    }
}

/// `gateway check`: the token checked as a gateway would, each failure in the
/// gateway's words; exit 1 when a gateway would refuse it.
async fn check_token(
    token: Option<&str>,
    json: bool,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let token = read_token(token, io, "gateway check -")?;
    let decoded = jwt::decode_unverified(token.expose_secret())
        .map_err(|e| PortalError::usage(format!("Cannot decode the token: {e}")))?;
    let facts = gateway_facts(portal).await?;
    let checks = verify_like_a_gateway(portal, &token, &decoded, true).await?;
    let ok = jwt::all_ok(&checks);
    if json {
        let list: Vec<Value> = checks
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "ok": c.ok,
                    "detail": c.detail,
                    "gateway": (!c.ok).then(|| gateway::explain(c, &facts, Some(&decoded))),
                })
            })
            .collect();
        print_json(
            io,
            &json!({
                "accepted": ok,
                "issuer": facts.issuer,
                "jwks_uri": facts.jwks_uri,
                "audience": facts.audience,
                "algorithms": facts.algorithms,
                "leeway": facts.leeway,
                "checks": list,
            }),
        );
    } else {
        out(io, &check_text(&checks, &facts, &decoded));
    }
    Ok(if ok { 0 } else { 1 })
}

/// The human report of `gateway check`.
fn check_text(checks: &[Check], facts: &gateway::Facts, decoded: &jwt::Decoded) -> String {
    let mut text = format!(
        "gateway check against {} (issuer {}, audience {}, {}, leeway {} s):\n",
        facts.tenant,
        facts.issuer,
        facts.audience,
        facts.algorithms.join("/"),
        facts.leeway
    );
    for check in checks {
        text.push_str(&format!(
            "  {}  {:<10} {}\n",
            if check.ok { "ok  " } else { "FAIL" },
            check.name,
            check.detail
        ));
        if !check.ok {
            text.push_str(&format!(
                "        gateway: {}\n",
                gateway::explain(check, facts, Some(decoded))
            ));
        }
    }
    text.push_str(if jwt::all_ok(checks) {
        "A gateway configured as `m2m-portal gateway` shows would accept this token.\n"
    } else {
        "A gateway would refuse this token.\n"
    });
    text
}

/// `gateway [TARGET]`: the guide for one gateway, or all of them.
async fn print_guides(
    command: Option<&GatewayCommand>,
    json: bool,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let facts = gateway_facts(portal).await?;
    let targets: Vec<Target> = match command.and_then(GatewayCommand::target) {
        Some(target) => vec![target],
        None => Target::ALL.to_vec(),
    };
    let guides: Vec<gateway::Guide> = targets.iter().map(|t| gateway::guide(*t, &facts)).collect();
    if json {
        let mut doc = json!({
            "tenant": facts.tenant,
            "issuer": facts.issuer,
            "jwks_uri": facts.jwks_uri,
            "audience": facts.audience,
            "token_endpoint": facts.token_endpoint,
            "algorithms": facts.algorithms,
            "leeway": facts.leeway,
            "guides": guides,
        });
        if let [only] = guides.as_slice() {
            doc["guide"] = json!(only);
        }
        print_json(io, &doc);
    } else {
        out(io, &guides_text(&guides));
    }
    Ok(0)
}

/// The guides as text: each snippet under its name, then the notes.
fn guides_text(guides: &[gateway::Guide]) -> String {
    let mut text = String::new();
    for guide in guides {
        text.push_str(&format!("== {} ({}) ==\n", guide.title, guide.target));
        for snippet in &guide.snippets {
            text.push_str(&format!("\n--- {} ---\n{}", snippet.name, snippet.text));
            if !snippet.text.ends_with('\n') {
                text.push('\n');
            }
        }
        if !guide.notes.is_empty() {
            text.push('\n');
        }
        for note in &guide.notes {
            text.push_str(&format!("note: {note}\n"));
        }
        text.push('\n');
    }
    text
}

/// Checks a token against the tenant's discovery (issuer, JWKS, algorithms),
/// the configured audience (or the one in `aud` that is it) and the leeway.
/// `require_org_id`: a gateway that identifies customers by `org_id` refuses a
/// token without one.
pub(crate) async fn verify_like_a_gateway(
    portal: &Portal,
    token: &Secret,
    decoded: &jwt::Decoded,
    require_org_id: bool,
) -> Result<Vec<Check>, PortalError> {
    let settings = portal.settings();
    let verification = portal.verification().await?;
    let jwks = &verification.jwks;
    let audience = decoded
        .claims
        .get("aud")
        .map(|aud| match aud {
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_str)
                .find(|a| *a == settings.api_audience)
                .unwrap_or(&settings.api_audience)
                .to_owned(),
            _ => settings.api_audience.clone(),
        })
        .unwrap_or_else(|| settings.api_audience.clone());
    let mut checks = jwt::check_with(
        token.expose_secret(),
        jwks,
        &Expectations {
            issuer: verification.issuer.clone(),
            audience,
            organization_id: decoded.claim_str("org_id").map(str::to_owned),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        },
        &verification.policy,
    );
    if require_org_id && decoded.claims.get("org_id").is_none() {
        for check in checks.iter_mut().filter(|c| c.name == "org_id") {
            check.ok = false;
            check.detail =
                "no org_id claim: the gateway cannot tell which customer calls".to_owned();
        }
    }
    Ok(checks)
}
