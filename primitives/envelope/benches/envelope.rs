//! Criterion benchmarks for sealing and opening a transaction envelope.
//!
//! `cargo bench -p aegis-envelope`; the README's performance table records the medians.

use aegis_envelope::{open, seal, RecipientKey};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn envelope(c: &mut Criterion) {
	let key = RecipientKey::derive(&[7; 32], 1);
	let public = key.public_key();
	let genesis = [1u8; 32];
	let account = [2u8; 32];
	// A balance transfer call plus salt encodes to well under 256 bytes.
	let plaintext = [0xabu8; 256];
	let sealed = seal(&public, &genesis, &account, &plaintext).unwrap();

	let mut group = c.benchmark_group("envelope-256B");
	group.bench_function("seal", |b| {
		b.iter(|| seal(&public, &genesis, &account, black_box(&plaintext)).unwrap())
	});
	group.bench_function("open", |b| {
		b.iter(|| open(&key, &genesis, &account, black_box(&sealed)).unwrap())
	});
	group.finish();
}

criterion_group!(benches, envelope);
criterion_main!(benches);
