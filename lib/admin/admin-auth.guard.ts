import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { ADMIN_WRITE_METADATA, FEATURE_FLAG_ADMIN_OPTIONS } from './admin.constants.js';
import { ADMIN_IDENTITY, type AdminIdentity } from './admin-identity.js';
import { crossSiteRefusal } from './admin-csrf.js';
import { consoleSessionOf, verifyConsoleSession } from './console/console-session.js';
import { matchingKey, type ResolvedAdminOptions } from './resolve-admin-options.js';

/**
 * How a caller proved who it is: an API key in a header (no browser sends one by itself), or something a browser
 * does send by itself — the console's session cookie, or whatever the application's guard reads (cookies too).
 */
export type AdminCredential = 'api-key' | 'browser';

interface AdminRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: unknown;
  [ADMIN_IDENTITY]?: AdminIdentity;
}

const UNAUTHENTICATED =
  'Authentication required: send an admin API key as "Authorization: Bearer <key>" or "x-api-key: <key>", ' +
  'or the credentials your admin guard expects.';

/**
 * Guards every admin route: authenticates the caller (API key in constant time, the configured guard class, or
 * the configured function, or the console's session cookie) — 401 otherwise, reads included — records who it is (the
 * actor of the audit log) and refuses write routes with 403 in read-only mode, for a read-only key, and when the
 * browser sent the credentials on behalf of a page of another origin (cross-site request forgery).
 * @publicApi
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private guardInstance: Promise<CanActivate> | undefined;

  constructor(
    @Inject(FEATURE_FLAG_ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const found = await this.identify(context);
    if (found === undefined) throw new UnauthorizedException(UNAUTHENTICATED);
    const { identity, credential } = found;
    request[ADMIN_IDENTITY] = identity;
    const writes =
      this.reflector.get<boolean | undefined>(ADMIN_WRITE_METADATA, context.getHandler()) === true;
    if (writes && credential === 'browser') {
      const refusal = crossSiteRefusal(request.headers, this.options.trustedOrigins);
      if (refusal !== undefined) throw new ForbiddenException(`Refused: ${refusal}`);
    }
    if (writes && (this.options.readOnly || identity.readOnly)) {
      throw new ForbiddenException(
        this.options.readOnly
          ? 'The admin API is read-only (readOnly: true): writes are refused.'
          : `The credentials of '${identity.actor}' are read-only: writes are refused. Use a key that may write.`,
      );
    }
    return true;
  }

  /** Who the caller of this request is and how it proved it (`undefined`: unauthenticated). Used by the console too. */
  async identify(
    context: ExecutionContext,
  ): Promise<{ identity: AdminIdentity; credential: AdminCredential } | undefined> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const presented = presentedKey(request.headers);
    if (presented !== undefined && this.options.apiKeys.length > 0) {
      const match = matchingKey(this.options.apiKeys, presented);
      if (match !== undefined) {
        return { identity: { actor: match.actor, readOnly: match.readOnly }, credential: 'api-key' };
      }
    }
    const session = consoleSessionOf(request.headers.cookie);
    if (session !== undefined) {
      const key = verifyConsoleSession(session, this.options.apiKeys, Date.now());
      if (key !== undefined) {
        return { identity: { actor: key.actor, readOnly: key.readOnly }, credential: 'browser' };
      }
    }
    let allowed = false;
    if (this.options.guard !== undefined)
      allowed = (await (await this.resolveGuard()).canActivate(context)) === true;
    if (!allowed && this.options.canActivate !== undefined)
      allowed = (await this.options.canActivate(context)) === true;
    if (!allowed) return undefined;
    return {
      identity: {
        actor: this.options.actor?.(request) ?? userName(request.user) ?? 'admin',
        readOnly: false,
      },
      credential: 'browser',
    };
  }

  private resolveGuard(): Promise<CanActivate> {
    this.guardInstance ??= this.findOrCreateGuard(
      this.options.guard as NonNullable<ResolvedAdminOptions['guard']>,
    );
    return this.guardInstance;
  }

  /** The guard from this module's injector (`forRoot` provides it), else created there (`forRootAsync`). */
  private async findOrCreateGuard(type: NonNullable<ResolvedAdminOptions['guard']>): Promise<CanActivate> {
    let found: CanActivate | undefined;
    try {
      found = this.moduleRef.get(type, { strict: false });
    } catch {
      found = undefined;
    }
    return found ?? (await this.moduleRef.create(type));
  }
}

/** The key of `Authorization: Bearer <key>` or `x-api-key`. */
function presentedKey(headers: AdminRequest['headers']): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
}

/** A readable name of `req.user` (Passport and most auth guards put the user there). */
function userName(user: unknown): string | undefined {
  if (typeof user === 'string' && user !== '') return user;
  if (typeof user !== 'object' || user === null) return undefined;
  const record = user as Record<string, unknown>;
  for (const field of ['id', 'sub', 'username', 'email', 'name']) {
    const value = record[field];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  }
  return undefined;
}
