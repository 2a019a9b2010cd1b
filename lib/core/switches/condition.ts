import type { ArgumentContainer, Attribute } from './argument.js';
import type { Operator, OperatorEnvironment } from './operator.js';

/** A condition as stored: argument and operator by their registered names. @publicApi */
export interface ConditionRecord {
  argument: string;
  attribute: string;
  operator: { name: string } & Record<string, unknown>;
  negative: boolean;
}

/**
 * One test of a switch (Gutter's `Condition`): read `attribute` of `argument` from an input, apply `operator`,
 * optionally negate. Immutable; build a new one to change it.
 * @publicApi
 */
export class Condition {
  readonly argument: ArgumentContainer<unknown>;
  readonly attribute: string;
  readonly operator: Operator;
  readonly negative: boolean;
  private readonly reader: Attribute<unknown>;

  constructor(init: {
    argument: ArgumentContainer<never>;
    attribute: string;
    operator: Operator;
    negative?: boolean;
  }) {
    this.argument = init.argument as unknown as ArgumentContainer<unknown>;
    this.attribute = init.attribute;
    this.operator = init.operator;
    this.negative = init.negative ?? false;
    // Resolving now turns a misspelt attribute into an error at definition time, not at evaluation.
    this.reader = this.argument.attribute(init.attribute);
    Object.freeze(this);
  }

  /**
   * Applies the condition to an input its argument applies to. Any exception — in the attribute getter or the
   * operator — makes the condition false (negated or not) and is reported through `onError` (DESIGN §4.3).
   */
  test(
    input: unknown,
    environment: OperatorEnvironment,
    onError: (condition: Condition, input: unknown, error: unknown) => void,
  ): boolean {
    let result: boolean;
    try {
      result = this.operator.applies(
        this.reader.read(input),
        this.reader as Attribute<never>,
        input,
        environment,
      );
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

  /** Same argument, attribute, operator (name and parameters) and negation. */
  equals(other: Condition): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }
}
