import type { RawData } from 'ws';
import type { DataSyncPayload, StoreSnapshot } from '../core/store/flag-store.js';
import { SyncMessageError } from './streaming-errors.js';

/**
 * Frames of the FeatBit streaming protocol (docs/featbit-protocol.md §1.4): text frames holding `{"messageType", "data"}`.
 * Everything that arrives is checked here, at the edge; what is not a valid message throws `SyncMessageError`
 * and the caller logs and ignores it. Item contents (flags, segments, switches) are validated by the store.
 */

/** Message types (matched case-insensitively, as the FeatBit server does). */
export const MessageType = Object.freeze({ dataSync: 'data-sync', ping: 'ping', pong: 'pong' });

/** Close code of a request refused for good (invalid token, secret or clock): SDKs never reconnect after it. */
export const CLOSE_CODE_INVALID_REQUEST = 4003;

/** What the SDK sends every ping interval (node/py/go send `null` data). */
export const PING_FRAME = '{"messageType":"ping","data":null}';

/** What the server answers to a ping. */
export const PONG_FRAME = '{"messageType":"pong","data":{}}';

/** A message from a streaming server, as the client understands it. */
export type ServerMessage =
  | { readonly kind: 'data-sync'; readonly payload: DataSyncPayload }
  | { readonly kind: 'pong' }
  | { readonly kind: 'other'; readonly messageType: string };

/** A message from an SDK, as the server understands it. */
export type ClientMessage =
  | { readonly kind: 'data-sync'; readonly timestamp: number }
  | { readonly kind: 'ping' }
  | { readonly kind: 'other'; readonly messageType: string };

interface Envelope {
  readonly messageType: string;
  readonly data: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseEnvelope(text: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SyncMessageError(`Frame is not JSON (${(error as Error).message}).`);
  }
  if (!isPlainObject(parsed))
    throw new SyncMessageError(`Frame is ${describe(parsed)}, not a message object.`);
  const { messageType } = parsed;
  if (typeof messageType !== 'string' || messageType === '') {
    throw new SyncMessageError('Frame has no messageType string.');
  }
  return { messageType: messageType.toLowerCase(), data: parsed.data };
}

/** `featureFlags`, `segments` or `switches` of a data-sync body: an array, or absent when allowed. */
function itemArray(body: Record<string, unknown>, field: string, required: boolean): unknown[] | undefined {
  const value = body[field];
  if (Array.isArray(value)) return value;
  if ((value === undefined || value === null) && !required) return undefined;
  throw new SyncMessageError(`data-sync '${field}' is ${describe(value)}, expected an array.`);
}

/**
 * Reads a frame sent by a streaming server. A `full` must carry `featureFlags` and `segments` arrays (a full
 * sync replaces the store, so a malformed one must not wipe it); in a `patch` absent arrays mean "none".
 * @throws SyncMessageError when the frame is not JSON or has the wrong shape.
 */
export function parseServerMessage(text: string): ServerMessage {
  const { messageType, data } = parseEnvelope(text);
  if (messageType === MessageType.pong) return { kind: 'pong' };
  if (messageType !== MessageType.dataSync) return { kind: 'other', messageType };
  if (!isPlainObject(data))
    throw new SyncMessageError(`data-sync data is ${describe(data)}, expected an object.`);
  const { eventType } = data;
  if (eventType !== 'full' && eventType !== 'patch') {
    throw new SyncMessageError(
      `data-sync eventType is ${JSON.stringify(eventType)}, expected "full" or "patch".`,
    );
  }
  const full = eventType === 'full';
  const payload: DataSyncPayload = {
    eventType,
    featureFlags: itemArray(data, 'featureFlags', full) ?? [],
    segments: itemArray(data, 'segments', full) ?? [],
  };
  const switches = itemArray(data, 'switches', false);
  if (switches !== undefined) payload.switches = switches;
  return { kind: 'data-sync', payload };
}

/**
 * Reads a frame sent by an SDK. `data-sync` carries `{timestamp}`: absent, null or 0 asks for a full sync.
 * @throws SyncMessageError when the frame is not JSON, lacks `data`, or has a bad timestamp.
 */
export function parseClientMessage(text: string): ClientMessage {
  const { messageType, data } = parseEnvelope(text);
  if (messageType === MessageType.ping) return { kind: 'ping' };
  if (messageType !== MessageType.dataSync) return { kind: 'other', messageType };
  if (data !== null && !isPlainObject(data)) {
    throw new SyncMessageError(`data-sync data is ${describe(data)}, expected an object.`);
  }
  const timestamp = data?.timestamp ?? 0;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) {
    throw new SyncMessageError(
      `data-sync timestamp is ${JSON.stringify(timestamp)}, expected ms since epoch.`,
    );
  }
  return { kind: 'data-sync', timestamp: Math.trunc(timestamp) };
}

/** The SDK's request on every open: `timestamp` = the store version (0 asks for everything). */
export function dataSyncRequest(timestamp: number): string {
  return JSON.stringify({ messageType: MessageType.dataSync, data: { timestamp } });
}

/** A server's data-sync frame; switches ride in an extra `switches` array that FeatBit's SDKs ignore. */
export function dataSyncFrame(eventType: 'full' | 'patch', body: StoreSnapshot): string {
  return JSON.stringify({
    messageType: MessageType.dataSync,
    data: {
      eventType,
      featureFlags: body.featureFlags,
      segments: body.segments,
      switches: body.switches,
    },
  });
}

/** The text of a frame (FeatBit sends text frames; a binary one is read as UTF-8 too). */
export function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
