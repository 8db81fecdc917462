//! What the runtime's integration tests share: the development chain and an enrolled simulated
//! worker.
#![allow(dead_code, clippy::indexing_slicing)]

use aegis_attestation::sim::SgxEnclave;
use aegis_primitives::binding::EnclaveKeys;
use aegis_runtime::{
	genesis_config_presets, AccountId, Runtime, RuntimeOrigin, System, TeeRegistry,
};
use pallet_tee_registry::WorkerRole;
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

use aegis_test_support::{WorkerKeys, NOW_SECS};

/// Externalities at block 1 of the `development` preset's genesis.
pub fn dev_chain() -> sp_io::TestExternalities {
	let config = genesis_config_presets::development_genesis();
	let mut ext = sp_io::TestExternalities::new(config.build_storage().unwrap());
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(NOW_SECS * 1000);
	});
	ext
}

pub fn account(k: Sr25519Keyring) -> AccountId {
	k.to_account_id()
}

/// A simulated worker: the dev TEE, the dev worker enclave, real post-quantum keys.
pub struct Worker {
	pub account: AccountId,
	pub keys: WorkerKeys,
}

impl Worker {
	pub fn new(k: Sr25519Keyring) -> Self {
		Self { account: account(k), keys: WorkerKeys::from_seed([k as u8; 32]) }
	}

	pub fn keys(&self) -> EnclaveKeys {
		self.keys.public()
	}

	/// Enrols with a dev-TEE quote of `enclave` binding its keys to this chain.
	pub fn register_as(&self, enclave: &SgxEnclave) -> sp_runtime::DispatchResult {
		let quote = aegis_test_support::quote(
			enclave,
			&TeeRegistry::genesis_hash(),
			&TeeRegistry::account_bytes(&self.account),
			&self.keys(),
			1,
			0,
		);
		TeeRegistry::register_worker(
			RuntimeOrigin::signed(self.account.clone()),
			quote.try_into().unwrap(),
			aegis_test_support::collateral(NOW_SECS).try_into().unwrap(),
			Box::new(self.keys()),
			WorkerRole::Primary,
			1,
		)
	}
}
