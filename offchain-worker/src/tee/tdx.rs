//! Intel TDX through the Linux configfs-tsm report interface
//! (`Documentation/ABI/testing/configfs-tsm-report`): the worker owns one report entry under
//! `/sys/kernel/config/tsm/report/`, writes the 64-byte report data to `inblob`, reads the quote
//! from `outblob`, and checks through `generation` that no other writer changed the entry in
//! between. configfs-tsm has no sealing key, so the key set is sealed under a secret a key
//! broker provisions to the trust domain (a file), run through a KDF.

use super::{derive_key, PlatformInfo, Tee, TeeError};
use crate::pccs::Pccs;
use std::{
	io::Write,
	path::{Path, PathBuf},
	sync::Mutex,
};
use zeroize::Zeroizing;

/// A TDX guest's quote generation through configfs-tsm.
pub struct TdxBackend {
	entry: PathBuf,
	sealing_key_file: PathBuf,
	pccs: Pccs,
	// One request at a time through the entry.
	lock: Mutex<()>,
}

impl TdxBackend {
	/// Uses the report entry `aegis-worker-<pid>` under `root` (created if missing).
	pub fn new(root: PathBuf, sealing_key_file: PathBuf, pccs: Pccs) -> Self {
		let entry = root.join(format!("aegis-worker-{}", std::process::id()));
		Self::with_entry(entry, sealing_key_file, pccs)
	}

	/// Uses the report entry `entry`.
	pub fn with_entry(entry: PathBuf, sealing_key_file: PathBuf, pccs: Pccs) -> Self {
		Self { entry, sealing_key_file, pccs, lock: Mutex::new(()) }
	}

	fn ensure_entry(&self) -> Result<(), TeeError> {
		match std::fs::create_dir(&self.entry) {
			Ok(()) => Ok(()),
			Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
			Err(e) if e.raw_os_error() == Some(6) => Err(TeeError::Unavailable(format!(
				"{}: no TSM provider is registered (is this a TDX guest with the tdx_guest driver?)",
				self.entry.display()
			))),
			Err(e) => Err(TeeError::io(format!("creating {}", self.entry.display()))(e)),
		}
	}

	fn read_text(&self, name: &str) -> Result<String, TeeError> {
		let path = self.entry.join(name);
		std::fs::read_to_string(&path)
			.map(|s| s.trim().to_string())
			.map_err(TeeError::io(format!("reading {}", path.display())))
	}

	fn generation(&self) -> Result<u64, TeeError> {
		let text = self.read_text("generation")?;
		text.parse().map_err(|_| {
			TeeError::Protocol(format!("configfs-tsm generation `{text}` is not a number"))
		})
	}

	/// The provider behind the entry (`tdx_guest` on TDX).
	pub fn provider(&self) -> Result<String, TeeError> {
		self.ensure_entry()?;
		self.read_text("provider")
	}
}

impl Drop for TdxBackend {
	fn drop(&mut self) {
		// configfs frees the entry's blobs on rmdir; a plain directory (a fake) may refuse.
		let _ = std::fs::remove_dir(&self.entry);
	}
}

impl Tee for TdxBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
		self.ensure_entry()?;
		let provider = self.read_text("provider")?;
		if provider != "tdx_guest" {
			return Err(TeeError::Unavailable(format!(
				"configfs-tsm provider is `{provider}`, not tdx_guest"
			)));
		}
		let before = self.generation()?;
		let inblob = self.entry.join("inblob");
		// configfs hands a binary attribute to the driver when the file is closed.
		{
			let mut file = std::fs::OpenOptions::new()
				.write(true)
				.open(&inblob)
				.map_err(TeeError::io(format!("opening {}", inblob.display())))?;
			file.write_all(report_data)
				.map_err(TeeError::io(format!("writing {}", inblob.display())))?;
		}
		let outblob = self.entry.join("outblob");
		let quote = std::fs::read(&outblob)
			.map_err(TeeError::io(format!("reading {}", outblob.display())))?;
		let after = self.generation()?;
		if after != before + 1 {
			return Err(TeeError::Protocol(format!(
				"configfs-tsm entry {} was written by someone else (generation {before} -> \
				 {after}); quote discarded",
				self.entry.display()
			)));
		}
		if quote.is_empty() {
			return Err(TeeError::Protocol("configfs-tsm returned an empty quote".into()));
		}
		Ok(quote)
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
				"entry": self.entry.display().to_string(),
				"provider": self.provider()?,
			}),
		})
	}
}

/// A 32-byte secret stored raw or as 64 hex digits.
fn read_secret_file(path: &Path) -> Result<Zeroizing<[u8; 32]>, TeeError> {
	let bytes = Zeroizing::new(
		std::fs::read(path).map_err(TeeError::io(format!("reading {}", path.display())))?,
	);
	let mut out = Zeroizing::new([0u8; 32]);
	if bytes.len() == 32 {
		out.copy_from_slice(&bytes);
		return Ok(out);
	}
	let text = std::str::from_utf8(&bytes).unwrap_or("").trim();
	if text.len() == 64 && hex::decode_to_slice(text, &mut out[..]).is_ok() {
		return Ok(out);
	}
	Err(TeeError::Protocol(format!(
		"{}: a sealing secret must be 32 raw bytes or 64 hex digits",
		path.display()
	)))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
pub(crate) mod tests {
	use super::*;
	use crate::tee::fake;
	use aegis_attestation::sim::{CollateralParams, SimTee};
	use aegis_attestation::TeeKind;

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
