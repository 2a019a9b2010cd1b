import { OperatorInitError, UnknownOperatorError } from '../errors.js';
import type { Attribute } from './argument.js';
import type { PercentHash } from './percent-bucket.js';

/** What an operator may need from the engine while it runs (the percent hash). */
export interface OperatorEnvironment {
  readonly percentHash: PercentHash;
}

/** JSON parameters of an operator, as stored (`{ name: 'between', lowerLimit: 1, upperLimit: 10 }` minus `name`). */
export type OperatorParams = Readonly<Record<string, unknown>>;

/**
 * A condition's test on one attribute value (Gutter's operators).
 * @publicApi
 */
export interface Operator {
  /** The registry name, e.g. `more_than`. */
  readonly name: string;
  /** The parameters, as stored in JSON. */
  readonly params: OperatorParams;
  /**
   * True when the value passes. `attribute` and `input` are there for operators that bucket (percent), and
   * `environment` carries the engine's settings. May throw: the condition is then false and the error signalled.
   */
  applies(value: unknown, attribute: Attribute, input: unknown, environment: OperatorEnvironment): boolean;
  /** Human text, as upstream: `between "1" and "100"`. */
  toString(): string;
}

/**
 * A kind of operator: its metadata and how to build one from parameters. Register your own in an
 * `OperatorRegistry` to use them in conditions. `TParams` types `create()`'s parameters (the built-in operators
 * declare theirs, so `Between.create({ lowerLimit: 1 })` is a compile error); any definition fits where an
 * `OperatorDefinition` is expected.
 * @publicApi
 */
export interface OperatorDefinition<TParams extends object = OperatorParams> {
  readonly name: string;
  readonly group: string;
  readonly preposition: string;
  /** Names of the required parameters, in order. */
  readonly parameters: readonly string[];
  /** Builds an operator; throws `OperatorInitError` for missing or bad parameters. */
  create(params: TParams): Operator;
}

/** Throws `OperatorInitError` unless every required parameter is present. */
export function requireParams(
  definition: Pick<OperatorDefinition, 'name' | 'parameters'>,
  params: OperatorParams,
): void {
  if (typeof params !== 'object' || params === null) {
    throw new OperatorInitError(
      `Operator '${definition.name}' needs its parameters as an object (${definition.parameters.join(', ') || 'none'}), got ${params === null ? 'null' : typeof params}.`,
    );
  }
  for (const parameter of definition.parameters) {
    if (params[parameter] === undefined) {
      throw new OperatorInitError(`Missing parameter '${parameter}' to build operator '${definition.name}'.`);
    }
  }
}

/**
 * The operators known to a manager, by name: an open registry (Gutter's `registry.operators`).
 * @publicApi
 */
export class OperatorRegistry {
  private readonly definitions = new Map<string, OperatorDefinition>();

  constructor(definitions: Iterable<OperatorDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  /** Adds (or replaces) an operator kind under its name, or under `alias`. */
  register(definition: OperatorDefinition, alias?: string): this {
    this.definitions.set(alias ?? definition.name, definition);
    return this;
  }

  has(name: string): boolean {
    return this.definitions.has(name);
  }

  /** The definition, or `UnknownOperatorError`. */
  get(name: string): OperatorDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new UnknownOperatorError(name);
    return definition;
  }

  /** Builds an operator by name from its JSON parameters. */
  create(name: string, params: OperatorParams = {}): Operator {
    return this.get(name).create(params);
  }

  /** Every registered definition (aliases included once per name). */
  get all(): OperatorDefinition[] {
    return [...new Set(this.definitions.values())];
  }
}
