import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FeatureFlagClient, silentLogger, type DataSourceContext } from '../../lib/index.js';
import { planFlag } from './fixtures.js';

test('experiments: true computes results from what the client records', async () => {
  const flag = planFlag();
  flag.exptIncludeAllTargets = true;
  const client = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: [flag], segments: [] },
    experiments: true,
    logger: silentLogger,
  });
  // Pro users see treatment (rule), the others control (fallthrough); every result is in the experiment.
  const users = Array.from({ length: 40 }, (_, i) => ({ key: `u${i}`, plan: i % 2 === 0 ? 'pro' : 'free' }));
  for (const user of users) client.stringVariation('checkout', user, 'none');
  // Converters: 12 of the 20 pro users, 4 of the 20 free users.
  users
    .filter((u, i) => (u.plan === 'pro' ? i < 24 : i < 8))
    .forEach((u) => client.trackMetric(u, 'purchase', 10));
  const result = client.experimentResults('checkout', 'purchase', 'v-control');
  const byId = new Map(result.variations.map((v) => [v.variationId, v]));
  assert.equal(byId.get('v-treat')?.exposures, 20);
  assert.equal(byId.get('v-treat')?.conversions, 12);
  assert.equal(byId.get('v-control')?.exposures, 20);
  assert.equal(byId.get('v-control')?.conversions, 4);
  assert.throws(
    () => new FeatureFlagClient({ offline: true, logger: silentLogger }).experimentResults('x', 'y'),
    /experiments: true/,
  );
  await client.close();
});

test('eventsUri + envSecret send insights to FeatBit’s endpoint by default; close() flushes', async () => {
  const bodies: unknown[] = [];
  const headers: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      headers.push(req.headers.authorization);
      bodies.push({ url: req.url, body: JSON.parse(text) as unknown });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let context: DataSourceContext | undefined;
  const client = new FeatureFlagClient({
    envSecret: 'secret-of-the-env',
    streamingUri: 'ws://127.0.0.1:1',
    eventsUri: `http://127.0.0.1:${port}`,
    dataSource: (ctx) => {
      context = ctx;
      return { start() {}, close: async () => {} };
    },
    logger: silentLogger,
  });
  context?.store.applySync({ eventType: 'full', featureFlags: [planFlag()], segments: [] });
  context?.report({ state: 'ok' });
  client.stringVariation('checkout', { key: 'ann', plan: 'pro' }, 'none');
  client.trackMetric({ key: 'ann' }, 'purchase');
  await client.close();
  server.close();
  assert.deepEqual(headers, ['secret-of-the-env']);
  const { url, body } = bodies[0] as { url: string; body: Array<Record<string, unknown>> };
  assert.equal(url, '/api/public/insight/track');
  const variations = body.flatMap((insight) => (insight.variations as Array<Record<string, unknown>>) ?? []);
  const metrics = body.flatMap((insight) => (insight.metrics as Array<Record<string, unknown>>) ?? []);
  assert.deepEqual(
    variations.map((v) => [v.featureFlagKey, (v.variation as { id: string }).id]),
    [['checkout', 'v-treat']],
  );
  assert.deepEqual(
    metrics.map((m) => [m.eventName, m.numericValue]),
    [['purchase', 1]],
  );
});
