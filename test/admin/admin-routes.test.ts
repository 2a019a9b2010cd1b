/**
 * Every admin route's happy path, on Express and on Fastify: flags, segments and switches read and written (with
 * versions as ETags), evaluation with reasons, export/import, experiments, the audit log (with the caller as the
 * actor) and its live stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/index.js';
import {
  ADMIN,
  PLAIN_KEY,
  bearer,
  booleanFlag,
  checkoutFlag,
  createAdminApp,
  platforms,
} from './admin-fixtures.js';
import { UserArguments } from '../nest/fixtures.js';
import { createHash } from 'node:crypto';

/** The audit actor of a key given without one: `api-key:` and the first 8 hex digits of its SHA-256. */
const PLAIN_ACTOR = `api-key:${createHash('sha256').update(PLAIN_KEY).digest('hex').slice(0, 8)}`;

for (const platform of platforms) {
  test(`${platform}: flags are created, read with their ETag, replaced, edited, listed and archived`, async () => {
    const app = await createAdminApp(platform);
    const client = app.get(FeatureFlagClient);
    const http = request(app.getHttpServer());
    try {
      const created = await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(checkoutFlag());
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.previousVersion, null);
      assert.equal(created.headers.etag, `"${created.body.version}"`);
      assert.equal(created.body.audit.actor, 'ann');
      assert.equal(client.stringVariation('checkout-v2', { key: 'u1' }, 'none'), 'control');

      const read = await http.get(`${ADMIN}/flags/checkout-v2`).set(...bearer());
      assert.equal(read.status, 200);
      assert.equal(read.headers.etag, created.headers.etag);
      assert.equal(read.body.version, created.body.version);
      assert.equal(read.body.data.name, 'Checkout v2');

      // PUT the document read back, changed, on the version read.
      const doc = {
        ...read.body.data,
        name: 'Checkout (new)',
        fallthrough: { variations: [{ id: 'v-treatment', rollout: [0, 1] }] },
      };
      const replaced = await http
        .put(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer())
        .set('If-Match', read.headers.etag)
        .send(doc);
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(replaced.body.previousVersion, created.body.version);
      assert.ok(replaced.body.version > created.body.version);
      assert.equal(replaced.headers.etag, `"${replaced.body.version}"`);
      assert.equal(client.stringVariation('checkout-v2', { key: 'u1' }, 'none'), 'treatment');

      // PATCH: one edit each.
      const patch = async (body: object): Promise<request.Response> => {
        const res = await http
          .patch(`${ADMIN}/flags/checkout-v2`)
          .set(...bearer())
          .send(body);
        assert.equal(res.status, 200, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
        assert.equal(res.headers.etag, `"${res.body.version}"`);
        return res;
      };
      await patch({ fallthrough: 'control' });
      assert.equal(client.stringVariation('checkout-v2', { key: 'u1' }, 'none'), 'control');
      await patch({ addTarget: { variation: 'treatment', userKey: 'vip' } });
      assert.equal(client.variationDetail('checkout-v2', { key: 'vip' }, 'none').kind, 'TargetMatch');
      assert.equal(client.stringVariation('checkout-v2', { key: 'vip' }, 'none'), 'treatment');
      await patch({ removeTarget: { userKey: 'vip' } });
      assert.equal(client.stringVariation('checkout-v2', { key: 'vip' }, 'none'), 'control');
      const split = await patch({ rollout: { control: 50, treatment: 50 }, experiment: true });
      assert.equal(split.body.data.fallthrough.includedInExpt, true);
      const served = new Set<string>();
      for (let i = 0; i < 200; i++)
        served.add(client.stringVariation('checkout-v2', { key: `u${i}` }, 'none'));
      assert.deepEqual([...served].sort(), ['control', 'treatment']);
      const off = await patch({ enabled: false });
      assert.equal(off.body.data.isEnabled, false);
      assert.equal(client.variationDetail('checkout-v2', { key: 'u1' }, 'none').reason, 'flag off');

      await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(booleanFlag('dark-mode'))
        .expect(201);
      const all = await http.get(`${ADMIN}/flags`).set(...bearer());
      assert.deepEqual(
        all.body.items.map((f: { key: string }) => f.key),
        ['checkout-v2', 'dark-mode'],
      );
      const enabled = await http.get(`${ADMIN}/flags?enabled=true`).set(...bearer());
      assert.deepEqual(
        enabled.body.items.map((f: { key: string }) => f.key),
        ['dark-mode'],
      );
      const byName = await http.get(`${ADMIN}/flags?q=NEW`).set(...bearer());
      assert.deepEqual(
        byName.body.items.map((f: { key: string }) => f.key),
        ['checkout-v2'],
      );

      const archived = await http.delete(`${ADMIN}/flags/dark-mode`).set(...bearer());
      assert.equal(archived.status, 200);
      assert.equal(archived.body.data.isArchived, true);
      assert.equal(archived.body.audit.action, 'archive');
      assert.equal(client.isFlagKnown('dark-mode'), false);
      await http
        .get(`${ADMIN}/flags/dark-mode`)
        .set(...bearer())
        .expect(404);
      const withArchived = await http.get(`${ADMIN}/flags?archived=true`).set(...bearer());
      assert.deepEqual(
        withArchived.body.items.map((f: { key: string; isArchived: boolean }) => [f.key, f.isArchived]),
        [
          ['checkout-v2', false],
          ['dark-mode', true],
        ],
      );
      const list = await http.get(`${ADMIN}/flags`).set(...bearer());
      assert.deepEqual(
        list.body.items.map((f: { key: string }) => f.key),
        ['checkout-v2'],
      );
    } finally {
      await app.close();
    }
  });

  test(`${platform}: segments are created, used by a flag, replaced, listed and archived`, async () => {
    const app = await createAdminApp(platform);
    const client = app.get(FeatureFlagClient);
    const http = request(app.getHttpServer());
    try {
      const segment = { id: 'beta', name: 'Beta testers', included: ['ann'], excluded: [], rules: [] };
      const created = await http
        .post(`${ADMIN}/segments`)
        .set(...bearer())
        .send(segment);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const flag = {
        ...checkoutFlag(),
        rules: [
          {
            name: 'beta users',
            conditions: [{ property: 'User is in segment', op: null, value: '["beta"]' }],
            variations: [{ id: 'v-treatment', rollout: [0, 1] }],
          },
        ],
      };
      await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(flag)
        .expect(201);
      assert.equal(client.stringVariation('checkout-v2', { key: 'ann' }, 'x'), 'treatment');

      const read = await http.get(`${ADMIN}/segments/beta`).set(...bearer());
      assert.equal(read.headers.etag, `"${created.body.version}"`);
      const replaced = await http
        .put(`${ADMIN}/segments/beta`)
        .set(...bearer())
        .set('If-Match', read.headers.etag)
        .send({ ...read.body.data, included: ['bob'] });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(client.stringVariation('checkout-v2', { key: 'ann' }, 'x'), 'control');
      assert.equal(client.stringVariation('checkout-v2', { key: 'bob' }, 'x'), 'treatment');

      const list = await http.get(`${ADMIN}/segments?q=beta`).set(...bearer());
      assert.deepEqual(
        list.body.items.map((s: { id: string; included: number }) => [s.id, s.included]),
        [['beta', 1]],
      );

      // In use: refused (400, naming the flag); after the flag goes, archived.
      const refused = await http.delete(`${ADMIN}/segments/beta`).set(...bearer());
      assert.equal(refused.status, 400);
      assert.match(refused.body.message, /used by flag\(s\) checkout-v2/);
      await http
        .delete(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer())
        .expect(200);
      const archived = await http.delete(`${ADMIN}/segments/beta`).set(...bearer());
      assert.equal(archived.status, 200, JSON.stringify(archived.body));
      assert.equal(archived.body.data.isArchived, true);
      await http
        .get(`${ADMIN}/segments/beta`)
        .set(...bearer())
        .expect(404);
      assert.equal((await http.get(`${ADMIN}/segments`).set(...bearer())).body.count, 0);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: switches are put, read, edited, copied and deleted with their descendants`, async () => {
    const app = await createAdminApp(platform, { flags: { arguments: [UserArguments as never] } });
    const client = app.get(FeatureFlagClient);
    const http = request(app.getHttpServer());
    try {
      const pro = {
        state: 'selective',
        label: 'Pro users',
        conditions: [{ argument: 'User', attribute: 'plan', operator: { name: 'equals', value: 'pro' } }],
      };
      const created = await http
        .put(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .send(pro);
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.audit.action, 'create');
      assert.equal(client.active('reports', { key: 'a', name: 'a', plan: 'pro' }), true);
      assert.equal(client.active('reports', { key: 'b', name: 'b', plan: 'free' }), false);
      await http
        .put(`${ADMIN}/switches/reports:export`)
        .set(...bearer())
        .send({ state: 'global' })
        .expect(200);
      await http
        .put(`${ADMIN}/switches/reports:export:csv`)
        .set(...bearer())
        .send({ state: 'global' })
        .expect(200);
      await http
        .put(`${ADMIN}/switches/audit`)
        .set(...bearer())
        .send({ state: 'selective' })
        .expect(200);

      const read = await http.get(`${ADMIN}/switches/reports`).set(...bearer());
      assert.equal(read.status, 200);
      assert.equal(read.headers.etag, `"${created.body.version}"`);
      assert.equal(read.body.data.label, 'Pro users');
      // The record read back can be PUT back as it is.
      const again = await http
        .put(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .set('If-Match', read.headers.etag)
        .send({ ...read.body.data, label: 'Pro plan' });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.audit.action, 'update');

      const list = await http.get(`${ADMIN}/switches`).set(...bearer());
      assert.deepEqual(
        list.body.items.map((s: { name: string }) => s.name),
        ['audit', 'reports', 'reports:export', 'reports:export:csv'],
      );
      assert.equal((await http.get(`${ADMIN}/switches?namespace=other`).set(...bearer())).body.count, 0);

      const copied = await http
        .patch(`${ADMIN}/switches/audit`)
        .set(...bearer())
        .send({ copyConditionsFrom: 'reports' });
      assert.equal(copied.status, 200, JSON.stringify(copied.body));
      assert.equal(client.active('audit', { key: 'a', name: 'a', plan: 'pro' }), true);
      const disabled = await http
        .patch(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .send({ state: 'disabled' });
      assert.equal(disabled.status, 200);
      assert.equal(client.active('reports:export:csv'), false, 'concent: the parent is off');
      await http
        .patch(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .send({ state: 'global' })
        .expect(200);
      assert.equal(client.active('reports:export:csv'), true);

      const deleted = await http.delete(`${ADMIN}/switches/reports:export`).set(...bearer());
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.deepEqual(
        deleted.body.deleted.map((d: { key: string }) => d.key),
        ['default.reports:export:csv', 'default.reports:export'],
      );
      assert.equal(client.manager.has('reports:export'), false);
      assert.equal(client.manager.has('reports:export:csv'), false);
      assert.equal(client.manager.has('reports'), true);
      await http
        .get(`${ADMIN}/switches/reports:export`)
        .set(...bearer())
        .expect(404);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: evaluation answers for one flag, all flags and a switch, with reasons`, async () => {
    const app = await createAdminApp(platform, { flags: { arguments: [UserArguments as never] } });
    const http = request(app.getHttpServer());
    try {
      const flag = {
        ...checkoutFlag(),
        targetUsers: [{ variationId: 'v-treatment', keyIds: ['vip'] }],
        rules: [
          {
            name: 'french users',
            conditions: [{ property: 'country', op: 'Equal', value: 'FR' }],
            variations: [{ id: 'v-treatment', rollout: [0, 1] }],
          },
        ],
      };
      await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(flag)
        .expect(201);
      await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(booleanFlag('dark-mode'))
        .expect(201);
      const evaluate = (body: object): request.Test =>
        http
          .post(`${ADMIN}/evaluate`)
          .set(...bearer())
          .send(body);

      const target = await evaluate({ flagKey: 'checkout-v2', user: { key: 'vip' } });
      assert.equal(target.status, 200, JSON.stringify(target.body));
      assert.deepEqual(target.body, {
        flagKey: 'checkout-v2',
        value: 'treatment',
        kind: 'TargetMatch',
        reason: 'target match',
        variationId: 'v-treatment',
        sendToExperiment: true, // exptIncludeAllTargets: targeted users count in experiments (FeatBit)
      });
      const rule = await evaluate({ flagKey: 'checkout-v2', user: { key: 'u1', country: 'FR' } });
      assert.equal(rule.body.kind, 'RuleMatch');
      assert.equal(rule.body.reason, 'match rule french users');
      const all = await evaluate({ user: { key: 'u2', country: 'DE' } });
      assert.deepEqual(
        all.body.flags.map((f: { flagKey: string; value: unknown; kind: string }) => [
          f.flagKey,
          f.value,
          f.kind,
        ]),
        [
          ['checkout-v2', 'control', 'FallThrough'],
          ['dark-mode', true, 'FallThrough'],
        ],
      );
      await evaluate({ flagKey: 'ghost', user: { key: 'u' } }).expect(404);

      await http
        .put(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .send({
          state: 'selective',
          conditions: [{ argument: 'User', attribute: 'plan', operator: { name: 'equals', value: 'pro' } }],
        })
        .expect(200);
      await http
        .put(`${ADMIN}/switches/reports:pdf`)
        .set(...bearer())
        .send({ state: 'global' })
        .expect(200);
      const pro = await evaluate({ switch: 'reports', inputs: [{ key: 'a', name: 'a', plan: 'pro' }] });
      assert.equal(pro.status, 200, JSON.stringify(pro.body));
      assert.equal(pro.body.active, true);
      assert.equal(pro.body.state, 'selective');
      assert.deepEqual(pro.body.conditions[0].inputs, [{ input: 0, applies: true, result: true }]);
      assert.match(pro.body.explanation, /^Active: the condition\(s\) User\.plan is /);
      const free = await evaluate({
        switch: 'reports',
        inputs: [{ key: 'b', name: 'b', plan: 'free' }, 'not a user'],
      });
      assert.equal(free.body.active, false);
      assert.deepEqual(free.body.conditions[0].inputs, [
        { input: 0, applies: true, result: false },
        { input: 1, applies: false, result: null },
      ]);
      assert.equal(free.body.explanation, 'Inactive: no condition holds for these inputs.');
      const child = await evaluate({
        switch: 'reports:pdf',
        inputs: [{ key: 'b', name: 'b', plan: 'free' }],
      });
      assert.equal(child.body.active, false);
      assert.deepEqual(child.body.parent, { name: 'reports', active: false });
      assert.match(child.body.explanation, /parent 'reports' is inactive/);
      await evaluate({ switch: 'ghost', inputs: [] }).expect(404);
      await evaluate({ switch: 'reports', user: { key: 'x' } }).expect(400);
    } finally {
      await app.close();
    }
  });

  test(`${platform}: export gives FeatBit JSON that imports into another app, atomically`, async () => {
    const source = await createAdminApp(platform);
    const target = await createAdminApp(platform);
    try {
      const from = request(source.getHttpServer());
      await from
        .post(`${ADMIN}/segments`)
        .set(...bearer())
        .send({ id: 'beta', included: ['ann'] })
        .expect(201);
      await from
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(checkoutFlag())
        .expect(201);
      await from
        .put(`${ADMIN}/switches/reports`)
        .set(...bearer())
        .send({ state: 'global' })
        .expect(200);
      const exported = await from.get(`${ADMIN}/export`).set(...bearer());
      assert.equal(exported.status, 200);
      assert.match(exported.headers['content-type'], /application\/json/);
      assert.deepEqual(Object.keys(exported.body).sort(), ['featureFlags', 'segments', 'switches']);
      assert.deepEqual(
        exported.body.featureFlags.map((f: { key: string }) => f.key),
        ['checkout-v2'],
      );
      assert.deepEqual(
        exported.body.segments.map((s: { id: string }) => s.id),
        ['beta'],
      );
      assert.deepEqual(
        exported.body.switches.map((s: { key: string }) => s.key),
        ['default.reports'],
      );

      const to = request(target.getHttpServer());
      const imported = await to
        .post(`${ADMIN}/import`)
        .set(...bearer())
        .send(exported.body);
      assert.equal(imported.status, 200, JSON.stringify(imported.body));
      assert.equal(imported.body.imported, 3);
      const client = target.get(FeatureFlagClient);
      assert.equal(client.stringVariation('checkout-v2', { key: 'u' }, 'none'), 'control');
      assert.equal(client.active('reports'), true);
      const audit = await to.get(`${ADMIN}/audit`).set(...bearer());
      assert.deepEqual(
        audit.body.items.map((e: { action: string; actor: string }) => [e.action, e.actor]),
        [
          ['import', 'ann'],
          ['import', 'ann'],
          ['import', 'ann'],
        ],
      );

      // One bad record refuses the whole import, naming it.
      const bad = await to
        .post(`${ADMIN}/import`)
        .set(...bearer())
        .send({
          featureFlags: [booleanFlag('fine'), { ...booleanFlag('broken'), disabledVariationId: 'ghost' }],
        });
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.equal(bad.body.errors[0].field, 'featureFlags.1.disabledVariationId');
      assert.equal(client.isFlagKnown('fine'), false);
    } finally {
      await source.close();
      await target.close();
    }
  });

  test(`${platform}: the audit log names the caller, filters, and streams every write as server-sent events`, async () => {
    const app = await createAdminApp(platform);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const http = request(app.getHttpServer());
    const abort = new AbortController();
    try {
      const stream = await fetch(`${url}${ADMIN}/audit/stream`, {
        headers: { authorization: `Bearer ${PLAIN_KEY}` },
        signal: abort.signal,
      });
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();

      await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(checkoutFlag())
        .expect(201);
      await http
        .patch(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer(PLAIN_KEY))
        .send({ enabled: false })
        .expect(200);
      await http
        .put(`${ADMIN}/switches/beta`)
        .set('x-api-key', PLAIN_KEY)
        .send({ state: 'global' })
        .expect(200);

      let text = '';
      const decoder = new TextDecoder();
      while ((text.match(/^data: /gm) ?? []).length < 3) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      const events = text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as { actor: string; action: string; key: string });
      assert.deepEqual(
        events.map((e) => [e.actor, e.action, e.key]),
        [
          ['ann', 'create', 'checkout-v2'],
          [PLAIN_ACTOR, 'update', 'checkout-v2'],
          [PLAIN_ACTOR, 'create', 'default.beta'],
        ],
      );
      assert.match(text, /^event: audit$/m);

      const all = await http.get(`${ADMIN}/audit`).set(...bearer());
      assert.deepEqual(
        all.body.items.map((e: { actor: string; key: string }) => [e.actor, e.key]),
        [
          [PLAIN_ACTOR, 'default.beta'],
          [PLAIN_ACTOR, 'checkout-v2'],
          ['ann', 'checkout-v2'],
        ],
      );
      const flagsOnly = await http.get(`${ADMIN}/audit?kind=flag&limit=1`).set(...bearer());
      assert.equal(flagsOnly.body.count, 1);
      assert.equal(flagsOnly.body.items[0].action, 'update');
      assert.deepEqual(flagsOnly.body.items[0].changes, [
        { op: 'change', path: '/isEnabled', from: true, to: false },
      ]);
      const byKey = await http.get(`${ADMIN}/audit?key=default.beta`).set(...bearer());
      assert.deepEqual(
        byKey.body.items.map((e: { action: string }) => e.action),
        ['create'],
      );
      await http
        .get(`${ADMIN}/audit?kind=thing`)
        .set(...bearer())
        .expect(400);
      await http
        .get(`${ADMIN}/audit?limit=0`)
        .set(...bearer())
        .expect(400);
    } finally {
      abort.abort();
      await app.close();
    }
  });

  test(`${platform}: experiment results for a flag, and clear answers when experiments are off`, async () => {
    const app = await createAdminApp(platform, { flags: { experiments: true } });
    const off = await createAdminApp(platform);
    try {
      const http = request(app.getHttpServer());
      const client = app.get(FeatureFlagClient);
      await http
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(checkoutFlag())
        .expect(201);
      await http
        .patch(`${ADMIN}/flags/checkout-v2`)
        .set(...bearer())
        .send({ rollout: { control: 50, treatment: 50 }, experiment: true })
        .expect(200);
      // 40 users see the flag; the first 10 of them buy.
      for (let i = 0; i < 40; i++) client.stringVariation('checkout-v2', { key: `user-${i}` }, 'none');
      for (let i = 0; i < 10; i++) client.trackMetric({ key: `user-${i}` }, 'purchase', 1);
      const result = await http.get(`${ADMIN}/experiments/checkout-v2?event=purchase`).set(...bearer());
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.equal(result.body.flagKey, 'checkout-v2');
      assert.equal(result.body.exposures, 40);
      assert.equal(result.body.conversions, 10);
      const noEvent = await http.get(`${ADMIN}/experiments/checkout-v2`).set(...bearer());
      assert.equal(noEvent.status, 400);
      assert.equal(noEvent.body.errors[0].field, 'event');
      await http
        .get(`${ADMIN}/experiments/ghost?event=purchase`)
        .set(...bearer())
        .expect(404);

      const offHttp = request(off.getHttpServer());
      await offHttp
        .post(`${ADMIN}/flags`)
        .set(...bearer())
        .send(checkoutFlag())
        .expect(201);
      const disabled = await offHttp.get(`${ADMIN}/experiments/checkout-v2?event=purchase`).set(...bearer());
      assert.equal(disabled.status, 404);
      assert.match(disabled.body.message, /experiments: true/);
    } finally {
      await app.close();
      await off.close();
    }
  });
}
