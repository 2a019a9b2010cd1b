/**
 * The web console in a real headless Chromium (Debian's `chromium`, driven by playwright-core) against a real Nest
 * app with the admin module: every page does what it shows, through the admin API, and the server's state is
 * checked through the app's own client — never through the page.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
  readonly browser: Browser;
  readonly context: BrowserContext;
}

async function startHarness(platform: Platform): Promise<Harness> {
  const app = await createAdminApp(platform, {
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
  const context = await browser.newContext({ acceptDownloads: true });
  return { app, client, url, browser, context };
}

async function stopHarness(h: Harness | undefined): Promise<void> {
  await h?.context.close();
  await h?.browser.close();
  await h?.app.close();
}

/** A page of the console, with the writer's API key entered through the key form. */
async function openConsole(h: Harness, hash: string): Promise<Page> {
  const page = await h.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  (page as Page & { scriptErrors?: string[] }).scriptErrors = errors;
  await page.goto(`${h.url}/switchyard${hash}`);
  if (!(await page.evaluate('sessionStorage.getItem("switchyard.apiKey")'))) {
    await page.fill('input[name="api-key"]', WRITER_KEY);
    await Promise.all([page.waitForEvent('load'), page.click('form.key button')]);
  }
  await page.locator('[data-connection="live"]').waitFor();
  return page;
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

  test('without a key the API answers 401 and the page asks for one; with it, flags are listed', async () => {
    const page = await h.context.newPage();
    await page.goto(`${h.url}/switchyard#/flags`);
    await page
      .locator('[data-status="401"]')
      .waitFor({ timeout: 5000 })
      .catch(async (error: unknown) => {
        console.log(await page.content());
        throw error;
      });
    await page.fill('input[name="api-key"]', WRITER_KEY);
    await Promise.all([page.waitForEvent('load'), page.click('form.key button')]);
    await page.locator('tr[data-flag="checkout-v2"]').waitFor();
    await page.locator('tr[data-flag="dark-mode"]').waitFor();
    await page.locator('[data-connection="live"]').waitFor();
    await page.close();
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
    const bars = await page.waitForFunction(
      `Chart.getChart(document.querySelector('canvas[data-chart="experiment"]'))?.data.datasets[0].data ?? false`,
    );
    const drawn = (await bars.jsonValue()) as number[][];
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
    await page.waitForFunction(
      `[...document.querySelectorAll('ol[data-list="audit"] > li > code')].every((c) => c.textContent === 'dark-mode')`,
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

  test('no script error on any page', async () => {
    for (const hash of [
      '#/switches',
      '#/flags',
      '#/flags/checkout-v2',
      '#/segments',
      '#/evaluate',
      '#/experiments',
      '#/audit',
    ]) {
      const page = await openConsole(h, hash);
      await page.waitForTimeout(200);
      assert.deepEqual((page as Page & { scriptErrors?: string[] }).scriptErrors, [], hash);
      await page.close();
    }
  });
});

describe('console (Fastify)', { skip }, () => {
  let h: Harness | undefined;
  after(() => stopHarness(h));
  test('the page, its scripts and the libraries are served, and it lists flags live', async () => {
    h = await startHarness('fastify');
    await h.client.writer.createFlag(booleanFlag('dark-mode') as never);
    const page = await openConsole(h, '#/flags');
    await page.locator('tr[data-flag="dark-mode"]').waitFor();
    await h.client.writer.createFlag(booleanFlag('new-flag') as never);
    await page.locator('tr[data-flag="new-flag"]').waitFor();
    await page.close();
  });
});

describe('console without a browser', () => {
  test('files outside the console’s list are never served; the page needs no network beyond the app', async () => {
    const app = await createAdminApp('express');
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const page = await fetch(`${url}/switchyard`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.doesNotMatch(html, /https?:\/\//, 'no CDN or external address in the page');
      for (const path of [
        'assets/app.js',
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
