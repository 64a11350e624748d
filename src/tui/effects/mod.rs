//! The one effect runner: each `Cmd` becomes a tokio task calling the portal,
//! whose result comes back as a `Msg` tagged with the command's request id.
//! The clipboard is reached here too, and only here. `perform` dispatches by
//! concern: signing in (`signin`), profiles, the clipboard, and the portal's work
//! for the organizations, keys, inventory and people screens.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::clipboard::Clipboard;
use crate::config::Settings;
use crate::portal::{ErrorKind, Portal, PortalError, SignedIn};
use crate::tui::Launch;
use crate::tui::msg::{Cmd, Msg, RequestId};

mod clipboard;
mod inventory;
mod keys;
mod organizations;
mod people;
mod profiles;
mod signin;

use signin::open_browser;

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

    /// Runs a command that needs the admin app's portal, or answers that nobody signed in.
    fn with_portal(&mut self, cmd: Cmd, replies: &UnboundedSender<Msg>, run: PortalWork) {
        let Some(portal) = self.acting() else {
            if let Some(msg) = failed(&cmd, Self::not_signed_in()) {
                let _ = replies.send(msg);
            }
            return;
        };
        let on_panic = failed(&cmd, internal_error());
        run(self, portal, cmd, replies, on_panic);
    }

    /// Stops a task whose reply is no longer wanted.
    fn cancel(&mut self, id: RequestId) {
        if let Some(task) = self.tasks.remove(&id) {
            task.abort();
        }
    }
}

/// A concern's runner for the commands that need the portal (see `with_portal`).
type PortalWork = fn(&mut PortalEffects, Portal, Cmd, &UnboundedSender<Msg>, Option<Msg>);

impl Effects for PortalEffects {
    /// Dispatches by concern: each arm is one call.
    fn perform(&mut self, cmd: Cmd, replies: &UnboundedSender<Msg>) {
        match cmd {
            Cmd::SignIn { id, credentials } => self.sign_in(id, credentials, replies),
            Cmd::Cancel { id } => self.cancel(id),
            Cmd::StopBulkRotation { id } => self.stop_bulk_rotation(id),
            Cmd::Copy { what, text } => self.copy(what, text, replies),
            Cmd::ClearClipboard => self.clear_clipboard(replies),
            Cmd::KeepClipboard => self.keep_clipboard(),
            Cmd::DeviceSignIn { id } => self.device_sign_in(id, replies),
            Cmd::RenewOperator { id } => self.renew_operator(id, replies),
            Cmd::ListProfiles => self.list_profiles(replies),
            Cmd::SwitchProfile { id, name } => self.switch_profile(id, name, replies),
            Cmd::OpenBrowser { url } => open_browser(&url),
            Cmd::LoadOrganizations { .. }
            | Cmd::FindOrganization { .. }
            | Cmd::CreateOrganization { .. } => self.with_portal(cmd, replies, organizations::run),
            Cmd::ListKeys { .. }
            | Cmd::ProvisionKey { .. }
            | Cmd::RotateSecret { .. }
            | Cmd::RevokeKey { .. }
            | Cmd::TestToken { .. } => self.with_portal(cmd, replies, keys::run),
            Cmd::ListInventory { .. } | Cmd::RotateKeys { .. } => {
                self.with_portal(cmd, replies, inventory::run)
            }
            Cmd::ListPeople { .. }
            | Cmd::AddMember { .. }
            | Cmd::RemoveMember { .. }
            | Cmd::Invite { .. }
            | Cmd::RevokeInvitation { .. }
            | Cmd::Onboard { .. } => self.with_portal(cmd, replies, people::run),
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

/// The answer a command gets when it fails before or instead of running (none for
/// the commands that answer nothing, or answer on their own).
fn failed(cmd: &Cmd, error: PortalError) -> Option<Msg> {
    organizations::failed(cmd, error)
        .or_else(|error| keys::failed(cmd, error))
        .or_else(|error| inventory::failed(cmd, error))
        .or_else(|error| people::failed(cmd, error))
        .ok()
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
    fn every_portal_command_of_each_concern_gets_a_failure_answer_and_local_ones_none() {
        let id = RequestId(3);
        let org = || "org_1".to_owned();
        let answered = [
            Cmd::LoadOrganizations {
                id,
                from: None,
                take: 50,
            },
            Cmd::CreateOrganization {
                id,
                name: "acme".to_owned(),
                display_name: None,
            },
            Cmd::ListKeys {
                id,
                organization_id: org(),
            },
            Cmd::RevokeKey {
                id,
                organization_id: org(),
                client_id: "c".to_owned(),
            },
            Cmd::ListInventory { id, stale_days: 90 },
            Cmd::ListPeople {
                id,
                organization_id: org(),
                invitations: true,
            },
            Cmd::Invite {
                id,
                organization_id: org(),
                email: "a@example.com".to_owned(),
            },
        ];
        for cmd in &answered {
            let answer = failed(cmd, internal_error());
            let got = match answer {
                Some(Msg::OrganizationsPage { id, result: Err(_) })
                | Some(Msg::OrganizationCreated { id, result: Err(_) })
                | Some(Msg::KeysListed { id, result: Err(_) })
                | Some(Msg::Revoked { id, result: Err(_) })
                | Some(Msg::InventoryListed { id, result: Err(_) })
                | Some(Msg::PeopleListed { id, result: Err(_) })
                | Some(Msg::Invited { id, result: Err(_) }) => Some(id),
                _ => None,
            };
            assert_eq!(got, Some(id), "{cmd:?}");
        }
        for cmd in [
            Cmd::Cancel { id },
            Cmd::ListProfiles,
            Cmd::ClearClipboard,
            Cmd::DeviceSignIn { id },
        ] {
            assert!(failed(&cmd, internal_error()).is_none(), "{cmd:?}");
        }
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
