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
//! (at most `MaxExpiriesPerBlock` a block), by `on_idle` with the block's spare weight, or by
//! anyone through [`Pallet::refund_expired`]. No
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
//! Governance starts a migration of some protected assets ([`Pallet::start_migration`]),
//! naming its operator; while it runs, only the operator's migration calls touch them (see
//! [`protection`]; governance's `sudo_as` aside, which bypasses every call filter). Active
//! workers commit checkpoints ([`Pallet::commit_checkpoint`]) signed with **both** ML-DSA-87
//! and SLH-DSA-SHA2-256s (context `aegis/checkpoint/v1`), naming a recent block by its hash
//! and snapshotting each asset's state; the chain records each asset's policy with it.
//! Governance then completes the migration ([`Pallet::complete_migration`]) or rolls it back to
//! a checkpoint ([`Pallet::rollback_migration`]), which restores the recorded policies.
//!
//! ## Code layout
//! This file holds the FRAME skeleton (configuration, storage, events, errors, hooks, calls);
//! `types` the types; `batches` deposits, the batch checks and their weight, execution,
//! rejections and expiry; `assets` who may change a protection and the tier-change record
//! (`protection` the enforcement); `migration` the migration in progress and how it ends.
//! Their tests are in `tests/batches.rs`, `tests/assets.rs` and `tests/migration.rs`, on the
//! mock runtime of `mock.rs` (built from `aegis-test-support`, which the other pallets' mocks
//! share).

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

mod assets;
mod batches;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod migration;
#[cfg(test)]
mod mock;
pub mod protection;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;
use batches::verify_signatures;
#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;
pub use types::*;

pub use protection::{
	AssetAuthority, AssetRefusal, CallPath, CheckProtectedAssets, CheckpointRecord, Classified,
	Migration, MigrationId, MigrationState, MigrationStatus, ProtectedAsset, ProtectedAssetGuard,
	MAX_LOCATION_LEN, SEQUENCING_PRIORITY,
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
		Contains, IsSubType, IsType,
	},
	weights::WeightToFee,
};
use frame_system::pallet_prelude::*;
use pallet_risk_oracle::RiskProvider;
use pallet_tee_registry::{EpochRefusal, LeadRefusal, WorkerRegistry, WorkerRole};
use scale_info::TypeInfo;
use sp_runtime::traits::{Dispatchable, Saturating, Zero};

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
			+ IsSubType<Call<Self>>
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

	/// The account each migration named to move its assets: the only one whose migration calls
	/// touch them while it runs. Kept after the migration ends, as its record.
	#[pallet::storage]
	pub type MigrationOperators<T: Config> =
		StorageMap<_, Twox64Concat, MigrationId, T::AccountId, OptionQuery>;

	/// Set while a call of the migration in progress's operator is dispatched (its signed
	/// extrinsic, or its entry of a batch): that migration. Read by [`ProtectedAssetGuard`],
	/// which lets migration calls touch a migrating asset only then. Set and cleared within
	/// one extrinsic, so it lives only in the block's overlay (whitelisted: never charged as a
	/// database access).
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type OperatorDispatch<T: Config> = StorageValue<_, MigrationId, OptionQuery>;

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
			/// The account whose migration calls may move them.
			operator: T::AccountId,
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
		/// No active worker holds the epoch's secret: nothing could open the submission.
		NoKeyHolder,
		/// Another worker leads the cluster and has not stalled long enough to be taken over.
		NotLeader,
		/// The worker does not hold the current cluster key epoch, so it may not lead.
		NotCandidate,
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
			let key_epoch = envelope_epoch(&envelope).ok_or(Error::<T>::MalformedEnvelope)?;
			T::Workers::check_submission_epoch(key_epoch).map_err(|e| match e {
				EpochRefusal::NoClusterKey => Error::<T>::NoClusterKey,
				EpochRefusal::WrongEpoch => Error::<T>::WrongKeyEpoch,
				EpochRefusal::NoKeyHolder => Error::<T>::NoKeyHolder,
			})?;
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
		#[pallet::weight(Pallet::<T>::commit_batch_weight(batch, cosignatures.len() as u32)
			.saturating_add(T::Workers::max_lead_weight()))]
		pub fn commit_batch(
			origin: OriginFor<T>,
			batch: Batch,
			signatures: SignatureSet,
			cosignatures: CosignaturesOf<T>,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			let checked = Self::check_batch(&worker, &batch, &signatures, &cosignatures)?;
			let waited = Self::longest_wait(checked.entries.iter().map(|(s, _)| s));
			let lead = Self::authorize(&worker, waited)?;
			let entries = batch.entries.len() as u32;
			let mut used =
				Self::checks_weight(&batch, cosignatures.len() as u32).saturating_add(lead);
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
					checked.migration_operator.as_ref(),
				));
			}
			EncryptedDispatch::<T>::kill();
			let hash = checked.hash;
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
		/// cluster key of each entry's epoch (the one that can open it) may reject it, and only
		/// while it leads (see `pallet_tee_registry`'s leadership).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reject_entries(entries.len() as u32)
			.saturating_add(T::Workers::max_lead_weight()))]
		pub fn reject_entries(
			origin: OriginFor<T>,
			entries: BoundedVec<(SubmissionId, RejectReason), T::MaxRejects>,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			ensure!(T::Workers::is_active(&worker), Error::<T>::NotActiveWorker);
			ensure!(T::Workers::role(&worker) == Some(WorkerRole::Primary), Error::<T>::NotPrimary);
			// Every entry is checked (each submission read once) before any is dropped.
			let mut checked: Vec<(SubmissionId, RejectReason, SubmissionOf<T>)> =
				Vec::with_capacity(entries.len());
			for (id, reason) in entries {
				// Named twice: the first occurrence counts.
				if checked.iter().any(|(seen, _, _)| *seen == id) {
					continue;
				}
				let s = Pending::<T>::get(id).ok_or(Error::<T>::UnknownSubmission)?;
				ensure!(T::Workers::holds_epoch(&worker, s.key_epoch), Error::<T>::NotEpochHolder);
				checked.push((id, reason, s));
			}
			Self::authorize(&worker, Self::longest_wait(checked.iter().map(|(_, _, s)| s)))?;
			for (id, reason, s) in checked {
				Self::forget(id, &s.who);
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
			Self::expire(id, s);
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

		/// Starts a migration of `assets` (governance), run by `operator`: until it ends, only
		/// `operator`'s migration calls (as the runtime's classifier names them) touch the
		/// assets. See the crate docs.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::start_migration(assets.len() as u32))]
		pub fn start_migration(
			origin: OriginFor<T>,
			assets: BoundedVec<AssetId, T::MaxMigrationAssets>,
			operator: T::AccountId,
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
			MigrationOperators::<T>::insert(id, &operator);
			Self::deposit_event(Event::MigrationStarted { id, assets: count, operator });
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

impl<T: Config> Pallet<T> {
	/// The chain's genesis hash, as batch headers carry it.
	pub fn genesis_hash() -> Hash {
		pallet_tee_registry::chain_genesis_hash::<T>()
	}
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
