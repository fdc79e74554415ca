// Companies: requisites, lists, duplicate warnings (tax id, name without legal form,
// phone, email), the company card's contact persons, and merging companies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin;
before(async () => {
  srv = await startServer({ env: { KARTOTEKA_REGION: 'PL' } });
  admin = checked(await adminClient(srv));
});
after(async () => { await srv.stop(); });

const codeOf = (r, field) => r.json.errors.find((e) => e.field === field)?.code;

test('a company with requisites', async () => {
  const r = await admin.post('/api/v1/companies', {
    name: 'Kwiaciarnia Łąka', legal_name: 'Kwiaciarnia Łąka Sp. z o.o.', tax_id: 'PL 526-000-12-46',
    registration_no: '0000123456', website: 'https://laka.example', industry: 'retail',
    legal_address: 'ul. Marszałkowska 1, 00-001 Warszawa', actual_address: 'ul. Polna 2, Warszawa',
    bank: { bank_name: 'mBank', iban: 'PL61109010140000071219812874' }, director: 'Jan Kowalski',
    phones: ['(22) 123 45 67', '0048 22 765 43 21'], emails: ['biuro@laka.example'], tags: ['florist'],
  });
  assert.equal(r.status, 201, r.text);
  const c = r.json;
  assert.deepEqual(c.phones.map((p) => p.e164), ['+48221234567', '+48227654321'], 'national and 00 forms with region PL');
  assert.deepEqual(c.bank, { bank_name: 'mBank', iban: 'PL61109010140000071219812874' });
  assert.equal(c.owner_id, admin.user.id);
  assert.deepEqual(c.warnings, []);

  const bad = await admin.post('/api/v1/companies', { name: '', website: 'ftp://x', bank: { swift: 1, pin: '1' } });
  assert.equal(bad.status, 422);
  assert.equal(codeOf(bad, 'website'), 'invalid_url');
  const bad2 = await admin.post('/api/v1/companies', { name: '', bank: { swift: 1, pin: '1' } });
  assert.equal(codeOf(bad2, 'bank.swift'), 'invalid_type');
  assert.equal(codeOf(bad2, 'bank.pin'), 'unknown_field');
  assert.equal(codeOf(bad2, 'name'), 'required');
  const noName = await admin.post('/api/v1/companies', { tax_id: '1' });
  assert.equal(codeOf(noName, 'name'), 'required');

  const t = await admin.get('/api/v1/companies?tag=florist&count=true');
  assert.equal(t.json.count, 1);
  // the tax id is found as typed and without its separators
  for (const q of ['526-000', '5260001246', 'łąka'])
    assert.deepEqual((await admin.get(`/api/v1/companies?q=${encodeURIComponent(q)}`)).json.data.map((x) => x.id), [c.id], q);
});

test('duplicate warnings: same tax id in any spelling, same name without legal form, same phone, same email', async () => {
  const first = (await admin.post('/api/v1/companies', { name: 'ООО «Ромашка»', tax_id: '7701 234 567', phones: ['+7 495 123-45-67'], emails: ['Info@Romashka.example'] })).json;
  const r = await admin.post('/api/v1/companies', { name: 'Romashka', tax_id: '7701-234-567' });
  assert.equal(r.status, 201);
  assert.deepEqual(r.json.warnings.map((w) => [w.type, w.id, w.reason]), [['company', first.id, 'tax_id']]);
  const w = r.json.warnings[0];
  assert.equal(w.code, 'probable_duplicate');
  assert.equal(w.owner_id, admin.user.id);
  assert.equal(w.owner_name, admin.user.name);
  assert.equal(w.readable, true);
  assert.equal(w.name, 'ООО «Ромашка»');

  const byName = await admin.post('/api/v1/companies', { name: 'Ромашка ООО' });
  assert.deepEqual(byName.json.warnings.map((x) => [x.id, x.reason]), [[first.id, 'name']]);
  const byPhone = await admin.post('/api/v1/companies', { name: 'Other', phones: ['+7 (495) 123 45 67'] });
  assert.deepEqual(byPhone.json.warnings.map((x) => [x.id, x.reason]), [[first.id, 'phone']]);
  const byMail = await admin.post('/api/v1/contacts', { first_name: 'Olga', emails: ['info@ROMASHKA.example'] });
  assert.deepEqual(byMail.json.warnings.map((x) => [x.type, x.id, x.reason]), [['company', first.id, 'email']]);
  // an update warns too
  const upd = await admin.patch(`/api/v1/companies/${byPhone.json.id}`, { tax_id: '7701234567' });
  assert.deepEqual([...new Set(upd.json.warnings.map((x) => x.reasons).flat())].sort(), ['phone', 'tax_id']);
  assert.ok(upd.json.warnings.some((x) => x.id === first.id && x.reasons.includes('phone') && x.reasons.includes('tax_id')));
});

test('renaming or deleting a company refreshes the search text of its contacts', async () => {
  const co = (await admin.post('/api/v1/companies', { name: 'Zebra Logistics' })).json;
  const p = (await admin.post('/api/v1/contacts', { first_name: 'Marta', company_ids: [co.id] })).json;
  let s = await admin.get('/api/v1/contacts?q=zebra');
  assert.deepEqual(s.json.data.map((x) => x.id), [p.id]);
  await admin.patch(`/api/v1/companies/${co.id}`, { name: 'Okapi Logistics' });
  s = await admin.get('/api/v1/contacts?q=zebra');
  assert.deepEqual(s.json.data, []);
  s = await admin.get('/api/v1/contacts?q=okapi%20marta');
  assert.deepEqual(s.json.data.map((x) => x.id), [p.id]);
  // a deleted company's name leaves the search text of its contacts
  assert.equal((await admin.del(`/api/v1/companies/${co.id}`)).status, 204);
  assert.deepEqual((await admin.get('/api/v1/contacts?q=okapi')).json.data, []);
  assert.deepEqual((await admin.get('/api/v1/contacts?q=marta')).json.data.map((x) => x.id), [p.id]);
});

test('merging companies moves contact persons, phones and custom fields; undo restores both', async () => {
  await admin.post('/api/v1/custom-fields', { object: 'company', name: 'segment', type: 'text' });
  const into = (await admin.post('/api/v1/companies', { name: 'Delta', phones: ['+48 22 111 11 11'], custom_fields: { segment: 'A' } })).json;
  const from = (await admin.post('/api/v1/companies', { name: 'Delta Sp. z o.o.', tax_id: '111-222-33-44', phones: ['+48 22 222 22 22', '22 111 11 11'], custom_fields: { segment: 'B' } })).json;
  const person = (await admin.post('/api/v1/contacts', { first_name: 'Ewa', companies: [{ id: from.id, role: 'director' }] })).json;
  const m = await admin.post(`/api/v1/companies/${into.id}/merge`, { from_id: from.id });
  assert.equal(m.status, 200, m.text);
  const rec = m.json.record;
  assert.deepEqual(rec.phones.map((p) => p.e164), ['+48221111111', '+48222222222']);
  assert.equal(rec.tax_id, '111-222-33-44', 'an empty field is filled');
  assert.deepEqual(rec.custom_fields, { segment: 'A' }, 'existing values are not overwritten');
  assert.equal((await admin.get(`/api/v1/companies/${from.id}`)).status, 404);
  const persons = await admin.get(`/api/v1/companies/${into.id}/contacts`);
  assert.deepEqual(persons.json.data.map((x) => x.id), [person.id]);
  const card = (await admin.get(`/api/v1/contacts/${person.id}`)).json;
  assert.deepEqual(card.companies, [{ id: into.id, name: 'Delta', role: 'director' }]);
  const look = await admin.get('/api/v1/lookup/phone?number=' + encodeURIComponent('22 222 22 22'));
  assert.deepEqual(look.json.data.map((x) => [x.type, x.id]), [['company', into.id]]);

  const u = await admin.post(`/api/v1/merges/${m.json.id}/undo`);
  assert.equal(u.status, 200, u.text);
  const back = (await admin.get(`/api/v1/companies/${into.id}`)).json;
  assert.deepEqual(back.phones.map((p) => p.e164), ['+48221111111']);
  assert.equal(back.tax_id, null);
  assert.equal((await admin.get(`/api/v1/companies/${from.id}`)).status, 200);
  const card2 = (await admin.get(`/api/v1/contacts/${person.id}`)).json;
  assert.deepEqual(card2.company_ids, [from.id]);
});
