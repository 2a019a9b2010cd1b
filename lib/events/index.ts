/**
 * Insight events (FeatBit's format) and A/B/n experiment results. Framework-free.
 */
export * from './insight-sink.interface.js';
export {
  INSIGHT_TRACK_PATH,
  SWITCHYARD_APP_TYPE,
  toInsightUser,
  type InsightEvent,
  type InsightUser,
  type InsightUserProperty,
  type MetricInsight,
  type VariationInsight,
} from './insight-event.js';
export { InsightPayloadError, parseInsightPayload, type ParsedInsights } from './insight-payload.js';
export {
  InsightDeliveryStoppedError,
  InsightPublisher,
  insightTrackUrl,
  type InsightPublisherOptions,
  type InsightPublisherStats,
} from './insight-publisher.js';
export {
  InsightCollector,
  type InsightCollectorOptions,
  type InsightCollectorStats,
  type InsightReceiver,
} from './insight-collector.js';
export {
  EXPERIMENTS_PATH,
  createInsightEndpoint,
  type ExperimentSource,
  type InsightEndpoint,
  type InsightEndpointOptions,
} from './insight-endpoint.js';
export {
  ExperimentLedger,
  experimentResults,
  type ExperimentLedgerLimits,
  type ExperimentQuery,
  type ExperimentResult,
  type ExperimentSummary,
  type VariationComparison,
  type VariationResult,
} from './experiment-results.js';
export {
  Z_95,
  differenceInterval,
  normalCdf,
  twoProportionZTest,
  wilsonInterval,
  type Interval,
  type ProportionTest,
} from './experiment-statistics.js';
export { FanOutInsightSink, fanOutInsights } from './fan-out-insight-sink.js';
