// session.js - the admin token for this browser tab, kept in sessionStorage
// (gone when the tab closes; never in localStorage or a cookie).

const KEY = 'lfsd.adminToken';

/** The stored token, or '' when signed out. */
export function sessionToken() {
  try { return sessionStorage.getItem(KEY) || ''; } catch { return ''; }
}

export function sessionSet(token) {
  sessionStorage.setItem(KEY, token);
}

export function sessionClear() {
  sessionStorage.removeItem(KEY);
}
