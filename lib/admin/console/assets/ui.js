// Small shared pieces of the console: htm bound to Preact, a data loader hook, messages and JSON helpers.
import { h } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { createContext } from 'preact';

export const html = htm.bind(h);

/** Bumped by the live stream on every write anywhere: views that read it load their data again. */
export const LiveContext = createContext({ tick: 0, last: undefined });

/**
 * Loads `load()` now, again when `deps` change and on every live change (unless `paused`, e.g. while an edit is
 * open, so that a stale edit is caught by its version instead of being replaced under the user's hands).
 */
export function useData(load, deps, { paused = false } = {}) {
  const live = useContext(LiveContext);
  const [state, setState] = useState({ loading: true });
  const reload = useCallback(() => {
    let cancelled = false;
    load().then(
      (value) => !cancelled && setState({ value }),
      (error) => !cancelled && setState({ error }),
    );
    return () => {
      cancelled = true;
    };
  }, deps);
  useEffect(reload, [reload]);
  useEffect(() => {
    if (!paused && live.tick > 0) return reload();
    return undefined;
  }, [live.tick]);
  return { ...state, reload };
}

export function ErrorMessage({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert" data-status=${error.status ?? ''}>${error.message}</p>`;
}

export function Loading({ state, children }) {
  if (state.error) return html`<${ErrorMessage} error=${state.error} />`;
  if (state.loading && state.value === undefined) return html`<p class="muted">Loading…</p>`;
  return children(state.value);
}

/** Parses JSON typed by a person; throws a readable error. */
export function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${error.message}`, { cause: error });
  }
}

export const pretty = (value) => JSON.stringify(value, null, 2);

/** Items of a list answer, whatever its envelope. */
export function itemsOf(body, field) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body[field])) return body[field];
  if (body && Array.isArray(body.items)) return body.items;
  return [];
}

/** A button that runs an async action, shows it is busy, and reports a failure next to itself. */
export function Action({ run, children, confirm: question, class: className, label }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState();
  const onClick = async () => {
    if (question && !window.confirm(question)) return;
    setBusy(true);
    setError(undefined);
    try {
      await run();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="action"
    ><button class=${className ?? ''} aria-label=${label ?? undefined} disabled=${busy} onClick=${onClick}>
      ${children}</button
    ><${ErrorMessage} error=${error}
  /></span>`;
}

export function download(name, value) {
  const url = URL.createObjectURL(new Blob([pretty(value)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
