import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exploreProject, writeProjectReport } from '../../src/app/explore.js';
import { CUSTOMERS_SQL, makeExploreLab, ORDERS_SQL, type ExploreLab } from '../../src/app/explore.testutil.js';
import { setTags } from '../../src/app/tags.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (install Debian's chromium)`;

describe.skipIf(skip)(`the HTML report in headless Chromium (${skip || 'available'})`, () => {
  let env: ExploreLab;
  let browser: BrowserContext;
  let profile: string;
  let file: string;
  let expectedCharts = 0;

  beforeAll(async () => {
    env = await makeExploreLab();
    await env.addSnapshot('customers', CUSTOMERS_SQL());
    await env.addSnapshot('orders', ORDERS_SQL);
    await exploreProject(env.lab, env.project);
    await setTags(env.lab.catalog, env.project, 'customers.churn', ['role=target']);
    await setTags(env.lab.catalog, env.project, 'orders.customer_id->customers.customer_id', ['confirmed']);
    await env.addSnapshot('customers', CUSTOMERS_SQL(30));
    await exploreProject(env.lab, env.project);
    // the file `autolab report` writes
    const written = await writeProjectReport(env.lab, env.project, { out: join(env.dir, 'report.html') });
    file = written.path;
    expectedCharts = (readFileSync(file, 'utf8').match(/data-chart="c\d+"/g) ?? []).length;
    // a fresh profile (--user-data-dir) every run: nothing cached or signed in carries over
    profile = mkdtempSync(join(tmpdir(), 'autolab-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await env?.cleanup();
  });

  it('renders every chart with marks, without console errors or network requests', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 30_000 });

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(expectedCharts).toBeGreaterThan(15);
    expect(await page.getAttribute('body', 'data-charts-failed')).toBe('0');
    expect(Number(await page.getAttribute('body', 'data-charts-rendered'))).toBe(expectedCharts);

    // every chart container holds an SVG whose data marks (not axes or legends) are drawn with a
    // visible size: a chart whose bars collapsed to nothing counts as empty
    const empty = await page.$$eval('[data-chart]', (nodes) =>
      nodes
        .filter((n) => {
          const svg = n.querySelector('svg');
          if (!svg || svg.getBoundingClientRect().width < 10) return true;
          const visible = [...svg.querySelectorAll('g.role-mark > *')].filter((m) => {
            const box = m.getBoundingClientRect();
            return m.tagName === 'line' ? box.width >= 1 || box.height >= 1 : box.width >= 1 && box.height >= 1;
          });
          return visible.length === 0;
        })
        .map((n) => n.getAttribute('data-chart')),
    );
    expect(empty).toEqual([]);

    // the sections a reader navigates to are there
    for (const id of ['overview', 'alerts', 'target', 'relationships', 'pii', 'drift', 't0', 't1']) {
      expect(await page.locator(`section#${id}`).count()).toBe(1);
    }
    expect(await page.locator('#target').innerText()).toContain('churn_copy');
    await page.close();
  });
});
