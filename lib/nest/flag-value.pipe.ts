import { Injectable, type ArgumentMetadata, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { FlagInputs } from './flag-inputs.js';

/** What `@FlagValue()` asks for. */
export interface FlagValueRequest {
  readonly key: string;
  readonly defaultValue: unknown;
}

/**
 * Evaluates the flag of `@FlagValue()` for the request's user. A pipe, because pipes get dependency injection
 * and param decorators do not: the decorator hands over the execution context, this pipe answers the value.
 */
@Injectable()
export class FlagValuePipe implements PipeTransform<ExecutionContext, unknown> {
  constructor(
    private readonly client: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
  ) {}

  transform(context: ExecutionContext, metadata: ArgumentMetadata): unknown {
    const { key, defaultValue } = metadata.data as unknown as FlagValueRequest;
    return this.flagInputs.runIn(context, () => this.evaluate(key, defaultValue));
  }

  private evaluate(key: string, defaultValue: unknown): unknown {
    const client = this.client;
    const user = this.flagInputs.user;
    if (defaultValue !== undefined) return client.variation(key, user, defaultValue);
    // No default to type the value by: use the flag's own type (a switch answers a boolean).
    switch (client.store.flag(key)?.variationType) {
      case 'boolean':
        return client.boolVariation(key, user, false);
      case 'number':
        return client.numberVariation(key, user, 0);
      case 'json':
        return client.jsonVariation(key, user, undefined);
      case 'string':
        return client.stringVariation(key, user, '');
      default:
        return client.manager.has(key) ? client.active(key) : undefined;
    }
  }
}
