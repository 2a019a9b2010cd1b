import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the console serves: its bytes and content type. */
export interface ConsoleAsset {
  readonly body: Buffer;
  readonly type: string;
}

/** The console's own files (plain ES modules, no build step), copied next to this module by the build. */
const OWN_FILES = [
  'app.js',
  'api.js',
  'ui.js',
  'split.js',
  'flags.js',
  'switches.js',
  'segments.js',
  'evaluate.js',
  'experiments.js',
  'audit.js',
  'signin.js',
  'style.css',
] as const;

/** Libraries served from the package's own dependencies (no CDN: the app may run without internet). */
const VENDOR_FILES: Readonly<Record<string, readonly [string, string]>> = {
  'preact.mjs': ['preact', 'preact.mjs'],
  'hooks.mjs': ['preact/hooks', 'hooks.mjs'],
  'htm.mjs': ['htm', 'htm.mjs'],
  'chart.umd.min.js': ['chart.js', 'chart.umd.min.js'],
};

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

const typeOf = (name: string): string =>
  TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';

/**
 * Every file of the console, read once: `assets/<file>`, `vendor/<file>`, the page (`index.html`) and the sign-in
 * page (`signin.html`), with the console's base path and the API's path filled in. Names not listed are never
 * served.
 */
export class ConsoleAssets {
  readonly page: ConsoleAsset;
  readonly signIn: ConsoleAsset;
  /**
   * The pages' Content-Security-Policy: scripts, styles, images and connections from the app's own origin only,
   * the one inline script (the import map) allowed by its hash; no plugins, frames, or other sites' forms.
   */
  readonly contentSecurityPolicy: string;
  private readonly assets = new Map<string, ConsoleAsset>();
  private readonly vendor = new Map<string, ConsoleAsset>();

  constructor(basePath: string, apiPath: string) {
    const folder = fileURLToPath(new URL('./assets/', import.meta.url));
    for (const name of OWN_FILES) {
      this.assets.set(name, { body: readFileSync(join(folder, name)), type: typeOf(name) });
    }
    const require = createRequire(import.meta.url);
    for (const [name, [specifier, file]] of Object.entries(VENDOR_FILES)) {
      const path = join(dirname(require.resolve(specifier)), file);
      this.vendor.set(name, { body: readFileSync(path), type: typeOf(name) });
    }
    const fill = (name: string): string =>
      readFileSync(join(folder, name), 'utf8')
        .replaceAll('%BASE%', escapeAttribute(basePath))
        .replaceAll('%API%', escapeAttribute(apiPath));
    const html = fill('index.html');
    this.page = { body: Buffer.from(html, 'utf8'), type: typeOf('index.html') };
    this.signIn = { body: Buffer.from(fill('signin.html'), 'utf8'), type: typeOf('signin.html') };
    const inlineScripts = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
      (match) => `'sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}'`,
    );
    this.contentSecurityPolicy = [
      "default-src 'none'",
      `script-src 'self' ${inlineScripts.join(' ')}`.trim(),
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "font-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
  }

  asset(name: string): ConsoleAsset | undefined {
    return this.assets.get(name);
  }

  vendorFile(name: string): ConsoleAsset | undefined {
    return this.vendor.get(name);
  }
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
