import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArgumentRegistry } from '../core/switches/argument.js';
import { OperatorRegistry } from '../core/switches/operator.js';
import type { SwitchyardLogger } from '../core/logger.js';
import { FeatureFlagOptionsError } from './feature-flag-options.error.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';
import { InsightCollector } from '../events/insight-collector.js';

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return isObject(value) && methods.every((m) => typeof value[m] === 'function');
}

function checkUrl(option: string, value: unknown, protocols: readonly string[], example: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FeatureFlagOptionsError(option, `expected a URL such as '${example}', got ${describe(value)}.`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FeatureFlagOptionsError(option, `'${value}' is not a URL; expected one such as '${example}'.`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new FeatureFlagOptionsError(
      option,
      `'${value}' uses ${url.protocol.replace(/:$/, '')}; expected ${protocols.map((p) => p.replace(/:$/, '')).join(', ')} (e.g. '${example}').`,
    );
  }
}

/** Checks one option's value (never called with undefined); throws `FeatureFlagOptionsError` naming it. */
type OptionCheck = (value: unknown, option: string) => void;

const booleanOption: OptionCheck = (value, option) => {
  if (typeof value !== 'boolean') {
    throw new FeatureFlagOptionsError(option, `expected true or false, got ${describe(value)}.`);
  }
};

const nonNegativeMs = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** The tuning fields of `streaming` that hold milliseconds or bytes: non-negative numbers. */
const STREAMING_NUMBERS = [
  'pingIntervalMs',
  'firstRetryDelayMs',
  'maxRetryDelayMs',
  'healthyResetMs',
  'handshakeTimeoutMs',
  'maxMessageBytes',
] as const;

/**
 * Every module option and its check: the one list of option names. `satisfies` makes the compiler hold it to
 * `FeatureFlagModuleOptions` exactly — an option added to the interface (or the client's options) without a check
 * here, or a check for an option that does not exist, is a compile error — and the unknown-option warning reads
 * its keys.
 */
const OPTION_CHECKS = {
  envSecret: (value, option) => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new FeatureFlagOptionsError(
        option,
        `expected the FeatBit server-side secret (a non-blank string), got ${describe(value)}.`,
      );
    }
  },
  streamingUri: (value, option) =>
    checkUrl(option, value, ['ws:', 'wss:', 'http:', 'https:'], 'ws://localhost:5100'),
  eventsUri: (value, option) => checkUrl(option, value, ['http:', 'https:'], 'http://localhost:5100'),
  offline: booleanOption,
  startWait: (value, option) => {
    if (!nonNegativeMs(value)) {
      throw new FeatureFlagOptionsError(
        option,
        `expected a non-negative number of milliseconds (default 15000), got ${describe(value)}.`,
      );
    }
  },
  bootstrap: (value, option) => {
    if (typeof value !== 'string' && !isObject(value)) {
      throw new FeatureFlagOptionsError(
        option,
        `expected FeatBit data-sync JSON (text or object), got ${describe(value)}.`,
      );
    }
  },
  bootstrapFile: (value, option) => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new FeatureFlagOptionsError(option, `expected a file path, got ${describe(value)}.`);
    }
    if (!existsSync(value)) {
      throw new FeatureFlagOptionsError(
        option,
        `no file at '${resolve(value)}' (relative paths start from ${process.cwd()}).`,
      );
    }
  },
  storage: (value, option) => {
    if (!hasMethods(value, ['load', 'write'])) {
      throw new FeatureFlagOptionsError(
        option,
        `expected a FlagStorage (an object with load() and write()), got ${describe(value)}.`,
      );
    }
  },
  arguments: (value, option) => {
    if (!Array.isArray(value) && !(value instanceof ArgumentRegistry)) {
      throw new FeatureFlagOptionsError(
        option,
        `expected an array of arguments (defineArguments(...)) or an ArgumentRegistry, got ${describe(value)}.`,
      );
    }
  },
  operators: (value, option) => {
    if (!(value instanceof OperatorRegistry)) {
      throw new FeatureFlagOptionsError(option, `expected an OperatorRegistry, got ${describe(value)}.`);
    }
  },
  autocreate: booleanOption,
  namespace: (value, option) => {
    if (typeof value !== 'string' || value.trim() === '' || value.includes('.') || value.includes(':')) {
      throw new FeatureFlagOptionsError(
        option,
        `expected a non-blank name without '.' or ':', got ${describe(value)}.`,
      );
    }
  },
  inputs: (value, option) => {
    if (typeof value !== 'function' && !Array.isArray(value)) {
      throw new FeatureFlagOptionsError(
        option,
        `expected a function (request, context) => inputs[] giving each request's inputs, or an array of inputs for every check; got ${describe(value)}.`,
      );
    }
  },
  percentHash: (value, option) => {
    if (value !== 'crc32' && value !== 'py2' && typeof value !== 'function') {
      throw new FeatureFlagOptionsError(
        option,
        `expected 'crc32', 'py2' or a function, got ${describe(value)}.`,
      );
    }
  },
  logger: (value, option) => {
    if (!hasMethods(value, ['error', 'warn', 'log'])) {
      throw new FeatureFlagOptionsError(
        option,
        `expected an object with error(), warn() and log() (Nest's Logger fits), got ${describe(value)}.`,
      );
    }
  },
  retainFlagDocuments: booleanOption,
  streaming: (value, option) => {
    if (!isObject(value)) {
      throw new FeatureFlagOptionsError(
        option,
        `expected an object of streaming settings (e.g. { pingIntervalMs: 15000 }), got ${describe(value)}.`,
      );
    }
    for (const field of STREAMING_NUMBERS) {
      if (value[field] !== undefined && !nonNegativeMs(value[field])) {
        throw new FeatureFlagOptionsError(
          `${option}.${field}`,
          `expected a non-negative number, got ${describe(value[field])}.`,
        );
      }
    }
    if (value.detectSilentConnections !== undefined) {
      booleanOption(value.detectSilentConnections, `${option}.detectSilentConnections`);
    }
    if (value.random !== undefined && typeof value.random !== 'function') {
      throw new FeatureFlagOptionsError(
        `${option}.random`,
        `expected a function returning a number in [0, 1), got ${describe(value.random)}.`,
      );
    }
  },
  dataSource: (value, option) => {
    if (typeof value !== 'function') {
      throw new FeatureFlagOptionsError(
        option,
        `expected a data source factory function, got ${describe(value)}.`,
      );
    }
  },
  insights: (value, option) => {
    if (!hasMethods(value, ['recordEvaluation', 'recordMetric', 'flush', 'close'])) {
      throw new FeatureFlagOptionsError(
        option,
        `expected an InsightSink (recordEvaluation, recordMetric, flush, close), got ${describe(value)}.`,
      );
    }
  },
  experiments: (value, option) => {
    if (typeof value !== 'boolean' && !(value instanceof InsightCollector)) {
      throw new FeatureFlagOptionsError(
        option,
        `expected true, false or an InsightCollector to share, got ${describe(value)}.`,
      );
    }
  },
  isGlobal: booleanOption,
  waitForReady: booleanOption,
  requestScope: booleanOption,
} satisfies { readonly [Option in keyof Required<FeatureFlagModuleOptions>]: OptionCheck };

/**
 * Every option name the module knows (the keys of its checks); anything else is most likely a typo and is
 * reported.
 * @publicApi
 */
export const FEATURE_FLAG_OPTION_NAMES: readonly (keyof FeatureFlagModuleOptions)[] = Object.freeze(
  Object.keys(OPTION_CHECKS) as (keyof FeatureFlagModuleOptions)[],
);

const isKnownOption = (key: string): key is keyof typeof OPTION_CHECKS => Object.hasOwn(OPTION_CHECKS, key);

/** The known option spelled the same but for case, if any: a hint for typos such as `startwait`. */
function suggestionFor(unknownKey: string): string | undefined {
  const lower = unknownKey.toLowerCase();
  return FEATURE_FLAG_OPTION_NAMES.find((known) => known.toLowerCase() === lower);
}

/**
 * Checks the module options at start-up and throws `FeatureFlagOptionsError` naming the first bad option.
 * Unknown options are reported through `logger` (a typo must not pass silently, nor stop an upgrade).
 * @publicApi
 */
export function validateFeatureFlagOptions(
  options: unknown,
  logger?: SwitchyardLogger,
): FeatureFlagModuleOptions {
  if (options === undefined) return {};
  if (!isObject(options)) {
    throw new FeatureFlagOptionsError('options', `expected an object, got ${describe(options)}.`);
  }
  const o = options;
  const unknown: string[] = [];
  for (const key of Object.keys(o)) {
    if (!isKnownOption(key)) unknown.push(key);
    else if (o[key] !== undefined) OPTION_CHECKS[key](o[key], key);
  }
  // Options that depend on each other.
  if (
    o.streamingUri !== undefined &&
    o.envSecret === undefined &&
    o.dataSource === undefined &&
    o.offline !== true
  ) {
    throw new FeatureFlagOptionsError(
      'envSecret',
      `streamingUri '${String(o.streamingUri)}' is set but envSecret is missing: give the FeatBit server-side secret, or remove streamingUri for the embedded in-memory client.`,
    );
  }
  if (o.retainFlagDocuments === false && o.storage !== undefined) {
    throw new FeatureFlagOptionsError(
      'retainFlagDocuments',
      'a storage caches flag documents, so it needs them retained: remove retainFlagDocuments: false, or the storage.',
    );
  }

  if (unknown.length > 0 && logger) {
    const hints = unknown.map((key) => {
      const suggestion = suggestionFor(key);
      return suggestion ? `'${key}' (did you mean '${suggestion}'?)` : `'${key}'`;
    });
    logger.warn(`FeatureFlagModule: unknown option(s) ${hints.join(', ')}; they are ignored.`);
  }
  return o as FeatureFlagModuleOptions;
}
