//! # Read the QuantumAegis quantum-risk oracle from ink! 6
//!
//! Every QuantumAegis chain answers the `IQuantumRiskOracle` Solidity interface
//! (`contracts/solidity/IQuantumRiskOracle.sol`) at [`ORACLE_ADDRESS`],
//! `0x000000000000000000000000000000000a0e0000`. This crate gives ink! contracts that
//! interface as a contract reference:
//!
//! ```ignore
//! use quantum_risk_oracle::{oracle, QuantumRiskOracle, EMERGENCY};
//!
//! if oracle().riskLevel() >= EMERGENCY {
//!     // only to the recovery account
//! }
//! ```
//!
//! The oracle is read-only: call it, never delegate-call it, and send no value (both revert).
//! A reverted call panics in the generated method, reverting your contract too; use
//! `oracle().call().riskLevel().try_invoke()` (`ink::codegen::TraitCallBuilder`) to handle it.
#![cfg_attr(not(feature = "std"), no_std)]

/// The oracle precompile's address on every QuantumAegis chain.
pub const ORACLE_ADDRESS: [u8; 20] =
	[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x0e, 0, 0];

/// `riskLevel()` below the elevated threshold.
pub const NORMAL: u8 = 0;
/// `riskLevel()` at or above the elevated threshold (6000 by default), once in force.
pub const ELEVATED: u8 = 1;
/// `riskLevel()` at or above the emergency threshold (9000 by default).
pub const EMERGENCY: u8 = 2;

/// The chain's native token has 12 decimals; contracts see 18 (`transferred_value`, balances):
/// one native unit is this many of a contract's units. (ink!'s `DefaultEnvironment` assumes
/// another ratio; do not use its `native_to_eth` on QuantumAegis.)
pub const NATIVE_TO_ETH_RATIO: u128 = 1_000_000;

/// The oracle's Solidity interface, `IQuantumRiskOracle`.
#[ink::contract_ref(abi = "sol")]
pub trait QuantumRiskOracle {
	/// The published score in basis points, 0..=10000.
	#[ink(message)]
	#[allow(non_snake_case)]
	fn riskScore(&self) -> u16;

	/// The level in force: [`NORMAL`], [`ELEVATED`] or [`EMERGENCY`].
	#[ink(message)]
	#[allow(non_snake_case)]
	fn riskLevel(&self) -> u8;

	/// The scores from which the level is Elevated and Emergency.
	#[ink(message)]
	fn thresholds(&self) -> (u16, u16);

	/// Block number of the last published score.
	#[ink(message)]
	#[allow(non_snake_case)]
	fn lastUpdated(&self) -> u64;

	/// Whether batches must also carry SLH-DSA signatures, and the longest a worker's keys
	/// may live, in blocks.
	#[ink(message)]
	#[allow(non_snake_case)]
	fn pqcPolicy(&self) -> (bool, u32);

	/// Attested, live sequencer workers at this block.
	#[ink(message)]
	#[allow(non_snake_case)]
	fn activeWorkers(&self) -> u32;
}

/// A reference to the oracle, ready to call.
pub fn oracle() -> QuantumRiskOracleRef {
	ink::Address::from(ORACLE_ADDRESS).into()
}
