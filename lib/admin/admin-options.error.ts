import { SwitchyardError } from '../core/errors.js';

/**
 * A `FeatureFlagAdminModule` option is not acceptable, e.g. no way to authenticate callers. Thrown when the
 * application starts; `option` names the option and the message says what to give instead.
 * @publicApi
 */
export class AdminOptionsError extends SwitchyardError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`FeatureFlagAdminModule option '${option}': ${problem}`);
  }
}
