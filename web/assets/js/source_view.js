// source_view.js - show one source file of a build (GET
// /builds/ID/sources/NAME) in a dialog, with line numbers and one line marked.

import { h } from './dom.js';
import { api } from './api.js';
import { openDialog } from './dialog.js';

/** Open the viewer; line (optional) is marked and scrolled into view. */
export async function sourceOpen(buildId, name, line = null) {
  const code = h('div.src.src-view', { tabindex: '0', 'aria-label': `${name} source` }, 'Loading…');
  const shown = openDialog({ title: name, body: code, okLabel: 'Close', cancelLabel: null, wide: true });
  try {
    const text = await api(`/builds/${encodeURIComponent(buildId)}/sources/${encodeURIComponent(name)}`, { text: true });
    const lines = text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
    code.replaceChildren(...lines.map((l, i) => h(`div.src-line${i + 1 === line ? '.src-bad' : ''}`,
      { id: `src-${i + 1}` },
      h('span.src-no', String(i + 1)), h('span.src-text', l === '' ? ' ' : l))));
    if (line) code.querySelector(`#src-${line}`)?.scrollIntoView({ block: 'center' });
  } catch (e) {
    code.replaceChildren(h('p.text-bad', e.message));
  }
  return shown;
}
