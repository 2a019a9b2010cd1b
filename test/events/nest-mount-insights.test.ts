/**
 * The insight endpoint as middleware of a Nest (Express) app, `app.use(endpoint)`: behind Nest's JSON body parser
 * it takes the parsed body, and it passes every other path on to the app's routes. lib/events imports no Nest.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { test } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { silentLogger } from '../../lib/core/logger.js';
import { InsightCollector } from '../../lib/events/insight-collector.js';
import { createInsightEndpoint } from '../../lib/events/insight-endpoint.js';
import { SECRET } from './fixtures.js';

@Controller()
class HelloController {
  @Get('hello')
  hello(): string {
    return 'hi';
  }
}

@Module({ controllers: [HelloController] })
class AppModule {}

test('app.use(endpoint) in a Nest app: insights accepted behind the body parser, other routes still served', async () => {
  const app = await NestFactory.create(AppModule, { logger: false });
  const collector = new InsightCollector({ logger: silentLogger });
  app.use(createInsightEndpoint({ envSecrets: [SECRET], collector, logger: silentLogger }));
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  try {
    const insights = [
      {
        user: { keyId: 'u1', name: 'Ann', customizedProperties: [] },
        variations: [
          { featureFlagKey: 'f', variation: { id: 'v1', value: 'on' }, sendToExperiment: true, timestamp: 1 },
        ],
      },
      {
        user: { keyId: 'u1', name: 'Ann', customizedProperties: [] },
        metrics: [
          {
            route: 'index/metric',
            type: 'CustomEvent',
            eventName: 'buy',
            numericValue: 2,
            appType: 't',
            timestamp: 2,
          },
        ],
      },
    ];
    const posted = await fetch(`${base}/api/public/insight/track`, {
      method: 'POST',
      headers: { authorization: SECRET, 'content-type': 'application/json' },
      body: JSON.stringify(insights),
    });
    assert.equal(posted.status, 200);
    assert.deepEqual(await posted.json(), { accepted: 2, dropped: 0 });
    assert.equal(collector.results('f', { eventName: 'buy' }).conversions, 1);

    const refused = await fetch(`${base}/api/public/insight/track`, { method: 'POST', body: '[]' });
    assert.equal(refused.status, 401);

    const hello = await fetch(`${base}/hello`);
    assert.equal(await hello.text(), 'hi');

    const results = await fetch(`${base}/api/switchyard/experiments/f?event=buy`, {
      headers: { authorization: SECRET },
    });
    assert.equal(results.status, 200);
    assert.equal(((await results.json()) as { exposures: number }).exposures, 1);
  } finally {
    await app.close();
  }
});
