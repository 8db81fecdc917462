//! The worker's side of the cluster: the shared secret of each key epoch, and leadership.
//!
//! - **Publishing.** When the chain says a rekey is due and no epoch is pending, the active
//!   primary with the lowest account (any primary once the deadline passed) generates 32
//!   random bytes, seals them at rest, and publishes the epoch's public key with one copy of
//!   the secret for every other active worker it verified itself ([`peer`]).
//! - **Confirming.** A copy sealed to this worker is opened with its attested HPKE key; only a
//!   secret that derives the epoch's published key is kept and confirmed on chain. A copy that
//!   does not open, or opens to another key, is reported and never confirmed: the chain never
//!   counts this worker as a holder of an epoch it cannot open, so it never rejects entries of
//!   that epoch.
//! - **Provisioning.** A holder seals the secret to active workers that lack it (late joiners,
//!   workers that re-attested with new keys), and replaces a copy left unconfirmed too long.
//! - **Leadership.** [`lead`] says whether this worker may commit batches now: as the leader,
//!   or taking over a stalled one, by the same rule the chain enforces.
//! - **Safety.** If most of an epoch's entries fail to open, the worker stops rejecting that
//!   epoch's entries and reports the fault (status API, metric).

pub mod cosign;
pub mod peer;
pub mod secrets;

use crate::{
	chain::{BlockNumber, Chain, ChainError, Snapshot},
	keys::{KeySet, KeyStoreError},
	tee::{Tee, TeeError},
};
use aegis_primitives::{
	binding::{cluster_confirm_message, cluster_copy_binding, cluster_key_message},
	pqc,
};
use aegis_runtime::{AccountId, Runtime, RuntimeCall};
use peer::{PeerError, PeerPolicy};
use secrets::ClusterSecrets;
use serde::Serialize;
use std::{
	collections::{BTreeMap, BTreeSet},
	path::Path,
	sync::Arc,
};

/// Why a cluster step failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
	/// The chain.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// The sealed store.
	#[error(transparent)]
	Keys(#[from] KeyStoreError),
	/// The TEE (learning this worker's own measurement).
	#[error("TEE: {0}")]
	Tee(#[from] TeeError),
	/// Signing or sealing.
	#[error("cluster: {0}")]
	Crypto(String),
}

/// What one cluster step did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterReport {
	/// Published this epoch, with copies for these workers.
	pub published: Option<(u32, Vec<AccountId>)>,
	/// Confirmed this epoch.
	pub confirmed: Option<u32>,
	/// Sealed copies: (epoch, receiver).
	pub provisioned: Vec<(u32, AccountId)>,
	/// Copies sealed to this worker that it refused: (epoch, sender, why).
	pub refused_copies: Vec<(u32, AccountId, String)>,
	/// Peers it would not seal to: (peer, why).
	pub refused_peers: Vec<(AccountId, String)>,
}

/// Whether this worker may commit batches now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lead {
	/// It leads (or will be elected: no leader yet and it is first in order).
	Leader,
	/// The leader stalled long enough for this worker, `position` after it, to take over.
	Takeover {
		/// The leader it takes over from.
		from: AccountId,
	},
	/// Another worker leads (or this one is no candidate).
	Follower {
		/// Who leads, if anyone.
		leader: Option<AccountId>,
	},
}

/// Decides whether `me` may commit at block `now`, the oldest entry it could batch having
/// been submitted at `oldest` (if there is one): the chain's rule
/// (`pallet_tee_registry::Pallet::authorize_sequencer`) on the worker's view.
pub fn lead(snap: &Snapshot, me: &AccountId, oldest: Option<BlockNumber>) -> Lead {
	let view = &snap.cluster;
	let order = &view.order;
	let Ok(at) = order.binary_search(me) else {
		return Lead::Follower { leader: view.leader.as_ref().map(|l| l.leader.clone()) };
	};
	let Some(l) = &view.leader else {
		return if at == 0 {
			Lead::Leader
		} else {
			Lead::Follower { leader: order.first().cloned() }
		};
	};
	if &l.leader == me {
		return Lead::Leader;
	}
	let follower = Lead::Follower { leader: Some(l.leader.clone()) };
	let (Some(position), Some(oldest)) =
		(pallet_tee_registry::takeover_position(order, &l.leader, me), oldest)
	else {
		return follower;
	};
	let stalled =
		snap.number.saturating_sub(oldest).min(snap.number.saturating_sub(l.last_progress));
	if stalled >= view.takeover_after.saturating_mul(position) {
		Lead::Takeover { from: l.leader.clone() }
	} else {
		follower
	}
}

/// The cluster as the status API shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClusterStatus {
	/// Epochs whose secret this worker holds and the chain counts it a holder of.
	pub usable_epochs: Vec<u32>,
	/// Copies refused: (epoch, sender, why).
	pub refused_copies: Vec<(u32, String, String)>,
	/// Peers not sealed to: (peer, why).
	pub refused_peers: Vec<(String, String)>,
	/// Epochs most of whose entries did not open: not rejected.
	pub faulty_epochs: Vec<u32>,
	/// Takeovers this worker made.
	pub takeovers: u64,
}

/// Opening outcomes of an epoch's entries.
#[derive(Clone, Copy, Debug, Default)]
struct OpenStats {
	opened: u64,
	failed: u64,
}

/// At least this many entries of an epoch failing to open (and more than opened) make the
/// epoch faulty.
pub const FAULT_MIN_FAILURES: u64 = 3;

/// The cluster state this worker keeps.
pub struct Cluster {
	secrets: ClusterSecrets,
	roots: Vec<(aegis_attestation::TeeKind, Vec<u8>)>,
	extra_measurements: Vec<aegis_attestation::Measurement>,
	policy: Option<PeerPolicy>,
	reprovision_after: BlockNumber,
	// Copies refused, by epoch and hash of the sealed bytes (not fetched and opened again).
	bad_copies: BTreeMap<(u32, [u8; 32]), (AccountId, String)>,
	// Peers refused, with the hash of the keys refused (tried again once their keys change).
	refused_peers: BTreeMap<AccountId, ([u8; 32], String)>,
	// When a worker lacking an epoch was first seen: (epoch, worker) → block.
	lacking_since: BTreeMap<(u32, AccountId), BlockNumber>,
	open_stats: BTreeMap<u32, OpenStats>,
	takeovers: u64,
}

impl Cluster {
	/// The secrets sealed in `dir`; peers must chain to `roots` (DER) and run this worker's
	/// own measurement or one of `extra_measurements`; a holder replaces a copy left
	/// unconfirmed `reprovision_after` blocks.
	pub fn load(
		dir: &Path,
		sealing_key: &[u8; 32],
		roots: Vec<(aegis_attestation::TeeKind, Vec<u8>)>,
		extra_measurements: Vec<aegis_attestation::Measurement>,
		reprovision_after: BlockNumber,
	) -> Result<Self, KeyStoreError> {
		Ok(Self {
			secrets: ClusterSecrets::load(dir, sealing_key)?,
			roots,
			extra_measurements,
			policy: None,
			reprovision_after,
			bad_copies: BTreeMap::new(),
			refused_peers: BTreeMap::new(),
			lacking_since: BTreeMap::new(),
			open_stats: BTreeMap::new(),
			takeovers: 0,
		})
	}

	/// The secrets held.
	pub fn secrets(&self) -> &ClusterSecrets {
		&self.secrets
	}

	/// The epochs kept on chain whose entries this worker can open: it holds the secret that
	/// derives the epoch's published key (the previous epoch's key is no longer on chain: held
	/// is enough, it was checked when it was confirmed or published). It commits their
	/// entries (opening them proves it holds the secret) even when the chain no longer counts
	/// it a holder (it re-attested with new keys and waits for a copy).
	pub fn openable_epochs(&self, snap: &Snapshot) -> Vec<u32> {
		let view = &snap.cluster;
		let key_of = |epoch: u32| {
			view.current
				.iter()
				.chain(view.pending.iter().map(|p| &p.key))
				.find(|k| k.epoch == epoch)
				.map(|k| k.public_key)
		};
		view.holders
			.iter()
			.map(|(epoch, _)| *epoch)
			.filter(|epoch| match key_of(*epoch) {
				Some(pk) => self.secrets.holds(*epoch, &pk),
				None => self.secrets.key(*epoch).is_some(),
			})
			.collect()
	}

	/// The epochs whose entries this worker may open, commit and reject: openable, and the
	/// chain counts it a confirmed holder.
	pub fn usable_epochs(&self, snap: &Snapshot, me: &AccountId) -> Vec<u32> {
		let held = snap.cluster.epochs_held_by(me);
		self.openable_epochs(snap).into_iter().filter(|e| held.contains(e)).collect()
	}

	/// Records how opening `epoch`'s new entries went.
	pub fn record_opens(&mut self, epoch: u32, opened: u64, failed: u64) {
		let s = self.open_stats.entry(epoch).or_default();
		s.opened = s.opened.saturating_add(opened);
		s.failed = s.failed.saturating_add(failed);
	}

	/// Epochs most of whose entries fail to open: something is wrong with the secret this
	/// worker holds (or with the cluster), not with every submitter; not rejected.
	pub fn faulty_epochs(&self) -> BTreeSet<u32> {
		self.open_stats
			.iter()
			.filter(|(_, s)| s.failed >= FAULT_MIN_FAILURES && s.failed > s.opened)
			.map(|(e, _)| *e)
			.collect()
	}

	/// Counts a takeover.
	pub fn took_over(&mut self) {
		self.takeovers = self.takeovers.saturating_add(1);
	}

	/// What the status API shows.
	pub fn status(&self, snap: &Snapshot, me: &AccountId) -> ClusterStatus {
		ClusterStatus {
			usable_epochs: self.usable_epochs(snap, me),
			refused_copies: self
				.bad_copies
				.iter()
				.map(|((e, _), (from, why))| (*e, from.to_string(), why.clone()))
				.collect(),
			refused_peers: self
				.refused_peers
				.iter()
				.map(|(who, (_, why))| (who.to_string(), why.clone()))
				.collect(),
			faulty_epochs: self.faulty_epochs().into_iter().collect(),
			takeovers: self.takeovers,
		}
	}

	/// The policy peers are checked against, learned on first use: this worker verifies a
	/// quote of its own enclave to know which measurement it runs.
	async fn policy(
		&mut self,
		tee: &Arc<dyn Tee>,
		now_secs: u64,
	) -> Result<PeerPolicy, ClusterError> {
		if let Some(p) = &self.policy {
			return Ok(p.clone());
		}
		let tee = tee.clone();
		let (quote, collateral) = tokio::task::spawn_blocking(move || {
			let quote = tee.quote(&[0u8; 64])?;
			let collateral = tee.collateral(&quote, now_secs)?;
			Ok::<_, TeeError>((quote, collateral))
		})
		.await
		.map_err(|e| TeeError::Unavailable(format!("attestation task: {e}")))??;
		let base = PeerPolicy::new(self.roots.clone(), Vec::new());
		let own = base
			.measure(&quote, &collateral, now_secs)
			.map_err(|e| ClusterError::Crypto(format!("this worker's own quote: {e}")))?;
		let mut measurements = self.extra_measurements.clone();
		measurements.push(own.measurement);
		let policy = PeerPolicy::new(self.roots.clone(), measurements);
		self.policy = Some(policy.clone());
		Ok(policy)
	}

	/// One pass: confirm a copy sealed to this worker, publish a due epoch, provision workers
	/// lacking a held epoch. Needs an active worker (the caller checks).
	pub async fn step<C: Chain>(
		&mut self,
		chain: &C,
		tee: &Arc<dyn Tee>,
		keys: &KeySet,
		sealing_key: &[u8; 32],
		snap: &Snapshot,
	) -> Result<ClusterReport, ClusterError> {
		let mut report = ClusterReport::default();
		if self.confirm(chain, keys, sealing_key, snap, &mut report).await? {
			return Ok(report);
		}
		if self.publish(chain, tee, keys, sealing_key, snap, &mut report).await? {
			return Ok(report);
		}
		self.provision(chain, tee, keys, snap, &mut report).await?;
		Ok(report)
	}

	/// Opens and confirms the first copy sealed to this worker (pending epoch first).
	async fn confirm<C: Chain>(
		&mut self,
		chain: &C,
		keys: &KeySet,
		sealing_key: &[u8; 32],
		snap: &Snapshot,
		report: &mut ClusterReport,
	) -> Result<bool, ClusterError> {
		let me = keys.account_id();
		let view = &snap.cluster;
		let epochs = view
			.pending
			.iter()
			.map(|p| &p.key)
			.chain(view.current.iter())
			.map(|k| (k.epoch, k.public_key));
		for (epoch, public_key) in epochs {
			if !view.copies.iter().any(|(e, _, to)| *e == epoch && to == &me) {
				continue;
			}
			let Some((from, sealed)) = chain.cluster_copy(snap.hash, epoch, &me).await? else {
				continue;
			};
			let digest =
				aegis_primitives::hashing::hash256(b"aegis/worker/copy-digest", &[&sealed]);
			if self.bad_copies.contains_key(&(epoch, digest)) {
				continue;
			}
			let binding = cluster_copy_binding(epoch, &account_bytes(&from), &account_bytes(&me));
			let opened = aegis_envelope::open(keys.hpke_key(), &chain.genesis(), &binding, &sealed)
				.map_err(|_| "does not open under this worker's key".to_string())
				.and_then(|plain| {
					<[u8; 32]>::try_from(plain.as_slice())
						.map_err(|_| format!("holds {} bytes, not a 32-byte secret", plain.len()))
				})
				.and_then(|secret| {
					(secrets::public_key_of(&secret, epoch) == public_key)
						.then_some(secret)
						.ok_or_else(|| "opens to a secret of another key".to_string())
				});
			let secret = match opened {
				Ok(secret) => zeroize::Zeroizing::new(secret),
				Err(why) => {
					tracing::warn!(epoch, %from, %why, "refused a cluster secret copy");
					report.refused_copies.push((epoch, from.clone(), why.clone()));
					self.bad_copies.insert((epoch, digest), (from, why));
					continue;
				}
			};
			self.secrets.insert(epoch, &secret, sealing_key)?;
			let message =
				cluster_confirm_message(&chain.genesis(), epoch, &public_key, &account_bytes(&me));
			let signature = ml_dsa(keys, pqc::context::CLUSTER_KEY_CONFIRM, &message)?;
			chain
				.submit(
					keys.account(),
					RuntimeCall::TeeRegistry(pallet_tee_registry::Call::confirm_cluster_key {
						epoch,
						signature,
					}),
				)
				.await?;
			tracing::info!(epoch, %from, "confirmed the cluster secret");
			report.confirmed = Some(epoch);
			return Ok(true);
		}
		Ok(false)
	}

	/// Publishes a new epoch when one is due and this worker is the one to.
	async fn publish<C: Chain>(
		&mut self,
		chain: &C,
		tee: &Arc<dyn Tee>,
		keys: &KeySet,
		sealing_key: &[u8; 32],
		snap: &Snapshot,
		report: &mut ClusterReport,
	) -> Result<bool, ClusterError> {
		let me = keys.account_id();
		let view = &snap.cluster;
		let primary = |w: &pallet_tee_registry::WorkerInfo<BlockNumber>| {
			w.role == pallet_tee_registry::WorkerRole::Primary
		};
		if !snap.me.as_ref().is_some_and(primary) || view.pending.is_some() {
			return Ok(false);
		}
		let overdue = match (&view.current, &view.rekey) {
			(None, _) => false,
			(Some(_), Some((deadline, _))) => snap.number >= *deadline,
			(Some(_), None) => return Ok(false),
		};
		let first = snap.workers.iter().filter(|w| primary(&w.info)).map(|w| &w.account).min();
		if first != Some(&me) && !overdue {
			return Ok(false);
		}
		let epoch = snap.cluster.next_epoch;
		let secret = secrets::generate();
		let public_key = secrets::public_key_of(&secret, epoch);
		// Sealed before it is published: a crash after publication still holds it.
		self.secrets.insert(epoch, &secret, sealing_key)?;
		let mut copies = Vec::new();
		let mut to = Vec::new();
		for w in snap.workers.iter().filter(|w| w.account != me) {
			if let Some(sealed) =
				self.seal_to(chain, tee, keys, snap, epoch, &secret, w, report).await?
			{
				to.push(w.account.clone());
				copies.push((w.account.clone(), sealed));
			}
		}
		let message = cluster_key_message(&chain.genesis(), epoch, &public_key);
		let signature = ml_dsa(keys, pqc::context::CLUSTER_KEY, &message)?;
		let copies = copies
			.try_into()
			.map_err(|_| ClusterError::Crypto("more copies than the chain takes".into()))?;
		chain
			.submit(
				keys.account(),
				RuntimeCall::TeeRegistry(pallet_tee_registry::Call::publish_cluster_key {
					epoch,
					public_key: Box::new(public_key),
					signature,
					copies,
				}),
			)
			.await?;
		tracing::info!(epoch, copies = to.len(), "published a cluster key epoch");
		report.published = Some((epoch, to));
		Ok(true)
	}

	/// Seals epoch `epoch`'s `secret` to worker `w` once this worker verified it itself;
	/// `None` (and a report) if it does not verify.
	#[allow(clippy::too_many_arguments)]
	async fn seal_to<C: Chain>(
		&mut self,
		chain: &C,
		tee: &Arc<dyn Tee>,
		keys: &KeySet,
		snap: &Snapshot,
		epoch: u32,
		secret: &[u8; 32],
		w: &pallet_tee_registry::ActiveWorker<AccountId, BlockNumber>,
		report: &mut ClusterReport,
	) -> Result<Option<pallet_tee_registry::SealedSecretOf<Runtime>>, ClusterError> {
		let keys_hash = aegis_primitives::binding::keys_hash(&w.info.keys);
		if self.refused_peers.get(&w.account).is_some_and(|(h, _)| *h == keys_hash) {
			return Ok(None);
		}
		let now_secs = snap.now_ms / 1000;
		let policy = self.policy(tee, now_secs).await?;
		let verdict = match chain.attestation_of(&w.account, &w.info).await? {
			None => {
				Err("its attestation extrinsic is not in the block the chain names".to_string())
			}
			Some(att) => policy
				.verify(&att, &w.info.keys, &w.account, &chain.genesis(), now_secs)
				.map_err(|e: PeerError| e.to_string()),
		};
		if let Err(why) = verdict {
			tracing::warn!(peer = %w.account, %why, "not sealing the cluster secret to a worker");
			report.refused_peers.push((w.account.clone(), why.clone()));
			self.refused_peers.insert(w.account.clone(), (keys_hash, why));
			return Ok(None);
		}
		let recipient = aegis_envelope::RecipientPublicKey::from_bytes(0, &w.info.keys.hpke)
			.map_err(|e| ClusterError::Crypto(format!("{e:?}")))?;
		let binding = cluster_copy_binding(
			epoch,
			&account_bytes(&keys.account_id()),
			&account_bytes(&w.account),
		);
		let sealed = aegis_envelope::seal(&recipient, &chain.genesis(), &binding, secret)
			.map_err(|e| ClusterError::Crypto(format!("{e:?}")))?;
		Ok(Some(sealed.try_into().map_err(|_| {
			ClusterError::Crypto("a sealed secret longer than the chain takes".into())
		})?))
	}

	/// Seals held epochs to active workers lacking them: at once when this worker is the
	/// lowest-account holder and the worker has no copy, by any holder once a worker has
	/// lacked it `reprovision_after` blocks (a dead provisioner, a garbage copy).
	async fn provision<C: Chain>(
		&mut self,
		chain: &C,
		tee: &Arc<dyn Tee>,
		keys: &KeySet,
		snap: &Snapshot,
		report: &mut ClusterReport,
	) -> Result<(), ClusterError> {
		let me = keys.account_id();
		let view = &snap.cluster;
		let active: BTreeSet<&AccountId> = snap.workers.iter().map(|w| &w.account).collect();
		let usable = self.usable_epochs(snap, &me);
		let live_epochs: Vec<u32> = view
			.current
			.iter()
			.chain(view.pending.iter().map(|p| &p.key))
			.map(|k| k.epoch)
			.collect();
		let mut still_lacking = BTreeSet::new();
		for epoch in live_epochs.into_iter().filter(|e| usable.contains(e)) {
			let holders = view.holders.iter().find(|(e, _)| *e == epoch).map(|(_, h)| h.clone());
			let holders = holders.unwrap_or_default();
			let first_holder = holders.iter().filter(|h| active.contains(h)).min();
			for w in
				snap.workers.iter().filter(|w| w.account != me && !holders.contains(&w.account))
			{
				still_lacking.insert((epoch, w.account.clone()));
				let since =
					*self.lacking_since.entry((epoch, w.account.clone())).or_insert(snap.number);
				let copy = view.copies.iter().find(|(e, _, to)| *e == epoch && to == &w.account);
				let waited = snap.number.saturating_sub(since) >= self.reprovision_after;
				let due = match copy {
					None => first_holder == Some(&me) || waited,
					Some((_, from, _)) => from != &me && waited,
				};
				if !due {
					continue;
				}
				let Some(secret) = self.secrets.secret(epoch).map(|s| zeroize::Zeroizing::new(*s))
				else {
					continue;
				};
				let Some(sealed) =
					self.seal_to(chain, tee, keys, snap, epoch, &secret, w, report).await?
				else {
					continue;
				};
				chain
					.submit(
						keys.account(),
						RuntimeCall::TeeRegistry(
							pallet_tee_registry::Call::provision_cluster_key {
								epoch,
								to_worker: w.account.clone(),
								sealed_secret: sealed,
							},
						),
					)
					.await?;
				tracing::info!(epoch, to = %w.account, "provisioned the cluster secret");
				self.lacking_since.insert((epoch, w.account.clone()), snap.number);
				report.provisioned.push((epoch, w.account.clone()));
			}
		}
		self.lacking_since.retain(|k, _| still_lacking.contains(k));
		Ok(())
	}
}

fn account_bytes(who: &AccountId) -> [u8; 32] {
	pallet_tee_registry::Pallet::<Runtime>::account_bytes(who)
}

fn ml_dsa(
	keys: &KeySet,
	context: &[u8],
	message: &[u8; 32],
) -> Result<pallet_tee_registry::MlDsaSignature, ClusterError> {
	pqc::sign(pqc::Suite::MlDsa87, keys.signing_key(pqc::Suite::MlDsa87), context, message)
		.map_err(|e| ClusterError::Crypto(format!("{e:?}")))?
		.try_into()
		.map_err(|_| ClusterError::Crypto("ML-DSA-87 signature length".into()))
}
