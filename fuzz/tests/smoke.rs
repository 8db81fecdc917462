//! Every fuzz target on its seeds and on mutations of them: a short smoke run in CI
//! (`AEGIS_FUZZ_ITERATIONS`, default 300 per target), or as long a run as the variable asks
//! (`AEGIS_FUZZ_ITERATIONS=1000000 cargo test --release -p aegis-fuzz --test smoke`).
//! The coverage-guided runs are `cargo fuzz`'s (see `fuzz/README.md`).

use aegis_fuzz::{
	mutate::{mutate, Rng},
	seeds, targets,
};

fn iterations() -> usize {
	std::env::var("AEGIS_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

/// Runs `target` on every seed, then on `iterations()` mutations of them, reproducibly.
fn run(name: &str, target: fn(&[u8]), seeds: Vec<Vec<u8>>) {
	assert!(!seeds.is_empty(), "{name} has seeds");
	for seed in &seeds {
		target(seed);
	}
	let mut rng = Rng::new(
		name.bytes()
			.fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)),
	);
	let started = std::time::Instant::now();
	let n = iterations();
	for i in 0..n {
		let Some(seed) = seeds.get(i % seeds.len()) else { continue };
		target(&mutate(seed, &mut rng));
	}
	eprintln!("{name}: {n} mutated inputs in {:.1?}", started.elapsed());
}

#[test]
fn envelope_open() {
	run("envelope_open", targets::envelope_open, seeds::envelope_open());
}

#[test]
fn verify_quote() {
	run("verify_quote", targets::verify_quote, seeds::verify_quote());
}

#[test]
fn verify_evidence() {
	// The seeds verify (as what they are), so mutations start from accepted evidence.
	for seed in seeds::verify_evidence() {
		let [evidence, collateral, roots, now] = aegis_fuzz::frame::split::<4>(&seed).unwrap();
		let kind = aegis_attestation::evidence_kind(evidence).unwrap();
		let roots: Vec<Vec<u8>> = if roots.first() == Some(&1) {
			aegis_attestation::vendor_roots(kind).into_iter().map(<[u8]>::to_vec).collect()
		} else {
			vec![aegis_attestation::dev::root(kind).to_vec()]
		};
		let now = u64::from_le_bytes(now.try_into().unwrap());
		aegis_attestation::verify_evidence(kind, evidence, collateral, &roots, now).unwrap();
	}
	run("verify_evidence", targets::verify_evidence, seeds::verify_evidence());
}

#[test]
fn platform_collateral() {
	run("platform_collateral", targets::platform_collateral, seeds::platform_collateral());
}

#[test]
fn revealed_call() {
	run("revealed_call", targets::revealed_call, seeds::revealed_call());
}

#[test]
fn batch() {
	run("batch", targets::batch, seeds::batch());
}

#[test]
fn worker_parsers() {
	run("worker_parsers", targets::worker_parsers, seeds::worker_parsers());
}

/// The seeds are valid inputs: the targets reach the end of their checks with them, so the
/// mutations explore around accepted inputs, not only around early refusals.
#[test]
fn the_seeds_pass_every_check() {
	use aegis_fuzz::frame::split;
	for seed in seeds::verify_quote() {
		let [quote, collateral, root, now] = split::<4>(&seed).unwrap();
		let now = u64::from_le_bytes(now.try_into().unwrap());
		aegis_attestation::verify_quote(quote, collateral, targets::quote_root(root), now).unwrap();
	}
	for seed in seeds::platform_collateral() {
		let [tcb, ts, qe, qs, chain, crl, now] = split::<7>(&seed).unwrap();
		let root = aegis_attestation::dev::SIM_ROOT_CA_DER;
		let now = u64::from_le_bytes(now.try_into().unwrap());
		aegis_attestation::verify_platform_collateral(tcb, ts, qe, qs, chain, crl, root, now)
			.unwrap();
	}
	for seed in seeds::envelope_open() {
		targets::envelope_key(|key| {
			aegis_envelope::open(key, &targets::ENVELOPE_GENESIS, &targets::ENVELOPE_ACCOUNT, &seed)
				.unwrap()
		});
	}
	for seed in seeds::batch() {
		assert_eq!(targets::batch_commits(&seed), Some(true));
	}
}
