//! The chains this node knows by name: `dev`, `local` and `production` (the production-shaped
//! spec an operator fills with its own keys), all built from the runtime's genesis presets.

use aegis_runtime::{genesis_config_presets::PRODUCTION_PRESET, WASM_BINARY};
use sc_service::ChainType;

/// A chain spec of the QuantumAegis runtime.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"this aegis-node was built without the wasm runtime (SKIP_WASM_BUILD); rebuild it \
		 without SKIP_WASM_BUILD"
			.to_string()
	})
}

fn properties() -> sc_service::Properties {
	let mut p = sc_service::Properties::new();
	p.insert("tokenSymbol".into(), "AEGIS".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

/// The single-node development chain (preset `development`).
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("QuantumAegis Development")
		.with_id("dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The local test network: Alice and Bob validate (preset `local_testnet`).
pub fn local() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("QuantumAegis Local Testnet")
		.with_id("aegis_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The production-shaped chain (preset `production`): Intel's root only, and no validators,
/// sudo key or balances until an operator writes them into the exported spec.
pub fn production() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("QuantumAegis")
		.with_id("aegis")
		.with_chain_type(ChainType::Live)
		.with_genesis_config_preset_name(PRODUCTION_PRESET)
		.with_properties(properties())
		.build())
}

/// Whether `spec` is a development chain, which this node seals itself.
pub fn is_dev(spec: &dyn sc_service::ChainSpec) -> bool {
	spec.chain_type() == ChainType::Development
}
