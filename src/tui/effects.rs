//! The one effect runner: each `Cmd` becomes a tokio task calling the portal,
//! whose result comes back as a `Msg` tagged with the command's request id.
//! The clipboard is reached here too, and only here.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::clipboard::{ClearOutcome, Clipboard};
use crate::config::Settings;
use crate::portal::{ErrorKind, Portal, PortalError};
use crate::tui::app::{Cmd, CopyReport, Msg, RequestId};

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
    clipboard: Clipboard,
    clear_timer: Option<AbortHandle>,
}

impl PortalEffects {
    /// A runner for a tenant; the portal is built when signing in (the form may change the credentials).
    pub fn new(settings: Settings) -> Self {
        let clipboard = Clipboard::from_settings(&settings);
        Self {
            settings,
            portal: None,
            tasks: HashMap::new(),
            clipboard,
            clear_timer: None,
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
        PortalError {
            kind: ErrorKind::Config,
            message: "not signed in".to_owned(),
            code: None,
            hint: Some("sign in first".to_owned()),
        }
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
                match Portal::new(&settings) {
                    Ok(portal) => {
                        let waits = replies.clone();
                        portal
                            .auth0()
                            .set_rate_limit_observer(Some(Arc::new(move |wait| {
                                let _ = waits.send(Msg::RateLimited { wait: wait.wait });
                            })));
                        self.portal = Some(portal.clone());
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
            Cmd::Copy { what, text } => return self.copy(what, text, replies),
            Cmd::ClearClipboard => return self.clear_clipboard(replies),
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
        let Some(portal) = self.portal.clone() else {
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
            Cmd::SignIn { .. }
            | Cmd::Cancel { .. }
            | Cmd::Copy { .. }
            | Cmd::ClearClipboard
            | Cmd::KeepClipboard => {}
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

/// What a task that panicked reports.
fn internal_error() -> PortalError {
    PortalError {
        kind: ErrorKind::Failure,
        message: "Internal error: this action stopped unexpectedly (a bug in m2m-portal)"
            .to_owned(),
        code: Some("internal_error".to_owned()),
        hint: Some(
            "What it was doing may or may not have happened; check before retrying. \
             The details are in the log (m2m-portal --version shows where)."
                .to_owned(),
        ),
    }
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
        Cmd::SignIn { .. }
        | Cmd::Cancel { .. }
        | Cmd::Copy { .. }
        | Cmd::ClearClipboard
        | Cmd::KeepClipboard => {
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
        assert_eq!(error.code.as_deref(), Some("internal_error"));
        assert!(error.message.contains("Internal error"), "{error:?}");
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
