import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  compileFlag,
  compileSegment,
  evaluateFlag,
  toDetail,
  type FlagUser,
} from '../../../lib/core/flags/index.js';
import { cryptoHash, lookupOf, RecordingLogger } from './flag-test-helpers.js';

/**
 * The worked example of docs/featbit-protocol.md §3.3: the flag and segment JSON of the document (fixture), and every row of
 * its expected-results table (value, reason, sendToExperiment), transcribed from the worked example FeatBit's rules give (docs/featbit-protocol.md §3.3–4).
 */
const fixture = JSON.parse(
  readFileSync(new URL('../../../../test/core/flags/fixtures/checkout-v2.json', import.meta.url), 'utf8'),
) as { flag: unknown; segment: unknown };

const flag = compileFlag(fixture.flag);
const segments = lookupOf([compileSegment(fixture.segment)]);

const table: ReadonlyArray<[user: FlagUser, value: string, reason: string, sendToExperiment: boolean]> = [
  [{ key: 'qa-1' }, 'treatment', 'target match', false],
  [{ key: 'vip-1', plan: 'pro' }, 'treatment', 'match rule beta testers', false],
  [{ key: 'carol', plan: 'pro', email: 'carol@example.com' }, 'treatment', 'match rule beta testers', false],
  [
    { key: 'blocked-1', plan: 'enterprise', email: 'b@example.com' },
    'control',
    'fall through targets and rules',
    false,
  ],
  [{ key: 'alice' }, 'treatment', 'fall through targets and rules', true],
  [{ key: 'bob' }, 'control', 'fall through targets and rules', false],
  [{ key: 'erin' }, 'control', 'fall through targets and rules', false],
];

test('docs/featbit-protocol.md §3.3: every row of the expected-results table', () => {
  for (const [user, value, reason, sendToExperiment] of table) {
    const logger = new RecordingLogger();
    const detail = toDetail(evaluateFlag(flag, 'checkout-v2', user, segments, logger), 'string', 'default');
    assert.equal(detail.value, value, JSON.stringify(user));
    assert.equal(detail.reason, reason, JSON.stringify(user));
    assert.equal(detail.sendToExperiment, sendToExperiment, JSON.stringify(user));
    assert.equal(detail.variationId, value === 'treatment' ? 'v-treat' : 'v-control');
    assert.deepEqual(logger.warnings, []);
  }
});

test('docs/featbit-protocol.md §3.3: the hash values quoted in the table (node:crypto, 4 decimals)', () => {
  const quoted: ReadonlyArray<[text: string, hash: number]> = [
    ['checkout-v2blocked-1', 0.5522],
    ['exptcheckout-v2blocked-1', 0.5829],
    ['checkout-v2alice', 0.9219],
    ['exptcheckout-v2alice', 0.0498],
    ['checkout-v2bob', 0.4167],
    ['exptcheckout-v2bob', 0.521],
    ['checkout-v2erin', 0.1354],
    ['exptcheckout-v2erin', 0.9898],
  ];
  for (const [text, hash] of quoted) assert.equal(Number(cryptoHash(text).toFixed(4)), hash, text);
});

test('docs/featbit-protocol.md §3.3: the example flag keeps its informational and unknown fields', () => {
  assert.equal(flag.key, 'checkout-v2');
  assert.equal(flag.version, Date.UTC(2024, 4, 1, 10, 0, 0, 123)); // 7 fractional digits truncated to ms
  assert.equal(flag.variationType, 'string');
  assert.equal(flag.doc, fixture.flag);
  assert.equal(flag.doc.name, 'Checkout v2');
  assert.deepEqual([...flag.segmentIds], ['5f0b7a2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b']);
});
