/** A request target split into its path and its query parameters. @internal */
export interface RequestTarget {
  /** Everything before `?`, as sent (not decoded). */
  readonly path: string;
  /**
   * The query parameters, percent-decoded; the first of a repeated name wins. `+` stays `+` (not a space): the
   * values read here (tokens, secrets, flag keys, event names) are sent with `encodeURIComponent`, and a FeatBit
   * secret may hold a literal `+`.
   */
  readonly query: ReadonlyMap<string, string>;
}

/**
 * Splits a Node request URL (`request.url`, e.g. `/streaming?type=server&token=…`) into path and query, for the
 * servers of this package (streaming, insight endpoint). A malformed escape is kept as written, never thrown.
 * @internal
 */
export function parseRequestTarget(url: string | undefined): RequestTarget {
  const text = url ?? '/';
  const start = text.indexOf('?');
  const query = new Map<string, string>();
  if (start === -1) return { path: text, query };
  for (const pair of text.slice(start + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (!query.has(name)) query.set(name, value);
  }
  return { path: text.slice(0, start), query };
}

/** `decodeURIComponent`, or the text as it is when its escapes are malformed (a request must not throw here). */
export function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // malformed escapes: compared as written, so they simply match nothing
  }
}
