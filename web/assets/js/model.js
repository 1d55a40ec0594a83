// model.js - read lfsd's JSON objects (builds, releases, devices, events) into one
// shape for the views, accepting the field-name variants the API may use.

const pick = (o, ...keys) => {
  for (const k of keys) {
    const v = k.split('.').reduce((x, p) => (x == null ? undefined : x[p]), o);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
};

export function modelBuild(b) {
  b = (b && (b.build && typeof b.build === 'object' && !Array.isArray(b.build) ? b.build : b)) || {};
  const options = b.options && typeof b.options === 'object' ? b.options : {};
  const modules = (Array.isArray(b.modules) ? b.modules : []).map((m) => ({
    name: pick(m, 'name', 'module') ?? '?',
    file: pick(m, 'file', 'source') ?? '',
    imageBytes: pick(m, 'image_bytes', 'image_size', 'size'),
    flashBytes: pick(m, 'flash_bytes', 'flash_size'),
    functions: pick(m, 'functions'),
  }));
  return {
    id: pick(b, 'id', 'build_id'),
    sha256: pick(b, 'sha256', 'image_sha256', 'image.sha256'),
    imageSize: pick(b, 'size', 'image_size', 'image.size'),
    effective: b.effective && typeof b.effective === 'object' ? b.effective : {},
    url: pick(b, 'url'),
    flashSize: pick(b, 'effective.flash_size', 'flash_size', 'image.flash_size'),
    status: pick(b, 'status', 'state') ?? 'ok',
    created: pick(b, 'created', 'created_at', 'time'),
    target: pick(options, 'target') ?? pick(b, 'target') ?? 'nodemcu-lua53',
    options,
    modules,
    files: Array.isArray(b.files) ? b.files : Array.isArray(b.sources) ? b.sources : [],
    timings: b.timings && typeof b.timings === 'object' ? b.timings : null,
    warnings: Array.isArray(b.warnings) ? b.warnings : [],
    strings: b.strings || null,
    error: b.error || null,
    raw: b,
  };
}

export function releaseState(r) {
  const s = pick(r, 'state', 'status');
  if (typeof s === 'string') return s.toLowerCase();
  if (r.revoked) return 'revoked';
  if (r.paused) return 'paused';
  return 'active';
}

export function modelRelease(r) {
  r = (r && r.release && typeof r.release === 'object' ? r.release : r) || {};
  return {
    id: pick(r, 'id', 'release_id'),
    channel: pick(r, 'channel', 'channel_name') ?? '',
    number: pick(r, 'number', 'version', 'seq', 'release_number', 'id'),
    buildId: pick(r, 'build_id', 'build.id'),
    sha256: pick(r, 'sha256', 'build.sha256', 'image_sha256'),
    size: pick(r, 'size', 'image_size', 'build.image_size', 'build.size'),
    rollout: Number(pick(r, 'rollout_percent', 'rollout', 'percent') ?? 100),
    state: releaseState(r),
    notes: pick(r, 'notes', 'note') ?? '',
    created: pick(r, 'created', 'created_at', 'time'),
    outcomes: { booted: 0, failed: 0, rolled_back: 0, ...(r.outcomes || {}) },
    raw: r,
  };
}

export function modelDevice(d) {
  d = (d && d.device && typeof d.device === 'object' ? d.device : d) || {};
  const events = pick(d, 'events', 'history');
  return {
    id: pick(d, 'id', 'device_id', 'name'),
    channel: pick(d, 'channel') ?? '',
    sha256: pick(d, 'running_sha256', 'sha256', 'current_sha256', 'current', 'running.sha256', 'image_sha256'),
    release: pick(d, 'running_release', 'release', 'running.release', 'release_id'),
    lastSeen: pick(d, 'last_seen', 'last_seen_at', 'seen_at', 'last_poll'),
    state: (pick(d, 'state', 'last_state', 'status') ?? 'registered').toString(),
    detail: pick(d, 'state_detail', 'detail', 'last_detail') ?? '',
    created: pick(d, 'created', 'created_at', 'registered_at'),
    events: Array.isArray(events) ? events.map(modelEvent) : [],
    raw: d,
  };
}

export function modelEvent(e) {
  return {
    time: pick(e, 'time', 'at', 'created_at', 'timestamp', 'ts'),
    state: (pick(e, 'state', 'type', 'event') ?? '').toString(),
    sha256: pick(e, 'sha256', 'image_sha256'),
    detail: pick(e, 'detail', 'message') ?? '',
  };
}

/** CSS class for a device/report state: ok, busy, bad, warn, idle. */
export function stateTone(state) {
  const s = String(state || '').toLowerCase();
  if (['booted', 'running', 'ok', 'up-to-date', 'active', 'live'].includes(s)) return 'ok';
  if (['downloading', 'downloaded', 'applied', 'applying', 'updating', 'rebooting', 'queued', 'building'].includes(s)) return 'busy';
  if (['failed', 'error', 'revoked'].includes(s)) return 'bad';
  if (['rolled-back', 'rolled_back', 'paused', 'stale'].includes(s)) return 'warn';
  return 'idle';
}
