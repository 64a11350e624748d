//! The one effect runner: each `Cmd` becomes a tokio task calling the portal,
//! whose result comes back as a `Msg` tagged with the command's request id.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::config::Settings;
use crate::portal::{ErrorKind, Portal, PortalError};
use crate::tui::app::{Cmd, Msg, RequestId};

/// Performs commands; the loop is generic over it so tests can script the replies.
pub trait Effects {
    /// Starts the work for a command; the result is sent to `replies` as a message.
    fn perform(&mut self, cmd: Cmd, replies: &UnboundedSender<Msg>);
}

/// The real runner: the portal on tokio.
pub struct PortalEffects {
    settings: Settings,
    portal: Option<Portal>,
    tasks: HashMap<RequestId, AbortHandle>,
}

impl PortalEffects {
    /// A runner for a tenant; the portal is built when signing in (the form may change the credentials).
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            portal: None,
            tasks: HashMap::new(),
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
}

impl Effects for PortalEffects {
    fn perform(&mut self, cmd: Cmd, replies: &UnboundedSender<Msg>) {
        if let Cmd::SignIn { id, credentials } = cmd {
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
        if let Cmd::Cancel { id } = cmd {
            if let Some(task) = self.tasks.remove(&id) {
                task.abort();
            }
            return;
        }
        if let Cmd::Copy { what, text } = cmd {
            // The clipboard module (system or OSC 52, with auto-clear) is wired here when it lands.
            drop(text);
            let _ = replies.send(Msg::Copied {
                what,
                result: Err("the clipboard is not available yet".to_owned()),
            });
            return;
        }
        let Some(portal) = self.portal.clone() else {
            let error = Self::not_signed_in();
            let _ = replies.send(match cmd {
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
                Cmd::SignIn { .. } | Cmd::Cancel { .. } | Cmd::Copy { .. } => return,
            });
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
            Cmd::SignIn { .. } | Cmd::Cancel { .. } | Cmd::Copy { .. } => {}
        }
    }
}
