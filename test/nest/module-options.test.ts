/**
 * The module's options have one source of truth: every documented option (the test's list is typed
 * `Required<FeatureFlagModuleOptions>`, so a new option that is not exercised here fails to compile) starts the
 * module with no "unknown option" warning — `retainFlagDocuments`, `streaming` and `experiments` used to get one.
 * Plus the checks of those three, and `forRootAsync({ useExisting })` with a factory from another module.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { createOperatorRegistry } from '../../lib/core/switches/operators/builtin-operators.js';
import { MemoryStorage } from '../../lib/core/store/memory.storage.js';
import { InsightCollector } from '../../lib/events/insight-collector.js';
import {
  FEATURE_FLAG_OPTIONS,
  FeatureFlagModule,
  FeatureFlagOptionsError,
  type FeatureFlagModuleOptions,
  type FeatureFlagOptionsFactory,
} from '../../lib/nest/index.js';
import { CapturingLogger } from './fixtures.js';
import { boolFlag, SECRET } from '../sync/fixtures.js';

describe('every documented option', () => {
  test('is accepted, validated and passed on, with no unknown-option warning', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'switchyard-options-'));
    const bootstrapFile = join(folder, 'flags.json');
    writeFileSync(
      bootstrapFile,
      JSON.stringify({ featureFlags: [boolFlag('from-file', true, 1000)], segments: [] }),
    );
    const logger = new CapturingLogger();
    let started = 0;
    const options = {
      envSecret: SECRET,
      streamingUri: 'ws://127.0.0.1:5100',
      eventsUri: 'http://127.0.0.1:5100',
      offline: false,
      startWait: 1_000,
      bootstrap: { featureFlags: [boolFlag('from-object', true, 1000)], segments: [] },
      bootstrapFile,
      storage: new MemoryStorage(),
      arguments: [],
      operators: createOperatorRegistry(),
      autocreate: true,
      namespace: 'shop',
      inputs: () => [],
      percentHash: 'crc32',
      logger,
      retainFlagDocuments: true,
      streaming: { pingIntervalMs: 15_000, firstRetryDelayMs: 20, detectSilentConnections: true },
      // A data source of our own in place of the socket: it reports a first sync at once.
      dataSource: (context) => ({
        start: () => {
          started++;
          context.report({ state: 'ok' });
        },
        close: () => Promise.resolve(),
      }),
      insights: new InsightCollector(),
      experiments: true,
      isGlobal: true,
      waitForReady: true,
      requestScope: false,
    } satisfies Required<FeatureFlagModuleOptions>;
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [FeatureFlagModule.forRoot(options)],
      }).compile();
      try {
        assert.deepEqual(logger.messages('warn'), [], 'no warning at all');
        const validated = moduleRef.get<FeatureFlagModuleOptions>(FEATURE_FLAG_OPTIONS);
        assert.equal(validated.retainFlagDocuments, true);
        assert.deepEqual(validated.streaming, options.streaming);
        assert.equal(validated.experiments, true);
        const client = moduleRef.get(FeatureFlagClient);
        assert.equal(started, 1, 'the given data source runs');
        // Both bootstraps are full data sets, applied in turn: the file's comes last and replaces the object's.
        assert.equal(client.isFlagKnown('from-file'), true);
        assert.ok(client.store.flag('from-file')?.doc, 'documents retained');
        assert.doesNotThrow(() => client.experimentResults('from-file', 'purchase'), 'experiments on');
      } finally {
        await moduleRef.close();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

async function startupError(options: unknown): Promise<FeatureFlagOptionsError> {
  const error = await Test.createTestingModule({
    imports: [FeatureFlagModule.forRoot(options as FeatureFlagModuleOptions)],
  })
    .compile()
    .then(
      async (moduleRef) => {
        await moduleRef.close();
        return undefined;
      },
      (e: unknown) => e,
    );
  assert.ok(
    error instanceof FeatureFlagOptionsError,
    `expected FeatureFlagOptionsError, got ${String(error)}`,
  );
  return error;
}

describe('the options that had no check', () => {
  test('streaming: an object of non-negative numbers', async () => {
    const notObject = await startupError({ streaming: 15_000 });
    assert.equal(notObject.option, 'streaming');
    assert.match(notObject.message, /expected an object of streaming settings.*got 15000/);
    const negative = await startupError({ streaming: { pingIntervalMs: -1 } });
    assert.equal(negative.option, 'streaming.pingIntervalMs');
    assert.match(negative.message, /non-negative number, got -1/);
  });

  test('experiments: true, false or a collector', async () => {
    const error = await startupError({ experiments: 'yes' });
    assert.equal(error.option, 'experiments');
    assert.match(error.message, /true, false or an InsightCollector/);
  });

  test('retainFlagDocuments: a boolean, and not false with a storage', async () => {
    assert.equal((await startupError({ retainFlagDocuments: 1 })).option, 'retainFlagDocuments');
    const withStorage = await startupError({ retainFlagDocuments: false, storage: new MemoryStorage() });
    assert.equal(withStorage.option, 'retainFlagDocuments');
    assert.match(withStorage.message, /storage caches flag documents/);
  });
});

describe('forRootAsync({ useExisting })', () => {
  test('uses the factory instance another module provides', async () => {
    @Injectable()
    class FlagOptions implements FeatureFlagOptionsFactory {
      calls = 0;
      createFeatureFlagOptions(): FeatureFlagModuleOptions {
        this.calls++;
        return { bootstrap: { featureFlags: [boolFlag('from-existing', true, 1000)], segments: [] } };
      }
    }
    @Module({ providers: [FlagOptions], exports: [FlagOptions] })
    class OptionsModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [FeatureFlagModule.forRootAsync({ imports: [OptionsModule], useExisting: FlagOptions })],
    }).compile();
    try {
      assert.equal(moduleRef.get(FeatureFlagClient).isFlagKnown('from-existing'), true);
      assert.equal(moduleRef.get(FlagOptions).calls, 1, "the imported module's instance built the options");
    } finally {
      await moduleRef.close();
    }
  });
});
