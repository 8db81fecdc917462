//! Binding an enclave quote to a worker's account and keys.
//!
//! A TEE quote carries 64 bytes of `report_data` chosen by the enclave. The worker puts
//! [`report_data`] there; the chain recomputes it from what the registration extrinsic claims and
//! accepts the worker only if the two match. The quote then vouches, through the TEE vendor's
//! signature chain, that *this* enclave holds *these* keys for *this* account on *this* chain,
//! and the nonce keeps an old quote from being replayed.

use crate::{
	hashing::{domain, hash256, hash512},
	pqc::{MlDsa87PublicKey, SLH_DSA_256S_PUBLIC_KEY_LEN},
	AccountBytes, Hash,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Length of an X-Wing (HPKE KEM `0x647a`) public key.
pub const HPKE_XWING_PUBLIC_KEY_LEN: usize = 1_216;

/// The public keys an enclave holds: what users encrypt to and what verifies its signatures.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct EnclaveKeys {
	/// HPKE X-Wing public key that users encrypt envelopes to.
	pub hpke: [u8; HPKE_XWING_PUBLIC_KEY_LEN],
	/// ML-DSA-87 public key (a type of its own so that standard clients decode the metadata).
	pub ml_dsa: MlDsa87PublicKey,
	/// SLH-DSA-SHA2-256s public key.
	pub slh_dsa: [u8; SLH_DSA_256S_PUBLIC_KEY_LEN],
}

impl EnclaveKeys {
	/// The public key of a signature suite.
	pub fn signing_key(&self, suite: crate::pqc::Suite) -> &[u8] {
		match suite {
			crate::pqc::Suite::MlDsa87 => self.ml_dsa.as_slice(),
			crate::pqc::Suite::SlhDsaSha2_256s => &self.slh_dsa,
		}
	}
}

/// `BLAKE2b-256("aegis/keys/v1" ‖ hpke ‖ ml_dsa ‖ slh_dsa)`: one hash naming the whole key set.
pub fn keys_hash(keys: &EnclaveKeys) -> Hash {
	hash256(domain::KEYS, &[&keys.hpke, keys.ml_dsa.as_slice(), &keys.slh_dsa])
}

/// The 64 bytes a worker's quote must carry as `report_data`:
/// `BLAKE2b-512("aegis/report-data/v1" ‖ genesis_hash ‖ account ‖ keys_hash ‖ nonce_le)`.
///
/// All inputs have fixed lengths, so the concatenation is unambiguous.
pub fn report_data(
	genesis_hash: &Hash,
	account: &AccountBytes,
	keys_hash: &Hash,
	nonce: u64,
) -> [u8; 64] {
	hash512(domain::REPORT_DATA, &[genesis_hash, account, keys_hash, &nonce.to_le_bytes()])
}

/// What a worker signs (ML-DSA-87, context [`crate::pqc::context::CLUSTER_KEY`]) to publish a
/// cluster encryption key: `BLAKE2b-256("aegis/cluster-key/v1" ‖ genesis_hash ‖ epoch_le ‖ key)`.
pub fn cluster_key_message(
	genesis_hash: &Hash,
	epoch: u32,
	public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
) -> Hash {
	hash256(domain::CLUSTER_KEY, &[genesis_hash, &epoch.to_le_bytes(), public_key])
}

/// What a worker signs (ML-DSA-87, context [`crate::pqc::context::CLUSTER_KEY_CONFIRM`]) to
/// confirm it holds the secret of cluster key epoch `epoch`, whose public key it derived from
/// that secret: `BLAKE2b-256("aegis/cluster-key-confirm/v1" ‖ genesis_hash ‖ epoch_le ‖ key ‖
/// account)`.
pub fn cluster_confirm_message(
	genesis_hash: &Hash,
	epoch: u32,
	public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
	account: &AccountBytes,
) -> Hash {
	hash256(domain::CLUSTER_KEY_CONFIRM, &[genesis_hash, &epoch.to_le_bytes(), public_key, account])
}

/// The associated data of a cluster secret copy (an aegis-envelope v1 sealed to the receiver's
/// attested HPKE key, for the chain's genesis hash): `BLAKE2b-256("aegis/cluster-copy/v1" ‖
/// epoch_le ‖ sender ‖ receiver)`, so a copy opens only as the secret of that epoch, sent by
/// that worker to that worker.
pub fn cluster_copy_binding(epoch: u32, sender: &AccountBytes, receiver: &AccountBytes) -> Hash {
	hash256(domain::CLUSTER_COPY, &[&epoch.to_le_bytes(), sender, receiver])
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::pqc::ML_DSA_87_PUBLIC_KEY_LEN;
	use codec::{Decode, Encode};

	fn keys(fill: u8) -> EnclaveKeys {
		EnclaveKeys {
			hpke: [fill; HPKE_XWING_PUBLIC_KEY_LEN],
			ml_dsa: MlDsa87PublicKey([fill; ML_DSA_87_PUBLIC_KEY_LEN]),
			slh_dsa: [fill; SLH_DSA_256S_PUBLIC_KEY_LEN],
		}
	}

	#[test]
	fn every_input_changes_report_data() {
		let base = report_data(&[1; 32], &[2; 32], &[3; 32], 4);
		assert_ne!(base, report_data(&[9; 32], &[2; 32], &[3; 32], 4));
		assert_ne!(base, report_data(&[1; 32], &[9; 32], &[3; 32], 4));
		assert_ne!(base, report_data(&[1; 32], &[2; 32], &[9; 32], 4));
		assert_ne!(base, report_data(&[1; 32], &[2; 32], &[3; 32], 5));
		assert_eq!(base, report_data(&[1; 32], &[2; 32], &[3; 32], 4));
	}

	#[test]
	fn cluster_key_message_binds_chain_epoch_and_key() {
		let base = cluster_key_message(&[1; 32], 2, &[3; HPKE_XWING_PUBLIC_KEY_LEN]);
		assert_ne!(base, cluster_key_message(&[9; 32], 2, &[3; HPKE_XWING_PUBLIC_KEY_LEN]));
		assert_ne!(base, cluster_key_message(&[1; 32], 3, &[3; HPKE_XWING_PUBLIC_KEY_LEN]));
		let mut key = [3; HPKE_XWING_PUBLIC_KEY_LEN];
		key[HPKE_XWING_PUBLIC_KEY_LEN - 1] = 4;
		assert_ne!(base, cluster_key_message(&[1; 32], 2, &key));
	}

	#[test]
	fn confirmations_and_copies_bind_every_input() {
		let key = [3; HPKE_XWING_PUBLIC_KEY_LEN];
		let base = cluster_confirm_message(&[1; 32], 2, &key, &[4; 32]);
		assert_ne!(base, cluster_confirm_message(&[9; 32], 2, &key, &[4; 32]));
		assert_ne!(base, cluster_confirm_message(&[1; 32], 3, &key, &[4; 32]));
		assert_ne!(
			base,
			cluster_confirm_message(&[1; 32], 2, &[5; HPKE_XWING_PUBLIC_KEY_LEN], &[4; 32])
		);
		assert_ne!(base, cluster_confirm_message(&[1; 32], 2, &key, &[9; 32]));
		// Never the publication message of the same key.
		assert_ne!(base, cluster_key_message(&[1; 32], 2, &key));
		let copy = cluster_copy_binding(1, &[2; 32], &[3; 32]);
		assert_ne!(copy, cluster_copy_binding(2, &[2; 32], &[3; 32]));
		assert_ne!(copy, cluster_copy_binding(1, &[3; 32], &[2; 32]));
	}

	#[test]
	fn every_key_changes_keys_hash() {
		let base = keys_hash(&keys(0));
		let mut k = keys(0);
		k.hpke[0] = 1;
		assert_ne!(base, keys_hash(&k));
		let mut k = keys(0);
		k.ml_dsa.0[ML_DSA_87_PUBLIC_KEY_LEN - 1] = 1;
		assert_ne!(base, keys_hash(&k));
		let mut k = keys(0);
		k.slh_dsa[3] = 1;
		assert_ne!(base, keys_hash(&k));
	}

	#[test]
	fn keys_codec_round_trip_and_size() {
		let k = keys(7);
		let enc = k.encode();
		assert_eq!(enc.len(), EnclaveKeys::max_encoded_len());
		assert_eq!(EnclaveKeys::decode(&mut &enc[..]).unwrap(), k);
		assert!(EnclaveKeys::decode(&mut &enc[..enc.len() - 1]).is_err());
	}
}
