// The bulk path of contact imports (an administrator's import: rows checked on a second
// thread, written in large transactions, audit rows built from what was written) held to
// what the row by row path promises: a file of a couple of thousand rows with duplicates
// inside it, numbers the numbering plan does not know, rows the API's rules refuse and
// empty rows is accounted for row by row exactly as its dry run (which takes the row by
// row path) says; the cards, their companies, audit rows and search rows are what the API
// would have written; the import is undone whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';
import { upload, settle, runImport, assertAccounted, report } from './import_lib.mjs';

let srv, admin, raw;
before(async () => {
  srv = await startServer();   // phone region RU
  raw = await adminClient(srv);
  admin = checked(raw);
});
after(async () => { await srv.stop(); });

const ROWS = 2000;
const q = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const pad = (i) => String(i).padStart(7, '0');
const phoneOf = (i) => `+7 916 ${pad(i).slice(0, 3)}-${pad(i).slice(3, 5)}-${pad(i).slice(5)}`;

// what row i of the file is meant to be
function kind(i) {
  if (i % 100 === 0) return 'dup_phone';     // the phone of an earlier row, typed the Russian way
  if (i % 150 === 0) return 'dup_email';     // the e-mail of an earlier row in capitals
  if (i % 90 === 0) return 'bad_email';
  if (i % 110 === 0) return 'bad_date';
  if (i % 130 === 0) return 'long_company';  // longer than a company name may be
  if (i % 170 === 0) return 'empty';
  if (i % 70 === 0) return 'odd_phone';      // no such numbering range: kept, flagged invalid
  return 'plain';
}
const plainBefore = (i) => { while (kind(i) !== 'plain') i--; return i; };

function makeFile() {
  const lines = ['Имя,Фамилия,Телефон,E-mail,Компания,День рождения,Заметки'];
  const expect = { dupLines: new Map(), rejectedLines: new Set(), emptyLines: new Set() };
  for (let i = 1; i <= ROWS; i++) {
    const line = i + 1;   // line 1 is the header
    let phone = phoneOf(i), email = `bulk${i}@example.ru`, company = '', birthday = '', notes = '';
    if (i % 3 === 0) company = `ООО «Фирма ${100 + (i % 40)}»`;   // names of one letter or digit do not count (company_name_match_key)
    if (i % 7 === 0) notes = `заметка ${i}, "в кавычках"`;
    const k = kind(i);
    if (k === 'dup_phone') {
      const j = plainBefore(i - 1);
      phone = `8 (916) ${pad(j).slice(0, 3)}-${pad(j).slice(3, 5)}-${pad(j).slice(5)}`;
      email = '';
      expect.dupLines.set(line, j + 1);
    } else if (k === 'dup_email') {
      const j = plainBefore(i - 149);
      phone = '';
      email = `BULK${j}@EXAMPLE.RU`;
      expect.dupLines.set(line, j + 1);
    } else if (k === 'bad_email') {
      email = 'not-an-email';
    } else if (k === 'bad_date') {
      birthday = '31.02.1990';
    } else if (k === 'long_company') {
      company = 'Ф'.repeat(301);
    } else if (k === 'odd_phone') {
      phone = `+7 000 ${pad(i).slice(0, 3)}-${pad(i).slice(3, 5)}-${pad(i).slice(5)}`;
    }
    if (['bad_email', 'bad_date', 'long_company'].includes(k)) expect.rejectedLines.add(line);
    if (k === 'empty') {
      lines.push(',,,,,,');
      expect.emptyLines.add(line);
      continue;
    }
    lines.push([`Имя${i}`, `Булкин${i}`, phone, email, company, birthday, notes].map(q).join(','));
  }
  expect.skipped = expect.dupLines.size + expect.emptyLines.size;
  expect.rejected = expect.rejectedLines.size;
  expect.created = ROWS - expect.skipped - expect.rejected;
  return { csv: lines.join('\r\n') + '\r\n', expect };
}

const { csv, expect: want } = makeFile();
let imp, firm0;

test('every row accounted for, exactly as the dry run (row by row path) counts and reports it', async () => {
  firm0 = (await admin.post('/api/v1/companies', { name: 'ООО «Фирма 100»' })).json;
  const dry = await runImport(admin, csv, { object: 'contacts', dry_run: true, file_name: 'bulk.csv' });
  assert.equal(dry.status, 'done', JSON.stringify(dry));
  imp = await runImport(admin, csv, { object: 'contacts', file_name: 'bulk.csv' });
  assert.equal(imp.status, 'done', JSON.stringify(imp));
  assertAccounted(imp);
  assert.deepEqual(imp.counts, { read: ROWS, created: want.created, updated: 0, skipped: want.skipped, rejected: want.rejected });
  assert.deepEqual(imp.counts, dry.counts, 'the bulk run does what its dry run said it would');

  const rows = await report(raw, imp.id);
  const dryRows = await report(raw, dry.id);
  assert.deepEqual(rows.map((r) => [r.line, r.status]), dryRows.map((r) => [r.line, r.status]));
  for (const r of rows) {
    if (want.dupLines.has(r.line)) {
      assert.equal(r.status, 'skipped');
      assert.match(r.reason, new RegExp(`^duplicate of line ${want.dupLines.get(r.line)} \\(contact \\d+, same (phone|email) `));
    } else if (want.emptyLines.has(r.line)) {
      assert.deepEqual([r.status, r.reason], ['skipped', 'empty row']);
    } else {
      assert.ok(want.rejectedLines.has(r.line), `line ${r.line} should not be in the report: ${r.reason}`);
      assert.equal(r.status, 'rejected');
      assert.equal(r.reason, dryRows.find((d) => d.line === r.line).reason, 'the same rules, the same words');
      assert.equal(r.cells.length, 7, 'the row as it was in the file');
    }
  }
  const reasons = rows.filter((r) => r.status === 'rejected').map((r) => r.reason).join('\n');
  assert.match(reasons, /column 'E-mail'/);
  assert.match(reasons, /column 'День рождения'/);
  assert.match(reasons, /^company: .*longer than 300/m);
  assert.equal((await admin.get('/api/v1/contacts?count=true&q=Булкин')).json.count, want.created);
});

test('the cards are what the API writes: phones normalised, invalid numbers kept, companies found or created once', async () => {
  const [c7] = (await admin.get(`/api/v1/contacts?last_name=${encodeURIComponent('Булкин21')}`)).json.data;
  assert.equal(c7.first_name, 'Имя21');
  assert.deepEqual(c7.phones, [{ value: phoneOf(21), label: null, e164: '+79160000021', valid: true }]);
  assert.deepEqual(c7.emails, [{ value: 'bulk21@example.ru', label: null }]);
  assert.equal(c7.notes, 'заметка 21, "в кавычках"');
  assert.equal(c7.companies[0].name, 'ООО «Фирма 121»');
  assert.equal(c7.owner_id, raw.user.id);

  const [odd] = (await admin.get(`/api/v1/contacts?last_name=${encodeURIComponent('Булкин140')}`)).json.data;
  assert.equal(odd.phones[0].value, '+7 000 000-01-40', 'a number the plan does not know is kept as typed');
  assert.equal(odd.phones[0].valid, false);

  const firms = (await admin.get(`/api/v1/companies?q=${encodeURIComponent('Фирма')}&limit=100`)).json.data;
  assert.equal(firms.length, 40, 'each company named in the file exists once');
  const [c120] = (await admin.get(`/api/v1/contacts?last_name=${encodeURIComponent('Булкин120')}`)).json.data;
  assert.deepEqual(c120.company_ids, [firm0.id], 'a company that was there already is linked, not made again');
});

test('one audit row per card, the same as an API create writes', async () => {
  const [c3] = (await admin.get(`/api/v1/contacts?last_name=${encodeURIComponent('Булкин3')}`)).json.data;
  const a = (await admin.get(`/api/v1/audit?object=contact&object_id=${c3.id}`)).json.data;
  assert.equal(a.length, 1);
  assert.equal(a[0].action, 'create');
  assert.equal(a[0].request_id, `import-${imp.id}`);
  const api = await admin.post('/api/v1/contacts', {
    first_name: 'Имя3', last_name: 'Булкин3', phones: [phoneOf(3)], emails: ['bulk3@example.ru'], company_ids: [c3.company_ids[0]],
  });
  assert.equal(api.status, 201, api.text);
  const b = (await admin.get(`/api/v1/audit?object=contact&object_id=${api.json.id}`)).json.data;
  assert.deepEqual(a[0].changes, b[0].changes, 'the changes of an imported card read as those of a card made by hand');
  assert.equal((await admin.del(`/api/v1/contacts/${api.json.id}`)).status, 204);
  const firm = (await admin.get(`/api/v1/audit?object=company&object_id=${c3.company_ids[0]}`)).json.data;
  assert.equal(firm[0].action, 'create');
  assert.equal(firm[0].request_id, `import-${imp.id}`);
  assert.deepEqual(firm[0].changes.name, [null, 'ООО «Фирма 103»']);
});

test('imported cards are found by text search, typeahead and caller ID', async () => {
  const byName = (await admin.get(`/api/v1/contacts?q=${encodeURIComponent('булкин1999')}`)).json.data;
  assert.deepEqual(byName.map((c) => c.last_name), ['Булкин1999']);
  const byMail = (await admin.get(`/api/v1/contacts?q=${encodeURIComponent('bulk1234@example')}`)).json.data;
  assert.deepEqual(byMail.map((c) => c.last_name), ['Булкин1234']);
  const byFirm = (await admin.get(`/api/v1/contacts?count=true&q=${encodeURIComponent('фирма 117')}`)).json;
  assert.ok(byFirm.count >= 16, 'a contact is found by the name of its company');
  const typeahead = (await admin.get(`/api/v1/search?q=${encodeURIComponent('Фирма 133')}`)).json.data;
  assert.ok(typeahead.some((x) => x.type === 'company'));
  const call = (await admin.get(`/api/v1/lookup/phone?number=${encodeURIComponent('8 916 000-15-55')}`)).json;
  assert.equal(call.data.length, 1);
  assert.equal(call.data[0].type, 'contact');
  const suffix = (await admin.get('/api/v1/lookup/phone?number=60001777')).json.data;
  assert.equal(suffix.length, 1, 'a number typed without its prefix is found by its end');
});

test('a manager\'s import takes the row by row path and gives the same counts', async () => {
  const m = await userClient(srv, raw);
  const small = csv.split('\r\n').slice(0, 301).join('\r\n').replaceAll('Булкин', 'Менеджеров').replace(/bulk/gi, 'mgr')
    .replaceAll('+7 916', '+7 917').replaceAll('8 (916)', '8 (917)').replaceAll('+7 000 000', '+7 000 001').replaceAll('Фирма', 'Контора');
  const dry = await runImport(admin, small, { object: 'contacts', dry_run: true });
  const mine = await runImport(m, small, { object: 'contacts' });
  assertAccounted(mine);
  assert.deepEqual(mine.counts, dry.counts);
  const owned = (await m.get(`/api/v1/contacts?count=true&q=${encodeURIComponent('Менеджеров')}`)).json.count;
  assert.equal(owned, mine.counts.created, 'the manager owns every card the import made');
});

test('the undo removes every card and company the bulk run created, and nothing else', async () => {
  const before = (await admin.get('/api/v1/companies?count=true')).json.count;
  const u = await admin.post(`/api/v1/imports/${imp.id}/undo`);
  assert.equal(u.status, 202, u.text);
  const done = await settle(admin, imp.id);
  assert.equal(done.status, 'undone', JSON.stringify(done));
  assert.equal(done.undo.deleted, want.created + 39, 'the contacts and the 39 companies it made');
  assert.equal(done.undo.conflicts + done.undo.gone, 0);
  assert.equal((await admin.get('/api/v1/contacts?count=true&q=Булкин')).json.count, 0);
  assert.equal((await admin.get('/api/v1/companies?count=true')).json.count, before - 39);
  assert.equal((await admin.get(`/api/v1/companies/${firm0.id}`)).status, 200, 'a company that was there before stays');
  assert.equal((await admin.get(`/api/v1/lookup/phone?number=${encodeURIComponent('+7 916 000-15-55')}`)).json.data.length, 0);
  const again = await upload(admin, csv, { object: 'contacts', file_name: 'bulk.csv', start: true, preview_rows: 0 });
  const redo = await settle(admin, again.json.id);
  assert.equal(redo.counts.created, want.created, 'after the undo the same file imports again');
});
