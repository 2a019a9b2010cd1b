import {
  Condition,
  Manager,
  Switch,
  SwitchState,
  boolean,
  createOperatorRegistry,
  defineArguments,
  silentLogger,
  string,
  value,
  type ArgumentContainer,
  type ManagerOptions,
} from '../../../lib/core/index.js';

/** Business objects of the tests, as an app would have them. */
export class User {
  constructor(
    readonly name: string,
    readonly age: number,
    readonly isAdmin = false,
    readonly id = name,
  ) {}
}
export class Staff extends User {}
export class Request {
  constructor(
    readonly ip: string,
    readonly user?: User,
  ) {}
}

export const UserArguments = defineArguments({
  name: 'User',
  appliesTo: User,
  attributes: {
    name: string<User>('name'),
    age: value((u: User) => u.age),
    isAdmin: boolean<User>('isAdmin', { hashValue: (u) => u.id }),
    adminNoHash: boolean<User>('isAdmin'),
    id: value<User>('id'),
    broken: value((): unknown => {
      throw new Error('getter exploded');
    }),
  },
});

export const StaffArguments = defineArguments({
  name: 'Staff',
  appliesTo: Staff,
  attributes: { name: string<Staff>('name') },
});

export const RequestArguments = defineArguments({
  name: 'Request',
  appliesIf: (input: unknown): input is Request => input instanceof Request,
  attributes: { ip: string<Request>('ip') },
});

/** "Environment" conditions, as upstream's base container: they apply to a literal null input. */
export const EnvironmentArguments = defineArguments({
  name: 'Environment',
  appliesIf: (input: unknown): input is null => input === null,
  attributes: { always: value(() => 'yes') },
});

export const operators = createOperatorRegistry();

/** A condition on any argument container. */
export function cond(
  argument: ArgumentContainer,
  attribute: string,
  operator: string,
  params: Record<string, unknown> = {},
  negative = false,
): Condition {
  return new Condition({
    argument,
    attribute,
    operator: operators.create(operator, params),
    negative,
  });
}

export function newManager(options: ManagerOptions = {}): Manager {
  return new Manager({
    arguments: [UserArguments, StaffArguments, RequestArguments, EnvironmentArguments],
    logger: silentLogger,
    ...options,
  });
}

export function selective(name: string, conditions: Condition[], options: Partial<Switch> = {}): Switch {
  return new Switch(name, { state: SwitchState.Selective, conditions, ...options });
}
