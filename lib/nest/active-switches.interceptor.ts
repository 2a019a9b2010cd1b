import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { FeatureFlagClient } from '../client/feature-flag-client.js';

/** The response header that lists the switches found active while serving a request. */
export const ACTIVE_SWITCHES_HEADER = 'X-Switchyard-Active';

/** The parts of an Express response or a Fastify reply the interceptor uses. */
interface HeaderTarget {
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
  headersSent?: boolean;
  sent?: boolean;
}

/**
 * Lists, in a response header, the switches found active while serving the request — by guards, param
 * decorators, services (Gutter's `EnabledSwitchesMiddleware`, whose header was `X-Gutter-Switch`):
 * `X-Switchyard-Active: active=new_homepage,reports`, or `active=` when none. Each switch is listed once, in the
 * order first found; concurrent requests never see each other's. Needs the module's request scope (the default).
 *
 * ```ts
 * providers: [{ provide: APP_INTERCEPTOR, useClass: ActiveSwitchesInterceptor }]
 * ```
 * @publicApi
 */
@Injectable()
export class ActiveSwitchesInterceptor implements NestInterceptor {
  constructor(private readonly client: FeatureFlagClient) {
    // Signals are shared by the client's namespaced views; noting is a set insertion in the request's scope.
    const scope = client.inputScope;
    client.signals.active$.subscribe(({ switch: sw }) => scope.noteActive(sw.name));
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const response = context.switchToHttp().getResponse<HeaderTarget>();
    const write = (): void => {
      if (response.headersSent || response.sent) return;
      const value = `active=${this.client.inputScope.activeSwitches.join(',')}`;
      if (typeof response.header === 'function') response.header(ACTIVE_SWITCHES_HEADER, value);
      else response.setHeader?.(ACTIVE_SWITCHES_HEADER, value);
    };
    return next.handle().pipe(tap({ next: write, error: write }));
  }
}
