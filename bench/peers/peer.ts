/**
 * What every implementation of the peer comparison provides: its flags as JSON text in its own format, and a
 * loader that turns that text into a ready client the way an application would.
 */
import type { FlagKind } from './scenario.js';

/** A loaded flag set: the client (or provider) that holds it, ready to evaluate. */
export interface LoadedFlags<Handle> {
  readonly handle: Handle;
  /** Stops the client's timers, sockets and listeners. */
  close(): Promise<void>;
}

/** One implementation: its flag format and how it loads it. */
export interface PeerFormat<Handle> {
  /** Name shown in the tables. */
  readonly name: string;
  /** JSON text of `count` flags (flag i has key `keyAt(i)` and kind `kindAt(i)`), in this implementation's format. */
  json(count: number, keyAt: (index: number) => string, kindAt: (index: number) => FlagKind): string;
  /** Parses `json` and loads it into a new client (or provider); resolves once it answers with the flags. */
  load(json: string): Promise<LoadedFlags<Handle>>;
}
