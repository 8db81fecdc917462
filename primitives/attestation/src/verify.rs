//! Native quote verification with `dcap-qvl`.

use crate::{
	AttestationError, Measurement, TcbStatus, TeeKind, VerifiedQuote, MAX_COLLATERAL_LEN,
	MAX_QUOTE_LEN, MAX_REASON_LEN,
};
use dcap_qvl::{quote::Report, verify::QuoteVerifier, QuoteCollateralV3};

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
		.map_err(|e| {
			let mut reason = format!("{e:#}").into_bytes();
			reason.truncate(MAX_REASON_LEN);
			AttestationError::Rejected(reason)
		})?;

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
	Ok(VerifiedQuote { tee, tcb_status, advisory_ids, measurement, report_data, debug })
}
