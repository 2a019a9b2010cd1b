import { InvalidSwitchError, UnknownArgumentError } from '../errors.js';

/**
 * How an attribute's value is treated: `value` compares and buckets like the raw value; `string` always buckets
 * by a stable hash of its text (even when it looks like a number); `boolean` buckets by its `hashValue` (or 1/0).
 * @publicApi
 */
export type AttributeKind = 'value' | 'string' | 'boolean';

/**
 * One attribute of an argument: reads a value out of an input.
 *
 * `read` and `hashValue` are methods, so an `Attribute<User>` (or an `ArgumentContainer<User>`) is accepted
 * wherever an `Attribute` of any input is expected: the argument's `applies()` is what guarantees that only
 * matching inputs reach it.
 * @publicApi
 */
export interface Attribute<TInput = unknown> {
  readonly kind: AttributeKind;
  /** Reads the attribute's value from an input this argument applies to. May throw. */
  read(input: TInput): unknown;
  /**
   * What percent operators bucket on. For `boolean` attributes this is the `hashValue` (a user id, say), so that
   * "10 % of VIPs" picks different VIPs instead of all or none.
   */
  hashValue?(input: TInput): unknown;
}

/** How an attribute reads its value: a function of the input, or the name of one of its properties. @publicApi */
export type AttributeGetter<TInput> = ((input: TInput) => unknown) | (keyof TInput & string);

function toReader<TInput>(getter: AttributeGetter<TInput>, what: string): (input: TInput) => unknown {
  if (typeof getter === 'function') return getter;
  if (typeof getter === 'string' && getter !== '') {
    return (input) => (input as Record<string, unknown>)[getter];
  }
  throw new InvalidSwitchError(
    `${what} must be a property name or a function of the input, got ${describeValue(getter)}.`,
  );
}

const describeValue = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : value === null ? 'null' : typeof value;

/** An attribute compared and bucketed like its raw value (Gutter's `Value`). @publicApi */
export function value<TInput>(getter: AttributeGetter<TInput>): Attribute<TInput> {
  return { kind: 'value', read: toReader(getter, 'value(): the getter') };
}

/** A text attribute: percent operators bucket it by its stable string hash (Gutter's `String`). @publicApi */
export function string<TInput>(getter: AttributeGetter<TInput>): Attribute<TInput> {
  return { kind: 'string', read: toReader(getter, 'string(): the getter') };
}

/**
 * A boolean attribute (Gutter's `Boolean`). Give `hashValue`, a function of the input (e.g. `(user) => user.id`),
 * so that percent operators spread inputs with the same boolean across buckets; without it a boolean buckets as
 * 1 (true) or 0 (false).
 *
 * Unlike upstream's `hash_value`, `hashValue` is never a constant (one constant puts every input in the same
 * bucket) nor a property name: anything but a function is refused here, when the argument is defined.
 * @publicApi
 */
export function boolean<TInput>(
  getter: AttributeGetter<TInput>,
  options: { hashValue?: (input: TInput) => unknown } = {},
): Attribute<TInput> {
  const { hashValue } = options;
  if (hashValue !== undefined && typeof hashValue !== 'function') {
    throw new InvalidSwitchError(
      `boolean(): hashValue must be a function of the input that gives the value to bucket on, such as ` +
        `(user) => user.id; got ${describeValue(hashValue)}. A constant would put every input in the same bucket.`,
    );
  }
  const read = toReader(getter, 'boolean(): the getter');
  return hashValue === undefined ? { kind: 'boolean', read } : { kind: 'boolean', read, hashValue };
}

/** A class: an argument defined with `appliesTo` applies to its instances (subclasses included). @publicApi */
export type ArgumentClass<TInput> = abstract new (...args: never[]) => TInput;

/** A type guard: an argument defined with `appliesIf` applies to the inputs it accepts. @publicApi */
export type ArgumentGuard<TInput> = (input: unknown) => input is TInput;

/** @deprecated Use `ArgumentClass` (for `appliesTo`) or `ArgumentGuard` (for `appliesIf`). @publicApi */
export type AppliesTo<TInput> = ArgumentClass<TInput> | ArgumentGuard<TInput>;

/**
 * What `defineArguments` takes: a name, the attributes, and which inputs they apply to — either `appliesTo`, a
 * class (tested with `instanceof`, which works for any class, compiled to ES5 or wrapped by a decorator), or
 * `appliesIf`, a type guard. Exactly one of the two.
 * @publicApi
 */
export type ArgumentDefinition<TInput> = {
  name: string;
  attributes: Record<string, Attribute<TInput>>;
} & (
  | { appliesTo: ArgumentClass<TInput>; appliesIf?: undefined }
  | { appliesIf: ArgumentGuard<TInput>; appliesTo?: undefined }
);

/**
 * A named group of attributes that apply to one kind of input (Gutter's argument `Container`).
 * Conditions refer to it by `name`, which is how switches are stored and shared between processes.
 * An `ArgumentContainer<User>` is accepted wherever an `ArgumentContainer` (of any input) is expected.
 * @publicApi
 */
export interface ArgumentContainer<TInput = unknown> {
  readonly name: string;
  /** The class given as `appliesTo`, if any: an exact class match wins over a subclass match. */
  readonly exactType: ArgumentClass<unknown> | undefined;
  /** True when this argument applies to the input. */
  applies(input: unknown): input is TInput;
  readonly attributes: ReadonlyMap<string, Attribute<TInput>>;
  /** The attribute, or a typed error naming the argument and the attribute. */
  attribute(name: string): Attribute<TInput>;
}

/**
 * Declares an argument: which inputs it applies to and the attributes it reads from them.
 *
 * ```ts
 * const UserArguments = defineArguments({
 *   name: 'User',
 *   appliesTo: User,                                   // a class; or appliesIf: (input): input is User => ...
 *   attributes: { name: string('name'), age: value((u) => u.age), vip: boolean('vip', { hashValue: (u) => u.id }) },
 * });
 * ```
 * Throws `InvalidSwitchError` for a blank name, or unless exactly one of `appliesTo` (a class) and `appliesIf`
 * (a function) is given.
 * @publicApi
 */
export function defineArguments<TInput>(definition: ArgumentDefinition<TInput>): ArgumentContainer<TInput> {
  const { name, appliesTo, appliesIf } = definition;
  if (typeof name !== 'string' || name.trim() === '')
    throw new InvalidSwitchError('An argument needs a non-blank name.');
  if ((appliesTo === undefined) === (appliesIf === undefined)) {
    throw new InvalidSwitchError(
      `Argument '${name}' needs exactly one of appliesTo (a class: its instances) or appliesIf (a type guard).`,
    );
  }
  let applies: (input: unknown) => input is TInput;
  if (appliesTo !== undefined) {
    // A class is any function with a prototype object; arrow functions and methods have none.
    if (typeof appliesTo !== 'function' || typeof appliesTo.prototype !== 'object' || !appliesTo.prototype) {
      throw new InvalidSwitchError(
        `Argument '${name}': appliesTo must be a class (its instances are the inputs), got ${describeValue(appliesTo)} ` +
          `without a prototype. For a type guard such as (input): input is User => ..., use appliesIf.`,
      );
    }
    applies = (input: unknown): input is TInput => input instanceof appliesTo;
  } else {
    if (typeof appliesIf !== 'function') {
      throw new InvalidSwitchError(
        `Argument '${name}': appliesIf must be a function (input) => boolean, got ${describeValue(appliesIf)}.`,
      );
    }
    applies = appliesIf;
  }
  const attributes = new Map(Object.entries(definition.attributes));
  return {
    name,
    exactType: appliesTo,
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
  private readonly containers = new Map<string, ArgumentContainer>();

  constructor(containers: Iterable<ArgumentContainer> = []) {
    for (const container of containers) this.register(container);
  }

  /** Adds (or replaces) an argument under its name. */
  register(container: ArgumentContainer): this {
    this.containers.set(container.name, container);
    return this;
  }

  has(name: string): boolean {
    return this.containers.has(name);
  }

  /** The argument, or `UnknownArgumentError` naming it. */
  get(name: string): ArgumentContainer {
    const container = this.containers.get(name);
    if (!container) {
      throw new UnknownArgumentError(
        `Unknown argument '${name}'. Register it (FeatureFlagModule 'arguments' option or ArgumentRegistry.register) before loading switches that use it.`,
      );
    }
    return container;
  }

  get names(): string[] {
    return [...this.containers.keys()];
  }
}
