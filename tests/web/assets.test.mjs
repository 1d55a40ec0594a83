// assets.test.mjs - the dashboard's static files as lfsd serves them: `/` and
// every asset load in Chromium without console errors and without a request to
// any other host; each file under web/ has its Content-Type and Cache-Control;
// no directory listing, no path traversal.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { REPO } from './lib/paths.mjs';
import { lfsdStart } from './lib/lfsd.mjs';
import { browserOpen } from './lib/browser.mjs';

const WEB = path.join(REPO, 'web');
const TYPES = { '.html': /^text\/html/, '.js': /^(text|application)\/javascript/, '.css': /^text\/css/ };
let lfsd;

function webFiles(dir = WEB) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
    ? webFiles(path.join(dir, e.name))
    : [path.relative(WEB, path.join(dir, e.name)).split(path.sep).join('/')]));
}

/** GET a raw path (no URL normalisation, unlike fetch). */
function rawGet(p) {
  const u = new URL(lfsd.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => { lfsd = await lfsdStart({ args: ['--poll-interval', '1'] }); });
after(async () => { if (lfsd) await lfsd.stop(); });

test('every file under web/ is served with its Content-Type and Cache-Control', async () => {
  const files = webFiles();
  assert.ok(files.includes('index.html') && files.includes('app.js') && files.includes('style.css'));
  for (const f of files) {
    const r = await rawGet(`/${f}`);
    assert.equal(r.status, 200, `/${f} status`);
    const want = TYPES[path.extname(f)];
    if (want) assert.match(r.headers['content-type'] || '', want, `/${f} Content-Type`);
    assert.ok(r.headers['cache-control'], `/${f} has Cache-Control`);
    assert.equal(r.body, fs.readFileSync(path.join(WEB, f), 'utf8'), `/${f} body is the file`);
  }
  const root = await rawGet('/');
  assert.equal(root.status, 200);
  assert.match(root.headers['content-type'], /^text\/html/);
  assert.equal(root.body, fs.readFileSync(path.join(WEB, 'index.html'), 'utf8'));
});

test('no directory listing and no path traversal', async () => {
  for (const p of ['/assets/', '/assets/js/', '/assets/js/views/']) {
    const r = await rawGet(p);
    assert.notEqual(r.status, 200, `${p} must not list the directory`);
    assert.doesNotMatch(r.body, /dom\.js|api\.js/, `${p} shows no file names`);
  }
  for (const p of ['/assets/../../Makefile', '/assets/..%2f..%2fMakefile', '/..%2fMakefile',
    '/assets/js/../../../Makefile', '/%2e%2e/Makefile', '/assets/%2e%2e/%2e%2e/Makefile',
    '/assets/js/..%5c..%5c..%5cMakefile', '/assets/../../server/README.md']) {
    const r = await rawGet(p);
    assert.notEqual(r.status, 200, `${p} must not be served`);
    assert.doesNotMatch(r.body, /include mk\/lua\.mk|CHANGE THE SETTINGS|the build and OTA delivery daemon/, `${p} leaks no file`);
  }
});

test('/ and all its assets load in Chromium without console errors or foreign requests', async () => {
  const b = await browserOpen(lfsd.url);
  try {
    const page = await b.page();
    const loaded = new Map();
    page.on('response', (r) => loaded.set(new URL(r.url()).pathname, r.status()));
    await page.goto(`${lfsd.url}/`, { waitUntil: 'networkidle' });
    await page.waitForSelector('#token');
    // sign in and visit every section so each view module runs once
    await page.fill('#token', lfsd.token);
    await page.click('#signin');
    for (const sec of ['builds', 'releases', 'devices']) {
      await page.click(`.nav-link[data-section="${sec}"]`);
      await page.waitForSelector(`.nav-link[data-section="${sec}"][aria-current="page"]`);
      await page.waitForSelector('main .page-head');
      await page.waitForLoadState('networkidle');
    }
    const jsFiles = webFiles().filter((f) => f.endsWith('.js'));
    for (const f of [...jsFiles, 'style.css']) {
      assert.equal(loaded.get(`/${f}`), 200, `/${f} was loaded by the page`);
    }
    assert.deepEqual(b.foreign, [], 'no request to any host other than lfsd');
    assert.deepEqual(b.problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await b.close();
  }
});
