// views/build.js - one build (#/builds/ID): size against a partition, modules,
// options, sha256, files, the listing, download and release actions.

import { h, mount } from '../dom.js';
import { api } from '../api.js';
import { bytes, bytesExact, absolute } from '../format.js';
import { modelBuild } from '../model.js';
import { lookupReleasesByBuild } from '../lookup.js';
import { go } from '../router.js';
import { toast } from '../toast.js';
import { sizebar } from '../sizebar.js';
import { sourceOpen } from '../source_view.js';
import { releaseDialog } from '../release_form.js';
import { badge, hash, when, facts, errorPanel, loading, pageHead, releaseChips } from '../widgets.js';

async function download(b, btn) {
  btn.disabled = true;
  btn.classList.add('busy');
  try {
    const res = await api(`/builds/${b.id}/lfs.img`, { raw: true });
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `lfs-${b.id}.img` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    toast(`Downloaded lfs-${b.id}.img (${bytes(blob.size)})`, 'ok');
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    btn.disabled = false;
    btn.classList.remove('busy');
  }
}

function modulesTable(b) {
  const sizeOf = (m) => Number(m.flashBytes ?? m.imageBytes ?? 0);
  const total = b.modules.reduce((n, m) => n + sizeOf(m), 0) || 1;
  const largest = Math.max(1, ...b.modules.map(sizeOf));
  const sorted = [...b.modules];
  return h('table.table.keep.modules-table',
    h('thead', h('tr',
      h('th', { scope: 'col' }, 'Module'),
      h('th.wide-only', { scope: 'col' }, 'File'),
      h('th.num', { scope: 'col' }, 'Image'),
      h('th.num', { scope: 'col' }, 'Flash'),
      h('th.num', { scope: 'col' }, h('span.wide-only', 'Functions'), h('span.narrow-only', { 'aria-hidden': 'true' }, 'Fn')),
      h('th.share-col', { scope: 'col' }, 'Share'))),
    h('tbody', sorted.map((m) => {
      const share = (100 * sizeOf(m)) / total;
      return h('tr',
        h('td', { 'data-label': 'Module' }, h('code.strong', m.name)),
        h('td.wide-only', { 'data-label': 'File' }, m.file
          ? h('button.linkish.muted', { type: 'button', title: `Show ${m.file}`, onclick: () => sourceOpen(b.id, m.file) }, m.file) : ''),
        h('td.num', { 'data-label': 'Image', title: bytesExact(m.imageBytes) }, bytes(m.imageBytes)),
        h('td.num', { 'data-label': 'Flash', title: bytesExact(m.flashBytes) }, bytes(m.flashBytes)),
        h('td.num', { 'data-label': 'Functions' }, m.functions ?? '—'),
        h('td.share-col', { 'data-label': 'Share' },
          h('div.minibar', { title: `${share.toFixed(1)} % of the image's flash` }, h('div', { style: `width:${(100 * sizeOf(m)) / largest}%` }))));
    })),
    h('tfoot', h('tr',
      h('th', { scope: 'row' }, `${b.modules.length} modules`),
      h('td.wide-only'),
      h('td.num', bytes(b.modules.reduce((n, m) => n + Number(m.imageBytes || 0), 0))),
      h('td.num', bytes(b.modules.reduce((n, m) => n + Number(m.flashBytes || 0), 0))),
      h('td.num', String(b.modules.reduce((n, m) => n + Number(m.functions || 0), 0))),
      h('td.share-col'))));
}

function optionFacts(b, rels) {
  const o = b.options;
  const e = b.effective;
  const fmtMax = o.max_size ? `${bytes(o.max_size)} (${o.max_size})` : 'no limit';
  return facts([
    ['sha256', hash(b.sha256, { full: true })],
    ['Released', releaseChips(rels)],
    ['Target', b.target],
    ['Kind', o.base_address || e.kind === 'absolute' ? `absolute flash image at ${o.base_address}` : 'relocatable LFS image (-f)'],
    ['Strip', o.strip ? 'yes' : 'no'],
    ['Max size', fmtMax],
    ['Seed', e.seed ?? o.seed],
    ['Timestamp', (e.timestamp ?? o.timestamp) != null ? `${e.timestamp ?? o.timestamp} (${absolute(e.timestamp ?? o.timestamp)})` : null],
    ['Built', b.timings ? `${b.timings.compile_ms ?? '?'} ms compile, ${b.timings.total_ms ?? '?'} ms total` : null],
  ]);
}

function sizeSummary(b) {
  const src = b.files.reduce((n, f) => n + Number(f.size || 0), 0);
  const fns = b.modules.reduce((n, m) => n + Number(m.functions || 0), 0);
  const str = b.strings;
  return h('div.size-summary',
    h('div.stat', h('span.stat-value', String(b.modules.length)), h('span.stat-label', 'modules')),
    fns ? h('div.stat', h('span.stat-value', String(fns)), h('span.stat-label', 'functions')) : null,
    src ? h('div.stat', h('span.stat-value', bytes(src)), h('span.stat-label', `of source in ${b.files.length} files`)) : null,
    str && str.short != null ? h('div.stat', h('span.stat-value', String(Number(str.short) + Number(str.long || 0))), h('span.stat-label', 'strings')) : null);
}

function filesList(b) {
  if (!b.files.length) return null;
  return h('ul.file-list', b.files.map((f) => h('li',
    h('button.linkish', { type: 'button', title: `Show ${f.name}`, onclick: () => sourceOpen(b.id, f.name) }, h('code', f.name)),
    h('span.muted', ` ${bytes(f.size)} `), f.sha256 ? hash(f.sha256) : null)));
}

function listingPanel(b) {
  const pre = h('pre.listing', { tabindex: '0' }, 'Loading…');
  const det = h('details.panel.listing-panel', h('summary', h('h2', 'Listing')), pre);
  let loaded = false;
  det.addEventListener('toggle', async () => {
    if (!det.open || loaded) return;
    loaded = true;
    try {
      pre.textContent = await api(`/builds/${b.id}/listing`, { text: true }) || '(empty listing)';
    } catch (e) {
      loaded = false;
      pre.textContent = e.message;
    }
  });
  return det;
}

export async function buildView(root, { id }) {
  mount(root, loading(`Loading build #${id}…`));
  let b;
  let rels = [];
  try {
    b = modelBuild(await api(`/builds/${encodeURIComponent(id)}`));
    rels = (await lookupReleasesByBuild()).get(b.id) || [];
  } catch (e) {
    mount(root, pageHead(`Build #${id}`), errorPanel(e, () => buildView(root, { id })));
    return;
  }
  const dl = h('button.btn#download', { type: 'button' }, '⤓ Download lfs.img');
  dl.addEventListener('click', () => download(b, dl));
  const rel = h('button.btn.primary#release', {
    type: 'button',
    onclick: async () => {
      const r = await releaseDialog(b.id);
      if (r) {
        toast(`Released build #${b.id} to ${r.channel} as release ${r.number} at ${r.rollout} %`, 'ok');
        go(`/releases/${encodeURIComponent(r.channel)}`);
      }
    },
  }, 'Release…');
  mount(root,
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/builds' }, 'Builds'), ' / ', `#${b.id}`),
    pageHead(h('span', `Build #${b.id} `, badge(b.status === 'ok' ? 'ok' : b.status, b.status)),
      h('span', 'created ', when(b.created), ` · ${b.modules.length} modules · ${b.target}`), dl, rel),
    h('div.grid-2',
      h('section.panel', { 'aria-labelledby': 'size-title' }, h('h2#size-title', 'Size'),
        sizebar(b.imageSize, b.flashSize, b.options.max_size),
        sizeSummary(b)),
      h('section.panel', { 'aria-labelledby': 'opt-title' }, h('h2#opt-title', 'Details'), optionFacts(b, rels))),
    b.warnings.length ? h('section.panel.warn-panel', h('h2', 'Warnings'),
      h('ul', b.warnings.map((w) => h('li',
        w.file ? h('button.linkish', { type: 'button', onclick: () => sourceOpen(b.id, w.file, Number(w.line) || null) },
          h('code', `${w.file}${w.line ? `:${w.line}` : ''}`)) : null,
        ' ', w.message || String(w))))) : null,
    h('section.panel', { 'aria-labelledby': 'mod-title' }, h('h2#mod-title', 'Modules'),
      b.modules.length ? modulesTable(b) : h('p.muted', 'No module information.')),
    b.files.length ? h('section.panel', h('h2', 'Source files'), filesList(b)) : null,
    listingPanel(b));
}
