import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { FeatureFlagClient } from '../client/feature-flag-client.js';

/** Options of {@link FeatureFlagHealthIndicator.isHealthy}. @publicApi */
export interface FeatureFlagHealthOptions {
  /** How long the storage may take to answer its ping (ms). Default 1 000. */
  storageTimeoutMs?: number;
}

/** What the indicator reports under its key (besides `status`). @publicApi */
export interface FeatureFlagHealthDetails extends Record<string, unknown> {
  /** The client's state: `initializing`, `ok`, `interrupted` or `off`. */
  readonly state: string;
  /** `streaming` when a server feeds the client, `offline` for offline and embedded clients. */
  readonly mode: 'streaming' | 'offline';
  readonly initialized: boolean;
  /** When the last `data-sync` was applied (ISO time), null before the first and for offline clients. */
  readonly lastSyncAt: string | null;
  /** `none` without a storage; `reachable` or `unreachable` as its ping answered. */
  readonly storage: 'none' | 'reachable' | 'unreachable';
  /** Why it is down, when it is. */
  readonly message?: string;
}

/**
 * A `@nestjs/terminus` health indicator for the Switchyard client: **up** when the client is initialised and its
 * data source is live (`ok`), or it is intentionally offline (offline or embedded), and its storage (if any)
 * answers; **down** otherwise — still initialising, the stream interrupted (the last data keeps serving, but it
 * is no longer live), syncing stopped (`off`, e.g. a refused secret or a closed client), or the storage unreachable.
 * Details: `state`, `mode`, `initialized`, `lastSyncAt`, `storage`, and a `message` when down.
 *
 * Needs the optional peer `@nestjs/terminus` (import from `nest-switchyard/terminus`) and the
 * `FeatureFlagModule` (for the client):
 * ```ts
 * @Controller('health')
 * class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly flags: FeatureFlagHealthIndicator) {}
 *   @Get() @HealthCheck() check() { return this.health.check([() => this.flags.isHealthy('flags')]); }
 * }
 * @Module({ imports: [TerminusModule, FeatureFlagModule.forRoot({ ... })], controllers: [HealthController],
 *   providers: [FeatureFlagHealthIndicator] })
 * ```
 * @publicApi
 */
@Injectable()
export class FeatureFlagHealthIndicator {
  constructor(
    private readonly client: FeatureFlagClient,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** The client's health under `key` (default `switchyard`). Never throws: Terminus turns `down` into a 503. */
  async isHealthy<const Key extends string = 'switchyard'>(
    key: Key = 'switchyard' as Key,
    options: FeatureFlagHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const session = this.indicators.check(key);
    const client = this.client;
    const status = client.status;
    const mode = client.streaming ? 'streaming' : 'offline';
    const storage = await storageState(client, options.storageTimeoutMs ?? 1_000);
    const lastSyncAt = client.lastSyncAt;
    const details = {
      state: status.state,
      mode,
      initialized: status.initialized,
      lastSyncAt: lastSyncAt === undefined ? null : new Date(lastSyncAt).toISOString(),
      storage: storage.state,
    } satisfies FeatureFlagHealthDetails;
    const problem = !status.initialized
      ? `no flags yet (${status.state}${status.error ? `: ${status.error.message}` : ''})`
      : status.state !== 'ok'
        ? `${mode === 'streaming' ? 'the stream is' : 'the client is'} ${status.state}${status.error ? `: ${status.error.message}` : ''}`
        : storage.problem;
    return problem === undefined ? session.up(details) : session.down({ ...details, message: problem });
  }
}

async function storageState(
  client: FeatureFlagClient,
  timeoutMs: number,
): Promise<{ state: 'none' | 'reachable' | 'unreachable'; problem?: string }> {
  const storage = client.storage;
  if (storage === undefined) return { state: 'none' };
  if (storage.ping === undefined) return { state: 'reachable' };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => storage.ping?.()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { state: 'reachable' };
  } catch (error) {
    return {
      state: 'unreachable',
      problem: `the storage is unreachable: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
