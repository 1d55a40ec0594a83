// views/device.js - one device (#/devices/ID): channel, running release, last
// seen, state, and its event history as a timeline.

import { h, mount } from '../dom.js';
import { api } from '../api.js';
import { absolute } from '../format.js';
import { modelDevice, stateTone } from '../model.js';
import { badge, hash, when, facts, emptyState, errorPanel, loading, pageHead } from '../widgets.js';
import { lookupReleasesByChannel } from '../lookup.js';

function timeline(events, index, channel) {
  const rel = (sha) => (index.get(channel) || []).find((r) => r.sha256 === sha);
  return h('ol.timeline', events.map((e) => {
    const r = e.sha256 ? rel(e.sha256) : null;
    return h('li.tl-item', { dataset: { state: e.state } },
      h('span.tl-dot', { class: `tone-${stateTone(e.state)}`, 'aria-hidden': 'true' }),
      h('div.tl-body',
        h('div.tl-head', badge(e.state), ' ', when(e.time), h('span.muted.small', ` ${absolute(e.time)}`)),
        h('div.tl-meta',
          r ? h('span', `Release ${r.number} `) : null,
          e.sha256 ? hash(e.sha256) : null),
        e.detail ? h('p.tl-detail', e.detail) : null));
  }));
}

function offerText(d) {
  if (!d.offered) return h('span.muted', 'no release of its channel reaches it yet');
  if (d.offered.sha256 === d.sha256) return h('span', `Release ${d.offered.number} `, badge('ok', 'up to date'));
  return h('span', h('b', `Release ${d.offered.number}`), ' ', badge('downloading', 'update pending'));
}

export async function deviceView(root, { id }) {
  mount(root, loading(`Loading ${id}…`));
  let d;
  try {
    d = modelDevice(await api(`/devices/${encodeURIComponent(id)}`));
  } catch (e) {
    mount(root, pageHead(id), errorPanel(e, () => deviceView(root, { id })));
    return;
  }
  const index = await lookupReleasesByChannel([d.channel]);
  const r = d.running;
  const events = d.events;   // newest first, as lfsd lists them
  mount(root,
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/devices' }, 'Devices'), ' / ', d.id),
    pageHead(h('span', `${d.id} `, badge(d.state)), h('span', 'last seen ', d.lastSeen ? when(d.lastSeen) : 'never')),
    h('div.grid-2',
      h('section.panel', h('h2', 'Status'),
        facts([
          ['Channel', h('a', { href: `#/releases/${encodeURIComponent(d.channel)}` }, d.channel)],
          ['Running', r ? h('span#running-release', h('b', `Release ${r.number}`), ' · ', h('a', { href: `#/builds/${r.buildId}` }, `build #${r.buildId}`))
            : h('span#running-release.muted', d.sha256 ? 'an image of no release of this channel' : 'no image yet')],
          ['Should run', h('span#target-release', offerText(d))],
          ['Rollout bucket', h('span#rollout-bucket', `${d.bucket}`,
            h('span.muted', ` — gets releases rolled out to more than ${d.bucket} %`))],
          ['Image', hash(d.sha256, { full: true })],
          ['State', badge(d.state)],
          ['Detail', d.detail || null],
          ['Last seen', d.lastSeen ? h('span', when(d.lastSeen), h('span.muted', ` · ${absolute(d.lastSeen)}`)) : 'never'],
          ['Registered', d.created ? when(d.created) : null],
        ])),
      h('section.panel', { 'aria-labelledby': 'events-title' },
        h('h2#events-title', events.length >= 100 ? 'Events (latest 100)' : `Events (${events.length})`),
        events.length ? timeline(events, index, d.channel)
          : emptyState('No events yet', 'The device reports each step of an update here.'))));
}
