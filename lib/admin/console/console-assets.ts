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

/** The console's two HTML pages and their Content-Security-Policy, for one base path. */
export interface ConsolePages {
  readonly page: ConsoleAsset;
  readonly signIn: ConsoleAsset;
  /**
   * The pages' Content-Security-Policy: scripts, styles, images and connections from the app's own origin only,
   * the one inline script (the import map) allowed by its hash; no plugins, frames, or other sites' forms.
   */
  readonly contentSecurityPolicy: string;
}

/**
 * Every file of the console, read once at start-up: `assets/<file>`, `vendor/<file>`, and the templates of the page
 * (`index.html`) and the sign-in page (`signin.html`), filled in with the console's and the API's paths once those
 * are known (an app's global prefix is set after its modules are built). Names not listed are never served.
 */
export class ConsoleAssets {
  private readonly assets = new Map<string, ConsoleAsset>();
  private readonly vendor = new Map<string, ConsoleAsset>();
  private readonly templates: { readonly page: string; readonly signIn: string };
  private filled: { readonly key: string; readonly pages: ConsolePages } | undefined;

  constructor() {
    const folder = fileURLToPath(new URL('./assets/', import.meta.url));
    for (const name of OWN_FILES) {
      this.assets.set(name, { body: readFileSync(join(folder, name)), type: typeOf(name) });
    }
    const require = createRequire(import.meta.url);
    for (const [name, [specifier, file]] of Object.entries(VENDOR_FILES)) {
      const path = join(dirname(require.resolve(specifier)), file);
      this.vendor.set(name, { body: readFileSync(path), type: typeOf(name) });
    }
    this.templates = {
      page: readFileSync(join(folder, 'index.html'), 'utf8'),
      signIn: readFileSync(join(folder, 'signin.html'), 'utf8'),
    };
  }

  /** The pages for a console at `basePath` using the API at `apiPath` (both absolute, no trailing slash). */
  pages(basePath: string, apiPath: string): ConsolePages {
    const key = `${basePath} ${apiPath}`;
    if (this.filled?.key === key) return this.filled.pages;
    const fill = (template: string): string =>
      template.replaceAll('%BASE%', escapeAttribute(basePath)).replaceAll('%API%', escapeAttribute(apiPath));
    const html = fill(this.templates.page);
    const inlineScripts = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
      (match) => `'sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}'`,
    );
    const pages: ConsolePages = {
      page: { body: Buffer.from(html, 'utf8'), type: typeOf('index.html') },
      signIn: { body: Buffer.from(fill(this.templates.signIn), 'utf8'), type: typeOf('signin.html') },
      contentSecurityPolicy: [
        "default-src 'none'",
        `script-src 'self' ${inlineScripts.join(' ')}`.trim(),
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    };
    this.filled = { key, pages };
    return pages;
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
