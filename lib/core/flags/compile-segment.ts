import type { FeatBitSegment } from './flag.model.js';
import { validateSegmentDocument, parseVersion } from './flag.schema.js';
import { compileCondition, refusedProblem, type CompiledCondition } from './condition-operators.js';
import { internString } from './intern-string.js';

/**
 * A segment ready for evaluation: key sets and compiled rules. Segments are referenced by `id`.
 * @publicApi
 */
export interface CompiledSegment {
  readonly id: string;
  /** `updatedAt` in Unix milliseconds, truncated. */
  readonly version: number;
  /** Archived segments behave as missing: conditions skip them. */
  readonly archived: boolean;
  /** The original document, as received (unknown fields included). */
  readonly doc: FeatBitSegment;
  /** @internal */
  readonly includedKeys: ReadonlySet<string>;
  /** @internal */
  readonly excludedKeys: ReadonlySet<string>;
  /** @internal OR of rules, AND of conditions. */
  readonly rules: ReadonlyArray<readonly CompiledCondition[]>;
}

/** Finds a compiled segment by id (undefined when unknown). @publicApi */
export type SegmentLookup = (id: string) => CompiledSegment | undefined;

const EMPTY_KEYS: ReadonlySet<string> = new Set<string>();

function keySet(keys: readonly string[] | null | undefined): ReadonlySet<string> {
  return keys === null || keys === undefined || keys.length === 0 ? EMPTY_KEYS : new Set(keys);
}

/**
 * Validates and compiles a FeatBit segment. Bad condition data does not reject it: the condition compiles to
 * a broken one and a flag evaluation reaching it ends as `malformed flag`. A regular expression the linear-time
 * engine refuses never matches and is told to `onRefusedPattern`.
 * @throws InvalidFlagError naming the segment id and the field path.
 * @publicApi
 */
export function compileSegment(
  doc: unknown,
  options: { onRefusedPattern?: (message: string) => void } = {},
): CompiledSegment {
  const segment = validateSegmentDocument(doc);
  const rules = (segment.rules ?? []).map((rule, r) =>
    rule.conditions.map((condition, c) => {
      const compiled = compileCondition(
        condition,
        `segment '${segment.id}' rules[${r}].conditions[${c}]`,
        false,
        undefined,
      );
      const problem = refusedProblem(compiled);
      if (problem !== undefined && options.onRefusedPattern !== undefined) {
        options.onRefusedPattern(
          `${problem}. That condition never matches; the segment's other rules still apply.`,
        );
      }
      return compiled;
    }),
  );
  return Object.freeze({
    id: internString(segment.id), // conditions hold interned ids: lookups compare pointers
    version: parseVersion(segment.updatedAt),
    archived: segment.isArchived === true,
    doc: segment,
    includedKeys: keySet(segment.included),
    excludedKeys: keySet(segment.excluded),
    rules,
  });
}
