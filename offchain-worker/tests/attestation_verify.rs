//! `aegis attestation verify`, run as operators run it, on every real sample (Intel quotes,
//! SEV-SNP reports, Nitro documents) and on simulated evidence: the JSON verdict and the exit
//! status, inside and outside the validity windows, and on tampered evidence.

#![allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.

use serde_json::Value;
use std::{path::PathBuf, process::Command};

const FIXTURES: &str =
	concat!(env!("CARGO_MANIFEST_DIR"), "/../primitives/attestation/tests/fixtures");

fn fixture(name: &str) -> PathBuf {
	PathBuf::from(FIXTURES).join(name)
}

/// Runs the verifier; returns the exit status and the verdict.
fn verify(args: &[&str]) -> (i32, Value) {
	let out = Command::new(env!("CARGO_BIN_EXE_aegis"))
		.args(["attestation", "verify"])
		.args(args)
		.output()
		.expect("aegis runs");
	let verdict = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
		panic!(
			"{e}: {}\n{}",
			String::from_utf8_lossy(&out.stdout),
			String::from_utf8_lossy(&out.stderr)
		)
	});
	(out.status.code().unwrap(), verdict)
}

fn path(p: &std::path::Path) -> &str {
	p.to_str().unwrap()
}

#[test]
fn every_snp_sample_verifies_inside_its_window_and_not_outside() {
	let dir = fixture("snp");
	let mut seen = 0;
	for entry in std::fs::read_dir(&dir).unwrap() {
		let report = entry.unwrap().path();
		let Some(name) = report.file_name().unwrap().to_str().unwrap().strip_suffix(".report.bin")
		else {
			continue;
		};
		let key = ["vcek", "vlek"]
			.iter()
			.map(|k| dir.join(format!("{name}.{k}.der")))
			.find(|p| p.exists())
			.unwrap();
		let cert = x509_validity(&key);
		let inside = (cert.0 + 3600).to_string();
		let (code, v) =
			verify(&[path(&report), "--kind", "snp", "--collateral", path(&key), "--now", &inside]);
		assert_eq!((code, &v["ok"]), (0, &Value::Bool(true)), "{name}: {v}");
		assert_eq!(v["kind"], "snp");
		assert_eq!(v["measurement"].as_str().unwrap().len(), 96);
		assert_eq!(v["report_data"].as_str().unwrap().len(), 128);
		assert_eq!(v["valid_until"], cert.1);
		assert!(v["tcb"]["reported_tcb"]["microcode"].is_u64());
		let after = (cert.1 + 1).to_string();
		let (code, v) =
			verify(&[path(&report), "--kind", "snp", "--collateral", path(&key), "--now", &after]);
		assert_eq!(
			(code, v["ok"].as_bool(), v["error"]["name"].as_str()),
			(1, Some(false), Some("Expired"))
		);
		// Verified as another kind, the same bytes are refused.
		let (code, _) = verify(&[path(&report), "--kind", "nitro", "--now", &inside]);
		assert_eq!(code, 1);
		seen += 1;
	}
	assert_eq!(seen, 15);
}

/// A certificate's window, read with openssl-free DER parsing.
fn x509_validity(der: &std::path::Path) -> (u64, u64) {
	use der::Decode as _;
	let cert = x509_cert::Certificate::from_der(&std::fs::read(der).unwrap()).unwrap();
	let v = cert.tbs_certificate().validity();
	(v.not_before.to_unix_duration().as_secs(), v.not_after.to_unix_duration().as_secs())
}

#[test]
fn every_nitro_sample_verifies_at_its_time_and_reports_pcrs() {
	let dir = fixture("nitro");
	let mut seen = 0;
	for entry in std::fs::read_dir(&dir).unwrap() {
		let doc = entry.unwrap().path();
		if doc.extension().and_then(|e| e.to_str()) != Some("cbor") {
			continue;
		}
		let parsed = aegis_attestation::nitro::parse(&std::fs::read(&doc).unwrap()).unwrap();
		let at = (parsed.timestamp_ms / 1000).to_string();
		let (code, v) = verify(&[path(&doc), "--kind", "nitro", "--now", &at]);
		assert_eq!(code, 0, "{}: {v}", doc.display());
		assert_eq!(v["pcrs"]["0"], v["measurement"]);
		assert_eq!(v["pcrs"]["8"].as_str().unwrap().len(), 96);
		let debug = doc.to_str().unwrap().contains("debug");
		assert_eq!(v["debug"], debug);
		assert_eq!(
			v["policy"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().contains("debug")),
			debug
		);
		let late = (parsed.timestamp_ms / 1000 + 4 * 3600).to_string();
		let (code, v) = verify(&[path(&doc), "--kind", "nitro", "--now", &late]);
		assert_eq!((code, v["error"]["name"].as_str()), (1, Some("Expired")));
		seen += 1;
	}
	assert_eq!(seen, 6);
}

#[test]
fn intel_quotes_verify_with_their_collateral() {
	for (quote, kind, now) in
		[("sgx_quote", "sgx", "1750400000"), ("tdx_quote", "tdx", "1750400000")]
	{
		let collateral = fixture(&format!("{quote}_collateral.json"));
		let q = fixture(quote);
		let (code, v) =
			verify(&[path(&q), "--kind", kind, "--collateral", path(&collateral), "--now", now]);
		assert_eq!(code, 0, "{v}");
		assert_eq!(v["kind"], kind);
		assert!(v["tcb"]["status"].is_string());
		// As the other Intel kind, or without its collateral, it does not verify.
		let other = if kind == "sgx" { "tdx" } else { "sgx" };
		assert_eq!(
			verify(&[path(&q), "--kind", other, "--collateral", path(&collateral), "--now", now]).0,
			1
		);
		let (code, v) = verify(&[path(&q), "--kind", kind, "--now", now]);
		assert_eq!(code, 1);
		assert!(v["error"]["message"].as_str().unwrap().contains("--collateral"));
	}
}

#[test]
fn tampered_evidence_is_refused_with_a_typed_error() {
	let dir = tempfile::tempdir().unwrap();
	let mut report = std::fs::read(fixture("snp/milan_v3_oak-rk.report.bin")).unwrap();
	report[0x90] ^= 1;
	let tampered = dir.path().join("report.bin");
	std::fs::write(&tampered, &report).unwrap();
	let key = fixture("snp/milan_v3_oak-rk.vcek.der");
	let (code, v) = verify(&[
		path(&tampered),
		"--kind",
		"snp",
		"--collateral",
		path(&key),
		"--now",
		"1740000000",
	]);
	assert_eq!(code, 1);
	assert_eq!(v["error"]["name"], "Rejected");
	assert!(v["error"]["message"].as_str().unwrap().contains("does not verify"), "{v}");
	// Hex input is read too.
	let hexed = dir.path().join("report.hex");
	std::fs::write(
		&hexed,
		hex::encode(std::fs::read(fixture("snp/milan_v3_oak-rk.report.bin")).unwrap()),
	)
	.unwrap();
	let (code, v) =
		verify(&[path(&hexed), "--kind", "snp", "--collateral", path(&key), "--now", "1740000000"]);
	assert_eq!(code, 0, "{v}");
}

#[test]
fn simulated_evidence_verifies_only_with_the_dev_roots() {
	use aegis_attestation::sim::{nitro::*, snp::*};
	let dir = tempfile::tempdir().unwrap();
	let snp = SimSnp::dev();
	let report = dir.path().join("snp.bin");
	std::fs::write(&report, snp.report(&SnpGuest::default(), &[1; 64])).unwrap();
	let vcek = dir.path().join("vcek.pem");
	std::fs::write(&vcek, snp.collateral()).unwrap();
	let args = [path(&report), "--kind", "snp", "--collateral", path(&vcek), "--now", "1800000000"];
	assert_eq!(verify(&args).0, 1, "AMD's ARKs do not trust the dev PKI");
	let (code, v) = verify(&[&args[..], &["--dev"]].concat());
	assert_eq!(code, 0, "{v}");
	// The dev worker's measurement is allowed by its SCALE hex; another is listed in policy.
	let allow =
		hex::encode(codec::Encode::encode(&aegis_attestation::dev::worker_snp_measurement()));
	let (_, v) = verify(&[&args[..], &["--dev", "--allow", &allow]].concat());
	assert_eq!(v["policy"], serde_json::json!(["measurement not allowed"]), "{v}");

	let nsm = SimNitro::dev();
	let doc = dir.path().join("doc.cbor");
	std::fs::write(
		&doc,
		nsm.document(&NitroImage::named("x"), &NitroRequest::default(), 1_800_000_000),
	)
	.unwrap();
	let root = dir.path().join("root.der");
	std::fs::write(&root, nsm.root_der()).unwrap();
	let args = [path(&doc), "--kind", "nitro", "--now", "1800000000"];
	assert_eq!(verify(&args).0, 1);
	assert_eq!(verify(&[&args[..], &["--root", path(&root)]].concat()).0, 0);
}
