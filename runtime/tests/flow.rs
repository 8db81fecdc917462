//! The runtime end to end on its native build: the development genesis, a simulated TEE worker
//! enrolling with a dev-TEE quote, the risk feed, encrypted submissions from several users, a
//! signed batch executed in the rule's order as its submitters, and protected assets kept off
//! the plain path by the runtime's own filter.
#![allow(clippy::indexing_slicing)]

use aegis_attestation::sim::SgxEnclave;
use aegis_primitives::{
	batch::{Batch, RevealedCall},
	pqc::{self, SignatureSet},
	risk::RiskLevel,
};
use aegis_runtime::{
	genesis_config_presets, AccountId, Balance, Balances, RiskOracle, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, Sequencer, System, TeeRegistry,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::GetDispatchInfo,
	traits::{fungible::Inspect, Get},
	weights::Weight,
};
use pallet_sequencer::EntryOutcome;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Dispatchable, BuildStorage};

mod common;

use common::{account, dev_chain, Worker};

impl Worker {
	fn publish_cluster_key(&self) {
		let pk = self.keys.cluster.public_key().to_bytes();
		let sig = self.keys.cluster_key_signature(&TeeRegistry::genesis_hash(), 1, &pk);
		assert_ok!(TeeRegistry::publish_cluster_key(
			RuntimeOrigin::signed(self.account.clone()),
			1,
			Box::new(pk),
			sig.try_into().unwrap(),
			Default::default(),
		));
	}

	/// Decrypts pending submission `id`, as the enclave does.
	fn reveal(&self, id: u64) -> RevealedCall {
		let pending = pallet_sequencer::Pending::<Runtime>::get(id).expect("pending");
		self.keys
			.open(
				&TeeRegistry::genesis_hash(),
				&TeeRegistry::account_bytes(&pending.who),
				&pending.envelope,
			)
			.expect("decrypts")
	}

	/// The pending `ids` in the active rule's order, continuing the batch chain.
	fn batch(&self, ids: &[u64]) -> Batch {
		let rule = pallet_sequencer::ActiveRule::<Runtime>::get();
		let risk = <RiskOracle as pallet_risk_oracle::RiskProvider<u32>>::score();
		let revealed: Vec<RevealedCall> = ids.iter().map(|id| self.reveal(*id)).collect();
		let entries = ids
			.iter()
			.zip(revealed)
			.map(|(id, revealed)| {
				// Classified as the chain does when it checks the order.
				let class = Sequencer::order_class(&revealed.call);
				(Sequencer::batch_entry(*id, revealed).expect("pending"), class)
			})
			.collect();
		pallet_sequencer::Batches::<Runtime>::get()
			.next_batch(TeeRegistry::genesis_hash(), 1, rule, System::block_number(), risk, entries)
			.unwrap()
	}

	fn sign(&self, batch: &Batch) -> SignatureSet {
		let suites = <RiskOracle as pallet_risk_oracle::RiskProvider<u32>>::policy().batch_suites;
		self.keys.sign(suites, pqc::context::BATCH, &batch.hash())
	}

	fn commit(&self, batch: &Batch, signatures: SignatureSet) -> sp_runtime::DispatchResult {
		Sequencer::commit_batch(
			RuntimeOrigin::signed(self.account.clone()),
			batch.clone(),
			signatures,
			Default::default(),
		)
		.map(|_| ())
		.map_err(|e| e.error)
	}
}

/// Encrypts `call` for `who` to the published cluster key and submits it; returns its id.
fn submit(who: &AccountId, call: RuntimeCall, salt: u8) -> u64 {
	let id = pallet_sequencer::NextSubmissionId::<Runtime>::get();
	let revealed = RevealedCall { call: call.encode().try_into().unwrap(), salt: [salt; 32] };
	let (epoch, pk) =
		<TeeRegistry as pallet_tee_registry::WorkerRegistry<AccountId>>::cluster_key().unwrap();
	let recipient = aegis_envelope::RecipientPublicKey::from_bytes(epoch, &pk).unwrap();
	let envelope = aegis_envelope::seal(
		&recipient,
		&TeeRegistry::genesis_hash(),
		&TeeRegistry::account_bytes(who),
		&revealed.encode(),
	)
	.unwrap();
	assert_ok!(Sequencer::submit_encrypted(
		RuntimeOrigin::signed(who.clone()),
		envelope.try_into().unwrap(),
		revealed.commitment(),
		Weight::from_parts(2_000_000_000, 100_000),
	));
	id
}

fn transfer(to: Sr25519Keyring, amount: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: account(to).into(),
		value: amount,
	})
}

/// `(from, to, amount)` of every balance transfer so far, in execution order.
fn transfers() -> Vec<(AccountId, AccountId, u128)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount }) => {
				Some((from, to, amount))
			}
			_ => None,
		})
		.collect()
}

#[test]
fn the_dev_genesis_trusts_the_simulated_tee_and_nothing_else() {
	dev_chain().execute_with(|| {
		use aegis_attestation::{dev, TeeKind};
		for (kind, root) in [
			(TeeKind::Sgx, dev::SIM_ROOT_CA_DER),
			(TeeKind::Tdx, dev::SIM_ROOT_CA_DER),
			(TeeKind::SevSnp, dev::SNP_ARK_DER),
			(TeeKind::Nitro, dev::NITRO_ROOT_DER),
		] {
			let roots = pallet_tee_registry::TrustedRoots::<Runtime>::get(kind);
			assert_eq!(roots.len(), 1, "{kind:?}");
			assert_eq!(&roots[0][..], root, "{kind:?}");
		}
		let worker = Worker::new(Sr25519Keyring::Dave);
		// Another enclave on the same trusted TEE is not an allowed measurement.
		let rogue = SgxEnclave { mr_enclave: [0xbb; 32], ..SgxEnclave::dev_worker() };
		assert_noop!(
			worker.register_as(&rogue),
			pallet_tee_registry::Error::<Runtime>::MeasurementNotAllowed
		);
		assert_ok!(worker.register_as(&SgxEnclave::dev_worker()));
		assert!(pallet_tee_registry::Workers::<Runtime>::get(&worker.account).is_some());
	});
}

#[test]
fn encrypted_transfers_run_in_the_rules_order_as_their_submitters() {
	dev_chain().execute_with(|| {
		let worker = Worker::new(Sr25519Keyring::Dave);
		assert_ok!(worker.register_as(&SgxEnclave::dev_worker()));
		worker.publish_cluster_key();

		// Alice feeds the oracle (she is the dev chain's feeder); the level stays Normal.
		assert_ok!(RiskOracle::feed(RuntimeOrigin::signed(account(Sr25519Keyring::Alice)), 3_000));
		assert_eq!(<RiskOracle as pallet_risk_oracle::RiskProvider<u32>>::score().get(), 3_000);

		let eve_before = Balances::balance(&account(Sr25519Keyring::Eve));
		let ids = [
			submit(&account(Sr25519Keyring::Charlie), transfer(Sr25519Keyring::Eve, 3_000), 1),
			submit(&account(Sr25519Keyring::Bob), transfer(Sr25519Keyring::Eve, 1_000), 2),
			submit(&account(Sr25519Keyring::Ferdie), transfer(Sr25519Keyring::Eve, 2_000), 3),
		];
		// Nothing has moved: the chain holds only ciphertext.
		assert!(transfers().is_empty());

		let batch = worker.batch(&ids);
		assert_ok!(worker.commit(&batch, worker.sign(&batch)));
		let order: Vec<u64> = batch.entries.iter().map(|e| e.submission_id).collect();
		assert_eq!(order, ids.to_vec(), "equal risk and protection: arrival order");
		assert_eq!(
			transfers(),
			vec![
				(account(Sr25519Keyring::Charlie), account(Sr25519Keyring::Eve), 3_000),
				(account(Sr25519Keyring::Bob), account(Sr25519Keyring::Eve), 1_000),
				(account(Sr25519Keyring::Ferdie), account(Sr25519Keyring::Eve), 2_000),
			]
		);
		assert_eq!(Balances::balance(&account(Sr25519Keyring::Eve)), eve_before + 6_000);
		assert_eq!(pallet_sequencer::Pending::<Runtime>::count(), 0);
		let executed = System::events()
			.iter()
			.filter(|r| {
				matches!(
					r.event,
					RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted {
						outcome: EntryOutcome::Executed { result: Ok(()), .. },
						..
					})
				)
			})
			.count();
		assert_eq!(executed, 3);
	});
}

/// `call` wrapped in `sudo.sudo` `depth` times.
fn nested_in_sudo(call: RuntimeCall, depth: usize) -> RuntimeCall {
	(0..depth)
		.fold(call, |inner, _| RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(inner) }))
}

#[test]
fn a_call_nested_hundreds_deep_is_undecodable_and_does_not_hold_up_the_batch() {
	// Building, encoding and dropping a call 300 deep recurses 300 times in this (native,
	// unoptimised) test; the wasm runtime never builds one, it refuses to decode past the limit
	// (`node/tests/dev_chain.rs` asks the wasm runtime itself).
	std::thread::Builder::new()
		.stack_size(256 << 20)
		.spawn(nested_call_scenario)
		.unwrap()
		.join()
		.unwrap();
}

fn nested_call_scenario() {
	dev_chain().execute_with(|| {
		let worker = Worker::new(Sr25519Keyring::Dave);
		assert_ok!(worker.register_as(&SgxEnclave::dev_worker()));
		worker.publish_cluster_key();
		let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![1] });
		// Each `sudo` boxes one call: one level. At the limit the call still decodes (and is
		// then filtered: sudo is not sent encrypted); one level deeper it is not a call.
		let limit = pallet_sequencer::MAX_REVEALED_CALL_DEPTH as usize;
		let at_limit = nested_in_sudo(remark.clone(), limit).encode();
		assert!(Sequencer::decode_call(&at_limit).is_some());
		let over = nested_in_sudo(remark.clone(), limit + 1).encode();
		assert!(Sequencer::decode_call(&over).is_none());
		let poison = nested_in_sudo(remark, 300).encode();
		assert!(Sequencer::decode_call(&poison).is_none());
		assert_eq!(Sequencer::order_class(&poison), Default::default());

		let (batch, poison) = between_honest_transfers(
			&worker,
			nested_in_sudo(transfer(Sr25519Keyring::Eve, 1), 300),
		);
		assert_ok!(worker.commit(&batch, worker.sign(&batch)));
		assert_honest_transfers_ran_and(poison, EntryOutcome::Undecodable);
	});
}

/// `poison` from Ferdie submitted between Bob's and Charlie's transfers to Eve, and the batch
/// of the three; returns the batch and the poison's id.
fn between_honest_transfers(worker: &Worker, poison: RuntimeCall) -> (Batch, u64) {
	let ids = [
		submit(&account(Sr25519Keyring::Bob), transfer(Sr25519Keyring::Eve, 1_000), 1),
		submit(&account(Sr25519Keyring::Ferdie), poison, 2),
		submit(&account(Sr25519Keyring::Charlie), transfer(Sr25519Keyring::Eve, 2_000), 3),
	];
	(worker.batch(&ids), ids[1])
}

/// The two honest transfers of [`between_honest_transfers`] ran; the poison ended as `outcome`.
fn assert_honest_transfers_ran_and(poison: u64, outcome: EntryOutcome) {
	assert_eq!(
		transfers(),
		vec![
			(account(Sr25519Keyring::Bob), account(Sr25519Keyring::Eve), 1_000),
			(account(Sr25519Keyring::Charlie), account(Sr25519Keyring::Eve), 2_000),
		]
	);
	assert!(System::events().iter().any(|r| matches!(
		&r.event,
		RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted { id, outcome: o, .. })
			if *id == poison && *o == outcome
	)));
}

#[test]
fn a_call_declaring_weight_max_does_not_make_its_batch_too_heavy_for_a_block() {
	dev_chain().execute_with(|| {
		let worker = Worker::new(Sr25519Keyring::Dave);
		assert_ok!(worker.register_as(&SgxEnclave::dev_worker()));
		worker.publish_cluster_key();
		let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![1] });
		let poison = RuntimeCall::Sudo(pallet_sudo::Call::sudo_unchecked_weight {
			call: Box::new(remark),
			weight: Weight::MAX,
		});
		let (batch, poison) = between_honest_transfers(&worker, poison);
		// The weight the block builder and the pool see before the batch runs: the poison
		// entry counts for nothing (it declares more than its submitter allowed and is no call
		// the encrypted path runs), so the batch fits a normal extrinsic with room to spare.
		let call = RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch {
			batch: batch.clone(),
			signatures: worker.sign(&batch),
			cosignatures: Default::default(),
		});
		let declared = call.get_dispatch_info().total_weight();
		let normal = <Runtime as frame_system::Config>::BlockWeights::get()
			.get(frame_support::dispatch::DispatchClass::Normal)
			.max_extrinsic
			.unwrap();
		assert!(declared.all_lte(normal / 10), "{declared:?} of {normal:?}");
		assert_ok!(worker.commit(&batch, worker.sign(&batch)));
		assert_honest_transfers_ran_and(poison, EntryOutcome::Filtered);
	});
}

#[test]
fn a_rejected_submission_pays_its_inclusion_cost_burned_and_gets_the_rest_back() {
	dev_chain().execute_with(|| {
		let worker = Worker::new(Sr25519Keyring::Dave);
		assert_ok!(worker.register_as(&SgxEnclave::dev_worker()));
		worker.publish_cluster_key();
		let bob = account(Sr25519Keyring::Bob);
		let before = Balances::total_balance(&bob);
		let id = submit(&bob, transfer(Sr25519Keyring::Eve, 1_000), 1);
		let s = pallet_sequencer::Pending::<Runtime>::get(id).unwrap();
		let inclusion = Sequencer::deposit_for(s.envelope.len(), Weight::zero());
		// The runtime's `RejectFee` (0.01 UNIT) is more than a transfer's envelope costs to
		// carry (about 0.0022 UNIT): the submitter pays the latter.
		let reject_fee: Balance = <Runtime as pallet_sequencer::Config>::RejectFee::get();
		assert!(inclusion < reject_fee && inclusion < s.deposit);
		assert_eq!(Sequencer::reject_fee(s.envelope.len()), inclusion);
		let worker_before = Balances::total_balance(&worker.account);
		let issuance = Balances::total_issuance();
		assert_ok!(Sequencer::reject_entries(
			RuntimeOrigin::signed(worker.account.clone()),
			vec![(id, pallet_sequencer::RejectReason::DecryptionFailed)].try_into().unwrap(),
		));
		assert_eq!(Balances::total_balance(&bob), before - inclusion);
		assert_eq!(Balances::total_issuance(), issuance - inclusion);
		assert_eq!(Balances::total_balance(&worker.account), worker_before);
	});
}

#[test]
fn at_emergency_a_batch_without_slh_dsa_is_refused() {
	dev_chain().execute_with(|| {
		let worker = Worker::new(Sr25519Keyring::Dave);
		assert_ok!(worker.register_as(&SgxEnclave::dev_worker()));
		worker.publish_cluster_key();
		// Emergency takes effect at once.
		assert_ok!(RiskOracle::feed(RuntimeOrigin::signed(account(Sr25519Keyring::Alice)), 9_500));
		assert_eq!(
			<RiskOracle as pallet_risk_oracle::RiskProvider<u32>>::level(),
			RiskLevel::Emergency
		);

		let id = submit(&account(Sr25519Keyring::Bob), transfer(Sr25519Keyring::Eve, 1_000), 9);
		let batch = worker.batch(&[id]);
		let ml_only = worker.keys.sign(
			aegis_primitives::risk::SuiteSet::ML_DSA,
			pqc::context::BATCH,
			&batch.hash(),
		);
		assert!(worker.commit(&batch, ml_only).is_err());
		assert!(transfers().is_empty());
		assert_ok!(worker.commit(&batch, worker.sign(&batch)));
		assert_eq!(transfers().len(), 1);
	});
}

/// Alice creates token `id`, mints herself 1,000 and sends Bob 10 with a plain extrinsic; then,
/// as its owner, protects it as TEE-only.
fn tee_only_token(id: u32) {
	let alice = account(Sr25519Keyring::Alice);
	let bob = account(Sr25519Keyring::Bob);
	let signed = || RuntimeOrigin::signed(alice.clone());
	assert_ok!(pallet_assets::Pallet::<Runtime>::create(
		signed(),
		id.into(),
		alice.clone().into(),
		1
	));
	assert_ok!(pallet_assets::Pallet::<Runtime>::mint(
		signed(),
		id.into(),
		alice.clone().into(),
		1_000
	));
	// Unprotected: a plain extrinsic moves it.
	assert_ok!(asset_transfer(id, &bob).dispatch(signed()));

	// Alice owns the token, so she may protect it (holding the deposit).
	let policy = aegis_primitives::assets::AccessPolicy {
		allowed_operations: Default::default(),
		requires_pqc: false,
		requires_tee: true,
		risk_threshold: aegis_primitives::risk::RiskScore::MAX,
	};
	assert_ok!(Sequencer::register_asset(
		signed(),
		id,
		aegis_primitives::assets::AssetType::OnChainToken,
		policy,
		None,
		Vec::new().try_into().unwrap(),
	));
}

fn asset_transfer(id: u32, to: &AccountId) -> RuntimeCall {
	RuntimeCall::Assets(pallet_assets::Call::transfer {
		id: id.into(),
		target: to.clone().into(),
		amount: 10,
	})
}

#[test]
fn a_protected_asset_is_kept_off_the_plain_path() {
	dev_chain().execute_with(|| {
		tee_only_token(7);
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		// Now the runtime's call filter refuses the plain path, nested or not.
		let refused = asset_transfer(7, &bob).dispatch(RuntimeOrigin::signed(alice));
		assert_eq!(refused.unwrap_err().error, frame_system::Error::<Runtime>::CallFiltered.into());
		assert_eq!(pallet_assets::Pallet::<Runtime>::balance(7, &bob), 10);
	});
}

#[test]
fn every_plain_way_to_move_a_tee_only_token_is_refused_with_its_reason() {
	use pallet_sequencer::AssetRefusal;
	use sp_runtime::transaction_validity::{
		InvalidTransaction, TransactionSource, TransactionValidityError,
	};
	dev_chain().execute_with(|| {
		tee_only_token(7);
		let (alice, bob) = (Sr25519Keyring::Alice, account(Sr25519Keyring::Bob));
		let id = codec::Compact(7u32);
		let dest: aegis_runtime::Address = bob.clone().into();
		let holder = account(alice);
		// The holder empties the account; the admin (Alice too) moves someone else's balance.
		let plain = [
			pallet_assets::Call::transfer_all { id, dest: dest.clone(), keep_alive: false },
			pallet_assets::Call::force_transfer {
				id,
				source: holder.clone().into(),
				dest: dest.clone(),
				amount: 100,
			},
			pallet_assets::Call::transfer_keep_alive { id, target: dest, amount: 100 },
		];
		let genesis = System::block_hash(0);
		let parent = System::parent_hash();
		for call in plain {
			let call = RuntimeCall::Assets(call);
			// As a signed extrinsic: refused at validation, with the refusal's own code, so the
			// pool drops it and the user sees why.
			let xt = aegis_runtime::signed_extrinsic(
				call.clone(),
				holder.clone(),
				0,
				genesis,
				|payload| alice.sign(payload).into(),
			);
			assert_eq!(
				aegis_runtime::Executive::validate_transaction(
					TransactionSource::External,
					xt,
					parent
				),
				Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(
					AssetRefusal::EncryptedPathRequired.code()
				))),
				"{call:?}"
			);
			// Dispatched anyway (nested in another call, say): the base filter refuses it.
			let refused = call.clone().dispatch(RuntimeOrigin::signed(holder.clone()));
			assert_eq!(
				refused.unwrap_err().error,
				frame_system::Error::<Runtime>::CallFiltered.into(),
				"{call:?}"
			);
		}
		assert_eq!(pallet_assets::Pallet::<Runtime>::balance(7, &bob), 10);
		assert_eq!(pallet_assets::Pallet::<Runtime>::balance(7, &holder), 990);
	});
}

#[test]
fn a_production_chain_needs_three_feeders_for_a_score() {
	let config =
		genesis_config_presets::preset_genesis(genesis_config_presets::production_config_genesis());
	sp_io::TestExternalities::new(config.build_storage().unwrap()).execute_with(|| {
		assert_eq!(pallet_risk_oracle::RequiredFeeders::<Runtime>::get(), 3);
	});
	dev_chain().execute_with(|| {
		assert_eq!(pallet_risk_oracle::RequiredFeeders::<Runtime>::get(), 1);
	});
}

#[test]
fn only_the_named_operator_moves_a_migrating_token() {
	use pallet_sequencer::AssetRefusal;
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};
	dev_chain().execute_with(|| {
		let [alice, bob, charlie, dave] = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		];
		let signed = |k: Sr25519Keyring| RuntimeOrigin::signed(account(k));
		let id = 9u32;
		assert_ok!(pallet_assets::Pallet::<Runtime>::create(
			signed(alice),
			id.into(),
			account(alice).into(),
			1
		));
		assert_ok!(pallet_assets::Pallet::<Runtime>::mint(
			signed(alice),
			id.into(),
			account(alice).into(),
			1_000
		));
		// Protected, but open to the plain path: only the migration restricts it.
		assert_ok!(Sequencer::register_asset(
			signed(alice),
			id,
			aegis_primitives::assets::AssetType::OnChainToken,
			aegis_primitives::assets::AccessPolicy {
				allowed_operations: aegis_primitives::assets::OperationSet::ALL,
				requires_pqc: false,
				requires_tee: false,
				risk_threshold: aegis_primitives::risk::RiskScore::MAX,
			},
			None,
			Vec::new().try_into().unwrap(),
		));
		// Alice approves Bob, the migration's operator, and Charlie, another delegate.
		for delegate in [bob, charlie] {
			assert_ok!(pallet_assets::Pallet::<Runtime>::approve_transfer(
				signed(alice),
				id.into(),
				account(delegate).into(),
				100
			));
		}
		assert_ok!(Sequencer::start_migration(
			RuntimeOrigin::root(),
			vec![id].try_into().unwrap(),
			account(bob)
		));
		let migrate = RuntimeCall::Assets(pallet_assets::Call::transfer_approved {
			id: id.into(),
			owner: account(alice).into(),
			destination: account(dave).into(),
			amount: 10,
		});
		let extrinsic = |k: Sr25519Keyring| {
			aegis_runtime::signed_extrinsic(
				migrate.clone(),
				account(k),
				0,
				System::block_hash(0),
				|payload| k.sign(payload).into(),
			)
		};
		// Charlie holds an approval but is not the operator: refused with the reason.
		assert_eq!(
			aegis_runtime::Executive::apply_extrinsic(extrinsic(charlie)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(
				AssetRefusal::AssetMigrating.code()
			)))
		);
		// The operator's own call, reached without its signed extrinsic, is refused too.
		assert_eq!(
			migrate.clone().dispatch(signed(bob)).unwrap_err().error,
			frame_system::Error::<Runtime>::CallFiltered.into()
		);
		// Bob's signed extrinsic moves it, and leaves no mark behind.
		assert_eq!(aegis_runtime::Executive::apply_extrinsic(extrinsic(bob)), Ok(Ok(())));
		assert_eq!(pallet_assets::Pallet::<Runtime>::balance(id, account(dave)), 10);
		assert_eq!(pallet_sequencer::OperatorDispatch::<Runtime>::get(), None);
		assert_eq!(
			migrate.dispatch(signed(bob)).unwrap_err().error,
			frame_system::Error::<Runtime>::CallFiltered.into()
		);
	});
}
