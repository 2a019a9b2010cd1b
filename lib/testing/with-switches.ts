/** Anything whose switches can be forced: a `Manager`, or the `FeatureFlagClient`. */
export interface SwitchOverridable {
  pushOverrides(overrides: Readonly<Record<string, unknown>>): () => void;
}

/**
 * Forces switches to fixed answers while `fn` runs (Gutter's `switches` test utility), then restores exactly the
 * previous answers, also when `fn` throws or rejects. Overrides reach concent checks of children; nested calls
 * stack, the innermost winning. Switches need not exist.
 *
 * ```ts
 * await withSwitches(manager, { 'cool_feature': true }, async () => { ... });
 * const test = withSwitches(manager, { 'cool_feature': false });   // wrapper form
 * await test(async () => { ... });
 * ```
 * @publicApi
 */
export function withSwitches<T>(
  target: SwitchOverridable,
  overrides: Readonly<Record<string, unknown>>,
  fn: () => T,
): T;
export function withSwitches(
  target: SwitchOverridable,
  overrides: Readonly<Record<string, unknown>>,
): <T>(fn: () => T) => T;
export function withSwitches<T>(
  target: SwitchOverridable,
  overrides: Readonly<Record<string, unknown>>,
  fn?: () => T,
): T | (<U>(fn: () => U) => U) {
  const run = <U>(body: () => U): U => {
    const restore = target.pushOverrides(overrides);
    let result: U;
    try {
      result = body();
    } catch (error) {
      restore();
      throw error;
    }
    if (result instanceof Promise) return result.finally(restore) as U;
    restore();
    return result;
  };
  return fn === undefined ? run : run(fn);
}
