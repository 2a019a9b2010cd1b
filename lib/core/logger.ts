/**
 * The logging contract of the engine. Nest's `Logger` satisfies it; so does `console`.
 * @publicApi
 */
export interface SwitchyardLogger {
  error(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  log(message: string, ...rest: unknown[]): void;
  debug?(message: string, ...rest: unknown[]): void;
}

/** The default logger: writes to the console with a `[switchyard]` prefix. */
export const consoleLogger: SwitchyardLogger = {
  error: (message, ...rest) => console.error(`[switchyard] ${message}`, ...rest),
  warn: (message, ...rest) => console.warn(`[switchyard] ${message}`, ...rest),
  log: (message, ...rest) => console.log(`[switchyard] ${message}`, ...rest),
};

/** A logger that drops everything (tests and benchmarks). */
export const silentLogger: SwitchyardLogger = { error() {}, warn() {}, log() {} };
