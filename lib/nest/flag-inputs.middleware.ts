import { Injectable, type NestMiddleware } from '@nestjs/common';
import { FlagInputs } from './flag-inputs.js';

/** The parts of a Fastify reply the hook uses (no Fastify import: the platform is optional). */
interface FastifyReplyLike {
  readonly raw: { once(event: 'close', listener: () => void): unknown };
}

/**
 * Starts every request's flag inputs before any guard runs: computes them with the module's `inputs` factory and
 * runs the rest of the request inside that request's scope (AsyncLocalStorage), flushing it when the response
 * ends. `FeatureFlagModule` mounts it for every route by itself: on Express as an application middleware ahead of
 * Nest middleware (after the body parser), on Fastify as an `onRequest` hook (after Nest middleware), so the factory
 * receives the same request object as guards do (`Request` / `FastifyRequest`).
 * @publicApi
 */
@Injectable()
export class FlagInputsMiddleware implements NestMiddleware {
  constructor(private readonly flagInputs: FlagInputs) {}

  use(
    request: unknown,
    response: { once(event: 'close', listener: () => void): unknown },
    next: () => void,
  ): void {
    this.flagInputs.enter(request, response, next);
  }

  /** The same, as a Fastify `onRequest` hook. */
  readonly fastifyOnRequest = (request: unknown, reply: FastifyReplyLike, done: () => void): void => {
    this.flagInputs.enter(request, reply.raw, done);
  };
}
