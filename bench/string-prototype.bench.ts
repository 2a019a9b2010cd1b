/**
 * Why the hot path calls String methods through captured functions (see lib/core/flags/md5-dispatch.ts).
 *
 * Once any object has String.prototype as its prototype — ioredis' RESP decoder declares
 * `class VerbatimString extends String` when it is imported, so every app that uses ioredis is in this state —
 * V8 turns String.prototype into a dictionary and stops inlining `text.charCodeAt(i)`. This bench runs the
 * same code in two fresh processes, one clean and one with String.prototype made a prototype
 * (`Object.create(String.prototype)`), and times: our `dispatchHash` over 10,000 user keys (S3's hash), and
 * the same character loop written both ways (`text.charCodeAt(i)` and a captured `charCodeAt.call`).
 * Run: `node build/bench/string-prototype.bench.js`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { do_not_optimize, measure } from 'mitata';
import { dispatchHash } from '../lib/core/flags/md5-dispatch.js';

const MODES = ['clean', 'String.prototype is a prototype'] as const;
const mode = process.argv[2];

if (mode === undefined) {
  console.log(
    '\n| process | `dispatchHash(flagKey + userKey)` ns | loop with `text.charCodeAt(i)` ns | loop with captured `charCodeAt.call` ns |',
  );
  console.log('|---|---:|---:|---:|');
  for (const [index, name] of MODES.entries()) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(index)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('[')) {
      throw new Error(`child '${name}' failed (status ${child.status}): ${child.stderr || child.stdout}`);
    }
    const [hash, direct, captured] = JSON.parse(line) as number[];
    console.log(`| ${name} | ${hash.toFixed(1)} | ${direct.toFixed(1)} | ${captured.toFixed(1)} |`);
  }
} else {
  if (mode === '1') Object.create(String.prototype);
  const keys = Array.from({ length: 10_000 }, (_, i) => `flag-2user-${i}`);
  const charCodeAt = String.prototype.charCodeAt;
  const direct = (text: string): number => {
    let sum = 0;
    for (let i = 0; i < text.length; i++) sum = (sum * 31 + text.charCodeAt(i)) | 0;
    return sum;
  };
  const viaCall = (text: string): number => {
    let sum = 0;
    for (let i = 0; i < text.length; i++) sum = (sum * 31 + charCodeAt.call(text, i)) | 0;
    return sum;
  };
  let at = 0;
  const next = (): string => keys[(at = at === keys.length - 1 ? 0 : at + 1)];
  const options = { min_cpu_time: 300e6 };
  const hash = await measure(() => do_not_optimize(dispatchHash(next())), options);
  const plain = await measure(() => do_not_optimize(direct(next())), options);
  const captured = await measure(() => do_not_optimize(viaCall(next())), options);
  console.log(JSON.stringify([hash.p50, plain.p50, captured.p50]));
}
