// The protocol's structures and hashes (docs/protocol.md §3–§11): the plaintext an envelope
// carries and its commitment, the attestation binding, cluster key messages, batches,
// checkpoints, signatures and the ordering rules. Everything is computed from the
// specification; `docs/vectors/*.json` checks it (test/vectors.test.mjs).

import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { slh_dsa_sha2_256s } from '@noble/post-quantum/slh-dsa.js';
import {
  bytesVec,
  compact,
  concat,
  decodeCompact,
  expectLength,
  hash256,
  hash512,
  u32le,
  u64le,
  utf8,
} from './bytes.js';

/** Salt length of a commitment. */
export const SALT_LEN = 32;
/** Longest revealed call the protocol allows (a chain may allow less). */
export const MAX_CALL_LEN = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// §3 Plaintext and §4 Commitment

/** A decrypted submission: the SCALE-encoded runtime call and the commitment's salt. */
export interface RevealedCall {
  call: Uint8Array;
  salt: Uint8Array;
}

/** SCALE `RevealedCall { call: Vec<u8>, salt: [u8; 32] }`: the envelope's plaintext. */
export function encodeRevealedCall({ call, salt }: RevealedCall): Uint8Array {
  if (call.length > MAX_CALL_LEN) throw new RangeError(`call of ${call.length} bytes exceeds ${MAX_CALL_LEN}`);
  return concat(bytesVec(call), expectLength('salt', salt, SALT_LEN));
}

/**
 * Strict decoding of a plaintext: a canonical length no greater than `MAX_CALL_LEN`, exactly
 * that many call bytes, a 32-byte salt and nothing after it. Throws otherwise (the chain
 * rejects such an entry as `Malformed`).
 */
export function decodeRevealedCall(plaintext: Uint8Array): RevealedCall {
  const [len, read] = decodeCompact(plaintext);
  if (len > BigInt(MAX_CALL_LEN)) throw new Error(`call length ${len} exceeds ${MAX_CALL_LEN}`);
  const end = read + Number(len);
  if (plaintext.length !== end + SALT_LEN) {
    throw new Error(`plaintext of ${plaintext.length} bytes; a ${len}-byte call needs exactly ${end + SALT_LEN}`);
  }
  return { call: plaintext.slice(read, end), salt: plaintext.slice(end) };
}

/** `BLAKE2b-256("aegis/commitment/v1" ‖ call ‖ salt)`. */
export function commitment(call: Uint8Array, salt: Uint8Array): Uint8Array {
  return hash256('aegis/commitment/v1', call, expectLength('salt', salt, SALT_LEN));
}

// ---------------------------------------------------------------------------------------------
// §5 Attestation binding and §6 Cluster key

/** A worker's enclave public keys. */
export interface EnclaveKeys {
  /** X-Wing, 1216 bytes. */
  hpke: Uint8Array;
  /** ML-DSA-87, 2592 bytes. */
  mlDsa: Uint8Array;
  /** SLH-DSA-SHA2-256s, 64 bytes. */
  slhDsa: Uint8Array;
}

/** SCALE `EnclaveKeys`: the three keys as fixed arrays, in order. */
export function encodeEnclaveKeys(keys: EnclaveKeys): Uint8Array {
  return concat(
    expectLength('HPKE key', keys.hpke, 1216),
    expectLength('ML-DSA-87 key', keys.mlDsa, 2592),
    expectLength('SLH-DSA key', keys.slhDsa, 64),
  );
}

/** `BLAKE2b-256("aegis/keys/v1" ‖ hpke ‖ ml_dsa ‖ slh_dsa)`. */
export function keysHash(keys: EnclaveKeys): Uint8Array {
  return hash256('aegis/keys/v1', encodeEnclaveKeys(keys));
}

/** The 64-byte `report_data` a worker's quote carries. */
export function reportData(genesisHash: Uint8Array, account: Uint8Array, keysHashValue: Uint8Array, nonce: bigint): Uint8Array {
  return hash512(
    'aegis/report-data/v1',
    expectLength('genesis hash', genesisHash, 32),
    expectLength('account', account, 32),
    expectLength('keys hash', keysHashValue, 32),
    u64le(nonce),
  );
}

/** What a worker signs (ML-DSA-87, `aegis/cluster-key/v1`) to publish cluster key `epoch`. */
export function clusterKeyMessage(genesisHash: Uint8Array, epoch: number, publicKey: Uint8Array): Uint8Array {
  return hash256('aegis/cluster-key/v1', expectLength('genesis hash', genesisHash, 32), u32le(epoch), expectLength('cluster key', publicKey, 1216));
}

/** What a worker signs (ML-DSA-87, `aegis/cluster-key-confirm/v1`) to confirm it holds epoch `epoch`. */
export function clusterConfirmMessage(genesisHash: Uint8Array, epoch: number, publicKey: Uint8Array, account: Uint8Array): Uint8Array {
  return hash256(
    'aegis/cluster-key-confirm/v1',
    expectLength('genesis hash', genesisHash, 32),
    u32le(epoch),
    expectLength('cluster key', publicKey, 1216),
    expectLength('account', account, 32),
  );
}

/** The associated data of a cluster secret copy from `sender` to `receiver`. */
export function clusterCopyBinding(epoch: number, sender: Uint8Array, receiver: Uint8Array): Uint8Array {
  return hash256('aegis/cluster-copy/v1', u32le(epoch), expectLength('sender', sender, 32), expectLength('receiver', receiver, 32));
}

// ---------------------------------------------------------------------------------------------
// §7 Batches

/** The ordering rules, by their SCALE index. */
export const ORDERING_RULES = ['RiskAware', 'AssetProtection', 'MigrationAware', 'Hybrid'] as const;
export type OrderingRule = (typeof ORDERING_RULES)[number];

/** The most weight an entry may use: two compact integers. */
export interface WeightLimit {
  refTime: bigint;
  proofSize: bigint;
}

/** One revealed submission in a batch. */
export interface BatchEntry {
  submissionId: bigint;
  maxWeight: WeightLimit;
  revealed: RevealedCall;
}

/** The signed part of a batch. */
export interface BatchHeader {
  genesisHash: Uint8Array;
  sequence: bigint;
  parentHash: Uint8Array;
  keyEpoch: number;
  rule: OrderingRule;
  orderedAt: number;
  entryCount: number;
  entriesRoot: Uint8Array;
}

/** SCALE `BatchEntry`. */
export function encodeBatchEntry(entry: BatchEntry): Uint8Array {
  return concat(
    u64le(entry.submissionId),
    compact(entry.maxWeight.refTime),
    compact(entry.maxWeight.proofSize),
    encodeRevealedCall(entry.revealed),
  );
}

/** SCALE `Vec<BatchEntry>`. */
export function encodeBatchEntries(entries: BatchEntry[]): Uint8Array {
  return concat(compact(entries.length), ...entries.map(encodeBatchEntry));
}

/** `BLAKE2b-256("aegis/batch-entries/v1" ‖ SCALE(entries))`. */
export function entriesRoot(entries: BatchEntry[]): Uint8Array {
  return hash256('aegis/batch-entries/v1', encodeBatchEntries(entries));
}

/** SCALE `BatchHeader`. */
export function encodeBatchHeader(h: BatchHeader): Uint8Array {
  const rule = ORDERING_RULES.indexOf(h.rule);
  if (rule < 0) throw new Error(`unknown ordering rule ${h.rule}`);
  return concat(
    expectLength('genesis hash', h.genesisHash, 32),
    u64le(h.sequence),
    expectLength('parent hash', h.parentHash, 32),
    u32le(h.keyEpoch),
    Uint8Array.of(rule),
    u32le(h.orderedAt),
    u32le(h.entryCount),
    expectLength('entries root', h.entriesRoot, 32),
  );
}

/** `BLAKE2b-256("aegis/batch-header/v1" ‖ SCALE(header))`: what batch signatures sign. */
export function batchHeaderHash(h: BatchHeader): Uint8Array {
  return hash256('aegis/batch-header/v1', encodeBatchHeader(h));
}

/** The header that commits to `entries`. */
export function batchHeader(
  fields: Omit<BatchHeader, 'entryCount' | 'entriesRoot'>,
  entries: BatchEntry[],
): BatchHeader {
  return { ...fields, entryCount: entries.length, entriesRoot: entriesRoot(entries) };
}

// ---------------------------------------------------------------------------------------------
// §8 Checkpoints

/** Asset kinds, by their SCALE index. */
export const ASSET_TYPES = [
  'OnChainToken',
  'OnChainNFT',
  'OnChainData',
  'OffChainDatabase',
  'OffChainFile',
  'OffChainStream',
  'CrossChainBridge',
] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

/** Operations, by their bit in an operation set. */
export const OPERATIONS = ['transfer', 'approve', 'mint', 'burn', 'manage', 'write', 'bridge'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** A protected asset's access policy. */
export interface AccessPolicy {
  allowedOperations: Operation[];
  requiresPqc: boolean;
  requiresTee: boolean;
  riskThreshold: number;
}

/** SCALE `AccessPolicy`: operation bits (u8), two bools, the threshold (u16 LE). */
export function encodeAccessPolicy(p: AccessPolicy): Uint8Array {
  const bits = p.allowedOperations.reduce((b, op) => b | (1 << OPERATIONS.indexOf(op)), 0);
  if (!Number.isInteger(p.riskThreshold) || p.riskThreshold < 0 || p.riskThreshold > 10_000) {
    throw new RangeError(`risk threshold ${p.riskThreshold} is not a score`);
  }
  return Uint8Array.of(bits, p.requiresPqc ? 1 : 0, p.requiresTee ? 1 : 0, p.riskThreshold & 0xff, p.riskThreshold >> 8);
}

/** `BLAKE2b-256("aegis/asset-state/v1" ‖ SCALE(asset_id, asset_type, policy))`. */
export function assetStateHash(assetId: number, assetType: AssetType, policy: AccessPolicy): Uint8Array {
  return hash256('aegis/asset-state/v1', u32le(assetId), Uint8Array.of(ASSET_TYPES.indexOf(assetType)), encodeAccessPolicy(policy));
}

/** A migration checkpoint. */
export interface Checkpoint {
  genesisHash: Uint8Array;
  migrationId: number;
  sequence: number;
  blockNumber: number;
  stateHash: Uint8Array;
  assetSnapshots: { assetId: number; stateHash: Uint8Array }[];
}

/** SCALE `Checkpoint`. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  return concat(
    expectLength('genesis hash', c.genesisHash, 32),
    u32le(c.migrationId),
    u32le(c.sequence),
    u32le(c.blockNumber),
    expectLength('state hash', c.stateHash, 32),
    compact(c.assetSnapshots.length),
    ...c.assetSnapshots.map((s) => concat(u32le(s.assetId), expectLength('asset state hash', s.stateHash, 32))),
  );
}

/** `BLAKE2b-256("aegis/checkpoint/v1" ‖ SCALE(checkpoint))`: what checkpoint signatures sign. */
export function checkpointHash(c: Checkpoint): Uint8Array {
  return hash256('aegis/checkpoint/v1', encodeCheckpoint(c));
}

// ---------------------------------------------------------------------------------------------
// §9 Signatures

/** The signature suites, by their SCALE index. */
export const SUITES = ['MlDsa87', 'SlhDsaSha2_256s'] as const;
export type Suite = (typeof SUITES)[number];

/** Every signature's context string, by purpose. */
export const CONTEXTS = {
  batch: 'aegis/batch/v1',
  batchCosign: 'aegis/batch-cosign/v1',
  checkpoint: 'aegis/checkpoint/v1',
  clusterKey: 'aegis/cluster-key/v1',
  clusterKeyConfirm: 'aegis/cluster-key-confirm/v1',
} as const;

/**
 * Verifies a FIPS 204 / FIPS 205 signature (pure, with context) as the chain does: ML-DSA-87
 * or SLH-DSA-SHA2-256s. Returns false for any malformed key or signature.
 */
export function verifySignature(suite: Suite, publicKey: Uint8Array, context: string, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const opts = { context: utf8(context) };
    return suite === 'MlDsa87'
      ? ml_dsa87.verify(signature, message, publicKey, opts)
      : slh_dsa_sha2_256s.verify(signature, message, publicKey, opts);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// §11 Ordering rules

/** Protection tiers, in increasing strength (their SCALE index). */
export const PROTECTION_TIERS = ['None', 'Standard', 'High', 'Critical'] as const;
export type ProtectionTier = (typeof PROTECTION_TIERS)[number];

/** What the ordering rules read of an entry. */
export interface EntryMeta {
  arrival: bigint;
  risk: number;
  protection: ProtectionTier;
  migration: boolean;
}

/** An entry's priority under `rule`; higher runs first. */
export function priority(rule: OrderingRule, m: EntryMeta): number {
  const tier = PROTECTION_TIERS.indexOf(m.protection);
  const migration = m.migration ? 1 : 0;
  switch (rule) {
    case 'RiskAware':
      return m.risk;
    case 'AssetProtection':
      return tier;
    case 'MigrationAware':
      return migration;
    case 'Hybrid':
      return migration * 2 ** 24 + tier * 2 ** 16 + m.risk;
  }
}

/** The one correct order of `entries` (indices): descending priority, ties by ascending arrival. */
export function order(rule: OrderingRule, entries: EntryMeta[]): number[] {
  return entries
    .map((m, i) => ({ i, p: priority(rule, m), a: m.arrival }))
    .sort((x, y) => y.p - x.p || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0))
    .map(({ i }) => i);
}
