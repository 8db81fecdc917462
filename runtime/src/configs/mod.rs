//! Every pallet's configuration.

mod contracts;
mod sequencing;

pub use contracts::{
	account_mapping_weight, account_unmapping_weight, deposit, AuraAuthor, BalancesWeights,
	CHAIN_ID,
};

pub use sequencing::{EncryptedCalls, ProtectableAssets, RuntimeCallClassifier};

use crate::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, RiskOracle,
	Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin,
	RuntimeTask, System, TeeRegistry, Timestamp, TxExtension, UncheckedExtrinsic, DAYS,
	EXISTENTIAL_DEPOSIT, MICRO_UNIT, MILLI_UNIT, MINUTES, SLOT_DURATION, UNIT, VERSION,
};
use aegis_primitives::risk::RiskLevel;
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		AsEnsureOriginWithArg, ConstBool, ConstU128, ConstU16, ConstU32, ConstU64, ConstU8,
		VariantCountOf,
	},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureRoot, EnsureSigned,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, Perbill};
use sp_version::RuntimeVersion;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute in a six-second block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = block_length();
	pub const SS58Prefix: u8 = 42;
}

/// 5 MiB blocks, 75% for normal extrinsics. (The deprecation notice points to a builder method
/// this frame-system release does not have yet.)
#[allow(deprecated)]
fn block_length() -> BlockLength {
	BlockLength::max_with_normal_ratio(5 * 1024 * 1024, NORMAL_DISPATCH_RATIO)
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	// The node keeps its state in ParityDb.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	/// Every dispatch, nested ones included, obeys the protected assets' policies.
	type BaseCallFilter = pallet_sequencer::ProtectedAssetGuard<Runtime>;
	/// Every account gets its contract address when it is created, and loses it when reaped.
	type OnNewAccount = pallet_revive::AutoMapper<Runtime>;
	type OnKilledAccount = pallet_revive::AutoMapper<Runtime>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	/// Benchmarked weights plus the account-mapping hook's work.
	type WeightInfo = contracts::BalancesWeights;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

/// Fee per unit of weight: one pico-unit per picosecond of reference time.
pub type WeightToFee = IdentityFee<Balance>;

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = WeightToFee;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_assets::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type AssetId = crate::AssetId;
	type AssetIdParameter = codec::Compact<crate::AssetId>;
	type ReserveData = ();
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = ConstU128<{ 10 * UNIT }>;
	type AssetAccountDeposit = ConstU128<{ 10 * MILLI_UNIT }>;
	type MetadataDepositBase = ConstU128<{ UNIT }>;
	type MetadataDepositPerByte = ConstU128<{ 10 * MILLI_UNIT }>;
	type ApprovalDeposit = ConstU128<{ 10 * MILLI_UNIT }>;
	type StringLimit = ConstU32<50>;
	type Freezer = ();
	type Holder = ();
	type Extra = ();
	type CallbackHandle = ();
	type AssetIdAllocator = ();
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
	type RemoveItemsLimit = ConstU32<1000>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

impl pallet_risk_oracle::Config for Runtime {
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type ExtraFeeders = ();
	type ElevatedThreshold = ConstU16<6_000>;
	type EmergencyThreshold = ConstU16<9_000>;
	type MaxFeeders = ConstU32<16>;
	/// One feeder may publish on a development chain; the `production` preset requires 3
	/// (`RequiredFeeders`).
	type MinFeeders = ConstU32<1>;
	/// A feed older than ten minutes no longer counts.
	type MaxFeedAge = ConstU32<{ 10 * MINUTES }>;
	/// Elevated takes effect an hour after the median crosses 6000 (Emergency at once).
	type RotationDelay = ConstU32<{ 60 * MINUTES }>;
	type Hysteresis = ConstU16<200>;
	/// A level holds for ten minutes before the score may lower it: the level, and the rekey
	/// each Emergency brings, change at most that often.
	type MinLevelDwell = ConstU32<{ 10 * MINUTES }>;
	type WeightInfo = pallet_risk_oracle::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The oracle's level, for the registry's rekey deadline.
	pub RiskLevelNow: RiskLevel =
		<RiskOracle as pallet_risk_oracle::RiskProvider<BlockNumber>>::level();
}

impl pallet_tee_registry::Config for Runtime {
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type UnixTime = Timestamp;
	type RiskLevel = RiskLevelNow;
	type MaxWorkers = ConstU32<64>;
	type MaxMeasurements = ConstU32<16>;
	type MaxRoots = ConstU32<4>;
	type MaxAdvisories = ConstU32<32>;
	type MaxQuoteLen = ConstU32<{ 16 * 1024 }>;
	type MaxCollateralLen = ConstU32<{ 64 * 1024 }>;
	type MaxSealedSecretLen = ConstU32<2048>;
	type MaxPlatforms = ConstU32<16>;
	type ExpiriesPerBlock = ConstU32<8>;
	/// A worker silent for ten minutes stops being active.
	type HeartbeatTimeout = ConstU32<{ 10 * MINUTES }>;
	type EmergencyRekeyPeriod = ConstU32<{ 5 * MINUTES }>;
	/// At most one Emergency rekey per ten minutes (the oracle's `MinLevelDwell`).
	type RekeyCooldown = ConstU32<{ 10 * MINUTES }>;
	/// A published epoch has two minutes to gather its confirmations.
	type ConfirmPeriod = ConstU32<{ 2 * MINUTES }>;
	/// Every epoch is replaced at least daily.
	type ClusterKeyPeriod = ConstU32<DAYS>;
	/// Clients that read the key just before a switch have a minute to submit.
	type EpochGrace = ConstU32<MINUTES>;
	/// Leadership passes on every 100 blocks.
	type LeaderTerm = ConstU32<100>;
	/// A stalled leader is taken over after four blocks (times the taker's position).
	type TakeoverAfter = ConstU32<4>;
	/// Platform collateral is refreshed from the PCCS daily (when a PCCS URL is set).
	type CollateralRefreshInterval = ConstU32<DAYS>;
	type UnsignedPriority = ConstU64<{ u64::MAX / 2 }>;
	type WeightInfo = pallet_tee_registry::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::RegistryBenchmarks;
}

parameter_types! {
	/// A revealed call may ask for up to a tenth of a block.
	pub MaxCallWeight: Weight = Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND / 5, 512 * 1024);
}

impl pallet_sequencer::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Workers = TeeRegistry;
	type Risk = RiskOracle;
	type CallClassifier = RuntimeCallClassifier;
	type CallFilter = EncryptedCalls;
	type WeightToFee = WeightToFee;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type AssetAuthority = ProtectableAssets;
	type AssetDeposit = ConstU128<{ 10 * UNIT }>;
	type MaxMigrationAssets = ConstU32<64>;
	type MaxCheckpoints = ConstU32<16>;
	type DepositBase = ConstU128<{ MILLI_UNIT }>;
	type DepositPerByte = ConstU128<{ MICRO_UNIT }>;
	type RejectFee = ConstU128<{ 10 * MILLI_UNIT }>;
	type MaxEnvelopeLen = ConstU32<{ 16 * 1024 }>;
	type MaxCallWeight = MaxCallWeight;
	type MaxPending = ConstU32<10_000>;
	type MaxPendingPerAccount = ConstU32<64>;
	/// Ten minutes without inclusion and a submission is refunded.
	type MaxPendingAge = ConstU32<{ 10 * MINUTES }>;
	type MaxExpiriesPerBlock = ConstU32<32>;
	type MaxCosigners = ConstU32<4>;
	type MaxRejects = ConstU32<256>;
	/// Ten minutes at 6-second blocks: far beyond GRANDPA finality plus a batch's round trip.
	type TierChangeInterval = ConstU32<100>;
	type WeightInfo = pallet_sequencer::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::SequencerBenchmarks;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// Transactions the registry's off-chain worker submits: authorized by the pallet
/// (`#[pallet::authorize]`), with no signer, no nonce and no fee.
impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> TxExtension {
		crate::tx_extension(0)
	}
}
