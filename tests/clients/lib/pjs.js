// polkadot.js (`@polkadot/api`), unpatched: no custom types, no signed-extension overrides, no
// runtime API definitions of our own. Everything it knows about the chain comes from the
// metadata the node serves.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

/**
 * Connects polkadot.js to `wsUrl`, recording what it logs while it initialises (it reports
 * unknown signed extensions, undecorated runtime APIs and types it cannot build as warnings).
 * `onSend` sees every JSON-RPC request it sends (method, params).
 */
export async function connect(wsUrl, { onSend } = {}) {
  await cryptoWaitReady();
  const provider = new WsProvider(wsUrl);
  if (onSend) {
    const send = provider.send.bind(provider);
    provider.send = (method, params, ...rest) => {
      onSend(method, params);
      return send(method, params, ...rest);
    };
  }
  const warnings = [];
  const original = { warn: console.warn, error: console.error, log: console.log };
  const capture = (level) => (...args) => {
    warnings.push(`${level}: ${args.map(String).join(' ')}`);
  };
  console.warn = capture('warn');
  console.error = capture('error');
  console.log = capture('log');
  let api;
  try {
    api = await ApiPromise.create({ provider, throwOnConnect: true });
  } finally {
    Object.assign(console, original);
  }
  return { api, provider, warnings };
}

/** The dev keyring (sr25519): //Alice, //Bob, … */
export function devKeyring() {
  return new Keyring({ type: 'sr25519', ss58Format: 42 });
}

/**
 * Signs and sends `tx` from `pair`, resolving once it is finalized with its block hash and
 * events; fails when the extrinsic fails (including the call inside `sudo.sudo`).
 */
export function signAndWait(api, tx, pair, what = `${tx.method.section}.${tx.method.method}`) {
  return new Promise((resolve, reject) => {
    // The callback can run before `signAndSend` has handed out the unsubscribe function.
    let unsubscribe;
    let done = false;
    const finish = () => {
      done = true;
      unsubscribe?.();
    };
    tx.signAndSend(pair, (result) => {
      const { status, events, dispatchError } = result;
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        finish();
        reject(new Error(`${what}: ${status.type}`));
        return;
      }
      if (!status.isFinalized) return;
      finish();
      if (dispatchError) {
        reject(new Error(`${what} failed: ${describeError(api, dispatchError)}`));
        return;
      }
      const sudid = events.find(({ event }) => api.events.sudo?.Sudid?.is(event));
      if (sudid && sudid.event.data.sudoResult.isErr) {
        reject(new Error(`${what} failed: ${describeError(api, sudid.event.data.sudoResult.asErr)}`));
        return;
      }
      resolve({ blockHash: status.asFinalized.toHex(), events, txHash: tx.hash.toHex() });
    })
      .then((u) => {
        unsubscribe = u;
        if (done) u();
      })
      .catch(reject);
  });
}

function describeError(api, error) {
  if (error.isModule) {
    const { section, name } = api.registry.findMetaError(error.asModule);
    return `${section}.${name}`;
  }
  return error.toString();
}
