/**
 * OpenAPI descriptions of the DTO properties, kept here without importing `@nestjs/swagger` (an optional peer):
 * `documentSwitchyardAdmin()` turns them into `@ApiProperty()` when Swagger is installed.
 */

/** What `@ApiProperty()` is given for one property (a subset of Swagger's options). */
export interface ApiDocOptions {
  readonly description?: string;
  readonly required?: boolean;
  readonly nullable?: boolean;
  readonly isArray?: boolean;
  readonly enum?: readonly (string | number)[];
  /** `String`, `Number`, `Boolean`, `Object`, or a lazy DTO class. */
  readonly type?:
    | StringConstructor
    | NumberConstructor
    | BooleanConstructor
    | ObjectConstructor
    | (() => abstract new (...args: never[]) => unknown);
  readonly example?: unknown;
  /** Free-form JSON (e.g. a switch input, operator parameters). */
  readonly additionalProperties?: boolean;
}

interface ApiDocEntry {
  readonly target: object;
  readonly property: string;
  readonly options: ApiDocOptions;
}

const entries: ApiDocEntry[] = [];

/** Records the OpenAPI description of a DTO property (applied later, only if Swagger is there). */
export function ApiDoc(options: ApiDocOptions = {}): PropertyDecorator {
  return (target, property) => {
    entries.push({ target, property: String(property), options });
  };
}

/** Every recorded description. @internal */
export function apiDocEntries(): readonly ApiDocEntry[] {
  return entries;
}
