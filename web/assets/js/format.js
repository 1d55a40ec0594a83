// format.js - human-readable numbers, sizes, times and hashes for the dashboard.

/** 12345 -> "12.1 KiB"; exact bytes stay available via bytesExact(). */
export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  n = Number(n);
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** 12345 -> "12,345 bytes" */
export function bytesExact(n) {
  if (n === null || n === undefined) return '';
  return `${Number(n).toLocaleString('en-US')} bytes`;
}

/** Accept unix seconds, unix ms, or an ISO string; returns a Date or null. */
export function toDate(t) {
  if (t === null || t === undefined || t === '' || t === 0) return null;
  if (typeof t === 'number') return new Date(t < 1e12 ? t * 1000 : t);
  if (/^\d+$/.test(t)) return toDate(Number(t));
  // SQLite's "YYYY-MM-DD HH:MM:SS" is UTC
  const s = /^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", or "in 5 min" for the future. */
export function relative(t, now = Date.now()) {
  const d = toDate(t);
  if (!d) return 'never';
  const s = Math.round((now - d.getTime()) / 1000);
  const a = Math.abs(s);
  let txt;
  if (a < 10) return 'just now';
  if (a < 60) txt = `${a} s`;
  else if (a < 3600) txt = `${Math.round(a / 60)} min`;
  else if (a < 86400) txt = `${Math.round(a / 3600)} h`;
  else if (a < 86400 * 60) { const n = Math.round(a / 86400); txt = `${n} day${n === 1 ? '' : 's'}`; }
  else return d.toISOString().slice(0, 10);
  return s >= 0 ? `${txt} ago` : `in ${txt}`;
}

/** Absolute time for tooltips: "2026-11-21 13:05:09 UTC". */
export function absolute(t) {
  const d = toDate(t);
  return d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
}

/** First 12 hex digits of a sha256. */
export function shortHash(s) {
  return s ? String(s).slice(0, 12) : '—';
}

/** 0.1234 -> "12.3 %" */
export function percent(part, whole) {
  if (!whole) return '—';
  const p = (100 * part) / whole;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)} %`;
}
