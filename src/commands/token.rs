//! What `token` and `clients provision/rotate` print, and the rotation guard.

use serde_json::{Value, json};

use crate::jwt;
use crate::portal::TokenRequest;
use crate::portal::{
    IssuedKey, Portal, PortalError, ProvisionProgress, ProvisionStep, StepState, TokenReport,
};

use super::Io;
use super::decode::{checks_human, checks_json};
use super::login::read_client_secret;
use super::name_token_inputs;
use super::print::ensure_printable;
use super::print::{err_line, out, pretty, print_json, table_rows};

/// `token`: a token for a key (its secret from the environment or stdin), checked;
/// exit 1 when a check fails. `request` is the client id, organization and audience.
pub(super) async fn run_token(
    request: (&str, Option<&str>, Option<&str>),
    json: bool,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let (client_id, org, audience) = request;
    let secret = read_client_secret(io)?;
    let report = portal
        .test_token(TokenRequest {
            client_id: client_id.to_owned(),
            client_secret: secret,
            organization: org.map(str::to_owned),
            audience: audience.map(str::to_owned),
        })
        .await
        .map_err(name_token_inputs)?;
    ensure_printable("access token", report.access_token.expose_secret())?;
    let ok = jwt::all_ok(&report.checks);
    if json {
        let mut doc = token_json(&report);
        doc["tenant"] = json!(portal.settings().tenant_name());
        print_json(io, &doc);
    } else {
        print_token_human(io, &report);
    }
    Ok(if ok { 0 } else { 1 })
}

pub(super) fn token_json(report: &TokenReport) -> Value {
    json!({
        "access_token": report.access_token.expose_secret(),
        "expires_in": report.expires_in,
        "header": report.header,
        "claims": report.claims,
        "checks": checks_json(&report.checks),
    })
}

pub(super) fn print_token_human(io: &mut Io<'_>, report: &TokenReport) {
    let text = format!(
        "header:\n{}\nclaims:\n{}\n{}expires in: {} s\naccess_token: {}\n",
        pretty(&report.header),
        pretty(&report.claims),
        checks_human(&report.checks),
        report.expires_in,
        report.access_token.expose_secret()
    );
    out(io, &text);
}

/// Prints credentials just issued (provision or rotate): shown once.
pub(super) fn print_issued(
    io: &mut Io<'_>,
    portal: &Portal,
    key: &IssuedKey,
    as_json: bool,
    proof: Option<&TokenReport>,
) {
    if as_json {
        let mut doc = json!({
            "client_id": key.client_id,
            "client_name": key.client_name,
            "client_secret": key.client_secret.expose_secret(),
            "organization_id": key.organization_id,
            "grant_id": key.grant_id,
            "tenant": portal.settings().tenant_name(),
        });
        if let Some(report) = proof {
            doc["verified"] = json!(jwt::all_ok(&report.checks));
            doc["checks"] = checks_json(&report.checks);
        }
        print_json(io, &doc);
    } else {
        let rows = vec![
            vec!["client_id".to_owned(), key.client_id.clone()],
            vec!["name".to_owned(), key.client_name.clone()],
            vec![
                "client_secret".to_owned(),
                key.client_secret.expose_secret().to_owned(),
            ],
            vec![
                "organization_id".to_owned(),
                key.organization_id.as_deref().unwrap_or("-").to_owned(),
            ],
            vec![
                "grant_id".to_owned(),
                key.grant_id.as_deref().unwrap_or("-").to_owned(),
            ],
        ];
        let mut text = table_rows(&rows);
        text.push_str(&format!(
            "tenant           {}\n",
            portal.settings().tenant_name()
        ));
        if let Some(report) = proof {
            text.push_str(&checks_human(&report.checks));
        }
        out(io, &text);
        err_line(
            io,
            "Store the client secret now: it is shown once and cannot be read back.",
        );
    }
}

pub(super) fn describe_step(progress: &ProvisionProgress) -> String {
    let what = match progress.step {
        ProvisionStep::CreateClient => "create the client",
        ProvisionStep::CreateGrant => "create the client grant",
        ProvisionStep::LinkGrant => "link the grant to the organization",
        ProvisionStep::Rollback => "roll back",
    };
    match progress.state {
        StepState::Running => format!("...  {what}"),
        StepState::Done => format!("ok   {what}"),
        StepState::Failed => format!("FAIL {what}"),
    }
}

/// By default `clients rotate` acts only on an organization's key: a client made for
/// one (`client_metadata.org_id` / `default_organization`), or, with `--org`, one whose
/// grant is linked to that organization. Anything else needs `--any-client`.
pub(super) async fn ensure_organization_key(
    portal: &Portal,
    client: &crate::auth0::Client,
    org: Option<&str>,
) -> Result<(), PortalError> {
    let client_id = &client.client_id;
    let made_for = client.organization_id().map(str::to_owned);
    let Some(org) = org else {
        if made_for.is_some() {
            return Ok(());
        }
        return Err(PortalError::usage(format!(
            "The client {client_id} ({}) is not an organization's key: clients rotate acts only \
             on keys made for an organization unless told otherwise",
            &client.name
        ))
        .with_code("not_an_organization_key")
        .with_hint(
            "If a client grant links it to an organization, name it with --org ORG; \
             to rotate it anyway, add --any-client.",
        ));
    };
    let org = portal.find_organization(org).await?;
    if made_for.as_deref() == Some(org.id.as_str()) {
        return Ok(());
    }
    let linked = portal
        .auth0()
        .organization_client_grants(&org.id, &portal.settings().api_audience)
        .await
        .map_err(|e| PortalError::management("reading the organization's client grants", &e))?;
    if linked.iter().any(|g| g.client_id == client.client_id) {
        return Ok(());
    }
    Err(PortalError::usage(format!(
        "The client {client_id} is not a key of the organization {}",
        &org.name
    ))
    .with_code("not_an_organization_key")
    .with_hint(
        "`m2m-portal clients list --org ORG` shows the organization's keys; \
         to rotate it anyway, add --any-client.",
    ))
}
