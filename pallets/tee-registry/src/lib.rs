//! # TEE worker registry
//!
//! The trust root of the sequencer: a worker may sequence only while the chain itself has
//! verified its enclave's Intel DCAP quote and bound it to the worker's keys.
//!
//! ## Enrolment
//! [`Pallet::register_worker`] takes the enclave's quote, the DCAP collateral (JSON
//! `QuoteCollateralV3`, see `aegis_attestation`), the worker's [`EnclaveKeys`], its
//! [`WorkerRole`] and a nonce. The quote is verified by the `dcap_attestation` host function
//! under the trusted root its PCK chain ends in (a quote whose chain ends in no trusted root is
//! refused without a verification), at the block's timestamp, and then the chain's own policy
//! applies:
//! - the enclave is not in debug mode;
//! - its measurement is allowed and the allowance has been enacted;
//! - the TCB status meets the floor and every advisory is allowed;
//! - if the chain holds fresher collateral for the platform (kept by the off-chain worker), it
//!   is not stale and the quote's collateral is not older;
//! - `report_data` equals `aegis_primitives::binding::report_data(genesis_hash, account,
//!   keys_hash(keys), nonce)`, and the nonce is above every nonce the account used before.
//!
//! A rejected registration changes no storage. An accepted one stores the worker with an
//! expiry `AttestationValidity` blocks ahead; [`Pallet::reattest`] renews it (and may rotate the
//! keys), [`Pallet::heartbeat`] keeps it live, [`Pallet::deregister`] removes it. Expired
//! workers are removed in `on_initialize`, at most `ExpiriesPerBlock` a block, and anyone may
//! remove one with [`Pallet::remove_expired`].
//!
//! The account bytes bound into `report_data` are the account's SCALE encoding when that is
//! 32 bytes long (an `AccountId32`), otherwise its BLAKE2b-256.
//!
//! ## Governance
//! Trusted roots (Intel's on production chains, the dev root on dev chains), allowed
//! measurements with an optional enactment block (so a new enclave version can be allowed
//! before the old one is revoked), the TCB floor and allowed advisories, the attestation
//! validity, the redundancy setting and the PCCS URL. Revoking a measurement deactivates its
//! workers.
//!
//! ## Cluster encryption key
//! Users encrypt to one cluster key so that every worker can decrypt. An active worker
//! publishes epoch `n + 1` with its ML-DSA-87 signature over
//! `aegis_primitives::binding::cluster_key_message`; holders of the current epoch provision
//! the secret to other active workers, sealed to their attested HPKE keys. When the risk level
//! turns Emergency the chain sets a deadline (`EmergencyRekeyPeriod` blocks) for a new epoch,
//! at most once per `RekeyCooldown` blocks while an active worker holds the current key (a level
//! flapping in and out of Emergency does not force a rekey each time; the risk oracle's dwell
//! time already slows such flapping). Only the
//! current and the previous epoch's holders and provisions are kept: publishing epoch `n`
//! drops `n - 2`'s.
//!
//! ## Collateral refresh
//! The `offchain_worker` hook fetches fresh TCB info and QE identity for every enrolled
//! platform from the PCCS and submits them with [`Pallet::update_platform_collateral`], an
//! authorized (unsigned) call the pallet accepts only for an enrolled platform (checked before
//! any signature is) when the collateral verifies under a trusted root and was issued later
//! than what it holds. Once the chain's copy of a platform's collateral is stale, registrations
//! on that platform fail with [`Error::PlatformCollateralStale`] until it is refreshed.
//!
//! Which TCB evaluation a quote's collateral must reach is governance's
//! ([`Pallet::set_tcb_evaluation_floor`]), not whatever anyone last posted: Intel publishes
//! two genuine update tracks (standard and early), and the early track's higher evaluation
//! numbers, posted by anyone, must not make honest registrations on the standard track fail.

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::{BenchmarkHelper, Registration};
mod attestation;
mod cluster;
mod codec_serde;
mod leadership;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod offchain;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use aegis_attestation::{
	policy::SnpGuestPolicy, Measurement, SnpProduct, SnpTcb, TcbStatus, TeeKind,
};
use aegis_primitives::{
	binding::{
		cluster_confirm_message, cluster_key_message, EnclaveKeys, HPKE_XWING_PUBLIC_KEY_LEN,
	},
	pqc::{self, Suite, ML_DSA_87_SIGNATURE_LEN},
	risk::RiskLevel,
};
use alloc::{boxed::Box, vec::Vec};
use codec::Encode;
use frame_support::{pallet_prelude::*, traits::UnixTime};
use frame_system::pallet_prelude::*;
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// A quote as submitted.
	pub type QuoteOf<T> = BoundedVec<u8, <T as Config>::MaxQuoteLen>;
	/// Collateral as submitted.
	pub type CollateralOf<T> = BoundedVec<u8, <T as Config>::MaxCollateralLen>;
	/// A worker record.
	pub type WorkerOf<T> = WorkerInfo<BlockNumberFor<T>>;
	/// The cluster key record.
	pub type ClusterKeyOf<T> =
		ClusterKey<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	/// An ML-DSA-87 signature.
	pub type MlDsaSignature = BoundedVec<u8, ConstU32<{ ML_DSA_87_SIGNATURE_LEN as u32 }>>;
	/// A provisioned cluster secret.
	pub type ProvisionOf<T> =
		Provision<<T as frame_system::Config>::AccountId, <T as Config>::MaxSealedSecretLen>;
	/// A sealed cluster secret as submitted.
	pub type SealedSecretOf<T> = BoundedVec<u8, <T as Config>::MaxSealedSecretLen>;
	/// The copies a publication carries: receiver and sealed secret.
	pub type CopiesOf<T> = BoundedVec<
		(<T as frame_system::Config>::AccountId, SealedSecretOf<T>),
		<T as Config>::MaxWorkers,
	>;
	/// A worker's API endpoint (a URL).
	pub type EndpointOf = BoundedVec<u8, ConstU32<256>>;
	/// A pending cluster key epoch.
	pub type PendingKeyOf<T> =
		PendingClusterKey<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		/// Who manages roots, measurements, the TCB policy and the other settings.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Wall-clock time of the block (pallet-timestamp): the `now` quotes are verified at.
		type UnixTime: UnixTime;
		/// The quantum-risk level in force (the risk oracle).
		type RiskLevel: Get<RiskLevel>;
		/// Most registered workers.
		#[pallet::constant]
		type MaxWorkers: Get<u32>;
		/// Most allowed measurements.
		#[pallet::constant]
		type MaxMeasurements: Get<u32>;
		/// Most trusted roots; a quote is tried against each.
		#[pallet::constant]
		type MaxRoots: Get<u32>;
		/// Most allowed advisory ids.
		#[pallet::constant]
		type MaxAdvisories: Get<u32>;
		/// Longest quote accepted.
		#[pallet::constant]
		type MaxQuoteLen: Get<u32>;
		/// Longest collateral accepted.
		#[pallet::constant]
		type MaxCollateralLen: Get<u32>;
		/// Longest sealed cluster secret accepted.
		#[pallet::constant]
		type MaxSealedSecretLen: Get<u32>;
		/// Most platforms whose collateral the chain keeps fresh.
		#[pallet::constant]
		type MaxPlatforms: Get<u32>;
		/// Most expired workers removed in one block's `on_initialize`.
		#[pallet::constant]
		type ExpiriesPerBlock: Get<u32>;
		/// A worker without a heartbeat for this many blocks is not active.
		#[pallet::constant]
		type HeartbeatTimeout: Get<BlockNumberFor<Self>>;
		/// Blocks the cluster has to publish a new key epoch once the risk level is Emergency.
		#[pallet::constant]
		type EmergencyRekeyPeriod: Get<BlockNumberFor<Self>>;
		/// Fewest blocks between two Emergency rekeys.
		#[pallet::constant]
		type RekeyCooldown: Get<BlockNumberFor<Self>>;
		/// Blocks a published epoch has to collect a quorum of confirmations; at this deadline
		/// it becomes current with at least one confirmation besides its publisher's (when more
		/// than one worker is active), or is abandoned.
		#[pallet::constant]
		type ConfirmPeriod: Get<BlockNumberFor<Self>>;
		/// The longest a cluster key epoch stays current: once it is this old, a rekey is
		/// required.
		#[pallet::constant]
		type ClusterKeyPeriod: Get<BlockNumberFor<Self>>;
		/// Blocks the previous epoch still accepts new submissions after a new one becomes
		/// current (clients that read the key just before the switch).
		#[pallet::constant]
		type EpochGrace: Get<BlockNumberFor<Self>>;
		/// Blocks a leader keeps leadership before it passes to the next candidate.
		#[pallet::constant]
		type LeaderTerm: Get<BlockNumberFor<Self>>;
		/// Blocks an entry waits on a stalled leader before the next candidate may take over
		/// (times its position after the leader).
		#[pallet::constant]
		type TakeoverAfter: Get<BlockNumberFor<Self>>;
		/// Blocks between the off-chain worker's collateral refreshes.
		#[pallet::constant]
		type CollateralRefreshInterval: Get<BlockNumberFor<Self>>;
		/// Priority of collateral refresh transactions.
		#[pallet::constant]
		type UnsignedPriority: Get<TransactionPriority>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
		/// Builds valid registrations for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: benchmarking::BenchmarkHelper<Self>;
	}

	/// Storage layout version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// DER root certificates each kind's evidence must chain to: Intel's SGX root CA (SGX
	/// quotes, TDX quotes and their collateral), AMD's ARKs (SEV-SNP), the AWS Nitro root.
	#[pallet::storage]
	pub type TrustedRoots<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		TeeKind,
		BoundedVec<RootCertificate, T::MaxRoots>,
		ValueQuery,
	>;

	/// The oldest reported TCB an SEV-SNP worker may have, per EPYC generation (none: any).
	#[pallet::storage]
	pub type SnpTcbFloors<T: Config> =
		StorageMap<_, Blake2_128Concat, SnpProduct, SnpTcb, OptionQuery>;

	/// Which SEV-SNP guest policy bits the chain admits.
	#[pallet::storage]
	pub type SnpGuest<T: Config> = StorageValue<_, SnpGuestPolicy, ValueQuery>;

	/// Allowed measurements and the block from which each counts.
	#[pallet::storage]
	pub type Measurements<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, Measurement, BlockNumberFor<T>, OptionQuery>;

	/// The TCB status floor and the advisories allowed.
	#[pallet::storage]
	pub type Tcb<T: Config> = StorageValue<_, TcbPolicy<T::MaxAdvisories>, OptionQuery>;

	/// The lowest TCB evaluation data number a quote's collateral may have (Intel's TCB
	/// recovery events raise it; governance follows them on its chosen update track).
	#[pallet::storage]
	pub type TcbEvaluationFloor<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Blocks an attestation counts for.
	#[pallet::storage]
	pub type AttestationValidity<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The redundancy setting.
	#[pallet::storage]
	pub type Redundancy<T: Config> = StorageValue<_, RedundancyConfig, ValueQuery>;

	/// Registered workers.
	#[pallet::storage]
	pub type Workers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, WorkerOf<T>, OptionQuery>;

	/// The highest registration nonce each account has used.
	#[pallet::storage]
	pub type LastNonce<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u64, OptionQuery>;

	/// Workers whose attestation runs out at a block.
	#[pallet::storage]
	pub type Expiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<T::AccountId, T::MaxWorkers>,
		ValueQuery,
	>;

	/// The first block whose expiries have not all been processed.
	#[pallet::storage]
	pub type ExpiryCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The current cluster encryption key.
	#[pallet::storage]
	pub type CurrentClusterKey<T: Config> = StorageValue<_, ClusterKeyOf<T>, OptionQuery>;

	/// Workers that confirmed they hold the cluster secret of an epoch (its publisher, and each
	/// receiver that proved it derived the epoch's public key).
	#[pallet::storage]
	pub type KeyHolders<T: Config> =
		StorageDoubleMap<_, Twox64Concat, u32, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// A published cluster key epoch collecting confirmations.
	#[pallet::storage]
	pub type PendingKey<T: Config> = StorageValue<_, PendingKeyOf<T>, OptionQuery>;

	/// The highest epoch ever published (abandoned ones included).
	#[pallet::storage]
	pub type LatestEpoch<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The previous epoch, and the block until which it still accepts new submissions.
	#[pallet::storage]
	pub type PreviousEpoch<T: Config> = StorageValue<_, (u32, BlockNumberFor<T>), OptionQuery>;

	/// Why the required rekey (see `RekeyDeadline`) is required.
	#[pallet::storage]
	pub type RekeyCause<T: Config> = StorageValue<_, RekeyReason, OptionQuery>;

	/// Set while no active worker holds the current epoch: submissions are refused.
	#[pallet::storage]
	pub type Unserved<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Where each worker's API is reached (its co-signing endpoint), as it registered it.
	#[pallet::storage]
	pub type Endpoints<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, EndpointOf, OptionQuery>;

	/// What a batch's co-signers must differ from its committer in.
	#[pallet::storage]
	pub type Diversity<T: Config> = StorageValue<_, CosignerDiversity, ValueQuery>;

	/// The worker that commits batches now.
	#[pallet::storage]
	pub type Leader<T: Config> =
		StorageValue<_, Leadership<T::AccountId, BlockNumberFor<T>>, OptionQuery>;

	/// Copies of cluster secrets sealed to workers that have not confirmed them yet, per epoch.
	#[pallet::storage]
	pub type Provisions<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		u32,
		Blake2_128Concat,
		T::AccountId,
		ProvisionOf<T>,
		OptionQuery,
	>;

	/// Block at which an Emergency last required a rekey.
	#[pallet::storage]
	pub type LastRekeyRequired<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// An Emergency began and its rekey is not required yet (held back by `RekeyCooldown`):
	/// it is, once the cooldown ends, if the level is still Emergency.
	#[pallet::storage]
	pub type RekeyOwed<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Block by which a new cluster key epoch must be published (set by an Emergency).
	#[pallet::storage]
	pub type RekeyDeadline<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// The risk level seen by the last `on_initialize`.
	#[pallet::storage]
	pub type LastRiskLevel<T: Config> = StorageValue<_, RiskLevel, ValueQuery>;

	/// Enrolled platforms and the freshest collateral verified on chain for each (`None` until
	/// the first refresh).
	#[pallet::storage]
	pub type Platforms<T: Config> = CountedStorageMap<
		_,
		Blake2_128Concat,
		(aegis_attestation::TeeKind, Fmspc),
		Option<PlatformCollateral>,
		OptionQuery,
	>;

	/// Base URL of the PCCS the off-chain worker fetches collateral from.
	#[pallet::storage]
	pub type PccsUrl<T: Config> = StorageValue<_, BoundedVec<u8, ConstU32<256>>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A worker enrolled.
		WorkerRegistered {
			/// The worker.
			worker: T::AccountId,
			/// Its role.
			role: WorkerRole,
			/// Its measurement.
			measurement: Measurement,
			/// Block from which its attestation no longer counts.
			expires_at: BlockNumberFor<T>,
		},
		/// A worker re-attested.
		WorkerReattested {
			/// The worker.
			worker: T::AccountId,
			/// Whether its keys changed.
			keys_rotated: bool,
			/// New expiry.
			expires_at: BlockNumberFor<T>,
		},
		/// A worker sent a heartbeat.
		Heartbeat {
			/// The worker.
			worker: T::AccountId,
		},
		/// A worker left.
		WorkerDeregistered {
			/// The worker.
			worker: T::AccountId,
		},
		/// An expired worker was removed.
		WorkerExpired {
			/// The worker.
			worker: T::AccountId,
		},
		/// A worker stopped being active.
		WorkerDeactivated {
			/// The worker.
			worker: T::AccountId,
			/// Why.
			reason: DeactivationReason,
		},
		/// A root certificate became trusted for a kind's evidence.
		RootAdded {
			/// The kind.
			tee: TeeKind,
			/// BLAKE2b-256 of the DER.
			root_hash: [u8; 32],
		},
		/// A root certificate stopped being trusted for a kind's evidence.
		RootRemoved {
			/// The kind.
			tee: TeeKind,
			/// BLAKE2b-256 of the DER.
			root_hash: [u8; 32],
		},
		/// A measurement was allowed.
		MeasurementAllowed {
			/// The measurement.
			measurement: Measurement,
			/// Block from which it counts.
			enacted_at: BlockNumberFor<T>,
		},
		/// A measurement was revoked.
		MeasurementRevoked {
			/// The measurement.
			measurement: Measurement,
			/// Workers deactivated with it.
			deactivated: u32,
		},
		/// The TCB policy changed.
		TcbPolicySet {
			/// The worst status admitted.
			min_status: TcbStatus,
		},
		/// The TCB evaluation floor changed.
		TcbEvaluationFloorSet {
			/// The lowest evaluation data number admitted from now on.
			floor: u32,
		},
		/// The attestation validity changed.
		AttestationValiditySet {
			/// Blocks an attestation counts for.
			blocks: BlockNumberFor<T>,
		},
		/// The redundancy setting changed.
		RedundancySet {
			/// The new setting.
			config: RedundancyConfig,
		},
		/// A new cluster key epoch was published; it collects confirmations.
		ClusterKeyPublished {
			/// The epoch.
			epoch: u32,
			/// The worker that generated it.
			by: T::AccountId,
			/// How many copies it sealed to other workers.
			copies: u32,
		},
		/// A worker proved it holds an epoch's secret.
		ClusterKeyConfirmed {
			/// The epoch.
			epoch: u32,
			/// The worker.
			by: T::AccountId,
		},
		/// An epoch became the one users encrypt to.
		ClusterKeyActivated {
			/// The epoch.
			epoch: u32,
		},
		/// A published epoch reached its deadline without enough confirmations.
		ClusterKeyAbandoned {
			/// The epoch.
			epoch: u32,
		},
		/// A worker set the endpoint its API is reached at.
		EndpointSet {
			/// The worker.
			worker: T::AccountId,
		},
		/// What co-signers must differ from the committer in changed.
		CosignerDiversitySet {
			/// The new requirement.
			diversity: CosignerDiversity,
		},
		/// Leadership changed hands.
		LeaderChanged {
			/// The previous leader.
			from: Option<T::AccountId>,
			/// The new one.
			to: T::AccountId,
			/// Why.
			reason: LeaderChange,
		},
		/// A cluster secret was sealed to a worker.
		ClusterKeyProvisioned {
			/// The epoch.
			epoch: u32,
			/// The key holder.
			from: T::AccountId,
			/// The receiver.
			to: T::AccountId,
		},
		/// A new cluster key epoch is due by `deadline`.
		RekeyRequired {
			/// Block by which the new epoch is due.
			deadline: BlockNumberFor<T>,
			/// Why.
			reason: RekeyReason,
		},
		/// The rekey deadline passed without a new epoch.
		RekeyOverdue {
			/// The missed deadline.
			deadline: BlockNumberFor<T>,
		},
		/// A platform's collateral is kept fresh from now on.
		PlatformEnrolled {
			/// TEE kind.
			tee: aegis_attestation::TeeKind,
			/// FMSPC.
			fmspc: Fmspc,
		},
		/// A platform is no longer tracked.
		PlatformRemoved {
			/// TEE kind.
			tee: aegis_attestation::TeeKind,
			/// FMSPC.
			fmspc: Fmspc,
		},
		/// Fresh collateral of a platform was verified and stored.
		PlatformCollateralUpdated {
			/// TEE kind.
			tee: aegis_attestation::TeeKind,
			/// FMSPC.
			fmspc: Fmspc,
			/// What was stored.
			collateral: PlatformCollateral,
		},
		/// The PCCS URL changed.
		PccsUrlSet {
			/// The URL.
			url: Vec<u8>,
		},
		/// The SEV-SNP policy changed.
		SnpPolicySet {
			/// The TCB floors, per generation.
			floors: Vec<(SnpProduct, SnpTcb)>,
			/// The guest policy bits admitted.
			guest: SnpGuestPolicy,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account already is a registered worker.
		AlreadyRegistered,
		/// The account is not a registered worker.
		NotRegistered,
		/// `MaxWorkers` workers are registered.
		TooManyWorkers,
		/// The nonce is not above every nonce this account used before.
		NonceUsed,
		/// No root is trusted.
		NoTrustedRoot,
		/// The quote did not verify under a trusted root (its chain ends in none, bad signature,
		/// malformed quote or collateral, revoked platform, no matching TCB level).
		QuoteRejected,
		/// The collateral or a certificate had expired at the block's time: fetch fresh
		/// collateral and try again.
		CollateralExpired,
		/// The collateral or a certificate was not yet valid at the block's time.
		CollateralNotYetValid,
		/// The node does not provide the attestation host function.
		AttestationUnavailable,
		/// The enclave runs in debug mode.
		DebugEnclave,
		/// The measurement is not allowed.
		MeasurementNotAllowed,
		/// The measurement is allowed from a later block.
		MeasurementNotYetEnacted,
		/// The TCB status is below the floor.
		TcbBelowFloor,
		/// The quote carries an advisory the policy does not allow.
		AdvisoryNotAllowed,
		/// `report_data` does not bind this chain, account, keys and nonce.
		BindingMismatch,
		/// The chain's collateral for this platform is stale; it is refreshed from the PCCS.
		PlatformCollateralStale,
		/// The collateral's TCB evaluation is below the floor governance set.
		CollateralOutdated,
		/// The worker is deactivated, expired or silent.
		NotActive,
		/// The worker's attestation has not expired.
		NotExpired,
		/// The root is already trusted.
		RootAlreadyTrusted,
		/// The root is not trusted.
		RootNotTrusted,
		/// `MaxRoots` roots are trusted.
		TooManyRoots,
		/// The root certificate is empty or longer than 4096 bytes.
		BadRoot,
		/// The measurement is already allowed.
		MeasurementAlreadyAllowed,
		/// `MaxMeasurements` measurements are allowed.
		TooManyMeasurements,
		/// The enactment block is in the past.
		EnactmentInPast,
		/// More advisories than `MaxAdvisories`, or one longer than 32 bytes.
		TooManyAdvisories,
		/// The attestation validity is zero.
		ZeroValidity,
		/// Redundancy enabled with no co-signers.
		BadRedundancy,
		/// The epoch is not the next one (publication), or neither the current nor the pending
		/// one (confirmation, provisioning).
		WrongEpoch,
		/// The signature does not verify under the worker's ML-DSA-87 key.
		BadSignature,
		/// The caller does not hold the epoch's cluster secret.
		NotKeyHolder,
		/// No rekey is due (there is a current epoch and no rekey is required), or a published
		/// epoch is still collecting confirmations.
		RekeyNotDue,
		/// A copy is addressed to the publisher itself or twice to one worker.
		BadCopyTarget,
		/// No copy of the epoch's secret was sealed to the caller.
		NotProvisioned,
		/// Only primary workers publish cluster keys.
		NotPrimary,
		/// The endpoint is empty or not an http:// or https:// URL.
		BadEndpoint,
		/// There is no cluster key yet.
		NoClusterKey,
		/// The worker already holds the epoch's cluster secret.
		AlreadyProvisioned,
		/// The receiver is not an active worker.
		ReceiverNotActive,
		/// The sealed secret is empty.
		EmptySecret,
		/// The platform is already enrolled.
		PlatformAlreadyEnrolled,
		/// The platform is not enrolled.
		PlatformNotEnrolled,
		/// `MaxPlatforms` platforms are enrolled.
		TooManyPlatforms,
		/// The URL is longer than 256 bytes.
		UrlTooLong,
		/// The collateral update is for a platform not enrolled, does not verify under a
		/// trusted root now, or is not newer than the chain's copy.
		CollateralRejected,
		/// The evidence is neither a DCAP quote, an SEV-SNP report nor a Nitro document.
		UnknownEvidence,
		/// The SEV-SNP guest policy admits what the chain does not (a migration agent, SMT).
		GuestPolicyRefused,
		/// More SEV-SNP floors than generations, or one generation twice.
		BadSnpFloors,
	}

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// DER root certificates per kind (SCALE `(TeeKind, Vec<u8>)`, hex, in JSON): Intel's
		/// SGX root, AMD's ARKs and the AWS Nitro root on production chains, the simulators'
		/// dev roots on dev chains.
		#[serde(with = "codec_serde::many")]
		pub trusted_roots: Vec<(TeeKind, Vec<u8>)>,
		/// SEV-SNP TCB floors per generation (SCALE, hex, in JSON).
		#[serde(with = "codec_serde::many")]
		pub snp_tcb_floors: Vec<(SnpProduct, SnpTcb)>,
		/// Measurements allowed from genesis (SCALE, hex, in JSON).
		#[serde(with = "codec_serde::many")]
		pub measurements: Vec<Measurement>,
		/// The TCB floor (SCALE, hex, in JSON; `None` admits `UpToDate` only).
		#[serde(with = "codec_serde::one")]
		pub min_tcb_status: Option<TcbStatus>,
		/// Advisory ids allowed.
		pub allowed_advisories: Vec<Vec<u8>>,
		/// Blocks an attestation counts for.
		pub attestation_validity: BlockNumberFor<T>,
		/// The redundancy setting.
		pub redundancy: RedundancyConfig,
		/// Base URL of the PCCS.
		pub pccs_url: Vec<u8>,
		/// The lowest TCB evaluation data number a quote's collateral may have.
		pub tcb_evaluation_floor: u32,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		/// No roots or measurements (nothing can enrol until governance adds them), the
		/// `UpToDate` floor, attestations valid for 14 400 blocks (a day of 6 s blocks).
		fn default() -> Self {
			Self {
				trusted_roots: Vec::new(),
				snp_tcb_floors: Vec::new(),
				measurements: Vec::new(),
				min_tcb_status: None,
				allowed_advisories: Vec::new(),
				attestation_validity: 14_400u32.into(),
				redundancy: RedundancyConfig::default(),
				pccs_url: Vec::new(),
				tcb_evaluation_floor: 0,
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (tee, root) in &self.trusted_roots {
				let root = RootCertificate::try_from(root.clone()).expect("genesis root too long");
				TrustedRoots::<T>::mutate(tee, |roots| {
					assert!(!roots.contains(&root), "genesis trusts a root twice");
					roots.try_push(root).expect("genesis has more roots than MaxRoots");
				});
			}
			for (product, floor) in &self.snp_tcb_floors {
				SnpTcbFloors::<T>::insert(product, floor);
			}
			assert!(
				self.measurements.len() <= T::MaxMeasurements::get() as usize,
				"genesis has more measurements than MaxMeasurements"
			);
			for m in &self.measurements {
				Measurements::<T>::insert(m, BlockNumberFor::<T>::zero());
			}
			Tcb::<T>::put(TcbPolicy {
				min_status: self.min_tcb_status.unwrap_or(TcbStatus::UpToDate),
				allowed_advisories: advisories::<T>(&self.allowed_advisories)
					.expect("genesis advisories exceed MaxAdvisories or 32 bytes"),
			});
			assert!(!self.attestation_validity.is_zero(), "genesis attestation validity is zero");
			AttestationValidity::<T>::put(self.attestation_validity);
			Redundancy::<T>::put(self.redundancy);
			PccsUrl::<T>::put(
				BoundedVec::try_from(self.pccs_url.clone()).expect("genesis PCCS URL too long"),
			);
			TcbEvaluationFloor::<T>::put(self.tcb_evaluation_floor);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let (expired, scanned) = Self::process_expiries(now);
			let rekey = Self::track_emergency(now);
			let cluster = Self::cluster_on_initialize(now);
			let leadership = Self::leadership_on_initialize(now);
			T::WeightInfo::on_initialize_expiries(expired)
				.saturating_add(Self::drop_weight().saturating_mul(expired.into()))
				.saturating_add(T::DbWeight::get().reads(scanned.into()))
				.saturating_add(rekey)
				.saturating_add(cluster)
				.saturating_add(leadership)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			offchain::run::<T>(now);
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Enrols the caller as a worker; see the crate docs for every check.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::registration_weight(
			quote,
			quote.len() as u32,
			collateral.len() as u32,
		))]
		pub fn register_worker(
			origin: OriginFor<T>,
			quote: QuoteOf<T>,
			collateral: CollateralOf<T>,
			keys: Box<EnclaveKeys>,
			role: WorkerRole,
			nonce: u64,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Workers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(Workers::<T>::count() < T::MaxWorkers::get(), Error::<T>::TooManyWorkers);
			let (verified, root_hash) = Self::attest(&who, &quote, &collateral, &keys, nonce)?;
			let now = frame_system::Pallet::<T>::block_number();
			let expires_at = now.saturating_add(AttestationValidity::<T>::get());
			Self::schedule_expiry(&who, expires_at)?;
			LastNonce::<T>::insert(&who, nonce);
			Workers::<T>::insert(
				&who,
				WorkerInfo {
					tee: verified.tee,
					measurement: verified.measurement.clone(),
					keys: *keys,
					role,
					tcb: WorkerTcb::from_facts(&verified.tcb),
					registered_at: now,
					attested_at: now,
					expires_at,
					last_heartbeat: now,
					state: WorkerState::Active,
					keys_since: now,
					root_hash,
				},
			);
			Self::deposit_event(Event::WorkerRegistered {
				worker: who,
				role,
				measurement: verified.measurement,
				expires_at,
			});
			Ok(())
		}

		/// Renews a registered worker's attestation with a fresh quote, possibly for new keys
		/// (key rotation) or a new measurement (enclave upgrade). Reactivates a deactivated
		/// worker whose new measurement is allowed.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::reattest_weight(
			quote,
			quote.len() as u32,
			collateral.len() as u32,
		)
		.saturating_add(Pallet::<T>::drop_weight()))]
		pub fn reattest(
			origin: OriginFor<T>,
			quote: QuoteOf<T>,
			collateral: CollateralOf<T>,
			keys: Box<EnclaveKeys>,
			nonce: u64,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let (verified, root_hash) = Self::attest(&who, &quote, &collateral, &keys, nonce)?;
			let now = frame_system::Pallet::<T>::block_number();
			let expires_at = now.saturating_add(AttestationValidity::<T>::get());
			Self::unschedule_expiry(&who, worker.expires_at);
			Self::schedule_expiry(&who, expires_at)?;
			LastNonce::<T>::insert(&who, nonce);
			let keys_rotated = worker.keys != *keys;
			if keys_rotated {
				worker.keys_since = now;
			}
			let was_active = worker.state == WorkerState::Active;
			worker.root_hash = root_hash;
			worker.tee = verified.tee;
			worker.measurement = verified.measurement;
			worker.keys = *keys;
			worker.tcb = WorkerTcb::from_facts(&verified.tcb);
			worker.attested_at = now;
			worker.expires_at = expires_at;
			worker.last_heartbeat = now;
			worker.state = WorkerState::Active;
			Workers::<T>::insert(&who, worker);
			// Copies were sealed to the old HPKE key; a worker back from deactivation held
			// them under a policy the chain withdrew. Either is provisioned again.
			if (keys_rotated || !was_active) && Self::drop_holdings(&who) {
				Self::refresh_served();
			}
			Self::deposit_event(Event::WorkerReattested { worker: who, keys_rotated, expires_at });
			Ok(())
		}

		/// Tells the chain the worker is alive.
		#[pallet::call_index(2)]
		pub fn heartbeat(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			Workers::<T>::try_mutate(&who, |w| -> DispatchResult {
				let w = w.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(
					w.state == WorkerState::Active && now < w.expires_at,
					Error::<T>::NotActive
				);
				w.last_heartbeat = now;
				Ok(())
			})?;
			Self::deposit_event(Event::Heartbeat { worker: who });
			Ok(())
		}

		/// Removes the caller's worker record.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::deregister().saturating_add(Pallet::<T>::drop_weight()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			Self::remove_worker(&who, worker.expires_at);
			Self::deposit_event(Event::WorkerDeregistered { worker: who });
			Ok(())
		}

		/// Removes a worker whose attestation has expired. Anyone may call it.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::remove_expired().saturating_add(Pallet::<T>::drop_weight()))]
		pub fn remove_expired(origin: OriginFor<T>, worker: T::AccountId) -> DispatchResult {
			ensure_signed(origin)?;
			let info = Workers::<T>::get(&worker).ok_or(Error::<T>::NotRegistered)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now >= info.expires_at, Error::<T>::NotExpired);
			Self::remove_worker(&worker, info.expires_at);
			Self::deposit_event(Event::WorkerExpired { worker });
			Ok(())
		}

		/// Trusts another root certificate (DER) for `tee`'s evidence.
		#[pallet::call_index(5)]
		pub fn add_trusted_root(
			origin: OriginFor<T>,
			tee: TeeKind,
			root: Vec<u8>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(!root.is_empty(), Error::<T>::BadRoot);
			let root_hash = sp_io::hashing::blake2_256(&root);
			let root = RootCertificate::try_from(root).map_err(|_| Error::<T>::BadRoot)?;
			TrustedRoots::<T>::try_mutate(tee, |roots| -> DispatchResult {
				ensure!(!roots.contains(&root), Error::<T>::RootAlreadyTrusted);
				roots.try_push(root).map_err(|_| Error::<T>::TooManyRoots)?;
				Ok(())
			})?;
			Self::deposit_event(Event::RootAdded { tee, root_hash });
			Ok(())
		}

		/// Stops trusting a root certificate (DER) for `tee`'s evidence and deactivates every
		/// worker of that kind whose evidence verified under it (or under a root the registry
		/// did not record); they must re-attest under a root still trusted.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::remove_trusted_root()
			.saturating_add(T::WeightInfo::revoke_measurement(T::MaxWorkers::get()))
			.saturating_add(Pallet::<T>::deactivation_weight(T::MaxWorkers::get())))]
		pub fn remove_trusted_root(
			origin: OriginFor<T>,
			tee: TeeKind,
			root: Vec<u8>,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let root_hash = sp_io::hashing::blake2_256(&root);
			TrustedRoots::<T>::try_mutate(tee, |roots| -> DispatchResult {
				let at = roots
					.iter()
					.position(|r| r.as_slice() == root.as_slice())
					.ok_or(Error::<T>::RootNotTrusted)?;
				roots.remove(at);
				Ok(())
			})?;
			let (scanned, deactivated) =
				Self::deactivate_where(DeactivationReason::RootRemoved, |w| {
					w.tee == tee && (w.root_hash == root_hash || w.root_hash == [0; 32])
				});
			Self::deposit_event(Event::RootRemoved { tee, root_hash });
			Ok(Some(
				T::WeightInfo::remove_trusted_root()
					.saturating_add(T::WeightInfo::revoke_measurement(scanned))
					.saturating_add(Self::deactivation_weight(deactivated)),
			)
			.into())
		}

		/// Allows a measurement, from `enact_at` (default: now). Allowing the next enclave
		/// version ahead of time lets workers upgrade without a fork.
		#[pallet::call_index(7)]
		pub fn allow_measurement(
			origin: OriginFor<T>,
			measurement: Measurement,
			enact_at: Option<BlockNumberFor<T>>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let enacted_at = enact_at.unwrap_or(now);
			ensure!(enacted_at >= now, Error::<T>::EnactmentInPast);
			ensure!(
				!Measurements::<T>::contains_key(&measurement),
				Error::<T>::MeasurementAlreadyAllowed
			);
			ensure!(
				Measurements::<T>::count() < T::MaxMeasurements::get(),
				Error::<T>::TooManyMeasurements
			);
			Measurements::<T>::insert(&measurement, enacted_at);
			Self::deposit_event(Event::MeasurementAllowed { measurement, enacted_at });
			Ok(())
		}

		/// Revokes a measurement and deactivates every worker running it.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::revoke_measurement(T::MaxWorkers::get())
			.saturating_add(Pallet::<T>::deactivation_weight(T::MaxWorkers::get())))]
		pub fn revoke_measurement(
			origin: OriginFor<T>,
			measurement: Measurement,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(
				Measurements::<T>::contains_key(&measurement),
				Error::<T>::MeasurementNotAllowed
			);
			Measurements::<T>::remove(&measurement);
			let (scanned, deactivated) =
				Self::deactivate_where(DeactivationReason::MeasurementRevoked, |w| {
					w.measurement == measurement
				});
			Self::deposit_event(Event::MeasurementRevoked { measurement, deactivated });
			Ok(Some(
				T::WeightInfo::revoke_measurement(scanned)
					.saturating_add(Self::deactivation_weight(deactivated)),
			)
			.into())
		}

		/// Sets the TCB floor and the advisories allowed, and deactivates every worker whose
		/// platform's status (at its last attestation) is below the new floor. Advisories are
		/// checked at each attestation.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_tcb_policy()
			.saturating_add(T::WeightInfo::revoke_measurement(T::MaxWorkers::get()))
			.saturating_add(Pallet::<T>::deactivation_weight(T::MaxWorkers::get())))]
		pub fn set_tcb_policy(
			origin: OriginFor<T>,
			min_status: TcbStatus,
			allowed_advisories: Vec<Vec<u8>>,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let allowed_advisories =
				advisories::<T>(&allowed_advisories).ok_or(Error::<T>::TooManyAdvisories)?;
			Tcb::<T>::put(TcbPolicy { min_status, allowed_advisories });
			let (scanned, deactivated) = Self::deactivate_where(
				DeactivationReason::TcbBelowFloor,
				|w| matches!(w.tcb, WorkerTcb::Intel { status, .. } if !status.meets(min_status)),
			);
			Self::deposit_event(Event::TcbPolicySet { min_status });
			Ok(Some(
				T::WeightInfo::set_tcb_policy()
					.saturating_add(T::WeightInfo::revoke_measurement(scanned))
					.saturating_add(Self::deactivation_weight(deactivated)),
			)
			.into())
		}

		/// Sets how many blocks an attestation counts for (from the next attestation on).
		#[pallet::call_index(10)]
		pub fn set_attestation_validity(
			origin: OriginFor<T>,
			blocks: BlockNumberFor<T>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(!blocks.is_zero(), Error::<T>::ZeroValidity);
			AttestationValidity::<T>::put(blocks);
			Self::deposit_event(Event::AttestationValiditySet { blocks });
			Ok(())
		}

		/// Sets the redundancy setting.
		#[pallet::call_index(11)]
		pub fn set_redundancy(origin: OriginFor<T>, config: RedundancyConfig) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(!config.enabled || config.min_cosigners > 0, Error::<T>::BadRedundancy);
			Redundancy::<T>::put(config);
			Self::deposit_event(Event::RedundancySet { config });
			Ok(())
		}

		/// Publishes the next cluster key epoch ([`Pallet::next_epoch`]) when a rekey is due
		/// (there is no epoch yet, or one is required; see the crate docs). `public_key` was
		/// derived inside the caller's enclave from a secret generated there, `signature` is its
		/// ML-DSA-87 signature (context `aegis/cluster-key/v1`) over
		/// `cluster_key_message(genesis_hash, epoch, public_key)`, and `copies` hold that secret
		/// sealed to other active workers' attested HPKE keys (aegis-envelope v1, associated
		/// data `cluster_copy_binding(epoch, sender, receiver)`). The epoch becomes current once
		/// a quorum of active workers confirmed it.
		#[pallet::call_index(12)]
		// Charged as if every other worker got a copy: activation counts every registered
		// worker, however few copies the publication carries.
		#[pallet::weight(T::WeightInfo::publish_cluster_key(T::MaxWorkers::get().saturating_sub(1)))]
		pub fn publish_cluster_key(
			origin: OriginFor<T>,
			epoch: u32,
			public_key: Box<[u8; HPKE_XWING_PUBLIC_KEY_LEN]>,
			signature: MlDsaSignature,
			copies: CopiesOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let worker = Self::active_worker(&who).ok_or(Error::<T>::NotActive)?;
			ensure!(worker.role == WorkerRole::Primary, Error::<T>::NotPrimary);
			ensure!(epoch == Self::next_epoch(), Error::<T>::WrongEpoch);
			ensure!(Self::rekey_due(), Error::<T>::RekeyNotDue);
			let message = cluster_key_message(&Self::genesis_hash(), epoch, &public_key);
			ensure!(
				pqc::verify(
					Suite::MlDsa87,
					worker.keys.ml_dsa.as_slice(),
					pqc::context::CLUSTER_KEY,
					&message,
					&signature
				),
				Error::<T>::BadSignature
			);
			Self::do_publish(&who, epoch, *public_key, copies)
		}

		/// Seals the secret of `epoch` (the current or the pending one) to another active
		/// worker that does not hold it (a late joiner, or one that re-attested with new keys),
		/// replacing any copy it has not confirmed. Only confirmed holders of the epoch may.
		#[pallet::call_index(13)]
		pub fn provision_cluster_key(
			origin: OriginFor<T>,
			epoch: u32,
			to_worker: T::AccountId,
			sealed_secret: SealedSecretOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::active_worker(&who).ok_or(Error::<T>::NotActive)?;
			Self::key_of(epoch).ok_or(Error::<T>::WrongEpoch)?;
			ensure!(KeyHolders::<T>::contains_key(epoch, &who), Error::<T>::NotKeyHolder);
			Self::active_worker(&to_worker).ok_or(Error::<T>::ReceiverNotActive)?;
			ensure!(
				!KeyHolders::<T>::contains_key(epoch, &to_worker),
				Error::<T>::AlreadyProvisioned
			);
			ensure!(!sealed_secret.is_empty(), Error::<T>::EmptySecret);
			Provisions::<T>::insert(
				epoch,
				&to_worker,
				Provision { from: who.clone(), sealed_secret },
			);
			Self::deposit_event(Event::ClusterKeyProvisioned { epoch, from: who, to: to_worker });
			Ok(())
		}

		/// Confirms the caller holds the secret of `epoch` (the current or the pending one),
		/// sealed to it by a holder: `signature` is its ML-DSA-87 signature (context
		/// `aegis/cluster-key-confirm/v1`) over `cluster_confirm_message(genesis_hash, epoch,
		/// public_key, account)`, the public key it derived from the secret. A pending epoch
		/// becomes current once a quorum of active workers holds it.
		#[pallet::call_index(19)]
		#[pallet::weight(T::WeightInfo::confirm_cluster_key(T::MaxWorkers::get()))]
		pub fn confirm_cluster_key(
			origin: OriginFor<T>,
			epoch: u32,
			signature: MlDsaSignature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let worker = Self::active_worker(&who).ok_or(Error::<T>::NotActive)?;
			let public_key = Self::key_of(epoch).ok_or(Error::<T>::WrongEpoch)?;
			let message = cluster_confirm_message(
				&Self::genesis_hash(),
				epoch,
				&public_key,
				&Self::account_bytes(&who),
			);
			ensure!(
				pqc::verify(
					Suite::MlDsa87,
					worker.keys.ml_dsa.as_slice(),
					pqc::context::CLUSTER_KEY_CONFIRM,
					&message,
					&signature
				),
				Error::<T>::BadSignature
			);
			Self::do_confirm(&who, epoch)
		}

		/// Sets the URL the caller's API (its co-signing endpoint) is reached at. Registered
		/// workers only; removed with the worker.
		#[pallet::call_index(20)]
		pub fn set_endpoint(origin: OriginFor<T>, url: EndpointOf) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Workers::<T>::contains_key(&who), Error::<T>::NotRegistered);
			ensure!(
				url.starts_with(b"http://") || url.starts_with(b"https://"),
				Error::<T>::BadEndpoint
			);
			Endpoints::<T>::insert(&who, url);
			Self::deposit_event(Event::EndpointSet { worker: who });
			Ok(())
		}

		/// Sets what a batch's co-signers must differ from its committer in: nothing, the TEE
		/// kind, or the platform (kind or FMSPC), so that one TEE provider's flaw cannot both
		/// commit and co-sign a batch.
		#[pallet::call_index(21)]
		pub fn set_cosigner_diversity(
			origin: OriginFor<T>,
			diversity: CosignerDiversity,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Diversity::<T>::put(diversity);
			Self::deposit_event(Event::CosignerDiversitySet { diversity });
			Ok(())
		}

		/// Starts keeping a platform's collateral fresh from the PCCS.
		#[pallet::call_index(14)]
		pub fn enroll_platform(
			origin: OriginFor<T>,
			tee: aegis_attestation::TeeKind,
			fmspc: Fmspc,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(
				!Platforms::<T>::contains_key((tee, fmspc)),
				Error::<T>::PlatformAlreadyEnrolled
			);
			ensure!(Platforms::<T>::count() < T::MaxPlatforms::get(), Error::<T>::TooManyPlatforms);
			Platforms::<T>::insert((tee, fmspc), None::<PlatformCollateral>);
			Self::deposit_event(Event::PlatformEnrolled { tee, fmspc });
			Ok(())
		}

		/// Stops tracking a platform.
		#[pallet::call_index(15)]
		pub fn remove_platform(
			origin: OriginFor<T>,
			tee: aegis_attestation::TeeKind,
			fmspc: Fmspc,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Platforms::<T>::contains_key((tee, fmspc)), Error::<T>::PlatformNotEnrolled);
			Platforms::<T>::remove((tee, fmspc));
			Self::deposit_event(Event::PlatformRemoved { tee, fmspc });
			Ok(())
		}

		/// Sets the PCCS base URL the off-chain worker fetches collateral from.
		#[pallet::call_index(16)]
		pub fn set_pccs_url(origin: OriginFor<T>, url: Vec<u8>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let bounded = BoundedVec::try_from(url.clone()).map_err(|_| Error::<T>::UrlTooLong)?;
			PccsUrl::<T>::put(bounded);
			Self::deposit_event(Event::PccsUrlSet { url });
			Ok(())
		}

		/// Stores a platform's fresh TCB info and QE identity, fetched from the PCCS by the
		/// off-chain worker. Authorized only when it verifies under a trusted root now and is
		/// newer than the stored copy.
		#[pallet::call_index(17)]
		#[pallet::authorize(|_source, update: &offchain::CollateralUpdate| {
			Pallet::<T>::check_collateral_update(update)
				.map(|(tee, fmspc, c)| {
					let valid = ValidTransaction::with_tag_prefix("AegisTeeCollateral")
						.priority(T::UnsignedPriority::get())
						.and_provides((tee, fmspc, c.issued_at, c.tcb_evaluation_data_number))
						.longevity(5)
						.propagate(true)
						.build();
					valid.map(|v| (v, Weight::zero()))
				})
				.unwrap_or(Err(InvalidTransaction::Call.into()))
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::update_platform_collateral())]
		pub fn update_platform_collateral(
			origin: OriginFor<T>,
			update: offchain::CollateralUpdate,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let (tee, fmspc, collateral) =
				Self::check_collateral_update(&update).ok_or(Error::<T>::CollateralRejected)?;
			Platforms::<T>::insert((tee, fmspc), Some(collateral.clone()));
			Self::deposit_event(Event::PlatformCollateralUpdated { tee, fmspc, collateral });
			Ok(())
		}

		/// Sets the SEV-SNP policy: the oldest reported TCB admitted per EPYC generation (a
		/// generation not listed admits any) and the guest policy bits admitted; deactivates
		/// every SEV-SNP worker the new policy refuses.
		#[pallet::call_index(22)]
		// As `set_tcb_policy`, plus the floors cleared and written (three generations at most).
		#[pallet::weight(T::WeightInfo::set_tcb_policy()
			.saturating_add(T::DbWeight::get().writes(7))
			.saturating_add(T::WeightInfo::revoke_measurement(T::MaxWorkers::get()))
			.saturating_add(Pallet::<T>::deactivation_weight(T::MaxWorkers::get())))]
		pub fn set_snp_policy(
			origin: OriginFor<T>,
			floors: Vec<(SnpProduct, SnpTcb)>,
			guest: SnpGuestPolicy,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let distinct = floors
				.iter()
				.enumerate()
				.all(|(i, (p, _))| floors.iter().skip(i.saturating_add(1)).all(|(q, _)| q != p));
			ensure!(floors.len() <= 3 && distinct, Error::<T>::BadSnpFloors);
			let _ = SnpTcbFloors::<T>::clear(3, None);
			for (product, floor) in &floors {
				SnpTcbFloors::<T>::insert(product, floor);
			}
			SnpGuest::<T>::put(guest);
			let (scanned, deactivated) =
				Self::deactivate_where(DeactivationReason::TcbBelowFloor, |w| {
					Self::snp_refuses(&w.tcb, &floors, guest)
				});
			Self::deposit_event(Event::SnpPolicySet { floors, guest });
			Ok(Some(
				T::WeightInfo::set_tcb_policy()
					.saturating_add(T::DbWeight::get().writes(7))
					.saturating_add(T::WeightInfo::revoke_measurement(scanned))
					.saturating_add(Self::deactivation_weight(deactivated)),
			)
			.into())
		}

		/// Sets the lowest TCB evaluation data number a quote's collateral may have. Workers
		/// already enrolled keep their standing until they re-attest.
		#[pallet::call_index(18)]
		// One value written, as `set_attestation_validity`.
		#[pallet::weight(T::WeightInfo::set_attestation_validity())]
		pub fn set_tcb_evaluation_floor(origin: OriginFor<T>, floor: u32) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			TcbEvaluationFloor::<T>::put(floor);
			Self::deposit_event(Event::TcbEvaluationFloorSet { floor });
			Ok(())
		}
	}
}

/// The FMSPC a TCB info document names, read without verifying it (Intel's and the PCCS's
/// documents are compact JSON, as signed): lets the pallet refuse an update for a platform it
/// does not enrol before paying for any signature check. The verified document must then name
/// the same platform.
fn claimed_fmspc(tcb_info: &[u8]) -> Option<Fmspc> {
	const KEY: &[u8] = b"\"fmspc\":\"";
	let at = tcb_info.windows(KEY.len()).position(|w| w == KEY)?.checked_add(KEY.len())?;
	let hex = tcb_info.get(at..at.checked_add(12)?)?;
	let mut out = [0u8; 6];
	for (byte, pair) in out.iter_mut().zip(hex.chunks(2)) {
		*byte = u8::from_str_radix(core::str::from_utf8(pair).ok()?, 16).ok()?;
	}
	Some(out)
}

/// Advisory ids, bounded.
fn advisories<T: Config>(ids: &[Vec<u8>]) -> Option<BoundedVec<AdvisoryId, T::MaxAdvisories>> {
	let ids: Option<Vec<AdvisoryId>> =
		ids.iter().map(|id| AdvisoryId::try_from(id.clone()).ok()).collect();
	BoundedVec::try_from(ids?).ok()
}

/// 32 bytes naming `bytes`: themselves when 32 long, else their BLAKE2b-256.
fn bytes32(bytes: &[u8]) -> [u8; 32] {
	<[u8; 32]>::try_from(bytes).unwrap_or_else(|_| sp_io::hashing::blake2_256(bytes))
}

/// The chain's genesis hash as 32 bytes: what report data, cluster key signatures and batch
/// headers bind.
pub fn chain_genesis_hash<T: frame_system::Config>() -> [u8; 32] {
	bytes32(frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()).as_ref())
}

impl<T: Config> Pallet<T> {
	/// The chain's genesis hash, as bound into report data and cluster key signatures.
	pub fn genesis_hash() -> [u8; 32] {
		chain_genesis_hash::<T>()
	}

	/// The account bytes bound into a worker's report data.
	pub fn account_bytes(who: &T::AccountId) -> [u8; 32] {
		who.using_encoded(bytes32)
	}

	/// The Unix time quotes are verified at: the block's timestamp.
	fn now_secs() -> u64 {
		T::UnixTime::now().as_secs()
	}

	/// The trusted root a PEM chain (a quote's PCK chain, a PCCS issuer chain) ends in.
	fn trusted_root_of<'r>(roots: &'r [RootCertificate], chain: &[u8]) -> Option<&'r [u8]> {
		let end = aegis_attestation::chain_root(chain)?;
		roots.iter().map(|r| r.as_slice()).find(|r| *r == end.as_slice())
	}

	/// Deactivates every active worker `untrusted` picks, for `reason`; returns how many
	/// workers were looked at.
	fn deactivate_where(
		reason: DeactivationReason,
		untrusted: impl Fn(&WorkerOf<T>) -> bool,
	) -> (u32, u32) {
		let mut deactivated = 0u32;
		let mut scanned = 0u32;
		let mut held = false;
		let workers: Vec<(T::AccountId, WorkerOf<T>)> = Workers::<T>::iter().collect();
		for (who, mut w) in workers {
			scanned = scanned.saturating_add(1);
			if w.state == WorkerState::Active && untrusted(&w) {
				w.state = WorkerState::Deactivated;
				Workers::<T>::insert(&who, w);
				deactivated = deactivated.saturating_add(1);
				held |= Self::drop_holdings(&who);
				Self::deposit_event(Event::WorkerDeactivated { worker: who, reason });
			}
		}
		// An enclave the chain no longer trusts held the secret: the epoch must change, and a
		// pending one it may have been sealed to goes too.
		if held {
			Self::abandon_pending();
			Self::require_rekey(RekeyReason::HolderDeactivated);
			Self::refresh_served();
		}
		(scanned, deactivated)
	}

	/// The worker, if it is active now.
	pub fn active_worker(who: &T::AccountId) -> Option<WorkerOf<T>> {
		let w = Workers::<T>::get(who)?;
		Self::is_live(&w, frame_system::Pallet::<T>::block_number()).then_some(w)
	}

	fn is_live(w: &WorkerOf<T>, now: BlockNumberFor<T>) -> bool {
		w.state == WorkerState::Active
			&& now < w.expires_at
			&& now <= w.last_heartbeat.saturating_add(T::HeartbeatTimeout::get())
	}

	fn schedule_expiry(who: &T::AccountId, at: BlockNumberFor<T>) -> DispatchResult {
		Expiries::<T>::try_mutate(at, |list| {
			if !list.contains(who) {
				list.try_push(who.clone()).map_err(|_| Error::<T>::TooManyWorkers)?;
			}
			Ok(())
		})
	}

	fn unschedule_expiry(who: &T::AccountId, at: BlockNumberFor<T>) {
		Expiries::<T>::mutate_exists(at, |list| {
			if let Some(l) = list {
				l.retain(|w| w != who);
				if l.is_empty() {
					*list = None;
				}
			}
		});
	}

	/// Removes a worker, its expiry, and its hold on the current cluster secret (a worker that
	/// enrols again is a new enclave instance and must be provisioned again).
	fn remove_worker(who: &T::AccountId, expires_at: BlockNumberFor<T>) {
		Self::unschedule_expiry(who, expires_at);
		Self::forget_worker(who);
	}

	/// [`Self::remove_worker`] for a worker whose expiry entry is already gone.
	fn forget_worker(who: &T::AccountId) {
		Workers::<T>::remove(who);
		Endpoints::<T>::remove(who);
		if Self::drop_holdings(who) {
			Self::refresh_served();
		}
	}

	/// Removes workers whose attestation ran out, oldest first, at most `ExpiriesPerBlock`, and
	/// moves past at most twice that many blocks, so a lagging cursor catches up. Returns how
	/// many workers were removed and how many blocks were looked at.
	fn process_expiries(now: BlockNumberFor<T>) -> (u32, u32) {
		let budget = T::ExpiriesPerBlock::get();
		let scan_limit = budget.saturating_mul(2).max(2);
		let mut removed = 0u32;
		let mut scanned = 0u32;
		let mut cursor = ExpiryCursor::<T>::get();
		while cursor <= now && removed < budget && scanned < scan_limit {
			let mut list = Expiries::<T>::take(cursor);
			while removed < budget {
				let Some(who) = list.pop() else { break };
				// Lists hold only current expiries: re-attestation and removal unschedule. The
				// list itself was taken above.
				Self::forget_worker(&who);
				removed = removed.saturating_add(1);
				Self::deposit_event(Event::WorkerExpired { worker: who });
			}
			if !list.is_empty() {
				Expiries::<T>::insert(cursor, list);
				break;
			}
			scanned = scanned.saturating_add(1);
			cursor = cursor.saturating_add(1u32.into());
		}
		ExpiryCursor::<T>::put(cursor);
		(removed, scanned)
	}

	/// Whether an active worker holds cluster key epoch `epoch`; adds the reads it made to
	/// `reads` (a holder and its record: two each).
	fn epoch_has_active_holder(epoch: u32, reads: &mut u64) -> bool {
		let mut looked = 0u64;
		let held = KeyHolders::<T>::iter_key_prefix(epoch)
			.take(T::MaxWorkers::get() as usize)
			.inspect(|_| looked += 1)
			.any(|w| Self::active_worker(&w).is_some());
		*reads = reads.saturating_add(looked.saturating_mul(2));
		held
	}

	/// Sets a rekey deadline when the risk level turns Emergency, and reports a missed one.
	fn track_emergency(now: BlockNumberFor<T>) -> Weight {
		let level = T::RiskLevel::get();
		// The level, the last one seen, whether a rekey is owed, and the rekey deadline.
		let mut reads = 4u64;
		let mut writes = 0u64;
		if level != LastRiskLevel::<T>::get() {
			LastRiskLevel::<T>::put(level);
			// Entering Emergency owes a rekey; leaving it forgives one not yet required.
			RekeyOwed::<T>::put(level == RiskLevel::Emergency);
			writes += 2;
		}
		if level == RiskLevel::Emergency && RekeyOwed::<T>::get() {
			reads += 2;
			let cooled = LastRekeyRequired::<T>::get()
				.is_none_or(|at| now >= at.saturating_add(T::RekeyCooldown::get()));
			match CurrentClusterKey::<T>::get() {
				// Nothing to rekey.
				None => {
					RekeyOwed::<T>::kill();
					writes += 1;
				}
				Some(key) => {
					// The cooldown never holds back a rekey no active worker could serve.
					if cooled || !Self::epoch_has_active_holder(key.epoch, &mut reads) {
						RekeyOwed::<T>::kill();
						LastRekeyRequired::<T>::put(now);
						writes += 4;
						Self::require_rekey(RekeyReason::Emergency);
					}
				}
			}
		}
		if let Some(deadline) = RekeyDeadline::<T>::get() {
			if now == deadline {
				Self::deposit_event(Event::RekeyOverdue { deadline });
			}
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}

	/// Verifies a collateral update under the trusted roots at the block's time and checks
	/// it is newer than the stored copy of an enrolled platform.
	fn check_collateral_update(
		update: &offchain::CollateralUpdate,
	) -> Option<(aegis_attestation::TeeKind, Fmspc, PlatformCollateral)> {
		// Cheap checks first: an enrolled platform, before any signature is verified.
		let claimed = claimed_fmspc(&update.tcb_info)?;
		let enrolled = |tee| Platforms::<T>::contains_key((tee, claimed));
		if !enrolled(aegis_attestation::TeeKind::Sgx) && !enrolled(aegis_attestation::TeeKind::Tdx)
		{
			return None;
		}
		let now_secs = Self::now_secs();
		let mut roots = TrustedRoots::<T>::get(TeeKind::Sgx).into_inner();
		for root in TrustedRoots::<T>::get(TeeKind::Tdx) {
			if !roots.contains(&root) {
				roots.push(root);
			}
		}
		let root = Self::trusted_root_of(&roots, &update.issuer_chain)?;
		let info = aegis_attestation::dcap_attestation::verify_platform_collateral(
			&update.tcb_info,
			&update.tcb_info_signature,
			&update.qe_identity,
			&update.qe_identity_signature,
			&update.issuer_chain,
			&update.root_ca_crl,
			root,
			now_secs,
		)
		.ok()?;
		if info.fmspc != claimed {
			return None;
		}
		let known = Platforms::<T>::get((info.tee, info.fmspc))?;
		let collateral = PlatformCollateral {
			tcb_evaluation_data_number: info.tcb_evaluation_data_number,
			issued_at: info.issued_at,
			next_update: info.next_update,
		};
		// Issued later wins, whatever its track: a document from the other track with a
		// higher evaluation number cannot keep this platform's copy from being refreshed.
		let newer = known.is_none_or(|k| {
			(collateral.issued_at, collateral.tcb_evaluation_data_number)
				> (k.issued_at, k.tcb_evaluation_data_number)
		});
		newer.then_some((info.tee, info.fmspc, collateral))
	}

	/// How many registered workers are live (active, attested and heartbeating) at this
	/// block: what `active_workers` lists, without building the list. Reads every worker
	/// record (at most `MaxWorkers`; `Workers::count()` says how many before reading them).
	pub fn live_worker_count() -> u32 {
		let now = frame_system::Pallet::<T>::block_number();
		Workers::<T>::iter_values().filter(|w| Self::is_live(w, now)).count() as u32
	}

	/// Active workers, for the runtime API.
	pub fn active_workers() -> Vec<ActiveWorker<T::AccountId, BlockNumberFor<T>>> {
		let now = frame_system::Pallet::<T>::block_number();
		Workers::<T>::iter()
			.filter(|(_, w)| Self::is_live(w, now))
			.map(|(account, info)| ActiveWorker { account, info })
			.collect()
	}
}

impl<T: Config> WorkerRegistry<T::AccountId> for Pallet<T> {
	fn is_active(who: &T::AccountId) -> bool {
		Self::active_worker(who).is_some()
	}
	fn role(who: &T::AccountId) -> Option<WorkerRole> {
		Workers::<T>::get(who).map(|w| w.role)
	}
	fn kind(who: &T::AccountId) -> Option<aegis_attestation::TeeKind> {
		Workers::<T>::get(who).map(|w| w.tee)
	}
	fn redundancy() -> RedundancyConfig {
		Redundancy::<T>::get()
	}
	fn cluster_key() -> Option<(u32, [u8; HPKE_XWING_PUBLIC_KEY_LEN])> {
		CurrentClusterKey::<T>::get().map(|k| (k.epoch, k.public_key))
	}
	fn check_submission_epoch(epoch: u32) -> Result<(), EpochRefusal> {
		Self::check_submission_epoch(epoch)
	}
	fn authorize_sequencer(who: &T::AccountId, waited: u32) -> Result<Weight, LeadRefusal> {
		Self::authorize_sequencer(who, waited.into())
	}
	fn max_lead_weight() -> Weight {
		Self::max_lead_weight()
	}
	fn platform(who: &T::AccountId) -> Option<(aegis_attestation::TeeKind, Fmspc)> {
		Workers::<T>::get(who).map(|w| (w.tee, w.tcb.platform()))
	}
	fn cosigner_diversity() -> CosignerDiversity {
		Diversity::<T>::get()
	}
	fn is_leader(who: &T::AccountId) -> bool {
		Leader::<T>::get().is_some_and(|l| &l.leader == who)
	}
	fn holds_epoch(who: &T::AccountId, epoch: u32) -> bool {
		KeyHolders::<T>::contains_key(epoch, who)
	}
	fn keys_and_age(who: &T::AccountId) -> Option<(EnclaveKeys, u32)> {
		let w = Workers::<T>::get(who)?;
		let now = frame_system::Pallet::<T>::block_number();
		Some((w.keys, now.saturating_sub(w.keys_since).saturated_into()))
	}
}

sp_api::decl_runtime_apis! {
	/// Reading the worker registry over RPC.
	///
	/// Version 3: worker records (`WorkerInfo`, in `active_workers`, `worker` and `cluster`)
	/// carry `tcb: WorkerTcb` for every TEE kind where version 2 had Intel's `tcb_status` and
	/// `fmspc`, and measurements may be SEV-SNP's or Nitro's.
	#[api_version(3)]
	pub trait TeeRegistryApi<AccountId, BlockNumber>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// Workers active now.
		fn active_workers() -> Vec<ActiveWorker<AccountId, BlockNumber>>;
		/// One worker's record, active or not.
		fn worker(who: AccountId) -> Option<WorkerInfo<BlockNumber>>;
		/// The current cluster key users encrypt to, and any rekey deadline.
		fn cluster_key() -> (Option<ClusterKey<AccountId, BlockNumber>>, Option<BlockNumber>);
		/// The redundancy setting.
		fn redundancy() -> RedundancyConfig;
		/// The cluster: epochs, holders, copies, rekey, leadership (since version 2).
		fn cluster() -> ClusterView<AccountId, BlockNumber>;
		/// The copy of `epoch`'s secret sealed to `who` and not yet confirmed: its sender and
		/// the sealed bytes (since version 2).
		fn cluster_copy(epoch: u32, who: AccountId) -> Option<(AccountId, Vec<u8>)>;
	}
}
