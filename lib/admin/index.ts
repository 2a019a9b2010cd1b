/**
 * The admin REST API (`nest-switchyard/admin`): module, options, guard, filter, controllers and DTOs.
 */
export * from './admin.constants.js';
export * from './admin-options.interface.js';
export * from './admin-options.error.js';
export { FeatureFlagAdminModule } from './feature-flag-admin.module.js';
export { AdminAuthGuard } from './admin-auth.guard.js';
export { AdminExceptionFilter, type AdminErrorBody } from './admin-exception.filter.js';
export { type AdminIdentity } from './admin-identity.js';
export { documentSwitchyardAdmin, type SwaggerDecorators } from './document-switchyard-admin.js';
export { FlagsController, type FlagSummary } from './flags.controller.js';
export { SegmentsController, type SegmentSummary } from './segments.controller.js';
export { SwitchesController, type SwitchDeleteResponse } from './switches.controller.js';
export {
  EvaluateController,
  type ConditionExplanation,
  type FlagEvaluationResponse,
  type SwitchEvaluationResponse,
} from './evaluate.controller.js';
export { ExperimentsController } from './experiments.controller.js';
export { AuditController } from './audit.controller.js';
export { ExportController, type ImportResponse } from './export.controller.js';
export { RegistryController, type RegistryResponse } from './registry.controller.js';
export { type RecordResponse } from './record-response.js';
export * from './dto/index.js';
