// One family, one case: in the case view a team lead joins another case of
// the family into this one (the join form), sees it listed under "Family" and
// in the timeline, and splits it off again (issue 11, item 7).
import { check, run, login, shot, guardOrigin, postIncident } from './lib.mjs';

await run('team lead joins and splits cases', async (browser, problems) => {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const page = await ctx.newPage();
  guardOrigin(page, problems);
  const stamp = Date.now();
  const police = await postIncident({ reference: 'FAM-P-' + stamp, household: 'hh-fam-p-' + stamp, kind: 'code_red', home_ban: undefined });
  const other = await postIncident({ reference: 'FAM-V-' + stamp, household: 'hh-fam-v-' + stamp, kind: 'code_red', home_ban: undefined });
  check(police.case_id !== other.case_id, 'two households, two cases');
  await login(page, 'tl-g');
  await page.evaluate((id) => { location.hash = 'case/' + id; }, police.case_id);
  await page.waitForSelector('[data-testid="case"]:not(.hidden)');
  await page.waitForSelector('#join-form:not(.hidden)');
  await page.fill('#join-other', other.case_id);
  await page.fill('#join-reason', 'police and Veilig Thuis report one family');
  await page.click('#join-submit');
  await page.waitForSelector('#join-result.ok', { timeout: 5000 });
  await page.waitForSelector(`#case-family li[data-joined="${other.case_id}"]`, { timeout: 5000 });
  await page.waitForSelector('#case-timeline li[data-type="case_joined"]', { timeout: 5000 });
  await shot(page, 'case-joined');

  page.once('dialog', (d) => d.accept('two families after all'));
  await page.click(`#case-family button[data-split="${other.case_id}"]`);
  await page.waitForFunction(() => document.querySelector('#join-result').textContent.includes('weer losgemaakt'), null, { timeout: 5000 });
  await page.waitForFunction((id) => !document.querySelector(`#case-family li[data-joined="${id}"]`), other.case_id, { timeout: 5000 });
  await page.waitForSelector('#case-timeline li[data-type="case_split"]', { timeout: 5000 });
  await shot(page, 'case-split-again');
  await ctx.close();
});
