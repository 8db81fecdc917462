//! The TEEs the worker runs in, behind one trait: a quote over given report data, a sealing key
//! bound to the enclave's identity, and a description of the platform.
//!
//! - [`sim::SimBackend`]: the simulated TEE of `aegis-attestation` (development chains).
//! - [`tdx::TdxBackend`]: Intel TDX through the Linux configfs-tsm report interface.
//! - [`sgx::SgxBackend`]: Intel SGX under Gramine's `/dev/attestation` pseudo-files.
//! - [`dstack::DstackBackend`]: a Phala dstack CVM through its guest agent's unix socket.

pub mod dstack;
#[cfg(test)]
pub mod fake;
pub mod sgx;
pub mod sim;
pub mod tdx;

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
	/// A DCAP quote whose report data is `report_data`.
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

fn pccs(settings: &Settings) -> Result<crate::pccs::Pccs, TeeError> {
	let url = settings.raw.tee.pccs_url.clone().ok_or_else(|| {
		TeeError::Unavailable(format!("the {} backend needs tee.pccs_url", settings.backend))
	})?;
	Ok(crate::pccs::Pccs::new(url))
}

/// Domain-separated 32-byte key derivation from TEE-provided key material.
pub(crate) fn derive_key(label: &[u8], material: &[u8]) -> Zeroizing<[u8; 32]> {
	Zeroizing::new(aegis_primitives::hashing::hash256(
		b"aegis/worker/sealing-key/v1",
		&[label, material],
	))
}
