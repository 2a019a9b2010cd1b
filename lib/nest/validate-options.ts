import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArgumentRegistry } from '../core/switches/argument.js';
import { OperatorRegistry } from '../core/switches/operator.js';
import type { SwitchyardLogger } from '../core/logger.js';
import { FeatureFlagOptionsError } from './feature-flag-options.error.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';

/** Every option the module knows; anything else is most likely a typo and is reported. */
const KNOWN_OPTIONS: readonly string[] = [
  'envSecret',
  'streamingUri',
  'eventsUri',
  'offline',
  'startWait',
  'bootstrap',
  'bootstrapFile',
  'storage',
  'arguments',
  'operators',
  'autocreate',
  'namespace',
  'inputs',
  'percentHash',
  'logger',
  'dataSource',
  'insights',
  'isGlobal',
  'waitForReady',
  'requestScope',
];

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

function checkBoolean(options: Record<string, unknown>, option: string): void {
  const value = options[option];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new FeatureFlagOptionsError(option, `expected true or false, got ${describe(value)}.`);
  }
}

/** The known option spelled the same but for case, if any: a hint for typos such as `startwait`. */
function suggestionFor(unknownKey: string): string | undefined {
  const lower = unknownKey.toLowerCase();
  return KNOWN_OPTIONS.find((known) => known.toLowerCase() === lower);
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

  if (o.envSecret !== undefined && (typeof o.envSecret !== 'string' || o.envSecret.trim() === '')) {
    throw new FeatureFlagOptionsError(
      'envSecret',
      `expected the FeatBit server-side secret (a non-blank string), got ${describe(o.envSecret)}.`,
    );
  }
  if (o.streamingUri !== undefined) {
    checkUrl('streamingUri', o.streamingUri, ['ws:', 'wss:', 'http:', 'https:'], 'ws://localhost:5100');
  }
  if (o.eventsUri !== undefined) {
    checkUrl('eventsUri', o.eventsUri, ['http:', 'https:'], 'http://localhost:5100');
  }
  for (const option of ['offline', 'autocreate', 'isGlobal', 'waitForReady', 'requestScope'])
    checkBoolean(o, option);
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
  if (o.startWait !== undefined) {
    if (typeof o.startWait !== 'number' || !Number.isFinite(o.startWait) || o.startWait < 0) {
      throw new FeatureFlagOptionsError(
        'startWait',
        `expected a non-negative number of milliseconds (default 15000), got ${describe(o.startWait)}.`,
      );
    }
  }
  if (o.bootstrap !== undefined && typeof o.bootstrap !== 'string' && !isObject(o.bootstrap)) {
    throw new FeatureFlagOptionsError(
      'bootstrap',
      `expected FeatBit data-sync JSON (text or object), got ${describe(o.bootstrap)}.`,
    );
  }
  if (o.bootstrapFile !== undefined) {
    if (typeof o.bootstrapFile !== 'string' || o.bootstrapFile.trim() === '') {
      throw new FeatureFlagOptionsError(
        'bootstrapFile',
        `expected a file path, got ${describe(o.bootstrapFile)}.`,
      );
    }
    if (!existsSync(o.bootstrapFile)) {
      throw new FeatureFlagOptionsError(
        'bootstrapFile',
        `no file at '${resolve(o.bootstrapFile)}' (relative paths start from ${process.cwd()}).`,
      );
    }
  }
  if (o.storage !== undefined && !hasMethods(o.storage, ['load', 'write'])) {
    throw new FeatureFlagOptionsError(
      'storage',
      `expected a FlagStorage (an object with load() and write()), got ${describe(o.storage)}.`,
    );
  }
  if (
    o.arguments !== undefined &&
    !Array.isArray(o.arguments) &&
    !(o.arguments instanceof ArgumentRegistry)
  ) {
    throw new FeatureFlagOptionsError(
      'arguments',
      `expected an array of arguments (defineArguments(...)) or an ArgumentRegistry, got ${describe(o.arguments)}.`,
    );
  }
  if (o.operators !== undefined && !(o.operators instanceof OperatorRegistry)) {
    throw new FeatureFlagOptionsError(
      'operators',
      `expected an OperatorRegistry, got ${describe(o.operators)}.`,
    );
  }
  if (o.namespace !== undefined) {
    const ns = o.namespace;
    if (typeof ns !== 'string' || ns.trim() === '' || ns.includes('.') || ns.includes(':')) {
      throw new FeatureFlagOptionsError(
        'namespace',
        `expected a non-blank name without '.' or ':', got ${describe(ns)}.`,
      );
    }
  }
  if (o.inputs !== undefined && typeof o.inputs !== 'function' && !Array.isArray(o.inputs)) {
    throw new FeatureFlagOptionsError(
      'inputs',
      `expected a function (request, context) => inputs[] giving each request's inputs, or an array of inputs for every check; got ${describe(o.inputs)}.`,
    );
  }
  if (
    o.percentHash !== undefined &&
    o.percentHash !== 'crc32' &&
    o.percentHash !== 'py2' &&
    typeof o.percentHash !== 'function'
  ) {
    throw new FeatureFlagOptionsError(
      'percentHash',
      `expected 'crc32', 'py2' or a function, got ${describe(o.percentHash)}.`,
    );
  }
  if (o.logger !== undefined && !hasMethods(o.logger, ['error', 'warn', 'log'])) {
    throw new FeatureFlagOptionsError(
      'logger',
      `expected an object with error(), warn() and log() (Nest's Logger fits), got ${describe(o.logger)}.`,
    );
  }
  if (o.dataSource !== undefined && typeof o.dataSource !== 'function') {
    throw new FeatureFlagOptionsError(
      'dataSource',
      `expected a data source factory function, got ${describe(o.dataSource)}.`,
    );
  }
  if (
    o.insights !== undefined &&
    !hasMethods(o.insights, ['recordEvaluation', 'recordMetric', 'flush', 'close'])
  ) {
    throw new FeatureFlagOptionsError(
      'insights',
      `expected an InsightSink (recordEvaluation, recordMetric, flush, close), got ${describe(o.insights)}.`,
    );
  }

  const unknown = Object.keys(o).filter((key) => !KNOWN_OPTIONS.includes(key));
  if (unknown.length > 0 && logger) {
    const hints = unknown.map((key) => {
      const suggestion = suggestionFor(key);
      return suggestion ? `'${key}' (did you mean '${suggestion}'?)` : `'${key}'`;
    });
    logger.warn(`FeatureFlagModule: unknown option(s) ${hints.join(', ')}; they are ignored.`);
  }
  return o as FeatureFlagModuleOptions;
}
