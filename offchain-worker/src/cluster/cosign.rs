//! Redundancy co-signing.
//!
//! With redundancy on, the leader sends each batch proposal to the active redundancy workers
//! (at the endpoints they registered on chain), in parallel; each rebuilds the batch from its
//! own view before co-signing it (`aegis/batch-cosign/v1`, the suites the policy requires):
//! - the batch continues the batch chain at its own latest finalized block, under the rule in
//!   force, for an epoch whose secret it holds;
//! - every entry is pending there, opens with its own copy of the secret to exactly the
//!   revealed call and salt, and names the submission's `max_weight`;
//! - the batch is exactly what ordering those entries by the rule gives (same hash);
//! - no older pending entry of the epoch that opens was left out.
//!
//! The leader verifies each co-signature it gets and submits once `min_cosigners` verified;
//! a dead or slow co-signer costs a timeout, not the batch, while enough others answer.

use crate::{
	chain::{Chain, Snapshot},
	keys::KeySet,
};
use aegis_primitives::{
	batch::{Batch, BatchEntry, SubmissionId},
	pqc::{self, SignatureSet},
};
use codec::{DecodeAll, Encode};
use std::{
	collections::{BTreeMap, BTreeSet},
	future::Future,
	pin::Pin,
	sync::{Arc, RwLock},
	time::Duration,
};
use zeroize::Zeroizing;

/// How long the leader waits for a co-signature (a co-signer signs with SLH-DSA when the policy
/// requires it: about half a second).
pub const COSIGN_TIMEOUT: Duration = Duration::from_secs(10);

/// How many co-signing requests a worker serves at once; more are refused as busy. The endpoint
/// is reachable by whoever reaches the API, and each request costs chain reads (and, when it
/// passes, a signature): a flood must not queue unbounded work. A leader asks once per batch.
pub const COSIGN_CONCURRENCY: usize = 2;

/// What a co-signer signs with: its key set and the cluster secrets it holds.
struct Material {
	keys: Arc<KeySet>,
	secrets: BTreeMap<u32, Zeroizing<[u8; 32]>>,
}

/// A redundancy worker's co-signing side: shared by the worker (which keeps its material
/// current) and the API that serves `POST /cosign`.
pub struct Cosigner<C> {
	chain: Arc<C>,
	material: RwLock<Material>,
	slots: tokio::sync::Semaphore,
}

impl<C: Chain> Cosigner<C> {
	/// A co-signer over `chain` signing with `keys` (no secrets yet).
	pub fn new(chain: Arc<C>, keys: Arc<KeySet>) -> Self {
		Self {
			chain,
			material: RwLock::new(Material { keys, secrets: BTreeMap::new() }),
			slots: tokio::sync::Semaphore::new(COSIGN_CONCURRENCY),
		}
	}

	/// Signs with `keys` and opens with `secrets` from now on.
	pub fn update(&self, keys: Arc<KeySet>, secrets: BTreeMap<u32, Zeroizing<[u8; 32]>>) {
		*self.material.write().unwrap_or_else(|e| e.into_inner()) = Material { keys, secrets };
	}

	fn material(&self) -> (Arc<KeySet>, BTreeMap<u32, Zeroizing<[u8; 32]>>) {
		let m = self.material.read().unwrap_or_else(|e| e.into_inner());
		(m.keys.clone(), m.secrets.clone())
	}

	/// The request slots (tests hold them to see a flood refused).
	#[cfg(test)]
	pub(crate) fn slots(&self) -> &tokio::sync::Semaphore {
		&self.slots
	}

	/// Rebuilds `batch` from this worker's own view and co-signs it, or says why not.
	pub async fn cosign(&self, batch: Batch) -> Result<SignatureSet, String> {
		let _slot = self.slots.try_acquire().map_err(|_| {
			format!("busy: already co-signing {COSIGN_CONCURRENCY} batches; ask again")
		})?;
		let (keys, secrets) = self.material();
		let me = keys.account_id();
		let snap = self.chain.snapshot(&me).await.map_err(|e| e.to_string())?;
		let active_redundancy = snap.me.as_ref().is_some_and(|w| {
			w.state == pallet_tee_registry::WorkerState::Active
				&& w.role == pallet_tee_registry::WorkerRole::Redundancy
		});
		if !active_redundancy {
			return Err("this worker is not an active redundancy worker".into());
		}
		self.check(&snap, &batch, &secrets).await?;
		let suites = snap.risk.policy.batch_suites;
		let hash = batch.hash();
		tokio::task::spawn_blocking(move || {
			pqc::sign_set(suites, &keys.signing_keys(), pqc::context::BATCH_COSIGN, &hash)
				.map_err(|e| format!("signing: {e:?}"))
		})
		.await
		.map_err(|e| format!("signing task: {e}"))?
	}

	/// Every check of the module docs.
	async fn check(
		&self,
		snap: &Snapshot,
		batch: &Batch,
		secrets: &BTreeMap<u32, Zeroizing<[u8; 32]>>,
	) -> Result<(), String> {
		let genesis = self.chain.genesis();
		let header = &batch.header;
		batch.check_integrity().map_err(|e| format!("the batch is malformed: {e:?}"))?;
		if header.genesis_hash != genesis {
			return Err("the batch is for another chain".into());
		}
		if header.sequence != snap.batches.next_sequence
			|| header.parent_hash != snap.batches.last_hash
		{
			return Err(format!(
				"the batch does not continue the batch chain at finalized block {} (next \
				 sequence {})",
				snap.number, snap.batches.next_sequence
			));
		}
		if header.rule != snap.rule {
			return Err("the batch follows another rule than the chain's".into());
		}
		let epoch = header.key_epoch;
		let secret =
			secrets.get(&epoch).ok_or(format!("this worker does not hold epoch {epoch}"))?;
		let key = super::secrets::epoch_key(secret, epoch);
		let ids: Vec<SubmissionId> = batch.entries.iter().map(|e| e.submission_id).collect();
		let pending: BTreeMap<SubmissionId, _> = self
			.chain
			.submissions(snap.hash, ids.clone())
			.await
			.map_err(|e| e.to_string())?
			.into_iter()
			.collect();
		let mut rebuilt = Vec::with_capacity(batch.entries.len());
		for entry in batch.entries.iter() {
			let id = entry.submission_id;
			let s = pending.get(&id).ok_or(format!("entry {id} is not pending"))?;
			if s.key_epoch != epoch {
				return Err(format!("entry {id} is of another epoch"));
			}
			let revealed = crate::pipeline::open(&key, &genesis, s)
				.map_err(|r| format!("entry {id} does not open here ({r:?})"))?;
			if revealed != entry.revealed {
				return Err(format!("entry {id} does not reveal what it opens to"));
			}
			if entry.max_weight != pallet_sequencer::weight_limit(s.max_weight) {
				return Err(format!("entry {id} names another max_weight"));
			}
			rebuilt.push(BatchEntry { submission_id: id, max_weight: entry.max_weight, revealed });
		}
		let calls = rebuilt.iter().map(|e| e.revealed.call.to_vec()).collect();
		let classes =
			self.chain.order_classes(snap.hash, calls).await.map_err(|e| e.to_string())?;
		let ours = snap
			.batches
			.next_batch(
				genesis,
				epoch,
				snap.rule,
				header.ordered_at,
				snap.risk.score,
				rebuilt.into_iter().zip(classes).collect(),
			)
			.map_err(|e| format!("{e:?}"))?;
		if ours.hash() != batch.hash() {
			return Err("the entries in the rule's order make another batch".into());
		}
		// Nothing older that opens was left out.
		let newest = ids.iter().max().copied().unwrap_or_default();
		let included: BTreeSet<SubmissionId> = ids.into_iter().collect();
		let older: Vec<SubmissionId> = self
			.chain
			.pending_ids(snap.hash, epoch)
			.await
			.map_err(|e| e.to_string())?
			.into_iter()
			.filter(|id| *id < newest && !included.contains(id))
			.collect();
		if !older.is_empty() {
			let skipped =
				self.chain.submissions(snap.hash, older).await.map_err(|e| e.to_string())?;
			if let Some((id, _)) =
				skipped.iter().find(|(_, s)| crate::pipeline::open(&key, &genesis, s).is_ok())
			{
				return Err(format!("older entry {id} opens and was left out"));
			}
		}
		Ok(())
	}
}

/// How the leader reaches co-signers.
pub trait CosignTransport: Send + Sync {
	/// Asks the co-signer at `endpoint` to co-sign `batch`.
	fn request(
		&self,
		endpoint: &str,
		batch: &Batch,
	) -> Pin<Box<dyn Future<Output = Result<SignatureSet, String>> + Send>>;
}

/// `POST {endpoint}/cosign` over HTTP.
pub struct HttpTransport;

impl CosignTransport for HttpTransport {
	fn request(
		&self,
		endpoint: &str,
		batch: &Batch,
	) -> Pin<Box<dyn Future<Output = Result<SignatureSet, String>> + Send>> {
		let endpoint = endpoint.to_string();
		let body = serde_json::json!({ "batch": format!("0x{}", hex::encode(batch.encode())) });
		Box::pin(async move {
			let host_port = endpoint
				.strip_prefix("http://")
				.ok_or(format!("{endpoint}: only http:// endpoints are reached"))?
				.trim_end_matches('/')
				.to_string();
			let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
			let response = tokio::task::spawn_blocking(move || {
				crate::http::tcp_json(&host_port, "POST", "/cosign", &body)
			})
			.await
			.map_err(|e| e.to_string())?
			.map_err(|e| format!("{endpoint}: {e}"))?;
			let value: serde_json::Value =
				serde_json::from_slice(&response.body).map_err(|e| format!("{endpoint}: {e}"))?;
			if response.status != 200 {
				let reason = value.get("error").cloned().unwrap_or_default();
				return Err(format!("{endpoint} refused: {reason}"));
			}
			let hex_sigs = value
				.get("signatures")
				.and_then(serde_json::Value::as_str)
				.ok_or("no signatures in the answer")?;
			let bytes =
				hex::decode(hex_sigs.trim_start_matches("0x")).map_err(|e| e.to_string())?;
			SignatureSet::decode_all(&mut &bytes[..]).map_err(|e| e.to_string())
		})
	}
}
