// views/devices.js - the device inventory (#/devices?channel=C&state=S&q=PREFIX&after=ID):
// lfsd pages and filters the devices (GET /devices) and counts them (GET /fleet),
// so a fleet of a million shows one page at a time; the running release, the
// pending update and the charts are lfsd's answers, not computed here.

import { h, mount } from '../dom.js';
import { api } from '../api.js';
import { modelDevice, modelFleetChannel, devicePending, stateTone } from '../model.js';
import { go } from '../router.js';
import { toast } from '../toast.js';
import { openDialog } from '../dialog.js';
import { barChart, devicesPerRelease } from '../chart.js';
import { badge, hash, when, emptyState, errorPanel, loading, pageHead } from '../widgets.js';

const PAGE = 50;
const STATES = ['booted', 'downloading', 'downloaded', 'applied', 'failed', 'rolled-back', 'none'];

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
  const copy = (text, what) => navigator.clipboard.writeText(text)
    .then(() => toast(`${what} copied`, 'ok'), () => toast(`select the ${what} and copy it`, 'error'));
  // the NodeMCU client's configuration (lfsd_cfg.lua), with the same secrets
  const cfgUrl = URL.createObjectURL(new Blob([made.client_config || ''], { type: 'text/plain' }));
  await openDialog({
    title: `Device ${made.id} registered`,
    okLabel: 'Done',
    wide: true,
    body: [h('p', 'Its secret key is shown only now. Give it to the device (lfs-device --key …):'),
      h('code.key#device-key', { tabindex: '0' }, made.key),
      h('button.btn', { type: 'button', onclick: () => copy(made.key, 'key') }, 'Copy key'),
      h('p', 'A NodeMCU board takes this file, lfsd_cfg.lua, in its SPIFFS beside init.lua (device/nodemcu/README.md):'),
      h('pre.client-config#client-config', { tabindex: '0' }, made.client_config || ''),
      h('div.dialog-actions',
        h('button.btn#copy-client-config', { type: 'button', onclick: () => copy(made.client_config || '', 'configuration') }, 'Copy lfsd_cfg.lua'),
        h('a.btn#download-client-config', { href: cfgUrl, download: 'lfsd_cfg.lua' }, 'Download lfsd_cfg.lua'))],
  });
  URL.revokeObjectURL(cfgUrl);
  return true;
}

function deviceRow(d) {
  const pending = devicePending(d)
    ? h('div.small.pending', { title: `rollout bucket ${d.bucket}` }, `→ Release ${d.offered.number} pending`) : null;
  const seen = d.lastSeen ? when(d.lastSeen) : h('span.muted', 'never');
  return h('tr', { dataset: { device: d.id, state: d.state } },
    h('td', h('a.strong', { href: `#/devices/${encodeURIComponent(d.id)}` }, d.id),
      h('div.narrow-only.small.muted', d.channel)),
    h('td.wide-only', h('a', { href: `#/releases/${encodeURIComponent(d.channel)}` }, d.channel)),
    h('td.running-cell',
      d.running ? h('span.running', h('b', `Release ${d.running.number}`), h('span.muted', ` · build #${d.running.buildId}`))
        : d.sha256 ? hash(d.sha256) : h('span.muted', 'no image'),
      pending),
    h('td.wide-only', seen),
    h('td', badge(d.state), h('div.narrow-only.small.muted', d.lastSeen ? when(d.lastSeen) : 'never seen')));
}

function pendingNote(n) {
  return n ? h('p.chart-note.pending-note', h('b', String(n)), ` device${n === 1 ? ' is' : 's are'} due for an update`) : null;
}

/** The #/devices location for these filters (and page cursor). */
function devicesPath(f, after) {
  const p = new URLSearchParams();
  for (const k of ['channel', 'state', 'q']) if (f[k]) p.set(k, f[k]);
  if (after) p.set('after', after);
  return `/devices${p.toString() ? `?${p}` : ''}`;
}

function toolbar(f, channels) {
  const sel = h('select#channel-filter', { 'aria-label': 'Channel' },
    h('option', { value: '' }, 'All channels'),
    channels.map((c) => h('option', { value: c, selected: c === f.channel }, c)));
  const state = h('select#state-filter', { 'aria-label': 'State' },
    h('option', { value: '' }, 'Any state'),
    STATES.map((s) => h('option', { value: s, selected: s === f.state }, s === 'none' ? 'no report yet' : s)));
  const search = h('input#device-search', { type: 'search', placeholder: 'Id starts with', value: f.q, 'aria-label': 'Filter devices by id prefix' });
  const apply = () => go(devicesPath({ channel: sel.value, state: state.value, q: search.value.trim() }));
  sel.addEventListener('change', apply);
  state.addEventListener('change', apply);
  let t;
  search.addEventListener('input', () => { clearTimeout(t); t = setTimeout(apply, 300); });
  return h('div.toolbar.devices-toolbar', sel, state, search);
}

function charts(f, fleet) {
  const shown = fleet.filter((c) => !f.channel || c.name === f.channel);
  const states = new Map();
  for (const c of shown) for (const [s, n] of Object.entries(c.states)) if (n) states.set(s, (states.get(s) || 0) + n);
  const stateItems = [...states].sort((a, b) => b[1] - a[1])
    .map(([s, n]) => ({ label: s === 'none' ? 'registered' : s, count: n, tone: stateTone(s) }));
  if (!shown.length) return null;
  return h('div.grid-2.charts', shown.filter((c) => c.devices).slice(0, 3).map((c) => {
    const items = devicesPerRelease(c).filter((it) => it.count > 0);
    return h('section.panel', { dataset: { chart: c.name } },
      h('div.panel-head', h('h2', `Devices by release — ${c.name}`), h('a.small', { href: `#/releases/${encodeURIComponent(c.name)}` }, 'Channel →')),
      items.length ? barChart(items, `Devices of ${c.name} by running release`) : h('p.muted', 'No devices.'),
      pendingNote(c.pending));
  }), h('section.panel', { dataset: { chart: 'states' } },
    h('div.panel-head', h('h2', 'Device states'), h('span.muted.small', f.channel || 'all channels')),
    barChart(stateItems, 'Devices by state')));
}

function table(f, page, total) {
  const pager = h('nav.pager', { 'aria-label': 'Device pages' },
    f.after ? h('a.btn#first-page', { href: `#${devicesPath(f)}` }, '« First') : null,
    page.next ? h('a.btn#next-page', { href: `#${devicesPath(f, page.next)}` }, 'Next »') : null);
  return h('section.panel',
    page.devices.length
      ? h('table.table.keep.devices-table', { dataset: { after: f.after || '' } },
        h('thead', h('tr', ['Device', 'Channel', 'Running', 'Last seen', 'State']
          .map((x) => h(`th${x === 'Channel' || x === 'Last seen' ? '.wide-only' : ''}`, { scope: 'col' }, x)))),
        h('tbody', page.devices.map(deviceRow)))
      : emptyState(total ? 'No device matches' : 'No devices yet',
        total ? 'Change the filter.' : 'Register a device, then start it with its key.'),
    pager.childNodes.length ? pager : null);
}

/** One page of GET /devices for the filters, and the cursor of the next. */
async function fetchPage(f) {
  const p = new URLSearchParams({ limit: String(PAGE) });
  if (f.channel) p.set('channel', f.channel);
  if (f.state) p.set('state', f.state);
  if (f.q) p.set('prefix', f.q);
  if (f.after) p.set('after', f.after);
  const body = await api(`/devices?${p}`);
  const next = body.next ? new URLSearchParams(body.next.split('?')[1]).get('after') : null;
  return { devices: body.devices.map(modelDevice), next };
}

export async function devicesView(root, query) {
  const f = { channel: query.channel || '', state: query.state || '', q: query.q || '', after: query.after || '' };
  if (!root.querySelector('.devices-toolbar')) mount(root, pageHead('Devices'), loading());
  let fleet, page, total;
  try {
    const [summary, p] = await Promise.all([api('/fleet'), fetchPage(f)]);
    fleet = summary.channels.map(modelFleetChannel);
    total = summary.devices;
    page = p;
  } catch (e) {
    mount(root, pageHead('Devices'), errorPanel(e, () => devicesView(root, query)));
    return;
  }
  const channels = fleet.map((c) => c.name).sort();
  const reg = h('button.btn.primary#register-device', {
    type: 'button',
    onclick: async () => { if (await registerDevice(f.channel)) devicesView(root, query); },
  }, 'Register device…');
  const focused = document.activeElement && document.activeElement.id;
  mount(root,
    pageHead('Devices', `${total} registered · ${channels.length} channel${channels.length === 1 ? '' : 's'}`, reg),
    toolbar(f, channels), charts(f, fleet), table(f, page, total));
  if (focused === 'device-search') {
    const s = root.querySelector('#device-search');
    s.focus();
    s.setSelectionRange(s.value.length, s.value.length);
  }
}
