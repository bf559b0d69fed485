// piket web app: the team lead's deadline board, the casemanager's phone app
// and the admin page. Plain JavaScript, no framework; every value from the
// server goes into the page as text (never as HTML). Live updates arrive as
// server-sent events from /api/events; on "change" the current view refetches.
'use strict';

(function () {
  const TZ = 'Europe/Amsterdam';
  const state = {
    session: null,       // {person, name, role, regions, csrf, clock_mode}
    view: null,          // login | board | app | case | admin
    region: null,
    caseId: null,
    offset: 0,           // domain now - Date.now() at the last answer
    domainNow: 0,
    clockMode: 'system',
    events: null,
    loading: false,
    dirty: false,
    charts: {},
    chartsAt: 0,
    chartsTimer: null,
    lastBoard: null,
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...children) => {
    const e = document.createElement(tag);
    if (props) for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  };
  const clear = (e) => { while (e.firstChild) e.removeChild(e.firstChild); return e; };
  const show = (id, on) => $(id).classList.toggle('hidden', !on);

  // ---- time -------------------------------------------------------------
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, weekday: 'short', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
  const fmtDate = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, day: '2-digit', month: 'short' });
  const when = (ms) => (ms ? fmt.format(new Date(ms)) : '—');
  const now = () => (state.clockMode === 'simulated' ? state.domainNow : Date.now() + state.offset);
  function left(ms) {
    const d = ms - now();
    const a = Math.abs(d);
    const h = Math.floor(a / 3600000), m = Math.floor((a % 3600000) / 60000);
    const days = Math.floor(h / 24);
    const txt = days >= 2 ? `${days}d ${h % 24}h` : `${h}h ${String(m).padStart(2, '0')}m`;
    return d < 0 ? `${txt} over` : txt;
  }
  function noteNow(ms) {
    if (!ms) return;
    state.domainNow = ms;
    state.offset = ms - Date.now();
    $('clock').textContent = fmt.format(new Date(ms));
  }
  // Local datetime-local value (Amsterdam) <-> epoch ms.
  function toLocalInput(ms) {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
    const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
  }

  // ---- API --------------------------------------------------------------
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      if (state.session) headers['X-CSRF-Token'] = state.session.csrf;
    }
    const r = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (r.status === 401 && path !== '/api/login' && path !== '/api/session') { signedOut(); }
    if (!r.ok) {
      const msg = data && data.error ? data.error.message : `HTTP ${r.status}`;
      const err = new Error(msg); err.status = r.status; throw err;
    }
    if (data && data.now) noteNow(data.now);
    return data;
  }

  let toastTimer = null;
  function toast(msg) {
    const t = $('toast');
    t.textContent = msg; t.classList.remove('hidden');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => t.classList.add('hidden'), 5000);
  }
  function result(id, ok, msg) {
    const r = $(id); r.textContent = msg; r.className = 'result ' + (ok ? 'ok' : 'bad');
  }

  // ---- session and routing ----------------------------------------------
  function signedOut() {
    state.session = null;
    if (state.events) { state.events.close(); state.events = null; }
    $('who').textContent = ''; show('logout', false); setLive(false);
    go('login');
  }

  async function start() {
    try {
      state.session = await api('GET', '/api/session');
    } catch (e) { state.session = null; }
    if (!state.session) return go('login');
    signedIn();
  }

  function signedIn() {
    const s = state.session;
    state.clockMode = s.clock_mode || 'system';
    $('who').textContent = `${s.name} · ${s.role.replace('_', ' ')}`;
    show('logout', true);
    state.region = s.regions[0] || null;
    openEvents();
    route();
  }

  function route() {
    const h = location.hash.replace(/^#/, '');
    const s = state.session;
    if (!s) return go('login');
    if (h.startsWith('case/')) { state.caseId = h.slice(5); return go('case'); }
    if (s.role === 'team_lead') return go('board');
    if (s.role === 'admin') return go('admin');
    return go('app');
  }

  function go(view) {
    state.view = view;
    for (const v of ['login', 'board', 'app', 'case', 'admin']) show('view-' + v, v === view);
    refresh();
  }

  window.addEventListener('hashchange', () => { if (state.session) route(); });

  async function refresh() {
    if (state.loading) { state.dirty = true; return; }
    state.loading = true;
    try {
      do {
        state.dirty = false;
        if (state.view === 'board') await loadBoard();
        else if (state.view === 'app') await loadApp();
        else if (state.view === 'case') await loadCase();
        else if (state.view === 'admin') await loadAdmin();
      } while (state.dirty);
    } catch (e) {
      if (e.status !== 401) toast(e.message);
    } finally { state.loading = false; }
  }

  function setLive(on) { const l = $('live'); l.classList.toggle('on', on); l.classList.toggle('off', !on); l.dataset.state = on ? 'on' : 'off'; }

  function openEvents() {
    if (state.events) state.events.close();
    const es = new EventSource('/api/events');
    state.events = es;
    es.addEventListener('open', () => setLive(true));
    es.addEventListener('error', () => setLive(false));
    es.addEventListener('hello', (ev) => { setLive(true); const d = JSON.parse(ev.data); noteNow(d.now); });
    es.addEventListener('change', (ev) => { const d = JSON.parse(ev.data); noteNow(d.now); refresh(); });
    es.addEventListener('push', (ev) => {
      const d = JSON.parse(ev.data);
      if (d.type === 'page_closed') {
        // Closed by this person's own answer: nothing to say. By a colleague's: say so.
        if (d.state === 'answered_by_other') toast(`Case ${d.case_id || ''}: a colleague took it`);
      } else {
        toast(d.text || `Page for case ${d.case_id || ''}`);
      }
      refresh();
    });
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    $('login-submit').disabled = true;
    try {
      state.session = await api('POST', '/api/login', { person: $('login-person').value.trim(), password: $('login-password').value });
      $('login-password').value = '';
      location.hash = '';
      signedIn();
    } catch (e) {
      $('login-error').textContent = e.message;
    } finally { $('login-submit').disabled = false; }
  });

  $('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/logout', {}); } catch (e) { /* signed out anyway */ }
    location.hash = '';
    signedOut();
  });

  // ---- board ------------------------------------------------------------
  function personName(board, id) {
    const p = (board.people || []).find((x) => x.id === id);
    return p ? p.name : (id || '—');
  }
  function caseLink(id) {
    return el('button', { class: 'case-link', type: 'button', 'data-case': id, onclick: () => { location.hash = 'case/' + id; } }, id);
  }

  async function loadBoard() {
    const q = state.region ? '?region=' + encodeURIComponent(state.region) : '';
    const b = await api('GET', '/api/board' + q);
    state.lastBoard = b;
    state.region = b.region;
    $('board-region').textContent = '· ' + b.region_name;
    const sel = $('region-select');
    if (b.regions.length > 1 && sel.options.length === 0) {
      for (const r of b.regions) sel.append(el('option', { value: r.id }, r.name));
      sel.classList.remove('hidden');
      sel.addEventListener('change', () => { state.region = sel.value; refresh(); });
    }
    renderClocks(b);
    renderEscalations(b);
    renderRota(b);
    renderCaseload(b);
    fillForms(b);
    // Charts are for trends: at most one refetch every 5 s, and a trailing one
    // so that the last change is always drawn.
    const wait = 5000 - (Date.now() - state.chartsAt);
    if (wait <= 0) loadCharts();
    else if (!state.chartsTimer) state.chartsTimer = setTimeout(() => { state.chartsTimer = null; if (state.view === 'board') loadCharts(); }, wait);
  }

  // Clocks per incident: which incident a clock answers (its kind and time).
  function incidentOf(c) {
    return c.incident ? `${c.incident_kind} ${when(c.incident_at)}` : '';
  }

  function clockRow(b, c) {
    const cls = c.state === 'overdue' ? 'overdue' : (c.state === 'warning' ? 'warning' : '');
    return el('tr', { class: cls, 'data-case': c.case, 'data-clock': c.clock, 'data-state': c.state, 'data-incident': c.incident || '' },
      el('td', null, caseLink(c.case)),
      el('td', null, c.label, c.incident ? el('div', { class: 'muted small' }, incidentOf(c)) : ''),
      el('td', { class: 'num' }, when(c.due_at)),
      el('td', { class: 'num left', 'data-due': String(c.due_at) }, left(c.due_at)),
      el('td', null, personName(b, c.casemanager)),
      el('td', null, c.phase || ''));
  }

  function renderClocks(b) {
    const body = clear($('clock-rows'));
    for (const c of b.clocks) body.append(clockRow(b, c));
    show('clocks-empty', b.clocks.length === 0);
  }

  function renderEscalations(b) {
    const ul = clear($('escalations'));
    for (const e of b.escalations) {
      const btn = el('button', { type: 'button', class: 'secondary', 'data-escalation': e.id }, 'Acknowledge');
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try { await api('POST', `/api/escalations/${encodeURIComponent(e.id)}/ack`, {}); toast('Escalation acknowledged'); refresh(); }
        catch (err) { toast(err.message); btn.disabled = false; }
      });
      ul.append(el('li', { 'data-case': e.case, 'data-escalation': e.id },
        el('span', { class: 'badge red' }, e.label),
        caseLink(e.case),
        el('span', { class: 'grow muted' }, when(e.at)),
        btn));
    }
    show('escalations-empty', b.escalations.length === 0);
    const locked = clear($('sms-locked'));
    for (const l of b.sms_locked || []) {
      locked.append(el('li', { 'data-person': l.person },
        el('span', { class: 'badge red' }, 'SMS locked'),
        el('span', null, `${personName(b, l.person)} (phone ${l.number})`),
        el('span', { class: 'grow muted' }, `until ${when(l.until)}`)));
    }
    show('sms-locked-box', (b.sms_locked || []).length > 0);
  }

  function renderRota(b) {
    const oc = clear($('on-call'));
    for (const l of b.on_call) {
      const who = l.people.length ? l.people.map((p) => personName(b, p)).join(', ') : 'NOBODY';
      oc.append(el('li', { 'data-layer': l.layer },
        el('span', { class: 'badge' + (l.people.length ? '' : ' red') }, l.layer.replace('_', ' ')),
        el('span', { class: 'grow' }, who),
        el('span', { class: 'muted small' }, l.until ? 'until ' + when(l.until) : '')));
    }
    const ho = clear($('handoffs'));
    for (const h of b.handoffs.slice(0, 8))
      ho.append(el('li', null, el('span', { class: 'grow' }, `${personName(b, h.person)} ${h.goes_on ? 'on' : 'off'} (${h.layer.replace('_', ' ')})`), el('span', { class: 'muted' }, when(h.at))));
    const g = clear($('gaps'));
    for (const x of b.gaps)
      g.append(el('li', { 'data-layer': x.layer }, el('span', { class: 'badge red' }, x.layer.replace('_', ' ')), el('span', null, `${when(x.from)} → ${when(x.until)}`)));
    // The caseload cap is a coverage problem too: every on-call casemanager full.
    const cap = b.capacity || {};
    const capProblem = cap.on_call_at_cap || cap.since;
    if (capProblem)
      g.append(el('li', { 'data-gap': 'caseload-cap' }, el('span', { class: 'badge red' }, 'caseload cap'),
        el('span', null, 'Every on-call casemanager is at their cap' + (cap.since ? ` since ${when(cap.since)}` : '') +
          (cap.past_on_call ? `; ${cap.past_on_call} new case(s) went past them` : ''))));
    show('gaps-empty', b.gaps.length === 0 && !capProblem);
    const ov = clear($('overrides'));
    for (const o of b.overrides)
      ov.append(el('li', null, el('span', { class: 'grow' }, `${personName(b, o.replaces)} → ${personName(b, o.person)} (${o.reason})`), el('span', { class: 'muted' }, `until ${when(o.end)}`)));
  }

  function renderCaseload(b) {
    const ul = clear($('caseload'));
    for (const c of b.caseload) {
      // What counts against the cap: monitoring cases count with a weight.
      const load = c.load === undefined ? c.open : c.load;
      const pct = Math.min(100, Math.round((100 * load) / Math.max(1, c.cap)));
      const fill = el('span', { class: load >= c.cap ? 'full' : '' });
      fill.style.width = pct + '%';  // CSSOM: the policy forbids style attributes
      const shown = Math.round(load * 100) / 100;
      ul.append(el('li', { 'data-person': c.person, title: `${c.open} open, ${c.monitoring || 0} in monitoring` },
        el('span', null, personName(b, c.person)),
        el('span', { class: 'bar' }, fill),
        el('span', { class: 'num', 'data-open': String(c.open) }, `${shown}/${c.cap}`)));
    }
    const r = b.returning || { within_year: 0 };
    $('returning').textContent = `Families back within a year of closing (last 12 months): ${r.within_year}`;
  }

  function fillSelect(sel, items, keep) {
    const cur = sel.value;
    clear(sel);
    for (const [v, label] of items) sel.append(el('option', { value: v }, label));
    if (keep && items.some(([v]) => v === cur)) sel.value = cur;
  }
  function fillForms(b) {
    const cms = b.people.filter((p) => p.role === 'casemanager').map((p) => [p.id, p.name]);
    fillSelect($('ov-person'), cms, true);
    fillSelect($('ov-replacement'), cms, true);
    fillSelect($('ra-person'), cms, true);
    fillSelect($('ra-case'), b.cases.map((c) => [c.id, `${c.id} · ${personName(b, c.casemanager)}`]), true);
    if (!$('ov-until').value) $('ov-until').value = toLocalInput(now() + 24 * 3600000);
  }

  $('override-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('ov-submit').disabled = true;
    try {
      const r = await api('POST', '/api/rota/overrides', {
        region: state.region, replaces: $('ov-person').value, person: $('ov-replacement').value,
        reason: $('ov-reason').value, until_local: $('ov-until').value, reassign_cases: $('ov-reassign').checked,
      });
      result('ov-result', true, `Registered. ${r.reassigned.length} case(s) reassigned.`);
      refresh();
    } catch (e) { result('ov-result', false, e.message); }
    finally { $('ov-submit').disabled = false; }
  });

  $('reassign-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('ra-submit').disabled = true;
    try {
      const id = $('ra-case').value;
      await api('POST', `/api/cases/${encodeURIComponent(id)}/reassign`, { to: $('ra-person').value });
      result('ra-result', true, `Case ${id} reassigned.`);
      refresh();
    } catch (e) { result('ra-result', false, e.message); }
    finally { $('ra-submit').disabled = false; }
  });

  // ---- charts (uPlot) ---------------------------------------------------
  async function loadCharts() {
    state.chartsAt = Date.now();
    let c;
    try { c = await api('GET', '/api/charts?region=' + encodeURIComponent(state.region)); }
    catch (e) { return; }
    const width = (id) => Math.max(280, $(id).clientWidth || 400);
    const bars = typeof uPlot !== 'undefined' ? uPlot.paths.bars({ size: [0.6, 40] }) : null;
    const weekAxis = { values: (u, v) => v.map((t) => fmtDate.format(new Date(t * 1000))) };
    const countScale = { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] };
    draw('chart-plans', {
      width: width('chart-plans'), height: 200,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [weekAxis, { values: (u, v) => v.map((x) => x + '%') }],
      series: [{}, { label: 'within 12 h', stroke: '#1e7a3c', fill: 'rgba(30,122,60,.25)', paths: bars, points: { show: false } }],
    }, [c.plans.weeks, c.plans.share.map((s) => (s === null ? null : Math.round(s * 1000) / 10))]);
    const idx = c.ack.bins.map((_, i) => i);
    draw('chart-ack', {
      width: width('chart-ack'), height: 200,
      scales: { x: { time: false }, y: countScale },
      axes: [{ values: (u, v) => v.map((i) => (Number.isInteger(i) && c.ack.bins[i]) || ''), splits: () => idx }, {}],
      series: [{}, { label: 'pages', stroke: '#1f5fbf', fill: 'rgba(31,95,191,.3)', paths: bars, points: { show: false } }],
    }, [idx, c.ack.counts]);
    draw('chart-escalations', {
      width: width('chart-escalations'), height: 200,
      scales: { x: { time: false }, y: countScale },
      axes: [weekAxis, {}],
      series: [{}, { label: 'escalations', stroke: '#b3261e', fill: 'rgba(179,38,30,.25)', paths: bars, points: { show: false } }],
    }, [c.escalations.weeks, c.escalations.counts]);
    const palette = ['#1f5fbf', '#b3261e', '#1e7a3c', '#a15c00', '#6b3fa0', '#00838f', '#5d4037', '#c2185b'];
    const series = [{}].concat(c.caseload.series.map((s, i) => ({ label: personName(state.lastBoard || { people: [] }, s.person), stroke: palette[i % palette.length], width: 2, points: { show: false } })));
    draw('chart-caseload', {
      width: width('chart-caseload'), height: 220,
      scales: { x: { time: false }, y: countScale }, axes: [{ values: (u, v) => v.map((t) => fmtDate.format(new Date(t * 1000))) }, {}],
      series,
    }, [c.caseload.days].concat(c.caseload.series.map((s) => s.values)));
  }

  function draw(id, opts, data) {
    const host = $(id);
    host.dataset.points = String((data[0] || []).length);
    if (typeof uPlot === 'undefined') { host.textContent = 'charting library not installed'; return; }
    if (state.charts[id]) { state.charts[id].destroy(); }
    clear(host);
    if (!data[0] || data[0].length === 0) { host.append(el('p', { class: 'muted' }, 'No data yet.')); delete state.charts[id]; return; }
    state.charts[id] = new uPlot(opts, data, host);
  }

  // ---- casemanager app --------------------------------------------------
  async function loadApp() {
    const m = await api('GET', '/api/my');
    const pages = clear($('my-pages'));
    for (const p of m.pages) {
      const ack = el('button', { type: 'button', 'data-action': 'ack' }, 'Acknowledge');
      const dec = el('button', { type: 'button', class: 'danger', 'data-action': 'decline' }, 'Decline');
      const act = async (what, btn) => {
        ack.disabled = dec.disabled = true;
        try { await api('POST', `/api/pages/${encodeURIComponent(p.id)}/${what}`, {}); toast(what === 'ack' ? 'Acknowledged' : 'Declined'); refresh(); }
        catch (e) { toast(e.message); ack.disabled = dec.disabled = false; }
      };
      ack.addEventListener('click', () => act('ack', ack));
      dec.addEventListener('click', () => act('decline', dec));
      pages.append(el('li', { 'data-page': p.id, 'data-case': p.case },
        el('div', { class: 'row' }, el('span', { class: 'badge red' }, p.kind_label || 'page'), caseLink(p.case), el('span', { class: 'grow muted' }, 'since ' + when(p.created_at))),
        el('div', { class: 'muted small' }, p.rule_label || ''),
        el('div', { class: 'actions' }, ack, dec)));
    }
    show('my-pages-empty', m.pages.length === 0);
    const cases = clear($('my-cases'));
    for (const c of m.cases) {
      const clocks = el('ul', { class: 'list small' });
      for (const k of c.clocks) clocks.append(el('li', { 'data-clock': k.clock, 'data-state': k.state, 'data-incident': k.incident || '' }, el('span', { class: 'grow' }, k.label, k.incident ? el('span', { class: 'muted' }, ' · ' + incidentOf(k)) : ''), el('span', { class: 'badge ' + (k.state === 'overdue' ? 'red' : k.state === 'warning' ? 'amber' : '') }, left(k.due_at))));
      cases.append(el('li', { 'data-case': c.id },
        el('div', { class: 'row' }, caseLink(c.id), el('span', { class: 'badge' }, c.phase_label || c.phase), el('span', { class: 'grow muted' }, c.kind_label || '')),
        clocks));
    }
    show('my-cases-empty', m.cases.length === 0);
    await loadCalendarTokens();
  }

  // ---- calendar links (read-only tokens for the rota calendar) ------------
  async function loadCalendarTokens() {
    const t = await api('GET', '/api/calendar/tokens');
    const list = clear($('cal-tokens'));
    for (const k of t.tokens) {
      const revoke = el('button', { type: 'button', class: 'danger', 'data-action': 'revoke' }, 'Intrekken / Revoke');
      revoke.addEventListener('click', async () => {
        revoke.disabled = true;
        try { await api('POST', '/api/calendar/tokens/revoke', { id: k.id }); toast('Ingetrokken / Revoked'); show('cal-once', false); await loadCalendarTokens(); }
        catch (e) { toast(e.message); revoke.disabled = false; }
      });
      list.append(el('li', { 'data-token': k.id }, el('span', { class: 'grow' }, 'Agenda-link ' + k.id), el('span', { class: 'muted' }, when(k.created_at)), revoke));
    }
    $('cal-new').disabled = t.tokens.length >= t.max;
  }

  $('cal-new').addEventListener('click', async () => {
    $('cal-new').disabled = true;
    try {
      const made = await api('POST', '/api/calendar/tokens', {});
      $('cal-url').value = made.url;
      show('cal-once', true);
      $('cal-url').select();
    } catch (e) { toast(e.message); }
    await loadCalendarTokens();
  });

  // ---- case detail --------------------------------------------------------
  $('case-back').addEventListener('click', () => { location.hash = ''; });

  async function loadCase() {
    const id = state.caseId;
    const c = await api('GET', '/api/cases/' + encodeURIComponent(id));
    $('case-id').textContent = c.id;
    $('case-phase').textContent = c.phase_label || c.phase;
    $('case-meta').textContent = `${c.region_name} · casemanager ${c.casemanager_name || '—'} · opened ${when(c.opened_at)}`;
    const cl = clear($('case-clocks'));
    for (const k of c.clocks) cl.append(el('li', { 'data-clock': k.clock, 'data-state': k.state, 'data-incident': k.incident || '' }, el('span', { class: 'grow' }, k.label, k.incident ? el('span', { class: 'muted' }, ' · ' + incidentOf(k)) : ''), el('span', { class: 'muted' }, when(k.due_at)), el('span', { class: 'badge ' + (k.state === 'overdue' ? 'red' : k.state === 'warning' ? 'amber' : '') }, left(k.due_at))));
    if (!c.clocks.length) cl.append(el('li', { class: 'muted' }, 'No running clocks.'));
    const pl = clear($('case-persons'));
    for (const p of c.persons) pl.append(el('li', null, el('span', { class: 'badge' }, p.role), el('span', { class: 'grow' }, p.name || '—'), el('span', { class: 'muted' }, p.phone || ''), el('span', { class: 'muted' }, p.address || '')));
    $('case-summary').textContent = c.summaries.join('\n\n');
    const tl = clear($('case-timeline'));
    for (const e of c.timeline) tl.append(el('li', { 'data-type': e.type }, el('span', { class: 't' }, when(e.at)), e.text));
    // The family: earlier cases, cases joined into this one, or the one it was joined into.
    const fam = clear($('case-family'));
    if (c.merged_into) fam.append(el('li', { 'data-merged-into': c.merged_into }, 'Joined into case ', caseLink(c.merged_into)));
    for (const p of c.previous_cases || []) fam.append(el('li', { 'data-previous': p }, 'Earlier case of this family: ', caseLink(p)));
    for (const j of c.joined_cases || []) {
      const btn = el('button', { type: 'button', class: 'small', 'data-split': j }, 'Split off');
      btn.addEventListener('click', () => family('split', j));
      fam.append(el('li', { 'data-joined': j }, 'Joined into this case: ', caseLink(j), c.can_join ? btn : null));
    }
    show('case-family-card', fam.children.length > 0 || c.can_join);
    show('join-form', !!c.can_join);
    show('case-record-card', c.can_record && c.event_types.length > 0);
    fillSelect($('ev-type'), c.event_types.map((t) => [t.type, t.label]), true);
    // Which incident a first contact or plan answers; empty: the open one due first.
    fillSelect($('ev-incident'), [['', 'Most urgent open incident']].concat(
      (c.incidents || []).map((i) => [i.id, `${i.kind_label} ${when(i.at)}`])), true);
  }

  async function family(op, other) {
    const reason = op === 'join' ? $('join-reason').value : window.prompt('Why split this case off again?');
    if (!reason) return;
    try {
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/${op}`, { other_case_id: other, reason });
      result('join-result', true, op === 'join' ? `Case ${other} joined into this case.` : `Case ${other} split off.`);
      refresh();
    } catch (e) { result('join-result', false, e.message); }
  }
  $('join-form').addEventListener('submit', (ev) => { ev.preventDefault(); family('join', $('join-other').value.trim()); });

  $('event-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('ev-submit').disabled = true;
    try {
      const body = { type: $('ev-type').value, note: $('ev-note').value };
      if ($('ev-at').value) body.at_local = $('ev-at').value;
      if ($('ev-incident').value && ['first_contact', 'plan_of_action'].includes(body.type)) body.incident = $('ev-incident').value;
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/events`, body);
      result('ev-result', true, 'Recorded.');
      $('ev-note').value = ''; $('ev-at').value = '';
      refresh();
    } catch (e) { result('ev-result', false, e.message); }
    finally { $('ev-submit').disabled = false; }
  });

  // ---- admin --------------------------------------------------------------
  async function loadAdmin() {
    const a = await api('GET', '/api/admin/overview');
    const dl = clear($('admin-deployment'));
    for (const [k, v] of a.deployment) dl.append(el('dt', null, k), el('dd', null, v));
    const tb = clear($('admin-people'));
    for (const p of a.people) tb.append(el('tr', null, el('td', null, p.id), el('td', null, p.name), el('td', null, p.role), el('td', null, p.regions.join(', ')), el('td', null, p.can_sign_in ? 'yes' : 'no')));
    $('admin-audit').textContent = `${a.audit.entries} entries.`;
  }
  $('admin-verify').addEventListener('click', async () => {
    try {
      const v = await api('POST', '/api/admin/audit/verify', {});
      $('admin-audit').textContent = v.ok ? `Intact: ${v.entries} entries verified.` : `BROKEN at entry ${v.first_broken}: ${v.reason}`;
    } catch (e) { toast(e.message); }
  });

  // Countdowns move every second on a real clock.
  setInterval(() => {
    if (state.clockMode === 'simulated' || !state.session) return;
    $('clock').textContent = fmt.format(new Date(now()));
    for (const td of document.querySelectorAll('[data-due]')) td.textContent = left(Number(td.dataset.due));
  }, 1000);

  start();
})();
