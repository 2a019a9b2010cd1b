/**
 * The official `@featbit/node-server-sdk` 1.3.0 sends its insights to our endpoint: a FlagServer streams it a
 * 50/50 experiment flag and the same HTTP server mounts the insight endpoint (as a Switchyard server does). The
 * SDK's own answers are the expected exposures; its payload (raw JSON and headers) must be accepted and folded.
 * (The SDK sends no events at all in offline mode, hence the real streaming setup.)
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { FbClientBuilder, UserBuilder, type IFbClient } from '@featbit/node-server-sdk';
import { silentLogger } from '../../lib/core/logger.js';
import { InsightCollector } from '../../lib/events/insight-collector.js';
import { createInsightEndpoint } from '../../lib/events/insight-endpoint.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { SECRET, splitFlag } from './fixtures.js';

interface Posted {
  headers: IncomingHttpHeaders;
  body: string;
  status?: number;
}

const quietSdkLogger = { debug() {}, info() {}, warn() {}, error() {}, log() {} };

test('FeatBit node SDK 1.3.0 → our insight endpoint: payload accepted, exposures and conversions folded', async () => {
  const flagServer = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
  flagServer.store.applySync({ eventType: 'full', featureFlags: [splitFlag('pricing')], segments: [] });
  const collector = new InsightCollector({ logger: silentLogger });
  const endpoint = createInsightEndpoint({ envSecrets: [SECRET], collector, logger: silentLogger });
  const posted: Posted[] = [];
  const http = createServer((request, response) => {
    const record: Posted = { headers: request.headers, body: '' };
    posted.push(record);
    request.on('data', (chunk: Buffer) => (record.body += chunk.toString('utf8')));
    response.on('finish', () => (record.status = response.statusCode));
    endpoint(request, response);
  });
  flagServer.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const { port } = http.address() as AddressInfo;

  let sdk: IFbClient | undefined;
  try {
    // Its start-wait, ping and flush timers are not cleared by close(): short ones let the test process end promptly.
    sdk = new FbClientBuilder({ webSocketPingInterval: 200 })
      .sdkKey(SECRET)
      .streamingUri(`ws://127.0.0.1:${port}`)
      .eventsUri(`http://127.0.0.1:${port}`)
      .flushInterval(100)
      .startWaitTime(1_500)
      .logger(quietSdkLogger)
      .build();
    await sdk.waitForInitialization();

    // 40 users; each one the SDK serves `treatment` buys once for 3.5, and every user with an even index that
    // got `control` buys for 1. Expected figures are counted here from the SDK's own answers.
    const expected = { control: { exposed: 0, converted: 0 }, treatment: { exposed: 0, converted: 0 } };
    for (let i = 0; i < 40; i++) {
      const user = new UserBuilder(`sdk-user-${i}`)
        .name(`User ${i}`)
        .custom('plan', i % 3 === 0 ? 'pro' : 'free')
        .build();
      const value = (await sdk.stringVariation('pricing', user, 'fallback')) as 'control' | 'treatment';
      assert.ok(value === 'control' || value === 'treatment', value);
      expected[value].exposed++;
      if (value === 'treatment') {
        sdk.track(user, 'purchase', 3.5);
        expected.treatment.converted++;
      } else if (i % 2 === 0) {
        sdk.track(user, 'purchase', 1);
        expected.control.converted++;
      }
    }
    assert.ok(expected.control.exposed > 0 && expected.treatment.exposed > 0, 'both variations served');
    assert.equal(await sdk.flush(), true);

    // What the SDK sent, as it sent it.
    assert.ok(posted.length >= 1);
    const insights = posted.flatMap((p) => JSON.parse(p.body) as Array<Record<string, unknown>>);
    const conversions = expected.control.converted + expected.treatment.converted;
    assert.equal(insights.length, 40 + conversions);
    for (const p of posted) {
      assert.equal(p.status, 200);
      assert.equal(p.headers.authorization, SECRET);
      assert.equal(p.headers['x-user-agent'], 'NodeJS-Server-SDK/1.3.0');
    }
    const firstEval = insights.find((insight) => insight.variations !== undefined) as {
      user: unknown;
      variations: Array<Record<string, unknown>>;
    };
    assert.deepEqual(Object.keys(firstEval.variations[0]).sort(), [
      'featureFlagKey',
      'sendToExperiment',
      'timestamp',
      'variation',
    ]);
    assert.equal(firstEval.variations[0].sendToExperiment, true);
    const firstMetric = insights.find((insight) => insight.metrics !== undefined) as {
      metrics: Array<Record<string, unknown>>;
    };
    assert.equal(firstMetric.metrics[0].appType, 'NodeJS-Server-SDK');
    assert.equal(firstMetric.metrics[0].route, 'index/metric');

    // What our collector made of it.
    const result = collector.results('pricing', { eventName: 'purchase', controlVariationId: 'v-control' });
    const rows = new Map(result.variations.map((v) => [v.variationId, v]));
    assert.deepEqual(
      [rows.get('v-control')?.exposures, rows.get('v-control')?.conversions],
      [expected.control.exposed, expected.control.converted],
    );
    assert.deepEqual(
      [rows.get('v-treatment')?.exposures, rows.get('v-treatment')?.conversions],
      [expected.treatment.exposed, expected.treatment.converted],
    );
    assert.equal(rows.get('v-treatment')?.meanValue, 3.5);
    assert.equal(rows.get('v-treatment')?.value, 'treatment');
    assert.equal(collector.stats.received, 40 + conversions);
  } finally {
    await sdk?.close();
    await flagServer.close();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  }
});
