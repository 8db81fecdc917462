//! A small blocking HTTP/1.1 client for the worker's two local HTTP peers: the dstack guest
//! agent on its unix socket, and a PCCS on the cluster network. One request per connection
//! (`Connection: close`); bodies by `Content-Length`, chunked, or until close.

use std::{
	io::{BufRead, BufReader, Read, Write},
	time::Duration,
};

/// A response: status code and body.
#[derive(Debug)]
pub struct Response {
	/// The status code.
	pub status: u16,
	/// Header names (lower-cased) and values.
	pub headers: Vec<(String, String)>,
	/// The body.
	pub body: Vec<u8>,
}

impl Response {
	/// The first header named `name` (case-insensitive).
	pub fn header(&self, name: &str) -> Option<&str> {
		let name = name.to_ascii_lowercase();
		self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
	}
}

const TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

/// Sends `method path` with an optional JSON body over `stream`, naming `host`.
pub fn request<S: Read + Write>(
	mut stream: S,
	host: &str,
	method: &str,
	path: &str,
	json_body: Option<&[u8]>,
) -> std::io::Result<Response> {
	let mut head = format!(
		"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: application/json\r\n"
	);
	if let Some(body) = json_body {
		head.push_str(&format!(
			"Content-Type: application/json\r\nContent-Length: {}\r\n",
			body.len()
		));
	}
	head.push_str("\r\n");
	stream.write_all(head.as_bytes())?;
	if let Some(body) = json_body {
		stream.write_all(body)?;
	}
	stream.flush()?;
	read_response(BufReader::new(stream))
}

fn bad(msg: impl Into<String>) -> std::io::Error {
	std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

pub(crate) fn read_response<R: BufRead>(mut r: R) -> std::io::Result<Response> {
	let mut line = String::new();
	r.read_line(&mut line)?;
	let status = line
		.split_whitespace()
		.nth(1)
		.and_then(|s| s.parse::<u16>().ok())
		.filter(|_| line.starts_with("HTTP/1."))
		.ok_or_else(|| bad(format!("not an HTTP response: {:?}", line.trim_end())))?;
	let mut headers = Vec::new();
	loop {
		line.clear();
		if r.read_line(&mut line)? == 0 {
			return Err(bad("connection closed inside the response head"));
		}
		let l = line.trim_end();
		if l.is_empty() {
			break;
		}
		let (name, value) = l.split_once(':').ok_or_else(|| bad(format!("bad header {l:?}")))?;
		headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
	}
	let find = |n: &str| headers.iter().find(|(h, _)| h == n).map(|(_, v)| v.clone());
	let body = if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
		let mut body = Vec::new();
		loop {
			line.clear();
			r.read_line(&mut line)?;
			let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
				.map_err(|_| bad(format!("bad chunk size {:?}", line.trim())))?;
			if size == 0 {
				break;
			}
			// A chunk size near `usize::MAX` must not wrap the sum below the limit.
			if size > MAX_BODY.saturating_sub(body.len()) {
				return Err(bad("response body too large"));
			}
			let start = body.len();
			body.resize(start + size, 0);
			r.read_exact(body.get_mut(start..).unwrap_or_default())?;
			line.clear();
			r.read_line(&mut line)?;
		}
		body
	} else if let Some(len) = find("content-length") {
		let len: usize = len.parse().map_err(|_| bad(format!("bad Content-Length {len:?}")))?;
		if len > MAX_BODY {
			return Err(bad("response body too large"));
		}
		let mut body = vec![0; len];
		r.read_exact(&mut body)?;
		body
	} else {
		let mut body = Vec::new();
		r.take(MAX_BODY as u64 + 1).read_to_end(&mut body)?;
		if body.len() > MAX_BODY {
			return Err(bad("response body too large"));
		}
		body
	};
	Ok(Response { status, headers, body })
}

/// `request` over the unix socket at `path`.
pub fn unix(
	socket: &std::path::Path,
	method: &str,
	path: &str,
	json_body: Option<&[u8]>,
) -> std::io::Result<Response> {
	let stream = std::os::unix::net::UnixStream::connect(socket)?;
	stream.set_read_timeout(Some(TIMEOUT))?;
	stream.set_write_timeout(Some(TIMEOUT))?;
	request(stream, "localhost", method, path, json_body)
}

/// `request` to a plain `http://host:port` server.
pub fn tcp(host_port: &str, method: &str, path: &str) -> std::io::Result<Response> {
	tcp_with(host_port, method, path, None)
}

/// `GET path` from the plain-HTTP service at `base` (`http://host:port[/prefix]`, the prefix
/// put before `path`), named `what` in errors; anything but 200 is an error. The TEE backends'
/// collateral services (a PCCS, AMD's KDS) are reached this way, TLS ones through a local
/// forwarding proxy.
pub fn get(what: &str, base: &str, path: &str) -> Result<Response, crate::tee_error::TeeError> {
	use crate::tee_error::TeeError;
	let rest = base.strip_prefix("http://").ok_or_else(|| {
		TeeError::Unavailable(format!(
			"{what} {base}: only http:// is supported; put a local TLS proxy in front of an \
			 https {what}"
		))
	})?;
	let (host, prefix) = rest.split_once('/').unwrap_or((rest, ""));
	let prefix = prefix.trim_matches('/');
	let path = path.trim_start_matches('/');
	let full = if prefix.is_empty() { format!("/{path}") } else { format!("/{prefix}/{path}") };
	let response = tcp(host, "GET", &full).map_err(TeeError::io(format!("{what} {base}{full}")))?;
	if response.status != 200 {
		return Err(TeeError::Protocol(format!("{what} {base}{full}: HTTP {}", response.status)));
	}
	Ok(response)
}

/// `request` with a JSON body to a plain `http://host:port` server.
pub fn tcp_json(
	host_port: &str,
	method: &str,
	path: &str,
	body: &[u8],
) -> std::io::Result<Response> {
	tcp_with(host_port, method, path, Some(body))
}

fn tcp_with(
	host_port: &str,
	method: &str,
	path: &str,
	body: Option<&[u8]>,
) -> std::io::Result<Response> {
	use std::net::ToSocketAddrs;
	let addr = host_port
		.to_socket_addrs()?
		.next()
		.ok_or_else(|| bad(format!("{host_port} does not resolve")))?;
	let stream = std::net::TcpStream::connect_timeout(&addr, TIMEOUT)?;
	stream.set_read_timeout(Some(TIMEOUT))?;
	stream.set_write_timeout(Some(TIMEOUT))?;
	request(stream, host_port, method, path, body)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn content_length_chunked_and_close_delimited_bodies() {
		let r =
			read_response(&b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA"[..]).unwrap();
		assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
		let r = read_response(
			&b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"[..],
		)
		.unwrap();
		assert_eq!((r.status, r.body.as_slice()), (201, &b"abcde"[..]));
		assert_eq!(r.header("x-a"), Some("b"));
		let r = read_response(&b"HTTP/1.0 500 Oops\r\n\r\nall of it"[..]).unwrap();
		assert_eq!((r.status, r.body.as_slice()), (500, &b"all of it"[..]));
	}

	#[test]
	fn malformed_responses_are_errors() {
		assert!(read_response(&b"SSH-2.0-OpenSSH\r\n"[..]).is_err());
		assert!(read_response(&b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"[..]).is_err());
		assert!(read_response(&b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"[..]).is_err());
		assert!(read_response(&b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n"[..]).is_err());
	}

	#[test]
	fn a_chunk_size_near_the_integer_limit_is_refused_not_wrapped() {
		// Once `body.len() + size` overflowed: a panic in a debug build, a wrapped sum below
		// the limit (and a truncated body) in a release one.
		let chunked = |size: &str| {
			format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n{size}\r\n")
		};
		for size in ["ffffffffffffffff", "fffffffffffffffe"] {
			let e = read_response(chunked(size).as_bytes()).unwrap_err();
			assert!(e.to_string().contains("too large"), "{size}: {e}");
		}
	}
}
