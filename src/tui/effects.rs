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

    fn spawn<F>(&mut self, id: RequestId, replies: &UnboundedSender<Msg>, work: F)
    where
        F: Future<Output = Msg> + Send + 'static,
    {
        let replies = replies.clone();
        let handle = tokio::spawn(async move {
            // A closed channel means the app is gone; nobody is left to tell.
            let _ = replies.send(work.await);
        });
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
                        self.portal = Some(portal.clone());
                        self.spawn(id, replies, async move {
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
            other => other,
        };
        let Some(portal) = self.portal.clone() else {
            let error = Self::not_signed_in();
            let msg = match cmd {
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
                Cmd::SignIn { .. }
                | Cmd::Cancel { .. }
                | Cmd::Copy { .. }
                | Cmd::ClearClipboard => return,
            };
            let _ = replies.send(msg);
            return;
        };
        match cmd {
            Cmd::LoadOrganizations { id, from, take } => self.spawn(id, replies, async move {
                Msg::OrganizationsPage {
                    id,
                    result: portal.organizations_page(from, take).await,
                }
            }),
            Cmd::FindOrganization { id, query } => self.spawn(id, replies, async move {
                Msg::OrganizationFound {
                    id,
                    result: portal.find_organization(&query).await,
                }
            }),
            Cmd::CreateOrganization {
                id,
                name,
                display_name,
            } => self.spawn(id, replies, async move {
                let result = portal
                    .create_organization(&name, display_name.as_deref())
                    .await;
                Msg::OrganizationCreated { id, result }
            }),
            Cmd::ListKeys {
                id,
                organization_id,
            } => self.spawn(id, replies, async move {
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
                self.spawn(id, replies, async move {
                    let report = move |progress| {
                        let _ = progress_replies.send(Msg::ProvisionProgress { id, progress });
                    };
                    let result = portal
                        .provision_key(&organization_id, name.as_deref(), &report)
                        .await;
                    Msg::Provisioned { id, result }
                });
            }
            Cmd::RotateSecret { id, client_id } => self.spawn(id, replies, async move {
                Msg::Rotated {
                    id,
                    result: portal.rotate_secret(&client_id).await,
                }
            }),
            Cmd::RevokeKey {
                id,
                organization_id,
                client_id,
            } => self.spawn(id, replies, async move {
                Msg::Revoked {
                    id,
                    result: portal.revoke_key(&organization_id, &client_id).await,
                }
            }),
            Cmd::TestToken { id, request } => self.spawn(id, replies, async move {
                Msg::TokenFetched {
                    id,
                    result: portal.test_token(request).await,
                }
            }),
            Cmd::SignIn { .. } | Cmd::Cancel { .. } | Cmd::Copy { .. } | Cmd::ClearClipboard => {}
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
