//! The runtime natively on the `development` genesis, with a simulated worker enrolled (a
//! dev-TEE quote of the dev worker enclave) and cluster key epoch 1 published: what the
//! runtime targets run against. It is built once per thread; each input runs inside a storage
//! transaction that is rolled back, so inputs never see each other's effects.

use crate::NOW_SECS;
use aegis_attestation::sim::{CollateralParams, SgxEnclave, SimTee};
use aegis_primitives::{
	batch::Batch,
	binding::{cluster_key_message, keys_hash, report_data, EnclaveKeys},
	pqc::{self, SecretKey, SignatureSet, Suite},
};
use aegis_runtime::{
	genesis_config_presets, AccountId, Runtime, RuntimeOrigin, System, TeeRegistry,
};
use frame_support::storage::{with_transaction, TransactionOutcome};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{BuildStorage, DispatchError};
use std::cell::RefCell;

/// The enrolled worker: its account and signing keys.
pub struct DevWorker {
	/// Its account.
	pub account: AccountId,
	ml_dsa: SecretKey,
	slh_dsa: SecretKey,
}

impl DevWorker {
	/// Signs `batch` with the suites the policy in force requires (ML-DSA-87 alone at the dev
	/// chain's Normal level).
	pub fn sign(&self, batch: &Batch) -> SignatureSet {
		let suites = pallet_risk_oracle::Pallet::<Runtime>::status().policy.batch_suites;
		pqc::sign_set(suites, &[&self.ml_dsa, &self.slh_dsa], pqc::context::BATCH, &batch.hash())
			.expect("the dev worker holds both suites")
	}
}

thread_local! {
	static DEV: RefCell<Option<(sp_io::TestExternalities, DevWorker)>> = const { RefCell::new(None) };
}

/// Runs `f` against the dev chain with its worker enrolled, and rolls back what it changed.
pub fn with<R>(f: impl FnOnce(&DevWorker) -> R) -> R {
	DEV.with(|dev| {
		let mut dev = dev.borrow_mut();
		let (ext, worker) = dev.get_or_insert_with(setup);
		ext.execute_with(|| {
			with_transaction(|| TransactionOutcome::Rollback(Ok::<R, DispatchError>(f(worker))))
				.expect("the closure's result is returned as it is")
		})
	})
}

fn setup() -> (sp_io::TestExternalities, DevWorker) {
	let config = genesis_config_presets::development_genesis();
	let mut ext = sp_io::TestExternalities::new(config.build_storage().expect("dev genesis"));
	let worker = ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(NOW_SECS * 1000);
		enrol(Sr25519Keyring::Dave)
	});
	ext.commit_all().expect("setup commits");
	(ext, worker)
}

/// Enrols `who` as the primary worker and publishes cluster key epoch 1.
fn enrol(who: Sr25519Keyring) -> DevWorker {
	let seed = [who as u8; 32];
	let account = who.to_account_id();
	let ml_dsa = SecretKey::from_seed(Suite::MlDsa87, &seed);
	let slh_dsa = SecretKey::from_seed(Suite::SlhDsaSha2_256s, &seed);
	let cluster = aegis_envelope::RecipientKey::derive(&seed, 1);
	let keys = EnclaveKeys {
		hpke: cluster.public_key().to_bytes(),
		ml_dsa: ml_dsa.public_key().try_into().expect("an ML-DSA-87 key"),
		slh_dsa: slh_dsa.public_key().try_into().expect("an SLH-DSA key"),
	};
	let tee = SimTee::dev();
	let report = report_data(
		&TeeRegistry::genesis_hash(),
		&TeeRegistry::account_bytes(&account),
		&keys_hash(&keys),
		1,
	);
	let quote = tee.sgx_quote(&SgxEnclave::dev_worker(), &report);
	let collateral =
		tee.collateral(aegis_attestation::TeeKind::Sgx, &CollateralParams::valid_around(NOW_SECS));
	TeeRegistry::register_worker(
		RuntimeOrigin::signed(account.clone()),
		quote.try_into().expect("quote fits"),
		collateral.try_into().expect("collateral fits"),
		keys,
		pallet_tee_registry::WorkerRole::Primary,
		1,
	)
	.expect("the dev worker enrols on the dev chain");
	let pk = cluster.public_key().to_bytes();
	let message = cluster_key_message(&TeeRegistry::genesis_hash(), 1, &pk);
	let signature = pqc::sign(Suite::MlDsa87, &ml_dsa, pqc::context::CLUSTER_KEY, &message)
		.expect("ML-DSA signs");
	TeeRegistry::publish_cluster_key(
		RuntimeOrigin::signed(account.clone()),
		1,
		pk,
		signature.try_into().expect("an ML-DSA-87 signature"),
	)
	.expect("the cluster key is published");
	DevWorker { account, ml_dsa, slh_dsa }
}
