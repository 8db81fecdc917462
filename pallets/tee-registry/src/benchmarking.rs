//! Benchmarks of every call, `register_worker` with a real (simulated-TEE) quote verified by
//! the attestation host function.

use super::*;
use crate::offchain::CollateralUpdate;
use aegis_attestation::TeeKind;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::Hooks;
use frame_system::RawOrigin;

/// A registration valid for an account on this chain.
pub struct Registration {
	/// The quote.
	pub quote: Vec<u8>,
	/// Its collateral.
	pub collateral: Vec<u8>,
	/// The keys it binds.
	pub keys: EnclaveKeys,
	/// The quote's measurement.
	pub measurement: Measurement,
	/// A Unix time at which it verifies.
	pub now_secs: u64,
}

/// What the benchmarks need from the runtime: quotes and signatures made outside it.
pub trait BenchmarkHelper<T: Config> {
	/// `count` root certificates to trust, the one [`Self::registration`] chains to last.
	fn trusted_roots(count: u32) -> Vec<Vec<u8>>;
	/// Sets the time `T::UnixTime` reports.
	fn set_time(unix_secs: u64);
	/// A registration of `who` with key set `index` and `nonce`, on this chain's genesis.
	fn registration(who: &T::AccountId, index: u64, nonce: u64) -> Registration;
	/// Key set `index`'s ML-DSA-87 signature publishing `public_key` as `epoch`.
	fn sign_cluster_key(
		index: u64,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
	) -> Vec<u8>;
	/// A platform collateral update, its platform, and a Unix time at which it verifies.
	fn collateral_update() -> (CollateralUpdate, aegis_attestation::TeeKind, Fmspc, u64);
}

fn setup<T: Config>() {
	let roots: Vec<RootCertificate> = T::BenchmarkHelper::trusted_roots(T::MaxRoots::get())
		.into_iter()
		.map(|r| r.try_into().expect("root fits"))
		.collect();
	TrustedRoots::<T>::put(BoundedVec::try_from(roots).expect("MaxRoots roots"));
	AttestationValidity::<T>::put(BlockNumberFor::<T>::from(100u32));
	Tcb::<T>::put(TcbPolicy {
		min_status: TcbStatus::UpToDate,
		allowed_advisories: BoundedVec::new(),
	});
}

fn register<T: Config>(who: &T::AccountId, index: u64) -> Registration {
	let r = T::BenchmarkHelper::registration(who, index, 1);
	T::BenchmarkHelper::set_time(r.now_secs);
	Measurements::<T>::insert(&r.measurement, BlockNumberFor::<T>::zero());
	Pallet::<T>::register_worker(
		RawOrigin::Signed(who.clone()).into(),
		r.quote.clone().try_into().expect("quote fits"),
		r.collateral.clone().try_into().expect("collateral fits"),
		r.keys.clone(),
		WorkerRole::Primary,
		1,
	)
	.expect("registration verifies");
	r
}

/// A worker record written straight into storage.
fn insert_worker<T: Config>(who: &T::AccountId, measurement: Measurement, keys: EnclaveKeys) {
	let now = frame_system::Pallet::<T>::block_number();
	let expires_at = now.saturating_add(100u32.into());
	Workers::<T>::insert(
		who,
		WorkerInfo {
			tee: TeeKind::Sgx,
			measurement,
			keys,
			role: WorkerRole::Primary,
			tcb_status: TcbStatus::UpToDate,
			fmspc: [0; 6],
			registered_at: now,
			attested_at: now,
			expires_at,
			last_heartbeat: now,
			state: WorkerState::Active,
		},
	);
	Pallet::<T>::schedule_expiry(who, expires_at).expect("room in the expiry list");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_worker() {
		setup::<T>();
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1);
		T::BenchmarkHelper::set_time(r.now_secs);
		Measurements::<T>::insert(&r.measurement, BlockNumberFor::<T>::zero());
		let quote: QuoteOf<T> = r.quote.try_into().expect("quote fits");
		let collateral: CollateralOf<T> = r.collateral.try_into().expect("collateral fits");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), quote, collateral, r.keys, WorkerRole::Primary, 1);
		assert!(Workers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn reattest() {
		setup::<T>();
		let who: T::AccountId = account("worker", 0, 0);
		register::<T>(&who, 0);
		let r = T::BenchmarkHelper::registration(&who, 1, 2);
		let quote: QuoteOf<T> = r.quote.try_into().expect("quote fits");
		let collateral: CollateralOf<T> = r.collateral.try_into().expect("collateral fits");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), quote, collateral, r.keys.clone(), 2);
		assert_eq!(Workers::<T>::get(&who).map(|w| w.keys), Some(r.keys));
	}

	#[benchmark]
	fn heartbeat() {
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1);
		insert_worker::<T>(&who, r.measurement, r.keys);
		#[extrinsic_call]
		_(RawOrigin::Signed(who));
	}

	#[benchmark]
	fn deregister() {
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1);
		insert_worker::<T>(&who, r.measurement, r.keys);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Workers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn remove_expired() {
		let who: T::AccountId = account("worker", 0, 0);
		let caller: T::AccountId = whitelisted_caller();
		let r = T::BenchmarkHelper::registration(&who, 0, 1);
		insert_worker::<T>(&who, r.measurement, r.keys);
		frame_system::Pallet::<T>::set_block_number(1000u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), who.clone());
		assert!(!Workers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn add_trusted_root() {
		let mut roots = T::BenchmarkHelper::trusted_roots(T::MaxRoots::get());
		let new = roots.pop().expect("at least one root");
		let bounded: Vec<RootCertificate> =
			roots.into_iter().map(|r| r.try_into().expect("root fits")).collect();
		TrustedRoots::<T>::put(BoundedVec::try_from(bounded).expect("fewer than MaxRoots"));
		#[extrinsic_call]
		_(RawOrigin::Root, new);
		assert_eq!(TrustedRoots::<T>::get().len() as u32, T::MaxRoots::get());
	}

	#[benchmark]
	fn remove_trusted_root() {
		setup::<T>();
		let last = TrustedRoots::<T>::get().last().expect("roots").to_vec();
		#[extrinsic_call]
		_(RawOrigin::Root, last);
	}

	#[benchmark]
	fn allow_measurement() {
		let who: T::AccountId = account("worker", 0, 0);
		let m = T::BenchmarkHelper::registration(&who, 0, 1).measurement;
		Measurements::<T>::remove(&m);
		#[extrinsic_call]
		_(RawOrigin::Root, m.clone(), None);
		assert!(Measurements::<T>::contains_key(&m));
	}

	#[benchmark]
	fn revoke_measurement(w: Linear<0, { T::MaxWorkers::get() }>) {
		let first: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&first, 0, 1);
		Measurements::<T>::insert(&r.measurement, BlockNumberFor::<T>::zero());
		for i in 0..w {
			let who: T::AccountId = account("worker", i, 0);
			insert_worker::<T>(&who, r.measurement.clone(), r.keys.clone());
		}
		#[extrinsic_call]
		_(RawOrigin::Root, r.measurement.clone());
		assert!(!Measurements::<T>::contains_key(&r.measurement));
	}

	#[benchmark]
	fn set_tcb_policy() {
		let advisories: Vec<Vec<u8>> = (0..T::MaxAdvisories::get())
			.map(|i| alloc::format!("INTEL-SA-{i:05}").into_bytes())
			.collect();
		#[extrinsic_call]
		_(RawOrigin::Root, TcbStatus::SwHardeningNeeded, advisories);
	}

	#[benchmark]
	fn set_attestation_validity() {
		#[extrinsic_call]
		_(RawOrigin::Root, 1000u32.into());
	}

	#[benchmark]
	fn set_redundancy() {
		#[extrinsic_call]
		_(RawOrigin::Root, RedundancyConfig { enabled: true, min_cosigners: 2 });
	}

	#[benchmark]
	fn publish_cluster_key() {
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1);
		insert_worker::<T>(&who, r.measurement, r.keys);
		let public_key = [7u8; HPKE_XWING_PUBLIC_KEY_LEN];
		let signature: MlDsaSignature = T::BenchmarkHelper::sign_cluster_key(0, 1, &public_key)
			.try_into()
			.expect("signature length");
		#[extrinsic_call]
		_(RawOrigin::Signed(who), 1, public_key, signature);
		assert_eq!(CurrentClusterKey::<T>::get().map(|k| k.epoch), Some(1));
	}

	#[benchmark]
	fn provision_cluster_key() {
		let from: T::AccountId = account("worker", 0, 0);
		let to: T::AccountId = account("worker", 1, 0);
		let r = T::BenchmarkHelper::registration(&from, 0, 1);
		insert_worker::<T>(&from, r.measurement.clone(), r.keys.clone());
		insert_worker::<T>(&to, r.measurement, r.keys);
		CurrentClusterKey::<T>::put(ClusterKey {
			epoch: 1,
			public_key: [7u8; HPKE_XWING_PUBLIC_KEY_LEN],
			published_by: from.clone(),
			published_at: frame_system::Pallet::<T>::block_number(),
		});
		KeyHolders::<T>::insert(1, &from, ());
		let sealed: BoundedVec<u8, T::MaxSealedSecretLen> =
			vec![1u8; T::MaxSealedSecretLen::get() as usize].try_into().expect("fits");
		#[extrinsic_call]
		_(RawOrigin::Signed(from), to.clone(), sealed);
		assert!(KeyHolders::<T>::contains_key(1, &to));
	}

	#[benchmark]
	fn enroll_platform() {
		#[extrinsic_call]
		_(RawOrigin::Root, TeeKind::Tdx, [1u8; 6]);
	}

	#[benchmark]
	fn remove_platform() {
		Platforms::<T>::insert((TeeKind::Tdx, [1u8; 6]), None::<PlatformCollateral>);
		#[extrinsic_call]
		_(RawOrigin::Root, TeeKind::Tdx, [1u8; 6]);
	}

	#[benchmark]
	fn set_pccs_url() {
		#[extrinsic_call]
		_(RawOrigin::Root, vec![b'a'; 256]);
	}

	#[benchmark]
	fn update_platform_collateral() {
		setup::<T>();
		let (update, tee, fmspc, now) = T::BenchmarkHelper::collateral_update();
		T::BenchmarkHelper::set_time(now);
		Platforms::<T>::insert((tee, fmspc), None::<PlatformCollateral>);
		#[extrinsic_call]
		_(RawOrigin::Authorized, update);
		assert!(Platforms::<T>::get((tee, fmspc)).flatten().is_some());
	}

	#[benchmark]
	fn on_initialize_expiries(n: Linear<0, { T::ExpiriesPerBlock::get() }>) {
		let r = T::BenchmarkHelper::registration(&account("worker", 0, 0), 0, 1);
		for i in 0..n {
			let who: T::AccountId = account("worker", i, 0);
			insert_worker::<T>(&who, r.measurement.clone(), r.keys.clone());
		}
		let at = frame_system::Pallet::<T>::block_number().saturating_add(100u32.into());
		ExpiryCursor::<T>::put(at);
		#[block]
		{
			Pallet::<T>::on_initialize(at);
		}
		assert_eq!(Workers::<T>::count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);

	/// Measures the benchmarks above natively in the mock runtime and writes `src/weights.rs`.
	/// Run by `scripts/pallet-weights.sh tee-registry` (release build).
	#[cfg(test)]
	mod weight_file {
		use super::*;
		use crate::mock::{new_test_ext, Test};
		use aegis_weight_gen::{generate, measure, Component, Spec};

		/// Max encoded sizes in the mock, with their keys (prefix 32 B, Blake2_128Concat 16 B +
		/// key): a `Workers` entry ~4 250 B (keys 3 872, measurement 241); `TrustedRoots`
		/// 4 × 4 098 B; a `Measurements` entry 300 B; `Tcb` 140 B; a `LastNonce` entry 64 B; an
		/// `Expiries` entry 80 B; a `Platforms` entry 110 B; `CurrentClusterKey` 1 300 B; a
		/// `Provisions` entry 2 150 B; a `KeyHolders` entry 80 B; small values 40 B.
		#[test]
		#[ignore = "writes src/weights.rs; run through scripts/pallet-weights.sh"]
		fn generate_weights() {
			let (worker, roots, measurement, tcb, nonce, expiries, platform) =
				(4_250, 16_392, 300, 140, 64, 80, 110);
			let (cluster_key, provision, holder, small) = (1_300, 2_150, 80, 40);
			let ext = new_test_ext;
			let specs = vec![
				(Spec { name: "register_worker", doc: "Storage: `TeeRegistry::Workers` (r:2 w:2), `TeeRegistry::LastNonce` (r:1 w:1), `TeeRegistry::TrustedRoots` (r:1), `TeeRegistry::Measurements` (r:1), `TeeRegistry::Tcb` (r:1), `TeeRegistry::Platforms` (r:1), `System::BlockHash` (r:1), `Timestamp::Now` (r:1), `TeeRegistry::AttestationValidity` (r:1), `TeeRegistry::Expiries` (r:1 w:1); one quote verification per trusted root (worst case: the last)", reads: 11, writes: 4, proof: worker + nonce + roots + measurement + tcb + platform + 3 * small + expiries, ..Default::default() }, measure::<Test, _>(&register_worker, ext)),
				(Spec { name: "reattest", doc: "Storage: `TeeRegistry::Workers` (r:1 w:1), `TeeRegistry::LastNonce` (r:1 w:1), `TeeRegistry::TrustedRoots` (r:1), `TeeRegistry::Measurements` (r:1), `TeeRegistry::Tcb` (r:1), `TeeRegistry::Platforms` (r:1), `System::BlockHash` (r:1), `Timestamp::Now` (r:1), `TeeRegistry::AttestationValidity` (r:1), `TeeRegistry::Expiries` (r:2 w:2)", reads: 11, writes: 4, proof: worker + nonce + roots + measurement + tcb + platform + 3 * small + 2 * expiries, ..Default::default() }, measure::<Test, _>(&reattest, ext)),
				(Spec { name: "heartbeat", doc: "Storage: `TeeRegistry::Workers` (r:1 w:1)", reads: 1, writes: 1, proof: worker, ..Default::default() }, measure::<Test, _>(&heartbeat, ext)),
				(Spec { name: "deregister", doc: "Storage: `TeeRegistry::Workers` (r:2 w:2), `TeeRegistry::Expiries` (r:1 w:1)", reads: 3, writes: 3, proof: worker + small + expiries, ..Default::default() }, measure::<Test, _>(&deregister, ext)),
				(Spec { name: "remove_expired", doc: "Storage: `TeeRegistry::Workers` (r:2 w:2), `TeeRegistry::Expiries` (r:1 w:1)", reads: 3, writes: 3, proof: worker + small + expiries, ..Default::default() }, measure::<Test, _>(&remove_expired, ext)),
				(Spec { name: "add_trusted_root", doc: "Storage: `TeeRegistry::TrustedRoots` (r:1 w:1)", reads: 1, writes: 1, proof: roots, ..Default::default() }, measure::<Test, _>(&add_trusted_root, ext)),
				(Spec { name: "remove_trusted_root", doc: "Storage: `TeeRegistry::TrustedRoots` (r:1 w:1)", reads: 1, writes: 1, proof: roots, ..Default::default() }, measure::<Test, _>(&remove_trusted_root, ext)),
				(Spec { name: "allow_measurement", doc: "Storage: `TeeRegistry::Measurements` (r:2 w:2)", reads: 2, writes: 2, proof: measurement + small, ..Default::default() }, measure::<Test, _>(&allow_measurement, ext)),
				(Spec { name: "revoke_measurement", doc: "Storage: `TeeRegistry::Measurements` (r:2 w:2), `TeeRegistry::Workers` (r:w w:w)", reads: 2, writes: 2, proof: measurement + small, components: vec![Component { name: "w", proof: worker, reads: 1, writes: 1 }] }, measure::<Test, _>(&revoke_measurement, ext)),
				(Spec { name: "set_tcb_policy", doc: "Storage: `TeeRegistry::Tcb` (w:1)", reads: 0, writes: 1, proof: 0, ..Default::default() }, measure::<Test, _>(&set_tcb_policy, ext)),
				(Spec { name: "set_attestation_validity", doc: "Storage: `TeeRegistry::AttestationValidity` (w:1)", reads: 0, writes: 1, proof: 0, ..Default::default() }, measure::<Test, _>(&set_attestation_validity, ext)),
				(Spec { name: "set_redundancy", doc: "Storage: `TeeRegistry::Redundancy` (w:1)", reads: 0, writes: 1, proof: 0, ..Default::default() }, measure::<Test, _>(&set_redundancy, ext)),
				(Spec { name: "publish_cluster_key", doc: "Storage: `TeeRegistry::Workers` (r:1), `TeeRegistry::CurrentClusterKey` (r:1 w:1), `System::BlockHash` (r:1), `TeeRegistry::KeyHolders` (w:1), `TeeRegistry::RekeyDeadline` (w:1); one ML-DSA-87 verification", reads: 3, writes: 3, proof: worker + cluster_key + small, ..Default::default() }, measure::<Test, _>(&publish_cluster_key, ext)),
				(Spec { name: "provision_cluster_key", doc: "Storage: `TeeRegistry::Workers` (r:2), `TeeRegistry::CurrentClusterKey` (r:1), `TeeRegistry::KeyHolders` (r:2 w:1), `TeeRegistry::Provisions` (w:1)", reads: 5, writes: 2, proof: 2 * worker + cluster_key + 2 * holder + provision, ..Default::default() }, measure::<Test, _>(&provision_cluster_key, ext)),
				(Spec { name: "enroll_platform", doc: "Storage: `TeeRegistry::Platforms` (r:2 w:2)", reads: 2, writes: 2, proof: platform + small, ..Default::default() }, measure::<Test, _>(&enroll_platform, ext)),
				(Spec { name: "remove_platform", doc: "Storage: `TeeRegistry::Platforms` (r:2 w:2)", reads: 2, writes: 2, proof: platform + small, ..Default::default() }, measure::<Test, _>(&remove_platform, ext)),
				(Spec { name: "set_pccs_url", doc: "Storage: `TeeRegistry::PccsUrl` (w:1)", reads: 0, writes: 1, proof: 0, ..Default::default() }, measure::<Test, _>(&set_pccs_url, ext)),
				(Spec { name: "update_platform_collateral", doc: "Storage: `TeeRegistry::TrustedRoots` (r:1), `Timestamp::Now` (r:1), `TeeRegistry::Platforms` (r:1 w:1); one collateral verification per trusted root (worst case: the last)", reads: 3, writes: 1, proof: roots + small + platform, ..Default::default() }, measure::<Test, _>(&update_platform_collateral, ext)),
				(Spec { name: "on_initialize_expiries", doc: "Storage: `TeeRegistry::ExpiryCursor` (r:1 w:1), `TeeRegistry::Expiries` (r:1 w:1), `TeeRegistry::LastRiskLevel` (r:1), `TeeRegistry::RekeyDeadline` (r:1), `TeeRegistry::Workers` (w:2n)", reads: 4, writes: 2, proof: 2 * small + expiries, components: vec![Component { name: "n", proof: worker, reads: 0, writes: 2 }] }, measure::<Test, _>(&on_initialize_expiries, ext)),
			];
			let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/weights.rs");
			generate("pallet_tee_registry", "tee-registry", path, specs);
		}
	}
}
