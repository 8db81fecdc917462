//! The TEEs the worker runs in, behind one trait: a quote over given report data, a sealing key
//! bound to the enclave's identity, and a description of the platform.
//!
//! - [`sim::SimBackend`]: the simulated TEEs of `aegis-attestation` (SGX, SEV-SNP, Nitro;
//!   development chains).
//! - [`tdx::TdxBackend`]: Intel TDX through the Linux configfs-tsm report interface
//!   ([`tsm`]).
//! - [`snp::SnpBackend`]: AMD SEV-SNP through configfs-tsm or `/dev/sev-guest`.
//! - [`nitro::NitroBackend`]: AWS Nitro Enclaves through `/dev/nsm`.
//! - [`sgx::SgxBackend`]: Intel SGX under Gramine's `/dev/attestation` pseudo-files.
//! - [`dstack::DstackBackend`]: a Phala dstack CVM through its guest agent's unix socket.

pub mod dstack;
#[cfg(test)]
pub mod fake;
pub mod nitro;
pub mod sgx;
pub mod sim;
pub mod snp;
pub mod tdx;
pub mod tsm;

use crate::config::{Backend, Settings};
use serde::Serialize;
use zeroize::Zeroizing;

/// What the platform says about itself.
#[derive(Clone, Debug, Serialize)]
pub struct PlatformInfo {
	/// The backend in use.
	pub backend: String,
	/// The TEE kind the chain will see in the quote.
	pub tee: String,
	/// Backend-specific details (provider name, app id, ...).
	pub details: serde_json::Value,
}

pub use crate::tee_error::TeeError;

/// A trusted execution environment, as the worker uses it.
pub trait Tee: Send + Sync {
	/// Evidence (a DCAP quote, an SEV-SNP report, a Nitro document) whose report data is
	/// `report_data`.
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError>;
	/// The collateral the chain needs to verify `quote` at `now_secs`.
	fn collateral(&self, quote: &[u8], now_secs: u64) -> Result<Vec<u8>, TeeError>;
	/// A 32-byte key only this enclave identity on this platform can obtain; the key set is
	/// sealed under it.
	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError>;
	/// What the platform says about itself.
	fn platform(&self) -> Result<PlatformInfo, TeeError>;
}

/// The backend `settings` name.
pub fn open(settings: &Settings) -> Result<Box<dyn Tee>, TeeError> {
	let tee = &settings.raw.tee;
	Ok(match settings.backend {
		Backend::Sim => Box::new(sim::SimBackend::dev()),
		Backend::SimSnp => Box::new(sim::SimBackend::dev_snp()),
		Backend::SimNitro => Box::new(sim::SimBackend::dev_nitro()),
		Backend::Snp => {
			let source = if tee.configfs_tsm_path.exists() {
				snp::SnpSource::Tsm(tsm::ConfigfsTsm::under(tee.configfs_tsm_path.clone()))
			} else {
				snp::SnpSource::Device(std::sync::Arc::new(snp::LinuxSevGuest::open(
					&tee.sev_guest_device,
				)?))
			};
			let vcek = snp::VcekSource {
				file: tee.snp_vcek_file.clone(),
				kds_url: tee.snp_kds_url.clone(),
				product: tee
					.snp_product
					.as_deref()
					.and_then(aegis_attestation::SnpProduct::from_name),
			};
			Box::new(snp::SnpBackend::new(source, vcek, tee.snp_vmpl, tee.sealing_key_file.clone()))
		}
		Backend::Nitro => Box::new(nitro::NitroBackend::new(
			std::sync::Arc::new(nitro::NsmDevice),
			tee.sealing_key_file
				.clone()
				.ok_or_else(|| TeeError::Unavailable("nitro needs tee.sealing_key_file".into()))?,
		)),
		Backend::Tdx => Box::new(tdx::TdxBackend::new(
			tee.configfs_tsm_path.clone(),
			tee.tdx_sealing_key_file.clone().ok_or_else(|| {
				TeeError::Unavailable("tdx needs tee.tdx_sealing_key_file".into())
			})?,
			pccs(settings)?,
		)),
		Backend::Sgx => {
			Box::new(sgx::SgxBackend::new(tee.gramine_attestation_path.clone(), pccs(settings)?))
		}
		Backend::Dstack => {
			Box::new(dstack::DstackBackend::new(tee.dstack_socket.clone(), pccs(settings)?))
		}
	})
}

/// The roots a worker trusts its peers' evidence to chain to, per kind: the simulators' dev
/// roots for the simulated backends (dev chains), the vendors' otherwise (Intel's SGX root CA,
/// AMD's ARKs, the AWS Nitro root).
pub fn peer_roots(backend: Backend) -> Vec<(aegis_attestation::TeeKind, Vec<u8>)> {
	let mut roots = Vec::new();
	for kind in aegis_attestation::TEE_KINDS {
		let of_kind = if backend.is_simulated() {
			vec![aegis_attestation::dev::root(kind)]
		} else {
			aegis_attestation::vendor_roots(kind)
		};
		roots.extend(of_kind.into_iter().map(|r| (kind, r.to_vec())));
	}
	roots
}

/// The measurements a simulated backend's peers may have besides its own: the dev worker's of
/// every kind, so SGX, SEV-SNP and Nitro dev workers form one cluster. None for hardware
/// backends (their peers' measurements are configured: `worker.peer_measurements`).
pub fn dev_peer_measurements(backend: Backend) -> Vec<aegis_attestation::Measurement> {
	if !backend.is_simulated() {
		return Vec::new();
	}
	aegis_attestation::dev::worker_measurements().to_vec()
}

fn pccs(settings: &Settings) -> Result<crate::pccs::Pccs, TeeError> {
	let url = settings.raw.tee.pccs_url.clone().ok_or_else(|| {
		TeeError::Unavailable(format!("the {} backend needs tee.pccs_url", settings.backend))
	})?;
	Ok(crate::pccs::Pccs::new(url))
}

/// A 32-byte secret stored raw or as 64 hex digits.
pub(crate) fn read_secret_file(path: &std::path::Path) -> Result<Zeroizing<[u8; 32]>, TeeError> {
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

/// Domain-separated 32-byte key derivation from TEE-provided key material.
pub(crate) fn derive_key(label: &[u8], material: &[u8]) -> Zeroizing<[u8; 32]> {
	Zeroizing::new(aegis_primitives::hashing::hash256(
		b"aegis/worker/sealing-key/v1",
		&[label, material],
	))
}
