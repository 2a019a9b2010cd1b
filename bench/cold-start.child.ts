/**
 * One cold start in a fresh process (issue 16): `node --expose-gc cold-start.child.js <scenario>` prints one JSON
 * line `{ scenario, nodeMs, importMs, firstEvaluationMs, heapMiB }`:
 * - nodeMs: from the process's time origin to this module's first line (Node's own start-up);
 * - importMs: the dynamic import of what the scenario needs (our `lib/index.js`, or the peer's SDK);
 * - firstEvaluationMs: from constructing the client (flags text already in memory where the scenario says so)
 *   to the first answer of flag `flag-1` (a 3-condition rule) for the matching user, checked to be `true`;
 * - heapMiB: heap used after that answer (not collected first: what the process holds at that moment).
 * Floors: `floor-json-parse` (JSON.parse of the flags text alone), `floor-redis` (ioredis: the same read as
 * RedisStorage, each record parsed), `floor-redis-read` (that read with nothing parsed: ioredis and Redis alone) and `floor-stream` (a bare `ws` client: the full sync
 * received and parsed, nothing stored) time what no SDK of this protocol can skip.
 * Env: FLAGS_FILE (FeatBit `latest-all` JSON), PEER_FILE (the peer's own JSON), PORT + SECRET (a FlagServer in
 * another process serving the same flags), REDIS_URL + PREFIX (a RedisStorage holding them).
 */
import { readFileSync } from 'node:fs';
import { MATCHING_USER, silentPeerLogger } from './peers/scenario.js';

const nodeMs = performance.now();
const scenario = process.argv[2] ?? '';
const KEY = 'flag-1';
const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new TypeError(`cold-start child: ${name} is not set`);
  return value;
};

interface ColdStart {
  /** Loads what the scenario needs (timed as importMs). */
  importModules(): Promise<unknown>;
  /** Reads inputs that an application would already hold (not timed). */
  prepare?(): unknown;
  /** From nothing to the first answer. */
  run(modules: never, prepared: never): Promise<boolean>;
}

/**
 * The read RedisStorage makes at start-up (GET of the write counter and HGETALL in one MULTI), with a new ioredis
 * connection: the hash's fields and values, alternating, none parsed.
 */
async function readRedisRecords(Redis: typeof import('ioredis').Redis): Promise<string[]> {
  const tag = `{${env('PREFIX')}}`;
  const redis = new Redis(env('REDIS_URL'));
  const replies = await redis.multi().get(`${tag}:version`).call('HGETALL', `${tag}:records`).exec();
  redis.disconnect();
  return (replies?.[1]?.[1] ?? []) as string[];
}

type Lib = typeof import('../lib/index.js');
const lib = (): Promise<Lib> => import('../lib/index.js');

const SCENARIOS: Record<string, ColdStart> = {
  'switchyard-stream': {
    importModules: lib,
    async run({ FeatureFlagClient, silentLogger }: Lib) {
      const client = new FeatureFlagClient({
        envSecret: env('SECRET'),
        streamingUri: `ws://127.0.0.1:${env('PORT')}`,
        startWait: 30_000,
        logger: silentLogger,
      });
      await client.waitForInitialization();
      return client.boolVariation(KEY, MATCHING_USER, false);
    },
  },
  'switchyard-redis': {
    // ioredis is loaded before the timer, as the floors load it: RedisStorage would otherwise load it on
    // construction (lib/core/lazy-module.ts) and the row would time module loading that its floor does not.
    importModules: async () => {
      await import('ioredis');
      return lib();
    },
    async run({ FeatureFlagClient, RedisStorage, silentLogger }: Lib) {
      const storage = new RedisStorage({
        url: env('REDIS_URL'),
        prefix: env('PREFIX'),
        logger: silentLogger,
      });
      const client = new FeatureFlagClient({ storage, logger: silentLogger });
      await client.waitForInitialization();
      return client.boolVariation(KEY, MATCHING_USER, false);
    },
  },
  'switchyard-bootstrap-file': {
    importModules: lib,
    async run({ FeatureFlagClient, silentLogger }: Lib) {
      const client = new FeatureFlagClient({
        offline: true,
        bootstrapFile: env('FLAGS_FILE'),
        logger: silentLogger,
      });
      await client.waitForInitialization();
      return client.boolVariation(KEY, MATCHING_USER, false);
    },
  },
  'switchyard-bootstrap-text': {
    importModules: lib,
    prepare: () => readFileSync(env('FLAGS_FILE'), 'utf8'),
    async run({ FeatureFlagClient, silentLogger }: Lib, text: string) {
      const client = new FeatureFlagClient({ offline: true, bootstrap: text, logger: silentLogger });
      await client.waitForInitialization();
      return client.boolVariation(KEY, MATCHING_USER, false);
    },
  },
  'switchyard-bootstrap-object': {
    importModules: lib,
    prepare: () => JSON.parse(readFileSync(env('FLAGS_FILE'), 'utf8')) as unknown,
    async run({ FeatureFlagClient, silentLogger }: Lib, object: unknown) {
      const client = new FeatureFlagClient({ offline: true, bootstrap: object, logger: silentLogger });
      await client.waitForInitialization();
      return client.boolVariation(KEY, MATCHING_USER, false);
    },
  },
  'featbit-stream': {
    importModules: () => import('./peers/featbit.js'),
    async run({ FbClientBuilder, featbitUser }: typeof import('./peers/featbit.js')) {
      const client = new FbClientBuilder({ logger: silentPeerLogger })
        .sdkKey(env('SECRET'))
        .streamingUri(`ws://127.0.0.1:${env('PORT')}`)
        .eventsUri(`http://127.0.0.1:${env('PORT')}`)
        .disableEvents(true)
        .startWaitTime(30_000)
        .build();
      await client.waitForInitialization();
      return client.boolVariation(KEY, featbitUser(MATCHING_USER), false);
    },
  },
};

// Floors (no SDK): what any FeatBit-protocol SDK pays for these 10,000 flags before it can store one of them.
Object.assign(SCENARIOS, {
  'floor-json-parse': {
    importModules: () => Promise.resolve(undefined),
    prepare: () => readFileSync(env('FLAGS_FILE'), 'utf8'),
    run(_: never, text: string) {
      const parsed = JSON.parse(text) as { data: { featureFlags: unknown[] } };
      return Promise.resolve(parsed.data.featureFlags.length > 0);
    },
  },
  'floor-redis': {
    importModules: () => import('ioredis'),
    async run({ Redis }: typeof import('ioredis')) {
      const fields = await readRedisRecords(Redis);
      let records = 0;
      for (let i = 1; i < fields.length; i += 2) if ((JSON.parse(fields[i]) as object) !== null) records++;
      return records > 0;
    },
  },
  'floor-redis-read': {
    importModules: () => import('ioredis'),
    async run({ Redis }: typeof import('ioredis')) {
      return (await readRedisRecords(Redis)).length > 0;
    },
  },
  'floor-stream': {
    importModules: () => Promise.all([import('ws'), import('../lib/sync/featbit-token.js')]),
    run([{ WebSocket }, { buildConnectionToken }]: [
      typeof import('ws'),
      typeof import('../lib/sync/featbit-token.js'),
    ]) {
      const socket = new WebSocket(
        `ws://127.0.0.1:${env('PORT')}/streaming?type=server&token=${buildConnectionToken(env('SECRET'))}`,
        { perMessageDeflate: false },
      );
      return new Promise<boolean>((resolve, reject) => {
        socket.on('open', () =>
          socket.send(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0 } })),
        );
        socket.on('error', reject);
        socket.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString('utf8')) as { data?: { featureFlags?: unknown[] } };
          socket.terminate();
          resolve((message.data?.featureFlags?.length ?? 0) > 0);
        });
      });
    },
  },
} satisfies Record<string, ColdStart>);

// Peers loaded from their own bootstrap format, through the adapters flag-peers uses (bench/peers).
const peerJson = (): string => readFileSync(env('PEER_FILE'), 'utf8');
Object.assign(SCENARIOS, {
  'featbit-bootstrap': {
    importModules: () => import('./peers/featbit.js'),
    prepare: peerJson,
    async run({ featbitPeer, featbitUser }: typeof import('./peers/featbit.js'), json: string) {
      const { handle } = await featbitPeer.load(json);
      return handle.boolVariation(KEY, featbitUser(MATCHING_USER), false);
    },
  },
  'launchdarkly-bootstrap': {
    importModules: () => import('./peers/launchdarkly.js'),
    prepare: peerJson,
    async run(
      { launchDarklyPeer, launchDarklyContext }: typeof import('./peers/launchdarkly.js'),
      json: string,
    ) {
      const { handle } = await launchDarklyPeer.load(json);
      return (await handle.client.variation(KEY, launchDarklyContext(MATCHING_USER), false)) === true;
    },
  },
  'growthbook-bootstrap': {
    importModules: () => import('./peers/growthbook.js'),
    prepare: peerJson,
    async run(
      { growthBookPeer, growthBookUserContext }: typeof import('./peers/growthbook.js'),
      json: string,
    ) {
      const { handle } = await growthBookPeer.load(json);
      return handle.isOn(KEY, growthBookUserContext(MATCHING_USER));
    },
  },
  'unleash-bootstrap': {
    importModules: () => import('./peers/unleash.js'),
    prepare: peerJson,
    async run({ unleashPeer, unleashContext }: typeof import('./peers/unleash.js'), json: string) {
      const { handle } = await unleashPeer.load(json);
      return handle.isEnabled(KEY, unleashContext(MATCHING_USER));
    },
  },
  'openfeature-bootstrap': {
    importModules: () => import('./peers/openfeature.js'),
    prepare: peerJson,
    async run(
      { openFeaturePeer, openFeatureContext }: typeof import('./peers/openfeature.js'),
      json: string,
    ) {
      const { handle } = await openFeaturePeer.load(json);
      return handle.client.getBooleanValue(KEY, false, openFeatureContext(MATCHING_USER));
    },
  },
} satisfies Record<string, ColdStart>);

const chosen = SCENARIOS[scenario];
if (chosen === undefined) throw new TypeError(`cold-start child: unknown scenario '${scenario}'`);
const prepared = chosen.prepare?.();
const importStart = performance.now();
const modules = await chosen.importModules();
const start = performance.now();
const answer = await chosen.run(modules as never, prepared as never);
const end = performance.now();
if (answer !== true) throw new Error(`cold-start child: ${scenario} answered ${String(answer)} for ${KEY}`);
process.stdout.write(
  `${JSON.stringify({
    scenario,
    nodeMs,
    importMs: start - importStart,
    firstEvaluationMs: end - start,
    heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
  })}\n`,
);
process.exit(0);
