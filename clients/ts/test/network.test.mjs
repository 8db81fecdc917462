// The SDK against the dev network (`aegis-node --dev` and a simulated-TEE `aegis-worker`, here an
// AMD SEV-SNP guest enrolled with a simulated SEV-SNP report,
// started by tests/clients/lib/network.js as scripts/dev-network.sh starts them): as a dapp
// would use it, from reading the chain to an encrypted transfer followed to its execution, and
// the ways a submission can go wrong.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import * as sdk from '../dist/index.js';
import { DevNetwork, waitFor } from '../../../tests/clients/lib/network.js';

const UNIT = 1_000_000_000_000n;
const net = new DevNetwork({ blockTimeMs: Number(process.env.AEGIS_BLOCK_TIME_MS ?? 500) });
let client;
let keyring;

describe('the SDK on the dev network', { timeout: 600_000 }, () => {
  before(async () => {
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519' });
    await net.startNode();
    await net.startWorker('', { tee: 'sim-snp' });
    client = await sdk.AegisClient.connect(net.rpcUrl);
  });

  after(async () => {
    await client?.disconnect();
    await net.stop({ keep: process.env.AEGIS_KEEP_LOGS === '1' });
  });

  it('reads the cluster key and checks that an active attested worker holds it', async () => {
    const key = await client.clusterKey();
    const status = await net.workerStatus();
    assert.equal(key.epoch, status.chain.cluster_key_epoch);
    assert.equal(key.publicKey.length, sdk.PUBLIC_KEY_LEN);
    assert.deepEqual(key.activeHolders, [status.account]);
    assert.equal(key.publishedBy, status.account);
    assert.equal(key.publisherActive, true);
  });

  it('reads the oracle, its history, the workers and the sequencer', async () => {
    const risk = await client.riskStatus();
    assert.ok(risk.score >= 0 && risk.score <= 10_000);
    assert.equal(risk.level, risk.score >= 9000 ? 'Emergency' : risk.score >= 6000 ? 'Elevated' : 'Normal');
    const history = await client.riskHistory(20);
    assert.ok(history.length >= 2, `history of ${history.length} points`);
    assert.ok(history.every((p, i) => i === 0 || p.block === history[i - 1].block + 1));
    assert.equal(history.at(-1).score, risk.score);
    assert.ok(history.every((p) => ['Normal', 'Elevated', 'Emergency'].includes(p.level)), JSON.stringify(history.at(-1)));

    // The chain names a leader from the block after the key's holders are known.
    const workers = await waitFor('a leader', async () => {
      const ws = await client.workers();
      return ws.some((w) => w.leader) && ws;
    }, { timeoutMs: 30_000 });
    const status = await net.workerStatus();
    assert.equal(workers.length, 1);
    const [w] = workers;
    assert.equal(w.account, status.account);
    assert.equal(w.state, 'Active');
    assert.ok(w.leader, 'the only worker leads');
    assert.ok(w.expiresAt > (await client.api.rpc.chain.getHeader()).number.toNumber());
    // The SEV-SNP worker as the registry holds it: its launch measurement (the dev worker VM's)
    // and its generation and reported TCB.
    assert.equal(w.kind, 'SevSnp');
    assert.equal(w.measurement, `0x${Buffer.from('aegis-worker dev SEV-SNP guest v1').toString('hex')}${'00'.repeat(15)}`);
    assert.match(w.tcbStatus, /^Milan bl \d+ tee \d+ snp \d+ ucode \d+$/);
    assert.equal(w.measurementDetail.sevSnp.measurement, w.measurement);
    assert.deepEqual(w.holds, [status.chain.cluster_key_epoch]);

    const seq = await client.sequencerState();
    assert.equal(seq.rule, (await client.api.query.sequencer.activeRule()).toString());
  });

  it('sends an encrypted transfer and follows it: signed → submitted → batched → executed', async () => {
    const alice = keyring.addFromUri('//Alice');
    const dest = keyring.addFromUri('//SdkReceiver').address;
    const before = (await client.api.query.system.account(dest)).data.free.toBigInt();
    const stages = [];
    const outcome = await client.submitEncrypted(client.api.tx.balances.transferKeepAlive(dest, 2n * UNIT), alice, {
      onStatus: (s) => stages.push(s),
      timeoutMs: 120_000,
    });
    assert.deepEqual(stages.map((s) => s.stage), ['signed', 'submitted', 'batched', 'executed']);
    assert.equal(outcome.stage, 'executed');
    assert.ok(outcome.ok, JSON.stringify(outcome.outcome));
    const submitted = stages[1];
    assert.ok(outcome.block > submitted.block);
    assert.ok(submitted.deposit > 0n);
    const at = await client.api.at(await client.api.rpc.chain.getBlockHash(outcome.block));
    assert.equal((await at.query.system.account(dest)).data.free.toBigInt() - before, 2n * UNIT);

    // The batch that carried it, with the worker's signatures verified in JS under the keys
    // the registry holds for it.
    const batches = await client.recentBatches(outcome.block - submitted.block + 2);
    const batch = batches.find((b) => b.block === outcome.block);
    assert.ok(batch, 'the batch is listed');
    assert.equal(batch.sequence, stages[2].sequence);
    assert.ok(batch.entries >= 1 && Number.isInteger(batch.entries), `a batch of ${batch.entries} entries`);
    assert.equal(batch.keyEpoch, (await client.clusterKey()).epoch);
    assert.ok(batch.headerMatches, 'the header in the extrinsic hashes to BatchCommitted.hash');
    assert.ok(batch.signatures.length >= 1);
    for (const s of batch.signatures) assert.equal(s.verified, true, `${s.suite} signature verifies`);
  });

  it('a tampered envelope is rejected by the worker (DecryptionFailed) and the SDK reports it', async () => {
    const bob = keyring.addFromUri('//Bob');
    const call = client.api.tx.system.remark('0x01');
    const sealed = await client.encrypt(call, bob.address);
    sealed.envelope[sealed.envelope.length - 1] ^= 1;
    const tx = client.submitExtrinsic(sealed, await client.maxWeight(call));
    const result = await client.signAndFinalize(tx, bob);
    const submitted = result.events.find(({ event }) => client.api.events.sequencer.Submitted.is(event));
    const header = await client.api.rpc.chain.getHeader(result.status.asFinalized);
    const outcome = await client.follow(submitted.event.data.id.toBigInt(), header.number.toNumber(), { timeoutMs: 120_000 });
    assert.equal(outcome.stage, 'rejected');
    assert.equal(outcome.reason, 'DecryptionFailed');
  });

  it('an envelope to an epoch the chain does not serve fails at dispatch with the chain\'s error', async () => {
    const charlie = keyring.addFromUri('//Charlie');
    const call = client.api.tx.system.remark('0x02');
    const key = await client.clusterKey();
    const sealed = await client.encrypt(call, charlie.address, { ...key, epoch: key.epoch + 7 });
    await assert.rejects(
      client.signAndFinalize(client.submitExtrinsic(sealed, await client.maxWeight(call)), charlie),
      (e) => e instanceof sdk.AegisError && e.kind === 'Dispatch' && /sequencer\.WrongKeyEpoch/.test(e.message),
    );
  });

  it('a max_weight the chain would refuse is refused before anything is sent', async () => {
    const dave = keyring.addFromUri('//Dave');
    const nonce = (await client.api.rpc.system.accountNextIndex(dave.address)).toNumber();
    const call = client.api.tx.system.remark('0x04');
    for (const maxWeight of [{ refTime: 0n, proofSize: 0n }, { refTime: 10n ** 15n, proofSize: 1n }]) {
      await assert.rejects(client.submitEncrypted(call, dave, { maxWeight }), (e) => e instanceof sdk.AegisError && e.kind === 'Invalid');
    }
    assert.equal((await client.api.rpc.system.accountNextIndex(dave.address)).toNumber(), nonce, 'nothing was sent');
  });

  it('a call too large for an envelope is refused before anything is sent', async () => {
    const dave = keyring.addFromUri('//Dave');
    const nonce = (await client.api.rpc.system.accountNextIndex(dave.address)).toNumber();
    const big = client.api.tx.system.remark(`0x${'ab'.repeat(20_000)}`);
    await assert.rejects(client.submitEncrypted(big, dave), (e) => e instanceof sdk.AegisError && e.kind === 'TooLarge');
    assert.equal((await client.api.rpc.system.accountNextIndex(dave.address)).toNumber(), nonce, 'nothing was sent');
  });

  // Last: it leaves the chain without a usable worker.
  it('once the only worker\'s measurement is revoked, the key is refused as untrusted and nothing is sent', async () => {
    const alice = keyring.addFromUri('//Alice');
    const status = await net.workerStatus();
    const worker = (await client.api.query.teeRegistry.workers(status.account)).unwrap();
    const revoke = client.api.tx.sudo.sudo(client.api.tx.teeRegistry.revokeMeasurement(worker.measurement));
    await client.signAndFinalize(revoke, alice);
    await assert.rejects(client.clusterKey(), (e) => e instanceof sdk.AegisError && e.kind === 'Untrusted');
    const eve = keyring.addFromUri('//Eve');
    const nonce = (await client.api.rpc.system.accountNextIndex(eve.address)).toNumber();
    await assert.rejects(
      client.submitEncrypted(client.api.tx.system.remark('0x03'), eve),
      (e) => e instanceof sdk.AegisError && e.kind === 'Untrusted',
    );
    assert.equal((await client.api.rpc.system.accountNextIndex(eve.address)).toNumber(), nonce, 'nothing was sent');
  });
});
