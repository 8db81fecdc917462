//! Valid inputs for each target, which mutations start from: real Intel quotes and collateral
//! (the `dcap-qvl` fixtures in `primitives/attestation/tests/fixtures/`), simulated ones,
//! sealed envelopes, batches the chain accepts, and what the worker's peers answer.
//! `cargo run -p aegis-fuzz --example write-seeds` writes them as libFuzzer's corpus.

use crate::{dev, frame, targets, NOW_SECS};
use aegis_attestation::{
	sim::{CollateralParams, SgxEnclave, TdGuest},
	TeeKind,
};
use aegis_primitives::{
	batch::{Batch, BatchEntry, RevealedCall, WeightLimit},
	ordering::OrderingRule,
};
use aegis_runtime::{RuntimeCall, TeeRegistry};
use codec::Encode;
use sp_keyring::Sr25519Keyring;

/// A sealed envelope (and a few that are not).
pub fn envelope_open() -> Vec<Vec<u8>> {
	let public = targets::envelope_key(|k| k.public_key());
	let sealed = |plain: &[u8]| {
		aegis_envelope::seal(&public, &targets::ENVELOPE_GENESIS, &targets::ENVELOPE_ACCOUNT, plain)
			.expect("seals")
	};
	vec![sealed(b""), sealed(&[7; 200]), sealed(b"a revealed call and its salt")]
}

/// The real Intel SGX and TDX quotes inside their windows, and simulated SGX and TDX quotes.
pub fn verify_quote() -> Vec<Vec<u8>> {
	let intel = |quote: &[u8], collateral: &[u8], now: u64| {
		frame::join(&[quote, collateral, &[1], &now.to_le_bytes()])
	};
	let tee = aegis_test_support::tee();
	let params = CollateralParams::valid_around(NOW_SECS);
	let sim_sgx = tee.sgx_quote(&SgxEnclave::dev_worker(), &[3; 64]);
	let sim_tdx = tee.tdx_quote(&TdGuest::default(), &[4; 64]);
	vec![
		intel(
			include_bytes!("../../primitives/attestation/tests/fixtures/sgx_quote"),
			include_bytes!("../../primitives/attestation/tests/fixtures/sgx_quote_collateral.json"),
			1_752_919_000,
		),
		intel(
			include_bytes!("../../primitives/attestation/tests/fixtures/tdx_quote"),
			include_bytes!("../../primitives/attestation/tests/fixtures/tdx_quote_collateral.json"),
			1_752_919_000,
		),
		frame::join(&[
			&sim_sgx,
			&tee.collateral(TeeKind::Sgx, &params),
			&[0],
			&NOW_SECS.to_le_bytes(),
		]),
		frame::join(&[
			&sim_tdx,
			&tee.collateral(TeeKind::Tdx, &params),
			&[0],
			&NOW_SECS.to_le_bytes(),
		]),
	]
}

/// The simulated platform's TCB info and QE identity, signed, with the issuer chain and root
/// CRL, for SGX and TDX.
pub fn platform_collateral() -> Vec<Vec<u8>> {
	let tee = aegis_test_support::tee();
	let params = CollateralParams::valid_around(NOW_SECS);
	[TeeKind::Sgx, TeeKind::Tdx]
		.into_iter()
		.map(|kind| {
			let tcb = tee.tcb_info(kind, &params);
			let qe = tee.qe_identity(kind, &params);
			frame::join(&[
				tcb.as_bytes(),
				&tee.sign_collateral(&tcb),
				qe.as_bytes(),
				&tee.sign_collateral(&qe),
				tee.tcb_issuer_chain().as_bytes(),
				&tee.root_ca_crl(&params),
				&NOW_SECS.to_le_bytes(),
			])
		})
		.collect()
}

fn transfer(to: Sr25519Keyring, value: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: to.to_account_id().into(),
		value,
	})
}

fn remark() -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark { remark: vec![1, 2, 3] })
}

/// Calls users send encrypted, and the two poison pills the hardening answered.
pub fn revealed_call() -> Vec<Vec<u8>> {
	let heavy = RuntimeCall::Sudo(pallet_sudo_call(remark()));
	let mut deep = Vec::new();
	for _ in 0..300 {
		// `Sudo::sudo`: the pallet index, the call index, then the boxed call.
		deep.extend_from_slice(&sudo_prefix());
	}
	deep.extend_from_slice(&remark().encode());
	vec![transfer(Sr25519Keyring::Bob, 1_000).encode(), remark().encode(), heavy.encode(), deep]
}

fn pallet_sudo_call(inner: RuntimeCall) -> pallet_sudo::Call<aegis_runtime::Runtime> {
	pallet_sudo::Call::sudo_unchecked_weight {
		call: Box::new(inner),
		weight: frame_support::weights::Weight::MAX,
	}
}

fn sudo_prefix() -> Vec<u8> {
	let inner = remark();
	let one = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(inner.clone()) }).encode();
	one.get(..one.len() - inner.encode().len()).unwrap_or_default().to_vec()
}

/// Batches the dev chain accepts from its worker: transfers, a remark, a poison pill, in the
/// rule's order, continuing the (empty) chain of batches.
pub fn batch() -> Vec<Vec<u8>> {
	let genesis = dev::with(|_| TeeRegistry::genesis_hash());
	let entry = |id: u64, call: RuntimeCall| BatchEntry {
		submission_id: id,
		max_weight: WeightLimit { ref_time: 2_000_000_000, proof_size: 100_000 },
		revealed: RevealedCall {
			call: call.encode().try_into().expect("fits"),
			salt: [id as u8; 32],
		},
	};
	let batch = |entries: Vec<BatchEntry>| {
		Batch::new(genesis, 0, [0; 32], 1, OrderingRule::Hybrid, 1, entries)
			.expect("a small batch")
			.encode()
	};
	vec![
		batch(vec![entry(0, transfer(Sr25519Keyring::Bob, 1_000))]),
		batch(vec![
			entry(0, transfer(Sr25519Keyring::Bob, 1_000)),
			entry(1, remark()),
			entry(2, transfer(Sr25519Keyring::Charlie, 5)),
		]),
		batch(vec![
			entry(0, RuntimeCall::Sudo(pallet_sudo_call(remark()))),
			entry(1, transfer(Sr25519Keyring::Dave, 7)),
		]),
	]
}

/// Genuine SEV-SNP reports (Milan v2, Genoa v5, Turin v5, a VLEK-signed one) with their
/// certificates and Nitro documents (production and debug) inside their windows, under the
/// vendors' roots; simulated ones under the dev roots.
pub fn verify_evidence() -> Vec<Vec<u8>> {
	use aegis_attestation::sim::{
		nitro::{NitroImage, NitroRequest},
		snp::SnpGuest,
	};
	let vendor = |evidence: &[u8], collateral: &[u8], now: u64| {
		frame::join(&[evidence, collateral, &[1], &now.to_le_bytes()])
	};
	let dev = |evidence: &[u8], collateral: &[u8]| {
		frame::join(&[evidence, collateral, &[0], &NOW_SECS.to_le_bytes()])
	};
	let snp = aegis_test_support::snp();
	let report = snp.report(&SnpGuest::default(), &[6; 64]);
	let nitro = aegis_test_support::nitro();
	let request =
		NitroRequest { user_data: Some(vec![7; 64]), nonce: Some(vec![1]), public_key: None };
	let document = nitro.document(&NitroImage::named("fuzz"), &request, NOW_SECS);
	vec![
		vendor(
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/milan_v2_virtee-sev.report.bin"),
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/milan_v2_virtee-sev.vcek.der"),
			1_700_000_000,
		),
		vendor(
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/genoa_v5_oak.report.bin"),
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/genoa_v5_oak.vcek.der"),
			1_760_000_000,
		),
		vendor(
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/turin_v5_oak.report.bin"),
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/turin_v5_oak.vcek.der"),
			1_760_000_000,
		),
		vendor(
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/milan_v3_vlek_aws_trustee.report.bin"),
			include_bytes!("../../primitives/attestation/tests/fixtures/snp/milan_v3_vlek_aws_trustee.vlek.der"),
			1_740_000_000,
		),
		vendor(include_bytes!("../../primitives/attestation/tests/fixtures/nitro/cape_2022-09-15_prod.cbor"), &[], 1_663_264_000),
		vendor(include_bytes!("../../primitives/attestation/tests/fixtures/nitro/evervault_2023-09-18_debug.cbor"), &[], 1_695_048_000),
		dev(&report, &snp.collateral()),
		dev(&document, &[]),
	]
}

/// What the worker's peers answer: a PCCS TCB info response (chunked and not), its issuer
/// chain header, a dstack quote answer, and a simulated quote.
pub fn worker_parsers() -> Vec<Vec<u8>> {
	let tee = aegis_test_support::tee();
	let params = CollateralParams::valid_around(NOW_SECS);
	let body = tee.pccs_tcb_info_body(TeeKind::Sgx, &params);
	let http = format!(
		"HTTP/1.1 200 OK\r\nContent-Length: {}\r\nTCB-Info-Issuer-Chain: %2D%2D%2D\r\n\r\n{body}",
		body.len()
	);
	let chunked = format!(
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
		body.len()
	);
	let quote = tee.sgx_quote(&SgxEnclave::dev_worker(), &[5; 64]);
	vec![
		http.into_bytes(),
		chunked.into_bytes(),
		body.into_bytes(),
		b"-----BEGIN%20CERTIFICATE-----%0AMIIB".to_vec(),
		format!("{{\"quote\":\"0x{}\"}}", hex::encode_upper(&quote)).into_bytes(),
		quote,
	]
}
