//! The off-chain worker: keeps enrolled platforms' collateral fresh from a PCCS.
//!
//! Every `CollateralRefreshInterval` blocks, for each enrolled platform `(tee, fmspc)`, the hook
//! fetches from the PCCS at [`crate::PccsUrl`] (Intel's PCS API v4, which PCCS mirrors):
//! - `GET {base}/{sgx|tdx}/certification/v4/tcb?fmspc={FMSPC}&update=standard`: body
//!   `{"tcbInfo":{…},"signature":"<hex>"}`, signer chain in the `TCB-Info-Issuer-Chain` header
//!   (URL-encoded PEM);
//! - `GET {base}/{sgx|tdx}/certification/v4/qe/identity?update=standard`: body
//!   `{"enclaveIdentity":{…},"signature":"<hex>"}`;
//! - `GET {base}/sgx/certification/v4/rootcacrl`: the root CA's CRL (hex text, or DER);
//!
//! and submits them as an authorized [`crate::Call::update_platform_collateral`], which the
//! pallet accepts only when they verify under a trusted root and are newer than its copy. The
//! signed documents are taken from the bodies byte for byte, never re-serialised.

use crate::{Config, PccsUrl, Platforms};
use aegis_attestation::{CollateralDocuments, TeeKind};
use alloc::{format, string::String, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_support::{pallet_prelude::ConstU32, traits::Get, BoundedVec};
use frame_system::{offchain::SubmitTransaction, pallet_prelude::BlockNumberFor};
use scale_info::TypeInfo;
use sp_runtime::{
	offchain::{http, storage::StorageValueRef, Duration},
	traits::Zero,
};

/// Longest TCB info document accepted.
pub const MAX_TCB_INFO_LEN: u32 = 64 * 1024;
/// Longest QE identity document accepted.
pub const MAX_QE_IDENTITY_LEN: u32 = 16 * 1024;
/// Longest signer chain accepted.
pub const MAX_ISSUER_CHAIN_LEN: u32 = 8 * 1024;
/// Longest root CA CRL accepted.
pub const MAX_CRL_LEN: u32 = 4 * 1024;
/// How long one PCCS request may take.
const HTTP_TIMEOUT_MS: u64 = 10_000;

/// A platform's TCB info and QE identity as the PCCS served them.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct CollateralUpdate {
	/// The TCB info JSON, exactly as signed.
	pub tcb_info: BoundedVec<u8, ConstU32<MAX_TCB_INFO_LEN>>,
	/// Raw P-256 `r ‖ s` over `tcb_info`.
	pub tcb_info_signature: BoundedVec<u8, ConstU32<64>>,
	/// The QE identity JSON, exactly as signed.
	pub qe_identity: BoundedVec<u8, ConstU32<MAX_QE_IDENTITY_LEN>>,
	/// Raw P-256 `r ‖ s` over `qe_identity`.
	pub qe_identity_signature: BoundedVec<u8, ConstU32<64>>,
	/// PEM chain of the signer (signer first).
	pub issuer_chain: BoundedVec<u8, ConstU32<MAX_ISSUER_CHAIN_LEN>>,
	/// The root CA's CRL (DER).
	pub root_ca_crl: BoundedVec<u8, ConstU32<MAX_CRL_LEN>>,
}

/// Why a refresh of one platform failed.
#[derive(Debug, PartialEq, Eq)]
pub enum FetchError {
	/// The request failed or timed out, or the PCCS answered with an error status.
	Http,
	/// The body or headers are not what PCCS API v4 sends.
	Malformed(&'static str),
	/// A document is larger than the pallet accepts.
	TooLarge,
}

/// Key, in the node's persistent off-chain storage, of the PCCS base URL this node uses
/// instead of the chain's [`crate::PccsUrl`] (SCALE `Vec<u8>`; written by
/// `aegis-node --pccs-url`).
pub const LOCAL_PCCS_URL_KEY: &[u8] = b"aegis/tee-registry/pccs-url";

/// The hook's body: refresh every enrolled platform when the interval comes round.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let interval = T::CollateralRefreshInterval::get();
	if interval.is_zero() || !(now % interval).is_zero() {
		return;
	}
	// The node operator's own PCCS (`aegis-node --pccs-url`) wins over the chain's.
	let base = StorageValueRef::persistent(LOCAL_PCCS_URL_KEY)
		.get::<Vec<u8>>()
		.ok()
		.flatten()
		.filter(|url| !url.is_empty())
		.unwrap_or_else(|| PccsUrl::<T>::get().into_inner());
	let Ok(base) = core::str::from_utf8(&base) else { return };
	if base.is_empty() {
		return;
	}
	for ((tee, fmspc), _) in Platforms::<T>::iter() {
		match fetch(base, tee, &fmspc) {
			Ok(update) => {
				let call = crate::Call::<T>::update_platform_collateral { update };
				let xt = T::create_authorized_transaction(call.into());
				if SubmitTransaction::<T, crate::Call<T>>::submit_transaction(xt).is_err() {
					log::debug!(
						target: "runtime::tee-registry",
						"collateral of {tee:?} {} not newer or not valid; not submitted",
						hex_upper(&fmspc)
					);
				}
			}
			Err(e) => log::warn!(
				target: "runtime::tee-registry",
				"fetching collateral of {tee:?} {} from the PCCS failed: {e:?}",
				hex_upper(&fmspc)
			),
		}
	}
}

/// Fetches one platform's collateral from the PCCS at `base`.
pub fn fetch(base: &str, tee: TeeKind, fmspc: &[u8; 6]) -> Result<CollateralUpdate, FetchError> {
	let base = base.trim_end_matches('/');
	let kind = match tee {
		TeeKind::Tdx => "tdx",
		_ => "sgx",
	};
	let tcb = get(&format!(
		"{base}/{kind}/certification/v4/tcb?fmspc={}&update=standard",
		hex_upper(fmspc)
	))?;
	let qe = get(&format!("{base}/{kind}/certification/v4/qe/identity?update=standard"))?;
	let crl = get(&format!("{base}/sgx/certification/v4/rootcacrl"))?;

	let (tcb_info, tcb_sig) = split_signed(&tcb.body, b"tcbInfo")?;
	let (qe_identity, qe_sig) = split_signed(&qe.body, b"enclaveIdentity")?;
	let chain = header(&tcb.headers, "TCB-Info-Issuer-Chain")
		.or_else(|| header(&tcb.headers, "SGX-TCB-Info-Issuer-Chain"))
		.ok_or(FetchError::Malformed("no TCB-Info-Issuer-Chain header"))?;
	let chain = percent_decode(chain).ok_or(FetchError::Malformed("bad issuer chain encoding"))?;
	// PCCS serves the root CRL as hex text; Intel's distribution point as DER.
	let crl_text = core::str::from_utf8(&crl.body).map(str::trim).unwrap_or_default();
	let root_ca_crl = decode_hex(crl_text).unwrap_or(crl.body);

	CollateralUpdate::from_documents((
		tcb_info.to_vec(),
		tcb_sig,
		qe_identity.to_vec(),
		qe_sig,
		chain,
		root_ca_crl,
	))
}

impl CollateralUpdate {
	/// The update of the documents a PCCS serves: TCB info, its signature, QE identity, its
	/// signature, the signer's PEM chain, the root CA's CRL (DER); `TooLarge` if one is longer
	/// than the pallet accepts.
	pub fn from_documents(
		(
			tcb_info,
			tcb_info_signature,
			qe_identity,
			qe_identity_signature,
			issuer_chain,
			root_ca_crl,
		): CollateralDocuments,
	) -> Result<Self, FetchError> {
		Ok(Self {
			tcb_info: bounded(tcb_info)?,
			tcb_info_signature: bounded(tcb_info_signature)?,
			qe_identity: bounded(qe_identity)?,
			qe_identity_signature: bounded(qe_identity_signature)?,
			issuer_chain: bounded(issuer_chain)?,
			root_ca_crl: bounded(root_ca_crl)?,
		})
	}
}

fn bounded<const N: u32>(bytes: Vec<u8>) -> Result<BoundedVec<u8, ConstU32<N>>, FetchError> {
	BoundedVec::try_from(bytes).map_err(|_| FetchError::TooLarge)
}

struct Reply {
	body: Vec<u8>,
	headers: Vec<(Vec<u8>, Vec<u8>)>,
}

fn get(url: &str) -> Result<Reply, FetchError> {
	let deadline = sp_io::offchain::timestamp().add(Duration::from_millis(HTTP_TIMEOUT_MS));
	let pending = http::Request::get(url)
		.add_header("Accept", "application/json")
		.deadline(deadline)
		.send()
		.map_err(|_| FetchError::Http)?;
	let mut response =
		pending.try_wait(deadline).map_err(|_| FetchError::Http)?.map_err(|_| FetchError::Http)?;
	if response.code != 200 {
		return Err(FetchError::Http);
	}
	let headers = response.headers().raw.clone();
	let body = response.body().collect();
	Ok(Reply { body, headers })
}

/// Header names arrive lower-cased from the node's HTTP client: match without case.
fn header<'a>(headers: &'a [(Vec<u8>, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
	headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v.as_slice())
}

/// Splits `{"<key>":<document>,"signature":"<hex>"}` into the exact document bytes and the
/// decoded signature.
pub fn split_signed<'a>(body: &'a [u8], key: &[u8]) -> Result<(&'a [u8], Vec<u8>), FetchError> {
	let body = body.trim_ascii();
	let prefix = [b"{\"", key, b"\":"].concat();
	let rest = body.strip_prefix(prefix.as_slice()).ok_or(FetchError::Malformed("document key"))?;
	let marker = b",\"signature\":\"";
	let at = rest
		.windows(marker.len())
		.rposition(|w| w == marker)
		.ok_or(FetchError::Malformed("no signature"))?;
	let (document, tail) = rest.split_at(at);
	let hex = tail
		.get(marker.len()..)
		.and_then(|t| t.strip_suffix(b"\"}"))
		.ok_or(FetchError::Malformed("signature field"))?;
	let hex = core::str::from_utf8(hex).map_err(|_| FetchError::Malformed("signature field"))?;
	let signature = decode_hex(hex).ok_or(FetchError::Malformed("signature hex"))?;
	Ok((document, signature))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
	hex::decode(text).ok().filter(|bytes| !bytes.is_empty())
}

fn hex_upper(bytes: &[u8]) -> String {
	hex::encode_upper(bytes)
}

/// Decodes `%XX` escapes (the issuer chain header is URL-encoded PEM).
pub fn percent_decode(input: &[u8]) -> Option<Vec<u8>> {
	let mut out = Vec::with_capacity(input.len());
	let mut bytes = input.iter();
	while let Some(&b) = bytes.next() {
		if b == b'%' {
			let hi = char::from(*bytes.next()?).to_digit(16)?;
			let lo = char::from(*bytes.next()?).to_digit(16)?;
			out.push(u8::try_from(hi * 16 + lo).ok()?);
		} else {
			out.push(b);
		}
	}
	Some(out)
}
