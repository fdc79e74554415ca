// Role scopes across the client base: a manager sees the team's cards and writes their
// own; a card out of reach stays out of reach in every door (get, list, count, q=,
// /search, lookup, timeline, company persons, duplicate warnings, merge); reassignment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';

// every answer of these clients is checked against the OpenAPI document
const checkedUser = async (...a) => checked(await userClient(...a));

let srv, admin, anna, boris, cyril, solo, t1;
let card, company;
const PHONE = '+7 (343) 200-11-22';

before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  t1 = (await admin.post('/api/v1/teams', { name: 'North' })).json.id;
  const t2 = (await admin.post('/api/v1/teams', { name: 'South' })).json.id;
  const role = await admin.post('/api/v1/roles', {
    name: 'solo', scopes: { contacts: 'own', companies: 'own', users: { read: 'all' } },
  });
  assert.equal(role.status, 201, role.text);
  anna = await checkedUser(srv, admin, { team_ids: [t1], name: 'Anna North' });
  boris = await checkedUser(srv, admin, { team_ids: [t1], name: 'Boris North' });
  cyril = await checkedUser(srv, admin, { team_ids: [t2], name: 'Cyril South' });
  solo = await checkedUser(srv, admin, { role: 'solo', team_ids: [t1], name: 'Solo North' });
  company = (await anna.post('/api/v1/companies', { name: 'Anna Holding', phones: ['+7 343 200 99 99'] })).json;
  const r = await anna.post('/api/v1/contacts', {
    first_name: 'Secret', last_name: 'Client', phones: [PHONE], emails: ['secret@client.example'], company_ids: [company.id],
  });
  assert.equal(r.status, 201, r.text);
  card = r.json;
});
after(async () => { await srv.stop(); });

async function sees(c, expect) {
  const msg = (door) => `${door} for ${c.user.name}`;
  const get = await c.get(`/api/v1/contacts/${card.id}`);
  assert.equal(get.status, expect ? 200 : 404, msg('get'));
  const list = await c.get('/api/v1/contacts?count=true');
  assert.equal(list.json.data.some((x) => x.id === card.id), expect, msg('list'));
  assert.equal(list.json.count, expect ? 1 : 0, msg('count'));
  const q = await c.get('/api/v1/contacts?q=secret&count=true');
  assert.equal(q.json.data.length, expect ? 1 : 0, msg('q='));
  const s = await c.get('/api/v1/search?q=secret');
  assert.equal(s.json.data.some((x) => x.id === card.id), expect, msg('/search'));
  const l = await c.get(`/api/v1/lookup/phone?number=${encodeURIComponent('83432001122')}`);
  assert.equal(l.json.data.some((x) => x.type === 'contact' && x.id === card.id), expect, msg('lookup'));
  const loc = await c.get(`/api/v1/lookup/phone?number=${encodeURIComponent('200-11-22')}`);
  assert.equal(loc.json.data.length, expect ? 1 : 0, msg('lookup by suffix'));
  const t = await c.get(`/api/v1/contacts/${card.id}/timeline`);
  assert.equal(t.status, expect ? 200 : 404, msg('timeline'));
  const co = await c.get(`/api/v1/companies/${company.id}`);
  assert.equal(co.status, expect ? 200 : 404, msg('company get'));
  const persons = await c.get(`/api/v1/companies/${company.id}/contacts`);
  assert.equal(persons.status, expect ? 200 : 404, msg('company persons'));
  const ct = await c.get(`/api/v1/companies/${company.id}/timeline`);
  assert.equal(ct.status, expect ? 200 : 404, msg('company timeline'));
}

test('the owner and the team see the card; another team and an own-scope role do not', async () => {
  await sees(anna, true);
  await sees(boris, true);
  await sees(cyril, false);
  await sees(solo, false);
  await sees(admin, true);
});

// The typeahead of a principal with a narrow scope checks each full-text match against the
// (id, owner) index before reading the card (search.c): the team's cards must come out
// whatever the other teams' newer cards in front of them, owner changes count at once,
// and queued and indexed rows give the same answer.
test('a manager\'s typeahead finds the team\'s cards behind newer cards of other teams, and follows owner changes', async () => {
  const word = 'Zephyrine';
  const ours = [];
  for (const c of [anna, boris, anna]) ours.push((await c.post('/api/v1/contacts', { first_name: word, last_name: c.user.name })).json.id);
  const theirs = [];
  for (let i = 0; i < 14; i++) theirs.push((await cyril.post('/api/v1/contacts', { first_name: word, last_name: `South ${i}` })).json.id);
  const found = async (c) => (await c.get(`/api/v1/search?q=${word.slice(0, 5)}&limit=10`)).json.data
    .filter((x) => x.type === 'contact').map((x) => x.id).sort((a, b) => a - b);
  const expectAnna = [...ours].sort((a, b) => a - b);
  assert.deepEqual(await found(anna), expectAnna, 'right after the writes (queued rows)');
  await new Promise((r) => setTimeout(r, 600));   // the indexer runs every 0.1 s
  assert.deepEqual(await found(anna), expectAnna, 'from the full-text index');
  assert.deepEqual(await found(solo), [], 'an own-scope role that owns none of them');
  assert.equal((await found(cyril)).length, 10, 'the other team: its own newest ten');
  assert.ok((await found(cyril)).every((id) => theirs.includes(id)));
  // a card handed over to the team is found at once, a card handed away no more
  assert.equal((await admin.patch(`/api/v1/contacts/${theirs[0]}`, { owner_id: boris.id })).status, 200);
  assert.equal((await admin.patch(`/api/v1/contacts/${ours[2]}`, { owner_id: cyril.id })).status, 200);
  assert.deepEqual(await found(anna), [ours[0], ours[1], theirs[0]].sort((a, b) => a - b));
  for (const id of [...ours, ...theirs]) assert.equal((await admin.del(`/api/v1/contacts/${id}`)).status, 204);
  assert.deepEqual(await found(anna), [], 'deleted cards are not found');
});

test('a team member may read but not change or delete a colleague\'s card', async () => {
  const p = await boris.patch(`/api/v1/contacts/${card.id}`, { notes: 'mine now' });
  assert.equal(p.status, 403, p.text);
  assert.equal((await boris.del(`/api/v1/contacts/${card.id}`)).status, 403);
  assert.equal((await cyril.patch(`/api/v1/contacts/${card.id}`, { notes: 'x' })).status, 404);
  // nor hand a new card to someone else
  const r = await boris.post('/api/v1/contacts', { first_name: 'Gift', owner_id: anna.id });
  assert.equal(r.status, 403, r.text);
  assert.equal((await anna.get('/api/v1/contacts?first_name=Gift&count=true')).json.count, 0);
});

test('a duplicate out of reach is named with its owner, without its data', async () => {
  const r = await cyril.post('/api/v1/contacts', { first_name: 'Copy', phones: ['8 343 200-11-22'], emails: ['SECRET@client.example'] });
  assert.equal(r.status, 201, r.text);
  const w = r.json.warnings.find((x) => x.type === 'contact');
  assert.equal(w.id, card.id);
  assert.deepEqual(w.reasons.sort(), ['email', 'phone']);
  assert.equal(w.owner_id, anna.id);
  assert.equal(w.owner_name, 'Anna North');
  assert.equal(w.readable, false);
  assert.equal(w.name, undefined);
  assert.ok(!JSON.stringify(r.json.warnings).includes('Secret'), 'no data of the hidden card');
  // a team member who may read it gets the name
  const b = await boris.post('/api/v1/contacts', { first_name: 'Copy2', emails: ['secret@client.example'] });
  const wb = b.json.warnings.find((x) => x.id === card.id);
  assert.equal(wb.readable, true);
  assert.equal(wb.name, 'Secret Client');
});

test('merge across scopes is refused; undo is for admins', async () => {
  const mine = (await boris.post('/api/v1/contacts', { first_name: 'Boris card' })).json;
  let r = await boris.post(`/api/v1/contacts/${mine.id}/merge`, { from_id: card.id });
  assert.equal(r.status, 403, r.text);
  r = await boris.post(`/api/v1/contacts/${card.id}/merge`, { from_id: mine.id });
  assert.equal(r.status, 403, r.text);
  const cy = (await cyril.post('/api/v1/contacts', { first_name: 'Cyril card' })).json;
  r = await cyril.post(`/api/v1/contacts/${cy.id}/merge`, { from_id: card.id });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.errors[0].field, 'from_id');
  r = await cyril.post(`/api/v1/contacts/${card.id}/merge`, { from_id: cy.id });
  assert.equal(r.status, 404, r.text);
  // nothing moved
  assert.equal((await anna.get(`/api/v1/contacts/${card.id}`)).json.version, card.version);
  assert.equal((await boris.get(`/api/v1/contacts/${mine.id}`)).status, 200);
  // a manager merges their own cards but cannot undo
  const mine2 = (await boris.post('/api/v1/contacts', { first_name: 'Boris card 2' })).json;
  const m = await boris.post(`/api/v1/contacts/${mine.id}/merge`, { from_id: mine2.id });
  assert.equal(m.status, 200, m.text);
  assert.equal((await boris.post(`/api/v1/merges/${m.json.id}/undo`)).status, 403);
  assert.equal((await cyril.get(`/api/v1/merges/${m.json.id}`)).status, 404);
  assert.equal((await boris.get(`/api/v1/merges/${m.json.id}`)).status, 200);
});

test('the audit trail of a hidden card stays hidden from the timeline of a visible one', async () => {
  const t = await anna.get(`/api/v1/contacts/${card.id}/timeline`);
  assert.equal(t.status, 200);
  assert.ok(t.json.data.some((x) => x.action === 'create' && x.object_id === card.id));
  assert.equal((await cyril.get(`/api/v1/contacts/${card.id}/timeline?limit=1`)).status, 404);
});

test('reassignment: only with write scope all; moves every card in one call, audited per card', async () => {
  const body = { from_user_id: anna.id, to_user_id: boris.id };
  assert.equal((await anna.post('/api/v1/reassign', body)).status, 403);
  let r = await admin.post('/api/v1/reassign', { ...body, objects: ['contacts', 'nope'] });
  assert.equal(r.status, 422);
  r = await admin.post('/api/v1/reassign', { from_user_id: anna.id, to_user_id: 987654 });
  assert.equal(r.status, 422);
  const before = (await anna.get('/api/v1/contacts?count=true')).json.count;
  r = await admin.post('/api/v1/reassign', body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.moved.contacts, 1);
  assert.equal(r.json.moved.companies, 1);
  assert.match(r.json.message, new RegExp(`have been transferred to ${boris.user.name}.*contacts: 1`), 'the answer confirms in words');
  const now = (await boris.get(`/api/v1/contacts/${card.id}`)).json;
  assert.equal(now.owner_id, boris.id);
  assert.equal(now.version, card.version + 1);
  assert.equal((await boris.patch(`/api/v1/contacts/${card.id}`, { notes: 'mine now' })).status, 200);
  assert.equal((await anna.patch(`/api/v1/contacts/${card.id}`, { notes: 'no' })).status, 403);
  assert.equal((await anna.get('/api/v1/contacts?count=true')).json.count, before, 'Anna still sees them through the team');
  const audit = await admin.get(`/api/v1/audit?object=contact&object_id=${card.id}&action=reassign`);
  assert.equal(audit.json.data.length, 1);
  assert.deepEqual(audit.json.data[0].changes, { owner_id: [anna.id, boris.id] });
  const tl = await boris.get(`/api/v1/contacts/${card.id}/timeline`);
  assert.ok(tl.json.data.some((x) => x.action === 'reassign'));
});
