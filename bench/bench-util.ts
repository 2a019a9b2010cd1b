/**
 * Small helpers shared by the benchmark files: time a synchronous function with mitata (batched, JIT-warmed,
 * outliers reported) and print rows of a plain table.
 */
import { do_not_optimize, measure } from 'mitata';

export interface Timing {
  readonly name: string;
  /** Mean nanoseconds per call. */
  readonly ns: number;
  readonly p99: number;
}

/** Times `fn` (called with no argument) and returns mean and p99 nanoseconds per call. */
export async function time(name: string, fn: () => unknown): Promise<Timing> {
  const stats = await measure(() => do_not_optimize(fn()), { min_cpu_time: 400 * 1e6 });
  return { name, ns: stats.avg, p99: stats.p99 };
}

export const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** Prints a table of timings: scenario, ns/op, ops/s, and the ratio to a baseline row when given. */
export function printTimings(rows: readonly Timing[], baseline?: Timing): void {
  console.log('| scenario | ns/op | p99 ns | ops/s |' + (baseline ? ' × ours |' : ''));
  console.log('|---|---:|---:|---:|' + (baseline ? '---:|' : ''));
  for (const row of rows) {
    const ratio = baseline ? ` ${(row.ns / baseline.ns).toFixed(1)} |` : '';
    console.log(
      `| ${row.name} | ${fmt(row.ns)} | ${fmt(row.p99)} | ${Math.round(1e9 / row.ns).toLocaleString('en-US')} |${ratio}`,
    );
  }
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ------------------------------------------------------------------ rounds (flag-peers, ecosystem)

/** One row of a rounds-based timing table. */
export interface Row {
  readonly name: string;
  /** Mean ns per call: the median of the rounds' means. */
  readonly ns: number;
  readonly p50: number;
  readonly p99: number;
  /** The lowest and highest round mean. */
  readonly low: number;
  readonly high: number;
}

const WARM_UP_MS = 100;
/** Rounds per row, each at least this much CPU time; the row reports the median round. */
export const ROUNDS = 5;
const ROUND_CPU_TIME_NS = 200e6;

/**
 * Times `measured` (a function written out at the call, so its call sites are its own) in {@link ROUNDS} rounds
 * and keeps the median of each statistic: on a shared host one interrupted round would otherwise decide a row.
 * When it returns a promise, mitata awaits each call before the next.
 */
export async function timeRow(name: string, measured: () => unknown): Promise<Row> {
  const until = performance.now() + WARM_UP_MS;
  while (performance.now() < until) {
    for (let i = 0; i < 64; i++) await measured();
  }
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    rounds.push(await measure(measured, { min_cpu_time: ROUND_CPU_TIME_NS }));
  }
  const means = rounds.map((stats) => stats.avg);
  return {
    name,
    ns: median(means),
    p50: median(rounds.map((stats) => stats.p50)),
    p99: median(rounds.map((stats) => stats.p99)),
    low: Math.min(...means),
    high: Math.max(...means),
  };
}

/** Prints rows with their ratio to the first one. */
export function printRows(title: string, rows: readonly Row[]): void {
  const baseline = rows[0];
  console.log(`\n### ${title}\n`);
  console.log('| implementation | ns/op | round means | p50 ns | p99 ns | ops/s | peer/ours |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const ratio = row.ns / baseline.ns;
    console.log(
      `| ${row.name} | ${fmt(row.ns)} | ${fmt(row.low)}–${fmt(row.high)} | ${fmt(row.p50)} | ${fmt(row.p99)} | ` +
        `${Math.round(1e9 / row.ns).toLocaleString('en-US')} | ${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)} |`,
    );
  }
}

/** A ratio of two timings measured in interleaved rounds: the median of the rounds' ratios, and their range. */
export interface PairedRatio {
  readonly ratio: number;
  readonly low: number;
  readonly high: number;
}

/**
 * `subject` ÷ `floor` measured as pairs: each round times one, then the other, and the ratio of the pair is kept;
 * the median of {@link PAIRED_ROUNDS} pairs is reported. A burst of load on the host then moves one pair, not
 * the verdict, where two rows timed a minute apart (and each noisy by 10–30 % on a shared machine) would move
 * their quotient by both errors. Both functions should be the ones already timed as rows (their call sites warm).
 */
export async function pairedRatio(subject: () => unknown, floor: () => unknown): Promise<PairedRatio> {
  const ratios: number[] = [];
  for (let round = 0; round < PAIRED_ROUNDS; round++) {
    const a = await measure(subject, { min_cpu_time: PAIRED_ROUND_CPU_TIME_NS });
    const b = await measure(floor, { min_cpu_time: PAIRED_ROUND_CPU_TIME_NS });
    ratios.push(a.avg / b.avg);
  }
  return { ratio: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
}

/** Pairs per {@link pairedRatio}, each side at least this much CPU time. */
export const PAIRED_ROUNDS = 9;
const PAIRED_ROUND_CPU_TIME_NS = 100e6;
