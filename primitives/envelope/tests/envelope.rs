//! Envelope round trips and every way an envelope can be wrong.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_envelope::*;
use proptest::prelude::*;

const GENESIS: [u8; 32] = [0x11; 32];
const ALICE: [u8; 32] = [0xa1; 32];
const BOB: [u8; 32] = [0xb0; 32];

fn key(epoch: u32) -> RecipientKey {
	RecipientKey::derive(&[0x42; 32], epoch)
}

fn sealed(plaintext: &[u8]) -> (RecipientKey, Vec<u8>) {
	let k = key(7);
	let env = seal(&k.public_key(), &GENESIS, &ALICE, plaintext).unwrap();
	(k, env)
}

#[test]
fn round_trip() {
	let (k, env) = sealed(b"transfer 10 to bob");
	assert_eq!(env.len(), OVERHEAD + 18);
	assert_eq!(open(&k, &GENESIS, &ALICE, &env).unwrap(), b"transfer 10 to bob");
	let h = peek_header(&env).unwrap();
	assert_eq!(
		h,
		Header { version: 1, suite: CipherSuite::XWingHkdfSha256ChaCha20Poly1305, key_epoch: 7 }
	);
}

#[test]
fn empty_plaintext_round_trips() {
	let (k, env) = sealed(b"");
	assert_eq!(env.len(), OVERHEAD);
	assert_eq!(open(&k, &GENESIS, &ALICE, &env).unwrap(), b"");
}

#[test]
fn sealing_is_randomised() {
	let k = key(1);
	let a = seal(&k.public_key(), &GENESIS, &ALICE, b"x").unwrap();
	let b = seal(&k.public_key(), &GENESIS, &ALICE, b"x").unwrap();
	assert_ne!(a, b);
}

#[test]
fn fixed_randomness_seals_reproducibly_and_opens() {
	let k = key(2);
	let randomness = [0x5a; ENCAPSULATION_RANDOMNESS_LEN];
	let seal_fixed = |r: &[u8; ENCAPSULATION_RANDOMNESS_LEN]| {
		seal_with_encapsulation_randomness(&k.public_key(), &GENESIS, &ALICE, b"x", r).unwrap()
	};
	let a = seal_fixed(&randomness);
	assert_eq!(a, seal_fixed(&randomness));
	assert_eq!(open(&k, &GENESIS, &ALICE, &a).unwrap(), b"x");
	// Both halves are used: changing either changes the encapsulated key.
	let (mut ml_kem, mut x25519) = (randomness, randomness);
	ml_kem[0] ^= 1;
	x25519[63] ^= 1;
	let enc = |e: &[u8]| e[HEADER_LEN..HEADER_LEN + ENCAPSULATED_KEY_LEN].to_vec();
	assert_ne!(enc(&seal_fixed(&ml_kem)), enc(&a));
	assert_ne!(enc(&seal_fixed(&x25519)), enc(&a));
	// The X25519 half is the last 32 bytes of the encapsulated key's source: ML-KEM's
	// ciphertext (1088 bytes) does not change when only the X25519 secret does.
	assert_eq!(enc(&seal_fixed(&x25519))[..1088], enc(&a)[..1088]);
}

#[test]
fn derived_keys_are_deterministic_and_public_keys_parse() {
	let a = RecipientKey::derive(&[1; 32], 0).public_key();
	assert_eq!(a, RecipientKey::derive(&[1; 32], 0).public_key());
	assert_ne!(a, RecipientKey::derive(&[2; 32], 0).public_key());
	let parsed = RecipientPublicKey::from_bytes(3, &a.to_bytes()).unwrap();
	assert_eq!(parsed.to_bytes(), a.to_bytes());
	assert_eq!(parsed.epoch(), 3);
	assert_eq!(RecipientPublicKey::from_bytes(0, &[0; 10]), Err(EnvelopeError::InvalidPublicKey));
	assert!(format!("{:?}", key(0)).contains("redacted"));
}

#[test]
fn a_parsed_public_key_seals_to_the_enclave() {
	let k = RecipientKey::generate(9);
	let published = k.public_key().to_bytes();
	let user_view = RecipientPublicKey::from_bytes(9, &published).unwrap();
	let env = seal(&user_view, &GENESIS, &ALICE, b"hi").unwrap();
	assert_eq!(open(&k, &GENESIS, &ALICE, &env).unwrap(), b"hi");
}

#[test]
fn wrong_key_fails() {
	let (_, env) = sealed(b"secret");
	let other = RecipientKey::derive(&[0x43; 32], 7);
	assert_eq!(open(&other, &GENESIS, &ALICE, &env), Err(EnvelopeError::DecryptionFailed));
}

#[test]
fn wrong_epoch_fails() {
	let (_, env) = sealed(b"secret");
	// Same key material, other epoch: refused before any decryption.
	assert_eq!(
		open(&key(8), &GENESIS, &ALICE, &env),
		Err(EnvelopeError::WrongEpoch { envelope: 7, key: 8 })
	);
}

#[test]
fn rewritten_epoch_fails() {
	// An attacker relabels the envelope for the epoch the recipient holds: `info` differs.
	let (_, mut env) = sealed(b"secret");
	env[2] = 8;
	assert_eq!(open(&key(8), &GENESIS, &ALICE, &env), Err(EnvelopeError::DecryptionFailed));
}

#[test]
fn wrong_account_fails() {
	let (k, env) = sealed(b"secret");
	assert_eq!(open(&k, &GENESIS, &BOB, &env), Err(EnvelopeError::DecryptionFailed));
	assert_eq!(open(&k, &GENESIS, &ALICE[..31], &env), Err(EnvelopeError::DecryptionFailed));
}

#[test]
fn wrong_chain_fails() {
	let (k, env) = sealed(b"secret");
	assert_eq!(open(&k, &[0x12; 32], &ALICE, &env), Err(EnvelopeError::DecryptionFailed));
}

#[test]
fn unknown_version_and_suite_are_named() {
	let (k, env) = sealed(b"secret");
	let mut v = env.clone();
	v[0] = 2;
	assert_eq!(open(&k, &GENESIS, &ALICE, &v), Err(EnvelopeError::UnsupportedVersion(2)));
	let mut s = env.clone();
	s[1] = 0;
	assert_eq!(open(&k, &GENESIS, &ALICE, &s), Err(EnvelopeError::UnsupportedSuite(0)));
}

#[test]
fn every_truncation_fails_cleanly() {
	let (k, env) = sealed(b"secret");
	for len in 0..env.len() {
		let r = open(&k, &GENESIS, &ALICE, &env[..len]);
		if len < OVERHEAD {
			assert_eq!(r, Err(EnvelopeError::Truncated { len, min: OVERHEAD }), "len {len}");
		} else {
			assert_eq!(r, Err(EnvelopeError::DecryptionFailed), "len {len}");
		}
	}
}

#[test]
fn appended_bytes_fail() {
	let (k, mut env) = sealed(b"secret");
	env.push(0);
	assert_eq!(open(&k, &GENESIS, &ALICE, &env), Err(EnvelopeError::DecryptionFailed));
}

#[test]
fn every_single_bit_flip_is_rejected() {
	let (k, env) = sealed(b"0123456789abcdef");
	for byte in 0..env.len() {
		for bit in [0u8, 3, 7] {
			let mut t = env.clone();
			t[byte] ^= 1 << bit;
			let r = open(&k, &GENESIS, &ALICE, &t);
			assert!(r.is_err(), "flip of bit {bit} in byte {byte} was accepted");
		}
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(32))]

	#[test]
	fn arbitrary_plaintexts_round_trip(
		plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
		account in proptest::collection::vec(any::<u8>(), 0..64),
		epoch in any::<u32>(),
	) {
		let k = RecipientKey::derive(&[7; 32], epoch);
		let env = seal(&k.public_key(), &GENESIS, &account, &plaintext).unwrap();
		prop_assert_eq!(env.len(), OVERHEAD + plaintext.len());
		prop_assert_eq!(open(&k, &GENESIS, &account, &env).unwrap(), plaintext);
	}

	#[test]
	fn arbitrary_bytes_never_panic(
		mut bytes in proptest::collection::vec(any::<u8>(), 0..1400),
		plausible_header in any::<bool>(),
	) {
		if plausible_header && bytes.len() >= HEADER_LEN {
			// A valid header with key 0's epoch makes the decryption path itself run.
			bytes[0] = VERSION;
			bytes[1] = CipherSuite::XWingHkdfSha256ChaCha20Poly1305.id();
			bytes[2..6].copy_from_slice(&0u32.to_le_bytes());
		}
		prop_assert!(open(&key(0), &GENESIS, &ALICE, &bytes).is_err());
	}
}
