import {
  Inject,
  Injectable,
  NotFoundException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { SwitchNotFoundError } from '../core/errors.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { FEATURE_FLAG_OPTIONS, SWITCH_ACTIVE_METADATA } from './feature-flag.constants.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';
import { FlagInputs } from './flag-inputs.js';
import type { SwitchRequirement } from './switch-active.decorator.js';
import { LevelMetadata, type MetadataLevel } from './stacked-metadata.js';
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
  private readonly logger: SwitchyardLogger;
  private readonly namespacedClients = new Map<string, FeatureFlagClient>();
  private readonly reportedMissing = new Set<string>();
  private readonly requirements: LevelMetadata<SwitchRequirement>;

  constructor(
    private readonly client: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
    reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(FEATURE_FLAG_OPTIONS) options: FeatureFlagModuleOptions,
  ) {
    this.logger = options.logger ?? consoleLogger;
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
    const client = requirement.namespace === undefined ? this.client : this.namespaced(requirement.namespace);
    try {
      return client.active(requirement.name);
    } catch (error) {
      if (!(error instanceof SwitchNotFoundError)) throw error;
      // Fail closed: a switch nobody registered guards nothing. Said once, loudly, per name.
      if (!this.reportedMissing.has(error.message)) {
        this.reportedMissing.add(error.message);
        this.logger.error(`@SwitchActive('${requirement.name}') answers as inactive: ${error.message}`);
      }
      return false;
    }
  }

  private namespaced(namespace: string): FeatureFlagClient {
    let client = this.namespacedClients.get(namespace);
    if (client === undefined) {
      client = this.client.namespaced(namespace);
      this.namespacedClients.set(namespace, client);
    }
    return client;
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
