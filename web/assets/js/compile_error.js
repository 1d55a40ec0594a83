// compile_error.js - show a failed build: the compiler's message, the file and
// line, and the uploaded source around that line with the offending line marked.
// The sources come from the browser's own copy of the uploaded files.

import { h } from './dom.js';

const CONTEXT = 3;

/**
 * err: ApiError (code, message, file, line). sources: Map name -> text (borrowed).
 * Returns a panel node.
 */
export function compileErrorPanel(err, sources) {
  const file = err.file || null;
  const line = Number(err.line) || null;
  const isCompile = err.code === 'compile_error';
  const title = isCompile ? 'Compile error'
    : err.status === 413 ? 'Upload too large'
      : err.code === 'bad_option' ? 'Invalid option'
        : err.code === 'network' ? 'lfsd unreachable'
          : err.code === 'busy' ? 'Build queue full'
            : 'Build failed';
  const where = file ? `${file}${line ? `:${line}` : ''}` : null;
  const text = file && sources ? sources.get(file) : undefined;
  // lfsc's message may repeat the position already shown beside the badge
  const message = where && String(err.message).startsWith(`${where}: `)
    ? String(err.message).slice(where.length + 2) : err.message;
  let excerpt = null;
  if (text !== undefined && line) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    // "'end' expected (to close 'function' at line 2)": show and mark line 2 too
    const refMatch = /at line (\d+)/.exec(message);
    const ref = refMatch && Number(refMatch[1]) < line && line - Number(refMatch[1]) <= 12 ? Number(refMatch[1]) : null;
    const from = Math.max(1, (ref || line) - CONTEXT);
    const to = Math.min(lines.length, line + CONTEXT);
    const rows = [];
    for (let n = from; n <= to; n++) {
      const bad = n === line;
      const cls = bad ? '.src-bad' : n === ref ? '.src-ref' : '';
      rows.push(h(`div.src-line${cls}`, bad ? { 'aria-current': 'true' } : null,
        h('span.src-no', String(n)),
        h('span.src-text', lines[n - 1] === '' ? ' ' : lines[n - 1])));
    }
    excerpt = h('div.src', { 'aria-label': `${file} around line ${line}` }, rows);
  }
  return h('div.panel.compile-error', { role: 'alert' },
    h('div.ce-head',
      h('span.badge.tone-bad', title),
      where && h('code.ce-where', where)),
    h('p.ce-message', message),
    excerpt);
}
