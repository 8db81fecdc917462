//! Migrations: started by governance with an operator, only whose migration calls touch the
//! assets; checkpoints signed with both suites; completion and rollback.

use super::*;

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
	Sequencer::start_migration(RuntimeOrigin::root(), assets.to_vec().try_into().unwrap(), OPERATOR)
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
				vec![TOKEN].try_into().unwrap(),
				OWNER
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
		System::assert_last_event(
			Event::MigrationStarted { id: 0, assets: 2, operator: OPERATOR }.into(),
		);
		assert_eq!(MigrationOperators::<Test>::get(0), Some(OPERATOR));
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
		// A migration call moves a migrating asset only when the migration's operator makes it.
		let migrate = |amount| {
			RuntimeCall::Assets(pallet_assets::Call::transfer_approved {
				id: TOKEN,
				owner: 2,
				destination: 3,
				amount,
			})
		};
		assert_ok!(Assets::approve_transfer(RuntimeOrigin::signed(2), TOKEN, OPERATOR, 100));
		assert_ok!(Assets::approve_transfer(RuntimeOrigin::signed(2), TOKEN, 5, 100));
		// Another delegate holding an approval is refused on every path.
		assert_eq!(validate(5, &migrate(10)), refused(AssetRefusal::AssetMigrating));
		assert_eq!(apply(5, migrate(10)), Err(refused(AssetRefusal::AssetMigrating).unwrap_err()));
		assert_eq!(migrate(10).dispatch(RuntimeOrigin::signed(5)).unwrap_err().error, filtered());
		assert_eq!(
			run_encrypted(5, migrate(10), SuiteSet::BOTH),
			EntryOutcome::Refused(AssetRefusal::AssetMigrating)
		);
		// The operator's call dispatched without the extension's mark is refused too: only
		// the signer of the extrinsic or the submitter of the entry counts.
		assert_eq!(
			migrate(10).dispatch(RuntimeOrigin::signed(OPERATOR)).unwrap_err().error,
			filtered()
		);
		// The operator's plain extrinsic and its encrypted entry both run.
		assert_ok!(validate(OPERATOR, &migrate(60)));
		assert_eq!(apply(OPERATOR, migrate(60)), Ok(Ok(())));
		assert_eq!(OperatorDispatch::<Test>::get(), None, "mark cleared after dispatch");
		assert!(executed_ok(&run_encrypted(OPERATOR, migrate(40), SuiteSet::BOTH)));
		assert_eq!(OperatorDispatch::<Test>::get(), None, "mark cleared after the entry");
		assert_eq!(token_balance(TOKEN, 3), 1_100);
		// A failing call of the operator's (its approval is spent) leaves no mark either.
		assert!(matches!(apply(OPERATOR, migrate(1)), Ok(Err(_))));
		assert_eq!(OperatorDispatch::<Test>::get(), None, "mark cleared after a failed dispatch");

		// Nested in a batch of calls, another delegate's migration call is refused by the
		// call filter, also when the batch carrying its entry was signed by the operator (a
		// worker may be one): each entry is marked as its own submitter's.
		assert_ok!(Assets::approve_transfer(RuntimeOrigin::signed(2), TOKEN, 5, 100));
		let nested = |amount| {
			RuntimeCall::Utility(pallet_utility::Call::batch_all { calls: vec![migrate(amount)] })
		};
		assert_eq!(
			apply(5, nested(10)).unwrap().unwrap_err(),
			frame_system::Error::<Test>::CallFiltered.into()
		);
		OperatorDispatch::<Test>::put(0);
		let outcome = run_encrypted(5, nested(10), SuiteSet::BOTH);
		assert!(
			matches!(outcome, EntryOutcome::Executed { result: Err(e), .. }
				if e == frame_system::Error::<Test>::CallFiltered.into()),
			"{outcome:?}"
		);
		assert_eq!(OperatorDispatch::<Test>::get(), Some(0), "the batch's own mark restored");
		OperatorDispatch::<Test>::kill();
		assert_eq!(token_balance(TOKEN, 3), 1_100);
		// The operator's own nested migration call runs.
		assert_ok!(Assets::approve_transfer(RuntimeOrigin::signed(2), TOKEN, OPERATOR, 10));
		assert_eq!(apply(OPERATOR, nested(10)), Ok(Ok(())));
		assert_eq!(token_balance(TOKEN, 3), 1_110);
		// Its non-migration calls on the asset are refused like anyone's.
		assert_eq!(
			validate(OPERATOR, &transfer(TOKEN, 3, 1)),
			refused(AssetRefusal::AssetMigrating)
		);
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
