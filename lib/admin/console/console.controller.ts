import {
  Controller,
  Get,
  Header,
  NotFoundException,
  Param,
  Redirect,
  StreamableFile,
  type Type,
} from '@nestjs/common';
import { ConsoleAssets, type ConsoleAsset } from './console-assets.js';

/** Where the console is served and where it finds the admin API. */
export interface ConsoleLocation {
  /** URL path of the console, without slashes at the ends (`switchyard`). */
  readonly path: string;
  /** URL path of the admin API, without slashes at the ends (`switchyard/api`). */
  readonly apiPath: string;
}

const file = (asset: ConsoleAsset | undefined): StreamableFile => {
  if (asset === undefined) throw new NotFoundException('No such console file.');
  return new StreamableFile(asset.body, { type: asset.type, length: asset.body.length });
};

/**
 * The console's page and files, at a path chosen at start-up (so the controller class is made per module). The
 * files hold no data: every piece of data comes from the admin API, behind its authorisation.
 */
export function createConsoleController(location: ConsoleLocation): Type<unknown> {
  const assets = new ConsoleAssets(`/${location.path}`, `/${location.apiPath}`);

  @Controller(location.path)
  class SwitchyardConsoleController {
    @Get()
    @Header('cache-control', 'no-store')
    page(): StreamableFile {
      return file(assets.page);
    }

    @Get('index.html')
    @Redirect(`/${location.path}`, 301)
    index(): void {}

    @Get('assets/:name')
    @Header('cache-control', 'no-cache')
    asset(@Param('name') name: string): StreamableFile {
      return file(assets.asset(name));
    }

    @Get('vendor/:name')
    @Header('cache-control', 'public, max-age=86400')
    vendor(@Param('name') name: string): StreamableFile {
      return file(assets.vendorFile(name));
    }
  }
  return SwitchyardConsoleController;
}
