// Agreements on a phone (issue 16): the casemanager records an agreement with
// a chain partner in the case view (a due time already past is refused at
// its field), sees it in "Afspraken", overdue first once its time has
// passed, marks it done and it leaves the list; the team lead's board counts
// the partner's overdue agreements and shows its waiting time, never the text.
// A press again after a lost answer makes no second agreement (Idempotency-Key).
import { check, run, login, shot, inspect, guardOrigin, postIncident, dispatched, advanceClock, boardAndHolder, fieldRefused } from './lib.mjs';

const TEXT = 'Synthetisch: intake bij verslavingszorg';

// "dd-mm-jjjj uu:mm" plus whole days (calendar arithmetic on the fields).
function plusDays(local, days) {
  const [, d, m, y, h, min] = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2})$/.exec(local).map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days, h, min));
  const two = (x) => String(x).padStart(2, '0');
  return `${two(t.getUTCDate())}-${two(t.getUTCMonth() + 1)}-${t.getUTCFullYear()} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`;
}

await run('agreements on a phone and the board', async (browser, problems) => {
  const ref = 'AGREE-' + Date.now();
  const inc = await postIncident({ reference: ref, household: 'hh-agree-' + ref, kind: 'code_red', home_ban: undefined });
  await dispatched(inc.incident_id);

  // Who holds the case: the team lead's board names them.
  const { lead, lp, holder } = await boardAndHolder(browser, problems, inc.case_id);
  // Both chain partners are on the board, with nothing overdue yet.
  await lp.waitForSelector('#chain-rows tr[data-partner="jz-stad"]');
  check(await lp.textContent('#chain-rows tr[data-partner="vz-noord"] td[data-overdue]') === '0', 'nothing overdue yet');

  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await ctx.newPage();
  guardOrigin(page, problems);
  await login(page, holder);
  await page.waitForSelector('[data-testid="app"]:not(.hidden)');
  await page.waitForSelector('#my-agreements-empty:not(.hidden)');
  await page.click(`#my-cases li[data-case="${inc.case_id}"] button.case-link`);
  await page.waitForSelector('#agreement-form:not(.hidden)');
  check(await page.isVisible('#case-agreements-empty'), 'no agreements yet');

  // A referral to the addiction care partner for the perpetrator's track.
  await page.selectOption('#ag-who', 'vz-noord');
  await page.selectOption('#ag-category', 'referral');
  await page.selectOption('#ag-track', 'perpetrator');
  await page.fill('#ag-text', TEXT);
  const due = await page.inputValue('#ag-due');
  check(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2}$/.test(due), 'the due time is filled in, a week ahead: ' + due);
  // A due time already past: refused, said at the field, the focus there, nothing recorded.
  await page.fill('#ag-due', '01-01-2020 10:00');
  await page.click('#ag-submit');
  const refusal = await fieldRefused(page, problems, '#ag-result', 'ag-due');
  check(refusal.includes('voorbij'), 'the refusal says the time has passed: ' + refusal);
  check(await page.locator('#case-agreements li').count() === 0, 'nothing recorded');
  await inspect(page, 'phone-agreement-refused');

  await page.fill('#ag-due', due);
  await page.click('#ag-submit');
  await page.waitForSelector('#ag-result.ok', { timeout: 5000 });
  await page.waitForSelector('#case-agreements li[data-agreement="A1"][data-state="open"]', { timeout: 5000 });
  check(await page.getAttribute('#ag-due', 'aria-invalid') === null, 'the mark is gone');
  // A second one, with the family, due a month ahead.
  await page.selectOption('#ag-who', 'family');
  await page.selectOption('#ag-category', 'appointment');
  await page.selectOption('#ag-track', 'victim');
  await page.fill('#ag-text', 'Synthetisch: gesprek met moeder');
  await page.fill('#ag-due', plusDays(due, 23));
  // The answer is lost on the way back (the server made A2): the app says so,
  // and the second press sends the same Idempotency-Key — still one agreement.
  const keys = [];
  const agreementsUrl = (u) => new URL(u).pathname.endsWith('/agreements');
  await page.route(agreementsUrl, async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    await route.fetch();
    await route.abort('failed');
  });
  await page.click('#ag-submit');
  await page.waitForSelector('#ag-result:not(.ok)', { timeout: 5000 });
  await page.unroute(agreementsUrl);
  const lost = await page.textContent('#ag-result');
  check(lost.length > 0 && !lost.includes('error.'), 'the lost answer said in words: ' + lost);
  // The browser logs the aborted request; that one was made to happen here.
  const abortedAt = () => problems.findIndex((x) => x.startsWith('console: ') && x.includes('ERR_FAILED'));
  for (let i = 0; i < 40 && abortedAt() < 0; ++i) await page.waitForTimeout(50);
  check(abortedAt() >= 0, 'the aborted request was logged');
  problems.splice(abortedAt(), 1);
  page.on('request', (r) => { if (r.method() === 'POST' && agreementsUrl(r.url())) keys.push(r.headers()['idempotency-key']); });
  await page.click('#ag-submit');
  await page.waitForSelector('#ag-result.ok', { timeout: 5000 });
  await page.waitForSelector('#case-agreements li[data-agreement="A2"]', { timeout: 5000 });
  check(keys.length === 2 && /^[0-9a-f]{32}$/.test(keys[0]) && keys[0] === keys[1], 'both presses sent one key: ' + keys.join(' '));
  check(await page.locator('#case-agreements li[data-agreement="A3"]').count() === 0, 'one agreement, not two');
  const item = await page.locator('#case-agreements li[data-agreement="A1"]').innerText();
  check(item.includes('Synthetische Verslavingszorg') && item.includes('Pleger') && item.includes(TEXT), 'the agreement in words: ' + item);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, 'no sideways scrolling on a phone (width ' + width + ')');
  await inspect(page, 'phone-case-agreements');

  // In the app's list, due first; nothing overdue yet.
  await page.click('#case-back');
  await page.waitForSelector('#my-agreements li[data-agreement="A2"]');
  let order = await page.$$eval('#my-agreements li', (ls) => ls.map((l) => `${l.dataset.agreement}:${l.dataset.overdue}`));
  check(order.join(' ') === 'A1:false A2:false', 'the list, due first: ' + order.join(' '));

  // Eight days on: the referral is overdue and stays on top, said in words.
  await advanceClock(8 * 24 * 3600);
  await page.reload();
  await page.waitForSelector('#my-agreements li[data-agreement="A1"][data-overdue="true"]', { timeout: 10000 });
  order = await page.$$eval('#my-agreements li', (ls) => ls.map((l) => `${l.dataset.agreement}:${l.dataset.overdue}`));
  check(order.join(' ') === 'A1:true A2:false', 'overdue first: ' + order.join(' '));
  check((await page.locator('#my-agreements li[data-agreement="A1"]').innerText()).includes('Verlopen'), 'overdue said in words');
  await inspect(page, 'phone-agreements-overdue');

  // The board: the partner's overdue count and the overdue agreement, no text.
  await lp.reload();
  await lp.waitForSelector('#chain-rows tr[data-partner="vz-noord"] td[data-overdue="1"]', { timeout: 10000 });
  check(await lp.textContent('#chain-rows tr[data-partner="jz-stad"] td[data-overdue]') === '0', 'the other partner has none');
  const rows = await lp.$$eval('#chain-rows tr', (rs) => rs.map((r) => r.dataset.partner));
  check(rows[0] === 'vz-noord', 'the partner with overdue agreements first: ' + rows.join(' '));
  await lp.waitForSelector(`#chain-overdue li[data-case="${inc.case_id}"][data-partner="vz-noord"]`);
  check(!(await lp.content()).includes('Synthetisch:'), 'no agreement text on the board');
  await inspect(lp, 'board-chain-overdue');

  // Help started: marked done in the case view, it leaves the overdue list.
  await page.click(`#my-agreements li[data-agreement="A1"] button.case-link`);
  await page.waitForSelector('#case-agreements li[data-agreement="A1"] button[data-action="done"]');
  await page.click('#case-agreements li[data-agreement="A1"] button[data-action="done"]');
  await page.waitForSelector('#case-agreements li[data-agreement="A1"][data-state="done"]', { timeout: 5000 });
  check(await page.locator('#case-agreements li[data-agreement="A1"] button').count() === 0, 'a settled agreement has no buttons');
  await inspect(page, 'phone-agreement-done');
  await page.click('#case-back');
  await page.waitForSelector('#my-agreements li[data-agreement="A2"]');
  await page.waitForSelector('#my-agreements li[data-agreement="A1"]', { state: 'detached', timeout: 5000 });
  await shot(page, 'phone-agreements-after-done');

  // The board: nothing overdue for the partner; its referral waited eight days.
  await lp.reload();
  await lp.waitForSelector('#chain-rows tr[data-partner="vz-noord"] td[data-overdue="0"]', { timeout: 10000 });
  const row = await lp.locator('#chain-rows tr[data-partner="vz-noord"]').innerText();
  check(row.includes('8 dagen'), 'the median waiting time: ' + row);
  check(await lp.locator('#chain-overdue li').count() === 0, 'no overdue agreements left');
  await shot(lp, 'board-chain-after-done');
  await ctx.close();
  await lead.close();
});
