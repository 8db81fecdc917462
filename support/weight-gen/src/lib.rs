//! Measured weights for a pallet, from its FRAME v2 benchmarks run natively (release build) in
//! the pallet's mock runtime: each benchmark is run [`REPEAT`] times per component value (at
//! most [`STEPS`] values over each component's range, the other components at their lowest, so
//! that a cheap component is not lost in the noise of an expensive one at its highest), the
//! median time taken, and a least-squares line fitted
//! through the medians of each component. Storage read and write counts and proof sizes are
//! given per benchmark by the pallet ([`Spec`]), from the items each call touches.
//!
//! A pallet calls [`generate`] from an `#[ignore]`d test inside its `#[benchmarks]` module;
//! `scripts/pallet-weights.sh <pallet>` runs it. The runtime's benchmark run over the wasm
//! runtime later regenerates the files in the standard way.

use frame_benchmarking::{BenchmarkParameter, BenchmarkingSetup, Recording};
use std::{fmt::Write as _, time::Instant};

/// Runs per component value.
pub const REPEAT: usize = 51;
/// Most values measured per component.
pub const STEPS: u32 = 12;

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

/// The values measured over `low..=high`: all of them, or [`STEPS`] spread evenly.
pub fn steps(low: u32, high: u32) -> Vec<u32> {
	let span = high.saturating_sub(low);
	if span < STEPS {
		return (low..=high).collect();
	}
	let mut values: Vec<u32> = (0..STEPS)
		.map(|i| low + (u64::from(span) * u64::from(i) / u64::from(STEPS - 1)) as u32)
		.collect();
	values.dedup();
	values
}

/// Median execution times in picoseconds, one series per component (each component stepped
/// over its range, the others at their lowest; a single point for a benchmark without
/// components), each run in fresh externalities from `ext`.
pub fn measure<T, B: BenchmarkingSetup<T>>(
	bench: &B,
	ext: impl Fn() -> sp_io::TestExternalities,
) -> Series {
	let components = bench.components();
	if components.is_empty() {
		return vec![vec![(0, median_time(bench, &ext, &[]))]];
	}
	components
		.iter()
		.map(|&(param, low, high)| {
			steps(low, high)
				.into_iter()
				.map(|value| {
					let selected: Vec<(BenchmarkParameter, u32)> = components
						.iter()
						.map(|&(which, low, _)| (which, if which == param { value } else { low }))
						.collect();
					(value, median_time(bench, &ext, &selected))
				})
				.collect()
		})
		.collect()
}

fn median_time<T, B: BenchmarkingSetup<T>>(
	bench: &B,
	ext: &impl Fn() -> sp_io::TestExternalities,
	selected: &[(BenchmarkParameter, u32)],
) -> f64 {
	let mut samples: Vec<u128> = (0..REPEAT)
		.map(|_| {
			ext().execute_with(|| {
				let mut timer = Timer::default();
				bench.instance(&mut timer, selected, true).expect("benchmark runs");
				timer.nanos.expect("benchmark recorded a time")
			})
		})
		.collect();
	samples.sort_unstable();
	let median = samples.get(REPEAT / 2).copied().unwrap_or_default();
	median as f64 * 1_000.0
}

/// Least-squares line through the medians: (intercept, slope), both at least zero.
pub fn fit(points: &[(u32, f64)]) -> (u64, u64) {
	let n = points.len() as f64;
	let mean_x = points.iter().map(|p| p.0 as f64).sum::<f64>() / n;
	let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
	let var: f64 = points.iter().map(|p| (p.0 as f64 - mean_x).powi(2)).sum();
	let cov: f64 = points.iter().map(|p| (p.0 as f64 - mean_x) * (p.1 - mean_y)).sum();
	let slope = if var > 0.0 { (cov / var).max(0.0) } else { 0.0 };
	let base = (mean_y - slope * mean_x).max(0.0);
	(base.round() as u64, slope.round() as u64)
}

/// What the pallet states about one benchmark.
#[derive(Default)]
pub struct Spec {
	/// The weight function's name.
	pub name: &'static str,
	/// The storage items touched, as the doc line of the weight function.
	pub doc: &'static str,
	/// Storage reads.
	pub reads: u64,
	/// Storage writes.
	pub writes: u64,
	/// Proof size of the fixed part, from the items' max sizes.
	pub proof: u64,
	/// The benchmark's components, in its order.
	pub components: Vec<Component>,
}

/// A benchmark component and what each unit of it adds.
#[derive(Default)]
pub struct Component {
	/// Its name.
	pub name: &'static str,
	/// Proof size per unit.
	pub proof: u64,
	/// Storage reads per unit.
	pub reads: u64,
	/// Storage writes per unit.
	pub writes: u64,
}

/// Measured points: one series of `(component value, picoseconds)` per component.
pub type Series = Vec<Vec<(u32, f64)>>;

/// A benchmark's description, fitted base and slopes (one per component), and measured points
/// (one series per component).
pub type Measured = (Spec, (u64, Vec<u64>), Series);

/// Base and per-component slopes from one series per component. Each series was measured with
/// the other components at their lowest, so each gives an estimate of the base: its intercept
/// less the other components' share at those values. The largest estimate is kept, so that a
/// noisy slope never hides fixed work (such as a signature check) from the weight.
pub fn fit_all(series: &[Vec<(u32, f64)>]) -> (u64, Vec<u64>) {
	let fits: Vec<(u64, u64)> = series.iter().map(|points| fit(points)).collect();
	let slopes: Vec<u64> = fits.iter().map(|f| f.1).collect();
	let lows: Vec<u64> =
		series.iter().map(|p| u64::from(p.first().map(|p| p.0).unwrap_or_default())).collect();
	let shares: Vec<u64> = slopes.iter().zip(&lows).map(|(s, l)| s.saturating_mul(*l)).collect();
	let total: u64 = shares.iter().sum();
	let base = fits
		.iter()
		.zip(&shares)
		.map(|((intercept, _), own)| intercept.saturating_sub(total.saturating_sub(*own)))
		.max()
		.unwrap_or_default();
	(base, slopes)
}

/// Fits each benchmark's points and writes `weights.rs` for `pallet` (e.g. `pallet_tee_registry`)
/// to `path`; `folder` is the pallet's folder under `pallets/`, named in the header.
pub fn generate(pallet: &str, folder: &str, path: &str, specs: Vec<(Spec, Series)>) {
	let specs: Vec<Measured> =
		specs.into_iter().map(|(spec, series)| (spec, fit_all(&series), series)).collect();
	std::fs::write(path, render(pallet, folder, &specs)).expect("write weights.rs");
}

/// The text of `weights.rs`, in the layout `frame-benchmarking-cli` generates.
pub fn render(pallet: &str, folder: &str, specs: &[Measured]) -> String {
	let mut out = String::new();
	let date = std::process::Command::new("date")
		.arg("-u")
		.arg("+%Y-%m-%d")
		.output()
		.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
		.unwrap_or_default();
	let _ = write!(
		out,
		"//! Weights for `{pallet}`.\n\
		 //!\n\
		 //! GENERATED by `scripts/pallet-weights.sh {folder}` on {date}: every benchmark in\n\
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
		 /// Weight functions needed for `{pallet}`.\n\
		 pub trait WeightInfo {{\n"
	);
	let signature = |spec: &Spec| {
		let params: String = spec.components.iter().map(|c| format!("{}: u32, ", c.name)).collect();
		format!("fn {}({params}) -> Weight", spec.name)
	};
	for (spec, _, _) in specs {
		let _ = writeln!(out, "\t{};", signature(spec));
	}
	out.push_str("}\n");
	for (target, db) in
		[("SubstrateWeight<T>", "T::DbWeight::get()"), ("()", "RocksDbWeight::get()")]
	{
		if target == "()" {
			out.push_str("\n// For backwards compatibility and tests.\nimpl WeightInfo for () {\n");
		} else {
			let _ = write!(
				out,
				"\n/// Weights for `{pallet}` using the Substrate node and recommended hardware.\n\
				 pub struct SubstrateWeight<T>(PhantomData<T>);\n\
				 impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {{\n"
			);
		}
		for (spec, (base, slopes), series) in specs {
			let _ = writeln!(out, "\t/// {}", spec.doc);
			for (c, points) in spec.components.iter().zip(series) {
				if let (Some(first), Some(last)) = (points.first(), points.last()) {
					let _ = writeln!(
						out,
						"\t/// The range of component `{}` is `[{}, {}]`.",
						c.name, first.0, last.0
					);
				}
			}
			let _ = writeln!(out, "\t{} {{", signature(spec));
			let min = series.iter().flatten().map(|p| p.1).fold(f64::MAX, f64::min);
			let _ =
				writeln!(out, "\t\t// Minimum execution time: {} picoseconds.", min.round() as u64);
			let _ = writeln!(out, "\t\tWeight::from_parts({base}, {})", spec.proof);
			for (c, slope) in spec.components.iter().zip(slopes) {
				let _ = writeln!(
					out,
					"\t\t\t.saturating_add(Weight::from_parts({slope}, {}).saturating_mul({}.into()))",
					c.proof, c.name
				);
			}
			for (kind, fixed, per) in [
				("reads", spec.reads, spec.components.iter().map(|c| c.reads).collect::<Vec<_>>()),
				("writes", spec.writes, spec.components.iter().map(|c| c.writes).collect()),
			] {
				let _ = writeln!(out, "\t\t\t.saturating_add({db}.{kind}({fixed}_u64))");
				for (c, n) in spec.components.iter().zip(per).filter(|(_, n)| *n > 0) {
					let _ = writeln!(
						out,
						"\t\t\t.saturating_add({db}.{kind}(({n}_u64).saturating_mul({}.into())))",
						c.name
					);
				}
			}
			out.push_str("\t}\n");
		}
		out.push_str("}\n");
	}
	out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
	use super::*;

	#[test]
	fn fit_recovers_a_line_and_clamps_at_zero() {
		let points: Vec<(u32, f64)> = (0..5).map(|x| (x, 100.0 + 7.0 * x as f64)).collect();
		assert_eq!(fit(&points), (100, 7));
		assert_eq!(fit(&[(0, 50.0)]), (50, 0));
		assert_eq!(fit(&[(0, 10.0), (1, 5.0)]), (8, 0));
	}

	#[test]
	fn render_writes_both_impls_with_the_component() {
		let spec = Spec {
			name: "f",
			doc: "Storage: `X` (r:1 w:1)",
			reads: 1,
			writes: 2,
			proof: 40,
			components: vec![Component { name: "n", proof: 8, reads: 0, writes: 3 }],
		};
		let text = render(
			"pallet_x",
			"x",
			&[(spec, (1000, vec![10]), vec![vec![(0, 1000.0), (4, 1040.0)]])],
		);
		assert!(text.contains("fn f(n: u32, ) -> Weight;"));
		assert!(text.contains("impl WeightInfo for () {"));
		assert!(text.contains("impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {"));
		assert!(text.contains("Weight::from_parts(1000, 40)"));
		assert!(
			text.contains(".saturating_add(Weight::from_parts(10, 8).saturating_mul(n.into()))")
		);
		assert!(text.contains("T::DbWeight::get().reads(1_u64)"));
		assert!(text.contains("RocksDbWeight::get().writes(2_u64)"));
		assert!(text.contains(
			".saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(n.into())))"
		));
		assert!(!text.contains("reads((0_u64)"));
		assert!(text.contains("The range of component `n` is `[0, 4]`."));
	}

	#[test]
	fn steps_cover_the_range_ends() {
		assert_eq!(steps(0, 3), vec![0, 1, 2, 3]);
		let s = steps(1, 1024);
		assert_eq!((s.len() as u32, s[0], s[s.len() - 1]), (STEPS, 1, 1024));
		assert!(s.windows(2).all(|w| w[0] < w[1]));
	}

	#[test]
	fn a_second_component_gets_its_own_slope_and_the_base_is_corrected() {
		// t = 100 + 5n + 30c; n measured over 1..=10 with c = 2, c over 2..=4 with n = 1.
		let n: Vec<(u32, f64)> = (1..=10).map(|n| (n, 100.0 + 5.0 * n as f64 + 60.0)).collect();
		let c: Vec<(u32, f64)> = (2..=4).map(|c| (c, 100.0 + 5.0 + 30.0 * c as f64)).collect();
		assert_eq!(fit_all(&[n.clone(), c.clone()]), (100, vec![5, 30]));
		// A slope fitted too steep on one series cannot push the base below the other's.
		let steep: Vec<(u32, f64)> = n.iter().map(|&(x, y)| (x, y + 4.0 * x as f64)).collect();
		assert!(fit_all(&[steep, c.clone()]).0 > 0);
		let spec = Spec {
			name: "g",
			components: vec![
				Component { name: "n", ..Default::default() },
				Component { name: "c", proof: 7, reads: 1, writes: 0 },
			],
			..Default::default()
		};
		let text = render("pallet_x", "x", &[(spec, fit_all(&[n, c]), Vec::new())]);
		assert!(text.contains("fn g(n: u32, c: u32, ) -> Weight;"));
		assert!(
			text.contains(".saturating_add(Weight::from_parts(30, 7).saturating_mul(c.into()))")
		);
		assert!(text.contains("reads((1_u64).saturating_mul(c.into()))"));
	}
}
