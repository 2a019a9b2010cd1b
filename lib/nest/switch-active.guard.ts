import {
  Inject,
  Injectable,
  NotFoundException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { consoleLogger } from '../core/logger.js';
import { FEATURE_FLAG_OPTIONS, SWITCH_ACTIVE_METADATA } from './feature-flag.constants.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';
import { FlagInputs } from './flag-inputs.js';
import type { SwitchRequirement } from './switch-active.decorator.js';
import { LevelMetadata, type MetadataLevel } from './stacked-metadata.js';
import { SwitchChecker } from './switch-checker.js';
import { SwitchRedirectException } from './switch-redirect.exception.js';

type ErrorClass = new (message: string) => Error;

const isErrorClass = (fn: unknown): fn is ErrorClass =>
  typeof fn === 'function' && (fn.prototype instanceof Error || fn === Error);

/**
 * The guard behind `@SwitchActive()` on handlers: reads the handler's requirements with the `Reflector` and lets
 * the request through when every switch is active for the request's inputs. Use the decorator; it adds this guard.
 * @publicApi
 */
@Injectable()
export class SwitchActiveGuard implements CanActivate {
  /** Which metadata this guard reads: the handler's (here) or the controller class's (`SwitchActiveClassGuard`). */
  protected readonly level: MetadataLevel = 'handler';
  private readonly checker: SwitchChecker;
  private readonly requirements: LevelMetadata<SwitchRequirement>;

  constructor(
    client: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
    reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(FEATURE_FLAG_OPTIONS) options: FeatureFlagModuleOptions,
  ) {
    this.checker = new SwitchChecker(client, options.logger ?? consoleLogger, '@SwitchActive');
    this.requirements = new LevelMetadata(reflector, SWITCH_ACTIVE_METADATA);
  }

  canActivate(context: ExecutionContext): boolean {
    const requirements = this.requirements.of(context, this.level);
    if (requirements === null) return true;
    // Over HTTP the module's middleware already entered the request's scope; elsewhere the inputs come from the
    // factory, for this context.
    const inactive = this.flagInputs.active
      ? this.firstInactive(requirements)
      : this.flagInputs.runIn(context, () => this.firstInactive(requirements));
    return inactive === undefined ? true : this.deny(inactive, context);
  }

  private firstInactive(requirements: readonly SwitchRequirement[]): SwitchRequirement | undefined {
    for (let i = 0; i < requirements.length; i++) {
      if (!this.isActive(requirements[i])) return requirements[i];
    }
    return undefined;
  }

  private isActive(requirement: SwitchRequirement): boolean {
    return this.checker.active(requirement.name, requirement.namespace);
  }

  private deny(requirement: SwitchRequirement, context: ExecutionContext): false {
    const { name, exception, redirectTo } = requirement;
    if (exception !== undefined) {
      if (exception instanceof Error) throw exception;
      if (isErrorClass(exception)) throw new exception(`Switch ${name} not active`);
      throw exception(name, context);
    }
    const type = context.getType<string>();
    if (type === 'http') {
      if (redirectTo !== undefined) {
        this.adapterHost.httpAdapter.setHeader(context.switchToHttp().getResponse(), 'Location', redirectTo);
        throw new SwitchRedirectException(name, redirectTo);
      }
      throw new NotFoundException(`Switch ${name} not active`);
    }
    if (type === 'graphql') throw new NotFoundException(`Switch ${name} not active`);
    // Microservice and WebSocket handlers: Nest turns a refusal into the transport's own error.
    return false;
  }
}

/** The same guard for `@SwitchActive()` on a controller class: reads the class's requirements. */
@Injectable()
export class SwitchActiveClassGuard extends SwitchActiveGuard {
  protected override readonly level = 'class' as const;
}
