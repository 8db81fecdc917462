// The web app in a real headless Chromium (Debian's, driven by playwright-core) against the
// dev network (a dev node and a simulated-TEE worker, started as scripts/dev-network.sh starts
// them): the page loads, shows the oracle and the workers, and encrypted transfers made through
// the page execute, from a dev account and from a browser wallet. The wallet is a fake of the
// documented `window.injectedWeb3` extension interface whose signer signs in this process,
// as the polkadot.js extension does: with the chain's registry and an sr25519 key.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { AegisClient } from '@quantum-aegis/sdk';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { DevNetwork, freePort } from '../../../tests/clients/lib/network.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const UNIT = 1_000_000_000_000n;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// As root in a sandboxed machine: no Chromium sandbox, and no background networking (this
// machine's network is closed; Chromium's own connections would be refused).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const net = new DevNetwork({ blockTimeMs: Number(process.env.AEGIS_BLOCK_TIME_MS ?? 500) });
let server;
let browser;
let client;
let keyring;
let appUrl;

async function freeBalance(address, block) {
  const at = block === undefined ? client.api : await client.api.at(await client.api.rpc.chain.getBlockHash(block));
  return (await at.query.system.account(address)).data.free.toBigInt();
}

/** Opens the app in a fresh context; `init` runs before the page's scripts. */
async function openApp(init) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  if (init) await init(page);
  await page.goto(`${appUrl}/?rpc=${encodeURIComponent(net.rpcUrl)}`);
  await page.waitForFunction(() => document.getElementById('connection')?.textContent?.startsWith('connected to'), null, { timeout: 60_000 });
  return { page, context, errors };
}

/** Sends `amount` from the selected account through the page and waits for its outcome. */
async function sendThroughPage(page, { to, amount }) {
  await page.fill('#to', to);
  await page.fill('#amount', amount);
  await page.click('#send-button');
  await page.waitForSelector('#outcome[data-stage]', { timeout: 120_000 });
  return {
    outcome: await page.getAttribute('#outcome', 'data-stage'),
    text: await page.textContent('#outcome'),
    stages: await page.$$eval('#progress li', (lis) => lis.map((li) => li.dataset.stage)),
    executedIn: Number((await page.textContent('#outcome')).match(/block #(\d+)/)?.[1]),
  };
}

describe('the web app in headless Chromium', { timeout: 900_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(path.join(webDir, 'dist/index.html')), 'build the app first (npm run build)');
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM)`);
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519' });
    await net.startNode();
    await net.startWorker('', { tee: 'sim-nitro' });
    client = await AegisClient.connect(net.rpcUrl);
    const port = await freePort();
    server = await preview({ root: webDir, logLevel: 'silent', preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
    appUrl = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await client?.disconnect();
    await net.stop({ keep: process.env.AEGIS_KEEP_LOGS === '1' });
  });

  it('loads and shows the oracle with its history, the workers and the cluster key', async () => {
    const { page, context, errors } = await openApp();
    const status = await net.workerStatus();
    // The chain names a leader from the block after the key's holders are known; the page
    // shows it from the next block it reads.
    await page.waitForFunction(
      (account) => /★ leader/.test(document.querySelector(`#workers tr[data-account="${account}"]`)?.textContent ?? ''),
      status.account,
      { timeout: 30_000 },
    );
    const row = await page.textContent(`#workers tr[data-account="${status.account}"]`);
    assert.match(row, /epoch 1/);
    // An AWS Nitro enclave (simulated), with its PCR0 and its kind's patch level.
    assert.match(row, /Nitro/);
    // One refresh fills the views one after the other: wait for each, not only the first.
    const shows = (selector, text) =>
      page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want, [selector, text], { timeout: 30_000 });
    const risk = await client.riskStatus();
    await shows('#risk-score', String(risk.score));
    assert.match(await page.textContent('#risk-level'), new RegExp(risk.level));
    await shows('#cluster-epoch', String(status.chain.cluster_key_epoch));
    await page.waitForFunction(() => Number(document.getElementById('risk-chart')?.dataset.points) >= 3, null, { timeout: 30_000 });
    // A node named by a link is shown with a warning, and never remembered.
    assert.match(await page.textContent('#wallet-status'), /The link chose the node/);
    assert.equal(await page.evaluate(() => localStorage.getItem('aegis.endpoint')), null);
    assert.match(await page.textContent('#connection'), /genesis 0x/);
    assert.equal(await page.locator('#risk-chart polyline').count(), 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('an encrypted transfer from a dev account executes: submitted → batched → executed', async () => {
    const { page, context, errors } = await openApp();
    const alice = keyring.addFromUri('//Alice');
    await page.selectOption('#from', alice.address);
    const to = keyring.addFromUri('//WebReceiver').address;
    const before = await freeBalance(to);
    const sent = await sendThroughPage(page, { to, amount: '1.25' });
    assert.equal(sent.outcome, 'executed', sent.text);
    assert.deepEqual(sent.stages, ['sealing', 'signed', 'submitted', 'batched', 'executed']);
    const preview = await page.textContent('#progress li[data-stage="sealing"]');
    assert.match(preview, /balances\.transferKeepAlive/);
    assert.ok(preview.includes(to), 'the preview names the receiver');
    assert.equal((await freeBalance(to, sent.executedIn)) - before, (5n * UNIT) / 4n);
    // The batch that carried it is listed, its signatures verified in the page.
    await page.waitForSelector('#batches tr span[data-verified="true"]', { timeout: 30_000 });
    assert.equal(await page.locator('#batches tr span[data-verified="false"]').count(), 0);
    const entries = await page.$$eval('#batches tr', (rows) => rows.map((r) => Number(r.cells[2]?.textContent)));
    assert.ok(entries.length > 0 && entries.every((n) => Number.isInteger(n) && n >= 1), `entries per batch: ${entries}`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('an encrypted transfer signed by a browser wallet (injectedWeb3) executes', async () => {
    const ferdie = keyring.addFromUri('//Ferdie');
    const signed = [];
    const { page, context, errors } = await openApp(async (page) => {
      await page.exposeFunction('aegisTestWalletSign', (payload) => {
        // What the polkadot.js extension does with a payload: encode it with the chain's
        // registry and sign it with the account's key.
        signed.push(payload);
        const extrinsicPayload = client.api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
        return extrinsicPayload.sign(ferdie).signature;
      });
      await page.addInitScript(({ address }) => {
        let id = 0;
        window.injectedWeb3 = {
          'aegis-test-wallet': {
            version: '1.0.0',
            enable: async () => ({
              accounts: {
                get: async () => [{ address, name: 'Ferdie (test wallet)', type: 'sr25519' }],
                subscribe: (cb) => {
                  cb([{ address, name: 'Ferdie (test wallet)', type: 'sr25519' }]);
                  return () => {};
                },
              },
              signer: {
                signPayload: async (payload) => ({ id: ++id, signature: await window.aegisTestWalletSign(payload) }),
              },
            }),
          },
        };
      }, { address: ferdie.address });
    });
    await page.click('#wallet');
    await page.waitForFunction(() => /1 account\(s\) from aegis-test-wallet/.test(document.getElementById('wallet-status')?.textContent ?? ''), null, { timeout: 30_000 });
    assert.equal(await page.inputValue('#from'), ferdie.address, 'the wallet account is selected');
    const to = keyring.addFromUri('//WalletReceiver').address;
    const before = await freeBalance(to);
    const sent = await sendThroughPage(page, { to, amount: '0.5' });
    assert.equal(sent.outcome, 'executed', sent.text);
    assert.equal(signed.length, 1, 'the wallet signed exactly one transaction');
    assert.equal(signed[0].address, ferdie.address);
    assert.equal(client.api.registry.createType('Call', signed[0].method).section, 'sequencer', 'what it signed is the encrypted submission');
    assert.equal((await freeBalance(to, sent.executedIn)) - before, UNIT / 2n);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a bad amount and an unreachable node are reported on the page, nothing sent', async () => {
    const { page, context } = await openApp();
    const bob = keyring.addFromUri('//Bob');
    await page.selectOption('#from', bob.address);
    const nonce = (await client.api.rpc.system.accountNextIndex(bob.address)).toNumber();
    const sent = await sendThroughPage(page, { to: keyring.addFromUri('//Nobody').address, amount: '1.5.0' });
    assert.equal(sent.outcome, 'error');
    assert.match(sent.text, /not an amount/);
    assert.equal((await client.api.rpc.system.accountNextIndex(bob.address)).toNumber(), nonce);
    await page.fill('#endpoint', `ws://127.0.0.1:${await freePort()}`);
    await page.click('#connect');
    await page.waitForFunction(() => document.getElementById('connection')?.textContent?.startsWith('cannot connect'), null, { timeout: 30_000 });
    await context.close();
  });
});
