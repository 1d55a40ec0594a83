// lookup.js - joins across API lists that several views need: which releases a
// build is in, and the releases of channels (to name the image of an event).

import { api } from './api.js';
import { modelRelease } from './model.js';

/** GET /releases (all channels) grouped by build id; an empty map on failure. */
export async function lookupReleasesByBuild() {
  const map = new Map();
  try {
    for (const r of (await api('/releases')).releases.map(modelRelease)) {
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
      out.set(c, (await api(`/releases?channel=${encodeURIComponent(c)}`)).releases.map(modelRelease));
    } catch {
      out.set(c, []);
    }
  }));
  return out;
}
