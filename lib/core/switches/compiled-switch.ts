import type { ArgumentContainer } from './argument.js';
import type { Condition } from './condition.js';
import type { Switch } from './switch.js';

/** The conditions of one argument: an input is judged by exactly one group (Gutter's `ConditionsDict`). */
export interface ConditionGroup {
  readonly argument: ArgumentContainer<unknown>;
  readonly conditions: readonly Condition[];
}

/** A stored switch prepared for evaluation: frozen, conditions grouped by argument once, at write time. */
export interface CompiledSwitch {
  readonly switch: Switch;
  readonly groups: readonly ConditionGroup[];
}

/** Freezes the switch and groups its conditions by argument, keeping first-appearance order. */
export function compileSwitch(sw: Switch): CompiledSwitch {
  const byArgument = new Map<ArgumentContainer<unknown>, Condition[]>();
  for (const condition of sw.conditions) {
    const list = byArgument.get(condition.argument);
    if (list) list.push(condition);
    else byArgument.set(condition.argument, [condition]);
  }
  const groups = [...byArgument].map(([argument, conditions]) => Object.freeze({ argument, conditions }));
  Object.freeze(sw.conditions);
  Object.freeze(sw);
  return Object.freeze({ switch: sw, groups });
}

/**
 * The one group that judges an input: the argument whose class is exactly the input's class, otherwise the first
 * whose class or type guard accepts it (a subclass instance matches its parent's argument).
 */
export function groupFor(compiled: CompiledSwitch, input: unknown): ConditionGroup | undefined {
  const groups = compiled.groups;
  if (groups.length === 0) return undefined;
  if (input !== null && typeof input === 'object') {
    const ctor = (input as { constructor?: unknown }).constructor;
    for (let i = 0; i < groups.length; i++) if (groups[i].argument.exactType === ctor) return groups[i];
  }
  for (let i = 0; i < groups.length; i++) if (groups[i].argument.applies(input)) return groups[i];
  return undefined;
}
