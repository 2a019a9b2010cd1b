import { parseVersion, type FeatBitFlag } from '../flags/index.js';
import { validateFlagDocument } from '../flags/flag.schema.js';
import { internString } from '../flags/intern-string.js';

/**
 * A sync carrying more flags than this compiles them lazily: each flag is validated when it arrives (a bad one
 * is refused then, exactly as before) and compiled on its first use or by the store's background compilation,
 * whichever comes first. A cold start of 10,000 flags then answers its first evaluation without compiling the
 * other 9,999 first (compilation was two thirds of it). Smaller syncs — patches, local writes — compile at once,
 * so their refused-pattern warnings are logged while the write happens.
 * @internal
 */
export const DEFERRED_COMPILATION_MIN_FLAGS = 256;

/** How long one slice of background compilation may hold the event loop, in milliseconds. @internal */
export const BACKGROUND_COMPILATION_SLICE_MS = 4;

/**
 * A flag accepted (its document validated) but not compiled yet. It answers what the store needs without
 * compiling — key, version, archived, the document — and is replaced in the store by its compiled form when
 * first evaluated. @internal
 */
export class PendingFlag {
  private constructor(
    readonly key: string,
    readonly version: number,
    readonly archived: boolean,
    readonly document: FeatBitFlag,
  ) {}

  /**
   * Validates `doc` as `compileFlag` does (same checks, same `InvalidFlagError`), without compiling it.
   * @throws InvalidFlagError naming the flag key and the field path.
   */
  static of(doc: unknown): PendingFlag {
    const flag = validateFlagDocument(doc);
    return new PendingFlag(
      internString(flag.key),
      parseVersion(flag.updatedAt),
      flag.isArchived === true,
      flag,
    );
  }
}
