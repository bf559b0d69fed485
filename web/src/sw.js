// piket's service worker (docs/web-push.md): shows a notification for each
// Web Push message and opens or focuses the app when it is clicked. The
// message carries no person data (a page id at most); the text comes from
// the web catalogue, in the language the app registered this worker with
// (sw.js?lang=nl), and says only that there is a new page. The page itself
// is fetched by the app after sign-in.
'use strict';

importScripts('/po.js');

const LANG = new URL(self.location.href).searchParams.get('lang') === 'en' ? 'en' : 'nl';
const FALLBACK = {
  'webpush.title': 'Nieuwe piketmelding',
  'webpush.body': 'Open piket om de oproep te zien.',
};

async function words() {
  try {
    const r = await fetch(`/i18n/${LANG}/piket-web.po`);
    return Object.assign({}, FALLBACK, self.PiketPo.parse(await r.text()).messages);
  } catch (e) {
    return FALLBACK;
  }
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  event.waitUntil((async () => {
    const w = await words();
    let data = {};
    try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
    await self.registration.showNotification(w['webpush.title'], {
      body: w['webpush.body'],
      tag: 'piket-page',  // one notification, renewed for each new page
      renotify: true,
      requireInteraction: data.kind === 'page',
      icon: '/icon.svg',
      lang: LANG,
    });
  })());
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const c of open) {
      if (new URL(c.url).origin === self.location.origin && 'focus' in c) return c.focus();
    }
    return self.clients.openWindow('/');
  })());
});
