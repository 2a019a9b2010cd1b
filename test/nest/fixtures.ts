import 'reflect-metadata';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FlagEvaluation } from '../../lib/core/flags/index.js';
import { isFlagUser } from '../../lib/core/flags/flag-user.js';
import { Condition, Equals, Switch, SwitchState, defineArguments, string } from '../../lib/core/index.js';
import type { InsightSink } from '../../lib/events/insight-sink.interface.js';

/** Both HTTP platforms every e2e test runs on. */
export const platforms = ['express', 'fastify'] as const;
export type Platform = (typeof platforms)[number];

/** A Nest app built from test metadata on one platform, initialised and ready for supertest. */
export async function createApp(platform: Platform, metadata: ModuleMetadata): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({ logger: false })
      : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  await app.init();
  if (platform === 'fastify') {
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  }
  return app;
}

/** The users of the tests: FeatBit-style `{ key, plan }`, identified by request headers. */
export interface TestUser {
  key: string;
  name: string;
  plan: string;
}

/** The tests' inputs factory: the user named by `x-user-id` (and `x-user-plan`), if any. */
export function userFromHeaders(request: {
  headers: Record<string, string | string[] | undefined>;
}): TestUser[] {
  const id = request.headers['x-user-id'];
  if (typeof id !== 'string') return [];
  const plan = request.headers['x-user-plan'];
  return [{ key: id, name: id, plan: typeof plan === 'string' ? plan : 'free' }];
}

/** A Gutter argument over those users. */
export const UserArguments = defineArguments({
  name: 'User',
  appliesIf: (input: unknown): input is TestUser => isFlagUser(input),
  attributes: { plan: string<TestUser>('plan'), key: string<TestUser>('key') },
});

/** A selective switch active for users whose `attribute` equals `value`. */
export function selectiveSwitch(name: string, attribute: 'plan' | 'key', value: string): Switch {
  return new Switch(name, {
    state: SwitchState.Selective,
    conditions: [new Condition({ argument: UserArguments, attribute, operator: Equals.create({ value }) })],
  });
}

/** An insight sink that records what it is given (the client's real interface). */
export class RecordingInsights implements InsightSink {
  readonly metrics: Array<{ user: unknown; event: string; value: number }> = [];
  readonly evaluations: Array<{ user: unknown; evaluation: FlagEvaluation }> = [];
  flushes = 0;
  closed = false;
  recordEvaluation(user: unknown, evaluation: FlagEvaluation): void {
    this.evaluations.push({ user, evaluation });
  }
  recordMetric(user: unknown, event: string, value: number): void {
    this.metrics.push({ user, event, value });
  }
  flush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.flushes++;
    this.closed = true;
    return Promise.resolve();
  }
}

export { RecordingLogger as CapturingLogger } from '../support/recording-logger.js';
