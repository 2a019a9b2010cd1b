/**
 * FlagServer mounted on a Nest app's own HTTP server (`attach(app.getHttpServer())`): the app keeps serving its
 * routes on the same port, and a streaming client syncs from /streaming. lib/server itself imports no Nest.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { get, type Server } from 'node:http';
import { test } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { nextValue, SECRET, stringFlag } from '../sync/fixtures.js';
import { streamingClient } from '../sync/client-factory.js';

/** A GET without keep-alive (a pooled socket would hold the Nest server open after the test). */
function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

@Controller()
class HelloController {
  @Get('hello')
  hello(): string {
    return 'hi';
  }
}

@Module({ controllers: [HelloController] })
class AppModule {}

test('attach() to a Nest app: same port serves the app routes and the streaming endpoint', async () => {
  const app = await NestFactory.create(AppModule, { logger: false });
  const flags = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
  flags.store.applySync({
    eventType: 'full',
    featureFlags: [stringFlag('banner', 'v1', 1000)],
    segments: [],
  });
  const httpServer = app.getHttpServer() as Server;
  flags.attach(httpServer);
  await app.listen(0, '127.0.0.1');
  const address = httpServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const client = streamingClient(port);
  try {
    assert.equal(await getText(`http://127.0.0.1:${port}/hello`), 'hi');

    assert.equal(await client.waitForInitialization(), true);
    assert.equal(client.stringVariation('banner', { key: 'u1' }, 'x'), 'v1');
    const change = nextValue(client.changes$, (c) => c.flagKeys.includes('banner'), 'banner change');
    flags.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('banner', 'v2', 2000)] });
    await change;
    assert.equal(client.stringVariation('banner', { key: 'u1' }, 'x'), 'v2');
  } finally {
    await client.close();
    await flags.close();
    await app.close();
  }
});
