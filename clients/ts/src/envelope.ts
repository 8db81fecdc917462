// The encrypted-submission envelope (docs/protocol.md §2), sealed with the `@hpke/*` packages:
// HPKE (RFC 9180) base mode, X-Wing KEM (0x647a), HKDF-SHA256, ChaCha20-Poly1305.
//
// Wire format v1: version (1) ‖ suite (1) ‖ key epoch (u32 LE) ‖ X-Wing enc (1120) ‖
// ChaCha20-Poly1305 ciphertext with its 16-byte tag.
// info = "aegis/envelope/v1" ‖ genesis hash (32) ‖ key epoch (u32 LE) ‖ suite (1);
// aad  = header (6) ‖ submitter account (32).

import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { shake256 } from '@noble/hashes/sha3.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { concat, expectLength, u32le, utf8 } from './bytes.js';

/** The wire format version this SDK writes and reads. */
export const ENVELOPE_VERSION = 1;
/** Suite 1: X-Wing / HKDF-SHA256 / ChaCha20-Poly1305. */
export const SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305 = 1;
/** Header: version, suite, key epoch. */
export const HEADER_LEN = 6;
/** X-Wing encapsulated key. */
export const ENCAPSULATED_KEY_LEN = 1120;
/** X-Wing public key: ML-KEM-768 encapsulation key (1184) ‖ X25519 public key (32). */
export const PUBLIC_KEY_LEN = 1216;
/** ChaCha20-Poly1305 tag. */
export const TAG_LEN = 16;
/** Envelope bytes besides the plaintext. */
export const OVERHEAD = HEADER_LEN + ENCAPSULATED_KEY_LEN + TAG_LEN;
/** Encapsulation randomness X-Wing draws: ML-KEM-768's `m` (32) ‖ X25519 ephemeral secret (32). */
export const ENCAPSULATION_RANDOMNESS_LEN = 64;

const INFO_DOMAIN = 'aegis/envelope/v1';

/** What opening an envelope reports, named as the protocol names it. */
export type EnvelopeErrorKind =
  | 'Truncated'
  | 'UnsupportedVersion'
  | 'UnsupportedSuite'
  | 'WrongEpoch'
  | 'InvalidPublicKey'
  | 'DecryptionFailed';

/** Why an envelope could not be sealed or opened. */
export class EnvelopeError extends Error {
  constructor(
    readonly kind: EnvelopeErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

let cachedSuite: CipherSuite | undefined;
function suite(): CipherSuite {
  cachedSuite ??= new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
  return cachedSuite;
}

/** A fresh copy in a buffer of its own: what WebCrypto-style APIs want. */
function own(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/** The 6-byte header of an envelope to a key of `epoch`. */
export function envelopeHeader(epoch: number): Uint8Array {
  return concat(Uint8Array.of(ENVELOPE_VERSION, SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305), u32le(epoch));
}

/** The HPKE `info`: it binds the chain, the key epoch and the suite. */
export function envelopeInfo(genesisHash: Uint8Array, epoch: number): Uint8Array {
  expectLength('genesis hash', genesisHash, 32);
  return concat(utf8(INFO_DOMAIN), genesisHash, u32le(epoch), Uint8Array.of(SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305));
}

/** The AEAD's associated data: the header and the submitter's 32 account bytes. */
export function envelopeAad(header: Uint8Array, account: Uint8Array): Uint8Array {
  expectLength('submitter account', account, 32);
  return concat(header, account);
}

/**
 * The parsed header of an envelope; throws an `EnvelopeError` for what no receiver reads, in the
 * order §2.4 fixes: too short for a header, version, suite, too short for an envelope.
 */
export function peekHeader(envelope: Uint8Array): { version: number; suite: number; epoch: number } {
  const truncated = () =>
    new EnvelopeError('Truncated', `envelope of ${envelope.length} bytes is shorter than the ${OVERHEAD}-byte minimum`);
  if (envelope.length < HEADER_LEN) throw truncated();
  const [version, suiteId] = envelope;
  if (version !== ENVELOPE_VERSION) throw new EnvelopeError('UnsupportedVersion', `unsupported envelope version ${version}`);
  if (suiteId !== SUITE_XWING_HKDF_SHA256_CHACHA20POLY1305) {
    throw new EnvelopeError('UnsupportedSuite', `unsupported envelope cipher suite ${suiteId}`);
  }
  if (envelope.length < OVERHEAD) throw truncated();
  const epoch = new DataView(envelope.buffer, envelope.byteOffset + 2, 4).getUint32(0, true);
  return { version, suite: suiteId, epoch };
}

/**
 * Checks a 1216-byte X-Wing public key as §2.2 requires: the ML-KEM-768 encapsulation key's
 * 768 coefficients (12 bits each, the first 1152 bytes) are all below q = 3329 (FIPS 203 §7.2).
 * Throws `EnvelopeError('InvalidPublicKey')` otherwise.
 */
export function checkPublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== PUBLIC_KEY_LEN) {
    throw new EnvelopeError('InvalidPublicKey', `X-Wing public key of ${publicKey.length} bytes, not ${PUBLIC_KEY_LEN}`);
  }
  for (let i = 0; i < 1152; i += 3) {
    const [b0, b1, b2] = [publicKey[i]!, publicKey[i + 1]!, publicKey[i + 2]!];
    const first = b0 | ((b1 & 0x0f) << 8);
    const second = (b1 >> 4) | (b2 << 4);
    if (first >= 3329 || second >= 3329) {
      throw new EnvelopeError('InvalidPublicKey', `ML-KEM coefficient ${Math.max(first, second)} at byte ${i} is not below q = 3329`);
    }
  }
}

export interface SealParams {
  /** The cluster key (1216 bytes) as the chain publishes it. */
  publicKey: Uint8Array;
  /** Its epoch. */
  epoch: number;
  /** The chain's genesis hash. */
  genesisHash: Uint8Array;
  /** The submitter's 32 account bytes (the AccountId32 that signs `submit_encrypted`). */
  account: Uint8Array;
  /** What to seal: the SCALE `RevealedCall` (see `encodeRevealedCall`). */
  plaintext: Uint8Array;
}

/**
 * Seals `plaintext` to the cluster key with the platform's cryptographic generator: the
 * envelope `submit_encrypted` carries. A key that fails §2.2's checks is refused
 * (`EnvelopeError('InvalidPublicKey')`) before anything is sealed.
 */
export function seal(params: SealParams): Promise<Uint8Array> {
  return sealWith(params);
}

/** @internal Sealing with optional fixed encapsulation randomness (test vectors only). */
export async function sealWith(params: SealParams, encapsulationRandomness?: Uint8Array): Promise<Uint8Array> {
  const { publicKey, epoch, genesisHash, account, plaintext } = params;
  checkPublicKey(publicKey);
  if (encapsulationRandomness) expectLength('encapsulation randomness', encapsulationRandomness, ENCAPSULATION_RANDOMNESS_LEN);
  const header = envelopeHeader(epoch);
  const s = suite();
  let sender;
  try {
    const recipientPublicKey = await s.kem.deserializePublicKey(own(publicKey));
    sender = await s.createSenderContext({
      recipientPublicKey,
      info: own(envelopeInfo(genesisHash, epoch)),
      ...(encapsulationRandomness ? { ekm: own(encapsulationRandomness) } : {}),
    });
  } catch (e) {
    throw new EnvelopeError('InvalidPublicKey', `the X-Wing key does not encapsulate: ${(e as Error).message}`);
  }
  const ciphertext = new Uint8Array(await sender.seal(own(plaintext), own(envelopeAad(header, account))));
  const enc = new Uint8Array(sender.enc);
  if (enc.length !== ENCAPSULATED_KEY_LEN) throw new Error(`X-Wing produced ${enc.length} bytes of enc`);
  return concat(header, enc, ciphertext);
}

/**
 * HPKE `DeriveKeyPair(ikm)` for X-Wing as the protocol fixes it (docs/protocol.md §2): the
 * labeled one-stage derivation with SHAKE256,
 * `sk = SHAKE256(ikm ‖ "HPKE-v1" ‖ "KEM" ‖ 0x647a ‖ u16be(13) ‖ "DeriveKeyPair" ‖ u16be(32), 32)`,
 * then the X-Wing key pair of the 32-byte seed `sk`. (Some X-Wing libraries, `@hpke/hybridkem-x-wing`
 * among them, derive `SHAKE256(ikm, 32)` instead; those keys differ, so this SDK does not use
 * them.)
 */
export function deriveXWingSeed(ikm: Uint8Array): Uint8Array {
  expectLength('input keying material', ikm, 32);
  const label = utf8('DeriveKeyPair');
  return shake256(
    concat(ikm, utf8('HPKE-v1'), utf8('KEM'), Uint8Array.of(0x64, 0x7a), Uint8Array.of(0, label.length), label, Uint8Array.of(0, 32)),
    { dkLen: 32 },
  );
}

/** The X-Wing public key of a 32-byte decapsulation seed. */
export function xWingPublicKey(seed: Uint8Array): Uint8Array {
  return ml_kem768_x25519.keygen(expectLength('X-Wing seed', seed, 32)).publicKey;
}

/** The recipient key pair `DeriveKeyPair(ikm)` gives: what a worker holds for an epoch. */
export async function deriveRecipientKey(ikm: Uint8Array): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array }> {
  const seed = deriveXWingSeed(ikm);
  const privateKey = await suite().kem.deserializePrivateKey(own(seed));
  return { privateKey, publicKey: xWingPublicKey(seed) };
}

export interface OpenParams {
  /** The recipient's private key (from `deriveRecipientKey`). */
  privateKey: CryptoKey;
  /** The epoch of that key. */
  keyEpoch: number;
  genesisHash: Uint8Array;
  account: Uint8Array;
  envelope: Uint8Array;
}

/**
 * Opens an envelope as the recipient does: what a worker implementation needs, and what the
 * SDK's tests use to prove its envelopes against the protocol's vectors.
 */
export async function open(params: OpenParams): Promise<Uint8Array> {
  const { privateKey, keyEpoch, genesisHash, account, envelope } = params;
  const { epoch } = peekHeader(envelope);
  if (epoch !== keyEpoch) throw new EnvelopeError('WrongEpoch', `envelope is for key epoch ${epoch}, this key is epoch ${keyEpoch}`);
  const header = envelope.subarray(0, HEADER_LEN);
  const enc = envelope.subarray(HEADER_LEN, HEADER_LEN + ENCAPSULATED_KEY_LEN);
  const ciphertext = envelope.subarray(HEADER_LEN + ENCAPSULATED_KEY_LEN);
  try {
    const recipient = await suite().createRecipientContext({
      recipientKey: privateKey,
      enc: own(enc),
      info: own(envelopeInfo(genesisHash, epoch)),
    });
    return new Uint8Array(await recipient.open(own(ciphertext), own(envelopeAad(header, account))));
  } catch {
    throw new EnvelopeError('DecryptionFailed', 'envelope does not decrypt: wrong key, chain or account, or tampered contents');
  }
}
