/**
 * FeatBit's percentage dispatch: MD5 of `flagKey + dispatchValue`, the first four digest bytes read as a
 * little-endian signed int32, divided by 2^31, absolute value (docs/featbit-protocol.md §4.5).
 *
 * node:crypto costs more than a microsecond per call, so this file carries a small MD5 that computes only
 * the first 32-bit word of the digest. The message is packed straight into little-endian 32-bit words (no
 * byte buffer read back as words: byte stores followed by word loads stall the CPU's store forwarding), in
 * reusable scratch arrays, so the hot path allocates nothing. The tests prove it bit-identical to node:crypto.
 */

// String methods are captured here and called with `.call`. Once any object in the process has
// String.prototype as its prototype (ioredis' `class VerbatimString extends String` does it on import), V8 turns
// String.prototype into a dictionary and stops inlining `text.charCodeAt(i)`: 4–6 ns more per character. A
// module-local const is folded into the optimized code; an imported one is not (measured, Node 20).
const charCodeAtOf = String.prototype.charCodeAt;

/** UTF-8 text compiled once (a flag key): its bytes packed as little-endian words, zero-padded. @internal */
export interface HashPrefix {
  readonly words: Int32Array;
  readonly byteLength: number;
}

/** Packs `text` as UTF-8 into little-endian words (compile time only: allocates). */
export function hashPrefix(text: string): HashPrefix {
  const utf8 = new TextEncoder().encode(text); // lone surrogates become U+FFFD, as in Node's utf8 encoding
  const packed = new Int32Array((utf8.length + 3) >> 2);
  for (let i = 0; i < utf8.length; i++) packed[i >> 2] |= utf8[i] << ((i & 3) * 8);
  return { words: packed, byteLength: utf8.length };
}

const EMPTY_PREFIX: HashPrefix = hashPrefix('');

let words = new Int32Array(64);
let bytes = new Uint8Array(256);

function ensureWords(count: number): void {
  if (count <= words.length) return;
  let size = words.length;
  while (size < count) size *= 2;
  words = new Int32Array(size);
}

/**
 * Writes `prefix + text` (UTF-8) as little-endian words from word 0, then the MD5 padding and bit length
 * (RFC 1321 §3.1–3.2). Returns the number of words (a multiple of 16).
 */
function packMessage(prefix: HashPrefix, text: string): number {
  const length = text.length;
  ensureWords(((prefix.byteLength + length * 3) >> 2) + 20);
  const w = words;
  const prefixWords = prefix.words;
  const full = prefix.byteLength >> 2;
  for (let k = 0; k < full; k++) w[k] = prefixWords[k];
  let at = full;
  let shift = (prefix.byteLength & 3) * 8;
  let pending = shift === 0 ? 0 : prefixWords[full];
  for (let i = 0; i < length; i++) {
    const code = charCodeAtOf.call(text, i);
    if (code >= 0x80) return packMessageSlow(prefix, text);
    pending |= code << shift;
    shift += 8;
    if (shift === 32) {
      w[at++] = pending;
      pending = 0;
      shift = 0;
    }
  }
  return finishMessage(w, at, pending | (0x80 << shift), prefix.byteLength + length);
}

/** Appends the 0x80 marker word (already in `pending`), zero words and the 64-bit bit length. */
function finishMessage(w: Int32Array, at: number, pending: number, byteLength: number): number {
  w[at++] = pending;
  const totalWords = (((byteLength + 8) >> 6) + 1) << 4;
  const lengthWord = totalWords - 2;
  while (at < lengthWord) w[at++] = 0;
  const bitLength = byteLength * 8;
  w[lengthWord] = bitLength | 0;
  w[lengthWord + 1] = Math.floor(bitLength / 0x100000000) | 0;
  return totalWords;
}

/** The general path, for text with non-ASCII characters: encode to bytes, then pack. */
function packMessageSlow(prefix: HashPrefix, text: string): number {
  const byteLength = writeUtf8(prefix, text);
  ensureWords((byteLength >> 2) + 20);
  const w = words;
  const out = bytes;
  const full = byteLength >> 2;
  for (let k = 0; k < full; k++) {
    const i = k * 4;
    w[k] = out[i] | (out[i + 1] << 8) | (out[i + 2] << 16) | (out[i + 3] << 24);
  }
  let pending = 0;
  const rest = byteLength & 3;
  for (let j = 0; j < rest; j++) pending |= out[full * 4 + j] << (j * 8);
  return finishMessage(w, full, pending | (0x80 << (rest * 8)), byteLength);
}

/**
 * Writes the prefix bytes and `text` as UTF-8 into the byte scratch buffer; returns the byte length. Lone
 * surrogates become U+FFFD, as in Node's `Buffer.from(text, 'utf8')` (what `hash.update(text)` does).
 */
function writeUtf8(prefix: HashPrefix, text: string): number {
  const length = text.length;
  const needed = prefix.byteLength + length * 3;
  if (needed > bytes.length) {
    let size = bytes.length;
    while (size < needed) size *= 2;
    bytes = new Uint8Array(size);
  }
  const out = bytes;
  let at = 0;
  for (; at < prefix.byteLength; at++) out[at] = (prefix.words[at >> 2] >>> ((at & 3) * 8)) & 0xff;
  for (let i = 0; i < length; i++) {
    let code = charCodeAtOf.call(text, i);
    if (code < 0x80) {
      out[at++] = code;
    } else if (code < 0x800) {
      out[at++] = 0xc0 | (code >> 6);
      out[at++] = 0x80 | (code & 0x3f);
    } else {
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = i + 1 < length ? charCodeAtOf.call(text, i + 1) : 0;
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[at++] = 0xf0 | (code >> 18);
          out[at++] = 0x80 | ((code >> 12) & 0x3f);
          out[at++] = 0x80 | ((code >> 6) & 0x3f);
          out[at++] = 0x80 | (code & 0x3f);
          continue;
        }
        code = 0xfffd;
      }
      out[at++] = 0xe0 | (code >> 12);
      out[at++] = 0x80 | ((code >> 6) & 0x3f);
      out[at++] = 0x80 | (code & 0x3f);
    }
  }
  return at;
}

// MD5 chaining state between blocks (only long inputs use more than one block).
let h0 = 0;
let h1 = 0;
let h2 = 0;
let h3 = 0;

/** MD5 of the packed message (`totalWords` words); returns the first digest word as a signed int32. */
function md5FirstWord(totalWords: number): number {
  h0 = 0x67452301;
  h1 = 0xefcdab89 | 0;
  h2 = 0x98badcfe | 0;
  h3 = 0x10325476;
  const lastBlock = totalWords - 16;
  const w = words;
  for (let at = 0; at < lastBlock; at += 16) compressBlock(w, at);
  return firstWordOfLastBlock(w, lastBlock);
}

/**
 * One full MD5 block (64 steps, RFC 1321 §3.4), unrolled so that V8 keeps everything in registers. Each step
 * adds `x + t + a` before the round function: only the last add waits for `b` of the previous step, which
 * shortens the dependency chain (the round functions are written in their equivalent short-chain forms).
 */
function compressBlock(w: Int32Array, at: number): void {
  const x0 = w[at + 0];
  const x1 = w[at + 1];
  const x2 = w[at + 2];
  const x3 = w[at + 3];
  const x4 = w[at + 4];
  const x5 = w[at + 5];
  const x6 = w[at + 6];
  const x7 = w[at + 7];
  const x8 = w[at + 8];
  const x9 = w[at + 9];
  const x10 = w[at + 10];
  const x11 = w[at + 11];
  const x12 = w[at + 12];
  const x13 = w[at + 13];
  const x14 = w[at + 14];
  const x15 = w[at + 15];
  let a = h0;
  let b = h1;
  let c = h2;
  let d = h3;
  a = (x0 + -680876936 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x1 + -389564586 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x2 + 606105819 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x3 + -1044525330 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x4 + -176418897 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x5 + 1200080426 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x6 + -1473231341 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x7 + -45705983 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x8 + 1770035416 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x9 + -1958414417 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x10 + -42063 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x11 + -1990404162 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x12 + 1804603682 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x13 + -40341101 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x14 + -1502002290 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x15 + 1236535329 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x1 + -165796510 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x6 + -1069501632 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x11 + 643717713 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x0 + -373897302 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x5 + -701558691 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x10 + 38016083 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x15 + -660478335 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x4 + -405537848 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x9 + 568446438 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x14 + -1019803690 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x3 + -187363961 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x8 + 1163531501 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x13 + -1444681467 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x2 + -51403784 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x7 + 1735328473 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x12 + -1926607734 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x5 + -378558 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x8 + -2022574463 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x11 + 1839030562 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x14 + -35309556 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x1 + -1530992060 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x4 + 1272893353 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x7 + -155497632 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x10 + -1094730640 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x13 + 681279174 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x0 + -358537222 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x3 + -722521979 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x6 + 76029189 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x9 + -640364487 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x12 + -421815835 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x15 + 530742520 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x2 + -995338651 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x0 + -198630844 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (x7 + 1126891415 + d + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (x14 + -1416354905 + c + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (x5 + -57434055 + b + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (x12 + 1700485571 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (x3 + -1894986606 + d + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (x10 + -1051523 + c + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (x1 + -2054922799 + b + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (x8 + 1873313359 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (x15 + -30611744 + d + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (x6 + -1560198380 + c + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (x13 + 1309151649 + b + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (x4 + -145523070 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (x11 + -1120210379 + d + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (x2 + 718787259 + c + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (x9 + -343485551 + b + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  h0 = (h0 + a) | 0;
  h1 = (h1 + b) | 0;
  h2 = (h2 + c) | 0;
  h3 = (h3 + d) | 0;
}

/**
 * The last block, stopped after step 61: steps 62–64 only update `d`, `c` and `b`, which do not feed the first
 * digest word `h0 + a`.
 */
function firstWordOfLastBlock(w: Int32Array, at: number): number {
  const x0 = w[at + 0];
  const x1 = w[at + 1];
  const x2 = w[at + 2];
  const x3 = w[at + 3];
  const x4 = w[at + 4];
  const x5 = w[at + 5];
  const x6 = w[at + 6];
  const x7 = w[at + 7];
  const x8 = w[at + 8];
  const x9 = w[at + 9];
  const x10 = w[at + 10];
  const x11 = w[at + 11];
  const x12 = w[at + 12];
  const x13 = w[at + 13];
  const x14 = w[at + 14];
  const x15 = w[at + 15];
  let a = h0;
  let b = h1;
  let c = h2;
  let d = h3;
  a = (x0 + -680876936 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x1 + -389564586 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x2 + 606105819 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x3 + -1044525330 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x4 + -176418897 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x5 + 1200080426 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x6 + -1473231341 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x7 + -45705983 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x8 + 1770035416 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x9 + -1958414417 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x10 + -42063 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x11 + -1990404162 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x12 + 1804603682 + a + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (x13 + -40341101 + d + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (x14 + -1502002290 + c + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (x15 + 1236535329 + b + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (x1 + -165796510 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x6 + -1069501632 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x11 + 643717713 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x0 + -373897302 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x5 + -701558691 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x10 + 38016083 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x15 + -660478335 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x4 + -405537848 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x9 + 568446438 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x14 + -1019803690 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x3 + -187363961 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x8 + 1163531501 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x13 + -1444681467 + a + ((~d & c) | (d & b))) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (x2 + -51403784 + d + ((~c & b) | (c & a))) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (x7 + 1735328473 + c + ((~b & a) | (b & d))) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (x12 + -1926607734 + b + ((~a & d) | (a & c))) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (x5 + -378558 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x8 + -2022574463 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x11 + 1839030562 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x14 + -35309556 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x1 + -1530992060 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x4 + 1272893353 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x7 + -155497632 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x10 + -1094730640 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x13 + 681279174 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x0 + -358537222 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x3 + -722521979 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x6 + 76029189 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x9 + -640364487 + a + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (x12 + -421815835 + d + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (x15 + 530742520 + c + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (x2 + -995338651 + b + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (x0 + -198630844 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (x7 + 1126891415 + d + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (x14 + -1416354905 + c + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (x5 + -57434055 + b + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (x12 + 1700485571 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (x3 + -1894986606 + d + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (x10 + -1051523 + c + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (x1 + -2054922799 + b + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (x8 + 1873313359 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (x15 + -30611744 + d + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (x6 + -1560198380 + c + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (x13 + 1309151649 + b + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (x4 + -145523070 + a + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  return (h0 + a) | 0;
}

const TWO_POW_31 = 2147483648;

/** The first four bytes of MD5(UTF-8 of `text`) as a little-endian signed int32. Exposed for tests. */
export function md5Int32LE(text: string): number {
  return md5FirstWord(packMessage(EMPTY_PREFIX, text));
}

/**
 * FeatBit's dispatch hash of `text`: `|int32LE(md5(utf8(text))[0..3]) / 2^31|`, a number in [0, 1]
 * (exactly 1 only for int32 -2^31).
 * @publicApi
 */
export function dispatchHash(text: string): number {
  return Math.abs(md5FirstWord(packMessage(EMPTY_PREFIX, text)) / TWO_POW_31);
}

/** {@link dispatchHash} of `prefix + text`, the prefix compiled once (a flag key); no concatenation. */
export function dispatchHashWithPrefix(prefix: HashPrefix, text: string): number {
  return Math.abs(md5FirstWord(packMessage(prefix, text)) / TWO_POW_31);
}

/** `from == 0` and `1 - to < 1e-5`: everyone, without hashing (docs/featbit-protocol.md §4.5). */
export const ROLLOUT_EVERYONE = 0;
/** `[0, 0]`: nobody. */
export const ROLLOUT_NOBODY = 1;
/** Hash and test `from <= h <= to` (both ends inclusive). */
export const ROLLOUT_HASHED = 2;
/** One of the three `ROLLOUT_*` decisions. */
export type RolloutRangeKind = typeof ROLLOUT_EVERYONE | typeof ROLLOUT_NOBODY | typeof ROLLOUT_HASHED;

/** Classifies a rollout range once, at compile time. */
export function rolloutKind(from: number, to: number): RolloutRangeKind {
  if (from === 0 && 1 - to < 1e-5) return ROLLOUT_EVERYONE;
  if (from === 0 && to === 0) return ROLLOUT_NOBODY;
  return ROLLOUT_HASHED;
}
