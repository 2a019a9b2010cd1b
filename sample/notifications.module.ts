import { Controller, Get, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { Switch, SwitchState } from '../lib/core/index.js';
import { FeatureFlagModule, InjectFeatureFlagClient } from '../lib/nest/index.js';

/** A feature module with switches of its own namespace (`FeatureFlagModule.forFeature`). */
@Injectable()
export class NotificationsService implements OnModuleInit {
  constructor(@InjectFeatureFlagClient('notifications') private readonly flags: FeatureFlagClient) {}

  async onModuleInit(): Promise<void> {
    await this.flags.register(
      new Switch('digest', { state: SwitchState.Global, label: 'Daily digest e-mail' }),
    );
  }

  settings(): unknown {
    return { namespace: 'notifications', digest: this.flags.active('digest') };
  }
}

@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  settings(): unknown {
    return this.notifications.settings();
  }
}

@Module({
  imports: [FeatureFlagModule.forFeature('notifications')],
  providers: [NotificationsService],
  controllers: [NotificationsController],
})
export class NotificationsModule {}
