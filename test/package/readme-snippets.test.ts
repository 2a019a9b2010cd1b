/**
 * Every TypeScript snippet of the READMEs compiles as a strict-TypeScript user would compile it: each ```ts (or
 * ```typescript) block of the documents below is extracted (never copied by hand) into a module of its own, next
 * to a generated tsconfig (`strict`, `nodenext`, decorators with metadata) that maps `nest-switchyard` to this
 * repository's `lib/`, and both TypeScript 6 (its JavaScript API) and TypeScript 7 (its native CLI) must accept it.
 * A snippet may not cast (`as`, `<T>x`, `x!`): what a reader copies must compile as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** The documents whose snippets are checked; any new ```ts block in them is checked too. */
const DOCUMENTS = ['README.md', 'sample/README.md'];

/**
 * Names the snippets use as placeholders for the reader's own values, declared once for all of them. Keep this
 * to values a reader obviously supplies (a secret, a URL, a user); anything from the library must be imported by
 * the snippet itself.
 */
const PRELUDE = `// Placeholders the README snippets leave to the reader (declared, not defined: this is only compiled).
declare const secret: string; // a FeatBit environment secret
declare const envSecret: string;
declare const url: string; // a Redis URL
declare const streamingUri: string;
declare const eventsUri: string;
declare const user: { key: string; name: string }; // a FeatBit user
`;

interface Snippet {
  /** Where it comes from, e.g. `README.md:42` (the line of its opening fence). */
  origin: string;
  /** The file it is compiled as. */
  file: string;
  code: string;
}

function extractSnippets(document: string): Snippet[] {
  const lines = readFileSync(join(root, document), 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j].trim() !== fence) body.push(lines[j++].slice(indent.length));
    const slug = document.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    // `export {}` keeps every snippet a module of its own (scope, top-level await), even without an import.
    snippets.push({
      origin: `${document}:${i + 1}`,
      file: `${slug}-L${i + 1}.ts`,
      code: `${body.join('\n')}\nexport {};\n`,
    });
    i = j;
  }
  return snippets;
}

/** Casts in a snippet: `x as T` (not `as const`), `<T>x` and `x!`. */
function castsIn(snippet: Snippet): string[] {
  const source = ts.createSourceFile(snippet.file, snippet.code, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const isCast =
      (ts.isAsExpression(node) && node.type.getText(source) !== 'const') ||
      ts.isTypeAssertionExpression(node) ||
      ts.isNonNullExpression(node);
    if (isCast) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${snippet.origin} (snippet line ${line + 1}): ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const snippets = DOCUMENTS.flatMap(extractSnippets);

test('the READMEs have TypeScript snippets to check', () => {
  assert.ok(snippets.length >= 4, `found ${snippets.length}: ${snippets.map((s) => s.origin).join(', ')}`);
});

test('no README snippet needs a cast', () => {
  assert.deepEqual(snippets.flatMap(castsIn), []);
});

// Two full compiler runs: about 70 s on a 2-core machine, over the suite's 120 s default on a busy one.
test(
  'every README snippet compiles under strict with TypeScript 6 and TypeScript 7',
  { timeout: 600_000 },
  () => {
    const buildDir = join(root, 'build');
    mkdirSync(buildDir, { recursive: true });
    // Inside the repository, so that `@nestjs/common` and `@types/node` resolve from its node_modules.
    const dir = mkdtempSync(join(buildDir, 'readme-snippets-'));
    try {
      for (const snippet of snippets) writeFileSync(join(dir, snippet.file), snippet.code);
      writeFileSync(join(dir, 'prelude.d.ts'), PRELUDE);
      const tsconfig = {
        compilerOptions: {
          strict: true,
          target: 'es2023',
          lib: ['es2023'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
          paths: {
            'nest-switchyard': [join(root, 'lib', 'index.ts')],
            'nest-switchyard/engine': [join(root, 'lib', 'engine.ts')],
            'nest-switchyard/admin': [join(root, 'lib', 'admin.ts')],
            'nest-switchyard/openfeature': [join(root, 'lib', 'openfeature', 'index.ts')],
            'nest-switchyard/terminus': [join(root, 'lib', 'terminus', 'index.ts')],
            'nest-switchyard/opentelemetry': [join(root, 'lib', 'opentelemetry', 'index.ts')],
          },
        },
        files: ['prelude.d.ts', ...snippets.map((s) => s.file)],
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      const whereFrom = (text: string): string =>
        snippets.reduce((out, s) => out.replaceAll(s.file, `${s.file} (${s.origin})`), text);

      // TypeScript 6, through its JavaScript API.
      const configPath = join(dir, 'tsconfig.json');
      const config = ts.getParsedCommandLineOfConfigFile(
        configPath,
        {},
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: (d) =>
            assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
        },
      );
      assert.ok(config);
      const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
      const diagnostics = ts.getPreEmitDiagnostics(program);
      const host: ts.FormatDiagnosticsHost = {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => dir,
        getNewLine: () => '\n',
      };
      assert.equal(
        diagnostics.length,
        0,
        `TypeScript ${ts.version}:\n${whereFrom(ts.formatDiagnostics(diagnostics, host))}`,
      );

      // TypeScript 7, the native compiler, through its CLI.
      const tsc7 = join(root, 'node_modules', 'typescript-7', 'bin', 'tsc');
      try {
        execFileSync(process.execPath, [tsc7, '-p', configPath], {
          cwd: dir,
          stdio: 'pipe',
          encoding: 'utf8',
        });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        assert.fail(
          `TypeScript 7 (${relative(root, tsc7)}):\n${whereFrom(`${stdout ?? ''}${stderr ?? ''}`)}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
