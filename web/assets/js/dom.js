// dom.js - build DOM nodes from plain calls: h('a.link', {href}, 'text').
// Every view builds its nodes with h(); text is always set as text, never as HTML,
// so server data cannot inject markup.

/**
 * Create an element. `spec` is a tag with optional .classes and #id
 * ("button.btn.primary#go"). `attrs` keys: on* = event listener, class, dataset,
 * style (string, set through CSSOM), boolean true = present, false/null/undefined = absent.
 * Children: strings, numbers, nodes, arrays (flattened), null/false (skipped).
 */
export function h(spec, attrs, ...children) {
  const m = /^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i.exec(spec);
  if (!m) throw new Error(`h: bad element spec '${spec}'`);
  const svg = ['svg', 'g', 'rect', 'text', 'line', 'path', 'title', 'circle'].includes(m[1]);
  const el = svg
    ? document.createElementNS('http://www.w3.org/2000/svg', m[1])
    : document.createElement(m[1] || 'div');
  for (const part of m[2].match(/[.#][\w-]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') String(v).split(/\s+/).filter(Boolean).forEach((c) => el.classList.add(c));
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') el.style.cssText = v; // CSSOM, allowed by the page's CSP
    else if (k === 'value' && !svg) el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Append children (same rules as h()) to `el`; returns `el`. */
export function append(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace all children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
