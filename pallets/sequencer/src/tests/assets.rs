//! Protected assets: registration, enforcement on both paths, ordering tiers and their
//! changes, and who may change a protection.

use super::*;

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
