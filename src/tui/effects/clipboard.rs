//! The clipboard, reached here and only here: copies, the timed clear, and keeping it.

use tokio::sync::mpsc::UnboundedSender;

use super::PortalEffects;
use crate::clipboard::ClearOutcome;
use crate::tui::msg::{CopyReport, Msg};

impl PortalEffects {
    /// Copies on the loop's own thread, between draws, so an OSC 52 sequence never splits a frame.
    pub(super) fn copy(
        &mut self,
        what: String,
        text: crate::secret::Secret,
        replies: &UnboundedSender<Msg>,
    ) {
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

    /// Clears the clipboard if our copy is due and still there.
    pub(super) fn clear_clipboard(&mut self, replies: &UnboundedSender<Msg>) {
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

    /// The user chose to keep a copied secret: no clear on exit, no timer.
    pub(super) fn keep_clipboard(&mut self) {
        self.clipboard.forget();
        if let Some(timer) = self.clear_timer.take() {
            timer.abort();
        }
    }
}
