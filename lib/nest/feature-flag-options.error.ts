import { SwitchyardError } from '../core/errors.js';

/**
 * A `FeatureFlagModule` option is not acceptable. Thrown at start-up; `option` names the option, and the message
 * says what was given and what is expected.
 * @publicApi
 */
export class FeatureFlagOptionsError extends SwitchyardError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`FeatureFlagModule option '${option}': ${problem}`);
  }
}
