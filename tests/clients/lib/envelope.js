// The encrypted-submission envelope, sealed in JavaScript with the `@hpke/*` packages: the
// same bytes `aegis_envelope::seal` (primitives/envelope/src/lib.rs) produces, so that the
// worker's Rust `open` accepts them. Nothing here is shared with the Rust code: the point is
// that a JS user can build the format from its specification alone.
//
// Wire format v1: version (1) ‖ suite (1) ‖ key epoch (u32 LE) ‖ X-Wing enc (1120) ‖
// ChaCha20-Poly1305 ciphertext with its tag.
// HPKE base mode, X-Wing KEM (0x647a), HKDF-SHA256, ChaCha20-Poly1305;
// info = "aegis/envelope/v1" ‖ genesis hash ‖ key epoch (u32 LE) ‖ suite,
// aad  = header (6 bytes) ‖ submitter account (32 bytes).

import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { XWing } from '@hpke/hybridkem-x-wing';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { compactToU8a, u8aConcat, stringToU8a } from '@polkadot/util';
import { randomBytes } from 'node:crypto';

export const VERSION = 1;
export const SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305 = 1;
export const HEADER_LEN = 6;
export const ENCAPSULATED_KEY_LEN = 1120;
export const PUBLIC_KEY_LEN = 1216;
export const SALT_LEN = 32;

const INFO_DOMAIN = stringToU8a('aegis/envelope/v1');
const COMMITMENT_DOMAIN = stringToU8a('aegis/commitment/v1');

const suite = new CipherSuite({
  kem: new XWing(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});

function u32le(n) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

/**
 * Seals `plaintext` to the cluster key `publicKey` (1216 bytes) of epoch `epoch`, for the chain
 * `genesisHash` (32 bytes) and the submitter `account` (32 bytes).
 */
export async function seal({ publicKey, epoch, genesisHash, account, plaintext }) {
  if (publicKey.length !== PUBLIC_KEY_LEN) throw new Error(`cluster key of ${publicKey.length} bytes`);
  const header = u8aConcat([VERSION, SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305], u32le(epoch));
  const info = u8aConcat(INFO_DOMAIN, genesisHash, u32le(epoch), [SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305]);
  const aad = u8aConcat(header, account);
  const recipientPublicKey = await suite.kem.deserializePublicKey(publicKey);
  const sender = await suite.createSenderContext({ recipientPublicKey, info });
  const ciphertext = new Uint8Array(await sender.seal(plaintext, aad));
  const enc = new Uint8Array(sender.enc);
  if (enc.length !== ENCAPSULATED_KEY_LEN) throw new Error(`X-Wing enc of ${enc.length} bytes`);
  return u8aConcat(header, enc, ciphertext);
}

/** `BLAKE2b-256("aegis/commitment/v1" ‖ call ‖ salt)` (primitives/core/src/batch.rs). */
export function commitment(call, salt) {
  return blake2AsU8a(u8aConcat(COMMITMENT_DOMAIN, call, salt), 256);
}

/** SCALE `RevealedCall { call: BoundedVec<u8>, salt: [u8; 32] }`: what the envelope carries. */
export function revealedCall(call, salt) {
  return u8aConcat(compactToU8a(call.length), call, salt);
}

/** A fresh random salt. */
export function newSalt() {
  return new Uint8Array(randomBytes(SALT_LEN));
}

/**
 * Everything `sequencer.submit_encrypted` needs for the SCALE-encoded runtime call `call`
 * from `account`: the envelope and the commitment.
 */
export async function encryptCall({ call, publicKey, epoch, genesisHash, account }) {
  const salt = newSalt();
  const envelope = await seal({
    publicKey,
    epoch,
    genesisHash,
    account,
    plaintext: revealedCall(call, salt),
  });
  return { envelope, commitment: commitment(call, salt) };
}
