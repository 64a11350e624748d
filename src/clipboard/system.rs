//! The desktop clipboard through arboard, owned by one thread and asked with
//! bounded waits, behind [`SystemBackend`] so the rest is testable without X.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use zeroize::Zeroizing;

/// The desktop clipboard, behind a trait so the clear-if-ours logic can be tested without X.
pub(super) trait SystemBackend: Send {
    fn set_text(&mut self, text: &str) -> Result<(), String>;
    /// The current text, `None` when the clipboard is empty or not text.
    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String>;
    fn clear(&mut self) -> Result<(), String>;
}

pub(super) type BackendFactory = fn() -> Result<Box<dyn SystemBackend>, String>;

/// Requests to the thread that owns the arboard clipboard.
pub(super) enum Request {
    Set(Zeroizing<String>, mpsc::Sender<Result<(), String>>),
    Get(mpsc::Sender<Result<Option<Zeroizing<String>>, String>>),
    Clear(mpsc::Sender<Result<(), String>>),
}

/// The arboard clipboard, owned by a dedicated thread for the service's lifetime:
/// on X11 that owner serves paste requests, and some platforms require one thread.
pub(super) struct ArboardOwner {
    pub(super) requests: Option<mpsc::Sender<Request>>,
    pub(super) worker: Option<JoinHandle<()>>,
    /// The owner stopped answering: never wait for it again (not even on drop).
    pub(super) hung: std::sync::atomic::AtomicBool,
}

/// The longest the UI waits for the desktop clipboard; a clipboard owner that
/// hangs (a stuck X server or clipboard manager) must not freeze the input.
pub const SYSTEM_CLIPBOARD_TIMEOUT: Duration = Duration::from_millis(750);

impl ArboardOwner {
    pub(super) fn start_boxed() -> Result<Box<dyn SystemBackend>, String> {
        Ok(Box::new(Self::start()?))
    }

    fn start() -> Result<Self, String> {
        let (requests, inbox) = mpsc::channel::<Request>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        let worker = std::thread::Builder::new()
            .name("clipboard-owner".to_owned())
            .spawn(move || {
                let mut board = match arboard::Clipboard::new() {
                    Ok(board) => {
                        let _ = ready_tx.send(Ok(()));
                        board
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                for request in inbox {
                    match request {
                        Request::Set(text, reply) => {
                            let _ = reply.send(set_text(&mut board, &text));
                        }
                        Request::Get(reply) => {
                            let result = match board.get_text() {
                                Ok(text) => Ok(Some(Zeroizing::new(text))),
                                Err(
                                    arboard::Error::ContentNotAvailable
                                    | arboard::Error::ConversionFailure,
                                ) => Ok(None),
                                Err(e) => Err(e.to_string()),
                            };
                            let _ = reply.send(result);
                        }
                        Request::Clear(reply) => {
                            let _ = reply.send(board.clear().map_err(|e| e.to_string()));
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the clipboard thread: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                requests: Some(requests),
                worker: Some(worker),
                hung: std::sync::atomic::AtomicBool::new(false),
            }),
            Ok(Err(reason)) => Err(reason),
            Err(_) => Err("the clipboard thread stopped while starting".to_owned()),
        }
    }

    fn ask<T>(
        &self,
        make: impl FnOnce(mpsc::Sender<Result<T, String>>) -> Request,
    ) -> Result<T, String> {
        use std::sync::atomic::Ordering;
        let stopped = || "the clipboard thread has stopped".to_owned();
        if self.hung.load(Ordering::Relaxed) {
            return Err("the system clipboard stopped answering".to_owned());
        }
        let (reply, answer) = mpsc::channel();
        self.requests
            .as_ref()
            .ok_or_else(stopped)?
            .send(make(reply))
            .map_err(|_| stopped())?;
        wait_for(&answer, SYSTEM_CLIPBOARD_TIMEOUT).map_err(|reason| {
            if reason == WAIT_TIMED_OUT {
                self.hung.store(true, Ordering::Relaxed);
            }
            reason
        })
    }
}

fn set_text(board: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    {
        use arboard::SetExtLinux as _;
        // Ask clipboard managers (KDE, GNOME extensions) not to keep it in their history.
        board
            .set()
            .exclude_from_history()
            .text(text)
            .map_err(|e| e.to_string())
    }
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    )))]
    {
        board.set_text(text).map_err(|e| e.to_string())
    }
}

impl SystemBackend for ArboardOwner {
    fn set_text(&mut self, text: &str) -> Result<(), String> {
        let text = Zeroizing::new(text.to_owned());
        self.ask(|reply| Request::Set(text, reply))
    }

    fn get_text(&mut self) -> Result<Option<Zeroizing<String>>, String> {
        self.ask(Request::Get)
    }

    fn clear(&mut self) -> Result<(), String> {
        self.ask(Request::Clear)
    }
}

impl Drop for ArboardOwner {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; wait so the owner is really gone
        // (unless it hung: then waiting would hang the exit too).
        self.requests = None;
        if let Some(worker) = self.worker.take()
            && !self.hung.load(std::sync::atomic::Ordering::Relaxed)
        {
            let _ = worker.join();
        }
    }
}

pub(super) const WAIT_TIMED_OUT: &str = "the system clipboard did not answer in time";

/// An answer from the clipboard thread, or an error after `timeout`.
fn wait_for<T>(answer: &mpsc::Receiver<Result<T, String>>, timeout: Duration) -> Result<T, String> {
    match answer.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(WAIT_TIMED_OUT.to_owned()),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("the clipboard thread has stopped".to_owned())
        }
    }
}
