import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

/**
 * The Switchyard sample: `npm start` (Express on port 3000). `PORT=0` picks a free port, `PLATFORM=fastify`
 * runs it on Fastify. See sample/README.md for what to try.
 */
async function main(): Promise<void> {
  const platform = process.env.PLATFORM === 'fastify' ? 'fastify' : 'express';
  // Open SSE streams must not hold the shutdown: close their connections.
  const app =
    platform === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter({ forceCloseConnections: true }))
      : await NestFactory.create(AppModule, { forceCloseConnections: true });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  console.log(`Switchyard sample (${platform}) listening on http://localhost:${port}`);
}

await main();
