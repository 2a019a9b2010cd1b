import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { dispatchHash } from '../../../lib/core/flags/index.js';
import {
  dispatchHashWithPrefix,
  md5Int32LE,
  rolloutKind,
  ROLLOUT_EVERYONE,
  ROLLOUT_HASHED,
  ROLLOUT_NOBODY,
  hashPrefix,
} from '../../../lib/core/flags/md5-dispatch.js';
import { cryptoHash } from './flag-test-helpers.js';
import { seededRandom } from '../../support/seeded-random.js';

const cryptoInt32 = (text: string): number => createHash('md5').update(text, 'utf8').digest().readInt32LE(0);

const prng = seededRandom;

test('official FeatBit dispatch vectors (docs/featbit-protocol.md §4.5)', () => {
  assert.equal(dispatchHash('test-value'), 0.14653629204258323);
  assert.equal(dispatchHash('qKPKh1S3FolC'), 0.9105919692665339);
  assert.equal(dispatchHash('3eacb184-2d79-49df-9ea7-edd4f10e4c6f'), 0.08994403155520558);
});

test('the MD5 first word is bit-identical to node:crypto for random ASCII strings of 0..300 chars', () => {
  const random = prng(1);
  for (let length = 0; length <= 300; length++) {
    for (let sample = 0; sample < 4; sample++) {
      let text = '';
      for (let i = 0; i < length; i++) text += String.fromCharCode(32 + Math.floor(random() * 95));
      assert.equal(md5Int32LE(text), cryptoInt32(text), `length ${length}: ${JSON.stringify(text)}`);
    }
  }
});

test('…and for random unicode strings (2-, 3- and 4-byte UTF-8, lone surrogates)', () => {
  const random = prng(2);
  const pick = (): string => {
    const r = random();
    if (r < 0.3) return String.fromCharCode(32 + Math.floor(random() * 95));
    if (r < 0.5) return String.fromCharCode(0x80 + Math.floor(random() * 0x780)); // 2 bytes
    if (r < 0.75) return String.fromCharCode(0x800 + Math.floor(random() * 0xd000)); // 3 bytes (may be a lone surrogate)
    if (r < 0.95) return String.fromCodePoint(0x10000 + Math.floor(random() * 0xfffff)); // 4 bytes
    return String.fromCharCode(0xdc00 + Math.floor(random() * 0x400)); // lone low surrogate
  };
  for (let length = 0; length <= 300; length++) {
    for (let sample = 0; sample < 3; sample++) {
      let text = '';
      while (text.length < length) text += pick();
      assert.equal(md5Int32LE(text), cryptoInt32(text), `length ${length}: ${JSON.stringify(text)}`);
    }
  }
});

test('padding boundaries: inputs of exactly 55, 56, 63, 64, 119, 120 bytes, ASCII and multi-byte', () => {
  for (const bytes of [0, 1, 54, 55, 56, 57, 63, 64, 65, 118, 119, 120, 121, 127, 128, 129, 1000]) {
    const ascii = 'a'.repeat(bytes);
    assert.equal(md5Int32LE(ascii), cryptoInt32(ascii), `${bytes} ASCII bytes`);
    // é is 2 bytes, € 3 bytes: same byte lengths reached through multi-byte characters
    const twoByte = 'é'.repeat(Math.floor(bytes / 2)) + 'x'.repeat(bytes % 2);
    assert.equal(Buffer.byteLength(twoByte), bytes);
    assert.equal(md5Int32LE(twoByte), cryptoInt32(twoByte), `${bytes} bytes of é`);
    const threeByte = '€'.repeat(Math.floor(bytes / 3)) + 'x'.repeat(bytes % 3);
    assert.equal(md5Int32LE(threeByte), cryptoInt32(threeByte), `${bytes} bytes of €`);
  }
  const surrogatePairEnd = 'a'.repeat(52) + '😀'; // 4-byte char ending exactly at byte 56
  assert.equal(md5Int32LE(surrogatePairEnd), cryptoInt32(surrogatePairEnd));
});

test('a long input after short ones still hashes correctly (the scratch buffer grows)', () => {
  const long = 'ü'.repeat(5000);
  assert.equal(md5Int32LE('short'), cryptoInt32('short'));
  assert.equal(md5Int32LE(long), cryptoInt32(long));
  assert.equal(md5Int32LE('short'), cryptoInt32('short'));
});

test('hashing with a compiled prefix equals hashing the concatenation', () => {
  const random = prng(3);
  const prefixes = ['checkout-v2', 'exptcheckout-v2', '', 'flag-ü-€', 'p'.repeat(70), 'abc', 'abcd', 'é'];
  for (let i = 0; i < 400; i++) {
    const prefix = prefixes[i % prefixes.length];
    const compiled = hashPrefix(prefix);
    let text = '';
    const length = Math.floor(random() * 80);
    for (let j = 0; j < length; j++) text += String.fromCharCode(32 + Math.floor(random() * 400));
    assert.equal(
      dispatchHashWithPrefix(compiled, text),
      cryptoHash(prefix + text),
      `${prefix} + ${JSON.stringify(text)}`,
    );
    // interleave plain hashing: nothing of the previous message may leak into the next
    assert.equal(dispatchHash(text), cryptoHash(text));
  }
});

test('dispatchHash is |int32LE / 2^31| in [0, 1]', () => {
  for (const text of ['', 'a', 'user-1', 'checkout-v2alice']) {
    const value = dispatchHash(text);
    assert.equal(value, cryptoHash(text));
    assert.ok(value >= 0 && value <= 1);
  }
});

test('rollout ranges: full range short-circuits, [0, 0] is nobody, everything else hashes', () => {
  assert.equal(rolloutKind(0, 1), ROLLOUT_EVERYONE);
  assert.equal(rolloutKind(0, 0.999995), ROLLOUT_EVERYONE); // 1 - to < 1e-5
  assert.equal(rolloutKind(0, 0.99998), ROLLOUT_HASHED);
  assert.equal(rolloutKind(0, 0), ROLLOUT_NOBODY);
  assert.equal(rolloutKind(0.5, 1), ROLLOUT_HASHED);
  assert.equal(rolloutKind(0.5, 0.5), ROLLOUT_HASHED);
});
