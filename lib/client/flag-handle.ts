import type { CompiledFlag } from '../core/flags/compile-flag.js';
import {
  readBooleanValue,
  readJsonValue,
  readNumberValue,
  readStringValue,
  readValue,
  type EvalDetail,
  type ValueReader,
} from '../core/flags/eval-detail.js';
import { evaluateLiveFlag } from '../core/flags/evaluate-flag.js';
import type { SwitchyardLogger } from '../core/logger.js';
import type { FlagStore } from '../core/store/flag-store.js';

/** Marks "not answered on the plain path" (no conversion ever yields a symbol). */
const NOT_PLAIN: unique symbol = Symbol('not plain');

/** What a handle reads of its client on every evaluation. @internal */
export interface FlagHandleCore {
  readonly store: FlagStore;
  readonly logger: SwitchyardLogger;
  /** Ready, nothing recorded or observed, no test overrides: the evaluation needs no bookkeeping. */
  readonly plain: boolean;
}

/** The client methods a handle falls back to (everything but the plain case). @internal */
export interface FlagHandleClient {
  boolVariation(key: string, user: unknown, defaultValue: boolean): boolean;
  numberVariation(key: string, user: unknown, defaultValue: number): number;
  stringVariation(key: string, user: unknown, defaultValue: string): string;
  jsonVariation<T>(key: string, user: unknown, defaultValue: T): T;
  variationDetail<T>(key: string, user: unknown, defaultValue: T): EvalDetail<T>;
}

/**
 * One flag of a client, prepared for a hot loop: `client.flag('checkout-v2')` once, then
 * `checkout.boolVariation(user, false)` per request. It answers exactly as the client's methods of the same
 * name (same defaults, same details, insight events, observers, test overrides and switches answering as
 * flags) and follows every change of the flag — created, updated, archived or deleted after the handle was
 * made. What it saves is the lookup of the key in the store on every call: it keeps the compiled flag and looks
 * it up again only when the store has applied a change since.
 *
 * @example
 * ```ts
 * const checkout = client.flag('checkout-v2');
 * app.get('/cart', (req, res) => res.render(checkout.boolVariation(req.user, false) ? 'cart-v2' : 'cart'));
 * ```
 * @publicApi
 */
export class FlagHandle {
  private flag: CompiledFlag | undefined = undefined;
  /** The store's flag generation when `flag` was looked up; -1 before the first lookup. */
  private generation = -1;

  /** @internal Made by `FeatureFlagClient.flag(key)`. */
  constructor(
    /** The flag key. */
    readonly key: string,
    private readonly core: FlagHandleCore,
    private readonly client: FlagHandleClient,
  ) {}

  boolVariation(user: unknown, defaultValue: boolean): boolean {
    const value = this.plainValue(user, readBooleanValue);
    if (value === NOT_PLAIN) return this.client.boolVariation(this.key, user, defaultValue);
    return value === undefined ? defaultValue : (value as boolean);
  }

  numberVariation(user: unknown, defaultValue: number): number {
    const value = this.plainValue(user, readNumberValue);
    if (value === NOT_PLAIN) return this.client.numberVariation(this.key, user, defaultValue);
    return value === undefined ? defaultValue : (value as number);
  }

  stringVariation(user: unknown, defaultValue: string): string {
    const value = this.plainValue(user, readStringValue);
    if (value === NOT_PLAIN) return this.client.stringVariation(this.key, user, defaultValue);
    return value === undefined ? defaultValue : (value as string);
  }

  jsonVariation<T = unknown>(user: unknown, defaultValue: T): T {
    const value = this.plainValue(user, readJsonValue);
    if (value === NOT_PLAIN) return this.client.jsonVariation(this.key, user, defaultValue);
    return value === undefined ? defaultValue : (value as T);
  }

  /** The value and why, as `client.variationDetail(key, …)` (a detail is a new object: no lookup to save). */
  variationDetail<T>(user: unknown, defaultValue: T): EvalDetail<T> {
    return this.client.variationDetail(this.key, user, defaultValue);
  }

  /**
   * The value read by `read` when the plain path applies (undefined: the caller's default), or
   * {@link NOT_PLAIN} when the client's full path must answer (bookkeeping, or no live flag of that key).
   */
  private plainValue(user: unknown, read: ValueReader): unknown {
    const core = this.core;
    // `=== true`: see the client's evaluateValue (a pointer comparison instead of a full ToBoolean).
    if (core.plain !== true) return NOT_PLAIN;
    const store = core.store;
    const flag = this.generation === store.flagGeneration ? this.flag : this.lookUp(store);
    if (flag === undefined) return NOT_PLAIN;
    return readValue(evaluateLiveFlag(flag, user, store.segmentLookup, core.logger), read);
  }

  private lookUp(store: FlagStore): CompiledFlag | undefined {
    this.generation = store.flagGeneration;
    return (this.flag = store.flag(this.key));
  }
}
