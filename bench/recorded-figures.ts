/**
 * Regressions made visible (issue 16: "regressions beyond noise fail nothing in CI but are visible in the bench
 * output"). A benchmark hands its key figures to {@link reportAgainstRecorded}; each is compared with the range
 * recorded in `bench/recorded-figures.json` over earlier runs, and the output says, per figure, whether this run
 * is within that range, slower or faster beyond it. Figures are ratios to a floor or a peer measured in the same
 * run wherever one exists (the host's speed cancels out), so a figure recorded on one machine still means
 * something on another; absolute figures (bytes) are marked as such.
 *
 * `RECORD=1` widens the recorded ranges with this run's figures (new figures are added) and writes the file, except
 * for figures reported slower, which only `RECORD=all` records: run it a few times on a quiet machine after a
 * deliberate change, and commit the file with the change.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

/** One figure of this run. Lower is better for every figure reported here. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  /** How the value reads: `×` for a ratio, `MiB`, … */
  readonly unit: string;
}

interface RecordedRange {
  readonly low: number;
  readonly high: number;
  readonly unit: string;
  /** Runs that made the range. */
  readonly runs: number;
}

interface RecordedBench {
  /** Machine, Node and date of the runs behind the ranges. */
  readonly recorded: string;
  readonly figures: Record<string, RecordedRange>;
}

/** Beyond the recorded range by more than this share, a figure is reported as a regression (or a gain). */
export const NOISE_MARGIN = 0.1;

// The JSON lives beside the sources (build/bench/../../bench), so that recording writes the committed file.
// RECORDED_FIGURES_FILE points elsewhere (the tests use it).
const fileOf = (): string =>
  process.env.RECORDED_FIGURES_FILE ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'recorded-figures.json');

function readRecorded(): Record<string, RecordedBench> {
  const file = fileOf();
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, RecordedBench>;
}

/** How `value` stands against `range`: within, slower (a regression) or faster, by the margin. */
export function verdictOf(value: number, range: RecordedRange | undefined): string {
  if (range === undefined) return 'not recorded yet';
  if (value > range.high * (1 + NOISE_MARGIN)) {
    return `**slower than recorded: +${(100 * (value / range.high - 1)).toFixed(0)} % over the highest**`;
  }
  if (value < range.low * (1 - NOISE_MARGIN)) {
    return `faster than recorded: −${(100 * (1 - value / range.low)).toFixed(0)} % under the lowest`;
  }
  return 'within the recorded range';
}

const round = (value: number): number => Number(value.toPrecision(4));

const show = (value: number, unit: string): string =>
  `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${unit}`;

/**
 * Prints `figures` against the ranges recorded for `bench`, and with `RECORD=1` in the environment widens those
 * ranges with them and writes the file.
 */
export function reportAgainstRecorded(bench: string, figures: readonly Figure[]): void {
  const all = readRecorded();
  const recorded = all[bench];
  console.log(
    `\n### Against the recorded figures (bench/recorded-figures.json; beyond the range by more than ` +
      `${100 * NOISE_MARGIN} % is reported)\n`,
  );
  if (recorded !== undefined) console.log(`Recorded: ${recorded.recorded}.\n`);
  console.log('| figure | this run | recorded range | runs | verdict |');
  console.log('|---|---:|---:|---:|---|');
  for (const { name, value, unit } of figures) {
    const range = recorded?.figures[name];
    console.log(
      `| ${name} | ${show(value, unit)} | ${range === undefined ? '—' : `${show(range.low, unit)} – ${show(range.high, unit)}`} | ` +
        `${range?.runs ?? 0} | ${verdictOf(value, range)} |`,
    );
  }
  const record = process.env.RECORD;
  if (record !== '1' && record !== 'all') return;
  const merged: Record<string, RecordedRange> = { ...(recorded?.figures ?? {}) };
  const kept: string[] = [];
  for (const { name, value, unit } of figures) {
    const range = merged[name];
    // A figure reported slower is a finding, not noise: it widens the range only when asked (RECORD=all).
    if (record !== 'all' && range !== undefined && value > range.high * (1 + NOISE_MARGIN)) {
      kept.push(name);
      continue;
    }
    merged[name] =
      range === undefined
        ? { low: round(value), high: round(value), unit, runs: 1 }
        : {
            low: round(Math.min(range.low, value)),
            high: round(Math.max(range.high, value)),
            unit,
            runs: range.runs + 1,
          };
  }
  const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}`;
  all[bench] = { recorded: `${new Date().toISOString().slice(0, 10)}, ${machine}`, figures: merged };
  writeFileSync(fileOf(), `${JSON.stringify(all, null, 2)}\n`);
  console.log(`\nRECORD=${record}: the ranges of '${bench}' now include this run (${fileOf()}).`);
  if (kept.length > 0) {
    console.log(`Not recorded, being slower than recorded (RECORD=all records them): ${kept.join('; ')}.`);
  }
}
