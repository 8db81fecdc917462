//! Native quote verification with `dcap-qvl`.

use crate::{
	chain::path_error, rejected, AttestationError, Measurement, PlatformCollateralInfo, TcbStatus,
	TeeKind, VerifiedQuote, MAX_COLLATERAL_LEN, MAX_QUOTE_LEN,
};
use core::time::Duration;
use dcap_qvl::{config::EcdsaSigEncoder as _, signature::DerSigEncoder};
use dcap_qvl::{
	intel::quote_fmspc,
	quote::{Quote, Report},
	verify::QuoteVerifier,
	QeIdentity, QuoteCollateralV3, TcbInfo,
};
use rustls_pki_types::{CertificateDer, UnixTime};

/// Certificates in a quote's PCK chain as Intel issues it: the PCK certificate, its CA, the root.
const PCK_CHAIN_CERTIFICATES: usize = 3;
/// Certificates in a collateral document's issuer chain as Intel issues it: signer and root.
const ISSUER_CHAIN_CERTIFICATES: usize = 2;

/// SGX `ATTRIBUTES.DEBUG` (byte 0, bit 1).
const SGX_DEBUG: u8 = 0x02;
/// TDX `TD_ATTRIBUTES.DEBUG` (byte 0, bit 0).
const TDX_DEBUG: u8 = 0x01;

/// Refuses chains longer than Intel issues, before any is built: whoever submits a quote picks
/// its (unsigned) PCK chain and its collateral's chains, and every extra certificate is one
/// more candidate issuer the verifier tries, with a signature check each, for every trusted
/// root; what a verification costs must not depend on that choice beyond the bytes.
fn check_chain_lengths(
	quote: Option<&Quote>,
	collateral: &QuoteCollateralV3,
) -> Result<(), AttestationError> {
	let certificates =
		|pem: &[u8]| pem.windows(10).filter(|w| *w == b"-----BEGIN".as_slice()).count();
	let pck = quote.and_then(|q| q.raw_cert_chain().ok().map(certificates)).unwrap_or_default();
	if pck > PCK_CHAIN_CERTIFICATES {
		return Err(rejected("the quote's PCK chain holds more certificates than Intel issues"));
	}
	let issuers = [
		&collateral.pck_crl_issuer_chain,
		&collateral.tcb_info_issuer_chain,
		&collateral.qe_identity_issuer_chain,
	];
	if issuers.iter().any(|chain| certificates(chain.as_bytes()) > ISSUER_CHAIN_CERTIFICATES) {
		return Err(rejected(
			"a collateral issuer chain holds more certificates than Intel issues",
		));
	}
	Ok(())
}

/// Verifies `quote` with `collateral` (JSON `QuoteCollateralV3`) under `trusted_root_der` at
/// `now_secs`, and extracts what a policy needs. See the crate docs for the inputs.
pub fn verify_quote(
	quote: &[u8],
	collateral: &[u8],
	trusted_root_der: &[u8],
	now_secs: u64,
) -> Result<VerifiedQuote, AttestationError> {
	if quote.len() > MAX_QUOTE_LEN {
		return Err(AttestationError::QuoteTooLarge);
	}
	if collateral.len() > MAX_COLLATERAL_LEN {
		return Err(AttestationError::CollateralTooLarge);
	}
	let collateral: QuoteCollateralV3 =
		serde_json::from_slice(collateral).map_err(|_| AttestationError::MalformedCollateral)?;
	let tcb_info: TcbInfo = serde_json::from_str(&collateral.tcb_info)
		.map_err(|_| AttestationError::MalformedCollateral)?;
	let qe_identity: QeIdentity = serde_json::from_str(&collateral.qe_identity)
		.map_err(|_| AttestationError::MalformedCollateral)?;
	// Parsed once here for the checks around `dcap-qvl`'s verification (which parses its own);
	// a quote that does not parse is refused by that verification.
	let parsed = Quote::parse(quote).ok();
	check_chain_lengths(parsed.as_ref(), &collateral)?;
	// The documents' own windows are checked here, before the signatures: a failure that a
	// refresh of the collateral cures is a typed error, and no error text is ever read.
	let issued_at = unix_secs(&tcb_info.issue_date)?.max(unix_secs(&qe_identity.issue_date)?);
	let collateral_expires_at =
		unix_secs(&tcb_info.next_update)?.min(unix_secs(&qe_identity.next_update)?);
	check_window(issued_at, collateral_expires_at, now_secs)?;
	let report = QuoteVerifier::new(trusted_root_der.to_vec())
		// Debug is reported and left to the chain's policy, not refused here.
		.allow_debug(true)
		.verify(quote, &collateral, now_secs)
		.map_err(|e| rejected(&format!("{e:#}")))?;

	let fmspc = parsed
		.as_ref()
		.ok_or_else(|| rejected("the quote does not parse"))
		.and_then(|q| quote_fmspc(q).map_err(|e| rejected(&format!("{e:#}"))))?;

	let tcb_status =
		TcbStatus::from_intel_name(&report.status).ok_or(AttestationError::UnknownTcbStatus)?;
	let advisory_ids = report.advisory_ids.iter().map(|id| id.as_bytes().to_vec()).collect();
	let (tee, measurement, report_data, debug) = match &report.report {
		Report::SgxEnclave(enclave) => (
			TeeKind::Sgx,
			Measurement::Sgx {
				mr_enclave: enclave.mr_enclave,
				mr_signer: enclave.mr_signer,
				isv_prod_id: enclave.isv_prod_id,
				isv_svn: enclave.isv_svn,
			},
			enclave.report_data,
			enclave.attributes[0] & SGX_DEBUG != 0,
		),
		other => {
			let td = other.as_td10().ok_or_else(|| {
				AttestationError::Rejected(b"quote carries neither an SGX nor a TD report".to_vec())
			})?;
			(
				TeeKind::Tdx,
				Measurement::Tdx {
					mr_td: td.mr_td,
					rtmr: [td.rt_mr0, td.rt_mr1, td.rt_mr2, td.rt_mr3],
				},
				td.report_data,
				td.td_attributes[0] & TDX_DEBUG != 0,
			)
		}
	};
	Ok(VerifiedQuote {
		tee,
		tcb_status,
		advisory_ids,
		measurement,
		report_data,
		debug,
		fmspc,
		tcb_evaluation_data_number: tcb_info.tcb_evaluation_data_number,
		collateral_expires_at,
	})
}

/// An RFC 3339 time (as Intel's collateral writes them) in Unix seconds.
fn unix_secs(rfc3339: &str) -> Result<u64, AttestationError> {
	chrono::DateTime::parse_from_rfc3339(rfc3339)
		.ok()
		.and_then(|t| u64::try_from(t.timestamp()).ok())
		.ok_or(AttestationError::MalformedCollateral)
}

/// Whether `now_secs` lies in the window `[issued_at, next_update]`, as a typed error.
fn check_window(issued_at: u64, next_update: u64, now_secs: u64) -> Result<(), AttestationError> {
	if now_secs < issued_at {
		Err(AttestationError::NotYetValid)
	} else if now_secs > next_update {
		Err(AttestationError::Expired)
	} else {
		Ok(())
	}
}

/// Verifies a platform's TCB info and QE identity on their own, as a PCCS serves them: both
/// documents signed (raw P-256 `r ‖ s`) by the leaf of `issuer_chain` (PEM), which must be
/// issued directly by `trusted_root_der` and not revoked by `root_ca_crl` (DER), everything
/// valid at `now_secs`. Returns what the chain keeps of them.
#[allow(clippy::too_many_arguments)]
pub fn verify_platform_collateral(
	tcb_info: &[u8],
	tcb_info_signature: &[u8],
	qe_identity: &[u8],
	qe_identity_signature: &[u8],
	issuer_chain: &[u8],
	root_ca_crl: &[u8],
	trusted_root_der: &[u8],
	now_secs: u64,
) -> Result<PlatformCollateralInfo, AttestationError> {
	let total = [tcb_info, tcb_info_signature, qe_identity, qe_identity_signature, issuer_chain]
		.iter()
		.map(|p| p.len())
		.sum::<usize>()
		.saturating_add(root_ca_crl.len());
	if total > MAX_COLLATERAL_LEN {
		return Err(AttestationError::CollateralTooLarge);
	}
	let malformed = |_: serde_json::Error| AttestationError::MalformedCollateral;
	let tcb: TcbInfo = serde_json::from_slice(tcb_info).map_err(malformed)?;
	let qe: QeIdentity = serde_json::from_slice(qe_identity).map_err(malformed)?;
	let (tee, qe_id) = match tcb.id.as_str() {
		"SGX" => (TeeKind::Sgx, "QE"),
		"TDX" => (TeeKind::Tdx, "TD_QE"),
		_ => return Err(AttestationError::MalformedCollateral),
	};
	if qe.id != qe_id {
		return Err(rejected("QE identity is for another TEE than the TCB info"));
	}
	let fmspc: [u8; 6] = hex_array(&tcb.fmspc).ok_or(AttestationError::MalformedCollateral)?;
	let issued_at = unix_secs(&tcb.issue_date)?.max(unix_secs(&qe.issue_date)?);
	let next_update = unix_secs(&tcb.next_update)?.min(unix_secs(&qe.next_update)?);
	check_window(issued_at, next_update, now_secs)?;

	let alg = webpki::rustcrypto::ECDSA_P256_SHA256;
	let root = CertificateDer::from(trusted_root_der);
	let anchor = webpki::anchor_from_trusted_cert(&root).map_err(|e| reject_with(&e))?;
	let crl = webpki::OwnedCertRevocationList::from_der_verified(
		root_ca_crl,
		&anchor.subject_public_key_info,
		&[alg],
	)
	.map_err(|e| reject_with(&e))?;
	let crls = [webpki::CertRevocationList::from(crl)];
	let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crls.iter().collect();
	let revocation = webpki::RevocationOptionsBuilder::new(&crl_refs)
		.map_err(|_| rejected("no CRL"))?
		.with_depth(webpki::RevocationCheckDepth::Chain)
		.with_status_policy(webpki::UnknownStatusPolicy::Deny)
		.with_expiration_policy(webpki::ExpirationPolicy::Enforce)
		.build();
	let certs: Vec<CertificateDer<'static>> = pem::parse_many(issuer_chain)
		.map_err(|_| AttestationError::MalformedCollateral)?
		.into_iter()
		.map(|p| CertificateDer::from(p.into_contents()))
		.collect();
	let (leaf_der, rest) = certs.split_first().ok_or(AttestationError::MalformedCollateral)?;
	// The signer sits directly under the root; nothing else is needed to chain it.
	let _ = rest;
	let leaf = webpki::EndEntityCert::try_from(leaf_der).map_err(|e| reject_with(&e))?;
	let now = UnixTime::since_unix_epoch(Duration::from_secs(now_secs));
	leaf.verify_for_usage(
		&[alg],
		&[anchor],
		&[],
		now,
		webpki::KeyUsage::server_auth(),
		Some(revocation),
		None,
	)
	// Expired and not-yet-valid certificates or CRL get the same typed errors as in quotes.
	.map_err(path_error)?;
	for (document, signature) in
		[(tcb_info, tcb_info_signature), (qe_identity, qe_identity_signature)]
	{
		let (r, s) = signature.split_at_checked(32).ok_or(AttestationError::MalformedCollateral)?;
		let der = DerSigEncoder::encode_ecdsa_sig(r, s)
			.map_err(|_| AttestationError::MalformedCollateral)?;
		leaf.verify_signature(alg, document, &der)
			.map_err(|_| rejected("collateral signature does not verify"))?;
	}
	Ok(PlatformCollateralInfo {
		tee,
		fmspc,
		tcb_evaluation_data_number: tcb.tcb_evaluation_data_number,
		issued_at,
		next_update,
	})
}

fn reject_with(e: &impl core::fmt::Debug) -> AttestationError {
	rejected(&format!("{e:?}"))
}

fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
	let mut out = [0u8; N];
	hex::decode_to_slice(text, &mut out).ok()?;
	Some(out)
}
