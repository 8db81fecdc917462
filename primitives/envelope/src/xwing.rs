//! X-Wing decapsulation with the recipient's key pair expanded once.
//!
//! `x-wing` 0.1 keeps only the 32-byte decapsulation seed and re-derives the ML-KEM-768 and
//! X25519 key pair from it on every decapsulation, which is more than a third of the cost of
//! opening an envelope. The enclave opens every envelope with the same key, so [`CachedXWing`]
//! expands the seed once (exactly as draft-connolly-cfrg-xwing-kem specifies and `x-wing`
//! implements: `SHAKE256(seed)` → 64-byte ML-KEM-768 seed ‖ 32-byte X25519 secret) and keeps the
//! expanded keys. Encapsulation, public keys and encapsulated keys are `hpke`'s own X-Wing types,
//! and the KEM id is X-Wing's, so envelopes are byte-for-byte those of `hpke`'s `XWing`; the
//! tests check both directions against it.

use hpke::{
	hybrid_array::{typenum::U32, Array},
	kem::{SharedSecret, XWing},
	rand_core::CryptoRng,
	Deserializable, HpkeError, Kem, Serializable,
};
use ml_kem::{kem::Decapsulate, MlKem768};
use sha3::{Digest, Sha3_256};
use shake::{ExtendableOutput, Shake256, Update, XofReader};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

type XWingPublicKey = <XWing as Kem>::PublicKey;
type XWingPrivateKey = <XWing as Kem>::PrivateKey;
type XWingEncappedKey = <XWing as Kem>::EncappedKey;

/// The X-Wing combiner's label.
const LABEL: &[u8; 6] = br"\.//^\";
/// Length of the ML-KEM-768 ciphertext at the start of an X-Wing ciphertext.
const ML_KEM_CIPHERTEXT_LEN: usize = 1_088;
/// Length of the X-Wing decapsulation seed.
const SEED_LEN: usize = 32;

/// HPKE's X-Wing KEM (id `0x647a`) with decapsulation keys expanded once.
pub struct CachedXWing;

/// An X-Wing decapsulation key: the seed and the key pair expanded from it. All secret parts are
/// zeroized on drop.
#[derive(Clone)]
pub struct ExpandedPrivateKey {
	seed: Zeroizing<[u8; SEED_LEN]>,
	ml_kem: Box<ml_kem::DecapsulationKey<MlKem768>>,
	x25519: x25519_dalek::StaticSecret,
	x25519_public: x25519_dalek::PublicKey,
	public: XWingPublicKey,
}

impl ExpandedPrivateKey {
	fn from_seed(seed: &[u8; SEED_LEN]) -> Self {
		let mut xof = Shake256::default();
		xof.update(seed);
		let mut reader = xof.finalize_xof();
		let mut ml_kem_seed = Zeroizing::new([0u8; 64]);
		reader.read(ml_kem_seed.as_mut_slice());
		let mut x25519_secret = Zeroizing::new([0u8; 32]);
		reader.read(x25519_secret.as_mut_slice());

		let ml_kem = ml_kem::DecapsulationKey::<MlKem768>::from_seed((*ml_kem_seed).into());
		let x25519 = x25519_dalek::StaticSecret::from(*x25519_secret);
		let x25519_public = x25519_dalek::PublicKey::from(&x25519);
		// The published key is X-Wing's own encoding of the same pair.
		let public = XWing::sk_to_pk(&xwing_private(seed));
		Self {
			seed: Zeroizing::new(*seed),
			ml_kem: Box::new(ml_kem),
			x25519,
			x25519_public,
			public,
		}
	}
}

fn xwing_private(seed: &[u8; SEED_LEN]) -> XWingPrivateKey {
	match XWingPrivateKey::from_bytes(seed) {
		Ok(key) => key,
		// `from_bytes` only checks the length, which the array type fixes.
		Err(_) => unreachable!("a 32-byte X-Wing seed always parses; qed"),
	}
}

impl ConstantTimeEq for ExpandedPrivateKey {
	fn ct_eq(&self, other: &Self) -> Choice {
		self.seed.as_slice().ct_eq(other.seed.as_slice())
	}
}

impl Serializable for ExpandedPrivateKey {
	type OutputSize = U32;

	fn write_exact(&self, buf: &mut [u8]) {
		// Same contract as `hpke`'s own keys: callers pass exactly `OutputSize` bytes.
		buf.copy_from_slice(self.seed.as_slice());
	}
}

impl Deserializable for ExpandedPrivateKey {
	fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
		let seed: &[u8; SEED_LEN] = encoded
			.try_into()
			.map_err(|_| HpkeError::IncorrectInputLength(SEED_LEN, encoded.len()))?;
		Ok(Self::from_seed(seed))
	}
}

impl Kem for CachedXWing {
	type PublicKey = XWingPublicKey;
	type PrivateKey = ExpandedPrivateKey;
	type EncappedKey = XWingEncappedKey;
	type NSecret = U32;
	const KEM_ID: u16 = XWing::KEM_ID;

	fn sk_to_pk(sk: &ExpandedPrivateKey) -> XWingPublicKey {
		sk.public.clone()
	}

	fn derive_keypair(ikm: &[u8]) -> (ExpandedPrivateKey, XWingPublicKey) {
		let (sk, pk) = XWing::derive_keypair(ikm);
		let seed = Zeroizing::new(<[u8; SEED_LEN]>::from(sk.to_bytes()));
		(ExpandedPrivateKey::from_seed(&seed), pk)
	}

	fn decap(
		sk: &ExpandedPrivateKey,
		pk_sender_id: Option<&XWingPublicKey>,
		encapped_key: &XWingEncappedKey,
	) -> Result<SharedSecret<Self>, HpkeError> {
		// X-Wing has no authenticated mode; envelopes use base mode only.
		if pk_sender_id.is_some() {
			return Err(HpkeError::DecapError);
		}
		let ciphertext = encapped_key.to_bytes();
		let (ct_m, ct_x) = ciphertext.split_at(ML_KEM_CIPHERTEXT_LEN);
		let ct_m =
			ml_kem::Ciphertext::<MlKem768>::try_from(ct_m).map_err(|_| HpkeError::DecapError)?;
		let ct_x: [u8; 32] = ct_x.try_into().map_err(|_| HpkeError::DecapError)?;

		let ss_m = sk.ml_kem.decapsulate(&ct_m);
		let ss_x = sk.x25519.diffie_hellman(&x25519_dalek::PublicKey::from(ct_x));
		let mut combiner = Sha3_256::new();
		Digest::update(&mut combiner, ss_m);
		Digest::update(&mut combiner, ss_x.as_bytes());
		Digest::update(&mut combiner, ct_x);
		Digest::update(&mut combiner, sk.x25519_public.as_bytes());
		Digest::update(&mut combiner, LABEL);
		let shared: [u8; 32] = combiner.finalize().into();
		Ok(SharedSecret(Array::from(shared)))
	}

	fn encap_with_rng(
		pk_recip: &XWingPublicKey,
		sender_id_keypair: Option<(&ExpandedPrivateKey, &XWingPublicKey)>,
		csprng: &mut impl CryptoRng,
	) -> Result<(SharedSecret<Self>, XWingEncappedKey), HpkeError> {
		if sender_id_keypair.is_some() {
			return Err(HpkeError::EncapError);
		}
		let (shared, encapped) = XWing::encap_with_rng(pk_recip, None, csprng)?;
		Ok((SharedSecret(shared.0), encapped))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn decapsulates_exactly_like_x_wing() {
		for ikm in 0u8..8 {
			let (xw_sk, xw_pk) = XWing::derive_keypair(&[ikm; 32]);
			let (sk, pk) = CachedXWing::derive_keypair(&[ikm; 32]);
			assert_eq!(pk, xw_pk, "same public key");
			assert_eq!(sk.to_bytes(), xw_sk.to_bytes(), "same seed");
			for _ in 0..4 {
				let (ss, enc) = XWing::encap(&pk, None).unwrap();
				let ours = CachedXWing::decap(&sk, None, &enc).unwrap();
				assert_eq!(ours.0, ss.0);
				let theirs = XWing::decap(&xw_sk, None, &enc).unwrap();
				assert_eq!(ours.0, theirs.0);
			}
			// Encapsulating through our KEM decapsulates with X-Wing's.
			let (ss, enc) = CachedXWing::encap(&pk, None).unwrap();
			assert_eq!(XWing::decap(&xw_sk, None, &enc).unwrap().0, ss.0);
		}
	}

	#[test]
	fn a_wrong_ciphertext_gives_an_unrelated_secret() {
		let (sk, pk) = CachedXWing::derive_keypair(&[1; 32]);
		let (ss, enc) = CachedXWing::encap(&pk, None).unwrap();
		let mut bytes = enc.to_bytes();
		bytes[0] ^= 1;
		let tampered = XWingEncappedKey::from_bytes(&bytes).unwrap();
		// ML-KEM's implicit rejection: no error, a different secret.
		assert_ne!(CachedXWing::decap(&sk, None, &tampered).unwrap().0, ss.0);
	}

	#[test]
	fn keys_parse_from_their_seed_only() {
		let (sk, _) = CachedXWing::derive_keypair(&[2; 32]);
		let again = ExpandedPrivateKey::from_bytes(&sk.to_bytes()).unwrap();
		assert!(bool::from(sk.ct_eq(&again)));
		assert_eq!(
			ExpandedPrivateKey::from_bytes(&[0; 31]).err(),
			Some(HpkeError::IncorrectInputLength(32, 31))
		);
		let (_, pk) = CachedXWing::derive_keypair(&[3; 32]);
		assert!(
			CachedXWing::decap(&sk, Some(&pk), &CachedXWing::encap(&pk, None).unwrap().1).is_err()
		);
	}
}
