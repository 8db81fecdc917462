//! Intel SGX under Gramine: the worker writes the 64-byte report data to
//! `/dev/attestation/user_report_data` and opens `/dev/attestation/quote`, which Gramine fills
//! with a DCAP quote of this enclave at open time. The key set is sealed under Gramine's
//! MRENCLAVE-bound SGX sealing key (`/dev/attestation/keys/_sgx_mrenclave`, 16 bytes), run
//! through a KDF as Gramine's documentation asks.

use super::{derive_key, PlatformInfo, Tee, TeeError};
use crate::pccs::Pccs;
use std::{io::Write, path::PathBuf, sync::Mutex};
use zeroize::Zeroizing;

/// An SGX enclave under Gramine.
pub struct SgxBackend {
	dir: PathBuf,
	pccs: Pccs,
	// The pseudo-files are process-wide and not thread-safe.
	lock: Mutex<()>,
}

impl SgxBackend {
	/// Uses Gramine's attestation directory `dir` (normally `/dev/attestation`).
	pub fn new(dir: PathBuf, pccs: Pccs) -> Self {
		Self { dir, pccs, lock: Mutex::new(()) }
	}

	fn attestation_type(&self) -> Result<String, TeeError> {
		let path = self.dir.join("attestation_type");
		std::fs::read_to_string(&path).map(|s| s.trim().to_string()).map_err(TeeError::io(format!(
			"reading {} (is this a Gramine enclave?)",
			path.display()
		)))
	}
}

impl Tee for SgxBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
		let kind = self.attestation_type()?;
		if kind != "dcap" {
			return Err(TeeError::Unavailable(format!(
				"Gramine attestation type is `{kind}`; the manifest must set \
				 sgx.remote_attestation = \"dcap\""
			)));
		}
		let path = self.dir.join("user_report_data");
		std::fs::OpenOptions::new()
			.write(true)
			.open(&path)
			.and_then(|mut f| f.write_all(report_data))
			.map_err(TeeError::io(format!("writing {}", path.display())))?;
		let path = self.dir.join("quote");
		let quote =
			std::fs::read(&path).map_err(TeeError::io(format!("reading {}", path.display())))?;
		if quote.is_empty() {
			return Err(TeeError::Protocol("Gramine returned an empty quote".into()));
		}
		Ok(quote)
	}

	fn collateral(&self, quote: &[u8], _now_secs: u64) -> Result<Vec<u8>, TeeError> {
		self.pccs.collateral(quote)
	}

	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		let path = self.dir.join("keys").join("_sgx_mrenclave");
		let key = Zeroizing::new(
			std::fs::read(&path).map_err(TeeError::io(format!("reading {}", path.display())))?,
		);
		if key.len() != 16 {
			return Err(TeeError::Protocol(format!(
				"{} holds {} bytes; Gramine's SGX sealing keys are 16",
				path.display(),
				key.len()
			)));
		}
		Ok(derive_key(b"sgx-mrenclave", &key))
	}

	fn platform(&self) -> Result<PlatformInfo, TeeError> {
		Ok(PlatformInfo {
			backend: "sgx".into(),
			tee: "sgx".into(),
			details: serde_json::json!({
				"interface": "gramine",
				"attestation_type": self.attestation_type()?,
			}),
		})
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
	use super::*;
	use crate::tee::fake;
	use aegis_attestation::sim::{CollateralParams, SgxEnclave, SimTee};
	use aegis_attestation::TeeKind;

	#[test]
	fn the_quote_carries_the_written_report_data_and_verifies() {
		let dir = tempfile::tempdir().unwrap();
		let gramine = fake::Gramine::start(dir.path(), "dcap", SgxEnclave::dev_worker());
		let tee = SgxBackend::new(dir.path().into(), Pccs::new("http://127.0.0.1:1"));
		let report = [0x42; 64];
		let quote = tee.quote(&report).unwrap();
		assert_eq!(gramine.join().unwrap(), report.to_vec());
		let now = 1_800_000_000;
		let sim = SimTee::dev();
		let collateral = sim.collateral(TeeKind::Sgx, &CollateralParams::valid_around(now));
		let v = aegis_attestation::verify_quote(&quote, &collateral, &sim.root_der(), now).unwrap();
		assert_eq!(v.report_data, report);
		assert_eq!(v.measurement, aegis_attestation::dev::worker_measurement());
		let key = tee.sealing_key().unwrap();
		assert_ne!(key[..16], [0x5a; 16], "the raw SGX key is never used directly");
		assert_eq!(tee.platform().unwrap().details["attestation_type"], "dcap");
	}

	#[test]
	fn without_dcap_or_outside_gramine_it_says_why() {
		let dir = tempfile::tempdir().unwrap();
		let _gramine = fake::Gramine::start(dir.path(), "none", SgxEnclave::dev_worker());
		let tee = SgxBackend::new(dir.path().into(), Pccs::new("http://x"));
		let e = tee.quote(&[0; 64]).unwrap_err();
		assert!(e.to_string().contains("sgx.remote_attestation"), "{e}");
		std::fs::write(dir.path().join("keys").join("_sgx_mrenclave"), [1u8; 32]).unwrap();
		assert!(tee.sealing_key().unwrap_err().to_string().contains("16"));

		let nowhere = SgxBackend::new(dir.path().join("missing"), Pccs::new("http://x"));
		let e = nowhere.quote(&[0; 64]).unwrap_err();
		assert!(e.to_string().contains("Gramine"), "{e}");
	}
}
