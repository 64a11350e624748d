//! `onboard`: an organization, its first member and its key in one go.

use serde_json::{Value, json};

use crate::portal::{OnboardReport, OnboardRequest, OnboardStep, Portal, PortalError, StepState};

use super::Io;
use super::members::print_invitation;
use super::print::{ensure_printable, err_line, out, print_json};
use super::token::print_issued;

pub(super) async fn run_onboard(
    request: &OnboardRequest,
    json: bool,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    // Progress is collected (the callback must be Send + Sync) and printed after.
    let steps = std::sync::Mutex::new(Vec::new());
    let progress = |step: OnboardStep, state: StepState| {
        if let Ok(mut steps) = steps.lock() {
            steps.push((step, state));
        }
    };
    let result = portal.onboard(request, &progress).await;
    for (step, state) in steps.into_inner().unwrap_or_default() {
        let mark = match state {
            StepState::Running => continue,
            StepState::Done => "done",
            StepState::Failed => "FAILED",
        };
        err_line(io, &format!("  {mark:<7}{}", step.label()));
    }
    let report = result?;
    if let Some(key) = &report.key {
        ensure_printable("client secret", key.client_secret.expose_secret())?;
    }
    if json {
        print_json(io, &onboard_json(&report, portal));
        return Ok(0);
    }
    let org = &report.organization;
    out(io, &summary_text(&report));
    if let Some(sent) = &report.invitation {
        print_invitation(io, sent, &org.name);
    }
    match (&report.key, &report.existing_key) {
        (Some(key), _) => {
            print_issued(io, portal, key, false, None);
            err_line(
                io,
                &format!(
                    "The gateway identifies this customer by the token's org_id claim: {}",
                    &org.id
                ),
            );
        }
        (None, Some(existing)) => out(
            io,
            &format!(
                "key           {} ({}) existed: no new secret; `m2m-portal clients rotate {}` issues one\n",
                &existing.name, &existing.client_id, &existing.client_id
            ),
        ),
        (None, None) => {}
    }
    Ok(0)
}

/// `onboard --json`: what was found or made, the new secret once, the gateway's claim.
fn onboard_json(report: &OnboardReport, portal: &Portal) -> Value {
    json!({
        "organization": {
            "id": report.organization.id,
            "name": report.organization.name,
            "display_name": report.organization.display_name,
            "created": report.organization_created,
        },
        "member": report.member.as_ref().map(|m| json!({
            "user_id": m.member.user_id,
            "email": m.member.email,
            "added": m.added,
        })),
        "invitation": report.invitation,
        "key": report.key.as_ref().map(|k| json!({
            "client_id": k.client_id,
            "client_name": k.client_name,
            "client_secret": k.client_secret.expose_secret(),
            "organization_id": k.organization_id,
            "grant_id": k.grant_id,
        })),
        "existing_key": report.existing_key,
        "gateway_claim": {"org_id": report.organization.id},
        "tenant": portal.settings().tenant_name(),
    })
}

/// The organization and member lines of the human report.
fn summary_text(report: &OnboardReport) -> String {
    let org = &report.organization;
    let mut text = format!(
        "organization  {} ({}){}\n",
        &org.name,
        &org.id,
        if report.organization_created {
            " created"
        } else {
            " existed"
        }
    );
    if let Some(member) = &report.member {
        text.push_str(&format!(
            "member        {}{}\n",
            member
                .member
                .email
                .as_deref()
                .unwrap_or(&member.member.user_id),
            if member.added {
                " added"
            } else {
                " was already a member"
            }
        ));
    }
    text
}
