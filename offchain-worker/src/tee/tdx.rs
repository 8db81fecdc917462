//! Intel TDX through the Linux configfs-tsm report interface ([`super::tsm`], provider
//! `tdx_guest`). configfs-tsm has no sealing key, so the key set is sealed under a secret a
//! key broker provisions to the trust domain (a file), run through a KDF.

use super::{derive_key, read_secret_file, tsm::ConfigfsTsm, PlatformInfo, Tee, TeeError};
use crate::pccs::Pccs;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// A TDX guest's quote generation through configfs-tsm.
pub struct TdxBackend {
	tsm: ConfigfsTsm,
	sealing_key_file: PathBuf,
	pccs: Pccs,
}

impl TdxBackend {
	/// Uses the report entry `aegis-worker-<pid>` under `root` (created if missing).
	pub fn new(root: PathBuf, sealing_key_file: PathBuf, pccs: Pccs) -> Self {
		Self { tsm: ConfigfsTsm::under(root), sealing_key_file, pccs }
	}

	/// Uses the report entry `entry`.
	pub fn with_entry(entry: PathBuf, sealing_key_file: PathBuf, pccs: Pccs) -> Self {
		Self { tsm: ConfigfsTsm::new(entry), sealing_key_file, pccs }
	}

	/// The provider behind the entry (`tdx_guest` on TDX).
	pub fn provider(&self) -> Result<String, TeeError> {
		self.tsm.provider()
	}
}

impl Tee for TdxBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		Ok(self.tsm.report("tdx_guest", report_data, None)?.outblob)
	}

	fn collateral(&self, quote: &[u8], _now_secs: u64) -> Result<Vec<u8>, TeeError> {
		self.pccs.collateral(quote)
	}

	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		read_secret_file(&self.sealing_key_file).map(|secret| derive_key(b"tdx", &secret[..]))
	}

	fn platform(&self) -> Result<PlatformInfo, TeeError> {
		Ok(PlatformInfo {
			backend: "tdx".into(),
			tee: "tdx".into(),
			details: serde_json::json!({
				"interface": "configfs-tsm",
				"entry": self.tsm.entry().display().to_string(),
				"provider": self.provider()?,
			}),
		})
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
pub(crate) mod tests {
	use super::*;
	use crate::tee::fake;
	use aegis_attestation::sim::{CollateralParams, SimTee};
	use aegis_attestation::TeeKind;
	use std::path::Path;

	#[test]
	fn quotes_come_from_outblob_for_the_written_inblob() {
		let dir = tempfile::tempdir().unwrap();
		let entry = dir.path().join("report").join("w");
		let kernel = fake::ConfigfsTsm::start(&entry, "tdx_guest", 1);
		let key = dir.path().join("sealing");
		std::fs::write(&key, [9u8; 32]).unwrap();
		let tee = TdxBackend::with_entry(entry.clone(), key, Pccs::new("http://127.0.0.1:1"));
		let report = [5u8; 64];
		let quote = tee.quote(&report).unwrap();
		assert_eq!(kernel.join().unwrap(), report.to_vec(), "the kernel saw the report data");
		// The fake kernel answers with a simulated TDX quote: it verifies, and carries the data.
		let now = 1_800_000_000;
		let sim = SimTee::dev();
		let collateral = sim.collateral(TeeKind::Tdx, &CollateralParams::valid_around(now));
		let verified =
			aegis_attestation::verify_quote(&quote, &collateral, &sim.root_der(), now).unwrap();
		assert_eq!(verified.report_data, report);
		assert_eq!(verified.tee, TeeKind::Tdx);
		assert_eq!(tee.platform().unwrap().details["provider"], "tdx_guest");
	}

	#[test]
	fn a_concurrent_writer_or_another_provider_is_detected() {
		let dir = tempfile::tempdir().unwrap();
		let entry = dir.path().join("w");
		// The fake bumps the generation by two: someone else wrote in between.
		let kernel = fake::ConfigfsTsm::start(&entry, "tdx_guest", 2);
		let tee = TdxBackend::with_entry(entry, dir.path().join("k"), Pccs::new("http://x"));
		let e = tee.quote(&[1; 64]).unwrap_err();
		assert!(e.to_string().contains("written by someone else"), "{e}");
		kernel.join().unwrap();

		let entry = dir.path().join("sev");
		let _kernel = fake::ConfigfsTsm::start(&entry, "sev_guest", 1);
		let tee = TdxBackend::with_entry(entry, dir.path().join("k"), Pccs::new("http://x"));
		let e = tee.quote(&[1; 64]).unwrap_err();
		assert!(e.to_string().contains("sev_guest"), "{e}");
	}

	#[test]
	fn the_sealing_secret_is_read_raw_or_hex_and_never_used_directly() {
		let dir = tempfile::tempdir().unwrap();
		let raw = dir.path().join("raw");
		std::fs::write(&raw, [3u8; 32]).unwrap();
		let hexed = dir.path().join("hex");
		std::fs::write(&hexed, format!("{}\n", hex::encode([3u8; 32]))).unwrap();
		let bad = dir.path().join("bad");
		std::fs::write(&bad, b"short").unwrap();
		let tee = |p: &Path| {
			TdxBackend::with_entry(dir.path().join("e"), p.into(), Pccs::new("http://x"))
		};
		let a = tee(&raw).sealing_key().unwrap();
		assert_eq!(*a, *tee(&hexed).sealing_key().unwrap());
		assert_ne!(*a, [3u8; 32]);
		assert!(tee(&bad).sealing_key().unwrap_err().to_string().contains("32 raw bytes"));
		assert!(tee(&dir.path().join("missing")).sealing_key().is_err());
	}
}
