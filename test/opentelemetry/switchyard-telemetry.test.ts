/**
 * OpenTelemetry through `@opentelemetry/api`, recorded by the real SDK (`@opentelemetry/sdk-metrics` with a reader
 * collected on demand, `@opentelemetry/sdk-trace-base` with the in-memory span exporter): a no-op while nothing is
 * registered; evaluation counts by flag and variation; stream state, reconnects and sync lag from a real
 * FlagServer on loopback; storage errors from an unreachable Redis; insight delivery failures from a loopback
 * events server that refuses them; span events that follow the feature-flag conventions, sampled.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type Server } from 'node:http';
import { describe, test } from 'node:test';
import {
  context,
  ROOT_CONTEXT,
  trace,
  type Context,
  type ContextManager,
  type MetricAttributes,
} from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import { Switch, SwitchState } from '../../lib/core/index.js';
import { InsightPublisher } from '../../lib/events/insight-publisher.js';
import { instrumentSwitchyard } from '../../lib/opentelemetry/index.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { RedisStorage } from '../../lib/storage/redis.storage.js';
import { streamingClient } from '../sync/client-factory.js';
import { boolFlag, SECRET, stringFlag, waitUntil } from '../sync/fixtures.js';

/** A reader the test collects from when it wants. */
class OnDemandReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

async function collect(reader: MetricReader): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  return resourceMetrics;
}

/** The value of each data point of a sum or gauge metric, with its attributes. */
function points(
  metrics: ResourceMetrics,
  name: string,
): Array<{ attributes: MetricAttributes; value: number }> {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      assert.notEqual(metric.dataPointType, DataPointType.HISTOGRAM);
      return metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value as number }));
    }
  }
  return [];
}

function histogramCount(metrics: ResourceMetrics, name: string): number {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name || metric.dataPointType !== DataPointType.HISTOGRAM) continue;
      return metric.dataPoints.reduce((sum, p) => sum + p.value.count, 0);
    }
  }
  return 0;
}

function meterAndReader(): { reader: OnDemandReader; provider: MeterProvider } {
  const reader = new OnDemandReader();
  return { reader, provider: new MeterProvider({ readers: [reader] }) };
}

/** A context manager on AsyncLocalStorage, so that `startActiveSpan` makes a span active for the callback. */
class AlsContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const bootstrap = {
  featureFlags: [
    boolFlag('dark-mode', true, 1000),
    stringFlag('banner', 'hello', 1000, { isEnabled: false }),
  ],
  segments: [],
};
const offlineClient = () => new FeatureFlagClient({ offline: true, bootstrap, logger: silentLogger });

describe('instrumentSwitchyard', () => {
  test('nothing registered: inactive, no evaluation observer, answers unchanged', async () => {
    const client = offlineClient();
    try {
      const telemetry = await instrumentSwitchyard(client, { spanEvents: true });
      assert.equal(telemetry.active, false);
      assert.equal(telemetry.observesEvaluations, false);
      assert.match(telemetry.note ?? '', /No meter provider or tracer provider/);
      assert.equal(client.boolVariation('dark-mode', { key: 'u' }, false), true);
      telemetry.stop();
    } finally {
      await client.close();
    }
  });

  test('evaluations are counted by flag, variation and reason; errors carry error.type', async () => {
    const { reader, provider } = meterAndReader();
    const client = offlineClient();
    try {
      const telemetry = await instrumentSwitchyard(client, { meter: provider.getMeter('test') });
      assert.equal(telemetry.active, true);
      for (const key of ['ann', 'bob', 'cid']) client.boolVariation('dark-mode', { key }, false);
      client.stringVariationDetail('banner', { key: 'ann' }, 'x');
      client.boolVariation('no-such-flag', { key: 'ann' }, false);
      client.boolVariation('dark-mode', { key: '' }, false);

      const metrics = await collect(reader);
      const evaluations = points(metrics, 'switchyard.evaluations');
      const find = (key: string, variant: string) =>
        evaluations.find(
          (p) =>
            p.attributes['feature_flag.key'] === key &&
            p.attributes['feature_flag.result.variant'] === variant,
        );
      assert.deepEqual(find('dark-mode', 'v-true'), {
        attributes: {
          'feature_flag.key': 'dark-mode',
          'feature_flag.result.variant': 'v-true',
          'feature_flag.result.reason': 'default',
        },
        value: 3,
      });
      assert.equal(find('banner', 'v-off')?.attributes['feature_flag.result.reason'], 'disabled');
      assert.deepEqual(find('no-such-flag', '')?.attributes['error.type'], 'flag_not_found');
      assert.deepEqual(find('dark-mode', '')?.attributes['error.type'], 'targeting_key_missing');
      assert.deepEqual(points(metrics, 'switchyard.stream.state'), [
        { attributes: { state: 'initializing' }, value: 0 },
        { attributes: { state: 'ok' }, value: 1 },
        { attributes: { state: 'interrupted' }, value: 0 },
        { attributes: { state: 'off' }, value: 0 },
      ]);

      telemetry.stop();
      client.boolVariation('dark-mode', { key: 'dan' }, false);
      const after = points(await collect(reader), 'switchyard.evaluations');
      assert.equal(
        after.find((p) => p.attributes['feature_flag.result.variant'] === 'v-true')?.value,
        3,
        'nothing counted after stop()',
      );
    } finally {
      await client.close();
      await provider.shutdown();
    }
  });

  test('stream state, reconnects and sync lag from a real server going away and coming back', async () => {
    const { reader, provider } = meterAndReader();
    const first = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    first.store.applySync({ eventType: 'full', featureFlags: [stringFlag('a', 'a1', 1000)], segments: [] });
    const { port } = await first.listen(0);
    const client = streamingClient(port);
    let second: FlagServer | undefined;
    try {
      assert.equal(await client.waitForInitialization(), true);
      const telemetry = await instrumentSwitchyard(client, { meter: provider.getMeter('test') });

      first.store.applySync({
        eventType: 'patch',
        featureFlags: [{ ...stringFlag('a', 'a2', 0), updatedAt: new Date(Date.now() - 50).toISOString() }],
        segments: [],
      });
      await waitUntil(() => client.stringVariation('a', { key: 'u' }, 'x') === 'a2', 'the patch');
      await first.close();
      await waitUntil(() => client.status.state === 'interrupted', 'interrupted');
      const down = await collect(reader);
      assert.equal(
        points(down, 'switchyard.stream.state').find((p) => p.attributes.state === 'interrupted')?.value,
        1,
      );
      second = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
      second.store.applySync({
        eventType: 'full',
        featureFlags: [stringFlag('a', 'a1', 1000)],
        segments: [],
      });
      await second.listen(port);
      await waitUntil(() => client.status.state === 'ok', 'reconnected', 5_000);

      const metrics = await collect(reader);
      assert.deepEqual(points(metrics, 'switchyard.stream.reconnects'), [{ attributes: {}, value: 1 }]);
      assert.equal(
        points(metrics, 'switchyard.stream.state').find((p) => p.attributes.state === 'ok')?.value,
        1,
      );
      assert.equal(histogramCount(metrics, 'switchyard.sync.lag'), 1, 'one streamed patch');
      telemetry.stop();
    } finally {
      await client.close();
      await second?.close();
      await provider.shutdown();
    }
  });

  test('storage errors of the client storage are counted by operation', async () => {
    const { reader, provider } = meterAndReader();
    // Port 1 on loopback: nothing listens, so Redis refuses every command at once.
    const storage = new RedisStorage({
      url: 'redis://127.0.0.1:1',
      connectTimeoutMs: 200,
      logger: silentLogger,
    });
    const client = new FeatureFlagClient({ storage, logger: silentLogger });
    try {
      const telemetry = await instrumentSwitchyard(client, { meter: provider.getMeter('test') });
      await assert.rejects(client.register(new Switch('reports', { state: SwitchState.Global })));
      const errors = points(await collect(reader), 'switchyard.storage.errors');
      assert.ok(
        (errors.find((p) => p.attributes.operation === 'write')?.value ?? 0) >= 1,
        `a write error is counted: ${JSON.stringify(errors)}`,
      );
      telemetry.stop();
    } finally {
      await client.close();
      await provider.shutdown();
    }
  });

  test('insight events refused by the events server are counted as delivery failures', async () => {
    const { reader, provider } = meterAndReader();
    const events: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400).end('bad batch'));
    });
    await new Promise<void>((resolve) => events.listen(0, '127.0.0.1', resolve));
    const address = events.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const insights = new InsightPublisher({
      eventsUri: `http://127.0.0.1:${port}`,
      envSecret: SECRET,
      flushIntervalMs: 0,
      logger: silentLogger,
    });
    const client = new FeatureFlagClient({ offline: true, bootstrap, insights, logger: silentLogger });
    try {
      const telemetry = await instrumentSwitchyard(client, { meter: provider.getMeter('test') });
      client.boolVariation('dark-mode', { key: 'ann' }, false);
      client.trackMetric({ key: 'ann' }, 'purchase', 3);
      await client.flush();
      assert.deepEqual(points(await collect(reader), 'switchyard.insights.delivery_failures'), [
        { attributes: { cause: 'rejected' }, value: 2 },
      ]);
      telemetry.stop();
    } finally {
      await client.close();
      await new Promise((resolve) => events.close(resolve));
      await provider.shutdown();
    }
  });

  test('span events follow the feature-flag conventions, only on recording spans, sampled', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const contextManager = new AlsContextManager();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(tracerProvider);
    const client = offlineClient();
    try {
      const telemetry = await instrumentSwitchyard(client, {
        metrics: false,
        spanEvents: { includeContextId: true },
      });
      assert.equal(telemetry.active, true);
      const tracer = trace.getTracer('test');
      tracer.startActiveSpan('GET /', (span) => {
        client.boolVariation('dark-mode', { key: 'ann' }, false);
        client.boolVariation('no-such-flag', { key: 'ann' }, false);
        span.end();
      });
      client.boolVariation('dark-mode', { key: 'outside' }, false); // no active span: nothing, no error
      const [span] = exporter.getFinishedSpans();
      assert.deepEqual(
        span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
        [
          {
            name: 'feature_flag.evaluation',
            attributes: {
              'feature_flag.key': 'dark-mode',
              'feature_flag.result.variant': 'v-true',
              'feature_flag.result.reason': 'default',
              'feature_flag.provider.name': 'Switchyard',
              'feature_flag.context.id': 'ann',
            },
          },
          {
            name: 'feature_flag.evaluation',
            attributes: {
              'feature_flag.key': 'no-such-flag',
              'feature_flag.result.variant': '',
              'feature_flag.result.reason': 'error',
              'error.type': 'flag_not_found',
              'feature_flag.provider.name': 'Switchyard',
              'feature_flag.context.id': 'ann',
            },
          },
        ],
      );
      telemetry.stop();

      exporter.reset();
      const never = await instrumentSwitchyard(client, { metrics: false, spanEvents: { sampleRate: 0 } });
      tracer.startActiveSpan('GET /sampled-out', (s) => {
        client.boolVariation('dark-mode', { key: 'ann' }, false);
        s.end();
      });
      assert.deepEqual(exporter.getFinishedSpans()[0].events, [], 'sample rate 0: no event');
      never.stop();
    } finally {
      await client.close();
      trace.disable();
      context.disable();
      await tracerProvider.shutdown();
    }
  });
});
