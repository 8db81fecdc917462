//! The simulated TEE: quotes from `aegis-attestation`'s simulated Intel DCAP stack (a dev root
//! CA, PCK chain and quoting enclave), for the dev worker enclave that development chains
//! allow. Everything is derived from public seeds, so it proves nothing outside a dev chain;
//! production chain specs trust only Intel's root and refuse these quotes.

use super::{derive_key, PlatformInfo, Tee, TeeError};
use aegis_attestation::{
	sim::{CollateralParams, SgxEnclave, SimTee},
	TeeKind,
};
use zeroize::Zeroizing;

/// The simulated TEE with one enclave identity.
pub struct SimBackend {
	tee: SimTee,
	enclave: SgxEnclave,
}

impl SimBackend {
	/// The dev TEE running the dev worker enclave: what the `development` and `local_testnet`
	/// presets trust.
	pub fn dev() -> Self {
		Self { tee: SimTee::dev(), enclave: SgxEnclave::dev_worker() }
	}

	/// Another enclave identity on the dev TEE (tests: a measurement the chain does not allow).
	pub fn with_enclave(enclave: SgxEnclave) -> Self {
		Self { tee: SimTee::dev(), enclave }
	}
}

impl Tee for SimBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		Ok(self.tee.sgx_quote(&self.enclave, report_data))
	}

	fn collateral(&self, _quote: &[u8], now_secs: u64) -> Result<Vec<u8>, TeeError> {
		Ok(self.tee.collateral(TeeKind::Sgx, &CollateralParams::valid_around(now_secs)))
	}

	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		// Bound to the enclave identity like SGX's MRENCLAVE sealing key; not secret.
		let mut material = Vec::with_capacity(96);
		material.extend_from_slice(&aegis_attestation::dev::SIM_SEED);
		material.extend_from_slice(&self.enclave.mr_enclave);
		material.extend_from_slice(&self.enclave.mr_signer);
		Ok(derive_key(b"sim", &material))
	}

	fn platform(&self) -> Result<PlatformInfo, TeeError> {
		Ok(PlatformInfo {
			backend: "sim".into(),
			tee: "sgx".into(),
			details: serde_json::json!({
				"simulated": true,
				"fmspc": hex::encode(self.tee.platform().fmspc),
				"mr_enclave": hex::encode(self.enclave.mr_enclave),
				"mr_signer": hex::encode(self.enclave.mr_signer),
				"isv_prod_id": self.enclave.isv_prod_id,
				"isv_svn": self.enclave.isv_svn,
			}),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dev_quotes_verify_against_the_dev_root_with_the_report_data() {
		let tee = SimBackend::dev();
		let report = [7u8; 64];
		let quote = tee.quote(&report).unwrap();
		let now = 1_800_000_000;
		let collateral = tee.collateral(&quote, now).unwrap();
		let verified = aegis_attestation::verify_quote(
			&quote,
			&collateral,
			aegis_attestation::dev::SIM_ROOT_CA_DER,
			now,
		)
		.unwrap();
		assert_eq!(verified.report_data, report);
		assert_eq!(verified.measurement, aegis_attestation::dev::worker_measurement());
	}

	#[test]
	fn the_sealing_key_depends_on_the_enclave() {
		let dev = SimBackend::dev().sealing_key().unwrap();
		assert_eq!(*dev, *SimBackend::dev().sealing_key().unwrap());
		let mut other = SgxEnclave::dev_worker();
		other.mr_enclave[0] ^= 1;
		assert_ne!(*dev, *SimBackend::with_enclave(other).sealing_key().unwrap());
	}
}
