import { createHash, timingSafeEqual } from 'node:crypto';
import type { CanActivate, ExecutionContext, Type } from '@nestjs/common';
import { DEFAULT_ADMIN_BODY_LIMIT } from './admin.constants.js';
import { AdminOptionsError } from './admin-options.error.js';
import type { AdminActorFactory, FeatureFlagAdminOptions } from './admin-options.interface.js';

/** An accepted key, kept as its SHA-256 (compared in constant time, never the key itself). */
export interface ResolvedApiKey {
  readonly digest: Buffer;
  readonly actor: string;
  readonly readOnly: boolean;
}

/** The admin options, checked and normalized once at start-up. */
export interface ResolvedAdminOptions {
  readonly apiKeys: readonly ResolvedApiKey[];
  readonly guard: Type<CanActivate> | undefined;
  readonly canActivate: ((context: ExecutionContext) => boolean | Promise<boolean>) | undefined;
  readonly actor: AdminActorFactory | undefined;
  /** `auth.trustedOrigins`, each as `new URL(origin).origin`. */
  readonly trustedOrigins: ReadonlySet<string>;
  readonly readOnly: boolean;
  readonly bodyLimit: number;
  readonly openApi: boolean;
}

export const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The configured key equal to `presented`: every key compared, each in constant time, no early exit. */
export function matchingKey(keys: readonly ResolvedApiKey[], presented: string): ResolvedApiKey | undefined {
  const digest = sha256(presented);
  let match: ResolvedApiKey | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, digest) && match === undefined) match = key;
  return match;
}

/**
 * Checks the admin options (a bad one stops the application with `AdminOptionsError`): above all, that callers
 * must authenticate — no anonymous writes.
 */
export function resolveAdminOptions(raw: unknown): ResolvedAdminOptions {
  const options = (raw ?? {}) as Partial<FeatureFlagAdminOptions>;
  const auth = options.auth;
  if (typeof auth !== 'object' || auth === null) {
    throw new AdminOptionsError(
      'auth',
      'the admin API needs authentication: give auth.apiKeys, auth.guard (a CanActivate class) or ' +
        'auth.canActivate (a function). Anonymous writes are never allowed.',
    );
  }
  if (!Array.isArray(auth.apiKeys ?? []))
    throw new AdminOptionsError('auth.apiKeys', 'expected an array of keys.');
  const apiKeys = (auth.apiKeys ?? []).map((entry, i): ResolvedApiKey => {
    const key = typeof entry === 'string' ? entry : entry?.key;
    if (typeof key !== 'string' || key.trim().length < 8) {
      throw new AdminOptionsError(
        `auth.apiKeys[${i}]`,
        'an API key must be a string of at least 8 characters (use a long random secret).',
      );
    }
    const actor = typeof entry === 'string' ? undefined : entry.actor;
    if (actor !== undefined && (typeof actor !== 'string' || actor.trim() === '')) {
      throw new AdminOptionsError(`auth.apiKeys[${i}].actor`, 'must be a non-blank string.');
    }
    const digest = sha256(key);
    return {
      digest,
      // a fingerprint, not the key's first characters: an audit log is read by more people than hold the key
      actor: actor ?? `api-key:${digest.toString('hex').slice(0, 8)}`,
      readOnly: typeof entry !== 'string' && entry.readOnly === true,
    };
  });
  if (auth.guard !== undefined && typeof auth.guard !== 'function')
    throw new AdminOptionsError('auth.guard', 'expected a CanActivate class.');
  if (auth.canActivate !== undefined && typeof auth.canActivate !== 'function')
    throw new AdminOptionsError('auth.canActivate', 'expected a function (context) => boolean.');
  if (auth.actor !== undefined && typeof auth.actor !== 'function')
    throw new AdminOptionsError('auth.actor', 'expected a function (request) => string.');
  if (apiKeys.length === 0 && auth.guard === undefined && auth.canActivate === undefined) {
    throw new AdminOptionsError(
      'auth',
      'no way to authenticate callers: give at least one of auth.apiKeys (non-empty), auth.guard or ' +
        'auth.canActivate. Anonymous writes are never allowed.',
    );
  }
  const trustedOrigins = new Set<string>();
  if (auth.trustedOrigins !== undefined && !Array.isArray(auth.trustedOrigins))
    throw new AdminOptionsError('auth.trustedOrigins', 'expected an array of origins (https://host:port).');
  for (const [i, origin] of (auth.trustedOrigins ?? []).entries()) {
    const parsed = typeof origin === 'string' && URL.canParse(origin) ? new URL(origin) : undefined;
    if (parsed === undefined || parsed.origin === 'null') {
      throw new AdminOptionsError(
        `auth.trustedOrigins[${i}]`,
        'expected an origin such as https://admin.example.com.',
      );
    }
    trustedOrigins.add(parsed.origin);
  }
  const bodyLimit = options.bodyLimit ?? DEFAULT_ADMIN_BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit <= 0)
    throw new AdminOptionsError(
      'bodyLimit',
      `expected a positive number of bytes, got ${String(bodyLimit)}.`,
    );
  return {
    apiKeys,
    guard: auth.guard,
    canActivate: auth.canActivate,
    actor: auth.actor,
    trustedOrigins,
    readOnly: options.readOnly === true,
    bodyLimit,
    openApi: options.openApi !== false,
  };
}
