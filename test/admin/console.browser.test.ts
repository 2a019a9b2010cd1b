/**
 * The web console in a real headless Chromium (Debian's `chromium`, driven by playwright-core) against a real Nest
 * app with the admin module: every page does what it shows, through the admin API, and the server's state is
 * checked through the app's own client — never through the page.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { FeatureFlagClient } from '../../lib/index.js';
import type { FeatBitFlag, FeatBitRule } from '../../lib/core/flags/flag.model.js';
import type { SwitchRecord } from '../../lib/core/switches/switch-record.js';
import { waitFor } from '../storage/storage-test-kit.js';
import { UserArguments } from '../nest/fixtures.js';
import { WRITER_KEY, booleanFlag, checkoutFlag, createAdminApp, type Platform } from './admin-fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const noBrowser = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`;
const skip = noBrowser !== undefined && process.env.CI !== 'true' ? noBrowser : false;
if (skip)
  console.warn(`\n!!!! SKIPPING the console browser tests: ${skip}. With CI=true they fail instead.\n`);

/** Where the tests leave screenshots of the main screens (`SCREENSHOTS_DIR`, default `test-results/console`). */
const SCREENSHOTS = resolve(process.env.SCREENSHOTS_DIR ?? 'test-results/console');

/** A full-page screenshot of the page as it is now, as `<name>.png` in the screenshots folder. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The flags Chromium is started with here (no sandbox as root, nothing that reaches the network). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Harness {
  readonly app: INestApplication;
  readonly client: FeatureFlagClient;
  readonly url: string;
  /** The console's address (below the app's global prefix, if any). */
  readonly console: string;
  readonly browser: Browser;
  readonly context: BrowserContext;
}

async function startHarness(platform: Platform, globalPrefix?: string): Promise<Harness> {
  const app = await createAdminApp(platform, {
    globalPrefix,
    flags: {
      arguments: [UserArguments],
      experiments: true,
      bootstrap: { eventType: 'full', featureFlags: [], segments: [] },
    },
  });
  await app.listen(0, '127.0.0.1');
  const client = app.get(FeatureFlagClient);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 800 } });
  const consoleUrl = `${url}${globalPrefix === undefined ? '' : `/${globalPrefix}`}/switchyard`;
  return { app, client, url, console: consoleUrl, browser, context };
}

async function stopHarness(h: Harness | undefined): Promise<void> {
  await h?.context.close();
  await h?.browser.close();
  await h?.app.close();
}

/** Every screen of the console (a flag's and a segment's page included). */
const CONSOLE_PAGES = [
  '#/switches',
  '#/flags',
  '#/flags/checkout-v2',
  '#/segments',
  '#/segments/beta',
  '#/evaluate',
  '#/experiments',
  '#/audit',
] as const;

/** Signs a page in through the console's sign-in form (the page is showing it). */
async function signIn(page: Page, key = WRITER_KEY): Promise<void> {
  await page.fill('input[name="api-key"]', key);
  await Promise.all([page.waitForEvent('load'), page.click('form.key button')]);
}

/**
 * A page of the console, signed in with the writer's API key through the sign-in form when the context has no
 * session yet; script errors and Content-Security-Policy violations are collected.
 */
async function openConsole(h: Harness, hash: string, context = h.context): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) errors.push(`CSP: ${message.text()}`);
  });
  (page as Page & { scriptErrors?: string[] }).scriptErrors = errors;
  // runs before the page's own scripts (and outside its Content-Security-Policy)
  await page.addInitScript(`addEventListener('securitypolicyviolation', (event) => {
    (globalThis.cspViolations ??= []).push(event.violatedDirective + ' ' + event.blockedURI);
  })`);
  await page.goto(`${h.console}${hash}`);
  if ((await page.locator('form.key').count()) > 0) await signIn(page);
  await page.locator('[data-connection="live"]').waitFor();
  return page;
}

/**
 * Waits until `read()` (something read from a page) gives `expected`. Polled from here: the page's
 * Content-Security-Policy forbids the string evaluation that `page.waitForFunction` would use.
 */
async function until<T>(what: string, read: () => Promise<T>, expected: T, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (last !== expected) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = await read();
  }
}

/** An attribute of every element a locator finds, in document order. */
async function attributesOf(locator: Locator, name: string): Promise<Array<string | null>> {
  const values: Array<string | null> = [];
  for (let i = 0; i < (await locator.count()); i++) values.push(await locator.nth(i).getAttribute(name));
  return values;
}

const flagDoc = (client: FeatureFlagClient, key: string): FeatBitFlag =>
  client.store.record('flag', key)?.data as FeatBitFlag;
const switchRecord = (client: FeatureFlagClient, name: string): SwitchRecord | undefined =>
  client.store.record('switch', `default.${name}`)?.data as SwitchRecord | undefined;

describe('console (Express)', { skip }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('express');
    await h.client.writer.createFlag(checkoutFlag() as never);
    await h.client.writer.createFlag(booleanFlag('dark-mode') as never);
  });
  after(() => stopHarness(h));

  test('without a session the page is a sign-in form and no data is sent; with the key, flags are listed', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    const answers: Array<[string, number]> = [];
    page.on('response', (response) => answers.push([new URL(response.url()).pathname, response.status()]));
    const first = await page.goto(`${h.console}#/flags`);
    assert.equal(first?.status(), 401);
    await page.locator('main[data-status="401"] form.key').waitFor();
    await page.waitForTimeout(200);
    assert.equal(await page.locator('#app').count(), 0, 'the console app is not in the page');
    assert.equal(await page.locator('tr[data-flag]').count(), 0);
    const fromApi = answers.filter(([path]) => path.startsWith('/switchyard/api'));
    assert.deepEqual(fromApi, [], 'the sign-in page calls no API route');
    // a wrong key: refused in the form, still no console
    await page.fill('input[name="api-key"]', 'not-the-key-0123');
    await page.click('form.key button');
    await page.locator('form.key .error:has-text("not an admin API key")').waitFor();
    await signIn(page);
    await page.locator('tr[data-flag="checkout-v2"]').waitFor();
    await page.locator('tr[data-flag="dark-mode"]').waitFor();
    await page.locator('[data-connection="live"]').waitFor();
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'switchyard_console');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/switchyard');
    assert.ok(!cookie.value.includes(WRITER_KEY.slice(0, 8)), 'the cookie does not carry the key');
    assert.equal(await page.evaluate('document.cookie'), '', 'no script can read the session');
    await shoot(page, 'flags');
    // signing out ends the session: the sign-in form again
    await Promise.all([page.waitForEvent('load'), page.click('button.sign-out')]);
    await page.locator('main[data-status="401"] form.key').waitFor();
    await context.close();
  });

  test('search filters the list; the on/off toggle writes the flag as the key’s actor', async () => {
    const page = await openConsole(h, '#/flags');
    await page.fill('input[type="search"]', 'dark');
    await page.locator('tr[data-flag="checkout-v2"]').waitFor({ state: 'detached' });
    assert.equal(flagDoc(h.client, 'dark-mode').isEnabled, true);
    await page.click('input[aria-label="dark-mode on"]');
    await waitFor('dark-mode off on the server', () => flagDoc(h.client, 'dark-mode').isEnabled === false);
    const [entry] = await h.client.writer.readAudit({ key: 'dark-mode', limit: 1 });
    assert.equal(entry.actor, 'ann');
    assert.deepEqual(
      entry.changes.map((c) => [c.path, c.from, c.to]),
      [['/isEnabled', true, false]],
    );
    await page.close();
  });

  test('live: a change made elsewhere appears without a reload', async () => {
    const page = await openConsole(h, '#/flags');
    const toggle = page.locator('input[aria-label="dark-mode on"]');
    const before = await toggle.isChecked();
    await h.client.writer.setFlagEnabled('dark-mode', !before, { actor: 'elsewhere' });
    const deadline = Date.now() + 5000;
    while ((await toggle.isChecked()) === before && Date.now() < deadline) await page.waitForTimeout(20);
    assert.equal(await toggle.isChecked(), !before);
    await page.locator('[data-last-change="dark-mode"]').waitFor();
    assert.match((await page.locator('.toast').textContent()) ?? '', /elsewhere update flag dark-mode/);
    await page.close();
  });

  test('flag page: a 50/50 split drawn as a bar and saved as FeatBit rollouts', async () => {
    const page = await openConsole(h, '#/flags/checkout-v2');
    await page.locator('[data-flag-page="checkout-v2"]').waitFor();
    await page.fill('input[name="fallthrough-control"]', '50');
    await page.fill('input[name="fallthrough-treatment"]', '50');
    const bar = page.locator('[data-split="fallthrough"] .split-part');
    await bar.nth(1).waitFor();
    assert.deepEqual(await attributesOf(bar, 'data-variation'), ['control', 'treatment']);
    assert.deepEqual(
      (await attributesOf(bar, 'style')).map((style) => /width:\s*([\d.]+%)/.exec(style ?? '')?.[1]),
      ['50%', '50%'],
    );
    await page.click('button.primary:has-text("Save")');
    await waitFor(
      'the split on the server',
      () => flagDoc(h.client, 'checkout-v2').fallthrough.variations.length === 2,
    );
    const split = flagDoc(h.client, 'checkout-v2').fallthrough.variations.map((v) => [v.id, v.rollout]);
    assert.deepEqual(split, [
      ['v-control', [0, 0.5]],
      ['v-treatment', [0.5, 1]],
    ]);
    await page.close();
  });

  test('an edit based on a version someone else replaced is refused with a clear message, not merged', async () => {
    const page = await openConsole(h, '#/flags/checkout-v2');
    await page.locator('[data-flag-page="checkout-v2"]').waitFor();
    await page.fill('textarea[name="targets-treatment"]', 'from-the-page');
    await h.client.writer.addTargetUser('checkout-v2', 'control', 'from-elsewhere', { actor: 'bob' });
    await page.click('button.primary:has-text("Save")');
    const message = page.locator('.action .error');
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /Someone else changed this/);
    const targets = flagDoc(h.client, 'checkout-v2').targetUsers ?? [];
    assert.deepEqual(
      targets.flatMap((t) => t.keyIds),
      ['from-elsewhere'],
    );
    await page.close();
  });

  test('rules: a segment picked from the list, a FeatBit operator, saved and evaluated', async () => {
    await h.client.writer.createSegment({
      id: 'beta',
      name: 'beta testers',
      included: ['zoe'],
      excluded: [],
    });
    const page = await openConsole(h, '#/flags/checkout-v2');
    await page.locator('[data-flag-page="checkout-v2"]').waitFor();
    await page.click('button:has-text("Add rule")');
    const rule = page.locator('fieldset[data-rule="0"]');
    await rule.locator('select[aria-label="condition kind"]').selectOption('User is in segment');
    await rule.locator('select[aria-label="segment"]').selectOption('beta');
    await rule.locator('input[name="rule-0-control"]').fill('0');
    await rule.locator('input[name="rule-0-treatment"]').fill('100');
    await rule.locator('button:has-text("Add condition")').click();
    await rule.locator('.condition').nth(1).locator('input[aria-label="attribute"]').fill('country');
    await rule.locator('.condition').nth(1).locator('select[aria-label="operator"]').selectOption('IsOneOf');
    await rule.locator('.condition').nth(1).locator('input[aria-label="value"]').fill('["FR","DE"]');
    await page.click('button.primary:has-text("Save")');
    await waitFor(
      'the rule on the server',
      () => (flagDoc(h.client, 'checkout-v2').rules ?? []).length === 1,
    );
    const saved = (flagDoc(h.client, 'checkout-v2').rules as FeatBitRule[])[0];
    assert.deepEqual(
      saved.conditions.map((c) => [c.property, c.op, c.value]),
      [
        ['User is in segment', null, '["beta"]'],
        ['country', 'IsOneOf', '["FR","DE"]'],
      ],
    );
    assert.equal(h.client.stringVariation('checkout-v2', { key: 'zoe', country: 'FR' }, 'x'), 'treatment');
    assert.equal(
      h.client.variationDetail('checkout-v2', { key: 'zoe', country: 'FR' }, 'x').kind,
      'RuleMatch',
    );
    assert.notEqual(
      h.client.variationDetail('checkout-v2', { key: 'zoe', country: 'US' }, 'x').kind,
      'RuleMatch',
    );
    await page.close();
  });

  test('segments: included users edited and saved', async () => {
    const page = await openConsole(h, '#/segments');
    await page.click('li[data-segment="beta"] a');
    await page.locator('[data-segment-page="beta"]').waitFor();
    await page.fill('textarea[name="included"]', 'zoe\nyan');
    await page.click('button.primary:has-text("Save")');
    await waitFor(
      'yan included',
      () => h.client.stringVariation('checkout-v2', { key: 'yan', country: 'DE' }, 'x') === 'treatment',
    );
    await page.close();
  });

  test('switches: sorted with the parent path greyed, state, conditions from the registries, copy, delete with descendants', async () => {
    for (const name of ['reports', 'reports:export', 'reports:export:csv', 'beta']) {
      await h.client.writer.putSwitch({ name, state: 'global' });
    }
    const page = await openConsole(h, '#/switches');
    await page.locator('tr[data-switch="reports:export:csv"]').waitFor();
    assert.deepEqual(
      await attributesOf(page.locator('table[data-list="switches"] tbody tr'), 'data-switch'),
      ['beta', 'reports', 'reports:export', 'reports:export:csv'],
    );
    assert.equal(
      await page.locator('tr[data-switch="reports:export:csv"] .parent').textContent(),
      'reports:export:',
    );

    await page.selectOption('select[aria-label="beta state"]', 'selective');
    await waitFor('beta selective', () => switchRecord(h.client, 'beta')?.state === 'selective');

    await page.click('tr[data-switch="beta"] button:has-text("Edit")');
    const editor = page.locator('[data-switch-editor="beta"]');
    // an untouched editor follows the list: it edits the version the server has now
    await editor
      .locator(`[data-version="${h.client.store.record('switch', 'default.beta')?.version}"]`)
      .waitFor();
    await editor.locator('button:has-text("Add condition")').click();
    const condition = editor.locator('[data-condition="0"]');
    assert.deepEqual(
      await condition.locator('select[aria-label="argument"] option').allTextContents(),
      ['User'],
      'arguments come from the app registry',
    );
    await condition.locator('select[aria-label="attribute"]').selectOption('plan');
    await condition.locator('select[aria-label="operator"]').selectOption('equals');
    await condition.locator('input[aria-label="value"]').fill('pro');
    await editor.locator('button.primary:has-text("Save")').click();
    await waitFor(
      'the condition on the server',
      () => (switchRecord(h.client, 'beta')?.conditions ?? []).length === 1,
    );
    assert.equal(h.client.active('beta', { key: 'a', plan: 'pro' }), true);
    assert.equal(h.client.active('beta', { key: 'b', plan: 'free' }), false);

    await page.click('tr[data-switch="reports"] button:has-text("Edit")');
    const reports = page.locator('[data-switch-editor="reports"]');
    await reports.locator('select[aria-label="copy conditions from"]').selectOption('beta');
    await reports.locator('button:has-text("Copy")').click();
    await reports.locator('input[aria-label="negative"]').check();
    await reports.locator('button.primary:has-text("Save")').click();
    await waitFor(
      'copied, negated',
      () => switchRecord(h.client, 'reports')?.conditions[0]?.negative === true,
    );
    assert.deepEqual(switchRecord(h.client, 'reports')?.conditions[0]?.operator, {
      name: 'equals',
      value: 'pro',
    });

    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.click('button[aria-label="delete reports:export"]');
    await waitFor('subtree deleted', () => !h.client.manager.has('reports:export'));
    assert.match(question, /reports:export:csv/);
    assert.equal(h.client.manager.has('reports:export:csv'), false);
    assert.equal(h.client.manager.has('reports'), true);
    await page.close();
  });

  test('switches: an edit begun before another change is refused with the conflict message, not saved over it', async () => {
    await h.client.writer.putSwitch({ name: 'stale', state: 'disabled', label: 'before' });
    const page = await openConsole(h, '#/switches');
    await page.click('tr[data-switch="stale"] button:has-text("Edit")');
    const editor = page.locator('[data-switch-editor="stale"]');
    await editor.locator('input[name="label"]').fill('from the page');
    // the state changed from the list's own control: the list reloads under the open editor, whose draft must
    // stay conditional on the version it was made from (saving it on the new version would undo the change)
    await page.selectOption('select[aria-label="stale state"]', 'global');
    await waitFor('the state change', () => switchRecord(h.client, 'stale')?.state === 'global');
    await page.waitForTimeout(300);
    await editor.locator('button.primary:has-text("Save")').click();
    const message = editor.locator('.error');
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /Someone else changed this/);
    assert.equal(switchRecord(h.client, 'stale')?.state, 'global', 'the other change stands');
    assert.equal(switchRecord(h.client, 'stale')?.label, 'before');
    await page.close();
  });

  test('switches: a state changed from a stale row shows the conflict and the row returns to the server’s state', async () => {
    await h.client.writer.putSwitch({ name: 'row-a', state: 'disabled' });
    await h.client.writer.putSwitch({ name: 'row-b', state: 'disabled' });
    const page = await openConsole(h, '#/switches');
    // an open editor pauses the list's live reloads (so that a stale edit is caught, not replaced)
    await page.click('tr[data-switch="row-a"] button:has-text("Edit")');
    await page.locator('[data-switch-editor="row-a"]').waitFor();
    await h.client.writer.setSwitchState('row-b', 'selective', { actor: 'elsewhere' });
    await page.selectOption('select[aria-label="row-b state"]', 'global');
    const message = page.locator('tr[data-switch="row-b"] .error');
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /Someone else changed this/);
    await until(
      'the row to show the server’s state',
      () => page.locator('select[aria-label="row-b state"]').inputValue(),
      'selective',
    );
    assert.equal(switchRecord(h.client, 'row-b')?.state, 'selective');
    await page.close();
  });

  test('switches: export downloads JSON, import writes what is pasted', async () => {
    const page = await openConsole(h, '#/switches');
    await page.locator('table[data-list="switches"]').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Export JSON")'),
    ]);
    const stream = await download.createReadStream();
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    const exported = JSON.parse(text) as {
      switches: Array<{ name: string }>;
      featureFlags: Array<{ key: string }>;
    };
    assert.ok(exported.switches.some((s) => s.name === 'beta'));
    assert.ok(exported.featureFlags.some((f) => f.key === 'checkout-v2'));
    await page.fill(
      'textarea[name="import"]',
      JSON.stringify({ switches: [{ name: 'imported', state: 'global' }] }),
    );
    await page.click('button:has-text("Import JSON")');
    await waitFor('imported switch', () => h.client.manager.has('imported'));
    await page.locator('tr[data-switch="imported"]').waitFor();
    await page.close();
  });

  test('evaluate as: value, kind and reason of every flag for a user, and a switch with its explanation', async () => {
    const page = await openConsole(h, '#/evaluate');
    await page.fill('textarea[name="user"]', '{ "key": "zoe", "country": "FR", "plan": "pro" }');
    await page.click('button:has-text("Evaluate flags")');
    const row = page.locator('[data-result] tr[data-flag="checkout-v2"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    const expected = h.client.variationDetail('checkout-v2', { key: 'zoe', country: 'FR', plan: 'pro' }, '');
    assert.deepEqual(cells, ['checkout-v2', JSON.stringify(expected.value), expected.kind, expected.reason]);
    assert.equal(expected.kind, 'RuleMatch');
    await page.fill('input[name="switch"]', 'beta');
    await page.click('button:has-text("Evaluate switch")');
    await page.locator('[data-result="switch"] [data-active="true"]').waitFor();
    await page.close();
  });

  test('experiments: per-variation figures with the 95 % interval drawn by Chart.js', async () => {
    await h.client.writer.updateFlag('checkout-v2', (flag) => ({ ...flag, rules: [], targetUsers: [] }));
    await h.client.writer.setRollout('checkout-v2', { control: 50, treatment: 50 }, { experiment: true });
    for (let i = 0; i < 400; i++) {
      const user = { key: `user-${i}` };
      const variant = h.client.stringVariation('checkout-v2', user, 'x');
      if (variant === 'treatment' ? i % 3 === 0 : i % 5 === 0) h.client.trackMetric(user, 'purchase');
    }
    await h.client.flush();
    const result = h.client.experimentResults('checkout-v2', 'purchase');
    const page = await openConsole(h, '#/experiments');
    await page.fill('input[name="experiment-flag"]', 'checkout-v2');
    await page.fill('input[name="experiment-event"]', 'purchase');
    await page.click('button:has-text("Show results")');
    for (const variation of result.variations) {
      const cells = await page.locator(`tr[data-variation="${variation.value}"] td`).allTextContents();
      assert.equal(cells[1], String(variation.exposures));
      assert.equal(cells[2], String(variation.conversions));
    }
    // In the page: the data Chart.js drew on the experiment's canvas.
    const readBars = (): Promise<number[][] | null> =>
      page.evaluate(
        `Chart.getChart(document.querySelector('canvas[data-chart="experiment"]'))?.data.datasets[0].data ?? null`,
      ) as Promise<number[][] | null>;
    await until('the chart', async () => (await readBars()) !== null, true);
    const drawn = (await readBars()) as number[][];
    assert.deepEqual(
      drawn.map(([low, high]) => [low.toFixed(6), high.toFixed(6)]),
      result.variations.map((v) => [
        ((v.conversionInterval?.low ?? 0) * 100).toFixed(6),
        ((v.conversionInterval?.high ?? 0) * 100).toFixed(6),
      ]),
    );
    await page.close();
  });

  test('audit log: entries with their diffs, filtered by record', async () => {
    const page = await openConsole(h, '#/audit');
    await page.locator('ol[data-list="audit"] li').first().waitFor();
    await page.fill('input[name="audit-key"]', 'dark-mode');
    await until(
      'the audit list filtered',
      () =>
        page.evaluate(
          `[...document.querySelectorAll('ol[data-list="audit"] > li > code')].every((c) => c.textContent === 'dark-mode')`,
        ),
      true,
    );
    const entries = await h.client.writer.readAudit({ key: 'dark-mode' });
    assert.equal(await page.locator('ol[data-list="audit"] > li').count(), entries.length);
    // The page shows the stored diff as it is: op, JSON Pointer, value before and after as JSON.
    const shown = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));
    for (const entry of entries.slice(0, 3)) {
      const rows = page.locator(`li[data-audit="${entry.id}"] table.diff tr`);
      assert.equal(await rows.count(), entry.changes.length);
      for (const [i, change] of entry.changes.entries()) {
        assert.deepEqual(await rows.nth(i).locator('td').allTextContents(), [
          change.op,
          change.path || '/',
          shown(change.from),
          shown(change.to),
        ]);
      }
    }
    await page.close();
  });

  test('no script error and no Content-Security-Policy violation on any page (screenshots of each)', async () => {
    for (const hash of CONSOLE_PAGES) {
      const page = await openConsole(h, hash);
      await page.waitForTimeout(200);
      assert.deepEqual((page as Page & { scriptErrors?: string[] }).scriptErrors, [], hash);
      assert.deepEqual(await page.evaluate('globalThis.cspViolations ?? []'), [], `${hash}: CSP violations`);
      await shoot(page, hash.slice(2).replace(/\//g, '-'));
      await page.close();
    }
  });

  test('user-supplied strings are shown as text: a switch label, flag and segment names, an audit actor', async () => {
    const payload = '<img src=x onerror=alert(1)>';
    await h.client.writer.putSwitch({ name: 'xss', state: 'global', label: payload });
    await h.client.writer.createFlag({ ...(booleanFlag('xss-flag') as object), name: payload } as never, {
      actor: payload,
    });
    await h.client.writer.createSegment({ id: 'xss-seg', name: payload, included: [], excluded: [] });
    const page = await openConsole(h, '#/switches');
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const label = page.locator('tr[data-switch="xss"] [data-label]');
    await label.waitFor();
    assert.equal(await label.textContent(), payload);
    for (const hash of ['#/flags', '#/segments', '#/audit']) {
      await page.evaluate(`location.hash = '${hash}'`);
      await page.locator(`text=${payload}`).first().waitFor();
    }
    await page.waitForTimeout(200);
    assert.equal(await page.locator('img').count(), 0, 'no element was made from the payload');
    assert.equal(await page.evaluate('document.querySelectorAll("img").length'), 0);
    assert.deepEqual(dialogs, [], 'no script ran');
    await page.close();
  });

  test('two pages see each other’s edits live, without a reload', async () => {
    await h.client.writer.putSwitch({ name: 'live-a', state: 'disabled' });
    const one = await openConsole(h, '#/switches');
    const two = await openConsole(h, '#/switches');
    const state = (page: Page): Locator => page.locator('select[aria-label="live-a state"]');
    await state(one).waitFor();
    await state(two).waitFor();
    let reloads = 0;
    two.on('load', () => reloads++);
    one.on('load', () => reloads++);
    await state(one).selectOption('global');
    await until('page two shows global', () => state(two).inputValue(), 'global');
    await state(two).selectOption('selective');
    await until('page one shows selective', () => state(one).inputValue(), 'selective');
    assert.equal(switchRecord(h.client, 'live-a')?.state, 'selective');
    // flags too: page one toggles, page two's toggle follows
    await one.evaluate(`location.hash = '#/flags'`);
    await two.evaluate(`location.hash = '#/flags'`);
    const toggle = (page: Page): Locator => page.locator('input[aria-label="checkout-v2 on"]');
    await toggle(one).waitFor();
    await toggle(two).waitFor();
    const before = await toggle(two).isChecked();
    await toggle(one).click();
    await until('page two follows the toggle', () => toggle(two).isChecked(), !before);
    await toggle(two).click();
    await until('page one follows the toggle', () => toggle(one).isChecked(), before);
    assert.equal(reloads, 0, 'neither page reloaded');
    await one.close();
    await two.close();
  });

  test('edit a rule on the flag page, and "evaluate as" in another page changes its answer', async () => {
    await h.client.writer.updateFlag('checkout-v2', (flag) => ({
      ...flag,
      isEnabled: true,
      rules: [],
      targetUsers: [],
      fallthrough: { includedInExpt: false, variations: [{ id: 'v-control', rollout: [0, 1] }] },
    }));
    const evaluate = await openConsole(h, '#/evaluate');
    const user = '{ "key": "eve", "country": "NZ" }';
    const answer = async (): Promise<string[]> => {
      await evaluate.fill('textarea[name="user"]', user);
      await evaluate.click('button:has-text("Evaluate flags")');
      const row = evaluate.locator('[data-result] tr[data-flag="checkout-v2"]');
      await row.waitFor();
      return row.locator('td').allTextContents();
    };
    const first = await answer();
    assert.deepEqual(first.slice(1, 3), ['"control"', 'FallThrough']);
    const editor = await openConsole(h, '#/flags/checkout-v2');
    await editor.locator('[data-flag-page="checkout-v2"]').waitFor();
    await editor.click('button:has-text("Add rule")');
    const rule = editor.locator('fieldset[data-rule="0"]');
    await rule.locator('input[aria-label="attribute"]').first().fill('country');
    await rule.locator('select[aria-label="operator"]').first().selectOption('Equal');
    await rule.locator('input[aria-label="value"]').first().fill('NZ');
    await rule.locator('input[name="rule-0-control"]').fill('0');
    await rule.locator('input[name="rule-0-treatment"]').fill('100');
    await shoot(editor, 'flag-rule');
    await editor.click('button.primary:has-text("Save")');
    await waitFor(
      'the rule on the server',
      () => (flagDoc(h.client, 'checkout-v2').rules ?? []).length === 1,
    );
    await evaluate
      .locator('[data-result] tr[data-flag="checkout-v2"] td:has-text("RuleMatch")')
      .waitFor({
        timeout: 3000,
      })
      .catch(() => undefined);
    const second = await answer();
    assert.deepEqual(second.slice(1, 3), ['"treatment"', 'RuleMatch']);
    await shoot(evaluate, 'evaluate-after-rule');
    await editor.close();
    await evaluate.close();
  });

  test('keyboard: every control is reachable with Tab and every input has a label', async () => {
    for (const hash of CONSOLE_PAGES) {
      const page = await openConsole(h, hash);
      await page.waitForTimeout(300);
      const unlabelled = (await page.evaluate(`[...document.querySelectorAll('input, select, textarea')]
        .filter((el) => el.type !== 'hidden')
        .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') &&
          !el.getAttribute('aria-labelledby'))
        .map((el) => el.outerHTML.slice(0, 120))`)) as string[];
      assert.deepEqual(unlabelled, [], `${hash}: inputs without a label`);
      const nameless = (await page.evaluate(`[...document.querySelectorAll('button')]
        .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim()))
        .map((el) => el.outerHTML.slice(0, 120))`)) as string[];
      assert.deepEqual(nameless, [], `${hash}: buttons without a name`);
      // Tab through the page (from the top) and collect every control that took the focus.
      const controls = (await page.evaluate(`(() => {
        const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
          .filter((el) => !el.disabled && el.getAttribute('tabindex') !== '-1' && el.getClientRects().length > 0);
        all.forEach((el, i) => el.setAttribute('data-kb', String(i)));
        return all.length;
      })()`)) as number;
      const reached = new Set<string>();
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      for (let i = 0; i < controls + 5; i++) {
        await page.keyboard.press('Tab');
        const id = (await page.evaluate(`document.activeElement?.getAttribute('data-kb') ?? ''`)) as string;
        if (id !== '') reached.add(id);
      }
      const missed = (await page.evaluate(`[...document.querySelectorAll('[data-kb]')]
        .filter((el) => !${JSON.stringify([...reached])}.includes(el.getAttribute('data-kb')))
        .map((el) => el.outerHTML.slice(0, 100))`)) as string[];
      assert.deepEqual(missed, [], `${hash}: controls Tab never reaches`);
      await page.close();
    }
    // and a control works from the keyboard: focus a switch's state and pick with the arrow keys
    await h.client.writer.putSwitch({ name: 'kb', state: 'disabled' });
    const page = await openConsole(h, '#/switches');
    const select = page.locator('select[aria-label="kb state"]');
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await waitFor('kb changed from the keyboard', () => switchRecord(h.client, 'kb')?.state !== 'disabled');
    await page.close();
  });

  test('cross-site request forgery: a page of another origin cannot write with the console session', async () => {
    const context = await h.browser.newContext();
    const own = await openConsole(h, '#/switches', context);
    // the same form post from the console's own origin is accepted: the attack below fails for its origin only
    const accepted = (await own.evaluate(`fetch('/switchyard/api/import', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'switches[0][name]=same-origin-import&switches[0][state]=global',
    }).then((r) => r.status)`)) as number;
    assert.equal(accepted, 200);
    assert.equal(switchRecord(h.client, 'same-origin-import')?.state, 'global');
    // another origin on the same host (another port: same site, so SameSite cookies still go along)
    const evil: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><form method="POST" action="${h.url}/switchyard/api/import">
        <input name="switches[0][name]" value="forged"><input name="switches[0][state]" value="global">
        </form><script>
        fetch('${h.url}/switchyard/api/import', { method: 'POST', mode: 'no-cors', credentials: 'include',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'switches[0][name]=forged-fetch&switches[0][state]=global' })
          .finally(() => document.forms[0].submit());
        </script>`);
    });
    await new Promise<void>((done) => evil.listen(0, '127.0.0.1', done));
    const evilPort = (evil.address() as { port: number }).port;
    const attacker = await context.newPage();
    const refused: number[] = [];
    attacker.on('response', (response) => {
      if (response.url().includes('/switchyard/api/import')) refused.push(response.status());
    });
    await attacker.goto(`http://127.0.0.1:${evilPort}/`);
    await attacker.waitForURL(/\/switchyard\/api\/import/);
    await own.waitForTimeout(200);
    assert.equal(switchRecord(h.client, 'forged'), undefined, 'the form post wrote nothing');
    assert.equal(switchRecord(h.client, 'forged-fetch'), undefined, 'the no-cors fetch wrote nothing');
    assert.ok(refused.includes(403), `the form post was refused: ${refused.join(', ')}`);
    assert.match((await attacker.content()) ?? '', /another origin/);
    await new Promise<void>((done) => evil.close(() => done()));
    await context.close();
  });
});

describe('console (Fastify)', { skip }, () => {
  let h: Harness | undefined;
  after(() => stopHarness(h));
  test('under a global prefix: the page, its scripts and the libraries are served, and it lists flags live', async () => {
    h = await startHarness('fastify', 'api/v1');
    await h.client.writer.createFlag(booleanFlag('dark-mode') as never);
    const page = await openConsole(h, '#/flags');
    await page.locator('tr[data-flag="dark-mode"]').waitFor();
    await h.client.writer.createFlag(booleanFlag('new-flag') as never);
    await page.locator('tr[data-flag="new-flag"]').waitFor();
    assert.deepEqual((page as Page & { scriptErrors?: string[] }).scriptErrors, []);
    await page.close();
  });
});

describe('console without a browser', () => {
  test('files outside the console’s list are never served; the page needs no network beyond the app', async () => {
    const app = await createAdminApp('express');
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const signIn = await fetch(`${url}/switchyard`);
      assert.equal(signIn.status, 401, 'no console without authorisation');
      assert.doesNotMatch(
        await signIn.text(),
        /https?:\/\//,
        'no CDN or external address in the sign-in page',
      );
      const page = await fetch(`${url}/switchyard`, { headers: { authorization: `Bearer ${WRITER_KEY}` } });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.doesNotMatch(html, /https?:\/\//, 'no CDN or external address in the page');
      for (const path of [
        'assets/app.js',
        'assets/signin.js',
        'vendor/preact.mjs',
        'vendor/hooks.mjs',
        'vendor/htm.mjs',
        'vendor/chart.umd.min.js',
      ]) {
        assert.equal((await fetch(`${url}/switchyard/${path}`)).status, 200, path);
      }
      for (const path of ['assets/..%2F..%2Fpackage.json', 'assets/console-assets.js', 'vendor/react.js']) {
        assert.equal((await fetch(`${url}/switchyard/${path}`)).status, 404, path);
      }
      assert.equal((await fetch(`${url}/switchyard/api/flags`)).status, 401, 'the data stays behind auth');
    } finally {
      await app.close();
    }
  });
});

describe('console on the sample app', { skip }, () => {
  test('toggle a switch in the console and the sample’s guarded route changes its answer', async () => {
    const key = 'sample-console-test-key-0123456789';
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../sample/main.js', import.meta.url))], {
      env: { ...process.env, PORT: '0', SWITCHYARD_ADMIN_KEY: key, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((done) => child.once('exit', done));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const base = await new Promise<string>((done, fail) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
          if (match) done(`http://127.0.0.1:${match[1]}`);
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => fail(new Error(`the sample exited (${code}):\n${output}`)));
      });
      const reports = async (headers: Record<string, string> = {}): Promise<number> =>
        (await fetch(`${base}/reports`, { headers })).status;
      const pro = { 'x-user-id': 'ann', 'x-user-plan': 'pro' };
      assert.equal(await reports(), 404, 'reports is selective: pro users only');
      assert.equal(await reports(pro), 200);

      const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      assert.equal((await page.goto(`${base}/switchyard#/switches`))?.status(), 401);
      await shoot(page, 'sign-in');
      await signIn(page, key);
      const state = page.locator('select[aria-label="reports state"]');
      await state.waitFor();
      assert.equal(await state.inputValue(), 'selective');
      await shoot(page, 'sample-switches');
      const row = page.locator('tr[data-switch="reports"]');
      const firstVersion = await row.getAttribute('data-version');
      await state.selectOption('global');
      await until('GET /reports to answer everyone', () => reports(), 200);
      // the next change is made on the version the row shows: wait for the row to show the new one
      await until(
        'the row to reload',
        async () => (await row.getAttribute('data-version')) !== firstVersion,
        true,
      );
      await state.selectOption('disabled');
      await until('GET /reports to answer no one', () => reports(pro), 404);
      assert.equal(await reports(), 404);
      await context.close();
    } finally {
      await browser.close();
      child.kill('SIGTERM');
      await exited;
    }
  });
});
