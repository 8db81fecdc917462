//! The worker's key set, derived from one 32-byte seed that never leaves the enclave unsealed:
//! its sr25519 account, its ML-DSA-87 and SLH-DSA-SHA2-256s signing keys and its HPKE X-Wing
//! key (all of one *generation*; rotation moves to the next). Other workers seal cluster
//! secrets to the HPKE key (see [`crate::cluster`]). The seed and generation are stored sealed:
//! ChaCha20-Poly1305 under the TEE's sealing key, so only the same enclave on the same platform
//! can reopen them. Secrets are zeroized on drop.

use aegis_envelope::RecipientKey;
use aegis_primitives::{
	binding::{keys_hash, EnclaveKeys},
	hashing::hash256,
	pqc::{SecretKey, Suite},
	Hash,
};
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	ChaCha20Poly1305, Nonce,
};
use sp_core::{sr25519, Pair};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The sealed file's name inside the data directory.
pub const SEALED_FILE: &str = "sealed-keyset.v1";
const MAGIC: &[u8; 8] = b"AEGISKS1";

/// Why the key set could not be loaded or stored.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
	/// Reading or writing the sealed file failed.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: PathBuf,
		/// Why.
		source: std::io::Error,
	},
	/// The file does not open under this enclave's sealing key.
	#[error(
		"{0}: cannot unseal: it was sealed by another enclave identity or platform, or it is \
		 damaged. Refusing to replace it: the worker's account and keys would change. Move it \
		 away to enrol as a new worker."
	)]
	Unseal(PathBuf),
}

/// A dev account such as `//Alice`, if `uri` names one.
pub fn dev_pair(uri: &str) -> Option<sr25519::Pair> {
	uri.starts_with("//").then(|| sr25519::Pair::from_string(uri, None).ok()).flatten()
}

/// The worker's keys of one generation.
pub struct KeySet {
	seed: Zeroizing<[u8; 32]>,
	generation: u32,
	account: sr25519::Pair,
	ml_dsa: SecretKey,
	slh_dsa: SecretKey,
	hpke: RecipientKey,
	// The public keys, derived once: the worker compares them with its on-chain record
	// every block.
	public: EnclaveKeys,
}

impl KeySet {
	fn sub_seed(seed: &[u8; 32], label: &[u8], generation: u32) -> Zeroizing<[u8; 32]> {
		Zeroizing::new(hash256(b"aegis/worker/key/v1", &[label, seed, &generation.to_le_bytes()]))
	}

	/// The keys `seed` gives at `generation`.
	pub fn derive(seed: [u8; 32], generation: u32) -> Self {
		let seed = Zeroizing::new(seed);
		// The account outlives rotations: the chain knows the worker by it.
		let account = sr25519::Pair::from_seed(&Self::sub_seed(&seed, b"account", 0));
		let ml_dsa =
			SecretKey::from_seed(Suite::MlDsa87, &Self::sub_seed(&seed, b"ml-dsa-87", generation));
		let slh_dsa = SecretKey::from_seed(
			Suite::SlhDsaSha2_256s,
			&Self::sub_seed(&seed, b"slh-dsa-sha2-256s", generation),
		);
		let hpke = RecipientKey::derive(&Self::sub_seed(&seed, b"hpke", generation), 0);
		let public = EnclaveKeys {
			hpke: hpke.public_key().to_bytes(),
			ml_dsa: ml_dsa.public_key().try_into().expect("ML-DSA-87 public key length"),
			slh_dsa: slh_dsa.public_key().try_into().expect("SLH-DSA-256s public key length"),
		};
		Self { seed, generation, account, ml_dsa, slh_dsa, hpke, public }
	}

	/// A fresh seed from the OS's randomness.
	pub fn generate() -> Self {
		let mut seed = Zeroizing::new([0u8; 32]);
		getrandom::getrandom(&mut seed[..]).expect("the OS provides randomness");
		Self::derive(*seed, 0)
	}

	/// The same seed at the next generation.
	pub fn rotated(&self) -> Self {
		Self::derive(*self.seed, self.generation.saturating_add(1))
	}

	/// The generation.
	pub fn generation(&self) -> u32 {
		self.generation
	}

	/// The account the worker signs extrinsics with.
	pub fn account(&self) -> &sr25519::Pair {
		&self.account
	}

	/// The account id.
	pub fn account_id(&self) -> aegis_runtime::AccountId {
		self.account.public().into()
	}

	/// A signing key.
	pub fn signing_key(&self, suite: Suite) -> &SecretKey {
		match suite {
			Suite::MlDsa87 => &self.ml_dsa,
			Suite::SlhDsaSha2_256s => &self.slh_dsa,
		}
	}

	/// Both signing keys, in `Suite::ALL` order (what `pqc::sign_set` takes).
	pub fn signing_keys(&self) -> [&SecretKey; 2] {
		[&self.ml_dsa, &self.slh_dsa]
	}

	/// The public keys the worker enrols with.
	pub fn enclave_keys(&self) -> &EnclaveKeys {
		&self.public
	}

	/// The hash the quote's report data binds.
	pub fn keys_hash(&self) -> Hash {
		keys_hash(self.enclave_keys())
	}

	/// The HPKE X-Wing key other workers seal cluster secrets to.
	pub fn hpke_key(&self) -> &RecipientKey {
		&self.hpke
	}

	/// Loads the key set sealed in `dir`, or creates, seals and stores a new one.
	pub fn load_or_create(
		dir: &Path,
		sealing_key: &[u8; 32],
	) -> Result<(Self, bool), KeyStoreError> {
		let path = dir.join(SEALED_FILE);
		match std::fs::read(&path) {
			Ok(bytes) => Ok((Self::unseal(&path, &bytes, sealing_key)?, false)),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
				let keys = Self::generate();
				keys.store(dir, sealing_key)?;
				Ok((keys, true))
			}
			Err(source) => Err(KeyStoreError::Io { path, source }),
		}
	}

	fn unseal(path: &Path, bytes: &[u8], sealing_key: &[u8; 32]) -> Result<Self, KeyStoreError> {
		let bad = || KeyStoreError::Unseal(path.into());
		let plain = unseal_bytes(path, bytes, MAGIC, sealing_key)?;
		let (seed, generation) = plain.split_at_checked(32).ok_or_else(bad)?;
		let seed: [u8; 32] = seed.try_into().map_err(|_| bad())?;
		let generation = u32::from_le_bytes(generation.try_into().map_err(|_| bad())?);
		Ok(Self::derive(seed, generation))
	}

	/// Seals the seed and generation into `dir` (atomically replacing the previous file).
	pub fn store(&self, dir: &Path, sealing_key: &[u8; 32]) -> Result<(), KeyStoreError> {
		let mut plain = Zeroizing::new(Vec::with_capacity(36));
		plain.extend_from_slice(&self.seed[..]);
		plain.extend_from_slice(&self.generation.to_le_bytes());
		seal_to_file(dir, SEALED_FILE, MAGIC, &plain, sealing_key)
	}
}

/// Opens a file sealed by [`seal_to_file`] with `magic` under `sealing_key`.
pub(crate) fn unseal_bytes(
	path: &Path,
	bytes: &[u8],
	magic: &[u8; 8],
	sealing_key: &[u8; 32],
) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
	let bad = || KeyStoreError::Unseal(path.into());
	let rest = bytes.strip_prefix(&magic[..]).ok_or_else(bad)?;
	let (nonce, ciphertext) = rest.split_at_checked(12).ok_or_else(bad)?;
	let cipher = ChaCha20Poly1305::new(sealing_key.into());
	Ok(Zeroizing::new(
		cipher
			.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: magic })
			.map_err(|_| bad())?,
	))
}

/// Seals `plain` under `sealing_key` (ChaCha20-Poly1305, `magic` as associated data) into
/// `dir/file`: `magic ‖ nonce ‖ ciphertext`, atomically replacing the previous file.
pub(crate) fn seal_to_file(
	dir: &Path,
	file: &str,
	magic: &[u8; 8],
	plain: &[u8],
	sealing_key: &[u8; 32],
) -> Result<(), KeyStoreError> {
	let io = |path: &Path| {
		let path = path.to_path_buf();
		move |source| KeyStoreError::Io { path, source }
	};
	std::fs::create_dir_all(dir).map_err(io(dir))?;
	let mut nonce = [0u8; 12];
	getrandom::getrandom(&mut nonce).expect("the OS provides randomness");
	let cipher = ChaCha20Poly1305::new(sealing_key.into());
	let sealed = cipher
		.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: magic })
		.expect("ChaCha20-Poly1305 encrypts any short message");
	let mut bytes = Vec::with_capacity(8 + 12 + sealed.len());
	bytes.extend_from_slice(magic);
	bytes.extend_from_slice(&nonce);
	bytes.extend_from_slice(&sealed);
	let path = dir.join(file);
	let tmp = dir.join(format!("{file}.tmp"));
	// Durable before it replaces the old file, and the rename durable too: a crash right
	// after a rotation must not leave a torn file (the worker would refuse to start).
	let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
	std::io::Write::write_all(&mut f, &bytes).map_err(io(&tmp))?;
	f.sync_all().map_err(io(&tmp))?;
	std::fs::rename(&tmp, &path).map_err(io(&path))?;
	std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))?;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_sealed_key_set_reopens_only_under_its_sealing_key() {
		let dir = tempfile::tempdir().unwrap();
		let (keys, created) = KeySet::load_or_create(dir.path(), &[1; 32]).unwrap();
		assert!(created);
		let (again, created) = KeySet::load_or_create(dir.path(), &[1; 32]).unwrap();
		assert!(!created);
		assert_eq!(again.account_id(), keys.account_id());
		assert_eq!(again.enclave_keys(), keys.enclave_keys());

		// The seed is not in the file in the clear.
		let file = std::fs::read(dir.path().join(SEALED_FILE)).unwrap();
		assert!(!file.windows(32).any(|w| w == &keys.seed[..]));

		let e = KeySet::load_or_create(dir.path(), &[2; 32]).err().unwrap();
		assert!(matches!(e, KeyStoreError::Unseal(_)), "{e}");
		// ...and the file is still there, untouched.
		assert_eq!(std::fs::read(dir.path().join(SEALED_FILE)).unwrap(), file);

		let mut damaged = file.clone();
		*damaged.last_mut().unwrap() ^= 1;
		std::fs::write(dir.path().join(SEALED_FILE), &damaged).unwrap();
		assert!(matches!(
			KeySet::load_or_create(dir.path(), &[1; 32]),
			Err(KeyStoreError::Unseal(_))
		));
		std::fs::write(dir.path().join(SEALED_FILE), b"AEGIS").unwrap();
		assert!(matches!(
			KeySet::load_or_create(dir.path(), &[1; 32]),
			Err(KeyStoreError::Unseal(_))
		));
	}

	#[test]
	fn rotation_keeps_the_account_and_changes_every_key() {
		let keys = KeySet::derive([7; 32], 0);
		let next = keys.rotated();
		assert_eq!(next.generation(), 1);
		assert_eq!(next.account_id(), keys.account_id());
		let (a, b) = (keys.enclave_keys(), next.enclave_keys());
		assert_ne!(a.ml_dsa, b.ml_dsa);
		assert_ne!(a.slh_dsa, b.slh_dsa);
		assert_ne!(a.hpke, b.hpke);
		assert_ne!(keys.keys_hash(), next.keys_hash());

		let dir = tempfile::tempdir().unwrap();
		next.store(dir.path(), &[3; 32]).unwrap();
		let (back, _) = KeySet::load_or_create(dir.path(), &[3; 32]).unwrap();
		assert_eq!(back.generation(), 1);
		assert_eq!(back.enclave_keys(), b);
	}

	#[test]
	fn only_dev_uris_fund() {
		assert!(dev_pair("//Alice").is_some());
		assert!(dev_pair("Alice").is_none());
		assert!(dev_pair("bottom drive obey lake curtain smoke basket hold race lonely fit walk")
			.is_none());
	}
}
