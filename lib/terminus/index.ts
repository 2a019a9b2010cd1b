/**
 * `nest-switchyard/terminus`: a health indicator for `@nestjs/terminus`. Needs that optional peer dependency; the
 * main entry never imports it.
 */
export * from './feature-flag.health.js';
