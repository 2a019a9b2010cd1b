/** `scheme://user:password@` at the start of a URL (anchored; no backtracking beyond one pass). */
const CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i;

/**
 * A URL as logs and errors may show it: without its query (the token carries the secret) and without any
 * `user:password@` credentials.
 * @publicApi
 */
export function redactedUrl(url: string): string {
  const query = url.indexOf('?');
  const base = query === -1 ? url : url.slice(0, query);
  return base.replace(CREDENTIALS, '$1');
}
