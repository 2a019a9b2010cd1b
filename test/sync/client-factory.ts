/** Builds a FeatureFlagClient on the streaming data source (kept apart so light tests do not load the client). */
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger, type SwitchyardLogger } from '../../lib/core/logger.js';
import { createStreamingDataSource, type StreamingOptions } from '../../lib/sync/streaming-data-source.js';
import { SECRET } from './fixtures.js';

/** A client streaming from 127.0.0.1:`port` with short retry delays (tests never wait seconds). */
export function streamingClient(
  port: number,
  options: Partial<StreamingOptions> = {},
  clientOptions: { startWait?: number; logger?: SwitchyardLogger } = {},
): FeatureFlagClient {
  const streamingUri = `ws://127.0.0.1:${port}`;
  return new FeatureFlagClient({
    envSecret: SECRET,
    streamingUri,
    startWait: clientOptions.startWait ?? 3_000,
    logger: clientOptions.logger ?? silentLogger,
    dataSource: (context) =>
      createStreamingDataSource(context, {
        streamingUri,
        envSecret: SECRET,
        firstRetryDelayMs: 20,
        maxRetryDelayMs: 100,
        ...options,
      }),
  });
}
