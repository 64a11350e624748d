//! `doctor`: the admin app's scopes and the customer API, checked.

use serde_json::Value;
use serde_json::json;

use crate::portal::Portal;
use crate::portal::PortalError;

use super::Io;
use super::print::out;
use super::print::print_json;
use super::print::to_json;

/// Checks the sign-in, every action's scopes and the API; exit 1 when any is missing.
pub(super) async fn run_doctor(
    json: bool,
    portal: &Portal,
    io: &mut Io<'_>,
) -> Result<u8, PortalError> {
    let sign_in = portal.sign_in().await?;
    let api = portal.check_api().await;
    let dangerous: Vec<&String> = sign_in
        .granted_scopes
        .iter()
        .filter(|s| *s == "read:client_keys" || *s == "read:client_credentials")
        .collect();
    if json {
        // An action serde cannot write is an error, never an empty key.
        let missing = sign_in
            .missing
            .iter()
            .map(|(action, scopes)| {
                let name = match to_json(action)? {
                    Value::String(name) => name,
                    other => other.to_string(),
                };
                Ok((name, json!(scopes)))
            })
            .collect::<Result<serde_json::Map<String, Value>, PortalError>>()?;
        print_json(
            io,
            &json!({
                "tenant": sign_in.tenant,
                "sandbox": portal.settings().sandbox,
                "admin_client_id": sign_in.admin_client_id,
                "granted_scopes": sign_in.granted_scopes,
                "missing_scopes": missing,
                "dangerous_scopes": dangerous,
                "api": api,
            }),
        );
    } else {
        let mut text = format!(
            "tenant: {}{}\nadmin app: {}\n",
            &sign_in.tenant,
            if portal.settings().sandbox {
                " (SANDBOX)"
            } else {
                ""
            },
            &sign_in.admin_client_id
        );
        for action in crate::portal::Action::ALL {
            match sign_in.missing.get(&action) {
                None => text.push_str(&format!("  ok       {}\n", action.label())),
                Some(scopes) => text.push_str(&format!(
                    "  MISSING  {} (needs {})\n",
                    action.label(),
                    scopes.join(" ")
                )),
            }
        }
        text.push_str(&api.describe());
        text.push('\n');
        for scope in &dangerous {
            text.push_str(&format!(
                "  WARNING  the admin app holds {scope}: secrets could be read back; remove it\n"
            ));
        }
        out(io, &text);
    }
    Ok(if sign_in.missing.is_empty() && api.passed() {
        0
    } else {
        1
    })
}
