import { Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { FeatureFlagModule } from '../lib/nest/index.js';
import { AdminController } from './admin.controller.js';
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
        // The admin routes edit flags with FlagBuilder.from(flag.doc): keep the FeatBit documents.
        retainFlagDocuments: true,
      }),
    }),
    NotificationsModule,
  ],
  controllers: [ShopController, ReportsController, FlagsController, AdminController],
  providers: [SampleSwitches],
})
export class AppModule {}
