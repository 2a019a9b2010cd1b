import { consoleLogger, type SwitchyardLogger } from '../logger.js';
import { BROKEN, lastBrokenProblem, MATCH, type RuleConditions } from './condition-operators.js';
import {
  EXPT_ALWAYS,
  EXPT_NEVER,
  type CompiledFlag,
  type CompiledSplit,
  type FlagGate,
  type Outcome,
} from './compile-flag.js';
import type { SegmentLookup } from './compile-segment.js';
import {
  type EvaluationRecord,
  flagNotFound,
  malformedFlag,
  userNotSpecified,
  type FlagEvaluation,
} from './eval-detail.js';
import { isBlank, userKeyOf } from './flag-user.js';
import { dispatchHashWithPrefix, hashPrefix, ROLLOUT_EVERYONE } from './md5-dispatch.js';
import { flagPrograms } from './flag-program.js';

/**
 * FeatBit evaluation (docs/featbit-protocol.md §4.1, server/.NET semantics): user check → not found / archived → disabled →
 * individual targets → first matching rule → fallthrough. Synchronous, and allocation-free on the success
 * paths: it returns the shared evaluation objects that `compileFlag` prepared.
 */

const EMPTY_PREFIX = hashPrefix('');

/**
 * Evaluates `flag` for `user`. A user without a non-blank `key`/`keyId` gives kind `Error`, reason
 * `user not specified` (checked first, as the SDKs do); `flag` undefined or archived gives kind
 * `FlagNotFound`, reason `flag not found`; broken flag data reached by this user gives kind `Error`, reason
 * `malformed flag`, logged once per flag version through `logger` (console by default).
 * @publicApi
 */
export function evaluateFlag(
  flag: CompiledFlag | undefined,
  flagKey: string,
  user: unknown,
  segments: SegmentLookup,
  logger: SwitchyardLogger = consoleLogger,
): FlagEvaluation {
  if (flag === undefined || flag.archived) return notLive(flag, flagKey, user);
  return flag.evaluationOf(evaluateLiveFlag(flag, user, segments, logger));
}

/**
 * {@link evaluateFlag} for a flag already known to be present and not archived (what `FlagStore.flag` returns),
 * for the client's value paths: it returns the shared outcome itself (no flag key, no variation id) — enough
 * to read a value, and nothing to look up. Whoever hands the evaluation to a caller passes it through
 * `flag.evaluationOf`.
 * @internal
 */
export function evaluateLiveFlag(
  flag: CompiledFlag,
  user: unknown,
  segments: SegmentLookup,
  logger: SwitchyardLogger,
): FlagEvaluation {
  // Cold paths live in functions of their own: the less bytecode here, the more of it V8 inlines into callers.
  const key = userKeyOf(user);
  if (key === undefined || isBlank(key)) return withoutUser(flag, flag.key);
  // A flag on (or serving one variation) for everyone: decided at compile time, read from bits already loaded.
  if (flag.uniform) return flag.fallthrough as FlagEvaluation;
  // The rest is the flag's program: generated for its shape (lib/core/flags/flag-program.ts), or evaluateGeneral.
  return (flag.program ?? (flag.program = programOf(flag)))(flag, user as object, key, segments, logger);
}

/**
 * The evaluation of a live flag past the user check, without a program: what a program does, written once for
 * every flag. It is the program of flags that have no generated one (tests also set it as a flag's program, to
 * compare the two).
 * @internal
 */
export function evaluateGeneral(
  flag: CompiledFlag,
  user: object,
  key: string,
  segments: SegmentLookup,
  logger: SwitchyardLogger,
): FlagEvaluation {
  const gate = flag.gate;
  const result =
    (gate === undefined ? undefined : gated(gate, key)) ??
    (flag.rules.length === 0 ? undefined : firstMatchingRule(flag, user, key, segments, logger)) ??
    serve(flag, flag.fallthrough, user, key, logger);
  if ((result as EvaluationRecord).isError) reportDangling(flag, result, logger);
  return result;
}

const programOf = flagPrograms({ general: evaluateGeneral, brokenRule, serveSplit });

/** A missing or archived flag: `user not specified` when the user has no usable key (checked first), else not found. */
function notLive(flag: CompiledFlag | undefined, flagKey: string, user: unknown): FlagEvaluation {
  const key = userKeyOf(user);
  if (key === undefined || isBlank(key)) return withoutUser(flag, flagKey);
  return flagNotFound(flagKey);
}

/** A user without a usable key: `user not specified` (one shared evaluation per flag). */
function withoutUser(flag: CompiledFlag | undefined, flagKey: string): FlagEvaluation {
  if (flag === undefined) return userNotSpecified(flagKey);
  const problems = problemsOf(flag);
  return (problems.notSpecified ??= userNotSpecified(flag.key));
}

/** What is served before the rules: the disabled variation, or the user's individual target. */
function gated(gate: FlagGate, key: string): FlagEvaluation | undefined {
  return gate.off ?? gate.targets?.get(key); // `off` is set only for a disabled flag
}

/** The outcome of the first rule whose conditions all hold, or undefined when none does. */
function firstMatchingRule(
  flag: CompiledFlag,
  user: object,
  key: string,
  segments: SegmentLookup,
  logger: SwitchyardLogger,
): FlagEvaluation | undefined {
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i += 2) {
    // All conditions must hold (AND, in order; a broken one ends the evaluation when reached).
    const rule = rules[i] as RuleConditions;
    const matched = rule.test(rule.list, user, key, segments);
    if (matched === MATCH) return serve(flag, rules[i + 1] as Outcome, user, key, logger);
    if (matched === BROKEN) return brokenRule(flag, logger);
  }
  return undefined;
}

/** The evaluation of a rule whose broken condition was reached (cold: kept out of the rule loop). */
function brokenRule(flag: CompiledFlag, logger: SwitchyardLogger): FlagEvaluation {
  return malformed(flag, lastBrokenProblem(), logger);
}

/** Logs, once per flag version, the dangling variation reference that produced this error evaluation. */
function reportDangling(flag: CompiledFlag, result: FlagEvaluation, logger: SwitchyardLogger): void {
  const problem = flag.dangling?.get(result);
  if (problem !== undefined) reportMalformed(flag, problem, logger);
}

/** The evaluation everyone gets, or the share of a split this user falls in. */
function serve(
  flag: CompiledFlag,
  outcome: Outcome,
  user: object,
  key: string,
  logger: SwitchyardLogger,
): FlagEvaluation {
  // A field test, not `instanceof`: that walks the prototype chain and cost a quarter of a plain evaluation.
  return (outcome as CompiledSplit).entries !== undefined
    ? serveSplit(flag, outcome as CompiledSplit, user, key, logger)
    : (outcome as FlagEvaluation);
}

/** Picks the share of a rule or of the fallthrough (docs/featbit-protocol.md §4.5) and the experiment flag (§4.6). */
function serveSplit(
  flag: CompiledFlag,
  split: CompiledSplit,
  user: object,
  key: string,
  logger: SwitchyardLogger,
): FlagEvaluation {
  const entries = split.entries;
  // flagKey is the hash prefix; the rest is the user key or the dispatch attribute ("" when missing).
  const value = split.dispatch(user, key);
  const dispatchValue = value === undefined ? '' : typeof value === 'string' ? value : String(value);
  let hash = -1;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry.range !== ROLLOUT_EVERYONE) {
      if (hash < 0) hash = dispatchHashWithPrefix(flag.dispatchPrefix ?? EMPTY_PREFIX, dispatchValue);
      if (hash < entry.from || hash > entry.to) continue;
    }
    const expt = entry.expt;
    if (expt === EXPT_ALWAYS) return entry.inExpt;
    if (expt === EXPT_NEVER) return entry.outOfExpt;
    const exptHash = dispatchHashWithPrefix(flag.exptPrefix ?? EMPTY_PREFIX, dispatchValue);
    return exptHash <= entry.exptBound ? entry.inExpt : entry.outOfExpt;
  }
  const where = split.ruleIndex < 0 ? 'fallthrough' : `rules[${split.ruleIndex}]`;
  return malformed(flag, `${where}: no rollout range contains the user's bucket (${hash})`, logger);
}

/** Mutable, rarely used per-flag state, created on demand (kept off the compiled flag to keep it small). */
interface FlagProblems {
  malformed: FlagEvaluation | undefined;
  notSpecified: FlagEvaluation | undefined;
  /** The malformed-flag warning is logged once per compiled version. */
  logged: boolean;
}

const problemsByFlag = new WeakMap<CompiledFlag, FlagProblems>();

function problemsOf(flag: CompiledFlag): FlagProblems {
  let problems = problemsByFlag.get(flag);
  if (problems === undefined) {
    problems = { malformed: undefined, notSpecified: undefined, logged: false };
    problemsByFlag.set(flag, problems);
  }
  return problems;
}

function malformed(flag: CompiledFlag, problem: string, logger: SwitchyardLogger): FlagEvaluation {
  reportMalformed(flag, problem, logger);
  const problems = problemsOf(flag);
  return (problems.malformed ??= malformedFlag(flag.key));
}

function reportMalformed(flag: CompiledFlag, problem: string, logger: SwitchyardLogger): void {
  const problems = problemsOf(flag);
  if (problems.logged) return;
  problems.logged = true;
  logger.warn(
    `Flag '${flag.key}' (version ${flag.version}) is malformed: ${problem}. Evaluations that reach it return ` +
      `the caller's default (kind Error, reason 'malformed flag'); fix the flag in FeatBit.`,
  );
}
