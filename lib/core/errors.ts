/**
 * Typed errors thrown by Switchyard. Every message names the thing that is wrong and says what to do.
 * @publicApi
 */
export class SwitchyardError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A switch was asked for that is not registered (and `autocreate` is off). @publicApi */
export class SwitchNotFoundError extends SwitchyardError {
  constructor(
    readonly switchName: string,
    readonly namespace: string,
  ) {
    super(
      `No switch named '${switchName}' is registered in namespace '${namespace}'. ` +
        `Register it first, or turn on 'autocreate' to create missing switches disabled.`,
    );
  }
}

/** A switch definition is not acceptable (blank or reserved name, bad state, bad condition). @publicApi */
export class InvalidSwitchError extends SwitchyardError {}

/** An operator name that is not in the operator registry. @publicApi */
export class UnknownOperatorError extends SwitchyardError {
  constructor(readonly operatorName: string) {
    super(`Unknown operator '${operatorName}'. Register it with the operator registry before using it.`);
  }
}

/** An argument (container) or attribute name that is not registered. @publicApi */
export class UnknownArgumentError extends SwitchyardError {}

/** An operator was built without one of its required parameters, or with a parameter of the wrong kind. @publicApi */
export class OperatorInitError extends SwitchyardError {}

/** A FeatBit flag or segment document failed validation. @publicApi */
export class InvalidFlagError extends SwitchyardError {
  constructor(
    message: string,
    readonly itemKey: string | undefined,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

/**
 * A flag or segment document is needed (to edit, serve, store or export it) but this store keeps only the compiled
 * form: a client keeps documents with a storage or with `retainFlagDocuments: true`. @publicApi
 */
export class DocumentsNotRetainedError extends SwitchyardError {
  constructor(
    readonly kind: 'flag' | 'segment',
    readonly recordKey: string,
    action: string,
  ) {
    super(
      `The document of ${kind} '${recordKey}' was not retained, so it cannot be ${action}: a client keeps ` +
        'documents with a storage or with retainFlagDocuments: true (a store with retainDocuments: true).',
    );
  }
}

/** A stored record (switch, flag or segment) could not be read back. @publicApi */
export class InvalidRecordError extends SwitchyardError {
  constructor(
    message: string,
    readonly recordKey: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Global inputs were set outside of an input scope (a Nest request, or `manager.inputScopeRun(fn)`). @publicApi
 */
export class NoInputScopeError extends SwitchyardError {
  constructor() {
    super(
      'Global inputs are per request, never process-wide: call input()/flush() inside an input scope. Outside ' +
        'Nest, run the work in one with manager.inputScopeRun(() => ..., [inputs]) or ' +
        'client.inputScope.run(() => ..., [inputs]); in Nest, FeatureFlagModule opens one for every request ' +
        '(its requestScope option, on by default).',
    );
  }
}

/** A write named a flag, segment or switch that does not exist (or is archived). @publicApi */
export class RecordNotFoundError extends SwitchyardError {
  constructor(
    readonly recordKind: 'flag' | 'segment' | 'switch',
    readonly recordKey: string,
  ) {
    super(
      `No ${recordKind} '${recordKey}' exists (or it is archived). ` +
        `Create it first${recordKind === 'switch' ? '' : ', or check the key'}.`,
    );
  }
}

/**
 * A write was refused before anything was written: the record is not acceptable as a whole, e.g. it references a
 * variation or segment that does not exist, or it would archive a segment that live flags still use. `field`
 * names the field path (`rules[0].conditions[1].value`). @publicApi
 */
export class InvalidWriteError extends SwitchyardError {
  constructor(
    message: string,
    readonly recordKey: string | undefined,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

/** A storage backend failed to read or write. Nothing half-written remains when this is thrown. @publicApi */
export class StorageError extends SwitchyardError {}

/**
 * A conditional write found another version than the one it was based on: someone else wrote first. Nothing was
 * written; read the record again and retry. @publicApi
 */
export class StorageConflictError extends StorageError {
  constructor(
    readonly recordKey: string,
    readonly expectedVersion: number | null,
    readonly actualVersion: number | null,
  ) {
    super(
      `Write conflict on '${recordKey}': expected version ${String(expectedVersion)}, found ${String(actualVersion)}. ` +
        'Another writer changed it first; read it again and retry.',
    );
  }
}

/**
 * The streaming server refused the connection for good (close code 4003: invalid token, unknown secret, or a
 * clock more than 30 s away from the server's). The client does not reconnect. @publicApi
 */
export class StreamingAuthError extends SwitchyardError {
  constructor(
    readonly closeCode: number,
    readonly closeReason: string,
  ) {
    super(
      `The streaming server refused the connection (close code ${closeCode}${closeReason ? `: ${closeReason}` : ''}). ` +
        `Check envSecret (a server-side secret of that environment) and this machine's clock (tokens must be ` +
        `within 30 s of the server's time). Not reconnecting.`,
    );
  }
}
