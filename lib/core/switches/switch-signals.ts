import type { SwitchyardLogger } from '../logger.js';
import { Signal } from '../signal.js';
import type { Condition } from './condition.js';
import type { Switch, SwitchChanges } from './switch.js';

/** Payload of `updated$`: the stored switch and what the update changed. @publicApi */
export interface SwitchUpdated {
  readonly switch: Switch;
  readonly changes: SwitchChanges;
}

/** Payload of `conditionApplyError$`. @publicApi */
export interface ConditionApplyError {
  readonly condition: Condition;
  readonly input: unknown;
  readonly error: unknown;
}

/** Payload of `active$`: a switch found active for one input. @publicApi */
export interface SwitchActiveForInput {
  readonly switch: Switch;
  readonly input: unknown;
}

/**
 * Gutter's six signals as observables, shared by a manager and its namespaced managers. Switches in payloads
 * are the stored, frozen instances: read them, copy them with `clone()` to edit.
 * @publicApi
 */
export class SwitchSignals {
  readonly registered$: Signal<Switch>;
  readonly unregistered$: Signal<Switch>;
  readonly updated$: Signal<SwitchUpdated>;
  readonly conditionApplyError$: Signal<ConditionApplyError>;
  readonly checked$: Signal<Switch>;
  readonly active$: Signal<SwitchActiveForInput>;

  constructor(logger?: SwitchyardLogger) {
    this.registered$ = new Signal('registered', logger);
    this.unregistered$ = new Signal('unregistered', logger);
    this.updated$ = new Signal('updated', logger);
    this.conditionApplyError$ = new Signal('conditionApplyError', logger);
    this.checked$ = new Signal('checked', logger);
    this.active$ = new Signal('active', logger);
  }
}
