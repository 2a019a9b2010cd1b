import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { FlagValuePipe, type FlagValueRequest } from './flag-value.pipe.js';

const executionContext = createParamDecorator((_data: unknown, context: ExecutionContext) => context);

/**
 * Injects a flag's value for the request's user (the first user among the request's inputs) into a handler
 * parameter, typed like `defaultValue`, which it is on any problem (unknown flag, no user, wrong type). Without a
 * default the flag's own type is used and a missing flag gives `undefined`.
 *
 * ```ts
 * @Get('checkout')
 * checkout(@FlagValue('checkout-v2', 'control') variant: string) { ... }
 * ```
 * @publicApi
 */
export function FlagValue(key: string, defaultValue?: unknown): ParameterDecorator {
  if (typeof key !== 'string' || key === '') throw new TypeError('@FlagValue() needs a flag key.');
  const request: FlagValueRequest = Object.freeze({ key, defaultValue });
  return executionContext(request, FlagValuePipe);
}
