import { consoleLogger, type SwitchyardLogger } from '../logger.js';
import type { CompiledFlag } from './compile-flag.js';
import type { SegmentLookup } from './compile-segment.js';
import { EvalReasons, toDetail, type EvalDetail, type FlagEvaluation } from './eval-detail.js';
import { evaluateFlag } from './evaluate-flag.js';
import { isBlank, userKeyOf } from './flag-user.js';

/** The JSON form of {@link AllFlagStates}. @publicApi */
export interface AllFlagStatesJson {
  readonly success: boolean;
  readonly reason: string;
  readonly flags: ReadonlyArray<EvalDetail<string>>;
}

/**
 * Every flag evaluated for one user (the seed's `AllFlagStates`; node's `getAllVariations`). Values are the
 * raw variation strings; details are built on demand, so evaluating all flags allocates little. `success` is
 * false (with no flags) when the user is not usable or the client is not ready.
 * @publicApi
 */
export class AllFlagStates {
  private index: Map<string, number> | undefined;

  constructor(
    /** False when nothing could be evaluated. */
    readonly success: boolean,
    /** `OK`, `user not specified` or `client not ready`. */
    readonly reason: string,
    private readonly evaluations: readonly FlagEvaluation[],
  ) {}

  /** No flags: the client is not ready yet. */
  static clientNotReady(): AllFlagStates {
    return new AllFlagStates(false, EvalReasons.clientNotReady, []);
  }

  /** Number of flags evaluated. */
  get size(): number {
    return this.evaluations.length;
  }

  /** The detail of one flag (its raw string value), or undefined when it was not evaluated. */
  get(flagKey: string): EvalDetail<string> | undefined {
    const evaluation = this.evaluation(flagKey);
    return evaluation === undefined ? undefined : toDetail(evaluation, 'string', '');
  }

  /** The evaluation of one flag (variation, sendToExperiment: what an insight event needs). */
  evaluation(flagKey: string): FlagEvaluation | undefined {
    if (this.index === undefined) {
      this.index = new Map();
      this.evaluations.forEach((evaluation, i) => this.index?.set(evaluation.flagKey, i));
    }
    const at = this.index.get(flagKey);
    return at === undefined ? undefined : this.evaluations[at];
  }

  /** The keys of the evaluated flags. */
  keys(): string[] {
    return this.evaluations.map((evaluation) => evaluation.flagKey);
  }

  /** Every detail, in evaluation order. Error kinds carry the value ''. */
  details(): Array<EvalDetail<string>> {
    return this.evaluations.map((evaluation) => toDetail(evaluation, 'string', ''));
  }

  toJSON(): AllFlagStatesJson {
    return { success: this.success, reason: this.reason, flags: this.details() };
  }
}

/**
 * Evaluates every flag (archived ones skipped) for `user`. A user without a usable key gives
 * `success: false`, reason `user not specified` and no flags.
 * @publicApi
 */
export function evaluateAllFlags(
  flags: Iterable<CompiledFlag>,
  user: unknown,
  segments: SegmentLookup,
  logger: SwitchyardLogger = consoleLogger,
): AllFlagStates {
  const key = userKeyOf(user);
  if (key === undefined || isBlank(key)) return new AllFlagStates(false, EvalReasons.userNotSpecified, []);
  const evaluations: FlagEvaluation[] = [];
  for (const flag of flags) {
    if (flag.archived) continue;
    evaluations.push(evaluateFlag(flag, flag.key, user, segments, logger));
  }
  return new AllFlagStates(true, 'OK', evaluations);
}
