// browser.mjs - start Debian's Chromium headless through playwright-core with a
// fresh profile directory, and record console errors, page errors, failed
// requests and every request to a host other than the one under test.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { watchdogGuard } from './watchdog.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/**
 * Launch a browser context for `origin` (e.g. http://127.0.0.1:4321).
 * Returns { context, page(), problems, foreign, close() } where problems collects
 * console errors, uncaught page errors and failed requests, and foreign every
 * request URL whose origin is not `origin` (blob:/data: excepted).
 */
export async function browserOpen(origin, { width = 1280, height = 900, colorScheme = 'light' } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lfsd-web-profile-'));
  const release = watchdogGuard(0, profile); // Chromium ends with us (its pipe closes)
  // launchPersistentContext passes --user-data-dir=<profile> to Chromium
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width, height },
    colorScheme,
    acceptDownloads: true,
  });
  const problems = [];
  const foreign = [];
  const watch = (page) => {
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      const why = r.failure() ? r.failure().errorText : 'failed';
      if (why !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${why}`);
    });
    page.on('request', (r) => {
      const u = r.url();
      if (u.startsWith('blob:') || u.startsWith('data:')) return;
      if (new URL(u).origin !== origin) foreign.push(u);
    });
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    foreign,
    async page() {
      const pages = context.pages();
      return pages.length ? pages[0] : context.newPage();
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
      release();
    },
  };
}
