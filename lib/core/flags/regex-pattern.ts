import { RE2JS } from 're2js';

/**
 * Regular expressions that come from data (`MatchRegex` / `NotMatchRegex` condition values) run on RE2's
 * engine (`re2js`, a pure-JavaScript port: no native addon, nothing downloaded at install): matching takes
 * time linear in the subject, whatever the pattern, so a flag document cannot stall the event loop with a
 * catastrophic pattern such as `^(a+)+$`. What RE2 cannot express in linear time (backreferences, lookahead,
 * lookbehind, atomic groups, possessive quantifiers) is refused, as is a pattern longer than
 * {@link MAX_PATTERN_LENGTH}.
 */

/** The longest pattern accepted, in UTF-16 code units. Longer ones are refused. @publicApi */
export const MAX_PATTERN_LENGTH = 1024;

/** .NET constructs JavaScript lacks: atomic groups, conditionals, possessive quantifiers (`a++`, `a*+`). */
const DOTNET_ONLY_GROUP = /\(\?[>(]|[*+?}]\+/;

/** A pattern the engine runs. @internal */
export interface LinearRegex {
  /** Search semantics: true when the pattern matches somewhere in `text`. */
  test(text: string): boolean;
}

/**
 * Why a pattern cannot run:
 * - `invalid`: not a regular expression at all (in RE2's syntax nor in JavaScript's, e.g. `([a-z`);
 * - `unsupported`: valid elsewhere but not expressible in linear time (a backreference, a lookaround);
 * - `too-long`: longer than {@link MAX_PATTERN_LENGTH}.
 * @internal
 */
export interface PatternProblem {
  readonly kind: 'invalid' | 'unsupported' | 'too-long';
  /** Human-readable, names the problem and what to do. */
  readonly message: string;
}

/** Compiles a pattern for linear-time matching, or says why it cannot. Never throws. @internal */
export function compileLinearRegex(pattern: string): LinearRegex | PatternProblem {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return {
      kind: 'too-long',
      message: `the pattern is ${pattern.length} characters long, over the limit of ${MAX_PATTERN_LENGTH}; shorten it`,
    };
  }
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The JavaScript parser only tells a pattern that is wrong everywhere from one RE2 cannot run; it never
    // matches anything here (constructing a RegExp parses it, which is linear; matching would not be).
    // .NET-only syntax is not JavaScript: recognised by its look (see DOTNET_ONLY_GROUP).
    let validElsewhere = DOTNET_ONLY_GROUP.test(pattern);
    if (!validElsewhere) {
      try {
        new RegExp(pattern);
        validElsewhere = true;
      } catch {
        validElsewhere = false;
      }
    }
    return validElsewhere
      ? {
          kind: 'unsupported',
          message:
            `${reason}; backreferences, lookahead, lookbehind and atomic groups cannot run in linear time ` +
            `and are refused: rewrite the pattern without them (RE2 syntax)`,
        }
      : { kind: 'invalid', message: reason };
  }
}

/** True when {@link compileLinearRegex} gave a problem instead of a regex. @internal */
export function isPatternProblem(compiled: LinearRegex | PatternProblem): compiled is PatternProblem {
  return (compiled as PatternProblem).kind !== undefined;
}
