//! A development network on loopback, for the end-to-end tests and the throughput benchmark:
//! `aegis-node --dev` and `aegis-worker --tee sim` as child processes (killed on drop), on free
//! ports, and a reader of the worker's status API.

use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// A child process, killed on drop.
pub struct Proc(pub Child);

impl Proc {
	/// Kills it now (SIGKILL: no chance to finish what it was doing).
	pub fn kill(mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

impl Drop for Proc {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
	std::net::TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("a free loopback port")
}

/// The directory holding the release binaries, found beside `exe` (a binary of this package).
pub fn bin_dir(exe: &Path) -> PathBuf {
	let dir = exe.parent().expect("binaries live in a directory").to_path_buf();
	for name in ["aegis-node", "aegis-worker"] {
		assert!(
			dir.join(name).exists(),
			"{} is missing: build it first (cargo build --release -p aegis-node -p aegis-worker)",
			dir.join(name).display()
		);
	}
	dir
}

/// Starts `aegis-node --dev` sealing every `block_time_ms`, RPC on `rpc_port`.
pub fn start_node(bin: &Path, rpc_port: u16, block_time_ms: u32) -> Proc {
	Proc(
		Command::new(bin.join("aegis-node"))
			.args(["--dev", "--tmp", "--no-prometheus", "--no-telemetry"])
			.args(["--block-time", &block_time_ms.to_string()])
			.args(["--rpc-port", &rpc_port.to_string(), "--port", &free_port().to_string()])
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.expect("aegis-node starts"),
	)
}

/// Starts `aegis-worker --tee sim` against the node on `rpc_port`, funded by Alice, its API on
/// `api_port`, its sealed keys in `data`, with `extra` flags.
pub fn start_worker(bin: &Path, rpc_port: u16, api_port: u16, data: &Path, extra: &[&str]) -> Proc {
	start_worker_on("sim", bin, rpc_port, api_port, data, extra)
}

/// As [`start_worker`], on the simulated TEE `tee` (`sim`, `sim-snp`, `sim-nitro`).
pub fn start_worker_on(
	tee: &str,
	bin: &Path,
	rpc_port: u16,
	api_port: u16,
	data: &Path,
	extra: &[&str],
) -> Proc {
	Proc(
		Command::new(bin.join("aegis-worker"))
			.args(["--tee", tee, "--dev-funder", "//Alice"])
			.args(["--rpc-url", &format!("ws://127.0.0.1:{rpc_port}")])
			.args(["--listen", &format!("127.0.0.1:{api_port}")])
			.arg("--data-dir")
			.arg(data)
			.args(extra)
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.expect("aegis-worker starts"),
	)
}

/// `GET path` on the worker's status API on `port`: status code and JSON body.
pub fn api(port: u16, path: &str) -> Option<(u16, serde_json::Value)> {
	let r = crate::http::tcp(&format!("127.0.0.1:{port}"), "GET", path).ok()?;
	Some((r.status, serde_json::from_slice(&r.body).ok()?))
}

/// Polls `f` every 250 ms until it holds; panics naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
	let deadline = Instant::now() + timeout;
	while !f() {
		assert!(Instant::now() < deadline, "timed out waiting for {what}");
		std::thread::sleep(Duration::from_millis(250));
	}
}

/// Connects to the node on `rpc_port`, waiting up to `timeout` for it to come up.
pub async fn connect(rpc_port: u16, timeout: Duration) -> crate::chain::RpcChain {
	let url = format!("ws://127.0.0.1:{rpc_port}");
	let deadline = Instant::now() + timeout;
	loop {
		match crate::chain::RpcChain::connect(&url, 5).await {
			Ok(c) => return c,
			Err(e) => {
				assert!(Instant::now() < deadline, "the node never came up: {e}");
				tokio::time::sleep(Duration::from_millis(500)).await;
			}
		}
	}
}

/// Waits until the worker on `api_port` is active with cluster key `epoch` published.
pub fn wait_enrolled(api_port: u16, epoch: u32, timeout: Duration) {
	wait_until(&format!("the worker to be active with cluster key epoch {epoch}"), timeout, || {
		api(api_port, "/status").is_some_and(|(_, s)| {
			s.pointer("/chain/active") == Some(&serde_json::Value::Bool(true))
				&& s.pointer("/chain/cluster_key_epoch").and_then(|e| e.as_u64())
					== Some(epoch.into())
		})
	});
}
