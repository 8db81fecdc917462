//! Running `aegis-node` processes on loopback for the tests, and a small JSON-RPC client.
#![allow(dead_code, clippy::indexing_slicing)]

use serde_json::{json, Value};
use std::{
	io::{BufRead, BufReader, Read, Write},
	net::{TcpListener, TcpStream},
	path::PathBuf,
	process::{Child, Command, Stdio},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running node, killed (and its base path removed) on drop.
pub struct Node {
	child: Child,
	/// Its RPC port.
	pub rpc_port: u16,
	/// Its p2p port.
	pub p2p_port: u16,
	/// What it has logged so far.
	pub log: Arc<Mutex<String>>,
	base: PathBuf,
}

impl Node {
	/// Starts `aegis-node` with `args`, its own base path, RPC and p2p on free loopback ports.
	pub fn start(name: &str, args: &[&str]) -> Self {
		let rpc_port = free_port();
		let p2p_port = free_port();
		let base =
			std::env::temp_dir().join(format!("aegis-node-test-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&base);
		let mut child = Command::new(env!("CARGO_BIN_EXE_aegis-node"))
			.args(args)
			.args(["--base-path", base.to_str().unwrap()])
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns", "--name", name])
			.stdout(Stdio::null())
			.stderr(Stdio::piped())
			.spawn()
			.expect("aegis-node starts");
		let log = Arc::new(Mutex::new(String::new()));
		let stderr = child.stderr.take().unwrap();
		let sink = log.clone();
		std::thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(Result::ok) {
				let mut log = sink.lock().unwrap();
				log.push_str(&line);
				log.push('\n');
			}
		});
		let node = Self { child, rpc_port, p2p_port, log, base };
		node.wait_for(Duration::from_secs(120), "the RPC server", |n| {
			n.try_rpc("system_health", json!([])).ok()
		});
		node
	}

	/// Calls `method` over HTTP JSON-RPC.
	pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
		let body =
			json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
		let mut stream =
			TcpStream::connect(("127.0.0.1", self.rpc_port)).map_err(|e| e.to_string())?;
		stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
		write!(
			stream,
			"POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
			self.rpc_port,
			body.len()
		)
		.map_err(|e| e.to_string())?;
		let mut response = String::new();
		stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
		let (_, payload) = response.split_once("\r\n\r\n").ok_or("no HTTP body")?;
		let value: Value = serde_json::from_str(payload).map_err(|e| format!("{e}: {payload}"))?;
		match value.get("result") {
			Some(result) => Ok(result.clone()),
			None => Err(value["error"].to_string()),
		}
	}

	/// Calls `method`, which must succeed.
	pub fn rpc(&self, method: &str, params: Value) -> Value {
		self.try_rpc(method, params).unwrap_or_else(|e| panic!("{method}: {e}"))
	}

	/// Polls `check` every 250 ms until it gives a value, or panics after `timeout` naming
	/// `what`, with the node's log.
	pub fn wait_for<T>(
		&self,
		timeout: Duration,
		what: &str,
		mut check: impl FnMut(&Self) -> Option<T>,
	) -> T {
		let start = Instant::now();
		loop {
			if let Some(v) = check(self) {
				return v;
			}
			if start.elapsed() > timeout {
				panic!("timed out waiting for {what}; node log:\n{}", self.log.lock().unwrap());
			}
			std::thread::sleep(Duration::from_millis(250));
		}
	}

	/// The best block's number.
	pub fn best_number(&self) -> u64 {
		let header = self.rpc("chain_getHeader", json!([]));
		hex_number(&header["number"])
	}

	/// The finalized block's number.
	pub fn finalized_number(&self) -> u64 {
		let hash = self.rpc("chain_getFinalizedHead", json!([]));
		let header = self.rpc("chain_getHeader", json!([hash]));
		hex_number(&header["number"])
	}

	/// Calls runtime API function `method` with SCALE `args` at the best block; the SCALE
	/// result.
	pub fn state_call(&self, method: &str, args: &[u8]) -> Vec<u8> {
		let result = self.rpc("state_call", json!([method, format!("0x{}", hex(args))]));
		unhex(result.as_str().unwrap())
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		let _ = std::fs::remove_dir_all(&self.base);
	}
}

/// `0x`-prefixed hex number.
pub fn hex_number(v: &Value) -> u64 {
	u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of `0x`-prefixed hex.
pub fn unhex(s: &str) -> Vec<u8> {
	let s = s.trim_start_matches("0x");
	(0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}
