/**
 * The `@SwitchActive()` guard over HTTP (docs/budgets.md: within 5 % of the same route behind an empty Nest guard).
 *
 * A real Nest app runs in a child process (this file with `--serve <platform> <module|bare>`) on 127.0.0.1;
 * autocannon loads it from this process. In the same run, on each platform:
 *   - `empty guard`: GET /empty, `@UseGuards(EmptyGuard)` (returns true), FeatureFlagModule loaded;
 *   - `@SwitchActive`: GET /switch, `@SwitchActive('bench_on')` on a global switch, same app;
 *   - `requestScope: false`: GET /empty on an app whose module starts no per-request scope;
 *   - `no module`: GET /empty on the same app without FeatureFlagModule.
 * The last two show what the per-request inputs scope (AsyncLocalStorage + inputs factory + flush on close)
 * costs a whole request.
 * Every request carries `x-user-id`, which the inputs factory turns into the request's user.
 *
 * Each scenario gets ~5 s after a warm-up, as 20 rounds of 0.25 s interleaved with the other scenarios (A B C,
 * then rotated and reversed), so that drift and the load of other processes fall on all of them alike. Besides requests per
 * second, the server reports its CPU time (process.cpuUsage) around each round: CPU µs per request is the
 * figure that stays stable on a shared machine, and its ratio is what the throughput ratio tends to when the
 * server is the bottleneck.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  Controller,
  Get,
  Injectable,
  Module,
  UseGuards,
  type CanActivate,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { silentLogger } from '../lib/core/logger.js';
import { Switch, SwitchState } from '../lib/core/index.js';
import { FeatureFlagModule, FlagInputs, SwitchActive, SwitchActiveGuard } from '../lib/nest/index.js';
import { median, printTimings, time } from './bench-util.js';

const ROUNDS = 20;
const ROUND_SECONDS = 0.25; // 20 rounds per scenario: ~5 s each
const WARMUP_SECONDS = 1.5;
const CONNECTIONS = 32;

@Injectable()
class EmptyGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

/** Both routes in one controller, so that they differ only by their guard. */
@Controller()
class HelloController {
  @Get('empty')
  @UseGuards(EmptyGuard)
  empty(): string {
    return 'hello';
  }

  @Get('switch')
  @SwitchActive('bench_on')
  guarded(): string {
    return 'hello';
  }
}

/** The same empty-guard route for the app without the module (no @SwitchActive route there). */
@Controller()
class BareController {
  @Get('empty')
  @UseGuards(EmptyGuard)
  empty(): string {
    return 'hello';
  }
}

const userFromHeader = (req: { headers: Record<string, string | string[] | undefined> }): unknown[] => {
  const id = req.headers['x-user-id'];
  return typeof id === 'string' ? [{ key: id, name: id }] : [];
};

function appModule(variant: string): DynamicModule {
  @Module({})
  class BenchModule {}
  const withFlags = variant !== 'bare';
  return {
    module: BenchModule,
    imports: withFlags
      ? [
          FeatureFlagModule.forRoot({
            inputs: userFromHeader,
            logger: silentLogger,
            requestScope: variant !== 'no-scope',
          }),
        ]
      : [],
    controllers: withFlags ? [HelloController] : [BareController],
    providers: [EmptyGuard],
  };
}

async function serve(platform: string, variant: string): Promise<void> {
  const module = appModule(variant);
  const app: INestApplication =
    platform === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(module, { logger: false });
  if (variant !== 'bare') {
    await app.get(FeatureFlagClient).register(new Switch('bench_on', { state: SwitchState.Global }));
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(`port ${port}\n`);
  process.on('message', () => {
    const usage = process.cpuUsage();
    process.send?.(usage.user + usage.system);
  });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

interface Server {
  child: ChildProcess;
  base: string;
}

async function startServer(platform: string, variant: string): Promise<Server> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', platform, variant], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /port (\d+)/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, base };
}

/** The server's CPU time so far, in µs. */
function serverCpu(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (micros) => resolve(micros as number));
    server.child.send('cpu');
  });
}

interface Round {
  requests: number;
  seconds: number;
  latencyMs: number;
  cpuMicros: number;
}

async function load(server: Server, url: string, seconds: number): Promise<Round> {
  const cpuBefore = await serverCpu(server);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'x-user-id': 'bench-user' },
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  const cpuMicros = (await serverCpu(server)) - cpuBefore;
  return {
    requests: result.requests.total,
    seconds: result.duration,
    latencyMs: result.latency.average,
    cpuMicros,
  };
}

interface Scenario {
  name: string;
  server: Server;
  url: string;
  rounds: Round[];
}

const perSecond = (s: Scenario): number =>
  s.rounds.reduce((sum, r) => sum + r.requests, 0) / s.rounds.reduce((sum, r) => sum + r.seconds, 0);
const latency = (s: Scenario): number => s.rounds.reduce((sum, r) => sum + r.latencyMs, 0) / s.rounds.length;
const cpuPerRequest = (s: Scenario): number =>
  s.rounds.reduce((sum, r) => sum + r.cpuMicros, 0) / s.rounds.reduce((sum, r) => sum + r.requests, 0);

/** The median over rounds of `s` against the baseline's round run next to it: robust to bursts of load. */
function roundRatio(s: Scenario, baseline: Scenario, of: (r: Round) => number): number {
  return median(s.rounds.map((r, i) => of(r) / of(baseline.rounds[i])));
}
const roundThroughput = (r: Round): number => r.requests / r.seconds;
const roundCpu = (r: Round): number => r.cpuMicros / r.requests;

async function benchPlatform(platform: string): Promise<void> {
  const withModule = await startServer(platform, 'module');
  const noScope = await startServer(platform, 'no-scope');
  const bare = await startServer(platform, 'bare');
  try {
    const empty: Scenario = {
      name: 'empty guard',
      server: withModule,
      url: `${withModule.base}/empty`,
      rounds: [],
    };
    const guarded: Scenario = {
      name: '@SwitchActive (global switch)',
      server: withModule,
      url: `${withModule.base}/switch`,
      rounds: [],
    };
    const scopeOff: Scenario = {
      name: 'empty guard, requestScope: false',
      server: noScope,
      url: `${noScope.base}/empty`,
      rounds: [],
    };
    const noModule: Scenario = {
      name: 'empty guard, no FeatureFlagModule',
      server: bare,
      url: `${bare.base}/empty`,
      rounds: [],
    };
    const all = [empty, guarded, scopeOff, noModule];
    for (const s of all) await load(s.server, s.url, WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      // Every scenario takes every position in turn (rotated, and reversed every other round): no scenario
      // always follows the same one.
      const rotated = [...all.slice(round % all.length), ...all.slice(0, round % all.length)];
      for (const s of round % 2 === 0 ? rotated : rotated.reverse())
        s.rounds.push(await load(s.server, s.url, ROUND_SECONDS));
    }

    console.log(
      `\n### ${platform} (${CONNECTIONS} connections, ${ROUNDS} × ${ROUND_SECONDS} s per scenario, interleaved)`,
    );
    console.log(
      '| scenario | req/s | mean latency ms | server CPU µs/req | req/s ÷ empty guard | CPU/req ÷ empty guard |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    const row = (s: Scenario): void =>
      console.log(
        `| ${s.name} | ${Math.round(perSecond(s)).toLocaleString('en-US')} | ${latency(s).toFixed(2)} | ${cpuPerRequest(s).toFixed(1)} | ${roundRatio(s, empty, roundThroughput).toFixed(3)} | ${roundRatio(s, empty, roundCpu).toFixed(3)} |`,
      );
    for (const s of all) row(s);
    const throughputRatio = roundRatio(guarded, empty, roundThroughput);
    const cpuRatio = 1 / roundRatio(guarded, empty, roundCpu);
    console.log(
      `@SwitchActive ÷ empty guard (median of interleaved rounds): req/s ${throughputRatio.toFixed(3)}, ` +
        `by server CPU per request ${cpuRatio.toFixed(3)} — budget ≥ 0.95`,
    );
  } finally {
    for (const server of [withModule, noScope, bare]) server.child.kill('SIGTERM');
  }
}

/** The guard and the inputs middleware alone, in process (mitata): what they add to a request, in ns. */
async function benchInProcess(): Promise<void> {
  const module = appModule('module');
  const app = await NestFactory.create(module, { logger: false });
  await app.init();
  const client = app.get(FeatureFlagClient);
  await client.register(new Switch('bench_on', { state: SwitchState.Global }));
  const guard = app.get(SwitchActiveGuard);
  const flagInputs = app.get(FlagInputs);
  const emptyGuard = new EmptyGuard();
  const context = new ExecutionContextHost([{}, {}], HelloController, HelloController.prototype.guarded);
  const request = { headers: { 'x-user-id': 'bench-user' } };
  const response = new EventEmitter();
  const next = (): void => {};
  const rows = await flagInputs.run(
    async () => [
      await time('empty guard canActivate', () => emptyGuard.canActivate()),
      await time('SwitchActiveGuard canActivate (global switch)', () => guard.canActivate(context)),
      await time('client.active(global switch), request user in scope', () => client.active('bench_on')),
    ],
    [{ key: 'bench-user', name: 'bench-user' }],
  );
  rows.push(
    await time('FlagInputs.enter (factory + scope + flush on close)', () => {
      flagInputs.enter(request, response, next);
      response.emit('close');
    }),
  );
  console.log('\n### in process (mitata)');
  printTimings(rows);
  await app.close();
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3], process.argv[4]);
} else {
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  await benchInProcess();
  for (const platform of ['express', 'fastify']) await benchPlatform(platform);
}
