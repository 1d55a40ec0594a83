// views/signin.js - the sign-in screen: checks the admin token against lfsd
// (GET /builds?limit=1) before keeping it in sessionStorage.

import { h, mount } from '../dom.js';
import { api } from '../api.js';
import { sessionSet } from '../session.js';

/** Render the sign-in form into root; onSignedIn() after a token is accepted. */
export function signinView(root, onSignedIn, notice) {
  const token = h('input#token', {
    type: 'password', name: 'token', required: true, autocomplete: 'current-password',
    spellcheck: 'false', placeholder: 'admin token', 'aria-describedby': 'token-help',
  });
  const msg = h('p.signin-error#signin-error', { role: 'alert', hidden: !notice }, notice || '');
  const btn = h('button.btn.primary.wide#signin', { type: 'submit' }, 'Sign in');
  const form = h('form.signin', {
    onsubmit: async (e) => {
      e.preventDefault();
      const t = token.value.trim();
      if (!t) return;
      btn.disabled = true;
      btn.classList.add('busy');
      msg.hidden = true;
      try {
        await api('/builds?limit=1', { token: t, quiet401: true });
        sessionSet(t);
        onSignedIn();
      } catch (ex) {
        msg.textContent = ex.status === 401
          ? 'That token was not accepted. Use the admin token lfsd printed on its first start (or LFSD_ADMIN_TOKEN).'
          : ex.message;
        msg.hidden = false;
        token.select();
      } finally {
        btn.disabled = false;
        btn.classList.remove('busy');
      }
    },
  },
  h('div.brand.brand-lg', h('span.logo', { 'aria-hidden': 'true' }, 'λ'), h('span', 'lfsd')),
  h('h1', 'Sign in'),
  h('p.muted', 'Builds, releases and devices of this lfsd.'),
  h('label', { for: 'token' }, 'Admin token'),
  token,
  h('p.muted.small#token-help', 'Kept only in this tab (sessionStorage) and sent as a bearer token.'),
  msg,
  btn);
  mount(root, h('div.signin-wrap', form));
  token.focus();
}
