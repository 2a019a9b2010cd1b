import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import {
  crc32Signed,
  percentBucket,
  percentHashes,
  python2Hash,
} from '../../../lib/core/switches/percent-bucket.js';

// Golden vectors from docs/gutter-semantics.md §3.4, checked there against CPython 2.7.18.
const PY2_VECTORS: Array<[string, bigint, number]> = [
  ['jeff', -2338030935110241017n, 83],
  ['frank', -5500651855297062199n, 1],
  ['bill', 1318956168368674155n, 55],
  ['timmy', -9092791511155847987n, 13],
  ['abc', 1453079729188098211n, 11],
  ['user:42', 7309540219791485624n, 24],
  ['', 0n, 0],
];

// Signed CRC-32 vectors from the same reference (upstream's acceptance suite hashes with CRC-32).
const CRC_VECTORS: Array<[string, number, number]> = [
  ['jeff', -1397372420, 80],
  ['frank', 2037203465, 65],
  ['bill', 2048989667, 67],
  ['timmy', 903581082, 82],
  ['evil', -1912917678, 22],
];

describe('python 2 hash', () => {
  for (const [text, hash, bucket] of PY2_VECTORS) {
    test(`'${text}' hashes to ${hash} and buckets to ${bucket}`, () => {
      assert.equal(python2Hash(text), hash);
      assert.equal(percentBucket(text, percentHashes.py2, true), bucket);
    });
  }
});

describe('crc32 hash (the default)', () => {
  for (const [text, hash, bucket] of CRC_VECTORS) {
    test(`'${text}' hashes to ${hash} and buckets to ${bucket}`, () => {
      assert.equal(crc32Signed(text), hash);
      assert.equal(percentBucket(text, percentHashes.crc32), bucket);
    });
  }

  test('equals zlib.crc32 (as signed) on ASCII and non-ASCII text', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const alphabet = ['a', 'Z', '0', ' ', ':', 'é', 'ß', '中', '😀', '\u0000'];
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = next() % 40;
      for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
      assert.equal(crc32Signed(text), crc32(Buffer.from(text, 'utf8')) | 0, JSON.stringify(text));
    }
  });
});

describe('numeric buckets (floor-mod 100, as upstream)', () => {
  const cases: Array<[unknown, number]> = [
    [-30, 70],
    [150, 50],
    [109.5, 9.5],
    [100, 0],
    [4242, 42],
    [0, 0],
    [-0, 0],
    ['75', 75],
    [' 12 ', 12],
    ['1e3', 0],
    [true, 1],
    [false, 0],
    [123n, 23],
    [-1n, 99],
  ];
  for (const [input, bucket] of cases) {
    test(`${JSON.stringify(String(input))} (${typeof input}) → ${bucket}`, () => {
      assert.equal(percentBucket(input, percentHashes.crc32), bucket);
    });
  }

  test('a numeric string attribute of kind string buckets by hash, not by value', () => {
    assert.equal(
      percentBucket('75', percentHashes.crc32, true),
      (((crc32(Buffer.from('75')) | 0) % 100) + 100) % 100,
    );
  });

  test('values without a stable bucket throw a TypeError', () => {
    for (const bad of [NaN, Infinity, -Infinity, null, undefined, {}, [1]]) {
      assert.throws(() => percentBucket(bad, percentHashes.crc32), TypeError, String(bad));
    }
  });
});
