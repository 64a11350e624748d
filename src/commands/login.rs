//! `login`, `logout` and `secret set`: the operator's sign-in and the stored admin secret.

use crate::config::Settings;
use crate::credentials::CredentialStore;
use crate::portal::{Portal, PortalError};
use crate::secret::Secret;
use crate::text::sanitize;

use super::print::{err_line, out};
use super::{CLIENT_SECRET_ENV, Io};

/// Warns (once) that credentials are in the fallback file rather than the keyring.
pub(super) fn store_warning(io: &mut Io<'_>, store: &CredentialStore) {
    if let Some(warning) = store.take_warning() {
        err_line(io, &warning);
    }
}

/// The credential store, or why there is none.
pub(super) fn store(io: &Io<'_>) -> Result<std::sync::Arc<CredentialStore>, PortalError> {
    io.credentials.clone().ok_or_else(|| {
        PortalError::failure("No credential store is available (see the warning above)").with_hint(
            format!(
                "Set {}=file to keep credentials in a 0600 file in the data directory.",
                crate::credentials::BACKEND_VAR
            ),
        )
    })
}

/// The portal as the operator signed in for this profile and tenant, if any;
/// warns when their sign-in is about to run out and cannot be refreshed.
pub(super) fn as_signed_in_operator(portal: Portal, io: &mut Io<'_>) -> Portal {
    let Some(store) = io.credentials.clone() else {
        return portal;
    };
    let settings = portal.settings();
    let signed = match store.session(settings.profile.as_deref(), &settings.base_url) {
        Ok(Some(signed)) => signed,
        Ok(None) => return portal,
        Err(err) => {
            err_line(
                io,
                &format!("warning: cannot read the saved sign-in: {}", sanitize(&err)),
            );
            return portal;
        }
    };
    store_warning(io, &store);
    if signed.session.refresh_token.is_none() {
        let left = signed.session.expires_in();
        if left <= EXPIRY_WARNING.as_secs() {
            err_line(
                io,
                &format!(
                    "warning: your sign-in {}; run m2m-portal login",
                    if left == 0 {
                        "has expired".to_owned()
                    } else {
                        format!("expires in {}", crate::text::duration(left))
                    }
                ),
            );
        }
    }
    portal.as_operator(&signed)
}

/// Warn this long before a sign-in without a refresh token runs out (both faces).
pub use crate::portal::login::EXPIRY_WARNING;

/// `login`: the device flow, then the sign-in is kept for the profile.
pub(super) async fn login(portal: &Portal, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let store = store(io)?;
    let started = portal.start_login().await?;
    let url = sanitize(&started.verification_uri);
    let code = sanitize(&started.user_code);
    let complete = started
        .verification_uri_complete
        .as_deref()
        .map(sanitize)
        .unwrap_or_else(|| url.clone());
    let mut text = format!(
        "To sign in to {}, open {url} on any device and enter the code\n\n    {code}\n\nor scan:\n\n",
        sanitize(portal.settings().tenant_name())
    );
    if let Some(qr) = crate::qr::text(&complete) {
        text.push_str(&qr);
    }
    text.push_str(&format!(
        "\n{complete}\nWaiting for approval (the code expires in {})...",
        crate::text::duration(started.expires_in)
    ));
    for line in text.lines() {
        let _ = writeln!(io.stderr, "{line}");
    }
    let _ = io.stderr.flush();
    let signed = portal.finish_login(&started, tokio::time::sleep).await?;
    let settings = portal.settings();
    store
        .set_session(settings.profile.as_deref(), &settings.base_url, &signed)
        .map_err(|e| PortalError::failure(format!("Cannot keep the sign-in: {}", sanitize(&e))))?;
    store_warning(io, &store);
    let place = if store.uses_file() {
        format!("the file {}", store.file_path().display())
    } else {
        "the OS keyring".to_owned()
    };
    out(
        io,
        &format!(
            "Signed in to {} as {} ({}); kept in {place}.",
            sanitize(settings.tenant_name()),
            sanitize(signed.operator.label()),
            sanitize(&signed.operator.sub),
        ),
    );
    if signed.session.refresh_token.is_none() {
        err_line(
            io,
            &format!(
                "warning: the tenant issued no refresh token: sign in again in {}",
                crate::text::duration(signed.session.expires_in())
            ),
        );
    }
    Ok(0)
}

/// `logout`: removes the sign-in and the admin secret kept for the profile.
pub(super) fn logout(settings: &Settings, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let store = store(io)?;
    let profile = settings.profile.as_deref();
    let removed = store.forget(profile).map_err(|e| {
        PortalError::failure(format!("Cannot remove the credentials: {}", sanitize(&e)))
    })?;
    store_warning(io, &store);
    let name = sanitize(profile.unwrap_or("default"));
    out(
        io,
        &if removed == 0 {
            format!("Nothing was kept for profile {name}.")
        } else {
            format!("Removed the credentials kept for profile {name}.")
        },
    );
    Ok(0)
}

/// `secret set`: the admin app's client secret from stdin into the store.
pub(super) fn secret_set(settings: &Settings, io: &mut Io<'_>) -> Result<u8, PortalError> {
    let store = store(io)?;
    let mut line = String::new();
    io.stdin.read_line(&mut line).map_err(|e| {
        PortalError::usage(format!("Cannot read the client secret from stdin: {e}"))
    })?;
    let secret = Secret::new(line.trim().to_owned());
    drop(line);
    if secret.is_empty() {
        return Err(PortalError::usage("No client secret given").with_hint(
            "Pipe the admin app's client secret on stdin; it is never taken from the command line.",
        ));
    }
    let profile = settings.profile.as_deref();
    store
        .set_client_secret(profile, &secret)
        .map_err(|e| PortalError::failure(format!("Cannot keep the secret: {}", sanitize(&e))))?;
    store_warning(io, &store);
    out(
        io,
        &format!(
            "Kept the admin app's client secret for profile {} (fingerprint {}).",
            sanitize(profile.unwrap_or("default")),
            secret.fingerprint()
        ),
    );
    Ok(0)
}

/// The key's client secret: `M2M_CLIENT_SECRET`, else the first line of stdin.
pub(super) fn read_client_secret(io: &mut Io<'_>) -> Result<Secret, PortalError> {
    if let Some(secret) = io.client_secret_env.take() {
        return Ok(Secret::new(secret));
    }
    if io.stdin_is_terminal && io.no_input {
        return Err(PortalError::usage(format!(
            "No client secret: {CLIENT_SECRET_ENV} is not set and --no-input forbids asking for it"
        ))
        .with_code("input_required")
        .with_hint(format!(
            "Set {CLIENT_SECRET_ENV} or pipe the secret on stdin; it is never taken from the command line."
        )));
    }
    if io.stdin_is_terminal {
        let _ = write!(io.stderr, "Client secret (then Enter): ");
        let _ = io.stderr.flush();
    }
    let mut line = String::new();
    io.stdin.read_line(&mut line).map_err(|e| {
        PortalError::usage(format!("Cannot read the client secret from stdin: {e}"))
    })?;
    let secret = Secret::new(line.trim_end_matches(['\r', '\n']).trim().to_owned());
    drop(line);
    if secret.is_empty() {
        return Err(PortalError::usage("No client secret given").with_hint(format!(
            "Set {CLIENT_SECRET_ENV} or pipe the secret on stdin; it is never taken from the command line."
        )));
    }
    Ok(secret)
}
