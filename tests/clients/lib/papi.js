// polkadot-api (PAPI): descriptors generated from the running node by PAPI's own CLI, as a
// user would (`papi add <key> -w <ws url>` then `papi generate`), and a client on them.
//
// The CLI normally also adds `@polkadot-api/descriptors` to package.json and runs `npm install`;
// the config written here sets `noDescriptorsPackage`, so the committed package.json and lock
// file stay as they are and the generated package is imported from `.papi/descriptors` by path
// (gitignored; it is regenerated whenever the node's metadata changes).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from 'polkadot-api';
import { getWsProvider } from 'polkadot-api/ws';
import { WebSocket } from 'ws';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { sr25519CreateDerive } from '@polkadot-labs/hdkd';
import { DEV_MINI_SECRET, ss58Address } from '@polkadot-labs/hdkd-helpers';

const run = promisify(execFile);
const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const papiDir = path.join(projectDir, '.papi');
const configFile = path.join(papiDir, 'polkadot-api.json');
export const CHAIN_KEY = 'aegis';

/** Runs the `papi` CLI of node_modules in this project. */
async function papi(args) {
  const cli = path.join(projectDir, 'node_modules/.bin/papi');
  // The CLI reads metadata over a WebSocket; Node 20 has the global WebSocket only behind a flag
  // (Node 22 has it by default).
  const nodeOptions = [process.env.NODE_OPTIONS, '--experimental-websocket'].filter(Boolean).join(' ');
  try {
    return await run(cli, args, {
      cwd: projectDir,
      env: { ...process.env, NODE_OPTIONS: nodeOptions },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    throw new Error(`papi ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

/** Generates the descriptors of the chain at `wsUrl` and imports them. */
export async function generateDescriptors(wsUrl) {
  fs.mkdirSync(papiDir, { recursive: true });
  fs.writeFileSync(
    configFile,
    JSON.stringify(
      {
        version: 0,
        descriptorPath: '.papi/descriptors',
        entries: {},
        options: { noDescriptorsPackage: true },
      },
      null,
      2,
    ),
  );
  await papi(['add', CHAIN_KEY, '--config', configFile, '-w', wsUrl, '--skip-codegen']);
  await papi(['generate', '--config', configFile]);
  const entry = path.join(papiDir, 'descriptors/dist/index.js');
  return import(pathToFileURL(entry).href);
}

/** A PAPI client of the node at `wsUrl`. */
export function connect(wsUrl) {
  // Node 20 has no global WebSocket (without a flag); `ws` is what PAPI documents for it.
  return createClient(getWsProvider(wsUrl, { websocketClass: WebSocket }));
}

const derive = sr25519CreateDerive(DEV_MINI_SECRET);

/** A dev account, e.g. `//Alice`: its PAPI signer, SS58 address and public key. */
export function devAccount(uri) {
  const pair = derive(uri);
  return {
    signer: getPolkadotSigner(pair.publicKey, 'Sr25519', pair.sign),
    address: ss58Address(pair.publicKey),
    publicKey: pair.publicKey,
  };
}
