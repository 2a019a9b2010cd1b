/**
 * Helpers of the admin API tests: a real Nest app (Express or Fastify) with FeatureFlagModule and
 * FeatureFlagAdminModule, documents to write, and a storage that can be told to fail.
 */
import 'reflect-metadata';
import type { DynamicModule, INestApplication, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { FeatureFlagAdminModule, type FeatureFlagAdminModuleOptions } from '../../lib/admin.js';
import { FeatureFlagModule, type FeatureFlagModuleOptions } from '../../lib/index.js';
import { silentLogger } from '../../lib/core/logger.js';
import type { FlagStorage, StorageBatch, StoredRecord } from '../../lib/core/store/flag-storage.interface.js';
import type { AuditEntry, AuditQuery } from '../../lib/core/store/audit-entry.js';
import { MemoryStorage } from '../../lib/core/store/memory.storage.js';

export { platforms, type Platform } from '../nest/fixtures.js';
import type { Platform } from '../nest/fixtures.js';

/** The admin API keys of the tests. */
export const WRITER_KEY = 'writer-key-0123456789';
export const READER_KEY = 'reader-key-0123456789';
export const PLAIN_KEY = 'plainkey-0123456789';

export const ADMIN = '/switchyard/api';

export const defaultAuth: FeatureFlagAdminModuleOptions['auth'] = {
  apiKeys: [{ key: WRITER_KEY, actor: 'ann' }, { key: READER_KEY, actor: 'rob', readOnly: true }, PLAIN_KEY],
};

export interface AdminAppOptions {
  readonly admin?: Partial<FeatureFlagAdminModuleOptions>;
  /** Another admin module than `forRoot({ auth: defaultAuth, ...admin })` (e.g. `forRootAsync`). */
  readonly adminModule?: DynamicModule;
  readonly flags?: FeatureFlagModuleOptions;
  /** Limit of the platform's own body parser (bytes); the platforms' defaults otherwise. */
  readonly platformBodyLimit?: number;
  readonly imports?: ModuleMetadata['imports'];
  /** `app.setGlobalPrefix(...)` before the app starts. */
  readonly globalPrefix?: string;
  readonly providers?: ModuleMetadata['providers'];
}

/** A started app with the admin module on one platform (listening on an ephemeral port when `listen`). */
export async function createAdminApp(
  platform: Platform,
  options: AdminAppOptions = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      FeatureFlagModule.forRoot({ retainFlagDocuments: true, logger: silentLogger, ...options.flags }),
      options.adminModule ?? FeatureFlagAdminModule.forRoot({ auth: defaultAuth, ...options.admin }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  }).compile();
  const limit = options.platformBodyLimit;
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({
          logger: false,
          ...(limit === undefined ? {} : { bodyParser: false }),
        })
      : moduleRef.createNestApplication(new FastifyAdapter(limit === undefined ? {} : { bodyLimit: limit }), {
          logger: false,
        });
  if (platform === 'express' && limit !== undefined) {
    (app as unknown as { useBodyParser(type: string, options: object): void }).useBodyParser('json', {
      limit,
    });
  }
  if (options.globalPrefix !== undefined) app.setGlobalPrefix(options.globalPrefix);
  await app.init();
  if (platform === 'fastify') {
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  }
  return app;
}

/** A FeatBit flag to create (string variations, everyone gets control). */
export function checkoutFlag(key = 'checkout-v2'): Record<string, unknown> {
  return {
    key,
    name: 'Checkout v2',
    variationType: 'string',
    variations: [
      { id: 'v-control', value: 'control' },
      { id: 'v-treatment', value: 'treatment' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'v-control',
    fallthrough: { variations: [{ id: 'v-control', rollout: [0, 1] }] },
    exptIncludeAllTargets: true,
  };
}

/** A boolean flag on for everyone. */
export function booleanFlag(key: string): Record<string, unknown> {
  return {
    key,
    name: key,
    variationType: 'boolean',
    variations: [
      { id: 'on', value: 'true' },
      { id: 'off', value: 'false' },
    ],
    isEnabled: true,
    disabledVariationId: 'off',
    fallthrough: { variations: [{ id: 'on', rollout: [0, 1] }] },
  };
}

/**
 * A real MemoryStorage behind a switch: while `failing`, every write throws (as a storage that lost its disk or
 * its server does) and nothing is stored.
 */
export class FailingStorage implements FlagStorage {
  failing = false;
  attempts = 0;
  readonly inner = new MemoryStorage();
  get changes$(): FlagStorage['changes$'] {
    return this.inner.changes$;
  }
  load(): readonly StoredRecord[] {
    return this.inner.load();
  }
  write(batch: StorageBatch): void {
    this.attempts++;
    if (this.failing) throw new Error('disk unavailable (simulated)');
    this.inner.write(batch);
  }
  readAudit(query?: AuditQuery): readonly AuditEntry[] {
    return this.inner.readAudit(query);
  }
}

/** `Authorization: Bearer <key>`. */
export const bearer = (key: string = WRITER_KEY): [string, string] => ['Authorization', `Bearer ${key}`];
