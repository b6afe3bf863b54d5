//! Streaming response bodies: one TCP write per piece (the sockets have `TCP_NODELAY`),
//! optional chunked framing, a hard cap on the response's lifetime, and noticing a
//! client that went away while the server is idle (sleeping or hanging).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Hard cap on how long any one response may run.
pub const MAX_RESPONSE: Duration = Duration::from_secs(120);

/// How a connection is to be closed once its handler is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The response is complete: half-close, let the client read it, then close.
    Graceful,
    /// Close right away (client gone, or a deliberate `abort`).
    Abrupt,
    /// Reset the connection: `SO_LINGER` 0, so that closing sends a TCP RST (`rst`).
    Reset,
}

/// Why a stream stopped before its handler finished it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A write failed or the client closed its side (or `/demo/drop` shut the socket).
    Gone,
    /// [`MAX_RESPONSE`] elapsed.
    Deadline,
}

/// The body writer of one streaming response.
pub struct Conn<'a> {
    tcp: &'a TcpStream,
    chunked: bool,
    deadline: Instant,
    frame: Vec<u8>,
}

impl<'a> Conn<'a> {
    /// A body writer; `chunked` frames every write as one chunk.
    pub fn new(tcp: &'a TcpStream, chunked: bool) -> Self {
        Conn {
            tcp,
            chunked,
            deadline: Instant::now() + MAX_RESPONSE,
            frame: Vec::new(),
        }
    }

    /// Writes the response head (never chunk-framed).
    pub fn head(&mut self, head: &[u8]) -> Result<(), Stop> {
        let mut w = self.tcp;
        w.write_all(head).map_err(|_| Stop::Gone)
    }

    /// Writes `data` as one piece (one chunk when chunked). Empty data writes nothing
    /// (an empty chunk would end a chunked body).
    pub fn write(&mut self, data: &[u8]) -> Result<(), Stop> {
        if data.is_empty() {
            return Ok(());
        }
        if Instant::now() >= self.deadline {
            return Err(Stop::Deadline);
        }
        let mut w = self.tcp;
        let res = if self.chunked {
            self.frame.clear();
            self.frame
                .extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
            self.frame.extend_from_slice(data);
            self.frame.extend_from_slice(b"\r\n");
            w.write_all(&self.frame)
        } else {
            w.write_all(data)
        };
        res.map_err(|_| Stop::Gone)
    }

    /// Waits `d` without writing, returning early with [`Stop::Gone`] when the client
    /// closes, or [`Stop::Deadline`] when the response cap comes first.
    pub fn pause(&mut self, d: Duration) -> Result<(), Stop> {
        let want = Instant::now() + d;
        if !watch(self.tcp, want.min(self.deadline)) {
            return Err(Stop::Gone);
        }
        if want > self.deadline {
            return Err(Stop::Deadline);
        }
        Ok(())
    }

    /// Ends the body cleanly (the terminating chunk when chunked).
    pub fn finish(self) -> Ending {
        if self.chunked {
            let mut w = self.tcp;
            if w.write_all(b"0\r\n\r\n").is_err() {
                return Ending::Abrupt;
            }
        }
        Ending::Graceful
    }

    /// How to end after a [`Stop`]: a client that is gone gets an abrupt close; at the
    /// deadline the body is finished cleanly.
    pub fn stopped(self, stop: Stop) -> Ending {
        match stop {
            Stop::Gone => Ending::Abrupt,
            Stop::Deadline => self.finish(),
        }
    }
}

/// Blocks until `until`, reading (and discarding) whatever the client sends. Returns
/// false as soon as the client closes or resets the connection.
pub fn watch(tcp: &TcpStream, until: Instant) -> bool {
    let mut buf = [0u8; 1024];
    let mut r = tcp;
    loop {
        let now = Instant::now();
        if now >= until {
            return true;
        }
        let left = (until - now).max(Duration::from_millis(1));
        if tcp.set_read_timeout(Some(left)).is_err() {
            return false;
        }
        match r.read(&mut buf) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return false,
        }
    }
}

/// Closes a connection. Graceful: half-close (FIN after the response), then read until
/// the client closes too (at most 1 s / 1 MiB) so unread request bytes cannot turn the
/// close into a reset that would lose the response. Abrupt: shut both directions now.
/// Reset: set `SO_LINGER` 0 and send nothing more; the caller's drop of the (last handle
/// to the) socket then makes the kernel send a RST and discard anything unsent.
pub fn close(tcp: &TcpStream, ending: Ending) {
    match ending {
        Ending::Abrupt => {
            let _ = tcp.shutdown(Shutdown::Both);
        }
        Ending::Reset => {
            // std has no SO_LINGER setter; socket2 sets it on the borrowed socket.
            if socket2::SockRef::from(tcp)
                .set_linger(Some(Duration::ZERO))
                .is_err()
            {
                let _ = tcp.shutdown(Shutdown::Both);
            }
        }
        Ending::Graceful => {
            let _ = tcp.shutdown(Shutdown::Write);
            let until = Instant::now() + Duration::from_secs(1);
            let mut buf = [0u8; 8192];
            let mut r = tcp;
            let mut total = 0usize;
            while total < 1 << 20 {
                let now = Instant::now();
                if now >= until || tcp.set_read_timeout(Some(until - now)).is_err() {
                    break;
                }
                match r.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => total += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
    }
}
