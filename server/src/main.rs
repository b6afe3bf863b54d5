//! `sse-server`: the loopback HTTP server of the EventSource project's demo, browser
//! tests and benchmarks. std plus `socket2` (for `SO_LINGER` 0), one thread per
//! connection, one request per connection (`Connection: close`), bound to 127.0.0.1 only.
//!
//! ```text
//! sse-server [--port N] [--root DIR] [--port-file PATH]
//! ```
//!
//! Endpoints: `/sse` (scripted streams, see `script`), `/redirect`, `/log`, `/reset`,
//! `/echo`, `/stream` and `/stream/info` (generated workloads, see `generate`),
//! `/demo/drop`, `/demo/chat`, `/health`, and static files under `--root` for any other
//! GET. Every response carries CORS headers; OPTIONS is answered as a preflight.

mod conn;
mod generate;
mod http;
mod json;
mod routes;
mod script;
mod state;
mod static_files;

use std::io::Write;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use conn::Ending;
use http::{ReadError, Response};
use state::State;

const USAGE: &str = "usage: sse-server [--port N (default 0: any free port)] [--root DIR (default .)] [--port-file PATH]";

/// Command-line options.
struct Args {
    port: u16,
    root: PathBuf,
    port_file: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        root: PathBuf::from("."),
        port_file: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if name == "-h" || name == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                let v = value()?;
                args.port = v.parse().map_err(|_| format!("bad port {v:?}"))?;
            }
            "--root" => args.root = PathBuf::from(value()?),
            "--port-file" => args.port_file = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sse-server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = match args.root.canonicalize() {
        Ok(r) if r.is_dir() => r,
        _ => {
            eprintln!(
                "sse-server: --root {} is not a directory",
                args.root.display()
            );
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind((Ipv4Addr::LOCALHOST, args.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sse-server: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::from(1);
        }
    };
    let port = match listener.local_addr() {
        Ok(a) => a.port(),
        Err(e) => {
            eprintln!("sse-server: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(path) = &args.port_file {
        // Write then rename, so a watcher never reads a partial number.
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let written =
            std::fs::write(&tmp, format!("{port}\n")).and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            eprintln!("sse-server: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    println!("listening on http://127.0.0.1:{port}");
    let _ = std::io::stdout().flush();

    let state = Arc::new(State::new(root));
    for incoming in listener.incoming() {
        match incoming {
            Ok(tcp) => {
                let state = Arc::clone(&state);
                // On spawn failure the closure (and the socket) is dropped: closed.
                let _ = thread::Builder::new()
                    .name("sse-conn".into())
                    .spawn(move || serve(&state, tcp));
            }
            Err(e) => {
                eprintln!("sse-server: accept: {e}");
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
    ExitCode::SUCCESS
}

/// Reads one request from `tcp`, answers it and closes the connection.
fn serve(state: &State, tcp: TcpStream) {
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(30)));
    let ending = match http::read_request(&tcp) {
        Ok(req) => {
            eprintln!(
                "{:>10.1}ms {} {}",
                state.millis(),
                req.method,
                String::from_utf8_lossy(&req.target)
            );
            routes::handle(state, &tcp, &req)
        }
        Err(ReadError::Closed) => Ending::Abrupt,
        Err(ReadError::Bad(status, msg)) => {
            let _ = Response::new(status)
                .content_type(b"text/plain; charset=utf-8")
                .send(&tcp, None, format!("{msg}\n").as_bytes());
            Ending::Graceful
        }
    };
    conn::close(&tcp, ending);
}
