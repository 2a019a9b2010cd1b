import {
  Inject,
  Injectable,
  type ArgumentMetadata,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { SwitchNotFoundError } from '../core/errors.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { FEATURE_FLAG_OPTIONS } from './feature-flag.constants.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';
import { FlagInputs } from './flag-inputs.js';

/** What `@SwitchValue()` asks for. */
export interface SwitchValueRequest {
  readonly name: string;
  readonly namespace: string | undefined;
}

/** Answers `@SwitchValue()`: is the switch active for the request's inputs (a missing switch is inactive)? */
@Injectable()
export class SwitchValuePipe implements PipeTransform<ExecutionContext, boolean> {
  private readonly logger: SwitchyardLogger;
  private readonly namespacedClients = new Map<string, FeatureFlagClient>();

  constructor(
    private readonly client: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
    @Inject(FEATURE_FLAG_OPTIONS) options: FeatureFlagModuleOptions,
  ) {
    this.logger = options.logger ?? consoleLogger;
  }

  transform(context: ExecutionContext, metadata: ArgumentMetadata): boolean {
    const { name, namespace } = metadata.data as unknown as SwitchValueRequest;
    const client = namespace === undefined ? this.client : this.namespaced(namespace);
    return this.flagInputs.runIn(context, () => {
      try {
        return client.active(name);
      } catch (error) {
        if (!(error instanceof SwitchNotFoundError)) throw error;
        this.logger.warn(`@SwitchValue('${name}') answers false: ${error.message}`);
        return false;
      }
    });
  }

  private namespaced(namespace: string): FeatureFlagClient {
    let client = this.namespacedClients.get(namespace);
    if (client === undefined) {
      client = this.client.namespaced(namespace);
      this.namespacedClients.set(namespace, client);
    }
    return client;
  }
}
