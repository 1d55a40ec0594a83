// views/builds.js - the Builds page: the upload panel and the list of builds,
// newest first, paged with lfsd's `before` cursor and filtered by lfsd
// (#/builds?channel=C&sha=PREFIX&before=ID).

import { h, mount } from '../dom.js';
import { api } from '../api.js';
import { bytes } from '../format.js';
import { modelBuild } from '../model.js';
import { lookupReleasesByBuild } from '../lookup.js';
import { go } from '../router.js';
import { toast } from '../toast.js';
import { badge, hash, when, emptyState, errorPanel, loading, pageHead, releaseChips } from '../widgets.js';
import { uploadPanel } from '../upload.js';

const PAGE = 20;

function row(b, rels) {
  const files = b.modules.length || b.files.length;
  return h('tr',
    h('td', h('a.strong', { href: `#/builds/${b.id}` }, `#${b.id}`),
      h('div.narrow-only.small.muted', when(b.created))),
    h('td.wide-only', when(b.created)),
    h('td.num', files ? String(files) : '—'),
    h('td.num', bytes(b.imageSize)),
    h('td.wide-only', h('span.muted', b.target)),
    h('td.wide-only', hash(b.sha256)),
    h('td.wide-only', releaseChips(rels.get(b.id))),
    h('td', badge(b.status === 'ok' ? 'ok' : b.status, b.status)));
}

/** The #/builds location for these filters (and page cursor). */
function buildsPath(f, before) {
  const p = new URLSearchParams();
  if (f.channel) p.set('channel', f.channel);
  if (f.sha) p.set('sha', f.sha);
  if (before) p.set('before', before);
  return `/builds${p.toString() ? `?${p}` : ''}`;
}

function filters(f, channels) {
  const sel = h('select#build-channel', { 'aria-label': 'Released on' },
    h('option', { value: '' }, 'All builds'),
    channels.map((c) => h('option', { value: c, selected: c === f.channel }, `Released on ${c}`)));
  const sha = h('input#build-sha', { type: 'search', placeholder: 'sha256 starts with', value: f.sha, 'aria-label': 'Filter builds by image sha256 prefix', pattern: '[0-9a-f]{1,64}' });
  const apply = () => go(buildsPath({ channel: sel.value, sha: sha.value.trim().toLowerCase() }));
  sel.addEventListener('change', apply);
  let t;
  sha.addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(() => { if (!sha.value || /^[0-9a-fA-F]{1,64}$/.test(sha.value.trim())) apply(); }, 300);
  });
  return h('div.toolbar.builds-toolbar', sel, sha);
}

export async function buildsView(root, query) {
  const f = { channel: query.channel || '', sha: query.sha || '' };
  const before = query.before || '';
  const list = h('section.panel', { 'aria-labelledby': 'builds-title' },
    h('div.panel-head', h('h2#builds-title', 'All builds')), loading());
  mount(root,
    pageHead('Builds', 'Compile Lua sources into LFS images'),
    uploadPanel({
      onBuilt: (b, code) => {
        toast(code === 200 ? `Identical sources — this is build #${b.id}` : `Build #${b.id} is ready`, 'ok');
        go(`/builds/${b.id}`);
      },
    }),
    list);
  const load = async () => {
    try {
      const p = new URLSearchParams({ limit: String(PAGE) });
      if (f.channel) p.set('channel', f.channel);
      if (f.sha) p.set('sha256', f.sha);
      if (before) p.set('before', before);
      const [body, rels, channels] = await Promise.all([api(`/builds?${p}`), lookupReleasesByBuild(),
        api('/channels').then((c) => c.channels.map((x) => x.name), () => [])]);
      const builds = body.builds.map(modelBuild);
      const next = body.next ? new URLSearchParams(body.next.split('?')[1]).get('before') : null;
      const pager = h('nav.pager', { 'aria-label': 'Build pages' },
        before ? h('a.btn', { href: `#${buildsPath(f)}` }, '« Newest') : null,
        next ? h('a.btn#older', { href: `#${buildsPath(f, next)}` }, 'Older »') : null);
      mount(list,
        h('div.panel-head', h('h2#builds-title', 'All builds'), before ? h('span.muted', `before #${before}`) : null),
        filters(f, channels),
        builds.length
          ? h('table.table.keep.builds-table', { dataset: { before } },
            h('thead', h('tr', ['Build', 'Created', 'Modules', 'Image', 'Target', 'sha256', 'Released', 'Status']
              .map((t, i) => h(`th${i === 2 || i === 3 ? '.num' : ''}${[1, 4, 5, 6].includes(i) ? '.wide-only' : ''}`, { scope: 'col' }, t)))),
            h('tbody', builds.map((b) => row(b, rels))))
          : emptyState(before || f.channel || f.sha ? 'No build matches' : 'No builds yet',
            f.channel || f.sha ? 'Change the filter.' : 'Drop a folder of .lua files above to make the first one.'),
        pager.childNodes.length ? pager : null);
    } catch (e) {
      mount(list, errorPanel(e, load));
    }
  };
  await load();
}
