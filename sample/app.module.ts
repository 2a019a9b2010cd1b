import { Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { FeatureFlagAdminModule } from '../lib/admin/index.js';
import { FeatureFlagModule } from '../lib/nest/index.js';
import { FlagsController } from './flags.controller.js';
import { MemoryInsights } from './memory-insights.js';
import { NotificationsModule } from './notifications.module.js';
import { ReportsController } from './reports.controller.js';
import { SampleSwitches } from './sample-switches.js';
import { UserArguments, userFromRequest } from './sample-user.js';
import { ShopController } from './shop.controller.js';

/** The flags the app starts from (FeatBit data-sync JSON), next to this file's source. */
export const FLAGS_FILE =
  process.env.FLAGS_FILE ?? fileURLToPath(new URL('../../sample/flags.json', import.meta.url));

/** The admin API key: `SWITCHYARD_ADMIN_KEY`, or a default that is only fit for a local try-out. */
export const LOCAL_ADMIN_KEY = 'local-only-admin-key';
const ADMIN_KEY = process.env.SWITCHYARD_ADMIN_KEY ?? LOCAL_ADMIN_KEY;
if (ADMIN_KEY === LOCAL_ADMIN_KEY) {
  console.warn(
    `Switchyard sample: the admin API key is the local default '${LOCAL_ADMIN_KEY}'. ` +
      'Set SWITCHYARD_ADMIN_KEY before exposing this app anywhere.',
  );
}

/** Where `@TrackMetric` events go in the sample (in memory, shown by `GET /metrics`). */
@Module({ providers: [MemoryInsights], exports: [MemoryInsights] })
export class InsightsModule {}

@Module({
  imports: [
    InsightsModule,
    // Embedded in-memory client (no envSecret / streamingUri), started from the flags file; options built by a
    // factory, as they would be from ConfigService.
    FeatureFlagModule.forRootAsync({
      imports: [InsightsModule],
      inject: [MemoryInsights],
      useFactory: (insights: MemoryInsights) => ({
        bootstrapFile: FLAGS_FILE,
        inputs: userFromRequest,
        arguments: [UserArguments],
        insights,
        // A/B/n results computed in process from what the app records (GET /experiments/:flag?event=...).
        experiments: true,
        // The admin API edits flag documents: keep them (it refuses to start otherwise).
        retainFlagDocuments: true,
      }),
    }),
    NotificationsModule,
    // The admin REST API (/switchyard/api) and the web console (/switchyard). The key comes from the environment;
    // the default is for local use only (the app says so at start-up).
    FeatureFlagAdminModule.forRoot({
      auth: { apiKeys: [{ key: ADMIN_KEY, actor: 'sample-admin' }] },
    }),
  ],
  controllers: [ShopController, ReportsController, FlagsController],
  providers: [SampleSwitches],
})
export class AppModule {}
