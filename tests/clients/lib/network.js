// Starts and stops the dev network the client tests run against: `aegis-node --dev` and one
// simulated-TEE `aegis-worker`, as `scripts/dev-network.sh` does, on free loopback ports and
// in a temporary directory. Every process started here is killed, and its directory removed,
// when the test process exits, however it exits, so a failed run leaves nothing behind.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (tests/clients/lib → ../../..). */
export const repoRoot = path.resolve(here, '../../..');

/** Where `cargo build --release` put the binaries: `$CARGO_TARGET_DIR/release`. */
export function binDir() {
  const target = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), '.cache/aegis-target');
  return path.join(target, 'release');
}

const children = new Set();
const tempDirs = new Set();

function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  if (process.env.AEGIS_KEEP_LOGS !== '1') {
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  tempDirs.clear();
}
// `exit` handlers run synchronously: SIGKILL is all there is time for. Signals are turned into
// an exit so that the handler runs for them too.
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(128 + os.constants.signals[signal]);
  });
}

/** A TCP port nothing listens on right now (the kernel's pick). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last `lines` lines of a log file, for error messages. */
function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A child process writing to `log`, remembered so that it is killed on exit. */
function start(name, binary, args, log) {
  if (!fs.existsSync(binary)) {
    throw new Error(
      `${binary} does not exist: build it first (cargo build --release -p aegis-node -p aegis-worker)`,
    );
  }
  const out = fs.openSync(log, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', out, out], cwd: repoRoot });
  fs.closeSync(out);
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.label = name;
  child.log = log;
  return child;
}

/** Stops `child` with SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
async function stop(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` every `everyMs` until it returns a truthy value; fails after `timeoutMs`. */
export async function waitFor(what, check, { timeoutMs = 60_000, everyMs = 250, alive = [] } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const child of alive) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${child.label} exited while waiting for ${what}:\n${tail(child.log)}`);
      }
    }
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** One JSON-RPC call over HTTP (the node serves HTTP and WebSocket on the same port). */
async function rpc(port, method, params = []) {
  const response = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/**
 * The dev network: a node now, the worker when `startWorker` is called (so that a test can
 * change governance settings the worker's enrolment depends on before it enrols).
 */
export class DevNetwork {
  constructor({ blockTimeMs = 500 } = {}) {
    this.blockTimeMs = blockTimeMs;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-clients-'));
    tempDirs.add(this.dir);
    this.node = null;
    this.worker = null;
  }

  get rpcUrl() {
    return `ws://127.0.0.1:${this.rpcPort}`;
  }

  get workerUrl() {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** Starts the node and waits until it has sealed its first block. */
  async startNode() {
    this.rpcPort = await freePort();
    const p2pPort = await freePort();
    this.node = start(
      'aegis-node',
      path.join(binDir(), 'aegis-node'),
      [
        '--dev',
        '--tmp',
        '--block-time',
        String(this.blockTimeMs),
        '--rpc-port',
        String(this.rpcPort),
        // Its own p2p port and no local discovery: another dev node on this machine (the Rust
        // end-to-end tests, a dev-network.sh) has the same genesis and must not become a peer.
        '--port',
        String(p2pPort),
        '--no-mdns',
        '--no-prometheus',
      ],
      path.join(this.dir, 'node.log'),
    );
    await waitFor(
      'the node to seal a block',
      async () => {
        const header = await rpc(this.rpcPort, 'chain_getHeader');
        return parseInt(header.number, 16) >= 1;
      },
      { timeoutMs: 60_000, alive: [this.node] },
    );
  }

  /**
   * Starts the worker with the settings `overrides` adds to `offchain-worker/worker.example.toml`
   * (a TOML fragment), on the simulated TEE `tee` (`sim`: SGX, `sim-snp`: AMD SEV-SNP,
   * `sim-nitro`: AWS Nitro), and waits until it has enrolled and published cluster key epoch 1.
   */
  async startWorker(overrides = '', { tee = 'sim' } = {}) {
    this.apiPort = await freePort();
    const config = path.join(this.dir, 'worker.toml');
    const example = fs.readFileSync(path.join(repoRoot, 'offchain-worker/worker.example.toml'), 'utf8');
    fs.writeFileSync(config, mergeToml(example, overrides));
    this.worker = start(
      'aegis-worker',
      path.join(binDir(), 'aegis-worker'),
      [
        '--config',
        config,
        '--tee',
        tee,
        '--dev-funder',
        '//Alice',
        '--rpc-url',
        this.rpcUrl,
        '--listen',
        `127.0.0.1:${this.apiPort}`,
        '--data-dir',
        path.join(this.dir, 'worker'),
      ],
      path.join(this.dir, 'worker.log'),
    );
    await waitFor(
      'the worker to enrol and publish cluster key epoch 1',
      async () => (await this.workerStatus())?.chain?.cluster_key_epoch >= 1,
      { timeoutMs: 120_000, everyMs: 500, alive: [this.node, this.worker] },
    );
  }

  /** The worker's `GET /status`, or `undefined` while it does not answer. */
  async workerStatus() {
    const response = await fetch(`${this.workerUrl}/status`).catch(() => undefined);
    return response?.ok ? response.json() : undefined;
  }

  /** Stops both processes and removes the directory unless `keep` (then says where it is). */
  async stop({ keep = false } = {}) {
    await stop(this.worker);
    await stop(this.node);
    tempDirs.delete(this.dir);
    if (keep) {
      console.log(`# logs kept in ${this.dir}`);
    } else {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/**
 * `base` TOML with the keys of `overrides` replaced or added in their `[section]`s. Enough for
 * the flat `key = value` sections of the worker's configuration.
 */
export function mergeToml(base, overrides) {
  const lines = base.split('\n');
  let section = null;
  const wanted = new Map(); // "section.key" → line
  for (const line of overrides.split('\n')) {
    const header = line.match(/^\s*\[(.+)\]\s*$/);
    if (header) section = header[1];
    const kv = line.match(/^\s*([A-Za-z0-9_]+)\s*=/);
    if (kv) wanted.set(`${section}.${kv[1]}`, line.trim());
  }
  section = null;
  const out = [];
  const done = new Set();
  const flush = () => {
    for (const [key, line] of wanted) {
      if (key.startsWith(`${section}.`) && !done.has(key)) {
        out.push(line);
        done.add(key);
      }
    }
  };
  for (const line of lines) {
    const header = line.match(/^\s*\[(.+)\]\s*$/);
    if (header) {
      flush();
      section = header[1];
      out.push(line);
      continue;
    }
    const kv = line.match(/^\s*([A-Za-z0-9_]+)\s*=/);
    const key = kv && `${section}.${kv[1]}`;
    if (key && wanted.has(key)) {
      out.push(wanted.get(key));
      done.add(key);
    } else {
      out.push(line);
    }
  }
  flush();
  for (const [key, line] of wanted) {
    if (!done.has(key)) throw new Error(`no [${key.split('.')[0]}] section for ${line}`);
  }
  return out.join('\n');
}
