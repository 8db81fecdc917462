//! Protected assets (registration, enforcement on both paths, ordering tiers) and migration
//! checkpoints (signatures, every refusal, completion and rollback).

use crate::{mock::*, *};
use aegis_primitives::{
	assets::{AccessPolicy, AssetType, Operation, OperationSet},
	batch::{AssetSnapshot, Checkpoint},
	ordering::ProtectionTier,
	risk::{RiskScore, SuiteSet},
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::{
	traits::{DispatchTransaction, Dispatchable},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	DispatchError,
};

/// The token user 1 owns in `pallet-assets`.
const TOKEN: u32 = 7;
/// A second token, also user 1's.
const OTHER: u32 = 8;
const OWNER: u64 = 1;

fn policy(requires_pqc: bool, requires_tee: bool) -> AccessPolicy {
	AccessPolicy {
		allowed_operations: OperationSet::of(&[Operation::Transfer]),
		requires_pqc,
		requires_tee,
		risk_threshold: RiskScore::new(5_000).unwrap(),
	}
}

/// Creates `id` owned by [`OWNER`] and gives users 2 and 3 a balance of it.
fn create_token(id: u32) {
	assert_ok!(Assets::create(RuntimeOrigin::signed(OWNER), id, OWNER, 1));
	for who in [2, 3] {
		assert_ok!(Assets::mint(RuntimeOrigin::signed(OWNER), id, who, 1_000));
	}
}

/// Moves past the interval an asset's protection tier must stay, so its owner may change it.
fn after_tier_interval() {
	run_to(System::block_number() + <<Test as Config>::TierChangeInterval as Get<u64>>::get());
}

fn protect(id: u32, p: AccessPolicy) {
	assert_ok!(Sequencer::register_asset(
		RuntimeOrigin::signed(OWNER),
		id,
		AssetType::OnChainToken,
		p,
		None,
		Default::default()
	));
}

fn transfer(id: u32, to: u64, amount: u64) -> RuntimeCall {
	RuntimeCall::Assets(pallet_assets::Call::transfer { id, target: to, amount })
}

fn mint(id: u32, to: u64) -> RuntimeCall {
	RuntimeCall::Assets(pallet_assets::Call::mint { id, beneficiary: to, amount: 5 })
}

fn token_balance(id: u32, who: u64) -> u64 {
	pallet_assets::Pallet::<Test>::balance(id, who)
}

/// The transaction extension's verdict on `call` from `who` as a plain extrinsic.
fn validate(who: u64, call: &RuntimeCall) -> Result<(), TransactionValidityError> {
	use frame_support::dispatch::GetDispatchInfo;
	CheckProtectedAssets::<Test>::new()
		.validate_only(
			Some(who).into(),
			call,
			&call.get_dispatch_info(),
			0,
			TransactionSource::External,
			0,
		)
		.map(|_| ())
}

fn refused(r: AssetRefusal) -> Result<(), TransactionValidityError> {
	Err(InvalidTransaction::Custom(r.code()).into())
}

fn filtered() -> DispatchError {
	frame_system::Error::<Test>::CallFiltered.into()
}

fn asset_held(who: u64) -> u64 {
	Balances::balance_on_hold(&RuntimeHoldReason::Sequencer(HoldReason::AssetProtection), &who)
}

/// Submits `call` encrypted, commits it alone (signed with `suites`), returns its outcome.
fn run_encrypted(who: u64, call: RuntimeCall, suites: SuiteSet) -> EntryOutcome {
	let w = SimWorker::new(PRIMARY);
	let id = submit(who, call, MaxCallWeight::get());
	let batch = w.batch(&[id]);
	let sigs = w.sign(suites, aegis_primitives::pqc::context::BATCH, &batch.hash());
	assert_ok!(Sequencer::commit_batch(
		RuntimeOrigin::signed(PRIMARY),
		batch,
		sigs,
		Default::default()
	));
	assert_eq!(EncryptedDispatch::<Test>::get(), None, "flag cleared after the batch");
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Sequencer(Event::EntryExecuted { id: i, outcome, .. }) if i == id => {
				Some(outcome)
			}
			_ => None,
		})
		.expect("entry processed")
}

fn executed_ok(o: &EntryOutcome) -> bool {
	matches!(o, EntryOutcome::Executed { result: Ok(()), .. })
}

#[test]
fn owners_and_governance_register_update_and_remove_assets() {
	new_test_ext().execute_with(|| {
		create_token(TOKEN);
		let p = policy(false, true);
		let register = |origin: RuntimeOrigin, id: u32, t: AssetType| {
			Sequencer::register_asset(
				origin,
				id,
				t,
				p,
				Some(16_584),
				b"0x72fc".to_vec().try_into().unwrap(),
			)
		};
		// Only the token's owner (or governance) may protect it.
		assert_noop!(
			register(RuntimeOrigin::signed(2), TOKEN, AssetType::OnChainToken),
			Error::<Test>::NotAssetAuthority
		);
		assert_noop!(
			register(RuntimeOrigin::signed(OWNER), 99, AssetType::OnChainToken),
			Error::<Test>::NotAssetAuthority
		);
		assert_noop!(
			register(RuntimeOrigin::none(), TOKEN, AssetType::OnChainToken),
			DispatchError::BadOrigin
		);
		let before = Balances::balance(&OWNER);
		assert_ok!(register(RuntimeOrigin::signed(OWNER), TOKEN, AssetType::OnChainToken));
		assert_eq!(asset_held(OWNER), 5_000);
		assert_eq!(Balances::balance(&OWNER), before - 5_000);
		let record = ProtectedAssets::<Test>::get(TOKEN).unwrap();
		assert_eq!(
			(record.owner, record.policy, record.migration, record.chain_id),
			(Some(OWNER), p, MigrationState::Active, Some(16_584))
		);
		assert_eq!(&record.location[..], b"0x72fc");
		assert_noop!(
			register(RuntimeOrigin::root(), TOKEN, AssetType::OnChainToken),
			Error::<Test>::AssetExists
		);

		// Governance protects any of the seven types, without a deposit.
		for (i, t) in AssetType::ALL.into_iter().enumerate() {
			assert_ok!(register(RuntimeOrigin::root(), 100 + i as u32, t));
			assert_eq!(ProtectedAssets::<Test>::get(100 + i as u32).unwrap().asset_type, t);
		}
		assert_eq!(ProtectedAssets::<Test>::get(100).unwrap().deposit, 0);

		// Policies change by their owner or governance; an owner changes a tier at most once
		// per `TierChangeInterval`.
		let q = policy(true, false);
		assert_noop!(
			Sequencer::update_policy(RuntimeOrigin::signed(OWNER), TOKEN, q),
			Error::<Test>::TierChangeTooSoon
		);
		after_tier_interval();
		assert_noop!(
			Sequencer::update_policy(RuntimeOrigin::signed(2), TOKEN, q),
			Error::<Test>::NotAssetAuthority
		);
		assert_noop!(
			Sequencer::update_policy(RuntimeOrigin::signed(OWNER), 100, q),
			Error::<Test>::NotAssetAuthority
		);
		assert_noop!(
			Sequencer::update_policy(RuntimeOrigin::root(), 55, q),
			Error::<Test>::UnknownAsset
		);
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::signed(OWNER), TOKEN, q));
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::root(), 100, q));
		assert_eq!(ProtectedAssets::<Test>::get(TOKEN).unwrap().policy, q);

		// Removal releases the whole deposit.
		after_tier_interval();
		assert_noop!(
			Sequencer::remove_asset(RuntimeOrigin::signed(2), TOKEN),
			Error::<Test>::NotAssetAuthority
		);
		assert_ok!(Sequencer::remove_asset(RuntimeOrigin::signed(OWNER), TOKEN));
		assert_eq!((asset_held(OWNER), Balances::balance(&OWNER)), (0, before));
		assert_noop!(
			Sequencer::remove_asset(RuntimeOrigin::root(), TOKEN),
			Error::<Test>::UnknownAsset
		);
		assert_ok!(Sequencer::remove_asset(RuntimeOrigin::root(), 100));
		assert!(System::events()
			.iter()
			.any(|r| r.event == RuntimeEvent::Sequencer(Event::AssetRemoved { id: TOKEN })));
	});
}

#[test]
fn an_owner_without_the_deposit_cannot_register() {
	new_test_ext().execute_with(|| {
		// PRIMARY holds 1 000, less than the 5 000 deposit.
		assert_ok!(Assets::create(RuntimeOrigin::signed(PRIMARY), TOKEN, PRIMARY, 1));
		assert_noop!(
			Sequencer::register_asset(
				RuntimeOrigin::signed(PRIMARY),
				TOKEN,
				AssetType::OnChainToken,
				policy(false, false),
				None,
				Default::default()
			),
			Error::<Test>::InsufficientDeposit
		);
	});
}

#[test]
fn tee_only_assets_are_refused_outside_the_encrypted_path() {
	new_test_ext().execute_with(|| {
		create_token(TOKEN);
		create_token(OTHER);
		protect(TOKEN, policy(false, true));
		protect(OTHER, policy(false, false));

		// Plain path: the extension refuses at validation, the guard at dispatch.
		assert_eq!(
			validate(2, &transfer(TOKEN, 3, 10)),
			refused(AssetRefusal::EncryptedPathRequired)
		);
		assert_eq!(
			transfer(TOKEN, 3, 10).dispatch(RuntimeOrigin::signed(2)).unwrap_err().error,
			filtered()
		);
		assert_eq!(token_balance(TOKEN, 3), 1_000);
		// Assets without that requirement, and calls touching no asset, pass.
		assert_ok!(validate(2, &transfer(OTHER, 3, 10)));
		assert_ok!(transfer(OTHER, 3, 10).dispatch(RuntimeOrigin::signed(2)));
		assert_ok!(validate(
			2,
			&RuntimeCall::System(frame_system::Call::remark { remark: vec![] })
		));
		// Only calls touching an asset pay for the extension's two reads.
		use frame_support::traits::Get;
		use sp_runtime::traits::TransactionExtension;
		let ext = CheckProtectedAssets::<Test>::new();
		let db: frame_support::weights::RuntimeDbWeight =
			<Test as frame_system::Config>::DbWeight::get();
		assert_eq!(ext.weight(&transfer(OTHER, 3, 1)), db.reads(2));
		assert_eq!(
			ext.weight(&RuntimeCall::System(frame_system::Call::remark { remark: vec![] })),
			Weight::zero()
		);

		// Encrypted path: runs as the submitter.
		let outcome = run_encrypted(2, transfer(TOKEN, 3, 10), SuiteSet::ML_DSA);
		assert!(executed_ok(&outcome), "{outcome:?}");
		assert_eq!((token_balance(TOKEN, 2), token_balance(TOKEN, 3)), (990, 1_010));
		// Outside the batch the plain path is closed again.
		assert_eq!(
			transfer(TOKEN, 3, 10).dispatch(RuntimeOrigin::signed(2)).unwrap_err().error,
			filtered()
		);
	});
}

#[test]
fn pqc_only_assets_need_batches_signed_with_both_suites() {
	new_test_ext().execute_with(|| {
		create_token(TOKEN);
		protect(TOKEN, policy(true, false));
		assert_eq!(
			validate(2, &transfer(TOKEN, 3, 10)),
			refused(AssetRefusal::EncryptedPathRequired)
		);

		let deposit_before = Balances::balance(&2);
		let outcome = run_encrypted(2, transfer(TOKEN, 3, 10), SuiteSet::ML_DSA);
		assert_eq!(outcome, EntryOutcome::Refused(AssetRefusal::FullPqcRequired));
		assert_eq!(token_balance(TOKEN, 3), 1_000);
		// The refused entry pays inclusion only; nothing stays held.
		let charged = deposit_before - Balances::balance(&2);
		assert!(charged > 0 && charged < 10_000, "{charged}");
		assert_eq!(
			Balances::balance_on_hold(&RuntimeHoldReason::Sequencer(HoldReason::Submission), &2),
			0
		);

		let outcome = run_encrypted(2, transfer(TOKEN, 3, 10), SuiteSet::BOTH);
		assert!(executed_ok(&outcome), "{outcome:?}");
		assert_eq!(token_balance(TOKEN, 3), 1_010);
	});
}

#[test]
fn above_the_risk_threshold_only_allowed_operations_run() {
	new_test_ext().execute_with(|| {
		create_token(TOKEN);
		protect(TOKEN, policy(false, false));
		// At or below the threshold everything runs.
		set_score(5_000);
		assert_ok!(validate(OWNER, &mint(TOKEN, 2)));
		assert_ok!(mint(TOKEN, 2).dispatch(RuntimeOrigin::signed(OWNER)));

		set_score(7_000);
		assert_ok!(validate(2, &transfer(TOKEN, 3, 1)));
		assert_ok!(transfer(TOKEN, 3, 1).dispatch(RuntimeOrigin::signed(2)));
		assert_eq!(validate(OWNER, &mint(TOKEN, 2)), refused(AssetRefusal::OperationRestricted));
		assert_eq!(
			mint(TOKEN, 2).dispatch(RuntimeOrigin::signed(OWNER)).unwrap_err().error,
			filtered()
		);
		// The same on the encrypted path, with the reason in the outcome.
		assert_eq!(
			run_encrypted(OWNER, mint(TOKEN, 2), SuiteSet::BOTH),
			EntryOutcome::Refused(AssetRefusal::OperationRestricted)
		);
		assert_eq!(token_balance(TOKEN, 2), 1_004);

		set_score(1_000);
		assert!(executed_ok(&run_encrypted(OWNER, mint(TOKEN, 2), SuiteSet::ML_DSA)));
		assert_eq!(token_balance(TOKEN, 2), 1_009);
	});
}

#[test]
fn ordering_uses_the_registered_protection_tiers() {
	new_test_ext().execute_with(|| {
		create_token(TOKEN);
		create_token(OTHER);
		protect(TOKEN, policy(false, true));
		protect(OTHER, policy(false, false));
		assert_ok!(Sequencer::set_rule(RuntimeOrigin::root(), OrderingRule::AssetProtection));
		let w = SimWorker::new(PRIMARY);
		let weight = Weight::from_parts(500_000_000, 10_000);
		let ids = [
			submit(4, RuntimeCall::System(frame_system::Call::remark { remark: vec![1] }), weight),
			submit(3, transfer(OTHER, 2, 1), weight),
			submit(2, transfer(TOKEN, 3, 1), weight),
		];
		assert_eq!(Sequencer::protection_of(Some(TOKEN)), ProtectionTier::Critical);
		assert_eq!(Sequencer::protection_of(Some(OTHER)), ProtectionTier::Standard);
		assert_eq!(Sequencer::protection_of(Some(99)), ProtectionTier::None);
		// What the worker is told through `SequencerApi::order_classes`.
		assert_eq!(
			Sequencer::order_class(&transfer(TOKEN, 3, 1).encode()),
			(ProtectionTier::Critical, false)
		);
		assert_eq!(
			Sequencer::order_class(&transfer(OTHER, 3, 1).encode()),
			(ProtectionTier::Standard, false)
		);
		let migrate = RuntimeCall::Assets(pallet_assets::Call::transfer_approved {
			id: TOKEN,
			owner: 2,
			destination: 3,
			amount: 1,
		});
		assert_eq!(Sequencer::order_class(&migrate.encode()), (ProtectionTier::Critical, true));
		assert_eq!(Sequencer::order_class(&[0xff, 0xff, 0x01]), (ProtectionTier::None, false));

		// Arrival order is wrong under this rule: the TEE-only asset goes first.
		let mut fifo = w.batch(&ids);
		let mut entries = fifo.entries.to_vec();
		entries.sort_by_key(|e| e.submission_id);
		fifo = Batch::new(
			Sequencer::genesis_hash(),
			0,
			[0; 32],
			1,
			OrderingRule::AssetProtection,
			System::block_number() as u32,
			entries,
		)
		.unwrap();
		assert_noop!(
			Sequencer::commit_batch(
				RuntimeOrigin::signed(PRIMARY),
				fifo.clone(),
				w.sign_batch(&fifo),
				Default::default()
			),
			Error::<Test>::Misordered
		);
		let batch = w.batch(&ids);
		let order: Vec<_> = batch.entries.iter().map(|e| e.submission_id).collect();
		assert_eq!(order, vec![ids[2], ids[1], ids[0]]);
		assert_ok!(Sequencer::commit_batch(
			RuntimeOrigin::signed(PRIMARY),
			batch.clone(),
			w.sign_batch(&batch),
			Default::default()
		));
	});
}

/// A checkpoint of the migration in progress naming block `block`, snapshotting `assets` as
/// they are now.
fn checkpoint(migration: u32, sequence: u32, block: u64, assets: &[u32]) -> Checkpoint {
	Checkpoint {
		genesis_hash: Sequencer::genesis_hash(),
		migration_id: migration,
		sequence,
		block_number: block as u32,
		state_hash: System::block_hash(block).0,
		asset_snapshots: assets
			.iter()
			.map(|id| AssetSnapshot {
				asset_id: *id,
				state_hash: ProtectedAssets::<Test>::get(id).unwrap().state_hash(*id),
			})
			.collect::<Vec<_>>()
			.try_into()
			.unwrap(),
	}
}

fn sign_checkpoint(cp: &Checkpoint, suites: SuiteSet) -> SignatureSet {
	SimWorker::new(PRIMARY).sign(suites, aegis_primitives::pqc::context::CHECKPOINT, &cp.hash())
}

fn commit_cp(cp: &Checkpoint) -> DispatchResult {
	Sequencer::commit_checkpoint(
		RuntimeOrigin::signed(PRIMARY),
		cp.clone(),
		sign_checkpoint(cp, SuiteSet::BOTH),
	)
}

fn start(assets: &[u32]) -> DispatchResult {
	Sequencer::start_migration(RuntimeOrigin::root(), assets.to_vec().try_into().unwrap())
}

fn two_protected_tokens() {
	create_token(TOKEN);
	create_token(OTHER);
	protect(TOKEN, policy(false, false));
	protect(OTHER, policy(false, false));
}

#[test]
fn migrations_start_under_governance_and_freeze_their_assets() {
	new_test_ext().execute_with(|| {
		two_protected_tokens();
		assert_noop!(
			Sequencer::start_migration(
				RuntimeOrigin::signed(OWNER),
				vec![TOKEN].try_into().unwrap()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(start(&[]), Error::<Test>::BadMigrationAssets);
		assert_noop!(start(&[TOKEN, TOKEN]), Error::<Test>::BadMigrationAssets);
		assert_noop!(start(&[TOKEN, 99]), Error::<Test>::UnknownAsset);
		assert_noop!(
			Sequencer::complete_migration(RuntimeOrigin::root()),
			Error::<Test>::NoMigration
		);
		assert_ok!(start(&[TOKEN, OTHER]));
		assert_noop!(start(&[TOKEN]), Error::<Test>::MigrationInProgress);
		let (id, m) = Sequencer::migration(None).unwrap();
		assert_eq!(
			(id, &m.assets[..], m.status, m.checkpoints),
			(0, &[TOKEN, OTHER][..], MigrationStatus::InProgress, 0)
		);
		assert_eq!(
			ProtectedAssets::<Test>::get(TOKEN).unwrap().migration,
			MigrationState::Migrating { migration: 0 }
		);

		// Only migration calls touch a migrating asset; it cannot be removed meanwhile.
		assert_eq!(validate(2, &transfer(TOKEN, 3, 1)), refused(AssetRefusal::AssetMigrating));
		assert_eq!(
			transfer(TOKEN, 3, 1).dispatch(RuntimeOrigin::signed(2)).unwrap_err().error,
			filtered()
		);
		assert_eq!(
			run_encrypted(2, transfer(TOKEN, 3, 1), SuiteSet::BOTH),
			EntryOutcome::Refused(AssetRefusal::AssetMigrating)
		);
		assert_ok!(Assets::approve_transfer(RuntimeOrigin::signed(2), TOKEN, 4, 100));
		let migrate = RuntimeCall::Assets(pallet_assets::Call::transfer_approved {
			id: TOKEN,
			owner: 2,
			destination: 3,
			amount: 100,
		});
		assert_ok!(validate(4, &migrate));
		assert_ok!(migrate.dispatch(RuntimeOrigin::signed(4)));
		assert_eq!(token_balance(TOKEN, 3), 1_100);
		assert_noop!(
			Sequencer::remove_asset(RuntimeOrigin::signed(OWNER), TOKEN),
			Error::<Test>::AssetMigrating
		);
		// Policies may change: that is what a migration is for.
		after_tier_interval();
		assert_ok!(Sequencer::update_policy(
			RuntimeOrigin::signed(OWNER),
			TOKEN,
			policy(true, true)
		));
	});
}

#[test]
fn checkpoints_need_both_suites_and_must_match_the_chain() {
	new_test_ext().execute_with(|| {
		two_protected_tokens();
		let assets = [TOKEN, OTHER];
		assert_noop!(commit_cp(&checkpoint(0, 0, 1, &assets)), Error::<Test>::NoMigration);
		run_to(2);
		assert_ok!(start(&assets));
		run_to(4);
		let good = checkpoint(0, 0, 3, &assets);
		let sign = |cp: &Checkpoint, suites| sign_checkpoint(cp, suites);
		let commit_with = |cp: &Checkpoint, sigs: SignatureSet, who: u64| {
			Sequencer::commit_checkpoint(RuntimeOrigin::signed(who), cp.clone(), sigs)
		};

		// Both suites, always: even at Normal risk, ML-DSA alone is not enough.
		assert_noop!(
			commit_with(&good, sign(&good, SuiteSet::ML_DSA), PRIMARY),
			Error::<Test>::MissingSignature
		);
		let batch_ctx = SimWorker::new(PRIMARY).sign(
			SuiteSet::BOTH,
			aegis_primitives::pqc::context::BATCH,
			&good.hash(),
		);
		assert_noop!(commit_with(&good, batch_ctx, PRIMARY), Error::<Test>::BadSignature);
		assert_noop!(
			commit_with(&good, sign(&good, SuiteSet::BOTH), 2),
			Error::<Test>::NotActiveWorker
		);
		let other_key = SimWorker::new(COSIGNERS[0]).sign(
			SuiteSet::BOTH,
			aegis_primitives::pqc::context::CHECKPOINT,
			&good.hash(),
		);
		assert_noop!(commit_with(&good, other_key, PRIMARY), Error::<Test>::BadSignature);

		let mut bad = good.clone();
		bad.genesis_hash = [9; 32];
		assert_noop!(commit_cp(&bad), Error::<Test>::WrongChain);
		assert_noop!(commit_cp(&checkpoint(1, 0, 3, &assets)), Error::<Test>::WrongMigration);
		assert_noop!(
			commit_cp(&checkpoint(0, 1, 3, &assets)),
			Error::<Test>::WrongCheckpointSequence
		);
		// The block must be a past block since the start, named by its real hash.
		assert_noop!(commit_cp(&checkpoint(0, 0, 4, &assets)), Error::<Test>::WrongBlockHash);
		assert_noop!(commit_cp(&checkpoint(0, 0, 1, &assets)), Error::<Test>::WrongBlockHash);
		let mut bad = good.clone();
		bad.state_hash = [1; 32];
		assert_noop!(commit_cp(&bad), Error::<Test>::WrongBlockHash);
		// A block whose hash the chain no longer holds reads as zeros; zeros name nothing.
		frame_system::BlockHash::<Test>::remove(2);
		let mut unknown = checkpoint(0, 0, 2, &assets);
		unknown.state_hash = [0; 32];
		assert_noop!(commit_cp(&unknown), Error::<Test>::WrongBlockHash);
		// Snapshots: the migration's assets, in order, as they are now.
		assert_noop!(commit_cp(&checkpoint(0, 0, 3, &[TOKEN])), Error::<Test>::SnapshotMismatch);
		assert_noop!(
			commit_cp(&checkpoint(0, 0, 3, &[OTHER, TOKEN])),
			Error::<Test>::SnapshotMismatch
		);
		let mut bad = good.clone();
		bad.asset_snapshots[1].state_hash[0] ^= 1;
		assert_noop!(commit_cp(&bad), Error::<Test>::SnapshotMismatch);

		assert_ok!(commit_cp(&good));
		let record = Checkpoints::<Test>::get(0, 0).unwrap();
		assert_eq!((record.hash, record.block_number, record.worker), (good.hash(), 3, PRIMARY));
		assert_eq!(
			&record.policies[..],
			&[(TOKEN, policy(false, false)), (OTHER, policy(false, false))]
		);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Sequencer(Event::CheckpointCommitted {
				migration: 0,
				sequence: 0,
				hash: good.hash(),
				worker: PRIMARY
			})));
		assert_noop!(commit_cp(&good), Error::<Test>::WrongCheckpointSequence);

		// A snapshot taken before a policy change no longer matches.
		let stale = checkpoint(0, 1, 3, &assets);
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::root(), OTHER, policy(true, false)));
		assert_noop!(commit_cp(&stale), Error::<Test>::SnapshotMismatch);
		assert_ok!(commit_cp(&checkpoint(0, 1, 3, &assets)));
		assert_ok!(commit_cp(&checkpoint(0, 2, 3, &assets)));
		// MaxCheckpoints is 3.
		assert_noop!(commit_cp(&checkpoint(0, 3, 3, &assets)), Error::<Test>::TooManyCheckpoints);
		let (_, m) = Sequencer::migration(Some(0)).unwrap();
		assert_eq!(
			(m.checkpoints, m.last_checkpoint),
			(3, Some(checkpoint(0, 2, 3, &assets).hash()))
		);
	});
}

#[test]
fn completing_a_migration_keeps_the_new_policies() {
	new_test_ext().execute_with(|| {
		two_protected_tokens();
		run_to(2);
		assert_ok!(start(&[TOKEN, OTHER]));
		assert_noop!(
			Sequencer::complete_migration(RuntimeOrigin::root()),
			Error::<Test>::NoCheckpoint
		);
		run_to(3);
		assert_ok!(commit_cp(&checkpoint(0, 0, 2, &[TOKEN, OTHER])));
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::root(), TOKEN, policy(true, true)));
		assert_noop!(
			Sequencer::complete_migration(RuntimeOrigin::signed(OWNER)),
			DispatchError::BadOrigin
		);
		assert_ok!(Sequencer::complete_migration(RuntimeOrigin::root()));

		let token = ProtectedAssets::<Test>::get(TOKEN).unwrap();
		assert_eq!((token.policy, token.migration), (policy(true, true), MigrationState::Active));
		assert_eq!(ProtectedAssets::<Test>::get(OTHER).unwrap().migration, MigrationState::Active);
		assert_eq!(Sequencer::migration(None), None);
		let (_, m) = Sequencer::migration(Some(0)).unwrap();
		assert_eq!((m.status, m.ended_at), (MigrationStatus::Completed, Some(3)));
		assert_eq!(Checkpoints::<Test>::iter_prefix(0).count(), 0, "checkpoints dropped");
		assert_noop!(commit_cp(&checkpoint(0, 1, 2, &[TOKEN, OTHER])), Error::<Test>::NoMigration);
		// The assets are usable again, and a new migration gets a new id.
		assert_ok!(validate(2, &transfer(OTHER, 3, 1)));
		assert_ok!(start(&[OTHER]));
		assert_eq!(Sequencer::migration(None).unwrap().0, 1);
	});
}

#[test]
fn rolling_back_restores_the_checkpoint_policies() {
	new_test_ext().execute_with(|| {
		two_protected_tokens();
		let assets = [TOKEN, OTHER];
		run_to(2);
		assert_ok!(start(&assets));
		run_to(3);
		assert_ok!(commit_cp(&checkpoint(0, 0, 2, &assets)));
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::root(), TOKEN, policy(true, false)));
		assert_ok!(commit_cp(&checkpoint(0, 1, 2, &assets)));
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::root(), TOKEN, policy(true, true)));
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::root(), OTHER, policy(false, true)));

		assert_noop!(
			Sequencer::rollback_migration(RuntimeOrigin::root(), 2),
			Error::<Test>::UnknownCheckpoint
		);
		assert_noop!(
			Sequencer::rollback_migration(RuntimeOrigin::signed(OWNER), 0),
			DispatchError::BadOrigin
		);
		assert_ok!(Sequencer::rollback_migration(RuntimeOrigin::root(), 1));
		let (token, other) = (
			ProtectedAssets::<Test>::get(TOKEN).unwrap(),
			ProtectedAssets::<Test>::get(OTHER).unwrap(),
		);
		assert_eq!((token.policy, token.migration), (policy(true, false), MigrationState::Active));
		assert_eq!((other.policy, other.migration), (policy(false, false), MigrationState::Active));
		let (_, m) = Sequencer::migration(Some(0)).unwrap();
		assert_eq!(m.status, MigrationStatus::RolledBack { to: 1 });
		assert!(System::events().iter().any(
			|r| r.event == RuntimeEvent::Sequencer(Event::MigrationRolledBack { id: 0, to: 1 })
		));
		assert_noop!(
			Sequencer::rollback_migration(RuntimeOrigin::root(), 0),
			Error::<Test>::NoMigration
		);
		// Deposits untouched by the whole migration.
		assert_eq!(asset_held(OWNER), 10_000);
	});
}

#[test]
fn a_tier_change_after_a_batch_was_built_does_not_misorder_it() {
	new_test_ext().execute_with(|| {
		create_token(TOKEN);
		protect(TOKEN, policy(false, false));
		assert_ok!(Sequencer::set_rule(RuntimeOrigin::root(), OrderingRule::AssetProtection));
		let interval: u64 = <<Test as Config>::TierChangeInterval as Get<u64>>::get();
		run_to(System::block_number() + interval);
		let w = SimWorker::new(PRIMARY);
		let weight = Weight::from_parts(500_000_000, 10_000);
		let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![1] });
		let ids = [submit(4, remark, weight), submit(2, transfer(TOKEN, 3, 1), weight)];
		// Built now: the protected transfer goes before the earlier, unprotected remark.
		let built = w.batch(&ids);
		assert_eq!(built.entries[0].submission_id, ids[1]);
		let built_at = System::block_number();

		// The owner removes the protection before the batch lands (unprotected, the two are in
		// arrival order), and cannot put it back within the interval to flip the order again.
		run_to(built_at + 1);
		assert_ok!(Sequencer::remove_asset(RuntimeOrigin::signed(OWNER), TOKEN));
		run_to(built_at + 2);
		assert_noop!(
			Sequencer::register_asset(
				RuntimeOrigin::signed(OWNER),
				TOKEN,
				AssetType::OnChainToken,
				policy(false, true),
				None,
				Default::default()
			),
			Error::<Test>::TierChangeTooSoon
		);
		// The batch is checked against the tiers of the block it was ordered at: accepted.
		assert_ok!(Sequencer::commit_batch(
			RuntimeOrigin::signed(PRIMARY),
			built.clone(),
			w.sign_batch(&built),
			Default::default()
		));
		// A batch built now sees the asset unprotected.
		assert_eq!(
			Sequencer::order_class(&transfer(TOKEN, 3, 1).encode()),
			(ProtectionTier::None, false)
		);
		// After the interval the owner may protect it again.
		run_to(built_at + 1 + interval);
		protect(TOKEN, policy(false, true));
	});
}

#[test]
fn a_batch_ordered_against_a_block_too_old_or_not_yet_made_is_refused() {
	new_test_ext().execute_with(|| {
		let w = SimWorker::new(PRIMARY);
		let weight = Weight::from_parts(500_000_000, 10_000);
		let id =
			submit(4, RuntimeCall::System(frame_system::Call::remark { remark: vec![1] }), weight);
		let interval: u64 = <<Test as Config>::TierChangeInterval as Get<u64>>::get();
		let at = |ordered_at: u64| {
			let b = w.batch(&[id]);
			let b = Batch::new(
				b.header.genesis_hash,
				b.header.sequence,
				b.header.parent_hash,
				b.header.key_epoch,
				b.header.rule,
				ordered_at as u32,
				b.entries.to_vec(),
			)
			.unwrap();
			let signatures = w.sign_batch(&b);
			Sequencer::commit_batch(
				RuntimeOrigin::signed(PRIMARY),
				b,
				signatures,
				Default::default(),
			)
		};
		let built_at = System::block_number();
		run_to(built_at + interval + 1);
		assert_noop!(at(built_at), Error::<Test>::StaleOrder);
		assert_noop!(at(System::block_number() + 1), Error::<Test>::StaleOrder);
		assert_ok!(at(built_at + 1));
	});
}

#[test]
fn the_right_to_change_a_protection_follows_the_token_and_the_deposit_stays_its_payers() {
	new_test_ext().execute_with(|| {
		create_token(TOKEN);
		protect(TOKEN, policy(false, false));
		let paid = asset_held(OWNER);
		assert!(paid > 0);
		assert_ok!(Assets::transfer_ownership(RuntimeOrigin::signed(OWNER), TOKEN, 2));
		after_tier_interval();
		// The former owner no longer decides; the new one does.
		assert_noop!(
			Sequencer::update_policy(RuntimeOrigin::signed(OWNER), TOKEN, policy(true, false)),
			Error::<Test>::NotAssetAuthority
		);
		assert_noop!(
			Sequencer::remove_asset(RuntimeOrigin::signed(OWNER), TOKEN),
			Error::<Test>::NotAssetAuthority
		);
		assert_ok!(Sequencer::update_policy(RuntimeOrigin::signed(2), TOKEN, policy(true, false)));
		after_tier_interval();
		// Removal gives the deposit back to whoever paid it.
		let before = Balances::balance(&OWNER);
		assert_ok!(Sequencer::remove_asset(RuntimeOrigin::signed(2), TOKEN));
		assert_eq!(asset_held(OWNER), 0);
		assert_eq!(Balances::balance(&OWNER), before + paid);

		// A protection governance imposed stays governance's, whoever owns the token.
		create_token(OTHER);
		assert_ok!(Sequencer::register_asset(
			RuntimeOrigin::root(),
			OTHER,
			AssetType::OnChainToken,
			policy(false, true),
			None,
			Default::default()
		));
		after_tier_interval();
		assert_noop!(
			Sequencer::update_policy(RuntimeOrigin::signed(OWNER), OTHER, policy(false, false)),
			Error::<Test>::NotAssetAuthority
		);
		assert_noop!(
			Sequencer::remove_asset(RuntimeOrigin::signed(OWNER), OTHER),
			Error::<Test>::NotAssetAuthority
		);
	});
}
