//! Shared server state: the per-key request logs (with long-poll waiting), the registry
//! of live streaming connections (for `/demo/drop`) and the `/stream` workload cache.

use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::generate::{self, Gen, Workload};
use crate::http::Request;
use crate::json;

/// One recorded request.
struct Logged {
    method: String,
    target: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    /// Milliseconds since server start.
    t: f64,
    /// The connection number, for `/sse` requests.
    conn: Option<usize>,
}

/// Everything recorded under one key.
#[derive(Default)]
struct KeyLog {
    /// Number of `/sse` requests (not preflights) recorded so far.
    sse_count: usize,
    requests: Vec<Logged>,
}

/// Workloads cached above this total size are all dropped before adding another.
const CACHE_BYTES: usize = 1 << 30;

/// State shared by all connection threads.
pub struct State {
    /// Directory served for static files (canonical).
    pub root: PathBuf,
    start: Instant,
    logs: Mutex<HashMap<String, KeyLog>>,
    logs_changed: Condvar,
    live: Mutex<HashMap<String, Vec<(u64, TcpStream)>>>,
    next_live: AtomicU64,
    cache: Mutex<HashMap<(Gen, u64), Arc<Workload>>>,
}

/// Locks, ignoring poisoning (a panicking thread leaves the maps consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// Fresh state serving files from `root`.
    pub fn new(root: PathBuf) -> Self {
        State {
            root,
            start: Instant::now(),
            logs: Mutex::new(HashMap::new()),
            logs_changed: Condvar::new(),
            live: Mutex::new(HashMap::new()),
            next_live: AtomicU64::new(0),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Milliseconds since the server started.
    pub fn millis(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    /// Appends `req` to the log of `key`. For an `/sse` request (`sse`), returns its
    /// connection number: the count of earlier `/sse` requests with this key.
    pub fn record(&self, key: &str, req: &Request, sse: bool) -> Option<usize> {
        let t = self.millis();
        let mut logs = lock(&self.logs);
        let log = logs.entry(key.to_owned()).or_default();
        let conn = sse.then(|| {
            log.sse_count += 1;
            log.sse_count - 1
        });
        log.requests.push(Logged {
            method: req.method.clone(),
            target: req.target.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
            t,
            conn,
        });
        drop(logs);
        self.logs_changed.notify_all();
        conn
    }

    /// Forgets everything recorded under `key` (the next `/sse` request is number 0).
    pub fn reset(&self, key: &str) {
        lock(&self.logs).remove(key);
        self.logs_changed.notify_all();
    }

    /// The log of `key` as JSON, after waiting (at most `timeout`) until it holds at
    /// least `wait` `/sse` requests.
    pub fn log_json(&self, key: &str, wait: usize, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut logs = lock(&self.logs);
        loop {
            let count = logs.get(key).map_or(0, |l| l.sse_count);
            let now = Instant::now();
            if count >= wait || now >= deadline {
                break;
            }
            logs = self
                .logs_changed
                .wait_timeout(logs, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let mut out = String::new();
        let (count, requests) = match logs.get(key) {
            Some(l) => (l.sse_count, l.requests.as_slice()),
            None => (0, &[][..]),
        };
        out.push_str(&format!("{{\"count\":{count},\"requests\":["));
        for (i, r) in requests.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"method\":");
            json::push_str(&mut out, &r.method);
            out.push_str(",\"path\":");
            json::push_bytes(&mut out, &r.target);
            out.push_str(",\"headers\":");
            json::push_headers(&mut out, &r.headers);
            out.push_str(",\"body\":");
            json::push_str(&mut out, &String::from_utf8_lossy(&r.body));
            out.push_str(&format!(",\"t\":{:.3},\"conn\":", r.t));
            match r.conn {
                Some(n) => out.push_str(&n.to_string()),
                None => out.push_str("null"),
            }
            out.push('}');
        }
        out.push_str("]}");
        out
    }

    /// Registers a live streaming connection under `key` until the guard drops.
    pub fn register(&self, key: &str, tcp: &TcpStream) -> Option<LiveGuard<'_>> {
        let clone = tcp.try_clone().ok()?;
        let id = self.next_live.fetch_add(1, Ordering::Relaxed);
        lock(&self.live)
            .entry(key.to_owned())
            .or_default()
            .push((id, clone));
        Some(LiveGuard {
            state: self,
            key: key.to_owned(),
            id,
        })
    }

    /// Shuts down every live connection registered under `key`; returns how many.
    pub fn drop_live(&self, key: &str) -> usize {
        let conns = lock(&self.live).remove(key).unwrap_or_default();
        for (_, tcp) in &conns {
            let _ = tcp.shutdown(Shutdown::Both);
        }
        conns.len()
    }

    /// How many live streaming connections are registered under `key` now.
    pub fn live_count(&self, key: &str) -> usize {
        lock(&self.live).get(key).map_or(0, Vec::len)
    }

    /// The generated workload for (`gen`, `count`), built on first use.
    pub fn workload(&self, gen: Gen, count: u64) -> Arc<Workload> {
        let mut cache = lock(&self.cache);
        if let Some(w) = cache.get(&(gen, count)) {
            return Arc::clone(w);
        }
        let w = Arc::new(generate::generate(gen, count));
        let total: usize = cache.values().map(|w| w.body.len()).sum();
        if total + w.body.len() > CACHE_BYTES {
            cache.clear();
        }
        cache.insert((gen, count), Arc::clone(&w));
        w
    }
}

/// Keeps a connection in the live registry; removes it when dropped.
pub struct LiveGuard<'a> {
    state: &'a State,
    key: String,
    id: u64,
}

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        let mut live = lock(&self.state.live);
        if let Some(list) = live.get_mut(&self.key) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                live.remove(&self.key);
            }
        }
    }
}
