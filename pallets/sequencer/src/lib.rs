//! # Encrypted mempool and post-quantum sequencing
//!
//! Users submit calls encrypted to the cluster key; an attested worker decrypts them inside its
//! enclave, orders them by the public rule, signs the batch with the post-quantum suites the
//! risk oracle's policy requires, and commits it; the chain verifies everything it can and runs
//! the calls in that order as their submitters.
//!
//! ## Submitting
//! [`Pallet::submit_encrypted`] takes an `aegis-envelope` v1 envelope (sealed to the current
//! cluster key epoch), the commitment `aegis_primitives::batch::commitment(call, salt)` and the
//! most weight the call may use. It holds a deposit covering the worst case:
//! `DepositBase + DepositPerByte · len(envelope) + WeightToFee(max_weight)`. The pool holds at
//! most `MaxPending` submissions and `MaxPendingPerAccount` per account.
//!
//! ## Committing a batch
//! [`Pallet::commit_batch`] from an active primary worker checks, in order: the batch commits to
//! its entries; it is for this chain and continues the chain of batches (sequence, parent
//! hash); its rule is the active rule; its signatures verify under the worker's registered keys
//! for every suite the current `PqcPolicy` requires (context `aegis/batch/v1`); with redundancy
//! enabled, enough distinct active redundancy workers co-signed the same hash (context
//! `aegis/batch-cosign/v1`); every entry names a pending submission of the batch's key epoch,
//! at most once, and opens its commitment; and the order satisfies
//! `aegis_primitives::ordering::is_ordered` with each entry's metadata recomputed on chain (the
//! runtime's [`CallClassifier`] for asset, protection tier and migration flag; the oracle's
//! score for risk). Any failure rejects the whole batch and changes nothing.
//!
//! Then each call is dispatched with origin `Signed(submitter)` if `CallFilter` admits it and
//! its declared weight fits the submitter's `max_weight`. A failing call never aborts the batch;
//! every entry's outcome is an [`Event::EntryExecuted`]. The submitter pays
//! `DepositBase + DepositPerByte · len + WeightToFee(actual weight)` to the worker, and the rest
//! of the deposit is released.
//!
//! ## Refunds
//! [`Pallet::reject_entries`] lets the sequencing worker (an active primary holding the entry's
//! key epoch) drop entries it could not decrypt or decode, or that the chain refused in every
//! batch: the submitter pays [`Pallet::reject_fee`] (`RejectFee`, at most the inclusion cost
//! `DepositBase + DepositPerByte · len`), which is burned, and gets the rest back. Submissions pending
//! longer than `MaxPendingAge` blocks are refunded in full, oldest first, by `on_initialize`
//! (at most `MaxExpiriesPerBlock` a block) or by anyone through [`Pallet::refund_expired`]. No
//! path loses a deposit.
//!
//! ## Protected assets
//! [`Pallet::register_asset`] records an asset of one of the seven
//! [`AssetType`]s with an [`AccessPolicy`]; governance may register any asset, an account only
//! those the runtime's [`AssetAuthority`] lets it protect (a token's owner), holding
//! `AssetDeposit`. [`Pallet::update_policy`] and [`Pallet::remove_asset`] (which releases the
//! deposit) are for the same parties. The chain enforces policies on its own assets (see
//! [`protection`]): [`CheckProtectedAssets`] and [`ProtectedAssetGuard`] keep calls touching an
//! asset that `requires_tee` or `requires_pqc` off the plain path, a `requires_pqc` asset needs
//! a batch signed with both suites, and while the oracle's score is above the asset's
//! `risk_threshold` only its `allowed_operations` run. The policy's tier feeds the ordering
//! rules.
//!
//! ## Migrations
//! Governance starts a migration of some protected assets ([`Pallet::start_migration`]); while
//! it runs, only migration calls touch them. Active workers commit checkpoints
//! ([`Pallet::commit_checkpoint`]) signed with **both** ML-DSA-87 and SLH-DSA-SHA2-256s
//! (context `aegis/checkpoint/v1`), naming a recent block by its hash and snapshotting each
//! asset's state; the chain records each asset's policy with it. Governance then completes the
//! migration ([`Pallet::complete_migration`]) or rolls it back to a checkpoint
//! ([`Pallet::rollback_migration`]), which restores the recorded policies.

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod protection;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_protection;
pub mod weights;
#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;

pub use protection::{
	AssetAuthority, AssetRefusal, CallPath, CheckProtectedAssets, CheckpointRecord, Classified,
	Migration, MigrationId, MigrationState, MigrationStatus, ProtectedAsset, ProtectedAssetGuard,
	MAX_LOCATION_LEN,
};

use aegis_primitives::{
	assets::{AccessPolicy, AssetType, Operation},
	batch::{
		AssetId, Batch, BatchEntry, BatchError, Checkpoint, RevealedCall, SubmissionId, WeightLimit,
	},
	binding::EnclaveKeys,
	ordering::{is_ordered, EntryMeta, OrderingRule, ProtectionTier},
	pqc::{self, SignatureSet, Suite},
	risk::{RiskScore, SuiteSet},
	Hash,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeLimit, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	dispatch::{GetDispatchInfo, PostDispatchInfo},
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Contains, IsType,
	},
	weights::WeightToFee,
};
use frame_system::pallet_prelude::*;
use pallet_risk_oracle::RiskProvider;
use pallet_tee_registry::{WorkerRegistry, WorkerRole};
use scale_info::TypeInfo;
use sp_runtime::traits::{Dispatchable, Saturating, Zero};

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
struct CheckedBatch<T: Config> {
	#[allow(clippy::type_complexity)]
	entries: Vec<(SubmissionOf<T>, Option<(<T as Config>::RuntimeCall, Classified<T>)>)>,
	full_pqc: bool,
	risk: RiskScore,
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

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// Balance of the deposit currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A pending submission.
	pub type SubmissionOf<T> = Submission<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxEnvelopeLen,
	>;
	/// A protected asset's record.
	pub type ProtectedAssetOf<T> =
		ProtectedAsset<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
	/// Co-signatures of a batch: the redundancy worker and its signature set.
	pub type CosignaturesOf<T> = BoundedVec<
		(<T as frame_system::Config>::AccountId, SignatureSet),
		<T as Config>::MaxCosigners,
	>;

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The runtime's call, which batches reveal.
		type RuntimeCall: Parameter
			+ Dispatchable<RuntimeOrigin = Self::RuntimeOrigin, PostInfo = PostDispatchInfo>
			+ GetDispatchInfo
			+ From<frame_system::Call<Self>>
			+ IsType<<Self as frame_system::Config>::RuntimeCall>;
		/// Holds and settles deposits.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;
		/// Attested workers and the cluster key.
		type Workers: WorkerRegistry<Self::AccountId>;
		/// The quantum-risk oracle: the policy in force and the score.
		type Risk: RiskProvider<BlockNumberFor<Self>>;
		/// What a call touches, for the ordering rules.
		type CallClassifier: CallClassifier<<Self as Config>::RuntimeCall>;
		/// Which revealed calls may run.
		type CallFilter: Contains<<Self as Config>::RuntimeCall>;
		/// Fee for weight, as transaction payment charges it.
		type WeightToFee: WeightToFee<Balance = BalanceOf<Self>>;
		/// Who may set the ordering rule, protect any asset and run migrations.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Which accounts may protect which assets (e.g. a token's owner).
		type AssetAuthority: AssetAuthority<Self::AccountId>;
		/// Deposit held from an account that registers a protected asset.
		#[pallet::constant]
		type AssetDeposit: Get<BalanceOf<Self>>;
		/// Most assets one migration covers (at most `MAX_CHECKPOINT_ASSETS`, 256).
		#[pallet::constant]
		type MaxMigrationAssets: Get<u32>;
		/// Most checkpoints one migration records.
		#[pallet::constant]
		type MaxCheckpoints: Get<u32>;
		/// Fixed part of a deposit.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;
		/// Per envelope byte part of a deposit.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;
		/// What a submission the worker could not decrypt or decode pays.
		#[pallet::constant]
		type RejectFee: Get<BalanceOf<Self>>;
		/// Longest envelope accepted.
		#[pallet::constant]
		type MaxEnvelopeLen: Get<u32>;
		/// Most weight one submission may ask for.
		#[pallet::constant]
		type MaxCallWeight: Get<Weight>;
		/// Most pending submissions (default 10,000).
		#[pallet::constant]
		type MaxPending: Get<u32>;
		/// Most pending submissions of one account.
		#[pallet::constant]
		type MaxPendingPerAccount: Get<u32>;
		/// Blocks after which a pending submission is refunded.
		#[pallet::constant]
		type MaxPendingAge: Get<BlockNumberFor<Self>>;
		/// Most expired submissions refunded in one block's `on_initialize`.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;
		/// Most co-signatures a batch carries.
		#[pallet::constant]
		type MaxCosigners: Get<u32>;
		/// Most entries one `reject_entries` call drops.
		#[pallet::constant]
		type MaxRejects: Get<u32>;
		/// Fewest blocks between two changes of one asset's protection tier (registration,
		/// a policy update that changes the tier, removal), and the oldest state a batch may be
		/// ordered against. More than finality plus one batch's round trip, so a worker's
		/// batch built from finalized state is checked against the tiers it saw.
		#[pallet::constant]
		type TierChangeInterval: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
		/// Workers, signatures and risk levels for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self>;
	}

	/// Deposits held by this pallet.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A pending encrypted submission's deposit.
		#[codec(index = 0)]
		Submission,
		/// The deposit for a protected asset registered by an account.
		#[codec(index = 1)]
		AssetProtection,
	}

	/// Storage layout version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Pending submissions by id (ids are arrival indices).
	#[pallet::storage]
	pub type Pending<T: Config> =
		CountedStorageMap<_, Twox64Concat, SubmissionId, SubmissionOf<T>, OptionQuery>;

	/// Pending submissions per account.
	#[pallet::storage]
	pub type PendingPerAccount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The id the next submission gets.
	#[pallet::storage]
	pub type NextSubmissionId<T: Config> = StorageValue<_, SubmissionId, ValueQuery>;

	/// The lowest id that may still be pending: where expiry processing resumes.
	#[pallet::storage]
	pub type ExpiryCursor<T: Config> = StorageValue<_, SubmissionId, ValueQuery>;

	/// Sequence and hash of the batches committed so far.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageValue<_, BatchChain, ValueQuery>;

	/// The ordering rule batches must follow.
	#[pallet::storage]
	pub type ActiveRule<T: Config> = StorageValue<_, OrderingRule, ValueQuery, DefaultRule>;

	/// Protected assets by id.
	#[pallet::storage]
	pub type ProtectedAssets<T: Config> =
		StorageMap<_, Twox64Concat, AssetId, ProtectedAssetOf<T>, OptionQuery>;

	/// Migrations by id, in progress or ended.
	#[pallet::storage]
	pub type Migrations<T: Config> =
		StorageMap<_, Twox64Concat, MigrationId, Migration<BlockNumberFor<T>>, OptionQuery>;

	/// The id the next migration gets.
	#[pallet::storage]
	pub type NextMigrationId<T: Config> = StorageValue<_, MigrationId, ValueQuery>;

	/// The migration in progress, if any (one at a time).
	#[pallet::storage]
	pub type CurrentMigration<T: Config> = StorageValue<_, MigrationId, OptionQuery>;

	/// Checkpoints of the migration in progress, by migration and sequence number.
	#[pallet::storage]
	pub type Checkpoints<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		MigrationId,
		Twox64Concat,
		u32,
		CheckpointRecord<T::AccountId, BlockNumberFor<T>>,
		OptionQuery,
	>;

	/// The last change of each asset's protection tier: the tier before it and the block it was
	/// made in. A batch ordered against an earlier block is checked with the earlier tier.
	#[pallet::storage]
	pub type TierChanges<T: Config> =
		StorageMap<_, Twox64Concat, AssetId, (ProtectionTier, BlockNumberFor<T>), OptionQuery>;

	/// Set while a batch's entries run: whether the batch carried both signature suites. Read by
	/// [`ProtectedAssetGuard`] to tell the encrypted path from a plain extrinsic.
	#[pallet::storage]
	pub type EncryptedDispatch<T: Config> = StorageValue<_, bool, OptionQuery>;

	/// The default ordering rule.
	#[pallet::type_value]
	pub fn DefaultRule() -> OrderingRule {
		OrderingRule::Hybrid
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An encrypted call entered the pool.
		Submitted {
			/// Its id (arrival index).
			id: SubmissionId,
			/// The submitter.
			who: T::AccountId,
			/// The cluster key epoch it is encrypted to.
			key_epoch: u32,
			/// The deposit held.
			deposit: BalanceOf<T>,
		},
		/// A batch was committed and its entries processed.
		BatchCommitted {
			/// Its sequence number.
			sequence: u64,
			/// Its hash.
			hash: Hash,
			/// The worker that committed it.
			worker: T::AccountId,
			/// How many entries it had.
			entries: u32,
		},
		/// One entry of a batch was processed.
		EntryExecuted {
			/// The submission.
			id: SubmissionId,
			/// The submitter.
			who: T::AccountId,
			/// What happened.
			outcome: EntryOutcome,
			/// What the submitter paid; the rest of the deposit was released.
			charged: BalanceOf<T>,
		},
		/// A worker dropped an entry.
		EntryRejected {
			/// The submission.
			id: SubmissionId,
			/// The submitter.
			who: T::AccountId,
			/// Why.
			reason: RejectReason,
			/// What the submitter paid.
			charged: BalanceOf<T>,
		},
		/// A submission waited too long and was refunded in full.
		Expired {
			/// The submission.
			id: SubmissionId,
			/// The submitter.
			who: T::AccountId,
		},
		/// The ordering rule changed.
		RuleSet {
			/// The new rule.
			rule: OrderingRule,
		},
		/// An asset is now protected.
		AssetRegistered {
			/// The asset.
			id: AssetId,
			/// Its type.
			asset_type: AssetType,
			/// Its owner (`None`: governance).
			owner: Option<T::AccountId>,
			/// Its policy.
			policy: AccessPolicy,
		},
		/// An asset's policy changed.
		PolicyUpdated {
			/// The asset.
			id: AssetId,
			/// The new policy.
			policy: AccessPolicy,
		},
		/// An asset is no longer protected; its deposit was released.
		AssetRemoved {
			/// The asset.
			id: AssetId,
		},
		/// A migration started.
		MigrationStarted {
			/// The migration.
			id: MigrationId,
			/// How many assets it covers.
			assets: u32,
		},
		/// A worker committed a migration checkpoint.
		CheckpointCommitted {
			/// The migration.
			migration: MigrationId,
			/// The checkpoint's sequence number.
			sequence: u32,
			/// Its hash.
			hash: Hash,
			/// The worker.
			worker: T::AccountId,
		},
		/// A migration completed.
		MigrationCompleted {
			/// The migration.
			id: MigrationId,
		},
		/// A migration was rolled back; its assets have the policies of checkpoint `to`.
		MigrationRolledBack {
			/// The migration.
			id: MigrationId,
			/// The checkpoint restored.
			to: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// There is no cluster key to encrypt to yet.
		NoClusterKey,
		/// The envelope is of an unknown version or suite, or too short to open.
		MalformedEnvelope,
		/// The envelope is encrypted to another key epoch than the current one.
		WrongKeyEpoch,
		/// `max_weight` is zero or above `MaxCallWeight`.
		BadMaxWeight,
		/// The pool holds `MaxPending` submissions.
		PoolFull,
		/// The account has `MaxPendingPerAccount` pending submissions.
		TooManyPending,
		/// The deposit cannot be held.
		InsufficientBalance,
		/// The caller is not an active worker.
		NotActiveWorker,
		/// Only primary workers commit batches.
		NotPrimary,
		/// The header does not commit to the entries.
		BatchIntegrity,
		/// The batch is for another chain.
		WrongChain,
		/// The sequence number does not continue the chain of batches.
		WrongSequence,
		/// The parent hash is not the last batch's hash.
		WrongParent,
		/// The batch follows another rule than the active one.
		WrongRule,
		/// A signature the policy requires is missing.
		MissingSignature,
		/// A signature does not verify under the worker's key.
		BadSignature,
		/// Fewer valid co-signatures than redundancy requires.
		NotEnoughCosignatures,
		/// An entry names no pending submission (unknown, already processed, or twice).
		UnknownSubmission,
		/// An entry's submission is encrypted to another key epoch than the batch's.
		EpochMismatch,
		/// An entry's revealed call does not open its commitment.
		CommitmentMismatch,
		/// The entries are not in the order the rule gives.
		Misordered,
		/// The submission has not expired.
		NotExpired,
		/// The asset is already protected.
		AssetExists,
		/// No protected asset has this id.
		UnknownAsset,
		/// The caller may not protect this asset.
		NotAssetAuthority,
		/// The asset is part of a migration in progress.
		AssetMigrating,
		/// The asset deposit cannot be held.
		InsufficientDeposit,
		/// A migration is already in progress.
		MigrationInProgress,
		/// No migration is in progress.
		NoMigration,
		/// A migration must cover at least one asset, at most `MaxMigrationAssets`, each once.
		BadMigrationAssets,
		/// The checkpoint is for another migration than the one in progress.
		WrongMigration,
		/// The checkpoint's sequence number is not the next one.
		WrongCheckpointSequence,
		/// The checkpoint's block is not a recent past block of this chain with this hash.
		WrongBlockHash,
		/// The checkpoint's snapshots are not the migration's assets in their current state.
		SnapshotMismatch,
		/// The migration holds `MaxCheckpoints` checkpoints.
		TooManyCheckpoints,
		/// The migration has no checkpoint yet.
		NoCheckpoint,
		/// The migration has no checkpoint with this sequence number.
		UnknownCheckpoint,
		/// An entry's `max_weight` is not the one its submission holds.
		WeightMismatch,
		/// The worker does not hold the cluster key the submission is encrypted to.
		NotEpochHolder,
		/// The asset's protection tier changed less than `TierChangeInterval` blocks ago.
		TierChangeTooSoon,
		/// The batch is ordered against a block in the future or more than
		/// `TierChangeInterval` blocks old.
		StaleOrder,
		/// The signing worker's keys are older than the risk policy's rotation period.
		KeysTooOld,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let (refunded, looked) = Self::refund_expired_up_to(now, T::MaxExpiriesPerBlock::get());
			Self::expiry_weight(refunded, looked)
		}

		/// Refunds more expired submissions with the block's spare weight, so expiry keeps up
		/// with `MaxPendingAge` however many submissions a busy block leaves behind.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			// Looking at an id costs a read; a refund, its share of the benchmark. A run of `n`
			// refunds looks at up to `2n` ids.
			let base = Self::expiry_weight(0, 0);
			let per = Self::expiry_weight(1, 2).saturating_sub(base);
			let spare = remaining.saturating_sub(base);
			if per.any_gt(spare) || per.is_zero() {
				return Weight::zero();
			}
			let by_time = spare.ref_time() / per.ref_time().max(1);
			let by_proof = spare.proof_size().checked_div(per.proof_size()).unwrap_or(u64::MAX);
			let n = by_time.min(by_proof).min(u64::from(u32::MAX)) as u32;
			let (refunded, looked) = Self::refund_expired_up_to(now, n);
			Self::expiry_weight(refunded, looked)
		}

		fn integrity_test() {
			assert!(
				T::MaxMigrationAssets::get() <= aegis_primitives::batch::MAX_CHECKPOINT_ASSETS,
				"MaxMigrationAssets exceeds what a checkpoint can snapshot"
			);
			assert!(T::MaxCheckpoints::get() > 0, "MaxCheckpoints must be positive");
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Submits an encrypted call; see the crate docs.
		#[pallet::call_index(0)]
		pub fn submit_encrypted(
			origin: OriginFor<T>,
			envelope: BoundedVec<u8, T::MaxEnvelopeLen>,
			commitment: Hash,
			max_weight: Weight,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let (current_epoch, _) = T::Workers::cluster_key().ok_or(Error::<T>::NoClusterKey)?;
			let key_epoch = envelope_epoch(&envelope).ok_or(Error::<T>::MalformedEnvelope)?;
			ensure!(key_epoch == current_epoch, Error::<T>::WrongKeyEpoch);
			ensure!(
				!max_weight.is_zero() && max_weight.all_lte(T::MaxCallWeight::get()),
				Error::<T>::BadMaxWeight
			);
			ensure!(Pending::<T>::count() < T::MaxPending::get(), Error::<T>::PoolFull);
			let mine = PendingPerAccount::<T>::get(&who);
			ensure!(mine < T::MaxPendingPerAccount::get(), Error::<T>::TooManyPending);
			let deposit = Self::deposit_for(envelope.len(), max_weight);
			T::Currency::hold(&HoldReason::Submission.into(), &who, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			let id = NextSubmissionId::<T>::get();
			NextSubmissionId::<T>::put(id.saturating_add(1));
			PendingPerAccount::<T>::insert(&who, mine.saturating_add(1));
			Pending::<T>::insert(
				id,
				Submission {
					who: who.clone(),
					envelope,
					commitment,
					max_weight,
					deposit,
					key_epoch,
					submitted_at: frame_system::Pallet::<T>::block_number(),
				},
			);
			Self::deposit_event(Event::Submitted { id, who, key_epoch, deposit });
			Ok(())
		}

		/// Commits a batch of revealed entries and runs them; see the crate docs.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::commit_batch_weight(batch, cosignatures.len() as u32))]
		pub fn commit_batch(
			origin: OriginFor<T>,
			batch: Batch,
			signatures: SignatureSet,
			cosignatures: CosignaturesOf<T>,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			let checked = Self::check_batch(&worker, &batch, &signatures, &cosignatures)?;
			let entries = batch.entries.len() as u32;
			let mut used = T::WeightInfo::commit_batch(entries, cosignatures.len() as u32);
			// Tells the protected-asset guard that these dispatches come by the encrypted path.
			EncryptedDispatch::<T>::put(checked.full_pqc);
			let path = CallPath::Encrypted { full_pqc: checked.full_pqc };
			for (entry, (submission, call)) in batch.entries.iter().zip(checked.entries) {
				used = used.saturating_add(Self::execute(
					&worker,
					entry.submission_id,
					submission,
					call,
					path,
					checked.risk,
				));
			}
			EncryptedDispatch::<T>::kill();
			let hash = batch.hash();
			Batches::<T>::put(BatchChain {
				next_sequence: batch.header.sequence.saturating_add(1),
				last_hash: hash,
			});
			Self::deposit_event(Event::BatchCommitted {
				sequence: batch.header.sequence,
				hash,
				worker,
				entries,
			});
			Ok(Some(used).into())
		}

		/// Drops entries the sequencing worker could not open or get executed, refunding each
		/// minus [`Pallet::reject_fee`], which is burned: the chain cannot check the reason, so
		/// the worker gains nothing by giving it. Only an active primary worker holding the
		/// cluster key of each entry's epoch (the one that can open it) may reject it.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reject_entries(entries.len() as u32))]
		pub fn reject_entries(
			origin: OriginFor<T>,
			entries: BoundedVec<(SubmissionId, RejectReason), T::MaxRejects>,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			ensure!(T::Workers::is_active(&worker), Error::<T>::NotActiveWorker);
			ensure!(T::Workers::role(&worker) == Some(WorkerRole::Primary), Error::<T>::NotPrimary);
			for (id, _) in entries.iter() {
				let s = Pending::<T>::get(id).ok_or(Error::<T>::UnknownSubmission)?;
				ensure!(T::Workers::holds_epoch(&worker, s.key_epoch), Error::<T>::NotEpochHolder);
			}
			for (id, reason) in entries {
				// Named twice: the first occurrence already removed it.
				let Some(s) = Self::take(id) else { continue };
				let charged = Self::burn_reject_fee(&s);
				Self::deposit_event(Event::EntryRejected { id, who: s.who, reason, charged });
			}
			Ok(())
		}

		/// Refunds a submission pending longer than `MaxPendingAge`. Anyone may call it.
		#[pallet::call_index(3)]
		pub fn refund_expired(origin: OriginFor<T>, id: SubmissionId) -> DispatchResult {
			ensure_signed(origin)?;
			let s = Pending::<T>::get(id).ok_or(Error::<T>::UnknownSubmission)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(Self::is_expired(&s, now), Error::<T>::NotExpired);
			Self::expire(id);
			Ok(())
		}

		/// Sets the ordering rule batches must follow.
		#[pallet::call_index(4)]
		pub fn set_rule(origin: OriginFor<T>, rule: OrderingRule) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ActiveRule::<T>::put(rule);
			Self::deposit_event(Event::RuleSet { rule });
			Ok(())
		}

		/// Protects asset `id`. Governance may protect any asset; an account only those
		/// `AssetAuthority` lets it, holding `AssetDeposit` until the asset is removed.
		#[pallet::call_index(5)]
		pub fn register_asset(
			origin: OriginFor<T>,
			id: AssetId,
			asset_type: AssetType,
			policy: AccessPolicy,
			chain_id: Option<u64>,
			location: BoundedVec<u8, ConstU32<MAX_LOCATION_LEN>>,
		) -> DispatchResult {
			let owner = Self::ensure_governance_or(origin, |who| {
				T::AssetAuthority::may_protect(who, id, asset_type)
			})?;
			ensure!(!ProtectedAssets::<T>::contains_key(id), Error::<T>::AssetExists);
			let by_owner = owner.is_some();
			let none = ProtectionTier::default();
			Self::record_tier_change(id, asset_type, none, policy.tier(), by_owner)?;
			let deposit = match &owner {
				Some(who) => {
					let deposit = T::AssetDeposit::get();
					T::Currency::hold(&HoldReason::AssetProtection.into(), who, deposit)
						.map_err(|_| Error::<T>::InsufficientDeposit)?;
					deposit
				}
				None => Zero::zero(),
			};
			ProtectedAssets::<T>::insert(
				id,
				ProtectedAsset {
					asset_type,
					policy,
					migration: MigrationState::Active,
					owner: owner.clone(),
					deposit,
					chain_id,
					location,
				},
			);
			Self::deposit_event(Event::AssetRegistered { id, asset_type, owner, policy });
			Ok(())
		}

		/// Replaces asset `id`'s policy, also during a migration. Governance, or whoever
		/// `AssetAuthority` lets protect the asset now (a token's current owner: the right
		/// follows the token, not who registered it).
		#[pallet::call_index(6)]
		pub fn update_policy(
			origin: OriginFor<T>,
			id: AssetId,
			policy: AccessPolicy,
		) -> DispatchResult {
			let mut asset = ProtectedAssets::<T>::get(id).ok_or(Error::<T>::UnknownAsset)?;
			let by = Self::ensure_governance_or(origin, |who| Self::may_change(&asset, who, id))?;
			let (before, after) = (asset.policy.tier(), policy.tier());
			Self::record_tier_change(id, asset.asset_type, before, after, by.is_some())?;
			asset.policy = policy;
			ProtectedAssets::<T>::insert(id, asset);
			Self::deposit_event(Event::PolicyUpdated { id, policy });
			Ok(())
		}

		/// Ends asset `id`'s protection (governance, or whoever `AssetAuthority` lets protect
		/// it now) and releases its deposit to whoever paid it. Not while the asset is being
		/// migrated.
		#[pallet::call_index(7)]
		pub fn remove_asset(origin: OriginFor<T>, id: AssetId) -> DispatchResult {
			let asset = ProtectedAssets::<T>::get(id).ok_or(Error::<T>::UnknownAsset)?;
			let by = Self::ensure_governance_or(origin, |who| Self::may_change(&asset, who, id))?;
			ensure!(asset.migration == MigrationState::Active, Error::<T>::AssetMigrating);
			let (tier, none) = (asset.policy.tier(), ProtectionTier::default());
			Self::record_tier_change(id, asset.asset_type, tier, none, by.is_some())?;
			ProtectedAssets::<T>::remove(id);
			if let Some(owner) = &asset.owner {
				let reason: T::RuntimeHoldReason = HoldReason::AssetProtection.into();
				let _ = T::Currency::release(&reason, owner, asset.deposit, Precision::BestEffort);
			}
			Self::deposit_event(Event::AssetRemoved { id });
			Ok(())
		}

		/// Starts a migration of `assets` (governance); see the crate docs.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::start_migration(assets.len() as u32))]
		pub fn start_migration(
			origin: OriginFor<T>,
			assets: BoundedVec<AssetId, T::MaxMigrationAssets>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(CurrentMigration::<T>::get().is_none(), Error::<T>::MigrationInProgress);
			let distinct: alloc::collections::BTreeSet<_> = assets.iter().collect();
			ensure!(
				!assets.is_empty() && distinct.len() == assets.len(),
				Error::<T>::BadMigrationAssets
			);
			let mut records = Vec::with_capacity(assets.len());
			for id in assets.iter() {
				let asset = ProtectedAssets::<T>::get(id).ok_or(Error::<T>::UnknownAsset)?;
				ensure!(asset.migration == MigrationState::Active, Error::<T>::AssetMigrating);
				records.push(asset);
			}
			let id = NextMigrationId::<T>::get();
			for (asset_id, mut asset) in assets.iter().zip(records) {
				asset.migration = MigrationState::Migrating { migration: id };
				ProtectedAssets::<T>::insert(asset_id, asset);
			}
			let count = assets.len() as u32;
			let assets = BoundedVec::try_from(assets.into_inner())
				.map_err(|_| Error::<T>::BadMigrationAssets)?;
			NextMigrationId::<T>::put(id.saturating_add(1));
			CurrentMigration::<T>::put(id);
			Migrations::<T>::insert(
				id,
				Migration {
					assets,
					status: MigrationStatus::InProgress,
					started_at: frame_system::Pallet::<T>::block_number(),
					ended_at: None,
					checkpoints: 0,
					last_checkpoint: None,
				},
			);
			Self::deposit_event(Event::MigrationStarted { id, assets: count });
			Ok(())
		}

		/// Records a checkpoint of the migration in progress, signed by an active worker with
		/// both ML-DSA-87 and SLH-DSA-SHA2-256s; see the crate docs.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::commit_checkpoint(checkpoint.asset_snapshots.len() as u32))]
		pub fn commit_checkpoint(
			origin: OriginFor<T>,
			checkpoint: Checkpoint,
			signatures: SignatureSet,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			ensure!(T::Workers::is_active(&worker), Error::<T>::NotActiveWorker);
			ensure!(checkpoint.genesis_hash == Self::genesis_hash(), Error::<T>::WrongChain);
			let (id, mut migration) = Self::current_migration().ok_or(Error::<T>::NoMigration)?;
			ensure!(checkpoint.migration_id == id, Error::<T>::WrongMigration);
			ensure!(
				checkpoint.sequence == migration.checkpoints,
				Error::<T>::WrongCheckpointSequence
			);
			ensure!(
				migration.checkpoints < T::MaxCheckpoints::get(),
				Error::<T>::TooManyCheckpoints
			);
			let now = frame_system::Pallet::<T>::block_number();
			let block: BlockNumberFor<T> = checkpoint.block_number.into();
			ensure!(block < now && block >= migration.started_at, Error::<T>::WrongBlockHash);
			// A block outside the hash window reads as the zero hash, which names nothing.
			let block_hash = frame_system::Pallet::<T>::block_hash(block);
			ensure!(
				block_hash != T::Hash::default()
					&& block_hash.as_ref() == checkpoint.state_hash.as_slice(),
				Error::<T>::WrongBlockHash
			);
			ensure!(
				checkpoint.asset_snapshots.len() == migration.assets.len(),
				Error::<T>::SnapshotMismatch
			);
			let mut policies = BoundedVec::new();
			for (snapshot, asset_id) in
				checkpoint.asset_snapshots.iter().zip(migration.assets.iter())
			{
				ensure!(snapshot.asset_id == *asset_id, Error::<T>::SnapshotMismatch);
				let asset =
					ProtectedAssets::<T>::get(asset_id).ok_or(Error::<T>::SnapshotMismatch)?;
				ensure!(
					asset.state_hash(*asset_id) == snapshot.state_hash,
					Error::<T>::SnapshotMismatch
				);
				policies
					.try_push((*asset_id, asset.policy))
					.map_err(|_| Error::<T>::SnapshotMismatch)?;
			}
			let hash = checkpoint.hash();
			let keys = Self::current_keys(&worker)?;
			// Both suites always; every level's policy asks for a subset of them.
			verify_signatures::<T>(
				SuiteSet::BOTH,
				&keys,
				pqc::context::CHECKPOINT,
				&hash,
				&signatures,
			)?;
			Checkpoints::<T>::insert(
				id,
				checkpoint.sequence,
				CheckpointRecord {
					hash,
					block_number: checkpoint.block_number,
					block_hash: checkpoint.state_hash,
					worker: worker.clone(),
					committed_at: now,
					policies,
				},
			);
			migration.checkpoints = migration.checkpoints.saturating_add(1);
			migration.last_checkpoint = Some(hash);
			Migrations::<T>::insert(id, migration);
			Self::deposit_event(Event::CheckpointCommitted {
				migration: id,
				sequence: checkpoint.sequence,
				hash,
				worker,
			});
			Ok(())
		}

		/// Completes the migration in progress (governance): its assets return to normal use
		/// with their current policies. It needs at least one checkpoint.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::complete_migration(T::MaxMigrationAssets::get()))]
		pub fn complete_migration(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let (id, migration) = Self::current_migration().ok_or(Error::<T>::NoMigration)?;
			ensure!(migration.checkpoints > 0, Error::<T>::NoCheckpoint);
			for asset_id in migration.assets.iter() {
				ProtectedAssets::<T>::mutate(asset_id, |a| {
					if let Some(a) = a {
						a.migration = MigrationState::Active;
					}
				});
			}
			let n = migration.assets.len() as u32;
			Self::end_migration(id, migration, MigrationStatus::Completed);
			Self::deposit_event(Event::MigrationCompleted { id });
			Ok(Some(T::WeightInfo::complete_migration(n)).into())
		}

		/// Rolls the migration in progress back to its checkpoint `checkpoint` (governance):
		/// each asset gets the policy recorded there and returns to normal use.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::rollback_migration(T::MaxMigrationAssets::get()))]
		pub fn rollback_migration(
			origin: OriginFor<T>,
			checkpoint: u32,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let (id, migration) = Self::current_migration().ok_or(Error::<T>::NoMigration)?;
			let record =
				Checkpoints::<T>::get(id, checkpoint).ok_or(Error::<T>::UnknownCheckpoint)?;
			for (asset_id, policy) in record.policies.iter() {
				ProtectedAssets::<T>::mutate(asset_id, |a| {
					if let Some(a) = a {
						// Governance restores what the checkpoint recorded, however recent the
						// last change: a batch ordered before two changes is refused
						// (`Misordered`) and built again.
						let _ = Self::record_tier_change(
							*asset_id,
							a.asset_type,
							a.policy.tier(),
							policy.tier(),
							false,
						);
						a.policy = *policy;
						a.migration = MigrationState::Active;
					}
				});
			}
			let n = migration.assets.len() as u32;
			Self::end_migration(id, migration, MigrationStatus::RolledBack { to: checkpoint });
			Self::deposit_event(Event::MigrationRolledBack { id, to: checkpoint });
			Ok(Some(T::WeightInfo::rollback_migration(n)).into())
		}
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

impl<T: Config> Pallet<T> {
	/// The deposit a submission of `len` envelope bytes and `max_weight` holds.
	pub fn deposit_for(len: usize, max_weight: Weight) -> BalanceOf<T> {
		let len: BalanceOf<T> = (len as u32).into();
		T::DepositBase::get()
			.saturating_add(T::DepositPerByte::get().saturating_mul(len))
			.saturating_add(T::WeightToFee::weight_to_fee(&max_weight))
	}

	/// `Ok(None)` for the governance origin, `Ok(Some(who))` for a signed `who` that `allowed`
	/// admits.
	fn ensure_governance_or(
		origin: OriginFor<T>,
		allowed: impl FnOnce(&T::AccountId) -> bool,
	) -> Result<Option<T::AccountId>, DispatchError> {
		let origin = match T::GovernanceOrigin::try_origin(origin) {
			Ok(_) => return Ok(None),
			Err(origin) => origin,
		};
		let who = ensure_signed(origin)?;
		ensure!(allowed(&who), Error::<T>::NotAssetAuthority);
		Ok(Some(who))
	}

	/// Whether account `who` may change or remove asset `id`'s protection: one registered by
	/// an account (governance's stay governance's), by whoever `AssetAuthority` admits now.
	fn may_change(asset: &ProtectedAssetOf<T>, who: &T::AccountId, id: AssetId) -> bool {
		asset.owner.is_some() && T::AssetAuthority::may_protect(who, id, asset.asset_type)
	}

	/// The migration in progress.
	pub fn current_migration() -> Option<(MigrationId, Migration<BlockNumberFor<T>>)> {
		let id = CurrentMigration::<T>::get()?;
		Migrations::<T>::get(id).map(|m| (id, m))
	}

	/// Migration `id`, or the one in progress when `id` is `None`.
	pub fn migration(
		id: Option<MigrationId>,
	) -> Option<(MigrationId, Migration<BlockNumberFor<T>>)> {
		match id {
			Some(id) => Migrations::<T>::get(id).map(|m| (id, m)),
			None => Self::current_migration(),
		}
	}

	/// Records how a migration ended and drops its checkpoints.
	fn end_migration(
		id: MigrationId,
		mut migration: Migration<BlockNumberFor<T>>,
		status: MigrationStatus,
	) {
		migration.status = status;
		migration.ended_at = Some(frame_system::Pallet::<T>::block_number());
		Migrations::<T>::insert(id, migration);
		CurrentMigration::<T>::kill();
		let _ = Checkpoints::<T>::clear_prefix(id, T::MaxCheckpoints::get(), None);
	}

	/// The chain's genesis hash, as batch headers carry it.
	pub fn genesis_hash() -> Hash {
		pallet_tee_registry::chain_genesis_hash::<T>()
	}

	/// `commit_batch`'s weight before dispatch: the checks, plus what each entry may run
	/// ([`Pallet::entry_weight`]). Every entry counts for at most the `max_weight` the batch
	/// names for it (which `check_batch` holds to the submission's), so no submission can make
	/// a batch heavier than its submitter paid for, whatever its call declares.
	pub fn commit_batch_weight(batch: &Batch, cosigners: u32) -> Weight {
		let calls = batch.entries.iter().fold(Weight::zero(), |w, e| {
			w.saturating_add(Self::entry_weight(&e.revealed.call, weight_of(e.max_weight)))
		});
		T::WeightInfo::commit_batch(batch.entries.len() as u32, cosigners).saturating_add(calls)
	}

	/// The most a revealed call adds to its batch's weight beyond the checks: its declared
	/// weight if it will be dispatched, zero if it will not. A call that does not decode, that
	/// the call filter refuses, or that declares more than `max_weight` never runs (it ends
	/// `Undecodable`, `Filtered` or `OverWeight`), so it costs only its share of the checks.
	pub fn entry_weight(call: &[u8], max_weight: Weight) -> Weight {
		Self::decode_call(call)
			.filter(T::CallFilter::contains)
			.map(|c| c.get_dispatch_info().call_weight)
			.filter(|declared| declared.all_lte(max_weight))
			.unwrap_or_default()
	}

	/// `worker`'s registered keys, unless they are older than the risk policy's rotation
	/// period: signatures from them no longer count.
	fn current_keys(worker: &T::AccountId) -> Result<EnclaveKeys, Error<T>> {
		let keys = T::Workers::keys(worker).ok_or(Error::<T>::NotActiveWorker)?;
		let rotation = T::Risk::policy().key_rotation_blocks;
		ensure!(
			T::Workers::keys_age(worker).is_some_and(|age| age <= rotation),
			Error::<T>::KeysTooOld
		);
		Ok(keys)
	}

	/// The batch entry revealing pending submission `id` as `revealed`, naming the submission's
	/// `max_weight` as the batch must.
	pub fn batch_entry(id: SubmissionId, revealed: RevealedCall) -> Option<BatchEntry> {
		let s = Pending::<T>::get(id)?;
		Some(BatchEntry { submission_id: id, max_weight: weight_limit(s.max_weight), revealed })
	}

	/// Every check of a batch. Changes nothing.
	fn check_batch(
		worker: &T::AccountId,
		batch: &Batch,
		signatures: &SignatureSet,
		cosignatures: &[(T::AccountId, SignatureSet)],
	) -> Result<CheckedBatch<T>, DispatchError> {
		ensure!(T::Workers::is_active(worker), Error::<T>::NotActiveWorker);
		ensure!(T::Workers::role(worker) == Some(WorkerRole::Primary), Error::<T>::NotPrimary);
		batch.check_integrity().map_err(|_| Error::<T>::BatchIntegrity)?;
		let header = &batch.header;
		ensure!(header.genesis_hash == Self::genesis_hash(), Error::<T>::WrongChain);
		let chain = Batches::<T>::get();
		ensure!(header.sequence == chain.next_sequence, Error::<T>::WrongSequence);
		ensure!(header.parent_hash == chain.last_hash, Error::<T>::WrongParent);
		ensure!(header.rule == ActiveRule::<T>::get(), Error::<T>::WrongRule);

		let hash = batch.hash();
		let required = T::Risk::policy().batch_suites;
		let keys = Self::current_keys(worker)?;
		let signed =
			verify_signatures::<T>(required, &keys, pqc::context::BATCH, &hash, signatures)?;
		let redundancy = T::Workers::redundancy();
		if redundancy.enabled {
			let mut seen: Vec<&T::AccountId> = Vec::new();
			for (cosigner, sigs) in cosignatures {
				let valid = cosigner != worker
					&& !seen.contains(&cosigner)
					&& T::Workers::is_active(cosigner)
					&& T::Workers::role(cosigner) == Some(WorkerRole::Redundancy)
					&& Self::current_keys(cosigner).is_ok_and(|k| {
						verify_signatures::<T>(
							required,
							&k,
							pqc::context::BATCH_COSIGN,
							&hash,
							sigs,
						)
						.is_ok()
					});
				if valid {
					seen.push(cosigner);
				}
			}
			ensure!(
				seen.len() >= usize::from(redundancy.min_cosigners),
				Error::<T>::NotEnoughCosignatures
			);
		}

		let now = frame_system::Pallet::<T>::block_number();
		let ordered_at: BlockNumberFor<T> = header.ordered_at.into();
		ensure!(
			ordered_at <= now && now.saturating_sub(ordered_at) <= T::TierChangeInterval::get(),
			Error::<T>::StaleOrder
		);
		let risk = T::Risk::score();
		let mut ids = alloc::collections::BTreeSet::new();
		let mut metas = Vec::with_capacity(batch.entries.len());
		let mut out = Vec::with_capacity(batch.entries.len());
		for entry in batch.entries.iter() {
			ensure!(ids.insert(entry.submission_id), Error::<T>::UnknownSubmission);
			let s = Pending::<T>::get(entry.submission_id).ok_or(Error::<T>::UnknownSubmission)?;
			ensure!(s.key_epoch == header.key_epoch, Error::<T>::EpochMismatch);
			ensure!(weight_of(entry.max_weight) == s.max_weight, Error::<T>::WeightMismatch);
			ensure!(entry.revealed.commitment() == s.commitment, Error::<T>::CommitmentMismatch);
			let call = Self::decode_call(&entry.revealed.call).map(|call| {
				let classified = Self::classify(&call);
				(call, classified)
			});
			let (protection, migration) =
				Self::order_class_at(call.as_ref().map(|(_, c)| c), ordered_at);
			metas.push(EntryMeta { arrival: entry.submission_id, risk, protection, migration });
			out.push((s, call));
		}
		ensure!(is_ordered(header.rule, &metas), Error::<T>::Misordered);
		Ok(CheckedBatch { entries: out, full_pqc: signed.is_superset(SuiteSet::BOTH), risk })
	}

	/// Runs one entry and settles its deposit; returns the weight the call used.
	fn execute(
		worker: &T::AccountId,
		id: SubmissionId,
		s: SubmissionOf<T>,
		call: Option<(<T as Config>::RuntimeCall, Classified<T>)>,
		path: CallPath,
		risk: RiskScore,
	) -> Weight {
		Self::forget(id, &s.who);
		let inclusion = Self::deposit_for(s.envelope.len(), Weight::zero());
		let (outcome, weight) = match call {
			None => (EntryOutcome::Undecodable, Weight::zero()),
			Some((call, classified)) => Self::run(&s, call, &classified, path, risk),
		};
		let fee = inclusion.saturating_add(T::WeightToFee::weight_to_fee(&weight));
		let charged = Self::settle(&s, fee, worker);
		Self::deposit_event(Event::EntryExecuted { id, who: s.who, outcome, charged });
		weight
	}

	/// Runs a revealed call as its submitter if the call filter, the protected assets' policies
	/// (as checked with the batch) and the submitter's `max_weight` let it.
	fn run(
		s: &SubmissionOf<T>,
		call: <T as Config>::RuntimeCall,
		classified: &Classified<T>,
		path: CallPath,
		risk: RiskScore,
	) -> (EntryOutcome, Weight) {
		if !T::CallFilter::contains(&call) {
			return (EntryOutcome::Filtered, Weight::zero());
		}
		if let Err(refusal) = classified.refusal(path, || risk) {
			return (EntryOutcome::Refused(refusal), Weight::zero());
		}
		let declared = call.get_dispatch_info().call_weight;
		if !declared.all_lte(s.max_weight) {
			return (EntryOutcome::OverWeight, Weight::zero());
		}
		let origin = frame_system::RawOrigin::Signed(s.who.clone()).into();
		let (result, post) = match call.dispatch(origin) {
			Ok(post) => (Ok(()), post),
			Err(e) => (Err(e.error), e.post_info),
		};
		let used = post.actual_weight.unwrap_or(declared).min(declared);
		(EntryOutcome::Executed { result, weight: used }, used)
	}

	/// Removes a pending submission and its count.
	fn take(id: SubmissionId) -> Option<SubmissionOf<T>> {
		let s = Pending::<T>::take(id)?;
		Self::uncount(&s.who);
		Some(s)
	}

	/// Removes a pending submission already read (and checked) by the caller.
	fn forget(id: SubmissionId, who: &T::AccountId) {
		Pending::<T>::remove(id);
		Self::uncount(who);
	}

	fn uncount(who: &T::AccountId) {
		PendingPerAccount::<T>::mutate_exists(who, |n| {
			let left = n.unwrap_or_default().saturating_sub(1);
			*n = (left > 0).then_some(left);
		});
	}

	/// What a rejected submission of `len` envelope bytes pays: `RejectFee`, at most the cost
	/// of carrying the envelope on chain (`DepositBase + DepositPerByte · len`), which its
	/// deposit always covers. The weight part of the deposit always comes back.
	pub fn reject_fee(len: usize) -> BalanceOf<T> {
		T::RejectFee::get().min(Self::deposit_for(len, Weight::zero()))
	}

	/// Burns [`Pallet::reject_fee`] from a rejected submission's held deposit, releases the
	/// rest, and returns what was burned.
	fn burn_reject_fee(s: &SubmissionOf<T>) -> BalanceOf<T> {
		let reason: T::RuntimeHoldReason = HoldReason::Submission.into();
		let fee = Self::reject_fee(s.envelope.len()).min(s.deposit);
		let burned = if fee.is_zero() {
			Zero::zero()
		} else {
			T::Currency::burn_held(&reason, &s.who, fee, Precision::BestEffort, Fortitude::Polite)
				.unwrap_or_default()
		};
		let _ = T::Currency::release(
			&reason,
			&s.who,
			s.deposit.saturating_sub(burned),
			Precision::BestEffort,
		);
		burned
	}

	/// Pays `fee` (at most the deposit) from the submitter's held deposit to `to`, releases the
	/// rest, and returns what was paid.
	fn settle(s: &SubmissionOf<T>, fee: BalanceOf<T>, to: &T::AccountId) -> BalanceOf<T> {
		let reason: T::RuntimeHoldReason = HoldReason::Submission.into();
		let fee = fee.min(s.deposit);
		let paid = if fee.is_zero() {
			Zero::zero()
		} else {
			T::Currency::transfer_on_hold(
				&reason,
				&s.who,
				to,
				fee,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Polite,
			)
			.unwrap_or_default()
		};
		let rest = s.deposit.saturating_sub(paid);
		let _ = T::Currency::release(&reason, &s.who, rest, Precision::BestEffort);
		paid
	}

	fn is_expired(s: &SubmissionOf<T>, now: BlockNumberFor<T>) -> bool {
		now >= s.submitted_at.saturating_add(T::MaxPendingAge::get())
	}

	fn expire(id: SubmissionId) {
		if let Some(s) = Self::take(id) {
			let reason: T::RuntimeHoldReason = HoldReason::Submission.into();
			let _ = T::Currency::release(&reason, &s.who, s.deposit, Precision::BestEffort);
			Self::deposit_event(Event::Expired { id, who: s.who });
		}
	}

	/// What refunding `refunded` expired submissions cost, having looked at `looked` ids: the
	/// benchmarked refunds, plus a read for every id looked at that was not one of them.
	fn expiry_weight(refunded: u32, looked: u32) -> Weight {
		T::WeightInfo::on_initialize_expiries(refunded)
			.saturating_add(T::DbWeight::get().reads(looked.saturating_sub(refunded).into()))
	}

	/// Refunds expired submissions oldest first, at most `limit`, looking at at most twice as
	/// many ids; returns how many it refunded and how many ids it looked at. Ids grow with
	/// time, so the first still-young submission ends the scan.
	fn refund_expired_up_to(now: BlockNumberFor<T>, limit: u32) -> (u32, u32) {
		let mut cursor = ExpiryCursor::<T>::get();
		let end = NextSubmissionId::<T>::get();
		let mut refunded = 0u32;
		let mut looked = 0u32;
		while cursor < end && refunded < limit && looked < limit.saturating_mul(2).max(2) {
			looked = looked.saturating_add(1);
			match Pending::<T>::get(cursor) {
				None => {}
				Some(s) if Self::is_expired(&s, now) => {
					Self::expire(cursor);
					refunded = refunded.saturating_add(1);
				}
				Some(_) => break,
			}
			cursor = cursor.saturating_add(1);
		}
		ExpiryCursor::<T>::put(cursor);
		(refunded, looked)
	}

	/// What the ordering rule sees of a revealed call: its protection tier and whether it is a
	/// migration call. A call that does not decode gets the defaults (unprotected, no
	/// migration); it will fail as `Undecodable` when run. The worker asks this (through
	/// [`SequencerApi::order_classes`]) so that it orders exactly as [`Pallet::commit_batch`]
	/// checks.
	pub fn order_class(call: &[u8]) -> (ProtectionTier, bool) {
		Self::order_class_of(Self::decode_call(call).map(|c| Self::classify(&c)).as_ref())
	}

	/// A revealed call: nested at most [`MAX_REVEALED_CALL_DEPTH`] deep (a deeply nested call
	/// would exhaust the wasm runtime's stack while decoding, trapping `commit_batch` and the
	/// worker's `order_classes` for every batch holding it), with every byte used. Anything
	/// else does not decode and runs as `Undecodable`.
	pub fn decode_call(call: &[u8]) -> Option<<T as Config>::RuntimeCall> {
		<T as Config>::RuntimeCall::decode_all_with_depth_limit(
			MAX_REVEALED_CALL_DEPTH,
			&mut &call[..],
		)
		.ok()
	}

	fn order_class_of(classified: Option<&Classified<T>>) -> (ProtectionTier, bool) {
		classified.map(|c| (c.tier(), c.class.migration)).unwrap_or_default()
	}

	/// [`Self::order_class_of`] as of the state after block `at`: an asset whose tier changed
	/// after `at` had the tier before the change. `TierChangeInterval` keeps changes that far
	/// apart and batches ordered at most that long ago, so at most one change lies between.
	fn order_class_at(
		classified: Option<&Classified<T>>,
		at: BlockNumberFor<T>,
	) -> (ProtectionTier, bool) {
		let (tier, migration) = Self::order_class_of(classified);
		let changed = classified.and_then(|c| c.class.asset).and_then(TierChanges::<T>::get);
		match changed {
			Some((before, changed_at)) if changed_at > at => (before, migration),
			_ => (tier, migration),
		}
	}

	/// Records that asset `id`'s protection tier goes from `before` to `after` now; nothing when
	/// it stays. With `enforce` (an asset's owner, not governance), refused when the last change
	/// is less than `TierChangeInterval` blocks old. Governance is trusted not to flap a tier;
	/// if it changes one twice within the interval, a batch ordered before both is refused
	/// `Misordered` and built again, nothing worse.
	fn record_tier_change(
		id: AssetId,
		asset_type: AssetType,
		before: ProtectionTier,
		after: ProtectionTier,
		enforce: bool,
	) -> DispatchResult {
		// Only this chain's own assets take part in the ordering.
		if before == after || !asset_type.is_on_chain() {
			return Ok(());
		}
		let now = frame_system::Pallet::<T>::block_number();
		if let Some((_, last)) = TierChanges::<T>::get(id) {
			ensure!(
				!enforce || now >= last.saturating_add(T::TierChangeInterval::get()),
				Error::<T>::TierChangeTooSoon
			);
		}
		TierChanges::<T>::insert(id, (before, now));
		Ok(())
	}

	/// Pending submission ids encrypted to `key_epoch`, oldest first.
	pub fn pending_ids(key_epoch: u32) -> Vec<SubmissionId> {
		let mut ids: Vec<SubmissionId> = Pending::<T>::iter()
			.filter(|(_, s)| s.key_epoch == key_epoch)
			.map(|(id, _)| id)
			.collect();
		ids.sort_unstable();
		ids
	}
}

/// A batch entry's `max_weight` as a FRAME weight.
pub fn weight_of(limit: WeightLimit) -> Weight {
	Weight::from_parts(limit.ref_time, limit.proof_size)
}

/// A FRAME weight as a batch entry names it.
pub fn weight_limit(weight: Weight) -> WeightLimit {
	WeightLimit { ref_time: weight.ref_time(), proof_size: weight.proof_size() }
}

/// Checks a signature set against the required suites and a worker's keys; returns the suites
/// it carries (all verified).
fn verify_signatures<T: Config>(
	required: SuiteSet,
	keys: &EnclaveKeys,
	context: &[u8],
	hash: &Hash,
	signatures: &SignatureSet,
) -> Result<SuiteSet, Error<T>> {
	pqc::verify_set(required, |suite: Suite| keys.signing_key(suite), context, hash, signatures)
		.map_err(|e| match e {
			pqc::SignatureSetError::MissingSuite(_) => Error::<T>::MissingSignature,
			_ => Error::<T>::BadSignature,
		})
}

sp_api::decl_runtime_apis! {
	/// Reading the encrypted mempool, protected assets and migrations over RPC.
	pub trait SequencerApi<AccountId, Balance, BlockNumber>
	where
		AccountId: codec::Codec + Clone + core::fmt::Debug + PartialEq + Eq,
		Balance: codec::Codec + Clone + core::fmt::Debug + PartialEq + Eq,
		BlockNumber: codec::Codec,
	{
		/// How many submissions are pending, and the ids encrypted to `key_epoch`.
		fn pending(key_epoch: u32) -> (u32, Vec<SubmissionId>);
		/// Sequence number the next batch must carry, and the last batch's hash.
		fn last_batch() -> BatchChain;
		/// The ordering rule in force.
		fn active_rule() -> OrderingRule;
		/// Asset `id`'s protection record, if it is protected.
		fn asset_protection(id: AssetId) -> Option<ProtectedAsset<AccountId, Balance>>;
		/// Migration `id`, or the one in progress when `id` is `None`.
		fn migration(id: Option<MigrationId>) -> Option<(MigrationId, Migration<BlockNumber>)>;
		/// For each SCALE-encoded call, the protection tier and migration flag the ordering
		/// rule sees when a batch carrying it is checked now.
		fn order_classes(calls: Vec<Vec<u8>>) -> Vec<(ProtectionTier, bool)>;
	}
}
