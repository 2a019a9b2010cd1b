import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, type INestMicroservice, UseInterceptors } from '@nestjs/common';
import {
  ClientProxyFactory,
  MessagePattern,
  Payload,
  RpcException,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { userKeyOf } from '../../lib/core/flags/flag-user.js';
import {
  FeatureFlagModule,
  FlagInputs,
  FlagInputsInterceptor,
  FlagValue,
  SwitchActive,
} from '../../lib/nest/index.js';
import { UserArguments, selectiveSwitch, type TestUser } from './fixtures.js';
import { seededRandom } from '../support/seeded-random.js';

/** Seeded: the interleaving delays are the same on every run, so a failure reproduces. */
const jitter = seededRandom(54);

interface Message {
  user?: TestUser;
}

@Controller()
class ReportsHandler {
  constructor(
    private readonly flags: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
  ) {}

  @MessagePattern('report')
  @SwitchActive('pro_only')
  report(@Payload() message: Message): { for: string | undefined } {
    return { for: message.user?.key };
  }

  @MessagePattern('strict-report')
  @SwitchActive('pro_only', { exception: (name) => new RpcException(`${name} is off for you`) })
  strictReport(): string {
    return 'report';
  }

  @MessagePattern('whoami')
  @UseInterceptors(FlagInputsInterceptor)
  async whoami(@FlagValue('checkout-v2', 'control') variant: string): Promise<unknown> {
    await sleep(Math.floor(jitter() * 10));
    return { user: userKeyOf(this.flagInputs.user), pro: this.flags.active('pro_only'), variant };
  }
}

describe('microservice (TCP) context', () => {
  let app: INestMicroservice;
  let proxy: ClientProxy;

  before(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        FeatureFlagModule.forRoot({
          // For a message, the factory receives the message data (and the RPC execution context).
          inputs: (message: Message, context) =>
            context?.getType() === 'rpc' && message.user ? [message.user] : [],
          arguments: [UserArguments],
          bootstrap: {
            featureFlags: [
              {
                key: 'checkout-v2',
                updatedAt: '2024-01-01T00:00:00Z',
                variationType: 'string',
                variations: [
                  { id: 'c', value: 'control' },
                  { id: 't', value: 'treatment' },
                ],
                targetUsers: [{ keyIds: ['ann'], variationId: 't' }],
                rules: [],
                isEnabled: true,
                disabledVariationId: 'c',
                fallthrough: { variations: [{ id: 'c', rollout: [0, 1] }] },
              },
            ],
            segments: [],
          },
        }),
      ],
      controllers: [ReportsHandler],
    }).compile();
    app = moduleRef.createNestMicroservice({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
      logger: false,
    });
    await app.listen();
    await app.get(FeatureFlagClient).register(selectiveSwitch('pro_only', 'plan', 'pro'));
    const { port } = app.unwrap<Server>().address() as AddressInfo;
    proxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    await proxy.connect();
  });
  after(async () => {
    await proxy.close();
    await app.close();
  });

  const ann: TestUser = { key: 'ann', name: 'ann', plan: 'pro' };
  const bob: TestUser = { key: 'bob', name: 'bob', plan: 'free' };

  test('@SwitchActive judges with the inputs the factory reads from the message', async () => {
    assert.deepEqual(await firstValueFrom(proxy.send('report', { user: ann })), { for: 'ann' });
    await assert.rejects(
      firstValueFrom(proxy.send('report', { user: bob })),
      (error: { message?: string }) => {
        assert.equal(error.message, 'Forbidden resource', "Nest's own RPC refusal");
        return true;
      },
    );
  });

  test('the exception option gives the RPC caller a meaningful error', async () => {
    await assert.rejects(
      firstValueFrom(proxy.send('strict-report', { user: bob })),
      (error: { message?: string }) => {
        assert.equal(error.message, 'pro_only is off for you');
        return true;
      },
    );
  });

  test('FlagInputsInterceptor gives each concurrent message its own inputs, seen by services and @FlagValue', async () => {
    const users = Array.from({ length: 60 }, (_, i): TestUser => ({
      key: i === 0 ? 'ann' : `user-${i}`,
      name: `user-${i}`,
      plan: i % 3 === 0 ? 'pro' : 'free',
    }));
    const answers = await Promise.all(users.map((user) => firstValueFrom(proxy.send('whoami', { user }))));
    answers.forEach((answer, i) => {
      assert.deepEqual(answer, {
        user: users[i].key,
        pro: i % 3 === 0,
        variant: i === 0 ? 'treatment' : 'control',
      });
    });
  });
});
