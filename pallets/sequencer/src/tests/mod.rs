//! The pallet's tests, one module per concern as the pallet's code is split: `batches` (the
//! encrypted path end to end with a simulated worker, every rejection, deposits), `assets`
//! (protected assets: registration, enforcement on both paths, ordering tiers) and `migration`
//! (the operator, checkpoints, completion and rollback). The protected-asset helpers both
//! latter modules use are here.

mod assets;
mod batches;
mod migration;

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
/// The account migrations name as their operator.
const OPERATOR: u64 = 4;

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

/// `call` from `who` as a plain extrinsic through the extension: validated, marked, dispatched.
fn apply(who: u64, call: RuntimeCall) -> Result<DispatchResult, TransactionValidityError> {
	use frame_support::dispatch::GetDispatchInfo;
	let info = call.get_dispatch_info();
	CheckProtectedAssets::<Test>::new()
		.dispatch_transaction(Some(who).into(), call, &info, 0, 0)
		.map(|r| r.map(|_| ()).map_err(|e| e.error))
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
