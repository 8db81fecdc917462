//! Native quote verification with `dcap-qvl`.

use crate::{
	AttestationError, Measurement, TcbStatus, TeeKind, VerifiedQuote, MAX_COLLATERAL_LEN,
	MAX_QUOTE_LEN, MAX_REASON_LEN,
};
use dcap_qvl::{
	intel::quote_fmspc,
	quote::{Quote, Report},
	verify::QuoteVerifier,
	QeIdentity, QuoteCollateralV3, TcbInfo,
};

/// SGX `ATTRIBUTES.DEBUG` (byte 0, bit 1).
const SGX_DEBUG: u8 = 0x02;
/// TDX `TD_ATTRIBUTES.DEBUG` (byte 0, bit 0).
const TDX_DEBUG: u8 = 0x01;

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
	let report = QuoteVerifier::new(trusted_root_der.to_vec())
		// Debug is reported and left to the chain's policy, not refused here.
		.allow_debug(true)
		.verify(quote, &collateral, now_secs)
		.map_err(|e| classify(&format!("{e:#}")))?;

	let fmspc = Quote::parse(quote)
		.and_then(|q| quote_fmspc(&q))
		.map_err(|e| classify(&format!("{e:#}")))?;
	let tcb_info: TcbInfo = serde_json::from_str(&collateral.tcb_info)
		.map_err(|_| AttestationError::MalformedCollateral)?;
	let qe_identity: QeIdentity = serde_json::from_str(&collateral.qe_identity)
		.map_err(|_| AttestationError::MalformedCollateral)?;
	let collateral_expires_at =
		unix_secs(&tcb_info.next_update)?.min(unix_secs(&qe_identity.next_update)?);

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

/// Names the time-window failures (which a refresh of the collateral cures) apart from the rest.
fn classify(reason: &str) -> AttestationError {
	let lower = reason.to_ascii_lowercase();
	if lower.contains("expired") {
		AttestationError::Expired
	} else if lower.contains("notvalidyet") || lower.contains("in the future") {
		AttestationError::NotYetValid
	} else {
		let mut reason = reason.as_bytes().to_vec();
		reason.truncate(MAX_REASON_LEN);
		AttestationError::Rejected(reason)
	}
}
