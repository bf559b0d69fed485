// Figures for the note: the time from a partner's POST to the case appearing
// on an open board (p50/p99 over 100 incidents), and the page weight of the
// board. Writes board-figures.json next to the screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { env, check, run, login, shot, guardOrigin, postIncident } from './lib.mjs';

const N = Number(process.env.PIKET_LATENCY_INCIDENTS || 100);

function pct(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]; }

await run('board latency and weight', async (browser, problems) => {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  guardOrigin(page, problems);
  await login(page, 'tl-g');
  await page.waitForSelector('[data-testid="board"]:not(.hidden)');

  const latencies = [];
  for (let i = 0; i < N; i++) {
    const before = await page.locator('#clock-rows tr[data-case]').count();
    const seen = page.evaluate((n) => new Promise((resolve, reject) => {
      const count = () => document.querySelectorAll('#clock-rows tr[data-case]').length;
      if (count() > n) return resolve(Date.now());
      const obs = new MutationObserver(() => { if (count() > n) { obs.disconnect(); resolve(Date.now()); } });
      obs.observe(document.getElementById('clock-rows'), { childList: true });
      setTimeout(() => { obs.disconnect(); reject(new Error('case not seen within 5 s')); }, 5000);
    }), before);
    const t0 = Date.now();
    await postIncident({ reference: `LAT-${Date.now()}-${i}`, household: `hh-lat-${i}-${Date.now()}` });
    latencies.push((await seen) - t0);
  }
  latencies.sort((a, b) => a - b);
  const figures = {
    incidents: N,
    post_to_board_ms: { p50: pct(latencies, 50), p90: pct(latencies, 90), p99: pct(latencies, 99), max: latencies[latencies.length - 1], min: latencies[0] },
  };
  await shot(page, `board-with-${N}-cases`);

  // Page weight: a first visit with an empty cache — the sign-in page, then
  // the board and its charts drawn.
  const ctx2 = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const p2 = await ctx2.newPage();
  guardOrigin(p2, problems);
  const sizes = [];
  p2.on('response', async (r) => {
    try {
      const b = await r.body();
      // What crossed the wire (gzip where the server compressed), besides the decoded size.
      const wire = (await r.request().sizes()).responseBodySize;
      sizes.push({ url: new URL(r.url()).pathname, bytes: b.length, wire,
                   type: r.headers()['content-type'] || '' });
    } catch (e) { /* event streams have no body */ }
  });
  await login(p2, 'tl-g');
  await p2.waitForSelector('#clock-rows tr');
  await p2.waitForSelector('#chart-plans canvas, #chart-plans p', { timeout: 10000 });
  await p2.waitForTimeout(500);
  const stat = sizes.filter((s) => !s.url.startsWith('/api/'));
  const api = sizes.filter((s) => s.url.startsWith('/api/'));
  const sum = (xs) => xs.reduce((a, s) => a + s.bytes, 0);
  const wire = (xs) => xs.reduce((a, s) => a + s.wire, 0);
  figures.page_weight = {
    static_bytes: sum(stat),
    static_wire_bytes: wire(stat),
    static_files: Object.fromEntries(stat.map((s) => [s.url, s.bytes])),
    api_bytes_on_load: sum(api),
    api_wire_bytes_on_load: wire(api),
    api_calls: Object.fromEntries(api.map((s) => [s.url, s.bytes])),
    requests: sizes.length,
    open_cases: N,
  };
  check(sum(stat) > 0, 'static files measured');

  // Time to the first meaningful paint: a signed-in person opens the board
  // with an empty cache; from the start of navigation to the first paint
  // (first-contentful-paint) and to the first clock row in the page. Median
  // of five.
  const signedIn = await ctx2.storageState();
  const paints = [];
  for (let i = 0; i < 5; i++) {
    const c = await browser.newContext({ viewport: { width: 1400, height: 1000 }, storageState: signedIn });
    const pg = await c.newPage();
    guardOrigin(pg, problems);
    await pg.addInitScript(() => {
      const mark = () => { if (!window.piketRowsAt && document.querySelector('#clock-rows tr')) window.piketRowsAt = performance.now(); };
      new MutationObserver(mark).observe(document, { childList: true, subtree: true });
    });
    await pg.goto(env.web + '/');
    await pg.waitForFunction(() => window.piketRowsAt, null, { timeout: 10000 });
    paints.push(await pg.evaluate(() => ({
      fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0,
      rows: window.piketRowsAt,
    })));
    await c.close();
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  figures.first_paint = {
    runs: paints.length,
    first_contentful_paint_ms: Math.round(median(paints.map((x) => x.fcp))),
    first_clock_row_ms: Math.round(median(paints.map((x) => x.rows))),
  };
  const out = path.join(process.env.PIKET_FIGURES_DIR || env.shots, 'board-figures.json');
  fs.writeFileSync(out, JSON.stringify(figures, null, 2));
  console.log(JSON.stringify(figures, null, 2));
  console.log('figures written to', out);
  await ctx2.close();
  await ctx.close();
});
