// The chain side of the SDK, on polkadot.js (`@polkadot/api`), from the metadata the node
// serves (no custom type definitions): read and check the cluster key, seal a call to it,
// submit it with `sequencer.submit_encrypted`, follow it to its outcome; read the risk oracle,
// the worker registry and the sequencer (docs/protocol.md §12–§16).

import { ApiPromise, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ISubmittableResult, Signer } from '@polkadot/types/types';
import { equal, toHex } from './bytes.js';
import { checkPublicKey, seal } from './envelope.js';
import {
  batchHeaderHash,
  commitment as commitmentOf,
  CONTEXTS,
  encodeRevealedCall,
  type BatchHeader,
  type OrderingRule,
  SALT_LEN,
  type Suite,
  verifySignature,
} from './protocol.js';

/** Why an SDK operation failed: `kind` names the condition, for programs to branch on. */
export class AegisError extends Error {
  constructor(
    readonly kind:
      | 'NoClusterKey'
      | 'Untrusted'
      | 'TooLarge'
      | 'Dispatch'
      | 'Invalid'
      | 'Dropped'
      | 'Timeout',
    message: string,
  ) {
    super(message);
    this.name = 'AegisError';
  }
}

/** The cluster key to encrypt to, checked against the chain. */
export interface ClusterKey {
  epoch: number;
  publicKey: Uint8Array;
  publishedBy: string;
  publishedAt: number;
  /** The active, attested workers that confirmed holding it. */
  activeHolders: string[];
  /**
   * Whether the worker that published it is still active. The chain verified its attestation
   * and its ML-DSA-87 signature over the key when it published; what a sender relies on now
   * is `activeHolders`, since a publisher may leave while other attested workers hold the key.
   */
  publisherActive: boolean;
}

/** The risk oracle's state. */
export interface RiskStatus {
  score: number;
  level: 'Normal' | 'Elevated' | 'Emergency';
  /** A scheduled level change and the block it takes effect. */
  pending?: { level: string; at: number };
  lastUpdated: number;
  stale: boolean;
  /** Suites each batch and checkpoint must carry at this level, and the rotation period. */
  policy: Record<string, unknown>;
}

/** An attested worker as the registry holds it. */
export interface WorkerView {
  account: string;
  kind: string;
  role: string;
  state: string;
  /** MRENCLAVE (SGX), MRTD (TDX), the launch measurement (SEV-SNP) or PCR0 (Nitro). */
  measurement: string;
  /** The whole measurement as the registry holds it. */
  measurementDetail: Record<string, unknown>;
  /** The platform's patch level at its last attestation: Intel's TCB status, the SEV-SNP
   * generation and reported TCB (`Milan bl 4 tee 0 snp 22 ucode 213`), or `Nitro`. */
  tcbStatus: string;
  attestedAt: number;
  expiresAt: number;
  lastHeartbeat: number;
  keys: { hpke: Uint8Array; mlDsa: Uint8Array; slhDsa: Uint8Array };
  leader: boolean;
  /** Key epochs it holds (confirmed on chain). */
  holds: number[];
}

/** A committed batch. */
export interface BatchView {
  block: number;
  blockHash: string;
  sequence: bigint;
  hash: string;
  worker: string;
  entries: number;
  rule: OrderingRule;
  keyEpoch: number;
  /** Whether the header in the extrinsic hashes to the hash the chain reported. */
  headerMatches: boolean;
  signatures: { suite: Suite; bytes: number; verified: boolean | undefined }[];
  cosignatures: number;
}

/** Where a submission is. */
export type SubmissionStatus =
  | { stage: 'signed' }
  | { stage: 'submitted'; id: bigint; block: number; blockHash: string; deposit: bigint }
  | { stage: 'batched'; id: bigint; block: number; sequence: bigint; worker: string }
  | { stage: 'executed'; id: bigint; block: number; ok: boolean; outcome: unknown; charged: bigint }
  | { stage: 'rejected'; id: bigint; block: number; reason: string; charged: bigint }
  | { stage: 'expired'; id: bigint; block: number };

/** The end of a submission. */
export type Outcome = Extract<SubmissionStatus, { stage: 'executed' | 'rejected' | 'expired' }>;

/** Who signs: a keyring pair, or an address with an injected signer (a browser wallet). */
export type Sender = KeyringPair | { address: string; signer: Signer };

/** What `encrypt` produces. */
export interface Sealed {
  envelope: Uint8Array;
  commitment: Uint8Array;
  epoch: number;
  salt: Uint8Array;
  call: Uint8Array;
}

type Call = SubmittableExtrinsic<'promise'> | Uint8Array;

// polkadot.js returns codecs whose shape comes from the metadata; these helpers read them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dyn = any;
const num = (c: Dyn): number => Number(c.toString());
const big = (c: Dyn): bigint => BigInt(c.toString());
const variant = (c: Dyn): string => (c.type ?? c.toString()) as string;

/**
 * A worker record's public keys. (`get('keys_')`, not `.keys`: a polkadot.js struct is a `Map`,
 * and polkadot.js renames a field called `keys`, which its `keys` method would hide.)
 */
function enclaveKeys(info: Dyn): WorkerView['keys'] {
  const k = info.get('keys_') ?? info.get('keys');
  return { hpke: k.hpke.toU8a(), mlDsa: k.mlDsa.toU8a(), slhDsa: k.slhDsa.toU8a() };
}

function randomSalt(): Uint8Array {
  const salt = new Uint8Array(SALT_LEN);
  globalThis.crypto.getRandomValues(salt);
  return salt;
}

/** A QuantumAegis chain, through one polkadot.js `ApiPromise`. */
export class AegisClient {
  private constructor(readonly api: ApiPromise) {}

  /** The API with its metadata-derived sections, which TypeScript cannot know. */
  private get dyn(): Dyn {
    return this.api;
  }

  /** Connects to a node (`ws://…`), or wraps an `ApiPromise` the caller already has. */
  static async connect(endpoint: string | ApiPromise): Promise<AegisClient> {
    const api =
      typeof endpoint === 'string'
        ? await ApiPromise.create({ provider: new WsProvider(endpoint), noInitWarn: true, throwOnConnect: true })
        : endpoint;
    await api.isReady;
    for (const section of ['sequencer', 'teeRegistry', 'riskOracle']) {
      if (!api.tx[section]) throw new AegisError('Invalid', `the chain has no ${section} pallet: is this a QuantumAegis node?`);
    }
    return new AegisClient(api);
  }

  /** Closes the connection. */
  async disconnect(): Promise<void> {
    await this.api.disconnect();
  }

  get genesisHash(): Uint8Array {
    return this.api.genesisHash.toU8a();
  }

  /**
   * The cluster (its view and the active workers) at the finalized block, read once: both
   * runtime calls see the same state.
   */
  private async clusterState(): Promise<{ view: Dyn; active: Dyn[] }> {
    const at: Dyn = await this.api.at(await this.api.rpc.chain.getFinalizedHead());
    const [view, active]: Dyn[] = await Promise.all([at.call.teeRegistryApi.cluster(), at.call.teeRegistryApi.activeWorkers()]);
    return { view, active };
  }

  /**
   * The current cluster key, provided an active, attested worker confirmed holding it and the
   * chain counts the epoch as served. These are the chain's answers as the node this client
   * connects to reports them: use a node you trust (your own, or a light client).
   */
  async clusterKey(): Promise<ClusterKey> {
    return checkedKey(await this.clusterState());
  }

  /**
   * The checked cluster key (or why there is none usable) and the active workers, from one read
   * of one finalized block: what a view refreshing every block needs.
   */
  async cluster(): Promise<{ key?: ClusterKey; keyError?: AegisError; workers: WorkerView[] }> {
    const state = await this.clusterState();
    const workers = workerViews(state);
    try {
      return { key: checkedKey(state), workers };
    } catch (e) {
      if (e instanceof AegisError) return { keyError: e, workers };
      throw e;
    }
  }

  /** The SCALE call a `SubmittableExtrinsic` (or raw bytes) carries. */
  callBytes(call: Call): Uint8Array {
    return call instanceof Uint8Array ? call : call.method.toU8a();
  }

  /** Seals `call` from `account` (32 bytes or an SS58 address) to the current, checked cluster key. */
  async encrypt(call: Call, account: Uint8Array | string, key?: ClusterKey): Promise<Sealed> {
    const bytes = this.callBytes(call);
    const who = typeof account === 'string' ? this.api.createType('AccountId32', account).toU8a() : account;
    const checked = key ?? (await this.clusterKey());
    const salt = randomSalt();
    let plaintext: Uint8Array;
    try {
      plaintext = encodeRevealedCall({ call: bytes, salt });
    } catch (e) {
      throw new AegisError('TooLarge', (e as Error).message);
    }
    const envelope = await seal({ publicKey: checked.publicKey, epoch: checked.epoch, genesisHash: this.genesisHash, account: who, plaintext });
    const max = num(this.dyn.consts.sequencer.maxEnvelopeLen ?? envelope.length);
    if (envelope.length > max) throw new AegisError('TooLarge', `envelope of ${envelope.length} bytes exceeds the chain's ${max}`);
    return { envelope, commitment: commitmentOf(bytes, salt), epoch: checked.epoch, salt, call: bytes };
  }

  /** The weight the runtime declares for `call`: the `max_weight` to allow it. */
  async maxWeight(call: Call): Promise<{ refTime: bigint; proofSize: bigint }> {
    const bytes = this.callBytes(call);
    const info: Dyn = await this.dyn.call.transactionPaymentCallApi.queryCallInfo(this.api.createType('Call', bytes), bytes.length);
    return { refTime: big(info.weight.refTime), proofSize: big(info.weight.proofSize) };
  }

  /**
   * Checks `maxWeight` as the chain will (§12.2): not zero, and each component within the
   * sequencer's `MaxCallWeight`; throws `AegisError('Invalid')` before anything is signed.
   */
  checkMaxWeight(maxWeight: { refTime: bigint; proofSize: bigint }): void {
    const limit: Dyn = this.dyn.consts.sequencer.maxCallWeight;
    const [maxRef, maxProof] = [big(limit.refTime), big(limit.proofSize)];
    if (maxWeight.refTime === 0n && maxWeight.proofSize === 0n) {
      throw new AegisError('Invalid', 'max_weight is zero: the chain refuses it (BadMaxWeight)');
    }
    if (maxWeight.refTime > maxRef || maxWeight.proofSize > maxProof) {
      throw new AegisError('Invalid', `max_weight (${maxWeight.refTime}, ${maxWeight.proofSize}) exceeds the chain's MaxCallWeight (${maxRef}, ${maxProof})`);
    }
  }

  /** The `sequencer.submit_encrypted` extrinsic for sealed `s`, allowing `maxWeight`. */
  submitExtrinsic(s: Sealed, maxWeight: { refTime: bigint; proofSize: bigint }): SubmittableExtrinsic<'promise'> {
    // Hex, not a Uint8Array: polkadot.js reads a Uint8Array given for `Bytes` as already
    // SCALE-encoded (with its length prefix).
    return this.dyn.tx.sequencer.submitEncrypted(toHex(s.envelope), toHex(s.commitment), maxWeight);
  }

  /**
   * Encrypts `call`, submits it signed by `sender`, and follows it until it is executed,
   * rejected or expired. `onStatus` sees every stage: signed → submitted → batched → executed
   * (or rejected / expired).
   */
  async submitEncrypted(
    call: Call,
    sender: Sender,
    options: { onStatus?: (s: SubmissionStatus) => void; timeoutMs?: number; maxWeight?: { refTime: bigint; proofSize: bigint } } = {},
  ): Promise<Outcome> {
    const submitted = await this.submit(call, sender, options.onStatus, options.maxWeight);
    return this.follow(submitted.id, submitted.block, { onStatus: options.onStatus, timeoutMs: options.timeoutMs });
  }

  /** Encrypts and submits `call`; resolves once `Submitted` is in a finalized block. */
  async submit(
    call: Call,
    sender: Sender,
    onStatus?: (s: SubmissionStatus) => void,
    maxWeight?: { refTime: bigint; proofSize: bigint },
  ): Promise<Extract<SubmissionStatus, { stage: 'submitted' }>> {
    const sealed = await this.encrypt(call, sender.address);
    const weight = maxWeight ?? (await this.maxWeight(call));
    this.checkMaxWeight(weight);
    const tx = this.submitExtrinsic(sealed, weight);
    const result = await this.signAndFinalize(tx, sender, () => onStatus?.({ stage: 'signed' }));
    const record = result.events.find(({ event }) => this.dyn.events.sequencer.Submitted.is(event));
    if (!record) throw new AegisError('Invalid', 'submit_encrypted emitted no Submitted event');
    const data: Dyn = record.event.data;
    const header = await this.api.rpc.chain.getHeader(result.status.asFinalized);
    const status = {
      stage: 'submitted' as const,
      id: big(data.id),
      block: num(header.number),
      blockHash: result.status.asFinalized.toHex(),
      deposit: big(data.deposit),
    };
    onStatus?.(status);
    return status;
  }

  /**
   * Signs and sends `tx`; resolves with its result once finalized, rejects on a dispatch error,
   * on a pool that drops it, or after `timeoutMs` (default 5 minutes) without finality.
   */
  signAndFinalize(
    tx: SubmittableExtrinsic<'promise'>,
    sender: Sender,
    onSigned?: () => void,
    timeoutMs = 300_000,
  ): Promise<ISubmittableResult> {
    return new Promise((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      let settled = false;
      const timer = setTimeout(
        () => done(() => reject(new AegisError('Timeout', `the transaction was not finalized within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe?.();
        f();
      };
      const options = 'signer' in sender && !('sign' in sender) ? { signer: sender.signer } : {};
      const account = 'sign' in sender ? sender : sender.address;
      tx.signAndSend(account, options, (result) => {
        if (result.dispatchError) {
          return done(() => reject(new AegisError('Dispatch', this.describeDispatchError(result.dispatchError))));
        }
        if (result.status.isFinalized) return done(() => resolve(result));
        if (result.status.isDropped || result.status.isInvalid || result.status.isUsurped || result.status.isFinalityTimeout) {
          return done(() => reject(new AegisError('Dropped', `the pool reported the transaction ${result.status.type}`)));
        }
      })
        .then((u) => {
          unsubscribe = u;
          if (settled) u();
          else onSigned?.();
        })
        .catch((e: Error) => done(() => reject(new AegisError('Invalid', e.message))));
    });
  }

  private describeDispatchError(error: Dyn): string {
    if (error.isModule) {
      const { section, name, docs } = this.api.registry.findMetaError(error.asModule);
      return `${section}.${name}: ${docs.join(' ')}`;
    }
    return error.toString();
  }

  /** The events of block `n`, with the block's hash. */
  private async eventsAt(n: number): Promise<{ hash: string; records: Dyn[] }> {
    const hash = await this.api.rpc.chain.getBlockHash(n);
    const at: Dyn = await this.api.at(hash);
    return { hash: hash.toHex(), records: await at.query.system.events() };
  }

  private async finalizedNumber(): Promise<number> {
    const head = await this.api.rpc.chain.getFinalizedHead();
    return num((await this.api.rpc.chain.getHeader(head)).number);
  }

  /**
   * Follows submission `id` (submitted in block `from`) through finalized blocks until it is
   * executed, rejected or expired.
   */
  async follow(
    id: bigint,
    from: number,
    options: { onStatus?: (s: SubmissionStatus) => void; timeoutMs?: number } = {},
  ): Promise<Outcome> {
    // By default longer than a submission may stay pending on a chain with 6-second blocks
    // (MaxPendingAge, 100 blocks), after which it expires with an event of its own.
    const deadline = Date.now() + (options.timeoutMs ?? 900_000);
    let next = from;
    for (;;) {
      const finalized = await this.finalizedNumber();
      for (; next <= finalized; next++) {
        const outcome = await this.outcomeIn(id, next, options.onStatus);
        if (outcome) return outcome;
      }
      if (Date.now() > deadline) throw new AegisError('Timeout', `submission ${id} had no outcome by block ${finalized}`);
      await this.nextFinalized(Math.max(0, deadline - Date.now()));
    }
  }

  /** Resolves at the next finalized head, after at most `timeoutMs` (12 s), or if the subscription fails. */
  private nextFinalized(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let unsub: (() => void) | undefined;
      let settled = false;
      let first = true;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsub?.();
        resolve();
      };
      const timer = setTimeout(finish, Math.min(timeoutMs, 12_000));
      this.api.rpc.chain
        .subscribeFinalizedHeads(() => {
          // The subscription reports the current head at once; wait for the one after it.
          if (first) {
            first = false;
            return;
          }
          finish();
        })
        .then((u) => {
          unsub = u;
          if (settled) u();
        })
        .catch(finish);
    });
  }

  /** What block `n` says about submission `id`. */
  private async outcomeIn(id: bigint, n: number, onStatus?: (s: SubmissionStatus) => void): Promise<Outcome | undefined> {
    const { records } = await this.eventsAt(n);
    const ev = this.dyn.events.sequencer;
    for (const { event, phase } of records) {
      if (!ev.EntryExecuted.is(event) && !ev.EntryRejected.is(event) && !ev.Expired.is(event)) continue;
      const data: Dyn = event.data;
      if (big(data.id) !== id) continue;
      if (ev.EntryExecuted.is(event)) {
        const batch = records.find((r) => ev.BatchCommitted.is(r.event) && r.phase.toString() === phase.toString());
        if (batch) {
          const b: Dyn = batch.event.data;
          onStatus?.({ stage: 'batched', id, block: n, sequence: big(b.sequence), worker: b.worker.toString() });
        }
        const outcome: Dyn = data.outcome;
        const ok = outcome.isExecuted && outcome.asExecuted.result.isOk;
        const status: Outcome = { stage: 'executed', id, block: n, ok, outcome: outcome.toHuman(), charged: big(data.charged) };
        onStatus?.(status);
        return status;
      }
      if (ev.EntryRejected.is(event)) {
        const status: Outcome = { stage: 'rejected', id, block: n, reason: variant(data.reason), charged: big(data.charged) };
        onStatus?.(status);
        return status;
      }
      if (ev.Expired.is(event)) {
        const status: Outcome = { stage: 'expired', id, block: n };
        onStatus?.(status);
        return status;
      }
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Views

  /** The risk oracle: score, level, policy, a pending escalation. */
  async riskStatus(at?: string): Promise<RiskStatus> {
    const api: Dyn = at ? await this.api.at(at) : this.api;
    const s: Dyn = await api.call.riskOracleApi.riskStatus();
    return {
      score: num(s.score),
      level: variant(s.level) as RiskStatus['level'],
      pending: s.pending.isSome ? { level: variant(s.pending.unwrap()[0]), at: num(s.pending.unwrap()[1]) } : undefined,
      lastUpdated: num(s.lastUpdated),
      stale: s.stale.isTrue,
      policy: s.policy.toJSON() as Record<string, unknown>,
    };
  }

  /**
   * The score at each of the last `blocks` finalized blocks, oldest first, as far back as the
   * node keeps state (a pruning node keeps 256 blocks by default).
   */
  async riskHistory(blocks = 120): Promise<{ block: number; score: number; level: string }[]> {
    const head = await this.finalizedNumber();
    const numbers = Array.from({ length: Math.min(blocks, head + 1) }, (_, i) => head - i);
    const points = await Promise.all(
      numbers.map(async (n) => {
        try {
          const at: Dyn = await this.api.at(await this.api.rpc.chain.getBlockHash(n));
          const [score, level] = await Promise.all([at.query.riskOracle.score(), at.query.riskOracle.level()]);
          return { block: n, score: num(score), level: variant((level as Dyn).active) };
        } catch {
          return undefined; // state pruned at that block
        }
      }),
    );
    return points.filter((p): p is { block: number; score: number; level: string } => p !== undefined).reverse();
  }

  /** The active attested workers at the finalized block, with the leader and the key epochs each holds. */
  async workers(): Promise<WorkerView[]> {
    return workerViews(await this.clusterState());
  }

  /** The sequencer: its ordering rule, the batch chain's head, and pending submissions. */
  async sequencerState(): Promise<{ rule: string; lastBatch: Record<string, unknown>; pending: number; epoch?: number }> {
    const [rule, last]: Dyn[] = await Promise.all([this.dyn.call.sequencerApi.activeRule(), this.dyn.call.sequencerApi.lastBatch()]);
    // The first half of `pending(epoch)` counts every pending submission, whatever its epoch.
    const pending = num(((await this.dyn.call.sequencerApi.pending(0)) as Dyn)[0]);
    let epoch: number | undefined;
    try {
      epoch = (await this.clusterKey()).epoch;
    } catch {
      // no usable key: `epoch` stays unset
    }
    return { rule: variant(rule), lastBatch: last.toJSON() as Record<string, unknown>, pending, epoch };
  }

  /**
   * The batches committed in the last `blocks` finalized blocks, newest first, each with its
   * signatures verified against the committing worker's registered keys (`verify: false`
   * skips that; SLH-DSA verification takes tens of milliseconds in JS).
   */
  async recentBatches(blocks = 20, options: { verify?: boolean } = {}): Promise<BatchView[]> {
    const head = await this.finalizedNumber();
    return this.batchesIn(Math.max(1, head - blocks + 1), head, options);
  }

  /** The batches committed in blocks `from` to `to` (inclusive), newest first, as `recentBatches`. */
  async batchesIn(from: number, to: number, options: { verify?: boolean } = {}): Promise<BatchView[]> {
    const out: BatchView[] = [];
    for (let n = to; n >= Math.max(1, from); n--) {
      const hash = await this.api.rpc.chain.getBlockHash(n);
      const [block, at]: [Dyn, Dyn] = await Promise.all([this.api.rpc.chain.getBlock(hash), this.api.at(hash)]);
      const records: Dyn[] = await at.query.system.events();
      for (const { event, phase } of records) {
        if (!this.dyn.events.sequencer.BatchCommitted.is(event) || !phase.isApplyExtrinsic) continue;
        const data: Dyn = event.data;
        // By position (sequence, hash, worker, entries): `data.hash` is every codec's own hash
        // (of its encoding) and `data.entries` a `Map` method, hiding the event's fields.
        const reported: Dyn = data[1];
        const entryCount: Dyn = data[3];
        const xt: Dyn = block.block.extrinsics[num(phase.asApplyExtrinsic)];
        const args: Dyn = xt.method.args;
        const h: Dyn = args[0].header;
        const header: BatchHeader = {
          genesisHash: h.genesisHash.toU8a(),
          sequence: big(h.sequence),
          parentHash: h.parentHash.toU8a(),
          keyEpoch: num(h.keyEpoch),
          rule: variant(h.rule) as OrderingRule,
          orderedAt: num(h.orderedAt),
          entryCount: num(h.entryCount),
          entriesRoot: h.entriesRoot.toU8a(),
        };
        const headerHash = batchHeaderHash(header);
        const worker = data.worker.toString();
        let keys: WorkerView['keys'] | undefined;
        if (options.verify !== false) {
          const info: Dyn = await at.call.teeRegistryApi.worker(worker);
          if (info.isSome) {
            keys = enclaveKeys(info.unwrap());
          }
        }
        out.push({
          block: n,
          blockHash: hash.toHex(),
          sequence: big(data.sequence),
          hash: reported.toHex(),
          worker,
          entries: num(entryCount),
          rule: header.rule,
          keyEpoch: header.keyEpoch,
          headerMatches: equal(headerHash, reported.toU8a()),
          signatures: args[1].map((s: Dyn) => {
            const suite = variant(s.suite) as Suite;
            const bytes: Uint8Array = s.bytes.toU8a(true);
            const key = suite === 'MlDsa87' ? keys?.mlDsa : keys?.slhDsa;
            return {
              suite,
              bytes: bytes.length,
              verified: key ? verifySignature(suite, key, CONTEXTS.batch, headerHash, bytes) : undefined,
            };
          }),
          cosignatures: args[2].length,
        });
      }
    }
    return out;
  }
}

/** The key of the cluster view `state`, checked as §12.4 requires. */
function checkedKey({ view, active }: { view: Dyn; active: Dyn[] }): ClusterKey {
  if (view.current.isNone) {
    throw new AegisError('NoClusterKey', 'no cluster key is published yet: is a worker enrolled?');
  }
  const current = view.current.unwrap();
  const epoch = num(current.epoch);
  const holders: string[] = (view.holders.find(([e]: [Dyn]) => num(e) === epoch)?.[1] ?? []).map((a: Dyn) => a.toString());
  const activeHolders = active.map((w) => w.account.toString()).filter((a) => holders.includes(a));
  if (activeHolders.length === 0 || !view.served.isTrue) {
    throw new AegisError('Untrusted', `no active attested worker holds cluster key epoch ${epoch}: submissions would be refused`);
  }
  const publicKey: Uint8Array = current.publicKey.toU8a();
  try {
    checkPublicKey(publicKey);
  } catch (e) {
    throw new AegisError('Untrusted', `the published cluster key is malformed: ${(e as Error).message}`);
  }
  return {
    epoch,
    publicKey,
    publishedBy: current.publishedBy.toString(),
    publishedAt: num(current.publishedAt),
    activeHolders,
    publisherActive: active.some((w) => w.account.toString() === current.publishedBy.toString()),
  };
}

/** The measurement as one hex value: MRENCLAVE, MRTD, the SEV-SNP launch measurement, PCR0. */
function measurementHex(m: Dyn): string {
  if (m.isSgx) return m.asSgx.mrEnclave.toHex();
  if (m.isTdx) return m.asTdx.mrTd.toHex();
  if (m.isSevSnp) return m.asSevSnp.measurement.toHex();
  return m.asNitro.pcr0.toHex();
}

/** A worker's patch level as text. */
function tcbText(t: Dyn): string {
  if (t.isIntel) return variant(t.asIntel.status);
  if (t.isSevSnp) {
    const { product, tcb } = t.asSevSnp;
    const fmc = num(tcb.fmc) > 0 ? ` fmc ${num(tcb.fmc)}` : '';
    return `${variant(product)}${fmc} bl ${num(tcb.bootLoader)} tee ${num(tcb.tee)} snp ${num(tcb.snp)} ucode ${num(tcb.microcode)}`;
  }
  return 'Nitro';
}

/** The active workers of the cluster view `state`, with the leader and the epochs each holds. */
function workerViews({ view, active }: { view: Dyn; active: Dyn[] }): WorkerView[] {
  const leader = view.leader.isSome ? view.leader.unwrap().leader.toString() : undefined;
  return active.map((w: Dyn) => {
    const account = w.account.toString();
    const info = w.info;
    return {
      account,
      kind: variant(info.tee),
      role: variant(info.role),
      state: variant(info.state),
      measurement: measurementHex(info.measurement),
      measurementDetail: info.measurement.toJSON() as Record<string, unknown>,
      tcbStatus: tcbText(info.tcb),
      attestedAt: num(info.attestedAt),
      expiresAt: num(info.expiresAt),
      lastHeartbeat: num(info.lastHeartbeat),
      keys: enclaveKeys(info),
      leader: account === leader,
      holds: view.holders.filter(([, who]: [Dyn, Dyn[]]) => who.some((a) => a.toString() === account)).map(([e]: [Dyn]) => num(e)),
    };
  });
}
