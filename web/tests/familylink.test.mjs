// The family's contact link (issue 18): a team lead makes it in the case view
// and copies it; on a phone with JavaScript off the family opens the form
// (Dutch first, English under it), writes an urgent message and reads who
// picks it up; the message shows in the case; once revoked the link gives the
// neutral page. axe (WCAG 2.1 AA) on each of the family's pages at phone size.
import { check, run, login, shot, axe, guardOrigin, postIncident, dispatched, env } from './lib.mjs';

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

// The family's page, checked by axe and for fitting the phone's width, in a
// context with JavaScript (axe runs in the page; the form itself sends none).
async function inspectPhone(browser, problems, url, name, status) {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  guardOrigin(page, problems, ['status of 404']);  // the neutral page is a 404
  const r = await page.goto(url);
  check(r.status() === status, `${name}: status ${r.status()}, expected ${status}`);
  check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} fits the phone's width`);
  await axe(page, name);
  await ctx.close();
}

await run('family contact link', async (browser, problems) => {
  const stamp = Date.now();
  const inc = await postIncident({ reference: 'LINK-' + stamp, household: 'hh-link-' + stamp, kind: 'code_red', home_ban: undefined });
  await dispatched(inc.incident_id);

  // The team lead makes the link in the case view.
  const staffCtx = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const staff = await staffCtx.newPage();
  guardOrigin(staff, problems);
  await login(staff, 'tl-g');
  await staff.evaluate((id) => { location.hash = 'case/' + id; }, inc.case_id);
  await staff.waitForSelector('[data-testid="family-link"]:not(.hidden)');
  check((await staff.textContent('#family-link-state')).includes('Er is geen link'), 'no link yet');
  await staff.click('#family-link-new');
  await staff.waitForSelector('#family-link-once:not(.hidden)');
  const url = await staff.inputValue('#family-link-url');
  check(url.startsWith(new URL(env.web).origin + '/m/'), 'the link is on the web service: ' + url);
  await staff.waitForFunction(() => document.querySelector('#family-link-state').textContent.includes('Link gemaakt'));
  await shot(staff, 'link-made');

  // The family, on a phone, without JavaScript.
  const phoneCtx = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const phone = await phoneCtx.newPage();
  guardOrigin(phone, problems, ['status of 404']);
  const first = await phone.goto(url);
  check(first.status() === 200, 'the form opens: ' + first.status());
  check(first.headers()['content-security-policy'].includes("form-action 'self'"), 'its own policy');
  check((await phone.textContent('h1')).includes('Bericht aan uw casemanager'), 'Dutch first');
  check((await phone.textContent('h1.en')).includes('Message to your casemanager'), 'English second');
  await shot(phone, 'family-form-phone');
  await inspectPhone(browser, problems, url, 'family form (phone)', 200);
  await phone.fill('#message', 'Synthetisch verzoek: bel mij vandaag terug');
  await phone.check('#urgent');
  await Promise.all([phone.waitForNavigation(), phone.click('button[type="submit"]')]);
  const sent = await phone.textContent('main');
  check(sent.includes('Uw bericht is ontvangen'), 'the answer says it arrived');
  check(/Uw casemanager neemt het op|De casemanager van dienst neemt het op/.test(sent), 'who picks it up, by role: ' + sent);
  check(!sent.includes('icm-') && !sent.includes('Gerrit'), 'no name');
  await shot(phone, 'family-sent-phone');

  // The message in the case view.
  await staff.waitForFunction(() => document.querySelector('#case-messages').textContent.includes('bel mij vandaag terug'), null, { timeout: 10000 });
  check((await staff.textContent('#case-messages')).includes('dringend'), 'marked urgent');
  await shot(staff, 'link-message-in-case');

  // The team lead's board: the case's unanswered urgent family message is a red badge in
  // its row (rows with one sort with the escalations, first); the family's text is not on
  // the board.
  const board = await staffCtx.newPage();
  guardOrigin(board, problems);
  await board.goto(new URL(env.web).origin + '/');
  await board.waitForSelector('[data-testid="board"]:not(.hidden)');
  const badge = `#case-row-${inc.case_id} [data-status="family"]`;
  await board.waitForSelector(badge, { timeout: 10000 });
  check(await board.$eval(badge, (b) => b.classList.contains('red')), 'urgent: a red badge');
  check(!(await board.textContent('#view-board')).includes('bel mij vandaag terug'), 'no family text on the board');
  await shot(board, 'link-message-on-board');
  await board.close();

  // Revoked: the same neutral page as any link that does not work.
  await staff.click('#family-link-revoke');
  await staff.waitForFunction(() => document.querySelector('#family-link-result').textContent.includes('ingetrokken'));
  await staff.waitForFunction(() => document.querySelector('#family-link-state').textContent.includes('Er is geen link'));
  const gone = await phone.goto(url);
  check(gone.status() === 404, 'revoked: ' + gone.status());
  const goneText = await phone.textContent('main');
  const unknown = await phone.goto(new URL(env.web).origin + '/m/ABCDEFGHJKMNPQRSTVWXYZ0123');
  check(unknown.status() === 404 && (await phone.textContent('main')) === goneText, 'revoked and unknown: the same page');
  await shot(phone, 'family-gone-phone');
  await inspectPhone(browser, problems, url, 'family gone (phone)', 404);
  await phoneCtx.close();
  await staffCtx.close();
});
