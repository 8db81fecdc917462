//! Domain-separated hashing shared by every canonical hash in the product.
//!
//! Every hash the chain and the worker must agree on is `BLAKE2b(domain ‖ data)` where `domain`
//! is a fixed ASCII tag ending in a version (`aegis/…/v1`). Tags are distinct across purposes,
//! so a value hashed for one purpose can never be replayed as another.

use alloc::vec::Vec;

/// Domain tags for every hash defined in this crate.
pub mod domain {
	/// [`crate::binding::keys_hash`].
	pub const KEYS: &[u8] = b"aegis/keys/v1";
	/// [`crate::binding::report_data`].
	pub const REPORT_DATA: &[u8] = b"aegis/report-data/v1";
	/// [`crate::batch::BatchHeader::hash`].
	pub const BATCH_HEADER: &[u8] = b"aegis/batch-header/v1";
	/// [`crate::batch::entries_root`].
	pub const BATCH_ENTRIES: &[u8] = b"aegis/batch-entries/v1";
	/// [`crate::batch::commitment`].
	pub const COMMITMENT: &[u8] = b"aegis/commitment/v1";
	/// [`crate::batch::Checkpoint::hash`].
	pub const CHECKPOINT: &[u8] = b"aegis/checkpoint/v1";
	/// [`crate::assets::asset_state_hash`].
	pub const ASSET_STATE: &[u8] = b"aegis/asset-state/v1";
	/// [`crate::binding::cluster_key_message`].
	pub const CLUSTER_KEY: &[u8] = b"aegis/cluster-key/v1";
	/// [`crate::binding::cluster_confirm_message`].
	pub const CLUSTER_KEY_CONFIRM: &[u8] = b"aegis/cluster-key-confirm/v1";
	/// [`crate::binding::cluster_copy_binding`].
	pub const CLUSTER_COPY: &[u8] = b"aegis/cluster-copy/v1";
	/// Expansion of a 32-byte seed into SLH-DSA key material ([`crate::pqc`], `std` only).
	pub const SLH_DSA_KEYGEN: &[u8] = b"aegis/slh-dsa-keygen/v1";
}

/// BLAKE2b-256 over `domain ‖ part_0 ‖ part_1 ‖ …`.
pub fn hash256(domain: &[u8], parts: &[&[u8]]) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&concat(domain, parts))
}

/// BLAKE2b-512 over `domain ‖ part_0 ‖ part_1 ‖ …`.
pub fn hash512(domain: &[u8], parts: &[&[u8]]) -> [u8; 64] {
	sp_crypto_hashing::blake2_512(&concat(domain, parts))
}

fn concat(domain: &[u8], parts: &[&[u8]]) -> Vec<u8> {
	let len = domain.len() + parts.iter().map(|p| p.len()).sum::<usize>();
	let mut buf = Vec::with_capacity(len);
	buf.extend_from_slice(domain);
	for part in parts {
		buf.extend_from_slice(part);
	}
	buf
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn domains_are_distinct() {
		let all = [
			domain::KEYS,
			domain::REPORT_DATA,
			domain::BATCH_HEADER,
			domain::BATCH_ENTRIES,
			domain::COMMITMENT,
			domain::CHECKPOINT,
			domain::ASSET_STATE,
			domain::CLUSTER_KEY,
			domain::SLH_DSA_KEYGEN,
		];
		for (i, a) in all.iter().enumerate() {
			for b in all.iter().skip(i + 1) {
				assert_ne!(a, b);
			}
		}
	}

	#[test]
	fn domain_changes_hash() {
		assert_ne!(hash256(b"a", &[b"x"]), hash256(b"b", &[b"x"]));
		assert_eq!(hash256(b"a", &[b"x", b"y"]), hash256(b"a", &[b"xy"]));
		assert_eq!(hash256(b"", &[b"abc"]), sp_crypto_hashing::blake2_256(b"abc"));
		assert_eq!(hash512(b"", &[b"abc"]), sp_crypto_hashing::blake2_512(b"abc"));
	}
}
