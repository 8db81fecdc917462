//! The runtime's benchmarks (`aegis-node benchmark pallet`, built with `runtime-benchmarks`),
//! and the material they need from outside the wasm runtime.
//!
//! The registry and sequencer benchmarks need quotes of an enclave and post-quantum signatures
//! over batches built as they run. The runtime never signs, so the helpers below get them from
//! `aegis-benchmarking`'s host functions, which a benchmarking node registers: quotes and
//! collateral of the shared dev simulated TEE for the dev worker enclave, and signatures of
//! benchmark key sets derived from each worker's account.

use crate::{
	AccountId, Assets, Balances, RiskOracle, Runtime, RuntimeCall, RuntimeOrigin, TeeRegistry,
};
use aegis_benchmarking::aegis_benchmarking as host;
use aegis_primitives::{
	batch::AssetId,
	binding::{
		cluster_confirm_message, cluster_key_message, keys_hash, report_data,
		HPKE_XWING_PUBLIC_KEY_LEN,
	},
	pqc::{self, SignatureSet, Suite},
	risk::SuiteSet,
};
use alloc::{boxed::Box, vec::Vec};
use frame_support::{assert_ok, traits::fungible::Mutate};
use pallet_tee_registry::{offchain::CollateralUpdate, RedundancyConfig, Registration, WorkerRole};

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_assets, Assets]
	[pallet_risk_oracle, RiskOracle]
	[pallet_tee_registry, TeeRegistry]
	[pallet_sequencer, Sequencer]
);

/// The Unix time benchmark registrations verify at.
const NOW_SECS: u64 = 1_800_000_000;

/// The benchmark key set of `who`: the first eight bytes of its account.
fn key_index(who: &AccountId) -> u64 {
	let bytes: &[u8; 32] = who.as_ref();
	let mut index = [0u8; 8];
	index.copy_from_slice(&bytes[..8]);
	u64::from_le_bytes(index)
}

fn set_time(unix_secs: u64) {
	pallet_timestamp::Now::<Runtime>::put(unix_secs * 1000);
}

/// Key set `index`'s ML-DSA-87 signature over `message` under `context`.
fn ml_dsa_signature(index: u64, context: &[u8], message: &[u8]) -> Vec<u8> {
	host::sign(index, SuiteSet::ML_DSA.bits(), context, message)
		.into_iter()
		.find(|s| s.suite == Suite::MlDsa87)
		.map(|s| s.bytes.into_inner())
		.unwrap_or_default()
}

/// A registration of `who` with key set `index`: a dev-TEE quote of the dev worker enclave
/// binding the keys, `who` and `nonce` to this chain.
fn registration(who: &AccountId, index: u64, nonce: u64, quote_padding: u32) -> Registration {
	let keys = host::key_set(index);
	let report = report_data(
		&TeeRegistry::genesis_hash(),
		&TeeRegistry::account_bytes(who),
		&keys_hash(&keys),
		nonce,
	);
	Registration {
		quote: host::sim_quote(&report, quote_padding),
		collateral: host::sim_collateral(NOW_SECS),
		keys,
		measurement: aegis_attestation::dev::worker_measurement(),
		now_secs: NOW_SECS,
	}
}

/// The registry's benchmark material: the dev simulated TEE.
pub struct RegistryBenchmarks;

impl pallet_tee_registry::BenchmarkHelper<Runtime> for RegistryBenchmarks {
	fn trusted_roots(count: u32) -> Vec<Vec<u8>> {
		host::sim_roots(count)
	}

	fn set_time(unix_secs: u64) {
		set_time(unix_secs)
	}

	fn registration(who: &AccountId, index: u64, nonce: u64, quote_padding: u32) -> Registration {
		registration(who, index, nonce, quote_padding)
	}

	fn registration_of(
		kind: aegis_attestation::TeeKind,
		who: &AccountId,
		index: u64,
		nonce: u64,
	) -> (Registration, Vec<u8>) {
		use aegis_attestation::dev;
		let keys = host::key_set(index);
		let report = report_data(
			&TeeRegistry::genesis_hash(),
			&TeeRegistry::account_bytes(who),
			&keys_hash(&keys),
			nonce,
		);
		let (quote, collateral, measurement, root) = match kind {
			aegis_attestation::TeeKind::SevSnp => {
				let (report, collateral) = host::sim_snp_evidence(&report);
				(report, collateral, dev::worker_snp_measurement(), dev::SNP_ARK_DER)
			}
			_ => {
				let doc = host::sim_nitro_evidence(&report, NOW_SECS);
				(doc, Vec::new(), dev::worker_nitro_measurement(), dev::NITRO_ROOT_DER)
			}
		};
		(Registration { quote, collateral, keys, measurement, now_secs: NOW_SECS }, root.to_vec())
	}

	fn sign_cluster_key(
		index: u64,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
	) -> Vec<u8> {
		let message = cluster_key_message(&TeeRegistry::genesis_hash(), epoch, public_key);
		ml_dsa_signature(index, pqc::context::CLUSTER_KEY, &message)
	}

	fn sign_cluster_confirm(
		index: u64,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
		who: &AccountId,
	) -> Vec<u8> {
		let message = cluster_confirm_message(
			&TeeRegistry::genesis_hash(),
			epoch,
			public_key,
			&TeeRegistry::account_bytes(who),
		);
		ml_dsa_signature(index, pqc::context::CLUSTER_KEY_CONFIRM, &message)
	}

	fn collateral_update() -> (CollateralUpdate, aegis_attestation::TeeKind, [u8; 6], u64) {
		let update = CollateralUpdate::from_documents(host::sim_collateral_update(NOW_SECS))
			.expect("the dev platform's documents fit the pallet's bounds");
		let fmspc = aegis_attestation::dev::SIM_FMSPC;
		(update, aegis_attestation::TeeKind::Sgx, fmspc, NOW_SECS)
	}
}

/// The sequencer's benchmark material: workers registered from dev-TEE quotes, signing with
/// key sets derived from their accounts.
pub struct SequencerBenchmarks;

impl pallet_sequencer::BenchmarkHelper<Runtime> for SequencerBenchmarks {
	fn activate_worker(who: &AccountId, role: WorkerRole) {
		set_time(NOW_SECS);
		// Benchmarks run on whatever genesis the spec has: trust the dev TEE explicitly.
		let r = registration(who, key_index(who), 1, 0);
		pallet_tee_registry::Measurements::<Runtime>::insert(&r.measurement, 0);
		pallet_tee_registry::TrustedRoots::<Runtime>::mutate(
			aegis_attestation::TeeKind::Sgx,
			|roots| {
				let dev = aegis_attestation::dev::SIM_ROOT_CA_DER.to_vec();
				if let Ok(dev) = dev.try_into() {
					if !roots.contains(&dev) {
						let _ = roots.try_push(dev);
					}
				}
			},
		);
		assert_ok!(TeeRegistry::register_worker(
			RuntimeOrigin::signed(who.clone()),
			r.quote.try_into().unwrap_or_default(),
			r.collateral.try_into().unwrap_or_default(),
			Box::new(r.keys),
			role,
			1,
		));
	}

	fn publish_cluster_key(who: &AccountId) -> u32 {
		let epoch = TeeRegistry::next_epoch();
		let public_key = [0xc1; HPKE_XWING_PUBLIC_KEY_LEN];
		let message = cluster_key_message(&TeeRegistry::genesis_hash(), epoch, &public_key);
		let signature = ml_dsa_signature(key_index(who), pqc::context::CLUSTER_KEY, &message);
		assert_ok!(TeeRegistry::publish_cluster_key(
			RuntimeOrigin::signed(who.clone()),
			epoch,
			Box::new(public_key),
			signature.try_into().unwrap_or_default(),
			Default::default(),
		));
		epoch
	}

	fn sign(who: &AccountId, suites: SuiteSet, context: &[u8], hash: &[u8; 32]) -> SignatureSet {
		host::sign(key_index(who), suites.bits(), context, hash)
	}

	fn set_redundancy(min_cosigners: u8) {
		assert_ok!(TeeRegistry::set_redundancy(
			RuntimeOrigin::root(),
			RedundancyConfig { enabled: min_cosigners > 0, min_cosigners },
		));
	}

	fn set_emergency() {
		assert_ok!(RiskOracle::force_score(RuntimeOrigin::root(), 9_500));
	}

	fn make_asset_owner(who: &AccountId, id: AssetId) {
		let _ = Balances::mint_into(who, 1_000 * crate::UNIT);
		assert_ok!(Assets::create(
			RuntimeOrigin::signed(who.clone()),
			id.into(),
			who.clone().into(),
			1
		));
	}

	fn asset_transfer(id: AssetId) -> RuntimeCall {
		RuntimeCall::Assets(pallet_assets::Call::transfer {
			id: id.into(),
			target: AccountId::new([0; 32]).into(),
			amount: 1,
		})
	}
}
