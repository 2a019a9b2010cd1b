import { InvalidSwitchError } from '../errors.js';
import { Condition, type ConditionRecord, type SwitchRegistries } from './condition.js';
import { parseSwitchState, SwitchState } from './switch-state.js';

/** The separator of hierarchical names: `movies:star_wars` is a child of `movies`. */
export const KEY_SEPARATOR = ':';

/** Options of a switch; every field can be changed later on a copy and saved. @publicApi */
export interface SwitchOptions {
  state?: SwitchState;
  compounded?: boolean;
  concent?: boolean;
  label?: string | null;
  description?: string | null;
  conditions?: Condition[];
}

/**
 * A switch as plain JSON (`Switch#toJSON()`, what `JSON.stringify(sw)` writes), read back by `Switch.from`.
 * Stored records add the namespace and the version (`toSwitchRecord`).
 * @publicApi
 */
export interface SwitchJSON {
  name: string;
  state: SwitchState;
  compounded: boolean;
  concent: boolean;
  label: string | null;
  description: string | null;
  conditions: ConditionRecord[];
}

/** One tracked field's change. @publicApi */
export interface FieldChange<T = unknown> {
  previous: T;
  current: T;
}

/** What changed since the switch was read or last saved. Only public fields are ever reported. @publicApi */
export type SwitchChanges = Partial<{
  state: FieldChange<SwitchState>;
  compounded: FieldChange<boolean>;
  concent: FieldChange<boolean>;
  label: FieldChange<string | null>;
  description: FieldChange<string | null>;
  conditions: FieldChange<readonly Condition[]>;
}>;

interface TrackedFields {
  state: SwitchState;
  compounded: boolean;
  concent: boolean;
  label: string | null;
  description: string | null;
  conditions: readonly Condition[];
}

/** Whoever stores the switch: `save()` goes there. */
export interface SwitchOwner {
  update(sw: Switch): Promise<void>;
}

const owners = new WeakMap<Switch, SwitchOwner>();
/** The stored version a copy was read at: `update()` writes only if nobody wrote since (optimistic concurrency). */
const baseVersions = new WeakMap<Switch, number>();

/** Binds a switch to the manager that handed it out, and the version it was read at (internal). */
export function bindSwitch(sw: Switch, owner: SwitchOwner | undefined, version?: number): Switch {
  if (owner) owners.set(sw, owner);
  else owners.delete(sw);
  if (version !== undefined) baseVersions.set(sw, version);
  return sw;
}

/** The stored version this copy was read at, if it came from a store (internal). */
export function baseVersionOf(sw: Switch): number | undefined {
  return baseVersions.get(sw);
}

/**
 * Throws `InvalidSwitchError` unless the name is usable: non-blank, no `.` (namespaces use it), and no empty
 * part between `:` separators.
 */
export function assertSwitchName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidSwitchError('Switch name cannot be blank.');
  }
  if (name.includes('.')) {
    throw new InvalidSwitchError(`Switch name '${name}' contains '.', which is reserved for namespaces.`);
  }
  if (name.split(KEY_SEPARATOR).some((part) => part === '')) {
    throw new InvalidSwitchError(
      `Switch name '${name}' has an empty part between '${KEY_SEPARATOR}' separators.`,
    );
  }
}

/** The parent's name (text before the last `:`), or undefined for a top-level switch. */
export function parentName(name: string): string | undefined {
  const at = name.lastIndexOf(KEY_SEPARATOR);
  return at === -1 ? undefined : name.slice(0, at);
}

const sameConditions = (a: readonly Condition[], b: readonly Condition[]): boolean =>
  a.length === b.length && a.every((condition, i) => condition.equals(b[i]));

/**
 * A switch (Gutter): on or off depending on its state and, when selective, on its conditions and inputs.
 *
 * Instances handed out by a manager are copies: edit them freely, others see the edits only after `save()`.
 * @publicApi
 */
/** The `name` accessor every switch shares (set once, in the class's static block). */
let NAME_PROPERTY: PropertyDescriptor;

export class Switch {
  /**
   * The switch's name, fixed for its life: assigning it throws `InvalidSwitchError` (as upstream refuses a
   * rename). To rename, register a new switch under the new name and unregister the old one.
   */
  declare readonly name: string;
  state: SwitchState;
  compounded: boolean;
  concent: boolean;
  label: string | null;
  description: string | null;
  conditions: Condition[];
  #snapshot: TrackedFields;
  #name: string;

  static {
    NAME_PROPERTY = {
      enumerable: true,
      configurable: false,
      get(this: Switch): string {
        return this.#name;
      },
      set(this: Switch, renamed: unknown): never {
        const name = this.#name;
        throw new InvalidSwitchError(
          `Switch '${name}' cannot be renamed to '${String(renamed)}': a switch's name is fixed. Register a new ` +
            `Switch('${String(renamed)}', ...) with the same options, then unregister '${name}'.`,
        );
      },
    };
  }

  constructor(name: string, options: SwitchOptions = {}) {
    assertSwitchName(name);
    this.#name = name;
    // An own, enumerable accessor: read like a field (and compared by deepEqual), but a rename is refused
    // loudly, also from JavaScript, where `readonly` does not exist. The same getter and setter for every switch,
    // so that all switches share one hidden class (a closure per instance made every switch a shape of its own
    // and made `active()` megamorphic: 20–70 % slower in bench/switch-active.bench.ts).
    Object.defineProperty(this, 'name', NAME_PROPERTY);
    this.state = options.state ?? SwitchState.Disabled;
    this.compounded = options.compounded ?? false;
    this.concent = options.concent ?? true;
    this.label = options.label ?? null;
    this.description = options.description ?? null;
    this.conditions = [...(options.conditions ?? [])];
    if (!Object.values(SwitchState).includes(this.state)) {
      throw new InvalidSwitchError(`Switch '${name}' has an unknown state '${String(this.state)}'.`);
    }
    this.#snapshot = this.tracked();
  }

  /** The parent switch's name, or undefined at the top of the hierarchy. */
  get parent(): string | undefined {
    return parentName(this.name);
  }

  /** Field changes since this copy was read or last saved; condition edits in place are seen too. */
  get changes(): SwitchChanges {
    const now = this.tracked();
    const before = this.#snapshot;
    const changes: Record<string, FieldChange> = {};
    for (const field of ['state', 'compounded', 'concent', 'label', 'description'] as const) {
      if (now[field] !== before[field]) changes[field] = { previous: before[field], current: now[field] };
    }
    if (!sameConditions(now.conditions, before.conditions)) {
      changes.conditions = { previous: before.conditions, current: now.conditions };
    }
    return changes as SwitchChanges;
  }

  /** True when `changes` is not empty. */
  get changed(): boolean {
    return Object.keys(this.changes).length > 0;
  }

  /** Forgets the tracked changes: the current fields become the baseline. */
  resetChanges(): void {
    this.#snapshot = this.tracked();
  }

  /** Stores the edits through the manager this copy came from (a no-op for a switch never stored). */
  async save(): Promise<void> {
    await owners.get(this)?.update(this);
  }

  /** An independent copy, bound to the same manager, with the same change baseline. */
  clone(): Switch {
    const copy = new Switch(this.name, {
      state: this.state,
      compounded: this.compounded,
      concent: this.concent,
      label: this.label,
      description: this.description,
      conditions: this.conditions,
    });
    copy.#snapshot = { ...this.#snapshot };
    return bindSwitch(copy, owners.get(this), baseVersions.get(this));
  }

  /** The switch as plain JSON (what `JSON.stringify` writes); `Switch.from` reads it back. */
  toJSON(): SwitchJSON {
    return {
      name: this.name,
      state: this.state,
      compounded: this.compounded,
      concent: this.concent,
      label: this.label,
      description: this.description,
      conditions: this.conditions.map((condition) => condition.toJSON()),
    };
  }

  /**
   * Reads a switch back from its JSON (`toJSON()`, or a stored record), resolving condition arguments and
   * operators by name through `registries` (a client's or manager's `store` fits; operators default to the ten
   * upstream ones). Throws `InvalidSwitchError` naming the field that is wrong, or the registry error of an
   * unknown argument or operator.
   */
  static from(json: unknown, registries?: SwitchRegistries): Switch {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new InvalidSwitchError(
        `Switch.from needs the object Switch#toJSON() writes, got ${describe(json)}.`,
      );
    }
    const data = json as Partial<Record<keyof SwitchJSON, unknown>>;
    const name = data.name;
    assertSwitchName(name);
    const field = (key: keyof SwitchJSON, expected: string): never => {
      throw new InvalidSwitchError(
        `Switch '${name}': '${key}' must be ${expected}, got ${describe(data[key])}. Pass what Switch#toJSON() writes.`,
      );
    };
    const state =
      data.state === undefined
        ? undefined
        : (parseSwitchState(data.state) ?? field('state', "one of 'disabled', 'selective', 'global'"));
    const flag = (key: 'compounded' | 'concent'): boolean | undefined =>
      data[key] === undefined || typeof data[key] === 'boolean'
        ? (data[key] as boolean | undefined)
        : field(key, 'true or false');
    const text = (key: 'label' | 'description'): string | null | undefined =>
      data[key] === undefined || data[key] === null || typeof data[key] === 'string'
        ? (data[key] as string | null | undefined)
        : field(key, 'a string or null');
    const conditions = data.conditions ?? [];
    if (!Array.isArray(conditions)) field('conditions', 'an array');
    return new Switch(name, {
      state,
      compounded: flag('compounded'),
      concent: flag('concent'),
      label: text('label'),
      description: text('description'),
      conditions: (conditions as unknown[]).map((condition) => Condition.from(condition, registries)),
    });
  }

  /** Same name, state, compounded and concent (upstream's equality). */
  equals(other: Switch): boolean {
    return (
      this.name === other.name &&
      this.state === other.state &&
      this.compounded === other.compounded &&
      this.concent === other.concent
    );
  }

  toString(): string {
    return `<Switch("${this.name}") conditions=${this.conditions.length}, state=${this.state}, compounded=${this.compounded}, concent=${this.concent}>`;
  }

  private tracked(): TrackedFields {
    return {
      state: this.state,
      compounded: this.compounded,
      concent: this.concent,
      label: this.label,
      description: this.description,
      conditions: [...this.conditions],
    };
  }
}

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'string'
        ? `'${value}'`
        : typeof value;
