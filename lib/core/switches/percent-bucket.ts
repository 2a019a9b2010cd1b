/**
 * Stable percentage buckets for Gutter's percent operators (docs/gutter-semantics.md §4.4).
 *
 * A bucket is a number in [0, 100). Numbers bucket as `value mod 100` with floor-mod (−30 → 70, 109.5 → 9.5), as
 * upstream. Text buckets as `hash(text) mod 100`, where the default hash is the signed CRC-32 (IEEE 802.3) of the
 * UTF-8 bytes: the same in every process, machine and language, and the hash upstream's own acceptance suite uses.
 * The Python 2 `hash` is available to reproduce buckets of a legacy Gutter deployment. No randomness anywhere.
 */

/** A function from text to a (signed) integer, used to bucket non-numeric values. @publicApi */
export type PercentHash = (text: string) => number | bigint;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

// Captured and called with `.call`: see the note in core/flags/md5-dispatch.ts (V8 may stop inlining them).
const charCodeAtOf = String.prototype.charCodeAt;

const encoder = new TextEncoder();

/** Signed CRC-32 of the UTF-8 bytes of `text` (what Python's `zlib.crc32` gives, as a signed int32). @publicApi */
export function crc32Signed(text: string): number {
  let crc = -1;
  for (let i = 0; i < text.length; i++) {
    const code = charCodeAtOf.call(text, i);
    if (code < 0x80) {
      crc = CRC_TABLE[(crc ^ code) & 0xff] ^ (crc >>> 8);
    } else {
      // Rare path: let the platform do UTF-8 (surrogate pairs included) for the rest of the string.
      for (const byte of encoder.encode(text.slice(i))) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
      break;
    }
  }
  return (crc ^ -1) | 0;
}

const MASK64 = (1n << 64n) - 1n;
const toSigned64 = (x: bigint): bigint => BigInt.asIntN(64, x & MASK64);

/**
 * CPython 2.7 (64-bit) `hash` of a byte string (UTF-8 of `text`), for buckets identical to a legacy Gutter.
 * @publicApi
 */
export function python2Hash(text: string): bigint {
  const bytes = encoder.encode(text);
  if (bytes.length === 0) return 0n;
  let x = BigInt(bytes[0]) << 7n;
  for (const b of bytes) x = toSigned64(1000003n * x) ^ BigInt(b);
  x ^= BigInt(bytes.length);
  x = toSigned64(x);
  return x === -1n ? -2n : x;
}

/** The hash choices for percent operators. @publicApi */
export const percentHashes = { crc32: crc32Signed as PercentHash, py2: python2Hash as PercentHash } as const;

function floorMod100(x: number): number {
  const r = x % 100;
  return r < 0 ? r + 100 : r === 0 ? 0 : r; // `r === 0` folds −0 into 0
}

/**
 * Parses text that is entirely a decimal number (surrounding blanks allowed), as upstream's `Decimal(str(x))`.
 * The pattern is unambiguous (each digit can be taken by one part only), so a long input of digits fails in
 * linear time; `\d+\.?\d*` backtracked over every split and took seconds on 30,000 digits.
 */
function numericText(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || !/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i.test(trimmed)) return undefined;
  return Number(trimmed);
}

/**
 * The bucket of a value in [0, 100). `treatAsText` forces hashing (String attributes), even for numeric text.
 * Throws `TypeError` for values that have no stable bucket (objects, NaN, ±Infinity, null/undefined); inside a
 * condition that makes the condition false and emits `conditionApplyError`.
 */
export function percentBucket(value: unknown, hash: PercentHash, treatAsText = false): number {
  if (!treatAsText) {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`Cannot bucket the non-finite number ${value}.`);
      return floorMod100(value);
    }
    if (typeof value === 'bigint') return Number(((value % 100n) + 100n) % 100n);
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'string') {
      const n = numericText(value);
      if (n !== undefined && Number.isFinite(n)) return floorMod100(n);
    }
  }
  if (
    typeof value === 'string' ||
    (treatAsText && (typeof value === 'number' || typeof value === 'bigint'))
  ) {
    const h = hash(String(value));
    return typeof h === 'bigint' ? Number(((h % 100n) + 100n) % 100n) : floorMod100(h);
  }
  if (value instanceof Date) return floorMod100(value.getTime());
  throw new TypeError(
    `Cannot bucket a value of type ${value === null ? 'null' : typeof value} for a percent operator.`,
  );
}
