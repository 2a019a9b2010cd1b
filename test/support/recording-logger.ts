import type { SwitchyardLogger } from '../../lib/core/logger.js';

type Level = 'error' | 'warn' | 'log' | 'debug';

/** A logger that keeps every message with its level, for tests that assert on what was logged. */
export class RecordingLogger implements SwitchyardLogger {
  readonly lines: Array<{ level: Level; message: string }> = [];
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  log(message: string): void {
    this.lines.push({ level: 'log', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  /** The messages logged at `level`, in order. */
  messages(level: Level): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }
  /** Same as `messages`. */
  at(level: Level): string[] {
    return this.messages(level);
  }
}
