import { Injectable, type OnModuleInit } from '@nestjs/common';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { Condition, Switch, SwitchState, operators } from '../lib/core/index.js';
import { UserArguments } from './sample-user.js';

/** A condition: the user's plan is `pro`. */
export const proUsers = (): Condition =>
  new Condition({
    argument: UserArguments,
    attribute: 'plan',
    operator: operators.equals({ value: 'pro' }),
  });

/** Registers the sample's switches in code at start-up (they live in the embedded in-memory store). */
@Injectable()
export class SampleSwitches implements OnModuleInit {
  constructor(private readonly flags: FeatureFlagClient) {}

  async onModuleInit(): Promise<void> {
    const { flags } = this;
    await flags.register(new Switch('new_homepage', { state: SwitchState.Global, label: 'New home page' }));
    await flags.register(
      new Switch('reports', {
        state: SwitchState.Selective,
        conditions: [proUsers()],
        label: 'Reports (pro only)',
      }),
    );
    await flags.register(new Switch('reports:export', { state: SwitchState.Global, label: 'Report export' }));
    await flags.register(
      new Switch('legacy_search', { state: SwitchState.Disabled, label: 'Old search page' }),
    );
    await flags.register(new Switch('gift_cards', { state: SwitchState.Disabled, label: 'Gift cards' }));
    await flags.register(
      new Switch('express_shipping', {
        state: SwitchState.Selective,
        conditions: [proUsers()],
        label: 'Express shipping',
      }),
    );
  }
}
