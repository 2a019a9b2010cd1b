import type { CompiledFlag } from '../core/flags/compile-flag.js';
import type { EvalDetail, EvaluationRecord, ValueConversions } from '../core/flags/eval-detail.js';
import { evaluateLiveFlag } from '../core/flags/evaluate-flag.js';
import type { SwitchyardLogger } from '../core/logger.js';
import type { FlagStore } from '../core/store/flag-store.js';

/** What a handle reads of its client on every evaluation. @internal */
export interface FlagHandleCore {
  readonly store: FlagStore;
  readonly logger: SwitchyardLogger;
  /** Ready, nothing recorded or observed, no test overrides: the evaluation needs no bookkeeping. */
  readonly plain: boolean;
}

/**
 * The conversions of the value `flag` serves `user`, or undefined for an error evaluation (the caller's
 * default). The value paths of the client and of handles read nothing else of the evaluation: straight from its
 * field, where the getters of a variation cost a typed value about 4 ns.
 * @internal
 */
export function servedConversions(
  core: FlagHandleCore,
  flag: CompiledFlag,
  user: unknown,
): ValueConversions | undefined {
  return (evaluateLiveFlag(flag, user, core.store.segmentLookup, core.logger) as EvaluationRecord)
    .conversions;
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
    const flag = this.plainFlag();
    if (flag === undefined) return this.client.boolVariation(this.key, user, defaultValue);
    const value = servedConversions(this.core, flag, user)?.asBoolean;
    return value === undefined ? defaultValue : value;
  }

  numberVariation(user: unknown, defaultValue: number): number {
    const flag = this.plainFlag();
    if (flag === undefined) return this.client.numberVariation(this.key, user, defaultValue);
    const value = servedConversions(this.core, flag, user)?.asNumber;
    return value === undefined ? defaultValue : value;
  }

  stringVariation(user: unknown, defaultValue: string): string {
    const flag = this.plainFlag();
    if (flag === undefined) return this.client.stringVariation(this.key, user, defaultValue);
    const conversions = servedConversions(this.core, flag, user);
    return conversions === undefined ? defaultValue : conversions.value;
  }

  jsonVariation<T = unknown>(user: unknown, defaultValue: T): T {
    const flag = this.plainFlag();
    if (flag === undefined) return this.client.jsonVariation(this.key, user, defaultValue);
    const json = servedConversions(this.core, flag, user)?.asJson;
    return json !== undefined && json.ok ? (json.value as T) : defaultValue;
  }

  /** The value and why, as `client.variationDetail(key, …)` (a detail is a new object: no lookup to save). */
  variationDetail<T>(user: unknown, defaultValue: T): EvalDetail<T> {
    return this.client.variationDetail(this.key, user, defaultValue);
  }

  /**
   * The compiled flag when the plain path applies, or undefined when the client's full path must answer
   * (bookkeeping, or no live flag of that key).
   */
  private plainFlag(): CompiledFlag | undefined {
    const core = this.core;
    // `=== true`: see the client's evaluateValue (a pointer comparison instead of a full ToBoolean).
    if (core.plain !== true) return undefined;
    const store = core.store;
    return this.generation === store.flagGeneration ? this.flag : this.lookUp(store);
  }

  private lookUp(store: FlagStore): CompiledFlag | undefined {
    this.generation = store.flagGeneration;
    return (this.flag = store.flag(this.key));
  }
}
