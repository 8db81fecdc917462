//! The Linux configfs-tsm report interface (`Documentation/ABI/testing/configfs-tsm-report`),
//! shared by the TDX and SEV-SNP backends: the worker owns one report entry under
//! `/sys/kernel/config/tsm/report/`, writes the 64-byte report data to `inblob` (and the VM
//! privilege level to `privlevel`, SEV-SNP only), reads the evidence from `outblob` (and the
//! host's certificate table from `auxblob`, SEV-SNP only, when the host provides one), and
//! checks through `generation` that no other writer changed the entry in between.

use super::TeeError;
use std::{io::Write, path::PathBuf, sync::Mutex};

/// What one report request returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TsmReport {
	/// `outblob`: the TDX quote or SEV-SNP attestation report.
	pub outblob: Vec<u8>,
	/// `auxblob`: the SEV-SNP certificate table the host attached (VCEK, ASK, ARK), if any.
	pub auxblob: Option<Vec<u8>>,
}

/// One configfs-tsm report entry, used one request at a time.
pub struct ConfigfsTsm {
	entry: PathBuf,
	lock: Mutex<()>,
}

impl ConfigfsTsm {
	/// Uses the report entry `entry` (created if missing).
	pub fn new(entry: PathBuf) -> Self {
		Self { entry, lock: Mutex::new(()) }
	}

	/// The report entry `aegis-worker-<pid>` under `root`.
	pub fn under(root: PathBuf) -> Self {
		Self::new(root.join(format!("aegis-worker-{}", std::process::id())))
	}

	/// The entry's path.
	pub fn entry(&self) -> &std::path::Path {
		&self.entry
	}

	fn ensure_entry(&self) -> Result<(), TeeError> {
		match std::fs::create_dir(&self.entry) {
			Ok(()) => Ok(()),
			Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
			Err(e) if e.raw_os_error() == Some(6) => Err(TeeError::Unavailable(format!(
				"{}: no TSM provider is registered (no tdx_guest or sev_guest driver?)",
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

	/// The provider behind the entry (`tdx_guest`, `sev_guest`).
	pub fn provider(&self) -> Result<String, TeeError> {
		self.ensure_entry()?;
		self.read_text("provider")
	}

	fn write(&self, name: &str, bytes: &[u8]) -> Result<(), TeeError> {
		let path = self.entry.join(name);
		// configfs hands a binary attribute to the driver when the file is closed.
		let mut file = std::fs::OpenOptions::new()
			.write(true)
			.open(&path)
			.map_err(TeeError::io(format!("opening {}", path.display())))?;
		file.write_all(bytes).map_err(TeeError::io(format!("writing {}", path.display())))
	}

	/// Asks `provider` for evidence over `report_data`, at VM privilege level `privlevel`
	/// when given. Refuses another provider, and evidence some other writer may have
	/// requested (the generation moved by more than this request's writes).
	pub fn report(
		&self,
		provider: &str,
		report_data: &[u8; 64],
		privlevel: Option<u32>,
	) -> Result<TsmReport, TeeError> {
		let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
		self.ensure_entry()?;
		let found = self.read_text("provider")?;
		if found != provider {
			return Err(TeeError::Unavailable(format!(
				"configfs-tsm provider is `{found}`, not {provider}"
			)));
		}
		let before = self.generation()?;
		let mut writes = 1;
		if let Some(level) = privlevel {
			self.write("privlevel", level.to_string().as_bytes())?;
			writes += 1;
		}
		self.write("inblob", report_data)?;
		let outblob = self.entry.join("outblob");
		let out = std::fs::read(&outblob)
			.map_err(TeeError::io(format!("reading {}", outblob.display())))?;
		let auxblob = self.entry.join("auxblob");
		let aux = match std::fs::read(&auxblob) {
			Ok(bytes) if !bytes.is_empty() => Some(bytes),
			Ok(_) => None,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
			Err(e) => return Err(TeeError::io(format!("reading {}", auxblob.display()))(e)),
		};
		let after = self.generation()?;
		if after != before + writes {
			return Err(TeeError::Protocol(format!(
				"configfs-tsm entry {} was written by someone else (generation {before} -> \
				 {after}); evidence discarded",
				self.entry.display()
			)));
		}
		if out.is_empty() {
			return Err(TeeError::Protocol("configfs-tsm returned empty evidence".into()));
		}
		Ok(TsmReport { outblob: out, auxblob: aux })
	}
}

impl Drop for ConfigfsTsm {
	fn drop(&mut self) {
		// configfs frees the entry's blobs on rmdir; a plain directory (a fake) may refuse.
		let _ = std::fs::remove_dir(&self.entry);
	}
}
