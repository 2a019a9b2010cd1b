import {
  Inject,
  Injectable,
  type ArgumentMetadata,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { consoleLogger } from '../core/logger.js';
import { FEATURE_FLAG_OPTIONS } from './feature-flag.constants.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';
import { FlagInputs } from './flag-inputs.js';
import { SwitchChecker } from './switch-checker.js';

/** What `@SwitchValue()` asks for. */
export interface SwitchValueRequest {
  readonly name: string;
  readonly namespace: string | undefined;
}

/** Answers `@SwitchValue()`: is the switch active for the request's inputs (a missing switch is inactive, logged once)? */
@Injectable()
export class SwitchValuePipe implements PipeTransform<ExecutionContext, boolean> {
  private readonly checker: SwitchChecker;

  constructor(
    client: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
    @Inject(FEATURE_FLAG_OPTIONS) options: FeatureFlagModuleOptions,
  ) {
    this.checker = new SwitchChecker(client, options.logger ?? consoleLogger, '@SwitchValue');
  }

  transform(context: ExecutionContext, metadata: ArgumentMetadata): boolean {
    const { name, namespace } = metadata.data as unknown as SwitchValueRequest;
    return this.flagInputs.runIn(context, () => this.checker.active(name, namespace));
  }
}
