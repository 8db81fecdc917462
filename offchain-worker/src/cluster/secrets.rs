//! The cluster secrets this worker holds, one per key epoch, sealed at rest beside the key
//! set (ChaCha20-Poly1305 under the TEE's sealing key). Each is 32 random bytes generated in
//! an enclave (this one when it published the epoch, another one that sealed a copy to it);
//! the epoch's HPKE X-Wing key is derived from it, so every holder opens the same envelopes.

use crate::keys::{seal_to_file, unseal_bytes, KeyStoreError};
use aegis_envelope::RecipientKey;
use aegis_primitives::binding::HPKE_XWING_PUBLIC_KEY_LEN;
use codec::{Decode, Encode};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
};
use zeroize::Zeroizing;

/// The sealed file's name inside the data directory.
pub const SEALED_FILE: &str = "sealed-cluster.v1";
const MAGIC: &[u8; 8] = b"AEGISCS1";
/// How many epochs are kept: the chain keeps the previous, current and pending ones.
pub const KEPT_EPOCHS: usize = 4;

/// An epoch's public key.
pub type PublicKey = [u8; HPKE_XWING_PUBLIC_KEY_LEN];

/// The HPKE key of `epoch` derived from its secret.
pub fn epoch_key(secret: &[u8; 32], epoch: u32) -> RecipientKey {
	RecipientKey::derive(secret, epoch)
}

/// The public key of `epoch` derived from its secret: what the chain publishes.
pub fn public_key_of(secret: &[u8; 32], epoch: u32) -> PublicKey {
	epoch_key(secret, epoch).public_key().to_bytes()
}

/// A fresh secret from the OS's randomness (inside the enclave).
pub fn generate() -> Zeroizing<[u8; 32]> {
	let mut secret = Zeroizing::new([0u8; 32]);
	getrandom::getrandom(&mut secret[..]).expect("the OS provides randomness");
	secret
}

struct Held {
	secret: Zeroizing<[u8; 32]>,
	key: RecipientKey,
	public: PublicKey,
}

/// The cluster secrets held, by epoch.
pub struct ClusterSecrets {
	dir: PathBuf,
	epochs: BTreeMap<u32, Held>,
}

impl ClusterSecrets {
	/// The secrets sealed in `dir` (none if there is no file yet).
	pub fn load(dir: &Path, sealing_key: &[u8; 32]) -> Result<Self, KeyStoreError> {
		let path = dir.join(SEALED_FILE);
		let mut epochs = BTreeMap::new();
		match std::fs::read(&path) {
			Ok(bytes) => {
				let plain = unseal_bytes(&path, &bytes, MAGIC, sealing_key)?;
				let list = Zeroizing::new(
					Vec::<(u32, [u8; 32])>::decode(&mut &plain[..])
						.map_err(|_| KeyStoreError::Unseal(path.clone()))?,
				);
				for (epoch, secret) in list.iter() {
					epochs.insert(*epoch, Self::held(secret, *epoch));
				}
			}
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
			Err(source) => return Err(KeyStoreError::Io { path, source }),
		}
		Ok(Self { dir: dir.into(), epochs })
	}

	fn held(secret: &[u8; 32], epoch: u32) -> Held {
		let key = epoch_key(secret, epoch);
		Held { secret: Zeroizing::new(*secret), public: key.public_key().to_bytes(), key }
	}

	/// Holds `secret` as epoch `epoch`'s and seals the set (the oldest beyond
	/// [`KEPT_EPOCHS`] is forgotten). Sealed before it returns: a crash right after a
	/// confirmation or publication still has the secret.
	pub fn insert(
		&mut self,
		epoch: u32,
		secret: &[u8; 32],
		sealing_key: &[u8; 32],
	) -> Result<(), KeyStoreError> {
		self.epochs.insert(epoch, Self::held(secret, epoch));
		while self.epochs.len() > KEPT_EPOCHS {
			self.epochs.pop_first();
		}
		let list: Zeroizing<Vec<(u32, [u8; 32])>> =
			Zeroizing::new(self.epochs.iter().map(|(e, h)| (*e, *h.secret)).collect());
		let plain = Zeroizing::new(list.encode());
		seal_to_file(&self.dir, SEALED_FILE, MAGIC, &plain, sealing_key)
	}

	/// The secret of `epoch`, if held.
	pub fn secret(&self, epoch: u32) -> Option<&[u8; 32]> {
		self.epochs.get(&epoch).map(|h| &*h.secret)
	}

	/// The HPKE key of `epoch`, if held.
	pub fn key(&self, epoch: u32) -> Option<&RecipientKey> {
		self.epochs.get(&epoch).map(|h| &h.key)
	}

	/// Whether this worker holds `epoch`'s secret and it derives `public`.
	pub fn holds(&self, epoch: u32, public: &PublicKey) -> bool {
		self.epochs.get(&epoch).is_some_and(|h| &h.public == public)
	}

	/// The epochs held.
	pub fn epochs(&self) -> Vec<u32> {
		self.epochs.keys().copied().collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn secrets_are_sealed_and_reopen_only_under_the_sealing_key() {
		let dir = tempfile::tempdir().unwrap();
		let mut s = ClusterSecrets::load(dir.path(), &[1; 32]).unwrap();
		assert!(s.epochs().is_empty());
		let secret = [7u8; 32];
		s.insert(3, &secret, &[1; 32]).unwrap();
		let file = std::fs::read(dir.path().join(SEALED_FILE)).unwrap();
		assert!(!file.windows(32).any(|w| w == secret));
		let again = ClusterSecrets::load(dir.path(), &[1; 32]).unwrap();
		assert_eq!(again.secret(3), Some(&secret));
		assert!(again.holds(3, &public_key_of(&secret, 3)));
		assert!(!again.holds(3, &public_key_of(&[8; 32], 3)));
		assert!(!again.holds(4, &public_key_of(&secret, 4)));
		assert!(matches!(
			ClusterSecrets::load(dir.path(), &[2; 32]),
			Err(KeyStoreError::Unseal(_))
		));
	}

	#[test]
	fn only_the_newest_epochs_are_kept() {
		let dir = tempfile::tempdir().unwrap();
		let mut s = ClusterSecrets::load(dir.path(), &[1; 32]).unwrap();
		for epoch in 1..=6u32 {
			s.insert(epoch, &[epoch as u8; 32], &[1; 32]).unwrap();
		}
		assert_eq!(s.epochs(), vec![3, 4, 5, 6]);
		assert_eq!(ClusterSecrets::load(dir.path(), &[1; 32]).unwrap().epochs(), vec![3, 4, 5, 6]);
	}
}
