import { InvalidFlagError } from '../core/errors.js';
import { valueKindOf } from '../core/flags/value-converters.js';
import type {
  FeatBitCondition,
  FeatBitFlag,
  FeatBitRolloutVariation,
  FeatBitRule,
  FeatBitVariation,
  VariationType,
} from '../core/flags/flag.model.js';
import type { ApplyResult, FlagStore } from '../core/store/flag-store.js';

/** Anything with a store: the `FeatureFlagClient`, a `Manager`. */
export interface HasFlagStore {
  readonly store: FlagStore;
}

const typeOf = (value: unknown): VariationType => valueKindOf(value);

/** A value as FeatBit sends it: always a string (`"true"`, `"33"`, `"{\"a\":1}"`). */
function encode(value: unknown, type: VariationType): string {
  if (type === 'json') return JSON.stringify(value);
  if (type === 'string') return String(value);
  return String(value);
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Builds FeatBit flag documents for tests, and pushes them into a running client as a live `patch` (what a
 * FeatBit server's `data-sync` would do), so that an app's tests change flags while the app runs — no server.
 *
 * Defaults: a boolean flag, on, serving `true` to everyone, `false` when off. With `variations(...)` the flag
 * serves its first variation by default and also when off.
 *
 * ```ts
 * new FlagBuilder('dark-mode').boolean().off().pushTo(client);
 * new FlagBuilder('checkout-v2').variations('control', 'treatment').fallthrough('treatment').pushTo(client);
 * new FlagBuilder('checkout-v2').variations('control', 'treatment').rollout({ control: 50, treatment: 50 }).build();
 * FlagBuilder.from(client.store.flag('limits')!.doc).target(100, 'vip-1').pushTo(client);
 * ```
 * @publicApi
 */
export class FlagBuilder {
  private readonly doc: FeatBitFlag;
  private explicitUpdatedAt = false;

  constructor(readonly key: string) {
    if (typeof key !== 'string' || !/^[a-zA-Z0-9._-]+$/.test(key)) {
      throw new InvalidFlagError(
        `Flag key '${String(key)}' must match ^[a-zA-Z0-9._-]+$ (FeatBit keys).`,
        String(key),
        'key',
      );
    }
    this.doc = {
      id: `test-${key}`,
      key,
      name: key,
      updatedAt: new Date(0).toISOString(),
      variationType: 'boolean',
      variations: [],
      targetUsers: [],
      rules: [],
      isEnabled: true,
      disabledVariationId: '',
      fallthrough: { dispatchKey: null, includedInExpt: false, variations: [] },
      exptIncludeAllTargets: false,
      isArchived: false,
    };
    this.boolean();
  }

  /** A builder that starts from an existing document (e.g. `client.store.flag(key).doc`), to change it. */
  static from(doc: FeatBitFlag): FlagBuilder {
    const builder = new FlagBuilder(doc.key);
    Object.assign(builder.doc, clone(doc));
    return builder;
  }

  /** A flag that serves `value` to everyone (typed by the value). */
  static serving(key: string, value: unknown): FlagBuilder {
    return typeof value === 'boolean'
      ? new FlagBuilder(key).boolean().fallthrough(value)
      : new FlagBuilder(key).variations(value).fallthrough(value);
  }

  /** A boolean flag: variations `true` and `false`; serves `true`, and `false` when off. */
  boolean(): this {
    this.setVariations('boolean', [true, false]);
    this.doc.disabledVariationId = this.idOf(false);
    return this.fallthrough(true);
  }

  /**
   * The flag's variations; the type follows the values (all booleans, numbers or strings; anything else is
   * JSON). Serves the first one, also when off, until told otherwise.
   */
  variations(...values: unknown[]): this {
    if (values.length === 0)
      throw new InvalidFlagError(`Flag '${this.key}' needs at least one variation.`, this.key, 'variations');
    const types = new Set(values.map(typeOf));
    const type: VariationType = types.size === 1 ? [...types][0] : 'json';
    this.setVariations(type, values);
    this.doc.disabledVariationId = this.idOf(values[0]);
    return this.fallthrough(values[0]);
  }

  /** Turns targeting on. */
  on(): this {
    this.doc.isEnabled = true;
    return this;
  }

  /** Turns targeting off: everyone gets the off variation. */
  off(): this {
    this.doc.isEnabled = false;
    return this;
  }

  /** The variation served when the flag is off. */
  offVariation(value: unknown): this {
    this.doc.disabledVariationId = this.idOf(value);
    return this;
  }

  /** Everyone who is not targeted gets this variation. */
  fallthrough(value: unknown): this {
    this.doc.fallthrough = {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: this.idOf(value), rollout: [0, 1], exptRollout: 0 }],
    };
    return this;
  }

  /**
   * Splits everyone who is not targeted by percentages (`{ control: 50, treatment: 50 }`, keys are the values'
   * text; or `[[value, percent], ...]`), bucketing by user key as FeatBit does. With `experiment` every user of the
   * split counts for the A/B/n experiment.
   */
  rollout(
    weights: Readonly<Record<string, number>> | ReadonlyArray<readonly [unknown, number]>,
    options: { experiment?: boolean } = {},
  ): this {
    const entries: Array<readonly [unknown, number]> = Array.isArray(weights)
      ? [...(weights as ReadonlyArray<readonly [unknown, number]>)]
      : Object.entries(weights as Record<string, number>).map(
          ([text, percent]) => [this.valueFromText(text), percent] as const,
        );
    const total = entries.reduce((sum, [, percent]) => sum + percent, 0);
    if (Math.abs(total - 100) > 1e-9) {
      throw new InvalidFlagError(
        `Rollout of flag '${this.key}' must add up to 100 %, got ${total}.`,
        this.key,
        'fallthrough',
      );
    }
    let from = 0;
    const variations: FeatBitRolloutVariation[] = entries.map(([value, percent], i) => {
      const to = i === entries.length - 1 ? 1 : from + percent / 100;
      const share: FeatBitRolloutVariation = {
        id: this.idOf(value),
        rollout: [from, to],
        exptRollout: options.experiment ? percent / 100 : 0,
      };
      from = to;
      return share;
    });
    this.doc.fallthrough = { dispatchKey: null, includedInExpt: options.experiment ?? false, variations };
    return this;
  }

  /** These user keys get this variation (individual targeting, checked before rules). */
  target(value: unknown, ...userKeys: string[]): this {
    const id = this.idOf(value);
    const targets = (this.doc.targetUsers ??= []);
    const existing = targets.find((t) => t.variationId === id);
    if (existing) existing.keyIds = [...existing.keyIds, ...userKeys];
    else targets.push({ keyIds: [...userKeys], variationId: id });
    return this;
  }

  /**
   * A targeting rule (rules are checked in order, after targets): users matching every condition
   * (`{ property: 'plan', op: 'Equal', value: 'pro' }`, FeatBit operators) get this variation.
   */
  rule(
    name: string,
    conditions: ReadonlyArray<Pick<FeatBitCondition, 'property' | 'op' | 'value'>>,
    value: unknown,
  ): this {
    const rule: FeatBitRule = {
      id: `${this.key}-rule-${(this.doc.rules ?? []).length + 1}`,
      name,
      dispatchKey: null,
      includedInExpt: false,
      conditions: conditions.map((c) => ({ property: c.property, op: c.op, value: c.value })),
      variations: [{ id: this.idOf(value), rollout: [0, 1], exptRollout: 0 }],
    };
    (this.doc.rules ??= []).push(rule);
    return this;
  }

  /** Archives the flag: once pushed, the client treats it as not found. */
  archive(): this {
    this.doc.isArchived = true;
    return this;
  }

  /** Sets the version (`updatedAt`). By default `pushTo()` stamps one newer than anything in the store. */
  updatedAt(date: Date | string): this {
    this.doc.updatedAt = typeof date === 'string' ? date : date.toISOString();
    this.explicitUpdatedAt = true;
    return this;
  }

  /** The FeatBit flag document (a copy; the builder can go on). */
  build(): FeatBitFlag {
    return clone(this.doc);
  }

  /**
   * Applies the flag to a running client (or manager) as a live `patch`: `changes$` emits and the next evaluation
   * sees it. Stamped newer than the store's data unless `updatedAt()` was given. Throws `InvalidFlagError` when
   * the store refuses the document.
   */
  pushTo(target: HasFlagStore): ApplyResult {
    const store = target.store;
    const doc = this.build();
    if (!this.explicitUpdatedAt)
      doc.updatedAt = new Date(Math.max(Date.now(), store.version + 1)).toISOString();
    const result = store.applySync({ eventType: 'patch', featureFlags: [doc], segments: [] });
    if (result.rejected.length > 0) {
      const first = result.rejected[0];
      throw new InvalidFlagError(
        `Flag '${this.key}' was refused: ${first.error.message}`,
        this.key,
        undefined,
      );
    }
    return result;
  }

  private setVariations(type: VariationType, values: readonly unknown[]): void {
    this.doc.variationType = type;
    this.doc.variations = values.map((value, i): FeatBitVariation => ({
      id: `${this.key}-v${i}`,
      name: encode(value, type),
      value: encode(value, type),
    }));
  }

  private idOf(value: unknown): string {
    const text = encode(value, this.doc.variationType);
    const variation = this.doc.variations.find((v) => v.value === text);
    if (variation === undefined) {
      throw new InvalidFlagError(
        `Flag '${this.key}' has no variation ${text}; its variations are ${this.doc.variations.map((v) => v.value).join(', ')}.`,
        this.key,
        'variations',
      );
    }
    return variation.id;
  }

  private valueFromText(text: string): unknown {
    const variation = this.doc.variations.find((v) => v.value === text);
    if (variation === undefined) return text;
    switch (this.doc.variationType) {
      case 'boolean':
        return text === 'true';
      case 'number':
        return Number(text);
      case 'json':
        return JSON.parse(text) as unknown;
      default:
        return text;
    }
  }
}
