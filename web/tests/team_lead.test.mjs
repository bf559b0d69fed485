// The team lead's deadline board, live: a new case appears within a second of
// the partner's POST; past 12 hours of simulated time the plan clock shows the
// breach and the escalation arrives; registering the casemanager's sickness
// reassigns the case.
import { env, check, run, login, shot, guardOrigin, postIncident, advanceClock, whenVisibleInPage } from './lib.mjs';

await run('team lead board', async (browser, problems) => {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  guardOrigin(page, problems);
  await login(page, 'tl-g');
  await page.waitForSelector('[data-testid="board"]:not(.hidden)');
  await shot(page, 'team-lead-signed-in');

  // 1. A new case appears on the open board within a second, without a reload.
  const ref = 'BROWSER-' + Date.now();
  const seen = whenVisibleInPage(page, '#clock-rows tr[data-case]', 5000);
  const before = Date.now();
  const inc = await postIncident({ reference: ref, household: 'hh-browser-' + ref });
  // One row per case; the plan clock is among its clocks (the first contact is due first).
  const caseSel = `#clock-rows tr[data-case="${inc.case_id}"]`;
  const planSel = `${caseSel} [data-clock="plan"]`;
  const at = await seen;
  await page.waitForSelector(planSel, { state: 'attached' });
  const ms = at - before;
  console.log(`new case ${inc.case_id} on the board after ${ms} ms`);
  check(ms < 1000, `case appeared after ${ms} ms, not within a second`);
  check(await page.locator('body').innerText().then((t) => !t.includes('Zyxwa')), 'the board shows no person names');
  await shot(page, 'new-case-on-board');

  // Who holds it (dispatch assigns it).
  await page.waitForFunction((id) => {
    const r = document.querySelector(`#ra-case option[value="${id}"]`);
    return r && !r.textContent.endsWith('· —');
  }, inc.case_id, { timeout: 10000 });
  const holderName = (await page.locator(`#ra-case option[value="${inc.case_id}"]`).innerText()).split(' · ')[1];

  // 2. Past 12 hours: the plan clock is overdue and the escalation reaches the team lead.
  await advanceClock(12 * 3600 + 60);
  await page.waitForSelector(`${planSel}[data-state="overdue"]`, { state: 'attached', timeout: 5000 });
  await page.waitForSelector(`${caseSel}[data-state="overdue"]`, { timeout: 5000 });
  await page.waitForSelector(`#escalations li[data-case="${inc.case_id}"]`, { timeout: 15000 });
  await shot(page, 'plan-breached-and-escalated');

  // 3. Sickness of the case's casemanager: the case goes to the replacement.
  const people = await page.$$eval('#ov-person option', (os) => os.map((o) => ({ id: o.value, name: o.textContent })));
  const holder = people.find((p) => p.name === holderName);
  check(holder, 'holder ' + holderName + ' among ' + JSON.stringify(people));
  const other = people.find((p) => p.id !== holder.id);
  await page.selectOption('#ov-person', holder.id);
  await page.selectOption('#ov-replacement', other.id);
  await page.selectOption('#ov-reason', 'sickness');
  await page.check('#ov-reassign');
  await page.click('#ov-submit');
  await page.waitForSelector('#ov-result.ok', { timeout: 5000 });
  const res = await page.locator('#ov-result').innerText();
  check(/[1-9]\d* zaak\/zaken overgedragen/.test(res), 'reassigned: ' + res);
  await page.waitForFunction(([id, name]) => {
    const o = document.querySelector(`#ra-case option[value="${id}"]`);
    return o && o.textContent.endsWith(name);
  }, [inc.case_id, other.name], { timeout: 5000 });
  await shot(page, 'sickness-registered-case-reassigned');

  // The case itself (the team lead may open it): persons only inside it.
  await page.click(`${caseSel} button.case-link`);
  await page.waitForSelector('[data-testid="case"]:not(.hidden)');
  await page.waitForSelector('#case-persons li');
  check((await page.locator('#case-persons').innerText()).includes('Zyxwa Qorvath'), 'persons inside the case');
  check((await page.locator('#case-timeline').innerText()).includes('Overgedragen van'), 'timeline shows the reassignment');
  await shot(page, 'case-detail');
  await ctx.close();
});
