//! The one effect runner: each `Cmd` becomes a tokio task calling the portal,
//! whose result comes back as a `Msg` tagged with the command's request id.
//! The clipboard is reached here too, and only here.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::clipboard::{ClearOutcome, Clipboard};
use crate::config::{Loaded, Settings};
use crate::portal::{ErrorKind, Portal, PortalError, SignedIn};
use crate::tui::Launch;
use crate::tui::msg::{Cmd, CopyReport, DeviceCode, Msg, OperatorSession, ProfileLoad, RequestId};

/// Performs commands; the loop is generic over it so tests can script the replies.
pub trait Effects {
    /// Starts the work for a command; the result is sent to `replies` as a message.
    fn perform(&mut self, cmd: Cmd, replies: &UnboundedSender<Msg>);

    /// The app is quitting: stop the tasks and leave nothing behind (a copied secret on the clipboard).
    fn shutdown(&mut self) {}
}

/// The real runner: the portal on tokio, and the clipboard.
pub struct PortalEffects {
    settings: Settings,
    portal: Option<Portal>,
    tasks: HashMap<RequestId, AbortHandle>,
    /// Bulk rotations are stopped between keys through these, never aborted.
    stops: HashMap<RequestId, Arc<AtomicBool>>,
    clipboard: Clipboard,
    clear_timer: Option<AbortHandle>,
    launch: Launch,
    /// The operator's own sign-in (tokens included): the portal acts in their
    /// name. Shared with the device sign-in and renewal tasks, never with the UI.
    operator: Arc<Mutex<Option<SignedIn>>>,
}

impl PortalEffects {
    /// A runner for a tenant; the portal is built when signing in (the form may change the credentials).
    pub fn new(settings: Settings) -> Self {
        Self::with_launch(settings, Launch::default())
    }

    /// A runner with a credential store (saved sign-ins), profiles and portal options.
    pub fn with_launch(settings: Settings, launch: Launch) -> Self {
        let clipboard = Clipboard::from_settings(&settings);
        Self {
            settings,
            portal: None,
            tasks: HashMap::new(),
            stops: HashMap::new(),
            clipboard,
            clear_timer: None,
            launch,
            operator: Arc::new(Mutex::new(None)),
        }
    }

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

    /// The admin app's portal, acting for the operator when one signed in.
    fn acting(&self) -> Option<Portal> {
        let portal = self.portal.as_ref()?;
        Some(match lock(&self.operator).as_ref() {
            Some(signed) => portal.as_operator(signed),
            None => portal.clone(),
        })
    }

    /// A portal for this profile's tenant before (or without) the admin sign-in.
    fn tenant_portal(&self) -> Result<Portal, PortalError> {
        match &self.portal {
            Some(portal) => Ok(portal.clone()),
            None => Portal::with_options(&self.settings, self.launch.portal.clone()),
        }
    }

    /// Reads another profile's settings the way the command line did.
    fn load_profile(&self, name: &str) -> Result<Settings, String> {
        let Some(source) = &self.launch.profiles else {
            return Err(
                "profiles come from config.toml, which this session does not read".to_owned(),
            );
        };
        let mut request = source.request.clone();
        request.profile = Some(name.to_owned());
        let store = self.launch.credentials.clone();
        let stored =
            move |profile: Option<&str>| store.as_ref()?.client_secret(profile).ok().flatten();
        match crate::config::load_with_store(&request, Some(&stored)) {
            Ok(Loaded::Tenant(mut settings)) => {
                settings.read_only |= source.read_only;
                settings.presenter |= source.presenter;
                Ok(settings)
            }
            Ok(Loaded::Unconfigured(_)) => Err(
                "the profile names no tenant (domain, client_id, client_secret, api_audience)"
                    .to_owned(),
            ),
            Err(error) => Err(error.to_string()),
        }
    }

    fn device_sign_in(&mut self, id: RequestId, replies: &UnboundedSender<Msg>) {
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

    fn renew_operator(&mut self, id: RequestId, replies: &UnboundedSender<Msg>) {
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

    /// Switches to another profile: only once its settings load does this
    /// tenant's work stop and its Management token and sign-in go.
    fn switch_profile(&mut self, id: RequestId, name: String, replies: &UnboundedSender<Msg>) {
        let result = match self.load_profile(&name) {
            Ok(settings) => {
                for (_, task) in self.tasks.drain() {
                    task.abort();
                }
                self.portal = None;
                *lock(&self.operator) = None;
                self.settings = settings.clone();
                let operator = self.restore_operator();
                Ok(Box::new(ProfileLoad { settings, operator }))
            }
            Err(reason) => Err(reason),
        };
        let _ = replies.send(Msg::ProfileLoaded { id, name, result });
    }

    fn list_profiles(&self, replies: &UnboundedSender<Msg>) {
        let result = match &self.launch.profiles {
            Some(source) => crate::config::profiles(&source.request.config_dir)
                .map_err(|error| error.to_string()),
            None => Ok(Vec::new()),
        };
        let _ = replies.send(Msg::ProfilesListed(result));
    }

    fn spawn<F>(
        &mut self,
        id: RequestId,
        replies: &UnboundedSender<Msg>,
        on_panic: Option<Msg>,
        work: F,
    ) where
        F: Future<Output = Msg> + Send + 'static,
    {
        let handle = spawn_caught(replies.clone(), on_panic, work);
        self.tasks.retain(|_, task| !task.is_finished());
        self.tasks.insert(id, handle.abort_handle());
    }

    fn not_signed_in() -> PortalError {
        PortalError::new(ErrorKind::Config, "not signed in").with_hint("sign in first")
    }

    /// Copies on the loop's own thread, between draws, so an OSC 52 sequence never splits a frame.
    fn copy(&mut self, what: String, text: crate::secret::Secret, replies: &UnboundedSender<Msg>) {
        let result = self.clipboard.copy(&text, &mut std::io::stdout());
        drop(text);
        let result = match result {
            Ok(report) => {
                if let Some(at) = report.clears_at {
                    let replies = replies.clone();
                    let timer = tokio::spawn(async move {
                        tokio::time::sleep_until(at.into()).await;
                        let _ = replies.send(Msg::ClipboardDue);
                    });
                    if let Some(old) = self.clear_timer.replace(timer.abort_handle()) {
                        old.abort();
                    }
                }
                Ok(CopyReport {
                    via: report.via.to_string(),
                    clears_in: report.clears_in,
                    note: report.note,
                })
            }
            Err(error) => Err(error.to_string()),
        };
        let _ = replies.send(Msg::Copied { what, result });
    }

    fn clear_clipboard(&mut self, replies: &UnboundedSender<Msg>) {
        let result = match self
            .clipboard
            .clear_if_due(std::time::Instant::now(), &mut std::io::stdout())
        {
            Ok(ClearOutcome::NotDue | ClearOutcome::NothingPending) => return,
            Ok(outcome) => Ok(outcome.to_string()),
            Err(error) => Err(error.to_string()),
        };
        let _ = replies.send(Msg::ClipboardCleared(result));
    }
}

impl Effects for PortalEffects {
    fn perform(&mut self, cmd: Cmd, replies: &UnboundedSender<Msg>) {
        let cmd = match cmd {
            Cmd::SignIn { id, credentials } => {
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
                return;
            }
            Cmd::Cancel { id } => {
                if let Some(task) = self.tasks.remove(&id) {
                    task.abort();
                }
                return;
            }
            Cmd::StopBulkRotation { id } => {
                if let Some(stop) = self.stops.get(&id) {
                    stop.store(true, Ordering::Relaxed);
                }
                return;
            }
            Cmd::Copy { what, text } => return self.copy(what, text, replies),
            Cmd::ClearClipboard => return self.clear_clipboard(replies),
            Cmd::DeviceSignIn { id } => return self.device_sign_in(id, replies),
            Cmd::RenewOperator { id } => return self.renew_operator(id, replies),
            Cmd::ListProfiles => return self.list_profiles(replies),
            Cmd::SwitchProfile { id, name } => return self.switch_profile(id, name, replies),
            Cmd::OpenBrowser { url } => return open_browser(&url),
            Cmd::KeepClipboard => {
                // The user chose to keep it: no clear on exit, no timer.
                self.clipboard.forget();
                if let Some(timer) = self.clear_timer.take() {
                    timer.abort();
                }
                return;
            }
            other => other,
        };
        let Some(portal) = self.acting() else {
            if let Some(msg) = failed(&cmd, Self::not_signed_in()) {
                let _ = replies.send(msg);
            }
            return;
        };
        let on_panic = failed(&cmd, internal_error());
        match cmd {
            Cmd::LoadOrganizations { id, from, take } => {
                self.spawn(id, replies, on_panic, async move {
                    Msg::OrganizationsPage {
                        id,
                        result: portal.organizations_page(from, take).await,
                    }
                })
            }
            Cmd::FindOrganization { id, query } => self.spawn(id, replies, on_panic, async move {
                Msg::OrganizationFound {
                    id,
                    result: portal.find_organization(&query).await,
                }
            }),
            Cmd::CreateOrganization {
                id,
                name,
                display_name,
            } => self.spawn(id, replies, on_panic, async move {
                let result = portal
                    .create_organization(&name, display_name.as_deref())
                    .await;
                Msg::OrganizationCreated { id, result }
            }),
            Cmd::ListKeys {
                id,
                organization_id,
            } => self.spawn(id, replies, on_panic, async move {
                Msg::KeysListed {
                    id,
                    result: portal.list_keys(&organization_id).await,
                }
            }),
            Cmd::ProvisionKey {
                id,
                organization_id,
                name,
            } => {
                let progress_replies = Arc::new(replies.clone());
                self.spawn(id, replies, on_panic, async move {
                    let report = move |progress| {
                        let _ = progress_replies.send(Msg::ProvisionProgress { id, progress });
                    };
                    let result = portal
                        .provision_key(&organization_id, name.as_deref(), &report)
                        .await;
                    Msg::Provisioned { id, result }
                });
            }
            Cmd::RotateSecret { id, client_id } => self.spawn(id, replies, on_panic, async move {
                Msg::Rotated {
                    id,
                    result: portal.rotate_secret(&client_id).await,
                }
            }),
            Cmd::RevokeKey {
                id,
                organization_id,
                client_id,
            } => self.spawn(id, replies, on_panic, async move {
                Msg::Revoked {
                    id,
                    result: portal.revoke_key(&organization_id, &client_id).await,
                }
            }),
            Cmd::TestToken { id, request } => self.spawn(id, replies, on_panic, async move {
                Msg::TokenFetched {
                    id,
                    result: portal.test_token(request).await,
                }
            }),
            Cmd::ListPeople {
                id,
                organization_id,
                invitations,
            } => self.spawn(id, replies, on_panic, async move {
                let members = portal.members(&organization_id);
                let pending = async {
                    if invitations {
                        portal.invitations(&organization_id).await
                    } else {
                        Ok(Vec::new())
                    }
                };
                let result = tokio::try_join!(members, pending);
                Msg::PeopleListed { id, result }
            }),
            Cmd::AddMember {
                id,
                organization_id,
                email,
            } => self.spawn(id, replies, on_panic, async move {
                Msg::MemberAdded {
                    id,
                    result: portal.add_member(&organization_id, &email).await,
                }
            }),
            Cmd::RemoveMember {
                id,
                organization_id,
                email,
            } => self.spawn(id, replies, on_panic, async move {
                Msg::MemberRemoved {
                    id,
                    result: portal.remove_member(&organization_id, &email).await,
                }
            }),
            Cmd::Invite {
                id,
                organization_id,
                email,
            } => self.spawn(id, replies, on_panic, async move {
                Msg::Invited {
                    id,
                    result: portal.invite(&organization_id, &email).await,
                }
            }),
            Cmd::RevokeInvitation {
                id,
                organization_id,
                invitation_id,
            } => self.spawn(id, replies, on_panic, async move {
                Msg::InvitationRevoked {
                    id,
                    result: portal
                        .revoke_invitation(&organization_id, &invitation_id)
                        .await,
                }
            }),
            Cmd::Onboard { id, request } => {
                let progress_replies = replies.clone();
                self.spawn(id, replies, on_panic, async move {
                    let report = move |step, state| {
                        let _ = progress_replies.send(Msg::OnboardProgress { id, step, state });
                    };
                    let result = portal.onboard(&request, &report).await.map(Box::new);
                    Msg::Onboarded { id, result }
                });
            }
            Cmd::ListInventory { id, stale_days } => {
                let progress_replies = replies.clone();
                self.spawn(id, replies, on_panic, async move {
                    let report = move |progress| {
                        let _ = progress_replies.send(Msg::InventoryProgress { id, progress });
                    };
                    let options = crate::portal::InventoryOptions {
                        stale_days,
                        ..crate::portal::InventoryOptions::default()
                    };
                    let result = portal.inventory(&options, &report).await;
                    Msg::InventoryListed { id, result }
                });
            }
            Cmd::RotateKeys { id, targets, rate } => {
                let stop = Arc::new(AtomicBool::new(false));
                self.stops.retain(|_, s| Arc::strong_count(s) > 1);
                self.stops.insert(id, stop.clone());
                let progress_replies = replies.clone();
                self.spawn(id, replies, on_panic, async move {
                    let report = move |progress| {
                        let _ = progress_replies.send(Msg::BulkRotationProgress { id, progress });
                    };
                    let outcome = portal
                        .rotate_keys_until(&targets, Some(rate), &report, &stop)
                        .await;
                    Msg::BulkRotated { id, outcome }
                });
            }
            Cmd::SignIn { .. }
            | Cmd::Cancel { .. }
            | Cmd::StopBulkRotation { .. }
            | Cmd::Copy { .. }
            | Cmd::ClearClipboard
            | Cmd::KeepClipboard
            | Cmd::DeviceSignIn { .. }
            | Cmd::RenewOperator { .. }
            | Cmd::ListProfiles
            | Cmd::SwitchProfile { .. }
            | Cmd::OpenBrowser { .. } => {}
        }
    }

    fn shutdown(&mut self) {
        for (_, task) in self.tasks.drain() {
            task.abort();
        }
        if let Some(timer) = self.clear_timer.take() {
            timer.abort();
        }
        if let Err(error) = self.clipboard.clear_now_if_ours(&mut std::io::stdout()) {
            tracing::warn!(%error, "could not clear the clipboard on quit");
        }
    }
}

/// Runs `work` on the runtime and sends its answer; if it panics, sends `on_panic`
/// instead (the panic hook has logged it), so the screen waiting for the answer
/// shows an error and the terminal stays as it is.
pub(crate) fn spawn_caught<F>(
    replies: UnboundedSender<Msg>,
    on_panic: Option<Msg>,
    work: F,
) -> tokio::task::JoinHandle<()>
where
    F: Future<Output = Msg> + Send + 'static,
{
    use futures_util::FutureExt as _;
    tokio::spawn(async move {
        let msg = match std::panic::AssertUnwindSafe(work).catch_unwind().await {
            Ok(msg) => Some(msg),
            Err(_) => on_panic,
        };
        // A closed channel means the app is gone; nobody is left to tell.
        if let Some(msg) = msg {
            let _ = replies.send(msg);
        }
    })
}

/// The lock's value even after a task panicked holding it (the value is still whole).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Who signed in and until when, for the screens (no tokens).
fn operator_session(signed: &SignedIn) -> OperatorSession {
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
fn open_browser(url: &str) {
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

/// Whether a browser could be shown here: a desktop session (macOS, Windows, or
/// an X11/Wayland display on other systems).
pub fn display_available() -> bool {
    cfg!(any(target_os = "macos", windows))
        || std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
}

/// What a task that panicked reports.
fn internal_error() -> PortalError {
    PortalError::new(
        ErrorKind::Failure,
        "Internal error: this action stopped unexpectedly (a bug in m2m-portal)",
    )
    .with_code("internal_error")
    .with_hint(
        "What it was doing may or may not have happened; check before retrying. \
         The details are in the log (m2m-portal --version shows where).",
    )
}

/// The answer a command gets when it fails before or instead of running.
fn failed(cmd: &Cmd, error: PortalError) -> Option<Msg> {
    Some(match *cmd {
        Cmd::LoadOrganizations { id, .. } => Msg::OrganizationsPage {
            id,
            result: Err(error),
        },
        Cmd::FindOrganization { id, .. } => Msg::OrganizationFound {
            id,
            result: Err(error),
        },
        Cmd::CreateOrganization { id, .. } => Msg::OrganizationCreated {
            id,
            result: Err(error),
        },
        Cmd::ListKeys { id, .. } => Msg::KeysListed {
            id,
            result: Err(error),
        },
        Cmd::ProvisionKey { id, .. } => Msg::Provisioned {
            id,
            result: Err(error),
        },
        Cmd::RotateSecret { id, .. } => Msg::Rotated {
            id,
            result: Err(error),
        },
        Cmd::RevokeKey { id, .. } => Msg::Revoked {
            id,
            result: Err(error),
        },
        Cmd::TestToken { id, .. } => Msg::TokenFetched {
            id,
            result: Err(error),
        },
        Cmd::ListPeople { id, .. } => Msg::PeopleListed {
            id,
            result: Err(error),
        },
        Cmd::AddMember { id, .. } => Msg::MemberAdded {
            id,
            result: Err(error),
        },
        Cmd::RemoveMember { id, .. } => Msg::MemberRemoved {
            id,
            result: Err(error),
        },
        Cmd::Invite { id, .. } => Msg::Invited {
            id,
            result: Err(error),
        },
        Cmd::RevokeInvitation { id, .. } => Msg::InvitationRevoked {
            id,
            result: Err(error),
        },
        Cmd::Onboard { id, .. } => Msg::Onboarded {
            id,
            result: Err(error),
        },
        Cmd::ListInventory { id, .. } => Msg::InventoryListed {
            id,
            result: Err(error),
        },
        // Whether any key was rotated is unknown: each is listed as failed with the reason.
        Cmd::RotateKeys {
            id, ref targets, ..
        } => Msg::BulkRotated {
            id,
            outcome: crate::portal::BulkRotation {
                failed: targets.iter().map(|t| (t.clone(), error.clone())).collect(),
                ..crate::portal::BulkRotation::default()
            },
        },
        Cmd::SignIn { .. }
        | Cmd::Cancel { .. }
        | Cmd::StopBulkRotation { .. }
        | Cmd::Copy { .. }
        | Cmd::ClearClipboard
        | Cmd::KeepClipboard
        | Cmd::DeviceSignIn { .. }
        | Cmd::RenewOperator { .. }
        | Cmd::ListProfiles
        | Cmd::SwitchProfile { .. }
        | Cmd::OpenBrowser { .. } => {
            return None;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_that_panics_answers_with_an_internal_error_instead_of_vanishing() {
        let (replies, mut answers) = tokio::sync::mpsc::unbounded_channel();
        let id = RequestId(7);
        let cmd = Cmd::RotateSecret {
            id,
            client_id: "c".to_owned(),
        };
        let on_panic = failed(&cmd, internal_error());
        let lifetime = u64::MAX;
        let handle = spawn_caught(replies, on_panic, async move {
            // The kind of bug issue 14.4 found: arithmetic that overflows.
            let _ = std::hint::black_box(lifetime)
                .checked_add(1)
                .expect("overflow");
            Msg::Tick(std::time::SystemTime::UNIX_EPOCH)
        });
        handle.await.expect("the panic is caught inside the task");
        let Some(Msg::Rotated { id: got, result }) = answers.recv().await else {
            panic!("no answer")
        };
        assert_eq!(got, id);
        let error = result.expect_err("an error, not a secret");
        assert_eq!(error.code(), Some("internal_error"));
        assert!(error.message().contains("Internal error"), "{error:?}");
    }

    #[test]
    fn only_worker_thread_panics_are_contained() {
        assert!(crate::tui::panic_is_contained(Some(
            crate::tui::WORKER_THREAD
        )));
        assert!(!crate::tui::panic_is_contained(Some("main")));
        assert!(!crate::tui::panic_is_contained(None));
    }
}
