//! Two validators of `--chain local` (Alice and Bob) on loopback: Aura produces blocks and
//! GRANDPA finalizes them, which needs both of them voting.

#![allow(clippy::indexing_slicing)]

mod common;

use common::Node;
use serde_json::json;
use std::time::Duration;

/// Alice's fixed libp2p key, so Bob can name her as his bootnode.
const ALICE_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
/// Bob's.
const BOB_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";

fn peer_id_of(node_key: &str) -> String {
	let dir = std::env::temp_dir().join(format!("aegis-node-key-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let file = dir.join("key");
	std::fs::write(&file, node_key).unwrap();
	let out = std::process::Command::new(env!("CARGO_BIN_EXE_aegis-node"))
		.args(["key", "inspect-node-key", "--file", file.to_str().unwrap()])
		.output()
		.unwrap();
	let _ = std::fs::remove_dir_all(&dir);
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn two_validators_reach_grandpa_finality() {
	let alice =
		Node::start("alice", &["--chain", "local", "--alice", "--node-key", ALICE_NODE_KEY]);
	let bootnode =
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port, peer_id_of(ALICE_NODE_KEY));
	let bob = Node::start(
		"bob",
		&["--chain", "local", "--bob", "--node-key", BOB_NODE_KEY, "--bootnodes", &bootnode],
	);

	bob.wait_for(Duration::from_secs(60), "a peer", |n| {
		(n.rpc("system_health", json!([]))["peers"].as_u64() >= Some(1)).then_some(())
	});
	// Six-second slots: a few blocks, then GRANDPA's votes from both.
	for node in [&alice, &bob] {
		node.wait_for(Duration::from_secs(240), "GRANDPA finality past block 2", |n| {
			(n.finalized_number() >= 2).then_some(())
		});
	}
	assert_eq!(alice.rpc("system_chain", json!([])), "QuantumAegis Local Testnet");
	let alice_head = alice.rpc("chain_getBlockHash", json!([2]));
	let bob_head = bob.rpc("chain_getBlockHash", json!([2]));
	assert_eq!(alice_head, bob_head, "the validators agree on block 2");
}
