//! The simulated TEEs of `aegis-attestation`, for the dev worker that development chains
//! allow: an SGX enclave under the simulated Intel DCAP stack (`sim`), an SEV-SNP guest under
//! the dev AMD PKI (`sim-snp`) and a Nitro enclave under the dev Nitro root (`sim-nitro`), each
//! issuing evidence in the real format. Everything is derived from public seeds, so it proves
//! nothing outside a dev chain; production chain specs trust only the vendors' roots and
//! refuse this evidence.

use super::{derive_key, PlatformInfo, Tee, TeeError};
use aegis_attestation::{
	dev,
	sim::{
		nitro::{NitroImage, NitroRequest, SimNitro},
		snp::{SimSnp, SnpGuest},
		CollateralParams, SgxEnclave, SimTee,
	},
	TeeKind,
};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// What the simulated TEE runs.
#[derive(Clone, Debug)]
pub enum SimIdentity {
	/// An SGX enclave on the simulated Intel platform.
	Sgx(SgxEnclave),
	/// An SEV-SNP guest on the simulated AMD chip.
	Snp(SnpGuest),
	/// A Nitro enclave image on the simulated NSM.
	Nitro(NitroImage),
}

/// The simulated TEE with one identity.
pub struct SimBackend {
	identity: SimIdentity,
}

fn intel() -> &'static SimTee {
	static TEE: OnceLock<SimTee> = OnceLock::new();
	TEE.get_or_init(SimTee::dev)
}

fn amd() -> &'static SimSnp {
	static SNP: OnceLock<SimSnp> = OnceLock::new();
	SNP.get_or_init(SimSnp::dev)
}

fn aws() -> &'static SimNitro {
	static NSM: OnceLock<SimNitro> = OnceLock::new();
	NSM.get_or_init(SimNitro::dev)
}

/// Unix seconds now.
fn now_secs() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_secs())
		.unwrap_or_default()
}

impl SimBackend {
	/// The dev SGX enclave on the simulated Intel platform: what the `development` and
	/// `local_testnet` presets trust for `sim`.
	pub fn dev() -> Self {
		Self::with_enclave(SgxEnclave::dev_worker())
	}

	/// Another enclave identity on the simulated Intel platform (tests: a measurement the
	/// chain does not allow).
	pub fn with_enclave(enclave: SgxEnclave) -> Self {
		Self { identity: SimIdentity::Sgx(enclave) }
	}

	/// The dev worker VM on the simulated SEV-SNP chip.
	pub fn dev_snp() -> Self {
		Self::with(SimIdentity::Snp(SnpGuest {
			measurement: dev::WORKER_SNP_MEASUREMENT,
			..Default::default()
		}))
	}

	/// The dev worker enclave image on the simulated NSM.
	pub fn dev_nitro() -> Self {
		let [pcr0, pcr1, pcr2, pcr8] = dev::WORKER_NITRO_PCRS;
		Self::with(SimIdentity::Nitro(NitroImage { pcr0, pcr1, pcr2, pcr8, debug: false }))
	}

	/// Any identity.
	pub fn with(identity: SimIdentity) -> Self {
		Self { identity }
	}

	/// The kind of evidence it issues.
	pub fn kind(&self) -> TeeKind {
		match self.identity {
			SimIdentity::Sgx(_) => TeeKind::Sgx,
			SimIdentity::Snp(_) => TeeKind::SevSnp,
			SimIdentity::Nitro(_) => TeeKind::Nitro,
		}
	}
}

impl Tee for SimBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		Ok(match &self.identity {
			SimIdentity::Sgx(enclave) => intel().sgx_quote(enclave, report_data),
			SimIdentity::Snp(guest) => amd().report(guest, report_data),
			SimIdentity::Nitro(image) => {
				let request =
					NitroRequest { user_data: Some(report_data.to_vec()), ..Default::default() };
				// Issued a minute back, so a chain whose block time trails the wall clock a
				// little still finds the signer's certificate valid.
				aws().document(image, &request, now_secs().saturating_sub(60))
			}
		})
	}

	fn collateral(&self, _quote: &[u8], now_secs: u64) -> Result<Vec<u8>, TeeError> {
		Ok(match self.identity {
			SimIdentity::Sgx(_) => {
				intel().collateral(TeeKind::Sgx, &CollateralParams::valid_around(now_secs))
			}
			SimIdentity::Snp(_) => amd().collateral(),
			SimIdentity::Nitro(_) => Vec::new(),
		})
	}

	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		// Bound to the identity, as a hardware sealing key is; not secret.
		let mut material = dev::SIM_SEED.to_vec();
		match &self.identity {
			SimIdentity::Sgx(e) => {
				material.extend_from_slice(&e.mr_enclave);
				material.extend_from_slice(&e.mr_signer);
				Ok(derive_key(b"sim", &material))
			}
			SimIdentity::Snp(g) => {
				material.extend_from_slice(&g.measurement);
				Ok(derive_key(b"sim-snp", &material))
			}
			SimIdentity::Nitro(i) => {
				material.extend_from_slice(&i.pcr0);
				Ok(derive_key(b"sim-nitro", &material))
			}
		}
	}

	fn platform(&self) -> Result<PlatformInfo, TeeError> {
		Ok(match &self.identity {
			SimIdentity::Sgx(e) => PlatformInfo {
				backend: "sim".into(),
				tee: "sgx".into(),
				details: serde_json::json!({
					"simulated": true,
					"fmspc": hex::encode(intel().platform().fmspc),
					"mr_enclave": hex::encode(e.mr_enclave),
					"mr_signer": hex::encode(e.mr_signer),
					"isv_prod_id": e.isv_prod_id,
					"isv_svn": e.isv_svn,
				}),
			},
			SimIdentity::Snp(g) => PlatformInfo {
				backend: "sim-snp".into(),
				tee: "sev-snp".into(),
				details: serde_json::json!({
					"simulated": true,
					"product": amd().platform().product.name(),
					"measurement": hex::encode(g.measurement),
					"report_version": g.report_version,
				}),
			},
			SimIdentity::Nitro(i) => PlatformInfo {
				backend: "sim-nitro".into(),
				tee: "nitro".into(),
				details: serde_json::json!({
					"simulated": true,
					"pcr0": hex::encode(i.pcr0),
				}),
			},
		})
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
	use super::*;

	#[test]
	fn dev_evidence_of_every_kind_verifies_under_the_dev_roots_with_the_report_data() {
		let now = now_secs();
		for (tee, root) in [
			(SimBackend::dev(), dev::SIM_ROOT_CA_DER),
			(SimBackend::dev_snp(), dev::SNP_ARK_DER),
			(SimBackend::dev_nitro(), dev::NITRO_ROOT_DER),
		] {
			let report = [7u8; 64];
			let quote = tee.quote(&report).unwrap();
			let collateral = tee.collateral(&quote, now).unwrap();
			let kind = aegis_attestation::evidence_kind(&quote).unwrap();
			assert_eq!(kind, tee.kind());
			let verified = aegis_attestation::verify_evidence(
				kind,
				&quote,
				&collateral,
				&[root.to_vec()],
				now,
			)
			.unwrap();
			assert_eq!(verified.report_data, report);
			let expected = match kind {
				TeeKind::Sgx => dev::worker_measurement(),
				TeeKind::SevSnp => dev::worker_snp_measurement(),
				_ => dev::worker_nitro_measurement(),
			};
			assert_eq!(verified.measurement, expected);
		}
	}

	#[test]
	fn the_sealing_key_depends_on_the_identity() {
		let keys: Vec<[u8; 32]> =
			[SimBackend::dev(), SimBackend::dev_snp(), SimBackend::dev_nitro()]
				.iter()
				.map(|t| *t.sealing_key().unwrap())
				.collect();
		assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
		assert_eq!(keys[0], *SimBackend::dev().sealing_key().unwrap());
		let mut other = SgxEnclave::dev_worker();
		other.mr_enclave[0] ^= 1;
		assert_ne!(keys[0], *SimBackend::with_enclave(other).sealing_key().unwrap());
	}
}
