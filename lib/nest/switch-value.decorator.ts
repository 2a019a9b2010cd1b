import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { SwitchValuePipe, type SwitchValueRequest } from './switch-value.pipe.js';

const executionContext = createParamDecorator((_data: unknown, context: ExecutionContext) => context);

/**
 * Injects whether a switch (or boolean flag) is active for the request's inputs into a handler parameter, for
 * handlers that branch instead of being guarded. A missing switch is `false` (and logged).
 *
 * Named `SwitchValue` (not `SwitchState`, as first sketched) because `SwitchState` is the core's enum of switch
 * states (disabled / selective / global).
 *
 * ```ts
 * @Get('checkout')
 * checkout(@SwitchValue('express_shipping') express: boolean) { ... }
 * ```
 * @publicApi
 */
export function SwitchValue(name: string, options: { namespace?: string } = {}): ParameterDecorator {
  if (typeof name !== 'string' || name === '') throw new TypeError('@SwitchValue() needs a switch name.');
  const request: SwitchValueRequest = Object.freeze({ name, namespace: options.namespace });
  return executionContext(request, SwitchValuePipe);
}
