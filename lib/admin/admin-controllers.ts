import type { Type } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { EvaluateController } from './evaluate.controller.js';
import { ExperimentsController } from './experiments.controller.js';
import { ExportController } from './export.controller.js';
import { FlagsController } from './flags.controller.js';
import { RegistryController } from './registry.controller.js';
import { SegmentsController } from './segments.controller.js';
import { SwitchesController } from './switches.controller.js';

/** Every controller of the admin API. */
export const ADMIN_CONTROLLERS: readonly Type<unknown>[] = [
  FlagsController,
  SegmentsController,
  SwitchesController,
  EvaluateController,
  ExperimentsController,
  AuditController,
  ExportController,
  RegistryController,
];
