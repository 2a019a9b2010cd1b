/**
 * nest-switchyard/admin — the admin REST API module. A separate entry: the main entry never loads it, and it
 * loads `@nestjs/swagger` only when asked to document the API (an optional peer dependency).
 */
export * from './admin/index.js';
