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

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

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
