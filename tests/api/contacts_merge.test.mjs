// Merging contacts: what moves (phones, emails, links, custom fields, history), what does
// not get overwritten, the refusals (into itself, deleted cards, stale If-Match), the
// audit rows, the timeline of the surviving card, and the admin's undo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'grade', type: 'text' });
  await admin.post('/api/v1/custom-fields', { object: 'contact', name: 'vip', type: 'bool' });
});
after(async () => { await srv.stop(); });

const post = (p, b, h) => admin.post(p, b, h);

async function pair() {
  const co1 = (await post('/api/v1/companies', { name: 'Merge One' })).json;
  const co2 = (await post('/api/v1/companies', { name: 'Merge Two' })).json;
  const into = (await post('/api/v1/contacts', {
    first_name: 'Ivan', last_name: 'Petrov', phones: ['+7 495 100-00-01'], emails: ['ivan@one.example'],
    companies: [{ id: co1.id, role: 'director' }], custom_fields: { grade: 'A' }, tags: ['a'],
  })).json;
  const from = (await post('/api/v1/contacts', {
    first_name: 'Иван', last_name: 'Петров', position: 'CEO', birthday: '1980-01-02',
    phones: ['8 495 100 00 01', { value: '+7 916 200-00-02', label: 'mobile' }], emails: ['IVAN@one.example', 'ivan@two.example'],
    companies: [{ id: co1.id, role: 'buyer' }, { id: co2.id, role: 'owner' }], custom_fields: { grade: 'B', vip: true }, tags: ['b'],
  })).json;
  await admin.patch(`/api/v1/contacts/${from.id}`, { notes: 'called twice' });
  return { into, from, co1, co2 };
}

test('a merge moves what the survivor lacks and overwrites nothing', async () => {
  const { into, from, co1, co2 } = await pair();
  const m = await post(`/api/v1/contacts/${into.id}/merge`, { from_id: from.id });
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.object, 'contact');
  assert.equal(m.json.into_id, into.id);
  assert.equal(m.json.from_id, from.id);
  assert.ok(Date.parse(m.json.undo_until) - Date.parse(m.json.created_at) >= 29 * 86400e3);
  const r = m.json.record;
  assert.equal(r.first_name, 'Ivan', 'names already there stay');
  assert.equal(r.position, 'CEO', 'empty fields are filled');
  assert.equal(r.birthday, '1980-01-02');
  assert.equal(r.notes, 'called twice');
  assert.deepEqual(r.phones.map((p) => p.e164), ['+74951000001', '+79162000002'], 'the same number is not doubled');
  assert.equal(r.phones[1].label, 'mobile');
  assert.deepEqual(r.emails.map((e) => e.value), ['ivan@one.example', 'ivan@two.example']);
  assert.deepEqual(r.tags, ['a', 'b']);
  assert.deepEqual(r.custom_fields, { grade: 'A', vip: true });
  assert.deepEqual(r.companies, [{ id: co1.id, name: 'Merge One', role: 'director' }, { id: co2.id, name: 'Merge Two', role: 'owner' }]);
  assert.equal((await admin.get(`/api/v1/contacts/${from.id}`)).status, 404, 'the merged card is gone');
  // lookups and search now lead to the survivor only
  const l = await admin.get('/api/v1/lookup/phone?number=89162000002');
  assert.deepEqual(l.json.data.map((x) => x.id), [into.id]);
  const s = await admin.get(`/api/v1/contacts?q=${encodeURIComponent('петров')}`);
  assert.deepEqual(s.json.data.map((x) => x.id), [], 'the merged-away names are not the survivor\'s');
  // audit: a merge row on the survivor, a merged row on the other
  const a1 = await admin.get(`/api/v1/audit?object=contact&object_id=${into.id}&action=merge`);
  assert.deepEqual(a1.json.data[0].changes.merged_from, [null, from.id]);
  const a2 = await admin.get(`/api/v1/audit?object=contact&object_id=${from.id}&action=merged`);
  assert.deepEqual(a2.json.data[0].changes.merged_into, [null, into.id]);
  // the survivor's timeline carries the other card's history
  const t = await admin.get(`/api/v1/contacts/${into.id}/timeline`);
  const mine = t.json.data.filter((x) => x.object_id === from.id).map((x) => x.action);
  assert.deepEqual(mine, ['merged', 'update', 'create']);
  assert.ok(t.json.data.every((x, i, a) => i === 0 || a[i - 1].at >= x.at), 'newest first');
});

test('refusals: into itself, deleted or missing cards, stale If-Match, bad bodies', async () => {
  const a = (await post('/api/v1/contacts', { first_name: 'Solo' })).json;
  const b = (await post('/api/v1/contacts', { first_name: 'Gone' })).json;
  await admin.del(`/api/v1/contacts/${b.id}`);
  let r = await post(`/api/v1/contacts/${a.id}/merge`, { from_id: a.id });
  assert.equal(r.status, 422);
  assert.equal(r.json.errors[0].code, 'merge_into_itself');
  r = await post(`/api/v1/contacts/${a.id}/merge`, { from_id: b.id });
  assert.equal(r.status, 422);
  assert.equal(r.json.errors[0].code, 'invalid_reference');
  r = await post(`/api/v1/contacts/${b.id}/merge`, { from_id: a.id });
  assert.equal(r.status, 404);
  r = await post(`/api/v1/contacts/${a.id}/merge`, { from_id: 'x', other: 1 });
  assert.deepEqual(r.json.errors.map((e) => e.field).sort(), ['from_id', 'other']);
  assert.equal((await post(`/api/v1/contacts/${a.id}/merge`, {})).json.errors[0].code, 'required');
  const c = (await post('/api/v1/contacts', { first_name: 'Other' })).json;
  r = await post(`/api/v1/contacts/${a.id}/merge`, { from_id: c.id }, { 'if-match': '"7"' });
  assert.equal(r.status, 412);
  // a company id is not a contact id
  const co = (await post('/api/v1/companies', { name: 'Not a person' })).json;
  r = await post(`/api/v1/contacts/${a.id}/merge`, { from_id: co.id + 100000 });
  assert.equal(r.status, 422);
  assert.equal((await admin.get(`/api/v1/contacts/${c.id}`)).status, 200, 'nothing happened');
});

test('undo takes back what the merge did and keeps later edits', async () => {
  const { into, from, co1 } = await pair();
  const m = (await post(`/api/v1/contacts/${into.id}/merge`, { from_id: from.id })).json;
  // edited after the merge: the position changed, a phone added
  const now = (await admin.get(`/api/v1/contacts/${into.id}`)).json;
  await admin.patch(`/api/v1/contacts/${into.id}`, { position: 'Chairman', phones: [...now.phones, '+7 495 300-00-03'] });
  const u = await post(`/api/v1/merges/${m.id}/undo`);
  assert.equal(u.status, 200, u.text);
  assert.ok(u.json.undone_at);
  const back = u.json.record;
  assert.equal(back.position, 'Chairman', 'a later edit stays');
  assert.equal(back.birthday, null);
  assert.deepEqual(back.phones.map((p) => p.e164), ['+74951000001', '+74953000003']);
  assert.deepEqual(back.emails.map((e) => e.value), ['ivan@one.example']);
  assert.deepEqual(back.custom_fields, { grade: 'A' });
  assert.deepEqual(back.company_ids, [co1.id]);
  const restored = await admin.get(`/api/v1/contacts/${from.id}`);
  assert.equal(restored.status, 200);
  assert.equal(restored.json.last_name, 'Петров');
  const found = (await admin.get('/api/v1/lookup/phone?number=89162000002')).json.data.map((x) => x.id);
  assert.ok(found.includes(from.id) && !found.includes(into.id), 'the number leads back to the restored card');
  const again = await post(`/api/v1/merges/${m.id}/undo`);
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'already_undone');
  assert.equal((await post('/api/v1/merges/999999/undo')).status, 404);
  const t = await admin.get(`/api/v1/contacts/${into.id}/timeline`);
  assert.equal(t.json.data[0].action, 'unmerge');
  assert.ok(!t.json.data.some((x) => x.object_id === from.id), 'the history went back with the card');
});

test('the timeline pages with a cursor', async () => {
  const c = (await post('/api/v1/contacts', { first_name: 'Pages' })).json;
  for (let i = 0; i < 5; i++) await admin.patch(`/api/v1/contacts/${c.id}`, { notes: `n${i}` });
  const seen = [];
  let after = '';
  for (let i = 0; i < 10; i++) {
    const r = await admin.get(`/api/v1/contacts/${c.id}/timeline?limit=2${after ? `&after=${after}` : ''}`);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.data.map((x) => x.id));
    if (!r.json.next) break;
    after = r.json.next;
  }
  assert.equal(seen.length, 6);
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
  assert.equal((await admin.get(`/api/v1/contacts/${c.id}/timeline?after=garbage`)).status, 422);
  assert.equal((await admin.get(`/api/v1/contacts/${c.id}/timeline?limit=0`)).status, 422);
  assert.equal((await admin.get('/api/v1/contacts/999999/timeline')).status, 404);
});
