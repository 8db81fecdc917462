//! # The quantum-risk oracle as a pallet-revive precompile
//!
//! Contracts on a QuantumAegis chain (ink! 6 or Solidity compiled to PolkaVM) read the oracle at
//! the fixed address `0x000000000000000000000000000000000a0e0000` through the Solidity interface
//! `IQuantumRiskOracle`, whose source is `contracts/solidity/IQuantumRiskOracle.sol`: this crate
//! parses that very file, so the selectors the chain answers to are the ones dapps compile
//! against.
//!
//! | function | returns | storage read |
//! | --- | --- | --- |
//! | `riskScore()` | `uint16` 0..=10000 | `RiskOracle::Score` |
//! | `riskLevel()` | `uint8` 0 Normal, 1 Elevated, 2 Emergency | `RiskOracle::Level` |
//! | `thresholds()` | `(uint16 elevated, uint16 emergency)` | none (runtime constants) |
//! | `lastUpdated()` | `uint64` block of the last published score | `RiskOracle::LastUpdated` |
//! | `pqcPolicy()` | `(bool batchRequiresSlhDsa, uint32 keyRotationBlocks)` | `RiskOracle::Level` |
//! | `activeWorkers()` | `uint32` attested, live sequencer workers | `TeeRegistry::CounterForWorkers`, then every worker |
//!
//! A precompile runs unmetered, so every call charges its weight before it reads anything: the
//! storage reads (`DbWeight`) with their proof size as FRAME's benchmarks estimate it from each
//! item's `MaxEncodedLen`, on top of pallet-revive's own benchmarked cost of a host function
//! that returns one value from the environment (`seal_block_number`). `activeWorkers` first
//! charges and reads the worker count, then charges one read per worker (and the iteration's
//! end) before it reads them, so its price follows the registry's size, which `MaxWorkers`
//! bounds.
//!
//! The oracle is read-only: a delegate call is refused (pallet-revive would otherwise run the
//! precompile in the caller's context), so is a call carrying value (it would strand the value
//! at an address no one controls), and an unknown selector reverts (pallet-revive decodes the
//! input against the interface before this code runs).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use core::{marker::PhantomData, num::NonZero};

use aegis_primitives::{
	pqc::Suite,
	risk::{PqcPolicy, RiskLevel},
};
use frame_support::{
	traits::{Get, StorageInfo, StorageInfoTrait},
	weights::Weight,
};
use pallet_revive::{
	precompiles::{
		alloy::{self, sol_types::SolCall},
		AddressMatcher, Error, Ext, Precompile, Token,
	},
	WeightInfo as _,
};

alloy::sol!("../../contracts/solidity/IQuantumRiskOracle.sol");

use IQuantumRiskOracle as I;
pub use IQuantumRiskOracle::IQuantumRiskOracleCalls as Calls;

/// The `u16` pallet-revive places at bytes 16..18 of the precompile's address.
pub const ADDRESS_PREFIX: u16 = 0x0A0E;

/// The precompile's address: `0x000000000000000000000000000000000a0e0000`.
pub const ADDRESS: [u8; 20] = {
	let mut address = [0u8; 20];
	let prefix = ADDRESS_PREFIX.to_be_bytes();
	address[16] = prefix[0];
	address[17] = prefix[1];
	address
};

/// The proof-size overhead FRAME's benchmarks add to an item's `MaxEncodedLen` (the trie nodes
/// on the way to it), for a plain value and for an item of a map (the `added` figures of the
/// pallets' `weights.rs`).
const VALUE_PROOF_OVERHEAD: u64 = 495;
const MAP_PROOF_OVERHEAD: u64 = 2_475;

/// What a call costs beyond pallet-revive's call overhead: `reads` storage reads whose proofs
/// take `proof_size` bytes, on top of a host function's cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleRead {
	/// Storage reads.
	pub reads: u64,
	/// Their proof size, in bytes.
	pub proof_size: u64,
}

impl OracleRead {
	/// No storage read: answered from the runtime's constants.
	pub const NONE: Self = Self { reads: 0, proof_size: 0 };

	/// `n` reads of each item `items` describes.
	fn of(items: impl IntoIterator<Item = StorageInfo>, n: u64) -> Self {
		items.into_iter().fold(Self::NONE, |acc, info| Self {
			reads: acc.reads.saturating_add(n),
			proof_size: acc.proof_size.saturating_add(read_proof_size(&info).saturating_mul(n)),
		})
	}
}

/// The proof size FRAME's benchmarks estimate for one read of an item: its bounded size and the
/// trie nodes on the way to it (the `added` figures of the pallets' `weights.rs`). The runtime
/// prices other reads it charges by hand with it too.
pub fn read_proof_size(info: &StorageInfo) -> u64 {
	let overhead =
		if info.max_values == Some(1) { VALUE_PROOF_OVERHEAD } else { MAP_PROOF_OVERHEAD };
	// Every item this precompile reads is bounded (`MaxEncodedLen`); an unbounded one would be
	// priced at the largest value a proof could hold.
	u64::from(info.max_size.unwrap_or(u32::MAX)).saturating_add(overhead)
}

/// The registry's worker count (`CounterForWorkers`, the counted map's value item) and its
/// worker records (the map's items), as storage info.
fn worker_items<T: pallet_tee_registry::Config>() -> (Vec<StorageInfo>, Vec<StorageInfo>) {
	pallet_tee_registry::Workers::<T>::storage_info()
		.into_iter()
		.partition(|info| info.max_values == Some(1))
}

impl<T: pallet_revive::Config> Token<T> for OracleRead {
	fn weight(&self) -> Weight {
		<T as pallet_revive::Config>::WeightInfo::seal_block_number()
			.saturating_add(<T as frame_system::Config>::DbWeight::get().reads(self.reads))
			.saturating_add(Weight::from_parts(0, self.proof_size))
	}
}

/// The weight one call of `call` is charged, for a registry holding `workers` workers (only
/// `activeWorkers` depends on it, and is charged in two steps: the count, then the records).
/// What `contracts/README.md` tabulates.
pub fn cost_of<T>(call: &Calls, workers: u32) -> Weight
where
	T: pallet_revive::Config + pallet_risk_oracle::Config + pallet_tee_registry::Config,
{
	let first = Token::<T>::weight(&first_charge::<T>(call));
	match call {
		Calls::activeWorkers(_) => {
			first.saturating_add(Token::<T>::weight(&worker_records::<T>(workers)))
		}
		_ => first,
	}
}

/// What a call is charged before it reads anything: its storage reads, and for
/// `activeWorkers` the worker count (its records are charged once the count is known).
fn first_charge<T>(call: &Calls) -> OracleRead
where
	T: pallet_risk_oracle::Config + pallet_tee_registry::Config,
{
	use pallet_risk_oracle::{LastUpdated, Level, Score};
	match call {
		Calls::riskScore(_) => OracleRead::of(Score::<T>::storage_info(), 1),
		Calls::riskLevel(_) | Calls::pqcPolicy(_) => OracleRead::of(Level::<T>::storage_info(), 1),
		Calls::lastUpdated(_) => OracleRead::of(LastUpdated::<T>::storage_info(), 1),
		Calls::thresholds(_) => OracleRead::NONE,
		Calls::activeWorkers(_) => OracleRead::of(worker_items::<T>().0, 1),
	}
}

/// `activeWorkers`' second charge: one read per registered worker record, and one for the
/// iteration's end.
fn worker_records<T: pallet_tee_registry::Config>(registered: u32) -> OracleRead {
	OracleRead::of(worker_items::<T>().1, u64::from(registered) + 1)
}

/// The oracle precompile of runtime `T`.
pub struct RiskOraclePrecompile<T>(PhantomData<T>);

impl<T> Precompile for RiskOraclePrecompile<T>
where
	T: pallet_revive::Config + pallet_risk_oracle::Config + pallet_tee_registry::Config,
{
	type T = T;
	type Interface = Calls;
	const MATCHER: AddressMatcher = match NonZero::new(ADDRESS_PREFIX) {
		Some(prefix) => AddressMatcher::Fixed(prefix),
		None => panic!("the oracle's address prefix is not zero"),
	};
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		// Refused as the builtin precompiles refuse it: a revert with pallet-revive's message.
		if env.is_delegate_call() {
			return Err(Error::try_to_revert::<T>(
				pallet_revive::Error::<T>::PrecompileDelegateDenied.into(),
			));
		}
		if !env.value_transferred().is_zero() {
			return Err(Error::Revert("IQuantumRiskOracle: the oracle accepts no value".into()));
		}
		let meter = env.frame_meter_mut();
		meter.charge_weight_token(first_charge::<T>(input))?;
		// Every answer is encoded by the interface's own return types.
		match input {
			Calls::riskScore(_) => Ok(I::riskScoreCall::abi_encode_returns(
				&pallet_risk_oracle::Score::<T>::get().get(),
			)),
			Calls::riskLevel(_) => {
				let level = level_code(pallet_risk_oracle::Level::<T>::get().active);
				Ok(I::riskLevelCall::abi_encode_returns(&level))
			}
			Calls::thresholds(_) => {
				let elevated = <T as pallet_risk_oracle::Config>::ElevatedThreshold::get();
				let emergency = <T as pallet_risk_oracle::Config>::EmergencyThreshold::get();
				Ok(I::thresholdsCall::abi_encode_returns(&I::thresholdsReturn {
					elevated,
					emergency,
				}))
			}
			Calls::lastUpdated(_) => {
				let at: u64 = frame_support::sp_runtime::SaturatedConversion::saturated_into(
					pallet_risk_oracle::LastUpdated::<T>::get(),
				);
				Ok(I::lastUpdatedCall::abi_encode_returns(&at))
			}
			Calls::pqcPolicy(_) => {
				let policy = PqcPolicy::for_level(pallet_risk_oracle::Level::<T>::get().active);
				Ok(I::pqcPolicyCall::abi_encode_returns(&I::pqcPolicyReturn {
					batchRequiresSlhDsa: policy.batch_suites.contains(Suite::SlhDsaSha2_256s),
					keyRotationBlocks: policy.key_rotation_blocks,
				}))
			}
			Calls::activeWorkers(_) => {
				let registered = pallet_tee_registry::Workers::<T>::count();
				meter.charge_weight_token(worker_records::<T>(registered))?;
				Ok(I::activeWorkersCall::abi_encode_returns(
					&pallet_tee_registry::Pallet::<T>::live_worker_count(),
				))
			}
		}
	}
}

/// The interface's `uint8` for a level.
pub fn level_code(level: RiskLevel) -> u8 {
	match level {
		RiskLevel::Normal => 0,
		RiskLevel::Elevated => 1,
		RiskLevel::Emergency => 2,
	}
}
