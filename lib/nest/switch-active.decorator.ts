import { UseGuards, type ExecutionContext } from '@nestjs/common';
import { SWITCH_ACTIVE_METADATA } from './feature-flag.constants.js';
import { stackingDecorator } from './stacked-metadata.js';
import { SwitchActiveClassGuard, SwitchActiveGuard } from './switch-active.guard.js';

/** What `@SwitchActive()` does when the switch is not active. @publicApi */
export interface SwitchActiveOptions {
  /** Answer with a redirect (302) to this URL instead of 404. HTTP only. */
  redirectTo?: string;
  /**
   * Throw this instead of 404: an error, an error class (built with the message `Switch <name> not active`), or a
   * function that builds the error.
   */
  exception?:
    Error | (new (message: string) => Error) | ((switchName: string, context: ExecutionContext) => Error);
  /** Judge the switch of this namespace (as `FeatureFlagModule.forFeature(namespace)`) instead of the client's. */
  namespace?: string;
}

/** One `@SwitchActive()` requirement, as stored in metadata. */
export interface SwitchRequirement extends SwitchActiveOptions {
  readonly name: string;
}

/**
 * Lets a request through only when the switch (or boolean flag) is active for the request's inputs; otherwise
 * answers 404 `Switch <name> not active` (as Gutter's `switch_active` decorator), a redirect with `redirectTo`, or
 * the given `exception`. A real `CanActivate` guard, so it runs before interceptors and pipes and sees the inputs
 * the module computed for the request.
 *
 * On a controller class it guards every handler; stacked, every switch must be active (checked top down, class
 * first). For microservice and WebSocket handlers with no `exception`, an inactive switch makes the guard refuse
 * (Nest then raises its own error for that transport: `RpcException('Forbidden resource')`, `WsException`).
 *
 * ```ts
 * @SwitchActive('new_checkout')
 * @SwitchActive('legacy_search', { redirectTo: '/search' })
 * @SwitchActive('gift_cards', { exception: new ServiceUnavailableException() })
 * ```
 * @publicApi
 */
export function SwitchActive(
  name: string,
  options: SwitchActiveOptions = {},
): ClassDecorator & MethodDecorator {
  return stackingDecorator(SWITCH_ACTIVE_METADATA, switchRequirement(name, options), {
    handler: UseGuards(SwitchActiveGuard),
    class: UseGuards(SwitchActiveClassGuard),
  });
}

function switchRequirement(name: string, options: SwitchActiveOptions): SwitchRequirement {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`@SwitchActive() needs a switch name, got ${JSON.stringify(name)}.`);
  }
  if (options.redirectTo !== undefined && options.exception !== undefined) {
    throw new TypeError(`@SwitchActive('${name}'): give either redirectTo or exception, not both.`);
  }
  if (
    options.redirectTo !== undefined &&
    (typeof options.redirectTo !== 'string' || options.redirectTo === '')
  ) {
    throw new TypeError(`@SwitchActive('${name}'): redirectTo must be a non-empty URL.`);
  }
  if (
    options.exception !== undefined &&
    !(options.exception instanceof Error) &&
    typeof options.exception !== 'function'
  ) {
    throw new TypeError(
      `@SwitchActive('${name}'): exception must be an Error or a function that returns one.`,
    );
  }
  return Object.freeze({ name, ...options });
}
