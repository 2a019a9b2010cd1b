import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildConnectionToken, padSecret, parseConnectionToken } from '../../lib/sync/featbit-token.js';
import { redactedUrl, streamingEndpoint, streamingUrl } from '../../lib/sync/streaming-url.js';
import { SECRET } from './fixtures.js';

// Vectors from docs/featbit-protocol.md §1.2 (FeatBit evaluation server test data).
const VECTOR_1 = 'QBPBHv3faJy3RCUO8d-QQBDDDQBZZQQXHPEJiVdN6waRfGjfNan02Ms9c0LiTD6w';
const VECTOR_2 = 'QBQBSv3faJy3RCUBXQQQQQQQQQQQO8d-EJiVdN6waRfGjfNan02Ms9c0LiTD6w';

describe('FeatBit connection token (docs/featbit-protocol.md §1.2)', () => {
  test('decodes the server test vector: position 14, 15 zero-padded letters, ts 1666018800754', () => {
    assert.deepEqual(parseConnectionToken(VECTOR_1), { secret: SECRET, timestamp: 1666018800754 });
  });

  test('builds the second vector (ts 1700000000000, split at 10) and decodes it back', () => {
    // floor(random × 44) = 10 for this random value.
    const token = buildConnectionToken(SECRET, 1700000000000, () => 10.5 / 44);
    assert.equal(token, VECTOR_2);
    assert.deepEqual(parseConnectionToken(token), { secret: SECRET, timestamp: 1700000000000 });
  });

  test('never splits before position 2, even when random() is 0', () => {
    const token = buildConnectionToken(SECRET, 1700000000000, () => 0);
    // Header: position 002 = QQW, length 13 = BS; then the first 2 secret characters, then the time.
    assert.equal(token.slice(0, 5), 'QQWBS');
    assert.equal(token.slice(5, 7), SECRET.slice(0, 2));
    assert.equal(parseConnectionToken(token)?.timestamp, 1700000000000);
  });

  test('strips trailing = from the secret and the decoder pads it back to a multiple of 4', () => {
    const padded = 'abcdefghij==';
    const token = buildConnectionToken(padded, 1700000000000, () => 0.5);
    assert.ok(!token.includes('='));
    assert.deepEqual(parseConnectionToken(token), { secret: padded, timestamp: 1700000000000 });
    assert.equal(padSecret('abcdefghij'), 'abcdefghij==');
    assert.equal(padSecret('abcd'), 'abcd');
  });

  test('round-trips every split position of the 44-char secret', () => {
    for (let start = 2; start < 44; start++) {
      const token = buildConnectionToken(SECRET, 1712345678901, () => (start + 0.5) / 44);
      assert.deepEqual(
        parseConnectionToken(token),
        { secret: SECRET, timestamp: 1712345678901 },
        `start ${start}`,
      );
    }
  });

  test('rejects structurally invalid tokens', () => {
    assert.equal(parseConnectionToken(''), undefined);
    assert.equal(parseConnectionToken('QBPBH'), undefined, 'header only');
    assert.equal(parseConnectionToken('QAPBH' + VECTOR_1.slice(5)), undefined, 'letter outside the alphabet');
    assert.equal(
      parseConnectionToken('BHHBS' + VECTOR_2.slice(5)),
      undefined,
      'position 155 beyond the payload',
    );
    assert.equal(
      parseConnectionToken('WHDBS' + VECTOR_2.slice(5)),
      undefined,
      'position 256 does not fit a byte',
    );
    assert.equal(
      parseConnectionToken('QBQBS' + 'v3faJy3RCU' + 'BXQQQQQQQQQQA'),
      undefined,
      'bad letter in time',
    );
  });
});

describe('streaming URL (docs/featbit-protocol.md §1.1)', () => {
  test('appends /streaming, strips trailing slashes, rewrites http(s) to ws(s)', () => {
    assert.equal(streamingEndpoint('ws://localhost:5100'), 'ws://localhost:5100/streaming');
    assert.equal(streamingEndpoint('ws://localhost:5100///'), 'ws://localhost:5100/streaming');
    assert.equal(streamingEndpoint('http://127.0.0.1:5100/'), 'ws://127.0.0.1:5100/streaming');
    assert.equal(
      streamingEndpoint('https://flags.example.com/eval'),
      'wss://flags.example.com/eval/streaming',
    );
    assert.equal(streamingEndpoint('wss://flags.example.com'), 'wss://flags.example.com/streaming');
  });

  test('rejects a URI without a supported scheme', () => {
    assert.throws(() => streamingEndpoint('localhost:5100'), TypeError);
    assert.throws(() => streamingEndpoint('ftp://x'), TypeError);
  });

  test('puts type=server and the token in the query, and logs never show the query', () => {
    const url = streamingUrl('ws://h:1/streaming', VECTOR_2);
    assert.equal(url, `ws://h:1/streaming?type=server&token=${VECTOR_2}`);
    assert.equal(new URL(url).searchParams.get('token'), VECTOR_2);
    assert.equal(redactedUrl(url), 'ws://h:1/streaming');
  });
});
