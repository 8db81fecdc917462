//! `aegis-node --dev` on loopback: it produces blocks, answers the standard RPC, takes a
//! signed extrinsic (and refuses a forged one), and answers each QuantumAegis runtime API.
#![allow(clippy::indexing_slicing)]

mod common;

use aegis_primitives::ordering::OrderingRule;
use aegis_runtime::{AccountId, Balance, BalancesCall, Runtime, RuntimeCall, UNIT};
use codec::{Decode, Encode};
use common::{hex, unhex, Node};
use pallet_risk_oracle::RiskStatus;
use pallet_sequencer::BatchChain;
use pallet_tee_registry::{ActiveWorker, RedundancyConfig};
use serde_json::json;
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

/// A signed extrinsic of `call` from `signer` with `nonce`, for the chain of `genesis`.
fn signed(call: RuntimeCall, signer: Sr25519Keyring, nonce: u32, genesis: [u8; 32]) -> Vec<u8> {
	signed_as(call, signer, signer, nonce, genesis)
}

/// As [`signed`], but claiming to come from `sender` while `signer` signs.
fn signed_as(
	call: RuntimeCall,
	sender: Sr25519Keyring,
	signer: Sr25519Keyring,
	nonce: u32,
	genesis: [u8; 32],
) -> Vec<u8> {
	aegis_runtime::signed_extrinsic(
		call,
		sender.to_account_id(),
		nonce,
		sp_core::H256(genesis),
		|payload| sp_runtime::MultiSignature::Sr25519(signer.sign(payload)),
	)
	.encode()
}

/// `who`'s free balance, from storage.
fn free_balance(node: &Node, who: &AccountId) -> Balance {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	let raw = node.rpc("state_getStorage", json!([format!("0x{}", hex(&key))]));
	let info = frame_system::AccountInfo::<u32, pallet_balances::AccountData<Balance>>::decode(
		&mut &unhex(raw.as_str().expect("account exists"))[..],
	)
	.unwrap();
	info.data.free
}

fn nonce(node: &Node, who: Sr25519Keyring) -> u64 {
	node.rpc("system_accountNextIndex", json!([who.to_account_id().to_string()])).as_u64().unwrap()
}

#[test]
fn the_dev_chain_produces_blocks_and_answers_standard_clients() {
	let node = Node::start("dev", &["--dev", "--block-time", "500"]);
	node.wait_for(Duration::from_secs(60), "block 2", |n| (n.best_number() >= 2).then_some(()));
	// Each dev block is final at once.
	assert!(node.finalized_number() >= 1);

	assert_eq!(node.rpc("system_chain", json!([])), "QuantumAegis Development");
	assert_eq!(node.rpc("system_properties", json!([]))["tokenSymbol"], "AEGIS");
	let version = node.rpc("state_getRuntimeVersion", json!([]));
	assert_eq!(version["specName"], "quantum-aegis");
	assert!(node.rpc("state_getMetadata", json!([])).as_str().unwrap().len() > 1000);

	let genesis: [u8; 32] =
		unhex(node.rpc("chain_getBlockHash", json!([0])).as_str().unwrap()).try_into().unwrap();
	let bob = Sr25519Keyring::Bob.to_account_id();
	let bob_before = free_balance(&node, &bob);
	let amount = 5 * UNIT;
	let transfer = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
		dest: bob.clone().into(),
		value: amount,
	});

	// A forged signature (Bob signing in Alice's name) is refused at the pool, with a reason.
	let forged =
		signed_as(transfer.clone(), Sr25519Keyring::Alice, Sr25519Keyring::Bob, 0, genesis);
	let refused = node.try_rpc("author_submitExtrinsic", json!([format!("0x{}", hex(&forged))]));
	let reason = refused.expect_err("a forged extrinsic was accepted");
	assert!(reason.contains("bad signature"), "unclear refusal: {reason}");
	// So is garbage.
	assert!(node.try_rpc("author_submitExtrinsic", json!(["0x0badc0de"])).is_err());

	let xt = signed(transfer, Sr25519Keyring::Alice, 0, genesis);
	let fee = node.rpc("payment_queryInfo", json!([format!("0x{}", hex(&xt))]));
	assert!(fee["partialFee"].as_str().unwrap().parse::<u128>().unwrap() > 0);
	node.rpc("author_submitExtrinsic", json!([format!("0x{}", hex(&xt))]));
	// The pool counts it at once; the chain once a block includes it.
	assert_eq!(nonce(&node, Sr25519Keyring::Alice), 1);
	node.wait_for(Duration::from_secs(60), "the transfer in a block", |n| {
		(free_balance(n, &bob) == bob_before + amount).then_some(())
	});

	// The QuantumAegis runtime APIs, at the dev genesis state.
	let status =
		RiskStatus::<u32>::decode(&mut &node.state_call("RiskOracleApi_risk_status", &[])[..])
			.unwrap();
	assert_eq!(status.score.get(), 1_000);
	assert_eq!(status.level, aegis_primitives::risk::RiskLevel::Normal);
	let workers = Vec::<ActiveWorker<AccountId, u32>>::decode(
		&mut &node.state_call("TeeRegistryApi_active_workers", &[])[..],
	)
	.unwrap();
	assert!(workers.is_empty());
	RedundancyConfig::decode(&mut &node.state_call("TeeRegistryApi_redundancy", &[])[..]).unwrap();
	let (count, ids) = <(u32, Vec<u64>)>::decode(
		&mut &node.state_call("SequencerApi_pending", &1u32.encode())[..],
	)
	.unwrap();
	assert_eq!((count, ids), (0, vec![]));
	let chain =
		BatchChain::decode(&mut &node.state_call("SequencerApi_last_batch", &[])[..]).unwrap();
	assert_eq!(chain.next_sequence, 0);
	OrderingRule::decode(&mut &node.state_call("SequencerApi_active_rule", &[])[..]).unwrap();

	// A revealed call nested deeper than the sequencer decodes must not trap the wasm runtime
	// (it did from 53 `sudo`s deep, so that no batch holding one could be built or checked).
	let remark_call = RuntimeCall::System(frame_system::Call::remark { remark: vec![1] });
	let remark = remark_call.encode();
	let once = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(remark_call) });
	let once = once.encode();
	let sudo_prefix = &once[..once.len() - remark.len()];
	let nested = |depth: usize| [sudo_prefix.repeat(depth), remark.clone()].concat();
	let limit = pallet_sequencer::MAX_REVEALED_CALL_DEPTH as usize;
	let calls = vec![nested(limit), nested(limit + 1), nested(60), nested(300), remark.clone()];
	let classes = Vec::<(aegis_primitives::ordering::ProtectionTier, bool)>::decode(
		&mut &node.state_call("SequencerApi_order_classes", &calls.encode())[..],
	)
	.unwrap();
	assert_eq!(classes, vec![Default::default(); calls.len()]);
}

/// The example vault (Solidity compiled to PolkaVM by resolc), as a dapp developer deploys it
/// on the dev chain.
const VAULT_PVM: &[u8] = include_bytes!("../../contracts/solidity/build/QuantumRiskVault.polkavm");

#[test]
fn the_dev_chain_runs_a_contract_that_reads_the_oracle() {
	use pallet_revive::{
		precompiles::{
			alloy,
			alloy::sol_types::{SolCall, SolValue},
		},
		AddressMapper,
	};

	alloy::sol! {
		function deposit() external payable;
		function withdraw(address to, uint256 amount) external;
	}

	let node = Node::start("contracts", &["--dev", "--block-time", "500"]);
	node.wait_for(Duration::from_secs(60), "block 1", |n| (n.best_number() >= 1).then_some(()));
	let genesis: [u8; 32] =
		unhex(node.rpc("chain_getBlockHash", json!([0])).as_str().unwrap()).try_into().unwrap();
	let address = |k: Sr25519Keyring| {
		<Runtime as pallet_revive::Config>::AddressMapper::to_address(&k.to_account_id())
	};
	// Contracts count 18 decimals, the native token 12.
	let ratio = alloy::primitives::U256::from(
		<<Runtime as pallet_revive::Config>::NativeToEthRatio as sp_runtime::traits::Get<u32>>::get(
		),
	);
	let wei = |units: Balance| alloy::primitives::U256::from(units) * ratio;
	let submit = |call: RuntimeCall, who: Sr25519Keyring| {
		let nonce = nonce(&node, who) as u32;
		let xt = signed(call, who, nonce, genesis);
		node.rpc("author_submitExtrinsic", json!([format!("0x{}", hex(&xt))]));
		// Included once the account's nonce on chain has moved past it.
		node.wait_for(Duration::from_secs(60), "the extrinsic in a block", |n| {
			let key = frame_system::Account::<Runtime>::hashed_key_for(who.to_account_id());
			let raw = n.rpc("state_getStorage", json!([format!("0x{}", hex(&key))]));
			let info =
				frame_system::AccountInfo::<u32, pallet_balances::AccountData<Balance>>::decode(
					&mut &unhex(raw.as_str()?)[..],
				)
				.ok()?;
			(info.nonce > nonce).then_some(())
		});
		nonce
	};
	let weight_limit = pallet_revive::Weight::from_parts(200_000_000_000, 2 * 1024 * 1024);
	let contract_call = |dest, value: Balance, data: Vec<u8>| {
		RuntimeCall::Revive(pallet_revive::Call::call {
			dest,
			value,
			weight_limit,
			storage_deposit_limit: 100 * UNIT,
			data,
		})
	};

	// Alice deploys the vault: recovery Dave, at most 10 units per withdrawal at Elevated.
	let ctor = (alloy::primitives::Address::from(address(Sr25519Keyring::Dave).0), wei(10 * UNIT))
		.abi_encode_params();
	let deploy = RuntimeCall::Revive(pallet_revive::Call::instantiate_with_code {
		value: 0,
		weight_limit,
		storage_deposit_limit: 100 * UNIT,
		code: VAULT_PVM.to_vec(),
		data: ctor,
		salt: None,
	});
	let nonce_used = submit(deploy, Sr25519Keyring::Alice);
	let vault = pallet_revive::create1(&address(Sr25519Keyring::Alice), u64::from(nonce_used));
	// A contract's account is its address padded with 0xEE (no mapping to look up).
	let vault_account =
		<Runtime as pallet_revive::Config>::AddressMapper::to_fallback_account_id(&vault);

	// Bob deposits 50 units.
	let vault_before = free_balance(&node, &vault_account);
	submit(contract_call(vault, 50 * UNIT, depositCall {}.abi_encode()), Sr25519Keyring::Bob);
	assert_eq!(free_balance(&node, &vault_account), vault_before + 50 * UNIT);

	// Normal: Alice withdraws 20 to Charlie.
	let charlie = Sr25519Keyring::Charlie.to_account_id();
	let withdraw = |to: Sr25519Keyring, units: Balance| {
		contract_call(
			vault,
			0,
			withdrawCall { to: address(to).0.into(), amount: wei(units * UNIT) }.abi_encode(),
		)
	};
	let before = free_balance(&node, &charlie);
	submit(withdraw(Sr25519Keyring::Charlie, 20), Sr25519Keyring::Alice);
	assert_eq!(free_balance(&node, &charlie), before + 20 * UNIT);

	// Governance forces Emergency; the vault, reading the oracle, pays only the recovery account.
	let force = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::RiskOracle(pallet_risk_oracle::Call::force_score {
			score: 9_500,
		})),
	});
	submit(force, Sr25519Keyring::Alice);
	let status =
		RiskStatus::<u32>::decode(&mut &node.state_call("RiskOracleApi_risk_status", &[])[..])
			.unwrap();
	assert_eq!(status.level, aegis_primitives::risk::RiskLevel::Emergency);
	let before = free_balance(&node, &charlie);
	submit(withdraw(Sr25519Keyring::Charlie, 5), Sr25519Keyring::Alice);
	assert_eq!(free_balance(&node, &charlie), before, "the vault paid out at Emergency");
	let dave = Sr25519Keyring::Dave.to_account_id();
	let before = free_balance(&node, &dave);
	submit(withdraw(Sr25519Keyring::Dave, 5), Sr25519Keyring::Alice);
	assert_eq!(free_balance(&node, &dave), before + 5 * UNIT);
}
