/**
 * The optional peers (`@openfeature/server-sdk`, `@nestjs/terminus`, `@opentelemetry/api`) stay optional: the
 * main entry and `nest-switchyard/engine` never import them, statically or dynamically (their import graphs are
 * walked over the compiled files), and a child process in which those packages cannot be resolved (a module
 * loader whose `resolve` throws ERR_MODULE_NOT_FOUND for them, registered with `module.register()`) loads the
 * package, evaluates flags and switches, gets an inactive no-op from `instrumentSwitchyard`, and is told clearly
 * which package is missing when it imports `nest-switchyard/openfeature` or `nest-switchyard/terminus`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packagesReachedFrom } from '../support/import-graph.js';

const lib = resolve(fileURLToPath(new URL('../../lib', import.meta.url)));
const BLOCKED = ['@openfeature/', '@nestjs/terminus', '@opentelemetry/'];
const isBlocked = (specifier: string): boolean =>
  BLOCKED.some((b) =>
    b.endsWith('/') ? specifier.startsWith(b) : specifier === b || specifier.startsWith(`${b}/`),
  );

test('the main entry and the engine entry never import an optional peer', () => {
  for (const entry of ['index.js', 'engine.js']) {
    const reached = [...packagesReachedFrom(join(lib, entry))];
    assert.ok(reached.includes('rxjs'), `the walk sees packages (${entry})`);
    assert.deepEqual(reached.filter(isBlocked), [], `${entry} reaches no optional peer`);
  }
  // The walk does find them where they are used.
  assert.ok(
    [...packagesReachedFrom(join(lib, 'openfeature', 'index.js'))].includes('@openfeature/server-sdk'),
  );
  assert.ok([...packagesReachedFrom(join(lib, 'terminus', 'index.js'))].includes('@nestjs/terminus'));
  assert.ok([...packagesReachedFrom(join(lib, 'opentelemetry', 'index.js'))].includes('@opentelemetry/api'));
});

test('without the optional peers installed, the package loads and works; their entries say what is missing', () => {
  // Inside the project (build/test/package), so that bare imports resolve from its node_modules as an app's would:
  // only the hook can then make the peers missing.
  const work = mkdtempSync(join(dirname(fileURLToPath(import.meta.url)), 'no-peers-'));
  try {
    const hooks = join(work, 'hide-peers.mjs');
    writeFileSync(
      hooks,
      `const blocked = ${JSON.stringify(BLOCKED)};
export async function resolve(specifier, context, nextResolve) {
  if (blocked.some((b) => (b.endsWith('/') ? specifier.startsWith(b) : specifier === b || specifier.startsWith(b + '/')))) {
    const error = new Error("Cannot find package '" + specifier + "' (hidden by the test)");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}`,
    );
    const main = join(work, 'main.mjs');
    const url = (path: string): string => pathToFileURL(join(lib, path)).href;
    writeFileSync(
      main,
      `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)});
await import('reflect-metadata');
const s = await import(${JSON.stringify(url('index.js'))});
const client = new s.FeatureFlagClient({ logger: s.silentLogger, offline: true, bootstrap: ${JSON.stringify({
        featureFlags: [],
        segments: [],
      })} });
await client.register(new s.Switch('beta', { state: s.SwitchState.Global }));
const otel = await import(${JSON.stringify(url('opentelemetry/index.js'))});
const telemetry = await otel.instrumentSwitchyard(client, { spanEvents: true });
const failure = async (path) => import(path).then(() => 'loaded', (e) => e.code + ': ' + e.message);
const peerProbe = await failure('@opentelemetry/api');
console.log(JSON.stringify({
  active: client.active('beta'),
  missingFlag: client.boolVariation('nope', { key: 'u' }, true),
  module: typeof s.FeatureFlagModule,
  telemetry: { active: telemetry.active, observes: telemetry.observesEvaluations, note: telemetry.note },
  peerProbe: peerProbe.startsWith('ERR_MODULE_NOT_FOUND'),
  openfeature: await failure(${JSON.stringify(url('openfeature/index.js'))}),
  terminus: await failure(${JSON.stringify(url('terminus/index.js'))}),
}));
await client.close();`,
    );
    const out = JSON.parse(execFileSync(process.execPath, [main], { cwd: work, encoding: 'utf8' })) as {
      openfeature: string;
      terminus: string;
    } & Record<string, unknown>;
    const { openfeature, terminus, ...rest } = out;
    assert.deepEqual(rest, {
      active: true,
      missingFlag: true,
      module: 'function',
      telemetry: {
        active: false,
        observes: false,
        note: '@opentelemetry/api is not installed: telemetry is off.',
      },
      peerProbe: true,
    });
    assert.match(openfeature, /^ERR_MODULE_NOT_FOUND: .*'@openfeature\/server-sdk'/);
    assert.match(terminus, /^ERR_MODULE_NOT_FOUND: .*'@nestjs\/terminus'/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
