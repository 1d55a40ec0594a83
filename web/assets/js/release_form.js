// release_form.js - the "release a build to a channel" dialog: channel (existing
// ones offered), rollout percentage, notes; POST /releases.

import { h } from './dom.js';
import { api, ApiError } from './api.js';
import { openDialog, confirmAction } from './dialog.js';
import { modelRelease, modelBuild } from './model.js';
import { shortHash } from './format.js';

/**
 * Ask for channel, rollout and notes and create the release. buildId null: the
 * dialog offers the 50 newest builds to choose from.
 * Resolves the new release (model) or null when cancelled.
 */
export async function releaseDialog(buildId, { channel = '' } = {}) {
  let channels = [];
  let builds = [];
  try {
    channels = (await api('/channels')).channels.map((c) => c.name);
  } catch { /* offer free text only */ }
  if (buildId == null) {
    builds = (await api('/builds?limit=50')).builds.map(modelBuild);
    if (!builds.length) throw new Error('there is no build to release yet: upload one on the Builds page');
  }
  const buildSel = buildId == null
    ? h('select#rel-build', { name: 'build', required: true },
      builds.map((b) => h('option', { value: b.id }, `#${b.id} — ${b.modules.length} modules — ${shortHash(b.sha256)}`)))
    : null;
  const chan = h('input#rel-channel', {
    name: 'channel', required: true, value: channel || channels[0] || 'stable', list: 'rel-channels',
    pattern: '[A-Za-z0-9._:\\-]{1,64}', autocomplete: 'off',
    title: '1-64 letters, digits, . _ : -',
  });
  const pct = h('input#rel-rollout', { name: 'rollout', type: 'number', min: 0, max: 100, step: 1, value: 100, required: true });
  const range = h('input', { type: 'range', min: 0, max: 100, step: 1, value: 100, 'aria-label': 'Rollout percentage slider', tabindex: '-1' });
  range.addEventListener('input', () => { pct.value = range.value; });
  pct.addEventListener('input', () => { range.value = pct.value; });
  const notes = h('textarea#rel-notes', { name: 'notes', rows: 2, placeholder: 'What changed (optional)' });
  let created = null;
  const ok = await openDialog({
    title: buildId == null ? 'Release a build' : `Release build #${buildId}`,
    okLabel: 'Release',
    body: h('div.form-grid',
      buildSel && [h('label', { for: 'rel-build' }, 'Build'), buildSel],
      h('label', { for: 'rel-channel' }, 'Channel'), chan,
      h('datalist#rel-channels', channels.map((c) => h('option', { value: c }))),
      h('label', { for: 'rel-rollout' }, 'Rollout'), h('div.rollout-input', range, pct, h('span', '%')),
      h('label', { for: 'rel-notes' }, 'Notes'), notes,
      h('p.muted.small.span2', 'Devices on the channel whose rollout bucket falls under the percentage get this build on their next poll.')),
    onOk: async () => {
      const json = { build_id: Number(buildId ?? buildSel.value), channel: chan.value.trim(), rollout_percent: Number(pct.value), notes: notes.value };
      try {
        created = modelRelease(await api('/releases', { method: 'POST', json }));
      } catch (ex) {
        // lfsd refuses (409) a build without its OTA client for a channel whose devices
        // update with it (server/README.md, POST /releases): ask, then force
        if (!(ex instanceof ApiError && ex.status === 409 && /lfsota/.test(ex.message))) throw ex;
        const sure = await confirmAction('Release without the OTA client?',
          `${ex.message}.`, 'Release anyway', { danger: true });
        if (!sure) throw ex;
        created = modelRelease(await api('/releases', { method: 'POST', json: { ...json, force: true } }));
      }
    },
  });
  return ok ? created : null;
}
