// units.test.mjs - the dashboard's pure modules (format.js, model.js, chart.js)
// checked inside Chromium, imported from lfsd exactly as the page imports them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { lfsdStart } from './lib/lfsd.mjs';
import { browserOpen } from './lib/browser.mjs';

let lfsd, b, page;

before(async () => {
  lfsd = await lfsdStart({ args: ['--poll-interval', '1'] });
  b = await browserOpen(lfsd.url);
  page = await b.page();
  await page.goto(`${lfsd.url}/`);
  await page.waitForSelector('#token');
});

after(async () => {
  if (b) await b.close();
  if (lfsd) await lfsd.stop();
});

test('format: sizes, relative and absolute times', async () => {
  const r = await page.evaluate(async () => {
    const f = await import('/assets/js/format.js');
    const now = Date.UTC(2026, 0, 10, 12, 0, 0);
    return {
      sizes: [f.bytes(0), f.bytes(1023), f.bytes(1024), f.bytes(131072), f.bytes(1536 * 1024), f.bytes(null)],
      rel: [now / 1000 - 3, now / 1000 - 45, now / 1000 - 300, now / 1000 - 7200, now / 1000 - 86400 * 3, now / 1000 + 300, null]
        .map((t) => f.relative(t, now)),
      abs: f.absolute(1763731200),
      sqlite: f.absolute('2026-01-10 12:00:00'),
      pct: [f.percent(10, 100), f.percent(1, 3), f.percent(1, 0)],
    };
  });
  assert.deepEqual(r.sizes, ['0 B', '1023 B', '1.0 KiB', '128 KiB', '1.5 MiB', '—']);
  assert.deepEqual(r.rel, ['just now', '45 s ago', '5 min ago', '2 h ago', '3 days ago', 'in 5 min', 'never']);
  assert.equal(r.abs, '2025-11-21 13:20:00 UTC');
  assert.equal(r.sqlite, '2026-01-10 12:00:00 UTC', 'SQLite times are UTC');
  assert.deepEqual(r.pct, ['10 %', '33 %', '—']);
});

test('model: lfsd objects and tolerated variants', async () => {
  const r = await page.evaluate(async () => {
    const m = await import('/assets/js/model.js');
    const build = m.modelBuild({ id: 3, sha256: 'ab', size: 100, created: 5, status: 'ok',
      options: { target: 'nodemcu-lua53-64', max_size: 4096 }, effective: { flash_size: 120 },
      modules: [{ name: 'a', file: 'a.lua', image_bytes: 60, flash_bytes: 70, functions: 2 }] });
    const rel = m.modelRelease({ id: 9, channel: 'beta', number: 2, build_id: 3, rollout_percent: 10, state: 'paused' });
    const relOld = m.modelRelease({ id: 1, revoked: true });
    const dev = m.modelDevice({ id: 'd1', channel: 'beta', running_sha256: 'ab', last_seen: 7, state: null,
      events: [{ time: 7, state: 'booted', sha256: 'ab', detail: 'ok' }] });
    return {
      build: [build.id, build.imageSize, build.flashSize, build.target, build.modules[0].flashBytes],
      rel: [rel.number, rel.buildId, rel.rollout, rel.state, relOld.state],
      dev: [dev.sha256, dev.state, dev.events[0].state],
      tones: ['booted', 'downloading', 'failed', 'rolled-back', 'registered'].map(m.stateTone),
    };
  });
  assert.deepEqual(r.build, [3, 100, 120, 'nodemcu-lua53-64', 70]);
  assert.deepEqual(r.rel, [2, 3, 10, 'paused', 'revoked']);
  assert.deepEqual(r.dev, ['ab', 'registered', 'booted']);
  assert.deepEqual(r.tones, ['ok', 'busy', 'bad', 'warn', 'idle']);
});

test('chart: devices counted per release of a channel', async () => {
  const r = await page.evaluate(async () => {
    const c = await import('/assets/js/chart.js');
    const releases = [
      { id: 2, number: 2, buildId: 7, sha256: 'new', state: 'active' },
      { id: 1, number: 1, buildId: 5, sha256: 'old', state: 'revoked' },
    ];
    const devices = [{ sha256: 'new' }, { sha256: 'new' }, { sha256: 'old' }, { sha256: 'x' }, { sha256: null }];
    const items = c.devicesPerRelease(releases, devices);
    const svg = c.barChart(items, 'test');
    return {
      items: items.map((i) => [i.label, i.count, i.tone]),
      rows: svg.querySelectorAll('.chart-row').length,
      label: svg.getAttribute('aria-label'),
    };
  });
  assert.deepEqual(r.items, [['Release 2', 2, 'ok'], ['Release 1', 1, 'bad'], ['Other image', 1, 'busy'], ['No image yet', 1, 'idle']]);
  assert.equal(r.rows, 4);
  assert.match(r.label, /Release 2 2, Release 1 1, Other image 1, No image yet 1/);
});

test('rollout: bucket and target release follow lfsd\'s rule', async () => {
  const ids = ['dev-001', 'dev-002', 'sensor:kitchen', 'ümlaut-7', 'x'];
  const r = await page.evaluate(async (ids) => {
    const ro = await import('/assets/js/rollout.js');
    const rel = (id, state, rollout, sha) => ({ id, number: id, state, rollout, sha256: sha });
    const releases = [rel(3, 'revoked', 100, 'c'), rel(2, 'active', 30, 'b'), rel(1, 'paused', 100, 'a')];
    return {
      buckets: await Promise.all(ids.map(ro.rolloutBucket)),
      targets: [
        ro.rolloutTarget(releases, 10, null)?.id,   // in the 30 % of release 2
        ro.rolloutTarget(releases, 50, 'a')?.id,    // outside 30 %, stays on paused 1
        ro.rolloutTarget(releases, 50, null) ?? null, // outside, not on 1: nothing
        ro.rolloutTarget(releases, 29, 'a')?.id,    // bucket 29 < 30: release 2
        ro.rolloutTarget(releases, 30, 'z') ?? null, // bucket 30 is not < 30
      ],
    };
  }, ids);
  const expect = ids.map((id) => crypto.createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % 100);
  assert.deepEqual(r.buckets, expect);
  assert.deepEqual(r.targets, [2, 1, null, 2, null]);
});
