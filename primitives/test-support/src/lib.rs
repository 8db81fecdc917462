//! What the QuantumAegis test runtimes share, so that each mock, test and harness enrols and
//! drives workers the same way, with the same real material:
//!
//! - [`WorkerKeys`]: a simulated TEE worker's post-quantum keys (ML-DSA-87, SLH-DSA-SHA2-256s)
//!   and its X-Wing cluster key, derived from a seed; its public [`EnclaveKeys`], signatures,
//!   the cluster-key publication signature, and opening envelopes as the enclave does.
//! - The dev simulated TEE ([`tee`], whose root dev chains trust), the dev worker enclave
//!   ([`enclave`]), its quotes binding a worker to a chain ([`quote`]) and the platform's
//!   collateral ([`collateral`], [`collateral_documents`]).
//! - [`impl_authorized_transactions!`]: what a mock runtime whose pallet submits authorized
//!   transactions from its off-chain worker must implement.
//!
//! Used by the pallets' `mock.rs`, the runtime's integration tests, the fuzz harnesses, and the
//! benchmarking node's host functions. Never part of a runtime.

use aegis_attestation::{
	sim::{CollateralParams, SgxEnclave, SimPlatform, SimTee},
	CollateralDocuments, Measurement, TeeKind,
};
use aegis_envelope::RecipientKey;
use aegis_primitives::{
	batch::RevealedCall,
	binding::{
		cluster_key_message, keys_hash, report_data, EnclaveKeys, HPKE_XWING_PUBLIC_KEY_LEN,
	},
	pqc::{self, SecretKey, SignatureSet, Suite},
	risk::SuiteSet,
	Hash,
};
use codec::Decode;
use std::sync::OnceLock;

/// The Unix time test chains start at (2027-01-15): collateral is valid around it.
pub const NOW_SECS: u64 = 1_800_000_000;

/// A simulated worker's secret keys: what its enclave would unseal.
pub struct WorkerKeys {
	/// ML-DSA-87 signing key.
	pub ml_dsa: SecretKey,
	/// SLH-DSA-SHA2-256s signing key.
	pub slh_dsa: SecretKey,
	/// Its X-Wing key, epoch 1 (published as the cluster key by a first worker).
	pub cluster: RecipientKey,
}

impl WorkerKeys {
	/// The keys derived from `seed`.
	pub fn from_seed(seed: [u8; 32]) -> Self {
		Self {
			ml_dsa: SecretKey::from_seed(Suite::MlDsa87, &seed),
			slh_dsa: SecretKey::from_seed(Suite::SlhDsaSha2_256s, &seed),
			cluster: RecipientKey::derive(&seed, 1),
		}
	}

	/// Key set `index` of a family of distinct key sets (the seed is `index`, little-endian,
	/// then `0x77` bytes): one per account in the mocks, one per benchmark worker.
	pub fn indexed(index: u64) -> Self {
		let mut seed = [0x77; 32];
		seed[..8].copy_from_slice(&index.to_le_bytes());
		Self::from_seed(seed)
	}

	/// The public keys a registration binds.
	pub fn public(&self) -> EnclaveKeys {
		EnclaveKeys {
			hpke: self.cluster.public_key().to_bytes(),
			ml_dsa: self.ml_dsa.public_key().try_into().expect("an ML-DSA-87 public key"),
			slh_dsa: self.slh_dsa.public_key().try_into().expect("an SLH-DSA-256s public key"),
		}
	}

	/// Signatures over `message` with `suites` under `context`.
	pub fn sign(&self, suites: SuiteSet, context: &[u8], message: &[u8]) -> SignatureSet {
		pqc::sign_set(suites, &[&self.ml_dsa, &self.slh_dsa], context, message)
			.expect("both suites' keys are held")
	}

	/// The ML-DSA-87 signature publishing `public_key` as cluster key `epoch` of the chain
	/// `genesis_hash`.
	pub fn cluster_key_signature(
		&self,
		genesis_hash: &Hash,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
	) -> Vec<u8> {
		let message = cluster_key_message(genesis_hash, epoch, public_key);
		pqc::sign(Suite::MlDsa87, &self.ml_dsa, pqc::context::CLUSTER_KEY, &message)
			.expect("ML-DSA-87 signs")
	}

	/// The ML-DSA-87 signature confirming `account` holds cluster key `epoch` (public key
	/// `public_key`) of the chain `genesis_hash`.
	pub fn cluster_confirm_signature(
		&self,
		genesis_hash: &Hash,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
		account: &[u8; 32],
	) -> Vec<u8> {
		let message = aegis_primitives::binding::cluster_confirm_message(
			genesis_hash,
			epoch,
			public_key,
			account,
		);
		pqc::sign(Suite::MlDsa87, &self.ml_dsa, pqc::context::CLUSTER_KEY_CONFIRM, &message)
			.expect("ML-DSA-87 signs")
	}

	/// Opens `envelope`, sealed by `account` on the chain `genesis_hash` to this worker's
	/// X-Wing key, as the enclave does: the revealed call, or `None` if it does not open or
	/// decode.
	pub fn open(
		&self,
		genesis_hash: &Hash,
		account: &[u8],
		envelope: &[u8],
	) -> Option<RevealedCall> {
		open(&self.cluster, genesis_hash, account, envelope)
	}
}

/// Opens `envelope`, sealed by `account` on the chain `genesis_hash` to `key`, as an enclave
/// holding `key` does: the revealed call, or `None` if it does not open or decode.
pub fn open(
	key: &RecipientKey,
	genesis_hash: &Hash,
	account: &[u8],
	envelope: &[u8],
) -> Option<RevealedCall> {
	let plain = aegis_envelope::open(key, genesis_hash, account, envelope).ok()?;
	RevealedCall::decode(&mut &plain[..]).ok()
}

/// The dev simulated TEE ([`aegis_attestation::dev::SIM_SEED`]), built once.
pub fn tee() -> &'static SimTee {
	static TEE: OnceLock<SimTee> = OnceLock::new();
	TEE.get_or_init(SimTee::dev)
}

/// The dev worker enclave, whose measurement dev chains allow.
pub fn enclave() -> SgxEnclave {
	SgxEnclave::dev_worker()
}

/// Its measurement.
pub fn measurement() -> Measurement {
	enclave().measurement()
}

/// `count` simulated root CA certificates (DER): other TEEs' first, the dev TEE's last (the
/// worst case for a verifier trying each in turn).
pub fn roots(count: u32) -> Vec<Vec<u8>> {
	let mut roots: Vec<Vec<u8>> =
		(1..count).map(|i| SimTee::new([i as u8; 32], SimPlatform::default()).root_der()).collect();
	roots.push(tee().root_der());
	roots
}

/// A dev-TEE quote of `enclave` binding `keys`, `account` and `nonce` to the chain
/// `genesis_hash`, `quote_padding` bytes longer than the shortest
/// ([`SimTee::sgx_quote_padded`]).
pub fn quote(
	enclave: &SgxEnclave,
	genesis_hash: &Hash,
	account: &[u8; 32],
	keys: &EnclaveKeys,
	nonce: u64,
	quote_padding: u32,
) -> Vec<u8> {
	let binding = report_data(genesis_hash, account, &keys_hash(keys), nonce);
	quote_of_report(enclave, &binding, quote_padding)
}

/// A dev-TEE quote of `enclave` carrying `report_data`, `quote_padding` bytes longer than the
/// shortest ([`SimTee::sgx_quote_padded`]).
pub fn quote_of_report(
	enclave: &SgxEnclave,
	report_data: &[u8; 64],
	quote_padding: u32,
) -> Vec<u8> {
	tee().sgx_quote_padded(enclave, report_data, quote_padding as usize)
}

/// The dev SEV-SNP platform ([`aegis_attestation::sim::snp::SimSnp::dev`]), built once.
pub fn snp() -> &'static aegis_attestation::sim::snp::SimSnp {
	static SNP: OnceLock<aegis_attestation::sim::snp::SimSnp> = OnceLock::new();
	SNP.get_or_init(aegis_attestation::sim::snp::SimSnp::dev)
}

/// The dev Nitro Secure Module ([`aegis_attestation::sim::nitro::SimNitro::dev`]), built once.
pub fn nitro() -> &'static aegis_attestation::sim::nitro::SimNitro {
	static NSM: OnceLock<aegis_attestation::sim::nitro::SimNitro> = OnceLock::new();
	NSM.get_or_init(aegis_attestation::sim::nitro::SimNitro::dev)
}

/// A dev SEV-SNP report of the dev worker VM carrying `report_data`, and its collateral (the
/// VCEK with the dev ASK and ARK).
pub fn snp_evidence(report_data: &[u8; 64]) -> (Vec<u8>, Vec<u8>) {
	let guest = aegis_attestation::sim::snp::SnpGuest {
		measurement: aegis_attestation::dev::WORKER_SNP_MEASUREMENT,
		..Default::default()
	};
	(snp().report(&guest, report_data), snp().collateral())
}

/// A dev Nitro attestation document of the dev worker enclave image carrying `report_data`
/// as `user_data`, issued at `now_secs`.
pub fn nitro_evidence(report_data: &[u8; 64], now_secs: u64) -> Vec<u8> {
	use aegis_attestation::sim::nitro::{NitroImage, NitroRequest};
	let [pcr0, pcr1, pcr2, pcr8] = aegis_attestation::dev::WORKER_NITRO_PCRS;
	let image = NitroImage { pcr0, pcr1, pcr2, pcr8, debug: false };
	let request = NitroRequest { user_data: Some(report_data.to_vec()), ..Default::default() };
	nitro().document(&image, &request, now_secs)
}

/// Dev evidence of an SEV-SNP or Nitro worker (`kind`) carrying `report_data`, issued at
/// `now_secs`: the evidence, its collateral, the measurement it reports and the dev root it
/// verifies under.
pub fn dev_evidence(
	kind: TeeKind,
	report_data: &[u8; 64],
	now_secs: u64,
) -> (Vec<u8>, Vec<u8>, Measurement, Vec<u8>) {
	use aegis_attestation::dev;
	match kind {
		TeeKind::SevSnp => {
			let (report, collateral) = snp_evidence(report_data);
			(report, collateral, dev::worker_snp_measurement(), dev::SNP_ARK_DER.to_vec())
		}
		_ => (
			nitro_evidence(report_data, now_secs),
			Vec::new(),
			dev::worker_nitro_measurement(),
			dev::NITRO_ROOT_DER.to_vec(),
		),
	}
}

/// The dev platform's up-to-date SGX collateral (`QuoteCollateralV3` JSON), valid around
/// `now_secs`.
pub fn collateral(now_secs: u64) -> Vec<u8> {
	tee().collateral(TeeKind::Sgx, &CollateralParams::valid_around(now_secs))
}

/// The dev platform's SGX collateral documents with `params`.
pub fn collateral_documents(params: &CollateralParams) -> CollateralDocuments {
	let t = tee();
	let (tcb, qe) = (t.tcb_info(TeeKind::Sgx, params), t.qe_identity(TeeKind::Sgx, params));
	let tcb_signature = t.sign_collateral(&tcb);
	let qe_signature = t.sign_collateral(&qe);
	(
		tcb.into_bytes(),
		tcb_signature,
		qe.into_bytes(),
		qe_signature,
		t.tcb_issuer_chain().into_bytes(),
		t.root_ca_crl(params),
	)
}

/// Implements what a pallet submitting authorized transactions from its off-chain worker needs
/// of a mock runtime `$runtime` (whose `RuntimeCall` is in scope): `TxExtension` (just
/// `frame_system::AuthorizeCall`), `Extrinsic` (`sp_runtime::testing::TestXt`), and
/// `CreateTransactionBase`, `CreateTransaction` and `CreateAuthorizedTransaction`.
#[macro_export]
macro_rules! impl_authorized_transactions {
	($runtime:ident) => {
		/// Transactions as an off-chain worker builds them: authorized by `AuthorizeCall`.
		pub type TxExtension = (frame_system::AuthorizeCall<$runtime>,);
		/// The mock's extrinsic.
		pub type Extrinsic = sp_runtime::testing::TestXt<RuntimeCall, TxExtension>;

		impl<C> frame_system::offchain::CreateTransactionBase<C> for $runtime
		where
			RuntimeCall: From<C>,
		{
			type Extrinsic = Extrinsic;
			type RuntimeCall = RuntimeCall;
		}

		impl<C> frame_system::offchain::CreateTransaction<C> for $runtime
		where
			RuntimeCall: From<C>,
		{
			type Extension = TxExtension;
			fn create_transaction(call: RuntimeCall, extension: TxExtension) -> Extrinsic {
				Extrinsic::new_transaction(call, extension)
			}
		}

		impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for $runtime
		where
			RuntimeCall: From<C>,
		{
			fn create_extension() -> TxExtension {
				(frame_system::AuthorizeCall::<$runtime>::new(),)
			}
		}
	};
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
	use super::*;

	#[test]
	fn quotes_bind_the_worker_and_verify_under_the_dev_root() {
		let keys = WorkerKeys::indexed(3).public();
		let q = quote(&enclave(), &[1; 32], &[2; 32], &keys, 7, 0);
		let v = aegis_attestation::verify_quote(&q, &collateral(NOW_SECS), &roots(2)[1], NOW_SECS)
			.expect("verifies");
		assert_eq!(v.report_data, report_data(&[1; 32], &[2; 32], &keys_hash(&keys), 7));
		assert_eq!(v.measurement, measurement());
		assert_eq!(roots(2)[1], aegis_attestation::dev::SIM_ROOT_CA_DER);
		let longer = quote(&enclave(), &[1; 32], &[2; 32], &keys, 7, 1_000);
		assert_eq!(longer.len(), q.len() + 1_000);
	}

	#[test]
	fn key_sets_are_distinct_and_sign_verifiably() {
		let (a, b) = (WorkerKeys::indexed(1), WorkerKeys::indexed(2));
		assert_ne!(a.public(), b.public());
		let keys = a.public();
		let sigs = a.sign(SuiteSet::ML_DSA, b"ctx", b"message");
		let public = |suite| match suite {
			Suite::MlDsa87 => keys.ml_dsa.as_slice(),
			Suite::SlhDsaSha2_256s => &keys.slh_dsa[..],
		};
		assert_eq!(
			pqc::verify_set(SuiteSet::ML_DSA, public, b"ctx", b"message", &sigs),
			Ok(SuiteSet::ML_DSA)
		);
		assert!(pqc::verify_set(SuiteSet::ML_DSA, public, b"ctx", b"other", &sigs).is_err());
	}
}
