//! Benchmarks of every call. `commit_batch` runs at its worst case: up to `MAX_BATCH_ENTRIES`
//! entries, both signature suites (the oracle at Emergency) and up to `MaxCosigners`
//! co-signatures, each verified, and (`commit_batch_call_bytes`) the bytes of its revealed
//! calls, each hashed and decoded; `commit_checkpoint` verifies both suites over up to
//! `MaxMigrationAssets` snapshots.

use super::*;
use aegis_primitives::{
	assets::OperationSet,
	batch::{AssetSnapshot, BatchEntry, RevealedCall, MAX_BATCH_ENTRIES},
	risk::RiskScore,
};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Hooks};
use frame_system::RawOrigin;
use sp_runtime::{traits::Hash as _, SaturatedConversion};

/// What the benchmarks need from the runtime: attested workers and their signatures, the
/// oracle's level, and asset ownership, all made outside this pallet.
pub trait BenchmarkHelper<T: Config> {
	/// Makes `who` an active worker with `role` (keys of its own, derived from `who`).
	fn activate_worker(who: &T::AccountId, role: WorkerRole);
	/// Publishes a cluster key from the active worker `who`; returns its epoch.
	fn publish_cluster_key(who: &T::AccountId) -> u32;
	/// The worker `who`'s signatures over `hash` with `suites`, under `context`.
	fn sign(who: &T::AccountId, suites: SuiteSet, context: &[u8], hash: &Hash) -> SignatureSet;
	/// Requires `min_cosigners` co-signatures on every batch (`0`: redundancy off).
	fn set_redundancy(min_cosigners: u8);
	/// Puts the oracle at Emergency, where batches need both suites.
	fn set_emergency();
	/// Makes `who` an account `AssetAuthority` lets protect asset `id` (e.g. the token's owner).
	fn make_asset_owner(who: &T::AccountId, id: AssetId);
	/// A call the runtime's classifier says transfers asset `id` (and the call filter admits
	/// on the encrypted path).
	fn asset_transfer(id: AssetId) -> <T as Config>::RuntimeCall;
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let deposit =
		Pallet::<T>::deposit_for(T::MaxEnvelopeLen::get() as usize, T::MaxCallWeight::get());
	let amount = deposit
		.saturating_add(T::AssetDeposit::get())
		.saturating_mul(4u32.into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, amount);
	who
}

/// An envelope of `len` bytes (at least the shortest valid one) with a v1 header for `epoch`
/// (the chain never decrypts it).
fn envelope<T: Config>(epoch: u32, len: u32) -> BoundedVec<u8, T::MaxEnvelopeLen> {
	let mut bytes = vec![ENVELOPE_VERSION, ENVELOPE_SUITE];
	bytes.extend_from_slice(&epoch.to_le_bytes());
	bytes.resize(len.max(ENVELOPE_MIN_LEN as u32) as usize, 0xee);
	bytes.try_into().expect("fits MaxEnvelopeLen")
}

/// A primary worker with a published cluster key; returns it and the epoch.
fn primary<T: Config>() -> (T::AccountId, u32) {
	let worker: T::AccountId = account("primary", 0, 0);
	T::BenchmarkHelper::activate_worker(&worker, WorkerRole::Primary);
	let epoch = T::BenchmarkHelper::publish_cluster_key(&worker);
	(worker, epoch)
}

/// Moves past the interval an asset's protection tier must stay, so it may change again.
fn after_tier_interval<T: Config>() {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now.saturating_add(T::TierChangeInterval::get()));
}

/// A pending submission of user `i` revealing `call`, its deposit held as `submit_encrypted`
/// would; returns its id and the revealed call.
fn pend<T: Config>(i: u32, epoch: u32, call: &[u8]) -> (SubmissionId, RevealedCall) {
	let who = funded::<T>("user", i);
	let mut salt = [0u8; 32];
	salt[..4].copy_from_slice(&i.to_le_bytes());
	let revealed = RevealedCall { call: call.to_vec().try_into().expect("call fits"), salt };
	let envelope = envelope::<T>(epoch, 256);
	let max_weight = T::MaxCallWeight::get();
	let deposit = Pallet::<T>::deposit_for(envelope.len(), max_weight);
	T::Currency::hold(&HoldReason::Submission.into(), &who, deposit).expect("funded");
	let id = NextSubmissionId::<T>::get();
	NextSubmissionId::<T>::put(id.saturating_add(1));
	PendingPerAccount::<T>::mutate(&who, |n| *n = n.saturating_add(1));
	Pending::<T>::insert(
		id,
		Submission {
			who,
			envelope,
			commitment: revealed.commitment(),
			max_weight,
			deposit,
			key_epoch: epoch,
			submitted_at: frame_system::Pallet::<T>::block_number(),
		},
	);
	(id, revealed)
}

fn policy() -> AccessPolicy {
	AccessPolicy {
		allowed_operations: OperationSet::ALL,
		requires_pqc: true,
		requires_tee: true,
		risk_threshold: RiskScore::MAX,
	}
}

/// `n` assets protected by governance, written straight into storage.
fn governance_assets<T: Config>(n: u32) -> Vec<AssetId> {
	let ids: Vec<AssetId> = (0..n).collect();
	for id in &ids {
		ProtectedAssets::<T>::insert(
			id,
			ProtectedAsset {
				asset_type: AssetType::OnChainToken,
				policy: policy(),
				migration: MigrationState::Active,
				owner: None,
				deposit: Zero::zero(),
				chain_id: None,
				location: BoundedVec::new(),
			},
		);
	}
	ids
}

/// The next batch of `entries`, signed by `worker` with both suites and co-signed by
/// `cosigners`.
fn signed_batch<T: Config>(
	worker: &T::AccountId,
	epoch: u32,
	entries: Vec<BatchEntry>,
	cosigners: &[T::AccountId],
) -> Result<(Batch, SignatureSet, CosignaturesOf<T>), BenchmarkError> {
	let chain = Batches::<T>::get();
	let batch = Batch::new(
		Pallet::<T>::genesis_hash(),
		chain.next_sequence,
		chain.last_hash,
		epoch,
		ActiveRule::<T>::get(),
		frame_system::Pallet::<T>::block_number().saturated_into(),
		entries,
	)
	.map_err(|_| BenchmarkError::Stop("batch builds"))?;
	let hash = batch.hash();
	let signatures = T::BenchmarkHelper::sign(worker, SuiteSet::BOTH, pqc::context::BATCH, &hash);
	let cosignatures = cosigners
		.iter()
		.map(|who| {
			let sigs =
				T::BenchmarkHelper::sign(who, SuiteSet::BOTH, pqc::context::BATCH_COSIGN, &hash);
			(who.clone(), sigs)
		})
		.collect::<Vec<_>>()
		.try_into()
		.map_err(|_| BenchmarkError::Stop("cosigners fit"))?;
	Ok((batch, signatures, cosignatures))
}

fn governance<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// A migration of `n` assets with `MaxCheckpoints` checkpoints recorded: the most that ending it
/// drops, so the measured weight of `complete_migration` and `rollback_migration` covers them.
fn migration_with_checkpoints<T: Config>(n: u32) -> Result<(), BenchmarkError> {
	let assets = governance_assets::<T>(n);
	Pallet::<T>::start_migration(
		governance::<T>()?,
		assets.clone().try_into().expect("fits"),
		account("operator", 0, 0),
	)?;
	let worker: T::AccountId = account("primary", 0, 0);
	let policies: BoundedVec<_, _> = assets
		.iter()
		.map(|id| (*id, AccessPolicy::default()))
		.collect::<Vec<_>>()
		.try_into()
		.expect("fits");
	let now = frame_system::Pallet::<T>::block_number();
	for sequence in 0..T::MaxCheckpoints::get() {
		Checkpoints::<T>::insert(
			0,
			sequence,
			CheckpointRecord {
				hash: [sequence as u8; 32],
				block_number: 1,
				block_hash: [1; 32],
				worker: worker.clone(),
				committed_at: now,
				policies: policies.clone(),
			},
		);
	}
	Migrations::<T>::mutate(0, |m| {
		if let Some(m) = m {
			m.checkpoints = T::MaxCheckpoints::get();
		}
	});
	Ok(())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn submit_encrypted() {
		let (_, epoch) = primary::<T>();
		let who = funded::<T>("user", 0);
		let envelope = envelope::<T>(epoch, T::MaxEnvelopeLen::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(who), envelope, [7; 32], T::MaxCallWeight::get());
		assert_eq!(Pending::<T>::count(), 1);
	}

	// `n` entries touching an asset each, refused by its policy; a migration in progress (not
	// the submitters'), so each entry looks its operator up.
	#[benchmark]
	fn commit_batch(
		n: Linear<1, MAX_BATCH_ENTRIES>,
		c: Linear<0, { T::MaxCosigners::get() }>,
	) -> Result<(), BenchmarkError> {
		T::BenchmarkHelper::set_emergency();
		let (worker, epoch) = primary::<T>();
		let cosigners: Vec<T::AccountId> = (0..c)
			.map(|j| {
				let who: T::AccountId = account("cosigner", j, 0);
				T::BenchmarkHelper::activate_worker(&who, WorkerRole::Redundancy);
				who
			})
			.collect();
		T::BenchmarkHelper::set_redundancy(c as u8);
		// The costliest entry short of its call's own (declared) weight: each touches an asset
		// of its own, so each reads a protection record, and the policy is checked to its last
		// rule (allowed operations above the risk threshold), which refuses the call.
		let refusing = AccessPolicy {
			allowed_operations: OperationSet::EMPTY,
			risk_threshold: RiskScore::ZERO,
			..policy()
		};
		let entries: Vec<BatchEntry> = governance_assets::<T>(n)
			.into_iter()
			.map(|id| {
				ProtectedAssets::<T>::mutate(id, |a| {
					if let Some(a) = a {
						a.policy = refusing;
					}
				});
				let call = T::BenchmarkHelper::asset_transfer(id).encode();
				let (submission_id, revealed) = pend::<T>(id, epoch, &call);
				Pallet::<T>::batch_entry(submission_id, revealed).expect("pending")
			})
			.collect();
		CurrentMigration::<T>::put(0);
		MigrationOperators::<T>::insert(0, account::<T::AccountId>("operator", 0, 0));
		let sequence = Batches::<T>::get().next_sequence;
		let (batch, signatures, cosignatures) =
			signed_batch::<T>(&worker, epoch, entries, &cosigners)?;

		#[extrinsic_call]
		commit_batch(RawOrigin::Signed(worker), batch, signatures, cosignatures);

		assert_eq!(Pending::<T>::count(), 0);
		assert_eq!(Batches::<T>::get().next_sequence, sequence + 1);
		Ok(())
	}

	// What a batch's revealed calls cost per byte, each hashed and decoded whether it runs or
	// not: one entry of `b` bytes, the dearest call to decode per byte (`system.kill_storage`
	// of `b` empty keys, an allocated item per byte), which the call filter then refuses. Its
	// slope is `commit_batch`'s per-byte term.
	#[benchmark]
	fn commit_batch_call_bytes(
		b: Linear<0, { T::MaxEnvelopeLen::get() }>,
	) -> Result<(), BenchmarkError> {
		let (worker, epoch) = primary::<T>();
		let keys = vec![Vec::new(); b as usize];
		let bulky: <T as Config>::RuntimeCall =
			frame_system::Call::<T>::kill_storage { keys }.into();
		let (id, revealed) = pend::<T>(0, epoch, &bulky.encode());
		let entry = Pallet::<T>::batch_entry(id, revealed).expect("pending");
		let (batch, signatures, cosignatures) =
			signed_batch::<T>(&worker, epoch, vec![entry], &[])?;

		#[extrinsic_call]
		commit_batch(RawOrigin::Signed(worker), batch, signatures, cosignatures);

		assert_eq!(Pending::<T>::count(), 0);
		Ok(())
	}

	#[benchmark]
	fn reject_entries(n: Linear<1, { T::MaxRejects::get() }>) {
		let (worker, epoch) = primary::<T>();
		let entries: Vec<(SubmissionId, RejectReason)> =
			(0..n).map(|i| (pend::<T>(i, epoch, &[0]).0, RejectReason::DecryptionFailed)).collect();
		let entries: BoundedVec<_, T::MaxRejects> = entries.try_into().expect("fits");
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), entries);
		assert_eq!(Pending::<T>::count(), 0);
	}

	#[benchmark]
	fn refund_expired() {
		let (_, epoch) = primary::<T>();
		let (id, _) = pend::<T>(0, epoch, &[0]);
		let expired_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::MaxPendingAge::get());
		frame_system::Pallet::<T>::set_block_number(expired_at);
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);
		assert!(!Pending::<T>::contains_key(id));
	}

	#[benchmark]
	fn set_rule() -> Result<(), BenchmarkError> {
		let origin = governance::<T>()?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, OrderingRule::RiskAware);
		assert_eq!(ActiveRule::<T>::get(), OrderingRule::RiskAware);
		Ok(())
	}

	#[benchmark]
	fn on_initialize_expiries(n: Linear<0, { T::MaxExpiriesPerBlock::get() }>) {
		let (_, epoch) = primary::<T>();
		for i in 0..n {
			pend::<T>(i, epoch, &[0]);
		}
		let now = frame_system::Pallet::<T>::block_number().saturating_add(T::MaxPendingAge::get());
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
		assert_eq!(Pending::<T>::count(), 0);
	}

	#[benchmark]
	fn register_asset() {
		let owner = funded::<T>("owner", 0);
		T::BenchmarkHelper::make_asset_owner(&owner, 0);
		let location: BoundedVec<u8, ConstU32<MAX_LOCATION_LEN>> =
			vec![0xab; MAX_LOCATION_LEN as usize].try_into().expect("fits");
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), 0, AssetType::OnChainToken, policy(), Some(1), location);
		assert!(ProtectedAssets::<T>::contains_key(0));
	}

	#[benchmark]
	fn update_policy() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		T::BenchmarkHelper::make_asset_owner(&owner, 0);
		let origin: T::RuntimeOrigin = RawOrigin::Signed(owner.clone()).into();
		Pallet::<T>::register_asset(
			origin,
			0,
			AssetType::OnChainToken,
			policy(),
			None,
			BoundedVec::new(),
		)?;
		after_tier_interval::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), 0, AccessPolicy::default());
		assert_eq!(ProtectedAssets::<T>::get(0).map(|a| a.policy), Some(AccessPolicy::default()));
		Ok(())
	}

	#[benchmark]
	fn remove_asset() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		T::BenchmarkHelper::make_asset_owner(&owner, 0);
		let origin: T::RuntimeOrigin = RawOrigin::Signed(owner.clone()).into();
		Pallet::<T>::register_asset(
			origin,
			0,
			AssetType::OnChainToken,
			policy(),
			None,
			BoundedVec::new(),
		)?;
		after_tier_interval::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), 0);
		assert!(!ProtectedAssets::<T>::contains_key(0));
		Ok(())
	}

	#[benchmark]
	fn start_migration(
		n: Linear<1, { T::MaxMigrationAssets::get() }>,
	) -> Result<(), BenchmarkError> {
		let assets: BoundedVec<AssetId, T::MaxMigrationAssets> =
			governance_assets::<T>(n).try_into().expect("fits");
		let origin = governance::<T>()?;
		let operator: T::AccountId = account("operator", 0, 0);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, assets, operator.clone());
		assert_eq!(CurrentMigration::<T>::get(), Some(0));
		assert_eq!(MigrationOperators::<T>::get(0), Some(operator));
		Ok(())
	}

	#[benchmark]
	fn commit_checkpoint(
		n: Linear<1, { T::MaxMigrationAssets::get() }>,
	) -> Result<(), BenchmarkError> {
		let (worker, _) = primary::<T>();
		let assets = governance_assets::<T>(n);
		let block = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
		frame_system::Pallet::<T>::set_block_number(block);
		Pallet::<T>::start_migration(
			governance::<T>()?,
			assets.clone().try_into().expect("fits"),
			account("operator", 0, 0),
		)?;
		let block_hash = <T as frame_system::Config>::Hashing::hash(b"checkpointed block");
		frame_system::BlockHash::<T>::insert(block, block_hash);
		frame_system::Pallet::<T>::set_block_number(block.saturating_add(1u32.into()));
		let mut state_hash = [0u8; 32];
		state_hash.copy_from_slice(block_hash.as_ref());
		let checkpoint = Checkpoint {
			genesis_hash: Pallet::<T>::genesis_hash(),
			migration_id: 0,
			sequence: 0,
			block_number: block.try_into().map_err(|_| BenchmarkError::Stop("block fits u32"))?,
			state_hash,
			asset_snapshots: assets
				.iter()
				.map(|id| AssetSnapshot {
					asset_id: *id,
					state_hash: aegis_primitives::assets::asset_state_hash(
						*id,
						AssetType::OnChainToken,
						&policy(),
					),
				})
				.collect::<Vec<_>>()
				.try_into()
				.map_err(|_| BenchmarkError::Stop("snapshots fit"))?,
		};
		let signatures = T::BenchmarkHelper::sign(
			&worker,
			SuiteSet::BOTH,
			pqc::context::CHECKPOINT,
			&checkpoint.hash(),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(worker), checkpoint, signatures);
		assert!(Checkpoints::<T>::contains_key(0, 0));
		Ok(())
	}

	#[benchmark]
	fn complete_migration(
		n: Linear<1, { T::MaxMigrationAssets::get() }>,
	) -> Result<(), BenchmarkError> {
		migration_with_checkpoints::<T>(n)?;
		let origin = governance::<T>()?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin);
		assert_eq!(CurrentMigration::<T>::get(), None);
		Ok(())
	}

	#[benchmark]
	fn rollback_migration(
		n: Linear<1, { T::MaxMigrationAssets::get() }>,
	) -> Result<(), BenchmarkError> {
		migration_with_checkpoints::<T>(n)?;
		let origin = governance::<T>()?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);
		assert_eq!(ProtectedAssets::<T>::get(0).map(|a| a.policy), Some(AccessPolicy::default()));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
