import type { SwitchyardLogger } from '../logger.js';
import {
  BROKEN,
  generatedRule,
  matchAll,
  MATCH,
  RULE_STEP_HELPER_NAMES,
  RULE_STEP_HELPERS,
  ruleStepsCode,
  type RuleConditions,
} from './condition-operators.js';
import type { CompiledFlag, CompiledSplit, FlagProgram, Outcome } from './compile-flag.js';
import type { FlagEvaluation } from './eval-detail.js';
import { generateFunction } from './generated-code.js';

/**
 * Flag programs: one generated function per flag *shape* that does what follows the user-key check — the
 * gate, every rule's conditions and what it serves, the fallthrough — in one call. Why: the general
 * evaluator reaches a rule through a loop, a call to the rule's test and a chain of helpers, which cost about
 * as much as the rule itself (issue 16, S2 over varied users); a program reads the flag's parts at fixed
 * places and tests conditions in line. A shape is what the code depends on — whether the flag has a gate, each
 * rule's generated test (operators and attribute names, never values) and whether it serves a split — so flags
 * that differ only in values, keys and targets share one program, and values are read from the flag at run
 * time. Flags that cannot have one (past {@link MAX_FLAG_PROGRAMS} shapes or {@link MAX_PROGRAM_RULES} rules, with
 * dangling variation references, or where code generation is disallowed) keep the general evaluator; both answer alike (tested against each
 * other over generated flags and users).
 */

/** The evaluator's parts a program calls on its rare paths, and the evaluator it falls back to. @internal */
export interface FlagProgramHelpers {
  /** The evaluation without a program. */
  readonly general: FlagProgram;
  /** A BROKEN condition was reached (its problem recorded by the matcher). */
  readonly brokenRule: (flag: CompiledFlag, logger: SwitchyardLogger) => FlagEvaluation;
  /** The share of a split this user falls in. */
  readonly serveSplit: (
    flag: CompiledFlag,
    split: CompiledSplit,
    user: object,
    key: string,
    logger: SwitchyardLogger,
  ) => FlagEvaluation;
}

/** Distinct flag shapes with a program of their own; flags of further shapes use the general evaluator. */
export const MAX_FLAG_PROGRAMS = 1024;
/** A flag with more rules than this uses the general evaluator (a program's code grows with its rules). */
export const MAX_PROGRAM_RULES = 64;

/**
 * Returns the function that finds (making it on first need) the program of a flag. The flag's `program`
 * field is left to the caller, which stores what this returns.
 * @internal
 */
export function flagPrograms(helpers: FlagProgramHelpers): (flag: CompiledFlag) => FlagProgram {
  const programs = new Map<string, FlagProgram>();
  return (flag) => {
    // Rare: the general evaluator logs which dangling reference was reached.
    if (flag.dangling !== undefined || flag.rules.length > 2 * MAX_PROGRAM_RULES) return helpers.general;
    const shape = shapeOf(flag);
    const known = programs.get(shape);
    if (known !== undefined) return known;
    if (programs.size >= MAX_FLAG_PROGRAMS) return helpers.general;
    // Undefined where code generation is disallowed (or on a bug in the text, logged once): that shape then
    // keeps the general evaluator, and is not tried again.
    const program = generateProgram(flag, helpers) ?? helpers.general;
    if (program !== helpers.general) generatedPrograms.add(program);
    programs.set(shape, program);
    return program;
  };
}

const generatedPrograms = new WeakSet<FlagProgram>();

/** True for a program generated for a flag shape (not the general evaluator). @internal */
export function isGeneratedProgram(program: FlagProgram | undefined): boolean {
  return program !== undefined && generatedPrograms.has(program);
}

function isSplit(outcome: Outcome): boolean {
  return (outcome as CompiledSplit).entries !== undefined;
}

/** `G` for a gate; per rule its test's id (`A` for matchAll) and `s` for a split; then the fallthrough's `s`. */
function shapeOf(flag: CompiledFlag): string {
  let shape = flag.gate === undefined ? '' : 'G';
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i += 2) {
    const generated = generatedRule((rules[i] as RuleConditions).test);
    shape += `,${generated === undefined ? 'A' : generated.id}${isSplit(rules[i + 1] as Outcome) ? 's' : ''}`;
  }
  return `${shape};${isSplit(flag.fallthrough) ? 's' : ''}`;
}

function generateProgram(flag: CompiledFlag, helpers: FlagProgramHelpers): FlagProgram | undefined {
  const serve = (outcome: string, split: boolean): string =>
    split ? `return split(flag, ${outcome}, user, key, logger);` : `return ${outcome};`;
  const parts: string[] = [];
  if (flag.gate !== undefined) {
    parts.push(
      `const gate = flag.gate;`,
      `const g = gate.off ?? (gate.targets === undefined ? undefined : gate.targets.get(key));`,
      `if (g !== undefined) return g;`,
    );
  }
  parts.push(`const rules = flag.rules; let c; let v; let n; let r;`);
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i += 2) {
    const outcome = serve(`rules[${i + 1}]`, isSplit(rules[i + 1] as Outcome));
    const generated = generatedRule((rules[i] as RuleConditions).test);
    if (generated === undefined) {
      parts.push(
        `r = all(rules[${i}].list, user, key, segments);`,
        `if (r === ${MATCH}) { ${outcome} }`,
        `if (r === ${BROKEN}) return broken(flag, logger);`,
      );
    } else {
      const label = `rule${i >> 1}`;
      parts.push(
        `${label}: { c = rules[${i}].list;`,
        ruleStepsCode(generated.steps, `break ${label};`, 'return broken(flag, logger);'),
        `${outcome} }`,
      );
    }
  }
  parts.push(serve('flag.fallthrough', isSplit(flag.fallthrough)));
  const factory = generateFunction<(...parameters: unknown[]) => FlagProgram>(
    'flag program',
    [...RULE_STEP_HELPER_NAMES, 'all', 'broken', 'split'],
    `return (flag, user, key, segments, logger) => { ${parts.join(' ')} };`,
  );
  return factory?.(...RULE_STEP_HELPERS, matchAll, helpers.brokenRule, helpers.serveSplit);
}
