/**
 * Test data and helpers for the streaming tests. Flags are written by hand, so every expected value below can
 * be read off the document (docs/featbit-protocol.md §3–4): an enabled flag with a [0,1] fallthrough serves that variation to
 * everyone; a disabled one serves `disabledVariationId`.
 */
import type { Observable } from 'rxjs';

/** A 44-character FeatBit-style secret (docs/featbit-protocol.md §1.2 test data). */
export const SECRET = 'v3faJy3RCUO8d-EJiVdN6waRfGjfNan02Ms9c0LiTD6w';

/** ISO time `ms` after 2024-01-01T00:00:00Z: versions the tests can reason about. */
export const T0 = Date.UTC(2024, 0, 1);
export function at(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

/** A string flag that serves `value` to everyone (or `offValue` when disabled). */
export function stringFlag(
  key: string,
  value: string,
  updatedMs: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: `id-${key}`,
    key,
    name: key,
    updatedAt: at(updatedMs),
    variationType: 'string',
    variations: [
      { id: 'v-on', name: 'on', value },
      { id: 'v-off', name: 'off', value: 'off' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'v-off',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: 'v-on', rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    isArchived: false,
    ...extra,
  };
}

/** A boolean flag: on for everyone when `on`, else off for everyone. */
export function boolFlag(key: string, on: boolean, updatedMs: number): Record<string, unknown> {
  return {
    id: `id-${key}`,
    key,
    updatedAt: at(updatedMs),
    variationType: 'boolean',
    variations: [
      { id: 'v-true', value: 'true' },
      { id: 'v-false', value: 'false' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'v-false',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: on ? 'v-true' : 'v-false', rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    isArchived: false,
  };
}

/** A flag that is `true` for members of `segmentId`, `false` otherwise. */
export function segmentGatedFlag(key: string, segmentId: string, updatedMs: number): Record<string, unknown> {
  return {
    ...boolFlag(key, false, updatedMs),
    rules: [
      {
        id: 'r1',
        name: 'members',
        dispatchKey: null,
        includedInExpt: false,
        conditions: [{ property: 'User is in segment', op: null, value: JSON.stringify([segmentId]) }],
        variations: [{ id: 'v-true', rollout: [0, 1], exptRollout: 1 }],
      },
    ],
  };
}

export function segment(id: string, included: string[], updatedMs: number): Record<string, unknown> {
  return { id, name: id, updatedAt: at(updatedMs), isArchived: false, included, excluded: [], rules: [] };
}

export { RecordingLogger } from '../support/recording-logger.js';

export { delay, waitUntil } from '../support/wait-until.js';

/** The first value of `source` that passes `predicate`, or a rejection after `timeoutMs`. */
export function nextValue<T>(
  source: Observable<T>,
  predicate: (value: T) => boolean,
  what: string,
  timeoutMs = 3_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`Timed out waiting for ${what}`));
    }, timeoutMs);
    const subscription = source.subscribe((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      queueMicrotask(() => subscription.unsubscribe());
      resolve(value);
    });
  });
}

/** Handles that keep the process alive, by type (sockets, servers, timers). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
