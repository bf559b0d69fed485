// The service worker (web/src/sw.js) run in a stand-in for a browser's
// ServiceWorkerGlobalScope (node:vm): a push shows one notification with the
// fixed text of the web catalogue in the registered language — nothing from
// the message — and a click focuses an open piket window or opens one. The
// manifest is checked for what an installable app needs. Run by ctest
// (label unit) with `node --test`; the real browser is the browser tests' job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const src = (f) => fs.readFileSync(path.join(root, 'web', 'src', f), 'utf8');
const catalogue = (lang) => fs.readFileSync(path.join(root, 'i18n', lang, 'piket-web.po'), 'utf8');

// A worker scope registered as sw.js?lang=…, with its events, notifications and windows.
function worker(lang, windows = []) {
  const listeners = {};
  const shown = [];
  const opened = [];
  const self = {
    location: { href: `https://piket.example/sw.js?lang=${lang}`, origin: 'https://piket.example' },
    addEventListener: (type, fn) => { listeners[type] = fn; },
    skipWaiting: () => Promise.resolve(),
    registration: { showNotification: async (title, options) => { shown.push({ title, options }); } },
    clients: {
      claim: () => Promise.resolve(),
      matchAll: async () => windows,
      openWindow: async (url) => { opened.push(url); },
    },
  };
  const context = vm.createContext({
    self,
    URL,
    fetch: async (url) => {
      const m = /^\/i18n\/(nl|en)\/piket-web\.po$/.exec(url);
      assert.ok(m, 'the worker fetches only its catalogue: ' + url);
      return { text: async () => catalogue(m[1]) };
    },
  });
  context.importScripts = (url) => {
    assert.equal(url, '/po.js');
    vm.runInContext(src('po.js'), context);
    self.PiketPo = context.PiketPo;
  };
  vm.runInContext(src('sw.js'), context);
  const fire = async (type, event) => {
    let done = Promise.resolve();
    listeners[type]({ ...event, waitUntil: (p) => { done = p; } });
    await done;
  };
  return { fire, shown, opened };
}

const pushOf = (payload) => ({ data: { json: () => JSON.parse(payload) } });

test('a push shows the catalogue\'s Dutch text and nothing from the message', async () => {
  const w = worker('nl');
  await w.fire('push', pushOf('{"kind":"page","id":"PABCDEFGH23456789"}'));
  assert.equal(w.shown.length, 1);
  const { title, options } = w.shown[0];
  assert.equal(title, 'Nieuwe piketmelding');
  assert.equal(options.body, 'Open piket om de oproep te zien.');
  assert.equal(options.tag, 'piket-page');
  assert.equal(options.requireInteraction, true);
  assert.ok(!JSON.stringify(options).includes('PABCDEFGH23456789'), 'the page id is not shown');
});

test('in English when registered so, and an empty or odd message still shows the text', async () => {
  const w = worker('en');
  await w.fire('push', { data: null });
  await w.fire('push', { data: { json: () => { throw new Error('not JSON'); } } });
  assert.deepEqual(w.shown.map((s) => s.title), ['New on-call page', 'New on-call page']);
});

test('a click focuses an open piket window, or opens the app', async () => {
  let focused = 0;
  const open = worker('nl', [{ url: 'https://elsewhere.example/', focus: async () => { focused += 10; } },
    { url: 'https://piket.example/#case/C12345678', focus: async () => { focused += 1; } }]);
  let closed = 0;
  await open.fire('notificationclick', { notification: { close: () => { closed++; } } });
  assert.equal(closed, 1);
  assert.equal(focused, 1, 'the piket window, not another site');
  assert.deepEqual(open.opened, []);

  const none = worker('nl', []);
  await none.fire('notificationclick', { notification: { close: () => {} } });
  assert.deepEqual(none.opened, ['/']);
});

test('the manifest makes an installable Dutch app', () => {
  const m = JSON.parse(src('manifest.webmanifest'));
  assert.equal(m.lang, 'nl');
  assert.equal(m.short_name, 'piket');
  assert.equal(m.display, 'standalone');
  assert.equal(m.start_url, '/');
  assert.ok(m.icons.length >= 1 && m.icons.every((i) => fs.existsSync(path.join(root, 'web', 'src', i.src))));
  const html = src('index.html');
  assert.match(html, /<link rel="manifest" href="\/manifest\.webmanifest">/);
});
