//! Protected assets and migrations: the records, and how the chain enforces the policies on
//! both paths a call can take (a plain extrinsic, or an entry of a committed batch).
//!
//! | path | what refuses | refused when |
//! | --- | --- | --- |
//! | plain extrinsic | [`CheckProtectedAssets`] (transaction extension, at validation) | the asset's policy `requires_tee` or `requires_pqc` |
//! | any dispatch, nested ones too | [`ProtectedAssetGuard`] (the runtime's `BaseCallFilter`) | as above outside a batch; `requires_pqc` in a batch not signed with both suites |
//! | batch entry | `commit_batch`, before dispatch ([`crate::EntryOutcome::Refused`]) | as the guard |
//!
//! On every path, while the oracle's score is above the asset's `risk_threshold` only the
//! policy's `allowed_operations` run, and while the asset is part of a migration only calls the
//! runtime classifies as migration calls run, and only when the migration's operator dispatches
//! them: the signer of the extrinsic ([`CheckProtectedAssets`] marks its dispatch) or the
//! submitter of the batch entry (`commit_batch` marks each entry's dispatch as its own
//! submitter's). Nothing else marks a dispatch as the operator's, so a migration call from
//! anyone else is refused: `AssetMigrating` at validation and before an entry runs,
//! `CallFiltered` when dispatched nested. Governance's `sudo_as` bypasses every call filter,
//! as it does everywhere in FRAME.

use crate::{
	CallClass, CallClassifier, Config, CurrentMigration, EncryptedDispatch, MigrationOperators,
	OperatorDispatch, Pallet, ProtectedAssets,
};
use aegis_primitives::{
	assets::{AccessPolicy, AssetType},
	batch::{AssetId, MAX_CHECKPOINT_ASSETS},
	ordering::ProtectionTier,
	risk::RiskScore,
	Hash,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::{
	pallet_prelude::{TransactionSource, Weight},
	traits::{Contains, Get, IsSubType, IsType},
	BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_risk_oracle::RiskProvider;
use pallet_tee_registry::WorkerRegistry;
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{
		AsSystemOriginSigner, DispatchInfoOf, PostDispatchInfoOf, TransactionExtension,
		ValidateResult,
	},
	transaction_validity::{
		InvalidTransaction, TransactionPriority, TransactionValidityError, ValidTransaction,
	},
	DispatchResult,
};

/// Identifier of a migration.
pub type MigrationId = u32;

/// Longest `location` of a protected asset (a contract or bridge address, a URL).
pub const MAX_LOCATION_LEN: u32 = 128;

/// The migration an asset is in, if any.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum MigrationState {
	/// In normal use.
	#[default]
	#[codec(index = 0)]
	Active,
	/// Part of a migration: only migration calls touch it until the migration ends.
	#[codec(index = 1)]
	Migrating {
		/// The migration.
		migration: MigrationId,
	},
}

/// The chain's record of a protected asset.
#[derive(
	CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
pub struct ProtectedAsset<AccountId, Balance>
where
	AccountId: Clone + core::fmt::Debug + PartialEq + Eq,
	Balance: Clone + core::fmt::Debug + PartialEq + Eq,
{
	/// What the asset is.
	pub asset_type: AssetType,
	/// How it is guarded.
	pub policy: AccessPolicy,
	/// Whether it is part of a migration.
	pub migration: MigrationState,
	/// Who registered it and holds its deposit (`None`: governance). Changing or removing
	/// the protection is for whoever `AssetAuthority` admits now (a token's current owner).
	pub owner: Option<AccountId>,
	/// The deposit held from the owner.
	pub deposit: Balance,
	/// The chain the asset lives on, for off-chain and bridged assets (an EVM chain id, …).
	pub chain_id: Option<u64>,
	/// Where it lives: a contract or bridge address, a URL; empty for this chain's own assets.
	pub location: BoundedVec<u8, frame_support::traits::ConstU32<MAX_LOCATION_LEN>>,
}

impl<AccountId, Balance> ProtectedAsset<AccountId, Balance>
where
	AccountId: Clone + core::fmt::Debug + PartialEq + Eq,
	Balance: Clone + core::fmt::Debug + PartialEq + Eq,
{
	/// The state a migration checkpoint snapshots and a rollback restores.
	pub fn state_hash(&self, id: AssetId) -> Hash {
		aegis_primitives::assets::asset_state_hash(id, self.asset_type, &self.policy)
	}
}

/// Where a migration stands.
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
pub enum MigrationStatus {
	/// Started; checkpoints may be committed.
	#[codec(index = 0)]
	InProgress,
	/// Completed by governance.
	#[codec(index = 1)]
	Completed,
	/// Rolled back by governance to the checkpoint with this sequence number.
	#[codec(index = 2)]
	RolledBack {
		/// The checkpoint restored.
		to: u32,
	},
}

/// A migration of protected assets.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Migration<BlockNumber> {
	/// The assets it covers, in the order checkpoints snapshot them.
	pub assets: BoundedVec<AssetId, frame_support::traits::ConstU32<MAX_CHECKPOINT_ASSETS>>,
	/// Where it stands.
	pub status: MigrationStatus,
	/// Block it started in.
	pub started_at: BlockNumber,
	/// Block it was completed or rolled back in.
	pub ended_at: Option<BlockNumber>,
	/// Checkpoints committed (the next one's sequence number).
	pub checkpoints: u32,
	/// Hash of the last checkpoint committed.
	pub last_checkpoint: Option<Hash>,
}

/// A committed checkpoint: what a rollback to it restores.
#[derive(
	CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
pub struct CheckpointRecord<AccountId, BlockNumber>
where
	AccountId: Clone + core::fmt::Debug + PartialEq + Eq,
	BlockNumber: Clone + core::fmt::Debug + PartialEq + Eq,
{
	/// The checkpoint's hash, as signed.
	pub hash: Hash,
	/// The block whose state it records.
	pub block_number: u32,
	/// That block's hash.
	pub block_hash: Hash,
	/// The worker that committed it.
	pub worker: AccountId,
	/// Block it was committed in.
	pub committed_at: BlockNumber,
	/// Each asset's policy at the checkpoint, in the migration's order.
	pub policies:
		BoundedVec<(AssetId, AccessPolicy), frame_support::traits::ConstU32<MAX_CHECKPOINT_ASSETS>>,
}

/// Why the chain refused a call touching a protected asset.
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
pub enum AssetRefusal {
	/// The asset's policy requires the encrypted TEE path (or post-quantum signatures), and the
	/// call came as a plain extrinsic.
	#[codec(index = 0)]
	EncryptedPathRequired,
	/// The asset's policy requires post-quantum signatures and the batch lacked SLH-DSA.
	#[codec(index = 1)]
	FullPqcRequired,
	/// The risk score is above the asset's threshold and the operation is not allowed then.
	#[codec(index = 2)]
	OperationRestricted,
	/// The asset is being migrated and the call is not a migration call dispatched by the
	/// migration's operator.
	#[codec(index = 3)]
	AssetMigrating,
}

impl AssetRefusal {
	/// First `InvalidTransaction::Custom` code [`CheckProtectedAssets`] uses; the refusal's codec
	/// index is added to it.
	pub const INVALID_TRANSACTION_BASE: u8 = 0xa0;

	/// The `InvalidTransaction::Custom` code of this refusal.
	pub const fn code(self) -> u8 {
		Self::INVALID_TRANSACTION_BASE + self as u8
	}
}

/// Which path carries a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallPath {
	/// A plain, classically signed extrinsic.
	Plain,
	/// An entry of a committed batch.
	Encrypted {
		/// Whether the batch carried both ML-DSA-87 and SLH-DSA-SHA2-256s signatures.
		full_pqc: bool,
	},
}

/// Who, besides governance, may protect an asset: for a token, its owner.
pub trait AssetAuthority<AccountId> {
	/// Whether `who` may register, change and remove the protection of asset `id`.
	fn may_protect(who: &AccountId, id: AssetId, asset_type: AssetType) -> bool;
}

impl<AccountId> AssetAuthority<AccountId> for () {
	fn may_protect(_: &AccountId, _: AssetId, _: AssetType) -> bool {
		false
	}
}

/// A call as the policies see it: what the runtime's classifier says it does, and the on-chain
/// protected asset it touches, if any (off-chain and bridge assets are enforced by the workers
/// that hold their keys).
pub struct Classified<T: Config> {
	/// The classifier's verdict.
	pub class: CallClass,
	/// The protected on-chain asset the call touches.
	pub asset: Option<crate::ProtectedAssetOf<T>>,
}

impl<T: Config> Classified<T> {
	/// The ordering tier of the call.
	pub fn tier(&self) -> ProtectionTier {
		self.asset.as_ref().map(|a| a.policy.tier()).unwrap_or_default()
	}

	/// Whether the call may run on `path`, dispatched by the operator of migration
	/// `operator_of` if that is `Some`; `score` is read only when the call touches a protected
	/// asset.
	pub fn refusal(
		&self,
		path: CallPath,
		operator_of: Option<MigrationId>,
		score: impl FnOnce() -> RiskScore,
	) -> Result<(), AssetRefusal> {
		let Some(asset) = &self.asset else { return Ok(()) };
		if let MigrationState::Migrating { migration } = asset.migration {
			if !self.class.migration || operator_of != Some(migration) {
				return Err(AssetRefusal::AssetMigrating);
			}
		}
		let policy = asset.policy;
		match path {
			CallPath::Plain if policy.encrypted_only() => Err(AssetRefusal::EncryptedPathRequired),
			CallPath::Encrypted { full_pqc: false } if policy.requires_pqc => {
				Err(AssetRefusal::FullPqcRequired)
			}
			_ if !policy.permits(self.class.operation, score()) => {
				Err(AssetRefusal::OperationRestricted)
			}
			_ => Ok(()),
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The protected asset `id`, if it lives on this chain.
	fn on_chain_asset(id: Option<AssetId>) -> Option<crate::ProtectedAssetOf<T>> {
		id.and_then(ProtectedAssets::<T>::get).filter(|a| a.asset_type.is_on_chain())
	}

	/// The ordering tier of calls touching `asset`.
	pub fn protection_of(asset: Option<AssetId>) -> ProtectionTier {
		Self::on_chain_asset(asset).map(|a| a.policy.tier()).unwrap_or_default()
	}

	/// Classifies `call` and looks up the asset it touches.
	pub fn classify(call: &<T as Config>::RuntimeCall) -> Classified<T> {
		let class = T::CallClassifier::classify(call);
		Classified { class, asset: Self::on_chain_asset(class.asset) }
	}

	/// Whether `call` may run on `path`, dispatched by the operator of migration `operator_of`
	/// if that is `Some`, under the protected assets' policies and the oracle's score now.
	pub fn check_protected(
		call: &<T as Config>::RuntimeCall,
		path: CallPath,
		operator_of: Option<MigrationId>,
	) -> Result<(), AssetRefusal> {
		Self::classify(call).refusal(path, operator_of, T::Risk::score)
	}

	/// The migration in progress, if `who` is its operator.
	pub fn operated_by(who: &T::AccountId) -> Option<MigrationId> {
		Self::migration_operator().filter(|(_, op)| op == who).map(|(id, _)| id)
	}

	/// The migration in progress and its operator.
	pub(crate) fn migration_operator() -> Option<(MigrationId, T::AccountId)> {
		let id = CurrentMigration::<T>::get()?;
		MigrationOperators::<T>::get(id).map(|op| (id, op))
	}

	/// The path the call being dispatched now came by.
	pub fn current_path() -> CallPath {
		match EncryptedDispatch::<T>::get() {
			Some(full_pqc) => CallPath::Encrypted { full_pqc },
			None => CallPath::Plain,
		}
	}
}

/// The runtime's call filter for protected assets: put it in `frame_system::Config::BaseCallFilter`
/// (alone or combined with other filters) so that every dispatch, nested ones included, obeys
/// the policies. Root-origin dispatches bypass base filters, as everywhere in FRAME.
pub struct ProtectedAssetGuard<T>(PhantomData<T>);

impl<T: Config> Contains<<T as frame_system::Config>::RuntimeCall> for ProtectedAssetGuard<T> {
	fn contains(call: &<T as frame_system::Config>::RuntimeCall) -> bool {
		let call = <T as Config>::RuntimeCall::from_ref(call);
		Pallet::<T>::check_protected(
			call,
			Pallet::<T>::current_path(),
			OperatorDispatch::<T>::get(),
		)
		.is_ok()
	}
}

/// Transaction extension refusing, at validation, plain extrinsics that touch a protected asset
/// the policy keeps off the plain path (`InvalidTransaction::Custom(AssetRefusal::code())`),
/// and putting the sequencing leader's `commit_batch` and `reject_entries` ahead of every other
/// extrinsic in the pool ([`SEQUENCING_PRIORITY`]). Without that, under sustained encrypted
/// load the batch that would execute the pending submissions queues behind the newer
/// submissions of equal priority, blocks fill with submissions, and the batch does not fit: the
/// encrypted path starves itself.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	DefaultNoBound,
	CloneNoBound,
	EqNoBound,
	PartialEqNoBound,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct CheckProtectedAssets<T: Config + Send + Sync>(PhantomData<T>);

/// The pool priority of the leader's sequencing calls, added to what the other extensions give.
/// Only the current leader gets it (one read): anyone else's `commit_batch` would fail at
/// dispatch anyway, and must not jump the queue.
pub const SEQUENCING_PRIORITY: TransactionPriority = 1 << 60;

impl<T: Config + Send + Sync> CheckProtectedAssets<T> {
	/// The extension.
	pub fn new() -> Self {
		Self(PhantomData)
	}

	/// Whether `call` is one the sequencing leader sends: a batch or rejections.
	fn sequencing(call: &<T as Config>::RuntimeCall) -> bool {
		matches!(
			call.is_sub_type(),
			Some(crate::Call::commit_batch { .. } | crate::Call::reject_entries { .. })
		)
	}
}

impl<T: Config + Send + Sync> core::fmt::Debug for CheckProtectedAssets<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckProtectedAssets")
	}
}

impl<T: Config + Send + Sync> TransactionExtension<<T as frame_system::Config>::RuntimeCall>
	for CheckProtectedAssets<T>
where
	<T as frame_system::Config>::RuntimeOrigin: AsSystemOriginSigner<T::AccountId> + Clone,
{
	const IDENTIFIER: &'static str = "CheckProtectedAssets";
	type Implicit = ();
	/// The migration in progress, if the signer is its operator.
	type Val = Option<MigrationId>;
	/// Whether the dispatch was marked as the operator's.
	type Pre = bool;

	fn weight(&self, call: &<T as frame_system::Config>::RuntimeCall) -> Weight {
		// The migration in progress and its operator (marking the operator's dispatch touches
		// only the block's overlay: the mark is whitelisted and gone before the block ends).
		// Classifying is pure; only a call touching an asset reads its record and the score.
		let operator = T::DbWeight::get().reads(2);
		let call = <T as Config>::RuntimeCall::from_ref(call);
		if Self::sequencing(call) {
			// The leader, for the priority.
			return operator.saturating_add(T::DbWeight::get().reads(1));
		}
		match T::CallClassifier::classify(call).asset {
			Some(_) => operator.saturating_add(T::DbWeight::get().reads(2)),
			None => operator,
		}
	}

	fn validate(
		&self,
		origin: <T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let signer = origin.as_system_origin_signer();
		let operator_of = signer.and_then(Pallet::<T>::operated_by);
		let call = <T as Config>::RuntimeCall::from_ref(call);
		Pallet::<T>::check_protected(call, CallPath::Plain, operator_of)
			.map_err(|r| InvalidTransaction::Custom(r.code()))?;
		let priority = if Self::sequencing(call) && signer.is_some_and(T::Workers::is_leader) {
			SEQUENCING_PRIORITY
		} else {
			0
		};
		Ok((ValidTransaction { priority, ..Default::default() }, operator_of, origin))
	}

	fn prepare(
		self,
		operator_of: Self::Val,
		_origin: &<T as frame_system::Config>::RuntimeOrigin,
		_call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		if let Some(id) = operator_of {
			OperatorDispatch::<T>::put(id);
		}
		Ok(operator_of.is_some())
	}

	fn post_dispatch_details(
		marked: Self::Pre,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_post_info: &PostDispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		if marked {
			OperatorDispatch::<T>::kill();
		}
		Ok(Weight::zero())
	}
}
