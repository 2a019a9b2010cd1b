import { InvalidSwitchError, UnknownArgumentError } from '../errors.js';

/**
 * How an attribute's value is treated: `value` compares and buckets like the raw value; `string` always buckets
 * by a stable hash of its text (even when it looks like a number); `boolean` buckets by its `hashValue` (or 1/0).
 * @publicApi
 */
export type AttributeKind = 'value' | 'string' | 'boolean';

/** One attribute of an argument: reads a value out of an input. @publicApi */
export interface Attribute<TInput = unknown> {
  readonly kind: AttributeKind;
  /** Reads the attribute's value from an input this argument applies to. May throw. */
  read(input: TInput): unknown;
  /**
   * What percent operators bucket on. For `boolean` attributes this is the `hashValue` (a user id, say), so that
   * "10 % of VIPs" picks different VIPs instead of all or none.
   */
  readonly hashValue?: (input: TInput) => unknown;
}

type Getter<TInput> = ((input: TInput) => unknown) | (keyof TInput & string);

function toReader<TInput>(getter: Getter<TInput>): (input: TInput) => unknown {
  if (typeof getter === 'function') return getter;
  return (input) => (input as Record<string, unknown>)[getter];
}

/** An attribute compared and bucketed like its raw value (Gutter's `Value`). @publicApi */
export function value<TInput>(getter: Getter<TInput>): Attribute<TInput> {
  return { kind: 'value', read: toReader(getter) };
}

/** A text attribute: percent operators bucket it by its stable string hash (Gutter's `String`). @publicApi */
export function string<TInput>(getter: Getter<TInput>): Attribute<TInput> {
  return { kind: 'string', read: toReader(getter) };
}

/**
 * A boolean attribute (Gutter's `Boolean`). Give `hashValue` (e.g. the user id) so that percent operators spread
 * inputs with the same boolean across buckets; without it a boolean buckets as 1 (true) or 0 (false).
 * @publicApi
 */
export function boolean<TInput>(
  getter: Getter<TInput>,
  options: { hashValue?: Getter<TInput> } = {},
): Attribute<TInput> {
  return {
    kind: 'boolean',
    read: toReader(getter),
    hashValue: options.hashValue === undefined ? undefined : toReader(options.hashValue),
  };
}

/** A class, or a type guard: which inputs an argument applies to (Gutter's `COMPATIBLE_TYPE`). @publicApi */
export type AppliesTo<TInput> =
  (abstract new (...args: never[]) => TInput) | ((input: unknown) => input is TInput);

/**
 * A named group of attributes that apply to one kind of input (Gutter's argument `Container`).
 * Conditions refer to it by `name`, which is how switches are stored and shared between processes.
 * @publicApi
 */
export interface ArgumentContainer<TInput = unknown> {
  readonly name: string;
  /** The class given as `appliesTo`, when it was a class: an exact class match wins over a subclass match. */
  readonly exactType: (abstract new (...args: never[]) => unknown) | undefined;
  /** True when this argument applies to the input. */
  applies(input: unknown): input is TInput;
  readonly attributes: ReadonlyMap<string, Attribute<TInput>>;
  /** The attribute, or a typed error naming the argument and the attribute. */
  attribute(name: string): Attribute<TInput>;
}

function isClass(fn: unknown): fn is abstract new (...args: never[]) => unknown {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * Declares an argument: which inputs it applies to and the attributes it reads from them.
 *
 * ```ts
 * const UserArguments = defineArguments({
 *   name: 'User',
 *   appliesTo: User,                                   // a class, or a type guard
 *   attributes: { name: string('name'), age: value((u) => u.age), vip: boolean('vip', { hashValue: 'id' }) },
 * });
 * ```
 * @publicApi
 */
export function defineArguments<TInput>(definition: {
  name: string;
  appliesTo: AppliesTo<TInput>;
  attributes: Record<string, Attribute<TInput>>;
}): ArgumentContainer<TInput> {
  const { name, appliesTo } = definition;
  if (typeof name !== 'string' || name.trim() === '')
    throw new InvalidSwitchError('An argument needs a non-blank name.');
  const attributes = new Map(Object.entries(definition.attributes));
  const exactType = isClass(appliesTo) ? appliesTo : undefined;
  const applies = exactType
    ? (input: unknown): input is TInput => input instanceof exactType
    : (appliesTo as (input: unknown) => input is TInput);
  return {
    name,
    exactType,
    applies,
    attributes,
    attribute(attributeName: string): Attribute<TInput> {
      const attribute = attributes.get(attributeName);
      if (!attribute) {
        throw new UnknownArgumentError(
          `Argument '${name}' has no attribute '${attributeName}'. Known attributes: ${[...attributes.keys()].join(', ') || 'none'}.`,
        );
      }
      return attribute;
    },
  };
}

/**
 * The arguments known to a manager, by name: stored switches name their arguments, and are resolved here when
 * read back. @publicApi
 */
export class ArgumentRegistry {
  private readonly containers = new Map<string, ArgumentContainer<never>>();

  constructor(containers: Iterable<ArgumentContainer<never>> = []) {
    for (const container of containers) this.register(container);
  }

  /** Adds (or replaces) an argument under its name. */
  register<TInput>(container: ArgumentContainer<TInput>): this {
    this.containers.set(container.name, container as unknown as ArgumentContainer<never>);
    return this;
  }

  has(name: string): boolean {
    return this.containers.has(name);
  }

  /** The argument, or `UnknownArgumentError` naming it. */
  get(name: string): ArgumentContainer<unknown> {
    const container = this.containers.get(name);
    if (!container) {
      throw new UnknownArgumentError(
        `Unknown argument '${name}'. Register it (FeatureFlagModule 'arguments' option or ArgumentRegistry.register) before loading switches that use it.`,
      );
    }
    return container as unknown as ArgumentContainer<unknown>;
  }

  get names(): string[] {
    return [...this.containers.keys()];
  }
}
