//! The runtime natively on the `development` genesis, with a simulated worker enrolled (a
//! dev-TEE quote of the dev worker enclave) and cluster key epoch 1 published: what the
//! runtime targets run against. It is built once per thread; each input runs inside a storage
//! transaction that is rolled back, so inputs never see each other's effects.

use crate::NOW_SECS;
use aegis_primitives::{
	batch::Batch,
	pqc::{self, SignatureSet},
};
use aegis_runtime::{
	genesis_config_presets, AccountId, Runtime, RuntimeOrigin, System, TeeRegistry,
};
use aegis_test_support::WorkerKeys;
use frame_support::storage::{with_transaction, TransactionOutcome};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{BuildStorage, DispatchError};
use std::cell::RefCell;

/// The enrolled worker: its account and signing keys.
pub struct DevWorker {
	/// Its account.
	pub account: AccountId,
	keys: WorkerKeys,
}

impl DevWorker {
	/// Signs `batch` with the suites the policy in force requires (ML-DSA-87 alone at the dev
	/// chain's Normal level).
	pub fn sign(&self, batch: &Batch) -> SignatureSet {
		let suites = pallet_risk_oracle::Pallet::<Runtime>::status().policy.batch_suites;
		self.keys.sign(suites, pqc::context::BATCH, &batch.hash())
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
	let account = who.to_account_id();
	let keys = WorkerKeys::from_seed([who as u8; 32]);
	let quote = aegis_test_support::quote(
		&aegis_test_support::enclave(),
		&TeeRegistry::genesis_hash(),
		&TeeRegistry::account_bytes(&account),
		&keys.public(),
		1,
		0,
	);
	TeeRegistry::register_worker(
		RuntimeOrigin::signed(account.clone()),
		quote.try_into().expect("quote fits"),
		aegis_test_support::collateral(NOW_SECS).try_into().expect("collateral fits"),
		Box::new(keys.public()),
		pallet_tee_registry::WorkerRole::Primary,
		1,
	)
	.expect("the dev worker enrols on the dev chain");
	let pk = keys.cluster.public_key().to_bytes();
	let signature = keys.cluster_key_signature(&TeeRegistry::genesis_hash(), 1, &pk);
	TeeRegistry::publish_cluster_key(
		RuntimeOrigin::signed(account.clone()),
		1,
		Box::new(pk),
		signature.try_into().expect("an ML-DSA-87 signature"),
		Default::default(),
	)
	.expect("the cluster key is published");
	DevWorker { account, keys }
}
