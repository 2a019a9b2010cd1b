import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { FlagInputs } from './flag-inputs.js';

/**
 * Gives microservice, WebSocket and GraphQL-without-HTTP handlers a request scope of their own, filled by the
 * module's `inputs` factory for their context, so that services they call see the message's inputs
 * (`client.active(name)`, `FlagInputs.add()`). Over HTTP the module's middleware already does this and the
 * interceptor passes through. Opt in where you need it:
 * `@UseInterceptors(FlagInputsInterceptor)` on a message controller, or `app.useGlobalInterceptors(...)` in a
 * microservice. (`@SwitchActive()` and the param decorators do not need it.)
 * @publicApi
 */
@Injectable()
export class FlagInputsInterceptor implements NestInterceptor {
  constructor(private readonly flagInputs: FlagInputs) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.flagInputs.active) return next.handle();
    const inputs = this.flagInputs.of(context);
    // The handler runs when the stream is subscribed to: subscribe inside the scope, so it (and everything it
    // awaits) runs there.
    return new Observable((subscriber) =>
      this.flagInputs.run(() => next.handle().subscribe(subscriber), inputs),
    );
  }
}
