//! What the worker needs from the chain, as a trait ([`Chain`]) so that the pipeline can be
//! tested against a fake, and its implementation over a node's JSON-RPC ([`RpcChain`], on
//! subxt's RPC client). Calls and storage values are the runtime's own types, so what the
//! worker encodes is exactly what the runtime decodes; at connect time the worker checks that
//! the chain runs the runtime version it was built with.

use aegis_primitives::{batch::SubmissionId, ordering::ProtectionTier};
use aegis_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent};
use codec::{Decode, Encode};
use pallet_risk_oracle::RiskStatus;
use pallet_sequencer::BatchChain;
use pallet_tee_registry::WorkerInfo;
use sp_core::{sr25519, Pair, H256};
use std::{future::Future, sync::Arc, time::Duration};

/// Block numbers.
pub type BlockNumber = u32;
/// A pending encrypted submission.
pub type Submission = pallet_sequencer::SubmissionOf<Runtime>;

/// What the worker reads of the chain at one finalized block.
#[derive(Clone, Debug)]
pub struct Snapshot {
	/// The block.
	pub number: BlockNumber,
	/// Its hash.
	pub hash: H256,
	/// The risk oracle's score, level and policy.
	pub risk: RiskStatus<BlockNumber>,
	/// The ordering rule in force.
	pub rule: aegis_primitives::ordering::OrderingRule,
	/// The batch chain's tip.
	pub batches: BatchChain,
	/// This worker's record, if it is registered.
	pub me: Option<WorkerInfo<BlockNumber>>,
	/// How many submissions are pending in all.
	pub pending_total: u32,
	/// The chain's time (ms since the Unix epoch).
	pub now_ms: u64,
	/// The last attestation nonce this worker used (the next must be larger).
	pub last_nonce: Option<u64>,
	/// The cluster: epochs, holders, copies, rekey, leadership, the next epoch's number.
	pub cluster: pallet_tee_registry::ClusterView<AccountId, BlockNumber>,
	/// The active workers.
	pub workers: Vec<pallet_tee_registry::ActiveWorker<AccountId, BlockNumber>>,
	/// The migration in progress, if any.
	pub migration: Option<(u32, pallet_sequencer::Migration<BlockNumber>)>,
	/// The block its last checkpoint was committed in, if it has one.
	pub last_checkpoint_at: Option<BlockNumber>,
}

/// A worker's last attestation, as its registration or re-attestation extrinsic carried it.
#[derive(Clone, Debug)]
pub struct PeerAttestation {
	/// The quote.
	pub quote: Vec<u8>,
	/// Its collateral.
	pub collateral: Vec<u8>,
	/// The nonce it binds.
	pub nonce: u64,
}

/// A protected asset's record.
pub type ProtectedAsset = pallet_sequencer::ProtectedAsset<AccountId, aegis_runtime::Balance>;

/// Why a chain operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
	/// The node could not be reached or answered garbage; worth retrying.
	#[error("RPC: {0}")]
	Rpc(String),
	/// The transaction pool refused the extrinsic.
	#[error("transaction refused: {0}")]
	Refused(String),
	/// The extrinsic was included and its dispatch failed: the error, and how it reads.
	#[error("dispatch failed: {1}")]
	Dispatch(sp_runtime::DispatchError, String),
	/// The chain is not one this worker can serve.
	#[error("{0}")]
	Incompatible(String),
}

impl ChainError {
	/// A failed dispatch.
	pub fn dispatch(e: &sp_runtime::DispatchError) -> Self {
		Self::Dispatch(*e, describe_dispatch_error(e))
	}

	/// Whether trying again may help.
	pub fn is_transient(&self) -> bool {
		matches!(self, Self::Rpc(_))
	}
}

/// An included extrinsic.
#[derive(Clone, Debug)]
pub struct Included {
	/// The block that holds it.
	pub block: H256,
	/// That block's number.
	pub number: BlockNumber,
	/// The events it emitted.
	pub events: Vec<RuntimeEvent>,
}

/// A sent extrinsic on its way to a finalized block: resolves to its inclusion, or to why it
/// will not be included (refused, dropped, or following it failed).
pub type Pending = std::pin::Pin<Box<dyn Future<Output = Result<Included, ChainError>> + Send>>;

/// The chain, as the worker uses it.
pub trait Chain: Send + Sync + 'static {
	/// The genesis hash (what quotes, envelopes and batches are bound to).
	fn genesis(&self) -> [u8; 32];

	/// The chain state at the latest finalized block, as seen by `me`.
	fn snapshot(&self, me: &AccountId)
		-> impl Future<Output = Result<Snapshot, ChainError>> + Send;

	/// The ids of the submissions encrypted to `epoch` pending at block `at`, oldest first.
	fn pending_ids(
		&self,
		at: H256,
		epoch: u32,
	) -> impl Future<Output = Result<Vec<SubmissionId>, ChainError>> + Send;

	/// The pending submissions `ids` at block `at`, in the order given; an id no longer
	/// pending there is left out.
	fn submissions(
		&self,
		at: H256,
		ids: Vec<SubmissionId>,
	) -> impl Future<Output = Result<Vec<(SubmissionId, Submission)>, ChainError>> + Send;

	/// What the ordering rule sees of each call at block `at`.
	fn order_classes(
		&self,
		at: H256,
		calls: Vec<Vec<u8>>,
	) -> impl Future<Output = Result<Vec<(ProtectionTier, bool)>, ChainError>> + Send;

	/// Signs `call` as `signer`, submits it and waits until it is in a finalized block.
	fn submit(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
	) -> impl Future<Output = Result<Included, ChainError>> + Send;

	/// Signs `call` as `signer` and submits it; returns once the node's pool holds it, with
	/// the way to its finalized inclusion. Successive sends from one signer take successive
	/// nonces, so they execute in the order sent. The default submits and waits (for chains
	/// that include at once).
	fn send(
		self: Arc<Self>,
		signer: sr25519::Pair,
		call: RuntimeCall,
	) -> impl Future<Output = Result<Pending, ChainError>> + Send
	where
		Self: Sized,
	{
		async move {
			let included = self.submit(&signer, call).await;
			Ok(Box::pin(std::future::ready(included)) as Pending)
		}
	}

	/// Returns once a block after `number` is finalized, or after `timeout`.
	fn wait_finalized_after(
		&self,
		number: BlockNumber,
		timeout: Duration,
	) -> impl Future<Output = ()> + Send;

	/// `who`'s free balance.
	fn free_balance(
		&self,
		who: &AccountId,
	) -> impl Future<Output = Result<u128, ChainError>> + Send;

	/// Asset `id`'s protection record at block `at` (the best block if `None`), if it is
	/// protected.
	fn asset_protection(
		&self,
		id: u32,
		at: Option<H256>,
	) -> impl Future<Output = Result<Option<ProtectedAsset>, ChainError>> + Send;

	/// The chain type (`Development`, `Local`, `Live`).
	fn chain_type(&self) -> impl Future<Output = Result<String, ChainError>> + Send;

	/// The unconfirmed copy of `epoch`'s cluster secret sealed to `who` at block `at`: its
	/// sender and the sealed bytes.
	fn cluster_copy(
		&self,
		at: H256,
		epoch: u32,
		who: &AccountId,
	) -> impl Future<Output = Result<Option<(AccountId, Vec<u8>)>, ChainError>> + Send;

	/// The quote and collateral of worker `who`'s last attestation, from the extrinsic in
	/// block `record.attested_at` that registered or re-attested it with `record.keys`.
	fn attestation_of(
		&self,
		who: &AccountId,
		record: &WorkerInfo<BlockNumber>,
	) -> impl Future<Output = Result<Option<PeerAttestation>, ChainError>> + Send;
}

/// The attestation an extrinsic's call carries, if it registers or re-attests with `keys`.
pub fn attestation_in(
	call: &RuntimeCall,
	keys: &aegis_primitives::binding::EnclaveKeys,
) -> Option<PeerAttestation> {
	use pallet_tee_registry::Call;
	let (quote, collateral, k, nonce) = match call {
		RuntimeCall::TeeRegistry(Call::register_worker {
			quote, collateral, keys, nonce, ..
		}) => (quote, collateral, keys, nonce),
		RuntimeCall::TeeRegistry(Call::reattest { quote, collateral, keys, nonce }) => {
			(quote, collateral, keys, nonce)
		}
		_ => return None,
	};
	(**k == *keys).then(|| PeerAttestation {
		quote: quote.to_vec(),
		collateral: collateral.to_vec(),
		nonce: *nonce,
	})
}

/// How following a submitted extrinsic failed.
enum Watch {
	/// It is not in the pool (refused, dropped, or never sent): sending it again is safe.
	NotIn(ChainError),
	/// It reached the pool and may be or become included: sending it again is not.
	Lost(ChainError),
}

/// What to do after following a submitted extrinsic failed.
#[derive(Debug, PartialEq, Eq)]
enum Retry {
	/// Sign the call again with the account's next nonce (the old one went to another
	/// extrinsic; ours is not in the pool).
	Resign,
	/// Send the same bytes again after a pause (they never reached the pool).
	Resend,
	/// Give up with this error.
	No(ChainError),
}

/// The retry policy of [`Chain::submit`] after `attempt` earlier retries. An extrinsic that
/// may be in the pool or in a block ([`Watch::Lost`]) is never sent again, under any nonce:
/// that could run the call twice.
fn after_failure(failure: Watch, attempt: u32, retries: u32) -> Retry {
	match failure {
		Watch::NotIn(ChainError::Refused(m))
			if attempt < retries && {
				let m = m.to_ascii_lowercase();
				m.contains("outdated")
					|| m.contains("priority is too low")
					|| m.contains("usurped")
					|| m.contains("dropped")
			} =>
		{
			Retry::Resign
		}
		Watch::NotIn(e) if e.is_transient() && attempt < retries => Retry::Resend,
		Watch::NotIn(e) => Retry::No(e),
		Watch::Lost(e) => Retry::No(ChainError::Rpc(format!(
			"submitted, but following it failed ({e}); not resent, its outcome is on chain"
		))),
	}
}

/// How `author_submitAndWatchExtrinsic` refusing with message `m` is read: the pool's verdicts
/// (JSON-RPC errors 1010 invalid, 1012 limit, 1014 priority) leave the extrinsic out; 1013
/// (already imported) means a copy is in the pool, so following it is lost; anything else is
/// a transport failure before the pool saw it.
fn submit_error(m: String) -> Watch {
	if m.contains("Invalid Transaction")
		|| m.contains("1010")
		|| m.contains("1012")
		|| m.contains("1014")
	{
		Watch::NotIn(ChainError::Refused(m))
	} else if m.contains("1013") || m.to_ascii_lowercase().contains("already imported") {
		Watch::Lost(ChainError::Rpc(m))
	} else {
		Watch::NotIn(ChainError::Rpc(m))
	}
}

/// The worker's view of the RPC types.
pub enum AegisRpc {}

impl subxt_rpcs::RpcConfig for AegisRpc {
	type Header = aegis_runtime::Header;
	type Hash = H256;
	type AccountId = AccountId;
}

type Rpc = subxt_rpcs::LegacyRpcMethods<AegisRpc>;
type TxWatch =
	subxt_rpcs::client::RpcSubscription<subxt_rpcs::methods::legacy::TransactionStatus<H256>>;

/// The chain over a node's JSON-RPC.
pub struct RpcChain {
	url: String,
	// The connection and how many times it was replaced: concurrent calls that fail together
	// reconnect once.
	rpc: tokio::sync::RwLock<(u64, Rpc)>,
	genesis: [u8; 32],
	finalized: tokio::sync::watch::Receiver<BlockNumber>,
	retries: u32,
}

fn rpc_err(e: impl std::fmt::Display) -> ChainError {
	ChainError::Rpc(e.to_string())
}

async fn connect(url: &str) -> Result<Rpc, ChainError> {
	let client = subxt_rpcs::RpcClient::from_insecure_url(url)
		.await
		.map_err(|e| ChainError::Rpc(format!("cannot connect to {url}: {e}")))?;
	Ok(subxt_rpcs::LegacyRpcMethods::new(client))
}

/// Follows finalized heads into `tx`, reconnecting when the subscription ends.
async fn follow_finalized(url: String, tx: tokio::sync::watch::Sender<BlockNumber>) {
	let mut delay = Duration::from_millis(200);
	loop {
		if let Ok(rpc) = connect(&url).await {
			if let Ok(mut sub) = rpc.chain_subscribe_finalized_heads().await {
				delay = Duration::from_millis(200);
				while let Some(Ok(header)) = sub.next().await {
					tx.send_replace(header.number);
				}
			}
		}
		if tx.is_closed() {
			return;
		}
		tokio::time::sleep(delay).await;
		delay = (delay * 2).min(Duration::from_secs(5));
	}
}

impl RpcChain {
	/// Connects to `url`, checks the chain runs this build's runtime, and starts following
	/// finalized blocks.
	pub async fn connect(url: &str, retries: u32) -> Result<Self, ChainError> {
		let rpc = connect(url).await?;
		let genesis = rpc.genesis_hash().await.map_err(rpc_err)?;
		let version = rpc.state_get_runtime_version(None).await.map_err(rpc_err)?;
		let ours = aegis_runtime::VERSION;
		if version.spec_version != ours.spec_version
			|| version.transaction_version != ours.transaction_version
		{
			return Err(ChainError::Incompatible(format!(
				"the chain at {url} runs spec version {} (transaction version {}); this worker \
				 was built for {} ({})",
				version.spec_version,
				version.transaction_version,
				ours.spec_version,
				ours.transaction_version
			)));
		}
		let (tx, finalized) = tokio::sync::watch::channel(0);
		tokio::spawn(follow_finalized(url.to_string(), tx));
		Ok(Self {
			url: url.into(),
			rpc: tokio::sync::RwLock::new((0, rpc)),
			genesis: genesis.0,
			finalized,
			retries,
		})
	}

	/// Runs `f` against the connection, reconnecting and retrying transient failures with
	/// exponential backoff.
	async fn with_retry<T, F, Fut>(&self, what: &str, f: F) -> Result<T, ChainError>
	where
		F: Fn(Rpc) -> Fut,
		Fut: Future<Output = Result<T, ChainError>>,
	{
		let mut delay = Duration::from_millis(100);
		let mut attempt = 0;
		loop {
			let (generation, rpc) = self.rpc.read().await.clone();
			match f(rpc).await {
				Err(e) if e.is_transient() && attempt < self.retries => {
					attempt += 1;
					tracing::warn!(%e, attempt, "{what} failed; retrying in {delay:?}");
					tokio::time::sleep(delay).await;
					delay = (delay * 2).min(Duration::from_secs(5));
					let mut current = self.rpc.write().await;
					if current.0 == generation {
						if let Ok(fresh) = connect(&self.url).await {
							*current = (generation + 1, fresh);
						}
					}
				}
				other => {
					return other.map_err(|e| match e {
						ChainError::Rpc(m) => ChainError::Rpc(format!("{what}: {m}")),
						e => e,
					})
				}
			}
		}
	}

	/// Calls runtime API `method` with SCALE `args` at `at` and decodes the answer.
	pub async fn runtime_call<T: Decode>(
		&self,
		method: &str,
		args: Vec<u8>,
		at: Option<H256>,
	) -> Result<T, ChainError> {
		let bytes = self
			.with_retry(method, |rpc| {
				let args = args.clone();
				async move { rpc.state_call(method, Some(&args), at).await.map_err(rpc_err) }
			})
			.await?;
		T::decode(&mut &bytes[..])
			.map_err(|e| ChainError::Incompatible(format!("{method} answer does not decode: {e}")))
	}

	/// Reads and decodes storage `key` at `at`.
	pub async fn storage<T: Decode>(
		&self,
		key: Vec<u8>,
		at: Option<H256>,
	) -> Result<Option<T>, ChainError> {
		let bytes = self
			.with_retry("state_getStorage", |rpc| {
				let key = key.clone();
				async move { rpc.state_get_storage(&key, at).await.map_err(rpc_err) }
			})
			.await?;
		bytes
			.map(|b| {
				T::decode(&mut &b[..]).map_err(|e| {
					ChainError::Incompatible(format!("storage value does not decode: {e}"))
				})
			})
			.transpose()
	}

	/// The latest finalized block: its hash and number.
	pub async fn finalized_head(&self) -> Result<(H256, BlockNumber), ChainError> {
		self.with_retry("finalized head", |rpc| async move {
			let hash = rpc.chain_get_finalized_head().await.map_err(rpc_err)?;
			let header = rpc
				.chain_get_header(Some(hash))
				.await
				.map_err(rpc_err)?
				.ok_or_else(|| ChainError::Rpc("finalized header missing".into()))?;
			Ok((hash, header.number))
		})
		.await
	}

	async fn events_of(
		&self,
		block: H256,
		extrinsic: &[u8],
	) -> Result<(BlockNumber, Vec<RuntimeEvent>), ChainError> {
		let details = self
			.with_retry("chain_getBlock", |rpc| async move {
				rpc.chain_get_block(Some(block)).await.map_err(rpc_err)
			})
			.await?
			.ok_or_else(|| ChainError::Rpc(format!("block {block:?} not found")))?;
		let index = details
			.block
			.extrinsics
			.iter()
			.position(|x| same_extrinsic(&x.0, extrinsic))
			.ok_or_else(|| ChainError::Rpc(format!("extrinsic not found in block {block:?}")))?
			as u32;
		let records: Vec<frame_system::EventRecord<RuntimeEvent, H256>> =
			self.storage(events_key(), Some(block)).await?.unwrap_or_default();
		let events = records
			.into_iter()
			.filter(|r| r.phase == frame_system::Phase::ApplyExtrinsic(index))
			.map(|r| r.event)
			.collect();
		Ok((details.block.header.number, events))
	}
}

/// Whether `in_block` (as `chain_getBlock` returns it) is the extrinsic `ours` (as encoded).
/// Nodes return the extrinsic's own encoding, possibly wrapped once more as opaque bytes.
fn same_extrinsic(in_block: &[u8], ours: &[u8]) -> bool {
	in_block == ours || (in_block.len() > ours.len() && in_block.ends_with(ours))
}

/// Decodes an extrinsic as `chain_getBlock` returns it.
pub fn decode_extrinsic(bytes: &[u8]) -> Option<aegis_runtime::UncheckedExtrinsic> {
	use codec::DecodeAll;
	aegis_runtime::UncheckedExtrinsic::decode_all(&mut &bytes[..]).ok().or_else(|| {
		let inner = Vec::<u8>::decode_all(&mut &bytes[..]).ok()?;
		aegis_runtime::UncheckedExtrinsic::decode_all(&mut &inner[..]).ok()
	})
}

/// The storage key of `System::Events`.
fn events_key() -> Vec<u8> {
	frame_support::storage::storage_prefix(b"System", b"Events").to_vec()
}

/// A readable name for a dispatch error: `Pallet(Error)` for module errors.
pub fn describe_dispatch_error(e: &sp_runtime::DispatchError) -> String {
	match aegis_runtime::RuntimeError::from_dispatch_error(*e) {
		Some(error) => format!("{error:?}"),
		None => format!("{e:?}"),
	}
}

impl Chain for RpcChain {
	fn genesis(&self) -> [u8; 32] {
		self.genesis
	}

	async fn snapshot(&self, me: &AccountId) -> Result<Snapshot, ChainError> {
		let (hash, number) = self.finalized_head().await?;
		let at = Some(hash);
		// Independent reads of one block: sent together.
		let (
			risk,
			rule,
			batches,
			cluster,
			record,
			pending_total,
			now_ms,
			last_nonce,
			migration,
			workers,
		) = tokio::try_join!(
			self.risk_status(at),
			self.runtime_call("SequencerApi_active_rule", vec![], at),
			self.runtime_call("SequencerApi_last_batch", vec![], at),
			self.cluster(at),
			self.runtime_call("TeeRegistryApi_worker", me.encode(), at),
			self.storage::<u32>(
				pallet_sequencer::Pending::<Runtime>::counter_storage_final_key().to_vec(),
				at
			),
			self.storage::<u64>(pallet_timestamp::Now::<Runtime>::hashed_key().to_vec(), at),
			self.storage(pallet_tee_registry::LastNonce::<Runtime>::hashed_key_for(me), at),
			self.runtime_call::<Option<(u32, pallet_sequencer::Migration<BlockNumber>)>>(
				"SequencerApi_migration",
				Option::<u32>::None.encode(),
				at
			),
			self.active_workers(at),
		)?;
		let (pending_total, now_ms) =
			(pending_total.unwrap_or_default(), now_ms.unwrap_or_default());
		let last_checkpoint_at = match &migration {
			Some((id, m)) if m.checkpoints > 0 => self
				.storage::<pallet_sequencer::CheckpointRecord<AccountId, BlockNumber>>(
					pallet_sequencer::Checkpoints::<Runtime>::hashed_key_for(id, m.checkpoints - 1),
					at,
				)
				.await?
				.map(|r| r.committed_at),
			_ => None,
		};
		Ok(Snapshot {
			cluster,
			workers,
			number,
			hash,
			risk,
			rule,
			batches,
			me: record,
			pending_total,
			now_ms,
			last_nonce,
			migration,
			last_checkpoint_at,
		})
	}

	async fn pending_ids(&self, at: H256, epoch: u32) -> Result<Vec<SubmissionId>, ChainError> {
		let (_, ids): (u32, Vec<SubmissionId>) =
			self.runtime_call("SequencerApi_pending", epoch.encode(), Some(at)).await?;
		Ok(ids)
	}

	async fn submissions(
		&self,
		at: H256,
		ids: Vec<SubmissionId>,
	) -> Result<Vec<(SubmissionId, Submission)>, ChainError> {
		// One `state_queryStorageAt` per chunk rather than a read per submission, each answer
		// (hex doubles the envelopes) within 4 MiB, well below the 10 MiB response limit of
		// the node and of this client.
		use frame_support::traits::Get;
		let max_envelope: u32 = <Runtime as pallet_sequencer::Config>::MaxEnvelopeLen::get();
		let per_entry = 2 * (max_envelope as usize + 512);
		let chunk_len = (4 << 20) / per_entry;
		let mut out = Vec::with_capacity(ids.len());
		for chunk in ids.chunks(chunk_len.max(1)) {
			let keys: Vec<Vec<u8>> =
				chunk.iter().map(pallet_sequencer::Pending::<Runtime>::hashed_key_for).collect();
			let sets = self
				.with_retry("state_queryStorageAt", |rpc| {
					let keys = keys.clone();
					async move {
						rpc.state_query_storage_at(keys.iter().map(Vec::as_slice), Some(at))
							.await
							.map_err(rpc_err)
					}
				})
				.await?;
			let mut values: std::collections::HashMap<Vec<u8>, Vec<u8>> = sets
				.into_iter()
				.flat_map(|set| set.changes)
				.filter_map(|(key, value)| Some((key.0, value?.0)))
				.collect();
			for (id, key) in chunk.iter().zip(&keys) {
				// Absent only if it left the pool at `at` after the ids were read.
				let Some(bytes) = values.remove(key) else { continue };
				let s = Submission::decode(&mut &bytes[..]).map_err(|e| {
					ChainError::Incompatible(format!(
						"pending submission {id} does not decode: {e}"
					))
				})?;
				out.push((*id, s));
			}
		}
		Ok(out)
	}

	async fn order_classes(
		&self,
		at: H256,
		calls: Vec<Vec<u8>>,
	) -> Result<Vec<(ProtectionTier, bool)>, ChainError> {
		self.runtime_call("SequencerApi_order_classes", calls.encode(), Some(at)).await
	}

	async fn submit(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
	) -> Result<Included, ChainError> {
		let mut attempt = 0;
		loop {
			let (xt, sub) = self.to_pool(signer, &call, &mut attempt).await?;
			let failure = match self.finish_watch(sub).await {
				Ok(block) => return self.included(block, &xt).await,
				Err(failure) => failure,
			};
			// Dropped or usurped after reaching the pool: signed again with the next nonce.
			if let Retry::No(e) = after_failure(failure, attempt, self.retries) {
				return Err(e);
			}
			attempt += 1;
		}
	}

	async fn send(
		self: Arc<Self>,
		signer: sr25519::Pair,
		call: RuntimeCall,
	) -> Result<Pending, ChainError> {
		let (xt, sub) = self.to_pool(&signer, &call, &mut 0).await?;
		// Once in the pool, following it is the returned future's; a failure then is
		// reported to the caller, never resent.
		Ok(Box::pin(async move {
			let block = self.finish_watch(sub).await.map_err(|w| match w {
				Watch::NotIn(e) | Watch::Lost(e) => e,
			})?;
			self.included(block, &xt).await
		}))
	}

	async fn wait_finalized_after(&self, number: BlockNumber, timeout: Duration) {
		let mut rx = self.finalized.clone();
		let _ = tokio::time::timeout(timeout, rx.wait_for(|n| *n > number)).await;
	}

	async fn free_balance(&self, who: &AccountId) -> Result<u128, ChainError> {
		let key = frame_system::Account::<Runtime>::hashed_key_for(who);
		let info: Option<frame_system::AccountInfo<u32, pallet_balances::AccountData<u128>>> =
			self.storage(key, None).await?;
		Ok(info.map_or(0, |i| i.data.free))
	}

	async fn asset_protection(
		&self,
		id: u32,
		at: Option<H256>,
	) -> Result<Option<ProtectedAsset>, ChainError> {
		self.runtime_call("SequencerApi_asset_protection", id.encode(), at).await
	}

	async fn chain_type(&self) -> Result<String, ChainError> {
		self.with_retry("system_chainType", |rpc| async move {
			rpc.system_chain_type().await.map_err(rpc_err)
		})
		.await
	}

	async fn cluster_copy(
		&self,
		at: H256,
		epoch: u32,
		who: &AccountId,
	) -> Result<Option<(AccountId, Vec<u8>)>, ChainError> {
		self.runtime_call("TeeRegistryApi_cluster_copy", (epoch, who).encode(), Some(at)).await
	}

	async fn attestation_of(
		&self,
		_who: &AccountId,
		record: &WorkerInfo<BlockNumber>,
	) -> Result<Option<PeerAttestation>, ChainError> {
		let number = record.attested_at;
		let hash = self
			.with_retry("chain_getBlockHash", |rpc| async move {
				rpc.chain_get_block_hash(Some(number.into())).await.map_err(rpc_err)
			})
			.await?;
		let Some(hash) = hash else { return Ok(None) };
		Ok(self
			.block(hash)
			.await?
			.iter()
			.filter_map(|x| decode_extrinsic(x))
			.filter_map(|x| attestation_in(&x.function, &record.keys))
			.next_back())
	}
}

impl RpcChain {
	/// The oracle's status at block `at` (the best block if `None`).
	pub async fn risk_status(
		&self,
		at: Option<H256>,
	) -> Result<pallet_risk_oracle::RiskStatus<BlockNumber>, ChainError> {
		self.runtime_call("RiskOracleApi_risk_status", vec![], at).await
	}

	/// The cluster's epochs, holders, copies and leadership at block `at`.
	pub async fn cluster(
		&self,
		at: Option<H256>,
	) -> Result<pallet_tee_registry::ClusterView<AccountId, BlockNumber>, ChainError> {
		self.runtime_call("TeeRegistryApi_cluster", vec![], at).await
	}

	/// The active attested workers at block `at`.
	pub async fn active_workers(
		&self,
		at: Option<H256>,
	) -> Result<Vec<pallet_tee_registry::ActiveWorker<AccountId, BlockNumber>>, ChainError> {
		self.runtime_call("TeeRegistryApi_active_workers", vec![], at).await
	}

	/// The latest finalized block number seen.
	pub fn finalized_number(&self) -> BlockNumber {
		*self.finalized.borrow()
	}

	/// The encoded extrinsics of block `hash`.
	pub async fn block(&self, hash: H256) -> Result<Vec<Vec<u8>>, ChainError> {
		let details = self
			.with_retry("chain_getBlock", |rpc| async move {
				rpc.chain_get_block(Some(hash)).await.map_err(rpc_err)
			})
			.await?
			.ok_or_else(|| ChainError::Rpc(format!("block {hash:?} not found")))?;
		Ok(details.block.extrinsics.into_iter().map(|x| x.0).collect())
	}

	/// The events of block `number` (with its hash), if the block exists.
	pub async fn block_events(
		&self,
		number: BlockNumber,
	) -> Result<Option<(H256, Vec<frame_system::EventRecord<RuntimeEvent, H256>>)>, ChainError> {
		let hash = self
			.with_retry("chain_getBlockHash", |rpc| async move {
				rpc.chain_get_block_hash(Some(number.into())).await.map_err(rpc_err)
			})
			.await?;
		let Some(hash) = hash else { return Ok(None) };
		let events = self.storage(events_key(), Some(hash)).await?.unwrap_or_default();
		Ok(Some((hash, events)))
	}

	/// `who`'s next nonce, counting what the pool holds from it.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u64, ChainError> {
		self.with_retry("system_accountNextIndex", |rpc| {
			let who = who.clone();
			async move { rpc.system_account_next_index(&who).await.map_err(rpc_err) }
		})
		.await
	}

	/// Signs `call` as `signer` with its next nonce and submits it until the pool holds it:
	/// the same bytes are resent after a failure that left them out of the pool, and signed
	/// again only when their nonce went to another extrinsic, so a call never goes in twice.
	async fn to_pool(
		&self,
		signer: &sr25519::Pair,
		call: &RuntimeCall,
		attempt: &mut u32,
	) -> Result<(Vec<u8>, TxWatch), ChainError> {
		let who: AccountId = signer.public().into();
		let sign = |nonce: u64| {
			aegis_runtime::signed_extrinsic(
				call.clone(),
				who.clone(),
				nonce as u32,
				H256(self.genesis),
				|p| sp_runtime::MultiSignature::Sr25519(signer.sign(p)),
			)
			.encode()
		};
		let mut xt = sign(self.next_nonce(&who).await?);
		loop {
			let failure = match self.start_watch(&xt).await {
				Ok(sub) => return Ok((xt, sub)),
				Err(failure) => failure,
			};
			match after_failure(failure, *attempt, self.retries) {
				Retry::Resign => xt = sign(self.next_nonce(&who).await?),
				Retry::Resend => {
					tokio::time::sleep(Duration::from_millis(200 << (*attempt + 1).min(5))).await
				}
				Retry::No(e) => return Err(e),
			}
			*attempt += 1;
		}
	}

	/// Submits `xt` and subscribes to its status; returns once the pool holds it.
	async fn start_watch(&self, xt: &[u8]) -> Result<TxWatch, Watch> {
		let rpc = self.rpc.read().await.1.clone();
		rpc.author_submit_and_watch_extrinsic(xt).await.map_err(|e| submit_error(e.to_string()))
	}

	/// `xt` in finalized block `block`: its number and events; its dispatch error if it failed.
	async fn included(&self, block: H256, xt: &[u8]) -> Result<Included, ChainError> {
		let (number, events) = self.events_of(block, xt).await?;
		for e in &events {
			if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error,
				..
			}) = e
			{
				return Err(ChainError::dispatch(dispatch_error));
			}
		}
		Ok(Included { block, number, events })
	}

	/// Follows a submitted extrinsic to the finalized block that includes it.
	async fn finish_watch(&self, mut sub: TxWatch) -> Result<H256, Watch> {
		use subxt_rpcs::methods::legacy::TransactionStatus as S;
		// A block that is in the chain but whose finality the node never reports (it should)
		// is taken after this long.
		const AFTER_IN_BLOCK: Duration = Duration::from_secs(60);
		let mut in_block = None;
		loop {
			let next = match in_block {
				Some(_) => match tokio::time::timeout(AFTER_IN_BLOCK, sub.next()).await {
					Ok(next) => next,
					Err(_) => break,
				},
				None => sub.next().await,
			};
			let Some(status) = next else { break };
			match status.map_err(|e| Watch::Lost(rpc_err(e)))? {
				S::InBlock(block) => in_block = Some(block),
				S::Retracted(_) => in_block = None,
				S::Finalized(block) => return Ok(block),
				S::Dropped => {
					return Err(Watch::NotIn(ChainError::Refused("dropped from the pool".into())))
				}
				S::Invalid => {
					return Err(Watch::NotIn(ChainError::Refused(
						"became invalid in the pool".into(),
					)))
				}
				S::Usurped(_) => {
					return Err(Watch::NotIn(ChainError::Refused(
						"usurped by another extrinsic with its nonce".into(),
					)))
				}
				S::FinalityTimeout(_) => {
					return Err(Watch::Lost(ChainError::Rpc("finality timeout".into())))
				}
				_ => {}
			}
		}
		in_block.ok_or_else(|| {
			Watch::Lost(ChainError::Rpc("the node closed the transaction watch".into()))
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn lost(m: &str) -> Watch {
		Watch::Lost(ChainError::Rpc(m.into()))
	}

	#[test]
	fn an_extrinsic_that_may_be_in_the_pool_is_never_sent_again() {
		let failures: [fn() -> Watch; 3] = [
			|| lost("finality timeout"),
			|| lost("the node closed the transaction watch"),
			|| submit_error("RPC error 1013: Transaction Already Imported".into()),
		];
		for failure in failures {
			// Whatever retries are left.
			for attempt in [0, 1, 5] {
				match after_failure(failure(), attempt, 5) {
					Retry::No(ChainError::Rpc(m)) => assert!(m.contains("not resent"), "{m}"),
					other => panic!("attempt {attempt}: {other:?}"),
				}
			}
		}
	}

	#[test]
	fn a_nonce_taken_by_another_extrinsic_is_signed_again_until_the_retries_run_out() {
		for m in [
			"Invalid Transaction (1010): Transaction is outdated",
			"Priority is too low: (100 vs 100)",
			"usurped by another extrinsic with its nonce",
			"dropped from the pool",
		] {
			let refused = || Watch::NotIn(ChainError::Refused(m.into()));
			assert_eq!(after_failure(refused(), 0, 3), Retry::Resign, "{m}");
			assert_eq!(after_failure(refused(), 3, 3), Retry::No(ChainError::Refused(m.into())));
		}
	}

	#[test]
	fn an_extrinsic_the_pool_never_saw_is_resent_and_a_refused_one_is_not() {
		let io = || submit_error("connection reset by peer".into());
		assert_eq!(after_failure(io(), 0, 3), Retry::Resend);
		assert_eq!(
			after_failure(io(), 3, 3),
			Retry::No(ChainError::Rpc("connection reset by peer".into()))
		);
		let m = "Invalid Transaction (1010): Inability to pay some fees";
		assert_eq!(
			after_failure(submit_error(m.into()), 0, 3),
			Retry::No(ChainError::Refused(m.into()))
		);
	}
}
