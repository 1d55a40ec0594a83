// router.js - hash routes (#/builds/12): the API owns the real paths (/builds/12),
// so the dashboard's own locations live after the '#'.

/**
 * routes: array of [pattern, handler]; pattern like '/builds/:id'.
 * handler(params, query) is called on every hash change.
 */
export function routerStart(routes, fallback) {
  const compiled = routes.map(([pat, fn]) => {
    const names = [];
    const re = new RegExp(`^${pat.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}/?$`);
    return { re, names, fn };
  });
  const dispatch = () => {
    const raw = location.hash.replace(/^#/, '') || '/';
    const [path, qs] = raw.split('?');
    const query = Object.fromEntries(new URLSearchParams(qs || ''));
    for (const r of compiled) {
      const m = r.re.exec(path);
      if (m) {
        const params = {};
        r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
        r.fn(params, query);
        return;
      }
    }
    fallback(path);
  };
  window.addEventListener('hashchange', dispatch);
  dispatch();
  return dispatch;
}

/** Navigate to a dashboard location ('/builds/3'); the same location renders again. */
export function go(path) {
  if (location.hash === `#${path}`) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = `#${path}`;
}
