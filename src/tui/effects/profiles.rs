//! Profiles of `config.toml`: listing them, and switching to another one.

use tokio::sync::mpsc::UnboundedSender;

use super::{PortalEffects, lock};
use crate::config::{Loaded, Settings};
use crate::tui::msg::{Msg, ProfileLoad, RequestId};

impl PortalEffects {
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

    /// Switches to another profile: only once its settings load does this
    /// tenant's work stop and its Management token and sign-in go.
    pub(super) fn switch_profile(
        &mut self,
        id: RequestId,
        name: String,
        replies: &UnboundedSender<Msg>,
    ) {
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

    /// Reads the profiles of `config.toml` (none without one).
    pub(super) fn list_profiles(&self, replies: &UnboundedSender<Msg>) {
        let result = match &self.launch.profiles {
            Some(source) => crate::config::profiles(&source.request.config_dir)
                .map_err(|error| error.to_string()),
            None => Ok(Vec::new()),
        };
        let _ = replies.send(Msg::ProfilesListed(result));
    }
}
