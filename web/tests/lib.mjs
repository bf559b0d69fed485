// Shared helpers for piket's browser tests: headless Debian Chromium through
// playwright-core, the partner API, the simulated clock, screenshots.
// The C++ harness (tests/web/browser_test.cpp) starts the deployment and
// passes where it is through the environment.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export const env = {
  web: process.env.PIKET_WEB_URL,
  ingest: process.env.PIKET_INGEST_URL,
  partnerToken: process.env.PIKET_PARTNER_TOKEN,
  adminToken: process.env.PIKET_ADMIN_TOKEN,
  password: process.env.PIKET_PASSWORD,
  shots: process.env.PIKET_SCREENSHOT_DIR || path.join(os.tmpdir(), 'piket-shots'),
  chromium: process.env.PIKET_CHROMIUM || '/usr/bin/chromium',
};

export function check(cond, msg) {
  if (!cond) throw new Error('check failed: ' + msg);
}

// Playwright gives every launch a fresh, empty profile directory of its own
// (the --user-data-dir the machine notes ask for) and removes it on close.
export async function launch() {
  const browser = await chromium.launch({
    executablePath: env.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { browser, close: () => browser.close() };
}

// Every request the page makes must stay inside the deployment. `expected`:
// console errors a test expects (an answer's status the browser reports).
export function guardOrigin(page, problems, expected = ['status of 401']) {
  const origin = new URL(env.web).origin;
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('about:')) problems.push('outside request: ' + u);
  });
  // The app asks /api/session before anyone signed in: that 401 is expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected.some((e) => m.text().includes(e))) problems.push('console: ' + m.text());
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
}

// axe-core in the page (evaluated over the DevTools protocol, so the app's
// Content-Security-Policy stays as it is); WCAG 2.0/2.1 A and AA rules.
let axeSource = null;
export async function axe(page, name) {
  if (!axeSource) axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const v = r.violations.map((x) => `${x.id}: ${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  check(v.length === 0, `axe on ${name}: ${v.join('; ')}`);
  console.log(`axe on ${name}: 0 violations (${r.passes.length} rules passed)`);
}

// A view checked by axe, then kept as a screenshot under the same name.
export async function inspect(page, name) {
  await axe(page, name);
  await shot(page, name);
}

let shotNo = 0;
export async function shot(page, name) {
  fs.mkdirSync(env.shots, { recursive: true });
  const file = path.join(env.shots, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log('screenshot', file);
  return file;
}

export async function login(page, person) {
  await page.goto(env.web + '/');
  await page.waitForSelector('#login-form', { state: 'visible' });
  await page.fill('#login-person', person);
  await page.fill('#login-password', env.password);
  await page.click('#login-submit');
  await page.waitForSelector('#live[data-state="on"]', { timeout: 10000 });
}

// A new browser context signed in as `person`, its page watched by guardOrigin.
export async function signedIn(browser, problems, person, contextOptions) {
  const ctx = await browser.newContext(contextOptions);
  const page = await ctx.newPage();
  guardOrigin(page, problems);
  await login(page, person);
  return { ctx, page };
}

// The team lead's board on a desktop window, and who holds `caseId`: the
// board's reassignment form names the holder once dispatch assigned the case.
export async function boardAndHolder(browser, problems, caseId) {
  const lead = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const lp = await lead.newPage();
  guardOrigin(lp, problems);
  await login(lp, 'tl-g');
  await lp.waitForFunction((id) => {
    const o = document.querySelector(`#ra-case option[value="${id}"]`);
    return o && !o.textContent.endsWith('· —');
  }, caseId, { timeout: 10000 });
  const holderName = (await lp.locator(`#ra-case option[value="${caseId}"]`).innerText()).split(' · ')[1];
  const holder = await lp.$$eval('#ov-person option', (os, name) => (os.find((o) => o.textContent === name) || {}).value, holderName);
  check(holder, 'the board names who holds the case: ' + holderName);
  return { lead, lp, holder };
}

// A refusal the app shows for one field (after a submit): said in words in
// `resultSel`, the field marked aria-invalid with the focus on it; the one 422
// the browser logged for it is taken off `problems`. Returns the words.
export async function fieldRefused(page, problems, resultSel, fieldId) {
  await page.waitForSelector(resultSel + '.bad', { timeout: 5000 });
  check(await page.getAttribute('#' + fieldId, 'aria-invalid') === 'true', 'the field at fault is marked: ' + fieldId);
  check(await page.evaluate(() => document.activeElement.id) === fieldId, 'the focus is on the field at fault: ' + fieldId);
  const logged = problems.findIndex((x) => x.startsWith('console: ') && x.includes('status of 422 '));
  check(logged >= 0, 'the browser logged the expected 422');
  problems.splice(logged, 1);
  return page.textContent(resultSel);
}

export async function postIncident(fields) {
  const body = {
    kind: 'home_ban', region: 'groningen', reported_at: '2026-11-22T07:30:00+01:00',
    home_ban: { starts_at: '2026-11-22T07:00:00+01:00', ends_at: '2026-12-02T07:00:00+01:00' },
    persons: [{ role: 'victim', name: 'Zyxwa Qorvath', phone: '+31687654321', address: 'Vlietstraat 99' }],
    summary: 'Synthetic summary for a browser test',
    ...fields,
  };
  const r = await fetch(env.ingest + '/v1/incidents', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + env.partnerToken },
    body: JSON.stringify(body),
  });
  const j = await r.json();
  check(r.status === 201, `POST /v1/incidents answered ${r.status}: ${JSON.stringify(j)}`);
  return j;
}

// Waits until dispatch has paged for the incident.
export async function dispatched(id) {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${env.ingest}/v1/incidents/${id}`, { headers: { Authorization: 'Bearer ' + env.partnerToken } });
    if ((await r.json()).status === 'dispatched') return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('not dispatched: ' + id);
}

export async function switchLang(page, lang) {
  await page.selectOption('#lang-select', lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

export async function advanceClock(seconds) {
  const r = await fetch(env.ingest + '/v1/admin/clock', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + env.adminToken },
    body: JSON.stringify({ advance_seconds: seconds }),
  });
  const j = await r.json();
  check(r.status === 200, `POST /v1/admin/clock answered ${r.status}: ${JSON.stringify(j)}`);
  return j.now;
}

// Resolves (in the page) with Date.now() when `selector` matches, watching
// the DOM with a MutationObserver; call before the action, await after.
export function whenVisibleInPage(page, selector, timeoutMs = 10000) {
  return page.evaluate(([sel, timeout]) => new Promise((resolve, reject) => {
    if (document.querySelector(sel)) return resolve(Date.now());
    const obs = new MutationObserver(() => {
      if (document.querySelector(sel)) { obs.disconnect(); resolve(Date.now()); }
    });
    obs.observe(document.body, { childList: true, subtree: true, attributes: true });
    setTimeout(() => { obs.disconnect(); reject(new Error('not seen: ' + sel)); }, timeout);
  }), [selector, timeoutMs]);
}

export async function run(name, fn) {
  const { browser, close } = await launch();
  const problems = [];
  try {
    await fn(browser, problems);
    check(problems.length === 0, 'problems in the page:\n  ' + problems.join('\n  '));
    console.log(`${name}: ok`);
  } catch (e) {
    console.error(`${name}: FAILED: ${e.stack || e}`);
    process.exitCode = 1;
  } finally {
    await close();
  }
}
