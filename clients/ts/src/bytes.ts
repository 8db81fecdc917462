// Byte helpers and the few SCALE encodings the protocol's structures use (docs/protocol.md,
// "Conventions"): little-endian fixed-width integers, compact integers, length-prefixed byte
// vectors. Written from the specification, not generated, so that the SDK checks the
// specification as much as the specification describes the SDK.

import { blake2b } from '@noble/hashes/blake2.js';

/** `a ‖ b ‖ …`. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `0x`-prefixed lowercase hex. */
export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Bytes of a hex string, with or without `0x`; throws on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  const digits = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    throw new Error(`not a hex byte string: ${hex.slice(0, 20)}…`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Whether two byte strings are equal. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `u32` little-endian. */
export function u32le(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`not a u32: ${n}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

/** `u64` little-endian. */
export function u64le(n: bigint): Uint8Array {
  if (n < 0n || n >= 1n << 64n) throw new RangeError(`not a u64: ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

/** SCALE compact encoding of an unsigned integer. */
export function compact(value: bigint | number): Uint8Array {
  const n = BigInt(value);
  if (n < 0n) throw new RangeError('compact integers are unsigned');
  if (n < 1n << 6n) return Uint8Array.of(Number(n) << 2);
  if (n < 1n << 14n) {
    const v = (Number(n) << 2) | 1;
    return Uint8Array.of(v & 0xff, v >> 8);
  }
  if (n < 1n << 30n) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, (Number(n) << 2) | 2, true);
    return out;
  }
  const bytes: number[] = [];
  for (let rest = n; rest > 0n; rest >>= 8n) bytes.push(Number(rest & 0xffn));
  if (bytes.length > 67) throw new RangeError('compact integer longer than 67 bytes');
  return Uint8Array.of(((bytes.length - 4) << 2) | 3, ...bytes);
}

/**
 * Decodes a canonical SCALE compact integer at `at`: `[value, bytes read]`. Throws on a
 * truncated or non-canonical encoding (a value that has a shorter encoding), as the chain's
 * decoder does.
 */
export function decodeCompact(input: Uint8Array, at = 0): [bigint, number] {
  const first = input[at];
  if (first === undefined) throw new Error('compact: no input');
  const mode = first & 3;
  const need = mode === 0 ? 1 : mode === 1 ? 2 : mode === 2 ? 4 : 1 + (first >> 2) + 4;
  if (at + need > input.length) throw new Error('compact: truncated');
  let value = 0n;
  for (let i = need - 1; i >= (mode === 3 ? 1 : 0); i--) value = (value << 8n) | BigInt(input[at + i] ?? 0);
  if (mode !== 3) value >>= 2n;
  const min = mode === 0 ? 0n : mode === 1 ? 1n << 6n : mode === 2 ? 1n << 14n : need === 5 ? 1n << 30n : 1n << BigInt(8 * (need - 2));
  if (value < min) throw new Error('compact: non-canonical encoding');
  return [value, need];
}

/** SCALE `Vec<u8>`: compact length, then the bytes. */
export function bytesVec(bytes: Uint8Array): Uint8Array {
  return concat(compact(bytes.length), bytes);
}

/** `BLAKE2b-256(domain ‖ part_0 ‖ part_1 ‖ …)`, the protocol's domain-separated hash. */
export function hash256(domain: string, ...parts: Uint8Array[]): Uint8Array {
  return blake2b(concat(utf8(domain), ...parts), { dkLen: 32 });
}

/** `BLAKE2b-512(domain ‖ part_0 ‖ part_1 ‖ …)`. */
export function hash512(domain: string, ...parts: Uint8Array[]): Uint8Array {
  return blake2b(concat(utf8(domain), ...parts), { dkLen: 64 });
}

/** Checks that `bytes` is `len` bytes long. */
export function expectLength(what: string, bytes: Uint8Array, len: number): Uint8Array {
  if (bytes.length !== len) throw new Error(`${what} must be ${len} bytes, not ${bytes.length}`);
  return bytes;
}
