//! A test runtime with the registry, pallet-timestamp, and a risk level tests can set.
//! Governance is root; `MaxWorkers` 4, `MaxRoots` 4, `ExpiriesPerBlock` 2, `HeartbeatTimeout`
//! 20, `EmergencyRekeyPeriod` 10, `RekeyCooldown` 30, `CollateralRefreshInterval` 5; attestations count for 100
//! blocks. Genesis trusts the simulated TEE's dev root and allows [`measurement`].

use crate::{self as pallet_tee_registry, offchain::CollateralUpdate, RedundancyConfig};
use aegis_attestation::{
	sim::{CollateralParams, SgxEnclave, SimPlatform, SimTee},
	Measurement, TcbStatus, TeeKind,
};
use aegis_primitives::{
	binding::{EnclaveKeys, HPKE_XWING_PUBLIC_KEY_LEN},
	pqc::{self, SecretKey, Suite},
	risk::RiskLevel,
};
use frame_support::{derive_impl, parameter_types, traits::ConstU32, BoundedVec};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system::Pallet<Test>;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp::Pallet<Test>;

	#[runtime::pallet_index(2)]
	pub type TeeRegistry = pallet_tee_registry::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

aegis_test_support::impl_authorized_transactions!(Test);

parameter_types! {
	/// The risk level tests set.
	pub static Risk: RiskLevel = RiskLevel::Normal;
}

impl pallet_tee_registry::Config for Test {
	type GovernanceOrigin = EnsureRoot<u64>;
	type UnixTime = Timestamp;
	type RiskLevel = Risk;
	type MaxWorkers = ConstU32<4>;
	type MaxMeasurements = ConstU32<4>;
	type MaxRoots = ConstU32<4>;
	type MaxAdvisories = ConstU32<4>;
	type MaxQuoteLen = ConstU32<{ 16 * 1024 }>;
	type MaxCollateralLen = ConstU32<{ 64 * 1024 }>;
	type MaxSealedSecretLen = ConstU32<2048>;
	type MaxPlatforms = ConstU32<4>;
	type ExpiriesPerBlock = ConstU32<2>;
	type HeartbeatTimeout = ConstU64<20>;
	type EmergencyRekeyPeriod = ConstU64<10>;
	type RekeyCooldown = ConstU64<30>;
	type ConfirmPeriod = ConstU64<CONFIRM_PERIOD>;
	type ClusterKeyPeriod = ConstU64<KEY_PERIOD>;
	type EpochGrace = ConstU64<5>;
	type LeaderTerm = ConstU64<TERM>;
	type TakeoverAfter = ConstU64<TAKEOVER>;
	type CollateralRefreshInterval = ConstU64<5>;
	type UnsignedPriority = ConstU64<{ 1 << 20 }>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SimHelper;
}

use frame_support::traits::ConstU64;

pub use aegis_test_support::{enclave, NOW_SECS};

/// Blocks an attestation counts for.
pub const VALIDITY: u64 = 100;
/// Blocks a published epoch collects confirmations.
pub const CONFIRM_PERIOD: u64 = 8;
/// Blocks before an epoch owes a rekey.
pub const KEY_PERIOD: u64 = 30;
/// A leader's term.
pub const TERM: u64 = 40;
/// Blocks before a takeover.
pub const TAKEOVER: u64 = 3;

/// Runs `f` with the simulated TEE (the dev TEE).
pub fn with_sim<R>(f: impl FnOnce(&SimTee) -> R) -> R {
	f(aegis_test_support::tee())
}

/// Its measurement.
pub fn measurement_of(e: &SgxEnclave) -> Measurement {
	e.measurement()
}

/// The allowed measurement.
pub fn measurement() -> Measurement {
	measurement_of(&enclave())
}

/// Worker `i`'s ML-DSA-87 secret key (generation `g`: keys rotate by bumping it).
pub fn ml_dsa_key(i: u64, g: u8) -> SecretKey {
	let mut seed = [g; 32];
	seed[..8].copy_from_slice(&i.to_le_bytes());
	SecretKey::from_seed(Suite::MlDsa87, &seed)
}

/// Worker `i`'s key set (generation `g`).
pub fn keys(i: u64, g: u8) -> EnclaveKeys {
	let ml_dsa = ml_dsa_key(i, g).public_key().try_into().expect("ML-DSA-87 public key length");
	EnclaveKeys { hpke: [i as u8 ^ g; HPKE_XWING_PUBLIC_KEY_LEN], ml_dsa, slh_dsa: [g; 64] }
}

/// A dev-TEE quote of `e` binding `who`, `keys`, `nonce` to the mock chain, `padding` bytes
/// longer than the shortest.
fn padded_quote(e: &SgxEnclave, who: u64, keys: &EnclaveKeys, nonce: u64, padding: u32) -> Vec<u8> {
	let account = TeeRegistry::account_bytes(&who);
	aegis_test_support::quote(e, &TeeRegistry::genesis_hash(), &account, keys, nonce, padding)
}

/// The report data binding `who`, `keys`, `nonce` to the mock chain.
pub fn binding(who: u64, keys: &EnclaveKeys, nonce: u64) -> [u8; 64] {
	aegis_primitives::binding::report_data(
		&TeeRegistry::genesis_hash(),
		&TeeRegistry::account_bytes(&who),
		&aegis_primitives::binding::keys_hash(keys),
		nonce,
	)
}

/// A dev SEV-SNP report of the dev worker VM binding `who`, `keys`, `nonce`, and its
/// collateral.
pub fn snp_evidence(who: u64, keys: &EnclaveKeys, nonce: u64) -> (Vec<u8>, Vec<u8>) {
	aegis_test_support::snp_evidence(&binding(who, keys, nonce))
}

/// A dev Nitro document of the dev worker image binding `who`, `keys`, `nonce`, issued now.
pub fn nitro_evidence(who: u64, keys: &EnclaveKeys, nonce: u64) -> Vec<u8> {
	aegis_test_support::nitro_evidence(&binding(who, keys, nonce), now_secs())
}

/// A quote of `e` binding `who`, `keys`, `nonce`.
pub fn quote_of(
	e: &SgxEnclave,
	who: u64,
	keys: &EnclaveKeys,
	nonce: u64,
) -> BoundedVec<u8, ConstU32<{ 16 * 1024 }>> {
	padded_quote(e, who, keys, nonce, 0).try_into().expect("quote fits")
}

/// A quote of the allowed enclave binding `who`, `keys`, `nonce`.
pub fn quote(who: u64, keys: &EnclaveKeys, nonce: u64) -> BoundedVec<u8, ConstU32<{ 16 * 1024 }>> {
	quote_of(&enclave(), who, keys, nonce)
}

/// Collateral of `p`.
pub fn collateral_with(p: &CollateralParams) -> BoundedVec<u8, ConstU32<{ 64 * 1024 }>> {
	with_sim(|s| s.collateral(TeeKind::Sgx, p)).try_into().expect("collateral fits")
}

/// Up-to-date collateral valid around the current block time.
pub fn collateral() -> BoundedVec<u8, ConstU32<{ 64 * 1024 }>> {
	collateral_with(&CollateralParams::valid_around(now_secs()))
}

/// The block's Unix time.
pub fn now_secs() -> u64 {
	Timestamp::get() / 1000
}

/// Worker `i`'s ML-DSA-87 signature publishing `public_key` as `epoch`.
pub fn sign_cluster_key(
	i: u64,
	g: u8,
	epoch: u32,
	public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
) -> crate::MlDsaSignature {
	let message = aegis_primitives::binding::cluster_key_message(
		&TeeRegistry::genesis_hash(),
		epoch,
		public_key,
	);
	pqc::sign(Suite::MlDsa87, &ml_dsa_key(i, g), pqc::context::CLUSTER_KEY, &message)
		.expect("signs")
		.try_into()
		.expect("ML-DSA-87 signature length")
}

/// Worker `i`'s ML-DSA-87 signature confirming it holds `epoch`, whose key is `public_key`.
pub fn sign_cluster_confirm(
	i: u64,
	g: u8,
	epoch: u32,
	public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
) -> crate::MlDsaSignature {
	let message = aegis_primitives::binding::cluster_confirm_message(
		&TeeRegistry::genesis_hash(),
		epoch,
		public_key,
		&TeeRegistry::account_bytes(&i),
	);
	pqc::sign(Suite::MlDsa87, &ml_dsa_key(i, g), pqc::context::CLUSTER_KEY_CONFIRM, &message)
		.expect("signs")
		.try_into()
		.expect("ML-DSA-87 signature length")
}

/// A collateral update for the simulated platform, as the off-chain worker builds it.
pub fn collateral_update(p: &CollateralParams) -> CollateralUpdate {
	CollateralUpdate::from_documents(aegis_test_support::collateral_documents(p))
		.expect("the dev platform's documents fit")
}

/// Genesis: the dev roots trusted (the simulated Intel root for SGX and TDX, the dev ARK,
/// the dev Nitro root), [`measurement`] allowed, floor `SwHardeningNeeded` with
/// `INTEL-SA-00615` allowed, validity [`VALIDITY`], time [`NOW_SECS`], block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_tee_registry::GenesisConfig::<Test> {
		trusted_roots: vec![
			(TeeKind::Sgx, with_sim(|s| s.root_der())),
			(TeeKind::Tdx, with_sim(|s| s.root_der())),
			(TeeKind::SevSnp, aegis_attestation::dev::SNP_ARK_DER.to_vec()),
			(TeeKind::Nitro, aegis_attestation::dev::NITRO_ROOT_DER.to_vec()),
		],
		snp_tcb_floors: vec![],
		measurements: vec![measurement()],
		min_tcb_status: Some(TcbStatus::SwHardeningNeeded),
		allowed_advisories: vec![b"INTEL-SA-00615".to_vec()],
		attestation_validity: VALIDITY,
		redundancy: RedundancyConfig { enabled: false, min_cosigners: 0 },
		pccs_url: b"https://pccs.test".to_vec(),
		tcb_evaluation_floor: 0,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW_SECS * 1000);
		Risk::set(RiskLevel::Normal);
	});
	ext
}

/// Moves to block `n` (6 s a block), running the registry's `on_initialize`.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		pallet_timestamp::Now::<Test>::put(Timestamp::get() + 6_000);
		TeeRegistry::on_initialize(next);
	}
}

/// Registration helpers for the benchmarks: the simulated TEE.
#[cfg(feature = "runtime-benchmarks")]
pub struct SimHelper;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<Test> for SimHelper {
	fn trusted_roots(count: u32) -> Vec<Vec<u8>> {
		aegis_test_support::roots(count)
	}
	fn set_time(unix_secs: u64) {
		pallet_timestamp::Now::<Test>::put(unix_secs * 1000);
	}
	fn registration(who: &u64, index: u64, nonce: u64, quote_padding: u32) -> crate::Registration {
		let k = keys(index, 0);
		crate::Registration {
			quote: padded_quote(&enclave(), *who, &k, nonce, quote_padding),
			collateral: collateral_with(&CollateralParams::valid_around(NOW_SECS)).into_inner(),
			keys: k,
			measurement: measurement(),
			now_secs: NOW_SECS,
		}
	}
	fn registration_of(
		kind: TeeKind,
		who: &u64,
		index: u64,
		nonce: u64,
	) -> (crate::Registration, Vec<u8>) {
		let k = keys(index, 0);
		let (quote, collateral, measurement, root) =
			aegis_test_support::dev_evidence(kind, &binding(*who, &k, nonce), NOW_SECS);
		(crate::Registration { quote, collateral, keys: k, measurement, now_secs: NOW_SECS }, root)
	}
	fn sign_cluster_key(
		index: u64,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
	) -> Vec<u8> {
		sign_cluster_key(index, 0, epoch, public_key).into_inner()
	}
	fn sign_cluster_confirm(
		index: u64,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
		who: &u64,
	) -> Vec<u8> {
		let message = aegis_primitives::binding::cluster_confirm_message(
			&TeeRegistry::genesis_hash(),
			epoch,
			public_key,
			&TeeRegistry::account_bytes(who),
		);
		pqc::sign(
			Suite::MlDsa87,
			&ml_dsa_key(index, 0),
			pqc::context::CLUSTER_KEY_CONFIRM,
			&message,
		)
		.expect("signs")
	}
	fn collateral_update() -> (CollateralUpdate, TeeKind, [u8; 6], u64) {
		let update = collateral_update(&CollateralParams::valid_around(NOW_SECS));
		(update, TeeKind::Sgx, SimPlatform::default().fmspc, NOW_SECS)
	}
}
