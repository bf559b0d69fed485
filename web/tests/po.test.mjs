// The web app's catalogue reader (web/src/po.js) and the catalogues
// themselves: both languages hold the same message ids, every id the app
// asks for exists, and each placeholder of a message is in its translation.
// Run by ctest (label unit) with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const po = require(path.join(root, 'web', 'src', 'po.js'));
const LANGS = ['nl', 'en'];
const read = (lang) => fs.readFileSync(path.join(root, 'i18n', lang, 'piket-web.po'), 'utf8');

test('reads ids, translations, strings over several lines and escapes', () => {
  const c = po.parse([
    '# a comment',
    'msgid ""',
    'msgstr ""',
    '"Language: nl\\n"',
    '"Content-Type: text/plain; charset=UTF-8\\n"',
    '',
    '#. for the translator',
    'msgid "a.b"',
    'msgstr "Huisverbod"',
    '',
    'msgid "multi"',
    'msgstr ""',
    '"eerste regel\\n"',
    '"tweede \\"regel\\" met \\\\ en \\t"',
    '',
    'msgctxt "knop"',
    'msgid "ok"',
    'msgstr "Bevestigen"',
  ].join('\n'));
  assert.equal(c.headers.Language, 'nl');
  assert.equal(c.messages['a.b'], 'Huisverbod');
  assert.equal(c.messages.multi, 'eerste regel\ntweede "regel" met \\ en \t');
  assert.equal(c.messages['knop\u0004ok'], 'Bevestigen');
  assert.equal(c.messages.ok, undefined);
});

test('skips fuzzy and untranslated entries, as gettext does', () => {
  const c = po.parse('#, fuzzy\nmsgid "x"\nmsgstr "vaag"\n\nmsgid "y"\nmsgstr ""\n\nmsgid "z"\nmsgstr "ja"\n');
  assert.deepEqual(c.messages, { z: 'ja' });
});

test('takes Windows line ends and a byte order mark', () => {
  const c = po.parse('\uFEFFmsgid "k"\r\nmsgstr "één"\r\n');
  assert.equal(c.messages.k, 'één');
});

test('refuses what it cannot read, naming the line', () => {
  assert.throws(() => po.parse('msgid "a"\nmsgstr "b"\nmsgid "a"\nmsgstr "c"\n'), /defined twice/);
  assert.throws(() => po.parse('msgid "a"\nmsgstr "b\n'), /line 2/);
  assert.throws(() => po.parse('msgid "a"\nmsgstr "\\q"\n'), /unknown escape/);
  assert.throws(() => po.parse('msgid "a"\n\nmsgid "b"\nmsgstr "c"\n'), /lacks msgid or msgstr/);
  assert.throws(() => po.parse('"loose"\n'), /outside an entry/);
  assert.throws(() => po.parse('msgid_plural "a"\n'), /cannot read/);
});

test('fills placeholders and leaves unknown ones visible', () => {
  assert.equal(po.format('{n} van {max} tekens', { n: 3, max: 2000 }), '3 van 2000 tekens');
  assert.equal(po.format('Zaak {id}', {}), 'Zaak {id}');
  assert.equal(po.format('{n}', { n: 0 }), '0');
});

const cats = Object.fromEntries(LANGS.map((l) => [l, po.parse(read(l))]));

test('each catalogue says its language', () => {
  for (const l of LANGS) assert.equal(cats[l].headers.Language, l);
});

test('both languages hold the same message ids', () => {
  const [a, b] = LANGS.map((l) => new Set(Object.keys(cats[l].messages)));
  const onlyIn = (x, y) => [...x].filter((k) => !y.has(k));
  assert.deepEqual(onlyIn(a, b), [], 'in nl, missing in en');
  assert.deepEqual(onlyIn(b, a), [], 'in en, missing in nl');
});

test('a translation has the same placeholders as the Dutch message', () => {
  const holes = (s) => (s.match(/\{[a-z_]+\}/g) || []).sort().join(',');
  for (const [k, nl] of Object.entries(cats.nl.messages))
    assert.equal(holes(cats.en.messages[k] || ''), holes(nl), k);
});

test('every message id the app asks for exists in both languages', () => {
  const html = fs.readFileSync(path.join(root, 'web', 'src', 'index.html'), 'utf8');
  const js = fs.readFileSync(path.join(root, 'web', 'src', 'app.js'), 'utf8');
  const ids = new Set();
  for (const m of html.matchAll(/data-i18n(?:-title|-aria-label)?="([a-z_.]+)"/g)) ids.add(m[1]);
  for (const m of js.matchAll(/\bt\('([a-z_]+\.[a-z_]*[a-z])'/g)) ids.add(m[1]);
  for (const m of js.matchAll(/'([a-z]+\.[a-z_]*[a-z])'/g)) if (/^(top|board|case|app|tl|error)\./.test(m[1])) ids.add(m[1]);
  // Ids the app builds from a code: the codes it must know.
  const built = {
    title: ['login', 'board', 'app', 'case', 'admin'],
    state: ['overdue', 'warning'],
    'tl.via': ['sms', 'web', 'api'],
    'tl.why': ['declined', 'undeliverable', 'unanswered'],
    kind: ['home_ban', 'home_ban_extended', 'home_ban_lifted', 'code_red', 'ban_violation', 'repeat_incident'],
    clock: ['first_contact', 'plan', 'ban_decision', 'ban_end', 'handover', 'checkin', 'evaluation', 'closing', 'reassignment', 'agreement', 'track'],
    event: ['first_contact', 'intake', 'plan_of_action', 'help_started', 'handover', 'monitoring_contact', 'evaluation', 'closing'],
    role: ['casemanager', 'team_lead', 'admin'],
    layer: ['primary', 'backup', 'team_lead'],
    rule: ['own_casemanager', 'on_call', 'backup', 'team_lead', 'previous_casemanager'],
    'case.ho_err': ['receiving_organisation', 'receiving_role', 'checkin_days'],
    // Agreements (issue 16): the configured categories' defaults, tracks, partner kinds, states.
    ag_who: ['family', 'casemanager'],
    ag_category: ['referral', 'appointment', 'intake', 'treatment', 'safety_plan', 'other'],
    track: ['perpetrator', 'victim', 'children', 'other'],
    partner_kind: ['addiction_care', 'youth_care', 'mental_health', 'social_work', 'probation', 'police', 'other'],
    'ag.state': ['open', 'done', 'missed', 'cancelled'],
    'ag.settle': ['done', 'missed', 'cancelled'],
    // Tracks: what is recorded on one, and why one does not apply.
    tr: ['first_contact', 'intake', 'not_applicable'],
    tr_type: ['first_contact', 'intake', 'not_applicable'],
    tr_reason: ['no_children', 'refuses', 'unreachable'],
  };
  for (const [prefix, codes] of Object.entries(built))
    for (const c of codes) ids.add(prefix.includes('.') ? `${prefix}_${c}` : `${prefix}.${c}`);
  assert.ok(ids.size > 100, 'found the ids in the source (' + ids.size + ')');
  for (const l of LANGS) {
    const missing = [...ids].filter((k) => !(k in cats[l].messages));
    assert.deepEqual(missing, [], `missing in ${l}`);
  }
});

test('the API error codes the server answers with have words', () => {
  // The codes a person meets in the web app (web API and case service).
  const codes = ['wrong_credentials', 'forbidden', 'not_found', 'too_long', 'case_closed', 'phase_skipped',
    'reason_required', 'closing_too_early', 'evaluation_missing', 'in_the_future', 'invalid_time',
    'unknown_casemanager', 'same_casemanager', 'already_acknowledged', 'taken_by_other', 'storage_unavailable',
    'handover_conditions', 'unknown_partner', 'unknown_category', 'unknown_track', 'in_the_past',
    'referral_needs_partner', 'agreement_settled', 'unknown_agreement', 'too_many_agreements', 'unknown_state',
    // Tracks (the case service's track.cpp) and a referral's start (agreement.cpp).
    'unknown_type', 'required', 'unknown_reason', 'not_the_children_track', 'not_not_applicable',
    'already_recorded', 'before_case_opened', 'before_request', 'not_a_referral', 'not_started',
    'unknown_field', 'wrong_type',
    // A new agreement sent again (its Idempotency-Key).
    'idempotency_conflict', 'invalid_idempotency_key'];
  for (const l of LANGS)
    for (const c of codes) assert.ok(cats[l].messages['error.' + c], `error.${c} in ${l}`);
});

// "Mijn oproepen" says why a deadline page came by its clock in words, never
// the raw rule "deadline:<clock>:<step>": every clock of the deadline engine
// (services/cases engine.hpp, ClockKind; the home ban's as its decision and
// its end) has a word in both languages.
test('every deadline clock has a word for its pages', () => {
  const engine = fs.readFileSync(path.join(root, 'services', 'cases', 'include', 'piket', 'cases', 'engine.hpp'), 'utf8');
  const body = /enum class ClockKind \{([^}]*)\}/.exec(engine);
  assert.ok(body, 'ClockKind found in engine.hpp');
  const kinds = [...body[1].replace(/\/\/[^\n]*/g, '').matchAll(/([a-z_]+)\s*,?/g)].map((m) => m[1]);
  assert.ok(kinds.length >= 10 && kinds.includes('agreement') && kinds.includes('track'), kinds.join(' '));
  const clocks = kinds.flatMap((k) => (k === 'home_ban' ? ['ban_decision', 'ban_end'] : [k]));
  for (const l of LANGS)
    for (const c of clocks) {
      const word = cats[l].messages['page_clock.' + c];
      assert.ok(word && !word.includes(':') && !word.includes('_'), `page_clock.${c} in ${l}: ${word}`);
    }
  assert.equal(cats.nl.messages['page_clock.agreement'], 'Afspraak verlopen');
  assert.equal(cats.nl.messages['page_clock.track'], 'Spoor niet gezien');
});
