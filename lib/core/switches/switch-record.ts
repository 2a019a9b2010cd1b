import { InvalidRecordError } from '../errors.js';
import { lazyZod } from '../lazy-module.js';
import type { ArgumentRegistry } from './argument.js';
import { Condition, type ConditionRecord } from './condition.js';
import type { OperatorRegistry } from './operator.js';
import { Switch, assertSwitchName } from './switch.js';
import { parseSwitchState, type SwitchState } from './switch-state.js';

/** The format number written in every record, for future migrations. */
export const SWITCH_RECORD_SCHEMA = 1;

/**
 * A switch as stored and sent over the wire: plain JSON, argument and operator by registered name, never an
 * executable serialization. `key` is the namespaced key (`default.movies:star_wars`), `updatedAt` the version.
 * @publicApi
 */
export interface SwitchRecord {
  schema: number;
  key: string;
  namespace: string;
  name: string;
  state: SwitchState;
  compounded: boolean;
  concent: boolean;
  label: string | null;
  description: string | null;
  conditions: ConditionRecord[];
  /** ISO-8601 time of the last write, in milliseconds: the record's version, as FeatBit's `updatedAt`. */
  updatedAt: string;
  /** A removed switch travels as a tombstone, as FeatBit archives flags. */
  isArchived: boolean;
}

/** The record schema, built on first use (zod is loaded then: {@link lazyZod}). */
let recordSchema: RecordSchema | undefined;
function switchRecordSchema(): RecordSchema {
  return (recordSchema ??= buildRecordSchema());
}
type RecordSchema = ReturnType<typeof buildRecordSchema>;

// The return type is zod's inferred schema type (the record's parsed shape follows from it).
function buildRecordSchema() {
  const { z } = lazyZod();
  const conditionSchema = z.looseObject({
    argument: z.string().min(1),
    attribute: z.string().min(1),
    operator: z.looseObject({ name: z.string().min(1) }),
    negative: z.boolean().optional(),
  });

  return z.looseObject({
    schema: z.number().int().optional(),
    namespace: z.string(),
    name: z.string().min(1),
    state: z.union([z.string(), z.number()]),
    compounded: z.boolean().optional(),
    concent: z.boolean().optional(),
    label: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
    conditions: z.array(conditionSchema).optional(),
    updatedAt: z.string(),
    isArchived: z.boolean().optional(),
  });
}

/** The storage key of a switch in a namespace: `ns.name`, or the bare name for the empty namespace. */
export function switchKey(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}.${name}`;
}

/** Writes a switch as a record: its JSON (`Switch#toJSON()`) plus the namespace and the version. */
export function toSwitchRecord(
  sw: Switch,
  namespace: string,
  version: number,
  archived = false,
): SwitchRecord {
  return {
    schema: SWITCH_RECORD_SCHEMA,
    key: switchKey(namespace, sw.name),
    namespace,
    ...sw.toJSON(),
    updatedAt: new Date(version).toISOString(),
    isArchived: archived,
  };
}

/** A record read back and checked: the switch and its metadata. */
export interface ParsedSwitchRecord {
  record: SwitchRecord;
  switch: Switch;
  version: number;
}

/**
 * Reads a record (ours, or with upstream's numeric states) back into a switch, resolving arguments and operators
 * by name. Throws `InvalidRecordError` naming the record and the field that is wrong.
 */
export function parseSwitchRecord(
  data: unknown,
  registries: { operators: OperatorRegistry; arguments: ArgumentRegistry },
): ParsedSwitchRecord {
  const hint = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).key : undefined;
  const label = typeof hint === 'string' ? `'${hint}'` : '(no key)';
  const parsed = switchRecordSchema().safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRecordError(
      `Invalid switch record ${label}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      typeof hint === 'string' ? hint : undefined,
    );
  }
  const doc = parsed.data;
  const key = switchKey(doc.namespace, doc.name);
  const fail = (field: string, message: string, cause?: unknown): never => {
    throw new InvalidRecordError(`Invalid switch record '${key}': ${field}: ${message}`, key, { cause });
  };
  const version = Date.parse(doc.updatedAt);
  if (Number.isNaN(version)) fail('updatedAt', `not an ISO date: '${doc.updatedAt}'`);
  const state = parseSwitchState(doc.state) ?? fail('state', `unknown state '${String(doc.state)}'`);
  try {
    assertSwitchName(doc.name);
  } catch (error) {
    fail('name', (error as Error).message, error);
  }
  const conditions = (doc.conditions ?? []).map((c, i) => {
    try {
      return Condition.from(c, registries);
    } catch (error) {
      return fail(`conditions.${i}`, (error as Error).message, error);
    }
  });
  const sw = new Switch(doc.name, {
    state,
    compounded: doc.compounded ?? false,
    concent: doc.concent ?? true,
    label: doc.label ?? null,
    description: doc.description ?? null,
    conditions,
  });
  return { record: toSwitchRecord(sw, doc.namespace, version, doc.isArchived ?? false), switch: sw, version };
}
