//! The load generator behind `aegis load`: what the product sustains, and what a user waits,
//! measured from outside as users reach it.
//!
//! K accounts derived from a seed (`//load//0`, `//load//1`, ...) are funded by a dev funder in
//! one burst of pre-signed transfers. Each run then pre-builds and signs every transaction
//! before the clock starts (nonces pipelined from the account's next index), in one of two
//! modes on the same node:
//!
//! - `plain`: `Balances::transfer_keep_alive` to the next account;
//! - `encrypted`: the same transfer encrypted to the attested cluster key and sent through
//!   `Sequencer::submit_encrypted`.
//!
//! It sends them over several RPC connections (each account's transactions on one connection,
//! in nonce order), at a fixed offered rate or as fast as the node accepts, and follows every
//! one to its outcome from the finalized blocks' bodies and events: inclusion, then for
//! encrypted ones `EntryExecuted`, `EntryRejected` or `Expired`. What is neither included nor in
//! the node's pool when the chain stops making progress is **lost**.

// A client-side tool: every index is into the vectors built with it (one track per prepared
// transaction, one lane per connection).
#![allow(clippy::indexing_slicing)]

use crate::chain::{describe_dispatch_error, AegisRpc, BlockNumber, Chain, RpcChain};
use aegis_envelope::RecipientPublicKey;
use aegis_primitives::batch::SubmissionId;
use aegis_runtime::{AccountId, RuntimeCall, RuntimeEvent};
use codec::Encode;
use frame_support::dispatch::GetDispatchInfo;
use serde::Serialize;
use sp_core::{sr25519, Pair, H256};
use std::{
	collections::{BTreeMap, HashMap, HashSet},
	sync::Arc,
	time::{Duration, Instant},
};

type Rpc = subxt_rpcs::LegacyRpcMethods<AegisRpc>;
type Events = Vec<frame_system::EventRecord<RuntimeEvent, H256>>;
/// When a transaction was sent, the finalized block then, and the node's answer.
type Answer = (Instant, BlockNumber, Result<(), String>);

/// Why the load generator stopped.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
	/// The node's RPC.
	#[error("rpc: {0}")]
	Rpc(String),
	/// The chain cannot take the load as configured.
	#[error("{0}")]
	Setup(String),
}

fn rpc_err(e: impl std::fmt::Display) -> LoadError {
	LoadError::Rpc(e.to_string())
}

/// How a run's transactions reach the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
	/// A signed `transfer_keep_alive`.
	Plain,
	/// The same transfer through `submit_encrypted`.
	Encrypted,
}

impl std::str::FromStr for Mode {
	type Err = String;
	fn from_str(s: &str) -> Result<Self, String> {
		match s {
			"plain" => Ok(Self::Plain),
			"encrypted" => Ok(Self::Encrypted),
			_ => Err(format!("`{s}` is not a mode: plain or encrypted")),
		}
	}
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Settings {
	/// The node's WebSocket RPC endpoint.
	pub url: String,
	/// How many sending accounts.
	pub accounts: u32,
	/// Transactions per account and run.
	pub per_account: u32,
	/// Offered rates in transactions per second; 0 sends as fast as the node accepts.
	pub rates: Vec<f64>,
	/// The modes, each run at every rate, in this order.
	pub modes: Vec<Mode>,
	/// RPC connections to send over.
	pub connections: usize,
	/// Requests in flight per connection.
	pub in_flight: usize,
	/// Spread each account's transactions over all connections (they then reach the node out
	/// of nonce order, as from a naive client), instead of one connection per account.
	pub spread: bool,
	/// How long without any outcome before the rest is counted (pending or lost).
	pub settle: Duration,
	/// The account that funds the senders (a dev URI).
	pub funder: String,
	/// The senders' derivation root: account `i` is `{seed}//{i}`.
	pub seed: String,
	/// What each sender is funded up to, in plancks.
	pub fund: u128,
	/// Workers' `/metrics` addresses (`host:port`) to read pipeline timings and memory from.
	pub worker_metrics: Vec<String>,
}

impl Settings {
	/// The defaults `aegis load` documents.
	pub fn new(url: &str) -> Self {
		Self {
			url: url.into(),
			accounts: 64,
			per_account: 40,
			rates: vec![0.0],
			modes: vec![Mode::Plain, Mode::Encrypted],
			connections: 4,
			in_flight: 32,
			spread: false,
			settle: Duration::from_secs(30),
			funder: "//Alice".into(),
			seed: "//load".into(),
			fund: 1_000 * aegis_runtime::UNIT,
			worker_metrics: Vec::new(),
		}
	}
}

/// Percentiles of a sample.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
	/// Median.
	pub p50: f64,
	/// 90th percentile.
	pub p90: f64,
	/// 99th percentile.
	pub p99: f64,
	/// Largest.
	pub max: f64,
}

impl Spread {
	/// Nearest-rank percentiles of `values` (all zero when empty).
	pub fn of(mut values: Vec<f64>) -> Self {
		if values.is_empty() {
			return Self::default();
		}
		values.sort_by(f64::total_cmp);
		let rank = |q: f64| {
			let i = (q * values.len() as f64).ceil() as usize;
			values.get(i.saturating_sub(1).min(values.len() - 1)).copied().unwrap_or_default()
		};
		Self { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: rank(1.0) }
	}
}

/// The batches a run's blocks carried.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Batching {
	/// Batches committed while the run's entries executed.
	pub batches: u32,
	/// Mean entries per batch.
	pub entries_per_batch_mean: f64,
	/// Most entries in one batch.
	pub entries_per_batch_max: u32,
	/// Most of the run's outcomes in one block.
	pub outcomes_per_block_max: u32,
}

/// One run's result.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RunReport {
	/// How the transactions were sent.
	pub mode: Option<Mode>,
	/// The configured rate (0: as fast as the node accepts).
	pub rate: f64,
	/// The rate the sender achieved, transactions per second.
	pub offered: f64,
	/// Transactions sent.
	pub sent: u32,
	/// Refused by the node at submission (with a reason, to the sender).
	pub refused: u32,
	/// The refusals' reasons and counts.
	pub refusals: BTreeMap<String, u32>,
	/// In a block.
	pub included: u32,
	/// Their call ran and succeeded.
	pub executed: u32,
	/// Their call ran and failed, or the extrinsic failed.
	pub failed: u32,
	/// Rejected by the sequencer (refunded less the reject fee).
	pub rejected: u32,
	/// Why calls failed or were rejected, and how often.
	pub failures: BTreeMap<String, u32>,
	/// Expired unsequenced (refunded in full).
	pub expired: u32,
	/// Accepted, and when the chain stopped making progress still in the node's pool or
	/// pending on chain.
	pub pending: u32,
	/// Accepted, then neither included nor in the pool: what must never happen.
	pub lost: u32,
	/// Executed per second from the first send to the last outcome (end to end: for a burst,
	/// the rate the whole backlog went through).
	pub throughput: f64,
	/// Executed per second over the steady window: the blocks between those reaching 10 % and
	/// 90 % of the outcomes (for a burst, the drain rate once outcomes flow).
	pub steady_throughput: f64,
	/// Seconds from the first send to the last outcome.
	pub duration: f64,
	/// Seconds from sending to the outcome's block being seen.
	pub latency_seconds: Spread,
	/// Blocks from the submission's block (plain: the best block when sent; encrypted: the
	/// block that included `submit_encrypted`) to the outcome's block.
	pub latency_blocks: Spread,
	/// Batching of the run's entries.
	pub batching: Batching,
	/// Mean seconds per observation of each worker histogram during the run.
	pub worker_timings: BTreeMap<String, f64>,
	/// The highest resident memory a worker reported during the run, in bytes.
	pub worker_peak_rss: u64,
}

/// A sweep's result: the JSON file `aegis load` writes.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
	/// When it ran (unix seconds).
	pub started: u64,
	/// The node.
	pub url: String,
	/// Logical CPUs of the machine the generator ran on.
	pub cpus: usize,
	/// Senders.
	pub accounts: u32,
	/// Transactions per account and run.
	pub per_account: u32,
	/// The chain's mean block interval during the sweep, seconds.
	pub block_interval: f64,
	/// Every run.
	pub runs: Vec<RunReport>,
}

struct Prepared {
	account: usize,
	hash: H256,
	bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
enum Fate {
	Executed,
	Failed(String),
	Rejected(String),
	Expired,
}

#[derive(Clone, Debug, Default)]
struct Track {
	sent: Option<Instant>,
	sent_block: BlockNumber,
	refused: Option<String>,
	included: Option<BlockNumber>,
	outcome: Option<(Fate, BlockNumber)>,
}

struct Seen {
	number: BlockNumber,
	at: Instant,
	extrinsics: Vec<H256>,
	events: Events,
}

fn xt_hash(bytes: &[u8]) -> H256 {
	<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(bytes)
}

async fn connect(url: &str) -> Result<(subxt_rpcs::RpcClient, Rpc), LoadError> {
	let client = subxt_rpcs::RpcClient::from_insecure_url(url)
		.await
		.map_err(|e| LoadError::Rpc(format!("cannot connect to {url}: {e}")))?;
	Ok((client.clone(), subxt_rpcs::LegacyRpcMethods::new(client)))
}

/// The senders: `{seed}//{i}`.
pub fn senders(seed: &str, count: u32) -> Result<Vec<sr25519::Pair>, LoadError> {
	(0..count)
		.map(|i| {
			sr25519::Pair::from_string(&format!("{seed}//{i}"), None)
				.map_err(|e| LoadError::Setup(format!("seed `{seed}`: {e:?}")))
		})
		.collect()
}

fn transfer(to: &AccountId, value: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: to.clone().into(),
		value,
	})
}

fn sign(pair: &sr25519::Pair, call: RuntimeCall, nonce: u32, genesis: H256) -> Prepared {
	let xt = aegis_runtime::signed_extrinsic(call, pair.public().into(), nonce, genesis, |p| {
		sp_runtime::MultiSignature::Sr25519(pair.sign(p))
	})
	.encode();
	Prepared { account: 0, hash: xt_hash(&xt), bytes: xt }
}

async fn next_nonce(chain: &RpcChain, who: &AccountId) -> Result<u32, LoadError> {
	let n = chain.next_nonce(who).await.map_err(rpc_err)?;
	u32::try_from(n).map_err(|_| LoadError::Setup(format!("{who}'s nonce {n} overflows")))
}

/// Tops every sender up to `settings.fund` in one burst of the funder's pre-signed transfers
/// and waits until all are funded.
async fn fund(
	chain: &RpcChain,
	settings: &Settings,
	senders: &[sr25519::Pair],
) -> Result<(), LoadError> {
	let genesis = H256(chain.genesis());
	let funder = crate::keys::dev_pair(&settings.funder)
		.ok_or_else(|| LoadError::Setup(format!("`{}` is not a dev URI", settings.funder)))?;
	let mut short = Vec::new();
	for pair in senders {
		let who: AccountId = pair.public().into();
		let free = chain.free_balance(&who).await.map_err(rpc_err)?;
		if free < settings.fund / 2 {
			short.push((who, settings.fund - free));
		}
	}
	if short.is_empty() {
		return Ok(());
	}
	let (_, rpc) = connect(&settings.url).await?;
	let mut nonce = next_nonce(chain, &funder.public().into()).await?;
	for (who, amount) in &short {
		let xt = sign(&funder, transfer(who, *amount), nonce, genesis);
		rpc.author_submit_extrinsic(&xt.bytes)
			.await
			.map_err(|e| LoadError::Setup(format!("funding {who}: {e}")))?;
		nonce += 1;
	}
	let deadline = Instant::now() + Duration::from_secs(120);
	for (who, _) in &short {
		while chain.free_balance(who).await.map_err(rpc_err)? < settings.fund / 2 {
			if Instant::now() > deadline {
				return Err(LoadError::Setup(format!("{who} was not funded within 120 s")));
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}
	Ok(())
}

/// The cluster key a user's client would encrypt to, checked as `aegis submit` checks it.
async fn cluster_key(chain: &RpcChain) -> Result<RecipientPublicKey, LoadError> {
	let key = crate::client::checked_cluster_key(chain).await.map_err(rpc_err)?;
	Ok(key.key)
}

/// Every transaction of a run, built and signed, in the order they are sent: round-robin over
/// the accounts, each account's in nonce order.
fn prepare(
	mode: Mode,
	senders: &[sr25519::Pair],
	nonces: &[u32],
	per_account: u32,
	genesis: H256,
	key: Option<&RecipientPublicKey>,
) -> Vec<Prepared> {
	let accounts: Vec<AccountId> = senders.iter().map(|p| p.public().into()).collect();
	let mut out = Vec::with_capacity(senders.len() * per_account as usize);
	for n in 0..per_account {
		for (a, pair) in senders.iter().enumerate() {
			let to = &accounts[(a + 1) % accounts.len()];
			let call = transfer(to, aegis_runtime::MILLI_UNIT + u128::from(n));
			let call = match (mode, key) {
				(Mode::Encrypted, Some(key)) => {
					let max_weight = call.get_dispatch_info().call_weight;
					let (envelope, commitment) =
						crate::client::encrypt(&genesis.0, &accounts[a], &call, key);
					RuntimeCall::Sequencer(pallet_sequencer::Call::submit_encrypted {
						envelope: envelope.try_into().expect("a transfer's envelope fits"),
						commitment,
						max_weight,
					})
				}
				_ => call,
			};
			let mut xt = sign(pair, call, nonces[a] + n, genesis);
			xt.account = a;
			out.push(xt);
		}
	}
	out
}

/// Follows finalized blocks from `from` on, sending each with the time it was seen final.
async fn follow(
	chain: Arc<RpcChain>,
	from: BlockNumber,
	tx: tokio::sync::mpsc::UnboundedSender<Seen>,
) -> Result<(), LoadError> {
	let mut next = from;
	loop {
		chain.wait_finalized_after(next.saturating_sub(1), Duration::from_secs(60)).await;
		let head = chain.finalized_number();
		let at = Instant::now();
		while next <= head {
			let (hash, events) = chain
				.block_events(next)
				.await
				.map_err(rpc_err)?
				.ok_or_else(|| LoadError::Rpc(format!("finalized block {next} has no hash")))?;
			let extrinsics =
				chain.block(hash).await.map_err(rpc_err)?.iter().map(|x| xt_hash(x)).collect();
			if tx.send(Seen { number: next, at, extrinsics, events }).is_err() {
				return Ok(());
			}
			next += 1;
		}
	}
}

/// Sends `txs` over `connections` (each account's on one connection, in order) at `rate`
/// per second (0: as fast as the node takes them); records each send's time and the node's
/// answer.
async fn send(
	url: &str,
	txs: &[Prepared],
	rate: f64,
	(connections, in_flight, spread): (usize, usize, bool),
	finalized: tokio::sync::watch::Receiver<BlockNumber>,
) -> Result<Vec<Answer>, LoadError> {
	use futures::StreamExt;
	let start = tokio::time::Instant::now();
	let count = connections.max(1);
	let mut lanes: Vec<Vec<usize>> = vec![Vec::new(); count];
	for (i, tx) in txs.iter().enumerate() {
		lanes[if spread { i } else { tx.account } % count].push(i);
	}
	let txs: Arc<Vec<Vec<u8>>> = Arc::new(txs.iter().map(|t| t.bytes.clone()).collect());
	let mut tasks = tokio::task::JoinSet::new();
	for lane in lanes {
		let (_, rpc) = connect(url).await?;
		let txs = txs.clone();
		let finalized = finalized.clone();
		tasks.spawn(async move {
			futures::stream::iter(lane)
				.map(|i| {
					let (rpc, txs, finalized) = (rpc.clone(), txs.clone(), finalized.clone());
					async move {
						if rate > 0.0 {
							tokio::time::sleep_until(
								start + Duration::from_secs_f64(i as f64 / rate),
							)
							.await;
						}
						let at = Instant::now();
						let block = *finalized.borrow();
						let answer = rpc
							.author_submit_extrinsic(&txs[i])
							.await
							.map(|_| ())
							.map_err(|e| e.to_string());
						(i, (at, block, answer))
					}
				})
				.buffer_unordered(in_flight.max(1))
				.collect::<Vec<_>>()
				.await
		});
	}
	let mut out = vec![None; txs.len()];
	while let Some(lane) = tasks.join_next().await {
		for (i, r) in lane.map_err(|e| LoadError::Rpc(format!("a sender task: {e}")))? {
			out[i] = Some(r);
		}
	}
	Ok(out.into_iter().map(|r| r.expect("every transaction is sent once")).collect())
}

/// Applies a finalized block to the run's tracks.
fn apply(
	seen: &Seen,
	mode: Mode,
	by_hash: &HashMap<H256, usize>,
	by_id: &mut HashMap<SubmissionId, usize>,
	tracks: &mut [Track],
	batches: &mut Vec<u32>,
) {
	let ours: Vec<Option<usize>> =
		seen.extrinsics.iter().map(|h| by_hash.get(h).copied()).collect();
	for t in ours.iter().flatten() {
		tracks[*t].included = Some(seen.number);
	}
	let mut set = |t: usize, fate: Fate| {
		if tracks[t].outcome.is_none() {
			tracks[t].outcome = Some((fate, seen.number));
		}
	};
	for record in &seen.events {
		let mine = match record.phase {
			frame_system::Phase::ApplyExtrinsic(i) => ours.get(i as usize).copied().flatten(),
			_ => None,
		};
		match &record.event {
			RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. }) => {
				if let (Some(t), Mode::Plain) = (mine, mode) {
					set(t, Fate::Executed);
				}
			}
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) => {
				if let Some(t) = mine {
					set(t, Fate::Failed(describe_dispatch_error(dispatch_error)));
				}
			}
			RuntimeEvent::Sequencer(pallet_sequencer::Event::Submitted { id, .. }) => {
				if let Some(t) = mine {
					by_id.insert(*id, t);
				}
			}
			RuntimeEvent::Sequencer(pallet_sequencer::Event::BatchCommitted {
				entries, ..
			}) => batches.push(*entries),
			RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryExecuted {
				id, outcome, ..
			}) => {
				if let Some(t) = by_id.get(id).copied() {
					let fate = match outcome {
						pallet_sequencer::EntryOutcome::Executed { result: Ok(()), .. } => {
							Fate::Executed
						}
						pallet_sequencer::EntryOutcome::Executed { result: Err(e), .. } => {
							Fate::Failed(describe_dispatch_error(e))
						}
						other => Fate::Failed(format!("{other:?}")),
					};
					set(t, fate);
				}
			}
			RuntimeEvent::Sequencer(pallet_sequencer::Event::EntryRejected {
				id, reason, ..
			}) => {
				if let Some(t) = by_id.get(id).copied() {
					set(t, Fate::Rejected(format!("{reason:?}")));
				}
			}
			RuntimeEvent::Sequencer(pallet_sequencer::Event::Expired { id, .. }) => {
				if let Some(t) = by_id.get(id).copied() {
					set(t, Fate::Expired);
				}
			}
			_ => {}
		}
	}
}

/// Reads a worker's `/metrics` at `host:port`: every sample by its name with labels.
async fn scrape(addr: &str) -> Option<BTreeMap<String, f64>> {
	let addr = addr.to_string();
	let response = tokio::task::spawn_blocking(move || crate::http::tcp(&addr, "GET", "/metrics"))
		.await
		.ok()?
		.ok()?;
	Some(parse_metrics(&String::from_utf8_lossy(&response.body)))
}

/// The samples of a Prometheus text exposition, by name with labels.
pub fn parse_metrics(text: &str) -> BTreeMap<String, f64> {
	text.lines()
		.filter(|l| !l.starts_with('#'))
		.filter_map(|l| {
			let (name, value) = l.rsplit_once(' ')?;
			Some((name.to_string(), value.parse().ok()?))
		})
		.collect()
}

/// Mean seconds per observation of each histogram between two scrapes (labelled series each
/// on its own).
fn timings(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
	let delta =
		|k: &str| after.get(k).copied().unwrap_or(0.0) - before.get(k).copied().unwrap_or(0.0);
	after
		.keys()
		.filter_map(|k| {
			let (name, labels) = k.split_at(k.find('{').unwrap_or(k.len()));
			let base = name.strip_suffix("_sum")?;
			let count = delta(&format!("{base}_count{labels}"));
			(count > 0.0).then(|| (format!("{base}{labels}"), delta(k) / count))
		})
		.collect()
}

/// Runs the sweep: funds the senders, then every mode at every rate.
pub async fn run(settings: &Settings) -> Result<Report, LoadError> {
	if settings.accounts < 2 || settings.per_account == 0 {
		return Err(LoadError::Setup("at least two accounts and one transaction each".into()));
	}
	let chain = Arc::new(RpcChain::connect(&settings.url, 3).await.map_err(rpc_err)?);
	let senders = senders(&settings.seed, settings.accounts)?;
	fund(&chain, settings, &senders).await?;
	let started = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_secs());
	let sweep_start = (Instant::now(), current_finalized(&chain).await?);
	let mut runs = Vec::new();
	for mode in &settings.modes {
		for rate in &settings.rates {
			let report = run_one(settings, &chain, &senders, *mode, *rate).await?;
			runs.push(report);
		}
	}
	let blocks = current_finalized(&chain).await?.saturating_sub(sweep_start.1).max(1);
	Ok(Report {
		started,
		url: settings.url.clone(),
		cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
		accounts: settings.accounts,
		per_account: settings.per_account,
		block_interval: sweep_start.0.elapsed().as_secs_f64() / f64::from(blocks),
		runs,
	})
}

async fn current_finalized(chain: &RpcChain) -> Result<BlockNumber, LoadError> {
	Ok(chain.finalized_head().await.map_err(rpc_err)?.1)
}

/// The hashes in the node's pool.
async fn pool(client: &subxt_rpcs::RpcClient) -> Result<HashSet<H256>, LoadError> {
	let pending: Vec<sp_core::Bytes> = client
		.request("author_pendingExtrinsics", subxt_rpcs::rpc_params![])
		.await
		.map_err(rpc_err)?;
	Ok(pending.iter().map(|x| xt_hash(&x.0)).collect())
}

async fn run_one(
	settings: &Settings,
	chain: &Arc<RpcChain>,
	senders: &[sr25519::Pair],
	mode: Mode,
	rate: f64,
) -> Result<RunReport, LoadError> {
	let genesis = H256(chain.genesis());
	let key = match mode {
		Mode::Encrypted => Some(cluster_key(chain).await?),
		Mode::Plain => None,
	};
	let mut nonces = Vec::with_capacity(senders.len());
	for pair in senders {
		nonces.push(next_nonce(chain, &pair.public().into()).await?);
	}
	let per_account = settings.per_account;
	let signers = senders.to_vec();
	let txs = tokio::task::spawn_blocking(move || {
		prepare(mode, &signers, &nonces, per_account, genesis, key.as_ref())
	})
	.await
	.map_err(|e| LoadError::Setup(format!("preparing: {e}")))?;
	let by_hash: HashMap<H256, usize> = txs.iter().enumerate().map(|(i, t)| (t.hash, i)).collect();
	let mut tracks = vec![Track::default(); txs.len()];

	// The clock starts here: blocks are followed from the next one on.
	let from = current_finalized(chain).await? + 1;
	let (block_tx, mut blocks) = tokio::sync::mpsc::unbounded_channel();
	let follower = tokio::spawn(follow(chain.clone(), from, block_tx));
	let (finalized_tx, finalized_rx) = tokio::sync::watch::channel(from - 1);
	let metrics_before = scrape_all(&settings.worker_metrics).await;
	let peak_rss = Arc::new(std::sync::atomic::AtomicU64::new(0));
	let sampler = tokio::spawn(sample_rss(settings.worker_metrics.clone(), peak_rss.clone()));
	let started = Instant::now();

	let sender = {
		let (url, txs) = (settings.url.clone(), txs);
		let lanes = (settings.connections, settings.in_flight, settings.spread);
		tokio::spawn(async move { send(&url, &txs, rate, lanes, finalized_rx).await })
	};
	let mut by_id = HashMap::new();
	let mut batches = Vec::new();
	// The run starts with the block before the first one followed.
	let mut seen_at: BTreeMap<BlockNumber, Instant> = BTreeMap::from([(from - 1, started)]);
	let mut sent: Option<Vec<Answer>> = None;
	let mut sender = Some(sender);
	let mut last_progress = Instant::now();
	let mut outcomes = 0usize;
	loop {
		if let Some(task) = sender.as_mut().filter(|t| t.is_finished()) {
			let answers =
				task.await.map_err(|e| LoadError::Rpc(format!("the sender task: {e}")))??;
			for (t, (at, block, answer)) in tracks.iter_mut().zip(&answers) {
				t.sent = Some(*at);
				t.sent_block = *block;
				t.refused = answer.clone().err();
			}
			sent = Some(answers);
			sender = None;
			last_progress = Instant::now();
		}
		let accepted = tracks.iter().filter(|t| t.refused.is_none()).count();
		if sent.is_some() && outcomes >= accepted {
			break;
		}
		if sent.is_some() && last_progress.elapsed() > settings.settle {
			break;
		}
		match tokio::time::timeout(Duration::from_millis(200), blocks.recv()).await {
			Ok(Some(block)) => {
				let _ = finalized_tx.send(block.number);
				seen_at.insert(block.number, block.at);
				apply(&block, mode, &by_hash, &mut by_id, &mut tracks, &mut batches);
				let now = tracks.iter().filter(|t| t.outcome.is_some()).count();
				if now > outcomes || !block.extrinsics.is_empty() && now == 0 {
					last_progress = Instant::now();
				}
				outcomes = now;
			}
			Ok(None) => {
				return Err(match follower.await {
					Ok(Err(e)) => e,
					_ => LoadError::Rpc("the block follower stopped".into()),
				})
			}
			Err(_) => {}
		}
	}
	follower.abort();
	sampler.abort();
	let metrics_after = scrape_all(&settings.worker_metrics).await;
	let in_pool = pool(&connect(&settings.url).await?.0).await?;
	let hashes: Vec<H256> =
		by_hash.iter().fold(vec![H256::zero(); tracks.len()], |mut v, (h, i)| {
			v[*i] = *h;
			v
		});
	let mut report = summarize(mode, rate, &tracks, &hashes, &in_pool, &seen_at, started, &batches);
	report.worker_timings = timings(&metrics_before, &metrics_after);
	report.worker_peak_rss = peak_rss.load(std::sync::atomic::Ordering::Relaxed);
	Ok(report)
}

async fn scrape_all(addrs: &[String]) -> BTreeMap<String, f64> {
	let mut all = BTreeMap::new();
	// Several workers' samples are summed: their histograms' means stay means.
	for addr in addrs {
		for (k, v) in scrape(addr).await.unwrap_or_default() {
			*all.entry(k).or_insert(0.0) += v;
		}
	}
	all
}

async fn sample_rss(addrs: Vec<String>, peak: Arc<std::sync::atomic::AtomicU64>) {
	loop {
		for addr in &addrs {
			if let Some(m) = scrape(addr).await {
				if let Some(rss) = m.get("aegis_worker_resident_memory_bytes") {
					peak.fetch_max(*rss as u64, std::sync::atomic::Ordering::Relaxed);
				}
			}
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

/// The run's figures from its tracks.
#[allow(clippy::too_many_arguments)]
fn summarize(
	mode: Mode,
	rate: f64,
	tracks: &[Track],
	hashes: &[H256],
	in_pool: &HashSet<H256>,
	seen_at: &BTreeMap<BlockNumber, Instant>,
	started: Instant,
	batches: &[u32],
) -> RunReport {
	let mut r =
		RunReport { mode: Some(mode), rate, sent: tracks.len() as u32, ..Default::default() };
	let mut latency_s = Vec::new();
	let mut latency_b = Vec::new();
	let mut per_block: BTreeMap<BlockNumber, u32> = BTreeMap::new();
	let last_send = tracks.iter().filter_map(|t| t.sent).max().unwrap_or(started);
	let send_time = last_send.saturating_duration_since(started).as_secs_f64();
	r.offered = if send_time > 0.0 { tracks.len() as f64 / send_time } else { 0.0 };
	for (t, hash) in tracks.iter().zip(hashes) {
		if let Some(why) = &t.refused {
			r.refused += 1;
			*r.refusals.entry(why.clone()).or_insert(0) += 1;
			continue;
		}
		r.included += u32::from(t.included.is_some());
		let Some((fate, block)) = &t.outcome else {
			if in_pool.contains(hash) || t.included.is_some() {
				r.pending += 1;
			} else {
				r.lost += 1;
			}
			continue;
		};
		match fate {
			Fate::Executed => r.executed += 1,
			Fate::Failed(why) => {
				r.failed += 1;
				*r.failures.entry(why.clone()).or_insert(0) += 1;
			}
			Fate::Rejected(why) => {
				r.rejected += 1;
				*r.failures.entry(format!("rejected: {why}")).or_insert(0) += 1;
			}
			Fate::Expired => r.expired += 1,
		}
		*per_block.entry(*block).or_insert(0) += 1;
		if let (Some(sent), Some(at)) = (t.sent, seen_at.get(block)) {
			latency_s.push(at.saturating_duration_since(sent).as_secs_f64());
		}
		let from = match mode {
			Mode::Plain => t.sent_block,
			Mode::Encrypted => t.included.unwrap_or(t.sent_block),
		};
		latency_b.push(f64::from(block.saturating_sub(from)));
	}
	r.latency_seconds = Spread::of(latency_s);
	r.latency_blocks = Spread::of(latency_b);
	r.batching = Batching {
		batches: batches.len() as u32,
		entries_per_batch_mean: if batches.is_empty() {
			0.0
		} else {
			f64::from(batches.iter().sum::<u32>()) / batches.len() as f64
		},
		entries_per_batch_max: batches.iter().copied().max().unwrap_or(0),
		outcomes_per_block_max: per_block.values().copied().max().unwrap_or(0),
	};
	r.steady_throughput = throughput(&per_block, seen_at).1;
	r.duration = per_block
		.keys()
		.next_back()
		.and_then(|b| seen_at.get(b))
		.map_or(0.0, |at| at.saturating_duration_since(started).as_secs_f64());
	r.throughput = if r.duration > 0.0 { f64::from(r.executed) / r.duration } else { 0.0 };
	r
}

/// Outcomes per second from the block before the first outcome's to the last outcome's, and
/// over the blocks between 10 % and 90 % of the outcomes (the whole when that window is under
/// two blocks).
pub fn throughput(
	per_block: &BTreeMap<BlockNumber, u32>,
	seen_at: &BTreeMap<BlockNumber, Instant>,
) -> (f64, f64) {
	let (Some((first, _)), Some((last, _))) =
		(per_block.iter().next(), per_block.iter().next_back())
	else {
		return (0.0, 0.0);
	};
	let span = |from: BlockNumber, to: BlockNumber| -> Option<f64> {
		let a = seen_at.get(&from)?;
		let b = seen_at.get(&to)?;
		let s = b.saturating_duration_since(*a).as_secs_f64();
		(s > 0.0).then_some(s)
	};
	let total: u32 = per_block.values().sum();
	let whole = span(first.saturating_sub(1), *last)
		.or_else(|| {
			span(*first, *last).map(|s| s * f64::from(last - first + 1) / f64::from(last - first))
		})
		.map_or(0.0, |s| f64::from(total) / s);
	// Cumulative outcomes by block: the window starts at the block reaching 10 % and ends at
	// the last block not past 90 %.
	let mut cumulative = 0u32;
	let (mut low, mut high) = (None, None);
	for (b, n) in per_block {
		cumulative += n;
		if low.is_none() && cumulative * 10 >= total {
			low = Some((*b, cumulative));
		}
		if cumulative * 10 <= total * 9 {
			high = Some((*b, cumulative));
		}
	}
	let steady = match (low, high) {
		(Some((lb, lc)), Some((hb, hc))) if hb > lb + 1 => {
			span(lb, hb).map_or(whole, |s| f64::from(hc - lc) / s)
		}
		_ => whole,
	};
	(whole, steady)
}

/// One line of a run's figures, for the terminal.
pub fn summary_line(r: &RunReport) -> String {
	format!(
		"{:>9} rate {:>6}: sent {} (offered {:.0}/s), executed {}, failed {}, rejected {}, \
		 expired {}, refused {}, pending {}, lost {}; {:.0} tx/s end to end ({:.0} steady); \
		 latency p50 {:.1} s / {} blocks, p99 {:.1} s / {} blocks; {} batches, ≤ {} entries",
		format!("{:?}", r.mode.unwrap_or(Mode::Plain)).to_lowercase(),
		if r.rate > 0.0 { format!("{}", r.rate) } else { "max".into() },
		r.sent,
		r.offered,
		r.executed,
		r.failed,
		r.rejected,
		r.expired,
		r.refused,
		r.pending,
		r.lost,
		r.throughput,
		r.steady_throughput,
		r.latency_seconds.p50,
		r.latency_blocks.p50,
		r.latency_seconds.p99,
		r.latency_blocks.p99,
		r.batching.batches,
		r.batching.entries_per_batch_max,
	)
}

/// Draws throughput and latency against the offered rate, plain beside encrypted.
pub fn chart(report: &Report, path: &std::path::Path) -> Result<(), String> {
	crate::load_chart::draw(report, path)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn percentiles_are_nearest_rank() {
		let s = Spread::of((1..=100).map(f64::from).collect());
		assert_eq!(s, Spread { p50: 50.0, p90: 90.0, p99: 99.0, max: 100.0 });
		assert_eq!(Spread::of(vec![]), Spread::default());
		assert_eq!(Spread::of(vec![3.0]).p99, 3.0);
	}

	#[test]
	fn throughput_counts_the_window_the_blocks_took() {
		let t0 = Instant::now();
		let seen: BTreeMap<BlockNumber, Instant> =
			(10..=20).map(|b| (b, t0 + Duration::from_secs(u64::from(b - 10)))).collect();
		// 100 outcomes in each of blocks 11..=20: ten blocks, ten seconds.
		let per_block: BTreeMap<BlockNumber, u32> = (11..=20).map(|b| (b, 100)).collect();
		let (whole, steady) = throughput(&per_block, &seen);
		assert!((whole - 100.0).abs() < 1e-9, "{whole}");
		assert!((steady - 100.0).abs() < 1e-9, "{steady}");
		// A slow tail does not lower the steady figure.
		let mut tailed = per_block.clone();
		tailed.insert(20, 10);
		let (whole, steady) = throughput(&tailed, &seen);
		assert!(whole < 100.0 && (steady - 100.0).abs() < 1e-9, "{whole} {steady}");
		assert_eq!(throughput(&BTreeMap::new(), &seen), (0.0, 0.0));
	}

	#[test]
	fn timings_are_means_over_the_run() {
		let before = parse_metrics("# HELP x\na_seconds_sum 1\na_seconds_count 2\nb 5\n");
		let after = parse_metrics("a_seconds_sum 4\na_seconds_count 5\nb 9\nc_seconds_sum 1\n");
		let t = timings(&before, &after);
		assert_eq!(t.get("a_seconds"), Some(&1.0));
		assert_eq!(t.len(), 1, "{t:?}");
		let labelled = |sum, count| {
			parse_metrics(&format!(
				"s_seconds_sum{{suites=\"ml-dsa-87\"}} {sum}\ns_seconds_count{{suites=\"ml-dsa-87\"}} {count}\n"
			))
		};
		let t = timings(&labelled(0.5, 1), &labelled(2.5, 5));
		assert_eq!(t.get("s_seconds{suites=\"ml-dsa-87\"}"), Some(&0.5), "{t:?}");
	}
}
