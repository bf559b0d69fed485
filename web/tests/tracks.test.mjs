// Tracks and referral waits on a phone (issue 16): the casemanager sees the
// case's tracks (pleger, slachtoffer, kinderen) with their clock, records a
// first contact on one and "niet van toepassing: geen kinderen" on another (a
// refused input shown at its field), and the board shows the track not yet
// seen — too late after a week. A referral marked done with "hulp gestart op"
// three days after it was asked: the board's median waiting time says three
// days, not the eight that passed. "Mijn oproepen" names a deadline page by
// its clock in words, never the raw rule. axe on every view touched.
import { check, run, login, inspect, shot, guardOrigin, postIncident, dispatched, advanceClock, boardAndHolder, fieldRefused } from './lib.mjs';

// "dd-mm-jjjj uu:mm" plus whole days (calendar arithmetic on the fields).
function plusDays(local, days) {
  const [, d, m, y, h, min] = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2})$/.exec(local).map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days, h, min));
  const two = (x) => String(x).padStart(2, '0');
  return `${two(t.getUTCDate())}-${two(t.getUTCMonth() + 1)}-${t.getUTCFullYear()} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`;
}

const PERSONS = [
  { role: 'victim', name: 'Zyxwa Qorvath', phone: '+31687654321' },
  { role: 'perpetrator', name: 'Qwyl Varnox', phone: '+31687654322' },
  { role: 'child', name: 'Pim Varnox' },
];

await run('tracks and referral waits on a phone and the board', async (browser, problems) => {
  const ref = 'TRACK-' + Date.now();
  const inc = await postIncident({ reference: ref, household: 'hh-track-' + ref, kind: 'code_red', home_ban: undefined, persons: PERSONS });
  await dispatched(inc.incident_id);
  const { lead, lp, holder } = await boardAndHolder(browser, problems, inc.case_id);

  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await ctx.newPage();
  guardOrigin(page, problems);
  await login(page, holder);
  await page.waitForSelector('[data-testid="app"]:not(.hidden)');
  await page.click(`#my-cases li[data-case="${inc.case_id}"] button.case-link`);
  await page.waitForSelector('#track-form:not(.hidden)');

  // The case's tracks from the incident's roles, in the method's order; none seen yet.
  let tracks = await page.$$eval('#case-tracks li', (ls) => ls.map((l) => `${l.dataset.track}:${l.dataset.state}`));
  check(tracks.join(' ') === 'perpetrator:not_seen victim:not_seen children:not_seen', 'the tracks: ' + tracks.join(' '));
  const perpetrator = await page.locator('#case-tracks li[data-track="perpetrator"]').innerText();
  check(perpetrator.includes('Pleger') && perpetrator.includes('Nog niet gezien'), 'the state in words: ' + perpetrator);
  check(!(await page.locator('#case-tracks').innerText()).includes('Varnox'), 'no names on the tracks');

  // The case's first contact starts the tracks' clocks (7 days).
  await page.selectOption('#ev-type', 'first_contact');
  await page.click('#ev-submit');
  await page.waitForSelector('#case-tracks li[data-track="perpetrator"] [data-due]', { timeout: 5000 });
  const left = await page.textContent('#case-tracks li[data-track="perpetrator"] [data-due]');
  check(/^(6 d 23|7 d 0) u$/.test(left), 'a week left on its clock: ' + left);

  // Refused: "geen kinderen" on the perpetrator's track — at its field, nothing recorded.
  await page.selectOption('#tr-track', 'perpetrator');
  await page.selectOption('#tr-type', 'not_applicable');
  await page.selectOption('#tr-reason', 'no_children');
  await page.click('#tr-submit');
  const refusal = await fieldRefused(page, problems, '#tr-result', 'tr-reason');
  check(refusal.includes('kinderen'), 'the refusal names the reason: ' + refusal);
  check(await page.getAttribute('#case-tracks li[data-track="perpetrator"]', 'data-state') === 'not_seen', 'nothing recorded');
  await inspect(page, 'phone-track-refused');

  // Recorded: the victim's first contact, and no children.
  await page.selectOption('#tr-track', 'victim');
  await page.selectOption('#tr-type', 'first_contact');
  await page.click('#tr-submit');
  await page.waitForSelector('#case-tracks li[data-track="victim"][data-state="seen"]', { timeout: 5000 });
  check(await page.getAttribute('#tr-reason', 'aria-invalid') === null, 'the mark is gone');
  await page.selectOption('#tr-track', 'children');
  await page.selectOption('#tr-type', 'not_applicable');
  await page.selectOption('#tr-reason', 'no_children');
  await page.click('#tr-submit');
  await page.waitForSelector('#case-tracks li[data-track="children"][data-state="not_applicable"]', { timeout: 5000 });
  const victim = await page.locator('#case-tracks li[data-track="victim"]').innerText();
  check(victim.includes('Gezien') && victim.includes('Eerste contact op'), 'seen, by whom and when: ' + victim);
  const children = await page.locator('#case-tracks li[data-track="children"]').innerText();
  check(children.includes('Niet van toepassing: geen kinderen'), 'not applicable and why: ' + children);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, 'no sideways scrolling on a phone (width ' + width + ')');
  await inspect(page, 'phone-case-tracks');

  // A referral to the addiction care partner, asked now (its due time a week ahead).
  await page.selectOption('#ag-who', 'vz-noord');
  await page.selectOption('#ag-category', 'referral');
  await page.selectOption('#ag-track', 'perpetrator');
  await page.fill('#ag-text', 'Synthetisch: intake verslavingszorg');
  const due = await page.inputValue('#ag-due');
  await page.click('#ag-submit');
  await page.waitForSelector('#case-agreements li[data-agreement="A1"][data-state="open"]', { timeout: 5000 });

  // The board: the case's row names the track not yet seen (the perpetrator's only).
  await lp.reload();
  const badge = `#clock-rows tr[data-case="${inc.case_id}"] [data-status="tracks"]`;
  await lp.waitForSelector(badge, { timeout: 10000 });
  check(await lp.getAttribute(badge, 'data-tracks') === 'perpetrator', 'the unseen track: ' + await lp.getAttribute(badge, 'data-tracks'));
  check((await lp.textContent(badge)).includes('Spoor niet gezien: Pleger'), 'in words: ' + await lp.textContent(badge));
  check(!(await lp.content()).includes('Varnox'), 'no names on the board');
  await inspect(lp, 'board-track-not-seen');

  // Eight days on: the perpetrator's track is too late, on the phone and on the board.
  await advanceClock(8 * 24 * 3600);
  await page.reload();
  await page.waitForSelector('#case-tracks li[data-track="perpetrator"][data-state="overdue"]', { timeout: 10000 });
  check((await page.locator('#case-tracks li[data-track="perpetrator"]').innerText()).includes('te laat'), 'too late, in words');
  await lp.reload();
  await lp.waitForSelector(`${badge}.red`, { timeout: 10000 });
  const overdue = Number(await lp.getAttribute('#tri-overdue', 'data-n'));
  check(overdue >= 1, 'the triage strip counts the overdue: ' + overdue);

  // Help started three days after it was asked: a date in the future is refused at its field.
  const started = '#ag-started-A1';
  await page.waitForSelector(started);
  const typed = await page.inputValue(started);
  check(typed.slice(0, 10) === plusDays(due, 1).slice(0, 10), 'the start defaults to now: ' + typed);
  await page.fill(started, plusDays(due, 30));
  await page.click('#case-agreements li[data-agreement="A1"] button[data-action="done"]');
  const startRefusal = await fieldRefused(page, problems, started + '-result', 'ag-started-A1');
  check(startRefusal.length > 0, 'the refusal in words: ' + startRefusal);
  check(await page.getAttribute('#case-agreements li[data-agreement="A1"]', 'data-state') === 'overdue', 'nothing changed');
  await inspect(page, 'phone-help-started-refused');
  await page.fill(started, plusDays(due, -4));
  await page.click('#case-agreements li[data-agreement="A1"] button[data-action="done"]');
  await page.waitForSelector('#case-agreements li[data-agreement="A1"][data-state="done"]', { timeout: 5000 });
  await shot(page, 'phone-help-started');

  // The board's median waiting time is the three days to when help started.
  await lp.reload();
  await lp.waitForSelector('#chain-rows tr[data-partner="vz-noord"] td[data-overdue="0"]', { timeout: 10000 });
  const row = await lp.locator('#chain-rows tr[data-partner="vz-noord"]').innerText();
  check(row.includes('3 dagen') && !row.includes('8 dagen'), 'the median waiting time: ' + row);
  await inspect(lp, 'board-referral-wait');

  // "Mijn oproepen": the deadline pages of the week say their clock in words.
  await page.click('#case-back');
  await page.waitForSelector('#my-pages li [data-rule^="deadline:"]', { timeout: 15000 });
  const why = await page.$$eval('#my-pages li [data-rule^="deadline:"]', (ls) => ls.map((l) => `${l.dataset.rule} → ${l.textContent}`));
  for (const w of why) check(!w.split(' → ')[1].includes('deadline:') && !w.split(' → ')[1].includes('_'), 'a page in words: ' + w);
  const trackPage = why.find((w) => w.startsWith('deadline:track:'));
  check(!trackPage || trackPage.includes('Opgeroepen als Spoor niet gezien'), 'the track page: ' + trackPage);
  console.log('pages: ' + why.join('; '));
  await inspect(page, 'phone-my-pages-in-words');
  await ctx.close();
  await lead.close();
});
