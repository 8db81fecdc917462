//! The building blocks of `open`, measured separately so the envelope benchmark can be read:
//! X-Wing decapsulation as `hpke`/`x-wing` run it (the key pair is re-expanded from its seed on
//! every call), and its parts, ML-KEM-768 decapsulation and X25519, on their own.
//!
//! `cargo bench -p aegis-envelope --bench components`

use criterion::{criterion_group, criterion_main, Criterion};
use hpke::{kem::XWing, Kem};
use ml_kem::{kem::Decapsulate, MlKem768};
use std::hint::black_box;

fn components(c: &mut Criterion) {
	let mut group = c.benchmark_group("envelope-components");

	let (sk, pk) = XWing::derive_keypair(&[7; 32]);
	let (_, enc) = XWing::encap(&pk, None).unwrap();
	group.bench_function("x-wing decapsulate", |b| {
		b.iter(|| XWing::decap(&sk, None, black_box(&enc)).unwrap())
	});
	group.bench_function("x-wing key expansion", |b| {
		b.iter(|| XWing::derive_keypair(black_box(&[7; 32])))
	});

	let dk = ml_kem::DecapsulationKey::<MlKem768>::from_seed([7u8; 64].into());
	let (ct, _) = dk.encapsulation_key().encapsulate_deterministic(&[3u8; 32].into());
	group.bench_function("ml-kem-768 decapsulate", |b| b.iter(|| dk.decapsulate(black_box(&ct))));

	let secret = x25519_dalek::StaticSecret::from([9u8; 32]);
	let peer = x25519_dalek::PublicKey::from([5u8; 32]);
	group.bench_function("x25519 shared secret", |b| {
		b.iter(|| secret.diffie_hellman(black_box(&peer)))
	});
	group.finish();
}

criterion_group!(benches, components);
criterion_main!(benches);
