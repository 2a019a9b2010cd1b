import { consoleLogger, type SwitchyardLogger } from '../logger.js';

/** False once the process refused code generation from strings: no more attempts, no more warnings. */
let allowed = true;
/** What already failed for another reason (a bug in the generated text): logged once per kind. */
const failedKinds = new Set<string>();

/**
 * `new Function(...parameters, body)` for the evaluator's generated code (attribute readers, rule tests), or
 * undefined where it cannot be had, so that the caller uses its plain-function fallback. The two failures are told
 * apart and both said once: a process that disallows code generation (`--disallow-code-generation-from-strings`,
 * an `EvalError`) gets one warning and no further attempts; any other error is a bug in the generated text, logged
 * with the text as an error — and generation stays on, so one bad shape does not slow every flag down. The engine
 * has no logger at this level (readers are shared by every client of the process): the console by default.
 * @internal
 */
export function generateFunction<F>(
  kind: string,
  parameters: readonly string[],
  body: string,
  logger: SwitchyardLogger = consoleLogger,
): F | undefined {
  if (!allowed) return undefined;
  try {
    return new Function(...parameters, body) as F;
  } catch (error) {
    if (error instanceof EvalError) {
      allowed = false;
      logger.warn(
        `Code generation from strings is disallowed in this process (${error.message}); flag rules and ` +
          'attribute reads use plain functions instead, which are correct but slower.',
      );
    } else if (!failedKinds.has(kind)) {
      failedKinds.add(kind);
      logger.error(
        `Switchyard generated an invalid ${kind} (a bug: please report it); this one uses the plain-function ` +
          `fallback. Generated text: ${body}`,
        error,
      );
    }
    return undefined;
  }
}
