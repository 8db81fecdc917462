// Standard JS clients, unpatched, against a QuantumAegis dev network started here: polkadot.js
// (@polkadot/api) and polkadot-api (PAPI). See ../README.md for what is covered and why.
//
// One network serves every test, in order: the tests are stages of one scenario (governance,
// encrypted submissions, the worker's own transactions, then an endgame that deactivates the
// worker so that the events needing its absence happen), and the later tests read and decode
// what the earlier ones produced. A failed stage does not stop the later ones; each reports
// what it could not do.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Enum } from 'polkadot-api';
import { jsonSerialize } from 'polkadot-api/utils';
import { readFileSync } from 'node:fs';
import { bnToU8a, hexToU8a, stringToU8a, u8aConcat, u8aEq, u8aToBigInt, u8aToHex } from '@polkadot/util';
import { keccakAsU8a } from '@polkadot/util-crypto';
import { commitment as commitmentOf, encodeRevealedCall, seal } from '@quantum-aegis/sdk/formats';

import { DevNetwork } from '../lib/network.js';
import { EventLog } from '../lib/events.js';
import { OUR_APIS, OUR_PALLETS, readMetadata } from '../lib/metadata.js';
import { CHAIN_KEY, connect as papiConnect, devAccount, generateDescriptors } from '../lib/papi.js';
import { PapiChain } from '../lib/papi-chain.js';
import { connect as pjsConnect, devKeyring, signAndWait } from '../lib/pjs.js';

const BLOCK_TIME_MS = Number(process.env.AEGIS_BLOCK_TIME_MS || 500);
const UNIT = 1_000_000_000_000n;
/** Blocks an attestation counts for, set before the worker enrols: short enough that the
 * worker re-attests during the run and that its attestation expires once it cannot. */
const ATTESTATION_VALIDITY = 70;
/** The protected `pallet-assets` token the migrations move, and one protected only to be
 * removed again. */
const ASSET = 7;
const ASSET_REMOVED = 8;
/** Events no single simulated worker on a dev chain can cause within minutes; the test
 * round-trips them through polkadot.js's type registry instead (and says so). */
const SYNTHETIC = {
  'RiskOracle.OracleStale': 'needs fewer fresh feeds than MinFeeders, which is 1: a feed is always fresh',
  'TeeRegistry.WorkerDeregistered': "needs `deregister` signed by the worker's own (enclave-held) account",
  'TeeRegistry.ClusterKeyProvisioned': 'needs a second worker, which a key holder provisions',
  'TeeRegistry.ClusterKeyConfirmed': 'needs a second worker confirming a copy sealed to it',
  'TeeRegistry.ClusterKeyAbandoned': 'needs a second worker that leaves a published epoch unconfirmed',
  'TeeRegistry.EndpointSet': "needs `set_endpoint` signed by a redundancy worker's own (enclave-held) account",
  'TeeRegistry.PlatformCollateralUpdated': "needs a PCCS and the node's off-chain refresh, which runs once a day of blocks",
};

const show = (value) => JSON.stringify(value, jsonSerialize);
const pjsSection = (pallet) => pallet[0].toLowerCase() + pallet.slice(1);

/** State shared by the stages. */
const ctx = {};

describe('standard JS clients against a QuantumAegis dev network', { timeout: 600_000 }, () => {
  before(async () => {
    const started = Date.now();
    const took = (what) => console.log(`# ${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    ctx.net = new DevNetwork({ blockTimeMs: BLOCK_TIME_MS });
    await ctx.net.startNode();
    took('node up');
    ctx.descriptors = await generateDescriptors(ctx.net.rpcUrl);
    took('PAPI descriptors generated');
    ctx.client = papiConnect(ctx.net.rpcUrl);
    ctx.api = ctx.client.getTypedApi(ctx.descriptors[CHAIN_KEY]);
    ctx.log = new EventLog(ctx.client, ctx.api);
    ctx.chain = new PapiChain(ctx.api);
    const finalized = await ctx.client.getFinalizedBlock();
    ctx.meta = readMetadata(await ctx.client.getMetadata(finalized.hash));
    ctx.genesisHash = hexToU8a(await ctx.api.query.System.BlockHash.getValue(0));
    ctx.accounts = Object.fromEntries(
      ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve'].map((n) => [n, devAccount(`//${n}`)]),
    );
    // Before the worker enrols, so that its attestation gets this validity.
    await ctx.chain.sudo([
      `set_attestation_validity(${ATTESTATION_VALIDITY})`,
      ctx.api.tx.TeeRegistry.set_attestation_validity({ blocks: ATTESTATION_VALIDITY }),
    ]);
    await ctx.net.startWorker(`
[worker]
batch_min = 1
max_wait_ms = 300
[quantum]
reattest_margin_blocks = 10
`);
    const status = await ctx.net.workerStatus();
    ctx.workerAccount = status.account;
    took('worker enrolled');
  });

  after(async () => {
    const started = Date.now();
    ctx.log?.stop();
    ctx.client?.destroy();
    await ctx.pjs?.api.disconnect().catch(() => {});
    await ctx.net?.stop({ keep: process.env.AEGIS_KEEP_LOGS === '1' });
    console.log(`# network stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('PAPI: the descriptors `papi add -w` + `papi generate` made cover all of our pallets and runtime APIs', async () => {
    const generated = await ctx.descriptors[CHAIN_KEY].descriptors;
    const names = (o) => Object.keys(o ?? {}).sort();
    for (const pallet of OUR_PALLETS) {
      const expected = ctx.meta.pallets[pallet];
      assert.ok(expected, `${pallet} in the node's metadata`);
      assert.deepEqual(names(generated.storage[pallet]), expected.storage.map((s) => s.name).sort(), `${pallet} storage`);
      assert.deepEqual(names(generated.tx[pallet]), [...expected.calls].sort(), `${pallet} calls`);
      assert.deepEqual(names(generated.events[pallet]), [...expected.events].sort(), `${pallet} events`);
    }
    for (const api of OUR_APIS) {
      assert.deepEqual(names(generated.apis[api]), ctx.meta.apis[api].map((m) => m.name).sort(), `${api} methods`);
    }
  });

  it('PAPI: no transaction extension of ours needs a `customSignedExtensions` entry', () => {
    // PAPI fills in the extensions it knows (nonce, mortality, tip, genesis, versions, metadata
    // hash) and encodes any other from its metadata type with no input: that works only for
    // extensions that carry no data. An extension with data would need the caller to pass
    // `customSignedExtensions: { Name: { value, additionalSigned } }` on every transaction.
    const papiKnows = [
      'CheckNonce', 'CheckMortality', 'ChargeTransactionPayment', 'ChargeAssetTxPayment',
      'CheckGenesis', 'CheckMetadataHash', 'CheckSpecVersion', 'CheckTxVersion',
    ];
    const needInput = ctx.meta.extensions.filter(
      (e) => !papiKnows.includes(e.identifier) && !(e.valueIsEmpty && e.implicitIsEmpty),
    );
    assert.deepEqual(needInput, [], 'extensions carrying data PAPI cannot fill itself');
    console.log(`# transaction extensions: ${ctx.meta.extensions.map((e) => e.identifier).join(', ')}`);
  });

  it('governance scenario through PAPI: oracle, registry, protected assets, migrations', { timeout: 180_000 }, async () => {
    const { api, chain, log, accounts } = ctx;
    const tx = api.tx;
    const { Alice, Bob } = accounts;

    // Risk oracle: a feeder feeds an Elevated score (an escalation is scheduled), governance
    // forces Emergency (cancelling it) and back; the worker rekeys on Emergency.
    await chain.sudo(['add_feeder(Bob)', tx.RiskOracle.add_feeder({ who: Bob.address })]);
    await chain.submit(tx.RiskOracle.feed({ score: 7000 }), Bob.signer, 'feed(7000)');
    await chain.sudo(['remove_feeder(Bob)', tx.RiskOracle.remove_feeder({ who: Bob.address })]);
    const epochBefore = (await api.query.TeeRegistry.CurrentClusterKey.getValue()).epoch;
    await chain.sudo(['force_score(9500)', tx.RiskOracle.force_score({ score: 9500 })]);
    await log.waitFor('TeeRegistry', 'RekeyRequired');
    await log.waitFor('TeeRegistry', 'ClusterKeyPublished', (v) => v.epoch === epochBefore + 1);
    await chain.sudo(['force_score(1000)', tx.RiskOracle.force_score({ score: 1000 })]);

    // Registry settings. Policies are set to what they are, so the worker's attestation keeps
    // passing; the root, measurements and platforms are dummies.
    const tcb = await api.query.TeeRegistry.Tcb.getValue();
    const redundancy = await api.query.TeeRegistry.Redundancy.getValue();
    const pccsUrl = await api.query.TeeRegistry.PccsUrl.getValue();
    const rule = await api.query.Sequencer.ActiveRule.getValue();
    const dummyRoot = stringToU8a('aegis client compatibility test: not a certificate');
    const measurement = (fill) =>
      Enum('Sgx', {
        mr_enclave: u8aToHex(new Uint8Array(32).fill(fill)),
        mr_signer: u8aToHex(new Uint8Array(32).fill(fill + 1)),
        isv_prod_id: fill,
        isv_svn: 1,
      });
    const sgxPlatform = { tee: Enum('Sgx'), fmspc: '0x00906ed50000' };
    const tdxPlatform = { tee: Enum('Tdx'), fmspc: '0x00806f050000' };
    await chain.sudo(
      ['add_trusted_root', tx.TeeRegistry.add_trusted_root({ tee: Enum('Nitro'), root: dummyRoot })],
      ['set_snp_policy', tx.TeeRegistry.set_snp_policy({
        floors: [[Enum('Genoa'), { fmc: 0, boot_loader: 1, tee: 0, snp: 1, microcode: 1 }]],
        guest: { allow_smt: true, allow_migration_agent: false, max_vmpl: 0 },
      })],
      ['allow_measurement(A)', tx.TeeRegistry.allow_measurement({ measurement: measurement(0xa0), enact_at: undefined })],
      ['allow_measurement(B)', tx.TeeRegistry.allow_measurement({ measurement: measurement(0xb0), enact_at: undefined })],
      ['set_tcb_policy', tx.TeeRegistry.set_tcb_policy({ min_status: tcb.min_status, allowed_advisories: tcb.allowed_advisories })],
      ['set_tcb_evaluation_floor', tx.TeeRegistry.set_tcb_evaluation_floor({ floor: await api.query.TeeRegistry.TcbEvaluationFloor.getValue() })],
      ['set_required_feeders', tx.RiskOracle.set_required_feeders({ required: await api.query.RiskOracle.RequiredFeeders.getValue() })],
      ['set_redundancy', tx.TeeRegistry.set_redundancy({ config: redundancy })],
      ['set_cosigner_diversity', tx.TeeRegistry.set_cosigner_diversity({ diversity: Enum('Any') })],
      ['enroll_platform(SGX)', tx.TeeRegistry.enroll_platform(sgxPlatform)],
      ['enroll_platform(TDX)', tx.TeeRegistry.enroll_platform(tdxPlatform)],
      ['set_pccs_url', tx.TeeRegistry.set_pccs_url({ url: pccsUrl })],
      ['set_rule', tx.Sequencer.set_rule({ rule })],
    );
    await chain.sudo(
      ['remove_trusted_root', tx.TeeRegistry.remove_trusted_root({ tee: Enum('Nitro'), root: dummyRoot })],
      ['revoke_measurement(A)', tx.TeeRegistry.revoke_measurement({ measurement: measurement(0xa0) })],
      ['remove_platform(TDX)', tx.TeeRegistry.remove_platform(tdxPlatform)],
    );

    // Protected assets: a pallet-assets token, protected by governance; a second protection
    // only to remove it; migrations of the token, each checkpointed by the worker: one
    // completed, one rolled back, one left in progress (so that its checkpoint is in storage
    // when the storage is read).
    await chain.submit(
      tx.Assets.create({ id: ASSET, admin: Enum('Id', Alice.address), min_balance: 1n }),
      Alice.signer,
      `assets.create(${ASSET})`,
    );
    const policy = { allowed_operations: 0x7f, requires_pqc: false, requires_tee: false, risk_threshold: 10000 };
    await chain.sudo(
      [`register_asset(${ASSET})`, tx.Sequencer.register_asset({
        id: ASSET, asset_type: Enum('OnChainToken'), policy, chain_id: undefined, location: new Uint8Array(),
      })],
      [`register_asset(${ASSET_REMOVED})`, tx.Sequencer.register_asset({
        id: ASSET_REMOVED, asset_type: Enum('OffChainDatabase'), policy, chain_id: 1n,
        location: stringToU8a('https://db.example/aegis'),
      })],
    );
    await chain.sudo(
      [`update_policy(${ASSET})`, tx.Sequencer.update_policy({ id: ASSET, policy: { ...policy, risk_threshold: 9000 } })],
      [`remove_asset(${ASSET_REMOVED})`, tx.Sequencer.remove_asset({ id: ASSET_REMOVED })],
    );
    for (const end of ['complete', 'rollback', 'leave in progress']) {
      const [started] = await chain.sudo([`start_migration([${ASSET}])`, tx.Sequencer.start_migration({ assets: [ASSET], operator: Alice.address })]);
      const event = started.events.find((e) => e.type === 'Sequencer' && e.value.type === 'MigrationStarted').value.value;
      assert.equal(event.operator, Alice.address);
      const id = event.id;
      await log.waitFor('Sequencer', 'CheckpointCommitted', (v) => v.migration === id, 60_000);
      if (end === 'complete') {
        await chain.sudo(['complete_migration', tx.Sequencer.complete_migration()]);
      } else if (end === 'rollback') {
        await chain.sudo(['rollback_migration(0)', tx.Sequencer.rollback_migration({ checkpoint: 0 })]);
      }
    }
  });

  it('PAPI: a signed balances.transfer_keep_alive is finalized', async () => {
    const { api, chain, accounts } = ctx;
    const before = (await api.query.System.Account.getValue(accounts.Dave.address)).data.free;
    const result = await chain.submit(
      api.tx.Balances.transfer_keep_alive({ dest: Enum('Id', accounts.Dave.address), value: 2n * UNIT }),
      accounts.Bob.signer,
      'transfer_keep_alive',
    );
    assert.ok(result.events.some((e) => e.type === 'Balances' && e.value.type === 'Transfer'));
    const afterward = (await api.query.System.Account.getValue(accounts.Dave.address, { at: result.block.hash })).data.free;
    assert.equal(afterward - before, 2n * UNIT);
  });

  it('PAPI: an encrypted transfer sealed in JS is executed by the worker', { timeout: 90_000 }, async () => {
    const { api, accounts, log } = ctx;
    const amount = 3n * UNIT;
    const before = (await api.query.System.Account.getValue(accounts.Eve.address)).data.free;
    const { id } = await papiSubmitEncrypted(
      api.tx.Balances.transfer_keep_alive({ dest: Enum('Id', accounts.Eve.address), value: amount }),
      accounts.Charlie,
    );
    const executed = await log.waitFor('Sequencer', 'EntryExecuted', (v) => v.id === id, 60_000);
    assert.equal(executed.value.outcome.type, 'Executed', show(executed.value.outcome));
    assert.equal(executed.value.outcome.value.result.success, true, show(executed.value.outcome));
    const afterward = (await api.query.System.Account.getValue(accounts.Eve.address, { at: executed.block.hash })).data.free;
    assert.equal(afterward - before, amount);
  });

  it('polkadot.js: initialises from the metadata alone', { timeout: 60_000 }, async () => {
    ctx.stateCalls = [];
    ctx.pjs = await pjsConnect(ctx.net.rpcUrl, {
      onSend: (method, params) => {
        if (method === 'state_call') ctx.stateCalls.push(params);
      },
    });
    ctx.keyring = devKeyring();
    const { api, warnings } = ctx.pjs;
    for (const w of warnings) console.log(`# polkadot.js said: ${w}`);
    for (const pallet of OUR_PALLETS) {
      assert.ok(api.query[pjsSection(pallet)], `api.query.${pjsSection(pallet)}`);
      assert.ok(api.tx[pjsSection(pallet)], `api.tx.${pjsSection(pallet)}`);
    }
    // Unknown extensions are tolerated ("treating them as no-effect") only because ours carry
    // no data; anything else it warns about is a type or API it could not handle.
    const unknownExtensions = warnings
      .map((w) => w.match(/Unknown signed extensions (.*) found/)?.[1])
      .filter(Boolean)
      .flatMap((list) => list.split(', '));
    for (const name of unknownExtensions) {
      const ext = ctx.meta.extensions.find((e) => e.identifier === name);
      assert.ok(ext?.valueIsEmpty && ext?.implicitIsEmpty, `polkadot.js ignores ${name}, which carries data`);
    }
    // It also lists the node's JSON-RPC methods it has no definitions for (the new
    // chainHead/transaction groups): the node's, not the runtime's, and harmless.
    const other = warnings.filter((w) => !/Unknown signed extensions|RPC methods not decorated/.test(w));
    assert.deepEqual(other, [], 'polkadot.js warnings while initialising');
  });

  it('polkadot.js: signs and submits balances.transferKeepAlive', { timeout: 60_000 }, async () => {
    const { api } = ctx.pjs;
    const alice = ctx.keyring.addFromUri('//Alice');
    const bob = ctx.keyring.addFromUri('//Bob');
    const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const { blockHash, events } = await signAndWait(api, api.tx.balances.transferKeepAlive(bob.address, UNIT), alice);
    assert.ok(events.some(({ event }) => api.events.balances.Transfer.is(event)));
    const afterward = (await (await api.at(blockHash)).query.system.account(bob.address)).data.free.toBigInt();
    assert.equal(afterward - before, UNIT);
  });

  it('polkadot.js: deploys the Solidity vault with revive.instantiateWithCode, funds it, and reads the oracle through it and directly', { timeout: 90_000 }, async () => {
    const { api } = ctx.pjs;
    const bob = ctx.keyring.addFromUri('//Bob');
    const dave = ctx.keyring.addFromUri('//Dave');
    // The resolc (PolkaVM) build, as contracts/README.md tells a dapp developer to deploy it.
    const code = readFileSync(new URL('../../../contracts/solidity/build/QuantumRiskVault.polkavm', import.meta.url));
    const word = (bytes) => u8aConcat(new Uint8Array(32 - bytes.length), bytes);
    // A mapped account's contract address: the last 20 bytes of keccak256(account id).
    const addressOf = (pair) => keccakAsU8a(pair.publicKey).slice(12);
    const WEI_PER_UNIT = UNIT * 1_000_000n;
    // constructor(address recovery, uint256 elevatedCap)
    const ctor = u8aConcat(word(addressOf(dave)), bnToU8a(10n * WEI_PER_UNIT, { bitLength: 256, isLe: false }));
    const weightLimit = { refTime: 200_000_000_000n, proofSize: 2n * 1024n * 1024n };
    const deployed = await signAndWait(
      api,
      api.tx.revive.instantiateWithCode(0, weightLimit, 100n * UNIT, u8aToHex(code), u8aToHex(ctor), null),
      bob,
    );
    const instantiated = deployed.events.find(({ event }) => api.events.revive.Instantiated.is(event));
    assert.ok(instantiated, 'revive.Instantiated');
    const vault = instantiated.event.data.contract.toHex();

    const selector = (signature) => keccakAsU8a(signature).slice(0, 4);
    const funded = await signAndWait(api, api.tx.revive.call(vault, 5n * UNIT, weightLimit, 100n * UNIT, u8aToHex(selector('deposit()'))), bob);
    const at = await api.at(funded.blockHash);
    assert.equal((await at.call.reviveApi.balance(vault)).toBigInt(), 5n * WEI_PER_UNIT);

    // Dry runs through the runtime API, at the block the oracle's own API is read at.
    const status = await at.call.riskOracleApi.riskStatus();
    const dryRun = async (dest, input) => {
      const { result } = await at.call.reviveApi.call(bob.address, dest, 0, null, null, u8aToHex(input));
      assert.ok(result.isOk, `ReviveApi.call to ${dest}: ${result.toString()}`);
      // No REVERT flag, and one ABI word of output (a revert or an empty answer would decode
      // as level 0 too).
      assert.equal(result.asOk.flags.bits.toNumber(), 0, `ReviveApi.call to ${dest} reverted: ${result.asOk.flags.toString()}`);
      const data = result.asOk.data.toU8a(true);
      assert.equal(data.length, 32, `ReviveApi.call to ${dest}: ${data.length} bytes`);
      return data;
    };
    const level = await dryRun(vault, selector('level()'));
    assert.equal(u8aToBigInt(level, { isLe: false }), BigInt(status.level.index));
    const score = await dryRun('0x000000000000000000000000000000000a0e0000', selector('riskScore()'));
    assert.equal(u8aToBigInt(score, { isLe: false }), status.score.toBigInt());

    // What a hostile or careless client sends the oracle reverts (REVERT is flag bit 0): value
    // with a call, and a selector the interface does not have.
    const REVERT = 1;
    for (const [what, value, input] of [
      ['a call carrying value', UNIT, selector('riskScore()')],
      ['an unknown selector', 0, hexToU8a('0xdeadbeef')],
    ]) {
      const { result } = await at.call.reviveApi.call(bob.address, '0x000000000000000000000000000000000a0e0000', value, null, null, u8aToHex(input));
      assert.ok(result.isOk, `${what}: ${result.toString()}`);
      assert.equal(result.asOk.flags.bits.toNumber() & REVERT, REVERT, `${what} did not revert`);
    }
  });

  it('polkadot.js: sequencer.submitEncrypted with an envelope sealed by @hpke is executed', { timeout: 90_000 }, async () => {
    const { api } = ctx.pjs;
    const charlie = ctx.keyring.addFromUri('//Charlie');
    const ferdie = ctx.keyring.addFromUri('//Ferdie');
    const amount = 5n * UNIT;
    const before = (await api.query.system.account(ferdie.address)).data.free.toBigInt();
    const call = api.tx.balances.transferKeepAlive(ferdie.address, amount);
    const { id } = await pjsSubmitEncrypted(api, call, charlie);
    const executed = await ctx.log.waitFor('Sequencer', 'EntryExecuted', (v) => v.id === id, 60_000);
    assert.equal(executed.value.outcome.type, 'Executed', show(executed.value.outcome));
    assert.equal(executed.value.outcome.value.result.success, true, show(executed.value.outcome));
    const afterward = (await (await api.at(executed.block.hash)).query.system.account(ferdie.address)).data.free.toBigInt();
    assert.equal(afterward - before, amount);
  });

  it('polkadot.js: a tampered envelope is rejected by the worker', { timeout: 90_000 }, async () => {
    const { api } = ctx.pjs;
    const dave = ctx.keyring.addFromUri('//Dave');
    const call = api.tx.balances.transferKeepAlive(ctx.keyring.addFromUri('//Eve').address, UNIT);
    // One ciphertext bit flipped: the AEAD tag no longer verifies.
    const { id } = await pjsSubmitEncrypted(api, call, dave, (envelope) => {
      envelope[envelope.length - 1] ^= 1;
    });
    const rejected = await ctx.log.waitFor('Sequencer', 'EntryRejected', (v) => v.id === id, 60_000);
    assert.equal(rejected.value.reason.type, 'DecryptionFailed');
  });

  it('polkadot.js: every runtime API method of ours answers through api.call', { timeout: 60_000 }, async () => {
    const { api } = ctx.pjs;
    const status = await ctx.net.workerStatus();
    const epoch = status.chain.cluster_key_epoch;
    const transfer = api.tx.balances.transferKeepAlive(ctx.workerAccount, 1n).method.toU8a();
    // Sample arguments per method; a method missing here fails the test, so a new runtime API
    // method must be added (and checked) here.
    const samples = {
      riskOracleApi: {
        riskStatus: { args: [], check: async (r) => assert.equal(r.score.toNumber(), (await api.query.riskOracle.score()).toNumber()) },
        // The policy the oracle announced (decoded by PAPI) when Emergency took effect.
        policyFor: { args: ['Emergency'], check: (r) => {
          const announced = ctx.log.find('RiskOracle', 'LevelChanged', (v) => v.to.type === 'Emergency')[0].value.policy;
          assert.equal(r.keyRotationBlocks.toNumber(), announced.key_rotation_blocks);
          assert.equal(r.batchSuites.toNumber(), announced.batch_suites);
          assert.equal(r.checkpointSuites.toNumber(), announced.checkpoint_suites);
        } },
      },
      teeRegistryApi: {
        activeWorkers: { args: [], check: (r) => assert.ok(r.some((w) => w.account.toString() === ctx.workerAccount)) },
        worker: { args: [ctx.workerAccount], check: (r) => assert.equal(r.unwrap().state.toString(), 'Active') },
        clusterKey: { args: [], check: (r) => assert.equal(r[0].unwrap().epoch.toNumber(), epoch) },
        redundancy: { args: [], check: async (r) => assert.deepEqual(r.toJSON(), (await api.query.teeRegistry.redundancy()).toJSON()) },
        cluster: { args: [], check: (r) => {
          assert.equal(r.current.unwrap().epoch.toNumber(), epoch);
          assert.ok(r.served.isTrue, 'an active worker holds the current epoch');
          const holders = r.holders.find(([e]) => e.toNumber() === epoch)[1];
          assert.ok(holders.some((h) => h.toString() === ctx.workerAccount), 'the worker holds it');
          assert.equal(r.leader.unwrap().leader.toString(), ctx.workerAccount);
        } },
        // The worker published the epoch: no copy was sealed to it.
        clusterCopy: { args: [epoch, ctx.workerAccount], check: (r) => assert.ok(r.isNone) },
      },
      sequencerApi: {
        pending: { args: [epoch], check: async (r) => assert.equal(r[0].toNumber(), (await api.query.sequencer.pending.entries()).length) },
        lastBatch: { args: [], check: (r) => assert.ok(r.nextSequence.toNumber() > 0) },
        activeRule: { args: [], check: async (r) => assert.equal(r.toString(), (await api.query.sequencer.activeRule()).toString()) },
        assetProtection: { args: [ASSET], check: (r) => assert.ok(r.isSome) },
        // A native transfer touches no protected asset and is no migration call.
        orderClasses: { args: [[transfer]], check: (r) => assert.deepEqual(r.toJSON(), [['None', false]]) },
        migration: { args: [null], check: (r) => assert.equal(r.unwrap()[1].status.type, 'InProgress') },
      },
    };
    for (const apiName of OUR_APIS) {
      const section = pjsSection(apiName);
      const methods = ctx.meta.apis[apiName].map((m) => m.name);
      assert.ok(api.call[section], `api.call.${section}`);
      for (const method of methods) {
        const camel = method.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
        const sample = samples[section]?.[camel];
        assert.ok(sample, `no sample arguments for ${section}.${camel}`);
        const result = await api.call[section][camel](...sample.args);
        await sample.check(result);
        console.log(`# api.call.${section}.${camel} → ${show(result.toHuman()).slice(0, 160)}`);
      }
    }
  });

  it('polkadot.js: every call of our pallets builds from metadata and decodes back, in PAPI too', { timeout: 60_000 }, async () => {
    const { api } = ctx.pjs;
    let count = 0;
    for (const pallet of OUR_PALLETS) {
      for (const name of ctx.meta.pallets[pallet].calls) {
        const camel = name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
        const build = api.tx[pjsSection(pallet)][camel];
        assert.ok(build, `api.tx.${pjsSection(pallet)}.${camel}`);
        // Each argument's default value (zeros, empty vectors, first variants) of its metadata type.
        const args = build.meta.args.map((arg) => api.registry.createType(arg.type.toString()));
        const call = build(...args).method;
        const bytes = call.toU8a();
        const decoded = api.createType('Call', bytes);
        assert.equal(`${decoded.section}.${decoded.method}`, `${pjsSection(pallet)}.${camel}`);
        assert.ok(u8aEq(decoded.toU8a(), bytes), `${pallet}.${name} re-encodes to the same bytes`);
        const papiTx = await ctx.api.txFromCallData(bytes);
        assert.equal(`${papiTx.decodedCall.type}.${papiTx.decodedCall.value.type}`, `${pallet}.${name}`);
        count += 1;
      }
    }
    console.log(`# ${count} calls built by polkadot.js and decoded by both clients`);
  });

  // `TaggedTransactionQueue_validate_transaction` (api version 3, as in polkadot.js's static
  // definitions) takes SCALE `(source, tx: Block::Extrinsic, block_hash)`, the extrinsic encoded
  // as itself, with its compact length prefix. polkadot.js decorates `api.call` from the
  // metadata's runtime APIs whenever there are any. polkadot-sdk describes `Block::Extrinsic` as
  // an opaque `Vec<u8>`, which polkadot.js types as `Bytes`: a hex string then got a second
  // length prefix and an extrinsic object became the UTF-8 of its JSON, and the runtime trapped.
  // The runtime therefore describes the parameter as `primitive_types::Extrinsic`, which
  // polkadot.js maps to its `Extrinsic` codec (runtime/src/metadata.rs). Each form is a test of
  // its own, comparing the bytes sent in `state_call` with the expected ones.
  for (const form of ['bytes', 'hex', 'extrinsic']) {
    it(`polkadot.js: api.call.taggedTransactionQueue.validateTransaction, the extrinsic given as ${form}`, { timeout: 60_000 }, async () => {
      const { api } = ctx.pjs;
      const alice = ctx.keyring.addFromUri('//Alice');
      const tx = await api.tx.balances.transferKeepAlive(ctx.keyring.addFromUri('//Bob').address, UNIT).signAsync(alice);
      const at = (await api.rpc.chain.getFinalizedHead()).toHex();
      const arg = { bytes: tx.toU8a(), hex: tx.toHex(), extrinsic: tx }[form];
      const expected = u8aToHex(u8aConcat([2 /* TransactionSource::External */], tx.toU8a(), hexToU8a(at)));
      const sent = ctx.stateCalls.length;
      let result;
      let error;
      try {
        result = await api.call.taggedTransactionQueue.validateTransaction('External', arg, at);
      } catch (e) {
        error = e;
      }
      const [method, data] = ctx.stateCalls[sent] ?? [];
      assert.equal(method, 'TaggedTransactionQueue_validate_transaction');
      const param = api.call.taggedTransactionQueue.validateTransaction.meta.params.find((p) => p.name === 'tx');
      const diagnosis =
        `polkadot.js typed the tx parameter as ${param.type} (from the metadata) and sent ` +
        `${(data.length - 2) / 2} bytes ${data.slice(0, 24)}…; the runtime reads ` +
        `${(expected.length - 2) / 2} bytes ${expected.slice(0, 24)}…`;
      console.log(`# ${form}: ${diagnosis}`);
      assert.ok(data === expected, `polkadot.js sent other bytes than the runtime reads: ${diagnosis}`);
      if (error) assert.fail(error.message.split('\n')[0]);
      assert.ok(result.isOk, show(result.toHuman()));
    });
  }

  it('endgame: the worker measurement is revoked, a submission waits, Emergency comes without a worker', { timeout: 120_000 }, async () => {
    const { api, chain, log, accounts } = ctx;
    // The worker's own events: it heartbeats and re-attests by itself while it is active.
    await log.waitFor('TeeRegistry', 'Heartbeat', () => true, 60_000);
    await log.waitFor('TeeRegistry', 'WorkerReattested', () => true, 60_000);
    const worker = await api.query.TeeRegistry.Workers.getValue(ctx.workerAccount);
    // The worker pauses: the chain still counts it a key holder and takes a submission, then
    // its measurement is revoked before it resumes. Nobody will sequence that submission.
    ctx.net.worker.kill('SIGSTOP');
    try {
      ctx.expiring = await papiSubmitEncrypted(
        api.tx.System.remark({ remark: stringToU8a('never sequenced') }),
        accounts.Dave,
      );
      await chain.sudo(['revoke_measurement(worker)', api.tx.TeeRegistry.revoke_measurement({ measurement: worker.measurement })]);
    } finally {
      ctx.net.worker.kill('SIGCONT');
    }
    // A revoked holder requires a new epoch, and with no active holder left the chain refuses
    // submissions outright instead of holding deposits nothing can serve.
    await log.waitFor('TeeRegistry', 'RekeyRequired', (v) => v.deadline > ctx.expiring.block && v.reason.type === 'HolderDeactivated');
    await assert.rejects(
      papiSubmitEncrypted(api.tx.System.remark({ remark: stringToU8a('refused') }), accounts.Dave, { requireHolder: false }),
      /NoKeyHolder/,
    );
    await chain.sudo(['force_score(9500)', api.tx.RiskOracle.force_score({ score: 9500 })]);
  });

  it('PAPI: every storage item of our pallets decodes', { timeout: 60_000 }, async () => {
    ctx.papiStorage = {};
    // One block for both clients, so that their readings can be compared.
    const at = (await ctx.client.getFinalizedBlock()).hash;
    ctx.storageAt = at;
    for (const pallet of OUR_PALLETS) {
      for (const { name, kind } of ctx.meta.pallets[pallet].storage) {
        const query = ctx.api.query[pallet][name];
        if (kind === 'plain') {
          const value = await query.getValue({ at });
          ctx.papiStorage[`${pallet}.${name}`] = value === undefined ? 0 : 1;
        } else {
          ctx.papiStorage[`${pallet}.${name}`] = (await query.getEntries({ at })).length;
        }
      }
    }
    console.log(`# PAPI storage (values present / map entries): ${show(ctx.papiStorage)}`);
    // The scenario filled these maps; each decoded entry proves its key and value types.
    for (const item of ['TeeRegistry.Workers', 'TeeRegistry.Measurements', 'TeeRegistry.Platforms',
      'Sequencer.Pending', 'Sequencer.ProtectedAssets', 'Sequencer.Migrations', 'Sequencer.Checkpoints']) {
      assert.ok(ctx.papiStorage[item] > 0, `${item} has entries`);
    }
  });

  it('polkadot.js: every storage item of our pallets decodes, with the same entries as PAPI', { timeout: 60_000 }, async () => {
    const api = await ctx.pjs.api.at(ctx.storageAt);
    const counts = {};
    for (const pallet of OUR_PALLETS) {
      const section = api.query[pjsSection(pallet)];
      // Whatever the decorated metadata offers, so a new item is covered without a change here
      // (polkadot.js adds `palletVersion`, the pallet's storage version, to every pallet).
      for (const query of Object.values(section)) {
        const name = query.creator.meta.name.toString();
        if (query.creator.meta.type.isPlain) {
          const value = await query();
          value.toJSON();
          // An `OptionQuery` value not set reads as `None` (PAPI: `undefined`).
          const unset = query.creator.meta.modifier.isOptional && value.isNone;
          counts[`${pallet}.${name}`] = unset ? 0 : 1;
        } else {
          const entries = await query.entries();
          for (const [key, value] of entries) {
            key.args.map((a) => a.toJSON());
            value.toJSON();
          }
          counts[`${pallet}.${name}`] = entries.length;
        }
      }
    }
    // Same items, same values present, same number of entries in every map.
    const inMetadata = Object.fromEntries(Object.entries(counts).filter(([k]) => !k.endsWith('.palletVersion')));
    assert.deepEqual(inMetadata, ctx.papiStorage);
  });

  it('endgame events: the submission expires, the rekey is overdue, the worker expires', { timeout: 150_000 }, async () => {
    const { log } = ctx;
    const blocks = (n) => n * BLOCK_TIME_MS * 2 + 30_000;
    await log.waitFor('Sequencer', 'Expired', (v) => v.id === ctx.expiring.id, blocks(110));
    await log.waitFor('TeeRegistry', 'RekeyOverdue', () => true, blocks(60));
    await log.waitFor('TeeRegistry', 'WorkerExpired', (v) => v.worker === ctx.workerAccount, blocks(80));
  });

  it('every event of our pallets occurred live, except the synthetic ones, which polkadot.js round-trips', async () => {
    const live = new Set([...ctx.log.all()].map((e) => `${e.pallet}.${e.name}`));
    const all = OUR_PALLETS.flatMap((p) => ctx.meta.pallets[p].events.map((e) => `${p}.${e}`));
    const missing = all.filter((e) => !live.has(e) && !SYNTHETIC[e]);
    const nowLive = Object.keys(SYNTHETIC).filter((e) => live.has(e));
    console.log(`# live: ${all.filter((e) => live.has(e)).length} of ${all.length} events`);
    for (const [event, why] of Object.entries(SYNTHETIC)) console.log(`# synthetic: ${event} (${why})`);
    assert.deepEqual(missing, [], 'events that did not occur');
    assert.deepEqual(nowLive, [], 'listed as synthetic but occurred live: move them out of SYNTHETIC');

    const { api } = ctx.pjs;
    const alice = ctx.keyring.addFromUri('//Alice');
    for (const key of Object.keys(SYNTHETIC)) {
      const [pallet, name] = key.split('.');
      const meta = api.events[pjsSection(pallet)][name].meta;
      // Each field's default value, accounts set to //Alice so they are not all zeros.
      const fields = meta.fields.map((f) => {
        const isAccount = /AccountId/.test(f.typeName.unwrapOr('').toString());
        return api.registry.createType(api.registry.createLookupType(f.type), isAccount ? alice.address : undefined).toU8a();
      });
      const bytes = new Uint8Array([ctx.meta.pallets[pallet].index, meta.index.toNumber(), ...fields.flatMap((f) => [...f])]);
      const event = api.registry.createType('Event', bytes);
      assert.equal(`${event.section}.${event.method}`, `${pjsSection(pallet)}.${name}`);
      assert.ok(u8aEq(event.toU8a(), bytes), `${key} re-encodes to the same bytes`);
      console.log(`# synthetic ${key} round-trips: ${show(event.toHuman())}`);
    }
  });

  it('polkadot.js decodes every event and extrinsic of each block where an event of ours occurred, as PAPI did', { timeout: 120_000 }, async () => {
    const { api } = ctx.pjs;
    const blocks = new Map();
    for (const e of ctx.log.all()) {
      if (OUR_PALLETS.includes(e.pallet) && !blocks.has(`${e.pallet}.${e.name}`)) blocks.set(`${e.pallet}.${e.name}`, e.block);
    }
    let events = 0;
    let extrinsics = 0;
    const calls = new Set();
    for (const block of new Set(blocks.values())) {
      const at = await api.at(block.hash);
      const records = await at.query.system.events();
      const pjsNames = records.map(({ event }) => {
        event.toHuman();
        return `${event.section}.${event.method}`;
      });
      const papiNames = block.events.map((e) => `${pjsSection(e.pallet)}.${e.name}`);
      assert.deepEqual(pjsNames, papiNames, `events of block #${block.number}`);
      events += records.length;
      const { block: signed } = await api.rpc.chain.getBlock(block.hash);
      for (const xt of signed.extrinsics) {
        xt.method.toHuman();
        const again = api.createType('Extrinsic', xt.toU8a());
        assert.ok(u8aEq(again.toU8a(), xt.toU8a()), `extrinsic ${xt.method.section}.${xt.method.method} re-encodes`);
        calls.add(`${xt.method.section}.${xt.method.method}`);
        extrinsics += 1;
      }
    }
    // Among them the worker's own, which carry the quotes, keys and post-quantum signatures.
    for (const call of ['teeRegistry.registerWorker', 'teeRegistry.reattest', 'teeRegistry.heartbeat',
      'teeRegistry.publishClusterKey', 'sequencer.commitBatch', 'sequencer.rejectEntries',
      'sequencer.commitCheckpoint', 'sequencer.submitEncrypted', 'sudo.sudo']) {
      assert.ok(calls.has(call), `a ${call} extrinsic was decoded`);
    }
    console.log(`# ${events} events and ${extrinsics} extrinsics of ${new Set(blocks.values()).size} blocks decoded`);
  });

  it('PAPI recorded every finalized block in order, without error', () => {
    assert.deepEqual(ctx.log.errors.map(String), []);
    assert.ok(ctx.log.blocks.length > 10);
  });
});

/**
 * The cluster key to encrypt to, from `TeeRegistryApi.cluster` (api version 2), checked like
 * the Rust client does: an active attested worker holds it.
 */
async function papiClusterKey({ requireHolder = true } = {}) {
  const view = await ctx.api.apis.TeeRegistryApi.cluster();
  const key = view.current;
  assert.ok(key, 'a cluster key is published');
  if (requireHolder) {
    const active = await ctx.api.apis.TeeRegistryApi.active_workers();
    const holders = view.holders.find(([epoch]) => epoch === key.epoch)?.[1] ?? [];
    assert.ok(active.some((w) => holders.includes(w.account)), 'an active worker holds the key');
  }
  return { epoch: key.epoch, publicKey: hexToU8a(key.public_key) };
}

/**
 * Everything `sequencer.submit_encrypted` needs for the SCALE-encoded runtime call `call` from
 * `account`: a fresh salt, the envelope sealed to the cluster key and the commitment, made with
 * the SDK's byte formats (clients/ts, written from docs/protocol.md), not with our Rust code.
 */
async function encryptCall({ call, publicKey, epoch, genesisHash, account }) {
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const envelope = await seal({ publicKey, epoch, genesisHash, account, plaintext: encodeRevealedCall({ call, salt }) });
  return { envelope, commitment: commitmentOf(call, salt) };
}

/** Encrypts the call of PAPI transaction `inner` from `who` and submits it with PAPI. */
async function papiSubmitEncrypted(inner, who, options) {
  const { api } = ctx;
  const { epoch, publicKey } = await papiClusterKey(options);
  const call = await inner.getEncodedData();
  const info = await api.apis.TransactionPaymentCallApi.query_call_info(inner.decodedCall, call.length);
  const { envelope, commitment } = await encryptCall({
    call, publicKey, epoch, genesisHash: ctx.genesisHash, account: who.publicKey,
  });
  const result = await ctx.chain.submit(
    api.tx.Sequencer.submit_encrypted({ envelope, commitment: u8aToHex(commitment), max_weight: info.weight }),
    who.signer,
    'submit_encrypted',
  );
  const submitted = result.events.find((e) => e.type === 'Sequencer' && e.value.type === 'Submitted');
  return { id: submitted.value.value.id, block: result.block.number };
}

/**
 * Encrypts `call` (a polkadot.js extrinsic, unsigned) from `pair` and submits it with
 * polkadot.js; `tamper` may change the envelope before it is sent.
 */
async function pjsSubmitEncrypted(api, call, pair, tamper = () => {}) {
  const view = await api.call.teeRegistryApi.cluster();
  const active = await api.call.teeRegistryApi.activeWorkers();
  const { epoch, publicKey } = view.current.unwrap();
  const holders = view.holders.find(([e]) => e.eq(epoch))?.[1] ?? [];
  assert.ok(active.some((w) => holders.some((h) => h.eq(w.account))), 'an active worker holds the key');
  const bytes = call.method.toU8a();
  const info = await api.call.transactionPaymentCallApi.queryCallInfo(call.method, bytes.length);
  const { envelope, commitment } = await encryptCall({
    call: bytes,
    publicKey: publicKey.toU8a(),
    epoch: epoch.toNumber(),
    genesisHash: api.genesisHash.toU8a(),
    account: pair.publicKey,
  });
  tamper(envelope);
  // Hex, not a Uint8Array: polkadot.js reads a Uint8Array given for `Bytes` (`BoundedVec<u8>`)
  // as already SCALE-encoded, i.e. starting with its length prefix.
  const submit = api.tx.sequencer.submitEncrypted(u8aToHex(envelope), commitment, info.weight);
  const { events } = await signAndWait(api, submit, pair);
  const submitted = events.find(({ event }) => api.events.sequencer.Submitted.is(event));
  assert.ok(submitted, 'a Submitted event');
  return { id: submitted.event.data.id.toBigInt() };
}
