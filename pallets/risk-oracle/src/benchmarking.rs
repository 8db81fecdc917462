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
		use frame_benchmarking::{BenchmarkParameter, BenchmarkingSetup, Recording};
		use std::{fmt::Write as _, time::Instant};

		#[derive(Default)]
		struct Timer {
			started: Option<Instant>,
			nanos: Option<u128>,
		}

		impl Recording for Timer {
			fn start(&mut self) {
				self.started = Some(Instant::now());
			}
			fn stop(&mut self) {
				self.nanos = self.started.map(|t| t.elapsed().as_nanos());
			}
		}

		const REPEAT: usize = 51;

		/// Median execution time in picoseconds for each value of the benchmark's component.
		fn measure<B: BenchmarkingSetup<Test>>(bench: &B) -> Vec<(u32, f64)> {
			let components = bench.components();
			let values: Vec<(Option<BenchmarkParameter>, u32)> = match components.first() {
				Some(&(param, low, high)) => (low..=high).map(|v| (Some(param), v)).collect(),
				None => vec![(None, 0)],
			};
			values
				.into_iter()
				.map(|(param, value)| {
					let selected: Vec<_> = param.map(|which| (which, value)).into_iter().collect();
					let mut samples: Vec<u128> = (0..REPEAT)
						.map(|_| {
							new_test_ext().execute_with(|| {
								let mut timer = Timer::default();
								bench
									.instance(&mut timer, &selected, true)
									.expect("benchmark runs");
								timer.nanos.expect("benchmark recorded a time")
							})
						})
						.collect();
					samples.sort_unstable();
					(value, samples[REPEAT / 2] as f64 * 1_000.0)
				})
				.collect()
		}

		/// Least-squares line through the medians: (intercept, slope), both at least zero.
		fn fit(points: &[(u32, f64)]) -> (u64, u64) {
			let n = points.len() as f64;
			let mean_x = points.iter().map(|p| p.0 as f64).sum::<f64>() / n;
			let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
			let var: f64 = points.iter().map(|p| (p.0 as f64 - mean_x).powi(2)).sum();
			let cov: f64 = points.iter().map(|p| (p.0 as f64 - mean_x) * (p.1 - mean_y)).sum();
			let slope = if var > 0.0 { (cov / var).max(0.0) } else { 0.0 };
			let base = (mean_y - slope * mean_x).max(0.0);
			(base.round() as u64, slope.round() as u64)
		}

		struct Spec {
			name: &'static str,
			component: Option<&'static str>,
			doc: &'static str,
			reads: u64,
			writes: u64,
			/// Proof size: fixed part and part per component unit, from the items' max sizes.
			proof: (u64, u64),
		}

		/// A benchmark's description, fitted line and measured points.
		type Measured = (Spec, (u64, u64), Vec<(u32, f64)>);

		fn render(specs: &[Measured]) -> String {
			let mut out = String::new();
			let date = std::process::Command::new("date")
				.arg("-u")
				.arg("+%Y-%m-%d")
				.output()
				.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
				.unwrap_or_default();
			let _ = write!(
				out,
				"//! Weights for `pallet_risk_oracle`.\n\
				 //!\n\
				 //! GENERATED by `scripts/pallet-weights.sh risk-oracle` on {date}: every benchmark in\n\
				 //! `benchmarking.rs` run natively (release build) in the pallet's mock runtime, \
				 {REPEAT} repeats\n\
				 //! per component value, median times fitted by least squares. Storage reads/writes \
				 and proof\n\
				 //! sizes are those of the items each call touches (listed per function). The \
				 runtime's\n\
				 //! benchmark run over the wasm runtime regenerates this file in the standard way.\n\
				 //! Do not edit by hand.\n\n\
				 #![cfg_attr(rustfmt, rustfmt_skip)]\n\
				 #![allow(unused_parens)]\n\
				 #![allow(unused_imports)]\n\
				 #![allow(missing_docs)]\n\n\
				 use frame_support::{{traits::Get, weights::{{Weight, constants::RocksDbWeight}}}};\n\
				 use core::marker::PhantomData;\n\n\
				 /// Weight functions needed for `pallet_risk_oracle`.\n\
				 pub trait WeightInfo {{\n"
			);
			let signature = |spec: &Spec| match spec.component {
				Some(c) => format!("fn {}({c}: u32, ) -> Weight", spec.name),
				None => format!("fn {}() -> Weight", spec.name),
			};
			for (spec, _, _) in specs {
				let _ = writeln!(out, "\t{};", signature(spec));
			}
			out.push_str("}\n");
			for (target, db) in
				[("SubstrateWeight<T>", "T::DbWeight::get()"), ("()", "RocksDbWeight::get()")]
			{
				if target == "()" {
					out.push_str(
						"\n// For backwards compatibility and tests.\nimpl WeightInfo for () {\n",
					);
				} else {
					out.push_str("\n/// Weights for `pallet_risk_oracle` using the Substrate node and recommended hardware.\npub struct SubstrateWeight<T>(PhantomData<T>);\nimpl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {\n");
				}
				for (spec, (base, slope), points) in specs {
					let _ = writeln!(out, "\t/// {}", spec.doc);
					if let (Some(c), Some(first), Some(last)) =
						(spec.component, points.first(), points.last())
					{
						let _ = writeln!(
							out,
							"\t/// The range of component `{c}` is `[{}, {}]`.",
							first.0, last.0
						);
					}
					let _ = writeln!(out, "\t{} {{", signature(spec));
					let min = points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
					let _ = writeln!(
						out,
						"\t\t// Minimum execution time: {} picoseconds.",
						min.round() as u64
					);
					let _ = writeln!(out, "\t\tWeight::from_parts({base}, {})", spec.proof.0);
					if let Some(c) = spec.component {
						let _ = writeln!(
							out,
							"\t\t\t.saturating_add(Weight::from_parts({slope}, {}).saturating_mul({c}.into()))",
							spec.proof.1
						);
					}
					let _ = writeln!(out, "\t\t\t.saturating_add({db}.reads({}_u64))", spec.reads);
					let _ =
						writeln!(out, "\t\t\t.saturating_add({db}.writes({}_u64))", spec.writes);
					out.push_str("\t}\n");
				}
				out.push_str("}\n");
			}
			out
		}

		/// Max encoded sizes in the mock: storage key 32 B each; `Feeders` 1 + 8·n; `Feeds`
		/// 1 + (8 + 2 + 8)·n; `Score` 2; `LastUpdated` 8; `Level` 10.
		#[test]
		#[ignore = "writes src/weights.rs; run through scripts/pallet-weights.sh"]
		fn generate_weights() {
			let feeders_item = 32 + 1;
			let feeds_item = 32 + 1;
			let specs = vec![
				(Spec { name: "add_feeder", component: Some("f"), doc: "Storage: `RiskOracle::Feeders` (r:1 w:1)", reads: 1, writes: 1, proof: (feeders_item, 8) }, measure(&add_feeder)),
				(Spec { name: "remove_feeder", component: Some("f"), doc: "Storage: `RiskOracle::Feeders` (r:1 w:1), `RiskOracle::Feeds` (r:1 w:1)", reads: 2, writes: 2, proof: (feeders_item + feeds_item, 8 + 18) }, measure(&remove_feeder)),
				(Spec { name: "feed", component: Some("f"), doc: "Storage: `RiskOracle::Feeders` (r:1), `RiskOracle::Feeds` (r:1 w:1), `RiskOracle::Level` (r:1 w:1), `RiskOracle::Score` (w:1), `RiskOracle::LastUpdated` (w:1)", reads: 3, writes: 4, proof: (feeders_item + feeds_item + 32 + 10, 8 + 18) }, measure(&feed)),
				(Spec { name: "force_score", component: None, doc: "Storage: `RiskOracle::Level` (r:1 w:1), `RiskOracle::Score` (w:1), `RiskOracle::LastUpdated` (w:1)", reads: 1, writes: 3, proof: (32 + 10, 0) }, measure(&force_score)),
				(Spec { name: "on_initialize_escalation", component: None, doc: "Storage: `RiskOracle::Level` (r:1 w:1)", reads: 1, writes: 1, proof: (32 + 10, 0) }, measure(&on_initialize_escalation)),
			];
			let specs: Vec<_> =
				specs.into_iter().map(|(spec, points)| (spec, fit(&points), points)).collect();
			let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/weights.rs");
			std::fs::write(path, render(&specs)).expect("write weights.rs");
		}
	}
}
