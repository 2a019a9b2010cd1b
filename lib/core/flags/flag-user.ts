/**
 * The user a flag is evaluated for, and attribute lookup (docs/featbit-protocol.md §4.2 and the current missing-attribute
 * rule of §4.3). Two shapes are accepted, read without copying:
 * - seed style `{ key, name?, email?, country?, ...custom }`: every other own property is a custom attribute;
 * - FeatBit wire style `{ keyId, name?, customizedProperties: [{ name, value }] }` (node SDK's `UserBuilder`
 *   output `{ key, name, customizedProperties }` works too).
 * A custom attribute is looked up as a direct property first, then in `customizedProperties` (first entry of
 * that name wins). Strings are used as they are; numbers and booleans are stringified; objects, arrays,
 * functions, null and undefined count as missing.
 */

import { generateFunction } from './generated-code.js';

// Captured and called with `.call`: see the note in core/flags/md5-dispatch.ts (V8 may stop inlining them).
const charCodeAtOf = String.prototype.charCodeAt;

/** A user of flag evaluation: plain (seed style) or FeatBit wire style. @publicApi */
export type FlagUser =
  | { key: string; name?: string; email?: string; country?: string; [attribute: string]: unknown }
  | { keyId: string; name?: string; customizedProperties?: ReadonlyArray<{ name: string; value: unknown }> };

/** Property name of the built-in user key. */
export const KEY_ID_PROPERTY = 'keyId';
/** Property name of the built-in user name. */
export const NAME_PROPERTY = 'name';

type UserRecord = Record<string, unknown>;

/**
 * True when `input` is user-shaped: an object with a string `key` or `keyId`. A blank key still counts (its
 * evaluation then says `user not specified`).
 * @publicApi
 */
export function isFlagUser(input: unknown): input is FlagUser {
  return userKeyOf(input) !== undefined;
}

/**
 * The user's key: `key` when it is a string, else `keyId` when it is a string, else undefined.
 * @publicApi
 */
export function userKeyOf(user: unknown): string | undefined {
  if (typeof user !== 'object' || user === null) return undefined;
  const key = (user as UserRecord).key;
  if (typeof key === 'string') return key;
  const keyId = (user as UserRecord).keyId;
  return typeof keyId === 'string' ? keyId : undefined;
}

/**
 * The user's name; a user without one has name `""` (the SDK builders' default), so `name` is never missing.
 * @internal
 */
export function userNameOf(user: object): string {
  const name = (user as UserRecord).name;
  if (typeof name === 'string') return name;
  if (typeof name === 'number' || typeof name === 'boolean') return String(name);
  return '';
}

/**
 * A custom attribute as stored: string, number (kept as a number so numeric operators need no parse;
 * string operators stringify it) or undefined when missing. Booleans come back as `"true"`/`"false"`.
 * @internal
 */
export function customAttributeOf(user: object, property: string): string | number | undefined {
  return customAttributeFrom((user as UserRecord)[property], user, property);
}

/**
 * {@link customAttributeOf} when the direct property was already read (by a generated {@link AttributeReader}):
 * `direct` if it is usable, else the first `customizedProperties` entry named `property`.
 * @internal
 */
export function customAttributeFrom(
  direct: unknown,
  user: object,
  property: string,
): string | number | undefined {
  if (typeof direct === 'string' || typeof direct === 'number') return direct;
  if (typeof direct === 'boolean') return direct ? 'true' : 'false';
  const properties = (user as UserRecord).customizedProperties;
  if (properties === undefined || !Array.isArray(properties)) return undefined;
  return customizedPropertyOf(properties, property);
}

/**
 * Reads the value of one fixed property for a user whose key is `key`: the key (`keyId`), the name, or a
 * custom attribute as {@link customAttributeOf} gives it.
 * @internal
 */
export type AttributeReader = (user: object, key: string) => string | number | undefined;

const readKey: AttributeReader = (_user, key) => key;
const readName: AttributeReader = (user) => userNameOf(user);

/** Readers are shared per property name; past this many names, new ones fall back to a keyed read. */
const MAX_GENERATED_READERS = 1024;
const readers = new Map<string, AttributeReader>();
/** The custom attribute each generated reader reads (rule tests inline those reads). */
const readerProperties = new WeakMap<AttributeReader, string>();

/** The custom attribute `reader` reads directly, when it is a generated reader; undefined otherwise. @internal */
export function generatedReaderProperty(reader: AttributeReader): string | undefined {
  return readerProperties.get(reader);
}

/**
 * The reader of `property` (see {@link AttributeReader}). Why generated code: `user[name]` with a name that
 * varies per condition is a megamorphic keyed load (~12 ns each on the reference machine, the biggest cost of
 * a rule), while a function whose body reads a constant property name has its own inline cache, which stays
 * monomorphic for an app's user shape (~1 ns). Readers are generated once per property name, from a
 * JSON-escaped string literal (nothing else of the name reaches the code), and shared by every flag. Where code
 * generation from strings is disallowed, or past {@link MAX_GENERATED_READERS} names, a keyed read is used.
 * @internal
 */
export function attributeReader(property: string): AttributeReader {
  if (property === KEY_ID_PROPERTY) return readKey;
  if (property === NAME_PROPERTY) return readName;
  let reader = readers.get(property);
  if (reader !== undefined) return reader;
  reader = readers.size < MAX_GENERATED_READERS ? generateReader(property) : undefined;
  if (reader === undefined) return (user) => customAttributeOf(user, property);
  readers.set(property, reader);
  readerProperties.set(reader, property);
  return reader;
}

function generateReader(property: string): AttributeReader | undefined {
  const name = JSON.stringify(property);
  // The common cases, a string or number attribute, return without a second call.
  const factory = generateFunction<(from: typeof customAttributeFrom) => AttributeReader>(
    'attribute reader',
    ['customAttributeFrom'],
    `return (user) => { const value = user[${name}]; ` +
      `return typeof value === 'string' || typeof value === 'number' ? value : ` +
      `customAttributeFrom(value, user, ${name}); };`,
  );
  return factory?.(customAttributeFrom);
}

function customizedPropertyOf(properties: readonly unknown[], property: string): string | number | undefined {
  for (let i = 0; i < properties.length; i++) {
    const entry = properties[i] as { name?: unknown; value?: unknown } | null | undefined;
    if (typeof entry !== 'object' || entry === null || entry.name !== property) continue;
    const value = entry.value;
    if (typeof value === 'string' || typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    return undefined; // first entry of that name wins, even when its value is unusable
  }
  return undefined;
}

/** True for a string that is empty or only whitespace (.NET `IsNullOrWhiteSpace`). */
export function isBlank(text: string): boolean {
  // Fast exit for the usual key: a printable ASCII first character is never whitespace ("" gives NaN here).
  const first = charCodeAtOf.call(text, 0);
  return first > 0x20 && first < 0x7f ? false : text.trim().length === 0;
}

/**
 * The value of `property` for `user`, as the operators see it: `keyId` → the key, `name` → the name (`""` when
 * absent), anything else a custom attribute, stringified; undefined = missing. A blank property is always
 * missing (such a condition never matches).
 * @publicApi
 */
export function userAttribute(user: unknown, property: string): string | undefined {
  if (typeof user !== 'object' || user === null || isBlank(property)) return undefined;
  if (property === KEY_ID_PROPERTY) return userKeyOf(user);
  if (property === NAME_PROPERTY) return userNameOf(user);
  const value = customAttributeOf(user, property);
  return typeof value === 'number' ? String(value) : value;
}
