//! # The QuantumAegis runtime
//!
//! FRAME system, timestamp, Aura, GRANDPA, balances, transaction payment, sudo, assets (the
//! on-chain tokens asset protection guards) and revive (PolkaVM and EVM contracts, with the
//! oracle as a precompile), with the three QuantumAegis pallets: the quantum-risk oracle, the TEE
//! worker registry and the encrypted sequencer.
//!
//! - [`configs`]: every pallet's configuration, the sequencer's call classifier and call filter.
//! - [`apis`]: the runtime APIs (the standard set plus `RiskOracleApi`, `TeeRegistryApi` and
//!   `SequencerApi`).
//! - [`genesis_config_presets`]: `development`, `local_testnet` and a production-shaped preset.
//! - [`metadata`]: the metadata served to clients (FRAME's, described so standard clients
//!   encode runtime API arguments as the runtime decodes them).

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros expand to code the workspace lints cannot see through.
#![allow(missing_docs)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod metadata;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use pallet_balances::Call as BalancesCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Block numbers.
pub type BlockNumber = u32;
/// Transaction signatures.
pub type Signature = MultiSignature;
/// Accounts: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balances.
pub type Balance = u128;
/// Account nonces.
pub type Nonce = u32;
/// Block and state hashes.
pub type Hash = sp_core::H256;
/// Identifiers of `pallet-assets` tokens (and of protected assets).
pub type AssetId = u32;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;

	impl_opaque_keys! {
		/// The validator's session keys.
		pub struct SessionKeys {
			pub aura: Aura,
			pub grandpa: Grandpa,
		}
	}
}

/// The runtime's version.
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("quantum-aegis"),
	impl_name: alloc::borrow::Cow::Borrowed("quantum-aegis"),
	authoring_version: 1,
	spec_version: 106,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// Target block time.
pub const MILLISECS_PER_BLOCK: u64 = 6000;
/// Aura slot length; fixed for the chain's life.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// One unit of the native token (12 decimals).
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a unit.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// A millionth of a unit.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// Existential deposit.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(7)]
	pub type Assets = pallet_assets;
	#[runtime::pallet_index(8)]
	pub type Revive = pallet_revive;
	#[runtime::pallet_index(20)]
	pub type RiskOracle = pallet_risk_oracle;
	#[runtime::pallet_index(21)]
	pub type TeeRegistry = pallet_tee_registry;
	#[runtime::pallet_index(22)]
	pub type Sequencer = pallet_sequencer;
}

/// Addresses.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The transaction extensions every signed extrinsic carries. `AuthorizeCall` comes first so
/// that calls authorized by their pallet (the registry's collateral refresh) need no signer;
/// `CheckProtectedAssets` keeps calls touching assets whose policy requires the encrypted path
/// off the plain path.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	pallet_sequencer::CheckProtectedAssets<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The transaction extensions of an immortal extrinsic with `nonce` and no tip: what a client
/// (or the registry's off-chain worker, with nonce 0 and no signer) attaches to a call.
pub fn tx_extension(nonce: Nonce) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(generic::Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		pallet_sequencer::CheckProtectedAssets::<Runtime>::new(),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// A signed extrinsic of `call` from `who` with `nonce`, for the chain whose genesis hash is
/// `genesis` and which runs this runtime version: `sign` signs the SCALE-encoded payload (the
/// call, [`tx_extension`] and the data it implies). Workers and clients build every
/// transaction through this, so they sign what the runtime checks.
pub fn signed_extrinsic(
	call: RuntimeCall,
	who: AccountId,
	nonce: Nonce,
	genesis: Hash,
	sign: impl FnOnce(&[u8]) -> Signature,
) -> UncheckedExtrinsic {
	use codec::Encode;
	let extension = tx_extension(nonce);
	// What `tx_extension`'s parts imply: spec and transaction version, genesis hash, and the
	// hash of the (immortal) era's birth block, which is also the genesis.
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis,
		genesis,
		(),
		(),
		(),
		(),
		(),
	);
	let payload = SignedPayload::from_raw(call, extension, implicit);
	let signature = payload.using_encoded(sign);
	let (call, extension, _) = payload.deconstruct();
	UncheckedExtrinsic::new_signed(call, MultiAddress::Id(who), signature, extension)
}

/// Extrinsics as the runtime sees them.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run at the next runtime upgrade (each checks the storage version it
/// expects, so it runs once).
type Migrations = (
	pallet_tee_registry::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_tee_registry::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_tee_registry::migrations::v3::MigrateV2ToV3<Runtime>,
);

/// Dispatches extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;
