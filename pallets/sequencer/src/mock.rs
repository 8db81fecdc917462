//! A test runtime with the sequencer, the risk oracle and the worker registry, and a simulated
//! TEE worker with real keys: it registers with a simulated SGX quote, publishes the cluster
//! key, decrypts envelopes with `aegis-envelope`, orders, and signs batches.

use crate::{self as pallet_sequencer, WeightInfo};
use aegis_attestation::{
	sim::{CollateralParams, SimPlatform},
	TcbStatus,
};
use aegis_envelope::RecipientKey;
use aegis_primitives::{
	batch::{Batch, RevealedCall, SubmissionId},
	binding::EnclaveKeys,
	pqc::{self, SignatureSet},
	risk::SuiteSet,
};
use aegis_test_support::WorkerKeys;
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
	weights::{IdentityFee, Weight},
};
use frame_system::EnsureRoot;
use pallet_tee_registry::{RedundancyConfig, WorkerRole};
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
	pub type Balances = pallet_balances::Pallet<Test>;
	#[runtime::pallet_index(3)]
	pub type RiskOracle = pallet_risk_oracle::Pallet<Test>;
	#[runtime::pallet_index(4)]
	pub type TeeRegistry = pallet_tee_registry::Pallet<Test>;
	#[runtime::pallet_index(5)]
	pub type Sequencer = pallet_sequencer::Pallet<Test>;
	#[runtime::pallet_index(6)]
	pub type Assets = pallet_assets::Pallet<Test>;
	#[runtime::pallet_index(7)]
	pub type Utility = pallet_utility::Pallet<Test>;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type BaseCallFilter = pallet_sequencer::ProtectedAssetGuard<Test>;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config for Test {
	type Currency = Balances;
	type CreateOrigin =
		frame_support::traits::AsEnsureOriginWithArg<frame_system::EnsureSigned<u64>>;
	type ForceOrigin = EnsureRoot<u64>;
	type Freezer = ();
	type Holder = ();
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

/// Batches of calls under one origin: what nests a call in the mock.
impl pallet_utility::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = ();
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_risk_oracle::Config for Test {
	type GovernanceOrigin = EnsureRoot<u64>;
	type ExtraFeeders = ();
	type ElevatedThreshold = frame_support::traits::ConstU16<6_000>;
	type EmergencyThreshold = frame_support::traits::ConstU16<9_000>;
	type MaxFeeders = ConstU32<8>;
	type MinFeeders = ConstU32<1>;
	type MaxFeedAge = ConstU64<100>;
	type RotationDelay = ConstU32<0>;
	type Hysteresis = frame_support::traits::ConstU16<0>;
	type MinLevelDwell = ConstU32<0>;
	type WeightInfo = ();
}

aegis_test_support::impl_authorized_transactions!(Test);

parameter_types! {
	pub RiskLevelNow: aegis_primitives::risk::RiskLevel =
		<RiskOracle as pallet_risk_oracle::RiskProvider<u64>>::level();
}

impl pallet_tee_registry::Config for Test {
	type GovernanceOrigin = EnsureRoot<u64>;
	type UnixTime = Timestamp;
	type RiskLevel = RiskLevelNow;
	type MaxWorkers = ConstU32<8>;
	type MaxMeasurements = ConstU32<4>;
	type MaxRoots = ConstU32<4>;
	type MaxAdvisories = ConstU32<4>;
	type MaxQuoteLen = ConstU32<{ 16 * 1024 }>;
	type MaxCollateralLen = ConstU32<{ 64 * 1024 }>;
	type MaxSealedSecretLen = ConstU32<2048>;
	type MaxPlatforms = ConstU32<4>;
	type ExpiriesPerBlock = ConstU32<4>;
	type HeartbeatTimeout = ConstU64<1000>;
	type EmergencyRekeyPeriod = ConstU64<10>;
	type RekeyCooldown = ConstU64<0>;
	type ConfirmPeriod = ConstU64<10>;
	type ClusterKeyPeriod = ConstU64<100_000>;
	type EpochGrace = ConstU64<5>;
	type LeaderTerm = ConstU64<100_000>;
	type TakeoverAfter = ConstU64<TAKEOVER_AFTER>;
	type CollateralRefreshInterval = ConstU64<0>;
	type UnsignedPriority = ConstU64<1>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = RegistryBenchmarks;
}

/// The registry's benchmark material in this mock: the simulated TEE (the registry's own
/// benchmarks run in its own mock; this only satisfies its `Config` here).
#[cfg(feature = "runtime-benchmarks")]
pub struct RegistryBenchmarks;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_tee_registry::BenchmarkHelper<Test> for RegistryBenchmarks {
	fn trusted_roots(count: u32) -> Vec<Vec<u8>> {
		aegis_test_support::roots(count)
	}
	fn set_time(unix_secs: u64) {
		pallet_timestamp::Now::<Test>::put(unix_secs * 1000);
	}
	fn registration_of(
		kind: aegis_attestation::TeeKind,
		who: &u64,
		_: u64,
		nonce: u64,
	) -> (pallet_tee_registry::Registration, Vec<u8>) {
		let w = SimWorker::new(*who);
		let binding = aegis_primitives::binding::report_data(
			&TeeRegistry::genesis_hash(),
			&TeeRegistry::account_bytes(who),
			&aegis_primitives::binding::keys_hash(&w.keys()),
			nonce,
		);
		let (quote, collateral, measurement, root) =
			aegis_test_support::dev_evidence(kind, &binding, NOW_SECS);
		let keys = w.keys();
		(
			pallet_tee_registry::Registration {
				quote,
				collateral,
				keys,
				measurement,
				now_secs: NOW_SECS,
			},
			root,
		)
	}
	fn registration(
		who: &u64,
		_: u64,
		nonce: u64,
		quote_padding: u32,
	) -> pallet_tee_registry::Registration {
		let w = SimWorker::new(*who);
		let (quote, collateral) = w.attestation(nonce, quote_padding);
		pallet_tee_registry::Registration {
			quote,
			collateral,
			keys: w.keys(),
			measurement: aegis_test_support::measurement(),
			now_secs: NOW_SECS,
		}
	}
	fn sign_cluster_key(index: u64, epoch: u32, public_key: &[u8; 1216]) -> Vec<u8> {
		SimWorker::new(index).keys.cluster_key_signature(
			&TeeRegistry::genesis_hash(),
			epoch,
			public_key,
		)
	}
	fn sign_cluster_confirm(index: u64, epoch: u32, public_key: &[u8; 1216], who: &u64) -> Vec<u8> {
		SimWorker::new(index).keys.cluster_confirm_signature(
			&TeeRegistry::genesis_hash(),
			epoch,
			public_key,
			&TeeRegistry::account_bytes(who),
		)
	}
	fn collateral_update(
	) -> (pallet_tee_registry::offchain::CollateralUpdate, aegis_attestation::TeeKind, [u8; 6], u64)
	{
		let p = CollateralParams::valid_around(NOW_SECS);
		let kind = aegis_attestation::TeeKind::Sgx;
		let update = pallet_tee_registry::offchain::CollateralUpdate::from_documents(
			aegis_test_support::collateral_documents(&p),
		)
		.expect("the dev platform's documents fit");
		(update, kind, SimPlatform::default().fmspc, NOW_SECS)
	}
}

/// The sequencer's benchmark material: simulated workers with real keys. Signatures are cached
/// by what they sign, so repeated benchmark runs over the same batch sign once.
#[cfg(feature = "runtime-benchmarks")]
pub struct SequencerBenchmarks;

/// Signatures made so far, by signer, suites, context and hash.
#[cfg(feature = "runtime-benchmarks")]
type SignatureCache = std::collections::HashMap<(u64, u8, Vec<u8>, [u8; 32]), SignatureSet>;

#[cfg(feature = "runtime-benchmarks")]
thread_local! {
	static SIGNATURES: core::cell::RefCell<SignatureCache> = Default::default();
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_sequencer::BenchmarkHelper<Test> for SequencerBenchmarks {
	fn activate_worker(who: &u64, role: WorkerRole) {
		// Benchmark runs start from the genesis state, before any time was set.
		pallet_timestamp::Now::<Test>::put(NOW_SECS * 1000);
		SimWorker::new(*who).register(role);
	}
	fn publish_cluster_key(who: &u64) -> u32 {
		// The benchmarked worker leads alone: the genesis worker leaves (which requires a
		// rekey), and `who` publishes the next epoch, its own quorum.
		if pallet_tee_registry::Workers::<Test>::contains_key(PRIMARY) && *who != PRIMARY {
			TeeRegistry::deregister(RuntimeOrigin::signed(PRIMARY)).expect("registered");
		}
		let epoch = TeeRegistry::next_epoch();
		SimWorker::new(*who).publish_cluster_key_as(epoch);
		epoch
	}
	fn sign(who: &u64, suites: SuiteSet, context: &[u8], hash: &[u8; 32]) -> SignatureSet {
		let key = (*who, suites.bits(), context.to_vec(), *hash);
		if let Some(sigs) = SIGNATURES.with(|c| c.borrow().get(&key).cloned()) {
			return sigs;
		}
		let sigs = SimWorker::new(*who).sign(suites, context, hash);
		SIGNATURES.with(|c| c.borrow_mut().insert(key, sigs.clone()));
		sigs
	}
	fn set_redundancy(min_cosigners: u8) {
		TeeRegistry::set_redundancy(
			RuntimeOrigin::root(),
			RedundancyConfig { enabled: min_cosigners > 0, min_cosigners },
		)
		.unwrap();
	}
	fn set_emergency() {
		set_score(9_500);
	}
	fn make_asset_owner(who: &u64, id: aegis_primitives::batch::AssetId) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::mint_into(who, 1_000_000);
		Assets::create(RuntimeOrigin::signed(*who), id, *who, 1).unwrap();
	}
	fn asset_transfer(id: aegis_primitives::batch::AssetId) -> RuntimeCall {
		RuntimeCall::Assets(pallet_assets::Call::transfer { id, target: 1, amount: 1 })
	}
}

/// Test weights: a fixed cost per call and per entry.
pub struct TestWeights;
impl WeightInfo for TestWeights {
	fn submit_encrypted() -> Weight {
		Weight::from_parts(10_000, 0)
	}
	fn commit_batch(n: u32, c: u32) -> Weight {
		Weight::from_parts(100_000 + 10_000 * u64::from(n) + 50_000 * u64::from(c), 0)
	}
	fn commit_batch_call_bytes(b: u32) -> Weight {
		Weight::from_parts(200_000 + 10 * u64::from(b), 0)
	}
	fn reject_entries(n: u32) -> Weight {
		Weight::from_parts(10_000 * u64::from(n), 0)
	}
	fn refund_expired() -> Weight {
		Weight::from_parts(10_000, 0)
	}
	fn set_rule() -> Weight {
		Weight::from_parts(10_000, 0)
	}
	fn on_initialize_expiries(n: u32) -> Weight {
		Weight::from_parts(10_000 * u64::from(n), 0)
	}
	fn register_asset() -> Weight {
		Weight::from_parts(10_000, 0)
	}
	fn update_policy() -> Weight {
		Weight::from_parts(10_000, 0)
	}
	fn remove_asset() -> Weight {
		Weight::from_parts(10_000, 0)
	}
	fn start_migration(n: u32) -> Weight {
		Weight::from_parts(10_000 * u64::from(n), 0)
	}
	fn commit_checkpoint(n: u32) -> Weight {
		Weight::from_parts(100_000 + 10_000 * u64::from(n), 0)
	}
	fn complete_migration(n: u32) -> Weight {
		Weight::from_parts(10_000 * u64::from(n), 0)
	}
	fn rollback_migration(n: u32) -> Weight {
		Weight::from_parts(10_000 * u64::from(n), 0)
	}
}

/// What the mock's calls touch: `pallet-assets` calls touch their asset (id as the protected
/// asset id), with `transfer_approved` as the migration call (a migrator moving holders'
/// balances under approvals granted for the migration).
pub struct TestClassifier;
impl pallet_sequencer::CallClassifier<RuntimeCall> for TestClassifier {
	fn classify(call: &RuntimeCall) -> pallet_sequencer::CallClass {
		use aegis_primitives::assets::Operation;
		use pallet_assets::Call as A;
		let RuntimeCall::Assets(call) = call else { return Default::default() };
		let (id, operation, migration) = match call {
			A::transfer { id, .. } | A::transfer_keep_alive { id, .. } => {
				(*id, Operation::Transfer, false)
			}
			A::transfer_approved { id, .. } => (*id, Operation::Transfer, true),
			A::approve_transfer { id, .. } => (*id, Operation::Approve, false),
			A::mint { id, .. } => (*id, Operation::Mint, false),
			A::burn { id, .. } => (*id, Operation::Burn, false),
			A::freeze { id, .. } | A::thaw { id, .. } | A::set_metadata { id, .. } => {
				(*id, Operation::Manage, false)
			}
			_ => return Default::default(),
		};
		pallet_sequencer::CallClass { asset: Some(id), operation, migration }
	}
}

/// A token's owner (in `pallet-assets`) may protect it.
pub struct TestAuthority;
impl pallet_sequencer::AssetAuthority<u64> for TestAuthority {
	fn may_protect(
		who: &u64,
		id: aegis_primitives::batch::AssetId,
		asset_type: aegis_primitives::assets::AssetType,
	) -> bool {
		use frame_support::traits::fungibles::roles::Inspect;
		asset_type == aegis_primitives::assets::AssetType::OnChainToken
			&& <Assets as Inspect<u64>>::owner(id) == Some(*who)
	}
}

parameter_types! {
	pub const MaxCallWeight: Weight = Weight::from_parts(1_000_000_000, 1_000_000);
}

/// The account the call filter refuses transfers to.
pub const BLOCKED: u64 = 13;

/// Admits every call but transfers to [`BLOCKED`].
pub struct TestFilter;
impl frame_support::traits::Contains<RuntimeCall> for TestFilter {
	fn contains(call: &RuntimeCall) -> bool {
		!matches!(
			call,
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive { dest: BLOCKED, .. })
		)
	}
}

impl pallet_sequencer::Config for Test {
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Workers = TeeRegistry;
	type Risk = RiskOracle;
	type CallClassifier = TestClassifier;
	type CallFilter = TestFilter;
	type WeightToFee = IdentityFee<u64>;
	type GovernanceOrigin = EnsureRoot<u64>;
	type AssetAuthority = TestAuthority;
	type AssetDeposit = ConstU64<5_000>;
	type MaxMigrationAssets = ConstU32<64>;
	type MaxCheckpoints = ConstU32<3>;
	type DepositBase = ConstU64<1_000>;
	type DepositPerByte = ConstU64<1>;
	type RejectFee = ConstU64<500>;
	type MaxEnvelopeLen = ConstU32<4096>;
	type MaxCallWeight = MaxCallWeight;
	type MaxPending = ConstU32<6>;
	type MaxPendingPerAccount = ConstU32<4>;
	type MaxPendingAge = ConstU64<20>;
	type MaxExpiriesPerBlock = ConstU32<2>;
	type MaxCosigners = ConstU32<3>;
	type MaxRejects = ConstU32<8>;
	type TierChangeInterval = ConstU64<5>;
	type WeightInfo = TestWeights;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SequencerBenchmarks;
}

/// Users 1..=5 start with this much.
pub const ENDOWMENT: u64 = 10_000_000_000;
/// The primary worker's account.
pub const PRIMARY: u64 = 100;
/// Blocks a stalled leader is given before the next candidate may take over.
pub const TAKEOVER_AFTER: u64 = 3;
/// Redundancy workers' accounts.
pub const COSIGNERS: [u64; 3] = [101, 102, 103];
pub use aegis_test_support::NOW_SECS;

/// A simulated TEE worker: its account and real keys ([`WorkerKeys::indexed`] by account).
pub struct SimWorker {
	/// Its account.
	pub account: u64,
	/// Its keys.
	pub keys: WorkerKeys,
	/// The cluster key the workers share (epoch 1).
	pub cluster: RecipientKey,
}

impl SimWorker {
	/// Worker `account`'s keys, derived from the account.
	pub fn new(account: u64) -> Self {
		Self {
			account,
			keys: WorkerKeys::indexed(account),
			cluster: RecipientKey::derive(&[0xc1; 32], 1),
		}
	}

	/// Its public key set.
	pub fn keys(&self) -> EnclaveKeys {
		self.keys.public()
	}

	/// A dev-TEE quote binding this worker's keys and `nonce` (`quote_padding` bytes longer
	/// than the shortest), and its collateral.
	pub fn attestation(&self, nonce: u64, quote_padding: u32) -> (Vec<u8>, Vec<u8>) {
		let quote = aegis_test_support::quote(
			&aegis_test_support::enclave(),
			&TeeRegistry::genesis_hash(),
			&TeeRegistry::account_bytes(&self.account),
			&self.keys(),
			nonce,
			quote_padding,
		);
		(quote, aegis_test_support::collateral(NOW_SECS))
	}

	/// Registers on chain with a simulated quote.
	pub fn register(&self, role: WorkerRole) {
		let keys = self.keys();
		let (quote, collateral) = self.attestation(1, 0);
		TeeRegistry::register_worker(
			RuntimeOrigin::signed(self.account),
			quote.try_into().unwrap(),
			collateral.try_into().unwrap(),
			Box::new(keys),
			role,
			1,
		)
		.expect("simulated worker registers");
	}

	/// Publishes the cluster key as epoch 1.
	pub fn publish_cluster_key(&self) {
		self.publish_cluster_key_as(1)
	}

	/// Publishes the cluster key as `epoch`.
	pub fn publish_cluster_key_as(&self, epoch: u32) {
		let pk = self.cluster.public_key().to_bytes();
		let sig = self.keys.cluster_key_signature(&TeeRegistry::genesis_hash(), epoch, &pk);
		TeeRegistry::publish_cluster_key(
			RuntimeOrigin::signed(self.account),
			epoch,
			Box::new(pk),
			sig.try_into().unwrap(),
			Default::default(),
		)
		.expect("cluster key published");
	}

	/// Gets the current cluster secret from `holder` and confirms it: a key holder.
	pub fn hold_cluster_key(&self, holder: u64) {
		let (epoch, pk) =
			<TeeRegistry as pallet_tee_registry::WorkerRegistry<u64>>::cluster_key().unwrap();
		TeeRegistry::provision_cluster_key(
			RuntimeOrigin::signed(holder),
			epoch,
			self.account,
			vec![1u8; 64].try_into().unwrap(),
		)
		.expect("provisioned");
		let sig = self.keys.cluster_confirm_signature(
			&TeeRegistry::genesis_hash(),
			epoch,
			&pk,
			&TeeRegistry::account_bytes(&self.account),
		);
		TeeRegistry::confirm_cluster_key(
			RuntimeOrigin::signed(self.account),
			epoch,
			sig.try_into().unwrap(),
		)
		.expect("confirmed");
	}

	/// Signs `hash` with `suites` under `context`.
	pub fn sign(&self, suites: SuiteSet, context: &[u8], hash: &[u8; 32]) -> SignatureSet {
		self.keys.sign(suites, context, hash)
	}

	/// Decrypts pending submission `id`.
	pub fn reveal(&self, id: SubmissionId) -> Option<RevealedCall> {
		let s = crate::Pending::<Test>::get(id)?;
		aegis_test_support::open(
			&self.cluster,
			&TeeRegistry::genesis_hash(),
			&TeeRegistry::account_bytes(&s.who),
			&s.envelope,
		)
	}

	/// A batch of the given pending ids, in the active rule's order, continuing the chain.
	pub fn batch(&self, ids: &[SubmissionId]) -> Batch {
		let rule = crate::ActiveRule::<Test>::get();
		let risk = <RiskOracle as pallet_risk_oracle::RiskProvider<u64>>::score();
		let revealed: Vec<RevealedCall> =
			ids.iter().map(|id| self.reveal(*id).expect("decrypts")).collect();
		let entries = ids
			.iter()
			.zip(revealed)
			.map(|(id, revealed)| {
				// Classified as the chain does when it checks the order.
				let class = Sequencer::order_class(&revealed.call);
				(Sequencer::batch_entry(*id, revealed).expect("pending"), class)
			})
			.collect();
		crate::Batches::<Test>::get()
			.next_batch(
				TeeRegistry::genesis_hash(),
				1,
				rule,
				System::block_number() as u32,
				risk,
				entries,
			)
			.unwrap()
	}

	/// Signs `batch` with the suites the policy in force requires.
	pub fn sign_batch(&self, batch: &Batch) -> SignatureSet {
		let suites = <RiskOracle as pallet_risk_oracle::RiskProvider<u64>>::policy().batch_suites;
		self.sign(suites, pqc::context::BATCH, &batch.hash())
	}
}

/// Encrypts `call` for `who` to the cluster key and submits it; returns the id.
pub fn submit(who: u64, call: RuntimeCall, max_weight: Weight) -> SubmissionId {
	let id = crate::NextSubmissionId::<Test>::get();
	let (envelope, commitment) = seal(who, &call.encode(), [id as u8; 32]);
	Sequencer::submit_encrypted(RuntimeOrigin::signed(who), envelope, commitment, max_weight)
		.expect("submits");
	id
}

/// An envelope of `(call, salt)` for `who`, and its commitment.
pub fn seal(
	who: u64,
	call: &[u8],
	salt: [u8; 32],
) -> (frame_support::BoundedVec<u8, ConstU32<4096>>, [u8; 32]) {
	let revealed = RevealedCall { call: call.to_vec().try_into().unwrap(), salt };
	let (_, pk) = <TeeRegistry as pallet_tee_registry::WorkerRegistry<u64>>::cluster_key()
		.expect("cluster key");
	let recipient = aegis_envelope::RecipientPublicKey::from_bytes(1, &pk).unwrap();
	let envelope = aegis_envelope::seal(
		&recipient,
		&TeeRegistry::genesis_hash(),
		&TeeRegistry::account_bytes(&who),
		&revealed.encode(),
	)
	.unwrap();
	(envelope.try_into().unwrap(), revealed.commitment())
}

/// Genesis: users 1..=5 endowed; the oracle at 1000 with feeder 50; the registry trusting
/// the sim's dev root. Then the primary worker registers and publishes the cluster key.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=5).map(|a| (a, ENDOWMENT)).chain([(PRIMARY, 1_000)]).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_risk_oracle::GenesisConfig::<Test> {
		feeders: vec![50],
		initial_score: 1_000,
		required_feeders: None,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_tee_registry::GenesisConfig::<Test> {
		trusted_roots: vec![(
			aegis_attestation::TeeKind::Sgx,
			aegis_test_support::tee().root_der(),
		)],
		snp_tcb_floors: vec![],
		measurements: vec![aegis_test_support::measurement()],
		min_tcb_status: Some(TcbStatus::UpToDate),
		allowed_advisories: vec![],
		attestation_validity: 10_000,
		redundancy: RedundancyConfig::default(),
		pccs_url: vec![],
		tcb_evaluation_floor: 0,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(NOW_SECS * 1000);
		let primary = SimWorker::new(PRIMARY);
		primary.register(WorkerRole::Primary);
		primary.publish_cluster_key();
	});
	ext
}

/// Moves to block `n`, running the sequencer's `on_initialize`.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		// What `frame_system` records when block `next` initializes: its parent's hash.
		frame_system::BlockHash::<Test>::insert(
			next - 1,
			sp_core::H256(sp_io::hashing::blake2_256(&(next - 1).to_le_bytes())),
		);
		System::set_block_number(next);
		Sequencer::on_initialize(next);
	}
}

/// Sets the oracle's score (governance override).
pub fn set_score(score: u16) {
	RiskOracle::force_score(RuntimeOrigin::root(), score).unwrap();
}
