import { createRequire } from 'node:module';

const requireModule = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded on first use rather than when the package is imported: an application that never
 * reaches the code needing it does not pay for loading it. `require` loads it synchronously, as its callers need
 * (a constructor, a validation). Each dependency is taken from one such getter, so that one copy of it is loaded.
 * @internal
 */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireModule(specifier) as T);
}

/**
 * zod: the engine validates with hand-written checks and needs zod only to word a refused flag's error and to read
 * switch records (83 ms of a 432 ms import of the engine on the benchmark host). zod ships CommonJS beside its ESM.
 * @internal
 */
export const lazyZod = lazyModule<typeof import('zod')>('zod');
