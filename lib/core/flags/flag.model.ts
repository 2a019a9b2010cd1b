/**
 * The raw FeatBit documents, as a FeatBit server stores and streams them (docs/featbit-protocol.md §3). Fields an evaluator
 * needs are typed; informational fields are listed as optional; anything else is tolerated and kept.
 */

/** How a flag's variation values are typed (they always travel as strings, docs/featbit-protocol.md §5). @publicApi */
export type VariationType = 'boolean' | 'number' | 'string' | 'json';

/** One possible value of a flag. `value` is always a string on the wire (`"true"`, `"33"`, `"{\"a\":1}"`). @publicApi */
export interface FeatBitVariation {
  id: string;
  name?: string;
  value: string;
  [field: string]: unknown;
}

/** Individual targeting: these user keys get that variation. @publicApi */
export interface FeatBitTargetUser {
  keyIds: string[];
  variationId: string;
  [field: string]: unknown;
}

/**
 * One condition of a rule. For segment conditions `property` is `User is in segment` / `User is not in segment`,
 * `op` is null or "" and `value` is a JSON array of segment ids. @publicApi
 */
export interface FeatBitCondition {
  id?: string;
  property: string | null;
  op: string | null;
  value: string | null;
  [field: string]: unknown;
}

/** A share of a rule: variation `id` for hashes in `rollout` = `[from, to]` (fractions of 1, both inclusive). @publicApi */
export interface FeatBitRolloutVariation {
  id: string;
  rollout: [number, number];
  /** Share of all users (not of this range) sent to the experiment; absent = 0. */
  exptRollout?: number;
  [field: string]: unknown;
}

/** An ordered targeting rule: all conditions must hold. @publicApi */
export interface FeatBitRule {
  id?: string;
  name: string;
  /** Attribute to bucket by; null or blank = the user key. */
  dispatchKey?: string | null;
  includedInExpt?: boolean;
  conditions: FeatBitCondition[];
  variations: FeatBitRolloutVariation[];
  [field: string]: unknown;
}

/** The default rule, applied when no target and no rule matched. @publicApi */
export interface FeatBitFallthrough {
  dispatchKey?: string | null;
  includedInExpt?: boolean;
  variations: FeatBitRolloutVariation[];
  [field: string]: unknown;
}

/** A FeatBit feature flag (docs/featbit-protocol.md §3.1). @publicApi */
export interface FeatBitFlag {
  id?: string;
  key: string;
  name?: string;
  description?: string;
  envId?: string;
  tags?: string[];
  createdAt?: string;
  creatorId?: string;
  updatorId?: string;
  revision?: string;
  /** ISO-8601 date-time; its Unix milliseconds (truncated) are the flag's version. */
  updatedAt: string;
  variationType: VariationType;
  variations: FeatBitVariation[];
  /** Absent or null = none. */
  targetUsers?: FeatBitTargetUser[] | null;
  /** Absent or null = none. */
  rules?: FeatBitRule[] | null;
  isEnabled: boolean;
  disabledVariationId?: string | null;
  fallthrough: FeatBitFallthrough;
  /** Absent = true. */
  exptIncludeAllTargets?: boolean | null;
  /** Absent = false (old data, featbit#751). Archived = not found. */
  isArchived?: boolean | null;
  disabledVariation?: unknown;
  [field: string]: unknown;
}

/** A rule of a segment: all conditions must hold. @publicApi */
export interface FeatBitSegmentRule {
  id?: string;
  name?: string;
  conditions: FeatBitCondition[];
  [field: string]: unknown;
}

/** A FeatBit segment (docs/featbit-protocol.md §3.2); flags reference it by `id`. @publicApi */
export interface FeatBitSegment {
  id: string;
  envId?: string;
  name?: string;
  description?: string;
  createdAt?: string;
  /** ISO-8601 date-time; its Unix milliseconds (truncated) are the segment's version. */
  updatedAt: string;
  isArchived?: boolean | null;
  /** User keys always in the segment (unless excluded). Absent or null = none. */
  included?: string[] | null;
  /** User keys never in the segment; wins over `included`. Absent or null = none. */
  excluded?: string[] | null;
  rules?: FeatBitSegmentRule[] | null;
  [field: string]: unknown;
}
