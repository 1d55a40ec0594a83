// upload.js - the upload panel: drop files or a folder, or pick files; sends them
// as multipart/form-data to POST /build with upload progress, then shows the
// compile phase, and ends in the new build or a compile error at file:line.

import { h, mount } from './dom.js';
import { apiUpload, ApiError } from './api.js';
import { bytes } from './format.js';
import { compileErrorPanel } from './compile_error.js';
import { modelBuild } from './model.js';

/** Collect File objects from a drop (folders are walked one level deep and more). */
async function filesFromDrop(dt) {
  const items = [...(dt.items || [])];
  const entries = items.map((it) => (it.webkitGetAsEntry ? it.webkitGetAsEntry() : null));
  if (!entries.some((e) => e && e.isDirectory)) return [...(dt.files || [])];
  const out = [];
  const walk = async (entry) => {
    if (!entry) return;
    if (entry.isFile) {
      out.push(await new Promise((res, rej) => entry.file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

/**
 * The upload panel. onBuilt(build, status) is called after a successful build
 * (status 201 new, 200 identical build already existed).
 */
export function uploadPanel({ onBuilt }) {
  const input = h('input#file-input.visually-hidden', { type: 'file', multiple: true, accept: '.lua', tabindex: '-1' });
  const pick = h('button.btn.primary#choose-files', { type: 'button', onclick: () => input.click() }, 'Choose .lua files');
  const target = h('select#opt-target', { name: 'target' },
    h('option', { value: 'nodemcu-lua53' }, 'nodemcu-lua53 (32-bit numbers)'),
    h('option', { value: 'nodemcu-lua53-64' }, 'nodemcu-lua53-64 (64-bit numbers)'),
    h('option', { value: 'nodemcu-lua51' }, 'nodemcu-lua51 (Lua 5.1 firmware)'));
  const strip = h('input#opt-strip', { type: 'checkbox', name: 'strip' });
  const maxSize = h('input#opt-max', { type: 'text', inputmode: 'numeric', placeholder: 'no limit', size: 9, name: 'max_size', pattern: '(0x[0-9a-fA-F]+|[0-9]+)(\\s*[kK])?' });
  const base = h('input#opt-base', { type: 'text', placeholder: 'relocatable', size: 11, name: 'base_address', pattern: '0x[0-9a-fA-F]{1,8}', title: 'hex address, e.g. 0x40296000' });
  const status = h('div.upload-status', { 'aria-live': 'polite' });
  const zone = h('div.dropzone#dropzone', { dataset: { state: 'idle' } },
    h('div.dz-icon', { 'aria-hidden': 'true' }, '⇪'),
    h('p.dz-title', 'Drop Lua files or a folder here'),
    h('p.muted', 'Every .lua file becomes one module of the image.'),
    pick, input);

  const options = h('details.upload-options',
    h('summary', 'Build options'),
    h('div.opt-grid',
      h('label', { for: 'opt-target' }, 'Target'), target,
      h('label', { for: 'opt-strip' }, 'Strip debug info'), h('span', strip),
      h('label', { for: 'opt-max' }, 'Max flash size'), h('span', maxSize, h('span.muted.small', ' bytes, e.g. 0x20000 or 128k')),
      h('label', { for: 'opt-base' }, 'Base address'), h('span', base, h('span.muted.small', ' absolute image for this flash address (-a)'))));

  function readOptions() {
    const o = {};
    if (target.value !== 'nodemcu-lua53') o.target = target.value;
    if (strip.checked) o.strip = true;
    const m = maxSize.value.trim();
    if (m) {
      const k = /k$/i.test(m);
      const n = Number(m.replace(/\s*k$/i, ''));
      if (!Number.isFinite(n) || n <= 0) throw new ApiError(0, 'bad_option', `max flash size '${m}' is not a number of bytes`);
      o.max_size = k ? n * 1024 : n;
    }
    const a = base.value.trim();
    if (a) {
      if (!/^0x[0-9a-f]{1,8}$/i.test(a)) throw new ApiError(0, 'bad_option', `base address '${a}' is not a hex address like 0x40296000`);
      o.base_address = a;
    }
    return o;
  }

  function progress(label, fraction) {
    const bar = h('div.progress', {
      role: 'progressbar', 'aria-label': label,
      'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': fraction == null ? null : Math.round(fraction * 100),
      class: fraction == null ? 'indeterminate' : '',
    }, h('div.progress-fill', { style: fraction == null ? '' : `width:${(fraction * 100).toFixed(1)}%` }));
    return [h('p.progress-label', label), bar];
  }

  async function send(rawFiles) {
    const all = [...rawFiles];
    input.value = ''; // choosing the same files again must fire 'change' again
    const files = all.filter((f) => /\.lua$/i.test(f.name));
    const skipped = all.length - files.length;
    if (!files.length) {
      mount(status, h('p.text-bad', all.length ? `No .lua files among the ${all.length} dropped.` : 'No files.'));
      return;
    }
    const total = files.reduce((n, f) => n + f.size, 0);
    const summary = `${files.length} file${files.length === 1 ? '' : 's'}, ${bytes(total)}${skipped ? ` (${skipped} non-.lua skipped)` : ''}`;
    mount(status, progress(`Reading ${summary}…`, 0)); // the last result goes away at once
    const sources = new Map();
    await Promise.all(files.map(async (f) => sources.set(f.name, await f.text())));
    let opts;
    try {
      opts = readOptions();
    } catch (e) {
      mount(status, compileErrorPanel(e, null));
      return;
    }
    const form = new FormData();
    for (const f of files) form.append('file', f, f.name);
    if (Object.keys(opts).length) form.append('options', JSON.stringify(opts));
    zone.dataset.state = 'busy';
    pick.disabled = true;
    mount(status, progress(`Uploading ${summary}…`, 0));
    try {
      const { status: code, body } = await apiUpload('/build', form, {
        onProgress: (done, of) => mount(status, progress(`Uploading ${summary}…`, of ? done / of : 0)),
        onUploaded: () => mount(status, progress(`Compiling ${files.length} module${files.length === 1 ? '' : 's'}…`, null)),
      });
      const build = modelBuild(body);
      mount(status, progress(code === 200 ? 'Identical build already exists' : 'Built', 1));
      onBuilt(build, code);
    } catch (e) {
      mount(status, compileErrorPanel(e, sources));
    } finally {
      zone.dataset.state = 'idle';
      pick.disabled = false;
    }
  }

  input.addEventListener('change', () => send(input.files));
  let depth = 0;
  zone.addEventListener('dragenter', (e) => { e.preventDefault(); depth++; zone.dataset.state = 'over'; });
  zone.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; zone.dataset.state = 'idle'; } });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; });
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    depth = 0;
    zone.dataset.state = 'idle';
    send(await filesFromDrop(e.dataTransfer));
  });

  return h('section.panel.upload', { 'aria-labelledby': 'upload-title' },
    h('h2#upload-title', 'New build'), zone, options, status);
}
