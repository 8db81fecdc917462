// The SDK against the protocol's test vectors (docs/vectors/*.json, generated from the Rust
// code by `aegis protocol-vectors` and checked there too): every byte the SDK produces or
// accepts must be what the chain and the worker produce or accept.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sdk from '../dist/index.js';
import { sealWithEncapsulationRandomness } from '../dist/testing.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const vectors = (name) => JSON.parse(fs.readFileSync(path.join(here, '../../../docs/vectors', name), 'utf8'));
const h = sdk.fromHex;
const hex = sdk.toHex;

describe('docs/vectors/envelope.json', () => {
  const v = vectors('envelope.json');
  assert.equal(v.protocol_version, 1);

  for (const c of v.cases) {
    it(`${c.name}: header, info, aad and the sealed bytes`, async () => {
      assert.equal(hex(sdk.envelopeHeader(c.epoch)), c.header);
      assert.equal(hex(sdk.envelopeInfo(h(c.genesis_hash), c.epoch)), c.info);
      assert.equal(hex(sdk.envelopeAad(h(c.header), h(c.account))), c.aad);
      const envelope = await sealWithEncapsulationRandomness(
        {
          publicKey: h(c.recipient_public_key),
          epoch: c.epoch,
          genesisHash: h(c.genesis_hash),
          account: h(c.account),
          plaintext: h(c.plaintext),
        },
        h(c.encapsulation_randomness),
      );
      assert.equal(hex(envelope), c.envelope);
    });

    it(`${c.name}: the recipient key derives from its ikm and opens the envelope`, async () => {
      const key = await sdk.deriveRecipientKey(h(c.recipient_ikm));
      assert.equal(hex(key.publicKey), c.recipient_public_key);
      const plaintext = await sdk.open({
        privateKey: key.privateKey,
        keyEpoch: c.epoch,
        genesisHash: h(c.genesis_hash),
        account: h(c.account),
        envelope: h(c.envelope),
      });
      assert.equal(hex(plaintext), c.plaintext);
    });
  }

  it('a randomly sealed envelope opens, and two seals differ', async () => {
    const c = v.cases[0];
    const key = await sdk.deriveRecipientKey(h(c.recipient_ikm));
    const params = { publicKey: key.publicKey, epoch: c.epoch, genesisHash: h(c.genesis_hash), account: h(c.account), plaintext: h(c.plaintext) };
    const [a, b] = [await sdk.seal(params), await sdk.seal(params)];
    assert.notEqual(hex(a), hex(b));
    assert.equal(a.length, sdk.OVERHEAD + h(c.plaintext).length);
    const opened = await sdk.open({ privateKey: key.privateKey, keyEpoch: c.epoch, genesisHash: params.genesisHash, account: params.account, envelope: a });
    assert.equal(hex(opened), c.plaintext);
  });

  for (const bad of v.invalid) {
    it(`refused: ${bad.name} → ${bad.error}`, async () => {
      const c = v.cases[0];
      const key = await sdk.deriveRecipientKey(h(c.recipient_ikm));
      await assert.rejects(
        sdk.open({ privateKey: key.privateKey, keyEpoch: c.epoch, genesisHash: h(bad.genesis_hash), account: h(bad.account), envelope: h(bad.envelope) }),
        (e) => e instanceof sdk.EnvelopeError && e.kind === bad.error,
      );
    });
  }

  for (const bad of v.invalid_public_keys) {
    it(`public key refused before sealing: ${bad.name}`, async () => {
      const c = v.cases[0];
      assert.throws(() => sdk.checkPublicKey(h(bad.public_key)), (e) => e instanceof sdk.EnvelopeError && e.kind === bad.error);
      await assert.rejects(
        sdk.seal({ publicKey: h(bad.public_key), epoch: 1, genesisHash: h(c.genesis_hash), account: h(c.account), plaintext: new Uint8Array() }),
        (e) => e instanceof sdk.EnvelopeError && e.kind === bad.error,
      );
    });
  }

  it('the SDK does not export sealing with fixed randomness beside seal', () => {
    assert.equal(sdk.sealWith, undefined);
    assert.equal(sdk.sealWithEncapsulationRandomness, undefined);
  });

  it('a key of the wrong length is refused before sealing', async () => {
    const c = v.cases[0];
    await assert.rejects(
      sdk.seal({ publicKey: h(c.recipient_public_key).subarray(1), epoch: 1, genesisHash: h(c.genesis_hash), account: h(c.account), plaintext: new Uint8Array() }),
      (e) => e.kind === 'InvalidPublicKey',
    );
  });
});

describe('docs/vectors/revealed-call.json', () => {
  const v = vectors('revealed-call.json');
  assert.equal(v.max_call_len, sdk.MAX_CALL_LEN);
  for (const c of v.cases) {
    it(`${c.name}: plaintext and commitment`, () => {
      const plaintext = sdk.encodeRevealedCall({ call: h(c.call), salt: h(c.salt) });
      assert.equal(hex(plaintext), c.plaintext);
      const decoded = sdk.decodeRevealedCall(h(c.plaintext));
      assert.equal(hex(decoded.call), c.call);
      assert.equal(hex(decoded.salt), c.salt);
      assert.equal(hex(sdk.commitment(h(c.call), h(c.salt))), c.commitment);
    });
  }
  for (const bad of v.invalid) {
    it(`refused by strict decoding: ${bad.name}`, () => {
      assert.throws(() => sdk.decodeRevealedCall(h(bad.plaintext)));
    });
  }
});

describe('docs/vectors/binding.json', () => {
  const v = vectors('binding.json');
  const keys = { hpke: h(v.enclave_keys.hpke), mlDsa: h(v.enclave_keys.ml_dsa), slhDsa: h(v.enclave_keys.slh_dsa) };

  it('the enclave keys: SCALE encoding, keys_hash, and the HPKE key from its ikm', async () => {
    assert.equal(hex(sdk.encodeEnclaveKeys(keys)), v.enclave_keys.scale);
    assert.equal(hex(sdk.keysHash(keys)), v.enclave_keys.keys_hash);
    assert.equal(hex((await sdk.deriveRecipientKey(h(v.enclave_keys.hpke_ikm))).publicKey), v.enclave_keys.hpke);
  });

  it('report_data', () => {
    const r = v.report_data;
    assert.equal(hex(sdk.reportData(h(v.genesis_hash), h(r.account), h(v.enclave_keys.keys_hash), BigInt(r.nonce))), r.report_data);
  });

  it('the cluster key: publish and confirm messages, their signatures, the copy binding', async () => {
    const c = v.cluster_key;
    assert.equal(hex((await sdk.deriveRecipientKey(h(c.cluster_ikm))).publicKey), c.public_key);
    const publish = sdk.clusterKeyMessage(h(v.genesis_hash), c.epoch, h(c.public_key));
    assert.equal(hex(publish), c.publish_message);
    const confirm = sdk.clusterConfirmMessage(h(v.genesis_hash), c.epoch, h(c.public_key), h(c.confirming_account));
    assert.equal(hex(confirm), c.confirm_message);
    assert.equal(hex(sdk.clusterCopyBinding(c.epoch, h(c.copy.sender), h(c.copy.receiver))), c.copy.binding);
    for (const [sig, message, context] of [
      [c.publish_signature, publish, sdk.CONTEXTS.clusterKey],
      [c.confirm_signature, confirm, sdk.CONTEXTS.clusterKeyConfirm],
    ]) {
      assert.equal(sig.context, context);
      assert.equal(sig.public_key, v.enclave_keys.ml_dsa);
      assert.ok(sdk.verifySignature('MlDsa87', h(sig.public_key), context, message, h(sig.signature)));
    }
  });
});

describe('docs/vectors/batch.json', () => {
  const v = vectors('batch.json');
  const entries = v.entries.map((e) => ({
    submissionId: BigInt(e.submission_id),
    maxWeight: { refTime: BigInt(e.max_weight.ref_time), proofSize: BigInt(e.max_weight.proof_size) },
    revealed: { call: h(e.call), salt: h(e.salt) },
  }));
  const header = {
    genesisHash: h(v.genesis_hash),
    sequence: BigInt(v.header.sequence),
    parentHash: h(v.header.parent_hash),
    keyEpoch: v.header.key_epoch,
    rule: v.header.rule,
    orderedAt: v.header.ordered_at,
    entryCount: v.header.entry_count,
    entriesRoot: h(v.header.entries_root),
  };

  it('entries: each SCALE encoding, the list and entries_root', () => {
    entries.forEach((e, i) => assert.equal(hex(sdk.encodeBatchEntry(e)), v.entries[i].scale));
    assert.equal(hex(sdk.encodeBatchEntries(entries)), v.entries_scale);
    assert.equal(hex(sdk.entriesRoot(entries)), v.entries_root);
  });

  it('the header: SCALE encoding and hash, built from the entries', () => {
    assert.equal(sdk.ORDERING_RULES[v.header.rule_index], v.header.rule);
    assert.equal(hex(sdk.encodeBatchHeader(header)), v.header.scale);
    assert.equal(hex(sdk.batchHeaderHash(header)), v.header.hash);
    const built = sdk.batchHeader({ genesisHash: header.genesisHash, sequence: header.sequence, parentHash: header.parentHash, keyEpoch: header.keyEpoch, rule: header.rule, orderedAt: header.orderedAt }, entries);
    assert.equal(hex(sdk.batchHeaderHash(built)), v.header.hash);
    assert.equal(hex(sdk.concat(sdk.encodeBatchHeader(header), sdk.encodeBatchEntries(entries))), v.batch_scale);
  });

  it('the first batch: sequence 0, parent all zeros, no entries', () => {
    const first = sdk.batchHeader({ genesisHash: h(v.genesis_hash), sequence: 0n, parentHash: new Uint8Array(32), keyEpoch: 1, rule: 'RiskAware', orderedAt: 1 }, []);
    assert.equal(hex(sdk.encodeBatchHeader(first)), v.empty_first_batch.header_scale);
    assert.equal(hex(sdk.batchHeaderHash(first)), v.empty_first_batch.hash);
  });

  for (const [name, context] of [
    ['ml_dsa_87', sdk.CONTEXTS.batch],
    ['slh_dsa_sha2_256s', sdk.CONTEXTS.batch],
    ['cosignature_ml_dsa_87', sdk.CONTEXTS.batchCosign],
  ]) {
    it(`signature ${name} verifies over the header hash, and only there`, () => {
      const s = v.signatures[name];
      const suite = s.suite === 'ML-DSA-87' ? 'MlDsa87' : 'SlhDsaSha2_256s';
      assert.equal(s.context, context);
      assert.equal(s.message, v.header.hash);
      assert.ok(sdk.verifySignature(suite, h(s.public_key), context, h(s.message), h(s.signature)));
      const other = h(s.message);
      other[0] ^= 1;
      assert.ok(!sdk.verifySignature(suite, h(s.public_key), context, other, h(s.signature)));
      assert.ok(!sdk.verifySignature(suite, h(s.public_key), 'aegis/other/v1', h(s.message), h(s.signature)));
      assert.ok(!sdk.verifySignature(suite, h(s.public_key).subarray(1), context, h(s.message), h(s.signature)));
    });
  }

  it('the signature set commit_batch carries', () => {
    const set = [v.signatures.ml_dsa_87, v.signatures.slh_dsa_sha2_256s];
    const encoded = sdk.concat(
      sdk.compact(set.length),
      ...set.map((s, i) => sdk.concat(Uint8Array.of(i), sdk.bytesVec(h(s.signature)))),
    );
    assert.equal(hex(encoded), v.signature_set_scale);
  });
});

describe('docs/vectors/checkpoint.json', () => {
  const v = vectors('checkpoint.json');
  it('asset state hashes, the checkpoint encoding and hash, its signature', () => {
    for (const a of v.assets) {
      assert.equal(sdk.ASSET_TYPES[a.asset_type_index], a.asset_type);
      const policy = { allowedOperations: a.policy.allowed_operations, requiresPqc: a.policy.requires_pqc, requiresTee: a.policy.requires_tee, riskThreshold: a.policy.risk_threshold };
      assert.equal(hex(sdk.encodeAccessPolicy(policy)), a.policy_scale);
      assert.equal(hex(sdk.assetStateHash(a.asset_id, a.asset_type, policy)), a.state_hash);
    }
    const c = v.checkpoint;
    const checkpoint = {
      genesisHash: h(c.genesis_hash),
      migrationId: c.migration_id,
      sequence: c.sequence,
      blockNumber: c.block_number,
      stateHash: h(c.state_hash),
      assetSnapshots: v.assets.map((a) => ({ assetId: a.asset_id, stateHash: h(a.state_hash) })),
    };
    assert.equal(hex(sdk.encodeCheckpoint(checkpoint)), c.scale);
    assert.equal(hex(sdk.checkpointHash(checkpoint)), c.hash);
    assert.equal(v.signature.context, sdk.CONTEXTS.checkpoint);
    assert.ok(sdk.verifySignature('MlDsa87', h(v.signature.public_key), sdk.CONTEXTS.checkpoint, h(c.hash), h(v.signature.signature)));
  });
});

describe('docs/vectors/ordering.json', () => {
  const v = vectors('ordering.json');
  const entries = v.entries.map((e) => ({ arrival: BigInt(e.arrival), risk: e.risk, protection: e.protection, migration: e.migration }));
  for (const r of v.rules) {
    it(`${r.rule}: priorities and the one correct order`, () => {
      assert.equal(sdk.ORDERING_RULES[r.index], r.rule);
      assert.deepEqual(entries.map((e) => sdk.priority(r.rule, e)), r.priorities);
      assert.deepEqual(sdk.order(r.rule, entries), r.order);
    });
  }
});

describe('SCALE compact integers', () => {
  it('round trips at every width boundary and refuses non-canonical forms', () => {
    for (const n of [0n, 63n, 64n, 16383n, 16384n, (1n << 30n) - 1n, 1n << 30n, (1n << 32n) - 1n, 1n << 32n, (1n << 64n) - 1n]) {
      const enc = sdk.compact(n);
      assert.deepEqual(sdk.decodeCompact(enc), [n, enc.length], `compact ${n}`);
    }
    assert.throws(() => sdk.decodeCompact(Uint8Array.of(0x01, 0x00)), /non-canonical/);
    assert.throws(() => sdk.decodeCompact(Uint8Array.of(0x03, 0xff, 0xff, 0xff, 0x00)), /non-canonical/);
    assert.throws(() => sdk.decodeCompact(Uint8Array.of(0x02, 0x00)), /truncated/);
  });
});
