//! A test runtime with the oracle: governance is root, `MaxFeeders` 8, `MinFeeders` 3,
//! `MaxFeedAge` 10, `RotationDelay` 5, `Hysteresis` 500; account 100 is admitted by
//! `ExtraFeeders` (standing in for an attested TEE worker).

use crate as pallet_risk_oracle;
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

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
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system::Pallet<Test>;

	#[runtime::pallet_index(1)]
	pub type RiskOracle = pallet_risk_oracle::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// The account `ExtraFeeders` admits.
pub const WORKER: u64 = 100;

pub struct WorkerFeeders;
impl crate::FeederCheck<u64> for WorkerFeeders {
	fn is_feeder(who: &u64) -> bool {
		*who == WORKER
	}
}

parameter_types! {
	pub const MaxFeedAge: u64 = 10;
	/// No dwell unless a test sets one.
	pub storage MinLevelDwell: u32 = 0;
}

impl pallet_risk_oracle::Config for Test {
	type GovernanceOrigin = EnsureRoot<u64>;
	type ExtraFeeders = WorkerFeeders;
	type ElevatedThreshold = frame_support::traits::ConstU16<6_000>;
	type EmergencyThreshold = frame_support::traits::ConstU16<9_000>;
	type MaxFeeders = ConstU32<8>;
	type MinFeeders = ConstU32<3>;
	type MaxFeedAge = MaxFeedAge;
	type RotationDelay = ConstU32<5>;
	type Hysteresis = frame_support::traits::ConstU16<500>;
	type MinLevelDwell = MinLevelDwell;
	type WeightInfo = ();
}

/// Feeders 1, 2, 3, 4, 5; initial score 1000.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_risk_oracle::GenesisConfig::<Test> {
		feeders: vec![1, 2, 3, 4, 5],
		initial_score: 1_000,
		required_feeders: None,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Moves to block `n`, running the oracle's `on_initialize`.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		RiskOracle::on_initialize(next);
	}
}
