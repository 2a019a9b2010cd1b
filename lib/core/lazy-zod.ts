import { createRequire } from 'node:module';

let loaded: typeof import('zod') | undefined;

/**
 * zod, loaded on first use rather than when the package is imported: the engine validates with hand-written checks
 * and needs zod only to word a refused flag's error and to read switch records, so an application that never gets
 * there does not pay for loading it (83 ms of a 432 ms import of the engine on the benchmark host). zod ships
 * CommonJS beside its ESM; `require` loads it synchronously, as validation needs. Every module takes zod from here,
 * so that one copy of it is loaded.
 * @internal
 */
export function lazyZod(): typeof import('zod') {
  return (loaded ??= createRequire(import.meta.url)('zod') as typeof import('zod'));
}
