// lfsd.mjs - start a real lfsd for a test: the Node twin of tests/lfsd.sh,
// with the same options and fixed arguments (tests/README.md, "Starting
// lfsd"): ephemeral ports on 127.0.0.1 (read back from DATA/ports), the
// admin token through LFSD_ADMIN_TOKEN; plus a tiny admin client and the
// lfs-device simulator.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import https from 'node:https';
import { spawn, execFileSync } from 'node:child_process';
import { BIN, REPO } from './paths.mjs';
import { watchdogGuard } from './watchdog.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// lfsd processes of this test process die with it: on a normal exit here, on
// an abrupt end through a watchdog (watchdog.mjs)
const live = new Set();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

/**
 * Start lfsd and wait until /healthz answers.
 * options.data: data directory (default: `data` in a new temporary directory);
 * options.args: more lfsd arguments, after the fixed ones;
 * options.token: admin token (default: LFSD_ADMIN_TOKEN, else random).
 * Returns { url, surl, tlsAddr, cacert, pin, token, dir, data, log(), call(),
 * stop() }; stop() sends SIGTERM, waits, and removes the temporary directory.
 */
export async function lfsdStart({ data: dataDir, args: extra = [], token: tok } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfsd-web-test-'));
  const data = dataDir || path.join(dir, 'data');
  const token = tok || process.env.LFSD_ADMIN_TOKEN || `web-test-${crypto.randomBytes(12).toString('hex')}`;
  // the dashboard of this checkout, wherever the build directory is (make check: build/check)
  const args = ['--data-dir', data, '--listen', '127.0.0.1:0', '--tls-listen', '127.0.0.1:0',
    '--web-dir', path.join(REPO, 'web'),
    '--nodemcu-dir', path.join(REPO, 'device', 'nodemcu')];
  // an lfsc built with AddressSanitizer (make check) needs an unlimited address space
  const lfsc = path.join(BIN, 'lfsc');
  if (fs.existsSync(lfsc) && fs.readFileSync(lfsc).includes('__asan_init')) args.push('--build-memory', '0');
  args.push(...extra);
  fs.rmSync(path.join(data, 'ports'), { force: true });
  const logFile = path.join(dir, 'lfsd.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(path.join(BIN, 'lfsd'), args, {
    env: { ...process.env, LFSD_ADMIN_TOKEN: token },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  live.add(child);
  const release = watchdogGuard(child.pid, dir);
  let exited = null;
  child.on('exit', (code, sig) => { exited = sig || code; live.delete(child); });
  child.on('error', (e) => { exited = e.message; live.delete(child); });
  const portsFile = path.join(data, 'ports');
  let ports = null;
  for (let i = 0; i < 200 && exited === null; i++) {
    if (fs.existsSync(portsFile)) {
      const text = fs.readFileSync(portsFile, 'utf8');
      const http = /^http=(\S+)$/m.exec(text);
      const https = /^https=(\S+)$/m.exec(text);
      if (http && https) { ports = { http: http[1], https: https[1] }; break; }
    }
    await sleep(50);
  }
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  if (!ports) {
    child.kill('SIGKILL');
    throw new Error(`lfsd did not start (exit ${exited}); log:\n${log()}`);
  }
  const url = `http://${ports.http}`;
  let healthy = false;
  for (let i = 0; i < 100 && !healthy && exited === null; i++) {
    try { healthy = (await fetch(`${url}/healthz`)).ok; } catch { /* not yet */ }
    if (!healthy) await sleep(50);
  }
  if (!healthy) {
    child.kill('SIGKILL');
    throw new Error(`lfsd did not answer /healthz (exit ${exited}); log:\n${log()}`);
  }
  const cacert = path.join(data, 'tls', 'cert.pem');
  const pin = execFileSync(path.join(BIN, 'lfs-device'), ['--show-pin', cacert], { encoding: 'utf8' }).trim();
  const call = async (method, p, json) => {
    const res = await fetch(url + p, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await res.text();
    let body = text;
    try { body = JSON.parse(text); } catch { /* text */ }
    return { status: res.status, body };
  };
  return {
    url,
    surl: `https://localhost:${ports.https.split(':')[1]}`,
    tlsAddr: ports.https,
    cacert,
    pin,
    token,
    dir,
    data,
    log,
    call,
    async stop() {
      if (exited === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10000);
        await done;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      release();
    },
  };
}

/**
 * One `lfs-device --once` cycle against lfsd's HTTPS listener, certificate
 * pinned. Returns { code, stdout, stderr }.
 */
export function deviceOnce(lfsd, id, key, dataDir) {
  return new Promise((resolve) => {
    const child = spawn(path.join(BIN, 'lfs-device'), ['--server', `https://${lfsd.tlsAddr}`, '--device', id,
      '--key', key, '--pin-sha256', lfsd.pin, '--data', dataDir, '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

/**
 * A device request over lfsd's HTTPS listener (its own certificate as the only
 * CA), with the device key. Resolves { status, body }.
 */
function deviceRequest(lfsd, key, method, reqPath, body) {
  const [host, port] = lfsd.tlsAddr.split(':');
  const ca = fs.readFileSync(lfsd.cacert);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host, port, path: reqPath, method, ca, servername: 'localhost',
      headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/**
 * GET /ota/latest as a device polls; text: as the NodeMCU Lua client does
 * (format=text). Resolves { status, body }.
 */
export function devicePoll(lfsd, id, key, { text = false } = {}) {
  // a fresh nonce per poll, as lfsd's clients send (server/README.md, "Signed manifests")
  const nonce = crypto.randomBytes(16).toString('hex');
  return deviceRequest(lfsd, key, 'GET',
    `/ota/latest?device=${encodeURIComponent(id)}&nonce=${nonce}${text ? '&format=text' : ''}`);
}

/** POST /ota/report as a device reports (report: {state, sha256, detail, running}). */
export function deviceReport(lfsd, id, key, report) {
  return deviceRequest(lfsd, key, 'POST', `/ota/report?device=${encodeURIComponent(id)}`, report);
}
