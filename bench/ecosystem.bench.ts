/**
 * Issue 15 — what the integrations cost on the evaluation path, on the flag-peers scenario's flags (S1 a flag on
 * for everyone, S2 a three-condition rule), one client per row (an observer changes a client's path):
 * - OpenFeature: `await ofClient.getBooleanValue(key, false, context)` through `SwitchyardProvider`, next to the
 *   client's `boolVariation` and `boolVariationDetail` (what the provider calls).
 * - Telemetry hooks: no telemetry; `instrumentSwitchyard` with no OpenTelemetry SDK registered (inactive: no
 *   observer); metrics on (sdk-metrics MeterProvider with a reader); span events on with no active span; span
 *   events on inside a recording span (sdk-trace-base, every evaluation adds an event; the span's event limit
 *   drops the surplus, as in production).
 * Run: `npm run bench -- ecosystem` (or `node --expose-gc build/bench/ecosystem.bench.js`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { OpenFeature } from '@openfeature/server-sdk';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { do_not_optimize } from 'mitata';
import { SwitchyardProvider } from '../lib/openfeature/index.js';
import { instrumentSwitchyard } from '../lib/opentelemetry/index.js';
import { printRows, timeRow, type Row } from './bench-util.js';
import { openFeatureContext } from './peers/openfeature.js';
import { FLAG_COUNT, MATCHING_USER, S1_KEY, S2_KEY, flagKeyAt, flagKindAt } from './peers/scenario.js';
import { switchyardPeer } from './peers/switchyard.js';

const json = switchyardPeer.json(FLAG_COUNT, flagKeyAt, flagKindAt);
const load = async () => (await switchyardPeer.load(json)).handle;

const plain = await load();
const viaProvider = await load();
await OpenFeature.setProviderAndWait('bench', new SwitchyardProvider(viaProvider));
const of = OpenFeature.getClient('bench');
const ofContext = openFeatureContext(MATCHING_USER);

const inactive = await load();
const inactiveTelemetry = await instrumentSwitchyard(inactive, { spanEvents: true });
if (inactiveTelemetry.active) throw new Error('expected no SDK registered yet');

class Reader extends MetricReader {
  protected onShutdown = (): Promise<void> => Promise.resolve();
  protected onForceFlush = (): Promise<void> => Promise.resolve();
}
const meterProvider = new MeterProvider({ readers: [new Reader()] });
const metered = await load();
await instrumentSwitchyard(metered, { meter: meterProvider.getMeter('bench') });

class AlsContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active = (): Context => this.storage.getStore() ?? ROOT_CONTEXT;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind = <T>(_ctx: Context, target: T): T => target;
  enable = (): this => this;
  disable = (): this => this;
}
context.setGlobalContextManager(new AlsContextManager());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }),
);
const spanned = await load();
await instrumentSwitchyard(spanned, { metrics: false, spanEvents: true });
const spannedNoSpan = await load();
await instrumentSwitchyard(spannedNoSpan, { metrics: false, spanEvents: true });
const tracer = trace.getTracer('bench');

async function rows(key: string, title: string): Promise<void> {
  const result: Row[] = [
    await timeRow('client `boolVariation` (no telemetry)', () =>
      do_not_optimize(plain.boolVariation(key, MATCHING_USER, false)),
    ),
    await timeRow('client `boolVariationDetail`', () =>
      do_not_optimize(plain.boolVariationDetail(key, MATCHING_USER, false)),
    ),
    await timeRow('OpenFeature `getBooleanValue` via SwitchyardProvider (awaited)', () =>
      of.getBooleanValue(key, false, ofContext),
    ),
    await timeRow('telemetry: instrumentSwitchyard, no SDK registered (inactive)', () =>
      do_not_optimize(inactive.boolVariation(key, MATCHING_USER, false)),
    ),
    await timeRow('telemetry: metrics on (evaluation counter)', () =>
      do_not_optimize(metered.boolVariation(key, MATCHING_USER, false)),
    ),
    await timeRow('telemetry: span events on, no active span', () =>
      do_not_optimize(spannedNoSpan.boolVariation(key, MATCHING_USER, false)),
    ),
    await tracer.startActiveSpan('bench', async (span) => {
      const row = await timeRow('telemetry: span events on, inside a recording span', () =>
        do_not_optimize(spanned.boolVariation(key, MATCHING_USER, false)),
      );
      span.end();
      return row;
    }),
  ];
  printRows(title, result);
}

await rows(S1_KEY, 'S1 — flag on for everyone');
await rows(S2_KEY, 'S2 — three-condition rule');
await OpenFeature.close();
await meterProvider.shutdown();
for (const client of [plain, viaProvider, inactive, metered, spanned, spannedNoSpan]) await client.close();
