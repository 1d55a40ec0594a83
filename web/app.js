// app.js - the dashboard's entry point: the page shell (header, navigation,
// sign-out), the sign-in gate, the hash routes, and periodic refresh.
//
// Map of web/ (plain ES modules, no build step; lfsd serves them as files):
//   index.html, style.css   the page and its look (light/dark, 1280 and 390 px)
//   assets/js/api.js        fetch/XHR to lfsd with the bearer token; ApiError
//   assets/js/session.js    the admin token in sessionStorage
//   assets/js/router.js     #/hash routes (lfsd owns the real paths)
//   assets/js/model.js      lfsd's JSON objects -> one shape for the views
//   assets/js/lookup.js     joins: releases by build, releases of channels
//   assets/js/dom.js        h() element builder; format.js numbers and times
//   assets/js/widgets.js    badges, hashes, times, facts, empty/error panels
//   assets/js/dialog.js     modal <dialog> forms and confirmations; toast.js
//   assets/js/upload.js     drop/pick .lua files, POST /build with progress
//   assets/js/compile_error.js  an error at file:line with the source marked
//   assets/js/sizebar.js    image/flash size against a partition size
//   assets/js/chart.js      inline-SVG bar chart; devices per release
//   assets/js/release_form.js   the "release a build" dialog
//   assets/js/source_view.js    a build's source file in a dialog
//   assets/js/views/*.js    one page each: signin, builds, build, releases
//                           (channels and one channel), devices, device

import { h, mount } from './assets/js/dom.js';
import { routerStart, go } from './assets/js/router.js';
import { sessionToken, sessionClear } from './assets/js/session.js';
import { refreshTimes, emptyState } from './assets/js/widgets.js';
import { signinView } from './assets/js/views/signin.js';
import { buildsView } from './assets/js/views/builds.js';
import { buildView } from './assets/js/views/build.js';
import { channelsView, channelView } from './assets/js/views/releases.js';
import { devicesView } from './assets/js/views/devices.js';
import { deviceView } from './assets/js/views/device.js';

const root = document.getElementById('app');
let main = null;
let nav = null;
let current = null; // { section, rerender } of the shown page
let started = false;

function navLink(section, label) {
  return h('a.nav-link', {
    href: `#/${section}`,
    dataset: { section },
    // following the link to the page already shown loads it afresh
    onclick: (e) => { if (location.hash === `#/${section}`) { e.preventDefault(); go(`/${section}`); } },
  }, label);
}

function shell() {
  nav = h('nav.nav', { 'aria-label': 'Sections' },
    navLink('builds', 'Builds'), navLink('releases', 'Releases'), navLink('devices', 'Devices'));
  main = h('main#main', { tabindex: '-1' });
  mount(root,
    h('a.skip', { href: '#main', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('header.topbar',
      h('a.brand', { href: '#/builds' }, h('span.logo', { 'aria-hidden': 'true' }, 'λ'), h('span', 'lfsd')),
      nav,
      h('button.btn.ghost#signout', { type: 'button', onclick: signOut }, 'Sign out')),
    main);
}

function show(section, render) {
  for (const a of nav.querySelectorAll('.nav-link')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const titles = { builds: 'Builds', releases: 'Releases', devices: 'Devices' };
  document.title = `${titles[section] || 'lfsd'} · lfsd`;
  current = { section, rerender: render };
  window.scrollTo(0, 0);
  render();
}

function signOut() {
  sessionClear();
  started = false;
  signinView(root, start);
}

function start() {
  shell();
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/builds';
  if (started) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    return;
  }
  started = true;
  routerStart([
    ['/builds', (p, q) => show('builds', () => buildsView(main, q))],
    ['/builds/:id', (p) => show('builds', () => buildView(main, p))],
    ['/releases', () => show('releases', () => channelsView(main))],
    ['/releases/:channel', (p) => show('releases', () => channelView(main, p))],
    ['/devices', (p, q) => show('devices', () => devicesView(main, q))],
    ['/devices/:id', (p) => show('devices', () => deviceView(main, p))],
  ], (path) => {
    if (path === '/' || path === '') { location.hash = '#/builds'; return; }
    show('', () => mount(main, emptyState('Page not found', `There is no page at ${path}.`, h('a.btn', { href: '#/builds' }, 'Go to builds'))));
  });
}

window.addEventListener('lfsd:unauthorized', () => {
  sessionClear();
  started = false;
  signinView(root, () => { start(); }, 'Your session is no longer valid: sign in again.');
});

// relative times tick; the device pages follow the fleet while nobody is typing
setInterval(() => refreshTimes(main || document), 30000);
setInterval(() => {
  if (!current || document.hidden || document.querySelector('dialog[open]')) return;
  const a = document.activeElement;
  if (a && a.matches('input, select, textarea') && a.id !== 'device-search') return;
  if (current.section === 'devices') current.rerender();
}, 15000);

if (sessionToken()) start();
else signinView(root, start);
