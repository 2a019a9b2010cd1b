import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Injectable,
  NotFoundException,
  Param,
  Post,
  Redirect,
  Req,
  Res,
  StreamableFile,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { AdminAuthGuard } from '../admin-auth.guard.js';
import { crossSiteRefusal } from '../admin-csrf.js';
import { ADMIN_IDENTITY, identityOf, type AdminIdentity } from '../admin-identity.js';
import { AdminValidationPipe } from '../admin-validation.pipe.js';
import { FEATURE_FLAG_ADMIN_OPTIONS } from '../admin.constants.js';
import { ConsoleSignInDto } from '../dto/console-sign-in.dto.js';
import { matchingKey, type ResolvedAdminOptions } from '../resolve-admin-options.js';
import { ConsoleAssets, type ConsoleAsset } from './console-assets.js';
import {
  DEFAULT_CONSOLE_SESSION_SECONDS,
  cookiePathFor,
  issueConsoleSession,
  sessionCookie,
} from './console-session.js';

/** Where the console is served and where it finds the admin API. */
export interface ConsoleLocation {
  /** URL path of the console, without slashes at the ends (`switchyard`). */
  readonly path: string;
  /** URL path of the admin API, without slashes at the ends (`switchyard/api`). */
  readonly apiPath: string;
  /** How long a sign-in with an API key lasts, in seconds. */
  readonly sessionSeconds?: number;
}

interface ConsoleRequest {
  headers: Record<string, string | string[] | undefined>;
  protocol?: string;
  [ADMIN_IDENTITY]?: AdminIdentity;
}

const file = (asset: ConsoleAsset | undefined): StreamableFile => {
  if (asset === undefined) throw new NotFoundException('No such console file.');
  return new StreamableFile(asset.body, { type: asset.type, length: asset.body.length });
};

/**
 * Lets every request of the console page through, having recorded who the caller is (through the admin API's own
 * authentication), so that the page can answer the console or the sign-in form.
 */
@Injectable()
class ConsoleIdentityGuard implements CanActivate {
  private adminGuard: AdminAuthGuard | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // the admin module's own guard (another module of the app: found once, outside this module's scope)
    const adminGuard =
      this.adminGuard ?? this.moduleRef.get<AdminAuthGuard>(AdminAuthGuard, { strict: false });
    this.adminGuard = adminGuard;
    const found = await adminGuard.identify(context);
    if (found !== undefined)
      context.switchToHttp().getRequest<ConsoleRequest>()[ADMIN_IDENTITY] = found.identity;
    return true;
  }
}

/**
 * The console's page and files, at a path chosen at start-up (so the controller class is made per module). The page
 * is served to authenticated callers only (the admin API's credentials, or the session cookie a sign-in with an API
 * key sets); anyone else gets 401 and a sign-in form. The scripts and styles hold no data: every piece of data
 * comes from the admin API, behind the same authorisation. Every page carries a Content-Security-Policy that allows
 * nothing but the app's own origin.
 */
export function createConsoleController(location: ConsoleLocation): Type<unknown> {
  const assets = new ConsoleAssets();
  const sessionSeconds = location.sessionSeconds ?? DEFAULT_CONSOLE_SESSION_SECONDS;

  @Controller(location.path)
  class SwitchyardConsoleController {
    constructor(
      private readonly moduleRef: ModuleRef,
      private readonly adapterHost: HttpAdapterHost,
      private readonly config: ApplicationConfig,
    ) {}

    @Get()
    @UseGuards(ConsoleIdentityGuard)
    @Header('cache-control', 'no-store')
    @Header('x-content-type-options', 'nosniff')
    @Header('referrer-policy', 'no-referrer')
    @Header('x-frame-options', 'DENY')
    page(@Req() request: ConsoleRequest, @Res({ passthrough: true }) response: unknown): StreamableFile {
      const pages = assets.pages(this.path(location.path), this.path(location.apiPath));
      const adapter = this.adapterHost.httpAdapter;
      adapter.setHeader(response, 'content-security-policy', pages.contentSecurityPolicy);
      if (identityOf(request) !== undefined) return file(pages.page);
      adapter.status(response, 401);
      return file(pages.signIn);
    }

    @Get('index.html')
    @Redirect()
    index(): { url: string; statusCode: number } {
      return { url: this.path(location.path), statusCode: 301 };
    }

    @Get('assets/:name')
    @Header('cache-control', 'no-cache')
    @Header('x-content-type-options', 'nosniff')
    asset(@Param('name') name: string): StreamableFile {
      return file(assets.asset(name));
    }

    @Get('vendor/:name')
    @Header('cache-control', 'public, max-age=86400')
    @Header('x-content-type-options', 'nosniff')
    vendor(@Param('name') name: string): StreamableFile {
      return file(assets.vendorFile(name));
    }

    /** Signs the browser in with an API key: an HttpOnly session cookie (the key is not kept by the page). */
    @Post('session')
    @HttpCode(204)
    signIn(
      @Body(new AdminValidationPipe()) body: ConsoleSignInDto,
      @Req() request: ConsoleRequest,
      @Res({ passthrough: true }) response: unknown,
    ): void {
      // a page of another origin must not sign this browser in with its own key (login CSRF)
      const options = this.options();
      const refusal = crossSiteRefusal(request.headers, options.trustedOrigins);
      if (refusal !== undefined) throw new UnauthorizedException(`Refused: ${refusal}`);
      const key = matchingKey(options.apiKeys, body.key);
      if (key === undefined) throw new UnauthorizedException('Unknown API key.');
      this.setCookie(request, response, issueConsoleSession(key, Date.now(), sessionSeconds));
    }

    /** Signs the browser out (removes the session cookie). */
    @Delete('session')
    @HttpCode(204)
    signOut(@Req() request: ConsoleRequest, @Res({ passthrough: true }) response: unknown): void {
      this.setCookie(request, response, undefined);
    }

    private options(): ResolvedAdminOptions {
      return this.moduleRef.get<string, ResolvedAdminOptions>(FEATURE_FLAG_ADMIN_OPTIONS, { strict: false });
    }

    /** An absolute URL path of this app: below its global prefix, if it has one. */
    private path(below: string): string {
      return `/${[this.config.getGlobalPrefix(), below].join('/')}`
        .replace(/\/{2,}/g, '/')
        .replace(/\/$/, '');
    }

    private setCookie(request: ConsoleRequest, response: unknown, token: string | undefined): void {
      const path = this.path(cookiePathFor(location.path, location.apiPath)) || '/';
      this.adapterHost.httpAdapter.setHeader(
        response,
        'set-cookie',
        sessionCookie(token, path, request.protocol === 'https', sessionSeconds),
      );
    }
  }
  return SwitchyardConsoleController;
}
