//! Criterion benchmarks for the primitives the chain and the worker run on every batch:
//! ML-DSA-87 and SLH-DSA-SHA2-256s signing and verification, and ordering 10,000 entries.
//!
//! `cargo bench -p aegis-primitives`; the README's performance table records the medians.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_primitives::{
	ordering::{is_ordered, order, EntryMeta, OrderingRule, ProtectionTier},
	pqc::{self, context, SecretKey, Suite},
	risk::RiskScore,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::{hint::black_box, time::Duration};

const MESSAGE: [u8; 32] = [0x5a; 32];

fn signatures(c: &mut Criterion) {
	for suite in Suite::ALL {
		let key = SecretKey::from_seed(suite, &[1; 32]);
		let pk = key.public_key();
		let sig = pqc::sign(suite, &key, context::BATCH, &MESSAGE).unwrap();
		let mut group = c.benchmark_group(suite.name());
		if suite == Suite::SlhDsaSha2_256s {
			// Each signature takes ~0.4 s: keep the run short but still a median of 10.
			group.sample_size(10).measurement_time(Duration::from_secs(8));
		}
		group.bench_function("sign", |b| {
			b.iter(|| pqc::sign(suite, &key, context::BATCH, black_box(&MESSAGE)).unwrap())
		});
		group.sample_size(if suite == Suite::SlhDsaSha2_256s { 50 } else { 100 });
		group.bench_function("verify", |b| {
			b.iter(|| assert!(pqc::verify(suite, &pk, context::BATCH, black_box(&MESSAGE), &sig)))
		});
		group.bench_function("parse-public-key", |b| {
			b.iter(|| pqc::PublicKey::parse(suite, black_box(&pk)).unwrap())
		});
		let parsed = pqc::PublicKey::parse(suite, &pk).unwrap();
		group.bench_function("verify-parsed-key", |b| {
			b.iter(|| assert!(parsed.verify(context::BATCH, black_box(&MESSAGE), &sig)))
		});
		group.finish();
	}
}

/// 10,000 entries with few distinct priorities (many FIFO ties) and shuffled arrivals: the shape
/// of a full pool.
fn pool(n: u64) -> Vec<EntryMeta> {
	let tiers = [
		ProtectionTier::None,
		ProtectionTier::Standard,
		ProtectionTier::High,
		ProtectionTier::Critical,
	];
	(0..n)
		.map(|i| {
			let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
			EntryMeta {
				arrival: x >> 16,
				risk: RiskScore::new(((x >> 8) % 10_001) as u16).unwrap(),
				protection: tiers[(x % 4) as usize],
				migration: x % 7 == 0,
			}
		})
		.collect()
}

fn ordering(c: &mut Criterion) {
	let entries = pool(10_000);
	let mut group = c.benchmark_group("ordering-10k");
	for rule in OrderingRule::ALL {
		group.bench_with_input(BenchmarkId::new("order", rule.config_name()), &entries, |b, e| {
			b.iter(|| order(rule, black_box(e)))
		});
		let ordered: Vec<EntryMeta> =
			order(rule, &entries).into_iter().map(|i| entries[i as usize]).collect();
		group.bench_with_input(
			BenchmarkId::new("is_ordered", rule.config_name()),
			&ordered,
			|b, e| b.iter(|| assert!(is_ordered(rule, black_box(e)))),
		);
	}
	group.finish();
}

criterion_group!(benches, signatures, ordering);
criterion_main!(benches);
