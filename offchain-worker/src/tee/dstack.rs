//! A Phala dstack confidential VM (TDX), through the dstack guest agent's HTTP API on its unix
//! socket (`/var/run/dstack.sock`): `POST /GetQuote` with the report data in hex returns a TDX
//! quote, `POST /GetKey` derives a key for a path from the dstack KMS (bound to the app's
//! identity), and `POST /Info` describes the app and its TCB.

use super::{derive_key, PlatformInfo, Tee, TeeError};
use crate::pccs::Pccs;
use serde::Deserialize;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The key path the sealing key is derived at.
pub const SEALING_KEY_PATH: &str = "aegis-worker/sealing/v1";

/// A dstack CVM's guest agent.
pub struct DstackBackend {
	socket: PathBuf,
	pccs: Pccs,
}

#[derive(Deserialize)]
pub(crate) struct QuoteResponse {
	pub(crate) quote: String,
}

#[derive(Deserialize)]
struct KeyResponse {
	key: String,
}

impl DstackBackend {
	/// Talks to the guest agent on `socket`.
	pub fn new(socket: PathBuf, pccs: Pccs) -> Self {
		Self { socket, pccs }
	}

	fn call<T: serde::de::DeserializeOwned>(
		&self,
		endpoint: &str,
		body: serde_json::Value,
	) -> Result<T, TeeError> {
		let body = serde_json::to_vec(&body).map_err(|e| TeeError::Protocol(e.to_string()))?;
		let what = format!("dstack {endpoint} on {}", self.socket.display());
		let response =
			crate::http::unix(&self.socket, "POST", &format!("/{endpoint}"), Some(&body))
				.map_err(TeeError::io(what.clone()))?;
		if response.status != 200 {
			let message = serde_json::from_slice::<serde_json::Value>(&response.body)
				.ok()
				.and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
				.unwrap_or_else(|| String::from_utf8_lossy(&response.body).into_owned());
			return Err(TeeError::Protocol(format!("{what}: HTTP {}: {message}", response.status)));
		}
		serde_json::from_slice(&response.body)
			.map_err(|e| TeeError::Protocol(format!("{what}: unexpected answer: {e}")))
	}
}

pub(crate) fn unhex(what: &str, s: &str) -> Result<Vec<u8>, TeeError> {
	hex::decode(s.trim_start_matches("0x"))
		.map_err(|e| TeeError::Protocol(format!("dstack {what} is not hex: {e}")))
}

impl Tee for DstackBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		let r: QuoteResponse =
			self.call("GetQuote", serde_json::json!({ "report_data": hex::encode(report_data) }))?;
		let quote = unhex("quote", &r.quote)?;
		if quote.is_empty() {
			return Err(TeeError::Unavailable(
				"the dstack agent returned no TDX quote (not a TDX CVM?)".into(),
			));
		}
		Ok(quote)
	}

	fn collateral(&self, quote: &[u8], _now_secs: u64) -> Result<Vec<u8>, TeeError> {
		self.pccs.collateral(quote)
	}

	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		let r: KeyResponse = self.call(
			"GetKey",
			serde_json::json!({ "path": SEALING_KEY_PATH, "purpose": "aegis-worker key sealing" }),
		)?;
		let key = Zeroizing::new(unhex("key", &r.key)?);
		if key.len() < 32 {
			return Err(TeeError::Protocol(format!(
				"dstack GetKey returned {} bytes; at least 32 are needed",
				key.len()
			)));
		}
		Ok(derive_key(b"dstack", &key))
	}

	fn platform(&self) -> Result<PlatformInfo, TeeError> {
		let info: serde_json::Value = self.call("Info", serde_json::json!({}))?;
		let pick = |k: &str| info.get(k).cloned().unwrap_or(serde_json::Value::Null);
		Ok(PlatformInfo {
			backend: "dstack".into(),
			tee: "tdx".into(),
			details: serde_json::json!({
				"interface": "dstack guest agent",
				"app_id": pick("app_id"),
				"instance_id": pick("instance_id"),
				"app_name": pick("app_name"),
				"compose_hash": pick("compose_hash"),
				"os_image_hash": pick("os_image_hash"),
			}),
		})
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
	use super::*;
	use aegis_attestation::sim::{CollateralParams, SimTee, TdGuest};
	use aegis_attestation::TeeKind;
	use std::{
		io::{BufRead, BufReader, Read, Write},
		os::unix::net::UnixListener,
	};

	/// A dstack guest agent on a unix socket: quotes from the simulated TEE, keys from a
	/// fixed KMS secret, and `Info`. `GetKey` for any other path than the worker's fails, as a
	/// KMS refusal would. Returns the requests it saw.
	fn fake_agent(
		socket: &std::path::Path,
		requests: usize,
	) -> std::thread::JoinHandle<Vec<String>> {
		let listener = UnixListener::bind(socket).unwrap();
		std::thread::spawn(move || {
			let mut seen = Vec::new();
			for stream in listener.incoming().take(requests) {
				let mut stream = stream.unwrap();
				let mut reader = BufReader::new(stream.try_clone().unwrap());
				let mut line = String::new();
				reader.read_line(&mut line).unwrap();
				let path = line.split_whitespace().nth(1).unwrap().to_string();
				let mut len = 0;
				loop {
					let mut h = String::new();
					reader.read_line(&mut h).unwrap();
					if h.trim().is_empty() {
						break;
					}
					if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
						len = v.trim().parse().unwrap();
					}
				}
				let mut body = vec![0; len];
				reader.read_exact(&mut body).unwrap();
				let req: serde_json::Value = serde_json::from_slice(&body).unwrap();
				let (status, answer) = match path.as_str() {
					"/GetQuote" => {
						let data = hex::decode(req["report_data"].as_str().unwrap()).unwrap();
						let mut report = [0u8; 64];
						report[..data.len()].copy_from_slice(&data);
						let quote = SimTee::dev().tdx_quote(&TdGuest::default(), &report);
						(200, serde_json::json!({ "quote": hex::encode(quote), "event_log": "[]" }))
					}
					"/GetKey" if req["path"] == SEALING_KEY_PATH => (
						200,
						serde_json::json!({ "key": hex::encode([0x11; 32]), "signature_chain": [] }),
					),
					"/GetKey" => (400, serde_json::json!({ "error": "path not allowed" })),
					"/Info" => {
						(200, serde_json::json!({ "app_id": "c0ffee", "instance_id": "i-1" }))
					}
					_ => (404, serde_json::json!({ "error": "no such endpoint" })),
				};
				let body = answer.to_string();
				write!(
					stream,
					"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
					body.len()
				)
				.unwrap();
				seen.push(format!("{path} {req}"));
			}
			seen
		})
	}

	#[test]
	fn quotes_keys_and_info_come_from_the_guest_agent() {
		let dir = tempfile::tempdir().unwrap();
		let socket = dir.path().join("dstack.sock");
		let agent = fake_agent(&socket, 3);
		let tee = DstackBackend::new(socket, Pccs::new("http://127.0.0.1:1"));
		let report = [0x24; 64];
		let quote = tee.quote(&report).unwrap();
		let now = 1_800_000_000;
		let sim = SimTee::dev();
		let collateral = sim.collateral(TeeKind::Tdx, &CollateralParams::valid_around(now));
		let v = aegis_attestation::verify_quote(&quote, &collateral, &sim.root_der(), now).unwrap();
		assert_eq!(v.report_data, report);
		let key = tee.sealing_key().unwrap();
		assert_ne!(*key, [0x11; 32], "the KMS key goes through the KDF");
		assert_eq!(tee.platform().unwrap().details["app_id"], "c0ffee");
		let seen = agent.join().unwrap();
		assert!(seen[0].starts_with("/GetQuote"), "{seen:?}");
		assert!(seen[0].contains(&hex::encode(report)), "{seen:?}");
		assert!(seen[1].contains(SEALING_KEY_PATH), "{seen:?}");
	}

	#[test]
	fn agent_errors_and_a_missing_socket_are_reported() {
		let dir = tempfile::tempdir().unwrap();
		let tee = DstackBackend::new(dir.path().join("none.sock"), Pccs::new("http://x"));
		let e = tee.quote(&[0; 64]).unwrap_err();
		assert!(e.to_string().contains("none.sock"), "{e}");

		let socket = dir.path().join("dstack.sock");
		let _agent = fake_agent(&socket, 1);
		let tee = DstackBackend::new(socket, Pccs::new("http://x"));
		let e = tee.call::<serde_json::Value>("Nope", serde_json::json!({})).unwrap_err();
		assert!(e.to_string().contains("HTTP 404: no such endpoint"), "{e}");
	}
}
