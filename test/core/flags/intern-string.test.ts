import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/**
 * `internString` must hand back the engine's internalized copy (that is what makes `===` against a literal a
 * pointer comparison in the store's map), for keys that JSON.parse leaves as ordinary strings, and leave
 * nothing behind. Checked with V8's own predicate, in a child process that allows natives syntax.
 */
test('internString returns the internalized copy of a string, and keeps nothing', () => {
  const module = new URL('../../../lib/core/flags/intern-string.js', import.meta.url).href;
  const script = `
    const { internString } = await import(${JSON.stringify(module)});
    const internalized = (s) => %IsInternalizedString(s);
    // Long values from JSON.parse are ordinary (not internalized) strings.
    const keys = JSON.parse(JSON.stringify(Array.from({ length: 50 }, (_, i) => 'a-rather-long-flag-key-number-' + i)));
    const before = keys.filter(internalized).length;
    const interned = keys.map(internString);
    console.log(JSON.stringify({
      before,
      after: interned.filter(internalized).length,
      equal: interned.every((key, i) => key === keys[i]),
      emptyHolder: internString('x') === 'x',
    }));`;
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as {
    before: number;
    after: number;
    equal: boolean;
    emptyHolder: boolean;
  };
  assert.ok(result.before < 50, `JSON.parse already internalized ${result.before} of the 50 keys`);
  assert.deepEqual(result, { before: result.before, after: 50, equal: true, emptyHolder: true });
});
