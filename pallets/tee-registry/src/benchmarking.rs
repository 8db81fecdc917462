//! Benchmarks of every call, `register_worker` with real-format evidence of every kind (a
//! simulated-TEE DCAP quote, SEV-SNP report and Nitro document) verified by the attestation
//! host functions.

use super::*;
use crate::offchain::CollateralUpdate;
use aegis_attestation::TeeKind;
use alloc::{boxed::Box, vec, vec::Vec};
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
	/// A registration of `who` with key set `index` and `nonce`, on this chain's genesis, whose
	/// quote is `quote_padding` bytes longer than the shortest (a longer certificate chain,
	/// the part of a quote whose length its submitter chooses).
	fn registration(who: &T::AccountId, index: u64, nonce: u64, quote_padding: u32)
		-> Registration;
	/// Key set `index`'s ML-DSA-87 signature publishing `public_key` as `epoch`.
	fn sign_cluster_key(
		index: u64,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
	) -> Vec<u8>;
	/// Key set `index`'s ML-DSA-87 signature confirming `who` holds `epoch`'s secret, whose
	/// public key is `public_key`.
	fn sign_cluster_confirm(
		index: u64,
		epoch: u32,
		public_key: &[u8; HPKE_XWING_PUBLIC_KEY_LEN],
		who: &T::AccountId,
	) -> Vec<u8>;
	/// A registration of `who` with key set `index` and `nonce` of an SEV-SNP or Nitro worker
	/// (`kind`), and the root it verifies under.
	fn registration_of(
		kind: TeeKind,
		who: &T::AccountId,
		index: u64,
		nonce: u64,
	) -> (Registration, Vec<u8>);
	/// A platform collateral update, its platform, and a Unix time at which it verifies.
	fn collateral_update() -> (CollateralUpdate, aegis_attestation::TeeKind, Fmspc, u64);
}

/// Trusts `MaxRoots` roots for `kind`, `last` the last of them (the worst case for a verifier
/// trying each in turn).
fn trust<T: Config>(kind: TeeKind, last: Option<Vec<u8>>) {
	let mut roots = T::BenchmarkHelper::trusted_roots(T::MaxRoots::get());
	if let Some(last) = last {
		roots.remove(0);
		roots.push(last);
	}
	let roots: Vec<RootCertificate> =
		roots.into_iter().map(|r| r.try_into().expect("root fits")).collect();
	TrustedRoots::<T>::insert(kind, BoundedVec::try_from(roots).expect("MaxRoots roots"));
}

fn setup<T: Config>() {
	trust::<T>(TeeKind::Sgx, None);
	AttestationValidity::<T>::put(BlockNumberFor::<T>::from(100u32));
	Tcb::<T>::put(TcbPolicy {
		min_status: TcbStatus::UpToDate,
		allowed_advisories: BoundedVec::new(),
	});
}

/// DCAP collateral (a `QuoteCollateralV3` JSON object) `len` bytes longer: a member the
/// verifier reads past and ignores, as it does any unknown member.
fn pad_collateral(mut collateral: Vec<u8>, len: u32) -> Vec<u8> {
	const OPEN: &[u8] = b",\"padding\":\"";
	let fill = (len as usize).saturating_sub(OPEN.len() + 1);
	if len == 0 {
		return collateral;
	}
	assert_eq!(collateral.pop(), Some(b'}'), "DCAP collateral is a JSON object");
	collateral.extend_from_slice(OPEN);
	collateral.resize(collateral.len() + fill, b'a');
	collateral.extend_from_slice(b"\"}");
	collateral
}

fn register<T: Config>(who: &T::AccountId, index: u64) -> Registration {
	let r = T::BenchmarkHelper::registration(who, index, 1, 0);
	T::BenchmarkHelper::set_time(r.now_secs);
	Measurements::<T>::insert(&r.measurement, BlockNumberFor::<T>::zero());
	Pallet::<T>::register_worker(
		RawOrigin::Signed(who.clone()).into(),
		r.quote.clone().try_into().expect("quote fits"),
		r.collateral.clone().try_into().expect("collateral fits"),
		Box::new(r.keys.clone()),
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
			tcb: WorkerTcb::Intel { status: TcbStatus::UpToDate, fmspc: [0; 6] },
			registered_at: now,
			attested_at: now,
			expires_at,
			last_heartbeat: now,
			state: WorkerState::Active,
			keys_since: now,
			root_hash: [0; 32],
		},
	);
	Pallet::<T>::schedule_expiry(who, expires_at).expect("room in the expiry list");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// `q` and `c` are bytes added to the shortest quote and collateral: the weight is charged
	// with their whole lengths, which over-counts the shortest ones' bytes (a safe bias).
	#[benchmark]
	fn register_worker(
		q: Linear<0, { T::MaxQuoteLen::get() / 2 }>,
		c: Linear<0, { T::MaxCollateralLen::get() / 2 }>,
	) {
		setup::<T>();
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1, q);
		T::BenchmarkHelper::set_time(r.now_secs);
		Measurements::<T>::insert(&r.measurement, BlockNumberFor::<T>::zero());
		let quote: QuoteOf<T> = r.quote.try_into().expect("quote fits");
		let collateral: CollateralOf<T> =
			pad_collateral(r.collateral, c).try_into().expect("collateral fits");
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who.clone()),
			quote,
			collateral,
			Box::new(r.keys),
			WorkerRole::Primary,
			1,
		);
		assert!(Workers::<T>::contains_key(&who));
	}

	/// An SEV-SNP worker: RSA-PSS chain to the ARK, P-384 report signature.
	#[benchmark]
	fn register_worker_snp() {
		setup::<T>();
		let who: T::AccountId = account("worker", 0, 0);
		let (r, root) = T::BenchmarkHelper::registration_of(TeeKind::SevSnp, &who, 0, 1);
		trust::<T>(TeeKind::SevSnp, Some(root));
		T::BenchmarkHelper::set_time(r.now_secs);
		Measurements::<T>::insert(&r.measurement, BlockNumberFor::<T>::zero());
		let quote: QuoteOf<T> = r.quote.try_into().expect("report fits");
		let collateral: CollateralOf<T> = r.collateral.try_into().expect("collateral fits");
		#[extrinsic_call]
		register_worker(
			RawOrigin::Signed(who.clone()),
			quote,
			collateral,
			Box::new(r.keys),
			WorkerRole::Primary,
			1,
		);
		assert_eq!(Workers::<T>::get(&who).map(|w| w.tee), Some(TeeKind::SevSnp));
	}

	/// A Nitro worker: COSE_Sign1 with its chain of P-384 certificates.
	#[benchmark]
	fn register_worker_nitro() {
		setup::<T>();
		let who: T::AccountId = account("worker", 0, 0);
		let (r, root) = T::BenchmarkHelper::registration_of(TeeKind::Nitro, &who, 0, 1);
		trust::<T>(TeeKind::Nitro, Some(root));
		T::BenchmarkHelper::set_time(r.now_secs);
		Measurements::<T>::insert(&r.measurement, BlockNumberFor::<T>::zero());
		let quote: QuoteOf<T> = r.quote.try_into().expect("document fits");
		#[extrinsic_call]
		register_worker(
			RawOrigin::Signed(who.clone()),
			quote,
			Default::default(),
			Box::new(r.keys),
			WorkerRole::Primary,
			1,
		);
		assert_eq!(Workers::<T>::get(&who).map(|w| w.tee), Some(TeeKind::Nitro));
	}

	#[benchmark]
	fn reattest(
		q: Linear<0, { T::MaxQuoteLen::get() / 2 }>,
		c: Linear<0, { T::MaxCollateralLen::get() / 2 }>,
	) {
		setup::<T>();
		let who: T::AccountId = account("worker", 0, 0);
		register::<T>(&who, 0);
		let r = T::BenchmarkHelper::registration(&who, 1, 2, q);
		let quote: QuoteOf<T> = r.quote.try_into().expect("quote fits");
		let collateral: CollateralOf<T> =
			pad_collateral(r.collateral, c).try_into().expect("collateral fits");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), quote, collateral, Box::new(r.keys.clone()), 2);
		assert_eq!(Workers::<T>::get(&who).map(|w| w.keys), Some(r.keys));
	}

	#[benchmark]
	fn heartbeat() {
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1, 0);
		insert_worker::<T>(&who, r.measurement, r.keys);
		#[extrinsic_call]
		_(RawOrigin::Signed(who));
	}

	#[benchmark]
	fn deregister() {
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1, 0);
		insert_worker::<T>(&who, r.measurement, r.keys);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Workers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn remove_expired() {
		let who: T::AccountId = account("worker", 0, 0);
		let caller: T::AccountId = whitelisted_caller();
		let r = T::BenchmarkHelper::registration(&who, 0, 1, 0);
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
		TrustedRoots::<T>::insert(
			TeeKind::Sgx,
			BoundedVec::try_from(bounded).expect("fewer than MaxRoots"),
		);
		#[extrinsic_call]
		_(RawOrigin::Root, TeeKind::Sgx, new);
		assert_eq!(TrustedRoots::<T>::get(TeeKind::Sgx).len() as u32, T::MaxRoots::get());
	}

	#[benchmark]
	fn remove_trusted_root() {
		setup::<T>();
		let last = TrustedRoots::<T>::get(TeeKind::Sgx).last().expect("roots").to_vec();
		#[extrinsic_call]
		_(RawOrigin::Root, TeeKind::Sgx, last);
	}

	#[benchmark]
	fn allow_measurement() {
		let who: T::AccountId = account("worker", 0, 0);
		let m = T::BenchmarkHelper::registration(&who, 0, 1, 0).measurement;
		Measurements::<T>::remove(&m);
		#[extrinsic_call]
		_(RawOrigin::Root, m.clone(), None);
		assert!(Measurements::<T>::contains_key(&m));
	}

	#[benchmark]
	fn revoke_measurement(w: Linear<0, { T::MaxWorkers::get() }>) {
		let first: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&first, 0, 1, 0);
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

	/// `c` copies of the longest sealed secret, to `c` other active workers.
	#[benchmark]
	fn publish_cluster_key(c: Linear<0, { T::MaxWorkers::get() - 1 }>) {
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1, 0);
		insert_worker::<T>(&who, r.measurement.clone(), r.keys.clone());
		let sealed: SealedSecretOf<T> =
			vec![1u8; T::MaxSealedSecretLen::get() as usize].try_into().expect("fits");
		let mut copies = Vec::new();
		for i in 1..=c {
			let to: T::AccountId = account("worker", i, 0);
			insert_worker::<T>(&to, r.measurement.clone(), r.keys.clone());
			copies.push((to, sealed.clone()));
		}
		let copies: CopiesOf<T> = copies.try_into().expect("at most MaxWorkers");
		let public_key = [7u8; HPKE_XWING_PUBLIC_KEY_LEN];
		let signature: MlDsaSignature = T::BenchmarkHelper::sign_cluster_key(0, 1, &public_key)
			.try_into()
			.expect("signature length");
		#[extrinsic_call]
		_(RawOrigin::Signed(who), 1, Box::new(public_key), signature, copies);
		assert_eq!(LatestEpoch::<T>::get(), 1);
	}

	/// `w` active workers; the confirmation completes the quorum of a pending epoch, which
	/// becomes current (the most work a confirmation does).
	#[benchmark]
	fn confirm_cluster_key(w: Linear<2, { T::MaxWorkers::get() }>) {
		let r = T::BenchmarkHelper::registration(&account("worker", 0, 0), 0, 1, 0);
		let mut workers: Vec<T::AccountId> = Vec::new();
		for i in 0..w {
			let who: T::AccountId = account("worker", i, 0);
			insert_worker::<T>(&who, r.measurement.clone(), r.keys.clone());
			workers.push(who);
		}
		let now = frame_system::Pallet::<T>::block_number();
		let public_key = [7u8; HPKE_XWING_PUBLIC_KEY_LEN];
		let publisher = workers.first().cloned().expect("w >= 2");
		let who = workers.last().cloned().expect("w >= 2");
		let current = ClusterKey {
			epoch: 1,
			public_key: [6u8; HPKE_XWING_PUBLIC_KEY_LEN],
			published_by: publisher.clone(),
			published_at: now,
		};
		CurrentClusterKey::<T>::put(current.clone());
		PendingKey::<T>::put(PendingClusterKey {
			key: ClusterKey { epoch: 2, public_key, ..current },
			deadline: now.saturating_add(100u32.into()),
		});
		// Holders short of the quorum by one: the publisher and others.
		let quorum = w / 2 + 1;
		for holder in workers.iter().skip(1).take((quorum as usize).saturating_sub(1)) {
			KeyHolders::<T>::insert(2, holder, ());
		}
		KeyHolders::<T>::insert(2, &publisher, ());
		KeyHolders::<T>::remove(2, &who);
		Provisions::<T>::insert(
			2,
			&who,
			Provision { from: publisher, sealed_secret: vec![1u8; 32].try_into().expect("fits") },
		);
		let signature: MlDsaSignature =
			T::BenchmarkHelper::sign_cluster_confirm(0, 2, &public_key, &who)
				.try_into()
				.expect("signature length");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 2, signature);
		assert!(KeyHolders::<T>::contains_key(2, &who));
		assert_eq!(CurrentClusterKey::<T>::get().map(|k| k.epoch), Some(2));
	}

	#[benchmark]
	fn provision_cluster_key() {
		let from: T::AccountId = account("worker", 0, 0);
		let to: T::AccountId = account("worker", 1, 0);
		let r = T::BenchmarkHelper::registration(&from, 0, 1, 0);
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
		_(RawOrigin::Signed(from), 1, to.clone(), sealed);
		assert!(Provisions::<T>::contains_key(1, &to));
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
	fn set_cosigner_diversity() {
		#[extrinsic_call]
		_(RawOrigin::Root, CosignerDiversity::OtherPlatform);
		assert_eq!(Diversity::<T>::get(), CosignerDiversity::OtherPlatform);
	}

	#[benchmark]
	fn set_endpoint() {
		let who: T::AccountId = account("worker", 0, 0);
		let r = T::BenchmarkHelper::registration(&who, 0, 1, 0);
		insert_worker::<T>(&who, r.measurement, r.keys);
		let mut url = b"https://".to_vec();
		url.resize(256, b'a');
		let url: EndpointOf = url.try_into().expect("256 bytes");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), url);
		assert!(Endpoints::<T>::contains_key(&who));
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
		let r = T::BenchmarkHelper::registration(&account("worker", 0, 0), 0, 1, 0);
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
}
