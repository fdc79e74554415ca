// What the bulk path of contact imports writes without reading it back, held to what the API
// writes: the audit row of an imported card (built from the checked row and the defaults of
// the columns the row leaves empty) reads member for member, in the same order, as that of
// the same card made with POST /api/v1/contacts; and custom field definitions made or
// changed between two imports are enforced on the later one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient } from './lib.mjs';
import { runImport, assertAccounted, report } from './import_lib.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();   // phone region RU
  admin = await adminClient(srv);
});
after(async () => { await srv.stop(); });

const q = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csvOf = (rows) => rows.map((r) => r.map(q).join(',')).join('\r\n') + '\r\n';
const auditOf = async (object, id) => (await admin.get(`/api/v1/audit?object=${object}&object_id=${id}`)).json.data;
const named = async (last) => (await admin.get(`/api/v1/contacts?last_name=${encodeURIComponent(last)}`)).json.data;

test('the audit row of an imported card is the one an API create of the same card writes, member order included', async () => {
  for (const cf of [
    { object: 'contact', name: 'code', label: 'Код', type: 'text' },
    { object: 'contact', name: 'tier', label: 'Уровень', type: 'enum', options: ['gold', 'silver'] },
  ]) assert.equal((await admin.post('/api/v1/custom-fields', cf)).status, 201);
  const header = ['first_name', 'last_name', 'middle_name', 'phones', 'emails', 'position', 'birthday', 'tags', 'notes', 'Код', 'Уровень', 'Компания'];
  const rows = [
    ['Анна', 'Аудитова', 'Петровна', '+7 916 555-01-01', 'anna@audit.example', 'Директор', '1980-02-03', 'vip, export', 'заметка, "в кавычках"', 'K-1', 'gold', 'ООО «Аудит»'],
    ['', 'Аудитов', '', '', '', '', '', '', '', '', '', ''],   // everything else from the columns' defaults
    ['Борис', 'Аудитовский', '', '+7 000 000-00-01', '', '', '', '', '', '', 'silver', ''],   // a number the plan does not know
  ];
  const imp = await runImport(admin, csvOf([header, ...rows]), { object: 'contacts' });
  assert.equal(imp.status, 'done', JSON.stringify(imp));
  assert.deepEqual(imp.counts, { read: 3, created: 3, updated: 0, skipped: 0, rejected: 0 });

  for (const last of ['Аудитова', 'Аудитов', 'Аудитовский']) {
    const [card] = await named(last);
    const a = await auditOf('contact', card.id);
    assert.equal(a.length, 1);
    assert.equal(a[0].request_id, `import-${imp.id}`);
    const body = {};
    for (const k of ['first_name', 'last_name', 'middle_name', 'position', 'birthday', 'notes', 'tags', 'company_ids'])
      if (card[k] !== null && !(Array.isArray(card[k]) && !card[k].length)) body[k] = card[k];
    if (card.phones.length) body.phones = card.phones.map((p) => p.value);
    if (card.emails.length) body.emails = card.emails.map((e) => e.value);
    if (Object.keys(card.custom_fields).length) body.custom_fields = card.custom_fields;
    const api = await admin.post('/api/v1/contacts', body);
    assert.equal(api.status, 201, api.text);
    const b = await auditOf('contact', api.json.id);
    assert.equal(JSON.stringify(a[0].changes), JSON.stringify(b[0].changes), `${last}: the same members, values and order`);
    assert.equal(a[0].owner_id, b[0].owner_id);
    assert.equal((await admin.del(`/api/v1/contacts/${api.json.id}`)).status, 204);
  }
  const [anna] = await named('Аудитова');
  const firm = await auditOf('company', anna.company_ids[0]);
  const made = await admin.post('/api/v1/companies', { name: 'ООО «Аудит-2»' });
  const byHand = await auditOf('company', made.json.id);
  assert.deepEqual(Object.keys(firm[0].changes), Object.keys(byHand[0].changes), 'a company the import made: the same members');
  assert.deepEqual(firm[0].changes.name, [null, 'ООО «Аудит»']);
  const [plain] = await named('Аудитов');
  const changes = (await auditOf('contact', plain.id))[0].changes;
  assert.deepEqual(changes.consent_email, [null, false], 'a default the database filled in is in the audit');
  assert.deepEqual(changes.phones, [null, []]);
  assert.deepEqual(changes.custom_fields, [null, {}]);
});

test('custom field definitions made or changed between two imports are enforced on the later one', async () => {
  const header = ['first_name', 'last_name', 'Договор', 'Уровень'];
  const first = await runImport(admin, csvOf([header, ['Ян', 'Полевой1', '', ''], ['Ян', 'Полевой2', '', 'platinum']]), { object: 'contacts' });
  assert.deepEqual(first.counts, { read: 2, created: 1, updated: 0, skipped: 0, rejected: 1 }, 'platinum is no option yet');

  const cf = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'contract', label: 'Договор', type: 'text', required: true });
  assert.equal(cf.status, 201, cf.text);
  const tier = (await admin.get('/api/v1/custom-fields?limit=100')).json.data.find((d) => d.name === 'tier');
  const p = await admin.patch(`/api/v1/custom-fields/${tier.id}`, { options: ['gold', 'silver', 'platinum'] });
  assert.equal(p.status, 200, p.text);

  const rows = [['Ян', 'Полевой3', '', ''], ['Ян', 'Полевой4', 'Д-4', 'platinum'], ['Ян', 'Полевой5', 'Д-5', 'bronze']];
  const second = await runImport(admin, csvOf([header, ...rows]), { object: 'contacts' });
  assertAccounted(second);
  assert.deepEqual(second.counts, { read: 3, created: 1, updated: 0, skipped: 0, rejected: 2 });
  const why = Object.fromEntries((await report(admin, second.id)).map((r) => [r.line, r.reason]));
  assert.match(why[2], /custom field 'contract' is required/);
  assert.match(why[4], /'bronze' is not one of the choices/);
  const [four] = await named('Полевой4');
  assert.deepEqual(four.custom_fields, { contract: 'Д-4', tier: 'platinum' });

  assert.equal((await admin.del(`/api/v1/custom-fields/${cf.json.id}`)).status, 204);
  const third = await runImport(admin, csvOf([['first_name', 'last_name'], ['Ян', 'Полевой6']]), { object: 'contacts' });
  assert.deepEqual(third.counts, { read: 1, created: 1, updated: 0, skipped: 0, rejected: 0 }, 'a definition removed no longer binds');
  const api = await admin.post('/api/v1/contacts', { last_name: 'Полевой7', custom_fields: { contract: 'x' } });
  assert.equal(api.status, 422, 'nor does the API know it');
});
