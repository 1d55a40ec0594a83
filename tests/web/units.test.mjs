// units.test.mjs - the dashboard's pure modules (format.js, model.js, chart.js)
// checked inside Chromium, imported from lfsd exactly as the page imports them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

test('model: every field is read from lfsd\'s own objects, under the name lfsd sends', async () => {
  const build = (await lfsd.call('POST', '/build', { files: { 'a.lua': 'return 1' } })).body;
  const rel = (await lfsd.call('POST', '/releases', { build_id: build.id, channel: 'beta', rollout_percent: 10 })).body;
  await lfsd.call('POST', '/devices', { id: 'd1', channel: 'beta' });
  const dev = (await lfsd.call('GET', '/devices/d1')).body;
  const fleet = (await lfsd.call('GET', '/fleet')).body;
  const r = await page.evaluate(async (o) => {
    const m = await import('/assets/js/model.js');
    const missing = (name, obj) => Object.entries(obj).filter(([, v]) => v === undefined).map(([k]) => `${name}.${k}`);
    const b = m.modelBuild(o.build);
    const d = m.modelDevice(o.dev);
    const c = m.modelFleetChannel(o.fleet.channels.find((x) => x.name === 'beta'));
    return {
      missing: [...missing('build', b), ...missing('module', b.modules[0]), ...missing('release', m.modelRelease(o.rel)),
        ...missing('device', d), ...missing('fleet', c), ...missing('fleet.release', c.releases[0])],
      build: [b.imageSize, b.flashSize, b.target, b.modules[0].name],
      dev: [d.state, d.bucket, d.offered ? d.offered.id : null, d.running, m.devicePending(d)],
      fleet: [c.devices, c.states.none, c.releases[0].id, c.releases[0].devices, c.noImage],
      tones: ['booted', 'downloading', 'failed', 'rolled-back', 'registered'].map(m.stateTone),
    };
  }, { build, rel, dev, fleet });
  assert.deepEqual(r.missing, [], 'no model field is left undefined');
  assert.deepEqual(r.build, [build.size, build.effective.flash_size, 'nodemcu-lua53', 'a']);
  const inRollout = dev.bucket < 10;
  assert.deepEqual(r.dev, ['registered', dev.bucket, inRollout ? rel.id : null, null, inRollout]);
  assert.deepEqual(r.fleet, [1, 1, rel.id, 0, 1]);
  assert.deepEqual(r.tones, ['ok', 'busy', 'bad', 'warn', 'idle']);
});

test('chart: devices counted per release of a channel, from lfsd\'s counts', async () => {
  const r = await page.evaluate(async () => {
    const c = await import('/assets/js/chart.js');
    const m = await import('/assets/js/model.js');
    const summary = m.modelFleetChannel({ name: 'x', devices: 5, states: {}, other_image: 1, no_image: 1, pending: 0,
      releases: [{ id: 2, number: 2, build_id: 7, state: 'active', devices: 2 },
        { id: 1, number: 1, build_id: 5, state: 'revoked', devices: 1 }] });
    const items = c.devicesPerRelease(summary);
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

