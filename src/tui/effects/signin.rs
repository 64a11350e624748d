//! Signing in: the admin app's sign-in, the operator's own (device flow, renewal,
//! the saved sign-in of an earlier run), and the browser the device flow may open.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use tokio::sync::mpsc::UnboundedSender;

use super::{PortalEffects, internal_error, lock};
use crate::portal::{Portal, PortalError, SignedIn};
use crate::tui::msg::{Credentials, DeviceCode, Msg, OperatorSession, RequestId};

impl PortalEffects {
    /// Picks up the sign-in kept for this profile and tenant (by `m2m-portal login`
    /// or an earlier TUI run), so the portal acts in the operator's name.
    pub fn restore_operator(&mut self) -> Option<OperatorSession> {
        let store = self.launch.credentials.as_ref()?;
        match store.session(self.settings.profile.as_deref(), &self.settings.base_url) {
            Ok(Some(signed)) => {
                let session = operator_session(&signed);
                *lock(&self.operator) = Some(signed);
                Some(session)
            }
            Ok(None) => None,
            Err(error) => {
                tracing::warn!("cannot read the saved sign-in: {error}");
                None
            }
        }
    }

    /// The credential store's one loud warning (credentials in the 0600 file), if not said yet.
    pub fn take_store_warning(&self) -> Option<String> {
        self.launch.credentials.as_ref()?.take_warning()
    }

    /// Signs the admin app in with the form's credentials (and reads the tenant's
    /// discovery document alongside, for the snippets' token endpoint).
    pub(super) fn sign_in(
        &mut self,
        id: RequestId,
        credentials: Credentials,
        replies: &UnboundedSender<Msg>,
    ) {
        let mut settings = self.settings.clone();
        settings.base_url = credentials.base_url.clone();
        settings.client_id = credentials.client_id.clone();
        settings.client_secret = credentials.client_secret.clone();
        match Portal::with_options(&settings, self.launch.portal.clone()) {
            Ok(portal) => {
                let waits = replies.clone();
                portal
                    .auth0()
                    .set_rate_limit_observer(Some(Arc::new(move |wait| {
                        let _ = waits.send(Msg::RateLimited { wait: wait.wait });
                    })));
                self.portal = Some(portal.clone());
                // The snippets name the token endpoint discovery gives (public: no sign-in needed).
                let discovery = portal.clone();
                let answer = replies.clone();
                tokio::spawn(async move {
                    let token_endpoint = discovery.oauth_endpoints().await.map(|e| e.token);
                    let _ = answer.send(Msg::Discovered { token_endpoint });
                });
                let on_panic = Some(Msg::SignedIn {
                    id,
                    credentials: credentials.clone(),
                    result: Err(internal_error()),
                });
                self.spawn(id, replies, on_panic, async move {
                    let result = portal.sign_in().await;
                    Msg::SignedIn {
                        id,
                        credentials,
                        result,
                    }
                });
            }
            Err(error) => {
                let _ = replies.send(Msg::SignedIn {
                    id,
                    credentials,
                    result: Err(error),
                });
            }
        }
    }

    /// Signs the operator in with the device flow: the code first, then polling until approved.
    pub(super) fn device_sign_in(&mut self, id: RequestId, replies: &UnboundedSender<Msg>) {
        let portal = match self.tenant_portal() {
            Ok(portal) => portal,
            Err(error) => {
                let _ = replies.send(Msg::DeviceCode {
                    id,
                    result: Err(error),
                });
                return;
            }
        };
        let progress = replies.clone();
        let slot = Arc::clone(&self.operator);
        let store = self.launch.credentials.clone();
        let (profile, tenant) = (
            self.settings.profile.clone(),
            self.settings.base_url.clone(),
        );
        let on_panic = Some(Msg::OperatorSignedIn {
            id,
            result: Err(internal_error()),
        });
        self.spawn(id, replies, on_panic, async move {
            let started = match portal.start_login().await {
                Ok(started) => started,
                Err(error) => {
                    return Msg::DeviceCode {
                        id,
                        result: Err(error),
                    };
                }
            };
            let _ = progress.send(Msg::DeviceCode {
                id,
                result: Ok(DeviceCode {
                    user_code: started.user_code.clone(),
                    verification_uri: started.verification_uri.clone(),
                    verification_uri_complete: started.verification_uri_complete.clone(),
                    expires_in: Duration::from_secs(started.expires_in),
                    interval: Duration::from_secs(started.interval.max(1)),
                }),
            });
            let mut polling = Duration::from_secs(started.interval.max(1));
            let sleep = |interval: Duration| {
                if interval != polling {
                    polling = interval;
                    let _ = progress.send(Msg::DeviceSlowDown { id, interval });
                }
                tokio::time::sleep(interval)
            };
            let result = portal.finish_login(&started, sleep).await.map(|signed| {
                keep_sign_in(store.as_deref(), profile.as_deref(), &tenant, &signed);
                let session = operator_session(&signed);
                *lock(&slot) = Some(signed);
                session
            });
            Msg::OperatorSignedIn { id, result }
        });
    }

    /// Renews the operator's sign-in with its refresh token (kept for the next run too).
    pub(super) fn renew_operator(&mut self, id: RequestId, replies: &UnboundedSender<Msg>) {
        let signed = lock(&self.operator).clone();
        let portal = match (signed, self.tenant_portal()) {
            (Some(signed), Ok(portal)) => portal.as_operator(&signed),
            (None, _) => {
                let _ = replies.send(Msg::OperatorRenewed {
                    id,
                    result: Err(PortalError::failure("nobody is signed in")),
                });
                return;
            }
            (_, Err(error)) => {
                let _ = replies.send(Msg::OperatorRenewed {
                    id,
                    result: Err(error),
                });
                return;
            }
        };
        let slot = Arc::clone(&self.operator);
        let store = self.launch.credentials.clone();
        let (profile, tenant) = (
            self.settings.profile.clone(),
            self.settings.base_url.clone(),
        );
        let on_panic = Some(Msg::OperatorRenewed {
            id,
            result: Err(internal_error()),
        });
        self.spawn(id, replies, on_panic, async move {
            let result = match portal.renew_operator().await {
                Ok(()) => {
                    let mut guard = lock(&slot);
                    match (guard.as_mut(), portal.operator_session()) {
                        (Some(signed), Some(session)) => {
                            signed.session = session;
                            keep_sign_in(store.as_deref(), profile.as_deref(), &tenant, signed);
                            Ok(operator_session(signed))
                        }
                        _ => Err(PortalError::failure(
                            "the sign-in was dropped while renewing",
                        )),
                    }
                }
                Err(error) => Err(error),
            };
            Msg::OperatorRenewed { id, result }
        });
    }
}

/// Who signed in and until when, for the screens (no tokens).
pub(super) fn operator_session(signed: &SignedIn) -> OperatorSession {
    OperatorSession {
        operator: signed.operator.clone(),
        expires_at: UNIX_EPOCH + Duration::from_secs(signed.session.expires_at),
        refreshable: signed.session.refresh_token.is_some(),
    }
}

/// Keeps the sign-in for the next run (the keyring, or the 0600 file); a failure
/// is logged: this run goes on signed in either way.
fn keep_sign_in(
    store: Option<&crate::credentials::CredentialStore>,
    profile: Option<&str>,
    tenant: &str,
    signed: &SignedIn,
) {
    if let Some(store) = store
        && let Err(error) = store.set_session(profile, tenant, signed)
    {
        tracing::warn!("cannot keep the sign-in for the next run: {error}");
    }
}

/// Opens the sign-in page in the desktop's browser (only web addresses). The
/// address holds the user code, which is not a secret: the device code never leaves here.
pub(super) fn open_browser(url: &str) {
    let url = crate::text::sanitize(url);
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        tracing::warn!("not opening a non-web address in a browser");
        return;
    }
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url.as_str()])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url.as_str()])
    } else {
        ("xdg-open", vec![url.as_str()])
    };
    let spawned = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped on a thread so no zombie is left; the TUI does not wait for it.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(error) => tracing::warn!("cannot open a browser with {program}: {error}"),
    }
}
