// toast.js - short status messages in a live region (screen readers announce them).

import { h } from './dom.js';

function region() {
  let el = document.getElementById('toasts');
  if (!el) {
    el = h('div#toasts', { role: 'status', 'aria-live': 'polite' });
    document.body.append(el);
  }
  return el;
}

/** Show `message`; kind is 'ok', 'error' or 'info'. Errors stay 8 s, others 4 s. */
export function toast(message, kind = 'info') {
  const el = h(`div.toast.toast-${kind}`, message);
  region().append(el);
  setTimeout(() => el.classList.add('toast-out'), kind === 'error' ? 8000 : 4000);
  setTimeout(() => el.remove(), kind === 'error' ? 8400 : 4400);
  return el;
}
