//! Static files under `--root` for every path no endpoint claims.

use std::fs::File;
use std::io::{self, Write};
use std::net::TcpStream;
use std::path::PathBuf;

use crate::conn::Ending;
use crate::http::{percent_decode, Framing, Request, Response};
use crate::routes::text;
use crate::state::State;

/// The `Content-Type` for a file name.
pub fn mime(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".d.ts") {
        return "text/plain";
    }
    match lower.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html" | "htm") => "text/html",
        Some("js" | "mjs") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("json" | "map") => "application/json",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ts" | "txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// The file path for a raw URL path, or None when it is not a plain path under root
/// (`..` segments, NUL, backslashes, invalid UTF-8).
fn resolve(root: &std::path::Path, raw_path: &str) -> Option<PathBuf> {
    let decoded = String::from_utf8(percent_decode(raw_path.as_bytes())).ok()?;
    let mut path = root.to_path_buf();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains('\0') || s.contains('\\') => return None,
            s => path.push(s),
        }
    }
    Some(path)
}

/// Serves a GET/HEAD for a static file: a directory answers with its `index.html`
/// (after a redirect adding the trailing slash), anything missing with 404.
pub fn serve(state: &State, tcp: &TcpStream, req: &Request) -> Ending {
    if req.method != "GET" && req.method != "HEAD" {
        let body = b"method not allowed\n";
        let resp = Response::new(405)
            .content_type(b"text/plain")
            .header("Allow", b"GET, HEAD, OPTIONS");
        let _ = resp.send(tcp, req.origin(), body);
        return Ending::Graceful;
    }
    let Some(mut path) = resolve(&state.root, &req.path) else {
        return text(tcp, req, 404, "not found");
    };
    if path.is_dir() {
        if !req.path.ends_with('/') {
            let mut to = format!("{}/", req.path).into_bytes();
            if let Some(q) = req.target.iter().position(|&b| b == b'?') {
                to.extend_from_slice(&req.target[q..]);
            }
            let _ = Response::new(301)
                .header("Location", &to)
                .send(tcp, req.origin(), b"");
            return Ending::Graceful;
        }
        path.push("index.html");
    }
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(_) => return text(tcp, req, 404, "not found"),
    };
    let len = match file.metadata() {
        Ok(m) if m.is_file() => m.len(),
        _ => return text(tcp, req, 404, "not found"),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut resp = Response::new(200).content_type(mime(&name).as_bytes());
    // `cacheable=1`: `no-cache` instead of `no-store`, which keeps a page out of
    // Chromium's back/forward cache (tests/browser/bfcache.test.mjs).
    if req.query.string("cacheable").is_some_and(|c| c == "1") {
        resp = resp.header("Cache-Control", b"no-cache");
    }
    let head = resp.head(req.origin(), Framing::Length(len as usize));
    let mut w = tcp;
    if w.write_all(&head).is_err() {
        return Ending::Abrupt;
    }
    if req.method == "GET" {
        let mut file = file;
        if io::copy(&mut file, &mut w).is_err() {
            return Ending::Abrupt;
        }
    }
    Ending::Graceful
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn mime_types() {
        assert_eq!(mime("a.wasm"), "application/wasm");
        assert_eq!(mime("a.d.ts"), "text/plain");
        assert_eq!(mime("a.MJS"), "text/javascript");
        assert_eq!(mime("x.js.map"), "application/json");
        assert_eq!(mime("noext"), "application/octet-stream");
    }

    #[test]
    fn no_escapes() {
        let root = Path::new("/srv");
        assert_eq!(
            resolve(root, "/a/./b.js"),
            Some(PathBuf::from("/srv/a/b.js"))
        );
        assert_eq!(resolve(root, "/a/../b"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(root, "/a%5C..%5Cb"), None);
        assert_eq!(resolve(root, "/a%00"), None);
        assert_eq!(
            resolve(root, "/%2Fetc/passwd"),
            Some(PathBuf::from("/srv/etc/passwd"))
        );
    }
}
