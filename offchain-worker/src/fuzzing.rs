//! Entry points for fuzzing what the worker parses from peers it does not control: HTTP
//! responses (from the PCCS and the dstack guest agent), the PCCS's issuer-chain headers and
//! JSON documents, the dstack agent's answers, and the quote its TEE hands back. Each takes
//! arbitrary bytes and must return (an error or a value), never panic; `aegis-fuzz` runs them
//! under libFuzzer and in its stable smoke test.

use std::io::BufReader;

/// An HTTP/1.1 response as [`crate::http`] reads it off a socket.
pub fn http_response(data: &[u8]) {
	if let Ok(r) = crate::http::read_response(BufReader::new(data)) {
		assert!(r.body.len() <= crate::http::MAX_BODY, "a body over the limit was accepted");
	}
}

/// A PCCS issuer-chain header, percent-decoded.
pub fn pccs_header(data: &[u8]) {
	if let Ok(text) = std::str::from_utf8(data) {
		let _ = crate::pccs::percent_decode(text);
	}
}

/// A PCCS TCB info and QE identity body (JSON, v4).
pub fn pccs_documents(data: &[u8]) {
	let _ = serde_json::from_slice::<crate::pccs::TcbInfoResponse<'_>>(data);
	let _ = serde_json::from_slice::<crate::pccs::QeIdentityResponse<'_>>(data);
}

/// The FMSPC and PCK CA of a quote, as the worker reads them to ask the PCCS.
pub fn quote_platform(data: &[u8]) {
	let _ = crate::pccs::quote_platform(data);
}

/// A dstack guest agent's `GetQuote` answer.
pub fn dstack_quote(data: &[u8]) {
	if let Ok(r) = serde_json::from_slice::<crate::tee::dstack::QuoteResponse>(data) {
		let _ = crate::tee::dstack::unhex("quote", &r.quote);
	}
}
