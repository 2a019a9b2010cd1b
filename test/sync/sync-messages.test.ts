import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SyncMessageError } from '../../lib/sync/streaming-errors.js';
import {
  dataSyncFrame,
  dataSyncRequest,
  parseClientMessage,
  parseServerMessage,
  PING_FRAME,
  PONG_FRAME,
} from '../../lib/sync/sync-messages.js';

describe('server frames (docs/featbit-protocol.md §1.4)', () => {
  test('reads full and patch data-sync bodies; switches ride along when present', () => {
    const full = parseServerMessage(
      '{"messageType":"data-sync","data":{"eventType":"full","featureFlags":[{"key":"a"}],"segments":[],"extra":1}}',
    );
    assert.deepEqual(full, {
      kind: 'data-sync',
      payload: { eventType: 'full', featureFlags: [{ key: 'a' }], segments: [] },
    });
    const patch = parseServerMessage(
      '{"messageType":"Data-Sync","data":{"eventType":"patch","featureFlags":[],"switches":[{"name":"s"}]}}',
    );
    assert.deepEqual(patch, {
      kind: 'data-sync',
      payload: { eventType: 'patch', featureFlags: [], segments: [], switches: [{ name: 's' }] },
    });
  });

  test('pong and unknown message types are recognised, not errors', () => {
    assert.deepEqual(parseServerMessage(PONG_FRAME), { kind: 'pong' });
    assert.deepEqual(parseServerMessage('{"messageType":"echo","data":null}'), {
      kind: 'other',
      messageType: 'echo',
    });
  });

  test('refuses what is not a message, with a reason', () => {
    const bad: Array<[string, RegExp]> = [
      ['not json', /not JSON/],
      ['[1,2]', /an array/],
      ['"text"', /a string/],
      ['{"data":{}}', /messageType/],
      ['{"messageType":"data-sync","data":42}', /data is a number/],
      ['{"messageType":"data-sync","data":{"eventType":"delta","featureFlags":[]}}', /eventType/],
      [
        '{"messageType":"data-sync","data":{"eventType":"full","featureFlags":"x","segments":[]}}',
        /featureFlags/,
      ],
      // A full replaces the store: without its arrays it must not be taken as "nothing".
      ['{"messageType":"data-sync","data":{"eventType":"full","segments":[]}}', /featureFlags' is missing/],
      ['{"messageType":"data-sync","data":{"eventType":"patch","switches":{}}}', /switches/],
    ];
    for (const [frame, reason] of bad) {
      assert.throws(
        () => parseServerMessage(frame),
        (error: unknown) => {
          assert.ok(error instanceof SyncMessageError, frame);
          assert.match(error.message, reason, frame);
          return true;
        },
      );
    }
  });
});

describe('SDK frames', () => {
  test('data-sync carries the timestamp; absent or null data asks for everything', () => {
    assert.deepEqual(parseClientMessage(dataSyncRequest(1700000000123)), {
      kind: 'data-sync',
      timestamp: 1700000000123,
    });
    assert.deepEqual(parseClientMessage('{"messageType":"data-sync","data":{}}'), {
      kind: 'data-sync',
      timestamp: 0,
    });
    assert.deepEqual(parseClientMessage('{"messageType":"data-sync","data":null}'), {
      kind: 'data-sync',
      timestamp: 0,
    });
    assert.throws(
      () => parseClientMessage('{"messageType":"data-sync","data":{"timestamp":"1"}}'),
      SyncMessageError,
    );
    assert.throws(
      () => parseClientMessage('{"messageType":"data-sync","data":{"timestamp":-5}}'),
      SyncMessageError,
    );
  });

  test('ping with null (node/py/go) or {} (.NET) data', () => {
    assert.deepEqual(parseClientMessage(PING_FRAME), { kind: 'ping' });
    assert.deepEqual(parseClientMessage('{"messageType":"ping","data":{}}'), { kind: 'ping' });
  });

  test('the frames the SDK and the server write are the documented JSON', () => {
    assert.deepEqual(JSON.parse(dataSyncRequest(0)), { messageType: 'data-sync', data: { timestamp: 0 } });
    assert.deepEqual(JSON.parse(PING_FRAME), { messageType: 'ping', data: null });
    assert.deepEqual(JSON.parse(PONG_FRAME), { messageType: 'pong', data: {} });
    assert.deepEqual(JSON.parse(dataSyncFrame('patch', { featureFlags: [], segments: [], switches: [] })), {
      messageType: 'data-sync',
      data: { eventType: 'patch', featureFlags: [], segments: [], switches: [] },
    });
  });
});
