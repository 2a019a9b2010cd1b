import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
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
 * FeatBit's insight endpoint, `POST /api/public/insight/track` (reference §2), for a Switchyard server: FeatBit's
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
  const secrets = options.envSecrets.map((secret) => Buffer.from(secret, 'utf8'));
  const collector = options.collector;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? consoleLogger;
  const source = isExperimentSource(collector) ? collector : undefined;
  const experimentsPath =
    source !== undefined && options.experimentsPath !== false
      ? (options.experimentsPath ?? EXPERIMENTS_PATH).replace(/\/+$/, '')
      : undefined;

  const authorized = (request: IncomingMessage): boolean => {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return false;
    const candidate = Buffer.from(header.trim(), 'utf8');
    let known = false;
    for (const secret of secrets) {
      if (secret.length === candidate.length && timingSafeEqual(secret, candidate)) known = true;
    }
    return known;
  };

  const track = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method !== 'POST') {
      discard(request);
      reply(response, 405, { error: 'Use POST.' }, { allow: 'POST' });
      return;
    }
    if (!authorized(request)) {
      discard(request);
      logger.debug?.('Insight endpoint: refused a request without a known env secret.');
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
      acceptParsedBefore(parsedBefore, response);
      return;
    }
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      discard(request);
      reply(response, 413, { error: `The body is larger than ${maxBodyBytes} bytes; send smaller batches.` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
        reply(response, 413, {
          error: `The body is larger than ${maxBodyBytes} bytes; send smaller batches.`,
        });
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', () => {}); // the client went away: nothing to answer
    request.on('end', () => {
      if (tooLarge) return;
      accept(Buffer.concat(chunks, size).toString('utf8'), response);
    });
  };

  /** Behind a body parser (Express, Nest): the stream was read already. */
  const acceptParsedBefore = (body: unknown, response: ServerResponse): void => {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      accept(body.toString(), response);
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
      acceptJson(body, response);
    }
  };

  const accept = (text: string, response: ServerResponse): void => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      reply(response, 400, { error: `The body is not valid JSON: ${(error as Error).message}` });
      return;
    }
    acceptJson(body, response);
  };

  const acceptJson = (body: unknown, response: ServerResponse): void => {
    let parsed;
    try {
      parsed = parseInsightPayload(body);
    } catch (error) {
      if (!(error instanceof InsightPayloadError)) throw error;
      logger.debug?.(`Insight endpoint: ${error.message}`);
      reply(response, 400, { error: error.message });
      return;
    }
    try {
      if (parsed.events.length > 0) collector.receive(parsed.events);
    } catch (error) {
      logger.error('Insight endpoint: the collector failed on a batch.', error);
      reply(response, 500, { error: 'The batch could not be stored.' });
      return;
    }
    reply(response, 200, { accepted: parsed.events.length, dropped: parsed.dropped });
  };

  const experiments = (
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): void => {
    discard(request);
    if (request.method !== 'GET') {
      reply(response, 405, { error: 'Use GET.' }, { allow: 'GET' });
      return;
    }
    if (!authorized(request)) {
      reply(response, 401, { error: 'Authorization must be an env secret this server accepts.' });
      return;
    }
    if (source === undefined || experimentsPath === undefined) return; // unreachable: handles() said no
    if (path === experimentsPath) {
      reply(response, 200, source.experiments());
      return;
    }
    const flagKey = safeDecode(path.slice(experimentsPath.length + 1));
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
  };

  const route = (url: string | undefined): { path: string; query: URLSearchParams } => {
    const text = url ?? '/';
    const at = text.indexOf('?');
    const path = (at === -1 ? text : text.slice(0, at)).replace(/\/+$/, '') || '/';
    return { path, query: new URLSearchParams(at === -1 ? '' : text.slice(at + 1)) };
  };

  const isExperimentsPath = (path: string): boolean =>
    experimentsPath !== undefined && (path === experimentsPath || path.startsWith(experimentsPath + '/'));

  const endpoint = (request: IncomingMessage, response: ServerResponse, next?: () => void): void => {
    // Express rewrites `url` under a mount path; `originalUrl` is the full one.
    const { path, query } = route(
      (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url,
    );
    try {
      if (path === INSIGHT_TRACK_PATH) track(request, response);
      else if (isExperimentsPath(path)) experiments(request, response, path, query);
      else if (next !== undefined) next();
      else {
        discard(request);
        reply(response, 404, { error: 'Not found.' });
      }
    } catch (error) {
      logger.error('Insight endpoint: unexpected failure.', error);
      if (!response.headersSent) reply(response, 500, { error: 'Internal error.' });
    }
  };
  endpoint.handles = (url: string | undefined): boolean => {
    const { path } = route(url);
    return path === INSIGHT_TRACK_PATH || isExperimentsPath(path);
  };
  return endpoint;
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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
