/**
 * InsightPublisher against a real recording HTTP server on 127.0.0.1: the FeatBit wire shape and headers
 * (docs/featbit-protocol.md §2), batching and order, retry with back-off on 5xx and network errors, the permanent stop on
 * 401/403, the bounded queue, flush on close, and that recording never waits for delivery.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import {
  InsightDeliveryStoppedError,
  InsightPublisher,
  type InsightPublisherOptions,
} from '../../lib/events/insight-publisher.js';
import { bootstrapOf, everyoneFlag, isPending, plainFlag, SECRET, waitUntil } from './fixtures.js';
import { freePort, RecordingLogger, RecordingServer } from './recording-server.js';

type Json = Record<string, unknown>;

const stripTimestamps = (bodies: unknown[][]): unknown[] =>
  bodies.flat().map((insight) => {
    const copy = structuredClone(insight) as { variations?: Json[]; metrics?: Json[] };
    for (const entry of [...(copy.variations ?? []), ...(copy.metrics ?? [])]) delete entry.timestamp;
    return copy;
  });

const timestampsOf = (bodies: unknown[][]): number[] =>
  bodies.flat().flatMap((insight) => {
    const { variations = [], metrics = [] } = insight as { variations?: Json[]; metrics?: Json[] };
    return [...variations, ...metrics].map((entry) => entry.timestamp as number);
  });

function clientWith(insights: InsightPublisher): FeatureFlagClient {
  return new FeatureFlagClient({
    offline: true,
    bootstrap: bootstrapOf([everyoneFlag(), plainFlag()]),
    insights,
    logger: silentLogger,
  });
}

describe('InsightPublisher: wire format, batching, order', () => {
  let server: RecordingServer;
  const open: InsightPublisher[] = [];
  const publisher = (options: Partial<InsightPublisherOptions> = {}): InsightPublisher => {
    const created = new InsightPublisher({
      eventsUri: server.uri,
      envSecret: SECRET,
      flushIntervalMs: 0,
      logger: silentLogger,
      ...options,
    });
    open.push(created);
    return created;
  };

  before(async () => {
    server = await RecordingServer.start();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
    server.requests.length = 0;
    server.answers.length = 0;
  });
  after(() => server.close());

  test('120 events from a client → 3 POSTs of 50, 50, 20, in recording order, in the official JSON shape', async () => {
    const insights = publisher();
    const client = clientWith(insights);
    const before = Date.now();
    for (let i = 0; i < 60; i++) {
      const user = { key: `u${i}`, name: `User ${i}`, plan: 'pro', age: 30 };
      assert.equal(client.stringVariation('checkout', user, 'fallback'), 'a');
      client.trackMetric(user, 'purchase', i);
    }
    await client.flush();
    const afterFlush = Date.now();

    assert.equal(server.requests.length, 3);
    assert.deepEqual(
      server.bodies.map((body) => body.length),
      [50, 50, 20],
    );
    for (const request of server.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/api/public/insight/track');
      assert.equal(request.headers.authorization, SECRET);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['user-agent'], 'nest-switchyard');
    }
    // Expected payloads written from docs/featbit-protocol.md §2: one insight per event, user in FeatBit's wire form.
    const expected: unknown[] = [];
    for (let i = 0; i < 60; i++) {
      const user = {
        keyId: `u${i}`,
        name: `User ${i}`,
        customizedProperties: [
          { name: 'plan', value: 'pro' },
          { name: 'age', value: '30' },
        ],
      };
      expected.push({
        user,
        variations: [
          { featureFlagKey: 'checkout', variation: { id: 'v-a', value: 'a' }, sendToExperiment: true },
        ],
      });
      expected.push({
        user,
        metrics: [
          {
            route: 'index/metric',
            type: 'CustomEvent',
            eventName: 'purchase',
            numericValue: i,
            appType: 'nest-switchyard',
          },
        ],
      });
    }
    assert.deepEqual(stripTimestamps(server.bodies), expected);
    const times = timestampsOf(server.bodies);
    assert.ok(
      times.every((t) => Number.isInteger(t) && t >= before && t <= afterFlush),
      'timestamps are ms now',
    );
    assert.ok(
      times.every((t, i) => i === 0 || t >= times[i - 1]),
      'timestamps never go back',
    );
    // Field order as the official SDKs write them.
    const [first, second] = server.bodies[0] as Array<{ variations?: Json[]; metrics?: Json[] }>;
    assert.deepEqual(Object.keys(first), ['user', 'variations']);
    assert.deepEqual(Object.keys(first.variations![0]), [
      'featureFlagKey',
      'variation',
      'sendToExperiment',
      'timestamp',
    ]);
    assert.deepEqual(Object.keys(second.metrics![0]), [
      'route',
      'type',
      'eventName',
      'numericValue',
      'appType',
      'timestamp',
    ]);
    assert.equal(insights.stats.delivered, 120);
    assert.equal(insights.stats.requests, 3);
  });

  test('FeatBit-shaped users pass through; a flag outside the experiment sends sendToExperiment false', async () => {
    const insights = publisher();
    const client = clientWith(insights);
    const user = { keyId: 'fb-1', name: 'Bo', customizedProperties: [{ name: 'country', value: 'SE' }] };
    assert.equal(client.stringVariation('banner', user, 'x'), 'on');
    client.trackMetric(user, 'click'); // value defaults to 1
    await insights.flush();
    assert.deepEqual(stripTimestamps(server.bodies), [
      {
        user: { keyId: 'fb-1', name: 'Bo', customizedProperties: [{ name: 'country', value: 'SE' }] },
        variations: [
          { featureFlagKey: 'banner', variation: { id: 'v-on', value: 'on' }, sendToExperiment: false },
        ],
      },
      {
        user: { keyId: 'fb-1', name: 'Bo', customizedProperties: [{ name: 'country', value: 'SE' }] },
        metrics: [
          {
            route: 'index/metric',
            type: 'CustomEvent',
            eventName: 'click',
            numericValue: 1,
            appType: 'nest-switchyard',
          },
        ],
      },
    ]);
  });

  test('a user seeing the same evaluation again in one flush window is sent once (as the node SDK)', async () => {
    const insights = publisher();
    const client = clientWith(insights);
    for (let i = 0; i < 1000; i++) client.stringVariation('checkout', { key: 'same' }, 'x');
    client.stringVariation('checkout', { key: 'other' }, 'x');
    assert.equal(insights.stats.queued, 2);
    assert.equal(insights.stats.deduplicated, 999);
    await insights.flush();
    client.stringVariation('checkout', { key: 'same' }, 'x'); // a new window
    await insights.flush();
    assert.deepEqual(
      server.bodies.map((body) => body.map((insight) => (insight as { user: { keyId: string } }).user.keyId)),
      [['same', 'other'], ['same']],
    );
  });

  test('invalid metric events are dropped and counted, not sent', async () => {
    const logger = new RecordingLogger();
    const insights = publisher({ logger });
    insights.recordMetric({ name: 'no key' }, 'purchase', 1);
    insights.recordMetric({ key: '  ' }, 'purchase', 1);
    insights.recordMetric({ key: 'u1' }, '', 1);
    insights.recordMetric({ key: 'u1' }, 'purchase', Number.NaN);
    insights.recordMetric({ key: 'u1' }, 'purchase', 3);
    await insights.flush();
    assert.equal(insights.stats.dropped.invalid, 4);
    assert.equal(server.requests.length, 1);
    assert.equal(server.bodies[0].length, 1);
    assert.equal(logger.at('warn').length, 1, 'warned once, then only counted');
  });

  test('the flush timer sends without an explicit flush', async () => {
    const insights = publisher({ flushIntervalMs: 30 });
    insights.recordMetric({ key: 'u1' }, 'tick', 1);
    await server.waitForRequests(1);
    assert.equal(server.bodies[0].length, 1);
  });

  test('half a queue triggers a flush at once, without waiting for the timer', async () => {
    const insights = publisher({ maxEventsInQueue: 100, maxEventsPerRequest: 10 });
    for (let i = 0; i < 50; i++) insights.recordMetric({ key: `u${i}` }, 'burst', 1);
    await server.waitForRequests(5);
    assert.deepEqual(
      server.bodies.map((body) => body.length),
      [10, 10, 10, 10, 10],
    );
  });
});

describe('InsightPublisher: failures', () => {
  let server: RecordingServer;
  const open: InsightPublisher[] = [];
  const publisher = (options: Partial<InsightPublisherOptions> = {}): InsightPublisher => {
    const created = new InsightPublisher({
      eventsUri: server.uri,
      envSecret: SECRET,
      flushIntervalMs: 0,
      retryBaseDelayMs: 10,
      logger: silentLogger,
      ...options,
    });
    open.push(created);
    return created;
  };
  const metrics = (insights: InsightPublisher, count: number, from = 0): void => {
    for (let i = from; i < from + count; i++) insights.recordMetric({ key: `u${i}` }, 'purchase', i);
  };
  const keysOf = (body: unknown[]): string[] =>
    body.map((insight) => (insight as { user: { keyId: string } }).user.keyId);

  before(async () => {
    server = await RecordingServer.start();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
    server.requests.length = 0;
    server.answers.length = 0;
    server.handler = undefined;
  });
  after(() => server.close());

  test('500 then 200: the same batch is sent again, once delivered, nothing lost or doubled', async () => {
    const insights = publisher();
    metrics(insights, 10);
    server.answers.push(500, 200);
    await insights.flush();
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [500, 200],
    );
    assert.equal(server.requests[0].body, server.requests[1].body, 'the retry is the same payload');
    assert.deepEqual(keysOf(server.bodies[1]), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9']);
    assert.equal(insights.stats.delivered, 10);
    assert.equal(insights.stats.retries, 1);
    assert.equal(insights.stats.dropped.failed, 0);
  });

  test('503, 429 and 408 are retried too; retries are bounded, then the rest of the flush is dropped', async () => {
    const logger = new RecordingLogger();
    const insights = publisher({ maxAttempts: 3, maxEventsPerRequest: 5, logger });
    metrics(insights, 15); // 3 batches
    server.answers.push(503, 429, 408);
    server.fallback = 503;
    try {
      await insights.flush();
    } finally {
      server.fallback = 200;
    }
    assert.equal(server.requests.length, 3, 'one batch, three attempts; the other batches are not tried');
    assert.equal(insights.stats.dropped.failed, 15);
    assert.equal(insights.stats.delivered, 0);
    assert.ok(logger.at('warn').some((line) => line.includes('after 3 attempts')));
    // Delivery goes on with the next flush.
    metrics(insights, 1, 100);
    await insights.flush();
    assert.equal(server.requests.at(-1)?.status, 200);
    assert.equal(insights.stats.delivered, 1);
  });

  test('a 4xx other than 401/403 drops that batch only, with an error; the next batches still go', async () => {
    const logger = new RecordingLogger();
    const insights = publisher({ maxEventsPerRequest: 2, logger });
    metrics(insights, 4);
    server.answers.push(400, 200);
    await insights.flush();
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [400, 200],
    );
    assert.equal(insights.stats.dropped.rejected, 2);
    assert.equal(insights.stats.delivered, 2);
    assert.equal(insights.stats.retries, 0);
    assert.ok(logger.at('error').some((line) => line.includes('400')));
  });

  for (const status of [401, 403]) {
    test(`${status}: delivery stops for good, with a clear error; later events are dropped and counted`, async () => {
      const logger = new RecordingLogger();
      const insights = publisher({ maxEventsPerRequest: 50, logger });
      metrics(insights, 120); // 3 batches: 50 delivered, then the refusal
      server.answers.push(200, status);
      await insights.flush();
      assert.equal(server.requests.length, 2, 'the third batch is not sent');
      const error = insights.stats.stopError;
      assert.ok(error instanceof InsightDeliveryStoppedError);
      assert.equal(error.status, status);
      const logged = logger.at('error');
      assert.equal(logged.length, 1);
      assert.match(logged[0], new RegExp(`${status}`));
      assert.match(logged[0], /envSecret/);
      assert.match(logged[0], /stopped for good/);

      metrics(insights, 3, 500);
      await insights.flush();
      await insights.close();
      assert.equal(server.requests.length, 2, 'nothing is sent after the refusal');
      assert.equal(insights.stats.delivered, 50);
      assert.equal(insights.stats.dropped.unauthorized, 50 + 20 + 3);
      assert.equal(insights.stats.retries, 0, 'a refusal is not retried');
    });
  }

  test('overflow: a full queue drops new events with one warning and a counter; the first ones are sent', async () => {
    const logger = new RecordingLogger();
    const insights = publisher({ maxEventsInQueue: 5, logger });
    metrics(insights, 8);
    assert.equal(insights.stats.queued, 5);
    assert.equal(insights.stats.dropped.overflow, 3);
    assert.deepEqual(logger.at('warn').filter((line) => line.includes('queue is full')).length, 1);
    await insights.flush();
    assert.deepEqual(keysOf(server.bodies[0]), ['u0', 'u1', 'u2', 'u3', 'u4']);
    assert.ok(logger.at('warn').some((line) => line.includes('Dropped 3 insight events')));
    assert.equal(insights.stats.queued, 0);
  });

  test('network errors are retried: the server is down at first, then comes up on that port', async () => {
    const port = await freePort();
    const insights = new InsightPublisher({
      eventsUri: `http://127.0.0.1:${port}`,
      envSecret: SECRET,
      flushIntervalMs: 0,
      retryBaseDelayMs: 100,
      maxAttempts: 8,
      logger: silentLogger,
    });
    open.push(insights);
    metrics(insights, 3);
    const flushed = insights.flush();
    await waitUntil(() => insights.stats.requests >= 1, 'a first (refused) attempt');
    const late = await RecordingServer.start(port);
    try {
      await flushed;
      assert.equal(late.requests.length, 1);
      assert.deepEqual(keysOf(late.bodies[0]), ['u0', 'u1', 'u2']);
      assert.ok(insights.stats.retries >= 1);
      assert.equal(insights.stats.delivered, 3);
    } finally {
      await late.close();
    }
  });

  test('close() resolves only after the last POST was answered; events after close() are dropped', async () => {
    let answered = false;
    server.handler = (_request, response) => {
      setTimeout(() => {
        answered = true;
        response.writeHead(200).end();
      }, 150);
    };
    const insights = publisher();
    const client = clientWith(insights);
    client.stringVariation('checkout', { key: 'closing' }, 'x');
    client.trackMetric({ key: 'closing' }, 'bye');
    await client.close(); // the client closes its sink, which flushes first
    assert.equal(answered, true);
    assert.equal(server.requests.length, 1);
    assert.equal(server.bodies[0].length, 2);
    assert.equal(insights.stats.delivered, 2);
    insights.recordMetric({ key: 'late' }, 'bye', 1);
    assert.equal(insights.stats.dropped.closed, 1);
    await insights.close(); // twice is fine
    assert.equal(server.requests.length, 1);
  });

  test('nothing blocks evaluation: while the server hangs, evaluations return and keep being recorded', async () => {
    server.answers.push('hang');
    const insights = publisher({ closeTimeoutMs: 200, requestTimeoutMs: 60_000 });
    const client = clientWith(insights);
    client.stringVariation('checkout', { key: 'first' }, 'x');
    const flushed = insights.flush();
    await server.waitForRequests(1); // the POST is now hanging
    let served = 0;
    for (let i = 0; i < 5_000; i++)
      if (client.stringVariation('checkout', { key: `u${i}` }, 'x') === 'a') served++;
    assert.equal(served, 5_000);
    assert.equal(insights.stats.queued, 5_000, 'recorded while the delivery hangs');
    assert.equal(await isPending(flushed), true, 'the delivery is still waiting for the server');
    // close() gives up on the hanging request after closeTimeoutMs and drops what is left.
    await client.close();
    assert.equal(await isPending(flushed), false);
    assert.equal(insights.stats.delivered, 0);
    assert.equal(insights.stats.dropped.failed, 5_001);
  });
});

describe('InsightPublisher: options', () => {
  test('eventsUri and envSecret are checked, the track path is appended once', () => {
    const make = (eventsUri: string, envSecret = SECRET) =>
      new InsightPublisher({ eventsUri, envSecret, flushIntervalMs: 0, logger: silentLogger });
    assert.equal(
      make('https://featbit.example.com').url,
      'https://featbit.example.com/api/public/insight/track',
    );
    assert.equal(make('http://h:5100/base/').url, 'http://h:5100/base/api/public/insight/track');
    assert.equal(make('http://h/api/public/insight/track').url, 'http://h/api/public/insight/track');
    assert.throws(() => make('not a url'), /eventsUri/);
    assert.throws(() => make('ws://h:5100'), /http\(s\)/);
    assert.throws(() => make('http://h', ' '), /envSecret/);
    assert.throws(
      () => new InsightPublisher({ eventsUri: 'http://h', envSecret: SECRET, maxEventsPerRequest: 0 }),
      /maxEventsPerRequest/,
    );
  });
});
