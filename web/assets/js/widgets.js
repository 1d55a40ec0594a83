// widgets.js - small visual pieces shared by the views: state badges, hashes with
// a copy button, relative times, key/value lists, empty and error panels.

import { h } from './dom.js';
import { relative, absolute, shortHash, toDate } from './format.js';
import { stateTone } from './model.js';
import { toast } from './toast.js';

export function badge(state, label) {
  return h(`span.badge.tone-${stateTone(state)}`, { dataset: { state: String(state || '') } }, label ?? state ?? '—');
}

/** Two overlapping rounded squares, drawn inline (no icon font needed). */
export function copyIcon() {
  return h('svg.icon', { viewBox: '0 0 16 16', width: 14, height: 14, 'aria-hidden': 'true' },
    h('rect', { x: 5, y: 5, width: 9, height: 9, rx: 2 }),
    h('path', { d: 'M11 3.5V3a1.5 1.5 0 0 0-1.5-1.5h-6A1.5 1.5 0 0 0 2 3v6a1.5 1.5 0 0 0 1.5 1.5H4' }));
}

/** A sha256: short form, full value in the title, copy button. */
export function hash(sha, { full = false } = {}) {
  if (!sha) return h('span.muted', '—');
  const copy = h('button.icon-btn', {
    type: 'button',
    title: 'Copy sha256',
    'aria-label': 'Copy sha256',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(sha);
        toast('sha256 copied', 'ok');
      } catch {
        toast('copy is not allowed here; select the text instead', 'error');
      }
    },
  }, copyIcon());
  return h('span.hash', h('code', { title: sha }, full ? sha : shortHash(sha)), copy);
}

/** <time> with relative text that refreshes itself every 30 s. */
export function when(t) {
  const d = toDate(t);
  const el = h('time.when', { title: absolute(t), datetime: d ? d.toISOString() : null }, relative(t));
  el.dataset.t = t == null ? '' : String(t);
  return el;
}

/** Re-render every <time.when> under root (called by the app on a timer). */
export function refreshTimes(root = document) {
  for (const el of root.querySelectorAll('time.when')) {
    if (el.dataset.t) el.textContent = relative(/^\d+$/.test(el.dataset.t) ? Number(el.dataset.t) : el.dataset.t);
  }
}

/** Definition list from [label, value] pairs (skips null values). */
export function facts(pairs) {
  return h('dl.facts', pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => h('div.fact', h('dt', k), h('dd', v))));
}

export function emptyState(title, text, action) {
  return h('div.empty', h('p.empty-title', title), text && h('p.muted', text), action);
}

export function errorPanel(err, retry) {
  return h('div.panel.error-panel', { role: 'alert' },
    h('p.error-title', 'Something went wrong'),
    h('p', err.message || String(err)),
    retry && h('button.btn', { type: 'button', onclick: retry }, 'Try again'));
}

export function loading(text = 'Loading…') {
  return h('div.loading', { 'aria-busy': 'true' }, h('span.spinner', { 'aria-hidden': 'true' }), text);
}

export function pageHead(title, sub, ...actions) {
  return h('header.page-head',
    h('div', h('h1', title), sub && h('p.sub', sub)),
    actions.length ? h('div.page-actions', actions) : null);
}

/** Where a build is released: one link per release ("stable · 2"), coloured by state. */
export function releaseChips(releases) {
  if (!releases || !releases.length) return h('span.muted', '—');
  return h('span.chips', releases.map((r) => h(`a.chip-link.tone-${stateTone(r.state)}`, {
    href: `#/releases/${encodeURIComponent(r.channel)}`,
    title: `release ${r.number} of ${r.channel}: ${r.state}, ${r.rollout} %`,
  }, `${r.channel} · ${r.number}`)));
}

