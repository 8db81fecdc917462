//! AMD SEV-SNP confidential VMs: attestation reports through Linux configfs-tsm (provider
//! `sev_guest`, [`super::tsm`]) or, where configfs-tsm is absent, the `/dev/sev-guest`
//! driver's ioctls (`include/uapi/linux/sev-guest.h`: `SNP_GET_REPORT`, `SNP_GET_EXT_REPORT`,
//! `SNP_GET_DERIVED_KEY`).
//!
//! The chain verifies a report with the chip's VCEK (or the cloud's VLEK) certificate as
//! collateral. It comes, in order, from the certificate table the host attaches to the report
//! (configfs-tsm's `auxblob`, the extended report's certificate buffer), from a file
//! (`tee.snp_vcek_file`), or from AMD's Key Distribution Service or a cache of it over plain
//! HTTP (`tee.snp_kds_url`, e.g. a local forwarding proxy to `https://kdsintf.amd.com`), at
//! `/vcek/v1/{product}/{hwid}?blSPL=…&teeSPL=…&snpSPL=…&ucodeSPL=…`. AMD's ASKs and ARKs are
//! built into the verifier, so the VCEK alone is enough. With a KDS, the worker also fetches
//! the product's CRL (`/vcek/v1/{product}/crl`, signed by the ARK, listing revoked ASKs) at
//! every attestation and sends it with the VCEK, so the chain checks that the ASK is not
//! revoked with a CRL at most as old as the attestation.
//!
//! The key set is sealed under a key the firmware derives from the chip's VCEK, the guest's
//! policy and its launch measurement (`SNP_GET_DERIVED_KEY`); through configfs-tsm, which has
//! no derived keys, under a provisioned secret file instead, as for TDX.

use super::{derive_key, tsm::ConfigfsTsm, PlatformInfo, Tee, TeeError};
use aegis_attestation::{SnpProduct, SnpTcb, SNP_REPORT_LEN};
use std::{
	path::PathBuf,
	sync::{Arc, Mutex},
};
use zeroize::Zeroizing;

/// GUIDs of the SEV-SNP certificate table (GHCB specification, "SNP Extended Guest Request").
pub mod guid {
	/// The chip's VCEK.
	pub const VCEK: &str = "63da758d-e664-4564-adc5-f4b93be8accd";
	/// A cloud provider's VLEK.
	pub const VLEK: &str = "a8074bc2-a25a-483e-aae6-39c045a0b8a1";
	/// The ASK (or ASVK).
	pub const ASK: &str = "4ab7b379-bbac-4fe4-a02f-05aef327c782";
	/// The ARK.
	pub const ARK: &str = "c0b406a4-a803-4952-9743-3fb6014cd0ae";
}

/// A GUID in its two byte orders: as written (RFC 4122) and with the first three fields
/// little-endian (the EFI order). Hosts have used both in certificate tables.
fn guid_bytes(text: &str) -> [[u8; 16]; 2] {
	let hex: String = text.chars().filter(|c| *c != '-').collect();
	let mut be = [0u8; 16];
	let _ = hex::decode_to_slice(hex, &mut be);
	let mut le = be;
	le[..4].reverse();
	le[4..6].reverse();
	le[6..8].reverse();
	[be, le]
}

/// The certificates of a certificate table (entries of GUID, offset and length, ended by an
/// all-zero entry; offsets from the table's start), by GUID.
pub fn certificate_table(table: &[u8]) -> Result<Vec<(&'static str, Vec<u8>)>, TeeError> {
	let bad = || TeeError::Protocol("malformed SEV-SNP certificate table".into());
	let mut out = Vec::new();
	for entry in table.chunks(24) {
		let (id, rest) = entry.split_at_checked(16).ok_or_else(bad)?;
		if id.iter().all(|b| *b == 0) {
			return Ok(out);
		}
		let word = |at: usize| {
			rest.get(at..at + 4)
				.and_then(|b| b.try_into().ok())
				.map(u32::from_le_bytes)
				.ok_or_else(bad)
		};
		let (offset, len) = (word(0)? as usize, word(4)? as usize);
		let cert = table.get(offset..offset.saturating_add(len)).ok_or_else(bad)?;
		let name = [guid::VCEK, guid::VLEK, guid::ASK, guid::ARK]
			.into_iter()
			.find(|g| guid_bytes(g).iter().any(|b| b == id));
		if let Some(name) = name {
			out.push((name, cert.to_vec()));
		}
	}
	Err(bad())
}

/// A certificate table of `certs` (GUID, DER), with GUIDs in RFC 4122 order.
pub fn build_certificate_table(certs: &[(&str, &[u8])]) -> Vec<u8> {
	let header = (certs.len() + 1) * 24;
	let mut table = Vec::new();
	let mut data = Vec::new();
	for (id, der) in certs {
		table.extend_from_slice(&guid_bytes(id)[0]);
		table.extend_from_slice(&((header + data.len()) as u32).to_le_bytes());
		table.extend_from_slice(&(der.len() as u32).to_le_bytes());
		data.extend_from_slice(der);
	}
	table.extend_from_slice(&[0u8; 24]);
	table.extend_from_slice(&data);
	table
}

/// A report and the certificate table the host attached to it, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SevReport {
	/// The attestation report.
	pub report: Vec<u8>,
	/// The certificate table.
	pub certificates: Option<Vec<u8>>,
}

/// The `/dev/sev-guest` driver, as the backend uses it.
pub trait SevGuest: Send + Sync {
	/// An extended report (with the host's certificate table when it has one) over
	/// `report_data`, requested at VM privilege level `vmpl`.
	fn report(&self, report_data: &[u8; 64], vmpl: u32) -> Result<SevReport, TeeError>;
	/// A key derived from the VCEK, the guest policy and the launch measurement.
	fn derived_key(&self, vmpl: u32) -> Result<Zeroizing<[u8; 32]>, TeeError>;
}

/// Where reports come from.
pub enum SnpSource {
	/// configfs-tsm, provider `sev_guest`.
	Tsm(ConfigfsTsm),
	/// The `/dev/sev-guest` driver.
	Device(Arc<dyn SevGuest>),
}

/// Where the VCEK comes from when the host attaches none.
#[derive(Clone, Debug, Default)]
pub struct VcekSource {
	/// A file holding it (DER or PEM).
	pub file: Option<PathBuf>,
	/// AMD's KDS or a cache of it, over plain HTTP (`http://host:port`).
	pub kds_url: Option<String>,
	/// The product, for version 2 reports (which do not name their CPU).
	pub product: Option<SnpProduct>,
}

/// An SEV-SNP guest's reports.
pub struct SnpBackend {
	source: SnpSource,
	vcek: VcekSource,
	vmpl: u32,
	sealing_key_file: Option<PathBuf>,
	/// The certificate table of the last report, for its collateral.
	last_certificates: Mutex<Option<Vec<u8>>>,
}

impl SnpBackend {
	/// Reports from `source`, requested at `vmpl`; the VCEK from the host or `vcek`; sealing
	/// under the firmware's derived key, or `sealing_key_file` through configfs-tsm.
	pub fn new(
		source: SnpSource,
		vcek: VcekSource,
		vmpl: u32,
		sealing_key_file: Option<PathBuf>,
	) -> Self {
		Self { source, vcek, vmpl, sealing_key_file, last_certificates: Mutex::new(None) }
	}

	/// The VCEK (or VLEK) of `report`, with whatever chain the host gave, as PEM or DER.
	fn certificates(&self, report: &[u8]) -> Result<Vec<u8>, TeeError> {
		let table = self.last_certificates.lock().unwrap_or_else(|e| e.into_inner()).clone();
		if let Some(table) = table {
			let certs = certificate_table(&table)?;
			let find = |ids: &[&str]| certs.iter().find(|(g, _)| ids.contains(g)).map(|(_, c)| c);
			if let Some(key) = find(&[guid::VCEK, guid::VLEK]) {
				// The key first, then its chain as the host gave it (AMD's is built in).
				let mut out = pem(key);
				for issuer in [find(&[guid::ASK]), find(&[guid::ARK])].into_iter().flatten() {
					out.push_str(&pem(issuer));
				}
				return Ok(out.into_bytes());
			}
		}
		if let Some(file) = &self.vcek.file {
			let bytes =
				std::fs::read(file).map_err(TeeError::io(format!("reading {}", file.display())))?;
			// PEM, so that a CRL can follow it.
			return Ok(if bytes.first() == Some(&0x30) { pem(&bytes).into_bytes() } else { bytes });
		}
		if let Some(url) = &self.vcek.kds_url {
			let vcek = crate::http::get("KDS", url, &self.kds_path(report)?)?.body;
			// PEM, so that the CRL can follow it.
			return Ok(pem(&vcek).into_bytes());
		}
		Err(TeeError::Unavailable(
			"no VCEK: the host attached no certificate table, and neither tee.snp_vcek_file nor \
			 tee.snp_kds_url is set"
				.into(),
		))
	}

	/// The product of `report`: its CPUID, or the configured one for version 2 reports.
	fn product_of(&self, report: &[u8]) -> Result<SnpProduct, TeeError> {
		report_product(report).or(self.vcek.product).ok_or_else(|| {
			TeeError::Unavailable(
				"a version 2 report does not name its CPU: set tee.snp_product".into(),
			)
		})
	}

	/// The KDS path of the product's CRL.
	pub fn kds_crl_path(&self, report: &[u8]) -> Result<String, TeeError> {
		Ok(format!("/vcek/v1/{}/crl", self.product_of(report)?.name()))
	}

	/// The KDS path of the VCEK that signed `report`.
	pub fn kds_path(&self, report: &[u8]) -> Result<String, TeeError> {
		let product = self.product_of(report)?;
		let at = |from: usize, len: usize| report.get(from..from + len).unwrap_or_default();
		let raw = u64::from_le_bytes(at(0x180, 8).try_into().unwrap_or_default());
		let tcb = SnpTcb::from_u64(product, raw);
		let id_len = if product == SnpProduct::Turin { 8 } else { 64 };
		let mut path = format!(
			"/vcek/v1/{}/{}?blSPL={}&teeSPL={}&snpSPL={}&ucodeSPL={}",
			product.name(),
			hex::encode(at(0x1a0, id_len)),
			tcb.boot_loader,
			tcb.tee,
			tcb.snp,
			tcb.microcode
		);
		if product == SnpProduct::Turin {
			path.push_str(&format!("&fmcSPL={}", tcb.fmc));
		}
		Ok(path)
	}
}

/// The product a version 3 or later report names by its CPUID family and model.
pub fn report_product(report: &[u8]) -> Option<SnpProduct> {
	let version = u32::from_le_bytes(report.get(0..4)?.try_into().ok()?);
	if version < 3 {
		return None;
	}
	match (report.get(0x188)?, report.get(0x189)?) {
		(0x19, 0x00..=0x0f) => Some(SnpProduct::Milan),
		(0x19, 0x10..=0x1f | 0xa0..=0xaf) => Some(SnpProduct::Genoa),
		(0x1a, 0x00..=0x11) => Some(SnpProduct::Turin),
		_ => None,
	}
}

fn pem(der: &[u8]) -> String {
	pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()))
}

impl Tee for SnpBackend {
	fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, TeeError> {
		let SevReport { report, certificates } = match &self.source {
			SnpSource::Tsm(tsm) => {
				let r = tsm.report("sev_guest", report_data, Some(self.vmpl))?;
				SevReport { report: r.outblob, certificates: r.auxblob }
			}
			SnpSource::Device(device) => device.report(report_data, self.vmpl)?,
		};
		if report.len() != SNP_REPORT_LEN {
			return Err(TeeError::Protocol(format!(
				"the SEV-SNP report is {} bytes, not {SNP_REPORT_LEN}",
				report.len()
			)));
		}
		*self.last_certificates.lock().unwrap_or_else(|e| e.into_inner()) = certificates;
		Ok(report)
	}

	fn collateral(&self, report: &[u8], _now_secs: u64) -> Result<Vec<u8>, TeeError> {
		let mut collateral = self.certificates(report)?;
		if let Some(url) = &self.vcek.kds_url {
			let crl = crate::http::get("KDS", url, &self.kds_crl_path(report)?)?.body;
			collateral.extend(pem::encode(&pem::Pem::new("X509 CRL", crl)).into_bytes());
		}
		Ok(collateral)
	}

	fn sealing_key(&self) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		match (&self.source, &self.sealing_key_file) {
			(_, Some(file)) => {
				super::read_secret_file(file).map(|secret| derive_key(b"snp-secret", &secret[..]))
			}
			(SnpSource::Device(device), None) => {
				device.derived_key(self.vmpl).map(|k| derive_key(b"snp", &k[..]))
			}
			(SnpSource::Tsm(_), None) => Err(TeeError::Unavailable(
				"configfs-tsm has no derived keys: set tee.sealing_key_file".into(),
			)),
		}
	}

	fn platform(&self) -> Result<PlatformInfo, TeeError> {
		let details = match &self.source {
			SnpSource::Tsm(tsm) => serde_json::json!({
				"interface": "configfs-tsm",
				"entry": tsm.entry().display().to_string(),
				"provider": tsm.provider()?,
				"vmpl": self.vmpl,
			}),
			SnpSource::Device(_) => serde_json::json!({
				"interface": "/dev/sev-guest",
				"vmpl": self.vmpl,
			}),
		};
		Ok(PlatformInfo { backend: "snp".into(), tee: "sev-snp".into(), details })
	}
}

/// The `/dev/sev-guest` driver of a Linux SEV-SNP guest.
pub struct LinuxSevGuest {
	device: std::fs::File,
}

/// `_IOWR('S', nr, struct snp_guest_request_ioctl)` (32 bytes).
const fn snp_ioctl(nr: u64) -> u64 {
	(3 << 30) | (32 << 16) | ((b'S' as u64) << 8) | nr
}
const SNP_GET_REPORT: u64 = snp_ioctl(0);
const SNP_GET_DERIVED_KEY: u64 = snp_ioctl(1);
const SNP_GET_EXT_REPORT: u64 = snp_ioctl(2);
/// Where a `MSG_REPORT_RSP` / `MSG_KEY_RSP` payload starts: after status and reserved bytes.
const RESPONSE_HEADER: usize = 32;
/// The certificate buffer offered to the extended report (the host answers with the length
/// it needs, `exitinfo2` = invalid length, if it is too short).
const CERTS_LEN: usize = 16 * 4096;

impl LinuxSevGuest {
	/// Opens the driver at `path` (`/dev/sev-guest`).
	pub fn open(path: &std::path::Path) -> Result<Self, TeeError> {
		let device = std::fs::OpenOptions::new()
			.read(true)
			.write(true)
			.open(path)
			.map_err(TeeError::io(format!("opening {}", path.display())))?;
		Ok(Self { device })
	}

	/// One guest request: `req` and `resp` are the request and response structures of the
	/// kernel ABI; the firmware's and the host's error codes come back in `exitinfo2`.
	#[allow(unsafe_code)]
	fn request(&self, nr: u64, req: &mut [u8], resp: &mut [u8]) -> Result<(), TeeError> {
		use std::os::fd::AsRawFd;
		#[repr(C)]
		struct GuestRequest {
			msg_version: u8,
			_pad: [u8; 7],
			req_data: u64,
			resp_data: u64,
			exitinfo2: u64,
		}
		let mut io = GuestRequest {
			msg_version: 1,
			_pad: [0; 7],
			req_data: req.as_mut_ptr() as u64,
			resp_data: resp.as_mut_ptr() as u64,
			exitinfo2: 0,
		};
		// SAFETY: `io` points at live request and response buffers of the sizes the kernel's
		// `struct snp_*_req` / `snp_*_resp` have (checked by the callers), for the duration of
		// the call; the driver writes only into `resp` and `io`.
		let rc = unsafe {
			libc::ioctl(self.device.as_raw_fd(), nr as libc::c_ulong, &mut io as *mut GuestRequest)
		};
		if rc < 0 {
			return Err(TeeError::Protocol(format!(
				"sev-guest ioctl {nr:#x} failed: {} (firmware error {:#x}, host error {:#x})",
				std::io::Error::last_os_error(),
				io.exitinfo2 & 0xffff_ffff,
				io.exitinfo2 >> 32
			)));
		}
		Ok(())
	}

	fn report_from(resp: &[u8]) -> Result<Vec<u8>, TeeError> {
		let status =
			u32::from_le_bytes(resp.get(0..4).and_then(|b| b.try_into().ok()).unwrap_or_default());
		if status != 0 {
			return Err(TeeError::Protocol(format!("SNP firmware report status {status:#x}")));
		}
		resp.get(RESPONSE_HEADER..RESPONSE_HEADER + SNP_REPORT_LEN)
			.map(<[u8]>::to_vec)
			.ok_or_else(|| TeeError::Protocol("short SNP report response".into()))
	}
}

/// `struct snp_report_req`: user data, VMPL, reserved.
fn report_request(report_data: &[u8; 64], vmpl: u32) -> [u8; 96] {
	let mut req = [0u8; 96];
	req[..64].copy_from_slice(report_data);
	req[64..68].copy_from_slice(&vmpl.to_le_bytes());
	req
}

impl SevGuest for LinuxSevGuest {
	fn report(&self, report_data: &[u8; 64], vmpl: u32) -> Result<SevReport, TeeError> {
		let mut certs = vec![0u8; CERTS_LEN];
		// `struct snp_ext_report_req`: the report request, the certificate buffer's address
		// and length.
		let mut ext = [0u8; 96 + 16];
		ext[..96].copy_from_slice(&report_request(report_data, vmpl));
		ext[96..104].copy_from_slice(&(certs.as_mut_ptr() as u64).to_le_bytes());
		ext[104..108].copy_from_slice(&(CERTS_LEN as u32).to_le_bytes());
		let mut resp = vec![0u8; 4000];
		if self.request(SNP_GET_EXT_REPORT, &mut ext, &mut resp).is_ok() {
			let report = Self::report_from(&resp)?;
			let has_table = certs.iter().take(24).any(|b| *b != 0);
			return Ok(SevReport { report, certificates: has_table.then_some(certs) });
		}
		// A host without certificates may refuse the extended request: the plain one.
		let mut req = report_request(report_data, vmpl);
		let mut resp = vec![0u8; 4000];
		self.request(SNP_GET_REPORT, &mut req, &mut resp)?;
		Ok(SevReport { report: Self::report_from(&resp)?, certificates: None })
	}

	fn derived_key(&self, vmpl: u32) -> Result<Zeroizing<[u8; 32]>, TeeError> {
		// `struct snp_derived_key_req`: root key VCEK (0); guest policy (bit 0) and
		// measurement (bit 3) mixed in; VMPL; guest SVN and TCB version 0.
		let mut req = [0u8; 32];
		req[8..16].copy_from_slice(&(1u64 | 1 << 3).to_le_bytes());
		req[16..20].copy_from_slice(&vmpl.to_le_bytes());
		let mut resp = Zeroizing::new([0u8; 64]);
		self.request(SNP_GET_DERIVED_KEY, &mut req, &mut resp[..])?;
		let mut key = Zeroizing::new([0u8; 32]);
		let derived = resp.get(RESPONSE_HEADER..RESPONSE_HEADER + 32).unwrap_or_default();
		key.copy_from_slice(derived);
		Ok(key)
	}
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
	use super::*;
	use crate::tee::fake;
	use aegis_attestation::{
		dev,
		sim::snp::{SimSnp, SnpGuest},
		TeeKind,
	};

	const NOW: u64 = 1_800_000_000;

	fn dev_guest() -> SnpGuest {
		SnpGuest { measurement: dev::WORKER_SNP_MEASUREMENT, ..Default::default() }
	}

	/// The dev platform's certificate table: VCEK, ASK, ARK.
	fn dev_table() -> Vec<u8> {
		let sim = SimSnp::dev();
		build_certificate_table(&[
			(guid::VCEK, sim.vcek_der()),
			(guid::ASK, sim.ask_der()),
			(guid::ARK, sim.ark_der()),
		])
	}

	fn verify(report: &[u8], collateral: &[u8]) -> aegis_attestation::VerifiedAttestation {
		aegis_attestation::verify_evidence(
			TeeKind::SevSnp,
			report,
			collateral,
			&[dev::SNP_ARK_DER.to_vec()],
			NOW,
		)
		.unwrap()
	}

	#[test]
	fn reports_come_from_configfs_tsm_with_the_hosts_certificates() {
		let dir = tempfile::tempdir().unwrap();
		let entry = dir.path().join("report").join("w");
		let table = dev_table();
		// The report data and one privlevel write: the generation moves by two.
		let kernel = fake::ConfigfsTsm::start_with(
			&entry,
			"sev_guest",
			2,
			Box::new(move |data| (SimSnp::dev().report(&dev_guest(), data), Some(table))),
		);
		let tee = SnpBackend::new(
			SnpSource::Tsm(ConfigfsTsm::new(entry.clone())),
			VcekSource::default(),
			0,
			Some(dir.path().join("secret")),
		);
		let data = [3u8; 64];
		let report = tee.quote(&data).unwrap();
		assert_eq!(kernel.join().unwrap(), data.to_vec());
		assert_eq!(std::fs::read_to_string(entry.join("privlevel")).unwrap(), "0");
		let collateral = tee.collateral(&report, NOW).unwrap();
		let v = verify(&report, &collateral);
		assert_eq!(v.report_data, data);
		assert_eq!(v.measurement, dev::worker_snp_measurement());
		assert_eq!(tee.platform().unwrap().details["provider"], "sev_guest");
		// configfs-tsm has no derived key: the secret file is required.
		std::fs::write(dir.path().join("secret"), [7u8; 32]).unwrap();
		assert!(tee.sealing_key().is_ok());
		let no_file = SnpBackend::new(
			SnpSource::Tsm(ConfigfsTsm::new(dir.path().join("x"))),
			VcekSource::default(),
			0,
			None,
		);
		assert!(no_file.sealing_key().unwrap_err().to_string().contains("sealing_key_file"));
	}

	#[test]
	fn a_tdx_provider_is_not_taken_for_sev() {
		let dir = tempfile::tempdir().unwrap();
		let entry = dir.path().join("w");
		let _kernel = fake::ConfigfsTsm::start(&entry, "tdx_guest", 1);
		let tee = SnpBackend::new(
			SnpSource::Tsm(ConfigfsTsm::new(entry)),
			VcekSource::default(),
			0,
			None,
		);
		assert!(tee.quote(&[0; 64]).unwrap_err().to_string().contains("tdx_guest"));
	}

	/// A fake `/dev/sev-guest`: the dev platform, with or without a certificate table.
	struct FakeSevGuest {
		table: Option<Vec<u8>>,
		vmpl_seen: Mutex<Option<u32>>,
	}

	impl SevGuest for FakeSevGuest {
		fn report(&self, report_data: &[u8; 64], vmpl: u32) -> Result<SevReport, TeeError> {
			*self.vmpl_seen.lock().unwrap() = Some(vmpl);
			let guest = SnpGuest { vmpl, ..dev_guest() };
			Ok(SevReport {
				report: SimSnp::dev().report(&guest, report_data),
				certificates: self.table.clone(),
			})
		}
		fn derived_key(&self, vmpl: u32) -> Result<Zeroizing<[u8; 32]>, TeeError> {
			Ok(Zeroizing::new([vmpl as u8; 32]))
		}
	}

	#[test]
	fn reports_come_from_the_sev_guest_device_and_the_vcek_from_a_file_or_the_kds() {
		let device = Arc::new(FakeSevGuest { table: None, vmpl_seen: Mutex::new(None) });
		let dir = tempfile::tempdir().unwrap();
		let vcek_file = dir.path().join("vcek.pem");
		std::fs::write(&vcek_file, SimSnp::dev().collateral()).unwrap();
		let tee = SnpBackend::new(
			SnpSource::Device(device.clone()),
			VcekSource { file: Some(vcek_file), ..Default::default() },
			1,
			None,
		);
		let report = tee.quote(&[9; 64]).unwrap();
		assert_eq!(*device.vmpl_seen.lock().unwrap(), Some(1));
		let v = verify(&report, &tee.collateral(&report, NOW).unwrap());
		assert_eq!(v.report_data, [9; 64]);
		// The sealing key is the firmware's derived key, through the KDF.
		assert_eq!(*tee.sealing_key().unwrap(), *derive_key(b"snp", &[1u8; 32]));
		// Without a table or a file: the KDS path names the chip and its TCB.
		let bare = SnpBackend::new(SnpSource::Device(device), VcekSource::default(), 0, None);
		let report = bare.quote(&[0; 64]).unwrap();
		let e = bare.collateral(&report, NOW).unwrap_err();
		assert!(e.to_string().contains("no VCEK"), "{e}");
		let path = bare.kds_path(&report).unwrap();
		let tcb = SimSnp::dev().platform().tcb;
		assert!(path.starts_with("/vcek/v1/Milan/"), "{path}");
		assert!(path.ends_with(&format!(
			"?blSPL={}&teeSPL={}&snpSPL={}&ucodeSPL={}",
			tcb.boot_loader, tcb.tee, tcb.snp, tcb.microcode
		)));
		assert!(path.contains(&hex::encode(SimSnp::dev().platform().chip_id)));
	}

	#[test]
	fn the_kds_serves_the_vcek_and_the_crl_over_http() {
		let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
		let port = listener.local_addr().unwrap().port();
		let sim = SimSnp::dev();
		let crl = sim.ark_crl(NOW - 86_400, NOW + 86_400, &[], true);
		let answers = vec![sim.vcek_der().to_vec(), crl.clone()];
		let server = std::thread::spawn(move || {
			use std::io::{Read, Write};
			let mut requests = Vec::new();
			for body in answers {
				let (mut s, _) = listener.accept().unwrap();
				let mut buf = [0u8; 4096];
				let n = s.read(&mut buf).unwrap();
				requests.push(String::from_utf8_lossy(&buf[..n]).to_string());
				let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
				s.write_all(head.as_bytes()).unwrap();
				s.write_all(&body).unwrap();
			}
			requests
		});
		let device = Arc::new(FakeSevGuest { table: None, vmpl_seen: Mutex::new(None) });
		let tee = SnpBackend::new(
			SnpSource::Device(device),
			VcekSource { kds_url: Some(format!("http://127.0.0.1:{port}")), ..Default::default() },
			0,
			None,
		);
		let report = tee.quote(&[4; 64]).unwrap();
		let collateral = tee.collateral(&report, NOW).unwrap();
		let requests = server.join().unwrap();
		assert!(requests[0].starts_with("GET /vcek/v1/Milan/"), "{}", requests[0]);
		assert!(requests[1].starts_with("GET /vcek/v1/Milan/crl "), "{}", requests[1]);
		// The VCEK, then the ARK's CRL, as the chain's verifier reads collateral.
		let chain = aegis_attestation::chain::certificate_chain(&collateral).unwrap();
		assert_eq!(chain.leaf, sim.vcek_der());
		assert_eq!(chain.crls, vec![crl]);
	}

	#[test]
	fn certificate_tables_are_read_in_either_guid_order_and_refused_when_malformed() {
		let table = dev_table();
		let certs = certificate_table(&table).unwrap();
		assert_eq!(
			certs.iter().map(|(g, _)| *g).collect::<Vec<_>>(),
			[guid::VCEK, guid::ASK, guid::ARK]
		);
		// The EFI byte order of the VCEK's GUID.
		let mut efi = table.clone();
		efi[..16].copy_from_slice(&guid_bytes(guid::VCEK)[1]);
		assert_eq!(certificate_table(&efi).unwrap()[0].0, guid::VCEK);
		// An offset past the end, or no terminating entry.
		let mut bad = table.clone();
		bad[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
		assert!(certificate_table(&bad).is_err());
		assert!(certificate_table(&table[..48]).is_err());
		assert!(certificate_table(&[]).is_err());
	}

	#[test]
	fn the_product_is_read_from_the_cpuid_of_version_3_reports() {
		let sim = SimSnp::dev();
		let v5 = sim.report(&dev_guest(), &[0; 64]);
		assert_eq!(report_product(&v5), Some(SnpProduct::Milan));
		let v2 = sim.report(&SnpGuest { report_version: 2, ..dev_guest() }, &[0; 64]);
		assert_eq!(report_product(&v2), None);
		let fixtures =
			concat!(env!("CARGO_MANIFEST_DIR"), "/../primitives/attestation/tests/fixtures/snp/");
		for (file, product) in [
			("genoa_v5_oak.report.bin", SnpProduct::Genoa),
			("turin_v5_oak.report.bin", SnpProduct::Turin),
			("milan_v3_oak-rk.report.bin", SnpProduct::Milan),
		] {
			assert_eq!(
				report_product(&std::fs::read(format!("{fixtures}{file}")).unwrap()),
				Some(product)
			);
		}
	}

	#[test]
	fn the_ioctl_numbers_are_the_kernels() {
		// include/uapi/linux/sev-guest.h: _IOWR('S', 0..2, struct snp_guest_request_ioctl).
		assert_eq!(SNP_GET_REPORT, 0xc020_5300);
		assert_eq!(SNP_GET_DERIVED_KEY, 0xc020_5301);
		assert_eq!(SNP_GET_EXT_REPORT, 0xc020_5302);
		let req = report_request(&[1; 64], 2);
		assert_eq!(&req[64..68], &[2, 0, 0, 0]);
		let mut resp = vec![0u8; 4000];
		resp[RESPONSE_HEADER..RESPONSE_HEADER + 4].copy_from_slice(&5u32.to_le_bytes());
		assert_eq!(LinuxSevGuest::report_from(&resp).unwrap()[..4], [5, 0, 0, 0]);
		resp[0] = 0x16;
		assert!(LinuxSevGuest::report_from(&resp).is_err());
		assert!(LinuxSevGuest::open(std::path::Path::new("/nonexistent/sev-guest")).is_err());
	}
}
