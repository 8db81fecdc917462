//! Contracts: pallet-revive runs PolkaVM contracts (ink! 6, or Solidity compiled by `resolc`) and
//! EVM bytecode (Solidity compiled by plain `solc`), with the quantum-risk oracle as a
//! precompile at `0x…0a0e0000`.
//!
//! - Accounts are mapped to their 20-byte addresses automatically (`AutoMap`, with
//!   [`pallet_revive::AutoMapper`] as frame-system's new- and killed-account hooks): every
//!   account is a contract caller without a `map_account` call and its deposit. The dev presets'
//!   endowed accounts are mapped by the balances genesis through the same hook. The balances
//!   calls that create or reap accounts are charged for the hook ([`BalancesWeights`]).
//! - EVM bytecode is allowed beside PolkaVM: dapp developers deploy what `solc` (Hardhat,
//!   Foundry) produces, and contracts of both kinds call each other and the precompile. Both
//!   interpreters are pallet-revive's, metered by its own benchmarked weights.
//! - Only signed origins upload and instantiate code; storage is paid for by deposits held from
//!   the caller (`DepositPerItem`, `DepositPerByte`), refunded when the storage is freed.
//! - Ethereum transactions (`eth_transact`, MetaMask through `eth-rpc`) are not accepted: the
//!   chain's extrinsic format has no Ethereum variant and `FeeInfo` is `()`. What it would take
//!   is in the README (contracts section).

use crate::{
	AccountId, Aura, Balance, Balances, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason,
	RuntimeOrigin, Timestamp, UNIT,
};
use frame_support::{
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64, FindAuthor},
	weights::Weight,
	ConsensusEngineId,
};
use frame_system::EnsureSigned;
use sp_runtime::{FixedU128, Perbill};

/// A hundredth of a unit.
const CENT: Balance = UNIT / 100;
/// A thousandth of a cent.
const MILLI_CENT: Balance = CENT / 1_000;

/// The deposit held for `items` storage items of `bytes` bytes in all (Polkadot's scale: 20
/// cents an item, a milli-cent a byte).
pub const fn deposit(items: u32, bytes: u32) -> Balance {
	items as Balance * 20 * CENT + bytes as Balance * MILLI_CENT
}

/// The chain's EIP-155 id, which contracts read as `block.chainid`.
pub const CHAIN_ID: u64 = 0x0A0E;

parameter_types! {
	pub const DepositPerItem: Balance = deposit(1, 0);
	/// A contract's storage slot lives in its child trie, which is cheaper to keep.
	pub const DepositPerChildTrieItem: Balance = deposit(1, 0) / 100;
	pub const DepositPerByte: Balance = deposit(0, 1);
	/// Instantiating from uploaded code holds this share of the code's deposit, so code in use
	/// cannot be removed and uploading code others use is not free.
	pub const CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
	pub const MaxEthExtrinsicWeight: FixedU128 = FixedU128::from_rational(9, 10);
}

/// The block's author as an account: the Aura authority that sealed it (its sr25519 key is the
/// account). Contracts read it as `block.coinbase`; blocks sealed without Aura (the dev chain's
/// manual seal) have none, and the address reads as zero.
pub struct AuraAuthor;

impl FindAuthor<AccountId> for AuraAuthor {
	fn find_author<'a, I>(digests: I) -> Option<AccountId>
	where
		I: 'a + IntoIterator<Item = (ConsensusEngineId, &'a [u8])>,
	{
		let index = <Aura as FindAuthor<u32>>::find_author(digests)?;
		let authority = pallet_aura::Authorities::<Runtime>::get().get(index as usize)?.clone();
		Some(AccountId::from(sp_core::sr25519::Public::from(authority).0))
	}
}

impl pallet_revive::Config for Runtime {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type OnBurn = ();
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = pallet_revive::weights::SubstrateWeight<Runtime>;
	type Precompiles = (aegis_risk_oracle_precompile::RiskOraclePrecompile<Runtime>,);
	type FindAuthor = AuraAuthor;
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type DepositPerChildTrieItem = DepositPerChildTrieItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressMapper = pallet_revive::AccountId32Mapper<Runtime>;
	type AllowEVMBytecode = ConstBool<true>;
	type UploadOrigin = EnsureSigned<AccountId>;
	type InstantiateOrigin = EnsureSigned<AccountId>;
	type RuntimeMemory = ConstU32<{ 128 * 1024 * 1024 }>;
	type PVFMemory = ConstU32<{ 512 * 1024 * 1024 }>;
	type ChainId = ConstU64<CHAIN_ID>;
	/// The native token has 12 decimals, Ethereum's 18.
	type NativeToEthRatio = ConstU32<1_000_000>;
	type FeeInfo = ();
	type Deposit = ();
	type MaxEthExtrinsicWeight = MaxEthExtrinsicWeight;
	type DebugEnabled = ConstBool<false>;
	type AutoMap = ConstBool<true>;
	type GasScale = ConstU32<1000>;
}

/// pallet-balances' benchmarked weights plus what account mapping adds to them: a call that may
/// create an account also maps it ([`pallet_revive::AutoMapper`] on `OnNewAccount`: a read and a
/// write), one that may reap an account unmaps it (`OnKilledAccount`: two reads, two writes).
/// The pallet's benchmarks run without these hooks; without this, transfers to fresh accounts
/// would do more work than blocks are charged for.
pub struct BalancesWeights;

type BalancesBenchmarked = pallet_balances::weights::SubstrateWeight<Runtime>;

/// The proof size of one `Revive::OriginalAccount` entry as FRAME's benchmarks estimate it
/// (`max_size` 52, `added` 2527 in pallet-revive's `weights.rs`; the item is private to the
/// pallet, so its size is taken from there).
const ORIGINAL_ACCOUNT_PROOF: u64 = 2_527;

/// Mapping a new account: is it mapped, then the mapping written.
pub fn account_mapping_weight() -> Weight {
	<Runtime as frame_system::Config>::DbWeight::get()
		.reads_writes(1, 1)
		.saturating_add(Weight::from_parts(0, ORIGINAL_ACCOUNT_PROOF))
}

/// Unmapping a reaped account: the mapping removed and any mapping deposit released (the
/// account's holds read and written).
pub fn account_unmapping_weight() -> Weight {
	use frame_support::traits::StorageInfoTrait;
	let holds: u64 = pallet_balances::Holds::<Runtime>::storage_info()
		.iter()
		.map(aegis_risk_oracle_precompile::read_proof_size)
		.sum();
	<Runtime as frame_system::Config>::DbWeight::get()
		.reads_writes(2, 2)
		.saturating_add(Weight::from_parts(0, ORIGINAL_ACCOUNT_PROOF.saturating_add(holds)))
}

impl pallet_balances::WeightInfo for BalancesWeights {
	fn transfer_allow_death() -> Weight {
		BalancesBenchmarked::transfer_allow_death()
			.saturating_add(account_mapping_weight())
			.saturating_add(account_unmapping_weight())
	}
	fn transfer_keep_alive() -> Weight {
		BalancesBenchmarked::transfer_keep_alive().saturating_add(account_mapping_weight())
	}
	fn force_set_balance_creating() -> Weight {
		BalancesBenchmarked::force_set_balance_creating().saturating_add(account_mapping_weight())
	}
	fn force_set_balance_killing() -> Weight {
		BalancesBenchmarked::force_set_balance_killing().saturating_add(account_unmapping_weight())
	}
	fn force_transfer() -> Weight {
		BalancesBenchmarked::force_transfer()
			.saturating_add(account_mapping_weight())
			.saturating_add(account_unmapping_weight())
	}
	fn transfer_all() -> Weight {
		BalancesBenchmarked::transfer_all()
			.saturating_add(account_mapping_weight())
			.saturating_add(account_unmapping_weight())
	}
	fn force_unreserve() -> Weight {
		BalancesBenchmarked::force_unreserve()
	}
	fn upgrade_accounts(u: u32) -> Weight {
		BalancesBenchmarked::upgrade_accounts(u)
	}
	fn force_adjust_total_issuance() -> Weight {
		BalancesBenchmarked::force_adjust_total_issuance()
	}
	fn burn_allow_death() -> Weight {
		BalancesBenchmarked::burn_allow_death().saturating_add(account_unmapping_weight())
	}
	fn burn_keep_alive() -> Weight {
		BalancesBenchmarked::burn_keep_alive()
	}
}
