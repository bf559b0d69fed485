// Het overzicht van de teamleider in vijf seconden (issue 15): bovenaan de
// tellers (oproepen niet beantwoord, escalaties, te laat, binnen het uur),
// elk een link naar zijn regels die met het toetsenbord te bereiken is en die
// bij een live-update de focus houdt; escalaties en te laat eerst, dan code
// rood; één regel per zaak met de meest dringende termijn (de rest uit te
// klappen); de lange termijnen (evaluatie, afsluiten) op een eigen tabblad;
// een afgewezen oproep heet afgewezen, niet "niet beantwoord"; een te late
// evaluatie telt mee in "te laat" en de teller leidt naar haar regel op het
// tabblad lange termijnen. axe-core op
// het overzicht en het tabblad in beide talen; schermafdrukken op 1440×900
// en 390×844.
import { check, run, inspect, postIncident, signedIn, advanceClock, dispatched, switchLang } from './lib.mjs';

// The board's JSON as the team lead's page sees it.
const board = (page) => page.evaluate(async () => (await fetch('/api/board')).json());

// The unanswered page of a case, polled from the board (dispatch pages it).
async function pageOf(tl, caseId) {
  for (let i = 0; i < 100; i++) {
    const p = (await board(tl)).unanswered.find((x) => x.case === caseId);
    if (p) return p;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('no unanswered page for ' + caseId);
}

// The paged person answers through the API, signed in in a page of their own.
async function answer(browser, problems, p, what) {
  const { ctx, page } = await signedIn(browser, problems, p.person, { viewport: { width: 390, height: 844 } });
  const status = await page.evaluate(async ([id, w]) => {
    const s = await (await fetch('/api/session')).json();
    const r = await fetch(`/api/pages/${id}/${w}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: '{}' });
    return r.status;
  }, [p.id, what]);
  check(status === 200, `${what} of page ${p.id} answered ${status}`);
  await ctx.close();
}

const rowOrder = (page) => page.$$eval('#clock-rows > tr', (rs) => rs.map((r) => r.dataset.case));
const countOf = (page, id) => page.$eval('#' + id, (a) => Number(a.querySelector('.n').textContent));

await run('het overzicht in vijf seconden', async (browser, problems) => {
  const { ctx: lead, page: tl } = await signedIn(browser, problems, 'tl-g', { viewport: { width: 1440, height: 900 } });
  await tl.waitForSelector('[data-testid="board"]:not(.hidden)');
  const stamp = Date.now();
  const post = async (name, fields = {}) => {
    const inc = await postIncident({ reference: `TRI-${name}-${stamp}`, household: `hh-tri-${name}-${stamp}`, ...fields });
    await dispatched(inc.incident_id);
    return inc;
  };

  // A: nobody answers. B: its page is declined, so it reaches the team lead as declined.
  const a = await post('a');
  const b = await post('b');
  await answer(browser, problems, await pageOf(tl, b.case_id), 'decline');
  const declined = `#escalations li[data-case="${b.case_id}"][data-why="declined"]`;
  await tl.waitForSelector(declined, { timeout: 15000 });
  const declinedText = await tl.locator(declined).innerText();
  check(declinedText.includes('Oproep afgewezen'), 'a declined page says so: ' + declinedText);

  // Three hours and a minute: A's and B's first contact are overdue; A's page reached the team lead unanswered.
  await advanceClock(3 * 3600 + 60);
  const unansweredEsc = `#escalations li[data-case="${a.case_id}"][data-why="unanswered"]`;
  await tl.waitForSelector(unansweredEsc, { timeout: 15000 });
  check((await tl.locator(unansweredEsc).first().innerText()).includes('Oproep niet beantwoord'), 'an unanswered page says so');

  // D: a home ban, acknowledged. C: a code red, paged after D and not yet answered.
  const d = await post('d');
  await answer(browser, problems, await pageOf(tl, d.case_id), 'ack');
  const c = await post('c', { kind: 'code_red', home_ban: undefined });
  await pageOf(tl, c.case_id);
  await tl.waitForFunction((ids) => {
    const rows = [...document.querySelectorAll('#clock-rows > tr')];
    const d = rows.find((r) => r.dataset.case === ids[1]);
    return rows.some((r) => r.dataset.case === ids[0] && r.querySelector('[data-status="unanswered"]')) && d && !d.querySelector('[data-status="unanswered"]');
  }, [c.case_id, d.case_id], { timeout: 10000 });

  // One row per case, escalations and overdue on top, then the code red, then the rest.
  const order = await rowOrder(tl);
  check(new Set(order).size === order.length, 'one row per case: ' + order);
  check(order.length === 4, 'four cases on the live view: ' + order);
  check(new Set(order.slice(0, 2)).has(a.case_id) && new Set(order.slice(0, 2)).has(b.case_id), 'escalated and overdue first: ' + order);
  check(order[2] === c.case_id && order[3] === d.case_id, 'the code red above the home ban: ' + order);
  for (const id of [a.case_id, b.case_id]) {
    const row = `#clock-rows tr[data-case="${id}"]`;
    check((await tl.getAttribute(row, 'data-state')) === 'overdue', id + ' shows its overdue clock');
    check((await tl.locator(row).innerText()).includes('Escalatie naar jou'), id + ' says it is escalated, in words');
  }
  const red = `#clock-rows tr[data-case="${c.case_id}"]`;
  check((await tl.locator(`${red} .badge.code-red`).innerText()).includes('CODE ROOD'), 'code rood has its own badge in words');
  check((await tl.locator(red).innerText()).includes('Oproep niet beantwoord'), 'the unanswered page in words');
  check((await tl.locator(`#clock-rows tr[data-case="${d.case_id}"] [data-kind]`).innerText()) === 'Huisverbod', 'the kind of a home ban');

  // The triage strip: its counts agree with the rows and the server's pages.
  const json = await board(tl);
  const escIds = new Set(json.escalations.map((e) => e.id));
  const unanswered = json.unanswered.filter((p) => !escIds.has(p.id)).length;
  check(unanswered >= 1, 'C\'s page is unanswered');
  check(await countOf(tl, 'tri-unanswered') === unanswered, 'strip: pages not answered = ' + unanswered);
  const escalations = await tl.locator('#escalations > li').count();
  check(escalations >= 2 && await countOf(tl, 'tri-escalations') === escalations, 'strip: escalations = ' + escalations);
  const overdue = await tl.locator('#clock-rows [data-state="overdue"]').count();
  check(overdue >= 2 && await countOf(tl, 'tri-overdue') === overdue, 'strip: overdue = ' + overdue);
  const now = json.now;
  const hour = json.clocks.filter((k) => !['evaluation', 'closing'].includes(k.clock) && k.state !== 'overdue' && k.due_at - now <= 3600000).length;
  check(await countOf(tl, 'tri-hour') === hour, 'strip: due within the hour = ' + hour);
  const strip = await tl.locator('#triage').innerText();
  check(/oproep(en)? niet beantwoord/.test(strip) && /escalaties? open/.test(strip) && /te laat/.test(strip), 'the strip in words: ' + strip);

  // Expand: the rest of A's clocks behind "meer termijnen", by keyboard.
  const more = `#clock-rows tr[data-case="${a.case_id}"] details summary`;
  check(!(await tl.locator(`#clock-rows tr[data-case="${a.case_id}"] li[data-clock="plan"]`).isVisible()), 'the other clocks folded away');
  await tl.focus(more);
  await tl.keyboard.press('Enter');
  await tl.locator(`#clock-rows tr[data-case="${a.case_id}"] li[data-clock="plan"]`).waitFor({ timeout: 5000 });
  // Long clocks are not on the live view.
  check(await tl.locator('#view-board [data-clock="evaluation"], #view-board [data-clock="closing"]').count() === 0, 'no long clocks on the live view');
  await inspect(tl, 'nl-overzicht-tellers-1440');

  // Keyboard: from the heading, Tab reaches each count; Enter moves the focus to its first row.
  await tl.focus('#view-board h1');
  const reached = [];
  for (let i = 0; i < 15 && reached.length < 4; i++) {
    await tl.keyboard.press('Tab');
    const id = await tl.evaluate(() => document.activeElement.id);
    if (id.startsWith('tri-') && !reached.includes(id)) reached.push(id);
  }
  check(reached.join() === 'tri-unanswered,tri-escalations,tri-overdue,tri-hour', 'Tab reaches the four counts: ' + reached);
  await tl.focus('#tri-overdue');
  await tl.keyboard.press('Enter');
  const landed = await tl.evaluate(() => ({ tag: document.activeElement.tagName, state: document.activeElement.dataset.state }));
  check(landed.tag === 'TR' && landed.state === 'overdue', 'the overdue count leads to an overdue row: ' + JSON.stringify(landed));
  await tl.focus('#tri-escalations');
  await tl.keyboard.press('Enter');
  check(await tl.evaluate(() => document.activeElement.matches('#escalations > li')), 'the escalations count leads to the first escalation');

  // A live update while the focus is on a count: the count changes in place, the focus stays.
  await tl.focus('#tri-unanswered');
  const before = await countOf(tl, 'tri-unanswered');
  const e = await post('e');
  await tl.waitForFunction((n) => Number(document.querySelector('#tri-unanswered .n').textContent) > n, before, { timeout: 10000 });
  check(await tl.evaluate(() => document.activeElement.id) === 'tri-unanswered', 'the focus stayed on the count across the live update');

  // The long clocks: their own tab, every case's evaluation and closing.
  await tl.click('[data-testid="tab-long"]');
  await tl.waitForSelector('[data-testid="long"]:not(.hidden)');
  await tl.waitForFunction(() => document.title === 'Lange termijnen · piket', null, { timeout: 5000 });
  await tl.waitForSelector('#long-rows tr');
  const long = await tl.$$eval('#long-rows tr', (rs) => rs.map((r) => `${r.dataset.case}/${r.dataset.clock}`));
  const want = (await board(tl)).clocks.filter((k) => ['evaluation', 'closing'].includes(k.clock)).map((k) => `${k.case}/${k.clock}`);
  check(want.length >= 8 && long.length === want.length && want.every((k) => long.includes(k)), 'every evaluation and closing on their own tab: ' + long);
  await inspect(tl, 'nl-lange-termijnen-1440');
  await switchLang(tl, 'en');
  await tl.waitForFunction(() => document.title === 'Long deadlines · piket', null, { timeout: 5000 });
  await inspect(tl, 'en-long-deadlines-1440');
  await tl.click('[data-testid="tab-live"]');
  await tl.waitForSelector('[data-testid="board"]:not(.hidden)');
  await tl.waitForFunction(() => document.querySelector('#triage').innerText.includes('escalations open'), null, { timeout: 5000 });
  check((await tl.locator(declined).innerText()).includes('Page declined'), 'declined in English too');
  await inspect(tl, 'en-board-triage-1440');

  // Two and a half hours on: the first contact of C, D and E falls due within the hour.
  await advanceClock(2.5 * 3600);
  await tl.waitForFunction(() => Number(document.querySelector('#tri-hour .n').textContent) >= 3, null, { timeout: 10000 });
  let agreed = false;
  for (let i = 0; i < 20 && !agreed; i++) {
    const j = await board(tl);
    const soon = j.clocks.filter((k) => !['evaluation', 'closing'].includes(k.clock) && k.state !== 'overdue' && k.due_at - j.now <= 3600000).length;
    agreed = (await countOf(tl, 'tri-hour')) === soon;
    if (!agreed) await new Promise((res) => setTimeout(res, 250));
  }
  check(agreed, 'strip: due within the hour agrees with the server');
  check((await tl.locator('#tri-hour').innerText()).includes('within the hour'), 'the count in words');
  await tl.focus('#tri-hour');
  await tl.keyboard.press('Enter');
  check(await tl.evaluate(() => document.activeElement.tagName === 'TR'), 'the count leads to its row');
  // A live update that redraws the focused row: the new row has the focus.
  const focused = await tl.evaluate(() => { document.activeElement.dataset.mark = 'old'; return document.activeElement.dataset.case; });
  const name = { [a.case_id]: 'a', [b.case_id]: 'b', [c.case_id]: 'c', [d.case_id]: 'd', [e.case_id]: 'e' }[focused];
  check(name !== undefined, 'the focused row is one of the cases: ' + focused);
  const again = await post(`${name}-again`, { household: `hh-tri-${name}-${stamp}`,
    ...(name === 'c' ? { kind: 'code_red', home_ban: undefined } : {}) });
  check(again.case_id === focused, 'a second incident for the household joins its case');
  await tl.waitForFunction((id) => { const r = document.querySelector(`#clock-rows tr[data-case="${id}"]`); return r && r.dataset.mark !== 'old'; }, focused, { timeout: 10000 });
  const kept = await tl.evaluate(() => ({ tag: document.activeElement.tagName, case: document.activeElement.dataset.case }));
  check(kept.tag === 'TR' && kept.case === focused, 'the focused row keeps the focus across a live update: ' + JSON.stringify(kept));
  await lead.close();

  // On a phone: a card per case, no sideways scrolling, the strip on top.
  const { ctx: phone, page: p } = await signedIn(browser, problems, 'tl-g', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await p.waitForSelector('#clock-rows tr');
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, 'no sideways scrolling on a phone (width ' + width + ')');
  const onTop = await p.evaluate(() => document.querySelector('#triage').getBoundingClientRect().bottom);
  check(onTop <= 844, 'the strip is on the first screen: ' + onTop);
  await inspect(p, 'nl-overzicht-tellers-390');
  await p.click('[data-testid="tab-long"]');
  await p.waitForSelector('#long-rows tr');
  await inspect(p, 'nl-lange-termijnen-390');
  await switchLang(p, 'en');
  await inspect(p, 'en-long-deadlines-390');
  await p.click('[data-testid="tab-live"]');
  await p.waitForSelector('[data-testid="board"]:not(.hidden)');
  await inspect(p, 'en-board-triage-390');
  await phone.close();

  // An overdue evaluation (a long clock, on its own tab) counts in the
  // strip's "overdue"; with no live row overdue, its link opens the long
  // tab with the focus on that row. The server's side (`long_overdue`) is
  // WebApiTest.TheBoardGivesTheTriageStripsFields; here the board's answer is
  // edited on its way to the page, so that it has one overdue evaluation and
  // nothing else overdue (months of simulated time would make every clock late).
  const { ctx: desk, page: dk } = await signedIn(browser, problems, 'tl-g', { viewport: { width: 1440, height: 900 } });
  let target = null;
  await dk.route('**/api/board*', async (route) => {
    const res = await route.fetch();
    const j = await res.json();
    const ev = j.clocks.find((k) => k.clock === 'evaluation');
    if (ev) {
      for (const k of j.clocks) if (k.state === 'overdue') k.state = 'running';
      ev.state = 'overdue';
      ev.due_at = j.now - 86400000;
      j.long_overdue = [{ case: ev.case, clock: ev.clock, due_at: ev.due_at }];
      target = `long-row-${ev.case}-${ev.clock}`;
    }
    await route.fulfill({ response: res, json: j });
  });
  await dk.reload();
  await dk.waitForSelector('[data-testid="board"]:not(.hidden)');
  await dk.waitForFunction(() => document.querySelector('#tri-overdue').dataset.n === '1', null, { timeout: 10000 });
  check(target && (await dk.getAttribute('#tri-overdue', 'href')) === '#' + target, 'the overdue count links to the long tab\'s row: ' + await dk.getAttribute('#tri-overdue', 'href'));
  await dk.focus('#tri-overdue');
  await dk.keyboard.press('Enter');
  await dk.waitForSelector('[data-testid="long"]:not(.hidden)');
  await dk.waitForFunction((id) => document.activeElement && document.activeElement.id === id, target, { timeout: 5000 })
    .catch(async () => { throw new Error('focus on ' + await dk.evaluate(() => document.activeElement.id || document.activeElement.tagName) + ', not ' + target); });
  check(await dk.evaluate(() => location.hash) === '#long', 'the long-clock tab is open');
  check(await dk.getAttribute('#' + target, 'data-state') === 'overdue', 'its row says overdue');
  await inspect(dk, 'long-overdue-counted-1440');
  await desk.close();
});
