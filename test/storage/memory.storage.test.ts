/**
 * MemoryStorage against the behaviour every storage with an audit log shares (`checkAuditLog` in the kit), and
 * its ring's capacity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../lib/index.js';
import { auditEntry, checkAuditLog } from './storage-test-kit.js';

test('MemoryStorage: the shared audit behaviour (newest first, filtered, none on a conflict)', async () => {
  await checkAuditLog(new MemoryStorage());
});

test('MemoryStorage: the ring keeps the newest auditCapacity entries', () => {
  const storage = new MemoryStorage({ auditCapacity: 3 });
  for (let i = 1; i <= 5; i++) {
    storage.write({
      upserts: [{ kind: 'flag', key: 'f', version: i, data: i }],
      audit: [auditEntry(`e${i}`, 'flag', 'f', i)],
    });
  }
  assert.deepEqual(
    storage.readAudit({ limit: 10 }).map((e) => e.id),
    ['e5', 'e4', 'e3'],
  );
});
