// dashboard.test.mjs - the dashboard driven in Chromium against a real lfsd:
// sign in; upload a conformance app (file picker and drag and drop) and see its
// modules; a syntax error shown at file:line with the source line marked; the
// build page (size bar, sha256, download, listing); paging; release at 10 %,
// raise to 100 %, pause, resume, revoke; register a device, let lfs-device
// update, and see it running the release. Screenshots of every page at 1280 and
// 390 px (and dark at 1280) go to build/test/web/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { appFiles, shotPath, BIN } from './lib/paths.mjs';
import { lfsdStart, deviceOnce, devicePoll, deviceReport } from './lib/lfsd.mjs';
import { browserOpen } from './lib/browser.mjs';

const APP = 'json_config';     // uploaded with the file picker, released, run by the device
const DROP_APP = 'state_machine'; // uploaded by drag and drop
let lfsd, b, page;
const ids = {};

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
const moduleNames = (files) => files.map((f) => path.basename(f, '.lua')).sort();

/** Screenshots at 1280 and 390 px (light) and 1280 (dark); fails on sideways scrolling at 390. */
async function shot(name, { fullPage = true } = {}) {
  await page.evaluate(() => {
    document.querySelectorAll('.toast').forEach((t) => t.remove());
    window.scrollTo(0, 0);
  });
  for (const [w, scheme] of [[1280, 'light'], [390, 'light'], [1280, 'dark']]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: w, height: w === 390 ? 844 : 900 });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} at ${w} px scrolls sideways by ${overflow} px`);
    await page.screenshot({ path: shotPath(`${name}-${w}${scheme === 'dark' ? '-dark' : ''}`), fullPage });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Open a dashboard location afresh (a same-hash goto would not reload). */
async function visit(hash) {
  const url = `${lfsd.url}/#${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}

async function confirmDialog() {
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  return dlg;
}

/**
 * Wait until an upload ends: on the new build's page (returns its id) or with an
 * error panel (fails the test with the panel's text).
 */
async function uploadEnds() {
  const end = await page.waitForFunction(() => {
    if (document.querySelector('.upload-status .compile-error')) return 'error';
    const m = /^#\/builds\/(\d+)$/.exec(location.hash);
    return m && document.querySelector('.modules-table') ? m[1] : null;
  }, null, { timeout: 60000 });
  const v = await end.jsonValue();
  if (v === 'error') assert.fail(`upload failed: ${await page.locator('.upload-status').innerText()}`);
  return Number(v);
}

/** Wait until the dashboard shows a location matching `re` (polls location.hash). */
async function atHash(re) {
  await page.waitForFunction((src) => new RegExp(src).test(location.hash), re.source);
}

/** Text of the cells of one table column. */
async function column(selector, n) {
  return page.locator(`${selector} tbody tr td:nth-child(${n})`).allInnerTexts();
}

before(async () => {
  lfsd = await lfsdStart({ args: ['--poll-interval', '1'] });
  b = await browserOpen(lfsd.url);
  page = await b.page();
});

after(async () => {
  if (b) await b.close();
  if (lfsd) await lfsd.stop();
});

test('sign in: a wrong token gets a clear message, the right one is kept for the tab', async () => {
  await page.goto(`${lfsd.url}/`);
  await page.fill('#token', 'not-the-token');
  await page.click('#signin');
  const err = page.locator('#signin-error');
  await err.waitFor({ state: 'visible' });
  assert.match(await err.innerText(), /not accepted/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a wrong token is not stored');
  await shot('01-signin');
  await page.fill('#token', lfsd.token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.nav-link[data-section="builds"][aria-current="page"]');
  await atHash(/^#\/builds$/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('lfsd.adminToken')), lfsd.token);
  assert.equal(await page.evaluate(() => localStorage.getItem('lfsd.adminToken')), null, 'not in localStorage');
  await page.reload();
  await page.waitForSelector('#dropzone');
  assert.equal(await page.locator('#token').count(), 0, 'still signed in after a reload');
});

test('upload a conformance app with the file picker: progress, then its modules', async () => {
  const files = appFiles(APP);
  // record every progress bar the upload panel shows
  await page.evaluate(() => {
    window.seenProgress = [];
    new MutationObserver(() => {
      for (const p of document.querySelectorAll('.progress')) {
        const label = p.getAttribute('aria-label');
        if (!window.seenProgress.includes(label)) window.seenProgress.push(label);
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.setInputFiles('#file-input', files);
  ids.app = await uploadEnds();
  const seen = await page.evaluate(() => window.seenProgress);
  assert.ok(seen.some((l) => /^Uploading 5 files/.test(l)), `upload progress shown (${seen})`);
  assert.ok(seen.some((l) => /^Compiling 5 modules/.test(l)), `build progress shown (${seen})`);
  const shown = (await column('.modules-table', 1)).map((t) => t.trim()).sort();
  assert.deepEqual(shown, moduleNames(files), 'every module of the app is listed');
  const api = (await lfsd.call('GET', `/builds/${ids.app}`)).body;
  assert.deepEqual(api.modules.map((m) => m.name).sort(), moduleNames(files));
  ids.appSha = api.sha256;
  ids.appFlash = api.effective?.flash_size ?? null;
});

test('upload by drag and drop of files', async () => {
  await visit(`/builds`);
  await page.waitForSelector('#dropzone');
  const files = appFiles(DROP_APP).map((f) => ({ name: path.basename(f), text: fs.readFileSync(f, 'utf8') }));
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text], f.name, { type: 'text/x-lua' }));
    const zone = document.getElementById('dropzone');
    zone.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  ids.drop = await uploadEnds();
  assert.ok(ids.drop > ids.app);
  const shown = (await column('.modules-table', 1)).map((t) => t.trim()).sort();
  assert.deepEqual(shown, moduleNames(appFiles(DROP_APP)));
});

test('a syntax error is shown with file, line and the offending source line', async () => {
  await visit(`/builds`);
  await page.waitForSelector('.builds-table');
  const before = (await lfsd.call('GET', '/builds?limit=100')).body.builds.length;
  const dir = fs.mkdtempSync(path.join(lfsd.dir, 'bad-'));
  const bad = path.join(dir, 'broken.lua');
  fs.writeFileSync(bad, 'local t = {}\nfunction t.go(x)\n  return x + 1\n  if x then\nend\nreturn t\n');
  const good = path.join(dir, 'fine.lua');
  fs.writeFileSync(good, 'return { ok = true }\n');
  await page.setInputFiles('#file-input', [good, bad]);
  const panel = page.locator('.compile-error');
  await panel.waitFor();
  const where = (await panel.locator('.ce-where').innerText()).trim();
  const m = /^broken\.lua:(\d+)$/.exec(where);
  assert.ok(m, `file and line shown (got '${where}')`);
  const line = Number(m[1]);
  assert.ok(line >= 4 && line <= 7, `line ${line} is where the error is`);
  assert.equal((await panel.locator('.src-bad .src-no').innerText()).trim(), String(line), 'the marked line is that line');
  const src = fs.readFileSync(bad, 'utf8').split('\n')[line - 1];
  assert.equal((await panel.locator('.src-bad .src-text').innerText()).replace(/\u00a0/g, ' ').trimEnd(), src.trimEnd() || ' '.trimEnd());
  const msg = await panel.locator('.ce-message').innerText();
  assert.match(msg, /expected|unexpected|near/);
  assert.doesNotMatch(msg, /^broken\.lua:\d+:/, 'the position is not repeated in the message');
  const ref = /at line (\d+)/.exec(msg);
  if (ref) assert.equal((await panel.locator('.src-ref .src-no').innerText()).trim(), ref[1], 'the line the message refers to is marked too');
  assert.equal((await lfsd.call('GET', '/builds?limit=100')).body.builds.length, before, 'no build stored');
  await shot('04-compile-error');
});

test('build options reach lfsd; a limit error is shown with its reason', async () => {
  await visit(`/builds`);
  await page.waitForSelector('#dropzone');
  await page.click('.upload-options summary');
  await page.fill('#opt-max', '4096');
  await page.setInputFiles('#file-input', appFiles(APP));
  const panel = page.locator('.compile-error');
  await panel.waitFor();
  assert.match(await panel.innerText(), /Build failed/);
  assert.match(await panel.locator('.ce-message').innerText(), /4096/);
  await page.fill('#opt-max', 'lots');
  await page.setInputFiles('#file-input', appFiles(APP));
  await page.locator('.compile-error', { hasText: 'Invalid option' }).waitFor();
  await page.fill('#opt-max', '64k');
  await page.check('#opt-strip');
  await page.selectOption('#opt-target', 'nodemcu-lua53-64');
  await page.setInputFiles('#file-input', appFiles(APP));
  const id = await uploadEnds();
  assert.ok(id > ids.drop, 'a new build');
  const opt = (await lfsd.call('GET', `/builds/${id}`)).body.options;
  assert.deepEqual([opt.target, opt.strip, opt.max_size], ['nodemcu-lua53-64', true, 65536]);
  const facts = await page.locator('.facts').innerText();
  assert.match(facts, /nodemcu-lua53-64/);
  assert.match(facts, /Strip\s+yes/);
  assert.equal(await page.locator('#partition').inputValue(), '65536', 'the partition defaults to the build\'s max size');
  // the Lua 5.1 port: offered, built, shown (a 5.1 conformance app)
  await visit(`/builds`);
  await page.waitForSelector('#dropzone');
  if (!(await page.locator('.upload-options').getAttribute('open'))) await page.click('.upload-options summary');
  await page.fill('#opt-max', '');
  await page.uncheck('#opt-strip');
  await page.selectOption('#opt-target', 'nodemcu-lua51');
  await page.setInputFiles('#file-input', appFiles('../../lua51/src/json51'));
  const id51 = await uploadEnds();
  assert.equal((await lfsd.call('GET', `/builds/${id51}`)).body.options.target, 'nodemcu-lua51');
  assert.match(await page.locator('.facts').innerText(), /nodemcu-lua51/);
});

test('builds list: newest first, paged', async () => {
  // 20 more small builds through the API: 24 builds in all, two pages of 20
  for (let i = 0; i < 20; i++) {
    const r = await lfsd.call('POST', '/build', { files: { [`m${i}.lua`]: `return ${i}\n` } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await visit(`/builds`);
  await page.waitForSelector('.builds-table');
  const all = (await lfsd.call('GET', '/builds?limit=100')).body.builds.map((x) => x.id);
  const first = (await column('.builds-table', 1)).map((t) => Number(/#(\d+)/.exec(t)[1]));
  assert.equal(first.length, 20, 'a page holds 20 builds');
  assert.deepEqual(first, [...all].sort((x, y) => y - x).slice(0, 20), 'newest first');
  await shot('02-builds');
  const cursor = new URL(await page.locator('#older').getAttribute('href'), lfsd.url).hash.split('before=')[1];
  await page.click('#older');
  await page.waitForSelector(`.builds-table[data-before="${cursor}"]`);
  const second = (await column('.builds-table', 1)).map((t) => Number(/#(\d+)/.exec(t)[1]));
  assert.deepEqual(second, [...all].sort((x, y) => y - x).slice(20), 'the older page has the rest');
  assert.ok(second.includes(ids.app));
});

test('build page: sizes against a partition, sha256, options, download, listing', async () => {
  await visit(`/builds/${ids.app}`);
  await page.waitForSelector('.modules-table');
  assert.match(await page.locator('.facts').innerText(), new RegExp(ids.appSha));
  assert.match(await page.locator('.facts').innerText(), /nodemcu-lua53/);
  // a partition smaller than the image: the bar says it does not fit
  const flash = ids.appFlash;
  await page.selectOption('#partition', String(0x8000));
  const verdict32 = await page.locator('.bar-verdict').innerText();
  assert.equal(/Does not fit/.test(verdict32), flash > 0x8000, `32 KiB verdict for ${flash} bytes: ${verdict32}`);
  await page.selectOption('#partition', String(0x40000));
  assert.match(await page.locator('.bar-verdict').innerText(), /^Fits/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const file = path.join(lfsd.dir, 'downloaded.img');
  await dl.saveAs(file);
  assert.equal(sha256(fs.readFileSync(file)), ids.appSha, 'the downloaded image is the build');
  await page.click('.listing-panel summary');
  await page.waitForFunction(() => /main <@/.test(document.querySelector('.listing').textContent));
  await page.click('.listing-panel summary'); // closed again for the screenshot
  // a source file opens in a viewer with its lines
  const first = path.basename(appFiles(APP)[0]);
  await page.click(`.file-list .linkish:has-text("${first}")`);
  const viewer = page.locator('dialog[open] .src-view .src-line');
  await viewer.first().waitFor();
  const lines = fs.readFileSync(appFiles(APP)[0], 'utf8').replace(/\n$/, '').split('\n');
  assert.equal(await viewer.count(), lines.length, 'one row per source line');
  assert.equal((await viewer.nth(0).locator('.src-text').innerText()).trimEnd(), lines[0].trimEnd());
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  await shot('03-build');
});

test('release the build at 10 %, then raise it to 100 %', async () => {
  await page.click('#release');
  await confirmDialog();
  await page.fill('#rel-channel', 'stable');
  await page.fill('#rel-rollout', '10');
  await page.fill('#rel-notes', 'json_config for the first devices');
  await shot('05-release-dialog', { fullPage: false });
  await page.click('dialog[open] button[type=submit]');
  await atHash(/^#\/releases\/stable$/);
  const live = page.locator('.live[data-rollout="10"]');
  await live.waitFor();
  ids.r1 = Number(await live.getAttribute('data-release'));
  let r = (await lfsd.call('GET', '/releases?channel=stable')).body.releases[0];
  assert.equal(r.rollout_percent, 10);
  assert.equal(r.build_id, ids.app);
  assert.equal(r.id, ids.r1);
  assert.match(await page.locator('.live .rollout-pct').innerText(), /10 %/);

  await page.click('.presets .preset:has-text("100 %")');
  assert.equal(await page.inputValue('#rollout-value'), '100', 'the preset sets the value');
  await page.click('#apply-rollout');
  const dlg = await confirmDialog();
  assert.match(await dlg.innerText(), /from 10 % to 100 %/);
  await shot('07-confirm-rollout', { fullPage: false });
  await dlg.locator('button[type=submit]').click();
  await page.locator('.live[data-rollout="100"]').waitFor();
  assert.match(await page.locator('.live .rollout-pct').innerText(), /100 %/);
  r = (await lfsd.call('GET', '/releases?channel=stable')).body.releases[0];
  assert.equal(r.rollout_percent, 100);
});

test('pause and resume, each confirmed and shown at once', async () => {
  await page.click('#pause');
  await (await confirmDialog()).locator('button[type=submit]').click();
  await page.locator('.live[data-state="paused"]').waitFor();
  assert.equal((await lfsd.call('GET', '/releases?channel=stable')).body.releases[0].state, 'paused');
  // cancelling changes nothing
  await page.click('#resume');
  await (await confirmDialog()).locator('button', { hasText: 'Cancel' }).click();
  assert.equal((await lfsd.call('GET', '/releases?channel=stable')).body.releases[0].state, 'paused');
  await page.click('#resume');
  await (await confirmDialog()).locator('button[type=submit]').click();
  await page.locator('.live[data-state="active"]').waitFor();
  assert.equal((await lfsd.call('GET', '/releases?channel=stable')).body.releases[0].state, 'active');
});

test('release another build from the channel page, then revoke it: the previous one is live again', async () => {
  await page.click('#new-release');
  await confirmDialog();
  await page.selectOption('#rel-build', String(ids.drop));
  await page.fill('#rel-rollout', '100');
  await page.click('dialog[open] button[type=submit]');
  const live2 = page.locator(`.live:not([data-release="${ids.r1}"])`);
  await live2.waitFor();
  const r2 = Number(await live2.getAttribute('data-release'));
  await page.click('#revoke');
  const dlg = await confirmDialog();
  assert.match(await dlg.innerText(), /cannot be undone/);
  await dlg.locator('button[type=submit]').click();
  await page.locator(`.live[data-release="${ids.r1}"]`).waitFor();
  await page.locator(`.history-table tr[data-release="${r2}"][data-state="revoked"]`).waitFor();
  const rs = (await lfsd.call('GET', '/releases?channel=stable')).body.releases;
  assert.equal(rs.find((x) => x.id === r2).state, 'revoked');
  // each build page says where the build is released
  await visit(`/builds/${ids.drop}`);
  await page.locator('.facts .chip-link.tone-bad', { hasText: 'stable · 2' }).waitFor();
  await visit(`/builds/${ids.app}`);
  await page.locator('.facts .chip-link.tone-ok', { hasText: 'stable · 1' }).waitFor();
  await visit('/releases/stable');
  await page.locator('.live').waitFor();
});

test('a device registered in the dashboard updates with lfs-device and is shown running the release', async () => {
  assert.ok(fs.existsSync(path.join(BIN, 'lfs-device')), 'lfs-device is built');
  await visit(`/devices`);
  await page.click('#register-device');
  await confirmDialog();
  await page.fill('#dev-id', 'dev-web-1');
  await page.fill('#dev-channel', 'stable');
  await page.click('dialog[open] button[type=submit]');
  const key = (await page.locator('#device-key').innerText()).trim();
  assert.match(key, /^[0-9a-f]{64}$/, 'the key is shown once');
  const cfg = await page.locator('#client-config').innerText();
  assert.match(cfg, /device = "dev-web-1", channel = "stable"/, 'the client configuration lfsd issued is shown');
  assert.ok(cfg.includes(`key = "${key}"`), '... with the key');
  assert.equal(await page.locator('#download-client-config').getAttribute('download'), 'lfsd_cfg.lua');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-client-config')]);
  const saved = path.join(lfsd.dir, 'lfsd_cfg.lua');
  await download.saveAs(saved);
  assert.equal(fs.readFileSync(saved, 'utf8').trim(), cfg.trim(), 'the download link gives the same file');
  assert.equal(await page.locator('#copy-client-config').count(), 1, 'a copy button');
  await shot('13-register-client-config', { fullPage: false });
  await page.click('dialog[open] form > .dialog-actions button[type=submit]');
  await page.locator('tr[data-device="dev-web-1"]').waitFor();
  assert.match(await page.locator('tr[data-device="dev-web-1"] .pending').innerText(), /Release 1 pending/,
    'at 100 % the new device is due for release 1');

  const run = await deviceOnce(lfsd, 'dev-web-1', key, path.join(lfsd.dir, 'dev-web-1'));
  assert.equal(run.code, 0, `lfs-device exit 0; stderr:\n${run.stderr}`);
  const dev = (await lfsd.call('GET', '/devices/dev-web-1')).body;
  assert.equal(dev.running_sha256, ids.appSha, 'lfsd has the device running the release');

  await visit(`/devices?channel=stable`);
  const row = page.locator('tr[data-device="dev-web-1"]');
  await row.locator('.badge[data-state="booted"]').waitFor();
  assert.match(await row.innerText(), /Release 1/);
  assert.equal(await row.locator('.pending').count(), 0, 'nothing pending once it runs release 1');
  const bar = page.locator('[data-chart="stable"] .chart-row[data-label="Release 1"]');
  assert.equal(await bar.getAttribute('data-count'), '1', 'the chart counts the device under release 1');
  await shot('09-devices');

  await row.locator('a').first().click();
  await atHash(/^#\/devices\/dev-web-1$/);
  await page.locator('#running-release').waitFor();
  assert.match(await page.locator('#running-release').innerText(), new RegExp(`Release 1 · build #${ids.app}`));
  const digest = crypto.createHash('sha256').update('dev-web-1').digest();
  assert.equal(await page.locator('#rollout-bucket').innerText().then((t) => t.split(' ')[0]), String(digest.readUInt32BE(0) % 100),
    'the rollout bucket is lfsd\'s');
  assert.match(await page.locator('#target-release').innerText(), /Release 1\s+up to date/);
  const states = await page.locator('.timeline .tl-item').evaluateAll((els) => els.map((e) => e.dataset.state));
  assert.deepEqual(states.slice(0, 4), ['booted', 'applied', 'downloaded', 'downloading'], 'events newest first');
  await shot('10-device');

  await visit(`/releases/stable`);
  await page.locator('.live').waitFor();
  assert.equal(await page.locator('.chart-row[data-label="Release 1"]').getAttribute('data-count'), '1');
  assert.match(await page.locator('.chart-note').innerText(), /1 of 1 device on the live release/);
  await shot('06-channel');
  await visit(`/releases`);
  await page.locator('.channel-card[data-channel="stable"]').waitFor();
  await shot('08-channels');
});

test('staged rollout: the devices marked pending are exactly those lfsd offers the release', async () => {
  const keys = {};
  for (let i = 0; i < 16; i++) {
    const id = `canary-${i}`;
    const r = await lfsd.call('POST', '/devices', { id, channel: 'canary' });
    assert.equal(r.status, 201);
    keys[id] = r.body.key;
  }
  const rel = await lfsd.call('POST', '/releases', { build_id: ids.drop, channel: 'canary', rollout_percent: 40 });
  assert.equal(rel.status, 201);
  await visit('/devices?channel=canary');
  await page.locator('tr[data-device="canary-15"]').waitFor();
  const offered = [];
  const marked = [];
  for (const id of Object.keys(keys)) {
    const poll = await devicePoll(lfsd, id, keys[id]);
    assert.ok([200, 204].includes(poll.status), `poll ${id}: ${poll.status} ${poll.body}`);
    if (poll.status === 200) offered.push(id);
    if (await page.locator(`tr[data-device="${id}"] .pending`).count()) marked.push(id);
  }
  assert.ok(offered.length > 0 && offered.length < 16, `a 40 % rollout reaches some of 16 devices (${offered.length})`);
  assert.deepEqual(marked, offered);
  assert.match(await page.locator('[data-chart="canary"] .pending-note').innerText(),
    new RegExp(`^${offered.length} devices? (is|are) due for an update`));
  await page.mouse.move(0, 0);
  await shot('11-devices-rollout');
});

test('devices page: lfsd pages and filters the inventory; the page shows one page of it', async () => {
  for (let i = 0; i < 55; i++) {
    const r = await lfsd.call('POST', '/devices', { id: `many-${String(i).padStart(2, '0')}`, channel: 'many' });
    assert.equal(r.status, 201);
  }
  const asked = [];
  const seen = (req) => { if (new URL(req.url()).pathname === '/devices') asked.push(new URL(req.url()).search); };
  page.on('request', seen);
  await visit('/devices?channel=many');
  await page.locator('tr[data-device="many-00"]').waitFor();
  assert.equal(await page.locator('.devices-table tbody tr').count(), 50, 'one page of 50');
  assert.match(await page.locator('.page-head').innerText(), /registered/);
  await page.click('#next-page');
  await page.locator('.devices-table[data-after="many-49"]').waitFor();
  assert.deepEqual(await page.locator('.devices-table tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.device)),
    ['many-50', 'many-51', 'many-52', 'many-53', 'many-54'], 'the next page continues after the last');
  await page.fill('#device-search', 'many-1');
  await page.locator('.devices-table tbody tr:nth-child(10)').waitFor();
  await atHash(/q=many-1/);
  assert.equal(await page.locator('.devices-table tbody tr').count(), 10, 'ids starting many-1: 10');
  await page.selectOption('#state-filter', 'failed');
  await page.locator('.empty').waitFor();
  page.off('request', seen);
  assert.ok(asked.some((q) => /prefix=many-1/.test(q) && /channel=many/.test(q)), `lfsd filtered: ${asked.join(' ')}`);
  assert.ok(asked.some((q) => /after=many-49/.test(q)), 'lfsd paged with the cursor');
  assert.ok(asked.every((q) => /limit=50/.test(q)), 'never the whole fleet');
});

test('a device that rolled back is shown rolled-back with its reason, and the release shows the failure', async () => {
  const reg = await lfsd.call('POST', '/devices', { id: 'dev-web-rb', channel: 'stable' });
  assert.equal(reg.status, 201);
  const live = (await lfsd.call('GET', '/releases?channel=stable')).body.releases.find((r) => r.state === 'active');
  const rep = await deviceReport(lfsd, 'dev-web-rb', reg.body.key,
    { state: 'rolled-back', sha256: live.sha256, detail: '_init failed: boom; back to 0123abcd' });
  assert.equal(rep.status, 204, rep.body);
  await visit('/releases/stable');
  const note = page.locator('.live .release-failures');
  await note.waitFor();
  assert.match(await note.innerText(), /1 rolled back/);
  await shot('12-release-failures');
  await visit('/devices/dev-web-rb');
  await page.locator('.badge[data-state="rolled-back"]').first().waitFor();
  assert.match(await page.locator('main').innerText(), /_init failed: boom/);
});

test('releasing a build without the OTA client to a channel of Lua-client devices asks first, then forces', async () => {
  const reg = await lfsd.call('POST', '/devices', { id: 'nm-web-1', channel: 'nodemcu' });
  assert.equal(reg.status, 201);
  const poll = await devicePoll(lfsd, 'nm-web-1', reg.body.key, { text: true });
  assert.equal(poll.status, 204, 'the Lua client polls (no release yet)');
  await visit(`/builds/${ids.app}`);
  await page.click('#release');
  await confirmDialog();
  await page.fill('#rel-channel', 'nodemcu');
  await page.click('dialog[open] button[type=submit]');
  const ask = page.locator('dialog[open]', { hasText: 'Release without the OTA client?' });
  await ask.waitFor();
  assert.match(await ask.innerText(), /has no lfsota module .* 1 device of channel 'nodemcu'/);
  await shot('14-release-without-client', { fullPage: false });
  assert.equal((await lfsd.call('GET', '/releases?channel=nodemcu')).body.releases.length, 0, 'nothing released yet');
  await ask.locator('button[type=submit]').click();
  await atHash(/^#\/releases\/nodemcu$/);
  const rels = (await lfsd.call('GET', '/releases?channel=nodemcu')).body.releases;
  assert.equal(rels.length, 1, 'confirmed: released with force');
  assert.equal(rels[0].build_id, ids.app);
});

test('keyboard: skip link, section links and dialogs work without a mouse', async () => {
  // listen first: Playwright turns on file-chooser interception asynchronously
  const chooserSeen = new Promise((resolve) => page.once('filechooser', resolve));
  await visit(`/builds`);
  await page.reload();
  await page.waitForSelector('#dropzone');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  // the file picker opens from the keyboard
  await page.focus('#choose-files');
  await page.keyboard.press('Enter');
  const chooser = await chooserSeen;
  assert.ok(chooser.isMultiple(), 'several files can be chosen');
  await chooser.setFiles([]);
  // Tab forward to the Devices link and follow it
  await page.evaluate(() => document.querySelector('.brand').focus());
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.section), 'devices');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.nav-link[data-section="devices"][aria-current="page"]');
  // open the register dialog from the keyboard, Escape closes it
  await page.focus('#register-device');
  await page.keyboard.press('Enter');
  await confirmDialog();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'dev-id', 'focus moves into the dialog');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
});

test('no page error, no unexpected console error, no request to another host', () => {
  assert.deepEqual(b.foreign, []);
  // the deliberate wrong token (401), compile error (422) and release without the
  // OTA client (409) log resource errors
  const unexpected = b.problems.filter((p) => !/status of (401|409|422)/.test(p));
  assert.deepEqual(unexpected, []);
});

test('an expired session goes back to sign-in; sign out forgets the token', async () => {
  await page.evaluate(() => sessionStorage.setItem('lfsd.adminToken', 'stale-token'));
  await page.reload();
  await page.locator('#signin-error', { hasText: 'no longer valid' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('lfsd.adminToken')), null);
  await page.fill('#token', lfsd.token);
  await page.click('#signin');
  await page.waitForSelector('#signout');
  await page.click('#signout');
  await page.waitForSelector('#token');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('lfsd.adminToken')), null);
  await page.fill('#token', lfsd.token);
  await page.click('#signin');
  await page.waitForSelector('#signout');
});

test('when lfsd is gone the page says so and offers to try again', async () => {
  await visit(`/builds`);
  await page.waitForSelector('.builds-table');
  await lfsd.stop();
  await page.click('.nav-link[data-section="devices"]');
  const panel = page.locator('.error-panel');
  await panel.waitFor();
  assert.match(await panel.innerText(), /cannot reach lfsd/);
  assert.equal(await panel.locator('button', { hasText: 'Try again' }).count(), 1);
});
