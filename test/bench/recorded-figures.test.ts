import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOISE_MARGIN, verdictOf } from '../../bench/recorded-figures.js';

/**
 * Issue 16: regressions beyond noise are visible in the bench output. A figure beyond its recorded range by more
 * than the margin is called slower (or faster); inside it, or within the margin, it is not.
 */

const range = { low: 2.0, high: 2.4, unit: '×', runs: 3 };

test('a figure beyond the recorded range by more than the margin is reported slower or faster', () => {
  assert.equal(verdictOf(2.2, range), 'within the recorded range');
  assert.equal(verdictOf(2.4 * (1 + NOISE_MARGIN) - 0.001, range), 'within the recorded range');
  assert.match(verdictOf(3.0, range), /^\*\*slower than recorded: \+25 % over the highest\*\*$/);
  assert.match(verdictOf(1.5, range), /^faster than recorded: −25 % under the lowest$/);
  assert.equal(verdictOf(1.5, undefined), 'not recorded yet');
});

test('the report prints each figure with its verdict; RECORD=1 widens the ranges, except with a figure reported slower', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recorded-'));
  const file = join(dir, 'recorded.json');
  try {
    writeFileSync(file, JSON.stringify({ demo: { recorded: 'earlier', figures: { 'S2 ÷ floor': range } } }));
    const module = new URL('../../bench/recorded-figures.js', import.meta.url).href;
    const script = `
      const { reportAgainstRecorded } = await import(${JSON.stringify(module)});
      reportAgainstRecorded('demo', [
        { name: 'S2 ÷ floor', value: 3, unit: '×' },
        { name: 'heap', value: 2.9, unit: 'MiB' },
      ]);`;
    const run = (record: string) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, RECORDED_FIGURES_FILE: file, RECORD: record },
      });
    const figuresInFile = () =>
      (JSON.parse(readFileSync(file, 'utf8')) as { demo: { figures: Record<string, unknown> } }).demo.figures;
    const plain = run('');
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(
      plain.stdout,
      /\| S2 ÷ floor \| 3\.00 × \| 2\.00 × – 2\.40 × \| 3 \| \*\*slower than recorded/,
    );
    assert.match(plain.stdout, /\| heap \| 2\.90 MiB \| — \| 0 \| not recorded yet \|/);
    assert.deepEqual(figuresInFile()['S2 ÷ floor'], range);

    // RECORD=1 adds the new figure but does not let a figure reported slower widen its own range.
    const recorded = run('1');
    assert.equal(recorded.status, 0, recorded.stderr);
    assert.match(
      recorded.stdout,
      /Not recorded, being slower than recorded \(RECORD=all records them\): S2 ÷ floor/,
    );
    assert.deepEqual(figuresInFile()['S2 ÷ floor'], range);
    assert.deepEqual(figuresInFile().heap, { low: 2.9, high: 2.9, unit: 'MiB', runs: 1 });

    const all = run('all');
    assert.equal(all.status, 0, all.stderr);
    assert.deepEqual(figuresInFile()['S2 ÷ floor'], { low: 2, high: 3, unit: '×', runs: 4 });
    assert.deepEqual(figuresInFile().heap, { low: 2.9, high: 2.9, unit: 'MiB', runs: 2 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed file holds a range for every figure it names, low ≤ high', () => {
  const recorded = JSON.parse(
    readFileSync(new URL('../../../bench/recorded-figures.json', import.meta.url), 'utf8'),
  ) as Record<string, { figures: Record<string, { low: number; high: number; runs: number }> }>;
  assert.ok(Object.keys(recorded).length > 0);
  for (const [bench, { figures }] of Object.entries(recorded)) {
    for (const [name, { low, high, runs }] of Object.entries(figures)) {
      assert.ok(low > 0 && low <= high && runs >= 1, `${bench}: ${name}`);
    }
  }
});
