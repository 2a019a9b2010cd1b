// The console's only way to the server: the admin REST API. The browser's own credentials go with every call (the
// HttpOnly session cookie of the sign-in page, or the application's cookies): no key is held by the page. A 401
// means the session ended: the page reloads, and the server answers the sign-in form.

const meta = document.querySelector('meta[name="switchyard-api"]');
export const API = meta ? meta.getAttribute('content') : '/switchyard/api';

export class ApiError extends Error {
  constructor(status, body) {
    super(messageOf(status, body));
    this.status = status;
    this.body = body;
  }
}

function messageOf(status, body) {
  const text = body && (Array.isArray(body.message) ? body.message.join('; ') : body.message);
  if (status === 409) {
    return `Someone else changed this since you opened it${text ? ` (${text})` : ''}. Nothing was saved: reload to see their version, then edit again.`;
  }
  return text || `HTTP ${status}`;
}

function headers(extra) {
  return { accept: 'application/json', ...extra };
}

/** Ends the console session (the server removes its cookie) and shows the sign-in form. */
export async function signOut() {
  const base = document.querySelector('meta[name="switchyard-console"]').getAttribute('content');
  await fetch(`${base}/session`, { method: 'DELETE' });
  location.reload();
}

/** Calls the API; resolves `{ body, version }` (version from the ETag), rejects with ApiError. */
export async function call(method, path, { body, version } = {}) {
  const extra = {};
  if (body !== undefined) extra['content-type'] = 'application/json';
  if (version !== undefined && version !== null) extra['if-match'] = `"${version}"`;
  const response = await fetch(API + path, {
    method,
    headers: headers(extra),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { message: text };
  }
  if (response.status === 401) location.reload();
  if (!response.ok) throw new ApiError(response.status, parsed);
  const etag = response.headers.get('etag');
  return { body: parsed, version: etag ? Number(etag.replace(/[W/"]/g, '')) : undefined };
}

export const get = (path) => call('GET', path);

/**
 * Follows the audit stream (server-sent events, read with fetch to see the status of a refusal).
 * Calls `onEntry(entry)` per write anywhere and `onState('live' | 'offline')`; reconnects with a growing delay.
 * Returns a function that stops it.
 */
export function followAudit(onEntry, onState) {
  let stopped = false;
  let controller;
  let delay = 500;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(`${API}/audit/stream`, {
          headers: headers({ accept: 'text/event-stream' }),
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState('live');
        delay = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trimStart())
              .join('\n');
            if (data) {
              try {
                onEntry(JSON.parse(data));
              } catch {
                // not an audit entry: ignore
              }
            }
          }
        }
      } catch {
        // dropped or refused: shown as offline below, then retried
      }
      if (stopped) return;
      onState('offline');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
