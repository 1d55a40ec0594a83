// views/devices.js - the device inventory (#/devices?channel=C): filter by channel
// and text, running release, relative last-seen, coloured state; a chart of
// devices per release for each channel shown; registering a device.

import { h, mount } from '../dom.js';
import { api, listOf } from '../api.js';
import { modelDevice, stateTone } from '../model.js';
import { lookupReleasesByChannel, lookupRunningRelease } from '../lookup.js';
import { rolloutBucket, rolloutTarget } from '../rollout.js';
import { go } from '../router.js';
import { toast } from '../toast.js';
import { openDialog } from '../dialog.js';
import { barChart, devicesPerRelease } from '../chart.js';
import { badge, hash, when, emptyState, errorPanel, loading, pageHead } from '../widgets.js';

async function registerDevice(defaultChannel) {
  const id = h('input#dev-id', { name: 'id', required: true, pattern: '[A-Za-z0-9._:\\-]{1,64}', autocomplete: 'off', placeholder: 'dev-001' });
  const chan = h('input#dev-channel', { name: 'channel', required: true, pattern: '[A-Za-z0-9._:\\-]{1,64}', value: defaultChannel || 'stable' });
  let made = null;
  const ok = await openDialog({
    title: 'Register a device',
    okLabel: 'Register',
    body: h('div.form-grid',
      h('label', { for: 'dev-id' }, 'Device id'), id,
      h('label', { for: 'dev-channel' }, 'Channel'), chan),
    onOk: async () => {
      made = await api('/devices', { method: 'POST', json: { id: id.value.trim(), channel: chan.value.trim() } });
    },
  });
  if (!ok || !made) return false;
  const key = made.key || made.secret || '';
  await openDialog({
    title: `Device ${made.id} registered`,
    okLabel: 'Done',
    body: [h('p', 'Its secret key is shown only now. Give it to the device (lfs-device --key …):'),
      h('code.key#device-key', { tabindex: '0' }, key),
      h('button.btn', { type: 'button', onclick: () => navigator.clipboard.writeText(key).then(() => toast('key copied', 'ok'), () => toast('select the key and copy it', 'error')) }, 'Copy key')],
  });
  return true;
}

function deviceRow(d, index, buckets) {
  const r = lookupRunningRelease(d, index);
  const bucket = buckets.get(d.id);
  const target = bucket == null ? null : rolloutTarget(index.get(d.channel) || [], bucket, d.sha256);
  const pending = target && target.sha256 !== d.sha256
    ? h('div.small.pending', { title: `rollout bucket ${bucket}` }, `→ Release ${target.number} pending`) : null;
  const seen = d.lastSeen ? when(d.lastSeen) : h('span.muted', 'never');
  return h('tr', { dataset: { device: d.id, state: d.state } },
    h('td', h('a.strong', { href: `#/devices/${encodeURIComponent(d.id)}` }, d.id),
      h('div.narrow-only.small.muted', d.channel)),
    h('td.wide-only', h('a', { href: `#/releases/${encodeURIComponent(d.channel)}` }, d.channel)),
    h('td.running-cell',
      r ? h('span.running', h('b', `Release ${r.number}`), h('span.muted', ` · build #${r.buildId}`))
        : d.sha256 ? hash(d.sha256) : h('span.muted', 'no image'),
      pending),
    h('td.wide-only', seen),
    h('td', badge(d.state), h('div.narrow-only.small.muted', d.lastSeen ? when(d.lastSeen) : 'never seen')));
}

function pendingNote(n) {
  return n ? h('p.chart-note.pending-note', h('b', String(n)), ` device${n === 1 ? ' is' : 's are'} due for an update`) : null;
}

export async function devicesView(root, query) {
  const channel = query.channel || '';
  const filter = (query.q || '').toLowerCase();
  if (!root.querySelector('.devices-toolbar')) mount(root, pageHead('Devices'), loading());
  let devices;
  try {
    devices = listOf(await api('/devices'), 'devices').map(modelDevice);
  } catch (e) {
    mount(root, pageHead('Devices'), errorPanel(e, () => devicesView(root, query)));
    return;
  }
  const channels = [...new Set(devices.map((d) => d.channel))].sort();
  const index = await lookupReleasesByChannel(channels);
  const buckets = new Map(await Promise.all(devices.map(async (d) => [d.id, await rolloutBucket(d.id)])));
  const shown = devices.filter((d) => (!channel || d.channel === channel) &&
    (!filter || d.id.toLowerCase().includes(filter)))
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const isPending = (d) => {
    const b = buckets.get(d.id);
    const t = b == null ? null : rolloutTarget(index.get(d.channel) || [], b, d.sha256);
    return Boolean(t && t.sha256 !== d.sha256);
  };
  const states = new Map();
  for (const d of shown) states.set(d.state, (states.get(d.state) || 0) + 1);

  const sel = h('select#channel-filter', { 'aria-label': 'Channel' },
    h('option', { value: '' }, 'All channels'),
    channels.map((c) => h('option', { value: c, selected: c === channel }, c)));
  const search = h('input#device-search', { type: 'search', placeholder: 'Filter by id', value: query.q || '', 'aria-label': 'Filter devices by id' });
  const apply = () => {
    const p = new URLSearchParams();
    if (sel.value) p.set('channel', sel.value);
    if (search.value) p.set('q', search.value);
    go(`/devices${p.toString() ? `?${p}` : ''}`);
  };
  sel.addEventListener('change', apply);
  let t;
  search.addEventListener('input', () => { clearTimeout(t); t = setTimeout(apply, 250); });
  const reg = h('button.btn.primary#register-device', {
    type: 'button',
    onclick: async () => { if (await registerDevice(channel)) devicesView(root, query); },
  }, 'Register device…');

  const chartChannels = (channel ? [channel] : channels).slice(0, 3);
  const stateItems = [...states].sort((a, b) => b[1] - a[1])
    .map(([st, n]) => ({ label: st, count: n, tone: stateTone(st) }));
  const focused = document.activeElement && document.activeElement.id;
  mount(root,
    pageHead('Devices', `${devices.length} registered · ${channels.length} channel${channels.length === 1 ? '' : 's'}`, reg),
    h('div.toolbar.devices-toolbar', sel, search),
    chartChannels.length ? h('div.grid-2.charts', chartChannels.map((c) => {
      const items = devicesPerRelease(index.get(c) || [], devices.filter((d) => d.channel === c)).filter((it) => it.count > 0);
      return h('section.panel', { dataset: { chart: c } },
        h('div.panel-head', h('h2', `Devices by release — ${c}`), h('a.small', { href: `#/releases/${encodeURIComponent(c)}` }, 'Channel →')),
        items.length ? barChart(items, `Devices of ${c} by running release`) : h('p.muted', 'No devices.'),
        pendingNote(devices.filter((d) => d.channel === c && isPending(d)).length));
    }), h('section.panel', { dataset: { chart: 'states' } },
      h('div.panel-head', h('h2', 'Device states'), h('span.muted.small', channel || 'all channels')),
      barChart(stateItems, 'Devices by state'))) : null,
    h('section.panel',
      shown.length
        ? h('table.table.keep.devices-table',
          h('thead', h('tr', ['Device', 'Channel', 'Running', 'Last seen', 'State']
            .map((x) => h(`th${x === 'Channel' || x === 'Last seen' ? '.wide-only' : ''}`, { scope: 'col' }, x)))),
          h('tbody', shown.map((d) => deviceRow(d, index, buckets))))
        : emptyState(devices.length ? 'No device matches' : 'No devices yet',
          devices.length ? 'Change the filter.' : 'Register a device, then start it with its key.')));
  if (focused === 'device-search') {
    const s = root.querySelector('#device-search');
    s.focus();
    s.setSelectionRange(s.value.length, s.value.length);
  }
}
