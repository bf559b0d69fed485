// The installed app (docs/web-push.md): the manifest is linked and served,
// the service worker registers and takes control, the notifications switch
// is offered — and an open app alerts at once for a new page (the `push`
// channel's stream over server-sent events), with no reload.
import { env, check, run, shot, signedIn, postIncident } from './lib.mjs';

const casemanagers = ['icm-1', 'icm-2', 'icm-3', 'icm-4', 'icm-5', 'icm-6'];

await run('installed app and in-app alert', async (browser, problems) => {
  // The manifest, as a browser installing the app reads it.
  const r = await fetch(env.web + '/manifest.webmanifest');
  check(r.status === 200, 'manifest served: ' + r.status);
  const m = await r.json();
  check(m.display === 'standalone' && m.lang === 'nl' && m.start_url === '/', 'manifest: ' + JSON.stringify(m));

  // Every casemanager's phone, open and signed in: whoever is paged sees it.
  const phones = [];
  for (const id of casemanagers) {
    const { page } = await signedIn(browser, problems, id,
      { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, permissions: ['notifications'] });
    phones.push({ id, page });
  }
  const first = phones[0].page;
  check(await first.evaluate(() => document.querySelector('link[rel="manifest"]').getAttribute('href')) === '/manifest.webmanifest',
    'the page links the manifest');
  const worker = await first.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return reg.active ? new URL(reg.active.scriptURL).pathname + new URL(reg.active.scriptURL).search : '';
  });
  check(worker === '/sw.js?lang=nl', 'the service worker is active: ' + worker);
  await first.waitForSelector('#push-toggle:not(.hidden)');
  check((await first.innerText('#push-toggle')) === 'Meldingen aanzetten', 'the switch is offered in Dutch');
  const width = await first.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, 'no sideways scrolling on a phone with the switch (width ' + width + ')');
  await shot(first, 'phone-notifications-switch');

  // A new page: the paged person's open app says so at once.
  const inc = await postIncident({ reference: 'PUSH-' + Date.now(), household: 'hh-push-' + Date.now() });
  const alerted = await Promise.any(phones.map(async ({ id, page }) => {
    await page.waitForFunction((c) => [...document.querySelectorAll('#status .notice')]
      .some((n) => n.textContent.includes('Nieuwe oproep voor zaak ' + c)), inc.case_id, { timeout: 10000 });
    return { id, page };
  })).catch(() => null);
  check(alerted, 'an open app alerted for case ' + inc.case_id);
  await alerted.page.waitForSelector(`#my-pages li[data-case="${inc.case_id}"]`, { timeout: 5000 });
  const text = await alerted.page.innerText('#status');
  check(!text.includes('Zyxwa') && !text.includes('+31687654321'), 'the alert carries no person data');
  await shot(alerted.page, 'phone-in-app-alert');
});
