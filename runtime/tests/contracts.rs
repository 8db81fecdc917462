//! Contracts on the real runtime (native build, `TestExternalities` of the development genesis):
//! the oracle precompile answered directly and from contracts, compared with the runtime's own
//! `RiskOracleApi` and `TeeRegistryApi`, its refusals and its metering,
//! and the example vault (Solidity compiled both to PolkaVM by resolc and to EVM by solc, and
//! its ink! 6 twin) deployed and driven by extrinsics through Normal → Elevated → Emergency →
//! Normal.
#![allow(clippy::indexing_slicing)]

mod common;

use aegis_attestation::sim::SgxEnclave;
use aegis_risk_oracle_precompile::{cost_of, Calls, IQuantumRiskOracle as I, ADDRESS};
use aegis_runtime::{
	AccountId, Balance, Balances, Revive, RiskOracle, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeOrigin, System, UNIT,
};
use common::{account, dev_chain, Worker};
use frame_support::{
	assert_ok,
	dispatch::GetDispatchInfo,
	traits::{fungible::Inspect, Get, Hooks},
	weights::Weight,
};
use pallet_revive::{
	precompiles::alloy::{
		self,
		sol_types::{SolCall, SolInterface, SolValue},
	},
	AddressMapper, ExecConfig, ExecReturnValue, TransactionLimits, H160, U256,
};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve};
use sp_runtime::{traits::Dispatchable, DispatchError};

alloy::sol! {
	interface IQuantumRiskVault {
		function deposit() external payable;
		function level() external view returns (uint8);
		function withdraw(address to, uint256 amount) external;
		function setRecovery(address recovery) external;
		function recovery() external view returns (address);
	}

	interface IOracleProbe {
		function readAll() external view returns (
			uint16 score, uint8 level, uint16 elevated, uint16 emergency,
			uint64 updated, bool slhDsa, uint32 rotation, uint32 workers
		);
		function viaStaticcall(bytes data) external view returns (bool ok, bytes out);
		function viaDelegatecall(bytes data) external returns (bool ok, bytes out);
		function viaCall(bytes data) external payable returns (bool ok, bytes out);
	}
}

const VAULT_PVM: &[u8] = include_bytes!("../../contracts/solidity/build/QuantumRiskVault.polkavm");
const VAULT_EVM: &[u8] = include_bytes!("../../contracts/solidity/build/QuantumRiskVault.evm");
/// The ink! 6 vault (`contracts/ink/risk-vault`, Solidity ABI), built by `ink-polkavm-builder`.
const VAULT_INK: &[u8] = include_bytes!("../../contracts/ink/build/risk_vault.polkavm");
const PROBE_PVM: &[u8] = include_bytes!("../../contracts/solidity/build/OracleProbe.polkavm");
const PROBE_EVM: &[u8] = include_bytes!("../../contracts/solidity/build/OracleProbe.evm");

/// Native units to the 18-decimal value contracts see (`NativeToEthRatio`).
fn wei(native: Balance) -> U256 {
	let ratio: u32 = <Runtime as pallet_revive::Config>::NativeToEthRatio::get();
	U256::from(native) * U256::from(ratio)
}

fn address_of(who: &AccountId) -> H160 {
	<Runtime as pallet_revive::Config>::AddressMapper::to_address(who)
}

fn oracle() -> H160 {
	H160::from(ADDRESS)
}

const WEIGHT_LIMIT: Weight = Weight::from_parts(500_000_000_000, 4 * 1024 * 1024);
const DEPOSIT_LIMIT: Balance = 1_000 * UNIT;

fn limits() -> TransactionLimits<Runtime> {
	TransactionLimits::WeightAndDeposit { weight_limit: WEIGHT_LIMIT, deposit_limit: DEPOSIT_LIMIT }
}

/// A read through the runtime API path (a dry run, as a client's `ReviveApi_call` makes).
fn read(
	from: &AccountId,
	to: H160,
	data: Vec<u8>,
) -> pallet_revive::ContractResult<ExecReturnValue, Balance> {
	Revive::bare_call(
		RuntimeOrigin::signed(from.clone()),
		to,
		U256::zero(),
		limits(),
		data,
		&ExecConfig::new_substrate_tx(),
	)
}

fn read_ok(to: H160, data: Vec<u8>) -> Vec<u8> {
	let result = read(&account(Alice), to, data).result.expect("the call executes");
	assert!(!result.did_revert(), "reverted: {:?}", result.data);
	result.data
}

/// Deploys `code` with `ctor` arguments by extrinsic, as `who`; the new contract's address.
fn deploy(who: &AccountId, code: &[u8], ctor: Vec<u8>) -> H160 {
	try_deploy(who, code, ctor).expect("deployed")
}

/// Deploys `code` with `ctor` arguments by extrinsic, as `who`.
/// PolkaVM code takes the constructor's arguments as call data; EVM init code, as Ethereum's
/// does, carries them appended (pallet-revive refuses call data beside it).
fn try_deploy(who: &AccountId, code: &[u8], ctor: Vec<u8>) -> Result<H160, DispatchError> {
	let (code, ctor) = if code.starts_with(b"PVM\0") {
		(code.to_vec(), ctor)
	} else {
		([code, &ctor].concat(), Vec::new())
	};
	let call = RuntimeCall::Revive(pallet_revive::Call::instantiate_with_code {
		value: 0,
		weight_limit: WEIGHT_LIMIT,
		storage_deposit_limit: DEPOSIT_LIMIT,
		code,
		data: ctor,
		salt: None,
	});
	// As an extrinsic would, with its nonce (the new address derives from it).
	System::inc_account_nonce(who);
	System::reset_events();
	call.dispatch(RuntimeOrigin::signed(who.clone())).map_err(|e| e.error)?;
	Ok(System::events()
		.into_iter()
		.find_map(|r| match r.event {
			RuntimeEvent::Revive(pallet_revive::Event::Instantiated { contract, .. }) => {
				Some(contract)
			}
			_ => None,
		})
		.expect("instantiated"))
}

/// Calls `to` by extrinsic, as `who`, sending `value` native units.
fn call(who: &AccountId, to: H160, value: Balance, data: Vec<u8>) -> Result<(), DispatchError> {
	RuntimeCall::Revive(pallet_revive::Call::call {
		dest: to,
		value,
		weight_limit: WEIGHT_LIMIT,
		storage_deposit_limit: DEPOSIT_LIMIT,
		data,
	})
	.dispatch(RuntimeOrigin::signed(who.clone()))
	.map(|_| ())
	.map_err(|e| e.error)
}

/// The message of a Solidity `Error(string)` revert.
fn reason(data: &[u8]) -> String {
	<alloy::sol_types::Revert as alloy::sol_types::SolError>::abi_decode(data)
		.expect("an Error(string) revert")
		.reason
}

fn force_score(score: u16) {
	assert_ok!(RiskOracle::force_score(RuntimeOrigin::root(), score));
}

/// What the runtime's `RiskOracleApi` says (the entry point clients call), in the
/// interface's types.
fn expected() -> (u16, u8, u64, bool, u32) {
	use pallet_risk_oracle::runtime_decl_for_risk_oracle_api::RiskOracleApiV1;
	let status = <Runtime as RiskOracleApiV1<aegis_runtime::Block, u32>>::risk_status();
	(
		status.score.get(),
		aegis_risk_oracle_precompile::level_code(status.level),
		u64::from(status.last_updated),
		status.policy.batch_suites.contains(aegis_primitives::pqc::Suite::SlhDsaSha2_256s),
		status.policy.key_rotation_blocks,
	)
}

/// Every function of the precompile, called directly, against the oracle pallet's own view.
fn assert_precompile_matches_the_oracle() {
	let (score, level, updated, slh, rotation) = expected();
	let got = |c: Calls| read_ok(oracle(), c.abi_encode());
	assert_eq!(
		I::riskScoreCall::abi_decode_returns(&got(Calls::riskScore(I::riskScoreCall {}))).unwrap(),
		score
	);
	assert_eq!(
		I::riskLevelCall::abi_decode_returns(&got(Calls::riskLevel(I::riskLevelCall {}))).unwrap(),
		level
	);
	let t = I::thresholdsCall::abi_decode_returns(&got(Calls::thresholds(I::thresholdsCall {})))
		.unwrap();
	assert_eq!((t.elevated, t.emergency), (6_000, 9_000));
	assert_eq!(
		I::lastUpdatedCall::abi_decode_returns(&got(Calls::lastUpdated(I::lastUpdatedCall {})))
			.unwrap(),
		updated
	);
	let p =
		I::pqcPolicyCall::abi_decode_returns(&got(Calls::pqcPolicy(I::pqcPolicyCall {}))).unwrap();
	assert_eq!((p.batchRequiresSlhDsa, p.keyRotationBlocks), (slh, rotation));
	assert_eq!(
		I::activeWorkersCall::abi_decode_returns(&got(Calls::activeWorkers(
			I::activeWorkersCall {}
		)))
		.unwrap(),
		active_workers()
	);
}

/// How many workers the runtime's `TeeRegistryApi` lists as active.
fn active_workers() -> u32 {
	use pallet_tee_registry::runtime_decl_for_tee_registry_api::TeeRegistryApiV3;
	<Runtime as TeeRegistryApiV3<aegis_runtime::Block, AccountId, u32>>::active_workers().len()
		as u32
}

#[test]
fn the_precompile_answers_as_the_oracle_moves() {
	dev_chain().execute_with(|| {
		assert_precompile_matches_the_oracle();
		assert_eq!(expected().1, 0);

		// A worker enrols: one attested, live worker.
		let worker = Worker::new(Dave);
		assert_ok!(worker.register_as(&SgxEnclave::dev_worker()));
		assert_precompile_matches_the_oracle();
		assert_eq!(
			I::activeWorkersCall::abi_decode_returns(&read_ok(
				oracle(),
				I::activeWorkersCall {}.abi_encode()
			))
			.unwrap(),
			1
		);

		// A feed at Elevated: the score moves at once, the level after the scheduled delay.
		System::set_block_number(5);
		assert_ok!(RiskOracle::feed(RuntimeOrigin::signed(account(Alice)), 7_000));
		assert_precompile_matches_the_oracle();
		assert_eq!(expected().2, 5);
		assert_eq!(expected().1, 0, "Elevated is only scheduled");
		let (_, at) = pallet_risk_oracle::Pallet::<Runtime>::status().pending.expect("scheduled");
		System::set_block_number(at);
		<RiskOracle as Hooks<u32>>::on_initialize(at);
		assert_precompile_matches_the_oracle();
		assert_eq!(expected().1, 1, "the escalation took effect");
		assert!(expected().3, "Elevated requires SLH-DSA on batches");

		// Governance forces Emergency: the level and the policy change at once.
		System::set_block_number(at + 1);
		force_score(9_500);
		assert_precompile_matches_the_oracle();
		assert_eq!(expected().1, 2);
		assert!(expected().3);

		// The worker stops heartbeating: it drops out of the count by itself.
		let timeout: u32 = <Runtime as pallet_tee_registry::Config>::HeartbeatTimeout::get();
		System::set_block_number(at + 2 + timeout);
		assert_precompile_matches_the_oracle();
		assert_eq!(expected().1, 2);
		assert_eq!(active_workers(), 0);

		// Back to Normal.
		force_score(1_000);
		assert_precompile_matches_the_oracle();
		assert_eq!(expected().1, 0);
	});
}

#[test]
fn contracts_of_both_kinds_read_every_function() {
	dev_chain().execute_with(|| {
		assert_ok!(Worker::new(Dave).register_as(&SgxEnclave::dev_worker()));
		force_score(9_500);
		for code in [PROBE_PVM, PROBE_EVM] {
			let probe = deploy(&account(Bob), code, Vec::new());
			let all = IOracleProbe::readAllCall::abi_decode_returns(&read_ok(
				probe,
				IOracleProbe::readAllCall {}.abi_encode(),
			))
			.unwrap();
			let (score, level, updated, slh, rotation) = expected();
			assert_eq!(
				(all.score, all.level, all.elevated, all.emergency, all.updated),
				(score, level, 6_000, 9_000, updated)
			);
			assert_eq!((all.slhDsa, all.rotation, all.workers), (slh, rotation, 1));
		}
	});
}

#[test]
fn delegate_calls_value_and_unknown_selectors_are_refused() {
	dev_chain().execute_with(|| {
		let score = I::riskScoreCall {}.abi_encode();
		for code in [PROBE_PVM, PROBE_EVM] {
			let probe = deploy(&account(Bob), code, Vec::new());
			let via = |data: Vec<u8>| {
				IOracleProbe::viaStaticcallCall::abi_decode_returns(&read_ok(probe, data)).unwrap()
			};
			// A static call reads.
			let ok =
				via(IOracleProbe::viaStaticcallCall { data: score.clone().into() }.abi_encode());
			assert!(ok.ok);
			assert_eq!(I::riskScoreCall::abi_decode_returns(&ok.out).unwrap(), expected().0);
			// An unknown selector reverts.
			let bad =
				via(IOracleProbe::viaStaticcallCall { data: vec![0xde, 0xad, 0xbe, 0xef].into() }
					.abi_encode());
			assert!(!bad.ok);
			// A delegate call is refused.
			let delegated = IOracleProbe::viaDelegatecallCall::abi_decode_returns(&read_ok(
				probe,
				IOracleProbe::viaDelegatecallCall { data: score.clone().into() }.abi_encode(),
			))
			.unwrap();
			assert!(!delegated.ok, "a delegate call to the oracle must fail");
			assert_eq!(
				reason(&delegated.out),
				"illegal to call this pre-compile via delegate call"
			);
			// A call carrying value is refused.
			let with_value = Revive::bare_call(
				RuntimeOrigin::signed(account(Bob)),
				probe,
				wei(UNIT),
				limits(),
				IOracleProbe::viaCallCall { data: score.clone().into() }.abi_encode(),
				&ExecConfig::new_substrate_tx(),
			);
			let out = with_value.result.expect("the probe runs");
			let decoded = IOracleProbe::viaCallCall::abi_decode_returns(&out.data).unwrap();
			assert!(!decoded.ok, "value sent to the oracle must be refused");
			// Without value, the same call reads.
			let plain = IOracleProbe::viaCallCall::abi_decode_returns(&read_ok(
				probe,
				IOracleProbe::viaCallCall { data: score.clone().into() }.abi_encode(),
			))
			.unwrap();
			assert!(plain.ok);
		}

		// Called directly: an unknown selector and short input revert, value is refused.
		for data in [vec![0xde, 0xad, 0xbe, 0xef], vec![0x01], Vec::new()] {
			let r = read(&account(Alice), oracle(), data.clone()).result.expect("executes");
			assert!(r.did_revert(), "{data:?} did not revert");
		}
		let paid = Revive::bare_call(
			RuntimeOrigin::signed(account(Alice)),
			oracle(),
			wei(UNIT),
			limits(),
			score,
			&ExecConfig::new_substrate_tx(),
		);
		let paid = paid.result.expect("executes");
		assert!(paid.did_revert());
		assert_eq!(reason(&paid.data), "IQuantumRiskOracle: the oracle accepts no value");
	});
}

#[test]
fn every_call_is_charged_its_reads_before_it_reads() {
	dev_chain().execute_with(|| {
		let consumed = |c: Calls| read(&account(Alice), oracle(), c.abi_encode()).weight_consumed;
		let score = Calls::riskScore(I::riskScoreCall {});
		let thresholds = Calls::thresholds(I::thresholdsCall {});
		let workers = Calls::activeWorkers(I::activeWorkersCall {});
		// A read costs what the precompile says over a call answered from constants.
		assert_eq!(
			consumed(score.clone()) - consumed(thresholds.clone()),
			cost_of::<Runtime>(&score, 0) - cost_of::<Runtime>(&thresholds, 0)
		);
		assert!(cost_of::<Runtime>(&score, 0).proof_size() > 0);
		// The worker count's price follows the registry's size.
		let none = consumed(workers.clone());
		assert_ok!(Worker::new(Dave).register_as(&SgxEnclave::dev_worker()));
		assert_ok!(Worker::new(Eve).register_as(&SgxEnclave::dev_worker()));
		let two = consumed(workers.clone());
		assert_eq!(two - none, cost_of::<Runtime>(&workers, 2) - cost_of::<Runtime>(&workers, 0));
		assert!(two.proof_size() > none.proof_size());

		// A weight limit below the charge runs out before anything is read.
		let base = consumed(thresholds.clone());
		let tight = Revive::bare_call(
			RuntimeOrigin::signed(account(Alice)),
			oracle(),
			U256::zero(),
			TransactionLimits::WeightAndDeposit {
				weight_limit: base,
				deposit_limit: DEPOSIT_LIMIT,
			},
			workers.abi_encode(),
			&ExecConfig::new_substrate_tx(),
		);
		assert_eq!(
			tight.result.map(|r| r.data),
			Err(pallet_revive::Error::<Runtime>::OutOfGas.into())
		);
	});
}

/// Deploys the vault (owner Alice, recovery Dave, cap 10 units), funds it with 100 units from
/// Bob and walks the levels.
fn vault_follows_the_risk_level(code: &[u8]) {
	let owner = account(Alice);
	let recovery = address_of(&account(Dave));
	let cap = wei(10 * UNIT);
	// constructor(address recovery, uint256 elevatedCap)
	let ctor = (
		alloy::primitives::Address::from(recovery.0),
		alloy::primitives::U256::from_be_bytes(cap.to_big_endian()),
	)
		.abi_encode_params();
	// A zero recovery address is refused at deployment.
	let zero_recovery =
		(alloy::primitives::Address::ZERO, alloy::primitives::U256::from(1u8)).abi_encode_params();
	assert!(try_deploy(&owner, code, zero_recovery).is_err());
	let vault = deploy(&owner, code, ctor);
	let amount = |n: Balance| alloy::primitives::U256::from_be_bytes(wei(n * UNIT).to_big_endian());
	let withdraw = |to: &AccountId, n: Balance| {
		call(
			&owner,
			vault,
			0,
			IQuantumRiskVault::withdrawCall { to: address_of(to).0.into(), amount: amount(n) }
				.abi_encode(),
		)
	};
	let reverted = Err(pallet_revive::Error::<Runtime>::ContractReverted.into());

	// Deposits are accepted at every level.
	assert_ok!(call(
		&account(Bob),
		vault,
		100 * UNIT,
		IQuantumRiskVault::depositCall {}.abi_encode()
	));
	let charlie = account(Charlie);
	let dave = account(Dave);
	let set_recovery = |to: &AccountId| {
		call(
			&owner,
			vault,
			0,
			IQuantumRiskVault::setRecoveryCall { recovery: address_of(to).0.into() }.abi_encode(),
		)
	};

	// Normal: any amount, anywhere; only the owner.
	let before = Balances::balance(&charlie);
	assert_ok!(withdraw(&charlie, 20));
	assert_eq!(Balances::balance(&charlie), before + 20 * UNIT);
	assert_eq!(
		call(
			&account(Bob),
			vault,
			0,
			IQuantumRiskVault::withdrawCall {
				to: address_of(&charlie).0.into(),
				amount: amount(1)
			}
			.abi_encode()
		),
		reverted
	);

	// Elevated: at most the cap; the recovery address is frozen.
	force_score(7_000);
	assert_eq!(
		IQuantumRiskVault::levelCall::abi_decode_returns(&read_ok(
			vault,
			IQuantumRiskVault::levelCall {}.abi_encode()
		))
		.unwrap(),
		1
	);
	assert_eq!(withdraw(&charlie, 11), reverted);
	let before = Balances::balance(&charlie);
	assert_ok!(withdraw(&charlie, 6));
	assert_ok!(withdraw(&charlie, 4));
	assert_eq!(Balances::balance(&charlie), before + 10 * UNIT);
	// The cap is for the whole Elevated period: a stolen key cannot drain it piece by piece.
	assert_eq!(withdraw(&charlie, 1), reverted);
	assert_eq!(set_recovery(&charlie), reverted);

	// Emergency: only to the recovery address, any amount; the recovery address is frozen.
	force_score(9_500);
	assert_eq!(withdraw(&charlie, 1), reverted);
	assert_eq!(set_recovery(&charlie), reverted);
	let before = Balances::balance(&dave);
	assert_ok!(withdraw(&dave, 30));
	assert_eq!(Balances::balance(&dave), before + 30 * UNIT);

	// Back to Normal: anywhere again (never to the zero address), and the recovery address may
	// change, but not while an escalation is scheduled (the level still reads Normal then).
	force_score(1_000);
	assert_eq!(
		call(
			&owner,
			vault,
			0,
			IQuantumRiskVault::withdrawCall { to: [0u8; 20].into(), amount: amount(1) }
				.abi_encode()
		),
		reverted
	);
	assert_ok!(withdraw(&charlie, 15));
	assert_ok!(RiskOracle::feed(RuntimeOrigin::signed(account(Alice)), 7_000));
	assert_eq!(expected().1, 0, "the escalation is only scheduled");
	assert_eq!(set_recovery(&charlie), reverted);
	force_score(1_000);
	assert_ok!(set_recovery(&charlie));
	let now = IQuantumRiskVault::recoveryCall::abi_decode_returns(&read_ok(
		vault,
		IQuantumRiskVault::recoveryCall {}.abi_encode(),
	))
	.unwrap();
	assert_eq!(now.0 .0, address_of(&charlie).0);
	// 100 in, 75 out.
	assert_eq!(Revive::evm_balance(&vault), wei(25 * UNIT));
}

#[test]
fn the_polkavm_vault_follows_the_risk_level() {
	dev_chain().execute_with(|| vault_follows_the_risk_level(VAULT_PVM));
}

#[test]
fn the_evm_vault_follows_the_risk_level() {
	dev_chain().execute_with(|| vault_follows_the_risk_level(VAULT_EVM));
}

#[test]
fn the_ink_vault_follows_the_risk_level() {
	dev_chain().execute_with(|| vault_follows_the_risk_level(VAULT_INK));
}

#[test]
fn dev_accounts_are_mapped_at_genesis_and_new_accounts_on_creation() {
	dev_chain().execute_with(|| {
		for k in [Alice, Bob, Charlie, Dave, Eve] {
			assert!(
				<Runtime as pallet_revive::Config>::AddressMapper::is_mapped(&account(k)),
				"{k:?} is not mapped"
			);
		}
		let fresh = AccountId::from([0x42; 32]);
		assert!(!<Runtime as pallet_revive::Config>::AddressMapper::is_mapped(&fresh));
		assert_ok!(Balances::transfer_keep_alive(
			RuntimeOrigin::signed(account(Alice)),
			fresh.clone().into(),
			UNIT
		));
		assert!(<Runtime as pallet_revive::Config>::AddressMapper::is_mapped(&fresh));
		// A new account calls a contract at once, without `map_account`.
		let probe = deploy(&fresh, PROBE_PVM, Vec::new());
		assert!(read(&fresh, probe, IOracleProbe::readAllCall {}.abi_encode()).result.is_ok());
	});
}

#[test]
fn balance_calls_are_charged_for_mapping_the_accounts_they_create_or_reap() {
	use pallet_balances::WeightInfo;
	type Benchmarked = pallet_balances::weights::SubstrateWeight<Runtime>;
	let mapping = aegis_runtime::configs::account_mapping_weight();
	let unmapping = aegis_runtime::configs::account_unmapping_weight();
	let dest = AccountId::from([0x42; 32]);
	let weight = |call: pallet_balances::Call<Runtime>| {
		RuntimeCall::Balances(call).get_dispatch_info().call_weight
	};
	assert_eq!(
		weight(pallet_balances::Call::transfer_keep_alive {
			dest: dest.clone().into(),
			value: UNIT
		}),
		Benchmarked::transfer_keep_alive() + mapping
	);
	assert_eq!(
		weight(pallet_balances::Call::transfer_allow_death {
			dest: dest.clone().into(),
			value: UNIT
		}),
		Benchmarked::transfer_allow_death() + mapping + unmapping
	);
	assert_eq!(
		weight(pallet_balances::Call::transfer_all { dest: dest.into(), keep_alive: false }),
		Benchmarked::transfer_all() + mapping + unmapping
	);
	// And the hooks do that work: a reaped account loses its mapping.
	dev_chain().execute_with(|| {
		let fresh = AccountId::from([0x43; 32]);
		assert_ok!(Balances::transfer_keep_alive(
			RuntimeOrigin::signed(account(Alice)),
			fresh.clone().into(),
			UNIT
		));
		assert!(<Runtime as pallet_revive::Config>::AddressMapper::is_mapped(&fresh));
		assert_ok!(Balances::transfer_all(
			RuntimeOrigin::signed(fresh.clone()),
			account(Alice).into(),
			false
		));
		assert!(!frame_system::Account::<Runtime>::contains_key(&fresh));
		assert!(!<Runtime as pallet_revive::Config>::AddressMapper::is_mapped(&fresh));
	});
}
