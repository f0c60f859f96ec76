//! Serving a sandbox's router on a loopback port until dropped.

use std::net::SocketAddr;

use tokio::task::JoinHandle;

use crate::error::{Error, Result};

/// A router served on `127.0.0.1`, stopped on drop.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds a free loopback port and serves `router` on it.
    pub(crate) async fn spawn(router: axum::Router) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| {
                Error::Config(format!("the sandbox could not bind a loopback port: {e}"))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Config(format!("the sandbox has no local address: {e}")))?;
        let task = tokio::spawn(async move {
            // Serving ends only when the task is aborted or the listener fails.
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The sandbox's state, locked. A handler never panics while holding the
/// lock; a poisoned lock is recovered anyway.
pub(crate) fn lock<T>(state: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// A JSON answer with `content_type` (each carrier names its own).
pub(crate) fn json_answer(
    status: axum::http::StatusCode,
    content_type: &'static str,
    body: &serde_json::Value,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        status,
        [(axum::http::header::CONTENT_TYPE, content_type)],
        body.to_string(),
    )
        .into_response()
}
