// A tiny reader for gettext PO catalogues (i18n/<lang>/piket-web.po), so the
// web app's texts live in the same format as the server's and a reviewer
// reads one kind of file. It reads what our catalogues use: comments,
// msgctxt, msgid, msgstr, strings over several lines and the C escapes.
// Fuzzy entries are skipped, as gettext does; an empty msgstr means "not
// translated". Written by hand (about 80 lines) because the npm readers pull
// in Node's Buffer and encoding modules, which a browser page does not have,
// and we ship no bundler. Works in the page (window.PiketPo) and in Node.
'use strict';

(function (root) {
  const ESC = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v' };

  function unquote(s, lineNo) {
    const m = /^"(.*)"$/.exec(s);
    if (!m) throw new Error(`po: line ${lineNo}: expected a quoted string`);
    return m[1].replace(/\\(.)/g, (whole, c) => {
      if (!(c in ESC)) throw new Error(`po: line ${lineNo}: unknown escape \\${c}`);
      return ESC[c];
    });
  }

  // Returns { headers: {Name: value}, messages: {key: text} }; the key is
  // msgid, or msgctxt + "\u0004" + msgid as in gettext.
  function parse(text) {
    const messages = {};
    let headers = {};
    let entry = null;
    let field = null;
    const finish = () => {
      if (!entry) return;
      if (entry.msgid === undefined || entry.msgstr === undefined) {
        if (entry.msgid !== undefined || entry.msgstr !== undefined) throw new Error(`po: entry at line ${entry.line} lacks msgid or msgstr`);
      } else if (entry.msgid === '') {
        headers = {};
        for (const line of entry.msgstr.split('\n')) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
        }
      } else if (!entry.fuzzy && entry.msgstr !== '') {
        const key = entry.msgctxt !== undefined ? entry.msgctxt + '\u0004' + entry.msgid : entry.msgid;
        if (key in messages) throw new Error(`po: line ${entry.line}: "${entry.msgid}" is defined twice`);
        messages[key] = entry.msgstr;
      }
      entry = null; field = null;
    };
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    lines.forEach((raw, i) => {
      const lineNo = i + 1;
      const line = raw.trim();
      if (line === '') { finish(); return; }
      if (line.startsWith('#')) {
        if (entry && field) finish();  // a comment starts the next entry
        if (!entry) entry = { line: lineNo };
        if (line.startsWith('#,') && /\bfuzzy\b/.test(line)) entry.fuzzy = true;
        return;
      }
      const m = /^(msgctxt|msgid|msgstr)\s+(".*")$/.exec(line);
      if (m) {
        if (m[1] === 'msgctxt' || (m[1] === 'msgid' && entry && entry.msgid !== undefined)) finish();
        if (!entry) entry = { line: lineNo };
        if (entry[m[1]] !== undefined) throw new Error(`po: line ${lineNo}: ${m[1]} given twice`);
        field = m[1];
        entry[field] = unquote(m[2], lineNo);
        return;
      }
      if (line.startsWith('"')) {
        if (!entry || !field) throw new Error(`po: line ${lineNo}: a string outside an entry`);
        entry[field] += unquote(line, lineNo);
        return;
      }
      throw new Error(`po: line ${lineNo}: cannot read "${line.slice(0, 40)}"`);
    });
    finish();
    return { headers, messages };
  }

  // "{n} cases" with {n: 3} -> "3 cases"; a missing value stays visible.
  function format(template, values) {
    return template.replace(/\{([a-z_]+)\}/g, (whole, k) => (values && values[k] !== undefined && values[k] !== null ? String(values[k]) : whole));
  }

  const api = { parse, format };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.PiketPo = api;
})(typeof window !== 'undefined' ? window : this);
