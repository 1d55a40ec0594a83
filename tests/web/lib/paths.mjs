// paths.mjs - where things are: the repository, the build directory (from
// LFSD_BUILD, as `make test` sets it), shared conformance sources beside the
// clone, and the screenshot directory build/test/web.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function toplevel() {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return path.resolve(here, '..', '..', '..'); // not a git checkout: tests/web/lib -> repository
  }
}

export const REPO = toplevel();
export const BUILD = process.env.LFSD_BUILD || path.join(REPO, 'build');
export const BIN = path.join(BUILD, 'bin');
// shared/ sits beside the clone (as in CI); LFSD_SHARED overrides, as for tests/device
export const CONFORMANCE = path.join(process.env.LFSD_SHARED || path.join(REPO, '..', 'shared'), 'conformance', 'lua53', 'src');
export const SHOTS = path.join(BUILD, 'test', 'web');

/** The .lua files of a conformance app, absolute paths, sorted. */
export function appFiles(app) {
  const dir = path.join(CONFORMANCE, app);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.lua')).sort().map((f) => path.join(dir, f));
}

export function shotPath(name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  return path.join(SHOTS, `${name}.png`);
}
