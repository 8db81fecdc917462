//! AWS Nitro Enclaves: attestation documents from the Nitro Secure Module (`/dev/nsm`, through
//! the `aws-nitro-enclaves-nsm-api` driver), with the worker's report data as `user_data`.
//! A document carries its own certificate chain, so there is no collateral to fetch.
//!
//! An enclave has no network and no persistent storage of its own: the worker reaches the
//! chain's RPC through the parent instance's vsock proxy (`vsock-proxy` forwarding a vsock port
//! to the node, with a local TCP-to-vsock forwarder inside the enclave, as AWS's
//! `vsock-proxy` documentation describes), and its key set is sealed under a secret provisioned
//! to the enclave (a file, e.g. delivered by AWS KMS under an attestation-conditioned key
//! policy), run through a KDF.

use super::{derive_key, PlatformInfo, Tee, TeeError};
use std::{path::PathBuf, sync::Arc};
use zeroize::Zeroizing;

/// The Nitro Secure Module, as the backend uses it.
pub trait Nsm: Send + Sync {
	/// An attestation document with `user_data`, `nonce` and `public_key` as given.
	fn attestation(
		&self,
		user_data: Option<Vec<u8>>,
		nonce: Option<Vec<u8>>,
		public_key: Option<Vec<u8>>,
	) -> Result<Vec<u8>, TeeError>;
}

/// The NSM of a running enclave, through its driver.
pub struct NsmDevice;

impl Nsm for NsmDevice {
	fn attestation(
		&self,
		user_data: Option<Vec<u8>>,
		nonce: Option<Vec<u8>>,
		public_key: Option<Vec<u8>>,
	) -> Result<Vec<u8>, TeeError> {
		use aws_nitro_enclaves_nsm_api::{
			api::{Request, Response},
			driver,
		};
		let fd = driver::nsm_init();
		if fd < 0 {
			return Err(TeeError::Unavailable(
				"/dev/nsm cannot be opened: not inside a Nitro Enclave".into(),
			));
		}
		let bytes = |b: Option<Vec<u8>>| b.map(serde_bytes::ByteBuf::from);
		let request = Request::Attestation {
			user_data: bytes(user_data),
			nonce: bytes(nonce),
			public_key: bytes(public_key),
		};
		let response = driver::nsm_process_request(fd, request);
		driver::nsm_exit(fd);
		match response {
			Response::Attestation { document } => Ok(document),
			Response::Error(code) => {
				Err(TeeError::Protocol(format!("the NSM refused the attestation: {code:?}")))
			}
			other => Err(TeeError::Protocol(format!("unexpected NSM response: {other:?}"))),
		}
	}
}

/// A Nitro enclave's attestation.
pub struct NitroBackend {
	nsm: Arc<dyn Nsm>,
	sealing_key_file: PathBuf,
}

impl NitroBackend {
	/// Documents from `nsm`; the key set sealed under the secret in `sealing_key_file`.
	pub fn new(nsm: Arc<dyn Nsm>, sealing_key_file: PathBuf) -> Self {
		Self { nsm, sealing_key_file }
	}
}

impl Tee for NitroBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		self.nsm.attestation(Some(report_data.to_vec()), None, None)
	}

	fn collateral(&self, _document: &[u8], _now_secs: u64) -> Result<Vec<u8>, TeeError> {
		Ok(Vec::new())
	}

	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		super::read_secret_file(&self.sealing_key_file)
			.map(|secret| derive_key(b"nitro", &secret[..]))
	}

	fn platform(&self) -> Result<PlatformInfo, TeeError> {
		Ok(PlatformInfo {
			backend: "nitro".into(),
			tee: "nitro".into(),
			details: serde_json::json!({ "interface": "/dev/nsm" }),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use aegis_attestation::{
		dev,
		sim::nitro::{NitroImage, NitroRequest, SimNitro},
		TeeKind,
	};
	use std::sync::Mutex;

	const NOW: u64 = 1_800_000_000;

	/// A fake NSM: the dev NSM, recording the request.
	#[derive(Default)]
	struct FakeNsm {
		seen: Mutex<Option<NitroRequest>>,
	}

	impl Nsm for FakeNsm {
		fn attestation(
			&self,
			user_data: Option<Vec<u8>>,
			nonce: Option<Vec<u8>>,
			public_key: Option<Vec<u8>>,
		) -> Result<Vec<u8>, TeeError> {
			let request = NitroRequest { user_data, nonce, public_key };
			*self.seen.lock().unwrap() = Some(request.clone());
			let [pcr0, pcr1, pcr2, pcr8] = dev::WORKER_NITRO_PCRS;
			let image = NitroImage { pcr0, pcr1, pcr2, pcr8, debug: false };
			Ok(SimNitro::dev().document(&image, &request, NOW))
		}
	}

	#[test]
	fn documents_carry_the_report_data_as_user_data_and_verify() {
		let nsm = Arc::new(FakeNsm::default());
		let dir = tempfile::tempdir().unwrap();
		let secret = dir.path().join("secret");
		std::fs::write(&secret, [5u8; 32]).unwrap();
		let tee = NitroBackend::new(nsm.clone(), secret);
		let data = [8u8; 64];
		let doc = tee.quote(&data).unwrap();
		let seen = nsm.seen.lock().unwrap().clone().unwrap();
		assert_eq!(
			seen,
			NitroRequest { user_data: Some(data.to_vec()), nonce: None, public_key: None }
		);
		assert!(tee.collateral(&doc, NOW).unwrap().is_empty(), "documents carry their chain");
		let v = aegis_attestation::verify_evidence(
			TeeKind::Nitro,
			&doc,
			&[],
			&[dev::NITRO_ROOT_DER.to_vec()],
			NOW,
		)
		.unwrap();
		assert_eq!(v.report_data, data);
		assert_eq!(v.measurement, dev::worker_nitro_measurement());
		assert_eq!(*tee.sealing_key().unwrap(), *derive_key(b"nitro", &[5u8; 32]));
		assert_eq!(tee.platform().unwrap().tee, "nitro");
	}

	#[test]
	fn outside_an_enclave_the_nsm_is_unavailable() {
		// This machine has no /dev/nsm: the driver's open fails and says so.
		if std::path::Path::new("/dev/nsm").exists() {
			return;
		}
		let e = NsmDevice.attestation(Some(vec![0; 64]), None, None).unwrap_err();
		assert!(matches!(e, TeeError::Unavailable(_)), "{e}");
		let missing = NitroBackend::new(Arc::new(NsmDevice), "/nonexistent".into());
		assert!(missing.sealing_key().is_err());
	}
}
