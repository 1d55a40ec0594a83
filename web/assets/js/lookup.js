// lookup.js - joins across API lists that several views need: which releases a
// build is in, and which release of its channel a device runs.

import { api, listOf } from './api.js';
import { modelRelease } from './model.js';

/** GET /releases (all channels) grouped by build id; an empty map on failure. */
export async function lookupReleasesByBuild() {
  const map = new Map();
  try {
    for (const r of listOf(await api('/releases'), 'releases').map(modelRelease)) {
      if (!map.has(r.buildId)) map.set(r.buildId, []);
      map.get(r.buildId).push(r);
    }
  } catch { /* the page still shows without it */ }
  return map;
}

/** Map channel -> its releases (models, newest first); [] for a channel that fails. */
export async function lookupReleasesByChannel(channels) {
  const out = new Map();
  await Promise.all([...channels].map(async (c) => {
    try {
      out.set(c, listOf(await api(`/releases?channel=${encodeURIComponent(c)}`), 'releases').map(modelRelease));
    } catch {
      out.set(c, []);
    }
  }));
  return out;
}

/** The release of the device's channel whose image the device runs, or null. */
export function lookupRunningRelease(d, byChannel) {
  if (!d.sha256) return null;
  return (byChannel.get(d.channel) || []).find((r) => r.sha256 === d.sha256) || null;
}
