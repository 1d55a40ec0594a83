// sizebar.js - image and flash size of a build against a chosen LFS partition
// size, as a bar with a partition-size picker (choice remembered per browser).

import { h, mount } from './dom.js';
import { bytes, bytesExact, percent } from './format.js';

const SIZES = [0x8000, 0x10000, 0x20000, 0x40000, 0x60000, 0x80000, 0xC0000, 0x100000];
const KEY = 'lfsd.partitionSize';

function label(n) {
  return `${n / 1024} KiB (0x${n.toString(16).toUpperCase()})`;
}

/** imageSize: bytes of the lfs.img; flashSize: bytes it takes once loaded in flash. */
export function sizebar(imageSize, flashSize, preferred) {
  let chosen = Number(preferred) || Number(localStorage.getItem(KEY)) || 0x20000;
  const sizes = SIZES.includes(chosen) ? SIZES : [...SIZES, chosen].sort((a, b) => a - b);
  const select = h('select#partition', { 'aria-label': 'LFS partition size' },
    sizes.map((n) => h('option', { value: n, selected: n === chosen }, label(n))));
  const body = h('div.sizebar-body');
  const row = (name, n, cls) => {
    const pct = Math.min(100, (100 * n) / chosen);
    return h('div.bar-row',
      h('span.bar-name', name),
      h(`div.bar.${cls}`, {
        role: 'meter', 'aria-label': `${name} size of partition`,
        'aria-valuemin': 0, 'aria-valuemax': chosen, 'aria-valuenow': n,
        class: n > chosen ? 'over' : '',
      }, h('div.bar-fill', { style: `width:${pct}%` })),
      h('span.bar-value', { title: bytesExact(n) }, `${bytes(n)} · ${percent(n, chosen)}`));
  };
  const draw = () => {
    const flash = Number(flashSize || 0);
    const img = Number(imageSize || 0);
    const used = Math.max(flash, img);
    const over = used > chosen;
    mount(body,
      flash ? row('Flash', flash, 'flash') : null,
      img ? row('Image', img, 'image') : null,
      h('p.bar-verdict', over
        ? h('b.text-bad', `Does not fit: ${bytes(used - chosen)} over a ${bytes(chosen)} partition`)
        : h('span', h('b.text-ok', 'Fits'), ` — ${bytes(chosen - used)} of ${bytes(chosen)} free`)));
  };
  select.addEventListener('change', () => {
    chosen = Number(select.value);
    localStorage.setItem(KEY, String(chosen));
    draw();
  });
  draw();
  return h('div.sizebar', h('label.inline', { for: 'partition' }, 'Partition ', select), body);
}
