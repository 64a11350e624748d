//! The overlays' dispatch in one place: which keymap context the top overlay's keys
//! resolve in, and its answer to a key as one outcome the app acts on (`input.rs`).
//! Overlays change only themselves; what they ask of the app comes back as an outcome.

use std::time::SystemTime;

use crossterm::event::KeyEvent;

use crate::portal::{Organization, TokenRequest};
use crate::secret::Secret;
use crate::tui::ctx::{Overlay, TenantView};
use crate::tui::keymap::{Context, KeyAction};
use crate::tui::msg::RequestId;
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOutcome};
use crate::tui::widgets::device::DeviceOutcome;
use crate::tui::widgets::error::ErrorOutcome;
use crate::tui::widgets::help::HelpOutcome;
use crate::tui::widgets::profiles::ProfilesOutcome;
use crate::tui::widgets::reveal::RevealOutcome;

/// What the top overlay's answer to a key asks of the app.
#[derive(Debug)]
pub(crate) enum OverlayOutcome {
    /// Still open; nothing for the app to do.
    Stay,
    /// Close it (dropping whatever it owned).
    Close,
    /// Quit (asks first while a secret is on screen).
    Quit,
    /// Yes to a question: close it, and whoever asked acts.
    Confirmed(ConfirmKind),
    /// Put this on the clipboard.
    Copy { what: &'static str, text: Secret },
    /// Fetch a test token (answered to the inspector).
    TestToken(TokenRequest, Option<Organization>),
    /// The reveal closed after "I have stored it": the secret goes with it.
    SecretDropped,
    /// The device sign-in closed; `running` is its task to stop, if still running.
    DeviceCancelled { running: Option<RequestId> },
    /// Open the device sign-in page in a browser.
    OpenBrowser(String),
    /// Ask for a new device code; `running` is the old task to stop, if any.
    DeviceRetry { running: Option<RequestId> },
    /// Close the picker and switch to this profile.
    SwitchProfile(String),
    /// Open the `?` help above this overlay.
    Help,
}

impl From<HelpOutcome> for OverlayOutcome {
    fn from(outcome: HelpOutcome) -> Self {
        match outcome {
            HelpOutcome::Open => Self::Stay,
            HelpOutcome::Closed => Self::Close,
            HelpOutcome::Quit => Self::Quit,
        }
    }
}

impl From<ErrorOutcome> for OverlayOutcome {
    fn from(outcome: ErrorOutcome) -> Self {
        match outcome {
            ErrorOutcome::Open => Self::Stay,
            ErrorOutcome::Closed => Self::Close,
        }
    }
}

impl From<ConfirmOutcome> for OverlayOutcome {
    fn from(outcome: ConfirmOutcome) -> Self {
        match outcome {
            ConfirmOutcome::Pending => Self::Stay,
            ConfirmOutcome::Cancelled => Self::Close,
            ConfirmOutcome::Confirmed(kind) => Self::Confirmed(kind),
        }
    }
}

impl From<RevealOutcome> for OverlayOutcome {
    fn from(outcome: RevealOutcome) -> Self {
        match outcome {
            RevealOutcome::Open => Self::Stay,
            RevealOutcome::Copy { what, text } => Self::Copy { what, text },
            RevealOutcome::TestToken(request, organization) => {
                Self::TestToken(request, organization)
            }
            RevealOutcome::Closed => Self::SecretDropped,
            RevealOutcome::Help => Self::Help,
            RevealOutcome::Quit => Self::Quit,
        }
    }
}

impl From<DeviceOutcome> for OverlayOutcome {
    fn from(outcome: DeviceOutcome) -> Self {
        match outcome {
            DeviceOutcome::Open => Self::Stay,
            DeviceOutcome::Cancelled { running } => Self::DeviceCancelled { running },
            DeviceOutcome::OpenBrowser(url) => Self::OpenBrowser(url),
            DeviceOutcome::Retry { running } => Self::DeviceRetry { running },
        }
    }
}

impl From<ProfilesOutcome> for OverlayOutcome {
    fn from(outcome: ProfilesOutcome) -> Self {
        match outcome {
            ProfilesOutcome::Open => Self::Stay,
            ProfilesOutcome::Closed => Self::Close,
            ProfilesOutcome::Switch(name) => Self::SwitchProfile(name),
        }
    }
}

impl Overlay {
    /// The keymap context this overlay's keys resolve in, and whether global keys apply.
    pub fn context(&self) -> (Context, bool) {
        match self {
            // The error overlay reads like help and closes like it (Esc, ? or q).
            Overlay::Help(_) | Overlay::Error(_) => (Context::Help, true),
            Overlay::Reveal(reveal) if reveal.asking() => (Context::Closing, false),
            Overlay::Reveal(_) => (Context::Reveal, true),
            Overlay::Confirm(confirm) if confirm.typed_answer() => (Context::Input, false),
            Overlay::Confirm(_) => (Context::Confirm, false),
            Overlay::Device(_) => (Context::Device, false),
            Overlay::Profiles(_) => (Context::Profiles, false),
        }
    }

    /// This overlay's answer to a key (`action`: what the keymap made of it in
    /// `context()`; the event itself only feeds a typed answer).
    pub(crate) fn key(
        &mut self,
        event: &KeyEvent,
        action: Option<KeyAction>,
        tenant: &TenantView,
        now: SystemTime,
    ) -> OverlayOutcome {
        match self {
            Overlay::Help(help) => action.map_or(OverlayOutcome::Stay, |a| help.key(a).into()),
            Overlay::Error(error) => error.key(action).into(),
            Overlay::Confirm(confirm) => confirm.key(event, action).into(),
            Overlay::Reveal(reveal) => reveal.key(action, tenant).into(),
            Overlay::Device(device) => device.key(action, now).into(),
            Overlay::Profiles(picker) => {
                action.map_or(OverlayOutcome::Stay, |a| picker.key(a).into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;

    use super::*;
    use crate::config::{ProfileSummary, Settings};
    use crate::portal::IssuedKey;
    use crate::tui::TuiOptions;
    use crate::tui::app::{Model, update};
    use crate::tui::keymap::{self, resolve};
    use crate::tui::msg::{Cmd, DeviceCode, Msg};
    use crate::tui::widgets::confirm::ConfirmOverlay;
    use crate::tui::widgets::device::DeviceOverlay;
    use crate::tui::widgets::error::ErrorOverlay;
    use crate::tui::widgets::help::HelpOverlay;
    use crate::tui::widgets::profiles::ProfilePicker;
    use crate::tui::widgets::reveal::RevealOverlay;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn model() -> Model {
        let settings = Settings::for_tenant(
            "http://127.0.0.1:8787",
            "admin-app-client-id",
            Secret::from("admin-secret-value"),
            "https://api.example.com",
            "read:data",
        );
        Model::new(
            &settings,
            TuiOptions::default(),
            Rect::new(0, 0, 100, 30),
            now(),
        )
    }

    fn press(code: KeyCode) -> KeyEvent {
        let shift = matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase());
        let modifiers = if shift {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        KeyEvent::new(code, modifiers)
    }

    /// The overlay's answer to a key, resolved in the context it says it has.
    fn answer(model: &Model, overlay: &mut Overlay, code: KeyCode) -> OverlayOutcome {
        let event = press(code);
        let (context, global) = overlay.context();
        let action = resolve(context, global, &event);
        overlay.key(&event, action, &model.tenant, model.now)
    }

    fn issued() -> IssuedKey {
        IssuedKey {
            client_id: "newclient01".to_owned(),
            client_name: "acme key".to_owned(),
            client_secret: Secret::from("NEW-SECRET-value"),
            organization_id: Some("org_1".to_owned()),
            grant_id: None,
        }
    }

    fn rotate() -> ConfirmKind {
        ConfirmKind::Rotate {
            client_id: "c1".to_owned(),
            name: "acme key".to_owned(),
            again: false,
        }
    }

    fn profiles() -> ProfilePicker {
        let profile = |name: &str| ProfileSummary {
            name: name.to_owned(),
            domain: Some(format!("{name}.example.com")),
            read_only: false,
            presenter: false,
        };
        ProfilePicker::new(vec![profile("alpha"), profile("beta")], None)
    }

    fn code() -> DeviceCode {
        DeviceCode {
            user_code: "ABCD-EFGH".to_owned(),
            verification_uri: "https://tenant.example.com/activate".to_owned(),
            verification_uri_complete: None,
            expires_in: Duration::from_secs(600),
            interval: Duration::from_secs(5),
        }
    }

    #[test]
    fn help_and_error_close_on_esc_question_mark_and_q_and_scroll_otherwise() {
        let model = model();
        for overlay in [
            Overlay::Help(HelpOverlay::default()),
            Overlay::Error(ErrorOverlay::message(
                crate::tui::ctx::StatusKind::Error,
                "x",
            )),
        ] {
            let mut overlay = overlay;
            for code in [KeyCode::Esc, KeyCode::Char('?'), KeyCode::Char('q')] {
                assert!(
                    matches!(answer(&model, &mut overlay, code), OverlayOutcome::Close),
                    "{code:?}"
                );
            }
            assert!(matches!(
                answer(&model, &mut overlay, KeyCode::Down),
                OverlayOutcome::Stay
            ));
        }
    }

    #[test]
    fn a_question_is_answered_by_the_keymaps_yes_and_no_keys_only() {
        let model = model();
        let mut overlay = Overlay::Confirm(ConfirmOverlay::new(rotate()));
        for code in [KeyCode::Char('y'), KeyCode::Char('Y'), KeyCode::Enter] {
            assert!(
                matches!(answer(&model, &mut overlay, code), OverlayOutcome::Confirmed(ref k) if *k == rotate()),
                "{code:?}"
            );
        }
        for code in [KeyCode::Char('n'), KeyCode::Char('N'), KeyCode::Esc] {
            assert!(
                matches!(answer(&model, &mut overlay, code), OverlayOutcome::Close),
                "{code:?}"
            );
        }
        // q does not quit from a question, and k keeps the clipboard only when quitting.
        for code in [KeyCode::Char('q'), KeyCode::Char('k'), KeyCode::Tab] {
            assert!(
                matches!(answer(&model, &mut overlay, code), OverlayOutcome::Stay),
                "{code:?}"
            );
        }
        let quit = ConfirmKind::Quit {
            on_screen: false,
            clears_at: Some(now() + Duration::from_secs(20)),
            keep: false,
        };
        let mut overlay = Overlay::Confirm(ConfirmOverlay::new(quit));
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Char('k')),
            OverlayOutcome::Confirmed(ConfirmKind::Quit { keep: true, .. })
        ));
        // A typed answer takes y and n as letters of the name.
        let revoke = ConfirmKind::Revoke {
            client_id: "c1".to_owned(),
            name: "yn".to_owned(),
            by_id: false,
        };
        let mut overlay = Overlay::Confirm(ConfirmOverlay::new(revoke.clone()));
        assert_eq!(overlay.context(), (Context::Input, false));
        for code in [KeyCode::Char('y'), KeyCode::Char('n')] {
            assert!(matches!(
                answer(&model, &mut overlay, code),
                OverlayOutcome::Stay
            ));
        }
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Enter),
            OverlayOutcome::Confirmed(ref k) if *k == revoke
        ));
    }

    #[test]
    fn the_reveal_asks_for_copies_and_a_token_and_closes_only_on_yes() {
        let model = model();
        let mut overlay = Overlay::Reveal(RevealOverlay::new(issued(), None));
        let copied = |outcome| match outcome {
            OverlayOutcome::Copy { what, text } => Some((what, text.expose_secret().to_owned())),
            _ => None,
        };
        assert_eq!(
            copied(answer(&model, &mut overlay, KeyCode::Char('c'))),
            Some(("the secret", "NEW-SECRET-value".to_owned()))
        );
        assert_eq!(
            copied(answer(&model, &mut overlay, KeyCode::Char('i'))),
            Some(("the client id", "newclient01".to_owned()))
        );
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Char('t')),
            OverlayOutcome::TestToken(ref r, None) if r.client_id == "newclient01"
        ));
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Char('q')),
            OverlayOutcome::Quit
        ));
        // Esc asks; any key but yes keeps it open and stops asking.
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Esc),
            OverlayOutcome::Stay
        ));
        assert_eq!(overlay.context(), (Context::Closing, false));
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Char('x')),
            OverlayOutcome::Stay
        ));
        assert_eq!(overlay.context(), (Context::Reveal, true));
        for code in [KeyCode::Char('y'), KeyCode::Char('Y'), KeyCode::Enter] {
            let mut overlay = Overlay::Reveal(RevealOverlay::new(issued(), None));
            answer(&model, &mut overlay, KeyCode::Esc);
            assert!(
                matches!(
                    answer(&model, &mut overlay, code),
                    OverlayOutcome::SecretDropped
                ),
                "{code:?}"
            );
        }
    }

    #[test]
    fn the_device_sign_in_cancels_opens_the_page_and_retries_after_a_failure() {
        let model = model();
        let id = RequestId(41);
        let mut overlay = Overlay::Device(DeviceOverlay::starting(id));
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Esc),
            OverlayOutcome::DeviceCancelled { running: Some(r) } if r == id
        ));
        // Enter while the code is still good does nothing.
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Enter),
            OverlayOutcome::Stay
        ));
        if let Overlay::Device(device) = &mut overlay {
            device.code_shown(code(), now());
        }
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Char('o')),
            OverlayOutcome::OpenBrowser(ref url) if url == "https://tenant.example.com/activate"
        ));
        if let Overlay::Device(device) = &mut overlay {
            device.failed(&crate::portal::PortalError::failure("access_denied"));
        }
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Enter),
            OverlayOutcome::DeviceRetry { running: None }
        ));
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Esc),
            OverlayOutcome::DeviceCancelled { running: None }
        ));
    }

    #[test]
    fn the_profile_picker_moves_switches_and_closes() {
        let model = model();
        let mut overlay = Overlay::Profiles(profiles());
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Down),
            OverlayOutcome::Stay
        ));
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Enter),
            OverlayOutcome::SwitchProfile(ref name) if name == "beta"
        ));
        assert!(matches!(
            answer(&model, &mut overlay, KeyCode::Esc),
            OverlayOutcome::Close
        ));
    }

    #[test]
    fn the_app_acts_on_each_outcome() {
        let key = |model: &mut Model, code| update(model, Msg::Key(press(code)));
        // Copy: the reveal's secret goes to the clipboard command, the overlay stays.
        let mut m = model();
        m.overlays
            .push(Overlay::Reveal(RevealOverlay::new(issued(), None)));
        let cmds = key(&mut m, KeyCode::Char('c'));
        assert!(
            matches!(&cmds[..], [Cmd::Copy { what, .. }] if what == "the secret"),
            "{cmds:?}"
        );
        assert_eq!(m.overlays.len(), 1);
        // SecretDropped: closed, and the status line says so.
        key(&mut m, KeyCode::Esc);
        key(&mut m, KeyCode::Char('y'));
        assert!(m.overlays.is_empty());
        assert_eq!(
            m.status.as_ref().map(|s| s.text.as_str()),
            Some("secret closed and dropped from memory")
        );
        // Confirmed quit: the app quits; keep also keeps the clipboard.
        let mut m = model();
        m.overlays
            .push(Overlay::Confirm(ConfirmOverlay::new(ConfirmKind::Quit {
                on_screen: false,
                clears_at: Some(now() + Duration::from_secs(20)),
                keep: false,
            })));
        let cmds = key(&mut m, KeyCode::Char('k'));
        assert!(m.quit);
        assert!(matches!(&cmds[..], [Cmd::KeepClipboard]), "{cmds:?}");
        // SwitchProfile: the picker closes and the switch is asked for.
        let mut m = model();
        m.overlays.push(Overlay::Profiles(profiles()));
        let cmds = key(&mut m, KeyCode::Enter);
        assert!(m.overlays.is_empty());
        assert!(
            matches!(&cmds[..], [Cmd::SwitchProfile { name, .. }] if name == "alpha"),
            "{cmds:?}"
        );
        assert_eq!(m.switching.as_ref().map(|(_, n)| n.as_str()), Some("alpha"));
        // DeviceRetry: the failed overlay starts again under a new id.
        let mut m = model();
        let mut device = DeviceOverlay::starting(RequestId(1));
        device.failed(&crate::portal::PortalError::failure("expired_token"));
        m.overlays.push(Overlay::Device(device));
        let cmds = key(&mut m, KeyCode::Enter);
        let [Cmd::DeviceSignIn { id }] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert!(
            matches!(m.overlays.last(), Some(Overlay::Device(d)) if d.id == *id && d.in_flight())
        );
        // DeviceCancelled: the running task is stopped.
        let cmds = key(&mut m, KeyCode::Esc);
        assert!(
            matches!(&cmds[..], [Cmd::Cancel { id: c }] if c == id),
            "{cmds:?}"
        );
        assert!(m.overlays.is_empty());
    }

    /// The rows of the drawn screen.
    fn rows(model: &Model) -> Vec<String> {
        let mut terminal =
            Terminal::new(TestBackend::new(100, 30)).unwrap_or_else(|e| panic!("{e}"));
        terminal
            .draw(|frame| crate::tui::view::view(model, frame))
            .unwrap_or_else(|e| panic!("{e}"));
        let buffer = terminal.backend().buffer().clone();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_reveal_and_the_questions_draw_their_keys_from_the_keymap() {
        let mut m = model();
        m.overlays
            .push(Overlay::Reveal(RevealOverlay::new(issued(), None)));
        let reveal_row: String = keymap::footer(Context::Reveal, false)
            .map(|b| format!("{} {}  ", b.label, b.hint))
            .collect();
        let drawn = rows(&m);
        assert!(
            drawn.iter().any(|r| r.contains(reveal_row.trim_end())),
            "{reveal_row:?} not in {drawn:#?}"
        );
        update(&mut m, Msg::Key(press(KeyCode::Esc)));
        let closing = format!(
            "{} I have stored it, close   {} keep it open",
            keymap::label(Context::Closing, KeyAction::Submit),
            keymap::label(Context::Closing, KeyAction::Back)
        );
        let drawn = rows(&m);
        assert!(drawn.iter().any(|r| r.contains(&closing)), "{drawn:#?}");
        let mut m = model();
        m.overlays
            .push(Overlay::Confirm(ConfirmOverlay::new(rotate())));
        let yes_no = format!(
            "{} rotate   {} cancel",
            keymap::label(Context::Confirm, KeyAction::Submit),
            keymap::label(Context::Confirm, KeyAction::Back)
        );
        let drawn = rows(&m);
        assert!(drawn.iter().any(|r| r.contains(&yes_no)), "{drawn:#?}");
    }
}
