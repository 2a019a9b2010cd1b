import { publishInsightDeliveryFailure } from '../core/diagnostics.js';
import { SwitchyardError } from '../core/errors.js';
import type { FlagEvaluation } from '../core/flags/eval-detail.js';
import { isBlank, userKeyOf } from '../core/flags/flag-user.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { redactedUrl } from '../core/redacted-url.js';
import {
  INSIGHT_TRACK_PATH,
  SWITCHYARD_APP_TYPE,
  toInsightUser,
  type InsightEvent,
  type InsightUser,
} from './insight-event.js';
import { jitteredDelay } from '../sync/backoff.js';
import { CoarseClock } from './coarse-clock.js';
import { DedupeWindow } from './dedupe-window.js';
import type { InsightSink } from './insight-sink.interface.js';

/** Settings of an {@link InsightPublisher}. @publicApi */
export interface InsightPublisherOptions {
  /** Base URI of the events server (FeatBit or a Switchyard server); `/api/public/insight/track` is appended. */
  eventsUri: string;
  /** The FeatBit server-side env secret, sent as `Authorization`. */
  envSecret: string;
  logger?: SwitchyardLogger;
  /** How often queued events are sent (ms). Default 2 000, as the node SDK; 0 = only on `flush()`/`close()`. */
  flushIntervalMs?: number;
  /** Events held at most; more are dropped with a warning and counted. Default 10 000, as every SDK. */
  maxEventsInQueue?: number;
  /** Events per POST. Default 50, as every SDK. */
  maxEventsPerRequest?: number;
  /** Time limit of one POST (ms). Default 10 000. */
  requestTimeoutMs?: number;
  /** Attempts per batch on 5xx, 408, 429 and network errors (the first included). Default 4. */
  maxAttempts?: number;
  /** Wait before the first retry (ms); doubled for each next one, with jitter. Default 500. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts (ms), also for a `Retry-After` answer. Default 10 000. */
  retryMaxDelayMs?: number;
  /** How long `close()` waits for the last delivery before dropping the rest (ms). Default 10 000. */
  closeTimeoutMs?: number;
  /**
   * Send one evaluation event per user, flag evaluation and flush window, as the node SDK (which drops identical
   * payloads per flush). Keeps a hot loop from flooding the queue. Default true.
   */
  dedupeEvaluations?: boolean;
  /** `appType` of metric events and the `User-Agent`. Default `nest-switchyard`. */
  appType?: string;
  /** The `fetch` to use (a proxy-aware one, a test double). Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Counters of an {@link InsightPublisher}. @publicApi */
export interface InsightPublisherStats {
  /** Events waiting for the next flush. */
  readonly queued: number;
  /** Events the server accepted (2xx). */
  readonly delivered: number;
  /** POSTs sent, retries included. */
  readonly requests: number;
  /** Retries after a 5xx, 408, 429 or network error. */
  readonly retries: number;
  /** Evaluations not queued because the same user saw the same evaluation in this flush window. */
  readonly deduplicated: number;
  readonly dropped: {
    /** Queue full. */
    readonly overflow: number;
    /** Retries exhausted (or cut short by `close()`'s time limit). */
    readonly failed: number;
    /** Refused by the server with a 4xx other than 401/403/408/429. */
    readonly rejected: number;
    /** After the server answered 401/403 (delivery stopped for good). */
    readonly unauthorized: number;
    /** Recorded after `close()`. */
    readonly closed: number;
    /** No usable user key, blank event name, or a value that is not a finite number. */
    readonly invalid: number;
  };
  /** Why delivery stopped for good, if it did. */
  readonly stopError: InsightDeliveryStoppedError | undefined;
}

/**
 * The events server refused the env secret (401/403): insight delivery stopped for good.
 * @publicApi
 */
export class InsightDeliveryStoppedError extends SwitchyardError {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(
      `Insight delivery stopped for good: POST ${url} answered ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}, ` +
        'so the events server does not accept this envSecret. Check envSecret and eventsUri; until the client is ' +
        'restarted with a secret the server accepts, insight events are dropped.',
    );
  }
}

const DEFAULT_FLUSH_INTERVAL_MS = 2_000;
const DEFAULT_MAX_EVENTS_IN_QUEUE = 10_000;
const DEFAULT_MAX_EVENTS_PER_REQUEST = 50;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_RETRY_BASE_DELAY_MS = 500;
const DEFAULT_RETRY_MAX_DELAY_MS = 10_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const METRIC_ROUTE = 'index/metric';
const METRIC_TYPE = 'CustomEvent';

interface Batch {
  readonly body: string;
  readonly count: number;
}

type Delivery = 'delivered' | 'rejected' | 'stopped' | 'gave-up';

/**
 * Sends insight events to FeatBit's `POST <eventsUri>/api/public/insight/track` (or a Switchyard server's), in
 * the official SDKs' JSON (docs/featbit-protocol.md §2): one insight per evaluation or metric event, at most 50 per request.
 *
 * Recording is on the evaluation hot path, so it only writes the user, the (shared, frozen) evaluation or event
 * name, the value and the time into arrays kept from flush to flush: no JSON, no promise, no I/O, never a throw. The shaping into JSON is
 * done when a flush takes the queue. A flush runs every `flushIntervalMs` (timer unref'd), when the queue is half
 * full, on `flush()` and on `close()`; batches go out one after the other, in recording order. A 5xx, 408, 429 or
 * network error is retried with exponential back-off and jitter (`maxAttempts`); when a batch still fails, the
 * rest of that flush is dropped too (the server is unreachable) and counted. A 401/403 stops delivery for good
 * with a clear logged {@link InsightDeliveryStoppedError}. Note: the user object is read at flush time, so a user
 * mutated within the flush window is sent as it is then.
 *
 * ```ts
 * const insights = new InsightPublisher({ eventsUri: 'https://featbit.example.com', envSecret });
 * const client = new FeatureFlagClient({ envSecret, streamingUri, insights });
 * ```
 * @publicApi
 */
export class InsightPublisher implements InsightSink {
  /** The full URL events are posted to. */
  readonly url: string;
  private readonly logger: SwitchyardLogger;
  private readonly capacity: number;
  private readonly perRequest: number;
  private readonly requestTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly closeTimeoutMs: number;
  private readonly dedupe: boolean;
  private readonly appType: string;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly earlyFlushAt: number;
  private readonly shutdown = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;

  // The queue: arrays kept from flush to flush, written by index, so recording allocates nothing per event.
  /** `[user, subject, user, subject, …]`; a subject is a FlagEvaluation (evaluation) or an event name (metric). */
  private slots: unknown[] = [];
  private values: Float64Array;
  private times: Float64Array;
  private count = 0;
  private readonly clock = new CoarseClock();
  /** The (evaluation, user key) pairs queued in this flush window. */
  private readonly seen = new DedupeWindow();

  private inFlight: Promise<void> | undefined;
  private nextFlush: Promise<void> | undefined;
  private earlyFlushScheduled = false;
  private closing: Promise<void> | undefined;
  private closed = false;
  private stopError: InsightDeliveryStoppedError | undefined;
  private overflowInWindow = 0;
  private invalidWarned = false;
  private readonly counts = {
    delivered: 0,
    requests: 0,
    retries: 0,
    deduplicated: 0,
    overflow: 0,
    failed: 0,
    rejected: 0,
    unauthorized: 0,
    closed: 0,
    invalid: 0,
  };

  constructor(options: InsightPublisherOptions) {
    if (typeof options.envSecret !== 'string' || isBlank(options.envSecret)) {
      throw new TypeError(
        'InsightPublisher needs envSecret: the FeatBit server-side secret the events server accepts.',
      );
    }
    this.url = insightTrackUrl(options.eventsUri);
    this.logger = options.logger ?? consoleLogger;
    this.capacity = positiveInteger(
      options.maxEventsInQueue,
      DEFAULT_MAX_EVENTS_IN_QUEUE,
      'maxEventsInQueue',
    );
    this.perRequest = positiveInteger(
      options.maxEventsPerRequest,
      DEFAULT_MAX_EVENTS_PER_REQUEST,
      'maxEventsPerRequest',
    );
    this.requestTimeoutMs = positiveInteger(
      options.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
      'requestTimeoutMs',
    );
    this.maxAttempts = positiveInteger(options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 'maxAttempts');
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.dedupe = options.dedupeEvaluations ?? true;
    this.appType = options.appType ?? SWITCHYARD_APP_TYPE;
    this.fetchImpl = options.fetch ?? fetch;
    this.headers = {
      'Content-Type': 'application/json',
      Authorization: options.envSecret,
      'User-Agent': this.appType,
    };
    const initial = Math.min(this.capacity, 1024);
    this.values = new Float64Array(initial);
    this.times = new Float64Array(initial);
    // Past half the capacity, flush at once instead of waiting for the timer (and overflowing meanwhile).
    this.earlyFlushAt = Math.max(this.perRequest, Math.floor(this.capacity / 2));
    const interval = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    if (interval > 0 && Number.isFinite(interval)) {
      this.timer = setInterval(() => this.flushOnTimer(), interval);
      this.timer.unref();
    }
  }

  /** Counters: queued, delivered, retried, dropped by cause. */
  get stats(): InsightPublisherStats {
    const c = this.counts;
    return {
      queued: this.count,
      delivered: c.delivered,
      requests: c.requests,
      retries: c.retries,
      deduplicated: c.deduplicated,
      dropped: {
        overflow: c.overflow,
        failed: c.failed,
        rejected: c.rejected,
        unauthorized: c.unauthorized,
        closed: c.closed,
        invalid: c.invalid,
      },
      stopError: this.stopError,
    };
  }

  // ---------------------------------------------------------------- recording (hot path)

  /** Queues the evaluation event of `evaluation` for `user`. O(1), never throws, never waits. */
  recordEvaluation(user: unknown, evaluation: FlagEvaluation): void {
    try {
      if (this.closed || this.stopError !== undefined) {
        this.dropInactive();
        return;
      }
      if (!this.dedupe) {
        this.enqueue(user, evaluation, 0);
        return;
      }
      const key = userKeyOf(user);
      if (key === undefined) {
        this.dropInvalid('an evaluation for a user without a key');
        return;
      }
      if (this.count >= this.capacity) {
        this.overflow(); // checked first: the window then only holds pairs that were queued
        return;
      }
      if (!this.seen.add(evaluation, key)) {
        this.counts.deduplicated++;
        return;
      }
      this.enqueue(user, evaluation, 0);
    } catch {
      // A user object whose getters throw: leave evaluation alone.
      this.counts.invalid++;
    }
  }

  /** Queues a metric event. Never throws, never waits. */
  recordMetric(user: unknown, eventName: string, numericValue: number): void {
    try {
      if (this.closed || this.stopError !== undefined) {
        this.dropInactive();
        return;
      }
      const key = userKeyOf(user);
      if (key === undefined || isBlank(key)) {
        this.dropInvalid(`metric event '${String(eventName)}' for a user without a key`);
        return;
      }
      if (typeof eventName !== 'string' || isBlank(eventName)) {
        this.dropInvalid('a metric event without a name');
        return;
      }
      if (typeof numericValue !== 'number' || !Number.isFinite(numericValue)) {
        this.dropInvalid(
          `metric event '${eventName}' with value ${String(numericValue)} (not a finite number)`,
        );
        return;
      }
      this.enqueue(user, eventName, numericValue);
    } catch {
      this.counts.invalid++;
    }
  }

  private enqueue(user: unknown, subject: FlagEvaluation | string, value: number): boolean {
    const index = this.count;
    if (index >= this.capacity) {
      this.overflow();
      return false;
    }
    if (index === this.times.length) this.grow();
    this.slots[2 * index] = user;
    this.slots[2 * index + 1] = subject;
    this.values[index] = value;
    this.times[index] = this.clock.now();
    this.count = index + 1;
    if (index + 1 === this.earlyFlushAt) this.scheduleEarlyFlush();
    return true;
  }

  private grow(): void {
    const size = Math.min(this.capacity, this.times.length * 2);
    const values = new Float64Array(size);
    const times = new Float64Array(size);
    values.set(this.values);
    times.set(this.times);
    this.values = values;
    this.times = times;
  }

  /** Empties the queue and the dedupe window (releasing the users it held). */
  private reset(): void {
    this.slots.fill(undefined, 0, 2 * this.count);
    this.count = 0;
    this.seen.clear();
  }

  private overflow(): void {
    this.counts.overflow++;
    if (this.overflowInWindow++ === 0) {
      this.logger.warn(
        `The insight queue is full (${this.capacity} events): new events are dropped until the next flush. ` +
          'Raise maxEventsInQueue or lower flushIntervalMs.',
      );
    }
  }

  private dropInactive(): void {
    if (this.stopError !== undefined) this.counts.unauthorized++;
    else this.counts.closed++;
  }

  private dropInvalid(what: string): void {
    this.counts.invalid++;
    if (this.invalidWarned) return;
    this.invalidWarned = true;
    this.logger.warn(`Dropped ${what}; later invalid events are only counted (stats.dropped.invalid).`);
  }

  private scheduleEarlyFlush(): void {
    if (this.earlyFlushScheduled) return;
    this.earlyFlushScheduled = true;
    setImmediate(() => {
      this.earlyFlushScheduled = false;
      this.flushOnTimer();
    }).unref();
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Sends everything queued so far; resolves once it was delivered or given up (never rejects). While a delivery
   * runs, one more flush is queued behind it and shared by every caller meanwhile, so memory stays bounded even
   * when the server is down.
   */
  flush(): Promise<void> {
    const running = this.inFlight;
    if (running === undefined) return this.startSend();
    this.nextFlush ??= running.then(() => {
      this.nextFlush = undefined;
      return this.startSend();
    });
    return this.nextFlush;
  }

  /** Flushes (waiting at most `closeTimeoutMs`), then stops: later events are dropped and counted. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.timer);
    const flushed = this.flush();
    this.closed = true; // after the flush took the queue: what was recorded before close() is sent
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.closeTimeoutMs);
    });
    const late = await Promise.race([flushed.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.logger.warn(
        `close(): insight delivery did not finish within ${this.closeTimeoutMs} ms; the events still pending are dropped.`,
      );
      this.shutdown.abort();
      await flushed;
    }
  }

  /** The timer's and the early flush's entry: never throws into the event loop. */
  private flushOnTimer(): void {
    try {
      if (this.inFlight === undefined && this.count > 0) void this.startSend();
    } catch {
      // A throwing logger while draining; the next flush tries again.
    }
  }

  private startSend(): Promise<void> {
    if (this.count === 0 || this.stopError !== undefined) return Promise.resolve();
    const batches = this.drain();
    if (batches.length === 0) return Promise.resolve();
    const run = this.deliverAll(batches)
      .catch(() => {}) // only a throwing logger gets here; flush() never rejects
      .finally(() => {
        if (this.inFlight === run) this.inFlight = undefined;
      });
    this.inFlight = run;
    return run;
  }

  /** Takes the whole queue and shapes it into JSON batches (the only place events become objects). */
  private drain(): Batch[] {
    const { slots, values, times, count } = this;
    if (this.overflowInWindow > 0) {
      this.logger.warn(
        `Dropped ${this.overflowInWindow} insight events in the last flush window (queue full); ` +
          `${this.counts.overflow} in total.`,
      );
      this.overflowInWindow = 0;
    }
    const wireUsers = new Map<unknown, InsightUser | null>();
    const batches: Batch[] = [];
    let batch: InsightEvent[] = [];
    for (let i = 0; i < count; i++) {
      const user = slots[2 * i];
      let wireUser = wireUsers.get(user);
      if (wireUser === undefined) {
        wireUser = safeInsightUser(user);
        wireUsers.set(user, wireUser);
      }
      if (wireUser === null) {
        this.counts.invalid++;
        continue;
      }
      batch.push(this.toInsight(wireUser, slots[2 * i + 1] as FlagEvaluation | string, values[i], times[i]));
      if (batch.length === this.perRequest) {
        batches.push({ body: JSON.stringify(batch), count: batch.length });
        batch = [];
      }
    }
    if (batch.length > 0) batches.push({ body: JSON.stringify(batch), count: batch.length });
    this.reset();
    return batches;
  }

  private toInsight(
    user: InsightUser,
    subject: FlagEvaluation | string,
    value: number,
    timestamp: number,
  ): InsightEvent {
    if (typeof subject === 'string') {
      return {
        user,
        metrics: [
          {
            route: METRIC_ROUTE,
            type: METRIC_TYPE,
            eventName: subject,
            numericValue: value,
            appType: this.appType,
            timestamp,
          },
        ],
      };
    }
    const variation = subject.variation;
    return {
      user,
      variations: [
        {
          featureFlagKey: subject.flagKey,
          variation: { id: variation?.id ?? '', value: variation?.value ?? '' },
          sendToExperiment: subject.sendToExperiment,
          timestamp,
        },
      ],
    };
  }

  private async deliverAll(batches: readonly Batch[]): Promise<void> {
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i];
      if (this.stopError !== undefined) {
        this.counts.unauthorized += batch.count;
        continue;
      }
      const outcome = await this.deliver(batch);
      if (outcome === 'gave-up' && i + 1 < batches.length) {
        // The server is unreachable: do not spend another round of retries on each remaining batch.
        let rest = 0;
        for (let j = i + 1; j < batches.length; j++) rest += batches[j].count;
        this.counts.failed += rest;
        publishInsightDeliveryFailure({ publisher: this, events: rest, cause: 'gave-up' });
        this.logger.warn(
          `Dropped the ${rest} other insight events of this flush: the events server is unreachable.`,
        );
        return;
      }
    }
  }

  private async deliver(batch: Batch): Promise<Delivery> {
    for (let attempt = 1; ; attempt++) {
      this.counts.requests++;
      let status = 0;
      let detail: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.fetchImpl(this.url, {
          method: 'POST',
          headers: this.headers,
          body: batch.body,
          signal: AbortSignal.any([AbortSignal.timeout(this.requestTimeoutMs), this.shutdown.signal]),
        });
        status = response.status;
        const text = await response.text().catch(() => ''); // reading the body frees the connection
        detail = `${status}${text ? ` ${excerpt(text)}` : ''}`;
        retryAfterMs = retryAfter(response.headers.get('retry-after'));
      } catch (error) {
        detail = describeFetchError(error);
      }
      if (status >= 200 && status < 300) {
        this.counts.delivered += batch.count;
        return 'delivered';
      }
      if (status === 401 || status === 403) {
        this.stop(status, batch.count);
        return 'stopped';
      }
      if (status !== 0 && !isRetryable(status)) {
        this.counts.rejected += batch.count;
        publishInsightDeliveryFailure({ publisher: this, events: batch.count, cause: 'rejected' });
        this.logger.error(
          `The events server refused ${batch.count} insight events (${detail}); they are dropped. ` +
            `Check eventsUri (${redactedUrl(this.url)}).`,
        );
        return 'rejected';
      }
      if (this.shutdown.signal.aborted || attempt >= this.maxAttempts) {
        this.counts.failed += batch.count;
        publishInsightDeliveryFailure({ publisher: this, events: batch.count, cause: 'gave-up' });
        this.logger.warn(
          `Dropped ${batch.count} insight events after ${attempt} attempts (last: ${detail}).`,
        );
        return 'gave-up';
      }
      this.counts.retries++;
      this.logger.debug?.(`Insight delivery attempt ${attempt} failed (${detail}); retrying.`);
      await this.pause(this.backoff(attempt, retryAfterMs));
    }
  }

  private stop(status: number, pending: number): void {
    this.stopError = new InsightDeliveryStoppedError(status, redactedUrl(this.url));
    this.logger.error(this.stopError.message);
    clearInterval(this.timer);
    this.counts.unauthorized += pending + this.count;
    publishInsightDeliveryFailure({ publisher: this, events: pending + this.count, cause: 'unauthorized' });
    this.reset();
  }

  /** The streaming back-off's formula (sync/backoff.ts), at least any `Retry-After`, at most the cap. */
  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const jittered = jitteredDelay(this.retryBaseDelayMs, this.retryMaxDelayMs, attempt - 1, Math.random);
    return Math.min(this.retryMaxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
  }

  /** Waits, cut short by `close()`'s time limit. Keeps the process alive only while closing. */
  private pause(ms: number): Promise<void> {
    const signal = this.shutdown.signal;
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (this.closing === undefined) timer.unref();
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** `<eventsUri>/api/public/insight/track` (kept as is when `eventsUri` already ends with that path). */
export function insightTrackUrl(eventsUri: string): string {
  let url: URL;
  try {
    url = new URL(eventsUri);
  } catch {
    throw new TypeError(
      `InsightPublisher: eventsUri '${String(eventsUri)}' is not a URL (e.g. https://featbit.example.com).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`InsightPublisher: eventsUri must be an http(s) URL, got '${eventsUri}'.`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith(INSIGHT_TRACK_PATH) ? path : path + INSIGHT_TRACK_PATH;
  return url.toString();
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`InsightPublisher: ${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

function isRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function safeInsightUser(user: unknown): InsightUser | null {
  try {
    return toInsightUser(user) ?? null;
  } catch {
    return null;
  }
}

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  if (error.name === 'AbortError') return 'aborted by close()';
  const cause = (error as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
