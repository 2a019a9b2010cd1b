import { SwitchyardError } from '../core/errors.js';
import { isBlank } from '../core/flags/flag-user.js';
import type {
  InsightEvent,
  InsightUser,
  InsightUserProperty,
  MetricInsight,
  VariationInsight,
} from './insight-event.js';

/**
 * A received insight payload is not what the endpoint takes. `path` points at the offending value, e.g.
 * `[2].variations[0].featureFlagKey`.
 * @publicApi
 */
export class InsightPayloadError extends SwitchyardError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`Invalid insight payload at ${path}: ${problem}.`);
  }
}

/** A validated payload: the insights kept, normalized, and how many were dropped for having no user key. @publicApi */
export interface ParsedInsights {
  readonly events: InsightEvent[];
  readonly dropped: number;
}

type Json = Record<string, unknown>;

/**
 * Validates a parsed insight body (docs/featbit-protocol.md §2) and normalizes it into our own objects (unknown fields left
 * out, custom attribute values stringified, a missing `numericValue` = 1, a missing `sendToExperiment` = false).
 * As FeatBit's server does, an insight whose `user.keyId` is missing or blank is dropped, not an error; a body
 * that is not an array, or a field of the wrong type, is an {@link InsightPayloadError}.
 * @publicApi
 */
export function parseInsightPayload(body: unknown): ParsedInsights {
  if (!Array.isArray(body)) throw new InsightPayloadError('$', 'expected a JSON array of insights');
  const events: InsightEvent[] = [];
  let dropped = 0;
  for (let i = 0; i < body.length; i++) {
    const path = `[${i}]`;
    const entry = asObject(body[i], path);
    const user = parseUser(entry.user, `${path}.user`);
    // Validate the rest even when the user is dropped: a malformed body is rejected as a whole.
    const variations = parseList(entry.variations, `${path}.variations`, parseVariation);
    const metrics = parseList(entry.metrics, `${path}.metrics`, parseMetric);
    if (user === undefined) {
      dropped++;
      continue;
    }
    const event: InsightEvent = { user };
    if (variations !== undefined) event.variations = variations;
    if (metrics !== undefined) event.metrics = metrics;
    events.push(event);
  }
  return { events, dropped };
}

function parseUser(value: unknown, path: string): InsightUser | undefined {
  if (value === undefined || value === null) return undefined;
  const user = asObject(value, path);
  const keyId = user.keyId;
  if (keyId === undefined || keyId === null) return undefined;
  if (typeof keyId !== 'string') throw new InsightPayloadError(`${path}.keyId`, 'expected a string');
  if (isBlank(keyId)) return undefined;
  const name = optionalString(user.name, `${path}.name`) ?? '';
  const customizedProperties: InsightUserProperty[] = [];
  const custom = user.customizedProperties;
  if (custom !== undefined && custom !== null) {
    if (!Array.isArray(custom))
      throw new InsightPayloadError(`${path}.customizedProperties`, 'expected an array');
    for (let i = 0; i < custom.length; i++) {
      const propertyPath = `${path}.customizedProperties[${i}]`;
      const property = asObject(custom[i], propertyPath);
      const propertyName = property.name;
      if (typeof propertyName !== 'string')
        throw new InsightPayloadError(`${propertyPath}.name`, 'expected a string');
      const propertyValue = property.value;
      if (propertyValue === undefined || propertyValue === null) continue;
      if (
        typeof propertyValue !== 'string' &&
        typeof propertyValue !== 'number' &&
        typeof propertyValue !== 'boolean'
      ) {
        throw new InsightPayloadError(`${propertyPath}.value`, 'expected a string');
      }
      customizedProperties.push({ name: propertyName, value: String(propertyValue) });
    }
  }
  return { keyId, name, customizedProperties };
}

function parseVariation(value: unknown, path: string): VariationInsight {
  const entry = asObject(value, path);
  const featureFlagKey = requiredString(entry.featureFlagKey, `${path}.featureFlagKey`);
  const variation = asObject(entry.variation, `${path}.variation`);
  const id = requiredString(variation.id, `${path}.variation.id`);
  const variationValue = optionalString(variation.value, `${path}.variation.value`) ?? '';
  const sendToExperiment = entry.sendToExperiment ?? false;
  if (typeof sendToExperiment !== 'boolean') {
    throw new InsightPayloadError(`${path}.sendToExperiment`, 'expected a boolean');
  }
  return {
    featureFlagKey,
    variation: { id, value: variationValue },
    sendToExperiment,
    timestamp: requiredTimestamp(entry.timestamp, `${path}.timestamp`),
  };
}

function parseMetric(value: unknown, path: string): MetricInsight {
  const entry = asObject(value, path);
  const numericValue = entry.numericValue ?? 1;
  if (typeof numericValue !== 'number' || !Number.isFinite(numericValue)) {
    throw new InsightPayloadError(`${path}.numericValue`, 'expected a finite number');
  }
  return {
    route: optionalString(entry.route, `${path}.route`) ?? 'index/metric',
    type: optionalString(entry.type, `${path}.type`) ?? 'CustomEvent',
    eventName: requiredString(entry.eventName, `${path}.eventName`),
    numericValue,
    appType: optionalString(entry.appType, `${path}.appType`) ?? '',
    timestamp: requiredTimestamp(entry.timestamp, `${path}.timestamp`),
  };
}

function parseList<T>(
  value: unknown,
  path: string,
  parseItem: (item: unknown, path: string) => T,
): T[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new InsightPayloadError(path, 'expected an array');
  const items: T[] = [];
  for (let i = 0; i < value.length; i++) items.push(parseItem(value[i], `${path}[${i}]`));
  return items;
}

function asObject(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InsightPayloadError(path, 'expected an object');
  }
  return value as Json;
}

function requiredString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new InsightPayloadError(path, 'expected a non-empty string');
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InsightPayloadError(path, 'expected a string');
  return value;
}

function requiredTimestamp(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InsightPayloadError(path, 'expected a Unix time in milliseconds');
  }
  return value;
}
