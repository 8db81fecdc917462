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

	/// Measures the benchmarks above natively in the mock runtime and writes `src/weights.rs`.
	///
	/// Run by `scripts/pallet-weights.sh risk-oracle` (release build). The runtime's
	/// benchmark run over the wasm runtime replaces these numbers once the node exists.
	#[cfg(test)]
	mod weight_file {
		use super::*;
		use crate::mock::{new_test_ext, Test};
		use aegis_weight_gen::{generate, measure, Component, Spec};

		/// Max encoded sizes in the mock: storage key 32 B each; `Feeders` 1 + 8·n; `Feeds`
		/// 1 + (8 + 2 + 8)·n; `Score` 2; `LastUpdated` 8; `Level` 10.
		#[test]
		#[ignore = "writes src/weights.rs; run through scripts/pallet-weights.sh"]
		fn generate_weights() {
			let feeders_item = 32 + 1;
			let feeds_item = 32 + 1;
			let specs = vec![
				(Spec { name: "add_feeder", doc: "Storage: `RiskOracle::Feeders` (r:1 w:1)", reads: 1, writes: 1, proof: feeders_item, components: vec![Component { name: "f", proof: 8, reads: 0, writes: 0 }] }, measure::<Test, _>(&add_feeder, new_test_ext)),
				(Spec { name: "remove_feeder", doc: "Storage: `RiskOracle::Feeders` (r:1 w:1), `RiskOracle::Feeds` (r:1 w:1)", reads: 2, writes: 2, proof: feeders_item + feeds_item, components: vec![Component { name: "f", proof: 8 + 18, reads: 0, writes: 0 }] }, measure::<Test, _>(&remove_feeder, new_test_ext)),
				(Spec { name: "feed", doc: "Storage: `RiskOracle::Feeders` (r:1), `RiskOracle::Feeds` (r:1 w:1), `RiskOracle::Level` (r:1 w:1), `RiskOracle::Score` (w:1), `RiskOracle::LastUpdated` (w:1)", reads: 3, writes: 4, proof: feeders_item + feeds_item + 32 + 10, components: vec![Component { name: "f", proof: 8 + 18, reads: 0, writes: 0 }] }, measure::<Test, _>(&feed, new_test_ext)),
				(Spec { name: "force_score", doc: "Storage: `RiskOracle::Level` (r:1 w:1), `RiskOracle::Score` (w:1), `RiskOracle::LastUpdated` (w:1)", reads: 1, writes: 3, proof: 32 + 10, ..Default::default() }, measure::<Test, _>(&force_score, new_test_ext)),
				(Spec { name: "on_initialize_escalation", doc: "Storage: `RiskOracle::Level` (r:1 w:1)", reads: 1, writes: 1, proof: 32 + 10, ..Default::default() }, measure::<Test, _>(&on_initialize_escalation, new_test_ext)),
			];
			let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/weights.rs");
			generate("pallet_risk_oracle", "risk-oracle", path, specs);
		}
	}
}
