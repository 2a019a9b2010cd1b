import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is calling the admin API, as the auth guard established it. @publicApi */
export interface AdminIdentity {
  /** The name written into the audit log for this request's writes. */
  readonly actor: string;
  /** This caller may not write (a read-only API key). */
  readonly readOnly: boolean;
}

/** Where the guard leaves the identity on the request (Express `Request` or `FastifyRequest`). */
export const ADMIN_IDENTITY: unique symbol = Symbol('switchyard.adminIdentity');

/** The identity on a request (undefined before the guard ran). */
export function identityOf(request: unknown): AdminIdentity | undefined {
  return (request as { [ADMIN_IDENTITY]?: AdminIdentity } | undefined)?.[ADMIN_IDENTITY];
}

/** The actor of the current admin request (param decorator for the admin controllers). */
export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  return identityOf(context.switchToHttp().getRequest())?.actor ?? 'admin';
});
