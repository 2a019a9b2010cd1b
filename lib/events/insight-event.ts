import { isBlank, userKeyOf, userNameOf } from '../core/flags/flag-user.js';

/**
 * The FeatBit insight wire format (docs/featbit-protocol.md §2): what the official SDKs POST to
 * `<eventsUri>/api/public/insight/track`, as a JSON array of {@link InsightEvent}s.
 */

/** The path of FeatBit's insight endpoint, appended to `eventsUri`. @publicApi */
export const INSIGHT_TRACK_PATH = '/api/public/insight/track';

/** The `appType` of metric events sent by Switchyard (the official SDKs send their own name). @publicApi */
export const SWITCHYARD_APP_TYPE = 'nest-switchyard';

/** A custom attribute on the wire: the value is always a string. @publicApi */
export interface InsightUserProperty {
  name: string;
  value: string;
}

/** The user of an insight, as FeatBit's SDKs send it. @publicApi */
export interface InsightUser {
  keyId: string;
  name: string;
  customizedProperties: InsightUserProperty[];
}

/** One evaluation a user saw. `variation` may carry more fields (the node SDK sends its `name` too). @publicApi */
export interface VariationInsight {
  featureFlagKey: string;
  variation: { id: string; value: string };
  sendToExperiment: boolean;
  /** Unix time in milliseconds. */
  timestamp: number;
}

/** One custom metric event (`trackMetric`). @publicApi */
export interface MetricInsight {
  route: string;
  type: string;
  eventName: string;
  numericValue: number;
  appType: string;
  /** Unix time in milliseconds. */
  timestamp: number;
}

/**
 * One element of the JSON array the insight endpoint takes: a user and the evaluations it saw and/or the metric
 * events it sent (the SDKs send one of the two, with one entry; FeatBit's server accepts both and more).
 * @publicApi
 */
export interface InsightEvent {
  user: InsightUser;
  variations?: VariationInsight[];
  metrics?: MetricInsight[];
}

/** Properties of a plain user that are not custom attributes. */
const BUILT_IN_PROPERTIES: ReadonlySet<string> = new Set(['key', 'keyId', 'name', 'customizedProperties']);

/**
 * The wire form of a user: `{ keyId, name, customizedProperties: [{ name, value: string }] }`, or undefined when
 * the user has no usable key (blank or missing; FeatBit's server drops such insights). Accepts both user shapes
 * of `FlagUser`: every other own property of a plain user is a custom attribute; entries of
 * `customizedProperties` follow, unless a direct property or an earlier entry has the same name (the evaluator's
 * lookup order). Strings are kept, numbers, booleans and bigints stringified; objects, functions, null and undefined are
 * left out (the evaluator treats them as missing too).
 * @publicApi
 */
export function toInsightUser(user: unknown): InsightUser | undefined {
  const keyId = userKeyOf(user);
  if (keyId === undefined || isBlank(keyId)) return undefined;
  const record = user as Record<string, unknown>;
  const properties: InsightUserProperty[] = [];
  for (const name of Object.keys(record)) {
    if (BUILT_IN_PROPERTIES.has(name)) continue;
    const value = wireValue(record[name]);
    if (value !== undefined) properties.push({ name, value });
  }
  const custom = record.customizedProperties;
  if (Array.isArray(custom) && custom.length > 0) {
    const seen = new Set(properties.map((property) => property.name));
    for (const entry of custom as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { name, value } = entry as { name?: unknown; value?: unknown };
      if (typeof name !== 'string' || seen.has(name)) continue;
      seen.add(name); // the first entry of a name wins, even when its value is unusable
      const text = wireValue(value);
      if (text !== undefined) properties.push({ name, value: text });
    }
  }
  return { keyId, name: userNameOf(record), customizedProperties: properties };
}

function wireValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}
