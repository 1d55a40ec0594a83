// model.js - lfsd's JSON objects (server/README.md) in the shape the views use.
// Every field is read under the one name lfsd sends, so a field lfsd renames
// fails a test instead of leaving a page silently blank. Policy (who gets which
// release, rollout buckets, counts) is lfsd's: the objects carry it.

const rel = (r) => (r ? { id: r.id, number: r.number, buildId: r.build_id, sha256: r.sha256 ?? null } : null);

export function modelBuild(b) {
  return {
    id: b.id,
    sha256: b.sha256,
    imageSize: b.size,
    created: b.created,
    status: b.status,
    options: b.options,
    effective: b.effective,
    target: b.options.target,
    flashSize: b.effective.flash_size,
    modules: b.modules.map((m) => ({
      name: m.name, file: m.file, imageBytes: m.image_bytes, flashBytes: m.flash_bytes, functions: m.functions,
    })),
    files: b.files,
    warnings: b.warnings,
    strings: b.strings,
    timings: b.timings,
  };
}

export function modelRelease(r) {
  return {
    id: r.id,
    channel: r.channel,
    number: r.number,
    buildId: r.build_id,
    sha256: r.sha256,
    size: r.size,
    rollout: r.rollout_percent,
    state: r.state,
    notes: r.notes,
    created: r.created,
    outcomes: r.outcomes,
  };
}

export function modelEvent(e) {
  return { time: e.time, state: e.state, sha256: e.sha256, detail: e.detail ?? '' };
}

export function modelDevice(d) {
  return {
    id: d.id,
    channel: d.channel,
    sha256: d.running_sha256,
    lastSeen: d.last_seen,
    state: d.state ?? 'registered',
    detail: d.state_detail ?? '',
    created: d.created,
    bucket: d.bucket,
    running: rel(d.running_release),
    offered: rel(d.offered),
    events: (d.events ?? []).map(modelEvent),
  };
}

/** One channel of GET /fleet: lfsd's counts of its devices. */
export function modelFleetChannel(c) {
  return {
    name: c.name,
    devices: c.devices,
    states: c.states,
    releases: c.releases.map((r) => ({ ...rel(r), state: r.state, devices: r.devices })),
    otherImage: c.other_image,
    noImage: c.no_image,
    pending: c.pending,
  };
}

/** True when lfsd would offer the device a release it does not run. */
export function devicePending(d) {
  return Boolean(d.offered && d.offered.sha256 !== d.sha256);
}

/** CSS class for a device/report state: ok, busy, bad, warn, idle. */
export function stateTone(state) {
  const s = String(state || '').toLowerCase();
  if (['booted', 'ok', 'active'].includes(s)) return 'ok';
  if (['downloading', 'downloaded', 'applied'].includes(s)) return 'busy';
  if (['failed', 'revoked'].includes(s)) return 'bad';
  if (['rolled-back', 'paused'].includes(s)) return 'warn';
  return 'idle';
}
