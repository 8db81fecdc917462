//! Fakes of the hardware TEE interfaces for tests: directories laid out like configfs-tsm and
//! Gramine's `/dev/attestation`, whose "kernel" side is a thread answering through a FIFO
//! (`outblob` / `quote` block until the thread, standing in for the driver, writes the quote),
//! and a dstack guest agent serving its HTTP API on a unix socket. The quotes they hand out are
//! genuine-format quotes of the simulated TEE, so they verify like real ones.

use aegis_attestation::sim::{SgxEnclave, SimTee, TdGuest};
use std::{
	io::{Read, Write},
	path::Path,
	thread::JoinHandle,
};

fn mkfifo(path: &Path) {
	let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
	assert!(status.success(), "mkfifo {}", path.display());
}

/// What a fake TSM driver answers: `outblob` and, optionally, `auxblob`.
pub type TsmAnswer = Box<dyn FnOnce(&[u8; 64]) -> (Vec<u8>, Option<Vec<u8>>) + Send>;

/// A configfs-tsm report entry whose driver answers one request.
pub struct ConfigfsTsm;

impl ConfigfsTsm {
	/// Lays out `entry` (`provider`, `generation`, `inblob`, `outblob`) and answers the next
	/// read of `outblob` with a TDX quote of whatever `inblob` holds, advancing `generation`
	/// by `step` (1 is one write; more means another writer slipped in). The thread returns
	/// the report data it saw.
	pub fn start(entry: &Path, provider: &str, step: u64) -> JoinHandle<Vec<u8>> {
		Self::start_with(
			entry,
			provider,
			step,
			Box::new(|report| (SimTee::dev().tdx_quote(&TdGuest::default(), report), None)),
		)
	}

	/// As [`Self::start`], answering with `answer` of the report data; `privlevel` is laid
	/// out too, and `auxblob` written when the answer has one.
	pub fn start_with(
		entry: &Path,
		provider: &str,
		step: u64,
		answer: TsmAnswer,
	) -> JoinHandle<Vec<u8>> {
		std::fs::create_dir_all(entry).unwrap();
		std::fs::write(entry.join("provider"), format!("{provider}\n")).unwrap();
		std::fs::write(entry.join("generation"), "0\n").unwrap();
		std::fs::write(entry.join("inblob"), b"").unwrap();
		std::fs::write(entry.join("privlevel"), b"").unwrap();
		mkfifo(&entry.join("outblob"));
		let entry = entry.to_path_buf();
		std::thread::spawn(move || {
			// Blocks until the worker opens outblob, which it does after closing inblob.
			let mut out =
				std::fs::OpenOptions::new().write(true).open(entry.join("outblob")).unwrap();
			let inblob = std::fs::read(entry.join("inblob")).unwrap();
			let report: [u8; 64] = inblob.as_slice().try_into().expect("64-byte inblob");
			let (outblob, auxblob) = answer(&report);
			if let Some(aux) = auxblob {
				std::fs::write(entry.join("auxblob"), aux).unwrap();
			}
			std::fs::write(entry.join("generation"), format!("{step}\n")).unwrap();
			out.write_all(&outblob).unwrap();
			inblob
		})
	}
}

/// Gramine's `/dev/attestation` for an SGX enclave, answering one quote.
pub struct Gramine;

impl Gramine {
	/// Lays out `dir` (`attestation_type`, `user_report_data`, `quote`, `keys/_sgx_mrenclave`)
	/// and answers the next read of `quote` with a quote of `enclave` over the user report
	/// data. The thread returns the report data it saw.
	pub fn start(dir: &Path, attestation_type: &str, enclave: SgxEnclave) -> JoinHandle<Vec<u8>> {
		std::fs::create_dir_all(dir.join("keys")).unwrap();
		std::fs::write(dir.join("attestation_type"), attestation_type).unwrap();
		std::fs::write(dir.join("user_report_data"), [0u8; 64]).unwrap();
		std::fs::write(dir.join("keys").join("_sgx_mrenclave"), [0x5a; 16]).unwrap();
		mkfifo(&dir.join("quote"));
		let dir = dir.to_path_buf();
		std::thread::spawn(move || {
			let mut out = std::fs::OpenOptions::new().write(true).open(dir.join("quote")).unwrap();
			let mut data = Vec::new();
			std::fs::File::open(dir.join("user_report_data"))
				.unwrap()
				.read_to_end(&mut data)
				.unwrap();
			let report: [u8; 64] = data.as_slice().try_into().expect("64 bytes of report data");
			out.write_all(&SimTee::dev().sgx_quote(&enclave, &report)).unwrap();
			data
		})
	}
}
