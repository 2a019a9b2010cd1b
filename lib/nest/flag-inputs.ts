import { AsyncResource } from 'node:async_hooks';
import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { isFlagUser, type FlagUser } from '../core/flags/flag-user.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import type { InputScope } from '../core/switches/input-scope.js';
import { FEATURE_FLAG_OPTIONS } from './feature-flag.constants.js';
import type { FeatureFlagModuleOptions, FlagInputsFactory } from './feature-flag-options.interface.js';

const NO_INPUTS: readonly unknown[] = Object.freeze([]);
/** A broken inputs factory is reported at most this often, so that it cannot flood the logs. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/** Something that says when a response is done (Node's `ServerResponse`, which Express extends). */
interface ClosableResponse {
  once(event: 'close', listener: () => void): unknown;
}

/** The request of an execution context, as the inputs factory receives it (see `FlagInputsFactory`). */
export function requestOf(context: ExecutionContext): unknown {
  switch (context.getType<string>()) {
    case 'http':
      return context.switchToHttp().getRequest();
    case 'rpc':
      return context.switchToRpc().getData();
    case 'ws':
      return context.switchToWs().getClient();
    case 'graphql': {
      // A GraphQL resolver's arguments are (root, args, context, info); the context carries the HTTP request
      // as `req` (Apollo) or `request` (Mercurius). No @nestjs/graphql import is needed to read it.
      const gqlContext = context.getArgByIndex<Record<string, unknown> | undefined>(2);
      return gqlContext?.req ?? gqlContext?.request ?? gqlContext;
    }
    default:
      return context.getArgByIndex(0);
  }
}

/**
 * The global inputs of the current request (Gutter's `input()` / `flush()`), shared by `@SwitchActive()`, the
 * client (`client.active(name)` in any service) and your code. A singleton facade over the client's
 * AsyncLocalStorage scope: every request gets its own inputs, so concurrent requests never see each other's, and
 * nothing has to be request-scoped.
 *
 * Each HTTP request starts with what the module's `inputs` factory returns for it (before any guard); add more
 * with `add()` (e.g. in an auth guard, once the user is known). The inputs are flushed when the response ends.
 *
 * ```ts
 * constructor(private readonly flagInputs: FlagInputs, private readonly flags: FeatureFlagClient) {}
 * this.flagInputs.add(account);
 * this.flags.active('new_billing');   // judged with the request's inputs, account included
 * ```
 * @publicApi
 */
@Injectable()
export class FlagInputs {
  private readonly scope: InputScope;
  private readonly factory: FlagInputsFactory | undefined;
  private readonly logger: SwitchyardLogger;
  private lastFactoryError = -Infinity;
  private readonly flushScope = (): void => this.scope.flush();

  constructor(client: FeatureFlagClient, @Inject(FEATURE_FLAG_OPTIONS) options: FeatureFlagModuleOptions) {
    this.scope = client.inputScope;
    this.factory = typeof options.inputs === 'function' ? options.inputs : undefined;
    this.logger = options.logger ?? consoleLogger;
  }

  /** The current request's inputs (empty outside a request). */
  get inputs(): readonly unknown[] {
    return this.scope.inputs;
  }

  /** True inside a request (or a `run()`), where inputs can be added. */
  get active(): boolean {
    return this.scope.active;
  }

  /** The first flag user (`{ key }` or `{ keyId }`) among the current inputs: who flags are evaluated for. */
  get user(): FlagUser | undefined {
    return firstUser(this.scope.inputs);
  }

  /** Adds inputs to the current request's. Throws `NoInputScopeError` outside a request. */
  add(...inputs: unknown[]): void {
    this.scope.add(inputs);
  }

  /** Replaces the current request's inputs. Throws `NoInputScopeError` outside a request. */
  set(...inputs: unknown[]): void {
    this.scope.set(inputs);
  }

  /** Clears the current request's inputs (Gutter's `flush()`). Throws `NoInputScopeError` outside a request. */
  flush(): void {
    this.scope.flush();
  }

  /** Runs `fn` in a scope of its own with these inputs: for jobs, message consumers and tests. */
  run<T>(fn: () => T, inputs: readonly unknown[] = NO_INPUTS): T {
    return this.scope.run(fn, inputs);
  }

  /**
   * What the `inputs` factory gives for a request (or an execution context); empty without a factory. A factory
   * that throws, or returns something else than an array, gives no inputs and is logged (at most once a minute).
   */
  compute(request: unknown, context?: ExecutionContext): readonly unknown[] {
    const factory = this.factory;
    if (factory === undefined) return NO_INPUTS;
    let result: unknown;
    try {
      result = factory(request, context);
    } catch (error) {
      this.reportFactoryError('threw; this request has no flag inputs.', error);
      return NO_INPUTS;
    }
    if (Array.isArray(result)) return result;
    if (result !== undefined && result !== null) {
      this.reportFactoryError(
        `returned ${typeof result} instead of an array; this request has no flag inputs.`,
      );
    }
    return NO_INPUTS;
  }

  /**
   * The inputs that count for an execution context: the request's (its scope was entered by the module's
   * middleware) or, where no middleware runs (microservice and WebSocket messages), the factory's for the context.
   */
  of(context: ExecutionContext): readonly unknown[] {
    return this.scope.active ? this.scope.inputs : this.compute(requestOf(context), context);
  }

  /**
   * Runs `fn` with the context's inputs as the global inputs: directly inside a request scope; otherwise in a new
   * scope filled by the factory for this context (what guards and pipes do for microservice and WebSocket handlers).
   */
  runIn<T>(context: ExecutionContext, fn: () => T): T {
    if (this.scope.active) return fn();
    // Without a factory there is nothing to put in a scope: do not start one (AsyncLocalStorage has a cost).
    if (this.factory === undefined) return fn();
    return this.scope.run(fn, this.compute(requestOf(context), context));
  }

  /**
   * Starts a request's scope: computes its inputs, calls `next` inside the scope (everything after it, guards
   * and handler included, sees them), and flushes them when `response` closes. Used by the module's middleware.
   */
  enter(request: unknown, response: ClosableResponse | undefined, next: () => void): void {
    const inputs = this.compute(request, undefined);
    this.scope.run(() => {
      if (response !== undefined) {
        // The 'close' listener runs outside the request's scope: a resource made here carries the scope to it.
        // Manual destroy: a GC-tracked AsyncResource (AsyncResource.bind) costs ~40 µs per request.
        const resource = new AsyncResource('switchyard.request', { requireManualDestroy: true });
        response.once('close', () => {
          resource.runInAsyncScope(this.flushScope);
          resource.emitDestroy();
        });
      }
      next();
    }, inputs);
  }

  private reportFactoryError(problem: string, error?: unknown): void {
    const now = Date.now();
    if (now - this.lastFactoryError < ERROR_LOG_INTERVAL_MS) return;
    this.lastFactoryError = now;
    this.logger.error(
      `FeatureFlagModule: the 'inputs' factory ${problem}`,
      ...(error === undefined ? [] : [error]),
    );
  }
}

/** The first flag user among inputs. */
export function firstUser(inputs: readonly unknown[]): FlagUser | undefined {
  for (let i = 0; i < inputs.length; i++) if (isFlagUser(inputs[i])) return inputs[i] as FlagUser;
  return undefined;
}
