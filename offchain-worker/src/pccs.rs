//! Collateral for hardware quotes from a PCCS (Intel's Provisioning Certificate Caching
//! Service, API v4), assembled into the JSON collateral the chain's verifier takes (dcap-qvl's
//! `QuoteCollateralV3`): PCK CRL, TCB info and QE identity with their signatures and issuer
//! chains, and the root CA CRL. The FMSPC and the PCK CA come from the quote's own PCK
//! certificate. The cluster's PCCS is reached over plain HTTP (it normally runs beside the
//! workers); a TLS PCCS needs a local forwarding proxy.

use crate::tee_error::TeeError;
use serde::Deserialize;

/// A PCCS at a base URL (`http://host:port`, with or without the `/sgx/certification/v4/`
/// suffix).
#[derive(Clone, Debug)]
pub struct Pccs {
	base: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TcbInfoResponse<'a> {
	#[serde(borrow)]
	tcb_info: &'a serde_json::value::RawValue,
	signature: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QeIdentityResponse<'a> {
	#[serde(borrow)]
	enclave_identity: &'a serde_json::value::RawValue,
	signature: String,
}

fn err(msg: impl Into<String>) -> TeeError {
	TeeError::Protocol(msg.into())
}

/// Percent-decodes an issuer-chain header.
pub(crate) fn percent_decode(s: &str) -> Result<String, TeeError> {
	let bytes = s.as_bytes();
	let mut out = Vec::with_capacity(bytes.len());
	let mut i = 0;
	while let Some(&b) = bytes.get(i) {
		if b == b'%' {
			let h = bytes
				.get(i + 1..i + 3)
				.and_then(|h| std::str::from_utf8(h).ok())
				.and_then(|h| u8::from_str_radix(h, 16).ok())
				.ok_or_else(|| err("bad percent-encoding in a PCCS issuer chain header"))?;
			out.push(h);
			i += 3;
		} else {
			out.push(b);
			i += 1;
		}
	}
	String::from_utf8(out).map_err(|_| err("PCCS issuer chain is not UTF-8"))
}

/// The FMSPC (hex) and PCK CA (`processor` or `platform`) of the quote's PCK certificate,
/// and whether it is an SGX quote.
pub fn quote_platform(quote: &[u8]) -> Result<(String, &'static str, bool), TeeError> {
	let parsed = dcap_qvl::quote::Quote::parse(quote)
		.map_err(|e| err(format!("the TEE's quote does not parse: {e}")))?;
	let chain = parsed
		.raw_cert_chain()
		.map_err(|e| err(format!("the quote carries no PCK certificate chain: {e}")))?;
	let certs = pem::parse_many(chain).map_err(|e| err(format!("bad PCK chain PEM: {e}")))?;
	let leaf = certs.first().ok_or_else(|| err("empty PCK certificate chain"))?;
	let ext = dcap_qvl::intel::parse_pck_extension(leaf.contents())
		.map_err(|e| err(format!("PCK certificate without the SGX extension: {e}")))?;
	let issuer = certs.get(1).ok_or_else(|| err("PCK chain without its issuing CA"))?.contents();
	let contains = |needle: &[u8]| issuer.windows(needle.len()).any(|w| w == needle);
	let ca = if contains(b"Processor CA") {
		"processor"
	} else if contains(b"Platform CA") {
		"platform"
	} else {
		return Err(err("the PCK certificate's issuer is neither the Processor nor Platform CA"));
	};
	Ok((hex::encode_upper(ext.fmspc), ca, parsed.header.is_sgx()))
}

impl Pccs {
	/// A PCCS at `url`.
	pub fn new(url: impl Into<String>) -> Self {
		let url: String = url.into();
		let base = url.trim_end_matches('/').trim_end_matches("/sgx/certification/v4").to_string();
		Self { base }
	}

	fn get(&self, path: &str) -> Result<crate::http::Response, TeeError> {
		crate::http::get("PCCS", &self.base, path)
	}

	fn chain_header(r: &crate::http::Response, names: &[&str]) -> Result<String, TeeError> {
		names
			.iter()
			.find_map(|n| r.header(n))
			.ok_or_else(|| err(format!("PCCS answer lacks the {} header", names.join(" / "))))
			.and_then(percent_decode)
	}

	/// The collateral for `quote`, as the chain's verifier takes it.
	pub fn collateral(&self, quote: &[u8]) -> Result<Vec<u8>, TeeError> {
		let (fmspc, ca, sgx) = quote_platform(quote)?;
		let tee = if sgx { "sgx" } else { "tdx" };
		let crl = self.get(&format!("sgx/certification/v4/pckcrl?ca={ca}&encoding=der"))?;
		let pck_crl_issuer_chain = Self::chain_header(&crl, &["SGX-PCK-CRL-Issuer-Chain"])?;
		let tcb = self.get(&format!("{tee}/certification/v4/tcb?fmspc={fmspc}"))?;
		let tcb_info_issuer_chain =
			Self::chain_header(&tcb, &["TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"])?;
		let qe = self.get(&format!("{tee}/certification/v4/qe/identity"))?;
		let qe_identity_issuer_chain =
			Self::chain_header(&qe, &["SGX-Enclave-Identity-Issuer-Chain"])?;
		let root = self.get("sgx/certification/v4/rootcacrl")?;
		let root_text = String::from_utf8_lossy(&root.body);
		let root_ca_crl = hex::decode(root_text.trim()).unwrap_or(root.body.clone());

		let tcb: TcbInfoResponse = serde_json::from_slice(&tcb.body)
			.map_err(|e| err(format!("PCCS TCB info is not the v4 JSON: {e}")))?;
		let qe: QeIdentityResponse = serde_json::from_slice(&qe.body)
			.map_err(|e| err(format!("PCCS QE identity is not the v4 JSON: {e}")))?;
		let json = serde_json::json!({
			"pck_crl_issuer_chain": pck_crl_issuer_chain,
			"root_ca_crl": hex::encode(root_ca_crl),
			"pck_crl": hex::encode(&crl.body),
			"tcb_info_issuer_chain": tcb_info_issuer_chain,
			"tcb_info_signature": tcb.signature,
			"tcb_info": tcb.tcb_info.get(),
			"qe_identity_issuer_chain": qe_identity_issuer_chain,
			"qe_identity_signature": qe.signature,
			"qe_identity": qe.enclave_identity.get(),
		});
		serde_json::to_vec(&json).map_err(|e| err(e.to_string()))
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
	use super::*;
	use aegis_attestation::{
		sim::{CollateralParams, SgxEnclave, SimTee},
		TeeKind,
	};
	use std::{
		io::{BufRead, BufReader, Write},
		net::TcpListener,
	};

	fn encode_header(s: &str) -> String {
		s.bytes()
			.map(|b| match b {
				b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
					(b as char).to_string()
				}
				_ => format!("%{b:02X}"),
			})
			.collect()
	}

	/// A PCCS serving the simulated TEE's collateral over HTTP; returns the paths requested.
	fn fake_pccs(now: u64) -> (String, std::thread::JoinHandle<Vec<String>>) {
		let listener = TcpListener::bind("127.0.0.1:0").unwrap();
		let url = format!("http://{}", listener.local_addr().unwrap());
		let handle = std::thread::spawn(move || {
			let sim = SimTee::dev();
			let params = CollateralParams::valid_around(now);
			let full: serde_json::Value =
				serde_json::from_slice(&sim.collateral(TeeKind::Sgx, &params)).unwrap();
			let mut seen = Vec::new();
			for stream in listener.incoming().take(4) {
				let mut stream = stream.unwrap();
				let mut line = String::new();
				let mut reader = BufReader::new(stream.try_clone().unwrap());
				reader.read_line(&mut line).unwrap();
				loop {
					let mut h = String::new();
					reader.read_line(&mut h).unwrap();
					if h.trim().is_empty() {
						break;
					}
				}
				let path = line.split_whitespace().nth(1).unwrap().to_string();
				let s = |k: &str| full[k].as_str().unwrap().to_string();
				let (header, body): (Option<(&str, String)>, Vec<u8>) = if path.contains("pckcrl") {
					(
						Some(("SGX-PCK-CRL-Issuer-Chain", s("pck_crl_issuer_chain"))),
						hex::decode(s("pck_crl")).unwrap(),
					)
				} else if path.contains("/tcb?") {
					let body = format!(
						"{{\"tcbInfo\":{},\"signature\":\"{}\"}}",
						s("tcb_info"),
						s("tcb_info_signature")
					);
					(Some(("TCB-Info-Issuer-Chain", s("tcb_info_issuer_chain"))), body.into_bytes())
				} else if path.contains("qe/identity") {
					let body = format!(
						"{{\"enclaveIdentity\":{},\"signature\":\"{}\"}}",
						s("qe_identity"),
						s("qe_identity_signature")
					);
					(
						Some(("SGX-Enclave-Identity-Issuer-Chain", s("qe_identity_issuer_chain"))),
						body.into_bytes(),
					)
				} else {
					(None, s("root_ca_crl").into_bytes())
				};
				let mut head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n", body.len());
				if let Some((name, value)) = header {
					head.push_str(&format!("{name}: {}\r\n", encode_header(&value)));
				}
				head.push_str("\r\n");
				stream.write_all(head.as_bytes()).unwrap();
				stream.write_all(&body).unwrap();
				seen.push(path);
			}
			seen
		});
		(url, handle)
	}

	#[test]
	fn collateral_from_a_pccs_verifies_the_quote() {
		let now = 1_800_000_000;
		let (url, pccs) = fake_pccs(now);
		let sim = SimTee::dev();
		let quote = sim.sgx_quote(&SgxEnclave::dev_worker(), &[1; 64]);
		let (fmspc, ca, sgx) = quote_platform(&quote).unwrap();
		assert_eq!(fmspc, hex::encode_upper(aegis_attestation::dev::SIM_FMSPC));
		assert!(sgx);
		let collateral =
			Pccs::new(format!("{url}/sgx/certification/v4/")).collateral(&quote).unwrap();
		let v = aegis_attestation::verify_quote(&quote, &collateral, &sim.root_der(), now).unwrap();
		assert_eq!(v.report_data, [1; 64]);
		let seen = pccs.join().unwrap();
		assert_eq!(seen[0], format!("/sgx/certification/v4/pckcrl?ca={ca}&encoding=der"));
		assert_eq!(seen[1], format!("/sgx/certification/v4/tcb?fmspc={fmspc}"));
	}

	#[test]
	fn unusable_pccs_urls_and_quotes_are_explained() {
		let e = Pccs::new("https://pccs.example")
			.collateral(&SimTee::dev().sgx_quote(&SgxEnclave::dev_worker(), &[0; 64]))
			.unwrap_err();
		assert!(e.to_string().contains("only http://"), "{e}");
		let e = Pccs::new("http://127.0.0.1:1").collateral(b"not a quote").unwrap_err();
		assert!(e.to_string().contains("does not parse"), "{e}");
		assert!(percent_decode("%zz").is_err());
		assert_eq!(percent_decode("a%20b%0A").unwrap(), "a b\n");
	}
}
