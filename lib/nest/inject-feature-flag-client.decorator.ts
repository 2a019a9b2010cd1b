import { Inject } from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { getFeatureFlagClientToken } from './feature-flag.constants.js';

/**
 * Injects the client of a namespace (provided by `FeatureFlagModule.forFeature(namespace)`), or, without a
 * namespace, the root client (the same as injecting `FeatureFlagClient` by type).
 *
 * ```ts
 * constructor(@InjectFeatureFlagClient('notifications') private readonly flags: FeatureFlagClient) {}
 * ```
 * @publicApi
 */
export function InjectFeatureFlagClient(namespace?: string): PropertyDecorator & ParameterDecorator {
  return Inject(namespace === undefined ? FeatureFlagClient : getFeatureFlagClientToken(namespace));
}
