import { Inject, Injectable, PayloadTooLargeException, type NestMiddleware } from '@nestjs/common';
import { FEATURE_FLAG_ADMIN_OPTIONS } from './admin.constants.js';
import type { ResolvedAdminOptions } from './resolve-admin-options.js';

/**
 * Refuses admin requests whose `Content-Length` is above `bodyLimit` with 413, whatever limit the platform's body
 * parser has. On Fastify it runs before the body is read; on Express after the app's JSON parser (whose own limit
 * applies first). A body sent without `Content-Length` is bounded by the platform's parser limit.
 */
@Injectable()
export class AdminBodyLimitMiddleware implements NestMiddleware {
  constructor(@Inject(FEATURE_FLAG_ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions) {}

  use(
    request: { headers: Record<string, string | string[] | undefined> },
    _response: unknown,
    next: () => void,
  ): void {
    const header = request.headers['content-length'];
    const length = typeof header === 'string' ? Number(header) : Number.NaN;
    if (Number.isFinite(length) && length > this.options.bodyLimit) {
      throw new PayloadTooLargeException(
        `The request body has ${length} bytes; the admin API accepts at most ${this.options.bodyLimit} ` +
          '(bodyLimit of FeatureFlagAdminModule).',
      );
    }
    next();
  }
}
