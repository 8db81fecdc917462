//! Types of the worker registry and its read side.

use aegis_attestation::{Measurement, SnpProduct, SnpTcb, TcbFacts, TcbStatus, TeeKind};
use aegis_primitives::binding::{EnclaveKeys, HPKE_XWING_PUBLIC_KEY_LEN};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::{ConstU32, Weight},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// Longest advisory id kept in the TCB policy (`INTEL-SA-01234` is 14 bytes).
pub type AdvisoryId = BoundedVec<u8, ConstU32<32>>;
/// Longest DER certificate accepted as a trusted root.
pub type RootCertificate = BoundedVec<u8, ConstU32<4096>>;
/// A platform's FMSPC (family-model-stepping-platform-customSKU).
pub type Fmspc = [u8; 6];

/// What a worker does in the sequencer cluster.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum WorkerRole {
	/// Orders and signs batches.
	#[codec(index = 0)]
	Primary,
	/// Re-derives and co-signs the primary's batches.
	#[codec(index = 1)]
	Redundancy,
}

/// Whether a registered worker may act.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum WorkerState {
	/// Attested under an allowed measurement.
	#[codec(index = 0)]
	Active,
	/// The chain's trust moved (its measurement was revoked, its TCB is below the floor, or
	/// its root is no longer trusted); it must re-attest under the current policy.
	#[codec(index = 1)]
	Deactivated,
}

/// A registered worker.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct WorkerInfo<BlockNumber> {
	/// SGX or TDX.
	pub tee: TeeKind,
	/// The measured enclave or trust domain.
	pub measurement: Measurement,
	/// The keys its quote is bound to.
	pub keys: EnclaveKeys,
	/// Primary or redundancy.
	pub role: WorkerRole,
	/// The platform's patch level at the last attestation.
	pub tcb: WorkerTcb,
	/// Block of the first registration.
	pub registered_at: BlockNumber,
	/// Block of the last (re-)attestation.
	pub attested_at: BlockNumber,
	/// First block at which the attestation no longer counts.
	pub expires_at: BlockNumber,
	/// Block of the last heartbeat (registration and re-attestation count as one).
	pub last_heartbeat: BlockNumber,
	/// Active or deactivated.
	pub state: WorkerState,
	/// Block its current keys were registered (at registration, or the re-attestation that
	/// rotated them): the sequencer refuses batch and checkpoint signatures from keys older
	/// than the risk policy's rotation period.
	pub keys_since: BlockNumber,
	/// BLAKE2-256 of the trusted root certificate its last quote verified under; all zeros
	/// when unknown (a worker enrolled before the registry recorded it).
	pub root_hash: [u8; 32],
}

/// A worker platform's patch level at its last attestation, per TEE family: what a raised
/// floor is checked against without a new attestation.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum WorkerTcb {
	/// Intel SGX or TDX: the collateral's status of the platform, and its FMSPC.
	#[codec(index = 0)]
	Intel {
		/// TCB status.
		status: TcbStatus,
		/// The platform's FMSPC.
		fmspc: Fmspc,
	},
	/// AMD SEV-SNP: the reported TCB its VCEK certifies, and the guest policy.
	#[codec(index = 1)]
	SevSnp {
		/// EPYC generation.
		product: SnpProduct,
		/// Reported TCB.
		tcb: SnpTcb,
		/// Guest policy bits.
		policy: u64,
		/// The VM privilege level the report was asked for at.
		vmpl: u32,
	},
	/// AWS Nitro (no patch levels).
	#[codec(index = 2)]
	Nitro,
}

impl WorkerTcb {
	/// What a verified attestation's facts say.
	pub fn from_facts(tcb: &TcbFacts) -> Self {
		match tcb {
			TcbFacts::Intel { status, fmspc, .. } => Self::Intel { status: *status, fmspc: *fmspc },
			TcbFacts::SevSnp { product, reported_tcb, policy, vmpl, .. } => {
				Self::SevSnp { product: *product, tcb: *reported_tcb, policy: *policy, vmpl: *vmpl }
			}
			TcbFacts::Nitro { .. } => Self::Nitro,
		}
	}

	/// The platform model, for co-signer diversity: Intel's FMSPC; for SEV-SNP the product
	/// (`S`, generation); one model for Nitro.
	pub fn platform(&self) -> Fmspc {
		match self {
			Self::Intel { fmspc, .. } => *fmspc,
			Self::SevSnp { product, .. } => [b'S', *product as u8, 0, 0, 0, 0],
			Self::Nitro => [b'N', 0, 0, 0, 0, 0],
		}
	}
}

/// Which TCB statuses and advisories the chain accepts.
#[derive(
	CloneNoBound,
	DebugNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxAdvisories))]
pub struct TcbPolicy<MaxAdvisories: frame_support::traits::Get<u32>> {
	/// The worst status admitted ([`TcbStatus::meets`]).
	pub min_status: TcbStatus,
	/// Advisories a quote may carry; any other advisory refuses it.
	pub allowed_advisories: BoundedVec<AdvisoryId, MaxAdvisories>,
}

/// The redundancy setting the sequencer applies to batches.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct RedundancyConfig {
	/// Whether batches need co-signatures from redundancy workers.
	pub enabled: bool,
	/// How many redundancy workers must co-sign each batch when enabled.
	pub min_cosigners: u8,
}

/// What a batch's co-signers must differ from its committer in (a second TEE provider).
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum CosignerDiversity {
	/// Any active redundancy worker.
	#[codec(index = 0)]
	#[default]
	Any,
	/// A co-signer runs another TEE kind (e.g. SGX beside TDX).
	#[codec(index = 1)]
	OtherKind,
	/// A co-signer runs on another platform: another TEE kind or another FMSPC.
	#[codec(index = 2)]
	OtherPlatform,
}

impl CosignerDiversity {
	/// Whether a co-signer on `cosigner` (kind, FMSPC) may co-sign a batch committed from
	/// `committer`.
	pub fn admits(&self, committer: (TeeKind, Fmspc), cosigner: (TeeKind, Fmspc)) -> bool {
		match self {
			Self::Any => true,
			Self::OtherKind => committer.0 != cosigner.0,
			Self::OtherPlatform => committer != cosigner,
		}
	}
}

/// The cluster encryption key users encrypt envelopes to.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ClusterKey<AccountId, BlockNumber> {
	/// Key epoch, from 1; envelopes name it in their header.
	pub epoch: u32,
	/// HPKE X-Wing public key.
	pub public_key: [u8; HPKE_XWING_PUBLIC_KEY_LEN],
	/// The worker that generated it inside its enclave.
	pub published_by: AccountId,
	/// Block it was published at.
	pub published_at: BlockNumber,
}

/// The cluster secret of an epoch, sealed by a key holder to another worker's HPKE key.
#[derive(
	CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxLen))]
pub struct Provision<
	AccountId: Clone + core::fmt::Debug + PartialEq + Eq,
	MaxLen: frame_support::traits::Get<u32>,
> {
	/// The key holder that sealed it.
	pub from: AccountId,
	/// HPKE envelope (aegis-envelope v1) of the cluster secret to the receiver's attested key.
	pub sealed_secret: BoundedVec<u8, MaxLen>,
}

/// Fresh TCB collateral of a platform, as last verified on chain.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct PlatformCollateral {
	/// Intel's TCB evaluation data number of the TCB info.
	pub tcb_evaluation_data_number: u32,
	/// Unix seconds the TCB info was issued.
	pub issued_at: u64,
	/// Unix seconds after which the TCB info or QE identity is stale.
	pub next_update: u64,
}

/// Why a worker stopped being active.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum DeactivationReason {
	/// Governance revoked its measurement.
	#[codec(index = 0)]
	MeasurementRevoked,
	/// Governance raised the TCB floor above its platform's status.
	#[codec(index = 1)]
	TcbBelowFloor,
	/// Governance stopped trusting the root its quote verified under (or it is unknown).
	#[codec(index = 2)]
	RootRemoved,
}

/// A worker as the runtime API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ActiveWorker<AccountId, BlockNumber> {
	/// Its account.
	pub account: AccountId,
	/// Its record.
	pub info: WorkerInfo<BlockNumber>,
}

/// What the sequencer pallet needs to know of workers.
pub trait WorkerRegistry<AccountId> {
	/// Attested, under an allowed measurement, not expired, and heard from recently.
	fn is_active(who: &AccountId) -> bool;
	/// The worker's role.
	fn role(who: &AccountId) -> Option<WorkerRole>;
	/// The worker's TEE kind.
	fn kind(who: &AccountId) -> Option<TeeKind>;
	/// The redundancy setting.
	fn redundancy() -> RedundancyConfig;
	/// The current cluster key epoch and public key.
	fn cluster_key() -> Option<(u32, [u8; HPKE_XWING_PUBLIC_KEY_LEN])>;
	/// Whether `who` holds the cluster secret of key epoch `epoch` (published or was
	/// provisioned it).
	fn holds_epoch(who: &AccountId, epoch: u32) -> bool;
	/// `who`'s registered keys and how many blocks ago they were registered (one read of its
	/// record).
	fn keys_and_age(who: &AccountId) -> Option<(EnclaveKeys, u32)>;
	/// Whether a submission encrypted to `epoch` is accepted now: the current epoch (or the
	/// previous one within its grace period), held by an active worker.
	fn check_submission_epoch(epoch: u32) -> Result<(), EpochRefusal>;
	/// Whether `who` may commit a batch or reject entries now, the oldest entry it handles
	/// having waited `waited` blocks; records its progress or takeover (rolled back with a
	/// failing call). Returns the weight it used, at most [`Self::max_lead_weight`].
	fn authorize_sequencer(who: &AccountId, waited: u32) -> Result<Weight, LeadRefusal>;
	/// Whether `who` is the sequencing leader now (one read).
	fn is_leader(who: &AccountId) -> bool;
	/// The most [`Self::authorize_sequencer`] weighs.
	fn max_lead_weight() -> Weight;
	/// The worker's TEE kind and FMSPC.
	fn platform(who: &AccountId) -> Option<(TeeKind, Fmspc)>;
	/// What co-signers must differ from the committer in.
	fn cosigner_diversity() -> CosignerDiversity;
}

/// A cluster key epoch published and waiting for its receivers' confirmations.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct PendingClusterKey<AccountId, BlockNumber> {
	/// The key, as it becomes current.
	pub key: ClusterKey<AccountId, BlockNumber>,
	/// The block at which it becomes current with the confirmations it has (at least one
	/// besides the publisher's when more than one worker is active), or is abandoned.
	pub deadline: BlockNumber,
}

/// Why the cluster must publish a new key epoch.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum RekeyReason {
	/// The risk level turned Emergency.
	#[codec(index = 0)]
	Emergency,
	/// The current epoch is older than `ClusterKeyPeriod`.
	#[codec(index = 1)]
	Period,
	/// A holder was deactivated (measurement revoked, TCB below the floor, root removed): an
	/// enclave the chain no longer trusts held the secret.
	#[codec(index = 2)]
	HolderDeactivated,
	/// No active worker holds the current epoch's secret: nobody can open what users send.
	#[codec(index = 3)]
	NoActiveHolder,
}

/// Who commits batches now.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Leadership<AccountId, BlockNumber> {
	/// The leader.
	pub leader: AccountId,
	/// The block its term began.
	pub term_start: BlockNumber,
	/// The last block it committed a batch or rejected entries (or its term began).
	pub last_progress: BlockNumber,
}

/// Why leadership changed hands.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum LeaderChange {
	/// There was no leader.
	#[codec(index = 0)]
	Elected,
	/// The leader's term ended.
	#[codec(index = 1)]
	TermEnded,
	/// The leader stopped being an active confirmed primary.
	#[codec(index = 2)]
	LeaderLost,
	/// The leader made no progress while an entry waited `TakeoverAfter` blocks per position,
	/// and the next worker in order committed.
	#[codec(index = 3)]
	Takeover,
}

/// Where candidate `who` stands after `leader` in `order` (the candidates, ascending): 1 for the
/// next one, the number of candidates for the leader itself; a leader that is no longer a
/// candidate counts from where it would stand. `None` when `who` is no candidate. A takeover at
/// position `p` needs a stall of `p × TakeoverAfter` blocks; the chain and the worker both
/// decide with this.
pub fn takeover_position<A: Ord>(order: &[A], leader: &A, who: &A) -> Option<u32> {
	let at = order.binary_search(who).ok()?;
	let n = order.len();
	let start = match order.binary_search(leader) {
		Ok(i) => i,
		Err(i) => i.checked_sub(1).unwrap_or(n.saturating_sub(1)),
	};
	let position = at.saturating_add(n).saturating_sub(start) % n;
	Some(if position == 0 { n } else { position } as u32)
}

/// Why a worker may not commit batches or reject entries now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadRefusal {
	/// It is not an active primary holding the current cluster key epoch.
	NotEligible,
	/// Another worker leads, and has not stalled long enough for this one to take over.
	NotLeader,
}

/// Why a submission to a key epoch is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochRefusal {
	/// There is no cluster key yet.
	NoClusterKey,
	/// Neither the current epoch nor the previous one within its grace period.
	WrongEpoch,
	/// No active worker holds the epoch's secret: nothing could open it.
	NoKeyHolder,
}

impl<AccountId: PartialEq, BlockNumber> ClusterView<AccountId, BlockNumber> {
	/// The kept epochs `who` is a confirmed holder of.
	pub fn epochs_held_by(&self, who: &AccountId) -> alloc::vec::Vec<u32> {
		self.holders.iter().filter(|(_, h)| h.contains(who)).map(|(e, _)| *e).collect()
	}
}

/// The cluster as the runtime API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ClusterView<AccountId, BlockNumber> {
	/// The epoch users encrypt to.
	pub current: Option<ClusterKey<AccountId, BlockNumber>>,
	/// A published epoch collecting confirmations.
	pub pending: Option<PendingClusterKey<AccountId, BlockNumber>>,
	/// The previous epoch and the block its grace for new submissions ends.
	pub previous: Option<(u32, BlockNumber)>,
	/// The deadline and reason of a required rekey.
	pub rekey: Option<(BlockNumber, RekeyReason)>,
	/// Confirmed holders of each kept epoch (previous, current, pending), ascending.
	pub holders: alloc::vec::Vec<(u32, alloc::vec::Vec<AccountId>)>,
	/// Copies sealed and not yet confirmed: `(epoch, from, to)`.
	pub copies: alloc::vec::Vec<(u32, AccountId, AccountId)>,
	/// The stored leadership (the leader may have lost eligibility since; `order` says).
	pub leader: Option<Leadership<AccountId, BlockNumber>>,
	/// Active confirmed primaries in leadership order (by account).
	pub order: alloc::vec::Vec<AccountId>,
	/// Whether an active worker holds the current epoch (submissions are refused otherwise).
	pub served: bool,
	/// `LeaderTerm`.
	pub term: BlockNumber,
	/// `TakeoverAfter`.
	pub takeover_after: BlockNumber,
	/// The epoch the next publication must carry.
	pub next_epoch: u32,
	/// Active redundancy workers and the endpoints their co-signing APIs are reached at.
	pub cosigners: alloc::vec::Vec<(AccountId, alloc::vec::Vec<u8>)>,
	/// The redundancy setting.
	pub redundancy: RedundancyConfig,
	/// What co-signers must differ from the committer in.
	pub diversity: CosignerDiversity,
}
