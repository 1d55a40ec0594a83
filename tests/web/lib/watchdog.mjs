// watchdog.mjs - clean up after a test process that ends abruptly (killed,
// crashed on a closed pipe): a detached shell waits for this Node process to
// die, then kills the process it guards and removes its temporary directory.

import { spawn } from 'node:child_process';

/**
 * Guard `pid` (0 = none) and `dir` (removed afterwards, '' = none). Returns
 * release(): call it after a normal cleanup so the watchdog ends quietly.
 */
export function watchdogGuard(pid, dir) {
  const script = 'while kill -0 "$1" 2>/dev/null; do ' +
    '[ "$2" != 0 ] && ! kill -0 "$2" 2>/dev/null && [ -z "$3" ] && exit 0; sleep 1; done; ' +
    '[ "$2" != 0 ] && kill -9 "$2" 2>/dev/null; [ -n "$3" ] && rm -rf -- "$3"; exit 0';
  const w = spawn('sh', ['-c', script, 'watchdog', String(process.pid), String(pid || 0), dir || ''], {
    detached: true, stdio: 'ignore',
  });
  w.unref();
  return () => { try { w.kill('SIGKILL'); } catch { /* already gone */ } };
}
