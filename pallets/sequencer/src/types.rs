//! The sequencer's types: submissions, entry outcomes and rejection reasons, how the runtime
//! classifies calls, the chain of batches, and the `aegis-envelope` v1 header checks.

use super::*;

/// The envelope wire format version this pallet accepts (`aegis-envelope` v1).
pub const ENVELOPE_VERSION: u8 = 1;
/// Bytes of the envelope header: version, suite, key epoch (u32 LE).
pub const ENVELOPE_HEADER_LEN: usize = 6;
/// How deep a revealed call may nest calls (each boxed call, each vector of calls, counts one
/// level) and still decode. Calls sent encrypted are plain transfers, approvals and remarks,
/// which nest nothing; the bound leaves room for a runtime admitting a few wrappers while
/// staying far below what exhausts the wasm runtime's stack while decoding: in this runtime a
/// `sudo` call nested 53 deep already does (measured through `SequencerApi_order_classes` on a
/// dev node), well under FRAME's extrinsic limit of 256.
pub const MAX_REVEALED_CALL_DEPTH: u32 = 8;
/// The one cipher suite `aegis-envelope` v1 defines: X-Wing, HKDF-SHA256, ChaCha20-Poly1305.
pub const ENVELOPE_SUITE: u8 = 1;
/// The shortest envelope that can open: the header, the X-Wing encapsulated key (1120 bytes)
/// and the AEAD tag (16 bytes) around an empty plaintext.
pub const ENVELOPE_MIN_LEN: usize = ENVELOPE_HEADER_LEN + 1_120 + 16;

/// What the runtime says a call touches: the asset (the pallet looks up its protection), the
/// operation, and whether it belongs to a migration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct CallClass {
	/// The asset the call touches, if any: the id protection records use.
	pub asset: Option<AssetId>,
	/// What the call does to it.
	pub operation: Operation,
	/// Whether the call belongs to a state migration.
	pub migration: bool,
}

/// Classifies calls for the ordering rules and the protected-asset policies; the runtime
/// provides it. A runtime with several kinds of on-chain assets maps them to disjoint ids.
pub trait CallClassifier<Call> {
	/// What `call` touches.
	fn classify(call: &Call) -> CallClass;
}

impl<Call> CallClassifier<Call> for () {
	fn classify(_: &Call) -> CallClass {
		CallClass::default()
	}
}

/// A pending encrypted submission.
#[derive(
	CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxEnvelopeLen))]
pub struct Submission<AccountId, Balance, BlockNumber, MaxEnvelopeLen>
where
	AccountId: Clone + core::fmt::Debug + PartialEq + Eq,
	Balance: Clone + core::fmt::Debug + PartialEq + Eq,
	BlockNumber: Clone + core::fmt::Debug + PartialEq + Eq,
	MaxEnvelopeLen: Get<u32>,
{
	/// Who submitted it, and whom the call runs as.
	pub who: AccountId,
	/// The encrypted `(call, salt)`.
	pub envelope: BoundedVec<u8, MaxEnvelopeLen>,
	/// `commitment(call, salt)`.
	pub commitment: Hash,
	/// The most weight the call may use.
	pub max_weight: Weight,
	/// The deposit held.
	pub deposit: Balance,
	/// The cluster key epoch it is encrypted to.
	pub key_epoch: u32,
	/// Block it arrived in.
	pub submitted_at: BlockNumber,
}

/// What happened to one entry of a committed batch.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum EntryOutcome {
	/// The call ran; `result` is its own result.
	#[codec(index = 0)]
	Executed {
		/// The call's result.
		result: DispatchResult,
		/// The weight it used.
		weight: Weight,
	},
	/// The revealed bytes are not a call of this runtime: they do not decode, leave bytes over,
	/// or nest calls deeper than `MAX_REVEALED_CALL_DEPTH`.
	#[codec(index = 1)]
	Undecodable,
	/// The call filter refused the call.
	#[codec(index = 2)]
	Filtered,
	/// The call declares more weight than the submitter allowed.
	#[codec(index = 3)]
	OverWeight,
	/// A protected asset's policy refused the call.
	#[codec(index = 4)]
	Refused(AssetRefusal),
}

/// Why a worker dropped an entry.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum RejectReason {
	/// The envelope did not decrypt under the cluster key.
	#[codec(index = 0)]
	DecryptionFailed,
	/// The plaintext is not a `(call, salt)` pair.
	#[codec(index = 1)]
	Malformed,
	/// The revealed call does not open the commitment.
	#[codec(index = 2)]
	CommitmentMismatch,
	/// The chain refused every batch the entry was in, also a batch holding it alone, at two
	/// different finalized blocks: something about the call makes `commit_batch` fail.
	#[codec(index = 3)]
	Unexecutable,
}

/// What `check_batch` found: each entry's submission with its decoded and classified call
/// (`None`: not a call of this runtime), whether the batch carried both signature suites, and
/// the oracle's score the order was checked against.
pub(crate) struct CheckedBatch<T: Config> {
	#[allow(clippy::type_complexity)]
	pub(crate) entries: Vec<(SubmissionOf<T>, Option<(<T as Config>::RuntimeCall, Classified<T>)>)>,
	pub(crate) full_pqc: bool,
	pub(crate) risk: RiskScore,
	/// The batch's hash, as signed.
	pub(crate) hash: aegis_primitives::Hash,
	/// The migration in progress and its operator, read once for every entry.
	pub(crate) migration_operator: Option<(MigrationId, <T as frame_system::Config>::AccountId)>,
}

/// The chain of batches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct BatchChain {
	/// Sequence number the next batch must carry.
	pub next_sequence: u64,
	/// Hash of the last batch (zeros before the first).
	pub last_hash: Hash,
}

impl BatchChain {
	/// The batch continuing this chain on the chain with `genesis`: `entries`, each with what
	/// the ordering rule sees of its call at block `ordered_at` (as [`Pallet::order_class`]
	/// gives it there), put in `rule`'s order at risk `risk`, the order
	/// [`Pallet::commit_batch`] checks.
	pub fn next_batch(
		&self,
		genesis: Hash,
		key_epoch: u32,
		rule: OrderingRule,
		ordered_at: u32,
		risk: RiskScore,
		entries: Vec<(BatchEntry, (ProtectionTier, bool))>,
	) -> Result<Batch, BatchError> {
		let metas: Vec<EntryMeta> = entries
			.iter()
			.map(|(e, (protection, migration))| EntryMeta {
				arrival: e.submission_id,
				risk,
				protection: *protection,
				migration: *migration,
			})
			.collect();
		let entries: Vec<BatchEntry> = entries.into_iter().map(|(e, _)| e).collect();
		// `order` always gives a permutation of its input, so `apply` always succeeds.
		let ordered = aegis_primitives::ordering::apply(
			&aegis_primitives::ordering::order(rule, &metas),
			&entries,
		)
		.ok_or(BatchError::EntryCountMismatch)?;
		Batch::new(
			genesis,
			self.next_sequence,
			self.last_hash,
			key_epoch,
			rule,
			ordered_at,
			ordered,
		)
	}
}

/// The key epoch named in an `aegis-envelope` v1 header, if the envelope could be one: the
/// version and suite this chain's workers open, and at least [`ENVELOPE_MIN_LEN`] bytes.
/// Anything else could never be opened, so it is refused at submission rather than held and
/// then rejected by a worker at the submitter's expense.
pub fn envelope_epoch(envelope: &[u8]) -> Option<u32> {
	if envelope.len() < ENVELOPE_MIN_LEN {
		return None;
	}
	let header: &[u8; ENVELOPE_HEADER_LEN] = envelope.first_chunk()?;
	let [version, suite, e0, e1, e2, e3] = *header;
	(version == ENVELOPE_VERSION && suite == ENVELOPE_SUITE)
		.then(|| u32::from_le_bytes([e0, e1, e2, e3]))
}

/// A batch entry's `max_weight` as a FRAME weight.
pub fn weight_of(limit: WeightLimit) -> Weight {
	Weight::from_parts(limit.ref_time, limit.proof_size)
}

/// A FRAME weight as a batch entry names it.
pub fn weight_limit(weight: Weight) -> WeightLimit {
	WeightLimit { ref_time: weight.ref_time(), proof_size: weight.proof_size() }
}
