// views/builds.js - the Builds page: the upload panel and the list of builds,
// newest first, paged with lfsd's `before` cursor (#/builds?before=ID).

import { h, mount } from '../dom.js';
import { api, listOf } from '../api.js';
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

export async function buildsView(root, query) {
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
      const [body, rels] = await Promise.all([
        api(`/builds?limit=${PAGE}${before ? `&before=${encodeURIComponent(before)}` : ''}`),
        lookupReleasesByBuild()]);
      const builds = listOf(body, 'builds').map(modelBuild);
      const next = body && body.next ? new URLSearchParams(String(body.next).split('?')[1] || '').get('before') : null;
      const pager = h('nav.pager', { 'aria-label': 'Build pages' },
        before ? h('a.btn', { href: '#/builds' }, '« Newest') : null,
        next ? h('a.btn#older', { href: `#/builds?before=${encodeURIComponent(next)}` }, 'Older »') : null);
      mount(list,
        h('div.panel-head', h('h2#builds-title', 'All builds'), before ? h('span.muted', `before #${before}`) : null),
        builds.length
          ? h('table.table.keep.builds-table', { dataset: { before } },
            h('thead', h('tr', ['Build', 'Created', 'Modules', 'Image', 'Target', 'sha256', 'Released', 'Status']
              .map((t, i) => h(`th${i === 2 || i === 3 ? '.num' : ''}${[1, 4, 5, 6].includes(i) ? '.wide-only' : ''}`, { scope: 'col' }, t)))),
            h('tbody', builds.map((b) => row(b, rels))))
          : emptyState(before ? 'No older builds' : 'No builds yet', 'Drop a folder of .lua files above to make the first one.'),
        pager.childNodes.length ? pager : null);
    } catch (e) {
      mount(list, errorPanel(e, load));
    }
  };
  await load();
}
