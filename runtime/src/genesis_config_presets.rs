//! Genesis presets: `development` (one validator, Alice sudo and risk feeder, dev accounts
//! funded), `local_testnet` (Alice and Bob validators) and `production` (the vendors' roots
//! only, no simulated measurement, no funded dev accounts).

use crate::{AccountId, BalancesConfig, RuntimeGenesisConfig, SudoConfig, TeeRegistryConfig};
use aegis_attestation::{dev, TeeKind};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Name of the production-shaped preset.
pub const PRODUCTION_PRESET: &str = "production";

/// Intel's Provisioning Certification Service (PCS API v4 paths are appended per request).
pub const INTEL_PCS_URL: &str = "https://api.trustedservices.intel.com";

/// Each funded dev account starts with this much.
pub const DEV_ENDOWMENT: u128 = 1u128 << 60;

/// Whom the TEE registry trusts at genesis.
struct TeeTrust {
	roots: Vec<(TeeKind, Vec<u8>)>,
	measurements: Vec<aegis_attestation::Measurement>,
	pccs_url: Vec<u8>,
}

impl TeeTrust {
	/// The simulators' dev roots (the simulated Intel DCAP root for SGX and TDX, the dev ARK
	/// for SEV-SNP, the dev Nitro root) and the dev worker's measurement of each kind: dev and
	/// local chains, where `aegis-worker --tee sim` (`sim-snp`, `sim-nitro`) enrols. No PCCS:
	/// the dev collateral comes with each registration.
	fn simulated() -> Self {
		Self {
			roots: aegis_attestation::TEE_KINDS
				.into_iter()
				.map(|kind| (kind, dev::root(kind).to_vec()))
				.collect(),
			measurements: dev::worker_measurements().to_vec(),
			pccs_url: Vec::new(),
		}
	}

	/// The vendors' roots (Intel's SGX root CA for SGX and TDX, AMD's ARKs of Milan, Genoa
	/// and Turin, the AWS Nitro root), no measurement (governance allows each release's),
	/// Intel collateral refreshed from Intel's PCS.
	fn vendors() -> Self {
		let roots = aegis_attestation::TEE_KINDS
			.into_iter()
			.flat_map(|kind| {
				aegis_attestation::vendor_roots(kind).into_iter().map(move |r| (kind, r.to_vec()))
			})
			.collect();
		Self { roots, measurements: Vec::new(), pccs_url: INTEL_PCS_URL.as_bytes().to_vec() }
	}
}

fn genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: Option<AccountId>,
	feeders: Vec<AccountId>,
	required_feeders: Option<u32>,
	tee: TeeTrust,
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
		sudo: SudoConfig { key: root },
		risk_oracle: pallet_risk_oracle::GenesisConfig {
			feeders,
			initial_score: 1_000,
			required_feeders,
		},
		tee_registry: TeeRegistryConfig {
			trusted_roots: tee.roots,
			measurements: tee.measurements,
			pccs_url: tee.pccs_url,
		},
	})
}

fn keys(aura: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(aura.public().into(), grandpa.public().into())
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// One validator (Alice), Alice sudo and risk feeder, the dev accounts funded, the simulated
/// TEE trusted.
pub fn development_config_genesis() -> Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	genesis(
		vec![keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Some(alice.clone()),
		vec![alice],
		None,
		TeeTrust::simulated(),
	)
}

/// Alice and Bob validate; otherwise as `development`.
pub fn local_config_genesis() -> Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	genesis(
		vec![
			keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		dev_accounts(),
		Some(alice.clone()),
		vec![alice],
		None,
		TeeTrust::simulated(),
	)
}

/// The shape of a production chain: only the vendors' roots are trusted, no measurement is allowed
/// until governance allows a release's, collateral comes from Intel's PCS, and no account is
/// funded. It names no validators, sudo key or feeders: an operator fills `aura`, `grandpa`,
/// `sudo` and `balances` in the chain spec (`aegis-node export-chain-spec --chain production`)
/// with its own keys. A risk score needs three fresh feeds, so no single feeder sets the level.
pub fn production_config_genesis() -> Value {
	genesis(Vec::new(), Vec::new(), None, Vec::new(), Some(3), TeeTrust::vendors())
}

/// The preset `id`, if it exists.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		PRODUCTION_PRESET => production_config_genesis(),
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
		PresetId::from(PRODUCTION_PRESET),
	]
}

/// The `development` preset as a whole genesis configuration: its patch merged over the
/// defaults (RFC 7386), as the genesis builder does. For native tests and tools that build
/// the dev chain's state in memory.
#[cfg(feature = "std")]
pub fn development_genesis() -> RuntimeGenesisConfig {
	preset_genesis(development_config_genesis())
}

/// A preset's patch merged over the default genesis configuration, as the genesis builder
/// merges it (RFC 7386).
#[cfg(feature = "std")]
pub fn preset_genesis(patch: Value) -> RuntimeGenesisConfig {
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (k, v) in patch {
					merge(base.entry(k).or_insert(Value::Null), v);
				}
			}
			(base, patch) => *base = patch,
		}
	}
	let mut config =
		serde_json::to_value(RuntimeGenesisConfig::default()).expect("genesis configs serialize");
	merge(&mut config, patch);
	serde_json::from_value(config).expect("a preset is a valid genesis config")
}
