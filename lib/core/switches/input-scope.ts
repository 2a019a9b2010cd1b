import { AsyncLocalStorage } from 'node:async_hooks';
import { NoInputScopeError } from '../errors.js';

interface ScopeState {
  inputs: readonly unknown[];
  /** Switches found active in this scope, when someone asked to note them (a response header lists them). */
  activeSwitches?: Set<string>;
}

const EMPTY: readonly unknown[] = Object.freeze([]);
const EMPTY_NAMES: readonly string[] = Object.freeze([]);

/**
 * Per-request global inputs (Gutter's `input()` / `flush()`), carried by AsyncLocalStorage so that concurrent
 * requests never see each other's inputs (docs/gutter-semantics.md §4.9). Shared by a manager, its namespaced managers and the client.
 * @publicApi
 */
export class InputScope {
  private readonly storage = new AsyncLocalStorage<ScopeState>();

  /** Runs `fn` in a fresh scope with no inputs (or the given ones); everything `fn` awaits stays in it. */
  run<T>(fn: () => T, inputs: readonly unknown[] = EMPTY): T {
    return this.storage.run({ inputs }, fn);
  }

  /** True inside a scope. */
  get active(): boolean {
    return this.storage.getStore() !== undefined;
  }

  /** The current scope's inputs (empty outside a scope). */
  get inputs(): readonly unknown[] {
    return this.storage.getStore()?.inputs ?? EMPTY;
  }

  /** Replaces the current scope's inputs. */
  set(inputs: readonly unknown[]): void {
    this.state().inputs = Object.freeze([...inputs]);
  }

  /** Adds inputs to the current scope's. */
  add(inputs: readonly unknown[]): void {
    const state = this.state();
    state.inputs = Object.freeze([...state.inputs, ...inputs]);
  }

  /** Notes a switch found active in the current scope (a no-op outside a scope). */
  noteActive(name: string): void {
    const state = this.storage.getStore();
    if (state !== undefined) (state.activeSwitches ??= new Set()).add(name);
  }

  /** The switches noted active in the current scope, in the order first found, each once. */
  get activeSwitches(): readonly string[] {
    const noted = this.storage.getStore()?.activeSwitches;
    return noted === undefined ? EMPTY_NAMES : [...noted];
  }

  /** Clears the current scope's inputs. */
  flush(): void {
    this.state().inputs = EMPTY;
  }

  private state(): ScopeState {
    const state = this.storage.getStore();
    if (!state) throw new NoInputScopeError();
    return state;
  }
}
