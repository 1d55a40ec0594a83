// dialog.js - modal dialogs on the native <dialog> element (focus is kept inside,
// Escape cancels): confirmations and small forms.

import { h } from './dom.js';

/**
 * Open a modal. `body` is a node or array of nodes; `okLabel` the confirm button;
 * cancelLabel null hides the cancel button; wide for code views.
 * onOk(form) may return a promise; the dialog stays open (busy) until it resolves,
 * shows the error message if it rejects, closes on success.
 * Resolves true when confirmed, false when cancelled.
 */
export function openDialog({ title, body, okLabel = 'OK', danger = false, onOk, cancelLabel = 'Cancel', wide = false }) {
  return new Promise((resolve) => {
    const err = h('p.dialog-error', { role: 'alert', hidden: true });
    const ok = h(`button.btn${danger ? '.danger' : '.primary'}`, { type: 'submit', value: 'ok' }, okLabel);
    const cancel = h('button.btn', { type: 'button', hidden: !cancelLabel }, cancelLabel || '');
    const form = h('form.dialog-form', { method: 'dialog' },
      h('h2', title), body, err,
      h('div.dialog-actions', cancel, ok));
    const dlg = h(`dialog.dialog${wide ? '.dialog-wide' : ''}`, { 'aria-label': title }, form);
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    cancel.addEventListener('click', () => finish(false));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      if (onOk) {
        ok.disabled = true;
        ok.classList.add('busy');
        err.hidden = true;
        try {
          await onOk(form);
        } catch (ex) {
          err.textContent = ex.message;
          err.hidden = false;
          ok.disabled = false;
          ok.classList.remove('busy');
          return;
        }
      }
      finish(true);
    });
    document.body.append(dlg);
    dlg.showModal();
    const first = form.querySelector('input, select, textarea');
    (first || ok).focus();
  });
}

/** Yes/no confirmation with a one-line explanation. */
export function confirmAction(title, text, okLabel, { danger = false, onOk } = {}) {
  return openDialog({ title, body: h('p', text), okLabel, danger, onOk });
}
