// rollout.js - lfsd's staged-rollout rule, computed in the browser to show
// which release a device should get: bucket = first 4 bytes of SHA-256(device
// id), big-endian, mod 100; a device gets the newest non-revoked release of its
// channel that is active with bucket < rollout_percent, or paused and already
// running on it (server/README.md, "Which release a device gets").

/** The device's bucket 0..99, or null where Web Crypto is unavailable (plain HTTP off localhost). */
export async function rolloutBucket(id) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return null;
  const d = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(id)));
  return (((d[0] << 24) >>> 0) + (d[1] << 16) + (d[2] << 8) + d[3]) % 100;
}

/** releases: models newest first. Returns the release the device qualifies for, or null. */
export function rolloutTarget(releases, bucket, runningSha) {
  for (const r of releases) {
    if (r.state === 'revoked') continue;
    if (r.state === 'active' ? bucket < r.rollout : runningSha && runningSha === r.sha256) return r;
  }
  return null;
}
