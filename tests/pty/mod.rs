//! Drives the real binary in a pseudo-terminal and reads its screen with vt100.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// A running program in a pseudo-terminal.
pub struct Terminal {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Each read with its time since the start (an asciicast's events).
    timed: Arc<Mutex<Vec<TimedRead>>>,
}

/// One read from the program: when (since the start) and what.
pub type TimedRead = (Duration, Vec<u8>);

impl Terminal {
    /// Starts `program` with `args` and exactly the environment `env` (plus PATH, HOME, TERM).
    pub fn spawn(
        program: &str,
        args: &[&str],
        env: &[(&str, String)],
        cols: u16,
        rows: u16,
    ) -> Self {
        Self::spawn_in(program, args, env, &std::env::temp_dir(), cols, rows)
    }

    /// Like [`Terminal::spawn`], in the working directory `cwd`.
    pub fn spawn_in(
        program: &str,
        args: &[&str],
        env: &[(&str, String)],
        cwd: &std::path::Path,
        cols: u16,
        rows: u16,
    ) -> Self {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(program);
        command.args(args);
        command.cwd(cwd);
        command.env_clear();
        for name in ["PATH", "HOME"] {
            if let Ok(value) = std::env::var(name) {
                command.env(name, value);
            }
        }
        command.env("TERM", "xterm-256color");
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            nonzero(rows),
            nonzero(cols),
            1000,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let timed = Arc::new(Mutex::new(Vec::new()));
        {
            let parser = Arc::clone(&parser);
            let raw = Arc::clone(&raw);
            let timed = Arc::clone(&timed);
            let started = Instant::now();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            parser.lock().unwrap().process(&buf[..n]);
                            raw.lock().unwrap().extend_from_slice(&buf[..n]);
                            timed
                                .lock()
                                .unwrap()
                                .push((started.elapsed(), buf[..n].to_vec()));
                        }
                    }
                }
            });
        }
        Self {
            master: pair.master,
            writer,
            child,
            parser,
            raw,
            timed,
        }
    }

    /// Everything the program wrote, as (time since start, bytes) reads.
    pub fn timed_output(&self) -> Vec<TimedRead> {
        self.timed.lock().unwrap().clone()
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// True while the program shows its alternate screen.
    pub fn on_alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    /// The lines scrolled off the top of the screen showing now (the
    /// terminal's scrollback), as text.
    pub fn scrollback(&self) -> String {
        let mut parser = self.parser.lock().unwrap();
        let screen = parser.screen_mut();
        let rows = usize::from(screen.size().0.get());
        let mut text = String::new();
        let mut offset = screen.scrollback_len();
        while offset > 0 {
            screen.set_scrollback(offset);
            text.push_str(&screen.contents());
            text.push('\n');
            offset = offset.saturating_sub(rows);
        }
        screen.set_scrollback(0);
        text
    }

    /// Everything the program wrote, raw.
    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Waits until `text` is on the screen; panics with the screen after `timeout`.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(|screen| screen.contains(text), timeout, text)
    }

    /// Waits until `predicate` holds for the screen text.
    pub fn wait_until(
        &self,
        predicate: impl Fn(&str) -> bool,
        timeout: Duration,
        what: &str,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if predicate(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Types text or escape sequences.
    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the program to exit; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain what is left.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!("program did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Resizes the terminal.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(nonzero(rows), nonzero(cols));
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn nonzero(n: u16) -> std::num::NonZero<u16> {
    std::num::NonZero::new(n).expect("a terminal has at least one row and column")
}

/// Key sequences.
pub mod keys {
    pub const ENTER: &str = "\r";
    pub const ESC: &str = "\x1b";
    pub const DOWN: &str = "\x1b[B";
    pub const UP: &str = "\x1b[A";
    pub const CTRL_C: &str = "\x03";
    pub const TAB: &str = "\t";
}
