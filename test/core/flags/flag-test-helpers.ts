import { createHash } from 'node:crypto';
import type { SwitchyardLogger } from '../../../lib/core/logger.js';
import type {
  CompiledSegment,
  FeatBitCondition,
  FeatBitFlag,
  FeatBitRolloutVariation,
  FeatBitRule,
  FeatBitSegment,
  SegmentLookup,
} from '../../../lib/core/flags/index.js';

/** FeatBit's dispatch hash computed with node:crypto (independent of the code under test). */
export function cryptoHash(text: string): number {
  return Math.abs(createHash('md5').update(text, 'utf8').digest().readInt32LE(0) / 2 ** 31);
}

/** A boolean flag: fallthrough serves "false", each rule serves "true" to everyone it matches. */
export function booleanFlag(key: string, overrides: Partial<FeatBitFlag> = {}): FeatBitFlag {
  return {
    id: `id-${key}`,
    key,
    name: key,
    updatedAt: '2024-05-01T10:00:00.000Z',
    variationType: 'boolean',
    variations: [
      { id: 'on', name: 'On', value: 'true' },
      { id: 'off', name: 'Off', value: 'false' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'off',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: 'off', rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    isArchived: false,
    ...overrides,
  };
}

/** A rule serving variation `on` to everyone it matches. */
export function ruleOf(
  name: string,
  conditions: FeatBitCondition[],
  variations?: FeatBitRolloutVariation[],
): FeatBitRule {
  return {
    id: `rule-${name}`,
    name,
    dispatchKey: null,
    includedInExpt: false,
    conditions,
    variations: variations ?? [{ id: 'on', rollout: [0, 1], exptRollout: 1 }],
  };
}

/** A flag whose only rule has one condition. */
export function oneConditionFlag(
  property: string | null,
  op: string | null,
  value: string | null,
): FeatBitFlag {
  return booleanFlag('one-condition', { rules: [ruleOf('the rule', [{ id: 'c', property, op, value }])] });
}

export function segmentDoc(id: string, overrides: Partial<FeatBitSegment> = {}): FeatBitSegment {
  return {
    id,
    name: id,
    updatedAt: '2024-04-29T08:00:00Z',
    isArchived: false,
    included: [],
    excluded: [],
    rules: [],
    ...overrides,
  };
}

export function lookupOf(segments: readonly CompiledSegment[]): SegmentLookup {
  const byId = new Map(segments.map((segment) => [segment.id, segment]));
  return (id) => byId.get(id);
}

export const noSegments: SegmentLookup = () => undefined;

/** A logger that records what was logged. */
export class RecordingLogger implements SwitchyardLogger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.errors.push(message);
  }
  log(): void {}
}
