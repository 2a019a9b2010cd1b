/**
 * ioredis and zod are loaded when first needed, not when the package is imported (issue 16: an import of the engine
 * took 383–440 ms on the benchmark host, 129 ms of it ioredis and 83 ms zod). Statically: neither entry reaches them
 * through an import (the compiled import graph is walked). At run time, in a child process: importing the engine,
 * bootstrapping a client and evaluating flags loads neither; refusing a flag document loads zod (which words the
 * error), a switch record loads it too, and a RedisStorage loads ioredis — each working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packagesReachedFrom } from '../support/import-graph.js';

const lib = resolve(fileURLToPath(new URL('../../lib', import.meta.url)));
const LAZY = ['ioredis', 'zod'];

test('neither entry imports ioredis or zod: they are required where first needed', () => {
  for (const entry of ['index.js', 'engine.js']) {
    const reached = [...packagesReachedFrom(join(lib, entry))];
    assert.ok(reached.includes('rxjs'), `the walk sees packages (${entry})`);
    assert.deepEqual(
      reached.filter((name) => LAZY.includes(name)),
      [],
      `${entry} imports neither`,
    );
  }
});

test('a child process loads ioredis and zod only when a storage, a refused document or a switch needs them', () => {
  const engine = pathToFileURL(join(lib, 'engine.js')).href;
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const loaded = (name) => Object.keys(cache).some((path) => path.includes('/node_modules/' + name + '/'));
    const report = {};
    const { FeatureFlagClient, RedisStorage, Switch, SwitchState, silentLogger } = await import(${JSON.stringify(engine)});
    const flag = (key, overrides = {}) => ({
      id: key, key, name: key, updatedAt: '2024-05-01T10:00:00.000Z', variationType: 'boolean',
      variations: [{ id: 'on', value: 'true' }, { id: 'off', value: 'false' }], targetUsers: [], rules: [],
      isEnabled: true, disabledVariationId: 'off', fallthrough: { variations: [{ id: 'on', rollout: [0, 1] }] },
      isArchived: false, ...overrides,
    });
    const errors = [];
    const logger = { ...silentLogger, error: (message) => errors.push(message) };
    const client = new FeatureFlagClient({ offline: true, logger, bootstrap: { featureFlags: [flag('a'), flag('b')], segments: [] } });
    await client.waitForInitialization();
    report.answer = client.boolVariation('a', { key: 'u1' }, false);
    report.afterEvaluation = { ioredis: loaded('ioredis'), zod: loaded('zod') };

    client.store.applySync({ eventType: 'patch', featureFlags: [flag('c', { fallthrough: { variations: [{ id: 'on', rollout: [0, 2] }] } })] });
    report.refusal = errors.at(-1);
    report.afterRefusal = { ioredis: loaded('ioredis'), zod: loaded('zod') };

    await client.register(new Switch('checkout', { state: SwitchState.Global }));
    report.switchActive = client.active('checkout');

    const storage = new RedisStorage({ url: 'redis://127.0.0.1:1', logger: silentLogger, connectTimeoutMs: 100 });
    report.afterStorage = { ioredis: loaded('ioredis') };
    await storage.close();
    await client.close();
    process.stdout.write(JSON.stringify(report));
  `;
  const report = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    }),
  ) as Record<string, unknown>;
  assert.equal(report.answer, true);
  assert.deepEqual(report.afterEvaluation, { ioredis: false, zod: false }, 'evaluating flags loads neither');
  assert.match(String(report.refusal), /Refused flag c.*fallthrough\.variations\[0\]\.rollout/);
  assert.deepEqual(
    report.afterRefusal,
    { ioredis: false, zod: true },
    'a refusal loads zod to word its error',
  );
  assert.equal(report.switchActive, true);
  assert.deepEqual(report.afterStorage, { ioredis: true });
});
