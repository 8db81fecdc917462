//! Benchmark material for the QuantumAegis runtime, made outside the wasm runtime.
//!
//! The runtime's benchmarks of `pallet-tee-registry` and `pallet-sequencer` need what only a
//! TEE worker has: quotes of an enclave (with collateral) and ML-DSA-87 / SLH-DSA-256s
//! signatures over batches the benchmark builds as it runs. The runtime holds no secret keys
//! and never signs, so these host functions make that material natively, for real: quotes and
//! collateral of the shared dev simulated TEE ([`aegis_attestation::dev`]) for the dev worker
//! enclave, and signatures by benchmark key sets derived from a public index. Signatures are
//! cached by what they sign (SLH-DSA-256s signing takes about a second), so repeated runs of a
//! benchmark sign once.
//!
//! Only a node built with `runtime-benchmarks` registers [`HostFunctions`]; a runtime that
//! calls them anywhere else fails to instantiate on a normal node.

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

extern crate alloc;

use aegis_primitives::{binding::EnclaveKeys, pqc::SignatureSet};
use alloc::vec::Vec;
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndRead},
	runtime_interface,
};

pub use aegis_attestation::CollateralDocuments;

#[cfg(feature = "std")]
mod host {
	use super::*;
	use aegis_attestation::sim::CollateralParams;
	use aegis_primitives::risk::SuiteSet;
	use aegis_test_support::{self as support, WorkerKeys};
	use std::{
		collections::HashMap,
		sync::{Mutex, OnceLock},
	};

	type CacheKey = (u64, u8, Vec<u8>, Vec<u8>);

	pub fn sign(index: u64, suites: u8, context: &[u8], message: &[u8]) -> SignatureSet {
		static CACHE: OnceLock<Mutex<HashMap<CacheKey, SignatureSet>>> = OnceLock::new();
		let cache = CACHE.get_or_init(Default::default);
		let key = (index, suites, context.to_vec(), message.to_vec());
		if let Some(hit) = cache.lock().expect("signature cache").get(&key) {
			return hit.clone();
		}
		let suites = SuiteSet::from_bits(suites).expect("benchmarks ask for known suites");
		let signed = WorkerKeys::indexed(index).sign(suites, context, message);
		cache.lock().expect("signature cache").insert(key, signed.clone());
		signed
	}

	/// `bytes` as 64 bytes of report data (cut or zero-padded).
	pub fn report_data(bytes: &[u8]) -> [u8; 64] {
		let mut rd = [0u8; 64];
		for (to, from) in rd.iter_mut().zip(bytes) {
			*to = *from;
		}
		rd
	}

	pub fn quote(report_data: &[u8], quote_padding: u32) -> Vec<u8> {
		support::quote_of_report(
			&support::enclave(),
			&self::report_data(report_data),
			quote_padding,
		)
	}

	pub fn collateral_update(now_secs: u64) -> CollateralDocuments {
		support::collateral_documents(&CollateralParams::valid_around(now_secs))
	}
}

/// Benchmark material, made by the node.
#[runtime_interface]
pub trait AegisBenchmarking {
	/// Public keys of benchmark key set `index` ([`aegis_test_support::WorkerKeys::indexed`]).
	fn key_set(index: u64) -> AllocateAndReturnByCodec<EnclaveKeys> {
		aegis_test_support::WorkerKeys::indexed(index).public()
	}

	/// Key set `index`'s signatures over `message` with the suites `suites` (a `SuiteSet`'s
	/// bits) under `context`.
	fn sign(
		index: u64,
		suites: u8,
		context: PassFatPointerAndRead<&[u8]>,
		message: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<SignatureSet> {
		host::sign(index, suites, context, message)
	}

	/// `count` simulated root CAs (DER): other seeds' first, the dev TEE's last.
	fn sim_roots(count: u32) -> AllocateAndReturnByCodec<Vec<Vec<u8>>> {
		aegis_test_support::roots(count)
	}

	/// A dev-TEE SGX quote of the dev worker enclave carrying `report_data` (64 bytes),
	/// `padding` bytes longer than the shortest (a longer PCK certificate chain).
	fn sim_quote(
		report_data: PassFatPointerAndRead<&[u8]>,
		padding: u32,
	) -> AllocateAndReturnByCodec<Vec<u8>> {
		host::quote(report_data, padding)
	}

	/// The dev TEE's up-to-date collateral, valid around `now_secs`.
	fn sim_collateral(now_secs: u64) -> AllocateAndReturnByCodec<Vec<u8>> {
		aegis_test_support::collateral(now_secs)
	}

	/// A dev SEV-SNP report of the dev worker VM carrying `report_data` (64 bytes), and its
	/// collateral (VCEK, dev ASK and ARK).
	fn sim_snp_evidence(
		report_data: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<(Vec<u8>, Vec<u8>)> {
		aegis_test_support::snp_evidence(&host::report_data(report_data))
	}

	/// A dev Nitro attestation document of the dev worker image carrying `report_data` (64
	/// bytes) as `user_data`, issued at `now_secs`.
	fn sim_nitro_evidence(
		report_data: PassFatPointerAndRead<&[u8]>,
		now_secs: u64,
	) -> AllocateAndReturnByCodec<Vec<u8>> {
		aegis_test_support::nitro_evidence(&host::report_data(report_data), now_secs)
	}

	/// The dev platform's collateral documents as a PCCS serves them, valid around `now_secs`.
	fn sim_collateral_update(now_secs: u64) -> AllocateAndReturnByCodec<CollateralDocuments> {
		host::collateral_update(now_secs)
	}
}

/// The host functions a benchmarking node registers.
#[cfg(feature = "std")]
pub type HostFunctions = (aegis_benchmarking::HostFunctions,);

#[cfg(test)]
mod tests {
	use super::*;
	use aegis_primitives::{pqc, risk::SuiteSet};

	#[test]
	fn signatures_verify_under_the_key_set_and_repeat_from_the_cache() {
		let keys = aegis_benchmarking::key_set(3);
		let sigs = aegis_benchmarking::sign(3, SuiteSet::BOTH.bits(), b"ctx", b"message");
		let public = |suite| match suite {
			pqc::Suite::MlDsa87 => keys.ml_dsa.as_slice(),
			pqc::Suite::SlhDsaSha2_256s => &keys.slh_dsa[..],
		};
		assert_eq!(
			pqc::verify_set(SuiteSet::BOTH, public, b"ctx", b"message", &sigs),
			Ok(SuiteSet::BOTH)
		);
		assert!(pqc::verify_set(SuiteSet::BOTH, public, b"ctx", b"other", &sigs).is_err());
		assert_eq!(aegis_benchmarking::sign(3, SuiteSet::BOTH.bits(), b"ctx", b"message"), sigs);
	}

	#[test]
	fn quotes_verify_under_the_dev_root() {
		let quote = aegis_benchmarking::sim_quote(&[7; 64], 0);
		let collateral = aegis_benchmarking::sim_collateral(1_800_000_000);
		let roots = aegis_benchmarking::sim_roots(3);
		assert_eq!(roots.len(), 3);
		assert_eq!(roots[2], aegis_attestation::dev::SIM_ROOT_CA_DER);
		let verified =
			aegis_attestation::verify_quote(&quote, &collateral, &roots[2], 1_800_000_000).unwrap();
		assert_eq!(verified.report_data, [7; 64]);
		assert_eq!(verified.measurement, aegis_attestation::dev::worker_measurement());
		let long = aegis_benchmarking::sim_quote(&[7; 64], 4_096);
		assert_eq!(long.len(), quote.len() + 4_096);
		let verified =
			aegis_attestation::verify_quote(&long, &collateral, &roots[2], 1_800_000_000).unwrap();
		assert_eq!(verified.report_data, [7; 64]);
	}
}
