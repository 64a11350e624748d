//! Serving and saving: the axum server loop, the state-file saver, and `m2m-portal sandbox`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::{Sandbox, SandboxError, SandboxOptions, Shared, http, lock, state};

/// `m2m-portal sandbox`: starts the tenant, prints its `.env` block to stdout
/// (then, after a blank line, the optional invitation login app and the native app
/// operators sign in with), serves until
/// Ctrl-C, then saves the state.
pub async fn serve(options: SandboxOptions) -> Result<(), SandboxError> {
    use std::io::Write;
    let sandbox = Sandbox::start(options).await?;
    {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(sandbox.env_block().as_bytes());
        // Optional, so after the block: the login app invitations send people to.
        if let Some(login) = sandbox.login_client_id() {
            let _ = writeln!(
                out,
                "# organization invitations send people to this login app\nPLUGIN_AUTH0_M2M_INVITE_CLIENT_ID={login}"
            );
        }
        // The native app operators sign in with (`m2m-portal login`, Ctrl-D in the TUI).
        let _ = writeln!(
            out,
            "# operators sign in as themselves (m2m-portal login) through this native app\nPLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID={}",
            sandbox.native_client_id()
        );
        let _ = out.flush();
    }
    eprintln!(
        "m2m-portal sandbox tenant at {} (admin app {}); Ctrl-C to stop",
        sandbox.base_url(),
        sandbox.admin_client_id()
    );
    let waited = tokio::signal::ctrl_c().await;
    eprintln!("stopping the sandbox tenant");
    sandbox.shutdown().await;
    waited.map_err(SandboxError::Signal)
}

pub(super) fn save_now(shared: &Shared, path: &std::path::Path) -> Result<(), SandboxError> {
    shared.dirty.store(false, Ordering::SeqCst);
    let text = {
        let tenant = lock(&shared.tenant);
        serde_json::to_vec(&*tenant)
    }
    .map_err(|e| SandboxError::StateWrite {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    state::write_atomically(path, &text)
}

pub(super) async fn save_loop(shared: Arc<Shared>, path: PathBuf, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        if shared.dirty.load(Ordering::SeqCst) {
            let shared = shared.clone();
            let path = path.clone();
            let saved = tokio::task::spawn_blocking(move || save_now(&shared, &path)).await;
            if let Ok(Err(error)) = saved {
                tracing::warn!(%error, "sandbox state not saved");
            }
        }
    }
}

/// Serves until the stop signal, then lets open exchanges finish.
pub(super) async fn run_server(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let stopped = async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    let served = axum::serve(listener, http::router(shared))
        .with_graceful_shutdown(stopped)
        .await;
    if let Err(error) = served {
        tracing::warn!(%error, "sandbox server stopped");
    }
}

/// Binds the loopback address; the port is the one really bound (port 0 picks one).
pub(super) async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), SandboxError> {
    let bind_error = |source| SandboxError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    Ok((listener, bound))
}

/// `http://IP:PORT` for the bound address (IPv6 in brackets).
pub(super) fn base_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) => format!("http://{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("http://[{}]:{}", v6.ip(), v6.port()),
    }
}
