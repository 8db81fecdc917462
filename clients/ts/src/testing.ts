// @quantum-aegis/sdk/testing: what reproducing the protocol's test vectors needs and nothing
// else should use. Sealing twice with the same encapsulation randomness to the same key reuses
// the AEAD key and nonce, which breaks confidentiality and integrity.

import { sealWith, type SealParams } from './envelope.js';

/** Seals with fixed encapsulation randomness (64 bytes: ML-KEM-768 `m`, then the X25519 secret). */
export function sealWithEncapsulationRandomness(params: SealParams, randomness: Uint8Array): Promise<Uint8Array> {
  return sealWith(params, randomness);
}
