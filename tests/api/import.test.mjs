// Importing the old base through /api/v1/imports as an administrator does it: upload real
// files made by other tools (a CSV saved as Windows-1251, an XLSX written by LibreOffice,
// vCards 3.0 and 4.0), read the preview and the guessed mapping, adjust it, run, follow the
// progress, get the report of every row not created, undo. Every row of every file is
// accounted for: read = created + updated + skipped + rejected, and the report names each
// skipped or rejected line with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, adminClient, userClient, Client } from './lib.mjs';
import { checked } from './openapi.mjs';
import { fixture, upload, settle, runImport, assertAccounted, report } from './import_lib.mjs';
import { openStream } from './activities_lib.mjs';

let srv, admin, raw;
before(async () => {
  srv = await startServer();   // phone region RU
  raw = await adminClient(srv);
  admin = checked(raw);
});
after(async () => { await srv.stop(); });

const contactsNamed = async (last) => (await admin.get(`/api/v1/contacts?last_name=${encodeURIComponent(last)}`)).json.data;

test('a CSV saved as Windows-1251: preview with guessed columns, then the import', async () => {
  const up = await upload(admin, fixture('contacts_cp1251.csv'), { object: 'contacts', file_name: 'old_base.csv' });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.headers.get('location'), `/api/v1/imports/${up.json.id}`);
  assert.equal(up.json.status, 'ready', 'nothing runs before the administrator says so');
  assert.equal(up.json.file_name, 'old_base.csv');
  const p = up.json.preview;
  assert.equal(p.encoding, 'windows-1251');
  assert.equal(p.delimiter, ';');
  assert.deepEqual(p.columns, ['Фамилия', 'Имя', 'Отчество', 'Телефон', 'Email', 'Компания', 'Комментарий']);
  const field = Object.fromEntries(p.mapping.map((m) => [m.column, m.field]));
  assert.deepEqual(field, {
    'Фамилия': 'last_name', 'Имя': 'first_name', 'Отчество': 'middle_name', 'Телефон': 'phones',
    'Email': 'emails', 'Компания': 'company.name', 'Комментарий': 'notes',
  });
  assert.ok(p.mapping.every((m) => m.guessed));
  const first = p.rows[0];
  assert.equal(first.line, 2);
  assert.equal(first.action, 'created');
  assert.equal(first.record.last_name, 'Иванов');
  assert.equal(first.record.phones[0].e164, '+74951234567', 'phones are normalised as they will be saved');
  assert.equal(first.record.companies[0].name, 'ООО "Ромашка"', 'one row makes the company and its contact person');
  assert.equal(first.record.id, undefined, 'a previewed record has no id yet');
  assert.equal((await admin.get('/api/v1/contacts?count=true')).json.count, 0, 'the preview wrote nothing');

  const st = await admin.post(`/api/v1/imports/${up.json.id}/start`);
  assert.equal(st.status, 202, st.text);
  const done = await settle(admin, up.json.id);
  assert.equal(done.status, 'done', JSON.stringify(done));
  assert.deepEqual(done.counts, { read: 5, created: 5, updated: 0, skipped: 0, rejected: 0 });
  assert.equal(done.progress.percent, 100);
  assert.equal(done.progress.rows_done, 5);
  assert.ok(done.progress.rate > 0);
  assert.equal(done.encoding, 'windows-1251');
  const [ivanov] = await contactsNamed('Иванов');
  assert.equal(ivanov.middle_name, 'Иванович');
  assert.equal(ivanov.owner_id, raw.user.id, 'the importing user owns the new cards');
  const audit = await admin.get(`/api/v1/audit?object=contact&object_id=${ivanov.id}`);
  assert.equal(audit.json.data[0].action, 'create');
  assert.equal(audit.json.data[0].request_id, `import-${up.json.id}`, 'the audit trail names the import');
});

test('an XLSX written by LibreOffice: sheets to choose from, dates and numbers, a company per row with its contact person', async () => {
  const up = await upload(admin, fixture('companies_libreoffice.xlsx'), { object: 'companies', file_name: 'firmy.xlsx' });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.format, 'xlsx', 'the format is recognised from the bytes');
  assert.deepEqual(up.json.preview.sheets, ['Клиенты', 'Archiwum']);
  const field = Object.fromEntries(up.json.preview.mapping.map((m) => [m.column, m.field]));
  assert.equal(field['Название'], 'name');
  assert.equal(field['NIP'], 'tax_id');
  assert.equal(field['Strona www'], 'website');
  assert.equal(field['Контактное лицо'], 'contact.full_name');
  assert.equal(field['Клиент с'], null, 'a column with no field stays unmapped');

  const done = await (async () => {
    await admin.post(`/api/v1/imports/${up.json.id}/start`);
    return settle(admin, up.json.id);
  })();
  assertAccounted(done);
  assert.deepEqual(done.counts, { read: 4, created: 3, updated: 0, skipped: 0, rejected: 1 });
  const rows = await report(raw, up.json.id);
  assert.deepEqual(rows.map((r) => [r.line, r.status]), [[4, 'rejected']]);
  assert.match(rows[0].reason, /'Strona www'.*http or https URL/);
  assert.match(rows[0].reason, /'Название'.*required/);
  assert.deepEqual(rows[0].cells, ['', '0000000000', '', '', 'not a url', '', '', ''], 'the original row comes back whole');

  const zolc = (await admin.get('/api/v1/companies?q=zolc')).json.data[0];
  assert.equal(zolc.tax_id, 'PL 526-000-12-46');
  const people = await admin.get(`/api/v1/companies/${zolc.id}/contacts`);
  assert.deepEqual(people.json.data.map((c) => [c.first_name, c.last_name]), [['Anna', 'Kowalska']]);

  // the other sheet, chosen by name
  const arch = await runImport(admin, fixture('companies_libreoffice.xlsx'), { object: 'companies', sheet: 'Archiwum' });
  assert.deepEqual(arch.counts, { read: 1, created: 1, updated: 0, skipped: 0, rejected: 0 });
  const bad = await upload(admin, fixture('companies_libreoffice.xlsx'), { object: 'companies', sheet: 'Nope' });
  assert.equal(bad.status, 201);
  assert.match(bad.json.preview.error, /Nope/, 'an unknown sheet is named in the preview');
});

test('vCards 3.0 and 4.0: labels, birthdays, broken cards reported', async () => {
  const v3 = await runImport(admin, fixture('contacts_v3.vcf'), { object: 'contacts' });
  assert.equal(v3.format, 'vcard');
  assertAccounted(v3);
  assert.deepEqual(v3.counts, { read: 5, created: 3, updated: 0, skipped: 1, rejected: 1 });
  const r3 = await report(raw, v3.id);
  assert.equal(r3.length, 2);
  const [first] = await contactsNamed('Иванов');
  assert.equal(r3[0].reason, `duplicate of contact ${first.id} (same phone +74951234567)`, 'the CSV import made him already');
  assert.match(r3[1].reason, /not a vCard property/);
  const again = await runImport(admin, fixture('contacts_v3.vcf'), { object: 'contacts', match: 'email' });
  assert.deepEqual(again.counts, { read: 5, created: 2, updated: 0, skipped: 2, rejected: 1 }, 'matched by email only, Иванов goes in');
  const ivanov = (await contactsNamed('Иванов')).find((c) => c.position);
  assert.equal(ivanov.birthday, '1975-03-08');
  assert.deepEqual(ivanov.phones.map((p) => [p.e164, p.label]), [['+74951234567', 'work'], ['+79165551234', 'mobile']]);
  assert.equal(ivanov.position, 'Директор по развитию');

  const v4 = await runImport(admin, fixture('contacts_v4.vcf'), { object: 'contacts' });
  assertAccounted(v4);
  assert.deepEqual(v4.counts, { read: 3, created: 2, updated: 0, skipped: 0, rejected: 1 });
  const [jane] = await contactsNamed('Public');
  assert.equal(jane.birthday, '1604-04-15', 'a birthday without a year keeps its day');
  assert.equal(jane.phones[0].label, 'work');
  const r4 = await report(raw, v4.id);
  assert.match(r4[0].reason, /END:VCARD/);
});

test('every outcome of a row, counted and reported with its reason', async () => {
  const imp = await runImport(admin, fixture('contacts_mixed.csv'), { object: 'contacts' });
  assertAccounted(imp);
  assert.deepEqual(imp.counts, { read: 9, created: 4, updated: 0, skipped: 2, rejected: 3 });
  const rows = await report(raw, imp.id);
  const byLine = Object.fromEntries(rows.map((r) => [r.line, r]));
  assert.deepEqual(Object.keys(byLine).map(Number), [4, 5, 6, 7, 8]);
  assert.match(byLine[4].reason, /column 'E-mail'.*not an email address/);
  assert.match(byLine[5].reason, /'31\.02\.1980' is not a date/);
  assert.equal(byLine[6].reason, 'empty row');
  assert.match(byLine[7].reason, /^duplicate of line 2 \(contact \d+, same phone \+74951112233\)$/, 'duplicates inside the file are caught');
  assert.match(byLine[8].reason, /no active user 'ghost@example.com'/);
  assert.equal(byLine[8].cells[2], "'+7 916 000 00 01", 'report cells are escaped for spreadsheets');
  const [ivan] = await contactsNamed('Иванов');
  assert.ok(ivan, 'line 2 was created');
  const [anna] = await contactsNamed('Nowak');
  assert.equal(anna.birthday, '1985-02-28');
  assert.deepEqual(anna.tags, ['klient', 'b2b']);
  const [f] = await contactsNamed('Row');
  assert.equal(f.notes, '=HYPERLINK("http://evil.example","x")', 'text is stored as written');
});

test('duplicates: skip, update (lists merged, undo restores) or create anyway', async () => {
  const csv = 'Имя,Фамилия,Телефон,E-mail,Должность\nДарья,Морозова,+7 903 111-00-01,daria@example.ru,стажёр\n';
  const first = await runImport(admin, csv, { object: 'contacts' });
  assert.equal(first.counts.created, 1);
  const [d0] = await contactsNamed('Морозова');

  const again = 'Имя,Фамилия,Телефон,E-mail,Должность\nДарья,Морозова,8 903 111 00 01,,менеджер\nД.,Морозова,,DARIA@example.ru,\n';
  const skip = await runImport(admin, again, { object: 'contacts' });
  assert.deepEqual(skip.counts, { read: 2, created: 0, updated: 0, skipped: 2, rejected: 0 });
  const reasons = (await report(raw, skip.id)).map((r) => r.reason);
  assert.deepEqual(reasons, [`duplicate of contact ${d0.id} (same phone +79031110001)`, `duplicate of contact ${d0.id} (same email daria@example.ru)`]);

  const upd = await runImport(admin, 'Фамилия,Телефон,Должность,Теги\nМорозова,+7 903 111-00-01; +7 903 222-00-02,менеджер,new\n',
    { object: 'contacts', on_duplicate: 'update' });
  assert.deepEqual(upd.counts, { read: 1, created: 0, updated: 1, skipped: 0, rejected: 0 });
  const [d1] = await contactsNamed('Морозова');
  assert.equal(d1.position, 'менеджер');
  assert.equal(d1.first_name, 'Дарья', 'an empty cell does not erase the card');
  assert.deepEqual(d1.phones.map((p) => p.e164), ['+79031110001', '+79032220002'], 'phones are added, not replaced');
  assert.deepEqual(d1.emails.map((e) => e.value), ['daria@example.ru']);

  const u = await admin.post(`/api/v1/imports/${upd.id}/undo`);
  assert.equal(u.status, 202, u.text);
  const undone = await settle(admin, upd.id);
  assert.equal(undone.status, 'undone');
  assert.deepEqual({ ...undone.undo, undone_at: undefined }, { deleted: 0, restored: 1, conflicts: 0, gone: 0, undone_at: undefined });
  const [d2] = await contactsNamed('Морозова');
  assert.equal(d2.position, 'стажёр');
  assert.deepEqual(d2.phones.map((p) => p.e164), ['+79031110001']);
  assert.deepEqual(d2.tags, []);

  const create = await runImport(admin, csv, { object: 'contacts', on_duplicate: 'create' });
  assert.equal(create.counts.created, 1);
  assert.equal((await contactsNamed('Морозова')).length, 2, 'create makes a second card on purpose');
});

test('matching by a chosen field: a custom field holding the old system\'s id', async () => {
  const cf = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'legacy_id', label: 'Код клиента', type: 'text' });
  assert.equal(cf.status, 201, cf.text);
  const csv = 'Код клиента,Имя,Фамилия\nA-1,Олег,Лебедев\nA-2,Ольга,Лебедева\nA-1,Олег,Лебедев-Старший\n';
  const one = await runImport(admin, csv, { object: 'contacts', match: 'field', match_field: 'custom_fields.legacy_id', on_duplicate: 'update' });
  assertAccounted(one);
  assert.deepEqual(one.counts, { read: 3, created: 2, updated: 1, skipped: 0, rejected: 0 });
  const list = (await admin.get('/api/v1/contacts?filter=' + encodeURIComponent('custom_fields.legacy_id eq "A-1"'))).json.data;
  assert.equal(list.length, 1);
  assert.equal(list[0].last_name, 'Лебедев-Старший');
  const bad = await upload(admin, csv, { object: 'contacts', match: 'field' });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.errors[0].field, 'match_field');
});

test('the mapping is adjustable: PATCH with the compact form or JSON, unknown fields refused', async () => {
  const csv = 'A,B,C,D\nЛебедь,Лев,8 916 000 11 22,1980/12/31\n';
  const up = await upload(admin, csv, { object: 'contacts' });
  assert.ok(up.json.preview.mapping.every((m) => m.field === null), 'nothing to guess from A, B, C, D');
  assert.equal(up.json.preview.rows[0].action, 'skipped');

  let p = await admin.patch(`/api/v1/imports/${up.json.id}`, { mapping: 'A=last_name,B=first_name,C=phones:mobile,#4=birthday:ymd' });
  assert.equal(p.status, 200, p.text);
  const rec = p.json.preview.rows[0].record;
  assert.equal(rec.last_name, 'Лебедь');
  assert.equal(rec.phones[0].label, 'mobile');
  assert.equal(rec.birthday, '1980-12-31');

  p = await admin.patch(`/api/v1/imports/${up.json.id}`, { mapping: { A: 'shoe_size' } });
  assert.equal(p.status, 200);
  assert.match(p.json.preview.mapping_errors[0].message, /no such field/);
  p = await admin.patch(`/api/v1/imports/${up.json.id}`, { mapping: 'A' });
  assert.equal(p.status, 422);
  assert.equal(p.json.errors[0].field, 'mapping');
  p = await admin.patch(`/api/v1/imports/${up.json.id}`, { on_duplicate: 'merge' });
  assert.equal(p.status, 422);
  p = await admin.patch(`/api/v1/imports/${up.json.id}`, { mapping: { A: 'last_name', B: 'first_name', C: 'phones' }, region: 'PL' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.preview.rows[0].record.phones[0].e164, null, 'the PL region reads 8 916... as a Polish number, which it is not');

  const st = await admin.post(`/api/v1/imports/${up.json.id}/start`, { mapping: { A: 'last_name', C: 'phones' }, region: 'RU' });
  assert.equal(st.status, 202, st.text);
  const done = await settle(admin, up.json.id);
  assert.equal(done.counts.created, 1);
  const again = await admin.patch(`/api/v1/imports/${up.json.id}`, { region: 'RU' });
  assert.equal(again.status, 409, 'a finished import cannot be re-configured');
});

test('a dry run writes nothing and counts what a real run would; it can then run for real', async () => {
  const csv = 'Имя,Фамилия,Телефон\nЮрий,Сухов,+7 911 000-00-01\nЮрий,Сухов,8 911 000 00 01\nЯ,,not-a-phone\n';
  const dry = await runImport(admin, csv, { object: 'contacts', dry_run: true });
  assert.equal(dry.status, 'done');
  assert.deepEqual(dry.counts, { read: 3, created: 2, updated: 0, skipped: 1, rejected: 0 });
  assert.equal((await contactsNamed('Сухов')).length, 0, 'nothing was written');
  assert.match((await report(raw, dry.id))[0].reason, /^duplicate of line 2 \(same phone \+79110000001\)$/);
  const undo = await admin.post(`/api/v1/imports/${dry.id}/undo`);
  assert.equal(undo.status, 409);
  const upload = join(srv.dataDir, 'imports', `${dry.id}.csv`);
  assert.ok(existsSync(upload), 'a dry run keeps the upload to run it for real');
  const real = await admin.post(`/api/v1/imports/${dry.id}/start`, { dry_run: false });
  assert.equal(real.status, 202, real.text);
  const done = await settle(admin, dry.id);
  assert.deepEqual(done.counts, dry.counts, 'the real run does what the dry run said');
  assert.equal((await contactsNamed('Сухов')).length, 1);
  // the worker drops the upload just after it records the end: give it a moment
  for (let i = 0; i < 100 && existsSync(upload); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(!existsSync(upload), 'the copy of the client base is removed once the real run ended');
});

test('undo deletes what the import created and leaves cards edited since', async () => {
  const imp = await runImport(admin, 'Фамилия,Имя\nОтменов,Первый\nОтменов,Второй\nОтменов,Третий\n', { object: 'contacts' });
  assert.equal(imp.counts.created, 3);
  const cards = await contactsNamed('Отменов');
  const updImp = await runImport(admin, 'Фамилия,Имя,Должность,E-mail\nПравкин,Пётр,,p@example.ru\n', { object: 'contacts' });
  const [pravkin] = await contactsNamed('Правкин');
  const upd = await runImport(admin, 'E-mail,Должность\np@example.ru,директор\n', { object: 'contacts', on_duplicate: 'update' });
  assert.equal(upd.counts.updated, 1);
  const edit = await admin.patch(`/api/v1/contacts/${pravkin.id}`, { position: 'правка вручную' });
  assert.equal(edit.status, 200);
  await admin.post(`/api/v1/imports/${upd.id}/undo`);
  const u = await settle(admin, upd.id);
  assert.equal(u.undo.conflicts, 1, 'an edit made after the import is not overwritten');
  assert.equal((await admin.get(`/api/v1/contacts/${pravkin.id}`)).json.position, 'правка вручную');

  await admin.del(`/api/v1/contacts/${cards[0].id}`);
  await admin.post(`/api/v1/imports/${imp.id}/undo`);
  const u2 = await settle(admin, imp.id);
  assert.equal(u2.status, 'undone');
  assert.equal(u2.undo.deleted, 2);
  assert.equal(u2.undo.gone, 1, 'a card deleted by hand is counted as gone');
  assert.equal((await contactsNamed('Отменов')).length, 0);
  assert.equal((await admin.post(`/api/v1/imports/${imp.id}/undo`)).status, 409, 'undone once');
  assert.ok(updImp);
});

test('roles: imports are the uploader\'s, cards are created within the role\'s scope', async () => {
  const m1 = checked(await userClient(srv, raw));
  const m2 = checked(await userClient(srv, raw));
  const imp = await runImport(m1, 'Фамилия,Имя\nМенеджеров,Мирон\n', { object: 'contacts' });
  assert.equal(imp.counts.created, 1);
  const [c] = await contactsNamed('Менеджеров');
  assert.equal(c.owner_id, m1.id, 'a manager\'s import gives the cards to the manager');
  assert.equal((await m2.get(`/api/v1/imports/${imp.id}`)).status, 404, 'another manager does not see it');
  assert.equal((await m2.post(`/api/v1/imports/${imp.id}/undo`)).status, 404);
  assert.equal((await m2.get(`/api/v1/imports/${imp.id}/errors`)).status, 404);
  const mine = await m2.get('/api/v1/imports');
  assert.deepEqual(mine.json.data, []);

  // a row naming another owner cannot be written with scope own: rejected, not half-saved
  const other = await runImport(m1, `Фамилия,Ответственный\nЧужой,${srv.adminEmail || 'admin@test.example'}\n`, { object: 'contacts' });
  assert.deepEqual(other.counts, { read: 1, created: 0, updated: 0, skipped: 0, rejected: 1 });
  assert.equal((await contactsNamed('Чужой')).length, 0);

  const role = await raw.post('/api/v1/roles', { name: 'reader', scopes: { contacts: { read: 'all' } } });
  assert.equal(role.status, 201, role.text);
  const reader = await userClient(srv, raw, { role: 'reader' });
  const denied = await upload(reader, 'Фамилия\nX\n', { object: 'contacts' });
  assert.equal(denied.status, 403);
});

test('cancel a queued import; bad uploads are refused before anything is stored', async () => {
  const up = await upload(admin, 'Фамилия\nОтменённый\n', { object: 'contacts' });
  const c = await admin.post(`/api/v1/imports/${up.json.id}/cancel`);
  assert.equal(c.status, 202);
  assert.equal(c.json.status, 'cancelled');
  assert.equal((await admin.post(`/api/v1/imports/${up.json.id}/start`)).status, 409);
  assert.equal((await admin.post(`/api/v1/imports/${up.json.id}/cancel`)).status, 409);

  const empty = await upload(admin, '', { object: 'contacts' });
  assert.equal(empty.status, 422);
  assert.equal(empty.json.code, 'missing_file');
  for (const [args, field] of [[{ object: 'deals2' }, 'object'], [{ on_duplicate: 'merge' }, 'on_duplicate'],
    [{ encoding: 'koi8-r' }, 'encoding'], [{ region: 'XX' }, 'region'], [{ match: 'tax_id' }, 'match'],
    [{ mapping: 'no equals sign' }, 'mapping'], [{ delimiter: '::' }, 'delimiter'], [{ owner_id: 'x' }, 'owner_id']]) {
    const r = await upload(admin, 'a\n1\n', { object: 'contacts', ...args });
    assert.equal(r.status, 422, `${JSON.stringify(args)}: ${r.text}`);
    assert.equal(r.json.errors[0].field, field);
  }
  assert.equal((await admin.get('/api/v1/imports/999999')).status, 404);
  assert.equal((await admin.get('/api/v1/imports/999999/preview')).status, 404);
  assert.equal((await admin.get(`/api/v1/imports/${up.json.id}/preview?rows=0`)).status, 422);
  const anon = await new Client(srv.url).req('POST', '/api/v1/imports', 'a\n1\n', { 'content-type': 'text/csv' });
  assert.equal(anon.status, 401);
});

test('deals: pipeline and stage by name, amounts in the currency\'s minor units, the company found or made', async () => {
  const imp = await runImport(admin, fixture('deals.csv'), { object: 'deals' });
  assertAccounted(imp);
  assert.deepEqual(imp.counts, { read: 6, created: 3, updated: 0, skipped: 0, rejected: 3 });
  const rows = await report(raw, imp.id);
  assert.deepEqual(rows.map((r) => r.line), [5, 6, 7]);
  assert.match(rows[0].reason, /column 'Этап': pipeline \d+ has no stage named 'Нет такого этапа'/);
  assert.match(rows[1].reason, /'title' is required/);
  assert.match(rows[2].reason, /lost_reason/, 'the funnel\'s own rule: a lost deal needs its reason');
  const deals = (await admin.get('/api/v1/deals?sort=id')).json.data;
  const by = Object.fromEntries(deals.map((d) => [d.title, d]));
  assert.equal(by['Поставка стульев'].amount, 125000050);
  assert.equal(by['Поставка стульев'].currency, 'RUB');
  assert.deepEqual(by['Поставка стульев'].tags, ['мебель', 'опт']);
  assert.equal(by['Поставка стульев'].expected_close, '2026-12-31');
  assert.equal(by['Sushi catering'].amount, 150000, 'yen have no minor units');
  assert.equal(by['Stoły do biura'].amount, 1250000);
  const stages = (await admin.get(`/api/v1/pipelines/${by['Stoły do biura'].pipeline_id}/stages`)).json.data;
  assert.equal(stages.find((s) => s.id === by['Stoły do biura'].stage_id).name, 'Proposal', 'stage names match in any case');
  const romashka = (await admin.get(`/api/v1/companies/${by['Поставка стульев'].company_id}`)).json;
  assert.equal(romashka.name, 'ООО "Ромашка"');
  assert.equal(romashka.tax_id, null, 'no company has that tax id: the one of that name, made by the first import, is linked');
  const zolc = (await admin.get(`/api/v1/companies/${by['Stoły do biura'].company_id}`)).json;
  assert.equal(zolc.name, 'Żółć i Spółka sp. z o.o.', 'found by its tax id in another spelling');
  await admin.post(`/api/v1/imports/${imp.id}/undo`);
  const u = await settle(admin, imp.id);
  assert.equal(u.undo.deleted, 3);
  assert.equal((await admin.get('/api/v1/deals?count=true')).json.count, 0);
  const bad = await upload(admin, 'a\n1\n', { object: 'deals', match: 'phone' });
  assert.equal(bad.status, 422);
});

test('imports are listed newest first with their counts', async () => {
  const r = await admin.get('/api/v1/imports?limit=3&count=true');
  assert.equal(r.status, 200);
  assert.equal(r.json.data.length, 3);
  assert.ok(r.json.data[0].id > r.json.data[1].id);
  assert.ok(r.json.count >= 10);
  for (const imp of r.json.data) assertAccounted(imp);
  const failed = await admin.get('/api/v1/imports?status=cancelled');
  assert.ok(failed.json.data.every((i) => i.status === 'cancelled'));
});

test('the end of an import reaches its user on the live event stream', async () => {
  const m = await userClient(srv, raw);
  const stream = await openStream(m);
  assert.equal(stream.status, 200);
  try {
    const imp = await runImport(m, 'Фамилия,Имя\nСобытиев,Ян\n,\n', { object: 'contacts', file_name: 'events.csv' });
    const ev = await stream.waitFor((e) => e.data.kind === 'import_done' && e.data.object_id === imp.id);
    assert.equal(ev.event, 'notification');
    assert.equal(ev.data.object, 'import');
    assert.equal(ev.data.text, 'Import of events.csv finished: 2 read, 1 created, 0 updated, 1 skipped, 0 rejected');
    const bad = await runImport(m, fixture('zip_bomb.xlsx'), { object: 'contacts', file_name: 'bomb.xlsx' });
    const failed = await stream.waitFor((e) => e.data.kind === 'import_failed' && e.data.object_id === bad.id);
    assert.match(failed.data.text, /^Import of bomb\.xlsx failed: .*zip bomb/);
    await m.post(`/api/v1/imports/${imp.id}/undo`);
    await settle(m, imp.id);
    const undone = await stream.waitFor((e) => e.data.kind === 'import_undone' && e.data.object_id === imp.id);
    assert.match(undone.data.text, /1 deleted/);
    const list = await m.get('/api/v1/notifications');
    assert.ok(list.json.data.some((n) => n.kind === 'import_done'), 'kept in the notification list too');
  } finally {
    stream.close();
  }
});
