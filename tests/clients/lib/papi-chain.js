// Sending transactions with polkadot-api: signed by dev accounts, governance calls wrapped in
// `sudo.sudo` from //Alice (the dev chain's sudo key), each awaited until finalized and
// checked to have succeeded, including the call inside `sudo` (whose failure `sudo` reports in
// its `Sudid` event, not as a failed extrinsic).

import { jsonSerialize } from 'polkadot-api/utils';
import { devAccount } from './papi.js';

const show = (value) => JSON.stringify(value, jsonSerialize);

export class PapiChain {
  constructor(api) {
    this.api = api;
    this.alice = devAccount('//Alice');
  }

  /** Signs `tx` with `signer`, waits until finalized, fails unless it succeeded. */
  async submit(tx, signer, what, options = {}) {
    const result = await tx.signAndSubmit(signer, options);
    if (!result.ok) throw new Error(`${what} failed: ${show(result.dispatchError)}`);
    return result;
  }

  /** Runs each governance call of `calls` (`[what, tx]`) as Root, all in flight at once. */
  async sudo(...calls) {
    // Consecutive nonces let every call travel together instead of one block each.
    const nonce = await this.api.apis.AccountNonceApi.account_nonce(this.alice.address);
    return Promise.all(
      calls.map(async ([what, call], i) => {
        const result = await this.submit(
          this.api.tx.Sudo.sudo({ call: call.decodedCall }),
          this.alice.signer,
          `sudo(${what})`,
          { nonce: nonce + i },
        );
        const sudid = result.events.find((e) => e.type === 'Sudo' && e.value.type === 'Sudid');
        if (!sudid?.value.value.sudo_result.success) {
          throw new Error(`sudo(${what}) failed: ${show(sudid?.value.value.sudo_result)}`);
        }
        return result;
      }),
    );
  }
}
