//! Post-quantum signatures: ML-DSA-87 (FIPS 204) and SLH-DSA-SHA2-256s (FIPS 205).
//!
//! [`verify`] is the *pure* (not pre-hash), *external* verification of both standards, with a
//! context string. It is `no_std`, runs inside the wasm runtime, and never panics: a key or
//! signature of the wrong length or a malformed encoding simply does not verify.
//!
//! Under `std` the worker also gets [`SecretKey`] (deterministic key generation from a seed,
//! import of FIPS key encodings) and [`sign`], which uses the *deterministic* signing variants
//! both standards define (ML-DSA with `rnd = 0³²`, SLH-DSA with `opt_rand = PK.seed`): an enclave
//! needs no randomness source to sign, and the same batch always gets the same signature.
//!
//! ```
//! use aegis_primitives::pqc::{context, sign, verify, SecretKey, Suite};
//!
//! let key = SecretKey::from_seed(Suite::MlDsa87, &[7; 32]);
//! let batch_hash = [0xab; 32];
//! let sig = sign(Suite::MlDsa87, &key, context::BATCH, &batch_hash).unwrap();
//! assert!(verify(Suite::MlDsa87, &key.public_key(), context::BATCH, &batch_hash, &sig));
//! // The same bytes signed as a batch never pass as a checkpoint signature.
//! assert!(!verify(Suite::MlDsa87, &key.public_key(), context::CHECKPOINT, &batch_hash, &sig));
//! ```
//!
//! Every signature in the product carries a context string naming its purpose ([`context`]);
//! [`sign`] refuses an empty one, so a signature made for one purpose never verifies for another.

use alloc::boxed::Box;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

type MlDsaVerifyingKey = ml_dsa::VerifyingKey<ml_dsa::MlDsa87>;
type MlDsaSignature = ml_dsa::Signature<ml_dsa::MlDsa87>;
type SlhVerifyingKey = slh_dsa::VerifyingKey<slh_dsa::Sha2_256s>;
type SlhSignature = slh_dsa::Signature<slh_dsa::Sha2_256s>;

/// Context strings, one per purpose a signature can have (FIPS 204/205 `ctx`, at most 255 bytes).
pub mod context {
	/// A worker's signature over a batch hash.
	pub const BATCH: &[u8] = b"aegis/batch/v1";
	/// A redundancy worker's co-signature over another worker's batch hash.
	pub const BATCH_COSIGN: &[u8] = b"aegis/batch-cosign/v1";
	/// A worker's signature over a migration checkpoint hash.
	pub const CHECKPOINT: &[u8] = b"aegis/checkpoint/v1";
	/// A worker publishing a new cluster encryption key epoch.
	pub const CLUSTER_KEY: &[u8] = b"aegis/cluster-key/v1";
	/// A worker confirming it holds a cluster key epoch's secret.
	pub const CLUSTER_KEY_CONFIRM: &[u8] = b"aegis/cluster-key-confirm/v1";
}

/// ML-DSA-87 public key length (FIPS 204, table 2).
pub const ML_DSA_87_PUBLIC_KEY_LEN: usize = 2_592;
/// ML-DSA-87 signature length (FIPS 204, table 2).
pub const ML_DSA_87_SIGNATURE_LEN: usize = 4_627;
/// ML-DSA-87 expanded secret key length (FIPS 204 `skEncode`).
pub const ML_DSA_87_EXPANDED_SECRET_KEY_LEN: usize = 4_896;
/// SLH-DSA-SHA2-256s public key length (FIPS 205, table 2).
pub const SLH_DSA_256S_PUBLIC_KEY_LEN: usize = 64;
/// SLH-DSA-SHA2-256s secret key length (`SK.seed ‖ SK.prf ‖ PK.seed ‖ PK.root`).
pub const SLH_DSA_256S_SECRET_KEY_LEN: usize = 128;
/// SLH-DSA-SHA2-256s signature length (FIPS 205, table 2).
pub const SLH_DSA_256S_SIGNATURE_LEN: usize = 29_792;
/// The longest signature of any suite; bounds [`PqcSignature::bytes`].
pub const MAX_SIGNATURE_LEN: u32 = SLH_DSA_256S_SIGNATURE_LEN as u32;
/// Longest context string FIPS 204/205 allow.
pub const MAX_CONTEXT_LEN: usize = 255;

/// An ML-DSA-87 public key: FIPS 204 `pkEncode`, [`ML_DSA_87_PUBLIC_KEY_LEN`] bytes.
///
/// SCALE encodes it exactly as the `[u8; 2592]` it wraps (a fixed array has no length prefix),
/// so storage, calls and events keep the wire format they had when this field was a plain
/// array. Only its *metadata* differs: polkadot.js (`@polkadot/types`) refuses any fixed array
/// longer than 2048 elements, and one such array anywhere in the metadata stops the whole API
/// from initialising. The type therefore describes itself as two halves, `[[u8; 1296]; 2]`,
/// the same 2592 bytes in the same order, which every standard client (polkadot.js, PAPI,
/// subxt) decodes. `runtime/tests/metadata.rs` keeps every array in the runtime's metadata
/// within that limit.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen)]
pub struct MlDsa87PublicKey(pub [u8; ML_DSA_87_PUBLIC_KEY_LEN]);

/// Length of each half [`MlDsa87PublicKey`]'s metadata describes.
pub const ML_DSA_87_PUBLIC_KEY_HALF_LEN: usize = ML_DSA_87_PUBLIC_KEY_LEN / 2;
const _: () = assert!(2 * ML_DSA_87_PUBLIC_KEY_HALF_LEN == ML_DSA_87_PUBLIC_KEY_LEN);

impl TypeInfo for MlDsa87PublicKey {
	type Identity = Self;

	fn type_info() -> scale_info::Type {
		scale_info::Type::builder()
			.path(scale_info::Path::new("MlDsa87PublicKey", module_path!()))
			.composite(scale_info::build::Fields::unnamed().field(|f| {
				f.ty::<[[u8; ML_DSA_87_PUBLIC_KEY_HALF_LEN]; 2]>().type_name("[[u8; 1296]; 2]")
			}))
	}
}

impl MlDsa87PublicKey {
	/// The encoded key.
	pub fn as_slice(&self) -> &[u8] {
		&self.0
	}
}

impl core::fmt::Debug for MlDsa87PublicKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		// The first bytes name the key well enough in logs; 2592 numbers do not.
		write!(f, "MlDsa87PublicKey(0x")?;
		for byte in self.0.iter().take(8) {
			write!(f, "{byte:02x}")?;
		}
		write!(f, "…)")
	}
}

impl From<[u8; ML_DSA_87_PUBLIC_KEY_LEN]> for MlDsa87PublicKey {
	fn from(bytes: [u8; ML_DSA_87_PUBLIC_KEY_LEN]) -> Self {
		Self(bytes)
	}
}

impl TryFrom<&[u8]> for MlDsa87PublicKey {
	type Error = core::array::TryFromSliceError;

	fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
		bytes.try_into().map(Self)
	}
}

impl TryFrom<alloc::vec::Vec<u8>> for MlDsa87PublicKey {
	type Error = alloc::vec::Vec<u8>;

	fn try_from(bytes: alloc::vec::Vec<u8>) -> Result<Self, Self::Error> {
		bytes.try_into().map(Self)
	}
}

impl AsRef<[u8]> for MlDsa87PublicKey {
	fn as_ref(&self) -> &[u8] {
		&self.0
	}
}

/// A post-quantum signature suite.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Suite {
	/// ML-DSA-87 (FIPS 204, security category 5), lattice-based.
	#[codec(index = 0)]
	MlDsa87,
	/// SLH-DSA-SHA2-256s (FIPS 205, security category 5), hash-based.
	#[codec(index = 1)]
	SlhDsaSha2_256s,
}

impl Suite {
	/// Every suite, in encoding order.
	pub const ALL: [Suite; 2] = [Suite::MlDsa87, Suite::SlhDsaSha2_256s];

	/// The suite's bit in a [`SuiteSet`].
	pub const fn bit(self) -> u8 {
		match self {
			Suite::MlDsa87 => 1 << 0,
			Suite::SlhDsaSha2_256s => 1 << 1,
		}
	}

	/// Public key length in bytes.
	pub const fn public_key_len(self) -> usize {
		match self {
			Suite::MlDsa87 => ML_DSA_87_PUBLIC_KEY_LEN,
			Suite::SlhDsaSha2_256s => SLH_DSA_256S_PUBLIC_KEY_LEN,
		}
	}

	/// Signature length in bytes.
	pub const fn signature_len(self) -> usize {
		match self {
			Suite::MlDsa87 => ML_DSA_87_SIGNATURE_LEN,
			Suite::SlhDsaSha2_256s => SLH_DSA_256S_SIGNATURE_LEN,
		}
	}

	/// The standard's name for the parameter set.
	pub const fn name(self) -> &'static str {
		match self {
			Suite::MlDsa87 => "ML-DSA-87",
			Suite::SlhDsaSha2_256s => "SLH-DSA-SHA2-256s",
		}
	}
}

/// FIPS 204 / FIPS 205 pure external verification of `signature` over `message` with `context`.
///
/// Returns `false`, never panics, for a key or signature of the wrong length, a malformed
/// encoding, a context longer than 255 bytes, or a signature that does not verify.
///
/// This decodes the public key on every call (for ML-DSA-87 that includes expanding the public
/// matrix, more than half the cost); to check several signatures under one key, parse it once
/// with [`PublicKey::parse`].
pub fn verify(
	suite: Suite,
	public_key: &[u8],
	context: &[u8],
	message: &[u8],
	signature: &[u8],
) -> bool {
	PublicKey::parse(suite, public_key).is_some_and(|key| key.verify(context, message, signature))
}

/// A decoded public key, ready to verify many signatures.
#[derive(Clone)]
pub enum PublicKey {
	/// ML-DSA-87 (boxed: the decoded key holds the expanded public matrix).
	MlDsa87(Box<MlDsaVerifyingKey>),
	/// SLH-DSA-SHA2-256s.
	SlhDsaSha2_256s(SlhVerifyingKey),
}

impl core::fmt::Debug for PublicKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "PublicKey({})", self.suite().name())
	}
}

impl PublicKey {
	/// Decodes an encoded public key of `suite`; `None` if the length is wrong.
	pub fn parse(suite: Suite, bytes: &[u8]) -> Option<Self> {
		match suite {
			Suite::MlDsa87 => {
				let encoded =
					ml_dsa::EncodedVerifyingKey::<ml_dsa::MlDsa87>::try_from(bytes).ok()?;
				Some(Self::MlDsa87(Box::new(MlDsaVerifyingKey::decode(&encoded))))
			}
			Suite::SlhDsaSha2_256s => {
				SlhVerifyingKey::try_from(bytes).ok().map(Self::SlhDsaSha2_256s)
			}
		}
	}

	/// The key's suite.
	pub fn suite(&self) -> Suite {
		match self {
			Self::MlDsa87(_) => Suite::MlDsa87,
			Self::SlhDsaSha2_256s(_) => Suite::SlhDsaSha2_256s,
		}
	}

	/// FIPS 204 / FIPS 205 pure external verification, as [`verify`].
	pub fn verify(&self, context: &[u8], message: &[u8], signature: &[u8]) -> bool {
		if context.len() > MAX_CONTEXT_LEN {
			return false;
		}
		match self {
			Self::MlDsa87(key) => MlDsaSignature::try_from(signature)
				.is_ok_and(|sig| key.verify_with_context(message, context, &sig)),
			Self::SlhDsaSha2_256s(key) => SlhSignature::try_from(signature)
				.is_ok_and(|sig| key.try_verify_with_context(message, context, &sig).is_ok()),
		}
	}
}

/// A set of signature suites, encoded as a bit mask (bit `i` = [`Suite`] with index `i`).
///
/// Decoding rejects unknown bits, so a stored or submitted set only ever names real suites.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, MaxEncodedLen, TypeInfo)]
pub struct SuiteSet(u8);

impl SuiteSet {
	/// No suite.
	pub const EMPTY: Self = Self(0);
	/// ML-DSA-87 only.
	pub const ML_DSA: Self = Self(Suite::MlDsa87.bit());
	/// ML-DSA-87 and SLH-DSA-SHA2-256s.
	pub const BOTH: Self = Self(Suite::MlDsa87.bit() | Suite::SlhDsaSha2_256s.bit());

	const KNOWN_BITS: u8 = Self::BOTH.0;

	/// A set from a bit mask, if it names only known suites.
	pub const fn from_bits(bits: u8) -> Option<Self> {
		if bits & !Self::KNOWN_BITS == 0 {
			Some(Self(bits))
		} else {
			None
		}
	}

	/// The bit mask.
	pub const fn bits(self) -> u8 {
		self.0
	}

	/// The set with `suite` added.
	#[must_use]
	pub const fn with(self, suite: Suite) -> Self {
		Self(self.0 | suite.bit())
	}

	/// Whether `suite` is in the set.
	pub const fn contains(self, suite: Suite) -> bool {
		self.0 & suite.bit() != 0
	}

	/// Whether every suite of `other` is in `self`.
	pub const fn is_superset(self, other: Self) -> bool {
		self.0 & other.0 == other.0
	}

	/// Number of suites in the set.
	pub const fn len(self) -> u32 {
		self.0.count_ones()
	}

	/// Whether the set is empty.
	pub const fn is_empty(self) -> bool {
		self.0 == 0
	}

	/// The suites in the set, in [`Suite::ALL`] order.
	pub fn iter(self) -> impl Iterator<Item = Suite> {
		Suite::ALL.into_iter().filter(move |s| self.contains(*s))
	}
}

impl FromIterator<Suite> for SuiteSet {
	fn from_iter<I: IntoIterator<Item = Suite>>(iter: I) -> Self {
		iter.into_iter().fold(Self::EMPTY, Self::with)
	}
}

impl Decode for SuiteSet {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		Self::from_bits(u8::decode(input)?).ok_or_else(|| "unknown signature suite bit".into())
	}
}

impl DecodeWithMemTracking for SuiteSet {}

/// One signature of a signature set, tagged with its suite.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct PqcSignature {
	/// The suite that made it.
	pub suite: Suite,
	/// The encoded signature.
	pub bytes: BoundedVec<u8, ConstU32<MAX_SIGNATURE_LEN>>,
}

/// At most one signature per suite.
pub type SignatureSet = BoundedVec<PqcSignature, ConstU32<{ Suite::ALL.len() as u32 }>>;

/// Why a signature set was refused by [`verify_set`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureSetError {
	/// The set has two signatures of the same suite.
	DuplicateSuite(Suite),
	/// The policy requires this suite and the set lacks it.
	MissingSuite(Suite),
	/// The signature of this suite does not verify.
	BadSignature(Suite),
}

/// Checks a signature set: at most one signature per suite, every suite in `required` present,
/// and every signature present valid under `public_key(suite)` with `context` over `message`.
///
/// Signatures beyond `required` must verify too: a set carrying a bad signature is refused even
/// if the required ones are good, so nothing unverified is ever recorded as signed.
pub fn verify_set<'k>(
	required: SuiteSet,
	public_key: impl Fn(Suite) -> &'k [u8],
	context: &[u8],
	message: &[u8],
	signatures: &[PqcSignature],
) -> Result<SuiteSet, SignatureSetError> {
	let mut present = SuiteSet::EMPTY;
	for sig in signatures {
		if present.contains(sig.suite) {
			return Err(SignatureSetError::DuplicateSuite(sig.suite));
		}
		present = present.with(sig.suite);
	}
	if let Some(missing) = required.iter().find(|s| !present.contains(*s)) {
		return Err(SignatureSetError::MissingSuite(missing));
	}
	for sig in signatures {
		if !verify(sig.suite, public_key(sig.suite), context, message, &sig.bytes) {
			return Err(SignatureSetError::BadSignature(sig.suite));
		}
	}
	Ok(present)
}

#[cfg(feature = "std")]
pub use signing::*;

#[cfg(feature = "std")]
mod signing {
	use super::*;
	use crate::hashing::{domain, hash256};
	use ml_dsa::{ExpandedSigningKey, MlDsa87};
	use slh_dsa::Sha2_256s;
	use std::{boxed::Box, vec::Vec};

	type SlhSigningKey = slh_dsa::SigningKey<Sha2_256s>;

	/// Why a secret key could not be built.
	#[derive(Clone, Copy, Debug, PartialEq, Eq)]
	pub enum KeyError {
		/// The encoding has a length the suite does not use.
		BadLength {
			/// The suite.
			suite: Suite,
			/// The length given.
			len: usize,
		},
		/// The encoding is malformed or its parts do not belong together.
		Malformed(Suite),
	}

	impl core::fmt::Display for KeyError {
		fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
			match self {
				Self::BadLength { suite, len } => {
					write!(f, "{} secret key of {len} bytes has the wrong length", suite.name())
				}
				Self::Malformed(suite) => write!(f, "malformed {} secret key", suite.name()),
			}
		}
	}

	impl std::error::Error for KeyError {}

	/// Why a message could not be signed.
	#[derive(Clone, Copy, Debug, PartialEq, Eq)]
	pub enum SignError {
		/// Every signature must name its purpose.
		EmptyContext,
		/// FIPS 204/205 allow at most 255 bytes of context.
		ContextTooLong(usize),
		/// The key belongs to another suite than the one requested.
		SuiteMismatch {
			/// Suite requested.
			requested: Suite,
			/// Suite of the key.
			key: Suite,
		},
		/// The signing algorithm failed (ML-DSA rejection sampling gave up).
		Failed(Suite),
	}

	impl core::fmt::Display for SignError {
		fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
			match self {
				Self::EmptyContext => f.write_str("signature context must not be empty"),
				Self::ContextTooLong(n) => write!(f, "signature context of {n} bytes exceeds 255"),
				Self::SuiteMismatch { requested, key } => {
					write!(f, "asked to sign with {} using a {} key", requested.name(), key.name())
				}
				Self::Failed(suite) => write!(f, "{} signing failed", suite.name()),
			}
		}
	}

	impl std::error::Error for SignError {}

	enum Inner {
		MlDsa87(Box<ExpandedSigningKey<MlDsa87>>),
		SlhDsa(Box<SlhSigningKey>),
	}

	/// A post-quantum secret key. Its key material is zeroized when it is dropped.
	pub struct SecretKey(Inner);

	impl core::fmt::Debug for SecretKey {
		fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
			write!(f, "SecretKey({}, <redacted>)", self.suite().name())
		}
	}

	impl SecretKey {
		/// Deterministic key generation from a 32-byte seed.
		///
		/// ML-DSA-87: the seed is FIPS 204's ξ (`ML-DSA.KeyGen_internal(ξ)`).
		/// SLH-DSA-SHA2-256s: `SK.seed`, `SK.prf` and `PK.seed` are
		/// `BLAKE2b-256("aegis/slh-dsa-keygen/v1" ‖ label ‖ seed)` for labels 0, 1, 2, then
		/// `slh_keygen_internal` (FIPS 205, algorithm 18).
		pub fn from_seed(suite: Suite, seed: &[u8; 32]) -> Self {
			match suite {
				Suite::MlDsa87 => Self(Inner::MlDsa87(Box::new(ExpandedSigningKey::from_seed(
					&ml_dsa::B32::from(*seed),
				)))),
				Suite::SlhDsaSha2_256s => {
					let part = |label: u8| hash256(domain::SLH_DSA_KEYGEN, &[&[label], seed]);
					let key = SlhSigningKey::slh_keygen_internal(&part(0), &part(1), &part(2));
					Self(Inner::SlhDsa(Box::new(key)))
				}
			}
		}

		/// Imports a standard encoding of a secret key.
		///
		/// ML-DSA-87 accepts the 32-byte seed ξ or the 4896-byte FIPS 204 `skEncode` form.
		/// SLH-DSA-SHA2-256s accepts the 128-byte `SK.seed ‖ SK.prf ‖ PK.seed ‖ PK.root` and
		/// checks that `PK.root` really belongs to the seeds.
		pub fn from_bytes(suite: Suite, bytes: &[u8]) -> Result<Self, KeyError> {
			let bad_length = KeyError::BadLength { suite, len: bytes.len() };
			match suite {
				Suite::MlDsa87 => {
					if let Ok(seed) = <[u8; 32]>::try_from(bytes) {
						return Ok(Self::from_seed(suite, &seed));
					}
					let encoded = ml_dsa::ExpandedSigningKeyBytes::<MlDsa87>::try_from(bytes)
						.map_err(|_| bad_length)?;
					// skDecode may panic on out-of-range coefficients; an imported key is
					// untrusted input, so contain that and report it as malformed.
					#[allow(deprecated)]
					let key = std::panic::catch_unwind(|| {
						ExpandedSigningKey::<MlDsa87>::from_expanded(&encoded)
					})
					.map_err(|_| KeyError::Malformed(suite))?;
					#[allow(deprecated)]
					let round_trip = key.to_expanded();
					if round_trip != encoded {
						return Err(KeyError::Malformed(suite));
					}
					Ok(Self(Inner::MlDsa87(Box::new(key))))
				}
				Suite::SlhDsaSha2_256s => {
					if bytes.len() != SLH_DSA_256S_SECRET_KEY_LEN {
						return Err(bad_length);
					}
					let key =
						SlhSigningKey::try_from(bytes).map_err(|_| KeyError::Malformed(suite))?;
					let n = SLH_DSA_256S_PUBLIC_KEY_LEN / 2;
					let (sk_seed, rest) = bytes.split_at(n);
					let (sk_prf, rest) = rest.split_at(n);
					let pk_seed = rest.get(..n).ok_or(bad_length)?;
					let regenerated = SlhSigningKey::slh_keygen_internal(sk_seed, sk_prf, pk_seed);
					if regenerated != key {
						return Err(KeyError::Malformed(suite));
					}
					Ok(Self(Inner::SlhDsa(Box::new(key))))
				}
			}
		}

		/// FIPS 205 `slh_keygen_internal(SK.seed, SK.prf, PK.seed)` for SLH-DSA-SHA2-256s, each
		/// input 32 bytes.
		pub fn slh_dsa_from_seeds(
			sk_seed: &[u8],
			sk_prf: &[u8],
			pk_seed: &[u8],
		) -> Result<Self, KeyError> {
			let n = SLH_DSA_256S_PUBLIC_KEY_LEN / 2;
			for part in [sk_seed, sk_prf, pk_seed] {
				if part.len() != n {
					return Err(KeyError::BadLength {
						suite: Suite::SlhDsaSha2_256s,
						len: part.len(),
					});
				}
			}
			let key = SlhSigningKey::slh_keygen_internal(sk_seed, sk_prf, pk_seed);
			Ok(Self(Inner::SlhDsa(Box::new(key))))
		}

		/// The suite this key signs with.
		pub fn suite(&self) -> Suite {
			match &self.0 {
				Inner::MlDsa87(_) => Suite::MlDsa87,
				Inner::SlhDsa(_) => Suite::SlhDsaSha2_256s,
			}
		}

		/// The encoded public key ([`Suite::public_key_len`] bytes).
		pub fn public_key(&self) -> Vec<u8> {
			match &self.0 {
				Inner::MlDsa87(key) => key.verifying_key().encode().to_vec(),
				Inner::SlhDsa(key) => {
					let vk: &SlhVerifyingKey = key.as_ref().as_ref();
					vk.to_bytes().to_vec()
				}
			}
		}
	}

	/// Signs `message` with `context`, deterministically (see the module docs).
	pub fn sign(
		suite: Suite,
		secret: &SecretKey,
		context: &[u8],
		message: &[u8],
	) -> Result<Vec<u8>, SignError> {
		if context.is_empty() {
			return Err(SignError::EmptyContext);
		}
		if context.len() > MAX_CONTEXT_LEN {
			return Err(SignError::ContextTooLong(context.len()));
		}
		if secret.suite() != suite {
			return Err(SignError::SuiteMismatch { requested: suite, key: secret.suite() });
		}
		match &secret.0 {
			Inner::MlDsa87(key) => key
				.sign_deterministic(message, context)
				.map(|sig| sig.encode().to_vec())
				.map_err(|_| SignError::Failed(suite)),
			Inner::SlhDsa(key) => key
				.try_sign_with_context(message, context, None)
				.map(|sig| sig.to_bytes().to_vec())
				.map_err(|_| SignError::Failed(suite)),
		}
	}

	/// Signs `message` with every key whose suite is in `suites`, producing a [`SignatureSet`].
	///
	/// `keys` must hold a key for each suite in `suites`.
	pub fn sign_set(
		suites: SuiteSet,
		keys: &[&SecretKey],
		context: &[u8],
		message: &[u8],
	) -> Result<SignatureSet, SignSetError> {
		let mut out = Vec::with_capacity(suites.len() as usize);
		for suite in suites.iter() {
			let key = keys.iter().find(|k| k.suite() == suite).ok_or(SignSetError::NoKey(suite))?;
			let bytes = sign(suite, key, context, message).map_err(SignSetError::Sign)?;
			let bytes = BoundedVec::try_from(bytes)
				.map_err(|_| SignSetError::Sign(SignError::Failed(suite)))?;
			out.push(PqcSignature { suite, bytes });
		}
		BoundedVec::try_from(out).map_err(|_| SignSetError::TooMany)
	}

	/// Why [`sign_set`] failed.
	#[derive(Clone, Copy, Debug, PartialEq, Eq)]
	pub enum SignSetError {
		/// No key of this suite was given.
		NoKey(Suite),
		/// Signing failed.
		Sign(SignError),
		/// More suites than a set holds (cannot happen with the current two suites).
		TooMany,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_ml_dsa_public_key_keeps_the_plain_array_wire_format() {
		let bytes: [u8; ML_DSA_87_PUBLIC_KEY_LEN] = core::array::from_fn(|i| (i % 251) as u8);
		let key = MlDsa87PublicKey(bytes);
		// What chains stored when the field was a `[u8; 2592]` decodes unchanged, and back.
		assert_eq!(key.encode(), bytes.encode());
		assert_eq!(MlDsa87PublicKey::decode(&mut &bytes.encode()[..]).unwrap(), key);
		assert_eq!(MlDsa87PublicKey::max_encoded_len(), ML_DSA_87_PUBLIC_KEY_LEN);
		assert!(MlDsa87PublicKey::decode(&mut &bytes[..ML_DSA_87_PUBLIC_KEY_LEN - 1]).is_err());
		let generated = SecretKey::from_seed(Suite::MlDsa87, &[7; 32]).public_key();
		assert_eq!(MlDsa87PublicKey::try_from(generated.clone()).unwrap().as_slice(), generated);
		assert!(MlDsa87PublicKey::try_from(&generated[1..]).is_err());
	}

	#[test]
	fn suite_set_rejects_unknown_bits() {
		assert_eq!(SuiteSet::from_bits(0b11), Some(SuiteSet::BOTH));
		assert_eq!(SuiteSet::from_bits(0b100), None);
		assert!(SuiteSet::decode(&mut &[0b1000_0001u8][..]).is_err());
		assert_eq!(SuiteSet::decode(&mut &[0b01u8][..]), Ok(SuiteSet::ML_DSA));
		let set: SuiteSet = [Suite::SlhDsaSha2_256s].into_iter().collect();
		assert!(set.contains(Suite::SlhDsaSha2_256s) && !set.contains(Suite::MlDsa87));
		assert_eq!(SuiteSet::BOTH.iter().collect::<Vec<_>>(), Suite::ALL.to_vec());
		assert_eq!(SuiteSet::BOTH.len(), 2);
		assert!(SuiteSet::EMPTY.is_empty());
	}

	#[test]
	fn lengths_match_the_libraries() {
		for suite in Suite::ALL {
			let key = SecretKey::from_seed(suite, &[7; 32]);
			assert_eq!(key.public_key().len(), suite.public_key_len());
			let sig = sign(suite, &key, context::BATCH, b"m").unwrap();
			assert_eq!(sig.len(), suite.signature_len());
			assert!(verify(suite, &key.public_key(), context::BATCH, b"m", &sig));
		}
	}

	#[test]
	fn keygen_is_deterministic_and_seed_sensitive() {
		for suite in Suite::ALL {
			let a = SecretKey::from_seed(suite, &[1; 32]).public_key();
			assert_eq!(a, SecretKey::from_seed(suite, &[1; 32]).public_key());
			assert_ne!(a, SecretKey::from_seed(suite, &[2; 32]).public_key());
		}
	}

	#[test]
	fn signing_is_deterministic() {
		let key = SecretKey::from_seed(Suite::MlDsa87, &[3; 32]);
		let a = sign(Suite::MlDsa87, &key, context::BATCH, b"hello").unwrap();
		assert_eq!(a, sign(Suite::MlDsa87, &key, context::BATCH, b"hello").unwrap());
	}

	#[test]
	fn context_and_message_are_bound() {
		for suite in Suite::ALL {
			let key = SecretKey::from_seed(suite, &[9; 32]);
			let pk = key.public_key();
			let sig = sign(suite, &key, context::BATCH, b"batch").unwrap();
			assert!(verify(suite, &pk, context::BATCH, b"batch", &sig));
			assert!(!verify(suite, &pk, context::CHECKPOINT, b"batch", &sig));
			assert!(!verify(suite, &pk, b"", b"batch", &sig));
			assert!(!verify(suite, &pk, context::BATCH, b"batcH", &sig));
			let other = SecretKey::from_seed(suite, &[10; 32]).public_key();
			assert!(!verify(suite, &other, context::BATCH, b"batch", &sig));
		}
	}

	#[test]
	fn sign_refuses_bad_requests() {
		let key = SecretKey::from_seed(Suite::MlDsa87, &[1; 32]);
		assert_eq!(sign(Suite::MlDsa87, &key, b"", b"m"), Err(SignError::EmptyContext));
		assert_eq!(
			sign(Suite::MlDsa87, &key, &[b'x'; 256], b"m"),
			Err(SignError::ContextTooLong(256))
		);
		assert_eq!(
			sign(Suite::SlhDsaSha2_256s, &key, context::BATCH, b"m"),
			Err(SignError::SuiteMismatch {
				requested: Suite::SlhDsaSha2_256s,
				key: Suite::MlDsa87
			})
		);
	}

	#[test]
	fn parsed_keys_verify_like_verify() {
		for suite in Suite::ALL {
			let key = SecretKey::from_seed(suite, &[8; 32]);
			let pk = key.public_key();
			let sig = sign(suite, &key, context::BATCH, b"m").unwrap();
			let parsed = PublicKey::parse(suite, &pk).unwrap();
			assert_eq!(parsed.suite(), suite);
			assert!(parsed.verify(context::BATCH, b"m", &sig));
			assert!(!parsed.verify(context::BATCH, b"n", &sig));
			assert!(!parsed.verify(context::BATCH, b"m", &sig[1..]));
			assert!(!parsed.verify(&[b'x'; 256], b"m", &sig));
			assert!(PublicKey::parse(suite, &pk[1..]).is_none());
		}
	}

	#[test]
	fn malformed_inputs_do_not_verify() {
		let key = SecretKey::from_seed(Suite::MlDsa87, &[5; 32]);
		let pk = key.public_key();
		let sig = sign(Suite::MlDsa87, &key, context::BATCH, b"m").unwrap();
		assert!(!verify(Suite::MlDsa87, &pk[..100], context::BATCH, b"m", &sig));
		assert!(!verify(Suite::MlDsa87, &pk, context::BATCH, b"m", &sig[..sig.len() - 1]));
		assert!(!verify(Suite::MlDsa87, &pk, &[b'x'; 256], b"m", &sig));
		// The ML-DSA signature given to SLH-DSA and vice versa.
		assert!(!verify(Suite::SlhDsaSha2_256s, &pk, context::BATCH, b"m", &sig));
		assert!(!verify(Suite::MlDsa87, &[0; 64], context::BATCH, b"m", &[0; 29_792]));
		assert!(!verify(Suite::MlDsa87, &[], context::BATCH, b"m", &[]));
		assert!(!verify(Suite::SlhDsaSha2_256s, &[], context::BATCH, b"m", &[]));
	}

	#[test]
	fn secret_key_import() {
		let seed = [4u8; 32];
		let from_seed = SecretKey::from_seed(Suite::MlDsa87, &seed);
		let imported = SecretKey::from_bytes(Suite::MlDsa87, &seed).unwrap();
		assert_eq!(from_seed.public_key(), imported.public_key());
		assert_eq!(
			SecretKey::from_bytes(Suite::MlDsa87, &[0; 31]).unwrap_err(),
			KeyError::BadLength { suite: Suite::MlDsa87, len: 31 }
		);
		assert!(SecretKey::from_bytes(Suite::MlDsa87, &[0xff; 4896]).is_err());
		assert_eq!(
			SecretKey::from_bytes(Suite::SlhDsaSha2_256s, &[0; 127]).unwrap_err(),
			KeyError::BadLength { suite: Suite::SlhDsaSha2_256s, len: 127 }
		);
		// Seeds whose PK.root does not match.
		assert_eq!(
			SecretKey::from_bytes(Suite::SlhDsaSha2_256s, &[0; 128]).unwrap_err(),
			KeyError::Malformed(Suite::SlhDsaSha2_256s)
		);
		assert!(SecretKey::slh_dsa_from_seeds(&[0; 32], &[0; 32], &[0; 31]).is_err());
		assert!(format!("{from_seed:?}").contains("redacted"));
	}

	#[test]
	fn signature_sets_follow_the_policy() {
		let ml = SecretKey::from_seed(Suite::MlDsa87, &[1; 32]);
		let slh = SecretKey::from_seed(Suite::SlhDsaSha2_256s, &[2; 32]);
		let (ml_pk, slh_pk) = (ml.public_key(), slh.public_key());
		let pk = |s: Suite| -> &[u8] {
			match s {
				Suite::MlDsa87 => &ml_pk,
				Suite::SlhDsaSha2_256s => &slh_pk,
			}
		};
		let msg = b"batch hash";
		let only_ml = sign_set(SuiteSet::ML_DSA, &[&ml, &slh], context::BATCH, msg).unwrap();
		assert_eq!(
			verify_set(SuiteSet::ML_DSA, pk, context::BATCH, msg, &only_ml),
			Ok(SuiteSet::ML_DSA)
		);
		assert_eq!(
			verify_set(SuiteSet::BOTH, pk, context::BATCH, msg, &only_ml),
			Err(SignatureSetError::MissingSuite(Suite::SlhDsaSha2_256s))
		);
		let both = sign_set(SuiteSet::BOTH, &[&ml, &slh], context::BATCH, msg).unwrap();
		assert_eq!(verify_set(SuiteSet::BOTH, pk, context::BATCH, msg, &both), Ok(SuiteSet::BOTH));
		assert_eq!(
			verify_set(SuiteSet::ML_DSA, pk, context::CHECKPOINT, msg, &both),
			Err(SignatureSetError::BadSignature(Suite::MlDsa87))
		);
		let mut tampered = both.clone();
		tampered[1].bytes[0] ^= 1;
		assert_eq!(
			verify_set(SuiteSet::ML_DSA, pk, context::BATCH, msg, &tampered),
			Err(SignatureSetError::BadSignature(Suite::SlhDsaSha2_256s))
		);
		let dup = [only_ml[0].clone(), only_ml[0].clone()];
		assert_eq!(
			verify_set(SuiteSet::ML_DSA, pk, context::BATCH, msg, &dup),
			Err(SignatureSetError::DuplicateSuite(Suite::MlDsa87))
		);
		assert_eq!(
			sign_set(SuiteSet::BOTH, &[&ml], context::BATCH, msg).unwrap_err(),
			SignSetError::NoKey(Suite::SlhDsaSha2_256s)
		);
	}
}
