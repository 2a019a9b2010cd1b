/**
 * The streaming endpoint of a FeatBit (or Switchyard) server, built as the node and Python SDKs do (reference
 * §1.1): trailing slashes stripped, `/streaming` appended, `http(s)` rewritten to `ws(s)`.
 */

import { redactedUrl } from '../core/redacted-url.js';

const SCHEME = /^(wss?|https?):\/\//i;

/**
 * `ws://host:5100/` → `ws://host:5100/streaming`; `https://flags.example.com/api` → `wss://flags.example.com/api/streaming`.
 * @throws TypeError when the URI is not an absolute ws, wss, http or https URI.
 * @publicApi
 */
export function streamingEndpoint(streamingUri: string): string {
  const trimmed = streamingUri.trim();
  if (!SCHEME.test(trimmed)) {
    throw new TypeError(
      `streamingUri '${redactedUrl(streamingUri)}' must be an absolute ws://, wss://, http:// or https:// URI (the server's base, without /streaming).`,
    );
  }
  const endpoint = trimmed.replace(/\/+$/, '') + '/streaming';
  return endpoint.replace(/^http/i, 'ws');
}

/** The URL of one connection attempt: `<endpoint>?type=server&token=<token>`. @publicApi */
export function streamingUrl(endpoint: string, token: string): string {
  return `${endpoint}?type=server&token=${encodeURIComponent(token)}`;
}

export { redactedUrl } from '../core/redacted-url.js';
