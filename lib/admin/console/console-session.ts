import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { ResolvedApiKey } from '../resolve-admin-options.js';

/** The cookie that carries a console sign-in. */
export const CONSOLE_SESSION_COOKIE = 'switchyard_console';

/** How long a console sign-in lasts: 12 hours. */
export const DEFAULT_CONSOLE_SESSION_SECONDS = 12 * 60 * 60;

const VERSION = 'v1';

/** The first 8 hex digits of a key's SHA-256: which key signed a session (not a secret, not part of the key). */
export const fingerprintOf = (key: ResolvedApiKey): string => key.digest.toString('hex').slice(0, 8);

function signature(key: ResolvedApiKey, fingerprint: string, expires: number): Buffer {
  return createHmac('sha256', key.digest).update(`switchyard-console|${fingerprint}|${expires}`).digest();
}

/**
 * A console session for one API key: `v1.<fingerprint>.<expires>.<HMAC>`, signed with the key's SHA-256 (which only
 * the server holds). Stateless, so every instance of the app accepts it, and removing the key from the options ends
 * its sessions. The key itself never travels again after sign-in.
 */
export function issueConsoleSession(key: ResolvedApiKey, nowMs: number, ttlSeconds: number): string {
  const fingerprint = fingerprintOf(key);
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  return `${VERSION}.${fingerprint}.${expires}.${signature(key, fingerprint, expires).toString('base64url')}`;
}

/** The key a session token was issued for, if the token is genuine and unexpired. */
export function verifyConsoleSession(
  token: string,
  keys: readonly ResolvedApiKey[],
  nowMs: number,
): ResolvedApiKey | undefined {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [, fingerprint, expiresText, signed] = parts;
  if (!/^\d{1,12}$/.test(expiresText)) return undefined;
  const expires = Number(expiresText);
  if (expires * 1000 <= nowMs) return undefined;
  const presented = Buffer.from(signed, 'base64url');
  let match: ResolvedApiKey | undefined;
  for (const key of keys) {
    if (fingerprintOf(key) !== fingerprint) continue;
    const expected = signature(key, fingerprint, expires);
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) match ??= key;
  }
  return match;
}

/** The console session token among a request's cookies. */
export function consoleSessionOf(cookieHeader: string | string[] | undefined): string | undefined {
  if (typeof cookieHeader !== 'string' || !cookieHeader.includes(CONSOLE_SESSION_COOKIE)) return undefined;
  return parseCookie(cookieHeader)[CONSOLE_SESSION_COOKIE];
}

/**
 * The `Set-Cookie` value of a session (or of its removal when `token` is undefined): HttpOnly (no script reads it),
 * SameSite=Lax (other sites' requests other than top-level navigation carry none; writes are also checked for
 * their origin), Secure on HTTPS, scoped to the paths of the console and the API.
 */
export function sessionCookie(
  token: string | undefined,
  path: string,
  secure: boolean,
  ttlSeconds: number,
): string {
  return stringifySetCookie({
    name: CONSOLE_SESSION_COOKIE,
    value: token ?? '',
    path,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: token === undefined ? 0 : ttlSeconds,
  });
}

/** The longest path both the console and the API live under (`/switchyard` for `switchyard` and `switchyard/api`). */
export function cookiePathFor(consolePath: string, apiPath: string): string {
  const a = consolePath.split('/').filter(Boolean);
  const b = apiPath.split('/').filter(Boolean);
  const common: string[] = [];
  for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i++) common.push(a[i]);
  return `/${common.join('/')}`;
}
