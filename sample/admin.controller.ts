import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { parseSwitchState } from '../lib/core/index.js';
import { FlagBuilder } from '../lib/testing/flag-builder.js';

/**
 * Changes flags and switches while the app runs, so that the guards, the param decorators and the live stream
 * can be seen reacting. (A real app changes flags in FeatBit, or through a Switchyard server; no auth here.)
 */
@Controller('admin')
export class AdminController {
  constructor(private readonly flags: FeatureFlagClient) {}

  /** `{ "state": "global" | "selective" | "disabled" }` */
  @Post('switches/:name')
  @HttpCode(200)
  async setSwitch(@Param('name') name: string, @Body() body: { state?: unknown }): Promise<unknown> {
    const state = parseSwitchState(body?.state);
    if (state === undefined)
      throw new BadRequestException("state must be 'global', 'selective' or 'disabled'");
    if (!this.flags.manager.has(name)) throw new NotFoundException(`No switch named '${name}'`);
    const sw = this.flags.switch(name);
    sw.state = state;
    await this.flags.update(sw);
    return { name, state };
  }

  /** `{ "enabled": true | false }` and/or `{ "serve": <one of the flag's values> }` for everyone. */
  @Post('flags/:key')
  @HttpCode(200)
  patchFlag(@Param('key') key: string, @Body() body: { enabled?: unknown; serve?: unknown }): unknown {
    const flag = this.flags.store.flag(key);
    if (flag === undefined) throw new NotFoundException(`No flag '${key}'`);
    const builder = FlagBuilder.from(flag.doc);
    if (body?.enabled === true) builder.on();
    else if (body?.enabled === false) builder.off();
    else if (body?.enabled !== undefined) throw new BadRequestException('enabled must be true or false');
    try {
      if (body?.serve !== undefined) builder.fallthrough(body.serve);
      builder.pushTo(this.flags);
    } catch (error) {
      throw new BadRequestException((error as Error).message);
    }
    const doc = this.flags.store.flag(key)?.doc;
    return { key, enabled: doc?.isEnabled, updatedAt: doc?.updatedAt };
  }
}
