// Contacts as a client of the API sees them: CRUD, phones kept as typed beside E.164,
// emails, messengers, tags, addresses, company links with roles, custom fields, and the
// hostile input a public API gets (oversized phones, invalid UTF-8, wrong types,
// concurrent edits of one card).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();   // default phone region RU
  admin = checked(await adminClient(srv));
});
after(async () => { await srv.stop(); });

function problem(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  if (code) assert.equal(r.json.code, code, r.text);
}
const fields = (r) => r.json.errors.map((e) => e.field).sort();
const codeOf = (r, field) => r.json.errors.find((e) => e.field === field)?.code;

test('create, read, update and soft-delete a contact', async () => {
  const r = await admin.post('/api/v1/contacts', {
    first_name: 'Anna', last_name: 'Kowalska', position: 'buyer', birthday: '1990-04-01',
    source: 'web form', notes: 'prefers mornings', consent_email: true, tags: ['vip', 'vip', ' wholesale '],
    messengers: [{ value: '@anna_k', label: 'telegram' }],
    addresses: [{ label: 'home', city: 'Kraków', street: 'Floriańska 1' }],
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), `/api/v1/contacts/${r.json.id}`);
  const c = r.json;
  assert.equal(c.version, 1);
  assert.equal(c.owner_id, admin.user.id, 'the creator owns the card by default');
  assert.deepEqual(c.tags, ['vip', 'wholesale'], 'tags are trimmed and unique');
  assert.deepEqual(c.messengers, [{ value: '@anna_k', label: 'telegram' }]);
  assert.deepEqual(c.addresses, [{ city: 'Kraków', label: 'home', street: 'Floriańska 1' }]);
  assert.deepEqual(c.warnings, []);
  assert.equal(c.consent_email, true);
  assert.equal(c.consent_sms, false);

  const g = await admin.get(`/api/v1/contacts/${c.id}`);
  assert.equal(g.status, 200);
  assert.equal(g.headers.get('etag'), '"1"');
  assert.equal(g.json.first_name, 'Anna');
  assert.equal(g.json.warnings, undefined, 'a read carries no warnings');

  const u = await admin.patch(`/api/v1/contacts/${c.id}`, { position: 'chief buyer' }, { 'if-match': '"1"' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.version, 2);
  assert.equal(u.json.position, 'chief buyer');
  assert.equal(u.json.first_name, 'Anna', 'a PATCH keeps what it does not name');

  problem(await admin.del(`/api/v1/contacts/${c.id}`, { 'if-match': '"1"' }), 412, 'version_mismatch');
  assert.equal((await admin.del(`/api/v1/contacts/${c.id}`, { 'if-match': '"2"' })).status, 204);
  problem(await admin.get(`/api/v1/contacts/${c.id}`), 404, 'not_found');
  const list = await admin.get('/api/v1/contacts?count=true&tag=vip');
  assert.ok(!list.json.data.some((x) => x.id === c.id), 'deleted cards leave lists');
});

test('a contact needs a name, a phone or an email', async () => {
  const r = await admin.post('/api/v1/contacts', { position: 'nobody' });
  problem(r, 422, 'validation_failed');
  assert.equal(codeOf(r, 'first_name'), 'required');
  assert.equal((await admin.post('/api/v1/contacts', { phones: ['+48 22 123 45 67'] })).status, 201);
  assert.equal((await admin.post('/api/v1/contacts', { emails: ['x@example.com'] })).status, 201);
});

test('messy phones are normalised to E.164 and kept as typed; invalid ones are flagged, never dropped', async () => {
  const typed = [
    '8 (495) 123-45-67', '+7 495 1234567', '+420 601 123 456', '+48 22 123 45 67 wew. 12',
    ' +7\u00a0(495)\u00a0765-43-21 ', '12', 'call me', '+1-800-FLOWERS',
  ];
  const r = await admin.post('/api/v1/contacts', { first_name: 'Phones', phones: typed.map((value, i) => ({ value, label: `l${i}` })) });
  assert.equal(r.status, 201, r.text);
  const p = r.json.phones;
  assert.equal(p.length, typed.length, 'every number is kept');
  assert.deepEqual(p.map((x) => x.label), typed.map((_, i) => `l${i}`));
  assert.equal(p[0].value, '8 (495) 123-45-67');
  assert.equal(p[0].e164, '+74951234567');
  assert.equal(p[1].e164, '+74951234567', 'two spellings, one number');
  assert.equal(p[2].e164, '+420601123456');
  assert.equal(p[3].e164, '+48221234567');
  assert.equal(p[3].extension, '12');
  assert.equal(p[4].e164, '+74957654321');
  assert.equal(p[4].value, '+7\u00a0(495)\u00a0765-43-21', 'surrounding spaces trimmed, the rest as typed');
  for (const i of [0, 1, 2, 3, 4]) assert.equal(p[i].valid, true, typed[i]);
  for (const i of [5, 6]) {
    assert.equal(p[i].valid, false, typed[i]);
    assert.equal(p[i].value, typed[i]);
  }
  assert.equal(p[6].e164, null);
  // writing the card back as read changes nothing
  const back = await admin.patch(`/api/v1/contacts/${r.json.id}`, { phones: p });
  assert.equal(back.status, 200, back.text);
  assert.deepEqual(back.json.phones, p);
});

test('hostile phones: 10,000 characters, wrong types, NUL, too many entries', async () => {
  const huge = '1'.repeat(10000);
  let r = await admin.post('/api/v1/contacts', { first_name: 'X', phones: [huge] });
  problem(r, 422, 'validation_failed');
  assert.equal(codeOf(r, 'phones[0]'), 'too_long');
  r = await admin.post('/api/v1/contacts', { first_name: 'X', phones: [{ value: '+7 495 123 45 67' }, { value: huge, label: 'x' }] });
  assert.equal(codeOf(r, 'phones[1].value'), 'too_long');
  r = await admin.post('/api/v1/contacts', { first_name: 'X', phones: [42, { value: 7 }, { label: 'no value' }, { value: '1', extra: 1 }] });
  problem(r, 422);
  assert.deepEqual(fields(r), ['phones[0]', 'phones[1].value', 'phones[2].value', 'phones[3].extra']);
  r = await admin.post('/api/v1/contacts', { first_name: 'X', phones: ['+7 495\u0000 1234567'] });
  assert.equal(codeOf(r, 'phones[0]'), 'invalid_text');
  r = await admin.post('/api/v1/contacts', { first_name: 'X', phones: Array(51).fill('+74951234567') });
  assert.equal(codeOf(r, 'phones'), 'too_many');
  r = await admin.post('/api/v1/contacts', { first_name: 'X', phones: '+74951234567' });
  assert.equal(codeOf(r, 'phones'), 'invalid_type');
  // nothing of it was stored
  const l = await admin.get('/api/v1/contacts?first_name=X&count=true');
  assert.equal(l.json.count, 0);
  // a lookup with a 10,000-character number is refused, not parsed
  problem(await admin.get(`/api/v1/lookup/phone?number=${huge}`), 422, 'too_long');
});

test('invalid UTF-8 and malformed bodies are refused whole', async () => {
  const bad = Buffer.concat([Buffer.from('{"first_name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
  problem(await admin.post('/api/v1/contacts', bad), 400, 'malformed_json');
  problem(await admin.post('/api/v1/contacts', '{"first_name": "a",'), 400, 'malformed_json');
  problem(await admin.post('/api/v1/contacts', '[1,2]'), 422);
  const r = await admin.post('/api/v1/contacts', { first_name: 'Y', birthday: '2023-02-30', owner_id: 99999 });
  problem(r, 422);
  assert.deepEqual(fields(r), ['birthday', 'owner_id']);
  const u = await admin.post('/api/v1/contacts', { first_name: 5, id: 3, version: 9, nonsense: true });
  assert.deepEqual(fields(u), ['first_name', 'id', 'nonsense', 'version']);
  // a query string with invalid UTF-8 is searched as spaces, not an error
  const s = await admin.get('/api/v1/contacts?q=%C3%28%FFanna');
  assert.equal(s.status, 200, s.text);
});

test('emails are validated and kept as typed', async () => {
  const r = await admin.post('/api/v1/contacts', { first_name: 'Mail', emails: [{ value: ' Jan.Nowak@Example.PL ', label: 'work' }, 'jan@home.example'] });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.emails, [{ value: 'Jan.Nowak@Example.PL', label: 'work' }, { value: 'jan@home.example', label: null }]);
  const bad = await admin.post('/api/v1/contacts', { first_name: 'Mail', emails: [{ value: 'a@b' }, { value: 'x'.repeat(300) + '@example.com' }] });
  assert.deepEqual(fields(bad), ['emails[0].value', 'emails[1].value']);
});

test('contacts link to companies with a role; the company lists its contact persons', async () => {
  const acme = (await admin.post('/api/v1/companies', { name: 'Acme Sp. z o.o.' })).json;
  const beta = (await admin.post('/api/v1/companies', { name: 'Beta s.r.o.' })).json;
  const r = await admin.post('/api/v1/contacts', { first_name: 'Piotr', companies: [{ id: acme.id, role: 'accountant' }, { id: beta.id }] });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.company_ids, [acme.id, beta.id]);
  assert.deepEqual(r.json.companies, [
    { id: acme.id, name: 'Acme Sp. z o.o.', role: 'accountant' }, { id: beta.id, name: 'Beta s.r.o.', role: null }]);
  // company_ids keeps the roles of links that stay
  const u = await admin.patch(`/api/v1/contacts/${r.json.id}`, { company_ids: [acme.id] });
  assert.deepEqual(u.json.companies, [{ id: acme.id, name: 'Acme Sp. z o.o.', role: 'accountant' }]);
  const persons = await admin.get(`/api/v1/companies/${acme.id}/contacts`);
  assert.deepEqual(persons.json.data.map((x) => x.id), [r.json.id]);
  const byFilter = await admin.get(`/api/v1/contacts?company_id=${acme.id}`);
  assert.deepEqual(byFilter.json.data.map((x) => x.id), [r.json.id]);
  // a link to a company that does not exist, or both forms at once, is refused
  const bad = await admin.patch(`/api/v1/contacts/${r.json.id}`, { company_ids: [acme.id, 987654] });
  assert.equal(codeOf(bad, 'company_ids[1]'), 'invalid_reference');
  const both = await admin.patch(`/api/v1/contacts/${r.json.id}`, { company_ids: [], companies: [] });
  assert.equal(codeOf(both, 'companies'), 'conflict');
  // a deleted company drops out of the card
  assert.equal((await admin.del(`/api/v1/companies/${acme.id}`)).status, 204);
  assert.deepEqual((await admin.get(`/api/v1/contacts/${r.json.id}`)).json.company_ids, []);
});

test('custom fields: typed, validated on write, filterable and sortable', async () => {
  let r = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'shoe_size', type: 'number' });
  assert.equal(r.status, 201, r.text);
  r = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'segment', type: 'enum', options: ['a', 'b'] });
  assert.equal(r.status, 201, r.text);
  r = await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'alt_phone', type: 'phone' });
  assert.equal(r.status, 201, r.text);

  const wrong = await admin.post('/api/v1/contacts', { first_name: 'Cf', custom_fields: { shoe_size: 'large', segment: 'z', nope: 1 } });
  problem(wrong, 422);
  assert.equal(codeOf(wrong, 'custom_fields.shoe_size'), 'invalid_type');
  assert.equal(codeOf(wrong, 'custom_fields.segment'), 'invalid_choice');
  assert.equal(codeOf(wrong, 'custom_fields.nope'), 'unknown_field');
  problem(await admin.post('/api/v1/contacts', { first_name: 'Cf', custom_fields: [1] }), 422);

  const a = (await admin.post('/api/v1/contacts', { first_name: 'Cf', last_name: 'A', custom_fields: { shoe_size: 44, segment: 'a', alt_phone: '8 495 111-22-33' } })).json;
  const b = (await admin.post('/api/v1/contacts', { first_name: 'Cf', last_name: 'B', custom_fields: { shoe_size: 38.5 } })).json;
  assert.deepEqual(a.custom_fields, { alt_phone: '+74951112233', segment: 'a', shoe_size: 44 });
  const f = await admin.get('/api/v1/contacts?first_name=Cf&filter=' + encodeURIComponent('custom_fields.shoe_size gt 40'));
  assert.deepEqual(f.json.data.map((x) => x.id), [a.id]);
  const s = await admin.get('/api/v1/contacts?first_name=Cf&sort=custom_fields.shoe_size');
  assert.deepEqual(s.json.data.map((x) => x.id), [b.id, a.id]);
  // a PATCH merges custom fields; null removes one
  const u = await admin.patch(`/api/v1/contacts/${a.id}`, { custom_fields: { segment: null } });
  assert.deepEqual(u.json.custom_fields, { alt_phone: '+74951112233', shoe_size: 44 });
  const spec = await (await fetch(`${srv.url}/api/v1/openapi.json`)).json();
  assert.ok(spec.components.schemas.contact.properties.custom_fields.properties.shoe_size);
});

test('concurrent edits of one card with the same If-Match: exactly one wins, the others get 412', async () => {
  const c = (await admin.post('/api/v1/contacts', { first_name: 'Race' })).json;
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    admin.patch(`/api/v1/contacts/${c.id}`, { notes: `edit ${i}` }, { 'if-match': `"${c.version}"` })));
  const ok = rs.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, rs.map((r) => r.status).join(','));
  for (const r of rs.filter((x) => x.status !== 200)) problem(r, 412, 'version_mismatch');
  const now = (await admin.get(`/api/v1/contacts/${c.id}`)).json;
  assert.equal(now.version, 2);
  assert.equal(now.notes, ok[0].json.notes);
  problem(await admin.patch(`/api/v1/contacts/${c.id}`, { notes: 'x' }, { 'if-match': 'garbage' }), 400, 'invalid_if_match');
});

test('Idempotency-Key: a retried create does not create twice', async () => {
  const body = { first_name: 'Idem', phones: ['+7 495 000 11 22'] };
  const a = await admin.post('/api/v1/contacts', body, { 'idempotency-key': 'k-contacts-1' });
  const b = await admin.post('/api/v1/contacts', body, { 'idempotency-key': 'k-contacts-1' });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(b.json.id, a.json.id);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
});

test('lists page with a cursor, select fields and count', async () => {
  for (let i = 0; i < 5; i++) await admin.post('/api/v1/contacts', { first_name: 'Page', last_name: `N${i}` });
  const p1 = await admin.get('/api/v1/contacts?first_name=Page&limit=2&sort=last_name&count=true&fields=last_name');
  assert.deepEqual(p1.json.data.map((x) => x.last_name), ['N0', 'N1']);
  assert.equal(p1.json.count, 5);
  assert.equal(p1.json.data[0].first_name, undefined, 'only the fields asked for');
  const p2 = await admin.get(`/api/v1/contacts?first_name=Page&limit=2&sort=last_name&after=${p1.json.next}`);
  assert.deepEqual(p2.json.data.map((x) => x.last_name), ['N2', 'N3']);
});
