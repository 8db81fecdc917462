//! # aegis-envelope
//!
//! Encryption of a transaction to the attested sequencer's cluster key.
//!
//! A user reads the active cluster encryption key from the chain (the chain has verified the
//! enclave quote that binds it), seals the SCALE-encoded `(call, salt)` with [`seal`], and submits
//! the envelope with `sequencer.submit_encrypted`. Only the enclave, holding the matching
//! [`RecipientKey`], can [`open`] it.
//!
//! ```
//! use aegis_envelope::{open, seal, EnvelopeError, RecipientKey, RecipientPublicKey};
//!
//! let genesis = [0x11; 32];
//! let (alice, bob) = ([0xa1; 32], [0xb0; 32]);
//! // Inside the enclave: the cluster key of epoch 3, derived from a sealed seed.
//! let enclave = RecipientKey::derive(&[0x42; 32], 3);
//! // The user reads the published key from the chain and seals the call to it.
//! let published = RecipientPublicKey::from_bytes(3, &enclave.public_key().to_bytes())?;
//! let envelope = seal(&published, &genesis, &alice, b"scale-encoded (call, salt)")?;
//! // Only the enclave opens it, and only as Alice's submission on this chain.
//! assert_eq!(open(&enclave, &genesis, &alice, &envelope)?, b"scale-encoded (call, salt)");
//! assert_eq!(open(&enclave, &genesis, &bob, &envelope), Err(EnvelopeError::DecryptionFailed));
//! # Ok::<(), EnvelopeError>(())
//! ```
//!
//! ## Cryptography
//! HPKE (RFC 9180) in base mode with the X-Wing hybrid post-quantum KEM (ML-KEM-768 + X25519,
//! KEM id `0x647a`), HKDF-SHA256 and ChaCha20-Poly1305. The HPKE `info` binds the chain's genesis
//! hash, the key epoch and the suite, so an envelope is useless on another chain or under another
//! epoch's key; the AEAD's associated data binds the envelope header and the submitter's account,
//! so nobody can resubmit someone else's envelope as their own.
//!
//! ## Wire format, version 1
//! | offset | length | field |
//! |---|---|---|
//! | 0 | 1 | version, `1` |
//! | 1 | 1 | suite, `1` = X-Wing / HKDF-SHA256 / ChaCha20-Poly1305 |
//! | 2 | 4 | cluster key epoch, `u32` little-endian |
//! | 6 | 1120 | X-Wing encapsulated key |
//! | 1126 | n + 16 | ChaCha20-Poly1305 ciphertext of the n-byte plaintext, with its tag |
//!
//! Every malformed, truncated, tampered or misdirected envelope yields an [`EnvelopeError`];
//! nothing here panics on input.

#![cfg_attr(test, allow(clippy::indexing_slicing))]

mod xwing;

use hpke::{
	aead::ChaCha20Poly1305,
	kdf::HkdfSha256,
	kem::XWing,
	rand_core::{TryCryptoRng, TryRng},
	Deserializable, Kem as _, OpModeR, OpModeS, Serializable,
};
use xwing::CachedXWing;

type KemPublicKey = <XWing as hpke::Kem>::PublicKey;
type KemPrivateKey = <CachedXWing as hpke::Kem>::PrivateKey;
type KemEncappedKey = <XWing as hpke::Kem>::EncappedKey;

/// Wire format version produced by this crate.
pub const VERSION: u8 = 1;
/// Length of the header: version, suite, key epoch.
pub const HEADER_LEN: usize = 6;
/// Length of an X-Wing encapsulated key.
pub const ENCAPSULATED_KEY_LEN: usize = 1_120;
/// Length of an X-Wing public key.
pub const PUBLIC_KEY_LEN: usize = 1_216;
/// Length of the Poly1305 tag.
pub const TAG_LEN: usize = 16;
/// Bytes an envelope adds to its plaintext.
pub const OVERHEAD: usize = HEADER_LEN + ENCAPSULATED_KEY_LEN + TAG_LEN;

const INFO_DOMAIN: &[u8] = b"aegis/envelope/v1";

/// The HPKE cipher suites an envelope can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CipherSuite {
	/// X-Wing KEM, HKDF-SHA256, ChaCha20-Poly1305.
	XWingHkdfSha256ChaCha20Poly1305 = 1,
}

impl CipherSuite {
	/// The suite a wire id names.
	pub const fn from_id(id: u8) -> Option<Self> {
		match id {
			1 => Some(Self::XWingHkdfSha256ChaCha20Poly1305),
			_ => None,
		}
	}

	/// The wire id.
	pub const fn id(self) -> u8 {
		self as u8
	}
}

/// Why an envelope could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
	/// Fewer bytes than the smallest possible envelope.
	#[error("envelope of {len} bytes is shorter than the {min}-byte minimum")]
	Truncated {
		/// Bytes given.
		len: usize,
		/// Smallest valid envelope.
		min: usize,
	},
	/// A wire format version this build does not read.
	#[error("unsupported envelope version {0}")]
	UnsupportedVersion(u8),
	/// A cipher suite this build does not implement.
	#[error("unsupported envelope cipher suite {0}")]
	UnsupportedSuite(u8),
	/// The envelope was sealed to another key epoch than the key trying to open it.
	#[error("envelope is for key epoch {envelope}, this key is epoch {key}")]
	WrongEpoch {
		/// Epoch named in the envelope.
		envelope: u32,
		/// Epoch of the key.
		key: u32,
	},
	/// The bytes are not a valid X-Wing public key.
	#[error("invalid X-Wing public key")]
	InvalidPublicKey,
	/// Authentication failed: wrong key, wrong chain, wrong submitter account, or tampering.
	#[error("envelope does not decrypt: wrong key, chain or account, or tampered contents")]
	DecryptionFailed,
	/// The HPKE sender failed (it cannot for valid inputs; reported rather than hidden).
	#[error("sealing failed: {0}")]
	Seal(String),
}

/// The parsed fixed-size header of an envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
	/// Wire format version.
	pub version: u8,
	/// Cipher suite.
	pub suite: CipherSuite,
	/// Cluster key epoch the envelope was sealed to.
	pub key_epoch: u32,
}

impl Header {
	fn encode(&self) -> [u8; HEADER_LEN] {
		let e = self.key_epoch.to_le_bytes();
		[self.version, self.suite.id(), e[0], e[1], e[2], e[3]]
	}
}

/// Reads an envelope's header without decrypting it, e.g. to pick the key of the right epoch.
pub fn peek_header(envelope: &[u8]) -> Result<Header, EnvelopeError> {
	let min = OVERHEAD;
	let truncated = || EnvelopeError::Truncated { len: envelope.len(), min };
	let [version, suite, e0, e1, e2, e3] =
		*envelope.first_chunk::<HEADER_LEN>().ok_or_else(truncated)?;
	if version != VERSION {
		return Err(EnvelopeError::UnsupportedVersion(version));
	}
	let suite = CipherSuite::from_id(suite).ok_or(EnvelopeError::UnsupportedSuite(suite))?;
	if envelope.len() < min {
		return Err(truncated());
	}
	Ok(Header { version, suite, key_epoch: u32::from_le_bytes([e0, e1, e2, e3]) })
}

/// A cluster encryption public key, as published on chain for one key epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientPublicKey {
	epoch: u32,
	key: KemPublicKey,
}

impl RecipientPublicKey {
	/// Parses the 1216-byte X-Wing public key of key epoch `epoch`.
	pub fn from_bytes(epoch: u32, bytes: &[u8]) -> Result<Self, EnvelopeError> {
		let key = KemPublicKey::from_bytes(bytes).map_err(|_| EnvelopeError::InvalidPublicKey)?;
		Ok(Self { epoch, key })
	}

	/// The key epoch.
	pub fn epoch(&self) -> u32 {
		self.epoch
	}

	/// The 1216-byte encoding.
	pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
		self.key.to_bytes().into()
	}
}

/// The enclave's decryption key for one key epoch. Zeroized on drop.
#[derive(Clone)]
pub struct RecipientKey {
	epoch: u32,
	secret: KemPrivateKey,
}

impl core::fmt::Debug for RecipientKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "RecipientKey(epoch {}, <redacted>)", self.epoch)
	}
}

impl RecipientKey {
	/// Derives the key deterministically from 32 bytes of secret input keying material
	/// (HPKE `DeriveKeyPair`), e.g. a seed unsealed inside the enclave.
	pub fn derive(ikm: &[u8; 32], epoch: u32) -> Self {
		let (secret, _) = CachedXWing::derive_keypair(ikm);
		Self { epoch, secret }
	}

	/// A fresh random key from the operating system's generator.
	pub fn generate(epoch: u32) -> Self {
		let (secret, _) = CachedXWing::gen_keypair();
		Self { epoch, secret }
	}

	/// The key epoch.
	pub fn epoch(&self) -> u32 {
		self.epoch
	}

	/// The public half, to publish.
	pub fn public_key(&self) -> RecipientPublicKey {
		RecipientPublicKey { epoch: self.epoch, key: CachedXWing::sk_to_pk(&self.secret) }
	}
}

/// The HPKE `info` of an envelope with `header` for the chain `genesis_hash`:
/// `"aegis/envelope/v1" ‖ genesis_hash ‖ key_epoch (u32 LE) ‖ suite` (docs/protocol.md §2.3).
pub fn envelope_info(genesis_hash: &[u8; 32], header: &Header) -> Vec<u8> {
	let mut info = Vec::with_capacity(INFO_DOMAIN.len() + 32 + 4 + 1);
	info.extend_from_slice(INFO_DOMAIN);
	info.extend_from_slice(genesis_hash);
	info.extend_from_slice(&header.key_epoch.to_le_bytes());
	info.push(header.suite.id());
	info
}

/// The AEAD's associated data of an envelope with the encoded `header`, submitted by `account`:
/// `header ‖ account` (docs/protocol.md §2.3).
pub fn envelope_aad(header: &[u8; HEADER_LEN], account: &[u8]) -> Vec<u8> {
	let mut aad = Vec::with_capacity(HEADER_LEN + account.len());
	aad.extend_from_slice(header);
	aad.extend_from_slice(account);
	aad
}

/// Seals `plaintext` to `recipient` for the chain `genesis_hash` and submitter `account`, with
/// the operating system's random generator (which, like every HPKE sender, it requires: a
/// machine without one cannot seal).
pub fn seal(
	recipient: &RecipientPublicKey,
	genesis_hash: &[u8; 32],
	account: &[u8],
	plaintext: &[u8],
) -> Result<Vec<u8>, EnvelopeError> {
	seal_using(recipient, genesis_hash, account, |info, aad| {
		hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, XWing>(
			&OpModeS::Base,
			&recipient.key,
			info,
			plaintext,
			aad,
		)
	})
}

/// Length of the encapsulation randomness X-Wing draws for one envelope: 32 bytes for
/// ML-KEM-768's message `m`, then the 32-byte X25519 ephemeral secret.
pub const ENCAPSULATION_RANDOMNESS_LEN: usize = 64;

/// [`seal`] with fixed encapsulation randomness instead of the operating system's generator:
/// for the protocol's reproducible test vectors (`docs/vectors/envelope.json`) only. Two
/// envelopes sealed with the same randomness to the same key share their key schedule, so
/// randomness must never be reused, nor be anything but uniformly random outside of vectors.
pub fn seal_with_encapsulation_randomness(
	recipient: &RecipientPublicKey,
	genesis_hash: &[u8; 32],
	account: &[u8],
	plaintext: &[u8],
	randomness: &[u8; ENCAPSULATION_RANDOMNESS_LEN],
) -> Result<Vec<u8>, EnvelopeError> {
	let mut rng = FixedRandomness { bytes: randomness, used: 0, overdrawn: false };
	let envelope = seal_using(recipient, genesis_hash, account, |info, aad| {
		hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, XWing>(
			&OpModeS::Base,
			&recipient.key,
			info,
			plaintext,
			aad,
			&mut rng,
		)
	})?;
	if rng.overdrawn || rng.used != ENCAPSULATION_RANDOMNESS_LEN {
		return Err(EnvelopeError::Seal(format!(
			"X-Wing drew {} bytes of randomness, not {ENCAPSULATION_RANDOMNESS_LEN}",
			rng.used
		)));
	}
	Ok(envelope)
}

/// Hands out the given bytes once, then zeros, recording that it was asked for more.
struct FixedRandomness<'a> {
	bytes: &'a [u8; ENCAPSULATION_RANDOMNESS_LEN],
	used: usize,
	overdrawn: bool,
}

impl TryRng for FixedRandomness<'_> {
	type Error = core::convert::Infallible;

	fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
		let mut word = [0u8; 4];
		self.try_fill_bytes(&mut word)?;
		Ok(u32::from_le_bytes(word))
	}

	fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
		let mut word = [0u8; 8];
		self.try_fill_bytes(&mut word)?;
		Ok(u64::from_le_bytes(word))
	}

	fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
		for byte in dst {
			match self.bytes.get(self.used) {
				Some(b) => *byte = *b,
				None => {
					*byte = 0;
					self.overdrawn = true;
				}
			}
			self.used += 1;
		}
		Ok(())
	}
}

impl TryCryptoRng for FixedRandomness<'_> {}

/// The envelope around what `hpke_seal(info, aad)` returns.
fn seal_using(
	recipient: &RecipientPublicKey,
	genesis_hash: &[u8; 32],
	account: &[u8],
	hpke_seal: impl FnOnce(&[u8], &[u8]) -> Result<(KemEncappedKey, Vec<u8>), hpke::HpkeError>,
) -> Result<Vec<u8>, EnvelopeError> {
	let header = header_for(recipient);
	let header_bytes = header.encode();
	let (enc, ciphertext) =
		hpke_seal(&envelope_info(genesis_hash, &header), &envelope_aad(&header_bytes, account))
			.map_err(|e| EnvelopeError::Seal(e.to_string()))?;
	Ok(assemble(&header_bytes, &enc, &ciphertext))
}

fn header_for(recipient: &RecipientPublicKey) -> Header {
	Header {
		version: VERSION,
		suite: CipherSuite::XWingHkdfSha256ChaCha20Poly1305,
		key_epoch: recipient.epoch,
	}
}

fn assemble(header: &[u8; HEADER_LEN], enc: &KemEncappedKey, ciphertext: &[u8]) -> Vec<u8> {
	let mut out = Vec::with_capacity(HEADER_LEN + ENCAPSULATED_KEY_LEN + ciphertext.len());
	out.extend_from_slice(header);
	out.extend_from_slice(&enc.to_bytes());
	out.extend_from_slice(ciphertext);
	out
}

/// Opens an envelope with the enclave's key, for the chain `genesis_hash`, as submitted by
/// `account`.
pub fn open(
	key: &RecipientKey,
	genesis_hash: &[u8; 32],
	account: &[u8],
	envelope: &[u8],
) -> Result<Vec<u8>, EnvelopeError> {
	let header = peek_header(envelope)?;
	if header.key_epoch != key.epoch {
		return Err(EnvelopeError::WrongEpoch { envelope: header.key_epoch, key: key.epoch });
	}
	let (header_bytes, rest) = envelope.split_at(HEADER_LEN);
	let (enc, ciphertext) = rest.split_at(ENCAPSULATED_KEY_LEN);
	let enc = KemEncappedKey::from_bytes(enc).map_err(|_| EnvelopeError::DecryptionFailed)?;
	let header_bytes: [u8; HEADER_LEN] =
		header_bytes.try_into().map_err(|_| EnvelopeError::DecryptionFailed)?;
	hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, CachedXWing>(
		&OpModeR::Base,
		&key.secret,
		&enc,
		&envelope_info(genesis_hash, &header),
		ciphertext,
		&envelope_aad(&header_bytes, account),
	)
	.map_err(|_| EnvelopeError::DecryptionFailed)
}
