//! The operator's verifier behind `aegis attestation verify`: runs on a quote, report or
//! document exactly the verification the chain runs (`aegis_attestation::verify_evidence`,
//! the host functions' code) and the chain's default policy (`aegis_attestation::policy`),
//! and describes the outcome as JSON.
//!
//! `ok` means genuine and valid at `now`: format, signature, certificate chain to a pinned
//! root, validity windows. What the default policy would refuse besides (debug, TCB below the
//! floor, guest policy, a measurement not in `--allow`) is listed in `policy` and does not
//! change `ok`.

use aegis_attestation::{
	policy, AttestationError, Measurement, TcbFacts, TeeKind, VerifiedAttestation,
};
use serde_json::{json, Value};

/// The kinds the verifier takes, by the names operators type.
pub fn parse_kind(name: &str) -> Option<TeeKind> {
	Some(match name {
		"sgx" => TeeKind::Sgx,
		"tdx" => TeeKind::Tdx,
		"snp" | "sev-snp" => TeeKind::SevSnp,
		"nitro" => TeeKind::Nitro,
		_ => return None,
	})
}

/// The name of a kind in verdicts.
pub fn kind_name(kind: TeeKind) -> &'static str {
	match kind {
		TeeKind::Sgx => "sgx",
		TeeKind::Tdx => "tdx",
		TeeKind::SevSnp => "snp",
		TeeKind::Nitro => "nitro",
	}
}

/// The roots production chains trust for `kind` (and, with `dev`, the simulators' dev roots
/// that dev chains trust).
pub fn default_roots(kind: TeeKind, dev: bool) -> Vec<Vec<u8>> {
	let mut roots = aegis_attestation::vendor_roots(kind);
	if dev {
		roots.push(aegis_attestation::dev::root(kind));
	}
	roots.into_iter().map(<[u8]>::to_vec).collect()
}

/// A certificate file's DER: the file itself if it is DER, else its first PEM certificate.
pub fn certificate_der(bytes: &[u8]) -> Option<Vec<u8>> {
	if bytes.first() == Some(&0x30) {
		return Some(bytes.to_vec());
	}
	pem::parse_many(bytes)
		.ok()?
		.into_iter()
		.find(|p| p.tag() == "CERTIFICATE")
		.map(pem::Pem::into_contents)
}

/// Evidence as a file holds it: raw bytes, or the same as hex (with or without `0x`).
pub fn evidence_bytes(file: &[u8]) -> Vec<u8> {
	let text = std::str::from_utf8(file).map(str::trim).unwrap_or("");
	let text = text.strip_prefix("0x").unwrap_or(text);
	if !text.is_empty() && text.len().is_multiple_of(2) {
		if let Ok(bytes) = hex::decode(text) {
			return bytes;
		}
	}
	file.to_vec()
}

fn error_json(e: &AttestationError) -> Value {
	let (name, message) = match e {
		AttestationError::QuoteTooLarge => ("QuoteTooLarge", "the evidence is too large".into()),
		AttestationError::CollateralTooLarge => {
			("CollateralTooLarge", "the collateral is too large".into())
		}
		AttestationError::MalformedCollateral => {
			("MalformedCollateral", "the collateral does not parse".into())
		}
		AttestationError::Rejected(reason) => {
			("Rejected", String::from_utf8_lossy(reason).into_owned())
		}
		AttestationError::Expired => {
			("Expired", "a certificate, CRL or collateral document had expired at --now".into())
		}
		AttestationError::NotYetValid => (
			"NotYetValid",
			"a certificate, CRL or collateral document was not yet valid at --now".into(),
		),
		AttestationError::UnknownTcbStatus => {
			("UnknownTcbStatus", "the collateral names an unknown TCB status".into())
		}
		AttestationError::Unavailable => ("Unavailable", "verification is unavailable".into()),
	};
	json!({ "name": name, "message": message })
}

/// The measurement as the verdict shows it (hex, no prefix): MRENCLAVE, MRTD, the SEV-SNP
/// launch measurement, Nitro's PCR0.
fn measurement_hex(m: &Measurement) -> String {
	match m {
		Measurement::Sgx { mr_enclave, .. } => hex::encode(mr_enclave),
		Measurement::Tdx { mr_td, .. } => hex::encode(mr_td),
		Measurement::SevSnp { measurement } => hex::encode(measurement),
		Measurement::Nitro { pcr0, .. } => hex::encode(pcr0),
	}
}

fn tcb_json(tcb: &TcbFacts) -> Value {
	match tcb {
		TcbFacts::Intel { status, advisory_ids, fmspc, tcb_evaluation_data_number } => json!({
			"status": status.intel_name(),
			"advisory_ids": advisory_ids.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>(),
			"fmspc": hex::encode(fmspc),
			"tcb_evaluation_data_number": tcb_evaluation_data_number,
		}),
		TcbFacts::SevSnp { product, report_version, reported_tcb, policy, vmpl, signer } => json!({
			"product": product.name(),
			"report_version": report_version,
			"reported_tcb": {
				"fmc": reported_tcb.fmc,
				"boot_loader": reported_tcb.boot_loader,
				"tee": reported_tcb.tee,
				"snp": reported_tcb.snp,
				"microcode": reported_tcb.microcode,
			},
			"guest_policy": format!("{policy:#x}"),
			"vmpl": vmpl,
			"signer": format!("{signer:?}").to_uppercase(),
		}),
		TcbFacts::Nitro { module_id, timestamp_ms } => json!({
			"module_id": String::from_utf8_lossy(module_id),
			"timestamp_ms": timestamp_ms,
		}),
	}
}

fn verified_json(v: &VerifiedAttestation, allowed: &[Measurement]) -> Value {
	let mut refused: Vec<String> = policy::refusals(v, &policy::Policy::default())
		.iter()
		.map(policy::Refusal::describe)
		.collect();
	if !allowed.is_empty() && !allowed.contains(&v.measurement) {
		refused.push("measurement not allowed".into());
	}
	let mut out = serde_json::Map::new();
	let mut put = |key: &str, value: Value| {
		out.insert(key.into(), value);
	};
	put("ok", json!(true));
	put("kind", json!(kind_name(v.tee)));
	put("measurement", json!(measurement_hex(&v.measurement)));
	match &v.measurement {
		Measurement::Nitro { pcr0, pcr1, pcr2, pcr8 } => put(
			"pcrs",
			json!({
				"0": hex::encode(pcr0), "1": hex::encode(pcr1),
				"2": hex::encode(pcr2), "8": hex::encode(pcr8),
			}),
		),
		Measurement::Tdx { rtmr, .. } => {
			put("rtmr", json!(rtmr.iter().map(hex::encode).collect::<Vec<_>>()))
		}
		Measurement::Sgx { mr_signer, isv_prod_id, isv_svn, .. } => {
			put("mr_signer", json!(hex::encode(mr_signer)));
			put("isv_prod_id", json!(isv_prod_id));
			put("isv_svn", json!(isv_svn));
		}
		Measurement::SevSnp { .. } => {}
	}
	put("report_data", json!(hex::encode(v.report_data)));
	put("debug", json!(v.debug));
	put("tcb", tcb_json(&v.tcb));
	put("valid_until", json!(v.valid_until));
	put("policy", json!(refused));
	Value::Object(out)
}

/// Verifies `evidence` of `kind` with `collateral` (DCAP: the collateral JSON; SEV-SNP: the
/// VCEK or VLEK certificate, DER or PEM, possibly with its chain; Nitro: none) under `roots`
/// at `now`; `allowed` lists the measurements to hold it against (none: not checked).
/// Returns whether it verified and the verdict.
pub fn verdict(
	kind: TeeKind,
	evidence: &[u8],
	collateral: Option<&[u8]>,
	roots: &[Vec<u8>],
	now: u64,
	allowed: &[Measurement],
) -> (bool, Value) {
	let needs_collateral = matches!(kind, TeeKind::Sgx | TeeKind::Tdx | TeeKind::SevSnp);
	let result = match (collateral, needs_collateral) {
		(None, true) => Err(AttestationError::MalformedCollateral),
		(collateral, _) => aegis_attestation::verify_evidence(
			kind,
			evidence,
			collateral.unwrap_or_default(),
			roots,
			now,
		),
	};
	match result {
		Ok(v) => (true, verified_json(&v, allowed)),
		Err(e) => {
			let error = if collateral.is_none() && needs_collateral {
				let needed = if kind == TeeKind::SevSnp {
					"the VCEK or VLEK certificate"
				} else {
					"the PCCS collateral JSON"
				};
				json!({
					"name": "MalformedCollateral",
					"message": format!("{} evidence needs --collateral ({needed})", kind_name(kind)),
				})
			} else {
				error_json(&e)
			};
			(false, json!({ "ok": false, "kind": kind_name(kind), "error": error }))
		}
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)] // Tests index freely: a panic is a failed test.
mod tests {
	use super::*;

	const FIXTURES: &str =
		concat!(env!("CARGO_MANIFEST_DIR"), "/../primitives/attestation/tests/fixtures");

	fn fixture(path: &str) -> Vec<u8> {
		std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
	}

	#[test]
	fn a_genuine_snp_report_verifies_and_its_policy_is_listed() {
		let report = fixture("snp/genoa_v5_oak.report.bin");
		let vcek = fixture("snp/genoa_v5_oak.vcek.der");
		let roots = default_roots(TeeKind::SevSnp, false);
		let (ok, v) = verdict(TeeKind::SevSnp, &report, Some(&vcek), &roots, 1_760_000_000, &[]);
		assert!(ok, "{v}");
		assert_eq!(v["kind"], "snp");
		assert_eq!(v["measurement"], hex::encode(&report[0x90..0xc0]));
		assert_eq!(v["tcb"]["product"], "Genoa");
		assert!(v["policy"].as_array().unwrap().is_empty(), "{v}");
		let other = Measurement::SevSnp { measurement: [1; 48] };
		let (ok, v) =
			verdict(TeeKind::SevSnp, &report, Some(&vcek), &roots, 1_760_000_000, &[other]);
		assert!(ok, "a measurement outside --allow is policy, not genuineness");
		assert_eq!(v["policy"][0], "measurement not allowed");
		// Without the VCEK, or after the VCEK expired.
		let (ok, v) = verdict(TeeKind::SevSnp, &report, None, &roots, 1_760_000_000, &[]);
		assert!(!ok);
		assert!(v["error"]["message"].as_str().unwrap().contains("--collateral"));
		let (ok, v) = verdict(TeeKind::SevSnp, &report, Some(&vcek), &roots, 4_000_000_000, &[]);
		assert_eq!((ok, v["error"]["name"].as_str()), (false, Some("Expired")));
	}

	#[test]
	fn a_debug_nitro_document_is_genuine_and_refused_by_policy() {
		let doc = fixture("nitro/evervault_2023-09-18_debug.cbor");
		let roots = default_roots(TeeKind::Nitro, false);
		let now = aegis_attestation::nitro::parse(&doc).unwrap().timestamp_ms / 1000;
		let (ok, v) = verdict(TeeKind::Nitro, &doc, None, &roots, now, &[]);
		assert!(ok, "{v}");
		assert_eq!(v["debug"], true);
		assert_eq!(v["pcrs"]["0"], "00".repeat(48));
		assert!(v["policy"][0].as_str().unwrap().contains("debug"));
		// As the wrong kind it does not verify.
		let (ok, v) = verdict(TeeKind::SevSnp, &doc, Some(&doc), &roots, now, &[]);
		assert!(!ok, "{v}");
	}

	#[test]
	fn evidence_may_be_hex_and_certificates_pem() {
		assert_eq!(evidence_bytes(b"0xdead\n"), vec![0xde, 0xad]);
		assert_eq!(evidence_bytes(b"\x84\x01"), vec![0x84, 0x01]);
		let der = fixture("snp/turin_v5_oak.vcek.der");
		let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.clone()));
		assert_eq!(certificate_der(pem.as_bytes()), Some(der.clone()));
		assert_eq!(certificate_der(&der), Some(der));
		assert_eq!(parse_kind("snp"), Some(TeeKind::SevSnp));
		assert_eq!(parse_kind("sev"), None);
	}
}
