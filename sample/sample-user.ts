import type { IncomingHttpHeaders } from 'node:http';
import { defineArguments, isFlagUser, string } from '../lib/core/index.js';

/** The sample's users: FeatBit-style (a `key`), identified by request headers. */
export interface SampleUser {
  key: string;
  name: string;
  plan: string;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * The module's `inputs` factory: the user named by `x-user-id` (plan from `x-user-plan`, default `free`). Works on
 * Express and Fastify alike: both requests carry Node's `headers`.
 */
export function userFromRequest(request: { headers: IncomingHttpHeaders }): SampleUser[] {
  const id = header(request.headers, 'x-user-id');
  return id === undefined
    ? []
    : [{ key: id, name: id, plan: header(request.headers, 'x-user-plan') ?? 'free' }];
}

/** What switch conditions may read from a user (Gutter's argument). */
export const UserArguments = defineArguments({
  name: 'User',
  appliesIf: (input: unknown): input is SampleUser => isFlagUser(input),
  attributes: { plan: string<SampleUser>('plan'), key: string<SampleUser>('key') },
});
