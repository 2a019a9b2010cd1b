/**
 * DI tokens, metadata keys and defaults of the admin module (plain strings, readable in Nest's errors).
 */

/** DI token of the validated admin options (`FeatureFlagAdminOptions`). @publicApi */
export const FEATURE_FLAG_ADMIN_OPTIONS = 'SWITCHYARD:ADMIN_OPTIONS';

/** DI token of the admin options exactly as `forRootAsync`'s factory returned them, before validation. */
export const FEATURE_FLAG_ADMIN_RAW_OPTIONS = 'SWITCHYARD:ADMIN_RAW_OPTIONS';

/** Metadata key marking a route that writes (refused with 403 in read-only mode). */
export const ADMIN_WRITE_METADATA = 'SWITCHYARD:ADMIN_WRITE';

/** Where the admin routes are mounted unless `path` says otherwise. @publicApi */
export const DEFAULT_ADMIN_PATH = 'switchyard/api';

/** The largest request body the admin routes accept unless `bodyLimit` says otherwise: 1 MiB. @publicApi */
export const DEFAULT_ADMIN_BODY_LIMIT = 1024 * 1024;

/** Where the web console is served unless `console.path` says otherwise. @publicApi */
export const DEFAULT_CONSOLE_PATH = 'switchyard';
