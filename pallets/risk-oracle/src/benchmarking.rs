//! Benchmarks of every call at its worst case (full feeder set, a level change on each).

use super::*;
use crate::Pallet as RiskOracle;
use aegis_primitives::risk::MAX_RISK_SCORE;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

fn governance<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// `n` managed feeders, sorted.
fn feeders<T: Config>(n: u32) -> Vec<T::AccountId> {
	let mut all: Vec<T::AccountId> = (0..n).map(|i| account("feeder", i, 0)).collect();
	all.sort();
	let bounded: BoundedVec<_, T::MaxFeeders> = all.clone().try_into().expect("n <= MaxFeeders");
	Feeders::<T>::put(bounded);
	all
}

/// A fresh feed from each of `who`, all in the Emergency range so aggregation changes the level.
fn fresh_feeds<T: Config>(who: &[T::AccountId]) {
	let now = frame_system::Pallet::<T>::block_number();
	let feeds: FeedsOf<T> = who
		.iter()
		.map(|f| Feed { feeder: f.clone(), score: RiskScore::MAX, at: now })
		.collect::<Vec<_>>()
		.try_into()
		.expect("at most MaxFeeders feeds");
	Feeds::<T>::put(feeds);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_feeder(f: Linear<0, { T::MaxFeeders::get() - 1 }>) -> Result<(), BenchmarkError> {
		feeders::<T>(f);
		let origin = governance::<T>()?;
		let who: T::AccountId = account("new", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(Feeders::<T>::get().contains(&who));
		Ok(())
	}

	#[benchmark]
	fn remove_feeder(f: Linear<1, { T::MaxFeeders::get() }>) -> Result<(), BenchmarkError> {
		let all = feeders::<T>(f);
		fresh_feeds::<T>(&all);
		let origin = governance::<T>()?;
		let who = all.last().cloned().expect("f >= 1");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Feeders::<T>::get().contains(&who));
		Ok(())
	}

	/// A new feeder's first feed next to `f` fresh ones: insertion, median over `f + 1` feeds
	/// and an immediate change to Emergency.
	#[benchmark]
	fn feed(f: Linear<0, { T::MaxFeeders::get() - 1 }>) {
		let all = feeders::<T>(f + 1);
		let (caller, others) = all.split_last().expect("f + 1 >= 1");
		fresh_feeds::<T>(others);
		Level::<T>::put(LevelState::default());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), MAX_RISK_SCORE);

		assert_eq!(Feeds::<T>::get().len() as u32, f + 1);
	}

	/// Forcing Emergency while an escalation is pending: both a cancellation and a change.
	#[benchmark]
	fn force_score() -> Result<(), BenchmarkError> {
		Level::<T>::put(LevelState {
			active: RiskLevel::Normal,
			pending: Some((RiskLevel::Elevated, u32::MAX)),
		});
		let origin = governance::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, MAX_RISK_SCORE);

		assert_eq!(Level::<T>::get().active, RiskLevel::Emergency);
		Ok(())
	}

	/// `on_initialize` applying a due escalation.
	#[benchmark]
	fn on_initialize_escalation() {
		let now = frame_system::Pallet::<T>::block_number();
		let at: u32 = now.unique_saturated_into();
		Level::<T>::put(LevelState {
			active: RiskLevel::Normal,
			pending: Some((RiskLevel::Elevated, at)),
		});

		#[block]
		{
			RiskOracle::<T>::on_initialize(now);
		}

		assert_eq!(Level::<T>::get().active, RiskLevel::Elevated);
	}

	impl_benchmark_test_suite!(RiskOracle, crate::mock::new_test_ext(), crate::mock::Test);
}
