// Exports through /api/v1/exports: CSV that a spreadsheet cannot be tricked into running
// (= + - @ TAB CR escaped) and that imports back unchanged, XLSX whose cells are never
// formulas, vCard 4.0 of people and companies; only with the role's export scope, only the
// rows that scope allows, and every export in the audit trail with its filter and count.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { startServer, adminClient, userClient, Client } from './lib.mjs';
import { checked } from './openapi.mjs';
import { fixture, runImport, parseCsv } from './import_lib.mjs';

let srv, admin, raw;
before(async () => {
  srv = await startServer();
  raw = await adminClient(srv);
  admin = checked(raw);
  const imp = await runImport(admin, fixture('formulas.csv'), { object: 'contacts' });
  assert.equal(imp.counts.created, 3, JSON.stringify(imp));
  for (const [name, phone, email] of [['Kowalska', '+48 601 234 567', 'anna@example.pl'], ['Dvořák', '+420 603 123 456', 'jiri@example.cz']]) {
    const r = await admin.post('/api/v1/contacts', { first_name: 'X', last_name: name, phones: [{ value: phone, label: 'mobile' }], emails: [email], tags: ['vip'] });
    assert.equal(r.status, 201, r.text);
  }
  const co = await admin.post('/api/v1/companies', { name: 'ACME, "Ltd"', tax_id: '7707083893', website: 'https://acme.example' });
  assert.equal(co.status, 201, co.text);
});
after(async () => { await srv.stop(); });

// POST /exports?download=true: the file itself
async function download(client, body) {
  const r = await client.req('POST', '/api/v1/exports?download=true', body);
  return r;
}

test('CSV: formulas are escaped, plain numbers are not, and the file imports back unchanged', async () => {
  const [lead] = (await admin.get('/api/v1/contacts?last_name=Lead')).json.data;
  const p = await admin.patch(`/api/v1/contacts/${lead.id}`, { notes: '\t=1+2', source: '\r@x' });
  assert.equal(p.status, 200, p.text);
  const r = await download(raw, { object: 'contacts', format: 'csv', filter: 'last_name in (Formula, Plus, Lead)' });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="contacts-\d+\.csv"$/);
  const bytes = Buffer.from(await (await fetch(`${srv.url}/api/v1/exports/${r.headers.get('content-disposition').match(/-(\d+)\./)[1]}/file`,
    { headers: { cookie: raw.cookie } })).arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark, so Excel reads UTF-8');
  const rows = parseCsv(r.text);
  const head = rows[0];
  const col = (row, name) => row[head.indexOf(name)];
  const byLast = Object.fromEntries(rows.slice(1).map((row) => [col(row, 'last_name'), row]));
  assert.equal(col(byLast.Formula, 'first_name'), "'=1+1");
  assert.equal(col(byLast.Formula, 'position'), "'=SUM(A1:A3)");
  assert.equal(col(byLast.Plus, 'first_name'), "'+cmd|' /C calc'!A0");
  assert.equal(col(byLast.Plus, 'notes'), "'@SUM(1)");
  assert.equal(col(byLast.Plus, 'position'), "'-2+3");
  assert.equal(col(byLast.Lead, 'notes'), "'\t=1+2");
  assert.equal(col(byLast.Lead, 'source'), "'\r@x");
  assert.match(col(byLast.Formula, 'id'), /^\d+$/);
  for (const row of rows.slice(1))
    for (const cell of row) assert.ok(!/^[=+\-@\t\r]/.test(cell) || /^-?\d+(\.\d+)?$/.test(cell), `unescaped cell ${JSON.stringify(cell)}`);

  // the importer strips the apostrophe again: a round trip keeps the text
  const back = await runImport(admin, r.text, { object: 'contacts', on_duplicate: 'create', mapping: { id: null, owner_id: null } });
  assert.equal(back.counts.created, 3, JSON.stringify(back));
  const copies = (await admin.get('/api/v1/contacts?filter=' + encodeURIComponent('last_name eq Formula'))).json.data;
  assert.equal(copies.length, 2);
  assert.deepEqual(copies.map((c) => c.first_name), ['=1+1', '=1+1']);
  assert.deepEqual(copies.map((c) => c.position), ['=SUM(A1:A3)', '=SUM(A1:A3)']);
  const leads = (await admin.get('/api/v1/contacts?last_name=Lead')).json.data;
  assert.deepEqual(leads.map((c) => c.notes), ['\t=1+2', '\t=1+2']);
});

// the entries of a zip file (XLSX) by name, inflated
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'a zip file');
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = {};
  for (let i = 0; i < n; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10), csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + csize);
    out[name] = (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

test('XLSX: every cell a string or a number, never a formula; the workbook imports back', async () => {
  const r = await fetch(`${srv.url}/api/v1/exports?download=true`, {
    method: 'POST', headers: { cookie: raw.cookie, 'x-csrf-token': raw.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ object: 'contacts', format: 'xlsx' }),
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const buf = Buffer.from(await r.arrayBuffer());
  const files = unzip(buf);
  const sheet = files['xl/worksheets/sheet1.xml'];
  assert.ok(sheet, Object.keys(files).join());
  assert.ok(!/<f[ >]/.test(sheet), 'no formula elements');
  assert.ok(sheet.includes('=1+1'), 'the text is kept as written');
  assert.match(files['xl/workbook.xml'], /<sheet name="contacts"/);

  const back = await runImport(admin, buf, { object: 'contacts', dry_run: true, file_name: 'back.xlsx' });
  assert.equal(back.format, 'xlsx');
  assert.equal(back.counts.read, (await admin.get('/api/v1/contacts?count=true')).json.count);
  assert.equal(back.counts.rejected, 0);
});

test('vCard 4.0 of contacts and companies; deals have no card', async () => {
  const r = await download(raw, { object: 'contacts', format: 'vcard', filter: 'last_name eq Kowalska' });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/vcard/);
  const lines = r.text.split('\r\n');
  assert.equal(lines[0], 'BEGIN:VCARD');
  assert.ok(lines.includes('VERSION:4.0'));
  assert.ok(lines.includes('N:Kowalska;X;;;'));
  assert.ok(lines.includes('TEL;TYPE=cell;PREF=1:+48 601 234 567'));
  assert.ok(lines.includes('EMAIL;PREF=1:anna@example.pl'));
  assert.ok(lines.includes('CATEGORIES:vip'));
  assert.ok(lines.every((l) => Buffer.byteLength(l) <= 75), 'lines folded at 75 octets');
  const back = await runImport(admin, r.text, { object: 'contacts', dry_run: true, match: 'email' });
  assert.deepEqual(back.counts, { read: 1, created: 0, updated: 0, skipped: 1, rejected: 0 }, 'the card is recognised as the same person');

  const c = await download(raw, { object: 'companies', format: 'vcard' });
  assert.ok(c.text.includes('KIND:org'));
  assert.ok(c.text.includes('FN:ACME\\, "Ltd"'), 'commas escaped');
  assert.ok(c.text.includes('URL:https://acme.example'));

  const d = await admin.post('/api/v1/exports', { object: 'deals', format: 'vcard' });
  assert.equal(d.status, 422);
  assert.equal(d.json.errors[0].field, 'format');
  const deals = await admin.post('/api/v1/exports', { object: 'deals', format: 'csv' });
  assert.equal(deals.status, 201, deals.text);
  assert.equal(deals.json.rows, 0);
});

test('the export is recorded, audited with its filter and count, and its file kept for its maker', async () => {
  const filter = 'first_name eq X and last_name starts Dv';
  const r = await admin.post('/api/v1/exports', { object: 'contacts', format: 'csv', filter, fields: ['id', 'last_name', 'phones'] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.rows, 1);
  assert.equal(r.json.filter, filter);
  assert.equal(r.headers.get('location'), `/api/v1/exports/${r.json.id}`);
  const file = await raw.get(r.json.download_url);
  assert.equal(file.status, 200);
  const rows = parseCsv(file.text);
  assert.deepEqual(rows[0], ['id', 'last_name', 'phones']);
  assert.deepEqual(rows[1].slice(1), ['Dvořák', "'+420 603 123 456"]);

  const audit = await admin.get(`/api/v1/audit?object=export&object_id=${r.json.id}`);
  assert.equal(audit.json.data.length, 1);
  const a = audit.json.data[0];
  assert.equal(a.action, 'export');
  assert.equal(a.user_id, raw.user.id);
  assert.deepEqual(a.changes.filter, [null, filter]);
  assert.deepEqual(a.changes.rows, [null, 1]);
  assert.deepEqual(a.changes.object, [null, 'contacts']);

  const list = await admin.get('/api/v1/exports');
  assert.equal(list.json.data[0].id, r.json.id);
  const manager = await userClient(srv, raw);
  assert.equal((await manager.get(r.json.download_url)).status, 404, 'a user without the exports scope does not get the file');
  assert.equal((await manager.get(`/api/v1/exports/${r.json.id}`)).status, 403);
  const head = await userClient(srv, raw, { role: 'head' });
  assert.equal((await head.get(r.json.download_url)).status, 200, 'the head of sales sees every export');
});

test('scopes: no export scope, no export; an own scope exports own cards only', async () => {
  const manager = checked(await userClient(srv, raw));
  const m = await manager.post('/api/v1/exports', { object: 'contacts', format: 'csv' });
  assert.equal(m.status, 403, 'managers read their team\'s clients but may not take them out');
  const role = await raw.post('/api/v1/roles', {
    name: 'own-exporter',
    scopes: { contacts: { read: 'all', write: 'own', export: 'own' }, exports: { read: 'own', write: 'own' } },
  });
  assert.equal(role.status, 201, role.text);
  const plain = await userClient(srv, raw, { role: 'own-exporter' });
  const u = checked(plain);
  const mine = await u.post('/api/v1/contacts', { last_name: 'Свой' });
  assert.equal(mine.status, 201, mine.text);
  const all = (await u.get('/api/v1/contacts?count=true')).json.count;
  assert.ok(all > 1, 'the role reads every contact');
  const r = await plain.req('POST', '/api/v1/exports?download=true', { object: 'contacts', format: 'csv' });
  assert.equal(r.status, 200);
  const rows = parseCsv(r.text).slice(1);
  assert.deepEqual(rows.map((x) => x[2]), ['Свой'], 'but exports only what it owns');
  assert.equal((await u.post('/api/v1/exports', { object: 'companies' })).status, 403);
  const anon = await new Client(srv.url).post('/api/v1/exports', { object: 'contacts' });
  assert.equal(anon.status, 401);
});

test('bad requests are refused with the field at fault', async () => {
  for (const [body, field] of [[{ object: 'users' }, 'object'], [{}, 'object'], [{ object: 'contacts', format: 'pdf' }, 'format'],
    [{ object: 'contacts', fields: ['nope'] }, 'fields'], [{ object: 'contacts', filter: 'last_name eq' }, 'filter'],
    [{ object: 'contacts', filter: 'password_hash eq x' }, 'filter'], [{ object: 'contacts', extra: 1 }, 'extra'],
    [{ object: 'contacts', delimiter: '::' }, 'delimiter'], [{ object: 7 }, 'object']]) {
    const r = await admin.post('/api/v1/exports', body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.errors[0].field, field, JSON.stringify(body));
  }
  assert.equal((await admin.get('/api/v1/exports/999999')).status, 404);
  assert.equal((await raw.get('/api/v1/exports/999999/file')).status, 404);
  const semi = await download(raw, { object: 'companies', delimiter: ';' });
  assert.match(semi.text, /^id;name;/);
});
