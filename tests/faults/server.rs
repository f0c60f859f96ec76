//! One hostile loopback HTTP/1.1 server, written on a raw tokio
//! `TcpListener` so that it can reset, stall, drip and lie at will. It binds
//! 127.0.0.1:0 only. Each route (method + path, query ignored) has a handler
//! that picks an [`Act`] from the request and how many times the route was
//! hit before; every request is recorded (method, path, headers, body).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How a body is sent.
#[derive(Clone)]
pub enum Body {
    /// These bytes, with a Content-Length.
    Fixed(Vec<u8>),
    /// `total` bytes of filler, chunked (no Content-Length) unless `declare`.
    Stream { total: u64, declare: bool },
    /// Filler for ever, chunked.
    Endless,
    /// These bytes one at a time, `every` apart, with a Content-Length.
    Drip { data: Vec<u8>, every: Duration },
    /// Declares `declared` bytes, sends `sent`, closes.
    Truncated { declared: usize, sent: Vec<u8> },
}

/// One answer.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![],
            body: Body::Fixed(body.into()),
        }
    }
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(status, value.to_string()).header("content-type", "application/json")
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
}

/// What the server does with one request.
#[derive(Clone)]
pub enum Act {
    Reply(Reply),
    /// Reads the request head only, then resets (RST) the connection.
    ResetBeforeBody,
    /// Reads the whole request, then resets (RST).
    ResetAfterRequest,
    /// Reads the whole request, then says nothing for a long time.
    Stall,
    /// Sends a 200 head with a Content-Length, then nothing.
    StallAfterHead,
}

pub type Handler = Arc<dyn Fn(&Seen, usize) -> Act + Send + Sync>;

/// A handler that always does `act`.
pub fn always(act: Act) -> Handler {
    Arc::new(move |_, _| act.clone())
}

/// A handler that does `first` for the first `n` hits, then `then`.
pub fn first_n(n: usize, first: Act, then: Act) -> Handler {
    Arc::new(move |_, i| if i < n { first.clone() } else { then.clone() })
}

/// A handler computed from the request.
pub fn dynamic(f: impl Fn(&Seen, usize) -> Act + Send + Sync + 'static) -> Handler {
    Arc::new(f)
}

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<(String, String), Handler>>,
    hits: Mutex<HashMap<(String, String), usize>>,
    connections: AtomicUsize,
    reset_on_accept: AtomicUsize,
}

/// The server; dropping it stops accepting.
pub struct Server {
    pub port: u16,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                st.connections.fetch_add(1, Ordering::SeqCst);
                let reset = st
                    .reset_on_accept
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if reset {
                    let _ = stream.set_zero_linger();
                    drop(stream);
                    continue;
                }
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, st).await;
                });
            }
        });
        Self { port, state, task }
    }

    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sets the handler of `method path`.
    pub fn route(&self, method: &str, path: &str, handler: Handler) {
        self.state
            .routes
            .lock()
            .unwrap()
            .insert((method.to_owned(), path.to_owned()), handler);
    }

    /// Resets the next `n` connections as soon as they are accepted.
    pub fn reset_on_accept(&self, n: usize) {
        self.state.reset_on_accept.store(n, Ordering::SeqCst);
    }

    /// Requests seen on `method path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.state
            .hits
            .lock()
            .unwrap()
            .get(&(method.to_owned(), path.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Requests seen on every route.
    pub fn total(&self) -> usize {
        self.state.hits.lock().unwrap().values().sum()
    }

    /// `METHOD path` -> count, for messages.
    pub fn counts(&self) -> Vec<(String, usize)> {
        let mut v: Vec<_> = self
            .state
            .hits
            .lock()
            .unwrap()
            .iter()
            .map(|((m, p), n)| (format!("{m} {p}"), *n))
            .collect();
        v.sort();
        v
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<usize>> {
    loop {
        if let Some(end) = find(buf, b"\r\n\r\n") {
            return Ok(Some(end + 4));
        }
        if buf.len() > 1 << 20 {
            return Ok(None);
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buf.len() < want {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(false);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(true)
}

/// Reads a chunked body from `buf` (after the head), reading more as needed.
async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(buf, b"\r\n") {
                break i;
            }
            let want = buf.len() + 1;
            if !fill(stream, buf, want).await? {
                return Ok(body);
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).to_string();
        let size =
            usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        buf.drain(..line_end + 2);
        if size == 0 {
            let _ = fill(stream, buf, 2).await?;
            if buf.starts_with(b"\r\n") {
                buf.drain(..2);
            } else if let Some(i) = find(buf, b"\r\n\r\n") {
                buf.drain(..i + 4);
            }
            return Ok(body);
        }
        if !fill(stream, buf, size + 2).await? {
            return Ok(body);
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

async fn serve(mut stream: TcpStream, st: Arc<State>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let Some(head_len) = read_head(&mut stream, &mut buf).await? else {
            return Ok(());
        };
        let head = String::from_utf8_lossy(&buf[..head_len]).to_string();
        buf.drain(..head_len);
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_owned();
        let target = first.next().unwrap_or("").to_owned();
        let path = target.split('?').next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let key = (method, path);
        let nth = {
            let mut hits = st.hits.lock().unwrap();
            let n = hits.entry(key.clone()).or_insert(0);
            *n += 1;
            *n - 1
        };
        let handler = st.routes.lock().unwrap().get(&key).cloned();
        let mut seen = Seen {
            headers,
            body: vec![],
        };
        // Decided before the body is read, for ResetBeforeBody.
        if let Some(h) = &handler {
            if matches!(h(&seen, nth), Act::ResetBeforeBody) {
                let _ = stream.set_zero_linger();
                return Ok(());
            }
        }
        let length = seen
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok());
        let chunked = seen
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if let Some(len) = length {
            fill(&mut stream, &mut buf, len).await?;
            let len = len.min(buf.len());
            seen.body = buf.drain(..len).collect();
        } else if chunked {
            seen.body = read_chunked(&mut stream, &mut buf).await?;
        }
        let act = match handler {
            Some(h) => h(&seen, nth),
            None => Act::Reply(Reply::new(599, "unexpected request")),
        };
        match act {
            Act::ResetBeforeBody | Act::ResetAfterRequest => {
                let _ = stream.set_zero_linger();
                return Ok(());
            }
            Act::Stall => {
                tokio::time::sleep(Duration::from_secs(20)).await;
                return Ok(());
            }
            Act::StallAfterHead => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{")
                    .await?;
                tokio::time::sleep(Duration::from_secs(20)).await;
                return Ok(());
            }
            Act::Reply(reply) => {
                if !write_reply(&mut stream, reply).await? {
                    return Ok(());
                }
            }
        }
    }
}

/// Writes the reply; true when the connection may be kept.
async fn write_reply(stream: &mut TcpStream, reply: Reply) -> std::io::Result<bool> {
    let reason = if reply.status == 200 {
        "OK"
    } else {
        "Whatever"
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", reply.status);
    for (n, v) in &reply.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    static FILLER: [u8; 65536] = [b'x'; 65536];
    match reply.body {
        Body::Fixed(data) => {
            head.push_str(&format!("content-length: {}\r\n\r\n", data.len()));
            let mut out = head.into_bytes();
            out.extend_from_slice(&data);
            stream.write_all(&out).await?;
            Ok(true)
        }
        Body::Stream { total, declare } => {
            if declare {
                head.push_str(&format!(
                    "content-length: {total}\r\nconnection: close\r\n\r\n"
                ));
            } else {
                head.push_str("transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
            }
            stream.write_all(head.as_bytes()).await?;
            let mut left = total;
            while left > 0 {
                let n = left.min(FILLER.len() as u64) as usize;
                if declare {
                    stream.write_all(&FILLER[..n]).await?;
                } else {
                    stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                    stream.write_all(&FILLER[..n]).await?;
                    stream.write_all(b"\r\n").await?;
                }
                left -= n as u64;
            }
            if !declare {
                stream.write_all(b"0\r\n\r\n").await?;
            }
            Ok(false)
        }
        Body::Endless => {
            head.push_str("transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            loop {
                stream
                    .write_all(format!("{:x}\r\n", FILLER.len()).as_bytes())
                    .await?;
                stream.write_all(&FILLER).await?;
                stream.write_all(b"\r\n").await?;
            }
        }
        Body::Drip { data, every } => {
            head.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                data.len()
            ));
            stream.write_all(head.as_bytes()).await?;
            for b in data {
                tokio::time::sleep(every).await;
                stream.write_all(&[b]).await?;
                stream.flush().await?;
            }
            Ok(false)
        }
        Body::Truncated { declared, sent } => {
            head.push_str(&format!(
                "content-length: {declared}\r\nconnection: close\r\n\r\n"
            ));
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&sent).await?;
            stream.flush().await?;
            Ok(false)
        }
    }
}
