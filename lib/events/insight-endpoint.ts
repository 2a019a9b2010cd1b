import type { IncomingMessage, ServerResponse } from 'node:http';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { decodeComponent, parseRequestTarget } from '../core/request-url.js';
import { envSecretMatcher } from '../sync/env-secrets.js';
import type { ExperimentQuery, ExperimentResult, ExperimentSummary } from './experiment-results.js';
import type { InsightReceiver } from './insight-collector.js';
import { INSIGHT_TRACK_PATH } from './insight-event.js';
import { InsightPayloadError, parseInsightPayload } from './insight-payload.js';

/** Where experiment results are served by default (a Switchyard addition; FeatBit has no such route). @publicApi */
export const EXPERIMENTS_PATH = '/api/switchyard/experiments';

/** A receiver that can also answer experiment queries (an `InsightCollector`). @publicApi */
export interface ExperimentSource extends InsightReceiver {
  results(flagKey: string, query: ExperimentQuery): ExperimentResult;
  experiments(): { flags: ExperimentSummary[]; eventNames: string[] };
}

/** Settings of {@link createInsightEndpoint}. @publicApi */
export interface InsightEndpointOptions {
  /** The FeatBit server-side env secrets accepted in `Authorization` (any of them). */
  envSecrets: readonly string[];
  /** Takes every accepted batch; when it can answer experiment queries, the results route is served too. */
  collector: InsightReceiver | ExperimentSource;
  /** Largest request body accepted (bytes); larger ones get 413. Default 1 MiB (50 events are ~15 KiB). */
  maxBodyBytes?: number;
  /** Path of the results route, or false for none. Default {@link EXPERIMENTS_PATH}. */
  experimentsPath?: string | false;
  logger?: SwitchyardLogger;
}

/**
 * A plain Node request handler: `http.createServer(endpoint)`, called from another handler after checking
 * {@link InsightEndpoint.handles}, or as Express/Nest middleware (`app.use(endpoint)`): with `next`, other paths
 * are passed on instead of answered 404, and a body already parsed by a body parser (`request.body`) is used.
 * @publicApi
 */
export interface InsightEndpoint {
  (request: IncomingMessage, response: ServerResponse, next?: () => void): void;
  /** True for the paths this endpoint serves (the track path and the results routes). */
  handles(url: string | undefined): boolean;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
} as const;

/**
 * FeatBit's insight endpoint, `POST /api/public/insight/track` (docs/featbit-protocol.md §2), for a Switchyard server: FeatBit's
 * SDKs and ours can send their events here instead of to FeatBit. Checks `Authorization` (the raw env secret, as
 * the SDKs send it; else 401), the body size (413), that the body is a JSON array of insights (400 with the path of
 * the offending field), drops insights without a `user.keyId` as FeatBit does, answers 200
 * `{"accepted":n,"dropped":m}` and hands the batch to the collector.
 *
 * With a collector that computes results (`InsightCollector`), it also serves them, behind the same secret:
 * `GET /api/switchyard/experiments` (flags, exposures per variation, event names) and
 * `GET /api/switchyard/experiments/<flagKey>?event=<eventName>[&control=<variationId>]` (an `ExperimentResult`).
 * @publicApi
 */
export function createInsightEndpoint(options: InsightEndpointOptions): InsightEndpoint {
  if (!Array.isArray(options.envSecrets) || options.envSecrets.length === 0) {
    throw new TypeError(
      'createInsightEndpoint needs envSecrets: the FeatBit server-side secrets it accepts.',
    );
  }
  const routes = new InsightRoutes(options);
  const endpoint = (request: IncomingMessage, response: ServerResponse, next?: () => void): void =>
    routes.serve(request, response, next);
  endpoint.handles = (url: string | undefined): boolean => routes.handles(routePath(url));
  return endpoint;
}

/** The request path without trailing slashes (`/` for none), as the routes compare it. */
const routePath = (url: string | undefined): string =>
  parseRequestTarget(url).path.replace(/\/+$/, '') || '/';

/** The endpoint's routes: one method per step of a request (route, authorize, read the body, parse, answer). */
class InsightRoutes {
  private readonly knowsSecret: (secret: string) => boolean;
  private readonly collector: InsightReceiver;
  private readonly maxBodyBytes: number;
  private readonly logger: SwitchyardLogger;
  private readonly source: ExperimentSource | undefined;
  private readonly experimentsPath: string | undefined;

  constructor(options: InsightEndpointOptions) {
    this.knowsSecret = envSecretMatcher(options.envSecrets);
    this.collector = options.collector;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.logger = options.logger ?? consoleLogger;
    this.source = isExperimentSource(this.collector) ? this.collector : undefined;
    this.experimentsPath =
      this.source !== undefined && options.experimentsPath !== false
        ? (options.experimentsPath ?? EXPERIMENTS_PATH).replace(/\/+$/, '')
        : undefined;
  }

  handles(path: string): boolean {
    return path === INSIGHT_TRACK_PATH || this.isExperimentsPath(path);
  }

  serve(request: IncomingMessage, response: ServerResponse, next?: () => void): void {
    // Express rewrites `url` under a mount path; `originalUrl` is the full one.
    const url = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url;
    const path = routePath(url);
    try {
      if (path === INSIGHT_TRACK_PATH) this.track(request, response);
      else if (this.isExperimentsPath(path))
        this.experiments(request, response, path, parseRequestTarget(url).query);
      else if (next !== undefined) next();
      else {
        discard(request);
        reply(response, 404, { error: 'Not found.' });
      }
    } catch (error) {
      this.logger.error('Insight endpoint: unexpected failure.', error);
      if (!response.headersSent) reply(response, 500, { error: 'Internal error.' });
    }
  }

  private isExperimentsPath(path: string): boolean {
    const base = this.experimentsPath;
    return base !== undefined && (path === base || path.startsWith(base + '/'));
  }

  private authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization;
    return typeof header === 'string' && this.knowsSecret(header.trim());
  }

  private track(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'POST') {
      discard(request);
      reply(response, 405, { error: 'Use POST.' }, { allow: 'POST' });
      return;
    }
    if (!this.authorized(request)) {
      discard(request);
      this.logger.debug?.('Insight endpoint: refused a request without a known env secret.');
      reply(response, 401, { error: 'Authorization must be an env secret this server accepts.' });
      return;
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      discard(request);
      reply(response, 415, { error: `Content-Encoding '${encoding}' is not supported; send plain JSON.` });
      return;
    }
    const parsedBefore = (request as IncomingMessage & { body?: unknown }).body;
    if (parsedBefore !== undefined || request.readableEnded) {
      this.acceptParsedBefore(parsedBefore, response);
      return;
    }
    this.readBody(request, response);
  }

  /** Reads the body up to `maxBodyBytes` (413 beyond), then accepts it. */
  private readBody(request: IncomingMessage, response: ServerResponse): void {
    const limit = this.maxBodyBytes;
    const tooLargeError = { error: `The body is larger than ${limit} bytes; send smaller batches.` };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      discard(request);
      reply(response, 413, tooLargeError);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        reply(response, 413, tooLargeError);
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', () => {}); // the client went away: nothing to answer
    request.on('end', () => {
      if (tooLarge) return;
      this.accept(Buffer.concat(chunks, size).toString('utf8'), response);
    });
  }

  /** Behind a body parser (Express, Nest): the stream was read already. */
  private acceptParsedBefore(body: unknown, response: ServerResponse): void {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      this.accept(body.toString(), response);
    } else if (
      body === undefined ||
      (typeof body === 'object' && body !== null && Object.keys(body).length === 0 && !Array.isArray(body))
    ) {
      // What body parsers leave for a body they did not parse (another content type) or that was empty.
      reply(response, 400, {
        error:
          'The request body was read before the insight endpoint and not kept; send Content-Type: application/json.',
      });
    } else {
      this.acceptJson(body, response);
    }
  }

  private accept(text: string, response: ServerResponse): void {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      reply(response, 400, { error: `The body is not valid JSON: ${(error as Error).message}` });
      return;
    }
    this.acceptJson(body, response);
  }

  private acceptJson(body: unknown, response: ServerResponse): void {
    let parsed;
    try {
      parsed = parseInsightPayload(body);
    } catch (error) {
      if (!(error instanceof InsightPayloadError)) throw error;
      this.logger.debug?.(`Insight endpoint: ${error.message}`);
      reply(response, 400, { error: error.message });
      return;
    }
    try {
      if (parsed.events.length > 0) this.collector.receive(parsed.events);
    } catch (error) {
      this.logger.error('Insight endpoint: the collector failed on a batch.', error);
      reply(response, 500, { error: 'The batch could not be stored.' });
      return;
    }
    reply(response, 200, { accepted: parsed.events.length, dropped: parsed.dropped });
  }

  private experiments(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: ReadonlyMap<string, string>,
  ): void {
    discard(request);
    if (request.method !== 'GET') {
      reply(response, 405, { error: 'Use GET.' }, { allow: 'GET' });
      return;
    }
    if (!this.authorized(request)) {
      reply(response, 401, { error: 'Authorization must be an env secret this server accepts.' });
      return;
    }
    const { source, experimentsPath } = this;
    if (source === undefined || experimentsPath === undefined) return; // unreachable: handles() said no
    if (path === experimentsPath) {
      reply(response, 200, source.experiments());
      return;
    }
    const flagKey = decodeComponent(path.slice(experimentsPath.length + 1));
    const eventName = query.get('event');
    if (!flagKey || flagKey.includes('/')) {
      reply(response, 404, { error: `Use ${experimentsPath}/<flagKey>?event=<eventName>.` });
      return;
    }
    if (!eventName) {
      reply(response, 400, { error: "The query parameter 'event' (the metric event name) is required." });
      return;
    }
    const control = query.get('control');
    reply(response, 200, source.results(flagKey, { eventName, controlVariationId: control || undefined }));
  }
}

function isExperimentSource(receiver: InsightReceiver): receiver is ExperimentSource {
  const candidate = receiver as Partial<ExperimentSource>;
  return typeof candidate.results === 'function' && typeof candidate.experiments === 'function';
}

function reply(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  // An unread or cut-off body leaves the connection in an unknown state: close it after answering.
  const close = status === 413 || status === 401 || status === 405 || status === 415;
  response.writeHead(status, {
    ...JSON_HEADERS,
    ...headers,
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
}

/** Reads and drops a request body that will not be used. */
function discard(request: IncomingMessage): void {
  request.on('error', () => {});
  request.resume();
}
