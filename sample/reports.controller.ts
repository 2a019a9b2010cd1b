import { Controller, Get } from '@nestjs/common';
import { SwitchActive } from '../lib/nest/index.js';

/**
 * A class-level guard: every route needs `reports` (selective: pro users only). `export` also needs its child
 * switch `reports:export`, which by Gutter's concent rule is only active when `reports` is.
 */
@Controller('reports')
@SwitchActive('reports')
export class ReportsController {
  @Get()
  list(): unknown {
    return { reports: ['revenue', 'churn'] };
  }

  @Get('export')
  @SwitchActive('reports:export')
  export(): unknown {
    return { export: 'reports.csv' };
  }
}
