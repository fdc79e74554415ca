// The kanban board of users whose role sees only some deals (scope own or team). Their
// board counts and sums from totals kept by triggers (owner_totals, deal_shares) and pages
// each stage from the owners' indexes; this file holds that fast path to the truth: after
// every kind of change (co-owners in and out of the team, moves between stages and
// pipelines, reassignment, removed stages, deletions, currencies) each user's board must
// show exactly the counts, sums, cards and pages the deal list gives the same user, and
// the same answer as the generic path (forced by a filter that filters nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, Client } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin, p;
const users = {}, clients = {}, deals = {};

async function mk(path, body, c = admin) {
  const r = await c.post(path, body);
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

async function mkUser(key, role, teamIds) {
  const email = `${key}@board-scopes.example`;
  users[key] = await mk('/api/v1/users', { email, name: `User ${key}`, password: 'board-pass-1', role, team_ids: teamIds });
  clients[key] = checked(await new Client(srv.url).login(email, 'board-pass-1'));
}

// a change made by the administrator with If-Match, keeping deals[key] current
async function change(key, body) {
  const d = deals[key];
  const r = await admin.patch(`/api/v1/deals/${d.id}`, body, { 'if-match': `"${d.version}"` });
  assert.equal(r.status, 200, `${key}: ${r.text}`);
  deals[key] = r.json;
}

async function listAll(c, path) {
  const out = [];
  let next = null;
  for (let i = 0; i < 20; i++) {
    const r = await c.get(`${path}${path.includes('?') ? '&' : '?'}limit=500${next ? `&after=${next}` : ''}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.data);
    next = r.json.next;
    if (!next) return out;
  }
  throw new Error('too many pages');
}

const LIMIT = 2;

// the board of `c` against the deal list of `c`, stage by stage
async function assertBoardIsTheList(key, label) {
  const c = clients[key];
  const visible = await listAll(c, `/api/v1/deals?pipeline_id=${p.id}`);
  const r = await c.get(`/api/v1/pipelines/${p.id}/board?limit=${LIMIT}`);
  assert.equal(r.status, 200, r.text);
  const board = r.json;
  const stages = (await admin.get(`/api/v1/pipelines/${p.id}`)).json.stages;
  assert.deepEqual(board.stages.map((s) => s.id), stages.map((s) => s.id), `${label}/${key}: columns`);
  for (const col of board.stages) {
    const want = visible.filter((d) => d.stage_id === col.id);   // newest first, as listed
    const amounts = {};
    for (const d of want) amounts[d.currency] = (amounts[d.currency] ?? 0) + (d.amount ?? 0);
    const where = `${label}/${key}/stage ${col.id}`;
    assert.equal(col.count, want.length, `${where}: count`);
    assert.deepEqual(col.amounts, amounts, `${where}: amounts`);
    assert.equal(col.amount, amounts[p.currency] ?? 0, `${where}: amount in the pipeline's currency`);
    assert.deepEqual(col.deals, want.slice(0, LIMIT), `${where}: first page, cards as the list writes them`);
    assert.equal(col.next === null, want.length <= LIMIT, `${where}: next`);
    // the rest of the stage, page by page
    const seen = col.deals.map((d) => d.id);
    for (let next = col.next, i = 0; next && i < 50; i++) {
      const pr = await c.get(`/api/v1/pipelines/${p.id}/board?limit=${LIMIT}&stage_id=${col.id}&after=${next}`);
      assert.equal(pr.status, 200, pr.text);
      assert.deepEqual([pr.json.stages[0].count, pr.json.stages[0].amounts], [col.count, col.amounts], `${where}: one stage's totals`);
      seen.push(...pr.json.stages[0].deals.map((d) => d.id));
      next = pr.json.stages[0].next;
    }
    assert.deepEqual(seen, want.map((d) => d.id), `${where}: every page`);
    // the first page of one stage alone
    const one = (await c.get(`/api/v1/pipelines/${p.id}/board?limit=${LIMIT}&stage_id=${col.id}`)).json.stages;
    assert.deepEqual(one, [col], `${where}: the stage alone`);
  }
  // the generic path (a filter that filters nothing) gives the same answer
  const generic = await c.get(`/api/v1/pipelines/${p.id}/board?limit=${LIMIT}&filter=${encodeURIComponent('id gt 0')}`);
  assert.equal(generic.status, 200, generic.text);
  assert.deepEqual(generic.json, board, `${label}/${key}: same as the generic path`);
  return board;
}

async function assertAll(label) {
  for (const key of Object.keys(clients)) await assertBoardIsTheList(key, label);
}

before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  const t1 = await mk('/api/v1/teams', { name: 'Board team one' });
  const t2 = await mk('/api/v1/teams', { name: 'Board team two' });
  await mk('/api/v1/roles', {
    name: 'deals-own',
    scopes: { deals: { read: 'own', write: 'own' }, pipelines: { read: 'all' }, users: { read: 'all' }, contacts: { read: 'own' }, companies: { read: 'own' } },
  });
  await mkUser('m1', 'manager', [t1.id]);
  await mkUser('m2', 'manager', [t1.id]);
  await mkUser('own', 'deals-own', [t1.id]);
  await mkUser('x', 'manager', [t2.id]);
  await mkUser('loner', 'manager', []);
  clients.admin = admin;
  p = await mk('/api/v1/pipelines', {
    name: 'Scoped board', currency: 'EUR',
    stages: [{ name: 'A' }, { name: 'B' }, { name: 'Won', kind: 'won' }, { name: 'Lost', kind: 'lost' }],
  });
  const [A, B, W] = p.stages.map((s) => s.id);
  const u = (k) => users[k].id;
  const specs = {
    m1eur: { stage_id: A, amount: 100, owner_id: u('m1') },
    m1usd: { stage_id: A, amount: 50, currency: 'USD', owner_id: u('m1') },
    m1none: { stage_id: B, owner_id: u('m1') },                                            // no amount
    m2shared: { stage_id: A, amount: 200, owner_id: u('m2'), co_owner_ids: [u('m1')] },   // owner and co-owner in team one
    xtwo: { stage_id: A, amount: 300, owner_id: u('x'), co_owner_ids: [u('m1'), u('m2')] }, // two co-owners in team one
    xown: { stage_id: B, amount: 400, owner_id: u('x'), co_owner_ids: [u('own')] },
    xonly: { stage_id: A, amount: 500, owner_id: u('x') },
    m1pln: { stage_id: W, amount: 70, currency: 'PLN', owner_id: u('m1'), co_owner_ids: [u('x')] },
    loner: { stage_id: A, amount: 9, owner_id: u('loner'), co_owner_ids: [u('x')] },
  };
  for (let i = 0; i < 4; i++) specs[`m1more${i}`] = { stage_id: A, amount: 10 + i, owner_id: u('m1') };
  // a stage where team one has only shared deals, the newest shared twice within the team:
  // the first page and its `next` must still count distinct deals
  const L = p.stages[3].id;
  specs.xs0 = { stage_id: L, amount: 1, owner_id: u('x'), co_owner_ids: [u('m1')], lost_reason: 'late' };
  specs.xs1 = { stage_id: L, amount: 2, owner_id: u('x'), co_owner_ids: [u('m1'), u('m2')], lost_reason: 'late' };
  specs.xs2 = { stage_id: L, amount: 4, owner_id: u('x'), co_owner_ids: [u('m2'), u('m1')], lost_reason: 'late' };
  specs.xs3 = { stage_id: L, amount: 8, owner_id: u('x'), co_owner_ids: [u('m1')], lost_reason: 'late' };
  specs.xs4 = { stage_id: L, amount: 16, owner_id: u('x'), co_owner_ids: [u('m1')], lost_reason: 'late' };
  for (const [key, s] of Object.entries(specs)) deals[key] = await mk('/api/v1/deals', { title: key, pipeline_id: p.id, ...s });
});
after(async () => { await srv.stop(); });

test('a scoped board counts each visible deal once, co-owned ones included, as the list does', async () => {
  await assertAll('created');
  // spot checks of what the rule means: team one sees its own deals, deals shared with
  // it (once, however many of its members share them), and nothing else
  const a = (await clients.m2.get(`/api/v1/pipelines/${p.id}/board`)).json.stages[0];
  assert.equal(a.count, 8, 'm1eur, m1usd, m2shared, xtwo, four m1more');
  assert.deepEqual(a.amounts, { EUR: 100 + 200 + 300 + 10 + 11 + 12 + 13, USD: 50 });
  const own = (await clients.own.get(`/api/v1/pipelines/${p.id}/board`)).json.stages;
  assert.deepEqual(own.map((s) => s.count), [0, 1, 0, 0], 'own scope: only the deal shared with them');
  const x = (await clients.x.get(`/api/v1/pipelines/${p.id}/board`)).json.stages;
  assert.deepEqual(x.map((s) => s.count), [3, 1, 1, 5], 'xtwo, xonly, loner (shared with x); xown; m1pln (shared with x); xs0-4');
  const lost = (await clients.m1.get(`/api/v1/pipelines/${p.id}/board?limit=2`)).json.stages[3];
  assert.deepEqual([lost.count, lost.amount, lost.deals.map((d) => d.title), lost.next !== null], [5, 31, ['xs4', 'xs3'], true]);
});

test('moves between stages and pipelines, new owners and co-owners keep the scoped board true', async () => {
  const [A, B, W] = p.stages.map((s) => s.id);
  await change('xtwo', { stage_id: B });
  await change('m1usd', { stage_id: W });
  await assertAll('moved');
  await change('m2shared', { owner_id: users.x.id });          // owner leaves the team, the co-owner stays
  await change('xown', { owner_id: users.own.id });            // the co-owner becomes the owner
  await change('xonly', { co_owner_ids: [users.m2.id] });      // shared into the team
  await change('xtwo', { co_owner_ids: [] });                  // no longer shared
  await change('loner', { co_owner_ids: [users.x.id, users.m1.id] });
  await assertAll('owners');
  await change('xown', { owner_id: users.x.id });              // ... and loses it again, with the share
  await assertAll('owner again');
  await change('m1eur', { amount: 130, currency: 'USD' });
  await change('m1none', { amount: 5 });
  await change('loner', { amount: 1 });
  await assertAll('amounts and currencies');
  const other = await mk('/api/v1/pipelines', { name: 'Elsewhere', stages: [{ name: 'only' }] });
  await change('m1more0', { pipeline_id: other.id });
  await change('xonly', { stage_id: A });                      // a stage it is already in: nothing moves
  await assertAll('other pipeline');
});

test('deletions, removed stages, reassignment and new deals keep the scoped board true', async () => {
  const [A, B] = p.stages.map((s) => s.id);
  for (const key of ['m1pln', 'm1more1']) {
    const r = await admin.del(`/api/v1/deals/${deals[key].id}`);
    assert.equal(r.status, 204, r.text);
    delete deals[key];
  }
  await assertAll('deleted');
  let r = await admin.del(`/api/v1/pipelines/${p.id}/stages/${B}?move_to=${A}`);
  assert.equal(r.status, 204, r.text);
  p = (await admin.get(`/api/v1/pipelines/${p.id}`)).json;
  await assertAll('stage removed');
  r = await admin.post('/api/v1/reassign', { from_user_id: users.m1.id, to_user_id: users.x.id, objects: ['deals'] });
  assert.equal(r.status, 200, r.text);
  await assertAll('reassigned');
  // deals made by the managers themselves (owned by their maker)
  for (const key of ['m2', 'own', 'loner']) {
    const d = await mk('/api/v1/deals', { title: `${key} made`, pipeline_id: p.id, amount: 3 }, clients[key]);
    assert.equal(d.owner_id, users[key].id);
  }
  await assertAll('made by managers');
  const m2 = (await clients.m2.get(`/api/v1/pipelines/${p.id}/board`)).json.stages;
  assert.ok(m2.every((s) => s.deals.every((d) => d.owner_id !== users.x.id || d.co_owner_ids.some((id) => [users.m2.id, users.own.id].includes(id)))),
    'nothing of x unless shared with team one');
});

test('other orders and filters on a scoped board stay on the generic path and agree with the list', async () => {
  const c = clients.m2;
  const list = await listAll(c, `/api/v1/deals?pipeline_id=${p.id}&sort=id`);
  const b = (await c.get(`/api/v1/pipelines/${p.id}/board?sort=id&limit=3`)).json;
  for (const col of b.stages) assert.deepEqual(col.deals.map((d) => d.id), list.filter((d) => d.stage_id === col.id).slice(0, 3).map((d) => d.id));
  const cheap = (await c.get(`/api/v1/pipelines/${p.id}/board?filter=${encodeURIComponent('amount lt 100')}`)).json;
  for (const col of cheap.stages) {
    const want = list.filter((d) => d.stage_id === col.id && d.amount !== null && d.amount < 100);
    assert.equal(col.count, want.length);
  }
  const page = await c.get(`/api/v1/pipelines/${p.id}/board?fields=title&limit=1`);
  assert.equal(page.status, 200, page.text);
  for (const col of page.json.stages) for (const d of col.deals) assert.deepEqual(Object.keys(d).sort(), ['id', 'title', 'version']);
  assert.equal((await c.get(`/api/v1/pipelines/${p.id}/board?sort=nope`)).status, 422);
  assert.equal((await c.get(`/api/v1/pipelines/${p.id}/board?stage_id=${p.stages[0].id}&after=garbage`)).status, 422);
});
