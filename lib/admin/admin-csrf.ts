/** The request headers a cross-site check reads. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * Why a request that a browser may have sent on another site's behalf is refused, or `undefined` when it came from
 * this origin. Applies where the browser supplies the identity by itself (a cookie, or whatever the application's
 * guard reads) — never to requests with an API key in a header, which another site cannot make a browser send.
 *
 * Browsers say where a request comes from: `Sec-Fetch-Site` (every current browser) and `Origin` (on every
 * cross-origin request and every POST, PUT, PATCH and DELETE). A request with neither did not come from a browser
 * page (curl, a server) and is not a forgery. A same-site but cross-origin page (another port, another subdomain)
 * is refused too: SameSite cookies do not stop it. Pages of `trustedOrigins` pass.
 */
export function crossSiteRefusal(
  headers: RequestHeaders,
  trustedOrigins: ReadonlySet<string>,
): string | undefined {
  const origin = first(headers.origin);
  if (origin !== undefined && trustedOrigins.has(origin)) return undefined;
  const site = first(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `a request from another origin (Sec-Fetch-Site: ${site}) may not write with the browser's credentials.`;
  }
  if (origin === undefined) return undefined;
  const host = first(headers['x-forwarded-host']) ?? first(headers.host);
  let originHost: string | undefined;
  try {
    originHost = origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || host === undefined || originHost !== host.split(',')[0].trim()) {
    return `a request from another origin (Origin: ${origin.slice(0, 100)}) may not write with the browser's credentials.`;
  }
  return undefined;
}
