/**
 * The published shape works from another project: `npm run build`'s output (tsconfig.build.json) installed as
 * `node_modules/nest-switchyard` is loadable with `require()` from CommonJS (Node ≥ 20.19 loads ESM that way) and
 * with `import`, on the main entry, on `nest-switchyard/engine` and on `nest-switchyard/admin` (which the main entry
 * does not load), with type declarations next to it; and the integration entries (`/openfeature`, `/terminus`,
 * `/opentelemetry`) load where their peers are installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

test('the built package loads from another project with require() and import', () => {
  const work = mkdtempSync(join(tmpdir(), 'switchyard-package-'));
  try {
    // Build exactly as `npm run build` does, into a package folder of its own.
    const pkg = join(work, 'node_modules', 'nest-switchyard');
    mkdirSync(pkg, { recursive: true });
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(
      process.execPath,
      [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    // Its dependencies resolve as in an installed tree (peers included).
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    assert.ok(existsSync(join(pkg, 'dist', 'index.d.ts')), 'type declarations are built');

    // The app installs the peer dependency itself, as a user would.
    symlinkSync(
      join(root, 'node_modules', 'reflect-metadata'),
      join(work, 'node_modules', 'reflect-metadata'),
      'dir',
    );
    const app = join(work, 'app');
    mkdirSync(app);
    symlinkSync(join(work, 'node_modules'), join(app, 'node_modules'), 'dir');
    writeFileSync(
      join(app, 'main.cjs'),
      `require('reflect-metadata');
const s = require('nest-switchyard');
const engine = require('nest-switchyard/engine');
const admin = require('nest-switchyard/admin');
const client = new s.FeatureFlagClient({ logger: s.silentLogger });
client.register(new s.Switch('beta', { state: s.SwitchState.Global }));
console.log(JSON.stringify({
  active: client.active('beta'),
  module: typeof s.FeatureFlagModule,
  guard: typeof s.SwitchActive,
  sameClient: engine.FeatureFlagClient === s.FeatureFlagClient,
  engineHasNest: 'FeatureFlagModule' in engine,
  adminModule: typeof admin.FeatureFlagAdminModule,
  mainHasAdmin: 'FeatureFlagAdminModule' in s,
}));`,
    );
    writeFileSync(
      join(app, 'main.mjs'),
      `import { FeatureFlagClient, silentLogger } from 'nest-switchyard/engine';
const client = new FeatureFlagClient({ offline: true, logger: silentLogger,
  bootstrap: { featureFlags: [], segments: [] } });
console.log(JSON.stringify({ known: client.isFlagKnown('x'), ready: client.initialized }));`,
    );
    const cjs = JSON.parse(
      execFileSync(process.execPath, ['main.cjs'], { cwd: app, encoding: 'utf8' }),
    ) as unknown;
    assert.deepEqual(cjs, {
      active: true,
      module: 'function',
      guard: 'function',
      sameClient: true,
      engineHasNest: false,
      adminModule: 'function',
      mainHasAdmin: false,
    });
    assert.ok(existsSync(join(pkg, 'dist', 'admin.d.ts')), 'the admin entry has type declarations');
    const esm = JSON.parse(
      execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' }),
    ) as unknown;
    assert.deepEqual(esm, { known: false, ready: true });

    // The integration entries, with their optional peers installed (the app's node_modules has them).
    writeFileSync(
      join(app, 'peers.mjs'),
      `const of = await import('nest-switchyard/openfeature');
const health = await import('nest-switchyard/terminus');
const otel = await import('nest-switchyard/opentelemetry');
console.log(JSON.stringify([typeof of.SwitchyardProvider, typeof health.FeatureFlagHealthIndicator,
  typeof otel.instrumentSwitchyard]));`,
    );
    for (const peer of ['@openfeature', '@nestjs', '@opentelemetry']) {
      if (!existsSync(join(work, 'node_modules', peer))) {
        symlinkSync(join(root, 'node_modules', peer), join(work, 'node_modules', peer), 'dir');
      }
    }
    const peers = JSON.parse(
      execFileSync(process.execPath, ['peers.mjs'], { cwd: app, encoding: 'utf8' }),
    ) as unknown;
    assert.deepEqual(peers, ['function', 'function', 'function']);
    for (const entry of ['openfeature', 'terminus', 'opentelemetry']) {
      assert.ok(existsSync(join(pkg, 'dist', entry, 'index.d.ts')), `types of nest-switchyard/${entry}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
