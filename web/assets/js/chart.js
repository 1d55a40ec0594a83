// chart.js - a horizontal bar chart drawn as inline SVG (no library): one row per
// item, label above its bar, count at the bar's end. Percent-based geometry, so
// it fits any width without scaling the text.

import { h } from './dom.js';

const ROW = 46;

/**
 * items: [{ label, count, tone: 'ok'|'warn'|'bad'|'busy'|'idle', note }].
 * title: accessible summary. Returns an <svg>.
 */
export function barChart(items, title) {
  const max = Math.max(1, ...items.map((i) => i.count));
  const total = items.reduce((n, i) => n + i.count, 0);
  const height = items.length * ROW + 4;
  const summary = `${title}: ${items.map((i) => `${i.label} ${i.count}`).join(', ')}`;
  return h('svg.chart', {
    role: 'img', 'aria-label': summary, width: '100%', height, viewBox: null,
  },
  h('title', summary),
  items.map((it, i) => {
    const y = i * ROW;
    const w = (80 * it.count) / max;
    const share = total ? Math.round((100 * it.count) / total) : 0;
    return h('g', { class: `chart-row tone-${it.tone || 'idle'}`, dataset: { label: it.label, count: it.count } },
      h('title', `${it.label}: ${it.count} device${it.count === 1 ? '' : 's'} (${share} %)`),
      h('text.chart-label', { x: 0, y: y + 15 }, it.label + (it.note ? ` · ${it.note}` : '')),
      h('rect.chart-track', { x: 0, y: y + 22, width: '80%', height: 14, rx: 4 }),
      h('rect.chart-bar', { x: 0, y: y + 22, width: `${Math.max(w, it.count ? 0.8 : 0)}%`, height: 14, rx: 4 }),
      h('text.chart-value', { x: '82%', y: y + 34 }, `${it.count}`, it.count ? ` · ${share} %` : ''));
  }));
}

/**
 * Devices per release of one channel, as lfsd counts them (GET /fleet):
 * summary is a modelFleetChannel. Devices whose image matches no release of
 * the channel count as "other image"; devices with no known image as "no
 * image yet".
 */
export function devicesPerRelease(summary) {
  const items = summary.releases.map((r) => ({
    label: `Release ${r.number}`,
    note: `build #${r.buildId}${r.state !== 'active' ? ` · ${r.state}` : ''}`,
    count: r.devices,
    tone: r.state === 'revoked' ? 'bad' : r.state === 'paused' ? 'warn' : 'ok',
  }));
  if (summary.otherImage) items.push({ label: 'Other image', count: summary.otherImage, tone: 'busy' });
  if (summary.noImage) items.push({ label: 'No image yet', count: summary.noImage, tone: 'idle' });
  return items;
}
