//! The worker service: each finalized block it reads the chain, keeps its enrolment alive
//! (register, re-attest before expiry, rotate keys when the PQC policy says, heartbeat,
//! publish cluster keys), feeds risk when configured, mirrors the encrypted mempool, rejects
//! what does not open and commits signed, ordered batches. Everything it decides comes from
//! chain state, so a restarted worker resumes where the chain is: a committed batch is never
//! sent again, a pending submission is never skipped.

use crate::{
	chain::{BlockNumber, Chain, ChainError, Snapshot},
	cluster::{
		cosign::{CosignTransport, Cosigner, HttpTransport, COSIGN_TIMEOUT},
		Cluster, ClusterError, ClusterReport, ClusterStatus, Lead,
	},
	config::{OrderingMode, Settings},
	keys::KeySet,
	metrics::Metrics,
	pipeline::{self, Backoff, BatchBudget, BatchLimits, Fault, Mempool},
	tee::Tee,
};
use aegis_primitives::{
	batch::{Batch, BatchEntry, SubmissionId},
	binding::report_data,
	pqc,
	risk::SuiteSet,
};
use aegis_runtime::{AccountId, Runtime, RuntimeCall};
use frame_support::traits::Get;
use pallet_sequencer::BatchChain;

/// An entry chosen for a batch: its id, its submitter's `max_weight`, the revealed call.
type Chosen = (SubmissionId, frame_support::weights::Weight, aegis_primitives::batch::RevealedCall);
use pallet_tee_registry::WorkerState;
use serde::Serialize;
use std::{
	collections::VecDeque,
	sync::{Arc, RwLock},
	time::{Duration, Instant},
};

/// Where the batch wait reads the time: the system clock, or a test's.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// How many committed batches the status API remembers.
pub const RECENT_BATCHES: usize = 100;

/// A committed (or refused) batch, as the status API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct BatchRecord {
	/// Its sequence number.
	pub sequence: u64,
	/// Its hash (hex).
	pub hash: String,
	/// The key epoch.
	pub key_epoch: u32,
	/// The ordering rule.
	pub rule: String,
	/// Submission ids in execution order.
	pub entries: Vec<SubmissionId>,
	/// The suites it was signed with.
	pub suites: Vec<String>,
	/// The redundancy workers that co-signed it.
	pub cosigners: Vec<String>,
	/// Milliseconds spent signing.
	pub sign_ms: u64,
	/// Milliseconds from cutting it to finalized inclusion.
	pub commit_ms: u64,
	/// The block that holds it (hex), or the chain's refusal.
	pub outcome: Result<String, String>,
}

/// The last attestation, as the status API shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AttestationView {
	/// The quote (hex).
	pub quote: String,
	/// The report data it carries (hex).
	pub report_data: String,
	/// The nonce bound in it.
	pub nonce: u64,
	/// The key generation it enrolled.
	pub generation: u32,
	/// Milliseconds to obtain quote and collateral.
	pub attest_ms: u64,
}

/// Everything the status API reads.
#[derive(Default)]
pub struct Status {
	/// The latest chain snapshot.
	pub snapshot: Option<Snapshot>,
	/// The last attestation.
	pub attestation: Option<AttestationView>,
	/// Recent batches, newest last.
	pub batches: VecDeque<BatchRecord>,
	/// Entries mirrored.
	pub mempool: usize,
	/// What the worker is doing.
	pub phase: String,
	/// The last error, if the last step failed.
	pub last_error: Option<String>,
	/// The key generation in use.
	pub generation: u32,
	/// The worker's public keys (hex): ml_dsa, slh_dsa, hpke.
	pub keys: Option<serde_json::Value>,
	/// This worker's view of the cluster.
	pub cluster: Option<ClusterStatus>,
}

/// What the service and the status API share.
pub struct Shared {
	/// The worker's state for `GET /status` and friends.
	pub status: RwLock<Status>,
	/// Prometheus metrics.
	pub metrics: Metrics,
	/// The worker's account.
	pub account: AccountId,
	/// Which TEE backend runs the worker.
	pub backend: String,
	/// What the TEE says of itself.
	pub platform: serde_json::Value,
}

impl Shared {
	fn update(&self, f: impl FnOnce(&mut Status)) {
		let mut s = self.status.write().unwrap_or_else(|e| e.into_inner());
		f(&mut s);
	}
}

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
	/// The chain.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// The TEE.
	#[error("TEE: {0}")]
	Tee(#[from] crate::tee::TeeError),
	/// The sealed key store.
	#[error(transparent)]
	Keys(#[from] crate::keys::KeyStoreError),
	/// Signing, or checking the worker's own signatures.
	#[error("signing: {0}")]
	Sign(String),
	/// Building a batch.
	#[error("batch: {0:?}")]
	Batch(aegis_primitives::batch::BatchError),
	/// A blocking task of the worker failed.
	#[error("worker task: {0}")]
	Task(String),
	/// The cluster key lifecycle.
	#[error(transparent)]
	Cluster(#[from] ClusterError),
}

/// What one step did (for tests and logs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepReport {
	/// Registered or re-attested.
	pub attested: bool,
	/// Rotated to a new key generation.
	pub rotated: bool,
	/// Published a cluster key of this epoch.
	pub published_epoch: Option<u32>,
	/// Sent a heartbeat.
	pub heartbeat: bool,
	/// Fed this risk score.
	pub fed: Option<u16>,
	/// Rejected these submissions.
	pub rejected: Vec<SubmissionId>,
	/// Committed batches, each as its entries in execution order.
	pub batches: Vec<Vec<SubmissionId>>,
	/// Batches the chain refused, with its reason.
	pub refused: Vec<String>,
	/// Committed this migration checkpoint: (migration, sequence).
	pub checkpoint: Option<(u32, u32)>,
	/// What the cluster step did.
	pub cluster: ClusterReport,
	/// Committed by taking over a stalled leader.
	pub took_over: bool,
}

/// The worker.
pub struct Worker<C: Chain> {
	chain: Arc<C>,
	tee: Arc<dyn Tee>,
	keys: Arc<KeySet>,
	sealing_key: zeroize::Zeroizing<[u8; 32]>,
	settings: Settings,
	limits: BatchLimits,
	budget: BatchBudget,
	backoff: Backoff,
	mempool: Mempool,
	cluster: Cluster,
	cosigner: Arc<Cosigner<C>>,
	transport: Arc<dyn CosignTransport>,
	shared: Arc<Shared>,
	last_feed: Option<BlockNumber>,
	// The last finalized block read.
	seen: BlockNumber,
	clock: Clock,
	// Batches sent and not yet known to be finalized, oldest first.
	in_flight: VecDeque<InFlight>,
	// Groups of a batch the chain refused for one of its entries, each to be committed on its
	// own: `(epoch, ids)`.
	isolate: VecDeque<(u32, Vec<SubmissionId>)>,
}

/// A batch sent to the node's pool and not yet known to be finalized.
struct InFlight {
	batch: Batch,
	record: BatchRecord,
	cut: Instant,
	sent_at: BlockNumber,
	task: tokio::task::JoinHandle<Result<crate::chain::Included, ChainError>>,
}

/// The batch chain once `batch` is in it.
fn chain_after(batch: &Batch) -> BatchChain {
	BatchChain { next_sequence: batch.header.sequence.saturating_add(1), last_hash: batch.hash() }
}

/// A batch cut and being signed on a blocking thread, not yet sent.
struct Signing {
	batch: Batch,
	// Its entries as chosen (to split the batch if the chain refuses it for one of them).
	group: Vec<Chosen>,
	epoch: u32,
	rule: aegis_primitives::ordering::OrderingRule,
	suites: SuiteSet,
	cut: Instant,
	task: tokio::task::JoinHandle<Result<(pqc::SignatureSet, Duration, Duration), String>>,
}

impl Signing {
	fn ids(&self) -> Vec<SubmissionId> {
		self.batch.entries.iter().map(|e| e.submission_id).collect()
	}
}

/// What the batching loop does after a batch was sent or refused.
enum Flow {
	/// Go on: the batch cut meanwhile continues it.
	Go,
	/// The batch was refused for an entry and its halves went on their own: the batch cut
	/// meanwhile continued the refused one and is dropped.
	Recut,
	/// Stop batching at this block.
	Stop,
}

/// Batches on their way at once, at most: the next is built on the previous one's hash while
/// it travels.
pub const MAX_IN_FLIGHT: usize = 4;

/// Finalized blocks after which a sent batch not heard of is given up (its entries go back to
/// the mirror; what the chain did with it shows in its state).
pub const IN_FLIGHT_BLOCKS: BlockNumber = 20;

fn suite_names(suites: SuiteSet) -> Vec<String> {
	suites.iter().map(|s| s.name().to_string()).collect()
}

impl<C: Chain> Worker<C> {
	/// Reaches co-signers through `transport` rather than HTTP.
	pub fn with_transport(mut self, transport: Arc<dyn CosignTransport>) -> Self {
		self.transport = transport;
		self
	}

	/// The co-signing side, for the API.
	pub fn cosigner(&self) -> Arc<Cosigner<C>> {
		self.cosigner.clone()
	}

	/// Reads the time for batch waits from `clock` rather than the system clock.
	pub fn with_clock(mut self, clock: Clock) -> Self {
		self.clock = clock;
		self
	}

	/// A worker over `chain` in `tee`, with its key set unsealed (or created) in the data
	/// directory.
	pub fn new(chain: Arc<C>, tee: Arc<dyn Tee>, settings: Settings) -> Result<Self, WorkerError> {
		let sealing_key = tee.sealing_key()?;
		let (keys, created) = KeySet::load_or_create(&settings.raw.worker.data_dir, &sealing_key)?;
		if created {
			tracing::info!(dir = %settings.raw.worker.data_dir.display(), "created and sealed a new key set");
		}
		let platform = tee.platform().map(|p| serde_json::to_value(p).unwrap_or_default())?;
		let shared = Arc::new(Shared {
			status: RwLock::new(Status::default()),
			metrics: Metrics::new(),
			account: keys.account_id(),
			backend: settings.backend.to_string(),
			platform,
		});
		let w = &settings.raw.worker;
		let limits = BatchLimits {
			min: w.batch_min as usize,
			max: w.batch_max.unwrap_or(aegis_primitives::batch::MAX_BATCH_ENTRIES) as usize,
			max_wait: Duration::from_millis(settings.raw.worker.max_wait_ms),
		};
		let mempool = Mempool::new(w.mempool_capacity);
		let budget = BatchBudget::of_runtime();
		// Peers' evidence must chain to the roots of this worker's world: the dev roots for a
		// simulated TEE, the vendors' for hardware.
		let roots = crate::tee::peer_roots(settings.backend);
		let mut peer_measurements = settings.peer_measurements.clone();
		peer_measurements.extend(crate::tee::dev_peer_measurements(settings.backend));
		let cluster = Cluster::load(
			&settings.raw.worker.data_dir,
			&sealing_key,
			roots,
			peer_measurements,
			settings.raw.cluster.reprovision_after_blocks,
		)?;
		let keys = Arc::new(keys);
		let cosigner = Arc::new(Cosigner::new(chain.clone(), keys.clone()));
		let worker = Self {
			chain,
			tee,
			keys,
			cosigner,
			transport: Arc::new(HttpTransport),
			sealing_key,
			settings,
			limits,
			budget,
			backoff: Backoff::default(),
			mempool,
			cluster,
			shared,
			last_feed: None,
			seen: 0,
			clock: Arc::new(Instant::now),
			in_flight: VecDeque::new(),
			isolate: VecDeque::new(),
		};
		worker.publish_keys();
		Ok(worker)
	}

	/// The state shared with the status API.
	pub fn shared(&self) -> Arc<Shared> {
		self.shared.clone()
	}

	/// The key set in use.
	pub fn keys(&self) -> &KeySet {
		&self.keys
	}

	/// The cluster state.
	pub fn cluster(&self) -> &Cluster {
		&self.cluster
	}

	fn publish_keys(&self) {
		let k = self.keys.enclave_keys();
		let generation = self.keys.generation();
		self.shared.update(|s| {
			s.generation = generation;
			s.keys = Some(serde_json::json!({
				"ml_dsa_87": hex::encode(k.ml_dsa.as_slice()),
				"slh_dsa_sha2_256s": hex::encode(k.slh_dsa),
				"hpke_x_wing": hex::encode(k.hpke),
			}));
		});
	}

	async fn submit(&self, call: RuntimeCall) -> Result<crate::chain::Included, ChainError> {
		self.chain.submit(self.keys.account(), call).await
	}

	/// On a development chain with `chain.dev_funder` set, tops the worker's account up so it
	/// can pay fees.
	pub async fn ensure_funds(&self) -> Result<(), WorkerError> {
		const ENOUGH: u128 = 100 * aegis_runtime::UNIT;
		let Some(funder) = self.settings.raw.chain.dev_funder.as_deref() else { return Ok(()) };
		let me = self.keys.account_id();
		if self.chain.free_balance(&me).await? >= ENOUGH {
			return Ok(());
		}
		let chain_type = self.chain.chain_type().await?;
		if chain_type != "Development" && chain_type != "Local" {
			return Err(ChainError::Incompatible(format!(
				"chain.dev_funder is set but the chain is `{chain_type}`; fund {me} instead"
			))
			.into());
		}
		let funder = crate::keys::dev_pair(funder).ok_or_else(|| {
			ChainError::Incompatible(format!("chain.dev_funder `{funder}` is not a dev account"))
		})?;
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: me.clone().into(),
			value: 10 * ENOUGH,
		});
		self.chain.submit(&funder, call).await?;
		tracing::info!(%me, "funded the worker account from the dev funder");
		Ok(())
	}

	/// Runs until `shutdown` resolves.
	pub async fn run(mut self, shutdown: impl std::future::Future<Output = ()>) {
		tokio::pin!(shutdown);
		loop {
			match self.step().await {
				Ok(report) => {
					if report != StepReport::default() {
						tracing::debug!(?report, "step");
					}
					self.shared.update(|s| s.last_error = None);
				}
				Err(e) => {
					tracing::warn!("{e}");
					self.shared.update(|s| s.last_error = Some(e.to_string()));
				}
			}
			// Wake on the next finalized block, or when the oldest ready entry's wait is up
			// (unless backing off: then only a new finalized block helps).
			let wait = self
				.mempool
				.oldest_ready()
				.filter(|_| self.backoff.allows(self.seen))
				.map_or(Duration::from_secs(6), |seen| {
					self.limits
						.max_wait
						.saturating_sub((self.clock)().saturating_duration_since(seen))
				})
				.max(Duration::from_millis(50));
			tokio::select! {
				_ = &mut shutdown => break,
				_ = self.chain.wait_finalized_after(self.seen, wait) => {}
			}
		}
		tracing::info!("worker stopped");
	}

	/// One pass over the chain's state.
	pub async fn step(&mut self) -> Result<StepReport, WorkerError> {
		let me = self.keys.account_id();
		let snap = self.chain.snapshot(&me).await?;
		self.seen = snap.number;
		let m = &self.shared.metrics;
		m.finalized.set(snap.number.into());
		m.risk_score.set(snap.risk.score.get().into());
		self.shared.update(|s| s.snapshot = Some(snap.clone()));
		let mut report = StepReport::default();
		let changed = self.maintain(&snap, &mut report).await;
		let status = self.cluster.status(&snap, &me);
		self.shared.update(|s| s.cluster = Some(status));
		// The co-signing side opens and signs with what the worker holds now.
		let usable = self.cluster.usable_epochs(&snap, &me);
		let secrets = usable
			.iter()
			.filter_map(|e| {
				self.cluster.secrets().secret(*e).map(|s| (*e, zeroize::Zeroizing::new(*s)))
			})
			.collect();
		self.cosigner.update(self.keys.clone(), secrets);
		if changed? {
			// The enrolment changed; act on the new state next time.
			return Ok(report);
		}
		let sequenced = self.sequence(&snap, &mut report).await;
		let status = self.cluster.status(&snap, &me);
		self.shared.update(|s| s.cluster = Some(status));
		sequenced?;
		self.checkpoint(&snap, &mut report).await?;
		Ok(report)
	}

	/// During a migration, commits a checkpoint of the finalized block: its hash and the
	/// migration's protected assets as they are there, signed with both suites.
	async fn checkpoint(
		&mut self,
		snap: &Snapshot,
		report: &mut StepReport,
	) -> Result<(), WorkerError> {
		let Some((id, migration)) = &snap.migration else { return Ok(()) };
		let interval = self.settings.raw.quantum.checkpoint_interval_blocks;
		let max: u32 = <Runtime as pallet_sequencer::Config>::MaxCheckpoints::get();
		let due =
			snap.last_checkpoint_at.is_none_or(|at| snap.number >= at.saturating_add(interval));
		if !due
			|| migration.checkpoints >= max
			|| snap.number < migration.started_at
			|| snap.me.as_ref().is_none_or(|w| w.state != WorkerState::Active)
		{
			return Ok(());
		}
		let mut snapshots = Vec::with_capacity(migration.assets.len());
		for asset in migration.assets.iter() {
			let record =
				self.chain.asset_protection(*asset, Some(snap.hash)).await?.ok_or_else(|| {
					ChainError::Incompatible(format!(
						"migrating asset {asset} has no protection record"
					))
				})?;
			snapshots.push(aegis_primitives::batch::AssetSnapshot {
				asset_id: *asset,
				state_hash: record.state_hash(*asset),
			});
		}
		let checkpoint = aegis_primitives::batch::Checkpoint {
			genesis_hash: self.chain.genesis(),
			migration_id: *id,
			sequence: migration.checkpoints,
			block_number: snap.number,
			state_hash: snap.hash.0,
			asset_snapshots: snapshots
				.try_into()
				.map_err(|_| ChainError::Incompatible("too many migrating assets".into()))?,
		};
		let keys = self.keys.clone();
		let hash = checkpoint.hash();
		let started = Instant::now();
		let signatures = tokio::task::spawn_blocking(move || {
			pqc::sign_set(SuiteSet::BOTH, &keys.signing_keys(), pqc::context::CHECKPOINT, &hash)
		})
		.await
		.map_err(|e| WorkerError::Sign(format!("signing task: {e}")))?
		.map_err(|e| WorkerError::Sign(format!("{e:?}")))?;
		self.shared
			.metrics
			.sign_seconds
			.with_label_values(&["checkpoint"])
			.observe(started.elapsed().as_secs_f64());
		self.submit(RuntimeCall::Sequencer(pallet_sequencer::Call::commit_checkpoint {
			checkpoint,
			signatures,
		}))
		.await?;
		tracing::info!(
			migration = id,
			sequence = migration.checkpoints,
			block = snap.number,
			"checkpoint committed"
		);
		report.checkpoint = Some((*id, migration.checkpoints));
		Ok(())
	}

	/// Keeps the enrolment alive. Returns whether it changed it.
	async fn maintain(
		&mut self,
		snap: &Snapshot,
		report: &mut StepReport,
	) -> Result<bool, WorkerError> {
		let now = snap.number;
		let q = &self.settings.raw.quantum;
		match &snap.me {
			None => {
				self.set_phase("registering");
				self.attest(snap, true).await?;
				report.attested = true;
				return Ok(true);
			}
			Some(w) => {
				let rotation_due = snap
					.risk
					.policy
					.rotation_due(w.keys_since, now.saturating_add(q.rotation_margin_blocks));
				let stale_keys = w.keys != *self.keys.enclave_keys();
				let expiring = w.state != WorkerState::Active
					|| now.saturating_add(q.reattest_margin_blocks) >= w.expires_at;
				if rotation_due && !stale_keys {
					self.set_phase("rotating keys");
					let next = self.keys.rotated();
					// Sealed before use: a crash after this re-attests with the new keys.
					next.store(&self.settings.raw.worker.data_dir, &self.sealing_key)?;
					self.keys = Arc::new(next);
					self.publish_keys();
					report.rotated = true;
				}
				if rotation_due || stale_keys || expiring {
					self.set_phase("re-attesting");
					self.attest(snap, false).await?;
					report.attested = true;
					// A batch refused for the worker's keys or standing may pass now.
					self.backoff.reset();
					return Ok(true);
				}
				let timeout: BlockNumber =
					<Runtime as pallet_tee_registry::Config>::HeartbeatTimeout::get();
				if now >= w.last_heartbeat.saturating_add(timeout / 2) {
					self.submit(RuntimeCall::TeeRegistry(pallet_tee_registry::Call::heartbeat {}))
						.await?;
					report.heartbeat = true;
				}
				let cluster = self
					.cluster
					.step(&*self.chain, &self.tee, &self.keys, &self.sealing_key, snap)
					.await;
				let me = self.keys.account_id();
				let cluster = cluster?;
				let changed = cluster.published.is_some()
					|| cluster.confirmed.is_some()
					|| !cluster.provisioned.is_empty();
				report.published_epoch = cluster.published.as_ref().map(|(e, _)| *e);
				report.cluster = cluster;
				if changed {
					return Ok(true);
				}
				// A redundancy worker tells the leaders where to ask for co-signatures.
				let public_url = self.settings.raw.api.public_url.clone();
				if let (pallet_tee_registry::WorkerRole::Redundancy, Some(url)) =
					(w.role, public_url)
				{
					let registered = snap
						.cluster
						.cosigners
						.iter()
						.any(|(who, e)| *who == me && e.as_slice() == url.as_bytes());
					if !registered {
						let url = url.into_bytes().try_into().map_err(|_| {
							ChainError::Incompatible("api.public_url is too long".into())
						})?;
						self.submit(RuntimeCall::TeeRegistry(
							pallet_tee_registry::Call::set_endpoint { url },
						))
						.await?;
						return Ok(true);
					}
				}
			}
		}
		self.feed_risk(snap, report).await?;
		Ok(false)
	}

	fn set_phase(&self, phase: &str) {
		self.shared.update(|s| s.phase = phase.into());
	}

	/// Registers (or re-attests) with a fresh quote binding the current keys.
	async fn attest(&self, snap: &Snapshot, register: bool) -> Result<(), WorkerError> {
		let genesis = self.chain.genesis();
		let me = self.keys.account_id();
		let keys = self.keys.enclave_keys().clone();
		let nonce = snap.last_nonce.map_or(1, |n| n.saturating_add(1));
		let account = pallet_tee_registry::Pallet::<Runtime>::account_bytes(&me);
		let data = report_data(&genesis, &account, &self.keys.keys_hash(), nonce);
		let started = Instant::now();
		let tee = self.tee.clone();
		let now_secs = snap.now_ms / 1000;
		let (quote, collateral) = tokio::task::spawn_blocking(move || {
			let quote = tee.quote(&data)?;
			let collateral = tee.collateral(&quote, now_secs)?;
			Ok::<_, crate::tee::TeeError>((quote, collateral))
		})
		.await
		.map_err(|e| crate::tee::TeeError::Unavailable(format!("attestation task: {e}")))??;
		let elapsed = started.elapsed();
		self.shared.metrics.attest_seconds.observe(elapsed.as_secs_f64());
		let too_big = |what: &str, len: usize| {
			WorkerError::Tee(crate::tee::TeeError::Protocol(format!(
				"the {what} ({len} bytes) exceeds what the chain accepts"
			)))
		};
		let q_len = quote.len();
		let c_len = collateral.len();
		let view = AttestationView {
			quote: hex::encode(&quote),
			report_data: hex::encode(data),
			nonce,
			generation: self.keys.generation(),
			attest_ms: elapsed.as_millis() as u64,
		};
		let quote = quote.try_into().map_err(|_| too_big("quote", q_len))?;
		let collateral = collateral.try_into().map_err(|_| too_big("collateral", c_len))?;
		let call = if register {
			pallet_tee_registry::Call::register_worker {
				quote,
				collateral,
				keys: Box::new(keys),
				role: self.settings.role,
				nonce,
			}
		} else {
			pallet_tee_registry::Call::reattest { quote, collateral, keys: Box::new(keys), nonce }
		};
		self.submit(RuntimeCall::TeeRegistry(call)).await?;
		tracing::info!(
			account = %me,
			generation = self.keys.generation(),
			nonce,
			"{} with a fresh quote",
			if register { "registered" } else { "re-attested" }
		);
		self.shared.update(|s| s.attestation = Some(view));
		Ok(())
	}

	async fn feed_risk(
		&mut self,
		snap: &Snapshot,
		report: &mut StepReport,
	) -> Result<(), WorkerError> {
		let i = &self.settings.raw.intelligence;
		let (true, Some(file), Some(interval)) = (i.feed, i.score_file.as_ref(), i.interval_blocks)
		else {
			return Ok(());
		};
		if self.last_feed.is_some_and(|last| snap.number < last.saturating_add(interval)) {
			return Ok(());
		}
		self.last_feed = Some(snap.number);
		let text = match std::fs::read_to_string(file) {
			Ok(t) => t,
			Err(e) => {
				tracing::warn!("intelligence.score_file {}: {e}; not feeding", file.display());
				return Ok(());
			}
		};
		let Some(score) = text.trim().parse::<u16>().ok().filter(|s| *s <= 10_000) else {
			tracing::warn!(
				"intelligence.score_file {} holds {:?}, not a score 0-10000; not feeding",
				file.display(),
				text.trim()
			);
			return Ok(());
		};
		self.submit(RuntimeCall::RiskOracle(pallet_risk_oracle::Call::feed { score })).await?;
		report.fed = Some(score);
		Ok(())
	}

	/// Mirrors the mempool, rejects what does not open, commits batches.
	async fn sequence(
		&mut self,
		snap: &Snapshot,
		report: &mut StepReport,
	) -> Result<(), WorkerError> {
		let me = self.keys.account_id();
		// Only epochs whose secret it holds: never an epoch it could not open (it would
		// reject every entry). Of those, it rejects only entries of the epochs the chain
		// counts it a confirmed holder of.
		let usable = self.cluster.openable_epochs(snap);
		let confirmed = self.cluster.usable_epochs(snap, &me);
		let mut live = Vec::new();
		for epoch in &usable {
			for id in self.chain.pending_ids(snap.hash, *epoch).await? {
				live.push((*epoch, id));
			}
		}
		// Only what the mirror lacks is fetched and opened.
		let opening = Instant::now();
		let prune = self.mempool.prune(&live);
		let epochs: std::collections::BTreeMap<SubmissionId, u32> =
			prune.new.iter().map(|(epoch, id)| (*id, *epoch)).collect();
		let fetched = if prune.new.is_empty() {
			Vec::new()
		} else {
			self.chain.submissions(snap.hash, prune.new.iter().map(|(_, id)| *id).collect()).await?
		};
		let secrets: std::collections::BTreeMap<u32, zeroize::Zeroizing<[u8; 32]>> = usable
			.iter()
			.filter_map(|e| {
				self.cluster.secrets().secret(*e).map(|s| (*e, zeroize::Zeroizing::new(*s)))
			})
			.collect();
		let genesis = self.chain.genesis();
		// Each open is a KEM decapsulation (~0.2 ms): off the async runtime.
		let opened = tokio::task::spawn_blocking(move || {
			let mut keys = std::collections::BTreeMap::new();
			fetched
				.into_iter()
				.filter_map(|(id, s)| {
					let epoch = *epochs.get(&id)?;
					let secret = secrets.get(&epoch)?;
					let key = keys
						.entry(epoch)
						.or_insert_with(|| crate::cluster::secrets::epoch_key(secret, epoch));
					let opened = pipeline::open(key, &genesis, &s);
					Some((epoch, id, s.max_weight, s.submitted_at, opened))
				})
				.collect::<Vec<_>>()
		})
		.await
		.map_err(|e| WorkerError::Task(format!("opening envelopes: {e}")))?;
		let now = (self.clock)();
		let undecryptable = opened.iter().filter(|(.., o)| o.is_err()).count();
		for (epoch, id, max_weight, submitted_at, o) in opened {
			let failed = matches!(o, Err(pallet_sequencer::RejectReason::DecryptionFailed));
			self.cluster.record_opens(epoch, u64::from(!failed), u64::from(failed));
			self.mempool.add(epoch, id, max_weight, o, now);
			self.mempool.note_submitted(id, submitted_at);
		}
		let m = &self.shared.metrics;
		m.open_seconds.observe(opening.elapsed().as_secs_f64());
		m.decrypt_failures.inc_by(undecryptable as u64);
		m.mempool.set(self.mempool.len() as i64);
		if prune.deferred > 0 {
			tracing::info!(
				deferred = prune.deferred,
				"mempool mirror full; the rest waits on chain"
			);
		}
		self.shared.update(|s| s.mempool = self.mempool.len());
		// Only an active primary sequences (and may reject)...
		if snap.me.as_ref().is_none_or(|w| {
			w.state != WorkerState::Active || w.role != pallet_tee_registry::WorkerRole::Primary
		}) {
			if snap.me.as_ref().is_some_and(|w| {
				w.state == WorkerState::Active
					&& w.role == pallet_tee_registry::WorkerRole::Redundancy
			}) {
				self.set_phase("co-signing (redundancy)");
			}
			return Ok(());
		}
		// ...and only the leader, or a candidate taking over a stalled one.
		let faulty = self.cluster.faulty_epochs();
		m.cluster_faulty_epochs.set(faulty.len() as i64);
		if !faulty.is_empty() {
			tracing::warn!(
				?faulty,
				"most entries of these epochs do not open: not rejecting them (is this \
				 worker's copy of the cluster secret wrong?)"
			);
		}
		match crate::cluster::lead(snap, &me, self.mempool.oldest_ready_submitted(&usable)) {
			Lead::Leader => m.leader.set(1),
			Lead::Takeover { from } => {
				m.leader.set(1);
				tracing::warn!(%from, "the leader stalled; taking over");
				report.took_over = true;
				self.cluster.took_over();
				m.takeovers.inc();
			}
			Lead::Follower { leader } => {
				m.leader.set(0);
				let leader = leader.map_or("none".to_string(), |l| l.to_string());
				self.set_phase(&format!("following leader {leader}"));
				return Ok(());
			}
		}

		// Entries that cannot be opened or executed are refunded on chain (minus the inclusion
		// cost, burned), never just dropped.
		let max_rejects: u32 = <Runtime as pallet_sequencer::Config>::MaxRejects::get();
		let rejects = self.mempool.rejects(max_rejects as usize, |epoch, reason| {
			confirmed.contains(&epoch)
				&& !(faulty.contains(&epoch)
					&& reason == pallet_sequencer::RejectReason::DecryptionFailed)
		});
		if !rejects.is_empty() {
			let ids: Vec<SubmissionId> = rejects.iter().map(|(id, _)| *id).collect();
			let rejects_logged = rejects.clone();
			let entries = rejects.try_into().expect("at most MaxRejects");
			let result = self
				.submit(RuntimeCall::Sequencer(pallet_sequencer::Call::reject_entries { entries }))
				.await;
			result?;
			self.mempool.remove(&ids);
			m.rejected.inc_by(ids.len() as u64);
			tracing::info!(?rejects_logged, "rejected submissions");
			report.rejected = ids;
		}

		let rule = match self.settings.ordering {
			OrderingMode::FollowChain => snap.rule,
			OrderingMode::Fixed(rule) if rule == snap.rule => rule,
			OrderingMode::Fixed(rule) => {
				self.set_phase(&format!(
					"paused: configured for {} but the chain enforces {}",
					rule.config_name(),
					snap.rule.config_name()
				));
				return Ok(());
			}
		};
		if !self.backoff.allows(snap.number) {
			self.set_phase(&format!("backing off until block {}", self.backoff.until));
			return Ok(());
		}
		self.set_phase("sequencing");
		if !self.reap(snap, report)? {
			return Ok(());
		}
		// Co-signers rebuild a batch from their finalized view: one built on a batch still on
		// its way would not continue their chain, and its entries would be "older ones left
		// out". With redundancy on, the leader waits for its batch instead.
		if snap.cluster.redundancy.enabled && !self.in_flight.is_empty() {
			self.set_phase("waiting for the batch on its way (redundancy)");
			return Ok(());
		}
		// The next batch continues the last one on its way, or the chain's.
		let mut tip = match self.in_flight.back() {
			Some(f) if f.batch.header.sequence >= snap.batches.next_sequence => {
				chain_after(&f.batch)
			}
			_ => snap.batches,
		};
		let suites = snap.risk.policy.batch_suites;
		// First the halves of batches the chain refused for an entry, each on its own.
		while let Some((epoch, ids)) = self.isolate.pop_front() {
			let chosen: Vec<Chosen> = self
				.mempool
				.ready(epoch, snap.number)
				.into_iter()
				.filter(|r| ids.contains(&r.id))
				.map(|r| (r.id, r.max_weight, r.call.clone()))
				.collect();
			if chosen.is_empty() {
				continue;
			}
			if !self.commit_isolating(snap, &mut tip, epoch, rule, suites, chosen, report).await? {
				return Ok(());
			}
		}
		let depth = if snap.cluster.redundancy.enabled { 1 } else { MAX_IN_FLIGHT };
		// The batch being signed: the next one is cut while it signs, continuing it.
		let mut signing: Option<Signing> = None;
		let result = async {
			'epochs: for epoch in self.mempool.ready_epochs() {
				loop {
					if self.in_flight.len() + usize::from(signing.is_some()) >= depth {
						break 'epochs;
					}
					let ready = self.mempool.ready(epoch, snap.number);
					let seen: Vec<Instant> = ready.iter().map(|r| r.seen).collect();
					let take = self.limits.take(&seen, (self.clock)());
					if take == 0 {
						break;
					}
					let take = self.budget.fit(&ready, take);
					let chosen: Vec<Chosen> = ready
						.into_iter()
						.take(take)
						.map(|r| (r.id, r.max_weight, r.call.clone()))
						.collect();
					let after = signing.as_ref().map_or(tip, |s| chain_after(&s.batch));
					let next = self.cut(snap, &after, epoch, rule, suites, chosen).await?;
					self.mempool.set_in_flight(&next.ids(), true);
					let Some(previous) = signing.replace(next) else { continue };
					match self.finish_in_loop(snap, &mut tip, previous, report).await? {
						Flow::Go => {}
						Flow::Recut => self.drop_signing(signing.take()),
						Flow::Stop => return Ok(()),
					}
				}
			}
			if let Some(last) = signing.take() {
				self.finish_in_loop(snap, &mut tip, last, report).await?;
			}
			Ok::<(), WorkerError>(())
		}
		.await;
		self.drop_signing(signing);
		result
	}

	/// Forgets a batch cut and being signed: its entries go back to be batched.
	fn drop_signing(&mut self, signing: Option<Signing>) {
		if let Some(s) = signing {
			s.task.abort();
			self.mempool.set_in_flight(&s.ids(), false);
		}
	}

	/// Sends the signed batch `s` from the batching loop and acts on a refusal at sending as
	/// [`Self::commit_isolating`] does.
	async fn finish_in_loop(
		&mut self,
		snap: &Snapshot,
		tip: &mut BatchChain,
		s: Signing,
		report: &mut StepReport,
	) -> Result<Flow, WorkerError> {
		let (epoch, rule, suites, group, ids) =
			(s.epoch, s.rule, s.suites, s.group.clone(), s.ids());
		let (fault, reason) = match self.finish(snap, s).await {
			Ok(Ok((batch, done))) => {
				*tip = chain_after(&batch);
				if done {
					report.batches.push(ids);
				}
				self.backoff.reset();
				return Ok(Flow::Go);
			}
			Ok(Err(refusal)) => refusal,
			Err(e) => {
				self.mempool.set_in_flight(&ids, false);
				return Err(e);
			}
		};
		report.refused.push(reason);
		let Some((first, second)) = self.after_refusal(snap, fault, &ids) else {
			return Ok(if fault == Fault::Entries { Flow::Recut } else { Flow::Stop });
		};
		for half in [first, second] {
			let part: Vec<Chosen> =
				group.iter().filter(|(id, _, _)| half.contains(id)).cloned().collect();
			if !self.commit_isolating(snap, tip, epoch, rule, suites, part, report).await? {
				return Ok(Flow::Stop);
			}
		}
		Ok(Flow::Recut)
	}

	/// Takes in what became of the batches on their way: a finalized one is done; a refused
	/// one's entries go back to the mirror and its fault is handled as a refusal at sending
	/// is (split, isolate, back off); one not heard of for [`IN_FLIGHT_BLOCKS`] is given up.
	/// Returns whether batching may go on at this block (not after a refusal: the batches
	/// sent after the refused one are built on it).
	fn reap(&mut self, snap: &Snapshot, report: &mut StepReport) -> Result<bool, WorkerError> {
		let mut go_on = true;
		while let Some(f) = self.in_flight.front() {
			let overdue = snap.number > f.sent_at.saturating_add(IN_FLIGHT_BLOCKS);
			if !f.task.is_finished() && !overdue {
				break;
			}
			let Some(f) = self.in_flight.pop_front() else { break };
			let result = if f.task.is_finished() {
				match futures::FutureExt::now_or_never(f.task) {
					Some(Ok(result)) => result,
					Some(Err(e)) => Err(ChainError::Rpc(format!("following the batch: {e}"))),
					None => Err(ChainError::Rpc("following the batch did not finish".into())),
				}
			} else {
				f.task.abort();
				Err(ChainError::Rpc(format!(
					"not finalized within {IN_FLIGHT_BLOCKS} blocks of sending; its fate is on \
					 chain"
				)))
			};
			let (epoch, ids) = (f.record.key_epoch, f.record.entries.clone());
			match self.landed(&f.batch, f.record, f.cut, result) {
				Ok(Ok(())) => report.batches.push(ids),
				Ok(Err((fault, reason))) => {
					report.refused.push(reason);
					go_on = false;
					if let Some((first, second)) = self.after_refusal(snap, fault, &ids) {
						self.isolate.push_back((epoch, first));
						self.isolate.push_back((epoch, second));
					}
				}
				Err(e) => {
					tracing::warn!(%e, "lost track of a batch on its way; the chain decides");
					go_on = false;
				}
			}
		}
		Ok(go_on)
	}

	/// Books what became of `batch` (its record, metrics, the mirror): finalized, `Ok(Ok)`;
	/// refused, `Ok(Err((fault, reason)))` with its entries back in the mirror; anything else
	/// is an error, its entries back in the mirror too (what the chain did shows in its state).
	fn landed(
		&mut self,
		batch: &Batch,
		mut record: BatchRecord,
		cut: Instant,
		result: Result<crate::chain::Included, ChainError>,
	) -> Result<Result<(), (Fault, String)>, WorkerError> {
		let ids = record.entries.clone();
		let m = &self.shared.metrics;
		record.commit_ms = cut.elapsed().as_millis() as u64;
		let outcome = match result {
			Ok(included) => {
				self.mempool.remove(&ids);
				m.batches.inc();
				m.entries.inc_by(ids.len() as u64);
				m.batch_entries.observe(ids.len() as f64);
				m.commit_seconds.observe(cut.elapsed().as_secs_f64());
				m.mempool.set(self.mempool.len() as i64);
				record.outcome = Ok(format!("{:?}", included.block));
				tracing::info!(
					sequence = batch.header.sequence,
					entries = ids.len(),
					suites = ?record.suites,
					"batch committed"
				);
				Ok(Ok(()))
			}
			Err(e) => {
				self.mempool.set_in_flight(&ids, false);
				record.outcome = Err(e.to_string());
				match e {
					e @ (ChainError::Dispatch(..) | ChainError::Refused(_)) => {
						let fault = pipeline::fault_of(&e);
						let reason = e.to_string();
						m.batch_failures.inc();
						tracing::warn!(
							sequence = batch.header.sequence,
							entries = ids.len(),
							?fault,
							%reason,
							"batch refused"
						);
						Ok(Err((fault, reason)))
					}
					e => Err(e.into()),
				}
			}
		};
		self.shared.update(|s| {
			s.batches.push_back(record.clone());
			while s.batches.len() > RECENT_BATCHES {
				s.batches.pop_front();
			}
		});
		outcome
	}

	/// Acts on the chain refusing the batch of `ids` for `fault`: an entry's fault splits the
	/// batch (the halves are returned, to be committed each on its own) until the entry is
	/// alone, then sits it out; the batch's own fault backs off.
	fn after_refusal(
		&mut self,
		snap: &Snapshot,
		fault: Fault,
		ids: &[SubmissionId],
	) -> Option<(Vec<SubmissionId>, Vec<SubmissionId>)> {
		match (fault, ids) {
			(Fault::Entries, [id]) => {
				if self.mempool.refused_alone(*id, snap.number) {
					tracing::warn!(
						id,
						"the chain refused every batch holding this entry; rejecting it as \
						 unexecutable"
					);
				}
				None
			}
			(Fault::Entries, _) => {
				let (first, second) = ids.split_at(ids.len() / 2);
				Some((first.to_vec(), second.to_vec()))
			}
			(Fault::Batch | Fault::Stale, _) => {
				self.backoff.refused(fault, snap.number);
				tracing::info!(
					?fault,
					until = self.backoff.until,
					"not batching again before this finalized block"
				);
				None
			}
		}
	}

	/// Commits `chosen`. A batch refused for something one of its entries may cause is split
	/// in halves, each committed on its own, until the entry the chain refuses is alone: the
	/// others go through in this pass, that one sits it out. Returns `false` when a batch-wide
	/// or stale refusal ends the pass (the worker backs off).
	#[allow(clippy::too_many_arguments)]
	async fn commit_isolating(
		&mut self,
		snap: &Snapshot,
		tip: &mut BatchChain,
		epoch: u32,
		rule: aegis_primitives::ordering::OrderingRule,
		suites: SuiteSet,
		chosen: Vec<Chosen>,
		report: &mut StepReport,
	) -> Result<bool, WorkerError> {
		let mut groups = std::collections::VecDeque::from([chosen]);
		while let Some(group) = groups.pop_front() {
			let ids: Vec<SubmissionId> = group.iter().map(|(id, _, _)| *id).collect();
			let signing = self.cut(snap, tip, epoch, rule, suites, group.clone()).await?;
			let (fault, reason) = match self.finish(snap, signing).await? {
				Ok((batch, done)) => {
					*tip = chain_after(&batch);
					if done {
						report
							.batches
							.push(batch.entries.iter().map(|e| e.submission_id).collect());
					}
					self.backoff.reset();
					continue;
				}
				Err(refusal) => refusal,
			};
			report.refused.push(reason);
			if fault != Fault::Entries {
				self.after_refusal(snap, fault, &ids);
				return Ok(false);
			}
			if let Some((first, second)) = self.after_refusal(snap, fault, &ids) {
				let part = |half: Vec<SubmissionId>| -> Vec<Chosen> {
					group.iter().filter(|(id, _, _)| half.contains(id)).cloned().collect()
				};
				groups.push_front(part(second));
				groups.push_front(part(first));
			}
		}
		Ok(true)
	}

	/// Asks every active redundancy worker the chain lists (and would count: see
	/// `CosignerDiversity`) for its co-signature of `batch`, all at once, each within
	/// [`COSIGN_TIMEOUT`]; returns those that verify under the co-signer's registered keys.
	async fn collect_cosignatures(
		&self,
		snap: &Snapshot,
		batch: &Batch,
	) -> Vec<(AccountId, aegis_primitives::pqc::SignatureSet)> {
		let me = self.keys.account_id();
		let mine = snap.me.as_ref().map(|w| (w.tee, w.tcb.platform()));
		let diversity = snap.cluster.diversity;
		let mut asks = tokio::task::JoinSet::new();
		for (account, endpoint) in &snap.cluster.cosigners {
			let Some(info) = snap.workers.iter().find(|w| &w.account == account) else { continue };
			let admitted = mine
				.is_some_and(|m| diversity.admits(m, (info.info.tee, info.info.tcb.platform())));
			if *account == me || !admitted {
				continue;
			}
			let ask = self.transport.request(&String::from_utf8_lossy(endpoint), batch);
			let (account, keys) = (account.clone(), info.info.keys.clone());
			asks.spawn(
				async move { (account, keys, tokio::time::timeout(COSIGN_TIMEOUT, ask).await) },
			);
		}
		let hash = batch.hash();
		let suites = snap.risk.policy.batch_suites;
		let mut got = Vec::new();
		while let Some(answer) = asks.join_next().await {
			let Ok((account, keys, answer)) = answer else { continue };
			let verdict = match answer {
				Err(_) => Err("timed out".to_string()),
				Ok(Err(e)) => Err(e),
				Ok(Ok(sigs)) => pqc::verify_set(
					suites,
					|s| keys.signing_key(s),
					pqc::context::BATCH_COSIGN,
					&hash,
					&sigs,
				)
				.map(|_| sigs)
				.map_err(|e| format!("its co-signature does not verify: {e:?}")),
			};
			match verdict {
				Ok(sigs) => got.push((account, sigs)),
				Err(why) => {
					self.shared.metrics.cosign_failures.inc();
					tracing::warn!(cosigner = %account, %why, "no co-signature");
				}
			}
		}
		let max: u32 = <Runtime as pallet_sequencer::Config>::MaxCosigners::get();
		got.truncate(max as usize);
		got
	}

	/// Classifies, orders and builds the batch of `chosen` continuing `tip`, and starts
	/// signing it on a blocking thread (SLH-DSA takes hundreds of milliseconds), so that the
	/// next batch can be cut meanwhile.
	async fn cut(
		&self,
		snap: &Snapshot,
		tip: &BatchChain,
		epoch: u32,
		rule: aegis_primitives::ordering::OrderingRule,
		suites: SuiteSet,
		chosen: Vec<Chosen>,
	) -> Result<Signing, WorkerError> {
		let cut = Instant::now();
		let group = chosen.clone();
		let calls: Vec<Vec<u8>> = chosen.iter().map(|(_, _, c)| c.call.to_vec()).collect();
		let classes = self.chain.order_classes(snap.hash, calls).await?;
		let entries = chosen
			.into_iter()
			.zip(classes)
			.map(|((submission_id, max_weight, revealed), class)| {
				let max_weight = pallet_sequencer::weight_limit(max_weight);
				(BatchEntry { submission_id, max_weight, revealed }, class)
			})
			.collect();
		let batch = tip
			.next_batch(self.chain.genesis(), epoch, rule, snap.number, snap.risk.score, entries)
			.map_err(WorkerError::Batch)?;
		self.shared.metrics.prepare_seconds.observe(cut.elapsed().as_secs_f64());
		let keys = self.keys.clone();
		let to_sign = batch.clone();
		let task = tokio::task::spawn_blocking(move || {
			let started = Instant::now();
			let signatures =
				pipeline::sign_batch(&keys, suites, &to_sign).map_err(|e| format!("{e:?}"))?;
			let sign_time = started.elapsed();
			let started = Instant::now();
			let enclave = keys.enclave_keys();
			pqc::verify_set(
				suites,
				|s| enclave.signing_key(s),
				pqc::context::BATCH,
				&to_sign.hash(),
				&signatures,
			)
			.map_err(|e| format!("the batch's own signatures do not verify: {e:?}"))?;
			Ok::<_, String>((signatures, sign_time, started.elapsed()))
		});
		Ok(Signing { batch, group, epoch, rule, suites, cut, task })
	}

	/// Waits for `s`'s signatures, gathers co-signatures and sends the batch:
	/// `Ok(Ok((batch, true)))` when it is already finalized, `Ok(Ok((batch, false)))` when it is
	/// on its way (in the node's pool; see [`Self::reap`]), `Ok(Err((fault, reason)))` when the
	/// chain refused it (the entries stay pending).
	async fn finish(
		&mut self,
		snap: &Snapshot,
		s: Signing,
	) -> Result<Result<(Batch, bool), (Fault, String)>, WorkerError> {
		let Signing { batch, epoch, rule, suites, cut, task, .. } = s;
		let ids: Vec<SubmissionId> = batch.entries.iter().map(|e| e.submission_id).collect();
		let (signatures, sign_time, verify_time) = task
			.await
			.map_err(|e| WorkerError::Sign(format!("signing task: {e}")))?
			.map_err(WorkerError::Sign)?;
		let m = &self.shared.metrics;
		m.sign_seconds
			.with_label_values(&[&suite_names(suites).join("+")])
			.observe(sign_time.as_secs_f64());
		m.verify_seconds.observe(verify_time.as_secs_f64());

		let redundancy = snap.cluster.redundancy;
		let cosignatures = if redundancy.enabled {
			self.collect_cosignatures(snap, &batch).await
		} else {
			Vec::new()
		};
		let cosigners: Vec<String> = cosignatures.iter().map(|(a, _)| a.to_string()).collect();
		let need = usize::from(redundancy.min_cosigners);
		let record = BatchRecord {
			cosigners,
			sequence: batch.header.sequence,
			hash: hex::encode(batch.hash()),
			key_epoch: epoch,
			rule: rule.config_name().into(),
			entries: ids.clone(),
			suites: suite_names(suites),
			sign_ms: sign_time.as_millis() as u64,
			commit_ms: 0,
			outcome: Err(String::new()),
		};
		let sent = if redundancy.enabled && cosignatures.len() < need {
			// Not sent: the chain would refuse it. Tried again at the next finalized block.
			Err(ChainError::Refused(format!(
				"only {} of the {need} co-signatures redundancy requires",
				cosignatures.len()
			)))
		} else {
			let cosignatures = cosignatures.try_into().map_err(|_| {
				ChainError::Incompatible("more co-signatures than the chain takes".into())
			})?;
			let call = RuntimeCall::Sequencer(pallet_sequencer::Call::commit_batch {
				batch: batch.clone(),
				signatures,
				cosignatures,
			});
			self.chain.clone().send(self.keys.account().clone(), call).await
		};
		// In the pool: the next batch is built on this one while it travels. A chain that
		// answers at once (or a refusal at sending) is booked now.
		let result = match sent {
			Ok(mut pending) => {
				let waker = futures::task::noop_waker_ref();
				let polled = futures::FutureExt::poll_unpin(
					&mut pending,
					&mut std::task::Context::from_waker(waker),
				);
				match polled {
					std::task::Poll::Ready(result) => result,
					std::task::Poll::Pending => {
						self.mempool.set_in_flight(&ids, true);
						self.in_flight.push_back(InFlight {
							batch: batch.clone(),
							record,
							cut,
							sent_at: snap.number,
							task: tokio::spawn(pending),
						});
						return Ok(Ok((batch, false)));
					}
				}
			}
			Err(e) => Err(e),
		};
		self.landed(&batch, record, cut, result).map(|r| r.map(|()| (batch, true)))
	}
}
