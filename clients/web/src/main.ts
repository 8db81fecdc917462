// The QuantumAegis web app: the oracle and its history, the attested workers, recent batches
// with their signatures verified in the browser, and encrypted transfers from a browser wallet
// (any extension implementing the polkadot.js `injectedWeb3` interface) or a dev account,
// followed submitted → batched → executed. Everything goes through @quantum-aegis/sdk.

import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { AegisClient, type BatchView, type Sender, type SubmissionStatus, type WorkerView } from '@quantum-aegis/sdk';
import { drawRiskChart, type Point } from './chart';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const short = (a: string) => (a.length > 14 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a);
const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

let client: AegisClient | undefined;
let unsubscribe: (() => void) | undefined;
let history: Point[] = [];
let batches: BatchView[] = [];
let lastScanned = 0;
let refreshing = false;
const senders = new Map<string, () => Promise<Sender>>();

function setConnection(text: string, cls = 'muted'): void {
  const c = $('connection');
  c.textContent = text;
  c.className = cls;
}

/**
 * The node: `?rpc=` (a link may name one; it is shown, never remembered), else the last one
 * connected to through the form, else the local dev node. Everything this page shows, the key
 * it seals to included, is what that node reports: connect to a node you trust.
 */
function endpointFromPage(): { endpoint: string; fromLink: boolean } {
  const linked = new URLSearchParams(location.search).get('rpc');
  if (linked) return { endpoint: linked, fromLink: true };
  return { endpoint: localStorage.getItem('aegis.endpoint') ?? 'ws://127.0.0.1:9944', fromLink: false };
}

/** Bumped by every connection attempt, so a slower earlier one gives up. */
let generation = 0;

async function connect(endpoint: string, remember: boolean): Promise<void> {
  const mine = ++generation;
  ($('send-button') as HTMLButtonElement).disabled = true;
  unsubscribe?.();
  unsubscribe = undefined;
  const previous = client;
  client = undefined;
  await previous?.disconnect().catch(() => undefined);
  history = [];
  batches = [];
  lastScanned = 0;
  setConnection(`connecting to ${endpoint}…`);
  let next: AegisClient | undefined;
  try {
    next = await AegisClient.connect(endpoint);
    if (mine !== generation) throw new Error('superseded');
    if (remember) localStorage.setItem('aegis.endpoint', endpoint);
    const chain = (await next.api.rpc.system.chain()).toString();
    const type = await next.api.rpc.system.chainType();
    client = next;
    setConnection(`connected to ${chain} (genesis ${next.api.genesisHash.toHex().slice(0, 18)}…) at ${endpoint}`, 'ok');
    await addDevAccounts(type.isDevelopment || type.isLocal);
    history = await next.riskHistory(120);
    drawRiskChart($('risk-chart') as unknown as SVGSVGElement, history);
    const head = (await next.api.rpc.chain.getHeader(await next.api.rpc.chain.getFinalizedHead())).number.toNumber();
    batches = await next.batchesIn(head - 29, head);
    lastScanned = head;
    renderBatches();
    await refresh(head);
    if (mine !== generation) throw new Error('superseded');
    unsubscribe = await next.api.rpc.chain.subscribeFinalizedHeads((header) => {
      void refresh(header.number.toNumber());
    });
    ($('send-button') as HTMLButtonElement).disabled = false;
  } catch (e) {
    if (mine !== generation) {
      await next?.disconnect().catch(() => undefined);
      return;
    }
    client = undefined;
    await next?.disconnect().catch(() => undefined);
    setConnection(`cannot connect to ${endpoint}: ${(e as Error).message}`, 'bad');
  }
}

async function refresh(head: number): Promise<void> {
  if (!client || refreshing) return;
  refreshing = true;
  try {
    $('head').textContent = `#${head}`;
    const risk = await client.riskStatus();
    $('risk-score').textContent = String(risk.score);
    const level = $('risk-level');
    level.textContent = risk.level + (risk.stale ? ' (stale feeds)' : '');
    level.className = `level ${risk.level}`;
    $('risk-pending').textContent = risk.pending ? `${risk.pending.level} at #${risk.pending.at}` : 'none';
    $('risk-suites').textContent = suitesOf(risk.policy);
    if (!history.length || history[history.length - 1]!.block < head) {
      history.push({ block: head, score: risk.score });
      if (history.length > 600) history.shift();
      drawRiskChart($('risk-chart') as unknown as SVGSVGElement, history);
    }
    const { key, keyError, workers } = await client.cluster();
    renderWorkers(workers);
    $('cluster-epoch').textContent = key ? String(key.epoch) : `none usable (${keyError?.message})`;
    $('cluster-publisher').textContent = key ? short(key.publishedBy) : '–';
    if (head > lastScanned) {
      // Every block since the last one scanned (heads that arrived while a refresh ran
      // included), at most the 30 the table shows.
      const fresh = await client.batchesIn(Math.max(lastScanned + 1, head - 29), head);
      lastScanned = head;
      batches = [...fresh, ...batches.filter((b) => !fresh.some((f) => f.blockHash === b.blockHash && f.sequence === b.sequence))].slice(0, 30);
      renderBatches();
    }
  } catch (e) {
    setConnection(`refresh failed: ${(e as Error).message}`, 'bad');
  } finally {
    refreshing = false;
  }
}

function suitesOf(policy: Record<string, unknown>): string {
  const batch = (policy.batchSuites ?? policy.batch_suites) as number | undefined;
  if (typeof batch !== 'number') return JSON.stringify(policy);
  const names = [batch & 1 ? 'ML-DSA-87' : '', batch & 2 ? 'SLH-DSA-SHA2-256s' : ''].filter(Boolean);
  return names.join(' + ') || 'none';
}

function cell(row: HTMLTableRowElement, text: string, cls = ''): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function renderWorkers(workers: WorkerView[]): void {
  const body = $('workers');
  body.replaceChildren();
  for (const w of workers) {
    const row = (body as HTMLTableSectionElement).insertRow();
    row.dataset.account = w.account;
    cell(row, short(w.account), 'mono').title = w.account;
    cell(row, w.kind);
    cell(row, w.role);
    cell(row, `${w.measurement.slice(0, 18)}…`, 'mono').title = JSON.stringify(w.measurementDetail);
    cell(row, w.tcbStatus);
    cell(row, `#${w.expiresAt}`);
    cell(row, w.holds.map((e) => `epoch ${e}`).join(', ') || '–');
    cell(row, w.leader ? '★ leader' : '', w.leader ? 'leader' : '');
  }
}

function renderBatches(): void {
  const body = $('batches') as HTMLTableSectionElement;
  body.replaceChildren();
  for (const b of batches) {
    const row = body.insertRow();
    row.dataset.sequence = String(b.sequence);
    cell(row, `#${b.block}`);
    cell(row, String(b.sequence));
    cell(row, String(b.entries));
    cell(row, b.rule);
    cell(row, String(b.keyEpoch));
    cell(row, short(b.worker), 'mono').title = b.worker;
    const sigs = cell(row, '');
    for (const s of b.signatures) {
      const span = document.createElement('span');
      const mark = s.verified === true ? '✓' : s.verified === false ? '✗' : '?';
      span.textContent = `${s.suite === 'MlDsa87' ? 'ML-DSA-87' : 'SLH-DSA-256s'} ${mark} (${s.bytes} B) `;
      span.className = s.verified === true && b.headerMatches ? 'ok' : 'bad';
      span.dataset.verified = String(s.verified === true && b.headerMatches);
      sigs.append(span);
    }
    cell(row, String(b.cosignatures));
  }
}

async function addDevAccounts(dev: boolean): Promise<void> {
  const select = $('from') as HTMLSelectElement;
  select.replaceChildren();
  senders.clear();
  if (!dev) return;
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: client?.api.registry.chainSS58 ?? 42 });
  for (const name of DEV_ACCOUNTS) {
    const pair = keyring.addFromUri(`//${name}`);
    senders.set(pair.address, async () => pair);
    select.add(new Option(`${name} (dev account)`, pair.address));
  }
  const to = $('to') as HTMLInputElement;
  if (!to.value) to.value = keyring.addFromUri('//Bob').address;
}

async function connectWallet(): Promise<void> {
  const status = $('wallet-status');
  const extensions = await web3Enable('QuantumAegis');
  if (extensions.length === 0) {
    status.textContent = 'No wallet extension answered (polkadot.js extension, Talisman, SubWallet…), or access was refused.';
    return;
  }
  const accounts = await web3Accounts();
  const select = $('from') as HTMLSelectElement;
  for (const account of accounts) {
    senders.set(account.address, async () => ({ address: account.address, signer: (await web3FromAddress(account.address)).signer }));
    const option = new Option(`${account.meta.name ?? short(account.address)} (${account.meta.source})`, account.address);
    select.add(option, 0);
  }
  if (accounts.length) select.selectedIndex = 0;
  status.textContent = `${accounts.length} account(s) from ${extensions.map((e) => e.name).join(', ')}`;
}

function parseAmount(text: string, decimals: number): bigint {
  const match = text.trim().match(/^(\d+)(?:\.(\d+))?$/);
  if (!match) throw new Error(`"${text}" is not an amount`);
  const fraction = (match[2] ?? '').padEnd(decimals, '0');
  if (fraction.length > decimals) throw new Error(`at most ${decimals} decimals`);
  return BigInt(match[1]!) * 10n ** BigInt(decimals) + BigInt(fraction || '0');
}

function describe(s: SubmissionStatus): string {
  switch (s.stage) {
    case 'signed':
      return 'sealed to the cluster key, signed and sent';
    case 'submitted':
      return `submitted: entry #${s.id} in block #${s.block}, deposit ${s.deposit}`;
    case 'batched':
      return `batched: batch ${s.sequence} by ${short(s.worker)}`;
    case 'executed':
      return `executed in block #${s.block}: ${s.ok ? 'Ok' : JSON.stringify(s.outcome)}`;
    case 'rejected':
      return `rejected in block #${s.block}: ${s.reason}`;
    case 'expired':
      return `expired in block #${s.block}, deposit refunded`;
  }
}

async function send(event: Event): Promise<void> {
  event.preventDefault();
  if (!client) return;
  const button = $('send-button') as HTMLButtonElement;
  const progress = $('progress');
  const outcome = $('outcome');
  progress.replaceChildren();
  outcome.textContent = '';
  outcome.className = '';
  button.disabled = true;
  try {
    const from = ($('from') as HTMLSelectElement).value;
    const sender = await senders.get(from)?.();
    if (!sender) throw new Error('choose an account to send from');
    const decimals = client.api.registry.chainDecimals[0] ?? 12;
    const amount = parseAmount(($('amount') as HTMLInputElement).value, decimals);
    const to = ($('to') as HTMLInputElement).value.trim();
    const call = client.api.tx.balances.transferKeepAlive(to, amount);
    // What will run, shown before signing: a wallet sees only `sequencer.submit_encrypted`
    // with sealed bytes, and cannot show the transfer itself.
    const preview = document.createElement('li');
    preview.dataset.stage = 'sealing';
    preview.textContent = `sealing ${call.method.section}.${call.method.method}(${call.method.args.map((a) => a.toString()).join(', ')}); your wallet will show only sequencer.submitEncrypted`;
    progress.append(preview);
    const result = await client.submitEncrypted(call, sender, {
      onStatus: (s) => {
        const li = document.createElement('li');
        li.dataset.stage = s.stage;
        li.className = 'done';
        li.textContent = describe(s);
        progress.append(li);
      },
    });
    const ok = result.stage === 'executed' && result.ok;
    outcome.textContent = ok ? `Transfer executed in block #${result.block}.` : `Not executed: ${describe(result)}`;
    outcome.className = ok ? 'ok' : 'bad';
    outcome.dataset.stage = result.stage;
  } catch (e) {
    outcome.textContent = (e as Error).message;
    outcome.className = 'bad';
    outcome.dataset.stage = 'error';
  } finally {
    button.disabled = false;
  }
}

$('connect-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void connect(($('endpoint') as HTMLInputElement).value.trim(), true);
});
$('send-form').addEventListener('submit', (e) => void send(e));
$('wallet').addEventListener('click', () => void connectWallet());
const { endpoint, fromLink } = endpointFromPage();
($('endpoint') as HTMLInputElement).value = endpoint;
void connect(endpoint, false);
if (fromLink) {
  $('wallet-status').textContent = `The link chose the node ${endpoint}: the key your transfer is sealed to comes from it. Use a node you trust.`;
}
