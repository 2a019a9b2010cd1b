/**
 * Runs the sample app as `npm start` does (`node build/sample/main.js`, here on a free port) and replays the curl
 * commands of sample/README.md against it, checking each answer against the line that follows it
 * (`# → <status> <text the response contains>`). So the README cannot drift from the app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { platforms } from './fixtures.js';

const sampleMain = fileURLToPath(new URL('../../sample/main.js', import.meta.url));
const readme = readFileSync(fileURLToPath(new URL('../../../sample/README.md', import.meta.url)), 'utf8');
const README_BASE = 'http://localhost:3000';

interface CurlCommand {
  line: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  stream: boolean;
  expectedStatus: number;
  expectedText: string;
}

/** Splits a shell line into words, honouring single quotes (all the README uses). */
function words(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let inWord = false;
  for (const ch of line) {
    if (ch === "'") {
      quoted = !quoted;
      inWord = true;
    } else if (ch === ' ' && !quoted) {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(current);
  return out;
}

function parseReadme(text: string): CurlCommand[] {
  const lines = text.split('\n');
  const commands: CurlCommand[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('curl ')) return;
    const expectation = /^# → (\d{3})(?: (.*))?$/.exec(lines[i + 1] ?? '');
    assert.ok(expectation, `README: no "# → <status> ..." line after: ${line}`);
    const argv = words(line).slice(1);
    const command: CurlCommand = {
      line,
      method: 'GET',
      url: '',
      headers: {},
      body: undefined,
      stream: false,
      expectedStatus: Number(expectation[1]),
      expectedText: expectation[2] ?? '',
    };
    let explicitMethod = false;
    for (let a = 0; a < argv.length; a++) {
      const arg = argv[a];
      if (arg === '-s' || arg === '-i') continue;
      if (arg === '-N') command.stream = true;
      else if (arg === '-X') {
        command.method = argv[++a];
        explicitMethod = true;
      } else if (arg === '-H') {
        const [name, ...rest] = argv[++a].split(':');
        command.headers[name.trim().toLowerCase()] = rest.join(':').trim();
      } else if (arg === '-d') {
        command.body = argv[++a];
        if (!explicitMethod) command.method = 'POST';
        command.headers['content-type'] ??= 'application/x-www-form-urlencoded';
      } else if (arg.startsWith('http')) command.url = arg;
      else assert.fail(`README: curl option ${arg} is not understood by this test: ${line}`);
    }
    assert.ok(command.url.startsWith(README_BASE), `README: commands use ${README_BASE}: ${line}`);
    commands.push(command);
  });
  return commands;
}

/** Status line, headers and body, as `curl -i` would show them (header names in lower case). */
function transcript(response: Response, body: string): string {
  const headers = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`).join('\n');
  return `${response.status}\n${headers}\n\n${body}`;
}

function startSample(platform: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [sampleMain], {
    env: { ...process.env, PORT: '0', PLATFORM: platform, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ child, base: `http://127.0.0.1:${match[1]}` });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`the sample exited (${code}) before listening:\n${output}`)),
    );
  });
}

const commands = parseReadme(readme);

test('the README has curl examples for every part', () => {
  assert.ok(commands.length >= 20, `only ${commands.length} commands`);
  for (const path of [
    '/reports',
    '/search/legacy',
    '/gift-cards',
    '/checkout',
    '/flags/stream',
    '/switchyard/api/flags',
    '/switchyard/api/segments',
    '/switchyard/api/switches',
    '/switchyard/api/evaluate',
    '/switchyard/api/export',
    '/switchyard/api/import',
    '/switchyard/api/experiments/',
    '/switchyard/api/audit',
  ]) {
    assert.ok(
      commands.some((c) => c.url.includes(path)),
      `no example for ${path}`,
    );
  }
});

for (const platform of platforms) {
  describe(`sample app on ${platform}: README examples`, () => {
    let child: ChildProcess;
    let base: string;
    const streams: AbortController[] = [];

    before(async () => {
      ({ child, base } = await startSample(platform));
    });
    after(async () => {
      for (const stream of streams) stream.abort();
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.once('exit', (code, signal) => resolve([code, signal])),
      );
      child.kill('SIGTERM');
      // Nest's shutdown hooks close the app (and the client), then re-raise the signal: an exit by SIGTERM.
      const [code, signal] = await exited;
      assert.ok(code === 0 || signal === 'SIGTERM', `exit code ${code}, signal ${signal}`);
    });

    test('answers every curl example as the README says, in order', async () => {
      let streamText = '';
      let streamDone: Promise<void> | undefined;
      for (const command of commands) {
        const url = command.url.replace(README_BASE, base);
        const init = {
          method: command.method,
          headers: command.headers,
          body: command.body,
          redirect: 'manual' as const,
        };
        if (command.stream) {
          const abort = new AbortController();
          streams.push(abort);
          const response = await fetch(url, { ...init, signal: abort.signal });
          assert.equal(response.status, command.expectedStatus, command.line);
          const reader = response.body!.getReader();
          const decoder = new TextDecoder();
          // Read the stream in the background; wait until its first event is there.
          let resolveFirst!: () => void;
          const first = new Promise<void>((resolve) => (resolveFirst = resolve));
          streamDone = (async () => {
            try {
              for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                streamText += decoder.decode(value, { stream: true });
                if (streamText.includes(command.expectedText)) resolveFirst();
              }
            } catch {
              // aborted at the end of the test
            }
          })();
          await first;
          continue;
        }
        const response = await fetch(url, init);
        const body = await response.text();
        assert.equal(response.status, command.expectedStatus, `${command.line}\n${body}`);
        assert.ok(
          transcript(response, body).includes(command.expectedText),
          `${command.line}\nexpected to contain: ${command.expectedText}\ngot: ${transcript(response, body)}`,
        );
      }
      // The stream saw the admin changes as they happened, with the stream user's new value.
      for (let i = 0; i < 100 && !streamText.includes('"switches":["default.reports"]'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.match(
        streamText,
        /event: change\nid: \d+\ndata: \{"source":"local",[^\n]*"flags":\["dark-mode"\][^\n]*"values":\{"dark-mode":"true"\}/,
      );
      assert.match(streamText, /"switches":\["default.new_homepage"\]/);
      for (const stream of streams) stream.abort();
      await streamDone;
    });
  });
}
