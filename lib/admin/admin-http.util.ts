import type { WriteOptions } from '../core/store/store-writer.js';
import { BadRequestException } from '@nestjs/common';

/** The response methods both platforms share (Express `Response`, Fastify `FastifyReply`). */
export interface AdminResponse {
  header(name: string, value: string): unknown;
}

/** The `ETag` of a record version: `"<version>"`. */
export const etagOf = (version: number): string => `"${version}"`;

/** Sets the `ETag` of a record version on the response. */
export function setETag(response: AdminResponse, version: number): void {
  response.header('ETag', etagOf(version));
}

/**
 * The version an `If-Match` header names (`"<version>"`, also weak or unquoted), for `expectedVersion`; undefined
 * without the header or with `*`. Anything else is a 400 that says what to send.
 */
export function expectedVersionOf(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '' || ifMatch.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(ifMatch);
  if (!match) {
    throw new BadRequestException(
      `If-Match must be the ETag of the record you read (e.g. "1733312345678"), got ${JSON.stringify(ifMatch)}.`,
    );
  }
  return Number(match[1]);
}

/** A validated DTO as plain JSON (no class instances, no undefined fields), as the store keeps documents. */
export function toPlain<T>(dto: object): T {
  return JSON.parse(JSON.stringify(dto)) as T;
}

/** The writer's options of one request: who writes, and (with `If-Match`) the version the write is based on. */
export function writeOptionsOf(actor: string, ifMatch: string | undefined): WriteOptions {
  const expectedVersion = expectedVersionOf(ifMatch);
  return expectedVersion === undefined ? { actor } : { actor, expectedVersion };
}

/** A flag or segment body as the document to write: plain JSON, its `updatedAt` left to the writer. */
export function documentOf<T extends { updatedAt?: string }>(dto: object): T {
  const doc = toPlain<T>(dto);
  delete doc.updatedAt;
  return doc;
}
