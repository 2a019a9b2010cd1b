/**
 * The admin API's refusals, on Express and on Fastify: 401 on every route without credentials, 403 on every write
 * route in read-only mode, 400 with field paths (DTO and writer), 400 for malformed JSON, 404, 409 on a stale
 * If-Match, 413 above bodyLimit even when the platform's parser would take more, and 503 when the storage fails —
 * each time with nothing changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/index.js';
import {
  ADMIN,
  FailingStorage,
  READER_KEY,
  bearer,
  booleanFlag,
  checkoutFlag,
  createAdminApp,
  platforms,
} from './admin-fixtures.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Every write route, each with a body that would be accepted. */
const WRITE_ROUTES: ReadonlyArray<[Method, string, object | undefined]> = [
  ['post', '/flags', booleanFlag('new-flag')],
  ['put', '/flags/checkout-v2', { ...checkoutFlag(), name: 'renamed' }],
  ['patch', '/flags/checkout-v2', { enabled: false }],
  ['delete', '/flags/checkout-v2', undefined],
  ['post', '/segments', { id: 'new-segment' }],
  ['put', '/segments/beta', { id: 'beta', included: ['zoe'] }],
  ['delete', '/segments/beta', undefined],
  ['put', '/switches/reports', { state: 'disabled' }],
  ['patch', '/switches/reports', { state: 'disabled' }],
  ['delete', '/switches/reports', undefined],
  ['post', '/import', { featureFlags: [booleanFlag('imported')] }],
];

/** Every read route. */
const READ_ROUTES: ReadonlyArray<[Method, string, object | undefined]> = [
  ['get', '/flags', undefined],
  ['get', '/flags/checkout-v2', undefined],
  ['get', '/segments', undefined],
  ['get', '/segments/beta', undefined],
  ['get', '/switches', undefined],
  ['get', '/switches/reports', undefined],
  ['post', '/evaluate', { user: { key: 'u1' } }],
  ['get', '/export', undefined],
  ['get', '/experiments/checkout-v2?event=purchase', undefined],
  ['get', '/audit', undefined],
  ['get', '/audit/stream', undefined],
];

/** A flag, a segment (not used by the flag) and a switch to act on. */
async function seed(app: INestApplication): Promise<void> {
  const http = request(app.getHttpServer());
  await http
    .post(`${ADMIN}/flags`)
    .set(...bearer())
    .send(checkoutFlag())
    .expect(201);
  await http
    .post(`${ADMIN}/segments`)
    .set(...bearer())
    .send({ id: 'beta', included: ['ann'] })
    .expect(201);
  await http
    .put(`${ADMIN}/switches/reports`)
    .set(...bearer())
    .send({ state: 'global' })
    .expect(200);
}

const send = (
  app: INestApplication,
  [method, path, body]: [Method, string, object | undefined],
): request.Test => {
  const req = request(app.getHttpServer())[method](`${ADMIN}${path}`);
  return body === undefined ? req : req.send(body);
};

const snapshotOf = (app: INestApplication): string =>
  JSON.stringify(app.get(FeatureFlagClient).store.snapshot());

for (const platform of platforms) {
  test(`${platform}: every route answers 401 without valid credentials, and nothing changes`, async () => {
    const app = await createAdminApp(platform);
    try {
      await seed(app);
      const before = snapshotOf(app);
      for (const route of [...READ_ROUTES, ...WRITE_ROUTES]) {
        for (const credentials of [
          undefined,
          ['Authorization', 'Bearer wrong-key-0123456789'],
          ['x-api-key', 'nope'],
        ]) {
          const req = send(app, route);
          if (credentials) req.set(credentials[0], credentials[1]);
          const res = await req;
          assert.equal(res.status, 401, `${route[0]} ${route[1]} with ${String(credentials)}: ${res.status}`);
          assert.match(res.body.message, /Authorization: Bearer <key>/);
        }
      }
      assert.equal(snapshotOf(app), before);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: read-only keys and read-only mode answer 403 on every write route, reads still work`, async () => {
    const app = await createAdminApp(platform);
    const readOnly = await createAdminApp(platform, { admin: { readOnly: true } });
    try {
      await seed(app);
      // The read-only app is seeded through its client: its admin API refuses writes.
      const client = readOnly.get(FeatureFlagClient);
      await client.writer.createFlag(checkoutFlag() as never);
      await client.writer.createSegment({ id: 'beta', included: ['ann'] });
      await client.writer.putSwitch({ name: 'reports', state: 'global' });
      for (const [target, key, reason] of [
        [app, READER_KEY, /credentials of 'rob' are read-only/],
        [readOnly, undefined, /admin API is read-only/],
      ] as const) {
        const before = snapshotOf(target);
        for (const route of WRITE_ROUTES) {
          const res = await send(target, route).set(...bearer(key));
          assert.equal(res.status, 403, `${route[0]} ${route[1]}: ${JSON.stringify(res.body)}`);
          assert.match(res.body.message, reason);
        }
        assert.equal(snapshotOf(target), before, 'nothing was written');
        for (const route of READ_ROUTES.filter(([, path]) => !path.startsWith('/audit/stream'))) {
          const res = await send(target, route).set(...bearer(key));
          const expected = route[1].startsWith('/experiments') ? 404 : 200; // experiments are off in these apps
          assert.equal(res.status, expected, `${route[0]} ${route[1]}: ${res.status}`);
        }
      }
    } finally {
      await app.close();
      await readOnly.close();
    }
  });

  test(`${platform}: invalid bodies answer 400 with field paths, and nothing changes`, async () => {
    const app = await createAdminApp(platform);
    const http = request(app.getHttpServer());
    try {
      await seed(app);
      const before = snapshotOf(app);
      const fields = async (req: request.Test): Promise<string[]> => {
        const res = await req.set(...bearer());
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(typeof res.body.message, 'string');
        return (res.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
      };
      const badRule = {
        ...checkoutFlag(),
        rules: [
          {
            name: 'r',
            conditions: [
              { property: 'country', op: 'Equal', value: 'FR' },
              { property: 'age', op: 'Around', value: '3' },
            ],
            variations: [{ id: 'v-control', rollout: [0, 2] }],
          },
        ],
      };
      assert.deepEqual(await fields(http.put(`${ADMIN}/flags/checkout-v2`).send(badRule)), [
        'rules.0.conditions.1.op',
        'rules.0.variations.0.rollout',
      ]);
      assert.deepEqual(
        await fields(
          http.post(`${ADMIN}/flags`).send({ ...checkoutFlag('x'), isEnabled: 'yes', surprise: 1 }),
        ),
        ['isEnabled', 'surprise'],
      );
      assert.deepEqual(
        await fields(http.post(`${ADMIN}/flags`).send({ ...checkoutFlag(), key: 'bad key!' })),
        ['key'],
      );
      // What only the writer can tell (a variation id that points nowhere), with the writer's field, in dot form.
      const dangling = {
        ...checkoutFlag(),
        rules: [
          {
            name: 'r',
            conditions: [{ property: 'email', op: 'MatchRegex', value: '(' }],
            variations: [{ id: 'v-control', rollout: [0, 1] }],
          },
        ],
      };
      assert.deepEqual(await fields(http.put(`${ADMIN}/flags/checkout-v2`).send(dangling)), [
        'rules.0.conditions.0.value',
      ]);
      assert.deepEqual(
        await fields(
          http.put(`${ADMIN}/flags/checkout-v2`).send({ ...checkoutFlag(), disabledVariationId: 'ghost' }),
        ),
        ['disabledVariationId'],
      );
      assert.deepEqual(await fields(http.put(`${ADMIN}/flags/other-key`).send(checkoutFlag())), ['key']);
      assert.deepEqual(
        await fields(
          http.patch(`${ADMIN}/flags/checkout-v2`).send({ rollout: { control: 50, treatment: 40 } }),
        ),
        ['fallthrough'],
      );
      assert.deepEqual(
        await fields(
          http.patch(`${ADMIN}/flags/checkout-v2`).send({ addTarget: { variation: 'nope', userKey: 'u' } }),
        ),
        ['targetUsers'],
      );
      assert.deepEqual(
        await fields(http.patch(`${ADMIN}/flags/checkout-v2`).send({ addTarget: { variation: 'control' } })),
        ['addTarget.userKey'],
      );
      const twoEdits = await http
        .patch(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer())
        .send({ enabled: true, fallthrough: 'control' });
      assert.equal(twoEdits.status, 400);
      assert.match(twoEdits.body.message, /exactly one edit/);
      assert.deepEqual(
        await fields(
          http.put(`${ADMIN}/switches/reports`).send({
            state: 'sometimes',
            conditions: [{ argument: 'User', attribute: 'plan', operator: 'equals' }],
          }),
        ),
        ['conditions.0.operator', 'state'],
      );
      const unknownOperator = await http
        .put(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .send({
          state: 'selective',
          conditions: [{ argument: 'Nobody', attribute: 'x', operator: { name: 'equals' } }],
        });
      assert.equal(unknownOperator.status, 400, JSON.stringify(unknownOperator.body));
      assert.deepEqual(
        await fields(
          http
            .post(`${ADMIN}/import`)
            .send({ featureFlags: [checkoutFlag('a'), { ...checkoutFlag('b'), variations: [{ id: 1 }] }] }),
        ),
        ['featureFlags.1.variations.0.id', 'featureFlags.1.variations.0.value'],
      );
      await http
        .get(`${ADMIN}/flags?enabled=maybe`)
        .set(...bearer())
        .expect(400);
      const badIfMatch = await http
        .put(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer())
        .set('If-Match', 'yesterday')
        .send(checkoutFlag());
      assert.equal(badIfMatch.status, 400);
      assert.match(badIfMatch.body.message, /If-Match must be the ETag/);

      for (const path of ['/flags', '/segments', '/import', '/evaluate']) {
        const malformed = await http
          .post(`${ADMIN}${path}`)
          .set(...bearer())
          .set('content-type', 'application/json')
          .send('{"key": "x", ');
        assert.equal(malformed.status, 400, `${path}: ${malformed.status}`);
        assert.match(malformed.headers['content-type'], /json/);
      }
      assert.equal(snapshotOf(app), before);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: unknown records answer 404, stale If-Match 409, and nothing changes`, async () => {
    const app = await createAdminApp(platform);
    const http = request(app.getHttpServer());
    try {
      await seed(app);
      for (const [method, path, body] of [
        ['get', '/flags/ghost', undefined],
        ['put', '/flags/ghost', checkoutFlag('ghost')],
        ['patch', '/flags/ghost', { enabled: true }],
        ['delete', '/flags/ghost', undefined],
        ['get', '/segments/ghost', undefined],
        ['put', '/segments/ghost', { id: 'ghost' }],
        ['delete', '/segments/ghost', undefined],
        ['get', '/switches/ghost', undefined],
        ['patch', '/switches/ghost', { state: 'global' }],
        ['delete', '/switches/ghost', undefined],
        ['post', '/evaluate', { flagKey: 'ghost', user: { key: 'u' } }],
      ] as Array<[Method, string, object | undefined]>) {
        const res = await send(app, [method, path, body]).set(...bearer());
        assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.message, /ghost/);
      }

      const read = await http.get(`${ADMIN}/flags/checkout-v2`).set(...bearer());
      const stale = read.headers.etag as string;
      await http
        .patch(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer())
        .send({ enabled: false })
        .expect(200);
      const before = snapshotOf(app);
      const current = app.get(FeatureFlagClient).store.record('flag', 'checkout-v2')?.version;
      for (const [method, body] of [
        ['put', { ...checkoutFlag(), name: 'late' }],
        ['patch', { enabled: true }],
        ['delete', undefined],
      ] as Array<[Method, object | undefined]>) {
        const res = await send(app, [method, '/flags/checkout-v2', body])
          .set(...bearer())
          .set('If-Match', stale);
        assert.equal(res.status, 409, `${method}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.message, /Write conflict on 'checkout-v2'.*read it again and retry/);
        assert.equal(res.body.expectedVersion, Number(stale.replace(/"/g, '')));
        assert.equal(res.body.actualVersion, current);
      }
      const segment = await http.get(`${ADMIN}/segments/beta`).set(...bearer());
      await http
        .put(`${ADMIN}/segments/beta`)
        .set(...bearer())
        .send({ id: 'beta', included: ['x'] })
        .expect(200);
      await http
        .put(`${ADMIN}/segments/beta`)
        .set(...bearer())
        .set('If-Match', segment.headers.etag)
        .send({ id: 'beta', included: ['y'] })
        .expect(409);
      const sw = await http.get(`${ADMIN}/switches/reports`).set(...bearer());
      await http
        .patch(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .send({ state: 'disabled' })
        .expect(200);
      for (const [method, body] of [
        ['put', { state: 'global' }],
        ['patch', { state: 'global' }],
        ['delete', undefined],
      ] as Array<[Method, object | undefined]>) {
        const res = await send(app, [method, '/switches/reports', body])
          .set(...bearer())
          .set('If-Match', sw.headers.etag);
        assert.equal(res.status, 409, `${method} switch: ${JSON.stringify(res.body)}`);
      }
      const afterSegmentAndSwitch = snapshotOf(app);
      assert.notEqual(afterSegmentAndSwitch, before); // the unconditional writes above went through
      const flagDoc = JSON.parse(afterSegmentAndSwitch).featureFlags[0];
      assert.equal(flagDoc.name, 'Checkout v2');
      assert.equal(flagDoc.isEnabled, false);
      // Creating a key that exists is a conflict too.
      await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(checkoutFlag())
        .expect(409);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: a 2 MiB body answers 413 even when the platform's parser takes 10 MiB`, async () => {
    const app = await createAdminApp(platform, { platformBodyLimit: 10 * 1024 * 1024 });
    const small = await createAdminApp(platform, {
      platformBodyLimit: 10 * 1024 * 1024,
      admin: { bodyLimit: 4096 },
    });
    const defaults = await createAdminApp(platform);
    const http = request(app.getHttpServer());
    try {
      const before = snapshotOf(app);
      // A valid JSON flag document padded to 2 MiB.
      const flag = JSON.stringify({ ...checkoutFlag(), description: '' });
      const twoMiB = flag.replace(
        '"description":""',
        `"description":"${'x'.repeat(2 * 1024 * 1024 - flag.length)}"`,
      );
      assert.equal(Buffer.byteLength(twoMiB), 2 * 1024 * 1024);
      const res = await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .set('content-type', 'application/json')
        .send(twoMiB);
      assert.equal(res.status, 413, JSON.stringify(res.body).slice(0, 300));
      assert.match(res.body.message, /2097152 bytes; the admin API accepts at most 1048576/);
      assert.equal(snapshotOf(app), before);

      // About 900 KiB (a flag targeting 16,000 users) fits: the platform takes it, and so does the module.
      const keyIds = Array.from({ length: 16_000 }, (_, i) => `user-${i}-${'x'.repeat(40)}`);
      const fits = { ...checkoutFlag(), targetUsers: [{ variationId: 'v-treatment', keyIds }] };
      const size = Buffer.byteLength(JSON.stringify(fits));
      assert.ok(size > 800 * 1024 && size < 1024 * 1024, String(size));
      const ok = await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(fits);
      assert.equal(ok.status, 201, JSON.stringify(ok.body).slice(0, 300));
      assert.equal(
        app.get(FeatureFlagClient).stringVariation('checkout-v2', { key: keyIds[15_999] }, 'x'),
        'treatment',
      );

      const limited = await request(small.getHttpServer())
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(fits);
      assert.equal(limited.status, 413);
      assert.match(limited.body.message, /at most 4096/);
      // With the platforms' default parser limits, 2 MiB is refused as well (by whichever limit is lower).
      const byDefault = await request(defaults.getHttpServer())
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .set('content-type', 'application/json')
        .send(twoMiB);
      assert.equal(byDefault.status, 413);
    } finally {
      await app.close();
      await small.close();
      await defaults.close();
    }
  });

  test(`${platform}: a failing storage answers 503 with a clear message, and nothing is half-written`, async () => {
    const storage = new FailingStorage();
    const app = await createAdminApp(platform, { flags: { storage } });
    const http = request(app.getHttpServer());
    try {
      await seed(app);
      const before = snapshotOf(app);
      const stored = JSON.stringify(storage.inner.load());
      const audit = (await http.get(`${ADMIN}/audit`).set(...bearer())).body.count;
      storage.failing = true;
      for (const route of WRITE_ROUTES) {
        const attempts = storage.attempts;
        const res = await send(app, route).set(...bearer());
        assert.equal(res.status, 503, `${route[0]} ${route[1]}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.message, /storage failed; nothing was written.*disk unavailable/);
        assert.ok(storage.attempts > attempts, 'the write reached the storage');
      }
      assert.equal(snapshotOf(app), before, 'the store is unchanged');
      assert.equal(JSON.stringify(storage.inner.load()), stored, 'the storage is unchanged');
      assert.equal((await http.get(`${ADMIN}/audit`).set(...bearer())).body.count, audit, 'no audit entry');
      storage.failing = false;
      await http
        .patch(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer())
        .send({ enabled: false })
        .expect(200);
    } finally {
      await app.close();
    }
  });
}
