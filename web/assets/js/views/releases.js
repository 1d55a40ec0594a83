// views/releases.js - channels overview (#/releases) and one channel
// (#/releases/NAME): live release with rollout control, pause/resume/revoke with
// confirmation, the release history, and a chart of devices per release.

import { h, mount } from '../dom.js';
import { api, listOf } from '../api.js';
import { bytes } from '../format.js';
import { modelRelease, modelDevice } from '../model.js';
import { go } from '../router.js';
import { toast } from '../toast.js';
import { confirmAction } from '../dialog.js';
import { releaseDialog } from '../release_form.js';
import { barChart, devicesPerRelease } from '../chart.js';
import { badge, hash, when, emptyState, errorPanel, loading, pageHead } from '../widgets.js';

function rolloutMeter(pct, state) {
  return h('div.rollout', { title: `${pct} % of the channel's devices` },
    h('div.rollout-bar', { role: 'meter', 'aria-label': 'rollout', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, class: `tone-${state === 'active' ? 'ok' : state === 'paused' ? 'warn' : 'bad'}` },
      h('div', { style: `width:${pct}%` })),
    h('span.rollout-pct', `${pct} %`));
}

async function newRelease(channel) {
  try {
    const r = await releaseDialog(null, { channel });
    if (r) {
      toast(`Release ${r.number} of ${r.channel} created at ${r.rollout} %`, 'ok');
      go(`/releases/${encodeURIComponent(r.channel)}`);
      return true;
    }
  } catch (e) {
    toast(e.message, 'error');
  }
  return false;
}

export async function channelsView(root) {
  mount(root, pageHead('Releases', 'What is live on each channel'), loading());
  let channels;
  try {
    channels = listOf(await api('/channels'), 'channels');
  } catch (e) {
    mount(root, pageHead('Releases'), errorPanel(e, () => channelsView(root)));
    return;
  }
  const add = h('button.btn.primary#new-release', { type: 'button', onclick: () => newRelease('') }, 'Release a build…');
  mount(root,
    pageHead('Releases', 'What is live on each channel', add),
    channels.length
      ? h('div.cards', channels.map((c) => {
        const live = c.latest ? modelRelease(c.latest) : null;
        return h('a.card.channel-card', { href: `#/releases/${encodeURIComponent(c.name)}`, dataset: { channel: c.name } },
          h('div.card-head', h('h2', c.name), live ? badge(live.state) : badge('idle', 'no release')),
          live
            ? [h('p', h('b', `Release ${live.number}`), h('span.muted', ` · build #${live.buildId} · `), when(live.created)),
              rolloutMeter(live.rollout, live.state)]
            : h('p.muted', 'Nothing released yet'),
          h('p.muted.small', `${c.releases ?? '?'} release${c.releases === 1 ? '' : 's'} · ${c.devices ?? '?'} device${c.devices === 1 ? '' : 's'}`));
      }))
      : emptyState('No channels yet', 'A channel appears when you release a build to it.', add.cloneNode(true)));
  const again = root.querySelector('.empty .btn');
  if (again) again.addEventListener('click', () => newRelease(''));
}

/** PATCH a release after confirmation; returns the updated model or null. */
async function patchRelease(r, change, { title, text, ok, danger }) {
  let updated = null;
  const done = await confirmAction(title, text, ok, {
    danger,
    onOk: async () => {
      updated = modelRelease(await api(`/releases/${r.id}`, { method: 'PATCH', json: change }));
    },
  });
  return done ? updated : null;
}

function liveCard(live, channel, refresh) {
  if (!live) {
    return h('section.panel.live', h('h2', 'Live release'),
      emptyState('Nothing live', 'Every release of this channel is revoked or there is none yet.'));
  }
  const pct = h('input#rollout-value', { type: 'number', min: 0, max: 100, step: 1, value: live.rollout, 'aria-label': 'Rollout percentage' });
  const range = h('input#rollout-range', { type: 'range', min: 0, max: 100, step: 1, value: live.rollout, 'aria-label': 'Rollout percentage slider' });
  const apply = h('button.btn.primary#apply-rollout', { type: 'submit', disabled: true }, 'Apply');
  const presets = [1, 10, 25, 50, 100].map((v) => h('button.btn.preset', {
    type: 'button', 'aria-pressed': String(v === live.rollout), dataset: { v }, onclick: () => sync(v),
  }, `${v} %`));
  const sync = (v) => {
    pct.value = v;
    range.value = v;
    apply.disabled = Number(v) === live.rollout || live.state === 'revoked';
    for (const b of presets) b.setAttribute('aria-pressed', String(Number(b.dataset.v) === Number(v)));
  };
  range.addEventListener('input', () => sync(range.value));
  pct.addEventListener('input', () => sync(pct.value));
  const form = h('form.rollout-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const to = Math.max(0, Math.min(100, Math.round(Number(pct.value))));
      const verb = to > live.rollout ? 'Raise' : 'Lower';
      const u = await patchRelease(live, { rollout_percent: to }, {
        title: `${verb} rollout to ${to} %?`,
        text: `Release ${live.number} of ${channel} goes from ${live.rollout} % to ${to} % of its devices.` +
          (to < live.rollout ? ' Devices already running it keep it.' : ' More devices pick it up on their next poll.'),
        ok: `${verb} to ${to} %`,
      });
      if (u) { toast(`Release ${u.number} now at ${u.rollout} %`, 'ok'); refresh(); }
    },
  }, h('label', { for: 'rollout-value' }, 'Rollout'), range, h('span.pct-input', pct, '%'), apply,
  h('div.presets', { role: 'group', 'aria-label': 'Rollout presets' }, presets));

  const act = (label, id, change, opts) => h(`button.btn${opts.danger ? '.danger' : ''}#${id}`, {
    type: 'button',
    onclick: async () => {
      const u = await patchRelease(live, change, opts);
      if (u) { toast(`Release ${u.number}: ${u.state}`, u.state === 'revoked' ? 'info' : 'ok'); refresh(); }
    },
  }, label);
  const actions = h('div.btn-row',
    live.state === 'active'
      ? act('Pause', 'pause', { state: 'paused' }, { title: `Pause release ${live.number}?`, text: 'Devices that are not running it yet stop getting it. Devices that already run it keep it.', ok: 'Pause' })
      : act('Resume', 'resume', { state: 'active' }, { title: `Resume release ${live.number}?`, text: `Devices in the ${live.rollout} % rollout get it again on their next poll.`, ok: 'Resume' }),
    act('Revoke', 'revoke', { state: 'revoked' }, { title: `Revoke release ${live.number}?`, text: 'It will never be offered again, and devices running it go back to the newest older release. This cannot be undone.', ok: 'Revoke', danger: true }));

  return h('section.panel.live', { 'aria-labelledby': 'live-title', dataset: { release: live.id, state: live.state, rollout: live.rollout } },
    h('div.panel-head', h('h2#live-title', 'Live release'), badge(live.state)),
    h('p.live-title', h('span.big', `Release ${live.number}`), ' ',
      h('a', { href: `#/builds/${live.buildId}` }, `build #${live.buildId}`), h('span.muted', ` · ${bytes(live.size)} · `), when(live.created)),
    h('p', hash(live.sha256)),
    outcomeNote(live),
    live.notes ? h('p.notes', live.notes) : null,
    rolloutMeter(live.rollout, live.state),
    form,
    actions);
}

/** "2 devices failed · 1 rolled back" for a release whose image devices
 *  reported as failed or rolled back (lfsd counts them per release), or null. */
function outcomeNote(r) {
  const { failed, rolled_back: back } = r.outcomes;
  if (!failed && !back) return null;
  const parts = [];
  if (failed) parts.push(`${failed} device${failed === 1 ? '' : 's'} failed`);
  if (back) parts.push(`${back} rolled back`);
  return h('p.release-failures.text-bad', { dataset: { failed, rolledBack: back } },
    `⚠ ${parts.join(' · ')}`);
}

/** "3 of 12 devices run the live release; 1 failed" under the chart. */
function liveNote(live, devices) {
  if (!live) return null;
  const on = devices.filter((d) => d.sha256 && d.sha256 === live.sha256).length;
  const failed = devices.filter((d) => ['failed', 'rolled-back'].includes(d.state)).length;
  return h('p.chart-note',
    h('b', `${on} of ${devices.length}`), ` device${devices.length === 1 ? '' : 's'} on the live release`,
    failed ? h('span.text-bad', ` · ${failed} failed or rolled back`) : null);
}

function historyTable(releases) {
  const wide = new Set(['Build', 'Created', 'Notes']);
  return h('table.table.keep.history-table',
    h('thead', h('tr', ['Release', 'Build', 'State', 'Rollout', 'Created', 'Notes']
      .map((t) => h(`th${wide.has(t) ? '.wide-only' : ''}`, { scope: 'col' }, t)))),
    h('tbody', releases.map((r) => h('tr', { dataset: { release: r.id, state: r.state } },
      h('td', h('b', String(r.number)),
        h('div.narrow-only.small.muted', h('a', { href: `#/builds/${r.buildId}` }, `build #${r.buildId}`), ' · ', when(r.created)),
        r.notes ? h('div.narrow-only.small.notes', r.notes) : null),
      h('td.wide-only', h('a', { href: `#/builds/${r.buildId}` }, `#${r.buildId}`), ' ', hash(r.sha256)),
      h('td', badge(r.state), outcomeNote(r)),
      h('td', rolloutMeter(r.rollout, r.state)),
      h('td.wide-only', when(r.created)),
      h('td.wide-only.notes-cell', r.notes || h('span.muted', '—'))))));
}

export async function channelView(root, { channel }) {
  const refresh = () => channelView(root, { channel });
  if (!root.querySelector('.live')) mount(root, loading(`Loading ${channel}…`));
  let releases, devices = [];
  try {
    releases = listOf(await api(`/releases?channel=${encodeURIComponent(channel)}`), 'releases').map(modelRelease);
  } catch (e) {
    mount(root, pageHead(channel), errorPanel(e, refresh));
    return;
  }
  let devErr = null;
  try {
    devices = listOf(await api('/devices'), 'devices').map(modelDevice).filter((d) => d.channel === channel);
  } catch (e) {
    devErr = e;
  }
  const live = releases.find((r) => r.state !== 'revoked') || null;
  const chartItems = devicesPerRelease(releases, devices)
    .filter((it, i) => it.count > 0 || i < 4);
  const add = h('button.btn.primary#new-release', { type: 'button', onclick: () => newRelease(channel) }, 'Release a build…');
  mount(root,
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/releases' }, 'Releases'), ' / ', channel),
    pageHead(channel, `${releases.length} release${releases.length === 1 ? '' : 's'} · ${devices.length} device${devices.length === 1 ? '' : 's'}`, add),
    h('div.grid-2',
      liveCard(live, channel, refresh),
      h('section.panel', { 'aria-labelledby': 'chart-title' },
        h('div.panel-head', h('h2#chart-title', 'Devices by release'), h('a.small', { href: `#/devices?channel=${encodeURIComponent(channel)}` }, 'All devices →')),
        devErr ? errorPanel(devErr)
          : devices.length ? [barChart(chartItems, `Devices of ${channel} by running release`), liveNote(live, devices)]
            : emptyState('No devices on this channel', 'Register devices on the Devices page.'))),
    h('section.panel', { 'aria-labelledby': 'hist-title' },
      h('h2#hist-title', 'History'),
      releases.length ? historyTable(releases) : emptyState('No releases yet', 'Release a build to this channel to start.')));
}
