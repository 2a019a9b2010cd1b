/**
 * The insight endpoint (`POST /api/public/insight/track`, docs/featbit-protocol.md §2) on a real HTTP server on 127.0.0.1:
 * authorization, size limit, validation with clear messages, FeatBit's dropping of keyless insights, the results
 * routes; and our own publisher delivering into it end to end.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import { InsightCollector } from '../../lib/events/insight-collector.js';
import { createInsightEndpoint } from '../../lib/events/insight-endpoint.js';
import { InsightPublisher } from '../../lib/events/insight-publisher.js';
import { bootstrapOf, everyoneFlag, OTHER_SECRET, SECRET } from './fixtures.js';

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

function send(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer[],
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          body: text ? JSON.parse(text) : undefined,
          headers: response.headers,
        });
      });
    });
    request.on('error', reject);
    if (Array.isArray(body)) {
      // Chunked, without a content-length: the limit must hold while streaming.
      for (const chunk of body) request.write(chunk);
      request.end();
    } else {
      request.end(body);
    }
  });
}

/** POSTs to the track path; `authorization: null` sends no Authorization header. */
const post = (port: number, body: string, authorization: string | null = SECRET) =>
  send(port, 'POST', '/api/public/insight/track', body, {
    'content-type': 'application/json',
    ...(authorization === null ? {} : { authorization }),
  });

// The example body of docs/featbit-protocol.md §2 (ids and values filled in), plus two keyless insights FeatBit drops.
const T = 1_700_000_000_000;
const referenceBody = [
  {
    user: { keyId: 'u1', name: 'Bob', customizedProperties: [{ name: 'plan', value: 'pro' }] },
    variations: [
      {
        featureFlagKey: 'checkout-v2',
        variation: { id: 'var-t', value: 'treatment' },
        sendToExperiment: true,
        timestamp: T,
      },
    ],
  },
  {
    user: { keyId: 'u1', name: 'Bob', customizedProperties: [{ name: 'plan', value: 'pro' }] },
    metrics: [
      {
        route: 'index/metric',
        type: 'CustomEvent',
        eventName: 'purchase',
        numericValue: 1.0,
        appType: 'test',
        timestamp: T + 123,
      },
    ],
  },
  {
    user: { keyId: '  ', name: 'blank' },
    metrics: [{ eventName: 'purchase', numericValue: 1, timestamp: T }],
  },
  { user: { name: 'no key' }, metrics: [{ eventName: 'purchase', numericValue: 1, timestamp: T }] },
];

describe('insight endpoint', () => {
  let server: Server;
  let port: number;
  let collector: InsightCollector;

  before(async () => {
    collector = new InsightCollector({ logger: silentLogger });
    const endpoint = createInsightEndpoint({
      envSecrets: [SECRET, OTHER_SECRET],
      collector,
      maxBodyBytes: 4_096,
      logger: silentLogger,
    });
    server = createServer(endpoint);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => collector.clear());
  after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  test('the reference body is accepted: 200, keyless insights dropped as FeatBit does, the rest folded', async () => {
    const answer = await post(port, JSON.stringify(referenceBody));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { accepted: 2, dropped: 2 });
    const result = collector.results('checkout-v2', { eventName: 'purchase' });
    assert.equal(result.exposures, 1);
    assert.equal(result.conversions, 1);
    assert.equal(result.variations[0].variationId, 'var-t');
    assert.equal(result.variations[0].value, 'treatment');
    assert.equal(result.variations[0].totalValue, 1);
  });

  test('either configured secret is accepted; a missing or wrong Authorization is 401 and nothing is stored', async () => {
    assert.equal((await post(port, JSON.stringify(referenceBody), OTHER_SECRET)).status, 200);
    collector.clear();
    for (const authorization of [null, '', 'Bearer ' + SECRET, SECRET.slice(1), OTHER_SECRET + 'x']) {
      const answer = await post(port, JSON.stringify(referenceBody), authorization);
      assert.equal(answer.status, 401, String(authorization));
      assert.match((answer.body as { error: string }).error, /env secret/);
    }
    assert.equal(collector.stats.received, 0);
  });

  test('400 with a clear message: not JSON, not an array, a field of the wrong type', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{not json', /not valid JSON/],
      ['{"user":{"keyId":"u1"}}', /at \$: expected a JSON array/],
      ['[1]', /at \[0\]: expected an object/],
      [
        JSON.stringify([
          {
            user: { keyId: 'u1' },
            variations: [{ featureFlagKey: 7, variation: { id: 'v' }, timestamp: T }],
          },
        ]),
        /at \[0\]\.variations\[0\]\.featureFlagKey: expected a non-empty string/,
      ],
      [
        JSON.stringify([
          { user: { keyId: 'u1' }, metrics: [{ eventName: 'e', numericValue: 'ten', timestamp: T }] },
        ]),
        /at \[0\]\.metrics\[0\]\.numericValue: expected a finite number/,
      ],
      [
        JSON.stringify([{ user: { keyId: 'u1' }, metrics: [{ eventName: 'e' }] }]),
        /\[0\]\.metrics\[0\]\.timestamp/,
      ],
      [JSON.stringify([{ user: { keyId: 'u1' }, variations: {} }]), /\[0\]\.variations: expected an array/],
    ];
    for (const [body, message] of cases) {
      const answer = await post(port, body);
      assert.equal(answer.status, 400, body);
      assert.match((answer.body as { error: string }).error, message, body);
    }
    assert.equal(collector.stats.received, 0, 'a malformed body is rejected whole');
  });

  test('413 for a body over the limit, announced by content-length or streamed in chunks', async () => {
    const big = JSON.stringify(
      Array.from({ length: 100 }, (_, i) => ({ user: { keyId: `user-${i}` }, metrics: [] })),
    );
    assert.ok(Buffer.byteLength(big) > 4_096);
    const announced = await post(port, big);
    assert.equal(announced.status, 413);
    const chunks = Array.from({ length: 10 }, () => Buffer.from(' '.repeat(1_000)));
    const streamed = await send(port, 'POST', '/api/public/insight/track', chunks, { authorization: SECRET });
    assert.equal(streamed.status, 413);
    assert.equal(collector.stats.received, 0);
  });

  test('other methods and paths: 405 with Allow, 404', async () => {
    const get = await send(port, 'GET', '/api/public/insight/track', undefined, { authorization: SECRET });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.equal(
      (await send(port, 'POST', '/api/public/other', '[]', { authorization: SECRET })).status,
      404,
    );
  });

  test('the results routes answer behind the same secret', async () => {
    await post(port, JSON.stringify(referenceBody));
    const list = await send(port, 'GET', '/api/switchyard/experiments', undefined, { authorization: SECRET });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, {
      flags: [
        {
          flagKey: 'checkout-v2',
          exposures: 1,
          variations: [{ variationId: 'var-t', value: 'treatment', exposures: 1 }],
        },
      ],
      eventNames: ['purchase'],
    });
    const one = await send(port, 'GET', '/api/switchyard/experiments/checkout-v2?event=purchase', undefined, {
      authorization: SECRET,
    });
    assert.equal(one.status, 200);
    assert.equal((one.body as { conversions: number }).conversions, 1);
    const noEvent = await send(port, 'GET', '/api/switchyard/experiments/checkout-v2', undefined, {
      authorization: SECRET,
    });
    assert.equal(noEvent.status, 400);
    assert.equal((await send(port, 'GET', '/api/switchyard/experiments')).status, 401);
  });
});

describe('our publisher → our endpoint → results, end to end', () => {
  test('a client with an InsightPublisher pointed at a server with the endpoint: exposures and conversions arrive', async () => {
    const collector = new InsightCollector({ logger: silentLogger });
    const endpoint = createInsightEndpoint({ envSecrets: [SECRET], collector, logger: silentLogger });
    const server = createServer(endpoint);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const insights = new InsightPublisher({
      eventsUri: `http://127.0.0.1:${port}`,
      envSecret: SECRET,
      flushIntervalMs: 0,
      logger: silentLogger,
    });
    const client = new FeatureFlagClient({
      offline: true,
      bootstrap: bootstrapOf([everyoneFlag()]),
      insights,
      logger: silentLogger,
    });
    try {
      // 8 users see `a`; users 0, 2, 4 buy (values 10, 20, 30); user 9 buys without having seen the flag.
      for (let i = 0; i < 8; i++) client.stringVariation('checkout', { key: `u${i}` }, 'x');
      for (const i of [0, 2, 4]) client.trackMetric({ key: `u${i}` }, 'purchase', 10 * (i / 2 + 1));
      client.trackMetric({ key: 'u9' }, 'purchase', 99);
      await client.close();
      assert.equal(insights.stats.delivered, 12);
      const result = collector.results('checkout', { eventName: 'purchase' });
      assert.equal(result.controlVariationId, 'v-a');
      assert.deepEqual(
        result.variations.map((v) => [v.variationId, v.exposures, v.conversions, v.totalValue, v.meanValue]),
        [['v-a', 8, 3, 60, 20]],
      );
      assert.equal(result.variations[0].conversionRate, 3 / 8);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});

describe('behind a body parser (Express/Nest style middleware)', () => {
  test('a body read and parsed before (request.body) is used; other paths go to next()', async () => {
    const collector = new InsightCollector({ logger: silentLogger });
    const endpoint = createInsightEndpoint({ envSecrets: [SECRET], collector, logger: silentLogger });
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        // What express.json() does: the stream is consumed, the parsed value is left on request.body.
        const text = Buffer.concat(chunks).toString('utf8');
        const isJson = request.headers['content-type'] === 'application/json';
        Object.assign(request, { body: isJson && text ? (JSON.parse(text) as unknown) : {} });
        endpoint(request, response, () => response.writeHead(200).end(JSON.stringify({ next: true })));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    try {
      const accepted = await post(port, JSON.stringify(referenceBody));
      assert.equal(accepted.status, 200);
      assert.deepEqual(accepted.body, { accepted: 2, dropped: 2 });
      assert.equal(collector.stats.received, 2);
      const unparsed = await send(port, 'POST', '/api/public/insight/track', '[]', {
        authorization: SECRET,
        'content-type': 'text/plain',
      });
      assert.equal(unparsed.status, 400);
      assert.match((unparsed.body as { error: string }).error, /Content-Type: application\/json/);
      const other = await send(port, 'GET', '/hello');
      assert.deepEqual(other.body, { next: true });
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});
