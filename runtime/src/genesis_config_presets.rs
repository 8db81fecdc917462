//! Genesis presets: `development` (one validator, Alice sudo and risk feeder, dev accounts
//! funded), `local_testnet` (Alice and Bob validators) and `production` (Intel's root only, no
//! simulated measurement, no funded dev accounts).

use crate::{AccountId, BalancesConfig, RuntimeGenesisConfig, SudoConfig};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Name of the production-shaped preset.
pub const PRODUCTION_PRESET: &str = "production";

/// Each funded dev account starts with this much.
pub const DEV_ENDOWMENT: u128 = 1u128 << 60;

fn genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
	feeders: Vec<AccountId>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|k| (k, DEV_ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		risk_oracle: pallet_risk_oracle::GenesisConfig { feeders, initial_score: 1_000 },
	})
}

fn keys(aura: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(aura.public().into(), grandpa.public().into())
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// One validator (Alice), Alice sudo and risk feeder, the dev accounts funded.
pub fn development_config_genesis() -> Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	genesis(vec![keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)], dev_accounts(), alice.clone(), vec![alice])
}

/// Alice and Bob validate; otherwise as `development`.
pub fn local_config_genesis() -> Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	genesis(
		vec![keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice), keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob)],
		dev_accounts(),
		alice.clone(),
		vec![alice],
	)
}

/// The preset `id`, if it exists.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
