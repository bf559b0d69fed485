// piket web app: the team lead's deadline board, the casemanager's phone app
// and the admin page. Plain JavaScript, no framework; every value from the
// server goes into the page as text (never as HTML). Live updates arrive as
// server-sent events from /api/events; on "change" the current view refetches
// and updates its lists in place, so keyboard focus stays where it was.
// Every word for people comes from the catalogue i18n/<lang>/piket-web.po
// (Dutch first, English second); API codes stay English.
'use strict';

(function () {
  const TZ = 'Europe/Amsterdam';
  const LANGS = ['nl', 'en'];
  const LOCALES = { nl: 'nl-NL', en: 'en-GB' };
  const state = {
    session: null,       // {person, name, role, regions, csrf, clock_mode}
    view: null,          // login | board | long | app | case | admin
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
    lastRows: [],
    openCases: new Set(),  // board rows whose other clocks are shown
    lang: 'nl',
    cat: {},
    focusHeading: false,
    titleId: '',
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

  // ---- words --------------------------------------------------------------
  function t(key, values) {
    const s = state.cat[key];
    return s === undefined ? key : PiketPo.format(s, values);
  }
  // A code's name from the catalogue ("kind.code_red"), else the server's label.
  function named(prefix, code, fallback) {
    const s = code ? state.cat[prefix + '.' + code] : undefined;
    if (s !== undefined) return s;
    return fallback || (code ? String(code).replace(/_/g, ' ') : '');
  }
  const kindName = (code, label) => named('kind', code, label);
  const phaseName = (code, label) => named('phase', code, label);
  const clockName = (code, label) => named('clock', code, label);
  // A clock of a case in words; a track clock names its track ("Spoor niet gezien: Pleger").
  const clockText = (k) => clockName(k.clock, k.label) + (k.track ? ': ' + named('track', k.track) : '');
  const eventName = (code, label) => named('event', code, label);
  const layerName = (code) => named('layer', code);
  const ruleName = (code) => named('rule', code);
  const roleName = (code) => named('role', code);

  function chosenLang() {
    let s = null;
    try { s = localStorage.getItem('piket.lang'); } catch (e) { s = null; }
    if (LANGS.includes(s)) return s;
    const d = document.documentElement.dataset.defaultLang;
    return LANGS.includes(d) ? d : 'nl';
  }

  async function setLang(lang) {
    const r = await fetch(`/i18n/${lang}/piket-web.po`, { cache: 'no-cache' });
    state.cat = PiketPo.parse(await r.text()).messages;
    state.lang = lang;
    document.documentElement.lang = lang;
    $('lang-select').value = lang;
    makeFormats();
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
    for (const e of document.querySelectorAll('[data-i18n-aria-label]')) e.setAttribute('aria-label', t(e.dataset.i18nAriaLabel));
    $('ev-note').dispatchEvent(new Event('input'));
    setTitle();
  }

  $('lang-select').addEventListener('change', async () => {
    const lang = $('lang-select').value;
    try { localStorage.setItem('piket.lang', lang); } catch (e) { /* private mode: this visit only */ }
    await setLang(lang);
    state.chartsAt = 0;  // the charts' words too, at once
    if (state.session) { whoLine(); refresh(); }
  });

  // ---- time -------------------------------------------------------------
  let fmt, fmtDate;
  function makeFormats() {
    const loc = LOCALES[state.lang];
    fmt = new Intl.DateTimeFormat(loc, { timeZone: TZ, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    fmtDate = new Intl.DateTimeFormat(loc, { timeZone: TZ, day: 'numeric', month: 'short' });
  }
  makeFormats();
  const when = (ms) => (ms ? fmt.format(new Date(ms)) : '—');
  const now = () => (state.clockMode === 'simulated' ? state.domainNow : Date.now() + state.offset);
  function span(ms) {
    const a = Math.abs(ms);
    const h = Math.floor(a / 3600000), m = Math.floor((a % 3600000) / 60000);
    const days = Math.floor(h / 24);
    return days >= 2 ? t('time.days_hours', { d: days, h: h % 24 }) : t('time.hours_minutes', { h, m: String(m).padStart(2, '0') });
  }
  function left(ms) {
    const d = ms - now();
    return d < 0 ? t('time.overdue', { t: span(d) }) : span(d);
  }
  function ago(ms) {
    const d = now() - ms;
    if (d < 60000) return t('time.just_now');
    return t('time.ago', { t: d < 3600000 ? t('time.minutes', { m: Math.floor(d / 60000) }) : span(d) });
  }
  function noteNow(ms) {
    if (!ms) return;
    state.domainNow = ms;
    state.offset = ms - Date.now();
    $('clock').textContent = fmt.format(new Date(ms));
  }
  // Date fields are typed as dd-mm-jjjj uu:mm (Amsterdam time) in both
  // languages, so the picker never shows a US date; the API takes
  // YYYY-MM-DDTHH:MM.
  function toLocalInput(ms) {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
    const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
    return `${p.day}-${p.month}-${p.year} ${p.hour}:${p.minute}`;
  }
  function fromLocalInput(s) {
    const m = /^\s*(\d{1,2})-(\d{1,2})-(\d{4})\s+(\d{1,2}):(\d{2})\s*$/.exec(s);
    if (!m) return null;
    const two = (x) => String(x).padStart(2, '0');
    return `${m[3]}-${two(m[2])}-${two(m[1])}T${two(m[4])}:${m[5]}`;
  }

  // ---- API --------------------------------------------------------------
  async function api(method, path, body, extraHeaders) {
    const headers = { Accept: 'application/json', ...(extraHeaders || {}) };
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      if (state.session) headers['X-CSRF-Token'] = state.session.csrf;
    }
    let r;
    try {
      r = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      const err = new Error(t('error.network')); err.status = 0; throw err;
    }
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (r.status === 401 && path !== '/api/login' && path !== '/api/session') { signedOut(); }
    if (!r.ok) {
      const code = data && data.error ? data.error.code : '';
      const err = new Error(errorText(code, r.status)); err.status = r.status; err.code = code;
      err.field = data && data.error ? data.error.field : undefined;  // the field at fault, if one
      throw err;
    }
    if (data && data.now) noteNow(data.now);
    return data;
  }
  // The server's error codes in the person's language.
  function errorText(code, status) {
    if (code && state.cat['error.' + code] !== undefined) return t('error.' + code);
    return t('error.other', { code: code || 'HTTP ' + status });
  }

  // Messages stay until the person closes them: an error in the alert region,
  // the last confirmation in the status region.
  function notice(msg, isError) {
    const box = $(isError ? 'errors' : 'status');
    if (!isError) clear(box);
    while (box.children.length >= 5) box.removeChild(box.firstChild);
    const item = el('div', { class: 'notice ' + (isError ? 'bad' : 'ok') }, el('span', { class: 'grow' }, (isError ? t('notice.error_prefix') + ' ' : '') + msg));
    item.append(el('button', { type: 'button', class: 'secondary small', 'data-action': 'dismiss', onclick: () => item.remove() }, t('notice.close')));
    box.append(item);
  }
  const failed = (e) => notice(e.message, true);
  function result(id, ok, msg) {
    const r = $(id); r.textContent = msg; r.className = 'result ' + (ok ? 'ok' : 'bad');
  }

  // Lists that a live update changes are updated in place: items keep their
  // element while their data is the same, new ones are inserted, gone ones
  // removed, so a focused button is not taken out from under the keyboard.
  function reconcile(container, items, keyOf, render) {
    const active = document.activeElement;
    // What has the focus after the update: the same element, or the one drawn in its place.
    let refocus = active;
    const seen = new Map();
    const keyed = items.map((it) => {
      let k = String(keyOf(it));
      const n = (seen.get(k) || 0) + 1; seen.set(k, n);
      if (n > 1) k += '#' + n;
      return { k, it, sig: JSON.stringify([it, state.lang]) };
    });
    const wanted = new Set(keyed.map((x) => x.k));
    const old = new Map();
    for (const n of Array.from(container.children)) {
      if (n.dataset.key === undefined || !wanted.has(n.dataset.key)) n.remove();
      else old.set(n.dataset.key, n);
    }
    keyed.forEach(({ k, it, sig }, i) => {
      let n = old.get(k);
      if (!n || n.dataset.sig !== sig) {
        const fresh = render(it);
        fresh.dataset.key = k; fresh.dataset.sig = sig;
        if (n) {
          // A focused row (a triage count leads to it) or a focused control in it keeps the
          // focus when a live update redraws the row.
          if (n === active) refocus = fresh;
          else if (n.contains(active)) refocus = active.dataset && active.dataset.action ? fresh.querySelector(`[data-action="${active.dataset.action}"]`) : null;
          n.replaceWith(fresh);
        }
        n = fresh;
      }
      const at = container.children[i];
      if (at !== n) container.insertBefore(n, at || null);
    });
    // After the moves: moving a focused element in the page takes its focus away.
    if (refocus && refocus.isConnected && document.activeElement !== refocus) refocus.focus();
  }
  function tickDue() {
    if (state.view === 'board' && state.lastBoard) renderTriage(state.lastRows, state.lastBoard);
    for (const e of document.querySelectorAll('[data-due]')) e.textContent = left(Number(e.dataset.due));
    for (const e of document.querySelectorAll('[data-since]')) e.textContent = ago(Number(e.dataset.since));
  }
  // Warning and overdue said in words, not by colour alone.
  function stateWord(s) {
    if (s === 'overdue') return el('span', { class: 'badge red' }, t('state.overdue'));
    if (s === 'warning') return el('span', { class: 'badge amber' }, t('state.warning'));
    return null;
  }

  // ---- session and routing ----------------------------------------------
  function signedOut() {
    state.session = null;
    if (state.events) { state.events.close(); state.events = null; }
    $('who').textContent = ''; show('logout', false); show('push-toggle', false); setLive(false);
    go('login');
  }

  // The catalogue and the session are asked for at once: one round trip
  // before the first view, not two.
  async function start() {
    const session = api('GET', '/api/session').catch(() => null);
    await setLang(chosenLang());
    state.session = await session;
    if (!state.session) return go('login');
    signedIn();
  }

  function whoLine() {
    const s = state.session;
    if (s) $('who').textContent = `${s.name} · ${roleName(s.role)}`;
  }

  function signedIn() {
    const s = state.session;
    state.clockMode = s.clock_mode || 'system';
    whoLine();
    show('logout', true);
    state.region = s.regions[0] || null;
    openEvents();
    route();
    pushShow();
  }

  function route() {
    const h = location.hash.replace(/^#/, '');
    const s = state.session;
    if (!s) return go('login');
    if (h.startsWith('case/')) { state.caseId = h.slice(5); return go('case'); }
    if (s.role === 'team_lead') return go(h === 'long' ? 'long' : 'board');
    if (s.role === 'admin') return go('admin');
    return go('app');
  }

  function heading() { return document.querySelector(`#view-${state.view} h1`); }
  function setTitle() {
    if (!state.view) return;
    document.title = t('title.' + state.view, { id: state.caseId || '' }) + ' · piket';
  }

  function go(view) {
    const key = view === 'case' ? 'case/' + state.caseId : view;
    if (key !== state.titleId) state.focusHeading = true;
    state.titleId = key;
    state.view = view;
    for (const v of ['login', 'board', 'long', 'app', 'case', 'admin']) show('view-' + v, v === view);
    if (view === 'case') { show('case-body', false); show('case-refused', false); $('case-id').textContent = state.caseId; $('case-phase').textContent = ''; }
    setTitle();
    if (view === 'login') { focusHeading(); return; }
    refresh();
  }
  function focusHeading() {
    if (!state.focusHeading) return;
    state.focusHeading = false;
    const h = heading();
    if (h) h.focus();
  }

  window.addEventListener('hashchange', () => { if (state.session) route(); });
  $('skip').addEventListener('click', (ev) => {
    ev.preventDefault();  // the hash routes the app
    const h = heading();
    if (h) h.focus();
  });

  async function refresh() {
    if (state.loading) { state.dirty = true; return; }
    state.loading = true;
    try {
      do {
        state.dirty = false;
        if (state.view === 'board') await loadBoard();
        else if (state.view === 'long') await loadLong();
        else if (state.view === 'app') await loadApp();
        else if (state.view === 'case') await loadCase();
        else if (state.view === 'admin') await loadAdmin();
        tickDue();
      } while (state.dirty);
    } catch (e) {
      if (e.status !== 401) failed(e);
    } finally { state.loading = false; focusHeading(); }
  }

  function setLive(on) {
    const l = $('live'); l.classList.toggle('on', on); l.classList.toggle('off', !on); l.dataset.state = on ? 'on' : 'off';
    l.dataset.i18nAriaLabel = on ? 'top.live_on' : 'top.live_off';
    l.setAttribute('aria-label', t(l.dataset.i18nAriaLabel));
  }

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
        if (d.state === 'answered_by_other') notice(t('push.taken', { id: d.case_id || '' }), false);
      } else {
        notice(t('push.page', { id: d.case_id || '' }), false);
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

  async function fetchBoard() {
    const q = state.region ? '?region=' + encodeURIComponent(state.region) : '';
    const b = await api('GET', '/api/board' + q);
    state.lastBoard = b;
    state.region = b.region;
    return b;
  }

  async function loadBoard() {
    const b = await fetchBoard();
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
    renderChain(b);
    fillForms(b);
    // Charts are for trends: at most one refetch every 5 s, and a trailing one
    // so that the last change is always drawn.
    const wait = 5000 - (Date.now() - state.chartsAt);
    if (wait <= 0) loadCharts();
    else if (!state.chartsTimer) state.chartsTimer = setTimeout(() => { state.chartsTimer = null; if (state.view === 'board') loadCharts(); }, wait);
  }

  // Clocks per incident: which incident a clock answers (its kind and time).
  function incidentOf(c) {
    return c.incident ? `${kindName(c.incident_kind_id, c.incident_kind)} ${when(c.incident_at)}` : '';
  }

  // The clocks of months (evaluation, closing) have their own tab: the live
  // view is for what needs someone today.
  const LONG_CLOCKS = ['evaluation', 'closing'];
  const HOUR = 3600000;
  const FAR = Number.MAX_SAFE_INTEGER;

  // The kind of a case, a code red unmistakable: its own badge and words.
  function kindBadge(kind, label) {
    if (kind === 'code_red') return el('span', { class: 'badge code-red', 'data-kind': kind }, '⚠ ' + t('board.code_red_badge'));
    return el('span', { class: 'badge', 'data-kind': kind || '' }, kindName(kind, label) || '—');
  }

  // One row per case: its most urgent live clock, with the rest behind
  // "meer termijnen"; the case's open escalations and unanswered pages.
  // Escalations and overdue first, then unanswered pages, then code red,
  // then by the most urgent clock.
  function caseRows(b) {
    const escIds = new Set(b.escalations.map((e) => e.id));
    const byCase = new Map();
    const row = (id) => {
      if (!byCase.has(id)) byCase.set(id, { case: id, clocks: [], escalations: [], unanswered: [], family: [] });
      return byCase.get(id);
    };
    for (const c of b.clocks) if (!LONG_CLOCKS.includes(c.clock)) row(c.case).clocks.push(c);
    for (const e of b.escalations) row(e.case).escalations.push(e);
    for (const p of b.unanswered || []) if (!escIds.has(p.id)) row(p.case).unanswered.push(p);
    for (const m of b.family || []) row(m.case).family.push(m);  // a family's messages not picked up
    const info = new Map(b.cases.map((c) => [c.id, c]));
    const rows = [];
    for (const r of byCase.values()) {
      const c = info.get(r.case) || {};
      r.clocks.sort((x, y) => x.due_at - y.due_at);
      const top = r.clocks[0];
      r.red = c.kind_id === 'code_red' || r.clocks.some((k) => k.incident_kind_id === 'code_red');
      r.kind = r.red ? 'code_red' : (c.kind_id || (top && top.kind_id) || '');
      r.kind_label = c.kind || (top && top.kind) || '';
      r.casemanager = c.casemanager || (top && top.casemanager) || '';
      r.overdue = r.clocks.some((k) => k.state === 'overdue');
      r.urgentFamily = r.family.some((m) => m.urgent);
      r.tier = r.escalations.length || r.overdue || r.urgentFamily ? 0 : r.unanswered.length || r.family.length ? 1 : r.red ? 2 : 3;
      rows.push(r);
    }
    const due = (r) => (r.clocks.length ? r.clocks[0].due_at : FAR);
    return rows.sort((x, y) => x.tier - y.tier || (y.red - x.red) || due(x) - due(y) || (x.case < y.case ? -1 : 1));
  }

  const rowId = (id) => 'case-row-' + id;

  function otherClock(k) {
    return el('li', { 'data-clock': k.clock, 'data-state': k.state, 'data-incident': k.incident || '', 'data-track': k.track || '' },
      el('span', null, clockText(k)),
      k.incident ? el('span', { class: 'muted' }, incidentOf(k)) : null,
      el('span', { class: 'muted' }, when(k.due_at)),
      el('span', { 'data-due': String(k.due_at) }, left(k.due_at)), stateWord(k.state));
  }

  function caseStatus(r) {
    const out = [];
    if (r.escalations.length) out.push(el('span', { class: 'badge red', 'data-status': 'escalated' }, t('board.st_escalated')));
    if (r.unanswered.length) out.push(el('span', { class: 'badge amber', 'data-status': 'unanswered' }, t(r.unanswered.length === 1 ? 'board.st_unanswered_one' : 'board.st_unanswered', { n: r.unanswered.length })));
    // The case's tracks not yet seen (issue 16), each by its role; red once one is too late.
    const unseen = r.clocks.filter((k) => k.clock === 'track');
    if (unseen.length) out.push(el('span', { class: 'badge ' + (unseen.some((k) => k.state === 'overdue') ? 'red' : 'amber'), 'data-status': 'tracks', 'data-tracks': unseen.map((k) => k.track).join(' ') },
      t('board.st_tracks', { tracks: unseen.map((k) => named('track', k.track)).join(', ') })));
    if (r.family.length) out.push(el('span', { class: 'badge ' + (r.urgentFamily ? 'red' : 'amber'), 'data-status': 'family' }, t(r.urgentFamily ? 'board.st_family_urgent' : 'board.st_family', { n: r.family.length, since: when(Math.min(...r.family.map((m) => m.at))) })));
    return out.length ? out : ['—'];
  }

  function caseRow(r) {
    const b = state.lastBoard;
    const k = r.clocks[0];
    const col = (key) => ({ 'data-col': t(key) });
    const cls = [r.red ? 'code-red' : '', r.escalations.length ? 'escalated' : '', r.unanswered.length ? 'unanswered' : '',
      k && k.state === 'overdue' ? 'overdue' : (k && k.state === 'warning' ? 'warning' : '')].filter(Boolean).join(' ');
    let more = null;
    if (r.clocks.length > 1) {
      more = el('details', { 'data-testid': 'more-clocks' },
        el('summary', { 'data-action': 'more' }, t('board.more_clocks', { n: r.clocks.length - 1 })),
        el('ul', null, ...r.clocks.slice(1).map(otherClock)));
      more.open = state.openCases.has(r.case);
      more.addEventListener('toggle', () => { if (more.open) state.openCases.add(r.case); else state.openCases.delete(r.case); });
    }
    return el('tr', { id: rowId(r.case), tabindex: '-1', class: cls, 'data-case': r.case, 'data-clock': k ? k.clock : '',
      'data-state': k ? k.state : '', 'data-kind': r.kind, 'data-clocks': String(r.clocks.length) },
      el('td', col('board.col_case'), caseLink(r.case)),
      el('td', col('board.col_kind'), kindBadge(r.kind, r.kind_label)),
      el('td', col('board.col_clock'), k ? clockText(k) : '—', k && k.incident ? el('div', { class: 'muted small' }, incidentOf(k)) : '', more),
      el('td', Object.assign({ class: 'num' }, col('board.col_due')), k ? when(k.due_at) : '—'),
      el('td', Object.assign({ class: 'num left' }, col('board.col_left')), k ? el('span', { 'data-due': String(k.due_at) }, left(k.due_at)) : '—', ' ', k ? stateWord(k.state) : null),
      el('td', col('board.col_casemanager'), personName(b, r.casemanager)),
      el('td', col('board.col_status'), ...caseStatus(r)));
  }

  function renderClocks(b) {
    const rows = caseRows(b);
    state.lastRows = rows;
    reconcile($('clock-rows'), rows, (r) => r.case, caseRow);
    show('clocks-empty', rows.length === 0);
    renderTriage(rows, b);
  }

  // The triage strip: four counts, each a link to its first row. The links
  // stay the same elements across live updates (only their text changes), so
  // a focused count keeps the focus.
  function renderTriage(rows, b) {
    const at = now();
    const clocks = rows.flatMap((r) => r.clocks);
    const first = (pred) => { const r = rows.find(pred); return r ? rowId(r.case) : null; };
    const soon = (k) => k.state !== 'overdue' && k.due_at - at <= HOUR;
    count('tri-unanswered', rows.reduce((a, r) => a + r.unanswered.length, 0), 'board.tri_unanswered', first((r) => r.unanswered.length), 'clocks-heading', 'hot');
    count('tri-escalations', b.escalations.length, 'board.tri_escalations', b.escalations.length ? 'esc-' + b.escalations[0].id : null, 'escalations-heading', 'hot');
    // An overdue evaluation or closing (on its own tab) counts too; its link
    // leads to that tab's row when no live row is overdue.
    const longOverdue = b.long_overdue || [];
    count('tri-overdue', clocks.filter((k) => k.state === 'overdue').length + longOverdue.length, 'board.tri_overdue',
      first((r) => r.overdue) || (longOverdue.length ? longRowId(longOverdue[0]) : null), 'clocks-heading', 'hot');
    count('tri-hour', clocks.filter(soon).length, 'board.tri_hour', first((r) => r.clocks.some(soon)), 'clocks-heading', 'warm');
  }
  function count(id, n, key, target, fallback, heat) {
    const a = $(id);
    const num = String(n);
    if (a.querySelector('.n').textContent !== num) a.querySelector('.n').textContent = num;
    const what = t(n === 1 ? key + '_one' : key);
    if (a.querySelector('.what').textContent !== what) a.querySelector('.what').textContent = what;
    a.classList.toggle(heat, n > 0);
    a.dataset.n = num;
    a.setAttribute('href', '#' + (target || fallback));
  }
  // The hash routes the app: a count's link moves the focus to its row instead.
  $('triage').addEventListener('click', (ev) => {
    const a = ev.target.closest('a');
    if (!a) return;
    ev.preventDefault();
    const id = a.getAttribute('href').slice(1);
    if (id.startsWith('long-row-')) { openLongRow(id); return; }
    const target = document.getElementById(id);
    if (!target) return;
    target.scrollIntoView({ block: 'center' });
    target.focus();
  });

  // ---- long clocks (evaluation, closing): their own view ---------------
  const longRowId = (c) => `long-row-${c.case}-${c.clock}`;
  // From the strip: the long-clock tab, the focus on the row once it is there.
  function openLongRow(id) {
    state.focusLongRow = id;
    if (state.view === 'long') { focusLongRow(); return; }
    location.hash = 'long';
  }
  function focusLongRow() {
    const row = state.focusLongRow && document.getElementById(state.focusLongRow);
    if (!row) return;
    state.focusLongRow = null;
    state.focusHeading = false;
    row.scrollIntoView({ block: 'center' });
    row.focus();
  }
  function longRow(c) {
    const b = state.lastBoard;
    const info = (b.cases || []).find((x) => x.id === c.case) || {};
    const col = (key) => ({ 'data-col': t(key) });
    return el('tr', { id: longRowId(c), tabindex: '-1', class: c.state === 'overdue' ? 'overdue' : '', 'data-case': c.case, 'data-clock': c.clock, 'data-state': c.state },
      el('td', col('board.col_case'), caseLink(c.case)),
      el('td', col('board.col_kind'), kindBadge(info.kind_id || c.kind_id, info.kind || c.kind)),
      el('td', col('board.col_clock'), clockName(c.clock, c.label)),
      el('td', Object.assign({ class: 'num' }, col('board.col_due')), when(c.due_at)),
      el('td', Object.assign({ class: 'num left' }, col('board.col_left')), el('span', { 'data-due': String(c.due_at) }, left(c.due_at)), ' ', stateWord(c.state)),
      el('td', col('board.col_casemanager'), personName(b, c.casemanager)));
  }

  async function loadLong() {
    const b = await fetchBoard();
    $('long-region').textContent = '· ' + b.region_name;
    const rows = b.clocks.filter((c) => LONG_CLOCKS.includes(c.clock));
    reconcile($('long-rows'), rows, (c) => `${c.case}/${c.clock}/${c.incident || ''}`, longRow);
    show('long-empty', rows.length === 0);
    focusLongRow();
  }

  // What happened, in words: a page declined or not answered; a clock
  // overdue, or its reminder not acknowledged.
  function escalationLabel(e) {
    if (e.clock) return t(e.why === 'unanswered' ? 'esc.clock_unanswered' : 'esc.clock_overdue', { clock: clockName(e.clock) });
    return t(e.why === 'declined' ? 'esc.declined' : 'esc.page');
  }

  function escalationItem(e) {
    const btn = el('button', { type: 'button', class: 'secondary', 'data-escalation': e.id, 'data-action': 'ack' }, t('action.ack'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try { await api('POST', `/api/escalations/${encodeURIComponent(e.id)}/ack`, {}); notice(t('esc.acked', { id: e.case }), false); heading().focus(); refresh(); }
      catch (err) { failed(err); btn.disabled = false; }
    });
    return el('li', { id: 'esc-' + e.id, tabindex: '-1', 'data-case': e.case, 'data-escalation': e.id, 'data-why': e.why || '' },
      el('span', { class: 'badge red' }, escalationLabel(e)),
      caseLink(e.case),
      el('span', { class: 'grow muted' }, when(e.at)),
      btn);
  }

  function renderEscalations(b) {
    reconcile($('escalations'), b.escalations, (e) => e.id, escalationItem);
    show('escalations-empty', b.escalations.length === 0);
    const locked = clear($('sms-locked'));
    for (const l of b.sms_locked || []) {
      locked.append(el('li', { 'data-person': l.person },
        el('span', { class: 'badge red' }, t('board.sms_locked_badge')),
        el('span', null, t('board.sms_locked_who', { name: personName(b, l.person), number: l.number })),
        el('span', { class: 'grow muted' }, t('board.until', { t: when(l.until) }))));
    }
    show('sms-locked-box', (b.sms_locked || []).length > 0);
  }

  function renderRota(b) {
    const oc = clear($('on-call'));
    for (const l of b.on_call) {
      // Tap-to-call: staff numbers from the rota only (never a client's).
      const phones = l.phones || {};
      const who = l.people.length ? l.people.map((p) => phones[p]
        ? el('a', { class: 'call', href: 'tel:' + phones[p], 'data-person': p }, t('board.call', { name: personName(b, p) }))
        : el('span', null, personName(b, p))) : [t('board.nobody')];
      oc.append(el('li', { 'data-layer': l.layer },
        el('span', { class: 'badge' + (l.people.length ? '' : ' red') }, layerName(l.layer)),
        el('span', { class: 'grow' }, ...who.flatMap((x, i) => (i ? [', ', x] : [x]))),
        el('span', { class: 'muted small' }, l.until ? t('board.until', { t: when(l.until) }) : '')));
    }
    const ho = clear($('handoffs'));
    for (const h of b.handoffs.slice(0, 8))
      ho.append(el('li', null, el('span', { class: 'grow' }, t(h.goes_on ? 'board.handoff_on' : 'board.handoff_off', { name: personName(b, h.person), layer: layerName(h.layer) })), el('span', { class: 'muted' }, when(h.at))));
    const g = clear($('gaps'));
    for (const x of b.gaps)
      g.append(el('li', { 'data-layer': x.layer }, el('span', { class: 'badge red' }, layerName(x.layer)), el('span', null, `${when(x.from)} → ${when(x.until)}`)));
    // The caseload cap is a coverage problem too: every on-call casemanager full.
    const cap = b.capacity || {};
    const capProblem = cap.on_call_at_cap || cap.since;
    if (capProblem)
      g.append(el('li', { 'data-gap': 'caseload-cap' }, el('span', { class: 'badge red' }, t('board.cap_badge')),
        el('span', null, t('board.cap_full') + (cap.since ? ' ' + t('board.since', { t: when(cap.since) }) : '') +
          (cap.past_on_call ? ' ' + t('board.cap_past', { n: cap.past_on_call }) : ''))));
    show('gaps-empty', b.gaps.length === 0 && !capProblem);
    const ov = clear($('overrides'));
    for (const o of b.overrides)
      ov.append(el('li', null, el('span', { class: 'grow' }, `${personName(b, o.replaces)} → ${personName(b, o.person)} (${t('board.ov_' + (o.reason === 'swap' ? 'swap' : 'sickness'))})`), el('span', { class: 'muted' }, t('board.until', { t: when(o.end) }))));
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
      ul.append(el('li', { 'data-person': c.person, title: t('board.caseload_title', { open: c.open, monitoring: c.monitoring || 0 }) },
        el('span', null, personName(b, c.person)),
        el('span', { class: 'bar', role: 'img', 'aria-label': `${shown}/${c.cap}` }, fill),
        el('span', { class: 'num', 'data-open': String(c.open) }, `${shown}/${c.cap}`)));
    }
    const r = b.returning || { within_year: 0 };
    $('returning').textContent = t('board.returning', { n: r.within_year });
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
    const until = fromLocalInput($('ov-until').value);
    if (!until) { result('ov-result', false, t('form.datetime_bad')); return; }
    $('ov-submit').disabled = true;
    try {
      const r = await api('POST', '/api/rota/overrides', {
        region: state.region, replaces: $('ov-person').value, person: $('ov-replacement').value,
        reason: $('ov-reason').value, until_local: until, reassign_cases: $('ov-reassign').checked,
      });
      result('ov-result', true, t('board.ov_done', { n: r.reassigned.length }));
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
      result('ra-result', true, t('board.ra_done', { id }));
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
    const weekAxis = { values: (u, v) => v.map((x) => fmtDate.format(new Date(x * 1000))) };
    const countScale = { range: (u, min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] };
    draw('chart-plans', {
      width: width('chart-plans'), height: 200,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [weekAxis, { values: (u, v) => v.map((x) => x + '%') }],
      series: [{ label: t('chart.week') }, { label: t('chart.plans_series'), stroke: '#1e7a3c', fill: 'rgba(30,122,60,.25)', paths: bars, points: { show: false } }],
    }, [c.plans.weeks, c.plans.share.map((s) => (s === null ? null : Math.round(s * 1000) / 10))]);
    const idx = c.ack.bins.map((_, i) => i);
    draw('chart-ack', {
      width: width('chart-ack'), height: 200,
      scales: { x: { time: false }, y: countScale },
      axes: [{ values: (u, v) => v.map((i) => (Number.isInteger(i) && c.ack.bins[i]) || ''), splits: () => idx }, {}],
      series: [{ label: t('chart.minutes') }, { label: t('chart.ack_series'), stroke: '#1f5fbf', fill: 'rgba(31,95,191,.3)', paths: bars, points: { show: false } }],
    }, [idx, c.ack.counts]);
    draw('chart-escalations', {
      width: width('chart-escalations'), height: 200,
      scales: { x: { time: false }, y: countScale },
      axes: [weekAxis, {}],
      series: [{ label: t('chart.week') }, { label: t('chart.escalations_series'), stroke: '#b3261e', fill: 'rgba(179,38,30,.25)', paths: bars, points: { show: false } }],
    }, [c.escalations.weeks, c.escalations.counts]);
    const palette = ['#1f5fbf', '#b3261e', '#1e7a3c', '#a15c00', '#6b3fa0', '#00838f', '#5d4037', '#c2185b'];
    const series = [{ label: t('chart.day') }].concat(c.caseload.series.map((s, i) => ({ label: personName(state.lastBoard || { people: [] }, s.person), stroke: palette[i % palette.length], width: 2, points: { show: false } })));
    draw('chart-caseload', {
      width: width('chart-caseload'), height: 220,
      scales: { x: { time: false }, y: countScale }, axes: [{ values: (u, v) => v.map((x) => fmtDate.format(new Date(x * 1000))) }, {}],
      series,
    }, [c.caseload.days].concat(c.caseload.series.map((s) => s.values)));
  }

  function draw(id, opts, data) {
    const host = $(id);
    host.dataset.points = String((data[0] || []).length);
    if (typeof uPlot === 'undefined') { host.textContent = t('chart.no_library'); return; }
    if (state.charts[id]) { state.charts[id].destroy(); }
    clear(host);
    if (!data[0] || data[0].length === 0) { host.append(el('p', { class: 'muted' }, t('chart.no_data'))); delete state.charts[id]; return; }
    state.charts[id] = new uPlot(opts, data, host);
  }

  // ---- casemanager app --------------------------------------------------
  function pageItem(p) {
    const ack = el('button', { type: 'button', 'data-action': 'ack' }, t('action.ack'));
    const dec = el('button', { type: 'button', class: 'danger', 'data-action': 'decline' }, t('action.decline'));
    const act = async (what) => {
      ack.disabled = dec.disabled = true;
      try {
        await api('POST', `/api/pages/${encodeURIComponent(p.id)}/${what}`, {});
        notice(t(what === 'ack' ? 'app.acked' : 'app.declined', { id: p.case }), false);
        heading().focus();  // the card goes away: focus to the list's heading
        refresh();
      } catch (e) { failed(e); ack.disabled = dec.disabled = false; }
    };
    ack.addEventListener('click', () => act('ack'));
    dec.addEventListener('click', () => act('decline'));
    const red = p.kind === 'code_red';
    return el('li', { 'data-page': p.id, 'data-case': p.case, class: red ? 'code-red' : '' },
      el('div', { class: 'row' }, el('span', { class: 'badge ' + (red ? 'code-red' : 'red') }, kindName(p.kind, p.kind_label) || t('app.page')), caseLink(p.case),
        el('span', { class: 'grow muted' }, el('span', { 'data-since': String(p.created_at) }, ago(p.created_at)))),
      p.next ? el('div', { class: 'small next' }, t('app.next', { clock: clockName(p.next.clock, p.next.label) }), ' ',
        el('span', { 'data-due': String(p.next.due_at) }, left(p.next.due_at)), ' ', stateWord(p.next.state)) : null,
      el('div', { class: 'muted small', 'data-rule': p.rule || '' }, p.rule ? t('app.because', { rule: pageRule(p) }) : ''),
      el('div', { class: 'actions' }, ack, dec));
  }

  // Why a page came, in words: a deadline page by its clock ("Afspraak
  // verlopen"), never the raw rule; a paging rule by its name.
  function pageRule(p) {
    if (p.clock) return named('page_clock', p.clock, clockName(p.clock, p.rule_label));
    return ruleName(p.rule);
  }

  // Pages by urgency: code red first, then the oldest; each with the next
  // deadline of its case when the case is the person's own.
  function pagesByUrgency(m) {
    const next = {};
    for (const c of m.cases) for (const k of c.clocks) if (!next[c.id] || k.due_at < next[c.id].due_at) next[c.id] = k;
    const red = (p) => (p.kind === 'code_red' ? 0 : 1);
    return m.pages.map((p) => Object.assign({ next: next[p.case] || null }, p))
      .sort((a, b) => red(a) - red(b) || a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  }

  function clockItem(k, withDue) {
    return el('li', { 'data-clock': k.clock, 'data-state': k.state, 'data-incident': k.incident || '' },
      el('span', { class: 'grow' }, clockText(k), k.incident ? el('span', { class: 'muted' }, ' · ' + incidentOf(k)) : ''),
      withDue ? el('span', { class: 'muted' }, when(k.due_at)) : null,
      stateWord(k.state),
      el('span', { class: 'badge', 'data-due': String(k.due_at) }, left(k.due_at)));
  }

  function myCaseItem(c) {
    const clocks = el('ul', { class: 'list small' });
    for (const k of c.clocks) clocks.append(clockItem(k, false));
    return el('li', { 'data-case': c.id },
      el('div', { class: 'row' }, caseLink(c.id), el('span', { class: 'badge' }, phaseName(c.phase, c.phase_label)), el('span', { class: 'grow muted' }, kindName(c.kind, c.kind_label))),
      clocks);
  }

  async function loadApp() {
    const m = await api('GET', '/api/my');
    reconcile($('my-pages'), pagesByUrgency(m), (p) => p.id, pageItem);
    show('my-pages-empty', m.pages.length === 0);
    reconcile($('my-cases'), m.cases, (c) => c.id, myCaseItem);
    show('my-cases-empty', m.cases.length === 0);
    reconcile($('my-agreements'), m.agreements || [], (a) => `${a.case}/${a.agreement}`, myAgreementItem);
    show('my-agreements-empty', !(m.agreements || []).length);
    await loadCalendarTokens();
  }

  // ---- calendar links (read-only tokens for the rota calendar) ------------
  async function loadCalendarTokens() {
    const tk = await api('GET', '/api/calendar/tokens');
    const list = clear($('cal-tokens'));
    for (const k of tk.tokens) {
      const revoke = el('button', { type: 'button', class: 'danger', 'data-action': 'revoke' }, t('cal.revoke'));
      revoke.addEventListener('click', async () => {
        revoke.disabled = true;
        try { await api('POST', '/api/calendar/tokens/revoke', { id: k.id }); notice(t('cal.revoked'), false); show('cal-once', false); await loadCalendarTokens(); }
        catch (e) { failed(e); revoke.disabled = false; }
      });
      list.append(el('li', { 'data-token': k.id }, el('span', { class: 'grow' }, t('cal.link', { id: k.id })), el('span', { class: 'muted' }, when(k.created_at)), revoke));
    }
    $('cal-new').disabled = tk.tokens.length >= tk.max;
  }

  $('cal-new').addEventListener('click', async () => {
    $('cal-new').disabled = true;
    try {
      const made = await api('POST', '/api/calendar/tokens', {});
      $('cal-url').value = made.url;
      show('cal-once', true);
      $('cal-url').select();
    } catch (e) { failed(e); }
    await loadCalendarTokens();
  });

  // ---- case detail --------------------------------------------------------
  $('case-back').addEventListener('click', () => { location.hash = ''; });

  // A timeline entry in words; plumbing (intermediate delivery reports) hidden.
  function timelineText(e) {
    const d = e.detail || {};
    const how = d.via ? t('tl.via_' + d.via) : '';
    switch (e.type) {
      case 'delivery_report':
        if (d.report === '1') return t('tl.delivered');
        if (d.report === '2' || d.report === '16') return t('tl.not_delivered');
        return null;
      case 'incident_accepted': return t('tl.incident_accepted', { kind: kindName(d.kind) });
      case 'casemanager_assigned': return t('tl.assigned', { who: d.who });
      case 'paged': return t('tl.paged', { who: d.who });
      case 'page_sent': return t('tl.page_sent');
      case 'acknowledged': return t('tl.acknowledged', { who: d.who, how });
      case 'declined': return t('tl.declined', { who: d.who, how });
      case 'reassigned': return t('tl.reassigned', { from: d.from, to: d.to || d.who });
      case 'deadline_fired': return t(d.escalation ? 'tl.deadline_escalated' : 'tl.deadline_reminder', { clock: clockName(d.clock) }) + (d.to ? ' → ' + d.to : '');
      case 'casemanager_absent': return t('tl.absent', { who: d.who });
      case 'escalated':
        if (d.target) return t('tl.escalated_to', { who: d.who, why: t('tl.why_' + (d.why === 'declined' || d.why === 'undeliverable' ? d.why : 'unanswered')) });
        return t('tl.escalated', { who: d.who || d.to }) + (d.clock ? ': ' + clockName(d.clock) : '');
      case 'escalation': return t('tl.escalated', { who: d.who || d.to }) + (d.clock ? ': ' + clockName(d.clock) : '');
      case 'repaged': return t('tl.repaged', { who: d.who });
      case 'escalation_exhausted': return t('tl.exhausted');
      case 'case_joined': return t('tl.case_joined', { other: d.other, who: d.by });
      case 'case_merged': return t('tl.case_merged', { into: d.into, who: d.by });
      case 'case_split': return t('tl.case_split', { other: d.other, who: d.by });
      case 'capacity_alert': return t('tl.capacity', { who: d.who });
      case 'handover': {
        const parts = [d.organisation ? t('tl.handover', { org: d.organisation, role: d.role || '—' }) : eventName(e.type)];
        if (d.checkin_days) parts.push(t('tl.handover_checkin', { n: d.checkin_days }));
        if (d.override) parts.push(t('tl.handover_override'));
        return parts.join(', ') + (d.by ? ' — ' + d.by : '');
      }
      default: {
        if (state.cat['event.' + e.type] === undefined) return e.text;  // not in the catalogue: the server's words
        return eventName(e.type) + (d.by ? ' — ' + d.by : '');
      }
    }
  }

  function showRefused(err) {
    show('case-body', false);
    const key = err.status === 403 ? 'case.refused_forbidden' : err.status === 404 ? 'case.refused_missing' : 'case.refused_other';
    clear($('case-refused-text')).append(t(key, { id: state.caseId }), ' ', errorTail(err));
    show('case-refused', true);
  }
  const errorTail = (err) => (err.status === 403 || err.status === 404 ? '' : err.message);

  // A person of the case; their number a tap-to-call link ("Slachtoffer —
  // bellen") when the server gave one (tel: …). Only here, inside the case.
  function casePerson(p) {
    const role = named('person', p.role);
    const call = p.tel
      ? el('a', { class: 'call', href: p.tel, 'data-call': p.role || '' }, t('case.call', { role: role.charAt(0).toUpperCase() + role.slice(1) }))
      : null;
    return el('li', null, el('span', { class: 'badge' }, role), el('span', { class: 'grow' }, p.name || '—'),
      call, el('span', { class: 'muted' }, p.phone || ''), el('span', { class: 'muted' }, p.address || ''));
  }

  async function loadCase() {
    const id = state.caseId;
    let c;
    try { c = await api('GET', '/api/cases/' + encodeURIComponent(id)); }
    catch (e) { if (e.status === 401) throw e; showRefused(e); return; }
    show('case-refused', false);
    show('case-body', true);
    $('case-id').textContent = c.id;
    $('case-phase').textContent = phaseName(c.phase, c.phase_label);
    $('case-meta').textContent = t('case.meta', { region: c.region_name, who: c.casemanager_name || '—', at: when(c.opened_at) });
    const cl = clear($('case-clocks'));
    for (const k of c.clocks) cl.append(clockItem(k, true));
    if (!c.clocks.length) cl.append(el('li', { class: 'muted' }, t('board.clocks_empty')));
    renderCaseTracks(c);
    renderCaseAgreements(c);
    const pl = clear($('case-persons'));
    for (const p of c.persons) pl.append(casePerson(p));
    $('case-summary').textContent = c.summaries.join('\n\n');
    // A family's messages (issue 18): urgent ones marked, who picked each up.
    const fl = clear($('case-messages'));
    for (const m of c.family_messages || [])
      fl.append(el('li', { 'data-state': m.state },
        el('span', { class: 't' }, when(m.at)),
        m.urgent ? el('span', { class: 'badge' }, t('case.messages_urgent')) : null,
        el('span', { class: 'badge' }, named('person', m.from)),
        el('span', { class: 'grow' }, m.text || '—'),
        el('span', { class: 'muted' }, m.state === 'acknowledged'
          ? t('case.messages_picked_up', { who: m.acknowledged_by_name || m.acknowledged_by })
          : m.state === 'unanswered' ? t('case.messages_unanswered') : t('case.messages_open'))));
    if (!(c.family_messages || []).length) fl.append(el('li', { class: 'muted' }, t('case.messages_empty')));
    familyLink(c);
    const tl = clear($('case-timeline'));
    for (const e of c.timeline) {
      let text = timelineText(e);
      if (text === null) continue;
      if (e.case) text = `[${e.case}] ${text}`;
      const note = e.detail && e.detail.note;
      tl.append(el('li', { 'data-type': e.type }, el('span', { class: 't' }, when(e.at)), text,
        note ? el('p', { class: 'note', 'data-testid': 'note' }, note) : null));
    }
    // The family: earlier cases, cases joined into this one, or the one it was joined into.
    const fam = clear($('case-family'));
    if (c.merged_into) fam.append(el('li', { 'data-merged-into': c.merged_into }, t('case.merged_into'), ' ', caseLink(c.merged_into)));
    for (const p of c.previous_cases || []) fam.append(el('li', { 'data-previous': p }, t('case.previous'), ' ', caseLink(p)));
    for (const j of c.joined_cases || []) {
      const btn = el('button', { type: 'button', class: 'small', 'data-split': j }, t('case.split'));
      btn.addEventListener('click', () => family('split', j));
      fam.append(el('li', { 'data-joined': j }, t('case.joined'), ' ', caseLink(j), c.can_join ? btn : null));
    }
    show('case-family-card', fam.children.length > 0 || c.can_join);
    show('join-form', !!c.can_join);
    show('case-record-card', c.can_record && c.event_types.length > 0);
    if (c.note_max) $('ev-note').maxLength = c.note_max;
    $('ev-note').dispatchEvent(new Event('input'));
    fillSelect($('ev-type'), c.event_types.map((x) => [x.type, eventName(x.type, x.label)]), true);
    handoverBounds(c.handover);
    syncHandover();
    // Which incident a first contact or plan answers; empty: the open one due first.
    fillSelect($('ev-incident'), [['', t('case.ev_incident_default')]].concat(
      (c.incidents || []).map((i) => [i.id, `${kindName(i.kind, i.kind_label)} ${when(i.at)}`])), true);
  }

  // A handover names who takes over and confirms safety and a help plan
  // (docs/deadlines.md "Handover"); its fields show only for a handover.
  const HANDOVER_FIELDS = { receiving_organisation: 'ev-ho-org', receiving_role: 'ev-ho-role', safety_reached: 'ev-ho-safety', help_plan_exists: 'ev-ho-plan', checkin_days: 'ev-ho-checkin' };
  const EVENT_FIELDS = Object.assign({ type: 'ev-type', incident: 'ev-incident', at_local: 'ev-at', at: 'ev-at', note: 'ev-note', reason: 'ev-note' }, HANDOVER_FIELDS);
  // The bounds of the fields that name a bound in their refusal.
  const handoverLimits = { receiving_organisation: { max: 100 }, receiving_role: { max: 60 }, checkin_days: { min: 1, max: 60 } };
  function handoverBounds(h) {
    if (!h) return;
    $('ev-ho-org').maxLength = handoverLimits.receiving_organisation.max = h.organisation_max;
    $('ev-ho-role').maxLength = handoverLimits.receiving_role.max = h.role_max;
    $('ev-ho-checkin').min = handoverLimits.checkin_days.min = h.checkin_min_days;
    $('ev-ho-checkin').max = handoverLimits.checkin_days.max = h.checkin_max_days;
    $('ev-ho-checkin-hint').textContent = t('case.ho_checkin_hint', handoverLimits.checkin_days);
  }
  function syncHandover() {
    const on = $('ev-type').value === 'handover';
    show('ev-handover', on);
    $('ev-ho-org').required = on;
    $('ev-ho-role').required = on;
  }
  $('ev-type').addEventListener('change', syncHandover);
  function handoverBody(body) {
    body.receiving_organisation = $('ev-ho-org').value.trim();
    body.receiving_role = $('ev-ho-role').value.trim();
    body.safety_reached = $('ev-ho-safety').checked;
    body.help_plan_exists = $('ev-ho-plan').checked;
    const days = $('ev-ho-checkin').value.trim();
    if (days) body.checkin_days = Number(days);
  }
  // The server's refusal of one field: said in words that name it, marked on
  // the field (until the next try) and the focus moved there.
  function eventRefused(e) {
    const id = EVENT_FIELDS[e.field];
    const limits = e.code !== 'handover_conditions' && handoverLimits[e.field];
    result('ev-result', false, limits ? t('case.ho_err_' + e.field, limits) : e.message);
    if (id && !$(id).closest('.hidden')) { $(id).setAttribute('aria-invalid', 'true'); $(id).focus(); }
  }

  // The note's bound, shown as it is typed ("120 van 2000 tekens").
  $('ev-note').addEventListener('input', () => {
    const n = $('ev-note');
    $('ev-note-count').textContent = t('case.note_count', { n: [...n.value].length, max: n.maxLength > 0 ? n.maxLength : 2000 });
  });

  // The family's contact link (issue 18): which one is live (never its
  // secret); a new one is shown once to copy; revoking makes it stop working.
  function familyLink(c) {
    show('family-link', !!c.can_link);
    if (state.linkShownFor !== c.id) { show('family-link-once', false); $('family-link-url').value = ''; }
    const l = c.family_link;
    $('family-link-state').textContent = l ? t('case.link_live', { at: when(l.created_at), who: l.by_name || l.by }) : t('case.link_none');
    $('family-link-new').textContent = t(l ? 'case.link_renew' : 'case.link_new');
    show('family-link-revoke', !!l);
  }
  $('family-link-new').addEventListener('click', async () => {
    $('family-link-new').disabled = true;
    try {
      const made = await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/family-link`, {});
      $('family-link-url').value = location.origin + made.path;
      state.linkShownFor = state.caseId;
      show('family-link-once', true);
      $('family-link-url').select();
      result('family-link-result', true, t('case.link_made'));
      refresh();
    } catch (e) { result('family-link-result', false, e.message); }
    $('family-link-new').disabled = false;
  });
  $('family-link-copy').addEventListener('click', async () => {
    $('family-link-url').select();
    try { await navigator.clipboard.writeText($('family-link-url').value); result('family-link-result', true, t('case.link_copied')); }
    catch (e) { /* no clipboard here: the link stays selected to copy by hand */ }
  });
  $('family-link-revoke').addEventListener('click', async () => {
    $('family-link-revoke').disabled = true;
    try {
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/family-link/revoke`, {});
      show('family-link-once', false);
      $('family-link-url').value = '';
      result('family-link-result', true, t('case.link_revoked'));
      refresh();
    } catch (e) { result('family-link-result', false, e.message); }
    $('family-link-revoke').disabled = false;
  });

  async function family(op, other) {
    const reason = op === 'join' ? $('join-reason').value : window.prompt(t('case.split_why'));
    if (!reason) return;
    try {
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/${op}`, { other_case_id: other, reason });
      result('join-result', true, t(op === 'join' ? 'case.join_done' : 'case.split_done', { id: other }));
      refresh();
    } catch (e) { result('join-result', false, e.message); }
  }
  $('join-form').addEventListener('submit', (ev) => { ev.preventDefault(); family('join', $('join-other').value.trim()); });

  $('event-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { type: $('ev-type').value, note: $('ev-note').value };
    if ($('ev-at').value.trim()) {
      body.at_local = fromLocalInput($('ev-at').value);
      if (!body.at_local) { result('ev-result', false, t('form.datetime_bad')); return; }
    }
    if ($('ev-incident').value && ['first_contact', 'plan_of_action'].includes(body.type)) body.incident = $('ev-incident').value;
    if (body.type === 'handover') handoverBody(body);
    for (const f of $('event-form').querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
    $('ev-submit').disabled = true;
    try {
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/events`, body);
      result('ev-result', true, t('case.recorded'));
      $('ev-note').value = ''; $('ev-at').value = '';
      for (const id of Object.values(HANDOVER_FIELDS)) { if ($(id).type === 'checkbox') $(id).checked = false; else $(id).value = ''; }
      $('ev-note').dispatchEvent(new Event('input'));
      refresh();
    } catch (e) { eventRefused(e); }
    finally { $('ev-submit').disabled = false; }
  });

  // ---- tracks (issue 16) --------------------------------------------------
  // Each track of the case with its state in words (and colour): seen (first
  // contact, intake: who and when), not applicable and why, or not yet seen
  // with the time left on its clock, or too late.
  const trackName = (c) => named('track', c);
  function trackMark(key, m) {
    return m ? el('div', { class: 'small', 'data-mark': key }, t('tr.' + key, { at: when(m.at), who: m.by_name || m.by })) : null;
  }
  function trackState(tr) {
    if (tr.state === 'not_applicable')
      return el('span', { class: 'badge', 'data-badge': 'not_applicable' }, t('tr.state_not_applicable', { reason: named('tr_reason', tr.reason) }));
    if (tr.state === 'seen') return el('span', { class: 'badge green', 'data-badge': 'seen' }, t('tr.state_seen'));
    if (tr.clock_state === 'overdue') return el('span', { class: 'badge red', 'data-badge': 'overdue' }, t('tr.state_late'));
    return el('span', { class: 'badge amber', 'data-badge': 'not_seen' }, t('tr.state_not_seen'));
  }
  function caseTrackItem(tr) {
    return el('li', { 'data-track': tr.track, 'data-state': tr.clock_state === 'overdue' ? 'overdue' : tr.state },
      el('span', { class: 'badge' }, trackName(tr.track)),
      el('span', { class: 'grow' }, trackState(tr)),
      tr.state === 'not_seen' && tr.due_at ? el('span', { class: 'small' }, t('tr.clock', { t: when(tr.due_at) }), ' ',
        el('span', { class: 'badge', 'data-due': String(tr.due_at) }, left(tr.due_at))) : null,
      trackMark('first_contact', tr.first_contact), trackMark('intake', tr.intake),
      trackMark('not_applicable', tr.not_applicable));
  }
  function renderCaseTracks(c) {
    const list = c.tracks || [];
    reconcile($('case-tracks'), list, (tr) => tr.track, caseTrackItem);
    show('case-tracks-empty', list.length === 0);
    const form = c.track_form;
    show('track-form', !!form);
    if (!form) return;
    // The case's own tracks first, then the rest (a track can be added by recording on it).
    const own = list.map((x) => x.track);
    const order = own.concat(form.tracks.filter((x) => !own.includes(x)));
    fillSelect($('tr-track'), order.map((x) => [x, trackName(x)]), true);
    fillSelect($('tr-type'), form.types.map((x) => [x, named('tr_type', x)]), true);
    fillSelect($('tr-reason'), form.reasons.map((x) => [x, named('tr_reason', x)]), true);
    syncTrackReason();
  }
  function syncTrackReason() {
    const na = $('tr-type').value === 'not_applicable';
    show('tr-reason-label', na);
    $('tr-reason').required = na;
  }
  $('tr-type').addEventListener('change', syncTrackReason);
  const TRACK_FIELDS = { track: 'tr-track', type: 'tr-type', reason: 'tr-reason', at_local: 'tr-at' };
  // A refusal of one field: said in words beside the form, marked on the field, the focus there.
  function fieldRefused(resultId, fields, e) {
    result(resultId, false, e.message);
    const id = fields[e.field];
    if (id && !$(id).closest('.hidden')) { $(id).setAttribute('aria-invalid', 'true'); $(id).focus(); }
  }
  $('track-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const f of $('track-form').querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
    const body = { track: $('tr-track').value, type: $('tr-type').value };
    if (body.type === 'not_applicable') body.reason = $('tr-reason').value;
    const typed = $('tr-at').value.trim();
    if (typed) {
      body.at_local = fromLocalInput(typed);
      if (!body.at_local) { fieldRefused('tr-result', TRACK_FIELDS, { message: t('form.datetime_bad'), field: 'at_local' }); return; }
    }
    $('tr-submit').disabled = true;
    try {
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/tracks`, body);
      result('tr-result', true, t('tr.recorded', { track: trackName(body.track) }));
      $('tr-at').value = '';
      refresh();
    } catch (e) { fieldRefused('tr-result', TRACK_FIELDS, e); }
    finally { $('tr-submit').disabled = false; }
  });

  // ---- agreements (issue 16) ----------------------------------------------
  // Who an agreement is with: the chain partner's name, else the family or
  // the casemanager; its category and track in words.
  const agreementWho = (a) => a.partner_name || named('ag_who', a.who);
  const categoryName = (c) => named('ag_category', c);
  // Overdue and settled said in words, not by colour alone.
  function agreementBadge(a) {
    if (a.overdue) return el('span', { class: 'badge red', 'data-badge': 'overdue' }, t('ag.overdue'));
    if (a.state !== 'open') return el('span', { class: 'badge' + (a.state === 'done' ? ' green' : ''), 'data-badge': a.state }, t('ag.state_' + a.state));
    return null;
  }
  function agreementDue(a) {
    return el('div', { class: 'small muted' }, t('ag.due', { t: when(a.due_at) }), ' ',
      a.state === 'open' ? el('span', { class: 'badge', 'data-due': String(a.due_at) }, left(a.due_at)) : null);
  }
  // The casemanager's list: open agreements of their cases, overdue first (the server's order).
  function myAgreementItem(a) {
    return el('li', { 'data-case': a.case, 'data-agreement': a.agreement, 'data-overdue': String(a.overdue) },
      el('div', { class: 'row' }, caseLink(a.case), el('span', { class: 'badge' }, categoryName(a.category)),
        el('span', { class: 'grow' }, `${agreementWho(a)} · ${trackName(a.track)}`), agreementBadge(a)),
      el('p', { class: 'note' }, a.text),
      agreementDue(a));
  }
  // Open first (the most overdue on top), then settled ones, newest first.
  function agreementOrder(x, y) {
    const ox = x.state === 'open' ? 0 : 1, oy = y.state === 'open' ? 0 : 1;
    if (ox !== oy) return ox - oy;
    return ox === 0 ? x.due_at - y.due_at : (y.changed_at || 0) - (x.changed_at || 0);
  }
  function caseAgreementItem(a, canRecord) {
    const li = el('li', { 'data-agreement': a.agreement, 'data-state': a.overdue ? 'overdue' : a.state },
      el('span', { class: 'badge' }, categoryName(a.category)),
      el('span', { class: 'grow' }, `${agreementWho(a)} · ${trackName(a.track)}`),
      agreementBadge(a),
      el('p', { class: 'note' }, a.text),
      agreementDue(a));
    // A referral done: when the partner's help started (default now), for its waiting time.
    let started = null;
    if (canRecord && a.state === 'open' && a.category === 'referral') {
      const id = 'ag-started-' + a.agreement;
      started = el('input', { id, type: 'text', inputmode: 'numeric', autocomplete: 'off', 'data-field': 'started_local',
        pattern: '\\d{1,2}-\\d{1,2}-\\d{4} \\d{1,2}:\\d{2}', 'aria-describedby': id + '-result' });
      started.value = toLocalInput(now());
      li.append(el('label', { class: 'small' }, el('span', null, t('ag.started')), ' ',
        el('span', { class: 'muted small' }, t('form.datetime_hint')), ' ', started),
        el('p', { id: id + '-result', class: 'result', role: 'status' }));
    }
    if (canRecord && a.state === 'open')
      for (const st of ['done', 'missed', 'cancelled']) {
        const b = el('button', { type: 'button', class: (st === 'done' ? '' : 'secondary ') + 'small', 'data-action': st,
          'aria-label': t('ag.settle_label', { what: t('ag.settle_' + st), id: a.agreement }) }, t('ag.settle_' + st));
        b.addEventListener('click', () => settleAgreement(a, st, b, st === 'done' ? started : null));
        li.append(b);
      }
    return li;
  }
  function renderCaseAgreements(c) {
    const list = (c.agreements || []).slice().sort(agreementOrder);
    const form = c.agreement_form;
    reconcile($('case-agreements'), list, (a) => a.agreement, (a) => caseAgreementItem(a, !!form));
    show('case-agreements-empty', list.length === 0);
    show('agreement-form', !!form);
    if (!form) return;
    fillSelect($('ag-who'), form.partners.map((p) => [p.id, `${p.name} (${named('partner_kind', p.kind)})`])
      .concat([['family', named('ag_who', 'family')], ['casemanager', named('ag_who', 'casemanager')]]), true);
    fillSelect($('ag-category'), form.categories.map((x) => [x, categoryName(x)]), true);
    fillSelect($('ag-track'), form.tracks.map((x) => [x, trackName(x)]), true);
    $('ag-text').maxLength = form.text_max;
    $('ag-text').dispatchEvent(new Event('input'));
    if (!$('ag-due').value) $('ag-due').value = toLocalInput(now() + 7 * 24 * HOUR);
  }
  const AGREEMENT_FIELDS = { who: 'ag-who', category: 'ag-category', text: 'ag-text', track: 'ag-track', due_local: 'ag-due' };
  // A refusal of one field: said in words, marked on the field and the focus moved there.
  const agreementRefused = (e) => fieldRefused('ag-result', AGREEMENT_FIELDS, e);
  $('ag-text').addEventListener('input', () => {
    const n = $('ag-text');
    $('ag-text-count').textContent = t('case.note_count', { n: [...n.value].length, max: n.maxLength > 0 ? n.maxLength : 280 });
  });
  // One key per agreement being made: a second press after a lost answer
  // sends the same key, and the server answers with the agreement it made
  // instead of making a second one. A change in the form is a new agreement.
  let agreementKey = null;
  for (const type of ['input', 'change']) $('agreement-form').addEventListener(type, () => { agreementKey = null; });
  $('agreement-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const f of $('agreement-form').querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
    const due = fromLocalInput($('ag-due').value);
    if (!due) { agreementRefused({ message: t('form.datetime_bad'), field: 'due_local' }); return; }
    const body = { who: $('ag-who').value, category: $('ag-category').value, text: $('ag-text').value.trim(), track: $('ag-track').value, due_local: due };
    $('ag-submit').disabled = true;
    try {
      agreementKey = agreementKey || Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/agreements`, body, { 'Idempotency-Key': agreementKey });
      agreementKey = null;
      result('ag-result', true, t('ag.recorded'));
      $('ag-text').value = ''; $('ag-due').value = '';
      refresh();
    } catch (e) { agreementRefused(e); }
    finally { $('ag-submit').disabled = false; }
  });
  // `started`: a referral's "hulp gestart op" field; its refusal is shown beside it.
  async function settleAgreement(a, st, btn, started) {
    const body = { agreement: a.agreement, state: st };
    const fields = started ? { started_local: started.id } : {};
    if (started) {
      started.removeAttribute('aria-invalid');
      body.started_local = fromLocalInput(started.value);
      if (!body.started_local) { fieldRefused(started.id + '-result', fields, { message: t('form.datetime_bad'), field: 'started_local' }); return; }
    }
    btn.disabled = true;
    try {
      await api('POST', `/api/cases/${encodeURIComponent(state.caseId)}/agreements/state`, body);
      result('ag-result', true, t('ag.settled', { what: t('ag.state_' + st) }));
      refresh();
    } catch (e) {
      if (started && e.field === 'started_local') fieldRefused(started.id + '-result', fields, e);
      else failed(e);
      btn.disabled = false;
    }
  }

  // The board: where the chain stalls, per chain partner (most overdue
  // first, the server's order), and the overdue agreements — never their text.
  function waitText(ms) {
    if (ms === null || ms === undefined) return '—';
    const d = new Intl.NumberFormat(LOCALES[state.lang], { maximumFractionDigits: 1 }).format(ms / (24 * HOUR));
    return t('ag.wait_days', { d });
  }
  function chainRow(p) {
    const col = (key) => ({ 'data-col': t(key) });
    const num = (key, extra) => Object.assign({ class: 'num' }, col(key), extra || {});
    return el('tr', { class: p.overdue ? 'overdue' : '', 'data-partner': p.id },
      el('td', col('board.chain_col_partner'), p.name, el('span', { class: 'muted small' }, ' · ' + named('partner_kind', p.kind))),
      el('td', num('board.chain_col_overdue', { class: 'num left', 'data-overdue': String(p.overdue) }), String(p.overdue), p.overdue ? ' ' : null, p.overdue ? stateWord('overdue') : null),
      el('td', num('board.chain_col_open'), String(p.open)),
      el('td', num('board.chain_col_median'), waitText(p.median_wait_ms)),
      el('td', num('board.chain_col_p90'), waitText(p.p90_wait_ms)),
      el('td', num('board.chain_col_started'), String(p.started)));
  }
  function renderChain(b) {
    const c = b.chain || { partners: [], overdue: [] };
    reconcile($('chain-rows'), c.partners, (p) => p.id, chainRow);
    show('chain-empty', c.partners.length === 0);
    reconcile($('chain-overdue'), c.overdue, (a) => `${a.case}/${a.agreement}`, (a) =>
      el('li', { 'data-case': a.case, 'data-agreement': a.agreement, 'data-partner': a.who },
        caseLink(a.case),
        el('span', { class: 'grow' }, `${a.partner_name} · ${categoryName(a.category)} · ${trackName(a.track)}`),
        el('span', { class: 'muted' }, when(a.due_at)),
        el('span', { class: 'badge red', 'data-due': String(a.due_at) }, left(a.due_at))));
    show('chain-overdue-empty', c.overdue.length === 0);
  }

  // ---- admin --------------------------------------------------------------
  async function loadAdmin() {
    const a = await api('GET', '/api/admin/overview');
    const dl = clear($('admin-deployment'));
    // The server's keys (and the clock's mode) in the reader's words.
    const key = (k) => k.replace(/ /g, '_');
    for (const [k, v] of a.deployment) dl.append(el('dt', null, named('admin.dep', key(k), k)), el('dd', null, k === 'clock' ? named('admin.clock', v, v) : v));
    const tb = clear($('admin-people'));
    // Under 600 px each row is a card: every cell says its column's name.
    const col = (key) => ({ 'data-col': t(key) });
    for (const p of a.people) tb.append(el('tr', null, el('td', col('admin.col_id'), p.id), el('td', col('admin.col_name'), p.name), el('td', col('admin.col_role'), roleName(p.role)), el('td', col('admin.col_regions'), p.regions.join(', ')), el('td', col('admin.col_login'), t(p.can_sign_in ? 'admin.yes' : 'admin.no'))));
    $('admin-audit').textContent = t('admin.entries', { n: a.audit.entries });
  }
  $('admin-verify').addEventListener('click', async () => {
    try {
      const v = await api('POST', '/api/admin/audit/verify', {});
      $('admin-audit').textContent = v.ok ? t('admin.intact', { n: v.entries }) : t('admin.broken', { n: v.first_broken, reason: v.reason });
    } catch (e) { failed(e); }
  });

  // ---- Web Push (docs/web-push.md) ----------------------------------------
  // The installed app: a service worker that shows a notification for a new
  // page even with the app closed. A person turns it on per device; the
  // subscription goes to the server, which sends only "there is a page".
  const pushSupported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  function keyBytes(b64url) {
    const s = atob(b64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64url.length % 4)) % 4));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  }
  async function pushRegistration() {
    return navigator.serviceWorker.register('/sw.js?lang=' + state.lang, { scope: '/' });
  }
  async function pushShow() {
    const b = $('push-toggle');
    const s = state.session;
    if (!s || s.role === 'admin' || !pushSupported()) { b.classList.add('hidden'); return; }
    let on = false;
    try {
      const reg = await pushRegistration();
      on = Notification.permission === 'granted' && !!(await reg.pushManager.getSubscription());
    } catch (e) { on = false; }
    b.dataset.i18n = on ? 'webpush.turn_off' : 'webpush.turn_on';
    b.textContent = t(b.dataset.i18n);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.classList.remove('hidden');
  }
  $('push-toggle').addEventListener('click', async () => {
    const b = $('push-toggle');
    b.disabled = true;
    try {
      const reg = await pushRegistration();
      const existing = await reg.pushManager.getSubscription();
      if (existing) {
        await api('POST', '/api/push/subscriptions/remove', { endpoint: existing.endpoint }).catch(() => null);
        await existing.unsubscribe();
        notice(t('webpush.off'), false);
      } else if ((await Notification.requestPermission()) !== 'granted') {
        notice(t('webpush.denied'), true);
      } else {
        const key = await api('GET', '/api/push/key');
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) });
        await api('POST', '/api/push/subscriptions', sub.toJSON());
        notice(t('webpush.on'), false);
      }
    } catch (e) { failed(e); }
    b.disabled = false;
    await pushShow();
  });

  // Countdowns move every second on a real clock.
  setInterval(() => {
    if (state.clockMode === 'simulated' || !state.session) return;
    $('clock').textContent = fmt.format(new Date(now()));
    tickDue();
  }, 1000);

  start();
})();
