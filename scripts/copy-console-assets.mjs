// Copies the console's browser files (plain ES modules and CSS, no build step) next to the compiled admin module.
// Usage: node scripts/copy-console-assets.mjs <target folder>
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const target = process.argv[2];
if (!target) throw new Error('Usage: node scripts/copy-console-assets.mjs <target folder>');
cpSync(fileURLToPath(new URL('../lib/admin/console/assets/', import.meta.url)), target, { recursive: true });
