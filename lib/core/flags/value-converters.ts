/**
 * Typed conversion of variation values (always strings on the wire), the "recommended TS rule" of docs/featbit-protocol.md §5:
 * boolean = `true`/`false` in any case (no trimming); number = strict finite decimal parse of the trimmed
 * text, "" rejected; json = `JSON.parse`; string = the raw text. Run once per variation, at compile time.
 */

// Captured and called with `.call`: see the note in core/flags/md5-dispatch.ts (V8 may stop inlining them).
const charCodeAtOf = String.prototype.charCodeAt;
const toLowerCaseOf = String.prototype.toLowerCase;

/** The result of a JSON conversion: `ok` false when the text is not JSON. @publicApi */
export interface JsonConversion {
  readonly ok: boolean;
  readonly value: unknown;
}

/** The conversion of a text that is not JSON (shared). @internal */
export const JSON_FAILED: JsonConversion = Object.freeze({ ok: false, value: undefined });
const JSON_TRUE: JsonConversion = Object.freeze({ ok: true, value: true });
const JSON_FALSE: JsonConversion = Object.freeze({ ok: true, value: false });

/** `true` / `false` for the texts true / false in any letter case; undefined otherwise. */
export function toBooleanValue(text: string): boolean | undefined {
  if (text.length !== 4 && text.length !== 5) return undefined;
  const lower = toLowerCaseOf.call(text);
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}

function isAsciiSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * Strict number parse: optional surrounding ASCII whitespace, optional sign, decimal digits with an optional
 * fraction and exponent (`12`, `-0.5`, `.5`, `5.`, `1e3`). Rejects "", hex/octal/binary forms, `Infinity`,
 * thousands separators, trailing garbage (`12abc`, which `parseFloat` would accept) and non-finite results.
 * Returns NaN when rejected. Allocation-free.
 */
export function parseStrictNumber(text: string): number {
  const end = text.length;
  // Fast path: a short plain integer ("30", "-7") is computed here, without calling Number().
  if (end > 0 && end < 10) {
    let i = 0;
    let negative = false;
    const first = charCodeAtOf.call(text, 0);
    if (first === 0x2d || first === 0x2b) {
      negative = first === 0x2d;
      i = 1;
    }
    if (i < end) {
      let value = 0;
      for (; i < end; i++) {
        const code = charCodeAtOf.call(text, i);
        if (code < 0x30 || code > 0x39) break;
        value = value * 10 + (code - 0x30);
      }
      if (i === end) return negative ? -value : value;
    }
  }
  return parseStrictNumberSlow(text);
}

function parseStrictNumberSlow(text: string): number {
  const end = text.length;
  let i = 0;
  while (i < end && isAsciiSpace(charCodeAtOf.call(text, i))) i++;
  let last = end;
  while (last > i && isAsciiSpace(charCodeAtOf.call(text, last - 1))) last--;
  if (i === last) return NaN;
  let code = charCodeAtOf.call(text, i);
  if (code === 0x2b || code === 0x2d) i++; // + or -
  let digits = 0;
  while (i < last && isDigit(charCodeAtOf.call(text, i))) {
    i++;
    digits++;
  }
  if (i < last && charCodeAtOf.call(text, i) === 0x2e) {
    i++;
    while (i < last && isDigit(charCodeAtOf.call(text, i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return NaN;
  if (i < last) {
    code = charCodeAtOf.call(text, i);
    if (code !== 0x65 && code !== 0x45) return NaN; // e or E
    i++;
    if (i < last) {
      code = charCodeAtOf.call(text, i);
      if (code === 0x2b || code === 0x2d) i++;
    }
    let exponentDigits = 0;
    while (i < last && isDigit(charCodeAtOf.call(text, i))) {
      i++;
      exponentDigits++;
    }
    if (exponentDigits === 0 || i !== last) return NaN;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

/** The number a variation text converts to, or undefined (see {@link parseStrictNumber}). */
export function toNumberValue(text: string): number | undefined {
  const value = parseStrictNumber(text);
  return Number.isNaN(value) ? undefined : value;
}

/**
 * `JSON.parse(text)`, deep-frozen: the parsed value is computed once per variation and shared by every
 * evaluation, so nobody may mutate it.
 */
export function toJsonValue(text: string): JsonConversion {
  if (text === 'true') return JSON_TRUE;
  if (text === 'false') return JSON_FALSE;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return JSON_FAILED;
  }
  return Object.freeze({ ok: true, value: deepFreeze(value) });
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The kind of value a caller's default asks for: booleans, numbers and strings as such, anything else as JSON.
 * (It is also the FeatBit variation type of such a value.)
 */
export function valueKindOf(value: unknown): 'boolean' | 'number' | 'string' | 'json' {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'json';
  }
}
