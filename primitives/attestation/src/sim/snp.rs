//! A simulated AMD SEV-SNP platform: a dev ARK and ASK (RSA-4096, RSASSA-PSS SHA-384, as AMD
//! signs), a VCEK per chip and reported TCB (ECDSA P-384, with AMD's extensions: product name,
//! TCB component versions, hardware id; serial number 0, as AMD issues them), and attestation
//! reports of versions 2, 3 and 5 in the firmware's byte layout, signed by the VCEK.
//! [`crate::snp::verify`] accepts them under [`SimSnp::ark_der`] exactly as it accepts AMD's
//! under AMD's ARKs, and refuses them under AMD's.
//!
//! Reproducible byte for byte: the dev RSA keys are fixed (public, in this folder), the VCEK's
//! key is derived from the seed, chip id and TCB, ECDSA signatures are RFC 6979 and the PSS
//! salts come from a hash of the signed bytes.

#![allow(clippy::indexing_slicing)] // Offsets are constants inside the fixed-size report.

use super::{der_seq, der_uint, tlv};
use crate::{snp::REPORT_LEN, SnpProduct, SnpTcb};
use p384::ecdsa::{signature::Signer as _, Signature, SigningKey};
use rsa::{
	pkcs8::{DecodePrivateKey as _, EncodePublicKey as _},
	pss,
	rand_core::{CryptoRng, RngCore},
	signature::RandomizedSigner as _,
	RsaPrivateKey,
};
use sha2::{Digest as _, Sha256};

/// The dev ARK's private key (RSA-4096, PKCS#8). Public: anyone can sign under the dev ARK.
const DEV_ARK_KEY: &[u8] = include_bytes!("dev_snp_ark_key.pk8");
/// The dev ASK's private key (RSA-4096, PKCS#8).
const DEV_ASK_KEY: &[u8] = include_bytes!("dev_snp_ask_key.pk8");
/// Certificates are valid 2020-01-01 .. 2100-01-01.
const NOT_BEFORE: &str = "200101000000Z";
const NOT_AFTER: &str = "21000101000000Z";
/// The algorithm identifiers AMD's ARK and ASK certificates (with the PSS trailer field) and
/// VCEKs (without) carry.
use crate::chain::{PSS_SHA384_AMD as PSS_ALG, PSS_SHA384_AMD_TRAILER as PSS_ALG_TRAILER};

/// A deterministic "random" stream for RSA-PSS (salt and blinding): SHA-256 of a label, the
/// signed bytes and a counter. Signatures stay valid PSS signatures; they are just repeatable.
struct HashStream {
	seed: [u8; 32],
	counter: u64,
}

impl HashStream {
	fn new(message: &[u8]) -> Self {
		Self {
			seed: Sha256::digest([b"aegis/sim-snp/pss/v1".as_slice(), message].concat()).into(),
			counter: 0,
		}
	}
}

impl RngCore for HashStream {
	fn next_u32(&mut self) -> u32 {
		let mut b = [0u8; 4];
		self.fill_bytes(&mut b);
		u32::from_le_bytes(b)
	}
	fn next_u64(&mut self) -> u64 {
		let mut b = [0u8; 8];
		self.fill_bytes(&mut b);
		u64::from_le_bytes(b)
	}
	fn fill_bytes(&mut self, dest: &mut [u8]) {
		for chunk in dest.chunks_mut(32) {
			let block = Sha256::digest([&self.seed[..], &self.counter.to_le_bytes()].concat());
			self.counter = self.counter.wrapping_add(1);
			chunk.copy_from_slice(&block[..chunk.len()]);
		}
	}
	fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
		self.fill_bytes(dest);
		Ok(())
	}
}
impl CryptoRng for HashStream {}

fn oid(text: &str) -> Vec<u8> {
	use der::Encode as _;
	let oid = der::asn1::ObjectIdentifier::new(text).expect("the simulator's OIDs are valid");
	oid.to_der().expect("an OID encodes")
}

fn name(cn: &str) -> Vec<u8> {
	let rdn = |oid_text: &str, value: &str| {
		tlv(0x31, &der_seq(&[oid(oid_text), tlv(0x0c, value.as_bytes())]))
	};
	der_seq(&[rdn("2.5.4.3", cn), rdn("2.5.4.10", "QuantumAegis Dev (simulated, NOT AMD)")])
}

fn extension(id: &str, critical: bool, value: Vec<u8>) -> Vec<u8> {
	let mut items = vec![oid(id)];
	if critical {
		items.push(tlv(0x01, &[0xff]));
	}
	items.push(tlv(0x04, &value));
	der_seq(&items)
}

/// A certificate signed with RSASSA-PSS SHA-384 by `issuer_key`.
fn certificate(
	serial: u64,
	issuer: &str,
	subject: &str,
	spki: Vec<u8>,
	extensions: Vec<Vec<u8>>,
	alg: &[u8],
	issuer_key: &RsaPrivateKey,
) -> Vec<u8> {
	let alg = tlv(0x30, alg);
	let tbs = der_seq(&[
		tlv(0xa0, &der_uint(2)),
		der_uint(serial),
		alg.clone(),
		name(issuer),
		der_seq(&[tlv(0x17, NOT_BEFORE.as_bytes()), tlv(0x18, NOT_AFTER.as_bytes())]),
		name(subject),
		spki,
		tlv(0xa3, &der_seq(&extensions)),
	]);
	let key = pss::SigningKey::<rsa::sha2::Sha384>::new_with_salt_len(issuer_key.clone(), 48);
	let signature: Box<[u8]> = key.sign_with_rng(&mut HashStream::new(&tbs), &tbs).into();
	let mut bits = vec![0u8];
	bits.extend_from_slice(&signature);
	der_seq(&[tbs, alg, tlv(0x03, &bits)])
}

fn ca_extensions() -> Vec<Vec<u8>> {
	vec![
		// basicConstraints: cA TRUE.
		extension("2.5.29.19", true, der_seq(&[tlv(0x01, &[0xff])])),
		// keyUsage: keyCertSign, cRLSign.
		extension("2.5.29.15", true, tlv(0x03, &[0x01, 0x06])),
	]
}

/// The chip a simulated report comes from and its firmware's TCB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnpPlatform {
	/// EPYC generation.
	pub product: SnpProduct,
	/// The TCB the firmware reports (and the VCEK is issued for).
	pub tcb: SnpTcb,
	/// The chip's unique id (Turin: 8 bytes, the rest zero).
	pub chip_id: [u8; 64],
}

impl Default for SnpPlatform {
	fn default() -> Self {
		let mut chip_id = [0u8; 64];
		chip_id
			.copy_from_slice(&[Sha256::digest(b"aegis dev chip"), Sha256::digest(b"id")].concat());
		Self {
			product: SnpProduct::Milan,
			tcb: SnpTcb { fmc: 0, boot_loader: 4, tee: 0, snp: 22, microcode: 213 },
			chip_id,
		}
	}
}

/// What a guest asks to be reported: its measurement and policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnpGuest {
	/// Launch measurement.
	pub measurement: [u8; 48],
	/// Guest policy (see [`crate::snp_policy`]); debug if it has [`crate::snp_policy::DEBUG`].
	pub policy: u64,
	/// The VM privilege level asking.
	pub vmpl: u32,
	/// Report format version (2, 3 or 5).
	pub report_version: u32,
}

impl Default for SnpGuest {
	fn default() -> Self {
		Self {
			measurement: [0; 48],
			// ABI 0.31, SMT allowed, reserved bit: what a default QEMU launch sets.
			policy: 0x1f | crate::snp_policy::SMT | crate::snp_policy::RESERVED_1,
			vmpl: 0,
			report_version: 5,
		}
	}
}

/// The simulated SEV-SNP platform and the dev AMD PKI behind it. See the module docs.
#[derive(Clone)]
pub struct SimSnp {
	seed: [u8; 32],
	platform: SnpPlatform,
	ark_der: Vec<u8>,
	ask_der: Vec<u8>,
	ask_key: RsaPrivateKey,
	ark_key: RsaPrivateKey,
	vcek: SigningKey,
	vcek_der: Vec<u8>,
}

fn rsa_key(pkcs8: &[u8]) -> RsaPrivateKey {
	RsaPrivateKey::from_pkcs8_der(pkcs8).expect("the dev RSA keys are valid PKCS#8")
}

fn rsa_spki(key: &RsaPrivateKey) -> Vec<u8> {
	key.to_public_key().to_public_key_der().expect("an RSA public key encodes").as_bytes().to_vec()
}

impl SimSnp {
	/// The dev AMD PKI and a chip of `platform`; the VCEK's key depends on `seed`, the chip
	/// and its TCB, as a real VCEK depends on the chip's secret and TCB.
	pub fn new(seed: [u8; 32], platform: SnpPlatform) -> Self {
		let product = platform.product.name();
		let ark_key = rsa_key(DEV_ARK_KEY);
		let ask_key = rsa_key(DEV_ASK_KEY);
		let ark_name = format!("ARK-{product}");
		let ask_name = format!("SEV-{product}");
		let ark_der = certificate(
			1,
			&ark_name,
			&ark_name,
			rsa_spki(&ark_key),
			ca_extensions(),
			PSS_ALG_TRAILER,
			&ark_key,
		);
		let ask_der = certificate(
			2,
			&ark_name,
			&ask_name,
			rsa_spki(&ask_key),
			ca_extensions(),
			PSS_ALG_TRAILER,
			&ark_key,
		);
		let vcek = derive_p384(&seed, &platform);
		let vcek_der = vcek_certificate(&platform, &vcek, &ask_name, &ask_key);
		Self { seed, platform, ark_der, ask_der, ask_key, ark_key, vcek, vcek_der }
	}

	/// The shared dev platform ([`crate::dev::SIM_SEED`], default chip).
	pub fn dev() -> Self {
		Self::new(crate::dev::SIM_SEED, SnpPlatform::default())
	}

	/// The dev ARK (DER): what a dev chain trusts for SEV-SNP.
	pub fn ark_der(&self) -> &[u8] {
		&self.ark_der
	}

	/// The dev ARK's certificate revocation list, as AMD's KDS serves one per product at
	/// `/vcek/v1/{product}/crl`: issued at `this_update`, stale after `next_update`, revoking
	/// the certificates of `revoked` serial numbers (the dev ASK's is [`Self::ASK_SERIAL`]).
	/// `signed_by_ark` false signs it with the ASK's key instead: a forgery.
	pub fn ark_crl(
		&self,
		this_update: u64,
		next_update: u64,
		revoked: &[u64],
		signed_by_ark: bool,
	) -> Vec<u8> {
		let time = |unix: u64| {
			let t = super::at(unix);
			let text = format!(
				"{:02}{:02}{:02}{:02}{:02}{:02}Z",
				t.year() % 100,
				u8::from(t.month()),
				t.day(),
				t.hour(),
				t.minute(),
				t.second()
			);
			tlv(0x17, text.as_bytes())
		};
		let alg = tlv(0x30, PSS_ALG_TRAILER);
		let mut tbs = vec![
			der_uint(1),
			alg.clone(),
			name(&format!("ARK-{}", self.platform.product.name())),
			time(this_update),
			time(next_update),
		];
		if !revoked.is_empty() {
			let entries: Vec<Vec<u8>> = revoked
				.iter()
				.map(|serial| der_seq(&[der_uint(*serial), time(this_update)]))
				.collect();
			tbs.push(der_seq(&entries));
		}
		// cRLNumber.
		tbs.push(tlv(0xa0, &der_seq(&[extension("2.5.29.20", false, der_uint(1))])));
		let tbs = der_seq(&tbs);
		let key = if signed_by_ark { &self.ark_key } else { &self.ask_key };
		let signer = pss::SigningKey::<rsa::sha2::Sha384>::new_with_salt_len(key.clone(), 48);
		let signature: Box<[u8]> = signer.sign_with_rng(&mut HashStream::new(&tbs), &tbs).into();
		let mut bits = vec![0u8];
		bits.extend_from_slice(&signature);
		der_seq(&[tbs, alg, tlv(0x03, &bits)])
	}

	/// The dev ASK's serial number.
	pub const ASK_SERIAL: u64 = 2;

	/// The dev ASK (DER), issuer of the VCEK.
	pub fn ask_der(&self) -> &[u8] {
		&self.ask_der
	}

	/// The chip's VCEK certificate (DER).
	pub fn vcek_der(&self) -> &[u8] {
		&self.vcek_der
	}

	/// The platform.
	pub fn platform(&self) -> &SnpPlatform {
		&self.platform
	}

	/// The collateral a report of this chip is verified with: the VCEK, then the dev ASK and
	/// ARK, as PEM (AMD's KDS `cert_chain` order).
	pub fn collateral(&self) -> Vec<u8> {
		let pem = |der: &[u8]| pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
		format!("{}{}{}", pem(&self.vcek_der), pem(&self.ask_der), pem(&self.ark_der)).into_bytes()
	}

	/// The same chip after a firmware update to `tcb`: a new VCEK, the same ARK and ASK.
	pub fn with_tcb(&self, tcb: SnpTcb) -> Self {
		let mut next = self.clone();
		next.platform.tcb = tcb;
		next.vcek = derive_p384(&self.seed, &next.platform);
		let ask_name = format!("SEV-{}", next.platform.product.name());
		next.vcek_der = vcek_certificate(&next.platform, &next.vcek, &ask_name, &self.ask_key);
		next
	}

	/// An attestation report of `guest` carrying `report_data`, signed by the VCEK.
	pub fn report(&self, guest: &SnpGuest, report_data: &[u8; 64]) -> Vec<u8> {
		let mut r = vec![0u8; REPORT_LEN];
		let product = self.platform.product;
		let tcb = self.platform.tcb.to_u64(product);
		r[0x00..0x04].copy_from_slice(&guest.report_version.to_le_bytes());
		r[0x04..0x08].copy_from_slice(&1u32.to_le_bytes()); // guest SVN
		r[0x08..0x10].copy_from_slice(&guest.policy.to_le_bytes());
		r[0x30..0x34].copy_from_slice(&guest.vmpl.to_le_bytes());
		r[0x34..0x38].copy_from_slice(&1u32.to_le_bytes()); // ECDSA P-384 with SHA-384
		r[0x38..0x40].copy_from_slice(&tcb.to_le_bytes()); // current TCB
		r[0x40..0x48].copy_from_slice(&1u64.to_le_bytes()); // platform info: SMT enabled
		r[0x48..0x4c].copy_from_slice(&0u32.to_le_bytes()); // signed by the VCEK
		r[0x50..0x90].copy_from_slice(report_data);
		r[0x90..0xc0].copy_from_slice(&guest.measurement);
		let report_id = Sha256::digest([&self.platform.chip_id[..], &guest.measurement].concat());
		r[0x140..0x160].copy_from_slice(&report_id);
		r[0x180..0x188].copy_from_slice(&tcb.to_le_bytes()); // reported TCB
		if guest.report_version >= 3 {
			let (family, model) = match product {
				SnpProduct::Milan => (0x19, 0x01),
				SnpProduct::Genoa => (0x19, 0x11),
				SnpProduct::Turin => (0x1a, 0x02),
			};
			r[0x188] = family;
			r[0x189] = model;
			r[0x18a] = 0x01;
		}
		let id_len = if product == SnpProduct::Turin { 8 } else { 64 };
		r[0x1a0..0x1a0 + id_len].copy_from_slice(&self.platform.chip_id[..id_len]);
		r[0x1e0..0x1e8].copy_from_slice(&tcb.to_le_bytes()); // committed TCB
		r[0x1e8..0x1eb].copy_from_slice(&[21, 55, 1]); // current build, minor, major
		r[0x1ec..0x1ef].copy_from_slice(&[21, 55, 1]); // committed build, minor, major
		r[0x1f0..0x1f8].copy_from_slice(&tcb.to_le_bytes()); // launch TCB
		let signature: Signature = self.vcek.sign(&r[..crate::snp::SIGNED_LEN]);
		let (sig_r, sig_s) = signature.split_bytes();
		for (i, b) in sig_r.iter().rev().enumerate() {
			r[0x2a0 + i] = *b;
		}
		for (i, b) in sig_s.iter().rev().enumerate() {
			r[0x2e8 + i] = *b;
		}
		r
	}
}

/// The VCEK's key: a P-384 scalar derived from the seed, the chip id and the TCB.
fn derive_p384(seed: &[u8; 32], platform: &SnpPlatform) -> SigningKey {
	let mut counter: u32 = 0;
	loop {
		let mut material = Vec::with_capacity(128);
		material.extend_from_slice(b"aegis/sim-snp/vcek/v1");
		material.extend_from_slice(seed);
		material.extend_from_slice(&platform.chip_id);
		material.extend_from_slice(&platform.tcb.to_u64(platform.product).to_le_bytes());
		material.extend_from_slice(&counter.to_le_bytes());
		let a = Sha256::digest(&material);
		let b = Sha256::digest(a);
		let bytes: Vec<u8> = a.iter().chain(b.iter()).take(48).copied().collect();
		if let Ok(key) = SigningKey::from_slice(&bytes) {
			return key;
		}
		counter = counter.wrapping_add(1);
	}
}

fn vcek_certificate(
	platform: &SnpPlatform,
	vcek: &SigningKey,
	ask_name: &str,
	ask_key: &RsaPrivateKey,
) -> Vec<u8> {
	let point = vcek.verifying_key().to_sec1_point(false);
	let mut bits = vec![0u8];
	bits.extend_from_slice(point.as_bytes());
	let spki =
		der_seq(&[der_seq(&[oid("1.2.840.10045.2.1"), oid("1.3.132.0.34")]), tlv(0x03, &bits)]);
	let spl = |n: &str, v: u8| {
		extension(&format!("1.3.6.1.4.1.3704.1.3.{n}"), false, der_uint(u64::from(v)))
	};
	let product = platform.product;
	let product_name = match product {
		SnpProduct::Milan => "Milan-B0",
		SnpProduct::Genoa => "Genoa-B1",
		SnpProduct::Turin => "Turin-C1",
	};
	let id_len = if product == SnpProduct::Turin { 8 } else { 64 };
	let mut extensions = vec![
		extension("1.3.6.1.4.1.3704.1.1", false, der_uint(u64::from(product == SnpProduct::Turin))),
		extension("1.3.6.1.4.1.3704.1.2", false, tlv(0x16, product_name.as_bytes())),
		spl("1", platform.tcb.boot_loader),
		spl("2", platform.tcb.tee),
		spl("3", platform.tcb.snp),
		spl("4", 0),
		spl("5", 0),
		spl("6", 0),
		spl("7", 0),
		spl("8", platform.tcb.microcode),
		extension("1.3.6.1.4.1.3704.1.4", false, tlv(0x04, &platform.chip_id[..id_len])),
	];
	if product == SnpProduct::Turin {
		extensions.push(spl("9", platform.tcb.fmc));
	}
	certificate(0, ask_name, "SEV-VCEK", spki, extensions, PSS_ALG, ask_key)
}
