// Het beheerscherm (issue 15): in het Nederlands en in het Engels, op een
// bureau (1440×900) en op een telefoon (390×844), zonder fouten van axe-core
// (WCAG 2.1 AA), met een eigen titel en de focus op de kop; geen zaakgegevens;
// van elk een schermafdruk.
import { check, run, inspect, signedIn, switchLang } from './lib.mjs';

const sizes = [
  { name: 'bureau', options: { viewport: { width: 1440, height: 900 } } },
  { name: 'telefoon', options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } },
];

await run('beheerscherm', async (browser, problems) => {
  for (const size of sizes) {
    const { ctx, page } = await signedIn(browser, problems, 'ops-g', size.options);
    await page.waitForSelector('[data-testid="admin"]:not(.hidden)');
    await page.waitForSelector('#admin-people tr');
    await page.waitForFunction(() => document.title === 'Beheer · piket', null, { timeout: 5000 })
      .catch(async () => { throw new Error('title: ' + await page.title()); });
    await page.waitForFunction(() => document.activeElement === document.querySelector('#view-admin h1'), null, { timeout: 5000 })
      .catch(() => { throw new Error('the focus is not on the heading'); });
    const text = await page.locator('[data-testid="admin"]').innerText();
    check(text.includes('Mensen') && text.includes('Team lead G') && text.includes('teamleider'), 'the people, in Dutch: ' + text.slice(0, 200));
    check(text.includes('Klok') && text.includes('gesimuleerd') && !text.includes('open live streams'), 'the deployment in Dutch words: ' + text.slice(0, 200));
    check(!/Zyxwa|\+316/.test(text), 'no case content');
    // The chain verified: its answer stays on the page.
    await page.click('#admin-verify');
    await page.waitForFunction(() => /In orde|Intact/.test(document.querySelector('#admin-audit').textContent), null, { timeout: 5000 })
      .catch(async () => { throw new Error('verify said: ' + await page.innerText('#admin-audit')); });
    if (size.name === 'telefoon') {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      check(width <= 390, 'no sideways scrolling on a phone (width ' + width + ')');
    }
    await inspect(page, `nl-beheer-${size.name}`);
    await switchLang(page, 'en');
    await page.waitForFunction(() => document.title === 'Administration · piket', null, { timeout: 5000 })
      .catch(async () => { throw new Error('English title: ' + await page.title()); });
    check((await page.locator('[data-testid="admin"]').innerText()).includes('People'), 'the view in English');
    await inspect(page, `en-admin-${size.name === 'bureau' ? 'desk' : 'phone'}`);
    await switchLang(page, 'nl');  // the preference is the person's: back for the next context
    await ctx.close();
  }
});
