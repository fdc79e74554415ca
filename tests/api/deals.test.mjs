// Deals in a pipeline: stage moves with the stage's expected results checked, lost reasons,
// the stage history, stages of another pipeline refused, concurrent moves of one deal,
// co-owners counted as owners for scope `own`, flags (no next step, stuck), timelines,
// reassignment, and hostile input that must change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, adminClient, userClient, Client } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin, proc;
before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  const r = await admin.post('/api/v1/pipelines', {
    name: 'Process',
    stages: [
      { name: 'Qualify', probability: 10, checklist: ['Budget confirmed', 'Decision maker known'],
        required_fields: ['amount', 'expected_close', 'contact_ids'] },
      { name: 'Propose', probability: 50, required_fields: ['company_id'] },
      { name: 'Won', probability: 100, kind: 'won' },
      { name: 'Lost', probability: 0, kind: 'lost' },
    ],
  });
  assert.equal(r.status, 201, r.text);
  proc = r.json;
});
after(async () => { await srv.stop(); });

const stage = (name) => proc.stages.find((s) => s.name === name).id;
const ifMatch = (v) => ({ 'if-match': `"${v}"` });

async function deal(body = {}, client = admin) {
  const r = await client.post('/api/v1/deals', { title: 'a deal', pipeline_id: proc.id, ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function contact(name = 'Anna Nowak') {
  const r = await admin.post('/api/v1/contacts', { first_name: name });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('leaving a stage checks its checklist and required fields, names what is missing and changes nothing', async () => {
  const d = await deal();
  assert.deepEqual(d.checklist, [{ item: 'Budget confirmed', done: false }, { item: 'Decision maker known', done: false }]);
  let r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Propose') }, ifMatch(d.version));
  assert.equal(r.status, 422, r.text);
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  const missing = r.json.errors.map((e) => `${e.field}:${e.code}`).sort();
  assert.deepEqual(missing, ['amount:required_for_stage', 'checklist:checklist_incomplete', 'checklist:checklist_incomplete',
    'contact_ids:required_for_stage', 'expected_close:required_for_stage']);
  assert.ok(r.json.errors.some((e) => e.message.includes('Budget confirmed') && e.message.includes('Qualify')));
  let now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.equal(now.version, d.version);
  assert.equal(now.stage_id, stage('Qualify'));

  // part of it in the same request: the rest is still named, and nothing is saved
  const c = await contact();
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Propose'), amount: 5000,
    checklist: [{ item: 'Budget confirmed', done: true }] }, ifMatch(d.version));
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => e.field).sort(), ['checklist', 'contact_ids', 'expected_close']);
  now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.equal(now.amount, null);
  assert.equal(now.checklist[0].done, false);

  // done over two requests: the checklist is kept on the deal
  r = await admin.patch(`/api/v1/deals/${d.id}`, { amount: 5000, checklist: [{ item: 'Budget confirmed', done: true }] }, ifMatch(d.version));
  assert.equal(r.status, 200, r.text);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Propose'), expected_close: '2027-01-31', contact_ids: [c.id],
    checklist: [{ item: 'Decision maker known', done: true }] }, ifMatch(r.json.version));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.stage_id, stage('Propose'));
  assert.equal(r.json.probability, 50);
  assert.deepEqual(r.json.contact_ids, [c.id]);

  // backwards needs nothing; forwards to won needs the current stage's results
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Won') }, ifMatch(r.json.version));
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => e.field), ['company_id']);
  const co = await admin.post('/api/v1/companies', { name: 'Nowak i Syn' });
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Won'), company_id: co.json.id }, ifMatch(now.version + 2));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'won');
  assert.ok(r.json.closed_at);

  const h = (await admin.get(`/api/v1/deals/${d.id}/stage-history`)).json.data;
  assert.deepEqual(h.map((x) => [x.from_stage, x.to_stage]), [[null, 'Qualify'], ['Qualify', 'Propose'], ['Propose', 'Won']]);
  for (const x of h.slice(1)) {
    assert.equal(x.user_id, admin.user.id);
    assert.ok(Number.isInteger(x.seconds) && x.seconds >= 0);
  }
});

test('entering a lost stage needs a lost reason; lost and won deals can be reopened', async () => {
  const d = await deal();
  let r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Lost') }, ifMatch(d.version));
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['lost_reason', 'required_for_stage']]);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Lost'), lost_reason: '   ' }, ifMatch(d.version));
  assert.equal(r.status, 422);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Lost'), lost_reason: 'went with a competitor' }, ifMatch(d.version));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'lost');
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Qualify') }, ifMatch(r.json.version));
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'open');
  assert.equal(r.json.closed_at, null);
  assert.equal((await admin.get(`/api/v1/deals?status=lost&filter=${encodeURIComponent(`id eq ${d.id}`)}`)).json.data.length, 0);
});

test('a stage of another pipeline is refused; changing pipeline lands in its first stage', async () => {
  const d = await deal();
  const sales = (await admin.get('/api/v1/pipelines/1')).json;
  let r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: sales.stages[1].id }, ifMatch(d.version));
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['stage_id', 'stage_not_in_pipeline']]);
  r = await admin.post('/api/v1/deals', { title: 'mismatch', pipeline_id: proc.id, stage_id: sales.stages[0].id });
  assert.equal(r.status, 422);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: 999999 }, ifMatch(d.version));
  assert.equal(r.status, 422);
  assert.equal((await admin.get(`/api/v1/deals/${d.id}`)).json.version, d.version);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { pipeline_id: sales.id }, ifMatch(d.version));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.pipeline_id, r.json.stage_id], [sales.id, sales.stages[0].id]);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { pipeline_id: proc.id, stage_id: stage('Propose') }, ifMatch(r.json.version));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.stage_id, stage('Propose'));
});

test('two managers move the same card at once: exactly one wins, the other gets 412', async () => {
  const other = await admin.post('/api/v1/pipelines', { name: 'Free', stages: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
  const [, b, c] = other.json.stages;
  for (let round = 0; round < 5; round++) {
    const d = await deal({ pipeline_id: other.json.id });
    const clients = [new Client(srv.url), new Client(srv.url)];
    await Promise.all(clients.map((cl) => cl.login()));
    const [r1, r2] = await Promise.all([
      clients[0].patch(`/api/v1/deals/${d.id}`, { stage_id: b.id }, ifMatch(d.version)),
      clients[1].patch(`/api/v1/deals/${d.id}`, { stage_id: c.id }, ifMatch(d.version)),
    ]);
    assert.deepEqual([r1.status, r2.status].sort(), [200, 412], `${r1.text} ${r2.text}`);
    const lost = r1.status === 412 ? r1 : r2;
    assert.equal(lost.json.code, 'version_mismatch');
    const winner = r1.status === 200 ? b.id : c.id;
    const now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
    assert.equal(now.stage_id, winner);
    assert.equal(now.version, d.version + 1);
    const h = (await admin.get(`/api/v1/deals/${d.id}/stage-history`)).json.data;
    assert.equal(h.length, 2, 'one move recorded, not two');
    const first = (await admin.get(`/api/v1/deals/${d.id}/stage-history?limit=1`)).json;
    assert.deepEqual(first.data.map((x) => x.id), [h[0].id]);
    const second = (await admin.get(`/api/v1/deals/${d.id}/stage-history?limit=1&after=${first.next}`)).json;
    assert.deepEqual([second.data.map((x) => x.id), second.next], [[h[1].id], null]);
    assert.equal((await admin.get(`/api/v1/deals/${d.id}/stage-history?limit=0`)).status, 422);
    assert.equal((await admin.get(`/api/v1/deals/${d.id}/stage-history?after=x`)).status, 422);
  }
  const board = (await admin.get(`/api/v1/pipelines/${other.json.id}/board`)).json;
  assert.equal(board.stages.reduce((n, s) => n + s.count, 0), 5, 'the totals counted each deal once');
});

test('co-owners count as owners for scope own; others see nothing', async () => {
  const team = await admin.post('/api/v1/teams', { name: `t-${process.pid}` });
  const m1 = checked(await userClient(srv, admin, { team_ids: [team.json.id] }));
  const mate = checked(await userClient(srv, admin, { team_ids: [team.json.id] }));
  const m2 = checked(await userClient(srv, admin));
  const stranger = checked(await userClient(srv, admin));
  const d = await deal({ title: 'shared one' }, m1);
  assert.equal(d.owner_id, m1.id);
  assert.equal((await m2.get(`/api/v1/deals/${d.id}`)).status, 404);
  let r = await m1.patch(`/api/v1/deals/${d.id}`, { co_owner_ids: [m2.id] }, ifMatch(d.version));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.co_owner_ids, [m2.id]);
  // the co-owner reads, lists, edits and moves the deal
  assert.equal((await m2.get(`/api/v1/deals/${d.id}`)).status, 200);
  assert.deepEqual((await m2.get('/api/v1/deals')).json.data.map((x) => x.id), [d.id]);
  assert.deepEqual((await m2.get(`/api/v1/deals?co_owner_id=${m2.id}`)).json.data.map((x) => x.id), [d.id]);
  r = await m2.patch(`/api/v1/deals/${d.id}`, { amount: 100, checklist: [{ item: 'Budget confirmed', done: true }] }, ifMatch(r.json.version));
  assert.equal(r.status, 200, r.text);
  // a team mate of the owner reads (team read) but may not write (own write)
  assert.equal((await mate.get(`/api/v1/deals/${d.id}`)).status, 200);
  assert.equal((await mate.patch(`/api/v1/deals/${d.id}`, { amount: 1 })).status, 403);
  // a stranger neither reads nor writes, nor sees it in lists, boards or history
  assert.equal((await stranger.get(`/api/v1/deals/${d.id}`)).status, 404);
  assert.equal((await stranger.patch(`/api/v1/deals/${d.id}`, { amount: 1 })).status, 404);
  assert.equal((await stranger.get('/api/v1/deals')).json.data.length, 0);
  assert.equal((await stranger.get(`/api/v1/deals/${d.id}/stage-history`)).status, 404);
  assert.equal((await stranger.get(`/api/v1/deals/${d.id}/timeline`)).status, 404);
  assert.equal((await stranger.post(`/api/v1/deals/${d.id}/payments`, { kind: 'planned', amount: 5 })).status, 404);
  const sb = (await stranger.get(`/api/v1/pipelines/${proc.id}/board`)).json;
  assert.equal(sb.stages.reduce((n, s) => n + s.count, 0), 0);
  // taken off the deal, the co-owner loses it
  r = await m1.patch(`/api/v1/deals/${d.id}`, { co_owner_ids: [] }, ifMatch(r.json.version));
  assert.equal(r.status, 200);
  assert.equal((await m2.get(`/api/v1/deals/${d.id}`)).status, 404);
  // handing the deal over keeps nothing for the old owner unless they stay co-owner
  r = await m1.patch(`/api/v1/deals/${d.id}`, { owner_id: m2.id, co_owner_ids: [m1.id] }, ifMatch(r.json.version));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.owner_id, r.json.co_owner_ids], [m2.id, [m1.id]]);
  assert.equal((await m2.get(`/api/v1/deals/${d.id}`)).status, 200);
  assert.equal((await m1.get(`/api/v1/deals/${d.id}`)).status, 200);
  // a manager cannot create a deal for somebody else alone
  r = await m1.post('/api/v1/deals', { title: 'for m2', owner_id: m2.id });
  assert.equal(r.status, 403);
});

test('hostile input is refused and changes nothing', async () => {
  const d = await deal({ amount: 100 });
  const count = async () => (await admin.get('/api/v1/deals?count=true&limit=1')).json.count;
  const n = await count();
  const bad = [
    [{ title: 'neg', amount: -1 }, 'amount'],
    [{ title: 'big', amount: 1e16 }, 'amount'],
    [{ title: 'float', amount: 10.5 }, 'amount'],
    [{ title: 'cur', currency: 'XYZ' }, 'currency'],
    [{ title: 'cur', currency: 'eur' }, 'currency'],
    [{ title: 'cur', currency: 978 }, 'currency'],
    [{ title: 'x'.repeat(501) }, 'title'],
    [{ title: 'tags', tags: 'vip' }, 'tags'],
    [{ title: 'tags', tags: ['a', 'a'] }, 'tags[1]'],
    [{ title: 'co', co_owner_ids: [987654] }, 'co_owner_ids[0]'],
    [{ title: 'contacts', contact_ids: [987654] }, 'contact_ids[0]'],
    [{ title: 'contacts', contacts: [{ id: 1, role: 'x', extra: 1 }] }, 'contacts[0]'],
    [{ title: 'stage', stage_id: 'two' }, 'stage_id'],
    [{ title: 'unknown', colour: 'red' }, 'colour'],
    [{ title: 'status', status: 'won' }, 'status'],
    [{ title: 'date', expected_close: '2026-02-30' }, 'expected_close'],
    [{ title: 'checklist', checklist: [{ item: 'no such item', done: true }] }, 'checklist[0]'],
    [{ title: null }, 'title'],
    [{ title: 'no owner', owner_id: null }, 'owner_id'],
  ];
  for (const [body, field] of bad) {
    const r = await admin.post('/api/v1/deals', { pipeline_id: proc.id, ...body });
    assert.equal(r.status, 422, `${JSON.stringify(body)} -> ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field), `${field}: ${r.text}`);
  }
  // beyond 64 bits the JSON parser refuses the body itself
  for (const raw of ['{"title":"huge","amount":18446744073709551616}', '{"title":"huge","amount":-9223372036854775809}']) {
    const r = await admin.req('POST', '/api/v1/deals', raw);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.code, 'malformed_json');
  }
  let r = await admin.req('PATCH', `/api/v1/deals/${d.id}`, '{"amount":99999999999999999999999}', ifMatch(d.version));
  assert.equal(r.status, 400);
  r = await admin.req('PATCH', `/api/v1/deals/${d.id}`, Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
  assert.equal(r.status, 400);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { amount: -5 }, ifMatch(d.version));
  assert.equal(r.status, 422);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { currency: 'ZZZ' }, ifMatch(d.version));
  assert.equal(r.status, 422);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: null }, ifMatch(d.version));
  assert.equal(r.status, 422);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { amount: 5 }, { 'if-match': '"abc"' });
  assert.equal(r.status, 400);
  const now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.deepEqual([now.version, now.amount, now.title, now.currency], [d.version, 100, d.title, d.currency]);
  assert.equal(await count(), n);
  // clients the caller may not read, or that are gone, are not linked
  const m = checked(await userClient(srv, admin));
  const hidden = (await admin.post('/api/v1/companies', { name: 'Hidden Co' })).json;
  const gone = (await admin.post('/api/v1/contacts', { first_name: 'Gone' })).json;
  assert.equal((await admin.del(`/api/v1/contacts/${gone.id}`)).status, 204);
  r = await m.post('/api/v1/deals', { title: 'peek', company_id: hidden.id });
  assert.equal(r.status, 422);
  assert.equal(r.json.errors[0].field, 'company_id');
  r = await admin.post('/api/v1/deals', { title: 'ghost', contact_ids: [gone.id] });
  assert.equal(r.status, 422);
  assert.equal(r.json.errors[0].field, 'contact_ids[0]');
  assert.equal(await count(), n);
  // list arguments
  for (const q of ['flag=bogus', 'contact_id=abc', 'co_owner_id=-1', 'filter=amount%20gt', 'sort=probability', 'after=zzz'])
    assert.equal((await admin.get(`/api/v1/deals?${q}`)).status, 422, q);
});

test('flags: no next step (open deal without a planned activity) and stuck (past the stage time limit)', async () => {
  const p = await admin.post('/api/v1/pipelines', { name: 'Timed', stages: [{ name: 'slow', time_limit_days: 2 }, { name: 'ok', kind: 'won' }] });
  const [slow, won] = p.json.stages;
  const fresh = await deal({ pipeline_id: p.json.id, title: 'fresh' });
  const old = await deal({ pipeline_id: p.json.id, title: 'old' });
  const closed = await deal({ pipeline_id: p.json.id, stage_id: won.id, title: 'closed' });
  const ids = async (q) => (await admin.get(`/api/v1/deals?pipeline_id=${p.json.id}&${q}`)).json.data.map((x) => x.id).sort();
  assert.deepEqual(await ids('flag=stuck'), []);
  assert.equal(slow.time_limit_days, 2);
  assert.ok(Date.parse(old.stuck_at) - Date.parse(old.stage_entered_at) === 2 * 86400e3, old.stuck_at);
  assert.equal(closed.stuck_at, null);
  // three days pass for two of them (the clock is moved back in the database): stuck
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(srv.dataDir, 'kartoteka.db'),
    `UPDATE deals SET stage_entered_at = strftime('%Y-%m-%dT%H:%M:%SZ', stage_entered_at, '-3 days'),
     stuck_at = strftime('%Y-%m-%dT%H:%M:%SZ', stuck_at, '-3 days') WHERE id IN (${old.id}, ${closed.id})`]);
  assert.deepEqual(await ids('flag=stuck'), [old.id]);
  // a longer limit frees it, a shorter one catches it again
  let r = await admin.patch(`/api/v1/pipelines/${p.json.id}/stages/${slow.id}`, { time_limit_days: 5 });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(await ids('flag=stuck'), []);
  r = await admin.patch(`/api/v1/pipelines/${p.json.id}/stages/${slow.id}`, { time_limit_days: 1 });
  assert.deepEqual(await ids('flag=stuck'), [old.id]);
  assert.deepEqual(await ids('flag=no_next_step'), [fresh.id, old.id].sort());
  // a planned activity is a next step; a done or cancelled one is not
  const a = await admin.post('/api/v1/activities', { kind: 'task', subject: 'call back', deal_id: fresh.id, due_at: '2030-01-01T10:00:00Z' });
  assert.equal(a.status, 201, a.text);
  const done = await admin.post('/api/v1/activities', { kind: 'call', subject: 'called', deal_id: old.id, done_at: '2026-01-01T10:00:00Z' });
  assert.equal(done.status, 201, done.text);
  assert.deepEqual(await ids('flag=no_next_step'), [old.id]);
  assert.deepEqual(await ids('flag=no_next_step,stuck'), [old.id]);
  const board = (await admin.get(`/api/v1/pipelines/${p.json.id}/board?flag=stuck`)).json;
  assert.deepEqual(board.stages.map((s) => s.count), [1, 0]);
});

test('deals, stage changes and offers appear on the deal and on its client cards', async () => {
  const c = await contact('Timeline Person');
  const co = (await admin.post('/api/v1/companies', { name: 'Timeline Co' })).json;
  const sales = (await admin.get('/api/v1/pipelines/1')).json;
  let d = await deal({ pipeline_id: sales.id, title: 'visible deal', contact_ids: [c.id], company_id: co.id });
  let r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: sales.stages[1].id }, ifMatch(d.version));
  assert.equal(r.status, 200, r.text);
  r = await admin.post(`/api/v1/deals/${d.id}/items`, { name: 'Consulting', quantity: 2, price: 1500 });
  assert.equal(r.status, 201, r.text);
  const kinds = async (path) => {
    const t = await admin.get(path);
    assert.equal(t.status, 200, t.text);
    return t.json.data;
  };
  const own = await kinds(`/api/v1/deals/${d.id}/timeline`);
  assert.ok(own.some((e) => e.kind === 'stage_change' && e.to_stage === sales.stages[1].name && e.from_stage === sales.stages[0].name));
  assert.ok(own.some((e) => e.kind === 'offer' && e.amount === 3000 && e.items[0].name === 'Consulting'));
  for (const path of [`/api/v1/contacts/${c.id}/timeline`, `/api/v1/companies/${co.id}/timeline`]) {
    const t = await kinds(path);
    assert.ok(t.some((e) => e.kind === 'deal' && e.deal_id === d.id && e.title === 'visible deal'), path);
    assert.ok(t.some((e) => e.kind === 'stage_change' && e.deal_id === d.id), path);
    assert.ok(t.some((e) => e.kind === 'offer' && e.deal_id === d.id), path);
  }
  // what a manager may not read stays off their view of the card
  const m = checked(await userClient(srv, admin));
  const mc = (await m.post('/api/v1/contacts', { first_name: 'Mine' })).json;
  d = await deal({ title: 'admin only', contact_ids: [mc.id] });
  const mine = (await m.get(`/api/v1/contacts/${mc.id}/timeline`)).json.data;
  assert.ok(!mine.some((e) => e.deal_id === d.id), JSON.stringify(mine));
  assert.deepEqual((await admin.get(`/api/v1/deals?contact_id=${mc.id}`)).json.data.map((x) => x.id), [d.id]);
});

test('reassignment hands a user\'s deals and co-ownerships to another user', async () => {
  const from = checked(await userClient(srv, admin));
  const to = checked(await userClient(srv, admin));
  const a = await deal({ title: 'owned' }, from);
  const b = await deal({ title: 'co-owned', co_owner_ids: [from.id] });
  const r = await admin.post('/api/v1/reassign', { from_user_id: from.id, to_user_id: to.id, objects: ['deals'] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.moved.deals, 1);
  assert.equal((await to.get(`/api/v1/deals/${a.id}`)).json.owner_id, to.id);
  assert.deepEqual((await admin.get(`/api/v1/deals/${b.id}`)).json.co_owner_ids, [to.id]);
  assert.equal((await from.get(`/api/v1/deals/${a.id}`)).status, 404);
  const audit = (await admin.get(`/api/v1/audit?object=deal&object_id=${a.id}`)).json.data;
  assert.ok(audit.some((x) => x.action === 'reassign'));
});

test('a deleted deal leaves lists and board totals', async () => {
  const p = await admin.post('/api/v1/pipelines', { name: 'Del', stages: [{ name: 'one' }] });
  const d = await deal({ pipeline_id: p.json.id, amount: 42 });
  let b = (await admin.get(`/api/v1/pipelines/${p.json.id}/board`)).json.stages[0];
  assert.deepEqual([b.count, b.amount], [1, 42]);
  assert.equal((await admin.del(`/api/v1/deals/${d.id}`, ifMatch(d.version + 1))).status, 412);
  assert.equal((await admin.del(`/api/v1/deals/${d.id}`, ifMatch(d.version))).status, 204);
  b = (await admin.get(`/api/v1/pipelines/${p.json.id}/board`)).json.stages[0];
  assert.deepEqual([b.count, b.amount], [0, 0]);
  assert.equal((await admin.get(`/api/v1/deals/${d.id}`)).status, 404);
});

test('merging client cards moves their deals and leads to the surviving card; undo moves them back', async () => {
  const keep = await contact('Keep Me');
  const drop = await contact('Drop Me');
  const both = await deal({ title: 'both', contacts: [{ id: keep.id, role: 'buyer' }, { id: drop.id, role: 'payer' }] });
  const dropOnly = await deal({ title: 'drop only', contacts: [{ id: drop.id, role: 'decision maker' }] });
  const lead = (await admin.post('/api/v1/leads', { channel: 'call', name: 'Drop Me', contact_id: drop.id })).json;
  const coKeep = (await admin.post('/api/v1/companies', { name: 'Keep Co' })).json;
  const coDrop = (await admin.post('/api/v1/companies', { name: 'Drop Co' })).json;
  const coDeal = await deal({ title: 'company deal', company_id: coDrop.id });

  let r = await admin.post(`/api/v1/contacts/${keep.id}/merge`, { from_id: drop.id });
  assert.equal(r.status, 200, r.text);
  const merge = r.json;
  assert.deepEqual((await admin.get(`/api/v1/deals/${both.id}`)).json.contacts, [{ id: keep.id, role: 'buyer' }]);
  assert.deepEqual((await admin.get(`/api/v1/deals/${dropOnly.id}`)).json.contacts, [{ id: keep.id, role: 'decision maker' }]);
  assert.equal((await admin.get(`/api/v1/leads/${lead.id}`)).json.contact_id, keep.id);
  assert.deepEqual((await admin.get(`/api/v1/deals?contact_id=${keep.id}&sort=id`)).json.data.map((d) => d.id), [both.id, dropOnly.id]);

  r = await admin.post(`/api/v1/merges/${merge.id}/undo`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((await admin.get(`/api/v1/deals/${both.id}`)).json.contacts,
    [{ id: keep.id, role: 'buyer' }, { id: drop.id, role: 'payer' }].sort((a, b) => a.id - b.id));
  assert.deepEqual((await admin.get(`/api/v1/deals/${dropOnly.id}`)).json.contacts, [{ id: drop.id, role: 'decision maker' }]);
  assert.equal((await admin.get(`/api/v1/leads/${lead.id}`)).json.contact_id, drop.id);

  r = await admin.post(`/api/v1/companies/${coKeep.id}/merge`, { from_id: coDrop.id });
  assert.equal(r.status, 200, r.text);
  assert.equal((await admin.get(`/api/v1/deals/${coDeal.id}`)).json.company_id, coKeep.id);
  r = await admin.post(`/api/v1/merges/${r.json.id}/undo`);
  assert.equal(r.status, 200, r.text);
  assert.equal((await admin.get(`/api/v1/deals/${coDeal.id}`)).json.company_id, coDrop.id);
});

test('the stage history row holds the stage and pipeline entered, when, and the seconds spent; writes that keep the stage add none', async () => {
  const secs = (t) => Date.parse(t) / 1000;
  const d = await deal({ checklist: [{ item: 'Budget confirmed', done: true }] });
  assert.deepEqual(d.checklist.map((x) => x.done), [true, false], 'a new deal\'s checklist is about its first stage');
  let h = (await admin.get(`/api/v1/deals/${d.id}/stage-history`)).json.data;
  assert.deepEqual(h.map((x) => [x.pipeline_id, x.from_stage_id, x.to_stage_id, x.at, x.seconds]),
    [[proc.id, null, stage('Qualify'), d.stage_entered_at, null]]);
  // the same stage named again, and other fields: no move
  let r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Qualify'), title: 'renamed' }, ifMatch(d.version));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.stage_entered_at, d.stage_entered_at);
  await new Promise((res) => setTimeout(res, 1100));   // a whole second in the stage
  r = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: stage('Lost'), lost_reason: 'no budget' }, ifMatch(r.json.version));
  assert.equal(r.status, 200, r.text);
  const lost = r.json;
  const other = await admin.post('/api/v1/pipelines', { name: 'Other process', stages: [{ name: 'Start' }, { name: 'End' }] });
  assert.equal(other.status, 201, other.text);
  r = await admin.patch(`/api/v1/deals/${d.id}`, { pipeline_id: other.json.id }, ifMatch(lost.version));
  assert.equal(r.status, 200, r.text);
  const moved = r.json;
  h = (await admin.get(`/api/v1/deals/${d.id}/stage-history`)).json.data;
  assert.deepEqual(h.slice(1).map((x) => [x.pipeline_id, x.from_stage_id, x.to_stage_id, x.at]), [
    [proc.id, stage('Qualify'), stage('Lost'), lost.stage_entered_at],
    [other.json.id, stage('Lost'), other.json.stages[0].id, moved.stage_entered_at],
  ]);
  assert.equal(h[1].seconds, secs(lost.stage_entered_at) - secs(d.stage_entered_at));
  assert.ok(h[1].seconds >= 1);
  assert.equal(h[2].seconds, secs(moved.stage_entered_at) - secs(lost.stage_entered_at));
  assert.equal(h[2].user_id, admin.user.id);
});
