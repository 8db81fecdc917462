//! The protocol's test vectors (`docs/vectors/*.json`, specified by `docs/protocol.md`),
//! computed by the code the chain and the worker run, so that an implementation in another
//! language can prove itself byte for byte against them.
//!
//! `aegis protocol-vectors --out docs/vectors` writes them; the test below fails when the
//! committed files differ from what this code produces, so the specification's vectors cannot
//! drift from the product. Every input is fixed and every output is deterministic: envelopes
//! are sealed with fixed encapsulation randomness, ML-DSA-87 signs deterministically and
//! SLH-DSA-SHA2-256s in its deterministic variant. Each must-fail case is checked here to fail
//! the way it says.

use aegis_envelope::{
	envelope_aad, envelope_info, open, peek_header, seal_with_encapsulation_randomness,
	EnvelopeError, RecipientKey, ENCAPSULATION_RANDOMNESS_LEN, HEADER_LEN,
};
use aegis_primitives::{
	assets::{asset_state_hash, AccessPolicy, AssetType, Operation, OperationSet},
	batch::{
		commitment, entries_root, AssetSnapshot, Batch, BatchEntry, Checkpoint, RevealedCall,
		WeightLimit, MAX_CALL_LEN,
	},
	binding::{
		cluster_confirm_message, cluster_copy_binding, cluster_key_message, keys_hash, report_data,
		EnclaveKeys,
	},
	ordering::{order, EntryMeta, OrderingRule, ProtectionTier},
	pqc::{self, context, MlDsa87PublicKey, PqcSignature, SignatureSet, Suite},
	risk::RiskScore,
};
use aegis_runtime::{AccountId, RuntimeCall, UNIT};
use codec::{Compact, DecodeAll, Encode};
use serde_json::{json, Value};
use sp_core::{sr25519, Pair};
use std::path::Path;

/// The version of `docs/protocol.md` these vectors belong to.
pub const PROTOCOL_VERSION: u32 = 1;

/// The genesis hash the vectors use (any 32 bytes do; a real chain's is its block 0 hash).
const GENESIS: [u8; 32] = [
	0x91, 0xb1, 0x71, 0xbb, 0x15, 0x8e, 0x2d, 0x38, 0x48, 0xfa, 0x23, 0xa9, 0xf1, 0xc2, 0x51, 0x82,
	0xfb, 0x8e, 0x20, 0x31, 0x3b, 0x2c, 0x1e, 0xb4, 0x92, 0x19, 0xda, 0x7a, 0x70, 0xce, 0x90, 0xc3,
];

/// Why the vectors could not be produced or do not match.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
	/// The code did something the vectors say it must not (a bug to fix before publishing).
	#[error("vector {0}: {1}")]
	Inconsistent(&'static str, String),
	/// Reading or writing the files.
	#[error("{0}: {1}")]
	Io(String, std::io::Error),
	/// Committed files differ from what the code produces.
	#[error("{0}")]
	Stale(String),
}

/// An envelope vector's inputs: name, recipient ikm, epoch, submitter, plaintext, randomness.
type SealCase<'a> =
	(&'static str, [u8; 32], u32, &'a AccountId, Vec<u8>, [u8; ENCAPSULATION_RANDOMNESS_LEN]);
/// A must-fail envelope: name, bytes, genesis, account, the error it must give.
type BadEnvelope = (&'static str, Vec<u8>, [u8; 32], [u8; 32], &'static str);

/// The first `n` bytes (all of them if fewer).
fn prefix(bytes: &[u8], n: usize) -> Vec<u8> {
	bytes.get(..n).unwrap_or(bytes).to_vec()
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn dev_account(uri: &str) -> AccountId {
	sr25519::Pair::from_string(uri, None).expect("dev URIs are valid; qed").public().into()
}

fn account_bytes(who: &AccountId) -> [u8; 32] {
	pallet_tee_registry::Pallet::<aegis_runtime::Runtime>::account_bytes(who)
}

fn check(ok: bool, vector: &'static str, what: &str) -> Result<(), VectorError> {
	if ok {
		Ok(())
	} else {
		Err(VectorError::Inconsistent(vector, what.into()))
	}
}

fn error_name(e: &EnvelopeError) -> &'static str {
	match e {
		EnvelopeError::Truncated { .. } => "Truncated",
		EnvelopeError::UnsupportedVersion(_) => "UnsupportedVersion",
		EnvelopeError::UnsupportedSuite(_) => "UnsupportedSuite",
		EnvelopeError::WrongEpoch { .. } => "WrongEpoch",
		EnvelopeError::InvalidPublicKey => "InvalidPublicKey",
		EnvelopeError::DecryptionFailed => "DecryptionFailed",
		_ => "Other",
	}
}

fn transfer(to: &str, amount: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: dev_account(to).into(),
		value: amount,
	})
}

fn remark(text: &[u8]) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark { remark: text.to_vec() })
}

fn revealed(call: &RuntimeCall, salt: [u8; 32]) -> RevealedCall {
	RevealedCall {
		call: call.encode().try_into().expect("the vectors' calls are short; qed"),
		salt,
	}
}

/// `(file name, contents)` for every vector file.
pub fn generate() -> Result<Vec<(&'static str, Value)>, VectorError> {
	Ok(vec![
		("envelope.json", envelope()?),
		("revealed-call.json", revealed_call()?),
		("binding.json", binding()?),
		("batch.json", batch()?),
		("checkpoint.json", checkpoint()?),
		("ordering.json", ordering()),
	])
}

fn preamble(section: &str, about: &str) -> serde_json::Map<String, Value> {
	let mut map = serde_json::Map::new();
	map.insert("protocol_version".into(), json!(PROTOCOL_VERSION));
	map.insert("specification".into(), json!(format!("docs/protocol.md, {section}")));
	map.insert("generated_by".into(), json!("aegis protocol-vectors --out docs/vectors"));
	map.insert("about".into(), json!(about));
	map
}

fn with(mut map: serde_json::Map<String, Value>, rest: Value) -> Value {
	if let Value::Object(rest) = rest {
		map.extend(rest);
	}
	Value::Object(map)
}

fn envelope() -> Result<Value, VectorError> {
	const V: &str = "envelope";
	let alice = dev_account("//Alice");
	let bob = dev_account("//Bob");
	let mut cases = Vec::new();
	let mut sealed_first = None;
	let inputs: [SealCase; 3] = [
		(
			"a transfer from Alice, cluster key epoch 1",
			[0x42; 32],
			1,
			&alice,
			revealed(&transfer("//Bob", 3 * UNIT / 2), [0x5a; 32]).encode(),
			core::array::from_fn(|i| i as u8),
		),
		(
			"an empty plaintext from Bob, epoch 7",
			[0x07; 32],
			7,
			&bob,
			Vec::new(),
			[0xc3; ENCAPSULATION_RANDOMNESS_LEN],
		),
		(
			"1000 bytes from Alice, epoch 4294967295",
			core::array::from_fn(|i| (i * 7) as u8),
			u32::MAX,
			&alice,
			(0..1000u32).map(|i| (i % 251) as u8).collect(),
			core::array::from_fn(|i| (255 - i) as u8),
		),
	];
	for (name, ikm, epoch, who, plaintext, randomness) in inputs {
		let key = RecipientKey::derive(&ikm, epoch);
		let public = key.public_key();
		let account = account_bytes(who);
		let envelope = seal_with_encapsulation_randomness(
			&public,
			&GENESIS,
			&account,
			&plaintext,
			&randomness,
		)
		.map_err(|e| VectorError::Inconsistent(V, e.to_string()))?;
		check(
			open(&key, &GENESIS, &account, &envelope).as_deref() == Ok(&plaintext[..]),
			V,
			"a vector envelope does not open",
		)?;
		let header: [u8; HEADER_LEN] = envelope.first_chunk().copied().ok_or_else(|| {
			VectorError::Inconsistent(V, "an envelope shorter than its header".into())
		})?;
		let parsed =
			peek_header(&envelope).map_err(|e| VectorError::Inconsistent(V, e.to_string()))?;
		let info = envelope_info(&GENESIS, &parsed);
		let aad = envelope_aad(&header, &account);
		cases.push(json!({
			"name": name,
			"recipient_ikm": hex(ikm),
			"recipient_public_key": hex(public.to_bytes()),
			"epoch": epoch,
			"genesis_hash": hex(GENESIS),
			"account": hex(account),
			"plaintext": hex(&plaintext),
			"encapsulation_randomness": hex(randomness),
			"header": hex(header),
			"info": hex(&info),
			"aad": hex(&aad),
			"envelope": hex(&envelope),
		}));
		if sealed_first.is_none() {
			sealed_first = Some((key, account, envelope));
		}
	}

	// Ways to be wrong, each opened with the first case's key: what a receiver must report.
	let (key, account, good) = sealed_first.expect("three cases were sealed; qed");
	let flipped = |at: usize| {
		let mut e = good.clone();
		if let Some(b) = e.get_mut(at) {
			*b ^= 0x01;
		}
		e
	};
	let with_byte = |at: usize, value: u8| {
		let mut e = good.clone();
		if let Some(b) = e.get_mut(at) {
			*b = value;
		}
		e
	};
	let bob_bytes = account_bytes(&bob);
	let other_genesis = [0u8; 32];
	let version_2_short = [&[2u8][..], prefix(&good, 10).get(1..).unwrap_or_default()].concat();
	let invalid: Vec<BadEnvelope> = vec![
		("5 bytes: shorter than a header", prefix(&good, 5), GENESIS, account, "Truncated"),
		(
			"10 bytes of version 2: the version is read before the length",
			version_2_short,
			GENESIS,
			account,
			"UnsupportedVersion",
		),
		(
			"shorter than header, encapsulated key and tag",
			prefix(&good, 1141),
			GENESIS,
			account,
			"Truncated",
		),
		("version 2", with_byte(0, 2), GENESIS, account, "UnsupportedVersion"),
		("suite 2", with_byte(1, 2), GENESIS, account, "UnsupportedSuite"),
		("epoch rewritten to 2", with_byte(2, 2), GENESIS, account, "WrongEpoch"),
		(
			"a bit flipped in the encapsulated key",
			flipped(HEADER_LEN + 5),
			GENESIS,
			account,
			"DecryptionFailed",
		),
		(
			"a bit flipped in the ciphertext",
			flipped(good.len() - 20),
			GENESIS,
			account,
			"DecryptionFailed",
		),
		("a bit flipped in the tag", flipped(good.len() - 1), GENESIS, account, "DecryptionFailed"),
		(
			"one byte appended",
			[good.clone(), vec![0]].concat(),
			GENESIS,
			account,
			"DecryptionFailed",
		),
		(
			"submitted by another account (Bob)",
			good.clone(),
			GENESIS,
			bob_bytes,
			"DecryptionFailed",
		),
		(
			"opened on another chain (genesis all zeros)",
			good.clone(),
			other_genesis,
			account,
			"DecryptionFailed",
		),
	];
	let mut bad = Vec::new();
	for (name, envelope, genesis, who, expected) in invalid {
		let got = match peek_header(&envelope) {
			Err(e) => error_name(&e),
			Ok(_) => match open(&key, &genesis, &who, &envelope) {
				Err(e) => error_name(&e),
				Ok(_) => "Opened",
			},
		};
		check(got == expected, V, &format!("{name}: expected {expected}, got {got}"))?;
		bad.push(json!({
			"name": name,
			"envelope": hex(&envelope),
			"genesis_hash": hex(genesis),
			"account": hex(who),
			"error": expected,
		}));
	}
	// Public keys a sender must refuse (§2.2): a wrong length, and an ML-KEM-768 encapsulation
	// key with a coefficient not reduced modulo q = 3329 (FIPS 203's modulus check).
	let valid_key = RecipientKey::derive(&[0x42; 32], 1).public_key().to_bytes();
	let mut unreduced = valid_key;
	let [b0, b1, ..] = &mut unreduced;
	*b0 = 0xff;
	*b1 |= 0x0f;
	let mut bad_keys = Vec::new();
	for (name, key) in [
		("1215 bytes", prefix(&valid_key, 1215)),
		("first ML-KEM coefficient 4095, not below q = 3329", unreduced.to_vec()),
	] {
		let refused = matches!(
			aegis_envelope::RecipientPublicKey::from_bytes(1, &key),
			Err(EnvelopeError::InvalidPublicKey)
		);
		check(refused, V, &format!("public key {name} is accepted"))?;
		bad_keys
			.push(json!({ "name": name, "public_key": hex(&key), "error": "InvalidPublicKey" }));
	}
	Ok(with(
		preamble("§2 Envelope", "Seal with the fixed encapsulation randomness (first 32 bytes: ML-KEM-768 m; last 32: the X25519 ephemeral secret) and compare the envelope; derive the recipient key from recipient_ikm (HPKE DeriveKeyPair for X-Wing), check its public key and open every envelope. Each invalid envelope, opened with the first case's key for the genesis and account given, must fail with the error named; each invalid public key must be refused before sealing."),
		json!({ "cases": cases, "invalid": bad, "invalid_public_keys": bad_keys }),
	))
}

fn revealed_call() -> Result<Value, VectorError> {
	const V: &str = "revealed-call";
	let calls = [
		(
			"balances.transfer_keep_alive to Bob, 1.5 units",
			transfer("//Bob", 3 * UNIT / 2),
			[0x5a; 32],
		),
		("system.remark(\"quantum aegis\")", remark(b"quantum aegis"), [0u8; 32]),
		("system.remark of 300 bytes (two-byte compact length)", remark(&[0xab; 300]), [0xff; 32]),
	];
	let mut cases = Vec::new();
	for (name, call, salt) in calls {
		let r = revealed(&call, salt);
		let encoded = r.encode();
		check(RevealedCall::decode_all(&mut &encoded[..]).as_ref() == Ok(&r), V, "round trip")?;
		check(r.commitment() == commitment(&call.encode(), &salt), V, "commitment")?;
		cases.push(json!({
			"name": name,
			"call": hex(call.encode()),
			"salt": hex(salt),
			"plaintext": hex(&encoded),
			"commitment": hex(r.commitment()),
		}));
	}
	let good = revealed(&remark(b"quantum aegis"), [0u8; 32]).encode();
	let too_long =
		[Compact(MAX_CALL_LEN + 1).encode(), vec![0u8; MAX_CALL_LEN as usize + 1 + 32]].concat();
	let invalid: Vec<(&str, Vec<u8>)> = vec![
		("empty", Vec::new()),
		("one byte appended", [good.clone(), vec![0]].concat()),
		("salt one byte short", prefix(&good, good.len() - 1)),
		(
			"call length prefix larger than the bytes that follow",
			[vec![0xfc], good.get(1..).unwrap_or_default().to_vec()].concat(),
		),
		("call longer than 65536 bytes (MAX_CALL_LEN)", too_long),
		(
			"non-canonical compact length (0 as two bytes)",
			[vec![0x01, 0x00], vec![0u8; 32]].concat(),
		),
	];
	let mut bad = Vec::new();
	for (name, plaintext) in invalid {
		check(RevealedCall::decode_all(&mut &plaintext[..]).is_err(), V, name)?;
		bad.push(json!({ "name": name, "plaintext": hex(&plaintext) }));
	}
	Ok(with(
		preamble("§3 Plaintext and §4 Commitment", "Encode (call, salt) as the plaintext and compare; decode the plaintext strictly back to (call, salt); compute the commitment. Every invalid plaintext must be refused by a strict decoder (the chain rejects such an entry as Malformed)."),
		json!({ "max_call_len": MAX_CALL_LEN, "cases": cases, "invalid": bad }),
	))
}

fn signing_key(suite: Suite, seed: [u8; 32]) -> pqc::SecretKey {
	pqc::SecretKey::from_seed(suite, &seed)
}

fn signature(
	v: &'static str,
	suite: Suite,
	seed: [u8; 32],
	ctx: &[u8],
	message: &[u8],
) -> Result<(Vec<u8>, Value), VectorError> {
	let key = signing_key(suite, seed);
	let public = key.public_key();
	let sig = pqc::sign(suite, &key, ctx, message)
		.map_err(|e| VectorError::Inconsistent(v, format!("{e:?}")))?;
	let verifies =
		pqc::PublicKey::parse(suite, &public).is_some_and(|pk| pk.verify(ctx, message, &sig));
	check(verifies, v, "a vector signature does not verify")?;
	let mut tampered = message.to_vec();
	if let Some(b) = tampered.first_mut() {
		*b ^= 1;
	}
	let rejects = pqc::PublicKey::parse(suite, &public).is_some_and(|pk| {
		!pk.verify(ctx, &tampered, &sig) && !pk.verify(b"aegis/other/v1", message, &sig)
	});
	check(rejects, v, "a signature verifies under another message or context")?;
	Ok((
		sig.clone(),
		json!({
			"suite": suite.name(),
			"seed": hex(seed),
			"public_key": hex(&public),
			"context": String::from_utf8_lossy(ctx),
			"message": hex(message),
			"signature": hex(&sig),
		}),
	))
}

fn enclave_keys(seed: u8) -> (EnclaveKeys, [u8; 32], [u8; 32], [u8; 32]) {
	let (hpke_ikm, ml_seed, slh_seed) = ([seed; 32], [seed ^ 0x10; 32], [seed ^ 0x20; 32]);
	let hpke = RecipientKey::derive(&hpke_ikm, 0).public_key().to_bytes();
	let ml: [u8; 2592] = signing_key(Suite::MlDsa87, ml_seed)
		.public_key()
		.try_into()
		.expect("ML-DSA-87 public keys are 2592 bytes; qed");
	let slh: [u8; 64] = signing_key(Suite::SlhDsaSha2_256s, slh_seed)
		.public_key()
		.try_into()
		.expect("SLH-DSA-SHA2-256s public keys are 64 bytes; qed");
	(EnclaveKeys { hpke, ml_dsa: MlDsa87PublicKey(ml), slh_dsa: slh }, hpke_ikm, ml_seed, slh_seed)
}

fn binding() -> Result<Value, VectorError> {
	const V: &str = "binding";
	let worker = dev_account("//Ferdie");
	let receiver = dev_account("//Eve");
	let (keys, hpke_ikm, ml_seed, slh_seed) = enclave_keys(0x31);
	let account = account_bytes(&worker);
	let nonce = 0x0123_4567_89ab_cdefu64;
	let kh = keys_hash(&keys);
	let rd = report_data(&GENESIS, &account, &kh, nonce);
	let epoch = 3u32;
	let cluster = RecipientKey::derive(&[0x77; 32], epoch).public_key().to_bytes();
	let key_message = cluster_key_message(&GENESIS, epoch, &cluster);
	let confirm = cluster_confirm_message(&GENESIS, epoch, &cluster, &account);
	let copy = cluster_copy_binding(epoch, &account, &account_bytes(&receiver));
	let (_, key_signature) =
		signature(V, Suite::MlDsa87, ml_seed, context::CLUSTER_KEY, &key_message)?;
	let (_, confirm_signature) =
		signature(V, Suite::MlDsa87, ml_seed, context::CLUSTER_KEY_CONFIRM, &confirm)?;
	Ok(with(
		preamble("§5 Attestation binding and §6 Cluster key", "keys_hash and report_data bind a worker's enclave keys to its quote; the cluster key messages are what workers sign to publish and confirm a cluster key, and the associated data of a cluster secret copy."),
		json!({
			"genesis_hash": hex(GENESIS),
			"enclave_keys": {
				"hpke_ikm": hex(hpke_ikm),
				"ml_dsa_seed": hex(ml_seed),
				"slh_dsa_seed": hex(slh_seed),
				"hpke": hex(keys.hpke),
				"ml_dsa": hex(keys.ml_dsa.as_slice()),
				"slh_dsa": hex(keys.slh_dsa),
				"scale": hex(keys.encode()),
				"keys_hash": hex(kh),
			},
			"report_data": {
				"account": hex(account),
				"nonce": nonce.to_string(),
				"report_data": hex(rd),
			},
			"cluster_key": {
				"epoch": epoch,
				"cluster_ikm": hex([0x77; 32]),
				"public_key": hex(cluster),
				"publish_message": hex(key_message),
				"publish_signature": key_signature,
				"confirming_account": hex(account),
				"confirm_message": hex(confirm),
				"confirm_signature": confirm_signature,
				"copy": {
					"sender": hex(account),
					"receiver": hex(account_bytes(&receiver)),
					"binding": hex(copy),
				},
			},
		}),
	))
}

fn batch() -> Result<Value, VectorError> {
	const V: &str = "batch";
	let entries = vec![
		BatchEntry {
			submission_id: 41,
			max_weight: WeightLimit { ref_time: 2_000_000_000, proof_size: 3_593 },
			revealed: revealed(&transfer("//Bob", 3 * UNIT / 2), [0x5a; 32]),
		},
		BatchEntry {
			submission_id: 42,
			max_weight: WeightLimit { ref_time: 0, proof_size: 0 },
			revealed: revealed(&remark(b"quantum aegis"), [0u8; 32]),
		},
		BatchEntry {
			submission_id: u64::MAX,
			max_weight: WeightLimit { ref_time: u64::MAX, proof_size: 1 << 30 },
			revealed: revealed(&transfer("//Charlie", 1), [0x11; 32]),
		},
	];
	let parent = [0xe7; 32];
	let b = Batch::new(GENESIS, 7, parent, 1, OrderingRule::Hybrid, 120, entries.clone())
		.map_err(|e| VectorError::Inconsistent(V, format!("{e:?}")))?;
	check(b.check_integrity().is_ok(), V, "integrity")?;
	let hash = b.hash();
	let ml_seed = [0x41; 32];
	let slh_seed = [0x51; 32];
	let (ml_sig, ml) = signature(V, Suite::MlDsa87, ml_seed, context::BATCH, &hash)?;
	let (slh_sig, slh) = signature(V, Suite::SlhDsaSha2_256s, slh_seed, context::BATCH, &hash)?;
	let (_, cosign) = signature(V, Suite::MlDsa87, [0x61; 32], context::BATCH_COSIGN, &hash)?;
	let set: SignatureSet = vec![
		PqcSignature { suite: Suite::MlDsa87, bytes: ml_sig.try_into().unwrap_or_default() },
		PqcSignature {
			suite: Suite::SlhDsaSha2_256s,
			bytes: slh_sig.try_into().unwrap_or_default(),
		},
	]
	.try_into()
	.map_err(|_| VectorError::Inconsistent(V, "two signatures fit a set".into()))?;
	let first = Batch::new(GENESIS, 0, [0; 32], 1, OrderingRule::RiskAware, 1, Vec::new())
		.map_err(|e| VectorError::Inconsistent(V, format!("{e:?}")))?;
	let entries_json: Vec<Value> = entries
		.iter()
		.map(|e| {
			json!({
				"submission_id": e.submission_id.to_string(),
				"max_weight": { "ref_time": e.max_weight.ref_time.to_string(), "proof_size": e.max_weight.proof_size.to_string() },
				"call": hex(&e.revealed.call[..]),
				"salt": hex(e.revealed.salt),
				"scale": hex(e.encode()),
			})
		})
		.collect();
	Ok(with(
		preamble("§7 Batches and §9 Signatures", "Encode the entries and compute entries_root; encode the header and compute its hash; verify the signatures over the header hash (batch: context aegis/batch/v1; co-signature: aegis/batch-cosign/v1) under the public keys, which derive from the seeds. signature_set_scale is the SCALE signature set commit_batch carries. The empty batch is sequence 0, whose parent is all zeros."),
		json!({
			"genesis_hash": hex(GENESIS),
			"entries": entries_json,
			"entries_scale": hex(b.entries.encode()),
			"entries_root": hex(entries_root(&b.entries)),
			"header": {
				"sequence": b.header.sequence.to_string(),
				"parent_hash": hex(b.header.parent_hash),
				"key_epoch": b.header.key_epoch,
				"rule": "Hybrid",
				"rule_index": b.header.rule as u8,
				"ordered_at": b.header.ordered_at,
				"entry_count": b.header.entry_count,
				"entries_root": hex(b.header.entries_root),
				"scale": hex(b.header.encode()),
				"hash": hex(hash),
			},
			"batch_scale": hex(b.encode()),
			"signatures": { "ml_dsa_87": ml, "slh_dsa_sha2_256s": slh, "cosignature_ml_dsa_87": cosign },
			"signature_set_scale": hex(set.encode()),
			"empty_first_batch": {
				"header_scale": hex(first.header.encode()),
				"entries_root": hex(first.header.entries_root),
				"hash": hex(first.hash()),
			},
		}),
	))
}

fn checkpoint() -> Result<Value, VectorError> {
	const V: &str = "checkpoint";
	let policy = AccessPolicy {
		allowed_operations: OperationSet::of(&[Operation::Transfer, Operation::Bridge]),
		requires_pqc: true,
		requires_tee: false,
		risk_threshold: RiskScore::new(6_000)
			.map_err(|e| VectorError::Inconsistent(V, format!("{e:?}")))?,
	};
	let state = asset_state_hash(7, AssetType::OnChainToken, &policy);
	let other = AccessPolicy::default();
	let other_state = asset_state_hash(1_000, AssetType::CrossChainBridge, &other);
	let cp = Checkpoint {
		genesis_hash: GENESIS,
		migration_id: 3,
		sequence: 2,
		block_number: 1_234,
		state_hash: [0x3c; 32],
		asset_snapshots: vec![
			AssetSnapshot { asset_id: 7, state_hash: state },
			AssetSnapshot { asset_id: 1_000, state_hash: other_state },
		]
		.try_into()
		.map_err(|_| VectorError::Inconsistent(V, "two snapshots fit".into()))?,
	};
	let hash = cp.hash();
	let (_, ml) = signature(V, Suite::MlDsa87, [0x41; 32], context::CHECKPOINT, &hash)?;
	Ok(with(
		preamble("§8 Checkpoints and §9 Signatures", "Compute each asset's state hash from (asset_id, asset_type, policy), encode the checkpoint and hash it; verify the ML-DSA-87 signature (context aegis/checkpoint/v1) over the hash."),
		json!({
			"assets": [
				{
					"asset_id": 7, "asset_type": "OnChainToken", "asset_type_index": AssetType::OnChainToken as u8,
					"policy": { "allowed_operations": ["transfer", "bridge"], "allowed_operations_bits": policy.allowed_operations.bits(), "requires_pqc": true, "requires_tee": false, "risk_threshold": 6000 },
					"policy_scale": hex(policy.encode()),
					"state_hash": hex(state),
				},
				{
					"asset_id": 1000, "asset_type": "CrossChainBridge", "asset_type_index": AssetType::CrossChainBridge as u8,
					"policy": { "allowed_operations": [], "allowed_operations_bits": 0, "requires_pqc": false, "requires_tee": false, "risk_threshold": 0 },
					"policy_scale": hex(other.encode()),
					"state_hash": hex(other_state),
				},
			],
			"checkpoint": {
				"genesis_hash": hex(GENESIS),
				"migration_id": cp.migration_id,
				"sequence": cp.sequence,
				"block_number": cp.block_number,
				"state_hash": hex(cp.state_hash),
				"scale": hex(cp.encode()),
				"hash": hex(hash),
			},
			"signature": ml,
		}),
	))
}

fn ordering() -> Value {
	let meta = |arrival: u64, risk: u16, protection: ProtectionTier, migration: bool| EntryMeta {
		arrival,
		risk: RiskScore::new(risk).unwrap_or_default(),
		protection,
		migration,
	};
	let pool = [
		meta(100, 2_500, ProtectionTier::None, false),
		meta(101, 9_500, ProtectionTier::None, false),
		meta(102, 2_500, ProtectionTier::Critical, false),
		meta(103, 0, ProtectionTier::Standard, true),
		meta(104, 9_500, ProtectionTier::High, false),
		meta(105, 2_500, ProtectionTier::None, false),
		meta(106, 10_000, ProtectionTier::None, true),
		meta(107, 9_500, ProtectionTier::None, false),
	];
	let rules: Vec<Value> = OrderingRule::ALL
		.into_iter()
		.map(|rule| {
			json!({
				"rule": format!("{rule:?}"),
				"index": rule as u8,
				"priorities": pool.iter().map(|m| rule.priority(m)).collect::<Vec<_>>(),
				"order": order(rule, &pool),
			})
		})
		.collect();
	let entries: Vec<Value> = pool
		.iter()
		.map(|m| {
			json!({
				"arrival": m.arrival,
				"risk": m.risk.get(),
				"protection": format!("{:?}", m.protection),
				"migration": m.migration,
			})
		})
		.collect();
	with(
		preamble("§11 Ordering rules", "For each rule, each entry's priority and the one correct order of the pool (indices into entries): descending priority, ties by ascending arrival."),
		json!({ "entries": entries, "rules": rules }),
	)
}

/// The files' text: pretty JSON with a final newline.
pub fn render(value: &Value) -> String {
	let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
	text.push('\n');
	text
}

/// Writes every vector file into `dir`.
pub fn write(dir: &Path) -> Result<Vec<String>, VectorError> {
	std::fs::create_dir_all(dir).map_err(|e| VectorError::Io(dir.display().to_string(), e))?;
	let mut written = Vec::new();
	for (name, value) in generate()? {
		let path = dir.join(name);
		std::fs::write(&path, render(&value))
			.map_err(|e| VectorError::Io(path.display().to_string(), e))?;
		written.push(path.display().to_string());
	}
	Ok(written)
}

/// Checks that `dir` holds exactly what [`generate`] produces.
pub fn check_dir(dir: &Path) -> Result<(), VectorError> {
	let mut stale = Vec::new();
	for (name, value) in generate()? {
		let path = dir.join(name);
		let committed = std::fs::read_to_string(&path)
			.map_err(|e| VectorError::Io(path.display().to_string(), e))?;
		if committed != render(&value) {
			stale.push(name);
		}
	}
	if stale.is_empty() {
		Ok(())
	} else {
		Err(VectorError::Stale(format!(
			"{} differ from what the code produces: regenerate them with \
			 `aegis protocol-vectors --out docs/vectors` and review the change",
			stale.join(", ")
		)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn vectors_dir() -> std::path::PathBuf {
		Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors")
	}

	#[test]
	fn the_committed_vectors_are_what_the_code_produces() {
		if let Err(e) = check_dir(&vectors_dir()) {
			panic!("{e}");
		}
	}

	#[test]
	fn a_changed_vector_is_noticed() {
		let dir = std::env::temp_dir().join(format!("aegis-vectors-{}", std::process::id()));
		write(&dir).unwrap();
		check_dir(&dir).unwrap();
		let file = dir.join("ordering.json");
		let text = std::fs::read_to_string(&file).unwrap().replacen("\"order\"", "\"ordre\"", 1);
		std::fs::write(&file, text).unwrap();
		let err = check_dir(&dir).unwrap_err().to_string();
		assert!(err.contains("ordering.json"), "{err}");
		std::fs::remove_dir_all(&dir).unwrap();
	}
}
