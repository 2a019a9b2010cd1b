/**
 * Returns the engine's canonical (internalized) copy of `text`. Strings that many flags repeat (IsOneOf
 * items, rule reasons) then exist once in memory, and `===` against another internalized string is a pointer
 * comparison. Property keys are internalized by V8, so reading one back gives the canonical string; the
 * string table holds them weakly, so nothing leaks. Compile time only (allocates).
 */
export function internString(text: string): string {
  const holder: Record<string, true> = { [text]: true };
  for (const key in holder) return key;
  return text;
}
