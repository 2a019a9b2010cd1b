import { InvalidSwitchError } from '../errors.js';
import { ArgumentRegistry, type ArgumentContainer, type Attribute } from './argument.js';
import type { Operator, OperatorEnvironment, OperatorRegistry } from './operator.js';
import { createOperatorRegistry } from './operators/builtin-operators.js';

/** A condition as stored: argument and operator by their registered names. @publicApi */
export interface ConditionRecord {
  argument: string;
  attribute: string;
  operator: { name: string } & Record<string, unknown>;
  negative: boolean;
}

/**
 * Where names in JSON are resolved: the arguments (an `ArgumentRegistry`, or the containers themselves) and the
 * operators (the ten upstream ones when omitted). A client's or a manager's `store` fits as is.
 * @publicApi
 */
export interface SwitchRegistries {
  arguments?: ArgumentRegistry | readonly ArgumentContainer[];
  operators?: OperatorRegistry;
}

/** The registries, with the defaults filled in (internal). */
export function resolveRegistries(registries: SwitchRegistries = {}): {
  arguments: ArgumentRegistry;
  operators: OperatorRegistry;
} {
  const args = registries.arguments;
  return {
    arguments: args instanceof ArgumentRegistry ? args : new ArgumentRegistry(args ?? []),
    operators: registries.operators ?? createOperatorRegistry(),
  };
}

/**
 * One test of a switch (Gutter's `Condition`): read `attribute` of `argument` from an input, apply `operator`,
 * optionally negate. Immutable; build a new one to change it.
 * @publicApi
 */
export class Condition {
  readonly argument: ArgumentContainer;
  readonly attribute: string;
  readonly operator: Operator;
  readonly negative: boolean;
  private readonly reader: Attribute<unknown>;

  constructor(init: {
    argument: ArgumentContainer;
    attribute: string;
    operator: Operator;
    negative?: boolean;
  }) {
    this.argument = init.argument;
    this.attribute = init.attribute;
    this.operator = init.operator;
    this.negative = init.negative ?? false;
    // Resolving now turns a misspelt attribute into an error at definition time, not at evaluation.
    this.reader = this.argument.attribute(init.attribute);
    Object.freeze(this);
  }

  /**
   * Applies the condition to an input its argument applies to. Any exception — in the attribute getter or the
   * operator — makes the condition false (negated or not) and is reported through `onError` (docs/gutter-semantics.md §4.3).
   */
  test(
    input: unknown,
    environment: OperatorEnvironment,
    onError: (condition: Condition, input: unknown, error: unknown) => void,
  ): boolean {
    let result: boolean;
    try {
      result = this.operator.applies(this.reader.read(input), this.reader, input, environment);
    } catch (error) {
      onError(this, input, error);
      return false;
    }
    return this.negative ? !result : result;
  }

  /** `User.age is not more than "65"`. */
  toString(): string {
    return `${this.argument.name}.${this.attribute} ${this.negative ? 'is not' : 'is'} ${this.operator.toString()}`;
  }

  toJSON(): ConditionRecord {
    return {
      argument: this.argument.name,
      attribute: this.attribute,
      operator: { name: this.operator.name, ...this.operator.params },
      negative: this.negative,
    };
  }

  /**
   * Reads a condition back from its JSON (`toJSON()`, or a record's condition), resolving the argument and the
   * operator by name. Throws `UnknownArgumentError`, `UnknownOperatorError` or `OperatorInitError` naming what is
   * missing, or `InvalidSwitchError` when the JSON has not the shape of a condition.
   */
  static from(json: unknown, registries?: SwitchRegistries): Condition {
    const { arguments: args, operators } = resolveRegistries(registries);
    const data = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    const operator = (
      typeof data.operator === 'object' && data.operator !== null ? data.operator : {}
    ) as Record<string, unknown>;
    const { name: operatorName, ...params } = operator;
    const negative = data.negative ?? false;
    if (
      typeof data.argument !== 'string' ||
      typeof data.attribute !== 'string' ||
      typeof operatorName !== 'string' ||
      typeof negative !== 'boolean'
    ) {
      throw new InvalidSwitchError(
        `Not a condition: ${safeJson(json)}. Expected { argument, attribute, operator: { name, ...params }, negative }, as Condition#toJSON() writes.`,
      );
    }
    return new Condition({
      argument: args.get(data.argument),
      attribute: data.attribute,
      operator: operators.create(operatorName, params),
      negative,
    });
  }

  /** Same argument, attribute, operator (name and parameters) and negation. */
  equals(other: Condition): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
