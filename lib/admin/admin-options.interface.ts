import type {
  CanActivate,
  ExecutionContext,
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
  Type,
} from '@nestjs/common';

/**
 * One API key of the admin API. Callers send it as `Authorization: Bearer <key>` or `x-api-key: <key>`.
 * @publicApi
 */
export interface AdminApiKey {
  /** The secret itself (compared in constant time). */
  readonly key: string;
  /** Who writes with this key, as the audit log records it. Default `api-key:<first 8 hex digits of the key's SHA-256>` (a fingerprint, not part of the key). */
  readonly actor?: string;
  /** This key may read but never write (every write route answers 403). */
  readonly readOnly?: boolean;
}

/**
 * How the admin API knows who calls. At least one of `apiKeys`, `guard` or `canActivate` is required: the module
 * refuses to start without (no anonymous writes). When several are given, a valid API key is enough; otherwise the
 * guard (then the function) decides.
 * @publicApi
 */
export interface FeatureFlagAdminAuth {
  /** Accepted API keys: plain strings or `{ key, actor, readOnly }`. */
  readonly apiKeys?: ReadonlyArray<string | AdminApiKey>;
  /**
   * A guard class (resolved from this module's injector, or created there) that authenticates the request, e.g. a
   * Passport `AuthGuard('jwt')`. Returning `false` answers 401.
   */
  readonly guard?: Type<CanActivate>;
  /** A function that authenticates the request; `false` answers 401. */
  readonly canActivate?: (context: ExecutionContext) => boolean | Promise<boolean>;
  /**
   * The actor recorded in the audit log for a request the guard or function let in. Default: `req.user`'s `id`,
   * `sub`, `username`, `email` or `name`, else `'admin'`. (API keys name their own actor.)
   */
  readonly actor?: AdminActorFactory;
  /**
   * Origins (`https://admin.example.com`) whose pages may write with credentials a browser sends by itself (the
   * console's session cookie, or what `guard`/`canActivate` read). Writes from pages of any other origin are refused
   * with 403 (cross-site request forgery); the console's own origin and callers that are not browsers (curl, a
   * server, an API key in a header) always pass. Default: none.
   */
  readonly trustedOrigins?: readonly string[];
}

/** Turns the request (Express `Request` or `FastifyRequest`) into the actor name of the audit log. @publicApi */
export type AdminActorFactory = {
  // Method syntax keeps the parameter bivariant: `(req: Request) => req.user.email` is accepted without casts.
  bivariance(request: unknown): string | undefined;
}['bivariance'];

/**
 * Options of `FeatureFlagAdminModule.forRoot()`.
 * @publicApi
 */
export interface FeatureFlagAdminOptions {
  /** How callers are authenticated (required: the module refuses to start without). */
  readonly auth: FeatureFlagAdminAuth;
  /** Refuse every write route with 403 (module-wide). Default `false`. */
  readonly readOnly?: boolean;
  /**
   * The largest request body accepted, in bytes; larger ones answer 413 before they are parsed where the platform
   * allows (Fastify), and by their `Content-Length` otherwise. Default 1 MiB. The platform's own parser limit
   * still applies (Express's JSON parser takes 100 KiB unless configured).
   */
  readonly bodyLimit?: number;
  /**
   * Add the admin routes and their bodies to the OpenAPI document when `@nestjs/swagger` is installed (it is
   * loaded lazily; without it nothing happens). Default `true`. See `documentSwitchyardAdmin()`.
   */
  readonly openApi?: boolean;
}

/** A class that builds the admin options, for `forRootAsync({ useClass })`. @publicApi */
export interface FeatureFlagAdminOptionsFactory {
  createFeatureFlagAdminOptions(): FeatureFlagAdminOptions | Promise<FeatureFlagAdminOptions>;
}

/**
 * Options of `FeatureFlagAdminModule.forRootAsync()`: `path` (routes are mounted before any factory runs), then one
 * of `useFactory` (with `inject`), `useClass` or `useExisting`.
 * @publicApi
 */
export interface FeatureFlagAdminAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Where the routes are mounted. Default `switchyard/api`. */
  readonly path?: string;
  /** The web console (see `FeatureFlagAdminModuleOptions.console`); set here, as routes are mounted first. */
  readonly console?: FeatureFlagConsoleOptions | false;
  readonly useFactory?: (...args: never[]) => FeatureFlagAdminOptions | Promise<FeatureFlagAdminOptions>;
  readonly inject?: Array<InjectionToken | OptionalFactoryDependency>;
  readonly useClass?: Type<FeatureFlagAdminOptionsFactory>;
  readonly useExisting?: Type<FeatureFlagAdminOptionsFactory>;
  /** More providers for this module, e.g. what a guard class or `useClass` needs. */
  readonly extraProviders?: Provider[];
}

/** Where the web console is served. @publicApi */
export interface FeatureFlagConsoleOptions {
  /** The console's URL path (below any global prefix). Default `switchyard`. */
  readonly path?: string;
  /** How long a sign-in with an API key lasts (the session cookie's lifetime), in seconds. Default 12 hours. */
  readonly sessionSeconds?: number;
}

/** `forRoot`'s options: the admin options and where to mount the routes. @publicApi */
export interface FeatureFlagAdminModuleOptions extends FeatureFlagAdminOptions {
  /** Where the routes are mounted (below any global prefix). Default `switchyard/api`. */
  readonly path?: string;
  /**
   * The web console, served at `console.path` (default `switchyard`); `false` serves none. Its page and scripts
   * hold no data: everything it shows comes from the admin API, behind `auth`.
   */
  readonly console?: FeatureFlagConsoleOptions | false;
}
