//! NIST ACVP vectors through `aegis_primitives::pqc` (see `tests/vectors/README.md` for their
//! source and the filter applied).

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use aegis_primitives::pqc::{self, SecretKey, SignError, Suite};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
	// The package directory as `cargo test` reports it when running the test (a path baked in
	// at compile time goes stale when another checkout shares the target directory).
	let dir = std::env::var("CARGO_MANIFEST_DIR")
		.unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
	let path = format!("{dir}/tests/vectors/{name}");
	let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
	let file: Value = serde_json::from_str(&text).expect("vector file is JSON");
	let tests = file["tests"].as_array().expect("tests array").clone();
	assert!(!tests.is_empty(), "{name} has no test cases");
	tests
}

fn bytes(case: &Value, field: &str) -> Vec<u8> {
	let s = case[field].as_str().unwrap_or_else(|| panic!("tcId {}: no {field}", case["tcId"]));
	hex::decode(s).expect("hex")
}

fn tc(case: &Value) -> u64 {
	case["tcId"].as_u64().expect("tcId")
}

#[test]
fn ml_dsa_87_keygen() {
	for case in load("ml_dsa_87_keygen.json") {
		let seed: [u8; 32] = bytes(&case, "seed").try_into().unwrap();
		let pk = bytes(&case, "pk");
		let from_seed = SecretKey::from_seed(Suite::MlDsa87, &seed);
		assert_eq!(from_seed.public_key(), pk, "tcId {}: pk from seed", tc(&case));
		// The expanded skEncode form imports to the same key.
		let imported = SecretKey::from_bytes(Suite::MlDsa87, &bytes(&case, "sk")).unwrap();
		assert_eq!(imported.public_key(), pk, "tcId {}: pk from expanded sk", tc(&case));
	}
}

#[test]
fn ml_dsa_87_siggen_external_pure() {
	let (mut deterministic, mut hedged) = (0, 0);
	for case in load("ml_dsa_87_siggen.json") {
		let key = SecretKey::from_bytes(Suite::MlDsa87, &bytes(&case, "sk")).unwrap();
		let (msg, ctx, expected) =
			(bytes(&case, "message"), bytes(&case, "context"), bytes(&case, "signature"));
		let pk = key.public_key();
		// Every NIST signature verifies through our verifier.
		assert!(pqc::verify(Suite::MlDsa87, &pk, &ctx, &msg, &expected), "tcId {}", tc(&case));

		let ours = pqc::sign(Suite::MlDsa87, &key, &ctx, &msg);
		if ctx.is_empty() {
			// The product never signs without naming a purpose.
			assert_eq!(ours, Err(SignError::EmptyContext), "tcId {}", tc(&case));
			continue;
		}
		let ours = ours.unwrap();
		if case["deterministic"].as_bool() == Some(true) {
			// Deterministic signing must reproduce NIST's signature byte for byte.
			assert_eq!(ours, expected, "tcId {}: deterministic signature", tc(&case));
			deterministic += 1;
		} else {
			// A hedged vector used fresh randomness; ours is deterministic, differs, and verifies.
			assert_ne!(ours, expected);
			assert!(pqc::verify(Suite::MlDsa87, &pk, &ctx, &msg, &ours));
			hedged += 1;
		}
	}
	assert!(deterministic >= 5 && hedged >= 5, "{deterministic} deterministic, {hedged} hedged");
}

/// Runs an external/pure sigVer file through `pqc::verify`; every verdict must match NIST's.
fn sigver(file: &str, suite: Suite) {
	let (mut pass, mut fail) = (0, 0);
	for case in load(file) {
		let expected = case["testPassed"].as_bool().expect("testPassed");
		let got = pqc::verify(
			suite,
			&bytes(&case, "pk"),
			&bytes(&case, "context"),
			&bytes(&case, "message"),
			&bytes(&case, "signature"),
		);
		assert_eq!(got, expected, "{file} tcId {} ({})", tc(&case), case["reason"]);
		*if expected { &mut pass } else { &mut fail } += 1;
	}
	assert!(pass > 0 && fail > 0, "{file}: {pass} passing, {fail} failing cases");
}

#[test]
fn ml_dsa_87_sigver_external_pure() {
	sigver("ml_dsa_87_sigver.json", Suite::MlDsa87);
}

#[test]
fn slh_dsa_sha2_256s_keygen() {
	for case in load("slh_dsa_sha2_256s_keygen.json") {
		let key = SecretKey::slh_dsa_from_seeds(
			&bytes(&case, "skSeed"),
			&bytes(&case, "skPrf"),
			&bytes(&case, "pkSeed"),
		)
		.unwrap();
		let pk = bytes(&case, "pk");
		assert_eq!(key.public_key(), pk, "tcId {}: pk from seeds", tc(&case));
		// The 128-byte sk imports, and its PK.root is checked against the seeds.
		let sk = bytes(&case, "sk");
		let imported = SecretKey::from_bytes(Suite::SlhDsaSha2_256s, &sk).unwrap();
		assert_eq!(imported.public_key(), pk, "tcId {}: pk from sk", tc(&case));
		let mut wrong_root = sk.clone();
		*wrong_root.last_mut().unwrap() ^= 1;
		assert!(SecretKey::from_bytes(Suite::SlhDsaSha2_256s, &wrong_root).is_err());
	}
}

#[test]
fn slh_dsa_sha2_256s_siggen_external_pure() {
	let mut reproduced = 0;
	for case in load("slh_dsa_sha2_256s_siggen.json") {
		assert_eq!(
			case["deterministic"].as_bool(),
			Some(true),
			"only deterministic cases are kept"
		);
		let key = SecretKey::from_bytes(Suite::SlhDsaSha2_256s, &bytes(&case, "sk")).unwrap();
		let pk = bytes(&case, "pk");
		assert_eq!(key.public_key(), pk, "tcId {}", tc(&case));
		let (msg, ctx, expected) =
			(bytes(&case, "message"), bytes(&case, "context"), bytes(&case, "signature"));
		assert!(
			pqc::verify(Suite::SlhDsaSha2_256s, &pk, &ctx, &msg, &expected),
			"tcId {}",
			tc(&case)
		);
		match pqc::sign(Suite::SlhDsaSha2_256s, &key, &ctx, &msg) {
			Err(SignError::EmptyContext) => assert!(ctx.is_empty(), "tcId {}", tc(&case)),
			Ok(ours) => {
				assert_eq!(ours, expected, "tcId {}: deterministic signature", tc(&case));
				reproduced += 1;
			}
			Err(e) => panic!("tcId {}: {e}", tc(&case)),
		}
	}
	assert!(reproduced >= 4, "only {reproduced} signatures reproduced");
}

#[test]
fn slh_dsa_sha2_256s_sigver_external_pure() {
	sigver("slh_dsa_sha2_256s_sigver.json", Suite::SlhDsaSha2_256s);
}

/// The older ACVP SLH-DSA sigVer set tests the *internal* verification (FIPS 205 algorithm 20)
/// on the raw message. External verification with context `ctx` is internal verification of
/// `0x00 ‖ len(ctx) ‖ ctx ‖ M` (algorithm 24), so these vectors check the primitive that
/// `pqc::verify` wraps, and the test below checks the wrapping.
#[test]
fn slh_dsa_sha2_256s_sigver_internal() {
	type Vk = slh_dsa::VerifyingKey<slh_dsa::Sha2_256s>;
	type Sig = slh_dsa::Signature<slh_dsa::Sha2_256s>;
	let (mut pass, mut fail) = (0, 0);
	for case in load("slh_dsa_sha2_256s_sigver_internal.json") {
		let expected = case["testPassed"].as_bool().expect("testPassed");
		let pk = bytes(&case, "pk");
		let (msg, sig) = (bytes(&case, "message"), bytes(&case, "signature"));
		let got = match (Vk::try_from(&pk[..]), Sig::try_from(&sig[..])) {
			(Ok(vk), Ok(sig)) => vk.slh_verify_internal(&[&msg], &sig).is_ok(),
			_ => false,
		};
		assert_eq!(got, expected, "tcId {}", tc(&case));
		// Our external verifier must never accept an internal-interface signature with the
		// product's contexts.
		assert!(!pqc::verify(Suite::SlhDsaSha2_256s, &pk, pqc::context::BATCH, &msg, &sig));
		*if expected { &mut pass } else { &mut fail } += 1;
	}
	assert!(pass > 0 && fail > 0);
}

/// `pqc::sign` and `pqc::verify` for SLH-DSA implement FIPS 205's external interface exactly:
/// the signature is the internal signature of `0x00 ‖ len(ctx) ‖ ctx ‖ M` with
/// `opt_rand = PK.seed` (deterministic variant), under a NIST key-generation vector's key.
#[test]
fn slh_dsa_sha2_256s_external_wraps_internal() {
	type Sk = slh_dsa::SigningKey<slh_dsa::Sha2_256s>;
	type Vk = slh_dsa::VerifyingKey<slh_dsa::Sha2_256s>;
	type Sig = slh_dsa::Signature<slh_dsa::Sha2_256s>;
	let case = &load("slh_dsa_sha2_256s_keygen.json")[0];
	let sk_bytes = bytes(case, "sk");
	let pk = bytes(case, "pk");
	let key = SecretKey::from_bytes(Suite::SlhDsaSha2_256s, &sk_bytes).unwrap();
	let (ctx, msg) = (pqc::context::CHECKPOINT, b"checkpoint hash".as_slice());
	let ours = pqc::sign(Suite::SlhDsaSha2_256s, &key, ctx, msg).unwrap();

	let prefix = [0u8, ctx.len() as u8];
	let vk = Vk::try_from(&pk[..]).unwrap();
	let sig = Sig::try_from(&ours[..]).unwrap();
	assert!(vk.slh_verify_internal(&[&prefix, ctx, msg], &sig).is_ok());
	let reference =
		Sk::try_from(&sk_bytes[..]).unwrap().slh_sign_internal(&[&prefix, ctx, msg], None);
	assert_eq!(
		ours,
		reference.to_bytes().to_vec(),
		"deterministic variant uses opt_rand = PK.seed"
	);
	assert!(pqc::verify(Suite::SlhDsaSha2_256s, &pk, ctx, msg, &ours));
	assert!(!pqc::verify(Suite::SlhDsaSha2_256s, &pk, pqc::context::BATCH, msg, &ours));
}
